#include "medimg/classic/footprint.hpp"

#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "medimg/core/error.hpp"

using medimg::Footprint;
using medimg::FootprintKind;

namespace {

// The 0/1 values of a 2D footprint as text rows, for readable expectations.
std::string rows(const Footprint& f) {
  std::string out;
  const auto& s = f.shape();
  for (std::int64_t y = 0; y < s[0]; ++y) {
    for (std::int64_t x = 0; x < s[1]; ++x) out += f.values()[y * s[1] + x] ? '1' : '0';
    out += '\n';
  }
  return out;
}

}  // namespace

TEST_CASE("disk and diamond have scikit-image's shapes", "[footprint]") {
  CHECK(rows(medimg::disk(1)) == "010\n111\n010\n");
  CHECK(rows(medimg::disk(2)) == "00100\n01110\n11111\n01110\n00100\n");
  CHECK(rows(medimg::disk(3)) ==
        "0001000\n0111110\n0111110\n1111111\n0111110\n0111110\n0001000\n");
  CHECK(rows(medimg::diamond(2)) == "00100\n01110\n11111\n01110\n00100\n");
  CHECK(medimg::diamond(3).count() == 25);  // 2r^2 + 2r + 1
  CHECK(medimg::disk(0).count() == 1);
  CHECK(medimg::disk(0).shape() == std::vector<std::int64_t>{1, 1});
}

TEST_CASE("ball, cube and octahedron are 3D with the expected counts", "[footprint]") {
  CHECK(medimg::ball(1).count() == 7);
  CHECK(medimg::ball(2).count() == 33);  // integer points with x^2 + y^2 + z^2 <= 4
  CHECK(medimg::ball(2).shape() == std::vector<std::int64_t>{5, 5, 5});
  CHECK(medimg::octahedron(2).count() == 25);
  CHECK(medimg::cube(4).count() == 64);
  CHECK(medimg::square(4).shape() == std::vector<std::int64_t>{4, 4});
  CHECK(medimg::cross(3).count() == 7);
  CHECK(medimg::cross(2).kind() == FootprintKind::Diamond);
}

TEST_CASE("footprints from arrays keep their shape; names print", "[footprint]") {
  const Footprint f(at::tensor({0.0, 2.5, 0.0, 1.0, 1.0, 1.0}).reshape({2, 3}));
  CHECK(f.kind() == FootprintKind::Custom);
  CHECK(rows(f) == "010\n111\n");
  CHECK(f.name() == "Footprint(shape=(2, 3))");
  CHECK(medimg::disk(3).name() == "disk(3)");
  std::ostringstream out;
  out << medimg::cube(2);
  CHECK(out.str() == "cube(2)");
  CHECK(f.tensor().sum().item<std::int64_t>() == 4);
}

TEST_CASE("bad footprints are refused", "[footprint]") {
  CHECK_THROWS_AS(medimg::disk(-1), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::ball(-2), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::square(0), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::cube(-3), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::disk(100000), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::cross(1), medimg::ArgumentError);
  CHECK_THROWS_AS(Footprint(at::zeros({3, 3})), medimg::ArgumentError);
  CHECK_THROWS_AS(Footprint(at::zeros({3})), medimg::ShapeError);
  CHECK_THROWS_AS(Footprint(at::zeros({0, 3})), medimg::ShapeError);
}
