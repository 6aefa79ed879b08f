#include "medimg/nn/torchvision_weights.hpp"

#include <ATen/ops/cat.h>

#include "medimg/core/error.hpp"

namespace medimg::nn {
namespace {

// Where the two networks differ from torchvision's when fine-tuned.
struct TransferLayers {
  std::string input_conv;   // weight of the first convolution
  std::string head_prefix;  // parameters of the classifier
};

// timm's adapt_input_conv: one channel gets the sum over RGB; more are RGB tiled and scaled
// by 3 / channels, which keeps the response to a grey image the same.
at::Tensor adapt_input_conv(const at::Tensor& rgb, std::int64_t channels) {
  if (channels == 1) return rgb.sum(1, /*keepdim=*/true);
  const std::int64_t repeats = (channels + 2) / 3;
  std::vector<at::Tensor> tiles(static_cast<std::size_t>(repeats), rgb);
  return at::cat(tiles, 1).narrow(1, 0, channels) * (3.0 / static_cast<double>(channels));
}

bool is_cbam(const std::string& name) {
  return name.rfind("cbam.", 0) == 0 || name.find(".cbam.") != std::string::npos;
}

WeightsReport load_weights(torch::nn::Module& model, const StateDict& weights,
                           const TransferLayers& layers) {
  StateDict own = state_dict(model);
  WeightsReport report;
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;  // (target, source), checked first
  std::string unexpected;
  StateDict seen;
  for (const auto& item : weights) {
    std::string name = item.key();
    if (name.rfind("module.", 0) == 0) name = name.substr(7);  // DataParallel's prefix
    at::Tensor* target = own.find(name);
    if (target == nullptr) {
      if (unexpected.size() < 200) unexpected += (unexpected.empty() ? "'" : ", '") + name + "'";
      continue;
    }
    seen.insert(name, item.value());
    at::Tensor source = item.value();
    if (source.sizes() == target->sizes()) {
      report.loaded.push_back(name);
    } else if (name == layers.input_conv && source.dim() == target->dim() && source.size(1) == 3 &&
               source.size(0) == target->size(0) &&
               source.sizes().slice(2) == target->sizes().slice(2)) {
      source = adapt_input_conv(source, target->size(1));
      report.adapted.push_back(name);
    } else if (name.rfind(layers.head_prefix, 0) == 0 && source.dim() >= 1 &&
               source.size(0) != target->size(0) &&
               source.sizes().slice(1) == target->sizes().slice(1)) {
      report.skipped.push_back(name);
      continue;
    } else {
      throw ShapeError(detail::concat("torchvision tensor '", name, "' has shape ",
                                      source.sizes(), " where ", model.name(), " has ",
                                      target->sizes()));
    }
    copies.emplace_back(*target, source);
  }
  MEDIMG_CHECK(unexpected.empty(), ArgumentError, model.name(), " has no tensor(s) ", unexpected,
               ": these are not torchvision weights of the same architecture and depth");
  std::string missing;
  for (const auto& item : own) {
    if (seen.contains(item.key())) continue;
    if (is_cbam(item.key())) {
      report.missing.push_back(item.key());
    } else if (missing.size() < 200) {
      missing += (missing.empty() ? "'" : ", '") + item.key() + "'";
    }
  }
  MEDIMG_CHECK(missing.empty(), ArgumentError, "the weights lack ", model.name(), "'s tensor(s) ",
               missing);
  torch::NoGradGuard no_grad;
  for (auto& [target, source] : copies) target.copy_(source);
  return report;
}

}  // namespace

WeightsReport load_torchvision_weights(ResNetImpl& model, const StateDict& weights) {
  MEDIMG_CHECK(model.options.spatial_dims() == 2, Unsupported,
               "torchvision has no 3D ResNet weights of this layout; got spatial_dims=",
               model.options.spatial_dims());
  return load_weights(model, weights, {"conv1.weight", "fc."});
}

WeightsReport load_torchvision_weights(EfficientNetImpl& model, const StateDict& weights) {
  MEDIMG_CHECK(model.options.spatial_dims() == 2, Unsupported,
               "torchvision has no 3D EfficientNet weights; got spatial_dims=",
               model.options.spatial_dims());
  return load_weights(model, weights, {"features.0.0.weight", "classifier.1."});
}

WeightsReport load_torchvision_weights(ResNetImpl& model, const std::filesystem::path& path) {
  return load_torchvision_weights(model, read_state_dict(path));
}

WeightsReport load_torchvision_weights(EfficientNetImpl& model,
                                       const std::filesystem::path& path) {
  return load_torchvision_weights(model, read_state_dict(path));
}

}  // namespace medimg::nn
