// Fundus photograph preprocessing; python/medimg/preprocess/_fundus.py wraps it (numpy /
// torch / Image in, the same kind out).
#include "common.hpp"

#include "medimg/pipelines/fundus.hpp"

namespace medimg::python {

void bind_preprocess_fundus(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;
  m.def("_fundus_mask", &fundus_mask, py::arg("image"), py::arg("threshold"), Release());
  m.def("_crop_fundus", &crop_fundus, py::arg("image"), py::arg("margin"), py::arg("threshold"),
        Release());
  m.def(
      "_ben_graham",
      [](const Image& image, double sigma, double circle, double threshold) {
        BenGrahamOptions o;
        o.sigma = sigma;
        o.circle = circle;
        o.threshold = threshold;
        return ben_graham(image, o);
      },
      py::arg("image"), py::arg("sigma"), py::arg("circle"), py::arg("threshold"), Release());
  m.def(
      "_clahe_green",
      [](const Image& image, double clip_limit, std::vector<std::int64_t> kernel_size, int nbins) {
        const auto o = ClaheOptions().clip_limit(clip_limit).kernel_size(std::move(kernel_size)).nbins(nbins);
        return clahe_green(image, o);
      },
      py::arg("image"), py::arg("clip_limit"), py::arg("kernel_size"), py::arg("nbins"), Release());
}

}  // namespace medimg::python
