// clahe_uint8: OpenCV's own CLAHE on each channel (preprocess/clahe.hpp).
#include <ATen/ops/empty.h>

#include <array>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <tuple>

#include "detail/channels.hpp"
#include "medimg/preprocess/clahe.hpp"

namespace medimg {

Image clahe_uint8(const Image& image, double clip_limit, std::array<std::int64_t, 2> tile_grid) {
  const at::Tensor voxels = detail::contiguous_voxels(image, "clahe_uint8");
  MEDIMG_CHECK(image.spatial_dims() == 2, ShapeError,
               "clahe_uint8 takes a 2D image (C, Y, X) as OpenCV does, got shape ", voxels.sizes());
  const bool bytes = voxels.scalar_type() == at::kByte;
  MEDIMG_CHECK(bytes || voxels.scalar_type() == at::kInt, ArgumentError,
               "clahe_uint8 takes uint8, or uint16 values held as int32, got ",
               voxels.scalar_type(), "; window or rescale to uint8 first, or use clahe()");
  MEDIMG_CHECK(std::isfinite(clip_limit) && clip_limit >= 0, ArgumentError,
               "clahe_uint8: clip_limit must be finite and >= 0 (0: no clipping), got ",
               clip_limit);
  const std::int64_t rows = voxels.size(1), cols = voxels.size(2);
  MEDIMG_CHECK(
      tile_grid[0] >= 1 && tile_grid[1] >= 1 && tile_grid[0] <= rows && tile_grid[1] <= cols,
      ArgumentError,
      "clahe_uint8: tile_grid (rows, columns) must be between (1, 1) "
      "and the image size (",
      rows, ", ", cols, "), got (", tile_grid[0], ", ", tile_grid[1], ")");
  at::Tensor values = voxels;
  if (!bytes) {
    const auto range = voxels.aminmax();
    const auto low = std::get<0>(range).item<std::int32_t>();
    const auto high = std::get<1>(range).item<std::int32_t>();
    MEDIMG_CHECK(low >= 0 && high <= 65535, ArgumentError,
                 "clahe_uint8: int32 input must hold uint16 values (0 ... 65535), got [", low, ", ",
                 high, "]");
  }
  at::Tensor out = at::empty(voxels.sizes(), voxels.options());
  const auto clahe = cv::createCLAHE(
      clip_limit, cv::Size(static_cast<int>(tile_grid[1]), static_cast<int>(tile_grid[0])));
  const int r = static_cast<int>(rows), w = static_cast<int>(cols);
  for (std::int64_t c = 0; c < voxels.size(0); ++c) {
    try {
      if (bytes) {
        const cv::Mat src(r, w, CV_8UC1, voxels[c].data_ptr());
        cv::Mat dst(r, w, CV_8UC1, out[c].data_ptr());
        clahe->apply(src, dst);
      } else {
        // OpenCV wants CV_16U; LibTorch has no uint16: convert both ways.
        cv::Mat src16, dst16;
        cv::Mat(r, w, CV_32SC1, voxels[c].data_ptr()).convertTo(src16, CV_16U);
        clahe->apply(src16, dst16);
        cv::Mat dst(r, w, CV_32SC1, out[c].data_ptr());
        dst16.convertTo(dst, CV_32S);
      }
    } catch (const cv::Exception& e) {
      throw ArgumentError(std::string("clahe_uint8: OpenCV refused the input: ") + e.what());
    }
  }
  return image.with_tensor(out);
}

}  // namespace medimg
