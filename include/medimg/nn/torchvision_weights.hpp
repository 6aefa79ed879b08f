#pragma once

/// Loading torchvision's ResNet and EfficientNet weights (files the user has; nothing is
/// downloaded). medimg's 2D ResNet and EfficientNet use torchvision's parameter names, so
/// the mapping is the identity; what this adds is adapting the two layers that transfer
/// learning changes: the first convolution for another number of input channels, and the
/// classifier for another number of classes.

#include <filesystem>
#include <string>
#include <vector>

#include "medimg/export.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/resnet.hpp"
#include "medimg/nn/serialize.hpp"

namespace medimg::nn {

/// What load_torchvision_weights() did with each tensor.
struct MEDIMG_API WeightsReport {
  std::vector<std::string> loaded;   ///< copied as they are
  std::vector<std::string> adapted;  ///< the first convolution, for in_channels ≠ 3
  std::vector<std::string> skipped;  ///< the classifier, for num_classes ≠ the weights'
  std::vector<std::string> missing;  ///< the module's CBAM tensors, absent from torchvision
};

/// Loads torchvision.models.resnet{18,34,50,101}().state_dict() into a 2D ResNet of the same
/// depth. For in_channels ≠ 3 the first convolution's weights are adapted as timm's
/// adapt_input_conv: summed over RGB for one channel, else tiled over the channels and
/// scaled by 3 / in_channels. A classifier of another size keeps its initialisation.
/// A leading "module." (DataParallel) is dropped from the names.
/// @throws Unsupported for a 3D network; ArgumentError for a name torchvision's network does
///         not have or a missing tensor (other than CBAM's); ShapeError for another shape.
MEDIMG_API WeightsReport load_torchvision_weights(ResNetImpl& model, const StateDict& weights);

/// The same for torchvision.models.efficientnet_b{0..4}() into the same variant.
MEDIMG_API WeightsReport load_torchvision_weights(EfficientNetImpl& model,
                                                  const StateDict& weights);

/// The same from a state-dict file (read_state_dict()).
MEDIMG_API WeightsReport load_torchvision_weights(ResNetImpl& model,
                                                  const std::filesystem::path& path);
MEDIMG_API WeightsReport load_torchvision_weights(EfficientNetImpl& model,
                                                  const std::filesystem::path& path);

}  // namespace medimg::nn
