// The case-study pipelines (pipelines/): the lung-nodule detector and its patch sampler.
// The keyword layer is python/medimg/pipelines/.
#include "common.hpp"

#include <array>

#include "medimg/core/error.hpp"
#include "medimg/pipelines/lung_nodule.hpp"
#include "medimg/pipelines/nodule_overlay.hpp"
#include "medimg/train/predictor.hpp"

namespace medimg::python {

namespace {

using pipelines::LungNoduleDetector;
using pipelines::LungNoduleOptions;
using pipelines::LungNoduleResult;
using pipelines::NoduleDetection;
using pipelines::NodulePatchOptions;
using Release = py::call_guard<py::gil_scoped_release>;
using Point = std::array<double, 3>;

py::tuple xyz(const Eigen::Vector3d& v) { return py::make_tuple(v.x(), v.y(), v.z()); }

NodulePatchOptions patch_options(std::int64_t size, double spacing, double fill_hu,
                                 double window_low, double window_high) {
  NodulePatchOptions o;
  o.size = size;
  o.spacing = spacing;
  o.fill_hu = fill_hu;
  o.window_low = window_low;
  o.window_high = window_high;
  return o;
}

std::vector<Eigen::Vector3d> points(const std::vector<Point>& centres) {
  std::vector<Eigen::Vector3d> out;
  out.reserve(centres.size());
  for (const Point& c : centres) out.emplace_back(c[0], c[1], c[2]);
  return out;
}

void bind_results(py::module_& m) {
  py::class_<NoduleDetection>(m, "NoduleDetection", "One ranked lung-nodule finding.")
      .def_property_readonly("centre", [](const NoduleDetection& d) { return xyz(d.centre); })
      .def_property_readonly("index", [](const NoduleDetection& d) { return xyz(d.index); })
      .def_readonly("diameter", &NoduleDetection::diameter)
      .def_readonly("probability", &NoduleDetection::probability)
      .def_readonly("candidate", &NoduleDetection::candidate)
      .def("__repr__", [](const NoduleDetection& d) {
        return ::medimg::detail::concat("NoduleDetection(centre=(", d.centre.x(), ", ",
                                        d.centre.y(), ", ", d.centre.z(), "), diameter=",
                                        d.diameter, ", probability=", d.probability, ")");
      });
  py::class_<LungNoduleResult>(m, "LungNoduleResult", "Every stage's output for one scan.")
      .def_readonly("lungs", &LungNoduleResult::lungs)
      .def_readonly("candidates", &LungNoduleResult::candidates)
      .def_readonly("detections", &LungNoduleResult::detections)
      .def_property_readonly("seconds", [](const LungNoduleResult& r) {
        py::dict d;
        d["lungs"] = r.seconds_lungs;
        d["candidates"] = r.seconds_candidates;
        d["scoring"] = r.seconds_scoring;
        return d;
      });
}

// The stage options as plain records the Python layer fills from keywords.
void bind_stage_options(py::module_& m) {
  py::class_<LungMaskOptions>(m, "_LungMaskOptions")
      .def(py::init<>())
      .def_readwrite("threshold", &LungMaskOptions::threshold)
      .def_readwrite("min_lung_fraction", &LungMaskOptions::min_lung_fraction)
      .def_readwrite("closing_radius", &LungMaskOptions::closing_radius)
      .def_readwrite("max_separation_erosions", &LungMaskOptions::max_separation_erosions);
  py::class_<NoduleCandidateOptions>(m, "_NoduleCandidateOptions")
      .def(py::init<>())
      .def_readwrite("threshold", &NoduleCandidateOptions::threshold)
      .def_readwrite("opening_radius", &NoduleCandidateOptions::opening_radius)
      .def_readwrite("min_diameter", &NoduleCandidateOptions::min_diameter)
      .def_readwrite("max_diameter", &NoduleCandidateOptions::max_diameter)
      .def_readwrite("max_elongation", &NoduleCandidateOptions::max_elongation)
      .def_readwrite("min_shape_voxels", &NoduleCandidateOptions::min_shape_voxels);
}

}  // namespace

void bind_pipelines(py::module_& m) {
  bind_stage_options(m);
  m.def(
      "_nodule_patches",
      [](const Image& ct, const std::vector<Point>& centres, std::int64_t size, double spacing,
         double fill_hu, double window_low, double window_high) {
        return pipelines::nodule_patches(
            ct, points(centres), patch_options(size, spacing, fill_hu, window_low, window_high));
      },
      py::arg("ct"), py::arg("centres"), py::arg("size"), py::arg("spacing"), py::arg("fill_hu"),
      py::arg("window_low"), py::arg("window_high"), Release());

  bind_results(m);
  m.def(
      "_nodule_overlay",
      [](const Image& ct, const std::vector<NoduleDetection>& detections, std::size_t highlight,
         double window_low, double window_high, double margin_mm, double min_radius_mm,
         bool label) {
        pipelines::NoduleOverlayOptions o;
        o.window_low = window_low;
        o.window_high = window_high;
        o.margin_mm = margin_mm;
        o.min_radius_mm = min_radius_mm;
        o.label = label;
        return pipelines::nodule_overlay(ct, detections, highlight, o);
      },
      py::arg("ct"), py::arg("detections"), py::arg("highlight"), py::arg("window_low"),
      py::arg("window_high"), py::arg("margin_mm"), py::arg("min_radius_mm"), py::arg("label"),
      Release());
  py::class_<LungNoduleDetector, std::shared_ptr<LungNoduleDetector>>(
      m, "_LungNoduleDetector", "The lung-nodule pipeline (pipelines/lung_nodule.hpp).")
      .def(py::init([](std::shared_ptr<train::Predictor> network, const LungMaskOptions& lungs,
                       const NoduleCandidateOptions& candidates,
                       std::vector<double> opening_radii, std::int64_t patch_size,
                       double patch_spacing, double fill_hu, double window_low,
                       double window_high, std::int64_t batch_size, std::int64_t nodule_class,
                       double max_air_hu) {
             LungNoduleOptions o;
             o.lungs = lungs;
             o.candidates = candidates;
             o.opening_radii = std::move(opening_radii);
             o.patches = patch_options(patch_size, patch_spacing, fill_hu, window_low, window_high);
             o.batch_size = batch_size;
             o.nodule_class = nodule_class;
             o.max_air_hu = max_air_hu;
             return std::make_shared<LungNoduleDetector>(o, std::move(network));
           }),
           py::arg("network"), py::arg("lungs"), py::arg("candidates"),
           py::arg("opening_radii"), py::arg("patch_size"),
           py::arg("patch_spacing"), py::arg("fill_hu"), py::arg("window_low"),
           py::arg("window_high"), py::arg("batch_size"), py::arg("nodule_class"),
           py::arg("max_air_hu"))
      .def("check_ct", &LungNoduleDetector::check_ct, py::arg("ct"), Release())
      .def("lungs", &LungNoduleDetector::lungs, py::arg("ct"), Release())
      .def("candidates", &LungNoduleDetector::candidates, py::arg("ct"), py::arg("lungs"), Release())
      .def("patches", &LungNoduleDetector::patches, py::arg("ct"), py::arg("candidates"), Release())
      .def("score", &LungNoduleDetector::score, py::arg("ct"), py::arg("candidates"), Release())
      .def("detect", &LungNoduleDetector::detect, py::arg("ct"), Release())
      .def_property_readonly("has_network", &LungNoduleDetector::has_network);
}

}  // namespace medimg::python
