#include "medimg/core/image_view.hpp"

#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <typeinfo>

#include "medimg/core/dispatch.hpp"
#include "test_helpers.hpp"

using medimg::ImageView;

TEST_CASE("a contiguous view indexes like the tensor") {
  const at::Tensor t = medimg::test::ramp({2, 3, 4});
  const auto v = medimg::view<float, 3>(t);
  CHECK(v.is_contiguous());
  CHECK(v.numel() == 24);
  CHECK(v(1, 2, 3) == 23.0f);
  CHECK(v[{0, 1, 2}] == 6.0f);
  CHECK(v.slice(1)(0, 1) == 13.0f);
}

TEST_CASE("a permuted tensor gives a strided view without a copy") {
  const at::Tensor t = medimg::test::ramp({2, 3, 4}).permute({2, 0, 1});  // shape (4, 2, 3)
  const auto v = medimg::view<float, 3>(t);
  CHECK_FALSE(v.is_contiguous());
  CHECK(v.data() == t.data_ptr<float>());
  for (std::int64_t a = 0; a < 4; ++a)
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t c = 0; c < 3; ++c) CHECK(v(a, b, c) == t[a][b][c].item<float>());
}

TEST_CASE("writes through a view reach the tensor") {
  at::Tensor t = at::zeros({1, 2, 2}, at::kShort);
  medimg::view<std::int16_t, 3>(t)(0, 1, 0) = 42;
  CHECK(t[0][1][0].item<int>() == 42);
}

TEST_CASE("for_each_index visits every index in C order") {
  float data[6] = {};
  const ImageView<float, 2> v(data, {2, 3});
  std::string order;
  medimg::for_each_index(v, [&](const auto& i) { order += std::to_string(i[0] * 10 + i[1]) + " "; });
  CHECK(order == "0 1 2 10 11 12 ");
}

TEST_CASE("view checks dtype, rank and device") {
  const at::Tensor t = medimg::test::ramp({2, 3});
  CHECK_THROWS_WITH((medimg::view<double, 2>(t)), Catch::Contains("expected dtype Double, got Float"));
  CHECK_THROWS_AS((medimg::view<float, 3>(t)), medimg::ShapeError);
}

TEST_CASE("dispatch_dtype picks the element type once") {
  auto name = [](auto v) { return std::string(typeid(typename decltype(v)::value_type).name()); };
  CHECK(medimg::dispatch_dtype<1>(at::zeros({3}, at::kByte), name) == typeid(std::uint8_t).name());
  CHECK(medimg::dispatch_dtype<1>(at::zeros({3}, at::kShort), name) == typeid(std::int16_t).name());
  CHECK(medimg::dispatch_dtype<1>(at::zeros({3}, at::kDouble), name) == typeid(double).name());
  CHECK(medimg::dispatch_dtype<1>(at::zeros({3}, at::kBool), name) == typeid(bool).name());
  CHECK_THROWS_AS(medimg::dispatch_dtype<1>(at::zeros({3}, at::kHalf), name), medimg::Unsupported);
}

TEST_CASE("a 2D image is seen as a volume with one slice") {
  const medimg::Image plane(medimg::test::ramp({2, 3, 4}));
  const auto v = medimg::volume_view<float>(plane);
  CHECK(v.shape() == ImageView<float, 4>::Index{2, 1, 3, 4});
  CHECK(v(1, 0, 2, 3) == 23.0f);
  const auto shape = medimg::dispatch_volume(plane, [](auto view) { return view.shape(); });
  CHECK(shape == ImageView<float, 4>::Index{2, 1, 3, 4});
}
