#include "medimg/nn/overlay.hpp"

#include <ATen/TensorOperators.h>
#include <opencv2/imgproc.hpp>

#include <array>
#include <utility>

#include "medimg/core/error.hpp"
#include "medimg/core/opencv_bridge.hpp"

namespace medimg::nn {
namespace {

// Indexed by Colormap, whose values are OpenCV's.
constexpr std::array<const char*, 22> kColormapNames = {
    "autumn", "bone",    "jet",     "winter",  "rainbow", "ocean",    "summer",
    "spring", "cool",    "hsv",     "pink",    "hot",     "parula",   "magma",
    "inferno", "plasma", "viridis", "cividis", "twilight", "twilight_shifted", "turbo",
    "deepgreen"};
static_assert(static_cast<int>(Colormap::Jet) == cv::COLORMAP_JET &&
              static_cast<int>(Colormap::Turbo) == cv::COLORMAP_TURBO &&
              static_cast<int>(Colormap::DeepGreen) == cv::COLORMAP_DEEPGREEN,
              "Colormap must keep OpenCV's values");

// The image's values as float32 0..255 with three channels (grey repeated).
at::Tensor display_rgb(const at::Tensor& voxels) {
  at::Tensor values = voxels.to(at::kFloat);
  if (voxels.scalar_type() != at::kByte) {
    const at::Tensor low = values.min();
    const at::Tensor range = values.max() - low;
    values = (values - low) * (255 / range.masked_fill(range == 0, 1));
  }
  return values.size(0) == 1 ? values.expand({3, values.size(1), values.size(2)}) : values;
}

}  // namespace

Colormap parse_colormap(std::string_view name) {
  for (std::size_t i = 0; i < kColormapNames.size(); ++i) {
    if (name == kColormapNames[i]) return static_cast<Colormap>(i);
  }
  std::string names;
  for (const char* known : kColormapNames) {
    names += (names.empty() ? "'" : ", '") + std::string(known) + "'";
  }
  throw ArgumentError(detail::concat("unknown colormap '", name, "'; expected one of ", names));
}

std::string to_string(Colormap colormap) {
  return kColormapNames.at(static_cast<std::size_t>(colormap));
}

Image overlay(const Image& image, const at::Tensor& cam, const OverlayOptions& options) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "overlay: expected an image, got an empty one");
  MEDIMG_CHECK(image.spatial_dims() == 2, ShapeError,
               "overlay draws 2D images, got shape ", image.tensor().sizes(),
               "; pick a slice of the volume and of its heat map");
  MEDIMG_CHECK(image.channels() == 1 || image.channels() == 3, ShapeError,
               "overlay expects a grey (1, Y, X) or RGB (3, Y, X) image, got shape ",
               image.tensor().sizes());
  MEDIMG_CHECK(cam.defined(), ArgumentError,
               "overlay: expected a heat map, got an undefined tensor");
  const at::IntArrayRef size = image.tensor().sizes().slice(1);
  const bool fits = (cam.dim() == 2 && cam.sizes() == size) ||
                    (cam.dim() == 3 && cam.size(0) == 1 && cam.sizes().slice(1) == size);
  MEDIMG_CHECK(fits, ShapeError, "overlay: the heat map's shape ", cam.sizes(),
               " does not fit the image of shape ", image.tensor().sizes(), "; expected ", size,
               " or (1, ", size[0], ", ", size[1], ")");
  MEDIMG_CHECK(image.tensor().device().is_cpu() && cam.device().is_cpu(), Unsupported,
               "overlay draws on the CPU, got tensors on ", image.tensor().device(), " and ",
               cam.device(), "; call .cpu() first");
  MEDIMG_CHECK(options.alpha() >= 0 && options.alpha() <= 1, ArgumentError,
               "overlay: alpha must lie in [0, 1], got ", options.alpha());

  // Quantised as torch rounds (half to even), then coloured by OpenCV.
  const at::Tensor levels = (cam.to(at::kFloat).clamp(0, 1) * 255).round().to(at::kByte)
                                .reshape({1, size[0], size[1]})
                                .contiguous();
  cv::Mat bgr, rgb;
  cv::applyColorMap(mat_view(Image(levels)), bgr, static_cast<int>(options.colormap()));
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  const at::Tensor heat = image_from_mat(rgb).tensor().to(at::kFloat);

  const at::Tensor blended =
      (1 - options.alpha()) * display_rgb(image.tensor()) + options.alpha() * heat;
  return image.with_tensor(blended.round().clamp(0, 255).to(at::kByte).contiguous());
}

}  // namespace medimg::nn
