// Spatial preprocessing: sampling (map_coordinates, affine_transform, spline_filter),
// resampling, crop/pad, orientation and affine warps. The Pythonic functions (any input
// kind, keyword arguments) are in python/medimg/preprocess/_spatial.py.
#include "common.hpp"

#include "medimg/core/error.hpp"
#include "medimg/preprocess/crop_pad.hpp"
#include "medimg/preprocess/interpolation.hpp"
#include "medimg/preprocess/orientation.hpp"
#include "medimg/preprocess/resample.hpp"
#include "medimg/preprocess/sampling_names.hpp"
#include "medimg/preprocess/warp.hpp"

namespace medimg::python {
namespace {

// Interpolation and border names as parse_interpolation / parse_border_mode accept them.
SampleOptions sample_options(const std::string& interpolation, const std::string& border,
                             double fill_value, bool prefilter) {
  SampleOptions options;
  options.interpolation = parse_interpolation(interpolation);
  options.border = parse_border_mode(border);
  options.fill_value = fill_value;
  options.prefilter = prefilter;
  return options;
}

PadMode pad_mode(const std::string& name) {
  if (name == "constant") return PadMode::Constant;
  if (name == "edge") return PadMode::Edge;
  if (name == "reflect") return PadMode::Reflect;
  if (name == "symmetric") return PadMode::Symmetric;
  if (name == "wrap") return PadMode::Wrap;
  throw ArgumentError("unknown pad mode '" + name +
                      "'; expected 'constant', 'edge', 'reflect', 'symmetric' or 'wrap' "
                      "(numpy.pad's names)");
}

LabelResampling label_mode(const std::string& name) {
  if (name == "nearest") return LabelResampling::Nearest;
  if (name == "one-hot") return LabelResampling::OneHot;
  throw ArgumentError("unknown label resampling mode '" + name +
                      "'; expected 'nearest' or 'one-hot'");
}

void bind_sampling(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_map_coordinates",
        [](const at::Tensor& voxels, const at::Tensor& coordinates,
           const std::string& interpolation, const std::string& border, double fill_value,
           bool prefilter) {
          return map_coordinates(voxels, coordinates,
                                 sample_options(interpolation, border, fill_value, prefilter));
        },
        py::arg("voxels"), py::arg("coordinates"), py::arg("interpolation"), py::arg("border"),
        py::arg("fill_value"), py::arg("prefilter"), Release());
  m.def("_affine_transform",
        [](const at::Tensor& voxels, const Eigen::MatrixXd& matrix,
           const std::vector<std::int64_t>& shape, const std::string& interpolation,
           const std::string& border, double fill_value, bool prefilter) {
          return affine_transform(voxels, matrix, shape,
                                  sample_options(interpolation, border, fill_value, prefilter));
        },
        py::arg("voxels"), py::arg("matrix"), py::arg("shape"), py::arg("interpolation"),
        py::arg("border"), py::arg("fill_value"), py::arg("prefilter"), Release());
  m.def("_spline_filter",
        [](const at::Tensor& voxels, const std::string& border) {
          return spline_filter(voxels, parse_border_mode(border));
        },
        py::arg("voxels"), py::arg("border"), Release());
}

void bind_resampling(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_resample",
        [](const Image& image, const std::vector<double>& spacing,
           const std::vector<std::int64_t>& shape, const std::string& interpolation,
           const std::string& border, double fill_value, bool prefilter) {
          return resample(image, spacing, shape,
                          sample_options(interpolation, border, fill_value, prefilter));
        },
        py::arg("image"), py::arg("spacing"), py::arg("shape"), py::arg("interpolation"),
        py::arg("border"), py::arg("fill_value"), py::arg("prefilter"), Release());
  m.def("_resample_labels",
        [](const Image& labels, const std::vector<double>& spacing,
           const std::vector<std::int64_t>& shape, const std::string& mode,
           const std::string& border, double fill_value) {
          return resample_labels(labels, spacing, shape, label_mode(mode),
                                 parse_border_mode(border), fill_value);
        },
        py::arg("labels"), py::arg("spacing"), py::arg("shape"), py::arg("mode"),
        py::arg("border"), py::arg("fill_value"), Release());
  m.def("_resample_to",
        [](const Image& image, const Geometry& geometry, const std::vector<std::int64_t>& shape,
           const std::string& interpolation, const std::string& border, double fill_value,
           bool prefilter) {
          return resample_to(image, geometry, shape,
                             sample_options(interpolation, border, fill_value, prefilter));
        },
        py::arg("image"), py::arg("geometry"), py::arg("shape"), py::arg("interpolation"),
        py::arg("border"), py::arg("fill_value"), py::arg("prefilter"), Release());
  m.def("_resample_labels_to",
        [](const Image& labels, const Geometry& geometry, const std::vector<std::int64_t>& shape,
           const std::string& mode, const std::string& border, double fill_value) {
          return resample_labels_to(labels, geometry, shape, label_mode(mode),
                                    parse_border_mode(border), fill_value);
        },
        py::arg("labels"), py::arg("geometry"), py::arg("shape"), py::arg("mode"),
        py::arg("border"), py::arg("fill_value"), Release());
}

void bind_crop_pad(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_crop", &crop, py::arg("image"), py::arg("start"), py::arg("stop"));
  m.def("_pad",
        [](const Image& image, const std::vector<std::int64_t>& before,
           const std::vector<std::int64_t>& after, const std::string& mode, double value) {
          return pad(image, before, after, pad_mode(mode), value);
        },
        py::arg("image"), py::arg("before"), py::arg("after"), py::arg("mode"), py::arg("value"),
        Release());
  m.def("_crop_or_pad",
        [](const Image& image, const std::vector<std::int64_t>& shape, const std::string& mode,
           double value) { return crop_or_pad(image, shape, pad_mode(mode), value); },
        py::arg("image"), py::arg("shape"), py::arg("mode"), py::arg("value"), Release());
  m.def("_foreground_box",
        [](const at::Tensor& voxels, double threshold) {
          const IndexBox box = foreground_box(voxels, threshold);
          return std::make_pair(box.start, box.stop);
        },
        py::arg("voxels"), py::arg("threshold"), Release());
  m.def("_crop_foreground",
        py::overload_cast<const Image&, double, const std::vector<std::int64_t>&>(
            &crop_foreground),
        py::arg("image"), py::arg("threshold"), py::arg("margin"), Release());
  m.def("_crop_foreground_mask",
        py::overload_cast<const Image&, const at::Tensor&, const std::vector<std::int64_t>&>(
            &crop_foreground),
        py::arg("image"), py::arg("mask"), py::arg("margin"), Release());
}

void bind_orientation(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_flip", &flip, py::arg("image"), py::arg("axes"), Release());
  m.def("_rot90", &rot90, py::arg("image"), py::arg("k"), py::arg("axes"), Release());
  m.def("_reorient", &reorient, py::arg("image"), py::arg("code"), Release());
  m.def("_orientation_code", &orientation_code, py::arg("geometry"));
}

void bind_warp(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_warp_affine",
        [](const Image& image, const Eigen::MatrixXd& matrix, bool inverse_map,
           const std::vector<std::int64_t>& shape, const std::string& interpolation,
           const std::string& border, double fill_value, bool prefilter) {
          WarpOptions options;
          options.sampling = sample_options(interpolation, border, fill_value, prefilter);
          options.inverse_map = inverse_map;
          options.shape = shape;
          return warp_affine(image, matrix, options);
        },
        py::arg("image"), py::arg("matrix"), py::arg("inverse_map"), py::arg("shape"),
        py::arg("interpolation"), py::arg("border"), py::arg("fill_value"), py::arg("prefilter"),
        Release());
  m.def("_affine_about_center",
        [](const std::vector<std::int64_t>& shape, const std::vector<double>& rotation,
           const std::vector<double>& scale, const std::vector<double>& translation,
           const std::vector<double>& shear) {
          CenteredAffine transform;
          transform.rotation = rotation;
          transform.scale = scale;
          transform.translation = translation;
          transform.shear = shear;
          return affine_about_center(shape, transform);
        },
        py::arg("shape"), py::arg("rotation"), py::arg("scale"), py::arg("translation"),
        py::arg("shear"));
}

}  // namespace

void bind_preprocess_spatial(py::module_& m) {
  bind_sampling(m);
  bind_resampling(m);
  bind_crop_pad(m);
  bind_orientation(m);
  bind_warp(m);
}

}  // namespace medimg::python
