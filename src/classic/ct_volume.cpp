#include "detail/ct_volume.hpp"

#include "detail/components.hpp"
#include "medimg/core/error.hpp"

namespace medimg::detail {

at::Tensor ct_volume(const Image& ct, const char* name) {
  MEDIMG_CHECK(ct.defined(), ArgumentError, name, ": expected a CT image, got an undefined one");
  const at::Tensor& t = ct.tensor();
  MEDIMG_CHECK(t.dim() == 4 && t.size(0) == 1, ShapeError, name,
               ": expected a one-channel 3D CT image (1, Z, Y, X), got shape ", t.sizes());
  MEDIMG_CHECK(t.numel() > 0, ShapeError, name, ": the CT image is empty, shape ", t.sizes());
  MEDIMG_CHECK(t.device().is_cpu(), Unsupported, name, ": expected a CPU image, got ", t.device());
  MEDIMG_CHECK(t.scalar_type() != at::kBool, ArgumentError, name,
               ": expected Hounsfield units, got a bool image");
  MEDIMG_CHECK(!at::isComplexType(t.scalar_type()), Unsupported, name,
               ": expected real Hounsfield units, got dtype ", t.scalar_type());
  MEDIMG_CHECK(!any_nan(t), ArgumentError, name, ": the CT image holds NaN values");
  return t.select(0, 0).contiguous();
}

Eigen::Vector3d spacing_zyx(const Image& image) {
  const Eigen::VectorXd& s = image.geometry().spacing();
  return {s[0], s[1], s[2]};
}

}  // namespace medimg::detail
