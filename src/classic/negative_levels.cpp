#include "detail/negative_levels.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace medimg::detail {

NegativeLevels::NegativeLevels(std::vector<cv::Mat> images, std::int64_t height,
                               std::int64_t width)
    : images_(std::move(images)), height_(static_cast<int>(height)), width_(static_cast<int>(width)) {}

void NegativeLevels::start_image() {
  const cv::Mat& src = images_[image_];
  const std::int64_t r = round_ % (std::int64_t{width_} * height_);
  offset_x_ = std::min(static_cast<int>(r % width_), src.cols - width_);
  offset_y_ = std::min(static_cast<int>(r / width_), src.rows - height_);
  // The smallest scale at which the image holds the offset plus one window.
  scale_ = std::max(static_cast<double>(width_ + offset_x_) / src.cols,
                    static_cast<double>(height_ + offset_y_) / src.rows);
  in_image_ = true;
}

bool NegativeLevels::next(NegativeLevel& level) {
  if (images_.empty()) return false;
  if (!in_image_) {
    if (round_ >= std::int64_t{width_} * height_) return false;
    start_image();
  }
  const cv::Mat& src = images_[image_];
  const int cols = std::max(static_cast<int>(std::lround(scale_ * src.cols)), width_ + offset_x_);
  const int rows = std::max(static_cast<int>(std::lround(scale_ * src.rows)), height_ + offset_y_);
  if (cols == src.cols && rows == src.rows) {
    level.image = src;
  } else {
    cv::resize(src, level.image, cv::Size(cols, rows), 0, 0, cv::INTER_LINEAR_EXACT);
  }
  const int step_x = std::max(width_ / 2, 1), step_y = std::max(height_ / 2, 1);
  level.xs.clear();
  level.ys.clear();
  for (int y = offset_y_; y + height_ <= rows; y += step_y) {
    for (int x = offset_x_; x + width_ <= cols; x += step_x) {
      level.xs.push_back(x);
      level.ys.push_back(y);
    }
  }
  // Next scale; full size is visited once, then the next image.
  if (scale_ < 1.0) {
    scale_ = std::min(scale_ * std::sqrt(2.0), 1.0);
  } else {
    in_image_ = false;
    if (++image_ == images_.size()) {
      image_ = 0;
      ++round_;
    }
  }
  return true;
}

}  // namespace medimg::detail
