// CT helpers of the lung-nodule pipeline (classic/lung, classic/nodule_segmentation):
// lung_mask, nodule_candidates and segment_nodule. The keyword layer is
// python/medimg/classic/_lung.py.
#include <array>
#include <optional>

#include "common.hpp"

#include "medimg/classic/lung.hpp"
#include "medimg/classic/nodule_segmentation.hpp"
#include "medimg/core/error.hpp"

namespace medimg::python {

void bind_classic_lung(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def(
      "_lung_mask",
      [](const Image& ct, double threshold, double min_lung_fraction, double closing_radius,
         int max_separation_erosions) {
        LungMaskOptions options;
        options.threshold = threshold;
        options.min_lung_fraction = min_lung_fraction;
        options.closing_radius = closing_radius;
        options.max_separation_erosions = max_separation_erosions;
        return lung_mask(ct, options);
      },
      py::arg("ct"), py::arg("threshold"), py::arg("min_lung_fraction"),
      py::arg("closing_radius"), py::arg("max_separation_erosions"), Release());

  py::class_<NoduleCandidate>(m, "NoduleCandidate", "A dense blob inside the lungs.")
      .def_property_readonly("centre", [](const NoduleCandidate& c) {
        return py::make_tuple(c.centre.x(), c.centre.y(), c.centre.z());
      })
      .def_property_readonly("index", [](const NoduleCandidate& c) {
        return py::make_tuple(c.index.x(), c.index.y(), c.index.z());
      })
      .def_readonly("diameter", &NoduleCandidate::diameter)
      .def_readonly("volume", &NoduleCandidate::volume)
      .def_readonly("mean_hu", &NoduleCandidate::mean_hu)
      .def_readonly("elongation", &NoduleCandidate::elongation)
      .def_readonly("voxels", &NoduleCandidate::voxels)
      .def("__repr__", [](const NoduleCandidate& c) {
        return ::medimg::detail::concat("NoduleCandidate(centre=(", c.centre.x(), ", ",
                                        c.centre.y(), ", ", c.centre.z(), "), diameter=",
                                        c.diameter, ", mean_hu=", c.mean_hu, ")");
      });
  m.def(
      "_nodule_candidates",
      [](const Image& ct, const Image& lungs, double threshold, double opening_radius,
         double min_diameter, double max_diameter, double max_elongation,
         std::int64_t min_shape_voxels) {
        NoduleCandidateOptions options;
        options.threshold = threshold;
        options.opening_radius = opening_radius;
        options.min_diameter = min_diameter;
        options.max_diameter = max_diameter;
        options.max_elongation = max_elongation;
        options.min_shape_voxels = min_shape_voxels;
        return nodule_candidates(ct, lungs, options);
      },
      py::arg("ct"), py::arg("lungs"), py::arg("threshold"), py::arg("opening_radius"),
      py::arg("min_diameter"), py::arg("max_diameter"), py::arg("max_elongation"),
      py::arg("min_shape_voxels"), Release());
  m.def(
      "_segment_nodule",
      [](const Image& ct, const std::array<double, 3>& centre, const std::optional<Image>& lungs,
         double threshold, double max_diameter, double opening_radius,
         double max_opening_radius, double seed_radius) {
        NoduleSegmentationOptions options;
        options.threshold = threshold;
        options.max_diameter = max_diameter;
        options.opening_radius = opening_radius;
        options.max_opening_radius = max_opening_radius;
        options.seed_radius = seed_radius;
        return segment_nodule(ct, Eigen::Vector3d(centre[0], centre[1], centre[2]),
                              lungs.value_or(Image()), options);
      },
      py::arg("ct"), py::arg("centre"), py::arg("lungs"), py::arg("threshold"),
      py::arg("max_diameter"), py::arg("opening_radius"), py::arg("max_opening_radius"),
      py::arg("seed_radius"), Release());
}

}  // namespace medimg::python
