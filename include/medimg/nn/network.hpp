#pragma once

/// A network described by data: an architecture name and a JSON object of its options. That
/// is what configs name, what model files store, and all a program needs to rebuild the
/// network before loading its weights (docs/train_export.md).

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "medimg/export.hpp"

namespace medimg::nn {

class Network;

/// Dynamic int8 quantisation of the network's Linear layers for inference, as PyTorch's
/// torch.ao.quantization.quantize_dynamic({nn.Linear}, dtype=qint8) with the QNNPACK
/// engine: weights int8 per tensor (symmetric, scale = max|w| / 127.5), activations uint8
/// with a range measured per call, products accumulated in int32. Afterwards forward() runs
/// those layers through quantized::linear_dynamic; the module keeps its float weights
/// (training, save_model and module()->forward() are unaffected), so quantise again after
/// changing them. In medimg's networks the only Linear layer is the classifier head (ResNet
/// "fc", EfficientNet and CNN3d "classifier.1"); a UNet has none and is left as it is.
/// The quantised forward() is for inference: it assumes eval mode (dropout off).
/// @returns the names of the quantised layers (also in quantized_layers()).
/// @throws ArgumentError for an empty network; Unsupported when this LibTorch has no
///         quantized engine.
MEDIMG_API std::vector<std::string> quantize_dynamic_int8(Network& network);

/// A medimg network (UNet, ResNet, EfficientNet or CNN3d) together with its description.
/// Copies share the module (as torch::nn::ModuleHolder copies do).
class MEDIMG_API Network {
 public:
  /// An empty network: defined() is false.
  Network() = default;

  /// Describes an existing network: its architecture and its current options, read from the
  /// module (after replace_head(), num_classes is the new one).
  /// @throws ArgumentError when `module` is null or not a UNet, ResNet, EfficientNet or
  ///         CNN3d (a CBAM alone or a bare torch module has no architecture name).
  explicit Network(std::shared_ptr<torch::nn::Module> module);

  bool defined() const noexcept { return module_ != nullptr; }

  /// "unet", "resnet", "efficientnet" or "cnn3d".
  const std::string& architecture() const;

  /// The complete options as a compact JSON object: every option of the architecture, the
  /// defaults filled in, keys in the order of the Python constructor. build_network(
  /// architecture(), options_json()) builds the same network (with fresh weights). Taken when
  /// the Network was made; Network(module()) describes the module as it is now.
  const std::string& options_json() const;

  /// The module itself (a UNetImpl, ResNetImpl, ... behind the base pointer).
  std::shared_ptr<torch::nn::Module> module() const;

  /// The network's forward pass: (N, C, *spatial) → logits, as the module's forward(). After
  /// quantize_dynamic_int8() the Linear layers named by quantized_layers() run in int8.
  /// @throws ArgumentError when the network is empty; the module's errors otherwise.
  at::Tensor forward(const at::Tensor& x) const;

  /// The Linear layers quantize_dynamic_int8() replaced in forward() (names as in
  /// named_modules()); empty for a float network.
  const std::vector<std::string>& quantized_layers() const noexcept { return quantized_layers_; }

 private:
  friend std::vector<std::string> quantize_dynamic_int8(Network& network);

  std::string architecture_, options_json_;
  std::shared_ptr<torch::nn::Module> module_;
  std::function<at::Tensor(const at::Tensor&)> forward_;
  std::vector<std::string> quantized_layers_;
};

/// Builds a network from its architecture name and options.
///
/// `options_json` is a JSON object whose keys are the keyword names of the Python
/// constructors (python/medimg/nn/_networks.py), each optional unless marked:
///   unet:         spatial_dims*, in_channels*, out_channels*, features, norm, num_groups,
///                 activation, dropout, upsample, residual, deep_supervision, pad_input
///   resnet:       depth*, spatial_dims, in_channels, num_classes, width, cbam,
///                 cbam_reduction
///   efficientnet: variant, spatial_dims, in_channels, num_classes, dropout (null: the
///                 variant's), stochastic_depth, cbam, cbam_reduction
///   cnn3d:        in_channels, num_classes, features, norm, num_groups, activation, dropout
/// Integers must be JSON integers, booleans true/false, names strings; defaults are those
/// of the C++ options structs. The module is on the CPU, float32, in training mode.
/// @throws ArgumentError for an unknown architecture, JSON that is not an object, an unknown
///         or missing key or a value of the wrong type (each named), or a value the
///         network's constructor refuses.
MEDIMG_API Network build_network(const std::string& architecture,
                                 const std::string& options_json = "{}");

/// Writes one file holding the architecture, the options (as they are now, see
/// Network(module)) and every parameter and buffer (on the CPU, in their dtypes), written
/// atomically. The format is a PyTorch zip pickle of a dict (docs/train_export.md), which
/// Python's torch.load also reads. Quantisation is not stored: re-apply it after loading.
/// @throws ArgumentError for an empty network; IoError when the file cannot be written.
MEDIMG_API void save_model(const Network& network, const std::filesystem::path& path);

/// Rebuilds the network of a file written by save_model() from its options alone and
/// loads its weights (float32 parameters stay float32 on the CPU; training mode).
/// @throws IoError when the file is missing; FormatError when it is truncated, not a medimg
///         model file, of a newer format version, or its options or weights do not fit.
MEDIMG_API Network load_model(const std::filesystem::path& path);

}  // namespace medimg::nn
