#include "medimg/core/geometry.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <sstream>

#include "medimg/core/error.hpp"

using medimg::Geometry;

namespace {

Eigen::VectorXd vec(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}

Eigen::Matrix3d columns(const Eigen::Vector3d& x, const Eigen::Vector3d& y,
                        const Eigen::Vector3d& z) {
  Eigen::Matrix3d d;
  d << x, y, z;
  return d;
}

}  // namespace

TEST_CASE("default 3D geometry maps array axes (z, y, x) to world z, y, x") {
  const Geometry g(vec({3, 2, 1}));
  Eigen::Matrix4d expected;
  expected << 0, 0, 1, 0,  //
      0, 2, 0, 0,          //
      3, 0, 0, 0,          //
      0, 0, 0, 1;
  CHECK(g.affine().isApprox(expected, 1e-15));
  CHECK(g.index_to_world(vec({1, 1, 1})).isApprox(Eigen::Vector3d(1, 2, 3)));
}

TEST_CASE("oblique direction and anisotropic spacing give the hand-computed affine") {
  SECTION("rotation of 30 degrees about z") {
    const double c = 0.8660254037844386, s = 0.5;
    const Geometry g(vec({2.5, 0.8, 0.5}), Eigen::Vector3d(10, -20, 30),
                     columns({c, s, 0}, {-s, c, 0}, {0, 0, 1}));
    Eigen::Matrix4d expected;
    expected << 0, -0.4, 0.4330127018922193, 10,  //
        0, 0.6928203230275509, 0.25, -20,         //
        2.5, 0, 0, 30,                            //
        0, 0, 0, 1;
    CHECK(g.affine().isApprox(expected, 1e-12));
  }
  SECTION("DICOM-style orientation: rows (0.8, 0.6, 0), columns (0, 0, -1)") {
    // normal = row x column = (-0.6, 0.8, 0)
    const Geometry g(vec({4, 1.5, 0.75}), Eigen::Vector3d(1, 2, 3),
                     columns({0.8, 0.6, 0}, {0, 0, -1}, {-0.6, 0.8, 0}));
    Eigen::Matrix4d expected;
    expected << -2.4, 0, 0.6, 1,  //
        3.2, 0, 0.45, 2,          //
        0, -1.5, 0, 3,            //
        0, 0, 0, 1;
    CHECK(g.affine().isApprox(expected, 1e-12));
    CHECK(g.index_to_world(vec({2, 3, 4})).isApprox(Eigen::Vector3d(-1.4, 10.2, -1.5), 1e-12));
    const Eigen::VectorXd back = g.world_to_index(Eigen::Vector3d(-1.4, 10.2, -1.5));
    CHECK(back.isApprox(vec({2, 3, 4}), 1e-12));
  }
}

TEST_CASE("a 2D geometry lies in 3D: (y, x) along world y and x, the normal as column 2") {
  const Geometry g(vec({2, 0.5}), Eigen::Vector3d(5, 6, 7));
  Eigen::Matrix4d expected;
  expected << 0, 0.5, 0, 5,  //
      2, 0, 0, 6,            //
      0, 0, 1, 7,            //
      0, 0, 0, 1;
  CHECK(g.spatial_dims() == 2);
  CHECK(g.affine().isApprox(expected));
  CHECK(g.index_to_world(vec({3, 4})).isApprox(Eigen::Vector3d(7, 12, 7)));
  // Off-plane points are projected onto the plane.
  CHECK(g.world_to_index(Eigen::Vector3d(7, 12, 100)).isApprox(vec({3, 4})));
}

TEST_CASE("from_affine inverts affine()") {
  const double c = std::cos(0.3), s = std::sin(0.3);
  const Geometry g(vec({1.25, 0.7, 0.6}), Eigen::Vector3d(-3, 4, 9),
                   columns({c, 0, -s}, {0, 1, 0}, {s, 0, c}));
  const Geometry back = Geometry::from_affine(g.affine());
  CHECK(back.is_close(g, 1e-12));
  const Geometry plane(vec({0.9, 0.4}), Eigen::Vector3d(1, 2, 3), g.direction());
  CHECK(Geometry::from_affine(plane.affine(), 2).is_close(plane, 1e-12));
}

TEST_CASE("is_close compares within the tolerance") {
  const Geometry a(vec({1, 1, 1}));
  const Geometry b(vec({1, 1, 1 + 1e-9}));
  const Geometry c(vec({1, 1, 1.001}));
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a.is_close(c, 1e-2));
  CHECK(a != Geometry(2));
}

TEST_CASE("invalid geometry is refused with ArgumentError naming the value") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(Geometry(vec({1, 0, 1})), Catch::Contains("spacing must be finite and > 0"));
  CHECK_THROWS_AS(Geometry(vec({1, -2, 1})), medimg::ArgumentError);
  CHECK_THROWS_AS(Geometry(vec({1, nan, 1})), medimg::ArgumentError);
  CHECK_THROWS_WITH(Geometry(vec({1, 1, 1, 1})), Catch::Contains("2 or 3 values"));
  CHECK_THROWS_WITH(Geometry(vec({1, 1}), Eigen::Vector3d(0, nan, 0)),
                    Catch::Contains("origin must be finite"));
  CHECK_THROWS_WITH(Geometry(vec({1, 1, 1}), Eigen::Vector3d::Zero(),
                             columns({1, 0, 0}, {1, 0, 0}, {0, 0, 1})),
                    Catch::Contains("non-singular"));
  CHECK_THROWS_WITH(Geometry(vec({1, 1, 1}), Eigen::Vector3d::Zero(),
                             columns({2, 0, 0}, {0, 1, 0}, {0, 0, 1})),
                    Catch::Contains("unit vector"));
  CHECK_THROWS_AS(Geometry(4), medimg::ArgumentError);
  Geometry g(3);
  CHECK_THROWS_AS(g.set_spacing(vec({1, 1})), medimg::ShapeError);
  CHECK_THROWS_AS(g.index_to_world(vec({1, 1})), medimg::ShapeError);
  Eigen::Matrix4d bad = Eigen::Matrix4d::Identity();
  bad(3, 0) = 1;
  CHECK_THROWS_WITH(Geometry::from_affine(bad), Catch::Contains("last row"));
}

TEST_CASE("geometry prints spacing, origin and direction rows") {
  std::ostringstream out;
  out << Geometry(vec({2, 1}));
  CHECK(out.str() == "Geometry(spacing=(2, 1), origin=(0, 0, 0), direction=(1, 0, 0, 0, 1, 0, 0, 0, 1))");
}
