#pragma once

// The background windows a cascade is trained against, visited as opencv_traincascade's
// NegReader visits them: image after image, each from the smallest scale at which it holds
// one window (plus the grid offset) up to full size in steps of √2, windows half a window
// apart; every new pass over the images ("round") starts the grid at another offset
// (round % width, round / width), so after width x height rounds every window position has
// been offered once.

#include <cstdint>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace medimg::detail {

/// One pyramid level of one background image and the top-left corners of its windows.
struct NegativeLevel {
  cv::Mat image;                  // uint8, continuous
  std::vector<int> xs, ys;        // window corners, row by row
};

class NegativeLevels {
 public:
  /// `images`: uint8 Mats each at least height x width (the caller filters).
  NegativeLevels(std::vector<cv::Mat> images, std::int64_t height, std::int64_t width);

  /// The next level; false once the last round is done.
  bool next(NegativeLevel& level);

  /// Passes over the images started so far (0 during the first).
  std::int64_t round() const noexcept { return round_; }

 private:
  void start_image();

  std::vector<cv::Mat> images_;
  int height_, width_;
  std::int64_t round_ = 0;
  std::size_t image_ = 0;
  bool in_image_ = false;
  double scale_ = 1;
  int offset_x_ = 0, offset_y_ = 0;
};

}  // namespace medimg::detail
