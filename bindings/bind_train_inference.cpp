// Sliding-window inference (train/sliding_window.hpp). The predictor is either a bound medimg
// U-Net, run in C++ without the GIL, or any Python callable, which gets the GIL only for its
// own call. python/medimg/train/_inference.py gives it MONAI's argument names.
#include "common.hpp"

#include <torch/csrc/autograd/python_variable.h>

#include <memory>

#include "medimg/core/error.hpp"
#include "medimg/nn/unet.hpp"
#include "medimg/train/sliding_window.hpp"

namespace medimg::python {
namespace {

std::string type_name(const py::handle& object) {
  return py::str(py::type::of(object).attr("__name__")).cast<std::string>();
}

train::WindowPredictor window_predictor(const py::object& predictor) {
  if (py::isinstance<nn::UNetImpl>(predictor)) {
    auto unet = predictor.cast<std::shared_ptr<nn::UNetImpl>>();
    return [unet](const at::Tensor& windows) { return unet->forward(windows); };
  }
  MEDIMG_CHECK(PyCallable_Check(predictor.ptr()), ArgumentError,
               "predictor must be a module or a callable, got ", type_name(predictor));
  // Copies of the std::function share one reference, dropped with the GIL held: the last
  // copy may die while the GIL is released.
  std::shared_ptr<py::object> callable(new py::object(predictor), [](py::object* object) {
    py::gil_scoped_acquire gil;
    delete object;
  });
  return [callable](const at::Tensor& windows) {
    py::gil_scoped_acquire gil;
    const py::object result = (*callable)(windows);
    MEDIMG_CHECK(THPVariable_Check(result.ptr()), ArgumentError,
                 "the predictor must return a torch.Tensor, got ", type_name(result));
    return result.cast<at::Tensor>();
  };
}



train::SlidingWindowOptions make_options(std::vector<std::int64_t> roi_size,
                                         std::int64_t sw_batch_size, double overlap,
                                         const std::string& mode, double sigma_scale,
                                         std::string padding_mode, double cval, bool flip_tta,
                                         ProgressCallback progress) {
  train::SlidingWindowOptions o;
  o.roi_size = std::move(roi_size);
  o.sw_batch_size = sw_batch_size;
  o.overlap = overlap;
  o.mode = train::parse_blend_mode(mode);
  o.sigma_scale = sigma_scale;
  o.padding_mode = std::move(padding_mode);
  o.cval = cval;
  o.flip_tta = flip_tta;
  o.progress = std::move(progress);
  return o;
}

}  // namespace

void bind_train_inference(py::module_& m) {
  m.def(
      "_sliding_window_inference",
      [](const at::Tensor& inputs, const py::object& predictor, std::vector<std::int64_t> roi_size,
         std::int64_t sw_batch_size, double overlap, const std::string& mode, double sigma_scale,
         std::string padding_mode, double cval, bool flip_tta, ProgressCallback progress) {
        const train::WindowPredictor fn = window_predictor(predictor);
        const train::SlidingWindowOptions options =
            make_options(std::move(roi_size), sw_batch_size, overlap, mode, sigma_scale,
                         std::move(padding_mode), cval, flip_tta, std::move(progress));
        py::gil_scoped_release release;
        return train::sliding_window_inference(inputs, fn, options);
      },
      py::arg("inputs"), py::arg("predictor"), py::arg("roi_size"), py::arg("sw_batch_size"),
      py::arg("overlap"), py::arg("mode"), py::arg("sigma_scale"), py::arg("padding_mode"),
      py::arg("cval"), py::arg("flip_tta"), py::arg("progress"));
  m.def(
      "_sliding_window_predict",
      [](const Image& image, const py::object& predictor, std::vector<std::int64_t> roi_size,
         std::int64_t sw_batch_size, double overlap, const std::string& mode, double sigma_scale,
         std::string padding_mode, double cval, bool flip_tta, ProgressCallback progress,
         const std::string& output) {
        const train::WindowPredictor fn = window_predictor(predictor);
        const train::SlidingWindowOptions options =
            make_options(std::move(roi_size), sw_batch_size, overlap, mode, sigma_scale,
                         std::move(padding_mode), cval, flip_tta, std::move(progress));
        const train::PredictionOutput kind = train::parse_prediction_output(output);
        py::gil_scoped_release release;
        return train::sliding_window_predict(image, fn, options, kind);
      },
      py::arg("image"), py::arg("predictor"), py::arg("roi_size"), py::arg("sw_batch_size"),
      py::arg("overlap"), py::arg("mode"), py::arg("sigma_scale"), py::arg("padding_mode"),
      py::arg("cval"), py::arg("flip_tta"), py::arg("progress"), py::arg("output"));
  m.def("_gaussian_importance_map", &train::gaussian_importance_map, py::arg("roi_size"),
        py::arg("sigma_scale"));
}

}  // namespace medimg::python
