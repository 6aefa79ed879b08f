#include "medimg/preprocess/clahe.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/argsort.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/full.h>
#include <ATen/ops/isfinite.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "medimg/core/error.hpp"
#include "medimg/core/opencv_bridge.hpp"
#include "medimg/io/dicom.hpp"

namespace {

// A smooth 2D test pattern in [0, 1]: two gradients and a bright disc.
at::Tensor pattern(std::int64_t rows, std::int64_t cols) {
  const at::Tensor y = at::arange(rows, at::kFloat).reshape({rows, 1}) / rows;
  const at::Tensor x = at::arange(cols, at::kFloat).reshape({1, cols}) / cols;
  const at::Tensor disc = ((y - 0.4).pow(2) + (x - 0.6).pow(2)).lt(0.05).to(at::kFloat);
  return ((0.3 * y + 0.2 * x + 0.4 * disc) / 0.9).clamp(0, 1).unsqueeze(0);
}

}  // namespace

TEST_CASE("clahe returns [0, 1] float32 with the input's geometry") {
  const medimg::Image image(pattern(64, 48), medimg::Geometry(Eigen::Vector2d(0.5, 0.8)));
  const medimg::Image y = medimg::clahe(image);
  CHECK(y.dtype() == at::kFloat);
  CHECK(y.geometry() == image.geometry());
  CHECK(y.tensor().min().item<float>() == 0.0f);
  CHECK(y.tensor().max().item<float>() == 1.0f);
  CHECK(medimg::clahe(image.to(at::kDouble)).dtype() == at::kDouble);
}

TEST_CASE("clahe spans [0, 1] for every shape, kernel and bin count of its fast paths") {
  // 2D block tables (512², 100 x 77 with a 5-voxel row tail, a kernel the image is not a
  // multiple of), per-row interpolation (37 x 53, 9 x 1000), a single region with many bins,
  // float and integer input: each result is finite, rescaled to exactly [0, 1], and keeps the
  // input's shape. (The Python tests compare the values with scikit-image; this case is what
  // the sanitizer build runs over these paths.)
  struct Case {
    std::int64_t rows, cols;
    std::vector<std::int64_t> kernel;
    int nbins;
  };
  const Case cases[] = {{512, 512, {}, 256},     {100, 77, {50}, 256}, {100, 77, {30, 20}, 300},
                        {37, 53, {10, 7}, 128},  {9, 1000, {3, 100}, 64},
                        {256, 256, {256}, 3000}};
  for (const auto& c : cases) {
    const at::Tensor floats = at::rand({1, c.rows, c.cols});
    const at::Tensor integers = at::randint(0, 65536, {1, c.rows, c.cols}, at::kInt);
    for (const at::Tensor& values : {floats, integers}) {
      const auto options = medimg::ClaheOptions().kernel_size(c.kernel).nbins(c.nbins);
      const at::Tensor y = medimg::clahe(medimg::Image(values), options).tensor();
      CAPTURE(c.rows, c.cols, c.nbins, values.scalar_type());
      CHECK(y.sizes() == values.sizes());
      CHECK(y.isfinite().all().item<bool>());
      CHECK(y.min().item<float>() == 0.0f);
      CHECK(y.max().item<float>() == 1.0f);
    }
  }
}

TEST_CASE("clahe with one contextual region is a monotone mapping") {
  // kernel_size = the image: every voxel uses the one region's mapping, so brighter input
  // never gives darker output.
  const at::Tensor values = at::rand({1, 40, 30});
  const auto y = medimg::clahe(medimg::Image(values), medimg::ClaheOptions().kernel_size({40, 30}))
                     .tensor()
                     .reshape({-1});
  const at::Tensor order = at::argsort(values.reshape({-1}));
  const at::Tensor sorted = y.index_select(0, order);
  // Ties in the mapping may differ by one grey level after float32 rounding and truncation.
  CHECK(sorted.slice(0, 1).ge(sorted.slice(0, 0, -1) - 1e-3).all().item<bool>());
}

TEST_CASE("clahe of a 2D image equals its 3D form with one slice and a 1-voxel kernel in z") {
  const at::Tensor slice = pattern(50, 37);
  const auto flat = medimg::clahe(medimg::Image(slice), medimg::ClaheOptions().kernel_size({9, 6}));
  const auto deep = medimg::clahe(medimg::Image(slice.unsqueeze(1)),
                                  medimg::ClaheOptions().kernel_size({1, 9, 6}));
  CHECK(deep.tensor().squeeze(1).equal(flat.tensor()));
}

TEST_CASE("clahe treats each channel on its own") {
  const at::Tensor a = pattern(32, 32), b = at::rand({1, 32, 32});
  const auto both = medimg::clahe(medimg::Image(at::cat({a, b}))).tensor();
  CHECK(both[0].equal(medimg::clahe(medimg::Image(a)).tensor()[0]));
  CHECK(both[1].equal(medimg::clahe(medimg::Image(b)).tensor()[0]));
}

TEST_CASE("clahe refuses bad options and values") {
  const medimg::Image image(pattern(16, 16));
  using medimg::ClaheOptions;
  CHECK_THROWS_AS(medimg::clahe(image, ClaheOptions().clip_limit(-0.1)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe(image, ClaheOptions().clip_limit(1.5)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe(image, ClaheOptions().clip_limit(std::nan(""))),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe(image, ClaheOptions().kernel_size({0})), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe(image, ClaheOptions().kernel_size({4, 4, 4})),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe(image, ClaheOptions().nbins(1)), medimg::ArgumentError);
  at::Tensor nan = pattern(8, 8);
  nan[0][2][3] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(medimg::clahe(medimg::Image(nan)), Catch::Matchers::Contains("NaN"));
}

TEST_CASE("clahe_uint8 is OpenCV's CLAHE with the tile grid in array order") {
  // A real CT slice windowed to 8 bits, non-square tiles: (rows, columns) = (4, 2).
  const medimg::Image ct = medimg::read_dicom(MEDIMG_DATA_DIR "/ct_small.dcm");
  const at::Tensor bytes = ((ct.tensor() + 160) / 400 * 255).clamp(0, 255).to(at::kByte);
  const auto y = medimg::clahe_uint8(ct.with_tensor(bytes), 3.0, {4, 2});
  cv::Mat expected;
  cv::createCLAHE(3.0, cv::Size(2, 4))->apply(medimg::mat_view(ct.with_tensor(bytes)), expected);
  CHECK(y.dtype() == at::kByte);
  CHECK(y.geometry() == ct.geometry());
  CHECK(cv::countNonZero(medimg::mat_view(y) != expected) == 0);

  // uint16 values held as int32 go through OpenCV's 16-bit path.
  const at::Tensor words = at::randint(0, 65536, {1, 40, 24}, at::kInt);
  const auto y16 = medimg::clahe_uint8(medimg::Image(words), 2.0, {3, 3});
  cv::Mat src16, expected16;
  cv::Mat(40, 24, CV_32SC1, words.data_ptr()).convertTo(src16, CV_16U);
  cv::createCLAHE(2.0, cv::Size(3, 3))->apply(src16, expected16);
  cv::Mat got16;
  medimg::mat_view(y16).convertTo(got16, CV_16U);
  CHECK(y16.dtype() == at::kInt);
  CHECK(cv::countNonZero(got16 != expected16) == 0);
}

TEST_CASE("clahe_uint8 refuses other dtypes, ranks and grids") {
  const medimg::Image bytes(at::zeros({1, 16, 16}, at::kByte));
  CHECK_THROWS_AS(medimg::clahe_uint8(bytes.to(at::kFloat)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe_uint8(bytes.to(at::kShort)), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe_uint8(medimg::Image(at::zeros({1, 4, 16, 16}, at::kByte))),
                  medimg::ShapeError);
  CHECK_THROWS_AS(medimg::clahe_uint8(bytes, -1.0), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe_uint8(bytes, 40.0, {0, 8}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe_uint8(bytes, 40.0, {8, 17}), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::clahe_uint8(medimg::Image(at::full({1, 16, 16}, 70000, at::kInt))),
                  medimg::ArgumentError);
}
