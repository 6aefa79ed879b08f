#pragma once

/// The Viola–Jones Haar-like feature set of opencv_traincascade (modes BASIC, CORE, ALL) and
/// the feature values OpenCV's cascade detector computes. Guide: docs/classic_cascade.md.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// Which feature prototypes haar_features generates (opencv_traincascade's -mode).
enum class HaarMode {
  Basic,  ///< Viola–Jones: two- and three-rectangle edges and lines, the four-rectangle checker
  Core,   ///< Basic plus four-wide lines and the 3 × 3 centre-surround
  All,    ///< Core plus the 45°-rotated (tilted) edges and lines of Lienhart and Maydt
};

/// "BASIC", "CORE" or "ALL": the names of the cascade XML's featureParams/mode.
MEDIMG_API const char* to_string(HaarMode mode);

/// The mode called `name`: "basic", "core" or "all", in any case.
/// @throws ArgumentError for any other name.
MEDIMG_API HaarMode haar_mode_from_string(const std::string& name);

/// One weighted rectangle of a feature, in pixels of the detection window, as in the cascade
/// XML ("x y width height weight"). For a tilted feature (x, y) is the top corner and the
/// rectangle extends width pixels down-right and height pixels down-left at 45°.
struct HaarRect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  float weight = 0;
};

/// A Haar-like feature: the weighted sum of two or three rectangle sums (one to three are
/// accepted when loading).
struct HaarFeature {
  std::vector<HaarRect> rects;
  bool tilted = false;
};

/// Every feature of `mode` that fits a window of height × width pixels, in the order of
/// opencv_traincascade's CvHaarEvaluator::generateFeatures (so feature k here is feature k
/// there). Counts for a 24 × 24 window: 162,336 (Basic), 210,400 (Core), 261,600 (All).
/// @throws ArgumentError unless 1 <= height, width <= 512.
MEDIMG_API std::vector<HaarFeature> haar_features(std::int64_t height, std::int64_t width,
                                                 HaarMode mode = HaarMode::Basic);

/// The values OpenCV's detector computes for `features` on window-sized samples: the
/// weighted rectangle sums (float, OpenCV's order of operations) times the window's variance
/// normalisation factor 1 / sqrt(a · Σp² − (Σp)²), where the sums run over the window shrunk
/// by one pixel on every side and a is that inner area (so values are independent of
/// brightness and contrast). A flat window (factor undefined) gives 0.
///
/// @param samples  (N, H, W) uint8, CPU; H, W >= 3 and every feature must fit in H × W
/// @return float32 (N, len(features))
/// @throws ShapeError / ArgumentError for other shapes or dtypes, or a feature outside the
///         window.
MEDIMG_API at::Tensor haar_feature_values(const at::Tensor& samples,
                                          const std::vector<HaarFeature>& features);

}  // namespace medimg
