#include "medimg/preprocess/sampling_names.hpp"

#include "medimg/core/error.hpp"

namespace medimg {

Interpolation parse_interpolation(std::string_view name) {
  if (name == "nearest" || name == "0") return Interpolation::Nearest;
  if (name == "linear" || name == "1") return Interpolation::Linear;
  if (name == "bspline3" || name == "3") return Interpolation::BSpline3;
  MEDIMG_CHECK(false, ArgumentError, "unknown interpolation '", name,
               "'; expected 'nearest', 'linear' or 'bspline3'");
  return Interpolation::Linear;
}

BorderMode parse_border_mode(std::string_view name) {
  if (name == "constant" || name == "grid-constant") return BorderMode::Constant;
  if (name == "edge" || name == "nearest") return BorderMode::Edge;
  if (name == "reflect" || name == "grid-mirror") return BorderMode::Reflect;
  if (name == "mirror") return BorderMode::Mirror;
  if (name == "wrap" || name == "grid-wrap") return BorderMode::Wrap;
  MEDIMG_CHECK(false, ArgumentError, "unknown border mode '", name,
               "'; expected 'constant', 'edge', 'reflect', 'mirror' or 'wrap'");
  return BorderMode::Constant;
}

std::string to_string(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::Nearest: return "nearest";
    case Interpolation::Linear: return "linear";
    case Interpolation::BSpline3: return "bspline3";
  }
  return "linear";
}

std::string to_string(BorderMode border) {
  switch (border) {
    case BorderMode::Constant: return "constant";
    case BorderMode::Edge: return "edge";
    case BorderMode::Reflect: return "reflect";
    case BorderMode::Mirror: return "mirror";
    case BorderMode::Wrap: return "wrap";
  }
  return "constant";
}

}  // namespace medimg
