// Overlap, surface distances, distance transform and point-set Hausdorff. The Pythonic
// functions (any input kind, spacing from an Image) are in python/medimg/metrics/.
#include "common.hpp"

#include "medimg/core/error.hpp"
#include "medimg/metrics/distance_transform.hpp"
#include "medimg/metrics/overlap.hpp"
#include "medimg/metrics/point_set_distance.hpp"
#include "medimg/metrics/surface_distance.hpp"

namespace medimg::python {

void bind_metrics(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;

  py::class_<ConfusionCounts>(m, "ConfusionCounts", "Voxel counts of one class.")
      .def_readonly("tp", &ConfusionCounts::tp)
      .def_readonly("fp", &ConfusionCounts::fp)
      .def_readonly("fn", &ConfusionCounts::fn)
      .def_readonly("tn", &ConfusionCounts::tn)
      .def("__repr__", [](const ConfusionCounts& c) {
        return ::medimg::detail::concat("ConfusionCounts(tp=", c.tp, ", fp=", c.fp, ", fn=", c.fn,
                              ", tn=", c.tn, ")");
      });
  py::enum_<OverlapMetric>(m, "OverlapMetric")
      .value("dice", OverlapMetric::Dice)
      .value("iou", OverlapMetric::IoU)
      .value("sensitivity", OverlapMetric::Sensitivity)
      .value("specificity", OverlapMetric::Specificity)
      .value("precision", OverlapMetric::Precision)
      .value("volume_similarity", OverlapMetric::VolumeSimilarity);
  m.def("_confusion_counts", &confusion_counts, py::arg("pred"), py::arg("ref"),
        py::arg("num_classes"), Release());
  m.def("_overlap_score", &overlap_score, py::arg("counts"), py::arg("metric"),
        py::arg("empty_value"));

  py::class_<SurfaceDistances>(m, "SurfaceDistances",
                               "Directed distances (mm) between two masks' surfaces.")
      .def_property_readonly("pred_to_ref", [](const SurfaceDistances& d) {
        return py::array_t<double>(static_cast<py::ssize_t>(d.pred_to_ref.size()),
                                   d.pred_to_ref.data());
      })
      .def_property_readonly("ref_to_pred", [](const SurfaceDistances& d) {
        return py::array_t<double>(static_cast<py::ssize_t>(d.ref_to_pred.size()),
                                   d.ref_to_pred.data());
      });
  m.def("_surface_distances", &surface_distances, py::arg("pred"), py::arg("ref"),
        py::arg("spacing"), Release());
  m.def("_hausdorff", &hausdorff, py::arg("distances"), py::arg("percentile"));
  m.def("_assd", &assd, py::arg("distances"));
  m.def("_masd", &masd, py::arg("distances"));
  m.def("_surface_dice", &surface_dice, py::arg("distances"), py::arg("tolerance_mm"));
  m.def("_distance_transform_edt", &distance_transform_edt, py::arg("mask"), py::arg("spacing"),
        Release());
  m.def("_directed_hausdorff", &directed_hausdorff, py::arg("from_points"),
        py::arg("to_points"), Release());
}

}  // namespace medimg::python
