// Thresholds, footprints, morphology, connected components, region properties and edges
// (classic/threshold, footprint, morphology, label, regionprops, edges). The Pythonic layer
// (any input kind, footprint=None, string modes) is in python/medimg/classic/.
#include "common.hpp"

#include "medimg/classic/edges.hpp"
#include "medimg/classic/footprint.hpp"
#include "medimg/classic/label.hpp"
#include "medimg/classic/morphology.hpp"
#include "medimg/classic/regionprops.hpp"
#include "medimg/classic/threshold.hpp"
#include "medimg/core/error.hpp"
#include "medimg/preprocess/sampling_names.hpp"

namespace medimg::python {
namespace {

at::Tensor or_undefined(const std::optional<at::Tensor>& t) { return t ? *t : at::Tensor(); }

template <typename T>
py::tuple tuple_of(const std::vector<T>& values) {
  py::tuple out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = py::cast(values[i]);
  return out;
}

std::string kind_name(FootprintKind kind) {
  switch (kind) {
    case FootprintKind::Disk: return "disk";
    case FootprintKind::Ball: return "ball";
    case FootprintKind::Square: return "square";
    case FootprintKind::Cube: return "cube";
    case FootprintKind::Diamond: return "diamond";
    case FootprintKind::Octahedron: return "octahedron";
    case FootprintKind::Custom: break;
  }
  return "custom";
}

void bind_footprints(py::module_& m) {
  py::class_<Footprint>(m, "Footprint",
                        "A flat 2D or 3D footprint (structuring element); see classic.disk.")
      .def(py::init<const at::Tensor&>(), py::arg("values"))
      .def_property_readonly("kind", [](const Footprint& f) { return kind_name(f.kind()); })
      .def_property_readonly("size", &Footprint::size)
      .def_property_readonly("ndim", &Footprint::dims)
      .def_property_readonly("shape", [](const Footprint& f) { return tuple_of(f.shape()); })
      .def_property_readonly("count", &Footprint::count)
      .def("__array__", [](const Footprint& f, const py::object& dtype) {
             py::array_t<std::uint8_t> array(f.shape(), f.values().data());
             return dtype.is_none() ? py::object(array) : array.attr("astype")(dtype);
           }, py::arg("dtype") = py::none())
      .def("__repr__", &Footprint::name);
  m.def("_disk", &disk, py::arg("radius"));
  m.def("_ball", &ball, py::arg("radius"));
  m.def("_square", &square, py::arg("width"));
  m.def("_cube", &cube, py::arg("width"));
  m.def("_diamond", &diamond, py::arg("radius"));
  m.def("_octahedron", &octahedron, py::arg("radius"));
  m.def("_cross", &cross, py::arg("ndim"));
}

void bind_morphology(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_binary_erosion", &binary_erosion, py::arg("mask"), py::arg("footprint"), Release());
  m.def("_binary_dilation", &binary_dilation, py::arg("mask"), py::arg("footprint"), Release());
  m.def("_binary_opening", &binary_opening, py::arg("mask"), py::arg("footprint"), Release());
  m.def("_binary_closing", &binary_closing, py::arg("mask"), py::arg("footprint"), Release());
  m.def("_erosion", &erosion, py::arg("image"), py::arg("footprint"), Release());
  m.def("_dilation", &dilation, py::arg("image"), py::arg("footprint"), Release());
  m.def("_opening", &opening, py::arg("image"), py::arg("footprint"), Release());
  m.def("_closing", &closing, py::arg("image"), py::arg("footprint"), Release());
  m.def("_fill_holes", &fill_holes, py::arg("mask"), py::arg("connectivity"), Release());
  m.def("_remove_small_objects", &remove_small_objects, py::arg("ar"), py::arg("min_size"),
        py::arg("connectivity"), Release());
  m.def("_remove_small_holes", &remove_small_holes, py::arg("ar"), py::arg("area_threshold"),
        py::arg("connectivity"), Release());
}

void bind_components(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def(
      "_label",
      [](const at::Tensor& image, int connectivity, std::int64_t background) {
        LabelResult r = label(image, connectivity, background);
        return std::make_pair(r.labels, r.count);
      },
      py::arg("image"), py::arg("connectivity"), py::arg("background"), Release());
  m.def("_keep_largest", &keep_largest, py::arg("mask"), py::arg("n"), py::arg("connectivity"),
        Release());

  py::class_<RegionProps>(m, "RegionProps",
                          "Measurements of one label (see classic.regionprops).")
      .def_readonly("label", &RegionProps::label)
      .def_readonly("area", &RegionProps::area)
      .def_readonly("volume", &RegionProps::volume)
      .def_property_readonly("centroid", [](const RegionProps& p) { return tuple_of(p.centroid); })
      .def_property_readonly("centroid_world", [](const RegionProps& p) {
        return py::make_tuple(p.centroid_world.x(), p.centroid_world.y(), p.centroid_world.z());
      })
      .def_property_readonly("bbox", [](const RegionProps& p) { return tuple_of(p.bbox); })
      .def_readonly("intensity_mean", &RegionProps::intensity_mean)
      .def_readonly("intensity_min", &RegionProps::intensity_min)
      .def_readonly("intensity_max", &RegionProps::intensity_max)
      .def_readonly("equivalent_diameter", &RegionProps::equivalent_diameter)
      .def_readonly("axis_major_length", &RegionProps::axis_major_length)
      .def_readonly("axis_minor_length", &RegionProps::axis_minor_length)
      .def_readonly("elongation", &RegionProps::elongation)
      .def("__repr__", [](const RegionProps& p) {
        return ::medimg::detail::concat("RegionProps(label=", p.label, ", area=", p.area,
                                        ", volume=", p.volume, ")");
      });
  m.def(
      "_regionprops",
      [](const at::Tensor& labels, const Geometry& geometry,
         const std::optional<at::Tensor>& intensity) {
        return regionprops(labels, geometry, or_undefined(intensity));
      },
      py::arg("labels"), py::arg("geometry"), py::arg("intensity"), Release());
}

void bind_thresholds(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_threshold", &threshold, py::arg("image"), py::arg("value"), Release());
  m.def("_threshold_range", &threshold_range, py::arg("image"), py::arg("low"), py::arg("high"),
        Release());
  m.def(
      "_threshold_otsu",
      [](const at::Tensor& image, int nbins, const std::optional<at::Tensor>& mask) {
        return threshold_otsu(image, nbins, or_undefined(mask));
      },
      py::arg("image"), py::arg("nbins"), py::arg("mask"), Release());
  m.def(
      "_threshold_multiotsu",
      [](const at::Tensor& image, int classes, int nbins, const std::optional<at::Tensor>& mask) {
        return threshold_multiotsu(image, classes, nbins, or_undefined(mask));
      },
      py::arg("image"), py::arg("classes"), py::arg("nbins"), py::arg("mask"), Release());
}

void bind_edges(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def(
      "_canny",
      [](const at::Tensor& image, double sigma, std::optional<double> low,
         std::optional<double> high, const std::optional<at::Tensor>& mask, bool use_quantiles,
         const std::string& border, double fill_value) {
        CannyOptions options;
        options.sigma = sigma;
        options.low_threshold = low;
        options.high_threshold = high;
        options.mask = or_undefined(mask);
        options.use_quantiles = use_quantiles;
        options.border = parse_border_mode(border);
        options.fill_value = fill_value;
        return canny(image, options);
      },
      py::arg("image"), py::arg("sigma"), py::arg("low_threshold"), py::arg("high_threshold"),
      py::arg("mask"), py::arg("use_quantiles"), py::arg("border"), py::arg("fill_value"),
      Release());
  m.def(
      "_sobel",
      [](const at::Tensor& image, const std::optional<at::Tensor>& mask, int axis,
         const std::string& border) {
        return sobel(image, or_undefined(mask), axis, parse_border_mode(border));
      },
      py::arg("image"), py::arg("mask"), py::arg("axis"), py::arg("border"), Release());
}

}  // namespace

void bind_classic(py::module_& m) {
  bind_footprints(m);
  bind_morphology(m);
  bind_components(m);
  bind_thresholds(m);
  bind_edges(m);
}

}  // namespace medimg::python
