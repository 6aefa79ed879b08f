#pragma once

/// Grad-CAM (Selvaraju et al. 2017), Grad-CAM++ (Chattopadhay et al. 2018) and LayerCAM
/// (Jiang et al. 2021): where in the
/// input a network looked for a class, from the activation of one of its layers, picked by
/// name, and the gradient of the class score with respect to it. 2D and 3D networks.

#include <ATen/core/Tensor.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "medimg/export.hpp"

namespace medimg::nn {

/// How the channels of the layer's activation A_k are weighted. With g = ∂score/∂A_k:
///   GradCam          w_k = mean over positions of g
///   GradCamPlusPlus  w_k = Σ α·relu(g), α = g² / (2g² + Σ_positions A_k·g³ + 1e-6), 0
///                    where g = 0: the closed form of Chattopadhay et al. for an exp(score)
///                    output, as pytorch-grad-cam computes it.
///   LayerCam         w_k = relu(g) per position, not one weight per channel (Jiang et
///                    al., "LayerCAM", IEEE TIP 2021): where the class score grows with
///                    the activation there; reliable on early, high-resolution layers,
///                    where a channel's mean gradient mixes unrelated places.
/// Python names them "gradcam", "gradcam++" and "layercam".
enum class CamMethod { GradCam, GradCamPlusPlus, LayerCam };

/// "gradcam", "gradcam++" or "layercam".
/// @throws ArgumentError for any other name.
MEDIMG_API CamMethod parse_cam_method(std::string_view name);
MEDIMG_API std::string to_string(CamMethod method);

struct MEDIMG_API GradCamOptions {
  /// layer: the name of the target layer in named_modules(), e.g. "layer4" of a ResNet.
  explicit GradCamOptions(std::string layer);
  TORCH_ARG(std::string, layer);
  /// The class explained: empty for each sample's highest-scoring class, one index for
  /// every sample, or one per sample.
  TORCH_ARG(std::vector<std::int64_t>, class_index) = {};
  TORCH_ARG(CamMethod, method) = CamMethod::GradCam;
};

/// Heat maps of `network` for `input` (N, C, H, W) or (N, C, D, H, W): Grad-CAM or Grad-CAM++
/// of the layer options.layer(), relu(Σ_k w_k A_k), resized (bi/trilinearly, as
/// torch's interpolate with align_corners=False) to the input's spatial size and scaled to
/// [0, 1] per sample (min to 0, max to 1; all zeros where the map is constant).
///
/// The score of class c is output[n, c] for a classifier (N, classes) and the sum of
/// output[n, c] over all positions for a segmentation network (N, classes, *spatial).
/// `forward` is the network's forward, e.g. [&](const at::Tensor& x) { return net->forward(x); }
/// (the overload below writes it). The network's training flag is left as it is (call eval()
/// for batch norm and dropout in inference mode); parameter gradients are not touched.
///
/// @returns (N, H, W) or (N, D, H, W), the input's floating dtype and device.
/// @throws ShapeError for an input that is not (N, C, H, W) / (N, C, D, H, W) or a layer whose
///         output is not a feature map of the same rank; ArgumentError for an unknown layer
///         name (listing the candidates of gradcam_layers()), a class index out of range or
///         a class list whose length is neither 1 nor N.
MEDIMG_API at::Tensor gradcam(torch::nn::Module& network,
                              const std::function<at::Tensor(const at::Tensor&)>& forward,
                              const at::Tensor& input, const GradCamOptions& options);

/// gradcam() of a medimg network (UNet, ResNet, EfficientNet, CNN3d, ...) through its forward.
template <typename Network>
at::Tensor gradcam(torch::nn::ModuleHolder<Network>& network, const at::Tensor& input,
                   const GradCamOptions& options) {
  return gradcam(
      *network, [&network](const at::Tensor& x) { return network->forward(x); }, input,
      options);
}

/// The heat maps from a layer's activation and the gradient of the score with respect to it,
/// both (N, K, *spatial): what gradcam() computes once it has them, for any source (Python
/// hooks on a plain torch module use it). `output_size`: the spatial size of the result.
/// @returns (N, *output_size) in [0, 1], the activation's dtype.
/// @throws ShapeError when the shapes differ, are not (N, K, H, W) / (N, K, D, H, W), or
///         output_size has another length.
MEDIMG_API at::Tensor gradcam_map(const at::Tensor& activation, const at::Tensor& gradient,
                                  at::IntArrayRef output_size, CamMethod method);

/// The layers of `network` whose output is a feature map suited to Grad-CAM, in
/// named_modules() order: convolutions and the modules that hold one, except containers
/// whose children run one by one (a ModuleList produces no output) and the channel-gate MLPs
/// of squeeze-excitation and CBAM (their outputs are (N, C, 1, 1) vectors). The usual
/// choice is the last stage of the backbone: "layer4" (ResNet), "features.8" (EfficientNet),
/// the last "features.<i>" ConvBlock (CNN3d), "decoder.<last>" (UNet).
MEDIMG_API std::vector<std::string> gradcam_layers(const torch::nn::Module& network);

}  // namespace medimg::nn
