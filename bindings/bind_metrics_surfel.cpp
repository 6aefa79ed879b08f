// Surfel-weighted surface distances (DeepMind's definition). The Pythonic functions (any
// input kind, spacing from an Image, method="surfel") are in python/medimg/metrics/.
#include "common.hpp"

#include "medimg/metrics/surfel_distance.hpp"

namespace medimg::python {
namespace {

py::array_t<double> as_array(const std::vector<double>& values) {
  return py::array_t<double>(static_cast<py::ssize_t>(values.size()), values.data());
}

py::tuple as_tuple(const DirectedValues& v) { return py::make_tuple(v.pred_to_ref, v.ref_to_pred); }

}  // namespace

void bind_metrics_surfel(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;

  py::class_<SurfelDistances>(
      m, "SurfelDistances",
      "Surface elements of two masks: their sizes and directed distances (mm), grid order.")
      .def_property_readonly("pred_to_ref",
                             [](const SurfelDistances& d) { return as_array(d.pred_to_ref); })
      .def_property_readonly("ref_to_pred",
                             [](const SurfelDistances& d) { return as_array(d.ref_to_pred); })
      .def_property_readonly("pred_areas",
                             [](const SurfelDistances& d) { return as_array(d.pred_areas); })
      .def_property_readonly("ref_areas",
                             [](const SurfelDistances& d) { return as_array(d.ref_areas); })
      .def(
          "average_surface_distance",
          [](const SurfelDistances& d) { return as_tuple(average_surface_distance(d)); },
          "(pred_to_ref, ref_to_pred): area-weighted mean distance of each surface to the other.")
      .def(
          "surface_overlap",
          [](const SurfelDistances& d, double tolerance_mm) {
            return as_tuple(surface_overlap(d, tolerance_mm));
          },
          py::arg("tolerance_mm"),
          "(pred, ref): the fraction of each surface's area within tolerance_mm of the other.");
  m.def("_surfel_distances", &surfel_distances, py::arg("pred"), py::arg("ref"),
        py::arg("spacing"), Release());
  m.def("_surfel_areas_by_code", &surfel_areas_by_code, py::arg("spacing"));
  m.def("_surfel_hausdorff",
        py::overload_cast<const SurfelDistances&, std::optional<double>>(&hausdorff),
        py::arg("distances"), py::arg("percentile"));
  m.def("_surfel_assd", py::overload_cast<const SurfelDistances&>(&assd), py::arg("distances"));
  m.def("_surfel_masd", py::overload_cast<const SurfelDistances&>(&masd), py::arg("distances"));
  m.def("_surfel_surface_dice",
        py::overload_cast<const SurfelDistances&, double>(&surface_dice), py::arg("distances"),
        py::arg("tolerance_mm"));
}

}  // namespace medimg::python
