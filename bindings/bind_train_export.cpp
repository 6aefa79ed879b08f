// Networks from options, model files and predictors (nn/network.hpp, train/predictor.hpp).
// python/medimg/nn/_export.py and python/medimg/train/_predictor.py are the public layer.
#include "common.hpp"

#include <pybind11/stl/filesystem.h>

#include <memory>

#include "medimg/core/error.hpp"
#include "medimg/nn/cnn3d.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/network.hpp"
#include "medimg/nn/resnet.hpp"
#include "medimg/nn/unet.hpp"
#include "medimg/train/predictor.hpp"

namespace medimg::python {

/// The C++ module behind a bound medimg network or loss, or a child of one (bind_nn.cpp).
torch::nn::Module& as_module(const py::handle& module);

// The bound object (_medimg.cpp.UNet, ...) of a network's module, so that Python wraps it in
// its public class (medimg.nn.UNet, ...).
py::object network_module_object(const std::shared_ptr<torch::nn::Module>& module) {
  if (auto unet = std::dynamic_pointer_cast<nn::UNetImpl>(module)) return py::cast(unet);
  if (auto resnet = std::dynamic_pointer_cast<nn::ResNetImpl>(module)) return py::cast(resnet);
  if (auto efficientnet = std::dynamic_pointer_cast<nn::EfficientNetImpl>(module)) {
    return py::cast(efficientnet);
  }
  if (auto cnn3d = std::dynamic_pointer_cast<nn::CNN3dImpl>(module)) return py::cast(cnn3d);
  throw Unsupported("a network module of an architecture without a Python class");
}

// A Network describing the bound network object (shares its module).
nn::Network network_of(const py::handle& module) {
  return nn::Network(as_module(module).shared_from_this());
}

namespace {

using Release = py::call_guard<py::gil_scoped_release>;


train::PredictorOptions predictor_options(bool bf16, bool int8, int num_threads) {
  train::PredictorOptions o;
  o.bf16 = bf16;
  o.int8 = int8;
  o.num_threads = num_threads;
  return o;
}



void bind_networks(py::module_& m) {
  m.def(
      "_build_network",
      [](const std::string& architecture, const std::string& options_json) {
        nn::Network network;
        {
          py::gil_scoped_release release;
          network = nn::build_network(architecture, options_json);
        }
        return network_module_object(network.module());
      },
      py::arg("architecture"), py::arg("options_json"));
  m.def(
      "_describe_network",
      [](const py::object& module) {
        const nn::Network network = network_of(module);
        return py::make_tuple(network.architecture(), network.options_json());
      },
      py::arg("module"));
  m.def(
      "_save_model",
      [](const py::object& module, const std::filesystem::path& path) {
        const nn::Network network = network_of(module);
        py::gil_scoped_release release;
        nn::save_model(network, path);
      },
      py::arg("module"), py::arg("path"));
  m.def(
      "_load_model",
      [](const std::filesystem::path& path) {
        nn::Network network;
        {
          py::gil_scoped_release release;
          network = nn::load_model(path);
        }
        return network_module_object(network.module());
      },
      py::arg("path"));
}

void bind_predictors(py::module_& m) {
  py::class_<train::Predictor, std::shared_ptr<train::Predictor>>(
      m, "_Predictor", "A medimg network or TorchScript model for inference.")
      .def("forward", &train::Predictor::forward, py::arg("batch"), Release())
      .def(
          "predict",
          [](train::Predictor& predictor, const Image& image, const std::string& output,
             std::vector<std::int64_t> roi_size, std::int64_t sw_batch_size, double overlap,
             const std::string& mode, double sigma_scale, std::string padding_mode,
             double cval, bool flip_tta, ProgressCallback progress) {
            train::PredictOptions o;
            o.output = train::parse_prediction_output(output);
            o.sliding_window.roi_size = std::move(roi_size);
            o.sliding_window.sw_batch_size = sw_batch_size;
            o.sliding_window.overlap = overlap;
            o.sliding_window.mode = train::parse_blend_mode(mode);
            o.sliding_window.sigma_scale = sigma_scale;
            o.sliding_window.padding_mode = std::move(padding_mode);
            o.sliding_window.cval = cval;
            o.sliding_window.flip_tta = flip_tta;
            o.sliding_window.progress = std::move(progress);
            py::gil_scoped_release release;
            return predictor.predict(image, o);
          },
          py::arg("image"), py::arg("output"), py::arg("roi_size"), py::arg("sw_batch_size"),
          py::arg("overlap"), py::arg("mode"), py::arg("sigma_scale"), py::arg("padding_mode"),
          py::arg("cval"), py::arg("flip_tta"), py::arg("progress"))
      .def_property_readonly("kind",
                             [](const train::Predictor& predictor) {
                               return dynamic_cast<const train::ModulePredictor*>(&predictor)
                                          ? "module"
                                          : "torchscript";
                             })
      .def_property_readonly("module",
                             [](const train::Predictor& predictor) -> py::object {
                               auto p = dynamic_cast<const train::ModulePredictor*>(&predictor);
                               return p ? network_module_object(p->network().module()) : py::none();
                             })
      .def_property_readonly("quantized_layers", [](const train::Predictor& predictor) {
        auto p = dynamic_cast<const train::ModulePredictor*>(&predictor);
        return p ? p->network().quantized_layers() : std::vector<std::string>{};
      });
  m.def(
      "_module_predictor",
      [](const py::object& module, bool bf16, bool int8, int num_threads) {
        nn::Network network = network_of(module);
        py::gil_scoped_release release;
        return std::shared_ptr<train::Predictor>(std::make_shared<train::ModulePredictor>(
            std::move(network), predictor_options(bf16, int8, num_threads)));
      },
      py::arg("module"), py::arg("bf16"), py::arg("int8"), py::arg("num_threads"));
  m.def(
      "_load_predictor",
      [](const std::filesystem::path& path, bool bf16, bool int8, int num_threads) {
        py::gil_scoped_release release;
        return std::shared_ptr<train::Predictor>(
            train::load_predictor(path, predictor_options(bf16, int8, num_threads)));
      },
      py::arg("path"), py::arg("bf16"), py::arg("int8"), py::arg("num_threads"));
}

}  // namespace

void bind_train_export(py::module_& m) {
  bind_networks(m);
  bind_predictors(m);
}

}  // namespace medimg::python
