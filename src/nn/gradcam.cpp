#include "medimg/nn/gradcam.hpp"

#include <ATen/core/grad_mode.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/upsample_bilinear2d.h>
#include <ATen/ops/upsample_trilinear3d.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/nn/modules/container/moduledict.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>

#include <algorithm>

#include "medimg/core/error.hpp"
#include "medimg/nn/cbam.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/features.hpp"

namespace medimg::nn {
namespace {

bool is_convolution(const torch::nn::Module& m) {
  return dynamic_cast<const torch::nn::Conv1dImpl*>(&m) != nullptr ||
         dynamic_cast<const torch::nn::Conv2dImpl*>(&m) != nullptr ||
         dynamic_cast<const torch::nn::Conv3dImpl*>(&m) != nullptr ||
         dynamic_cast<const torch::nn::ConvTranspose1dImpl*>(&m) != nullptr ||
         dynamic_cast<const torch::nn::ConvTranspose2dImpl*>(&m) != nullptr ||
         dynamic_cast<const torch::nn::ConvTranspose3dImpl*>(&m) != nullptr;
}

bool holds_convolution(const torch::nn::Module& m) {
  if (is_convolution(m)) return true;
  const auto descendants = m.modules(/*include_self=*/false);
  return std::any_of(descendants.begin(), descendants.end(),
                     [](const auto& child) { return is_convolution(*child); });
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Checks that `layer` names a module of `network`; the error lists the candidates.
void check_layer_name(const torch::nn::Module& network, const std::string& layer) {
  const auto modules = network.named_modules("", /*include_self=*/false);
  if (modules.contains(layer)) return;
  std::string shown;
  std::size_t deeper = 0;
  for (const auto& name : gradcam_layers(network)) {
    // Names down to two levels ("layer4", "layer4.1"); deeper ones are only counted.
    if (std::count(name.begin(), name.end(), '.') > 1) {
      ++deeper;
      continue;
    }
    shown += (shown.empty() ? "'" : ", '") + name + "'";
  }
  throw ArgumentError(detail::concat(
      "gradcam: no layer named '", layer, "' in ", network.name(), "; candidates: ", shown,
      deeper > 0 ? detail::concat(" and ", deeper, " deeper ones (gradcam_layers() lists all)")
                 : std::string()));
}

// One class per sample: the requested ones, or each sample's highest score.
at::Tensor target_classes(const at::Tensor& scores, const std::vector<std::int64_t>& requested) {
  const std::int64_t samples = scores.size(0);
  const std::int64_t classes = scores.size(1);
  if (requested.empty()) return scores.detach().argmax(1);
  const auto count = static_cast<std::int64_t>(requested.size());
  MEDIMG_CHECK(count == 1 || count == samples, ArgumentError,
               "gradcam: class_index needs one index or one per sample (", samples, "), got ",
               count);
  for (std::int64_t c : requested) {
    MEDIMG_CHECK(c >= 0 && c < classes, ArgumentError, "gradcam: class index ", c,
                 " is out of range for a network with ", classes, " output classes");
  }
  const at::Tensor t = at::tensor(requested, scores.options().dtype(at::kLong));
  return count == 1 ? t.expand({samples}).contiguous() : t;
}

}  // namespace

CamMethod parse_cam_method(std::string_view name) {
  if (name == "gradcam") return CamMethod::GradCam;
  if (name == "gradcam++") return CamMethod::GradCamPlusPlus;
  if (name == "layercam") return CamMethod::LayerCam;
  throw ArgumentError(
      detail::concat("unknown CAM method '", name,
                     "'; expected 'gradcam', 'gradcam++' or 'layercam'"));
}

std::string to_string(CamMethod method) {
  switch (method) {
    case CamMethod::GradCamPlusPlus:
      return "gradcam++";
    case CamMethod::LayerCam:
      return "layercam";
    default:
      return "gradcam";
  }
}

GradCamOptions::GradCamOptions(std::string layer) : layer_(std::move(layer)) {}

std::vector<std::string> gradcam_layers(const torch::nn::Module& network) {
  std::vector<std::string> names;
  std::vector<std::string> gates;  // prefixes of the channel-gate MLPs' subtrees
  for (const auto& item : network.named_modules("", /*include_self=*/false)) {
    const std::string& name = item.key();
    const torch::nn::Module& module = *item.value();
    if (std::any_of(gates.begin(), gates.end(),
                    [&](const std::string& gate) { return starts_with(name, gate); })) {
      continue;
    }
    // Pre-order: a gate module comes before its children, which are then skipped.
    if (dynamic_cast<const SqueezeExcitationImpl*>(&module) != nullptr) {
      gates.push_back(name + ".");
    } else if (dynamic_cast<const CBAMImpl*>(&module) != nullptr) {
      gates.push_back(name + ".mlp");
    }
    if (dynamic_cast<const torch::nn::ModuleListImpl*>(&module) != nullptr ||
        dynamic_cast<const torch::nn::ModuleDictImpl*>(&module) != nullptr) {
      continue;
    }
    if (holds_convolution(module)) names.push_back(name);
  }
  return names;
}

at::Tensor gradcam_map(const at::Tensor& activation, const at::Tensor& gradient,
                       at::IntArrayRef output_size, CamMethod method) {
  MEDIMG_CHECK(activation.defined() && gradient.defined(), ArgumentError,
               "gradcam_map: expected an activation and a gradient, got an undefined tensor");
  MEDIMG_CHECK(activation.dim() == 4 || activation.dim() == 5, ShapeError,
               "gradcam_map expects activations (N, K, H, W) or (N, K, D, H, W), got shape ",
               activation.sizes());
  MEDIMG_CHECK(gradient.sizes() == activation.sizes(), ShapeError,
               "gradcam_map: the gradient's shape ", gradient.sizes(),
               " differs from the activation's ", activation.sizes());
  MEDIMG_CHECK(static_cast<std::int64_t>(output_size.size()) == activation.dim() - 2, ShapeError,
               "gradcam_map: output_size needs ", activation.dim() - 2, " values, got ",
               output_size);
  for (std::int64_t s : output_size) {
    MEDIMG_CHECK(s > 0, ShapeError, "gradcam_map: output_size must be positive, got ", output_size);
  }
  MEDIMG_CHECK(activation.is_floating_point(), ArgumentError,
               "gradcam_map expects floating-point activations, got dtype ",
               activation.scalar_type());
  const at::Tensor a = activation.detach();
  const at::Tensor g = gradient.detach().to(a.scalar_type());
  std::vector<std::int64_t> positions;
  for (std::int64_t d = 2; d < a.dim(); ++d) positions.push_back(d);

  at::Tensor weights;  // (N, K, 1, 1[, 1]), or per position for LayerCAM
  if (method == CamMethod::GradCam) {
    weights = g.mean(positions, /*keepdim=*/true);
  } else if (method == CamMethod::LayerCam) {
    weights = g.relu();
  } else {
    const at::Tensor g2 = g * g;
    const at::Tensor g3 = g2 * g;
    const at::Tensor alpha =
        (g2 / (2 * g2 + a.sum(positions, /*keepdim=*/true) * g3 + 1e-6)).masked_fill(g == 0, 0);
    weights = (g.relu() * alpha).sum(positions, /*keepdim=*/true);
  }
  at::Tensor cam = (weights * a).sum(1, /*keepdim=*/true).relu();  // (N, 1, *spatial)
  if (cam.sizes().slice(2) != output_size) {
    cam = a.dim() == 4 ? at::upsample_bilinear2d(cam, output_size, /*align_corners=*/false)
                       : at::upsample_trilinear3d(cam, output_size, /*align_corners=*/false);
  }
  // Per sample to [0, 1]; a constant map (nothing positive) becomes zeros.
  const at::Tensor flat = cam.flatten(1);
  const at::Tensor low = flat.amin(1, /*keepdim=*/true);
  const at::Tensor range = flat.amax(1, /*keepdim=*/true) - low;
  const at::Tensor scaled = (flat - low) / range.masked_fill(range == 0, 1);
  std::vector<std::int64_t> shape{a.size(0)};
  shape.insert(shape.end(), output_size.begin(), output_size.end());
  return scaled.view(shape);
}

at::Tensor gradcam(torch::nn::Module& network,
                   const std::function<at::Tensor(const at::Tensor&)>& forward,
                   const at::Tensor& input, const GradCamOptions& options) {
  MEDIMG_CHECK(input.defined(), ArgumentError,
               "gradcam: expected an input tensor, got an undefined one");
  MEDIMG_CHECK(input.dim() == 4 || input.dim() == 5, ShapeError,
               "gradcam expects a batch (N, C, H, W) or (N, C, D, H, W), got shape ",
               input.sizes());
  MEDIMG_CHECK(input.is_floating_point(), ArgumentError,
               "gradcam expects a floating-point input, got dtype ", input.scalar_type());
  const std::string& layer = options.layer();
  check_layer_name(network, layer);

  // Gradients on even under no_grad, and from the input: the layer's output then has a
  // gradient when every parameter is frozen, and parameter .grad fields stay untouched.
  at::AutoGradMode enable_grad(true);
  at::Tensor output, feature;
  {
    const at::Tensor x = input.detach().requires_grad_(true);
    FeatureRecorder recorder(network, {layer});
    output = forward(x);
    feature = recorder.outputs()[0];
  }
  MEDIMG_CHECK(feature.defined(), ArgumentError, "gradcam: layer '", layer,
               "' produced no output in the forward pass (a container whose children run one "
               "by one, or a layer the network does not use); pick one of gradcam_layers()");
  MEDIMG_CHECK(feature.dim() == input.dim() && feature.size(0) == input.size(0), ShapeError,
               "gradcam: layer '", layer, "' outputs shape ", feature.sizes(),
               ", not a feature map of the input's rank (input ", input.sizes(),
               "); pick one of gradcam_layers()");
  MEDIMG_CHECK(output.dim() == 2 || output.dim() == input.dim(), ShapeError,
               "gradcam: the network's output has shape ", output.sizes(),
               "; expected class scores (N, classes) or a segmentation (N, classes, *spatial)");
  const at::Tensor scores = output.dim() == 2 ? output : output.flatten(2).sum(2);
  const at::Tensor classes = target_classes(scores, options.class_index());
  const at::Tensor score = scores.gather(1, classes.unsqueeze(1)).sum();
  const at::Tensor gradient = torch::autograd::grad({score}, {feature})[0];
  return gradcam_map(feature, gradient, input.sizes().slice(2), options.method());
}

}  // namespace medimg::nn
