// Networks (medimg::nn) as torch.nn.Modules. torch::python::bind_module puts each C++ class
// in _medimg.cpp (UNet, ResNet, ...) and a torch.nn.cpp.ModuleWrapper subclass of the same
// name in _medimg; python/medimg/nn/_module.py wraps the C++ objects so that their children
// are torch.nn.Modules too (state_dict(), load_state_dict() and named_modules() recurse).
#include "common.hpp"

#include <pybind11/stl/filesystem.h>
#include <torch/python.h>

#include <map>
#include <sstream>

#include "medimg/core/error.hpp"
#include "medimg/nn/cbam.hpp"
#include "medimg/nn/cnn3d.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/losses.hpp"
#include "medimg/nn/serialize.hpp"
#include "medimg/nn/summary.hpp"
#include "medimg/nn/torchvision_weights.hpp"
#include "medimg/nn/unet.hpp"

namespace medimg::python {
namespace {

using Release = py::call_guard<py::gil_scoped_release>;
using StringList = std::vector<std::string>;

// (output, {name: feature}) in the order asked.
py::tuple features_tuple(nn::Features&& features) {
  py::dict named;
  for (auto& item : features.features) named[py::str(item.key())] = item.value();
  return py::make_tuple(features.output, named);
}

// forward_features, and for the classifiers freeze_backbone / unfreeze / replace_head.
template <typename Impl, bool classifier, typename Class>
void bind_network_methods(Class& cls) {
  cls.def("forward_features",
          [](Impl& module, const at::Tensor& x, const StringList& names) {
            nn::Features features;
            {
              py::gil_scoped_release release;
              features = module.forward_features(x, names);
            }
            return features_tuple(std::move(features));
          },
          py::arg("x"), py::arg("names"));
  if constexpr (classifier) {
    cls.def("freeze_backbone", &Impl::freeze_backbone)
        .def("unfreeze", &Impl::unfreeze)
        .def("replace_head", &Impl::replace_head, py::arg("num_classes"));
  }
}

}  // namespace

// The C++ module of a bound network or loss or of one of its children. pybind11 treats
// class_<UNetImpl, torch::nn::Module> as single inheritance and would hand over the UNetImpl
// pointer unchanged as a Module pointer; Module is a *virtual* base of every Cloneable, at
// another address. So each bound class is cast to itself first and converted by C++.
torch::nn::Module& as_module(const py::handle& module) {
  if (py::isinstance<nn::UNetImpl>(module)) return module.cast<nn::UNetImpl&>();
  if (py::isinstance<nn::ResNetImpl>(module)) return module.cast<nn::ResNetImpl&>();
  if (py::isinstance<nn::EfficientNetImpl>(module)) return module.cast<nn::EfficientNetImpl&>();
  if (py::isinstance<nn::CBAMImpl>(module)) return module.cast<nn::CBAMImpl&>();
  if (py::isinstance<nn::CNN3dImpl>(module)) return module.cast<nn::CNN3dImpl&>();
  if (py::isinstance<nn::WeightedBCELossImpl>(module)) {
    return module.cast<nn::WeightedBCELossImpl&>();
  }
  if (py::isinstance<nn::DiceLossImpl>(module)) return module.cast<nn::DiceLossImpl&>();
  if (py::isinstance<nn::DiceCELossImpl>(module)) return module.cast<nn::DiceCELossImpl&>();
  if (py::isinstance<nn::FocalLossImpl>(module)) return module.cast<nn::FocalLossImpl&>();
  if (py::isinstance<nn::TverskyLossImpl>(module)) return module.cast<nn::TverskyLossImpl&>();
  return module.cast<torch::nn::Module&>();  // children: torch._C.cpp.nn.Module itself
}

namespace {

// Python's dict order is kept, as in the C++ OrderedDict.
nn::StateDict state_dict_from(const py::dict& weights) {
  nn::StateDict state;
  for (const auto& item : weights) {
    state.insert(py::cast<std::string>(item.first), py::cast<at::Tensor>(item.second));
  }
  return state;
}

void bind_networks(py::module_& m) {
  const nn::UNetOptions unet(2, 1, 1);
  auto unet_class = torch::python::bind_module<nn::UNetImpl>(m, "UNet");
  unet_class.def(
      py::init([](std::int64_t spatial_dims, std::int64_t in_channels,
                  std::int64_t out_channels, std::vector<std::int64_t> features,
                  const std::string& norm, std::int64_t num_groups,
                  const std::string& activation, double dropout, const std::string& upsample,
                  bool residual, bool deep_supervision, bool pad_input) {
        return std::make_shared<nn::UNetImpl>(nn::UNetOptions(spatial_dims, in_channels,
                                                              out_channels)
                                                  .features(std::move(features))
                                                  .norm(nn::parse_norm(norm))
                                                  .num_groups(num_groups)
                                                  .activation(nn::parse_activation(activation))
                                                  .dropout(dropout)
                                                  .upsample(nn::parse_upsample(upsample))
                                                  .residual(residual)
                                                  .deep_supervision(deep_supervision)
                                                  .pad_input(pad_input));
      }),
      py::kw_only(), py::arg("spatial_dims"), py::arg("in_channels"), py::arg("out_channels"),
      py::arg("features") = unet.features(), py::arg("norm") = nn::to_string(unet.norm()),
      py::arg("num_groups") = unet.num_groups(),
      py::arg("activation") = nn::to_string(unet.activation()),
      py::arg("dropout") = unet.dropout(), py::arg("upsample") = nn::to_string(unet.upsample()),
      py::arg("residual") = unet.residual(), py::arg("deep_supervision") = unet.deep_supervision(),
      py::arg("pad_input") = unet.pad_input());
  unet_class.def("forward_deep_supervision", &nn::UNetImpl::forward_deep_supervision,
                 py::arg("x"), Release());
  bind_network_methods<nn::UNetImpl, false>(unet_class);

  const nn::ResNetOptions resnet(18);
  auto resnet_class = torch::python::bind_module<nn::ResNetImpl>(m, "ResNet");
  resnet_class.def(
      py::init([](std::int64_t depth, std::int64_t spatial_dims, std::int64_t in_channels,
                  std::int64_t num_classes, std::int64_t width, bool cbam,
                  std::int64_t cbam_reduction) {
        return std::make_shared<nn::ResNetImpl>(nn::ResNetOptions(depth)
                                                    .spatial_dims(spatial_dims)
                                                    .in_channels(in_channels)
                                                    .num_classes(num_classes)
                                                    .width(width)
                                                    .cbam(cbam)
                                                    .cbam_reduction(cbam_reduction));
      }),
      py::arg("depth"), py::kw_only(), py::arg("spatial_dims") = resnet.spatial_dims(),
      py::arg("in_channels") = resnet.in_channels(), py::arg("num_classes") = resnet.num_classes(),
      py::arg("width") = resnet.width(), py::arg("cbam") = resnet.cbam(),
      py::arg("cbam_reduction") = resnet.cbam_reduction());
  bind_network_methods<nn::ResNetImpl, true>(resnet_class);

  const nn::EfficientNetOptions efficientnet;
  auto efficientnet_class = torch::python::bind_module<nn::EfficientNetImpl>(m, "EfficientNet");
  efficientnet_class.def(
      py::init([](const std::string& variant, std::int64_t spatial_dims,
                  std::int64_t in_channels, std::int64_t num_classes,
                  std::optional<double> dropout, double stochastic_depth, bool cbam,
                  std::int64_t cbam_reduction, std::optional<double> width_multiplier,
                  std::optional<double> depth_multiplier, std::int64_t output_stride,
                  bool dilated, std::int64_t cbam_from_stage) {
        return std::make_shared<nn::EfficientNetImpl>(
            nn::EfficientNetOptions(nn::parse_efficientnet_variant(variant))
                .spatial_dims(spatial_dims)
                .in_channels(in_channels)
                .num_classes(num_classes)
                .dropout(dropout)
                .stochastic_depth(stochastic_depth)
                .cbam(cbam)
                .cbam_reduction(cbam_reduction)
                .cbam_from_stage(cbam_from_stage)
                .width_multiplier(width_multiplier)
                .depth_multiplier(depth_multiplier)
                .output_stride(output_stride)
                .dilated(dilated));
      }),
      py::arg("variant") = nn::to_string(efficientnet.variant()), py::kw_only(),
      py::arg("spatial_dims") = efficientnet.spatial_dims(),
      py::arg("in_channels") = efficientnet.in_channels(),
      py::arg("num_classes") = efficientnet.num_classes(), py::arg("dropout") = py::none(),
      py::arg("stochastic_depth") = efficientnet.stochastic_depth(),
      py::arg("cbam") = efficientnet.cbam(),
      py::arg("cbam_reduction") = efficientnet.cbam_reduction(),
      py::arg("width_multiplier") = py::none(), py::arg("depth_multiplier") = py::none(),
      py::arg("output_stride") = efficientnet.output_stride(),
      py::arg("dilated") = efficientnet.dilated(),
      py::arg("cbam_from_stage") = efficientnet.cbam_from_stage());
  bind_network_methods<nn::EfficientNetImpl, true>(efficientnet_class);

  const nn::CBAMOptions cbam(1);
  torch::python::bind_module<nn::CBAMImpl>(m, "CBAM").def(
      py::init([](std::int64_t channels, std::int64_t reduction, std::int64_t spatial_kernel,
                  std::int64_t spatial_dims) {
        return std::make_shared<nn::CBAMImpl>(nn::CBAMOptions(channels)
                                                  .reduction(reduction)
                                                  .spatial_kernel(spatial_kernel)
                                                  .spatial_dims(spatial_dims));
      }),
      py::arg("channels"), py::kw_only(), py::arg("reduction") = cbam.reduction(),
      py::arg("spatial_kernel") = cbam.spatial_kernel(),
      py::arg("spatial_dims") = cbam.spatial_dims());

  const nn::CNN3dOptions cnn3d;
  auto cnn3d_class = torch::python::bind_module<nn::CNN3dImpl>(m, "CNN3d");
  cnn3d_class.def(
      py::init([](std::int64_t in_channels, std::int64_t num_classes,
                  std::vector<std::int64_t> features, const std::string& norm,
                  std::int64_t num_groups, const std::string& activation, double dropout) {
        return std::make_shared<nn::CNN3dImpl>(nn::CNN3dOptions(in_channels, num_classes)
                                                   .features(std::move(features))
                                                   .norm(nn::parse_norm(norm))
                                                   .num_groups(num_groups)
                                                   .activation(nn::parse_activation(activation))
                                                   .dropout(dropout));
      }),
      py::kw_only(), py::arg("in_channels") = cnn3d.in_channels(),
      py::arg("num_classes") = cnn3d.num_classes(), py::arg("features") = cnn3d.features(),
      py::arg("norm") = nn::to_string(cnn3d.norm()), py::arg("num_groups") = cnn3d.num_groups(),
      py::arg("activation") = nn::to_string(cnn3d.activation()),
      py::arg("dropout") = cnn3d.dropout());
  bind_network_methods<nn::CNN3dImpl, true>(cnn3d_class);

  // bind_module names its wrapper classes after the module that was importing at the time.
  for (const char* name : {"UNet", "ResNet", "EfficientNet", "CBAM", "CNN3d"}) {
    m.attr(name).attr("__module__") = "medimg._medimg";
  }
}

void bind_tools(py::module_& m) {
  m.def("_module_repr", [](const py::object& module) {
    std::ostringstream out;
    out << as_module(module);
    return out.str();
  });
  m.def("_save_module",
        [](const py::object& module, const std::filesystem::path& path) {
          const torch::nn::Module& cpp = as_module(module);
          py::gil_scoped_release release;
          nn::save(cpp, path);
        },
        py::arg("module"), py::arg("path"));
  m.def("_load_module",
        [](const py::object& module, const std::filesystem::path& path) {
          torch::nn::Module& cpp = as_module(module);
          py::gil_scoped_release release;
          nn::load(cpp, path);
        },
        py::arg("module"), py::arg("path"));
  m.def("_save_state_dict",
        [](const py::object& module, const std::filesystem::path& path) {
          const torch::nn::Module& cpp = as_module(module);
          py::gil_scoped_release release;
          nn::save_state_dict(cpp, path);
        },
        py::arg("module"), py::arg("path"));
  m.def("_read_state_dict", [](const std::filesystem::path& path) {
    nn::StateDict state;
    {
      py::gil_scoped_release release;
      state = nn::read_state_dict(path);
    }
    py::dict result;
    for (auto& item : state) result[py::str(item.key())] = item.value();
    return result;
  }, py::arg("path"));

  py::class_<nn::WeightsReport>(m, "WeightsReport",
                                "What load_torchvision_weights did with each tensor.")
      .def_readonly("loaded", &nn::WeightsReport::loaded)
      .def_readonly("adapted", &nn::WeightsReport::adapted)
      .def_readonly("skipped", &nn::WeightsReport::skipped)
      .def_readonly("missing", &nn::WeightsReport::missing)
      .def("__repr__", [](const nn::WeightsReport& r) {
        return ::medimg::detail::concat("WeightsReport(loaded=", r.loaded.size(),
                                        ", adapted=", r.adapted.size(), ", skipped=",
                                        r.skipped.size(), ", missing=", r.missing.size(), ")");
      });
  m.def("_load_torchvision_weights",
        [](nn::ResNetImpl& model, const py::dict& weights) {
          return nn::load_torchvision_weights(model, state_dict_from(weights));
        },
        py::arg("model"), py::arg("weights"));
  m.def("_load_torchvision_weights",
        [](nn::EfficientNetImpl& model, const py::dict& weights) {
          return nn::load_torchvision_weights(model, state_dict_from(weights));
        },
        py::arg("model"), py::arg("weights"));

  py::class_<nn::LayerSummary>(m, "LayerSummary", "One row of a ModelSummary.")
      .def_readonly("name", &nn::LayerSummary::name)
      .def_readonly("type", &nn::LayerSummary::type)
      .def_readonly("depth", &nn::LayerSummary::depth)
      .def_readonly("output_shape", &nn::LayerSummary::output_shape)
      .def_readonly("parameters", &nn::LayerSummary::parameters)
      .def_readonly("trainable_parameters", &nn::LayerSummary::trainable_parameters);
  py::class_<nn::ModelSummary>(m, "ModelSummary",
                               "Layers with output shapes and parameter counts.")
      .def_readonly("layers", &nn::ModelSummary::layers)
      .def_readonly("parameters", &nn::ModelSummary::parameters)
      .def_readonly("trainable_parameters", &nn::ModelSummary::trainable_parameters)
      .def("__str__", &nn::ModelSummary::to_string)
      .def("__repr__", [](const nn::ModelSummary& s) {
        return ::medimg::detail::concat("ModelSummary(layers=", s.layers.size(),
                                        ", parameters=", s.parameters, ")");
      });
  // The forward is the Python-callable one (a medimg network's forward), called with the GIL.
  m.def("_summarize",
        [](const py::object& module, const py::function& forward, const at::Tensor& example,
           int max_depth) {
          return nn::summarize(
              as_module(module),
              [&forward](const at::Tensor& x) { return py::cast<at::Tensor>(forward(x)); },
              example, max_depth);
        },
        py::arg("module"), py::arg("forward"), py::arg("example"), py::arg("max_depth"));
}

}  // namespace

void bind_nn(py::module_& m) {
  bind_networks(m);
  bind_tools(m);
}

}  // namespace medimg::python
