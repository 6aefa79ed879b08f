// Windows, normalisation, histogram equalisation and CLAHE. The Pythonic functions (any
// input kind, strings for modes) are in python/medimg/preprocess/; mode strings become C++
// enums here and every kernel call releases the GIL.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"

#include "medimg/core/error.hpp"
#include "medimg/preprocess/clahe.hpp"
#include "medimg/preprocess/histogram.hpp"
#include "medimg/preprocess/intensity.hpp"

namespace medimg::python {
namespace {

WindowOptions window_options(const std::string& mode, double output_min, double output_max) {
  WindowOptions o;
  if (mode == "linear-clip") {
    o.mode(WindowMode::LinearClip);
  } else if (mode == "linear") {
    o.mode(WindowMode::Linear);
  } else if (mode == "linear-exact") {
    o.mode(WindowMode::LinearExact);
  } else {
    throw ArgumentError("window mode must be 'linear-clip', 'linear' (DICOM LINEAR) or "
                        "'linear-exact' (DICOM LINEAR_EXACT), got '" + mode + "'");
  }
  return o.output_min(output_min).output_max(output_max);
}

at::Tensor or_undefined(const std::optional<at::Tensor>& t) { return t ? *t : at::Tensor(); }

}  // namespace

void bind_preprocess_intensity(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_window", [](const at::Tensor& x, double center, double width, const std::string& mode,
                      double output_min, double output_max) {
          const WindowOptions o = window_options(mode, output_min, output_max);
          py::gil_scoped_release release;
          return window(x, center, width, o);
        }, py::arg("x"), py::arg("center"), py::arg("width"), py::arg("mode"),
        py::arg("output_min"), py::arg("output_max"));
  m.def("_window_out", [](at::Tensor out, const at::Tensor& x, double center, double width,
                          const std::string& mode, double output_min, double output_max) {
          const WindowOptions o = window_options(mode, output_min, output_max);
          py::gil_scoped_release release;
          window_out(out, x, center, width, o);
        }, py::arg("out"), py::arg("x"), py::arg("center"), py::arg("width"), py::arg("mode"),
        py::arg("output_min"), py::arg("output_max"));
  m.def("_window_preset", &window_preset, py::arg("name"));
  m.def("_window_from_metadata", [](const Image& image, const std::string& mode,
                                    double output_min, double output_max) {
          const WindowOptions o = window_options(mode, output_min, output_max);
          py::gil_scoped_release release;
          return window_from_metadata(image, o);
        }, py::arg("image"), py::arg("mode"), py::arg("output_min"), py::arg("output_max"));

  m.def("_normalize_minmax", &normalize_minmax, py::arg("image"), py::arg("output_min"),
        py::arg("output_max"), Release());
  m.def("_normalize_zscore", [](const Image& image, const std::optional<at::Tensor>& mask,
                                bool nonzero, std::optional<IntensityRange> clip,
                                std::vector<double> mean, std::vector<double> std) {
          const auto o = ZScoreOptions()
                             .mask(or_undefined(mask))
                             .nonzero(nonzero)
                             .clip(clip)
                             .mean(std::move(mean))
                             .stddev(std::move(std));
          py::gil_scoped_release release;
          return normalize_zscore(image, o);
        }, py::arg("image"), py::arg("mask"), py::arg("nonzero"), py::arg("clip"),
        py::arg("mean"), py::arg("std"));
  m.def("_channel_percentiles", [](const Image& image, double lower, double upper,
                                   const std::optional<at::Tensor>& mask, bool nonzero) {
          py::gil_scoped_release release;
          return channel_percentiles(image, lower, upper, or_undefined(mask), nonzero);
        }, py::arg("image"), py::arg("lower"), py::arg("upper"), py::arg("mask"),
        py::arg("nonzero"));
  m.def("_clip_percentile", [](const Image& image, double lower, double upper,
                               const std::optional<at::Tensor>& mask, bool nonzero) {
          py::gil_scoped_release release;
          return clip_percentile(image, lower, upper, or_undefined(mask), nonzero);
        }, py::arg("image"), py::arg("lower"), py::arg("upper"), py::arg("mask"),
        py::arg("nonzero"));

  m.def("_equalize_hist", [](const Image& image, int nbins, const std::optional<at::Tensor>& mask) {
          py::gil_scoped_release release;
          return equalize_hist(image, nbins, or_undefined(mask));
        }, py::arg("image"), py::arg("nbins"), py::arg("mask"));
  m.def("_clahe", [](const Image& image, double clip_limit,
                     std::vector<std::int64_t> kernel_size, int nbins) {
          const auto o = ClaheOptions()
                             .clip_limit(clip_limit)
                             .kernel_size(std::move(kernel_size))
                             .nbins(nbins);
          py::gil_scoped_release release;
          return clahe(image, o);
        }, py::arg("image"), py::arg("clip_limit"), py::arg("kernel_size"), py::arg("nbins"));
  m.def("_clahe_uint8", &clahe_uint8, py::arg("image"), py::arg("clip_limit"),
        py::arg("tile_grid"), Release());
}

}  // namespace medimg::python
