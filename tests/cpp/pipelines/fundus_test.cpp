#include "medimg/pipelines/fundus.hpp"

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>

#include <opencv2/imgproc.hpp>

#include <catch2/catch.hpp>

#include "medimg/classic/label.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/opencv_bridge.hpp"
#include "medimg/phantoms/fundus_phantom.hpp"

using medimg::Image;

namespace {

/// A fundus phantom as a uint8 photograph.
Image photograph(int grade, std::int64_t size, std::uint64_t seed) {
  const medimg::FundusPhantom p = medimg::fundus_phantom(grade, size, seed);
  return Image((p.image * 255.0).round().to(at::kByte));
}

std::int64_t components(const at::Tensor& lesions, int kind) {
  return medimg::label(lesions == kind, 1).count;
}

}  // namespace

TEST_CASE("fundus phantom: one seed one image, lesion counts per grade") {
  const auto a = medimg::fundus_phantom(4, 96, 7), b = medimg::fundus_phantom(4, 96, 7);
  CHECK(at::equal(a.image, b.image));
  CHECK(at::equal(a.lesions, b.lesions));
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const auto g0 = medimg::fundus_phantom(0, 96, seed);
    CHECK(g0.lesions.max().item<int>() == 0);
    const auto g1 = medimg::fundus_phantom(1, 96, seed);
    CHECK(components(g1.lesions, 1) >= 1);
    CHECK(components(g1.lesions, 1) <= 4);
    CHECK(components(g1.lesions, 2) + components(g1.lesions, 3) == 0);
    const auto g3 = medimg::fundus_phantom(3, 96, seed);
    CHECK(components(g3.lesions, 2) >= 8);
    CHECK(static_cast<std::size_t>(components(g3.lesions, 1) + components(g3.lesions, 2) +
                                   components(g3.lesions, 3)) == g3.lesion_list.size());
  }
  CHECK_THROWS_AS(medimg::fundus_phantom(5, 96, 0), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::fundus_dataset(-1, 96, 0), medimg::ArgumentError);
}

TEST_CASE("fundus data set: balanced blocks, prefixes are smaller data sets") {
  const auto big = medimg::fundus_dataset(10, 48, 3), small = medimg::fundus_dataset(4, 48, 3);
  CHECK(at::equal(big.images.narrow(0, 0, 4), small.images));
  CHECK(std::get<0>(at::sort(big.grades.narrow(0, 0, 5))).equal(at::arange(5, at::kLong)));
  CHECK(std::get<0>(at::sort(big.grades.narrow(0, 5, 5))).equal(at::arange(5, at::kLong)));
}

TEST_CASE("fundus mask is the field of view; crop makes it square") {
  const auto p = medimg::fundus_phantom(2, 96, 1);
  const Image photo = photograph(2, 96, 1);
  const at::Tensor mask = medimg::fundus_mask(photo);
  const at::Tensor y = at::arange(96, at::kDouble).unsqueeze(1) - p.fov_centre[1];
  const at::Tensor x = at::arange(96, at::kDouble).unsqueeze(0) - p.fov_centre[0];
  const at::Tensor d = (x * x + y * y).sqrt();
  CHECK(mask.masked_select(d < p.fov_radius - 1).all().item<bool>());
  CHECK_FALSE(mask.masked_select(d > p.fov_radius + 1).any().item<bool>());
  const Image cropped = medimg::crop_fundus(photo);
  CHECK(cropped.spatial_shape()[0] == cropped.spatial_shape()[1]);
  CHECK_THROWS_AS(medimg::crop_fundus(photo, -1), medimg::ArgumentError);
}

TEST_CASE("ben_graham on uint8 follows OpenCV's addWeighted of the Gaussian blur") {
  const Image photo = photograph(3, 96, 2);
  medimg::BenGrahamOptions o;
  o.sigma = 3.0;
  const at::Tensor out = medimg::ben_graham(photo, o).tensor();
  // OpenCV wants channels last: the same pixels with (Y, X, C) memory order.
  const Image interleaved(photo.tensor().permute({1, 2, 0}).contiguous().permute({2, 0, 1}));
  cv::Mat hwc = medimg::mat_view(interleaved), blurred, reference;
  cv::GaussianBlur(hwc, blurred, cv::Size(0, 0), o.sigma);
  cv::addWeighted(hwc, 4.0, blurred, -4.0, 128.0, reference);
  const at::Tensor expected =
      medimg::image_from_mat(reference).tensor() * medimg::fundus_mask(photo).unsqueeze(0);
  const at::Tensor diff = (out.to(at::kInt) - expected.to(at::kInt)).abs();
  CHECK(diff.max().item<int>() <= 4);
  CHECK((diff > 0).to(at::kFloat).mean().item<float>() < 0.05f);
}

TEST_CASE("clahe_green changes only the green channel") {
  const Image photo = photograph(1, 64, 4);
  const at::Tensor out = medimg::clahe_green(photo).tensor();
  CHECK(out.scalar_type() == at::kByte);
  CHECK(at::equal(out[0], photo.tensor()[0]));
  CHECK(at::equal(out[2], photo.tensor()[2]));
  CHECK_FALSE(at::equal(out[1], photo.tensor()[1]));
  CHECK_THROWS_AS(medimg::clahe_green(Image(photo.tensor().narrow(0, 0, 1))), medimg::ShapeError);
}
