#include "medimg/pipelines/nodule_overlay.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "medimg/core/error.hpp"
#include "medimg/core/opencv_bridge.hpp"

namespace medimg::pipelines {

namespace {

// The slice's grey values in the window, as a 3-channel interleaved cv::Mat.
cv::Mat windowed_slice(const at::Tensor& slice, const NoduleOverlayOptions& o) {
  const at::Tensor hu = slice.to(at::kFloat).contiguous();
  cv::Mat grey(static_cast<int>(hu.size(0)), static_cast<int>(hu.size(1)), CV_8UC1);
  const float* in = hu.data_ptr<float>();
  const double scale = 255.0 / (o.window_high - o.window_low);
  for (int y = 0; y < grey.rows; ++y) {
    auto* row = grey.ptr<std::uint8_t>(y);
    for (int x = 0; x < grey.cols; ++x) {
      const double v = (in[static_cast<std::int64_t>(y) * grey.cols + x] - o.window_low) * scale;
      row[x] = static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
    }
  }
  cv::Mat rgb;
  cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
  return rgb;
}

}  // namespace

Image nodule_overlay(const Image& ct_hu, const std::vector<NoduleDetection>& detections,
                     std::size_t highlight, const NoduleOverlayOptions& options) {
  MEDIMG_CHECK(ct_hu.defined() && ct_hu.tensor().dim() == 4 && ct_hu.channels() == 1, ShapeError,
               "nodule_overlay: expected a one-channel 3D CT (1, Z, Y, X)");
  MEDIMG_CHECK(!detections.empty() && highlight < detections.size(), ArgumentError,
               "nodule_overlay: highlight ", highlight, " is not one of the ", detections.size(),
               " detections");
  MEDIMG_CHECK(options.window_low < options.window_high, ArgumentError,
               "nodule_overlay: empty window [", options.window_low, ", ", options.window_high, "]");
  const at::Tensor& volume = ct_hu.tensor();
  const std::int64_t depth = volume.size(1);
  const auto z = std::clamp<std::int64_t>(std::llround(detections[highlight].index[0]), 0, depth - 1);
  cv::Mat rgb = windowed_slice(volume[0][z], options);

  const Eigen::VectorXd& spacing = ct_hu.geometry().spacing();
  // Highlighted last, so it is drawn on top.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < detections.size(); ++i) {
    if (i != highlight) order.push_back(i);
  }
  order.push_back(highlight);
  for (const std::size_t i : order) {
    const NoduleDetection& d = detections[i];
    const double dz_mm = std::abs(d.index[0] - static_cast<double>(z)) * spacing[0];
    const double radius_mm = std::max(d.diameter / 2 + options.margin_mm, options.min_radius_mm);
    if (i != highlight && dz_mm > d.diameter / 2) continue;  // its sphere misses this slice
    const cv::Point centre(static_cast<int>(std::lround(d.index[2])),
                           static_cast<int>(std::lround(d.index[1])));
    const int radius = std::max(2, static_cast<int>(std::lround(radius_mm / spacing[2])));
    const cv::Scalar colour = i == highlight ? cv::Scalar(255, 40, 40) : cv::Scalar(255, 220, 0);
    cv::circle(rgb, centre, radius, colour, 1, cv::LINE_AA);
    if (options.label) {
      char text[64];
      std::snprintf(text, sizeof text, "#%zu p=%.2f d=%.1fmm", i + 1, d.probability, d.diameter);
      int baseline = 0;
      const int width = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 0.4, 1, &baseline).width;
      // Right of the circle, or left of it when the text would leave the image.
      const int x = centre.x + radius + 3 + width <= rgb.cols ? centre.x + radius + 3
                                                              : centre.x - radius - 3 - width;
      cv::putText(rgb, text, cv::Point(std::max(0, x), std::max(10, centre.y - radius)),
                  cv::FONT_HERSHEY_SIMPLEX, 0.4, colour, 1, cv::LINE_AA);
    }
  }

  Geometry plane(2);
  const Geometry& g = ct_hu.geometry();
  Eigen::VectorXd plane_spacing(2);
  plane_spacing << spacing[1], spacing[2];
  plane.set_spacing(plane_spacing);
  Eigen::VectorXd corner(3);
  corner << static_cast<double>(z), 0.0, 0.0;
  plane.set_origin(g.index_to_world(corner));
  plane.set_direction(g.direction());
  // image_from_mat gives a channel-first view of the interleaved Mat; copy it contiguous.
  const Image view = image_from_mat(rgb, plane);
  return view.with_tensor(view.tensor().contiguous());
}

}  // namespace medimg::pipelines
