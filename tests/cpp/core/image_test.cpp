#include "medimg/core/image.hpp"

#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

using medimg::Geometry;
using medimg::Image;

TEST_CASE("an Image knows its rank, channels and spatial shape") {
  const Image volume(medimg::test::ramp({2, 4, 5, 6}));
  CHECK(volume.spatial_dims() == 3);
  CHECK(volume.channels() == 2);
  CHECK(volume.spatial_shape() == std::vector<std::int64_t>{4, 5, 6});
  CHECK(volume.geometry() == Geometry(3));
  CHECK(volume.dtype() == at::kFloat);

  const Image plane(medimg::test::ramp({1, 5, 6}));
  CHECK(plane.spatial_dims() == 2);
  CHECK(plane.geometry().spatial_dims() == 2);
}

TEST_CASE("copies share voxels; clone does not") {
  Image a(medimg::test::ramp({1, 2, 3}));
  a.meta()["Modality"] = std::string("CT");
  const Image shallow = a;
  const Image deep = a.clone();
  a.tensor().fill_(7);
  CHECK(shallow.tensor()[0][1][2].item<float>() == 7);
  CHECK(deep.tensor()[0][1][2].item<float>() == 5);
  CHECK(std::get<std::string>(deep.meta().at("Modality")) == "CT");
}

TEST_CASE("to converts the dtype and keeps geometry and metadata") {
  Eigen::VectorXd spacing(2);
  spacing << 0.5, 0.25;
  Image a(medimg::test::ramp({1, 2, 3}), Geometry(spacing), {{"Rows", std::int64_t{2}}});
  const Image b = a.to(at::kShort);
  CHECK(b.dtype() == at::kShort);
  CHECK(b.tensor()[0][1][2].item<int>() == 5);
  CHECK(b.geometry() == a.geometry());
  CHECK(std::get<std::int64_t>(b.meta().at("Rows")) == 2);
  // Already that dtype: the same storage.
  CHECK(a.to(at::kFloat).tensor().data_ptr() == a.tensor().data_ptr());
}

TEST_CASE("bad voxels or mismatched geometry give ShapeError") {
  CHECK_THROWS_WITH(Image(medimg::test::ramp({5, 6})), Catch::Contains("(C, Y, X) or (C, Z, Y, X)"));
  CHECK_THROWS_AS(Image(medimg::test::ramp({1, 1, 2, 3, 4})), medimg::ShapeError);
  CHECK_THROWS_WITH(Image(at::zeros({1, 0, 3})), Catch::Contains("empty axis"));
  CHECK_THROWS_AS(Image(at::Tensor()), medimg::ShapeError);
  CHECK_THROWS_WITH(Image(medimg::test::ramp({1, 2, 3}), Geometry(3)),
                    Catch::Contains("is a 2D image but its geometry is 3D"));
  Image a(medimg::test::ramp({1, 2, 3}));
  CHECK_THROWS_AS(a.set_geometry(Geometry(3)), medimg::ShapeError);
  CHECK_FALSE(Image().defined());
}

TEST_CASE("an Image prints its shape, dtype and geometry") {
  std::ostringstream out;
  out << Image(medimg::test::ramp({1, 2, 3}));
  CHECK(out.str() == "Image(shape=[1, 2, 3], dtype=Float, Geometry(spacing=(1, 1), origin=(0, 0, 0), "
                     "direction=(1, 0, 0, 0, 1, 0, 0, 0, 1)))");
}
