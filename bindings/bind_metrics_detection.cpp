// Detection evaluation (LUNA16 matching, FROC, CPM). Detections and findings cross as
// columns (case ids, (N, 3) centres, scores or diameters); python/medimg/metrics/_detection.py
// builds those columns from records.
#include <initializer_list>
#include <string>
#include <vector>

#include "common.hpp"

#include "medimg/core/error.hpp"
#include "medimg/metrics/detection.hpp"

namespace medimg::python {
namespace {

using Column = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Flags = py::array_t<bool, py::array::c_style | py::array::forcecast>;

template <typename T>
py::array_t<T> to_array(const std::vector<T>& values) {
  return py::array_t<T>(static_cast<py::ssize_t>(values.size()), values.data());
}

void check_columns(const char* what, std::size_t n, const Column& centers,
                   std::initializer_list<py::ssize_t> lengths) {
  MEDIMG_CHECK(centers.ndim() == 2 && centers.shape(0) == static_cast<py::ssize_t>(n) &&
                   centers.shape(1) == 3,
               ShapeError, what, " centers must have shape (", n, ", 3), got ",
               centers.ndim() == 2
                   ? detail::concat("(", centers.shape(0), ", ", centers.shape(1), ")")
                   : detail::concat(centers.ndim(), " dimensions"));
  for (const py::ssize_t length : lengths) {
    MEDIMG_CHECK(length == static_cast<py::ssize_t>(n), ShapeError, what, " columns must all have ",
                 n, " entries, got one of ", length);
  }
}

std::vector<Detection> detections_from(const std::vector<std::string>& case_ids,
                                       const Column& centers, const Column& scores) {
  check_columns("detection", case_ids.size(), centers, {scores.size()});
  const auto c = centers.unchecked<2>();
  const auto s = scores.unchecked<1>();
  std::vector<Detection> out(case_ids.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto k = static_cast<py::ssize_t>(i);
    out[i] = {case_ids[i], {c(k, 0), c(k, 1), c(k, 2)}, s(k)};
  }
  return out;
}

std::vector<Finding> findings_from(const std::vector<std::string>& case_ids, const Column& centers,
                                   const Column& diameters, const Flags& excluded) {
  check_columns("finding", case_ids.size(), centers, {diameters.size(), excluded.size()});
  const auto c = centers.unchecked<2>();
  const auto d = diameters.unchecked<1>();
  const auto e = excluded.unchecked<1>();
  std::vector<Finding> out(case_ids.size());
  for (std::size_t j = 0; j < out.size(); ++j) {
    const auto k = static_cast<py::ssize_t>(j);
    out[j] = {case_ids[j], {c(k, 0), c(k, 1), c(k, 2)}, d(k), e(k)};
  }
  return out;
}

DetectionMatchOptions match_options(double radius_scale, double min_radius_mm) {
  return DetectionMatchOptions().radius_scale(radius_scale).min_radius_mm(min_radius_mm);
}

}  // namespace

void bind_metrics_detection(py::module_& m) {
  py::class_<DetectionMatch>(m, "DetectionMatch",
                             "Per-detection labels and per-finding scores of LUNA16 matching.")
      .def_property_readonly(
          "labels",
          [](const DetectionMatch& match) {
            py::list names;
            for (const DetectionLabel label : match.labels) names.append(to_string(label));
            return py::module_::import("numpy").attr("array")(names, py::arg("dtype") = "str");
          },
          "(N,) str array: true_positive, false_positive, duplicate or excluded.")
      .def_property_readonly(
          "matched_finding",
          [](const DetectionMatch& match) { return to_array(match.matched_finding); },
          "(N,) int64: the finding each detection was matched to, -1 for none.")
      .def_property_readonly(
          "finding_scores",
          [](const DetectionMatch& match) { return to_array(match.finding_scores); },
          "(M,) float64: best score per finding, NaN if missed or excluded.")
      .def_property_readonly(
          "finding_detection",
          [](const DetectionMatch& match) { return to_array(match.finding_detection); },
          "(M,) int64: the detection giving finding_scores, -1 for none.")
      .def("__repr__", [](const DetectionMatch& match) {
        std::size_t counts[4] = {0, 0, 0, 0};
        for (const DetectionLabel label : match.labels) ++counts[static_cast<int>(label)];
        return detail::concat("DetectionMatch(true_positive=", counts[0],
                              ", false_positive=", counts[1], ", duplicate=", counts[2],
                              ", excluded=", counts[3], ", findings=", match.finding_scores.size(),
                              ")");
      });

  py::class_<FrocCurve>(m, "FrocCurve", "A FROC curve: one point per distinct score threshold.")
      .def_property_readonly("fp_per_case",
                             [](const FrocCurve& c) { return to_array(c.fp_per_case); })
      .def_property_readonly("sensitivity",
                             [](const FrocCurve& c) { return to_array(c.sensitivity); })
      .def_property_readonly("thresholds",
                             [](const FrocCurve& c) { return to_array(c.thresholds); })
      .def_readonly("num_cases", &FrocCurve::num_cases)
      .def_readonly("num_findings", &FrocCurve::num_findings)
      .def_readonly("num_detected", &FrocCurve::num_detected)
      .def_readonly("num_false_positives", &FrocCurve::num_false_positives)
      .def("__repr__", [](const FrocCurve& c) {
        return detail::concat("FrocCurve(points=", c.thresholds.size(), ", num_cases=", c.num_cases,
                              ", num_findings=", c.num_findings, ", num_detected=", c.num_detected,
                              ", num_false_positives=", c.num_false_positives, ")");
      });

  m.def(
      "_match_detections",
      [](const std::vector<std::string>& case_ids, const Column& centers, const Column& scores,
         const std::vector<std::string>& gt_case_ids, const Column& gt_centers,
         const Column& gt_diameters, const Flags& gt_excluded, double radius_scale,
         double min_radius_mm) {
        const auto detections = detections_from(case_ids, centers, scores);
        const auto findings = findings_from(gt_case_ids, gt_centers, gt_diameters, gt_excluded);
        py::gil_scoped_release release;
        return match_detections(detections, findings, match_options(radius_scale, min_radius_mm));
      },
      py::arg("case_ids"), py::arg("centers"), py::arg("scores"), py::arg("gt_case_ids"),
      py::arg("gt_centers"), py::arg("gt_diameters"), py::arg("gt_excluded"),
      py::arg("radius_scale"), py::arg("min_radius_mm"));
  m.def(
      "_froc",
      [](const std::vector<std::string>& case_ids, const Column& centers, const Column& scores,
         const std::vector<std::string>& gt_case_ids, const Column& gt_centers,
         const Column& gt_diameters, const Flags& gt_excluded, std::int64_t num_cases,
         double radius_scale, double min_radius_mm) {
        const auto detections = detections_from(case_ids, centers, scores);
        const auto findings = findings_from(gt_case_ids, gt_centers, gt_diameters, gt_excluded);
        py::gil_scoped_release release;
        return froc(detections, findings, num_cases, match_options(radius_scale, min_radius_mm));
      },
      py::arg("case_ids"), py::arg("centers"), py::arg("scores"), py::arg("gt_case_ids"),
      py::arg("gt_centers"), py::arg("gt_diameters"), py::arg("gt_excluded"), py::arg("num_cases"),
      py::arg("radius_scale"), py::arg("min_radius_mm"));
  m.def("_sensitivity_at_fp", &sensitivity_at_fp, py::arg("curve"), py::arg("fp_per_case"));
  m.def("_cpm", &cpm, py::arg("curve"), py::arg("fp_rates"));
}

}  // namespace medimg::python
