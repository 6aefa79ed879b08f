#include "medimg/io/raster.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <cctype>
#include <fstream>
#include <string>
#include <system_error>

#include "detail/raster_signature.hpp"
#include "medimg/core/atomic_file.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/opencv_bridge.hpp"

namespace medimg {
namespace {

namespace fs = std::filesystem;

// OpenCV orders colour channels B, G, R(, A); medimg follows the files: R, G, B(, A).
cv::Mat swap_red_blue(const cv::Mat& mat) {
  cv::Mat out;
  if (mat.channels() == 3) {
    cv::cvtColor(mat, out, cv::COLOR_BGR2RGB);
  } else if (mat.channels() == 4) {
    cv::cvtColor(mat, out, cv::COLOR_BGRA2RGBA);
  } else {
    out = mat;
  }
  return out;
}

// OpenCV picks the encoder from the name: anything but .png would silently write another
// format (a lossy JPEG for .jpg).
bool has_png_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension == ".png";
}

// A channels-last copy of `image` converted to an OpenCV PNG depth.
cv::Mat png_pixels(const Image& image) {
  const at::Tensor& t = image.tensor();
  switch (t.scalar_type()) {
    case at::kByte:
      return mat_view(image.with_tensor(t.permute({1, 2, 0}).contiguous().permute({2, 0, 1})))
          .clone();
    case at::kBool:
      return png_pixels(image.with_tensor(t.to(at::kByte).mul_(255)));
    case at::kShort:
    case at::kInt:
    case at::kLong: {
      const auto lo = t.min().item<std::int64_t>(), hi = t.max().item<std::int64_t>();
      MEDIMG_CHECK(lo >= 0 && hi <= 65535, ArgumentError,
                   "a 16-bit PNG holds values in [0, 65535], the image has [", lo, ", ", hi, "]");
      const at::Tensor yxc = t.permute({1, 2, 0}).to(at::kInt).contiguous();
      cv::Mat wide = mat_view(image.with_tensor(yxc.permute({2, 0, 1})));
      cv::Mat narrow;
      wide.convertTo(narrow, CV_MAKETYPE(CV_16U, wide.channels()));
      return narrow;
    }
    default:
      throw ArgumentError(detail::concat("write_png takes uint8, bool or integer images, got ",
                                         t.scalar_type(), "; window the image to uint8 first"));
  }
}

}  // namespace

Image read_raster(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(path, "no such file");
  if (!fs::is_regular_file(path, ec)) throw IoError(path, "not a regular file");
  std::string leading(detail::kRasterSignatureBytes, '\0');
  {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw IoError(path, "cannot open the file");
    file.read(leading.data(), static_cast<std::streamsize>(leading.size()));
    leading.resize(static_cast<std::size_t>(file.gcount()));
  }
  if (!detail::has_raster_signature(leading)) {
    throw FormatError(path, "not a PNG, JPEG, TIFF or BMP file (none of their signatures)");
  }
  cv::Mat mat;
  try {
    mat = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw FormatError(path, std::string("OpenCV cannot decode the image: ") + e.what());
  }
  if (mat.empty()) throw FormatError(path, "not an image OpenCV can decode");
  return image_from_mat(swap_red_blue(mat));
}

void write_png(const fs::path& path, const Image& image) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "write_png needs a defined image");
  MEDIMG_CHECK(has_png_extension(path), ArgumentError,
               "write_png writes .png files, got '", path.string(), "'");
  MEDIMG_CHECK(image.spatial_dims() == 2, ShapeError, "PNG holds 2D images, got shape ",
               image.tensor().sizes());
  const auto channels = image.channels();
  MEDIMG_CHECK(channels == 1 || channels == 3 || channels == 4, ShapeError,
               "PNG holds 1, 3 or 4 channels, got ", channels);
  const cv::Mat pixels = swap_red_blue(png_pixels(image.with_tensor(image.tensor().cpu())));
  write_atomically(path, [&](const fs::path& temporary) {
    bool written = false;
    try {
      written = cv::imwrite(temporary.string(), pixels);
    } catch (const cv::Exception& e) {
      throw IoError(path, std::string("cannot write PNG: ") + e.what());
    }
    if (!written) throw IoError(path, "cannot write PNG");
  });
}

}  // namespace medimg
