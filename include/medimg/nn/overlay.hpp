#pragma once

/// A heat map (Grad-CAM, a probability map) drawn over a 2D image with an OpenCV colour map,
/// for display and reports.

#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <string>
#include <string_view>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg::nn {

/// OpenCV's colour maps (cv::ColormapTypes, same order and values). Python names them in
/// lower case: "jet", "turbo", "viridis", "twilight_shifted", ...
enum class Colormap {
  Autumn, Bone, Jet, Winter, Rainbow, Ocean, Summer, Spring, Cool, Hsv, Pink, Hot, Parula,
  Magma, Inferno, Plasma, Viridis, Cividis, Twilight, TwilightShifted, Turbo, DeepGreen,
};

/// The lower-case OpenCV name ("jet", "twilight_shifted").
/// @throws ArgumentError for any other name, listing the accepted ones.
MEDIMG_API Colormap parse_colormap(std::string_view name);
MEDIMG_API std::string to_string(Colormap colormap);

struct MEDIMG_API OverlayOptions {
  /// Weight of the heat map in [0, 1]; the image gets 1 − alpha.
  TORCH_ARG(double, alpha) = 0.4;
  TORCH_ARG(Colormap, colormap) = Colormap::Jet;
};

/// The image with `cam` blended over it:
///   out = round((1 − alpha) · image + alpha · colormap(round(255 · clip(cam, 0, 1))))
/// per RGB channel, where the colour map is cv::applyColorMap's (converted from BGR to RGB).
/// `image`: a 2D Image with 1 (grey) or 3 (RGB) channels, on the CPU; uint8 values are used
/// as they are, other dtypes are scaled from their minimum and maximum to 0..255 (window CT
/// images first). `cam`: (Y, X) or (1, Y, X) of the image's size, values in [0, 1] (others
/// are clipped), as gradcam() returns them per sample.
/// @returns an RGB uint8 Image (3, Y, X) with the image's geometry and metadata.
/// @throws ShapeError for a 3D image, a channel count other than 1 or 3, or a cam of another
///         size; ArgumentError for alpha outside [0, 1]; Unsupported for non-CPU tensors.
MEDIMG_API Image overlay(const Image& image, const at::Tensor& cam,
                         const OverlayOptions& options = {});

}  // namespace medimg::nn
