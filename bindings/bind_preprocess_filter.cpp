// Smoothing filters; the Pythonic functions are in python/medimg/preprocess/_filter.py.
#include "common.hpp"

#include "medimg/preprocess/gaussian.hpp"
#include "medimg/preprocess/sampling_names.hpp"

namespace medimg::python {
namespace {
GaussianOptions gaussian_options(double truncate, const std::string& border, double fill_value) {
  GaussianOptions options;
  options.truncate = truncate;
  options.border = parse_border_mode(border);
  options.fill_value = fill_value;
  return options;
}
}  // namespace

void bind_preprocess_filter(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def(
      "_gaussian_filter",
      [](const at::Tensor& voxels, const std::vector<double>& sigma, double truncate,
         const std::string& border, double fill_value) {
        return gaussian_filter(voxels, sigma, gaussian_options(truncate, border, fill_value));
      },
      py::arg("voxels"), py::arg("sigma"), py::arg("truncate"), py::arg("border"),
      py::arg("fill_value"), Release());
  m.def(
      "_gaussian",
      [](const Image& image, const std::vector<double>& sigma_mm, double truncate,
         const std::string& border, double fill_value) {
        return gaussian(image, sigma_mm, gaussian_options(truncate, border, fill_value));
      },
      py::arg("image"), py::arg("sigma_mm"), py::arg("truncate"), py::arg("border"),
      py::arg("fill_value"), Release());
}

}  // namespace medimg::python
