// Grad-CAM of the medimg networks, its map from given activations and gradients (for plain
// torch modules, whose hooks run in Python: python/medimg/nn/_gradcam.py), the candidate
// layer names, and the colour overlay.
#include "common.hpp"

#include <functional>

#include "medimg/core/error.hpp"
#include "medimg/nn/cbam.hpp"
#include "medimg/nn/cnn3d.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/gradcam.hpp"
#include "medimg/nn/overlay.hpp"
#include "medimg/nn/resnet.hpp"
#include "medimg/nn/unet.hpp"

namespace medimg::python {

/// The C++ module behind a bound medimg network or loss, or a child of one (bind_nn.cpp).
torch::nn::Module& as_module(const py::handle& module);

namespace {

// The C++ network behind a bound medimg network object, and its forward.
struct BoundNetwork {
  torch::nn::Module* module = nullptr;
  std::function<at::Tensor(const at::Tensor&)> forward;
};

// Casts to the bound class itself first: torch::nn::Module is a virtual base of every
// Cloneable, so only C++ converts the pointer correctly (see bind_nn.cpp's as_module).
template <typename Impl>
bool resolve_as(const py::handle& object, BoundNetwork& network) {
  if (!py::isinstance<Impl>(object)) return false;
  Impl& impl = object.cast<Impl&>();
  network.module = &impl;
  network.forward = [&impl](const at::Tensor& x) { return impl.forward(x); };
  return true;
}

BoundNetwork resolve_network(const py::handle& object) {
  BoundNetwork network;
  if (resolve_as<nn::UNetImpl>(object, network) || resolve_as<nn::ResNetImpl>(object, network) ||
      resolve_as<nn::EfficientNetImpl>(object, network) ||
      resolve_as<nn::CNN3dImpl>(object, network) || resolve_as<nn::CBAMImpl>(object, network)) {
    return network;
  }
  throw ArgumentError(::medimg::detail::concat(
      "gradcam takes a medimg.nn network (UNet, ResNet, EfficientNet, CNN3d, CBAM) or a plain "
      "torch.nn.Module, got ",
      py::str(py::type::handle_of(object).attr("__name__")).cast<std::string>()));
}

}  // namespace

void bind_nn_gradcam(py::module_& m) {
  m.def("_gradcam",
        [](const py::object& network, const at::Tensor& input, const std::string& layer,
           std::vector<std::int64_t> class_index, const std::string& method) {
          const BoundNetwork bound = resolve_network(network);
          const auto options = nn::GradCamOptions(layer)
                                   .class_index(std::move(class_index))
                                   .method(nn::parse_cam_method(method));
          py::gil_scoped_release release;
          return nn::gradcam(*bound.module, bound.forward, input, options);
        },
        py::arg("network"), py::arg("input"), py::arg("layer"), py::arg("class_index"),
        py::arg("method"));
  m.def("_gradcam_map",
        [](const at::Tensor& activation, const at::Tensor& gradient,
           const std::vector<std::int64_t>& output_size, const std::string& method) {
          const nn::CamMethod parsed = nn::parse_cam_method(method);
          py::gil_scoped_release release;
          return nn::gradcam_map(activation, gradient, output_size, parsed);
        },
        py::arg("activation"), py::arg("gradient"), py::arg("output_size"), py::arg("method"));
  m.def("_gradcam_layers",
        [](const py::object& module) { return nn::gradcam_layers(as_module(module)); },
        py::arg("module"));
  m.def("_overlay",
        [](const Image& image, const at::Tensor& cam, double alpha, const std::string& colormap) {
          const auto options =
              nn::OverlayOptions().alpha(alpha).colormap(nn::parse_colormap(colormap));
          py::gil_scoped_release release;
          return nn::overlay(image, cam, options);
        },
        py::arg("image"), py::arg("cam"), py::arg("alpha"), py::arg("colormap"));
}

}  // namespace medimg::python
