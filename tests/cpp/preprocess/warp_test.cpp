#include "medimg/preprocess/warp.hpp"

#include <ATen/ops/from_blob.h>
#include <ATen/ops/rand.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "medimg/core/error.hpp"
#include "medimg/preprocess/orientation.hpp"
#include "test_helpers.hpp"

using medimg::BorderMode;
using medimg::Image;

namespace {

constexpr double kPi = 3.14159265358979323846;

// A float32 test image: random, or smooth (gradients below 0.1 per pixel).
cv::Mat test_image(int rows, int cols, bool smooth) {
  cv::Mat image(rows, cols, CV_32F);
  cv::RNG rng(7);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) {
      image.at<float>(y, x) = smooth ? static_cast<float>(std::sin(x / 15.0) + std::cos(y / 11.0))
                                     : rng.uniform(0.0f, 1.0f);
    }
  return image;
}

Image as_image(const cv::Mat& mat) {
  return Image(at::from_blob(mat.data, {1, mat.rows, mat.cols}, at::kFloat).clone());
}

Eigen::MatrixXd as_eigen(const cv::Mat& m) {
  Eigen::MatrixXd out(m.rows, m.cols);
  for (int r = 0; r < m.rows; ++r)
    for (int c = 0; c < m.cols; ++c) out(r, c) = m.at<double>(r, c);
  return out;
}

double max_difference(const cv::Mat& expected, const Image& image) {
  const at::Tensor got = image.tensor()[0].contiguous();
  double worst = 0.0;
  for (int y = 0; y < expected.rows; ++y)
    for (int x = 0; x < expected.cols; ++x) {
      worst = std::max(worst, std::abs(static_cast<double>(expected.at<float>(y, x)) -
                                       got[y][x].item<float>()));
    }
  return worst;
}

struct Border {
  int opencv;
  BorderMode medimg;
};

const Border kBorders[] = {{cv::BORDER_CONSTANT, BorderMode::Constant},
                           {cv::BORDER_REPLICATE, BorderMode::Edge},
                           {cv::BORDER_REFLECT, BorderMode::Reflect},
                           {cv::BORDER_REFLECT_101, BorderMode::Mirror},
                           {cv::BORDER_WRAP, BorderMode::Wrap}};

medimg::WarpOptions warp_options(BorderMode border, double fill, bool inverse_map) {
  medimg::WarpOptions options;
  options.sampling.border = border;
  options.sampling.fill_value = fill;
  options.inverse_map = inverse_map;
  return options;
}

}  // namespace

// cv::warpAffine rounds every source position to 1/32 pixel (INTER_BITS = 5) even for
// float32 images; with positions on that grid its bilinear result is exact, so medimg must
// agree to float32 precision.
TEST_CASE("warp_affine equals cv::warpAffine where OpenCV's positions are exact") {
  const cv::Mat source = test_image(37, 45, false);
  const cv::Mat inverse = (cv::Mat_<double>(2, 3) << 0.75, 0.25, 3.125, -0.5, 1.25, -2.5);
  const cv::Mat forward = (cv::Mat_<double>(2, 3) << 0, 1, 3.5, -1, 0, 40.25);
  for (const Border& border : kBorders) {
    cv::Mat expected;
    cv::warpAffine(source, expected, inverse, source.size(),
                   cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, border.opencv, cv::Scalar(0.25));
    const Image out = medimg::warp_affine(as_image(source), as_eigen(inverse),
                                          warp_options(border.medimg, 0.25, true));
    CHECK(max_difference(expected, out) < 1e-5);
    cv::warpAffine(source, expected, forward, cv::Size(41, 39), cv::INTER_LINEAR, border.opencv,
                   cv::Scalar(0.25));
    medimg::WarpOptions options = warp_options(border.medimg, 0.25, false);
    options.shape = {39, 41};
    CHECK(max_difference(expected, medimg::warp_affine(as_image(source), as_eigen(forward),
                                                       options)) < 1e-5);
  }
}

// Elsewhere OpenCV's rounding of positions to 1/32 pixel moves each sample by up to 1/64
// pixel per axis: on an image whose gradient is below 0.2 per pixel the two differ by less
// than 0.2 * 2 / 64.
TEST_CASE("warp_affine agrees with cv::warpAffine up to OpenCV's 1/32-pixel positions") {
  const cv::Mat source = test_image(64, 80, true);
  const cv::Mat rotation = cv::getRotationMatrix2D(cv::Point2f(39.5f, 31.5f), 17.0, 0.93);
  for (const Border& border : {kBorders[1], kBorders[2]}) {
    cv::Mat expected;
    cv::warpAffine(source, expected, rotation, source.size(), cv::INTER_LINEAR, border.opencv);
    const Image out = medimg::warp_affine(as_image(source), as_eigen(rotation),
                                          warp_options(border.medimg, 0.0, false));
    CHECK(max_difference(expected, out) < 0.2 * 2 / 64);
  }
}

TEST_CASE("affine_about_center is cv::getRotationMatrix2D for a rotation and scale") {
  medimg::CenteredAffine transform;
  transform.rotation = {25.0 * kPi / 180.0};
  transform.scale = {1.3};
  const Eigen::MatrixXd ours = medimg::affine_about_center({50, 70}, transform);
  const Eigen::MatrixXd opencv =
      as_eigen(cv::getRotationMatrix2D(cv::Point2f(34.5f, 24.5f), 25.0, 1.3));
  CHECK((ours.topRows(2) - opencv).cwiseAbs().maxCoeff() < 1e-6);
  CHECK(ours.row(2).isApprox(Eigen::RowVector3d(0, 0, 1)));
}

TEST_CASE("3D warps: a quarter turn about the centre is rot90; inverse_map pulls") {
  const at::Tensor voxels = at::rand({1, 5, 5, 5});
  const Image image(voxels);
  medimg::CenteredAffine turn;
  turn.rotation = {0.0, kPi / 2, 0.0};  // the (z, x) plane
  const Image warped = medimg::warp_affine(image, medimg::affine_about_center({5, 5, 5}, turn));
  const Image turned = medimg::rot90(image, 1, {0, 2});
  CHECK(warped.tensor().sub(turned.tensor()).abs().max().item<float>() < 1e-5f);
  CHECK(warped.geometry() == image.geometry());
  // A pull map shifting by one voxel along z: output z samples input z + 1.
  Eigen::MatrixXd pull = Eigen::MatrixXd::Identity(4, 4);
  pull(0, 3) = 1.0;
  medimg::WarpOptions options;
  options.inverse_map = true;
  const at::Tensor shifted = medimg::warp_affine(image, pull, options).tensor();
  CHECK(shifted[0][2].equal(voxels[0][3]));
  CHECK(shifted[0][4].abs().max().item<float>() == 0.0f);
}

TEST_CASE("warp_affine and affine_about_center refuse bad input") {
  const Image image(at::rand({1, 4, 4}));
  CHECK_THROWS_AS(medimg::warp_affine(image, Eigen::MatrixXd::Identity(4, 4)), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::warp_affine(image, Eigen::MatrixXd::Zero(2, 3)), medimg::ArgumentError);
  medimg::CenteredAffine transform;
  transform.rotation = {0.1, 0.2};
  CHECK_THROWS_AS(medimg::affine_about_center({4, 4}, transform), medimg::ShapeError);
  transform.rotation = {};
  transform.scale = {0.0};
  CHECK_THROWS_AS(medimg::affine_about_center({4, 4}, transform), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::affine_about_center({4}, {}), medimg::ShapeError);
}
