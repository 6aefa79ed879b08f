#pragma once

/// A boosted cascade of Haar-feature classifiers (OpenCV's "BOOST"/"HAAR" cascade) and
/// multi-scale sliding-window detection that returns exactly what
/// cv::CascadeClassifier::detectMultiScale returns. Train one with classic/cascade_train.hpp,
/// load and save OpenCV's XML with classic/cascade_xml.hpp. Guide: docs/classic_cascade.md.

#include <torch/arg.h>

#include <array>
#include <iosfwd>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "medimg/classic/haar_features.hpp"
#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// One split of a weak decision tree: go to `left` when the feature value is below
/// `threshold`, else to `right`. A child > 0 is the index of another node of the same tree,
/// a child <= 0 the leaf -child (OpenCV's internalNodes layout "left right feature threshold").
struct CascadeNode {
  int feature = 0;
  float threshold = 0;
  int left = 0;
  int right = -1;
};

/// A weak classifier: a decision tree (a stump when it has one node) with nodes.size() + 1
/// leaf values.
struct WeakClassifier {
  std::vector<CascadeNode> nodes;
  std::vector<float> leaves;
};

/// A boosted stage: a window passes when the sum of its weak classifiers' leaf values is at
/// least `threshold` (as OpenCV reads it: minus 1e-5, in float).
struct CascadeStage {
  float threshold = 0;
  std::vector<WeakClassifier> classifiers;
};

/// The boosting parameters an opencv_traincascade XML records in stageParams.
struct CascadeBoostParams {
  std::string boost_type = "GAB";  ///< Gentle AdaBoost, the only type medimg trains
  float min_hit_rate = 0.995f;
  float max_false_alarm_rate = 0.5f;
  double weight_trim_rate = 0.95;
  int max_depth = 1;
  int max_weak_count = 100;
};

/// What training measured for one stage (on the samples that reached it).
struct CascadeStageStats {
  std::int64_t num_positives = 0;  ///< positives the previous stages accepted (used here)
  std::int64_t num_negatives = 0;  ///< negative windows the previous stages accepted
  double acceptance_ratio = 1;     ///< num_negatives / negative windows scanned to find them
  std::int64_t num_weak = 0;       ///< weak classifiers of the stage
  double hit_rate = 0;             ///< fraction of num_positives the stage accepts
  double false_alarm_rate = 0;     ///< fraction of num_negatives the stage accepts
};

/// A cascade of boosted stages over Haar features, the content of an OpenCV cascade XML.
struct Cascade {
  std::int64_t height = 0;  ///< detection window, pixels (>= 3)
  std::int64_t width = 0;
  std::vector<HaarFeature> features;  ///< the features the nodes refer to
  std::vector<CascadeStage> stages;
  /// stageParams and featureParams/mode of a trained cascade (empty for files without them).
  std::optional<CascadeBoostParams> boost_params;
  std::optional<HaarMode> mode;
  /// Filled by train_cascade; empty for a loaded cascade and not saved.
  std::vector<CascadeStageStats> training_stats;
  std::string training_stop_reason;
};

/// Checks that every index and rectangle of `cascade` is in range (what detection relies on).
/// @throws ArgumentError naming the first inconsistency.
MEDIMG_API void check_cascade(const Cascade& cascade);

/// An axis-aligned box in pixels, cv::Rect: x is the column and y the row of its top-left
/// corner.
struct PixelRect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  bool operator==(const PixelRect& o) const {
    return x == o.x && y == o.y && width == o.width && height == o.height;
  }
};

/// "PixelRect(x=1, y=2, width=3, height=4)".
MEDIMG_API std::ostream& operator<<(std::ostream& out, const PixelRect& rect);

/// Boxes with, per box, the number of raw windows merged into it (OpenCV's numDetections).
struct CascadeDetections {
  std::vector<PixelRect> boxes;
  std::vector<int> neighbors;
};

/// A size in pixels in array order: (height, width).
using PixelSize = std::array<std::int64_t, 2>;

/// detectMultiScale's parameters. Sizes are in array order (height, width), unlike
/// OpenCV's Size(width, height).
struct CascadeDetectOptions {
  /// Ratio between consecutive scales, > 1 (the image shrinks by it from level to level).
  TORCH_ARG(double, scale_factor) = 1.1;
  /// A group of overlapping windows is kept when it has more than this many members; 0
  /// returns every raw window (no grouping).
  TORCH_ARG(int, min_neighbors) = 3;
  /// Smallest and largest object (window) size searched, (height, width) in pixels;
  /// {0, 0} means no bound.
  TORCH_ARG(PixelSize, min_size) = {0, 0};
  TORCH_ARG(PixelSize, max_size) = {0, 0};
};

/// Multi-scale sliding-window detection, identical to cv::CascadeClassifier::detectMultiScale
/// (OpenCV 4.6, new-format Haar cascades): the image is resized by 1/s (cv::resize,
/// INTER_LINEAR_EXACT) for s = 1, f, f², ... while the window fits; windows step 2 pixels (1
/// from s >= 2) and skip the next column after a stage-0 rejection; the rows OpenCV's stripes
/// leave out are left out; windows with a normalisation std below about 10 grey levels are
/// rejected; stages compare float sums as OpenCV does; the raw windows are grouped by
/// group_rectangles(min_neighbors, 0.2) and clipped to the image. Boxes come in group order;
/// compare as sets. Rows are scanned in parallel; the result does not depend on the thread
/// count. Details: docs/classic_cascade.md.
///
/// @param image (Y, X) or (1, Y, X) uint8, CPU (window CT to 8 bits first)
/// @throws ShapeError / ArgumentError for another shape or dtype, scale_factor <= 1 or one
///         so close to 1 that more than 1000 scales result, negative sizes; ArgumentError
///         from check_cascade.
MEDIMG_API CascadeDetections detect(const at::Tensor& image, const Cascade& cascade,
                                    const CascadeDetectOptions& options = {});

/// detect on a one-channel 2D Image.
MEDIMG_API CascadeDetections detect(const Image& image, const Cascade& cascade,
                                    const CascadeDetectOptions& options = {});

/// cv::groupRectangles(rects, weights, group_threshold, eps): clusters rectangles whose
/// corners differ by at most eps · (mean of the smaller width and height) (transitively),
/// averages each cluster, keeps clusters of more than group_threshold members and drops a
/// cluster lying inside a bigger-voted one. group_threshold <= 0 returns the input with
/// weight 1 each.
/// @throws ArgumentError for eps < 0 or not finite.
MEDIMG_API CascadeDetections group_rectangles(const std::vector<PixelRect>& rects,
                                              int group_threshold, double eps = 0.2);

/// How far each window-sized sample gets through the cascade, with detect's exact
/// evaluation: the number of stages it passes (cascade.stages.size() = detected), or -1 when
/// the variance check rejects it before stage 0.
/// @param samples (N, H, W) uint8 with (H, W) = the cascade's window
/// @return int32 (N,)
MEDIMG_API at::Tensor classify_windows(const at::Tensor& samples, const Cascade& cascade);

}  // namespace medimg
