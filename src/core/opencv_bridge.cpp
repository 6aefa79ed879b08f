#include "medimg/core/opencv_bridge.hpp"

#include <ATen/ops/from_blob.h>
#include <opencv2/core.hpp>

#include "medimg/core/error.hpp"

namespace medimg {
namespace {

int cv_depth_of(at::ScalarType dtype) {
  switch (dtype) {
    case at::kByte: return CV_8U;
    case at::kChar: return CV_8S;
    case at::kShort: return CV_16S;
    case at::kInt: return CV_32S;
    case at::kFloat: return CV_32F;
    case at::kDouble: return CV_64F;
    default:
      throw Unsupported(detail::concat("cv::Mat cannot hold dtype ", dtype,
                                       "; convert the image first"));
  }
}

at::ScalarType dtype_of_cv_depth(int depth) {
  switch (depth) {
    case CV_8U: return at::kByte;
    case CV_8S: return at::kChar;
    case CV_16S: return at::kShort;
    case CV_32S: return at::kInt;
    case CV_32F: return at::kFloat;
    case CV_64F: return at::kDouble;
    default:
      throw Unsupported(detail::concat("cv::Mat depth ", depth, " has no LibTorch dtype"));
  }
}

}  // namespace

cv::Mat mat_view(const Image& image) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "mat_view needs a defined image");
  MEDIMG_CHECK(image.spatial_dims() == 2, ShapeError,
               "cv::Mat holds 2D images, got a 3D image of shape ", image.tensor().sizes());
  const at::Tensor& t = image.tensor();
  MEDIMG_CHECK(t.device().is_cpu(), Unsupported, "mat_view needs a CPU image, got ", t.device());
  const int depth = cv_depth_of(t.scalar_type());
  const auto channels = t.size(0), rows = t.size(1), cols = t.size(2);
  MEDIMG_CHECK(channels <= 4, ShapeError, "cv::Mat views hold 1 to 4 channels, got ", channels);
  const bool interleaved = (channels == 1 || t.stride(0) == 1) && t.stride(2) == channels;
  MEDIMG_CHECK(interleaved && t.stride(1) >= cols * channels, ShapeError,
               "a zero-copy cv::Mat needs unit channel stride and x stride = channels, got "
               "strides ", t.strides(), "; use image.with_tensor(image.tensor()"
               ".permute({1, 2, 0}).contiguous().permute({2, 0, 1})) for a channels-last copy");
  const auto step = static_cast<std::size_t>(t.stride(1) * t.element_size());
  return cv::Mat(static_cast<int>(rows), static_cast<int>(cols),
                 CV_MAKETYPE(depth, static_cast<int>(channels)), t.data_ptr(), step);
}

Image image_from_mat(const cv::Mat& mat, const Geometry& geometry) {
  MEDIMG_CHECK(!mat.empty(), ShapeError, "cannot make an Image from an empty cv::Mat");
  MEDIMG_CHECK(mat.dims == 2, ShapeError, "expected a 2D cv::Mat, got ", mat.dims, " dims");
  if (mat.depth() == CV_16U) {
    cv::Mat widened;
    mat.convertTo(widened, CV_MAKETYPE(CV_32S, mat.channels()));
    return image_from_mat(widened, geometry);
  }
  const at::ScalarType dtype = dtype_of_cv_depth(mat.depth());
  const auto channels = static_cast<std::int64_t>(mat.channels());
  const auto row_stride = static_cast<std::int64_t>(mat.step[0] / mat.elemSize1());
  // The tensor's deleter holds a reference to the Mat's buffer.
  auto* owner = new cv::Mat(mat);
  at::Tensor yxc = at::from_blob(
      owner->data, {mat.rows, mat.cols, channels}, {row_stride, channels, 1},
      [owner](void*) { delete owner; }, at::TensorOptions().dtype(dtype));
  return Image(yxc.permute({2, 0, 1}), geometry);
}

}  // namespace medimg
