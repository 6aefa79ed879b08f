#include "medimg/io/raster.hpp"

#include <ATen/ops/randint.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

TEST_CASE("the bundled 16-bit CT slice reads with its stored values") {
  const medimg::Image image = medimg::read_raster(fs::path(MEDIMG_DATA_DIR) / "ct_small_slice.png");
  CHECK(image.tensor().sizes() == at::IntArrayRef{1, 128, 128});
  CHECK(image.dtype() == at::kInt);
  // Range of CT_small.dcm's stored values, as pydicom reports them.
  CHECK(image.tensor().min().item<int>() == 128);
  CHECK(image.tensor().max().item<int>() == 2191);
}

TEST_CASE("write_png then read_raster round-trips grey, RGB and 16-bit images") {
  medimg::test::ScratchDir dir("raster");
  for (const auto& shape : {std::vector<std::int64_t>{1, 5, 7}, {3, 5, 7}, {4, 2, 3}}) {
    const at::Tensor voxels = at::randint(0, 256, shape, at::kByte);
    medimg::write_png(dir / "x.png", medimg::Image(voxels));
    const medimg::Image back = medimg::read_raster(dir / "x.png");
    CHECK(back.tensor().equal(voxels));  // channel order R, G, B(, A) preserved
  }
  const at::Tensor wide = at::randint(0, 65536, {1, 4, 4}, at::kInt);
  medimg::write_png(dir / "wide.png", medimg::Image(wide));
  CHECK(medimg::read_raster(dir / "wide.png").tensor().equal(wide));
}

TEST_CASE("bad raster input gives medimg errors") {
  medimg::test::ScratchDir dir("raster-bad");
  CHECK_THROWS_AS(medimg::read_raster(dir / "missing.png"), medimg::IoError);
  CHECK_THROWS_WITH(medimg::read_raster(dir / "missing.png"), Catch::Contains("no such file"));
  CHECK_THROWS_AS(medimg::read_raster(dir.path()), medimg::IoError);
  std::ofstream(dir / "text.png") << "not an image";
  CHECK_THROWS_AS(medimg::read_raster(dir / "text.png"), medimg::FormatError);

  CHECK_THROWS_WITH(medimg::write_png(dir / "f.png", medimg::Image(medimg::test::ramp({1, 2, 2}))),
                    Catch::Contains("window the image to uint8"));
  CHECK_THROWS_AS(medimg::write_png(dir / "n.png", medimg::Image(medimg::test::ramp({1, 2, 2}).to(at::kInt).sub(1))),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::write_png(dir / "c.png", medimg::Image(medimg::test::ramp({2, 2, 2}).to(at::kByte))),
                  medimg::ShapeError);
  CHECK_THROWS_AS(medimg::write_png(dir / "no" / "dir.png",
                                    medimg::Image(medimg::test::ramp({1, 2, 2}).to(at::kByte))),
                  medimg::IoError);
  // Nothing was left behind by the failed writes.
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("write_png refuses names OpenCV would encode as another format") {
  medimg::test::ScratchDir dir("raster-name");
  const medimg::Image grey(medimg::test::ramp({1, 2, 2}).to(at::kByte));
  CHECK_THROWS_WITH(medimg::write_png(dir / "x.jpg", grey),
                    Catch::Contains("write_png writes .png files"));
  CHECK_THROWS_AS(medimg::write_png(dir / "x", grey), medimg::ArgumentError);
  medimg::write_png(dir / "upper.PNG", grey);
  CHECK(medimg::read_raster(dir / "upper.PNG").tensor().equal(grey.tensor()));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}
