// Classification metrics, bootstrap intervals and the metric accumulator. Option strings
// ("macro", "quadratic", "median") become C++ enums here; every call on tensors releases the
// GIL.
#include <string>

#include "common.hpp"

#include "medimg/core/error.hpp"
#include "medimg/metrics/accumulator.hpp"
#include "medimg/metrics/bootstrap.hpp"
#include "medimg/metrics/classification.hpp"
#include "medimg/metrics/kappa.hpp"
#include "medimg/metrics/roc.hpp"

namespace medimg::python {
namespace {

Average to_average(const std::string& name) {
  if (name == "macro") return Average::Macro;
  if (name == "weighted") return Average::Weighted;
  throw ArgumentError("average must be 'macro' or 'weighted', got '" + name + "'");
}

KappaWeighting to_weighting(const std::optional<std::string>& name) {
  if (!name) return KappaWeighting::Unweighted;
  if (*name == "linear") return KappaWeighting::Linear;
  if (*name == "quadratic") return KappaWeighting::Quadratic;
  throw ArgumentError("weights must be None, 'linear' or 'quadratic', got '" + *name + "'");
}

Reduction to_reduction(const std::string& name) {
  if (name == "mean") return Reduction::Mean;
  if (name == "std") return Reduction::Std;
  if (name == "median") return Reduction::Median;
  if (name == "min") return Reduction::Min;
  if (name == "max") return Reduction::Max;
  throw ArgumentError(
      "reduction must be 'mean', 'std', 'median', 'min' or 'max', got '" + name + "'");
}

void bind_functions(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_confusion_matrix", &confusion_matrix, py::arg("y_true"), py::arg("y_pred"),
        py::arg("num_classes") = py::none(), Release());
  m.def("_accuracy", &accuracy, py::arg("y_true"), py::arg("y_pred"), Release());
  m.def("_balanced_accuracy", &balanced_accuracy, py::arg("y_true"), py::arg("y_pred"),
        Release());
  m.def("_roc_curve", [](const at::Tensor& y_true, const at::Tensor& y_score,
                         bool drop_intermediate) {
          RocCurve curve;
          {
            py::gil_scoped_release release;
            curve = roc_curve(y_true, y_score, drop_intermediate);
          }
          return py::make_tuple(curve.fpr, curve.tpr, curve.thresholds);
        }, py::arg("y_true"), py::arg("y_score"), py::arg("drop_intermediate") = true);
  m.def("_roc_auc", [](const at::Tensor& y_true, const at::Tensor& y_score,
                       const std::string& average) {
          const Average a = to_average(average);
          py::gil_scoped_release release;
          return roc_auc(y_true, y_score, a);
        }, py::arg("y_true"), py::arg("y_score"), py::arg("average") = "macro");
  m.def("_pr_auc", &pr_auc, py::arg("y_true"), py::arg("y_score"), Release());
  m.def("_sensitivity_at_specificity", &sensitivity_at_specificity, py::arg("y_true"),
        py::arg("y_score"), py::arg("specificity"), Release());
  m.def("_cohen_kappa", [](const at::Tensor& y1, const at::Tensor& y2,
                           const std::optional<std::string>& weights,
                           std::optional<std::int64_t> num_classes) {
          const KappaWeighting w = to_weighting(weights);
          py::gil_scoped_release release;
          return cohen_kappa(y1, y2, w, num_classes);
        }, py::arg("y1"), py::arg("y2"), py::arg("weights") = py::none(),
        py::arg("num_classes") = py::none());

  py::class_<ConfidenceInterval>(m, "ConfidenceInterval",
                                 "A point estimate and its percentile-bootstrap interval.")
      .def_readonly("estimate", &ConfidenceInterval::estimate)
      .def_readonly("lower", &ConfidenceInterval::lower)
      .def_readonly("upper", &ConfidenceInterval::upper)
      .def_readonly("n_valid", &ConfidenceInterval::n_valid)
      .def("__repr__", [](const ConfidenceInterval& ci) {
        return detail::concat("ConfidenceInterval(estimate=", ci.estimate, ", lower=", ci.lower,
                              ", upper=", ci.upper, ", n_valid=", ci.n_valid, ")");
      });
  // The metric is called on this thread; pybind11 takes the GIL back for each Python call.
  m.def("_bootstrap_ci", [](const CaseMetric& metric, const at::Tensor& y_true,
                            const at::Tensor& y_score, std::int64_t n, double alpha,
                            std::uint64_t seed) {
          return bootstrap_ci(metric, y_true, y_score,
                              BootstrapOptions().n(n).alpha(alpha).seed(seed));
        }, py::arg("metric"), py::arg("y_true"), py::arg("y_score"), py::arg("n") = 1000,
        py::arg("alpha") = 0.05, py::arg("seed") = 0, Release());
}

void bind_accumulator(py::module_& m) {
  py::class_<MetricAccumulator>(m, "MetricAccumulator", R"doc(
Per-case metric values collected over a validation set and reduced per channel.

update() takes a scalar (one case, one channel), a (B,) array or tensor (B cases, one
channel) or a (B, C) one (B cases, C channels, e.g. a per-case Dice). NaN values are counted
(nan_count) and ignored by every reduction (numpy's nanmean, nanstd with ddof=0, nanmedian,
nanmin, nanmax, nanpercentile); a channel with no other value reduces to NaN. Results are
(C,) float64 tensors.)doc")
      .def(py::init<>())
      .def("update", [](MetricAccumulator& acc, const py::object& values) {
             if (py::isinstance<py::float_>(values) || py::isinstance<py::int_>(values)) {
               acc.update(py::cast<double>(values));
             } else {
               acc.update(tensor_from_python(values));
             }
           }, py::arg("values"), "Appends a scalar, (B,) or (B, C) values.")
      .def("reset", &MetricAccumulator::reset, "Forgets every value.")
      .def_property_readonly("num_cases", &MetricAccumulator::num_cases)
      .def_property_readonly("num_channels", &MetricAccumulator::num_channels)
      .def("__len__", &MetricAccumulator::num_cases)
      .def("values", &MetricAccumulator::values,
           "Every value collected, (num_cases, C) float64.")
      .def("count", &MetricAccumulator::count, "Values that are not NaN per channel, (C,) int64.")
      .def("nan_count", &MetricAccumulator::nan_count, "NaN values per channel, (C,) int64.")
      .def("reduce", [](const MetricAccumulator& acc, const std::string& reduction) {
             return acc.reduce(to_reduction(reduction));
           }, py::arg("reduction") = "mean",
           "'mean', 'std' (ddof=0), 'median', 'min' or 'max' per channel, ignoring NaN; (C,).")
      .def("percentile", &MetricAccumulator::percentile, py::arg("q"),
           "The q-th percentile (q in [0, 100]) per channel, ignoring NaN; (C,) float64.")
      .def("__repr__", [](const MetricAccumulator& acc) {
        return detail::concat("MetricAccumulator(num_cases=", acc.num_cases(),
                              ", num_channels=", acc.num_channels(), ")");
      });
}

}  // namespace

void bind_metrics_classification(py::module_& m) {
  bind_functions(m);
  bind_accumulator(m);
}

}  // namespace medimg::python
