// Ordinal (CORAL) outputs: python/medimg/nn/_ordinal.py wraps these private functions.
#include "common.hpp"

#include "medimg/nn/ordinal.hpp"

namespace medimg::python {

void bind_nn_ordinal(py::module_& m) {
  m.def("_ordinal_targets",
        [](const at::Tensor& grades, std::int64_t num_classes) {
          py::gil_scoped_release release;
          return nn::ordinal_targets(grades, num_classes);
        },
        py::arg("grades"), py::arg("num_classes"));
  m.def("_ordinal_loss",
        [](const at::Tensor& logits, const at::Tensor& grades) {
          py::gil_scoped_release release;
          return nn::ordinal_loss(logits, grades);
        },
        py::arg("logits"), py::arg("grades"));
  m.def("_ordinal_exceedance",
        [](const at::Tensor& logits) {
          py::gil_scoped_release release;
          return nn::ordinal_exceedance(logits);
        },
        py::arg("logits"));
  m.def("_ordinal_probabilities",
        [](const at::Tensor& logits) {
          py::gil_scoped_release release;
          return nn::ordinal_probabilities(logits);
        },
        py::arg("logits"));
  m.def("_ordinal_decode",
        [](const at::Tensor& logits) {
          py::gil_scoped_release release;
          return nn::ordinal_decode(logits);
        },
        py::arg("logits"));
}

}  // namespace medimg::python
