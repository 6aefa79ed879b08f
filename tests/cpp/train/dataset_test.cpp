#include "medimg/train/dataset.hpp"

#include <ATen/Functions.h>
#include <ATen/TensorIndexing.h>
#include <ATen/TensorOperators.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "medimg/core/error.hpp"
#include "medimg/io/nifti.hpp"
#include "medimg/train/sample.hpp"
#include "test_helpers.hpp"

using Catch::Matchers::Contains;
using medimg::Image;
namespace fs = std::filesystem;
namespace train = medimg::train;

namespace {

Image volume(at::Tensor voxels, double spacing_z = 2.0) {
  Eigen::VectorXd spacing(3);
  spacing << spacing_z, 1.5, 1.0;
  return Image(std::move(voxels), medimg::Geometry(spacing, Eigen::Vector3d(-10.0, 5.0, 3.0)));
}

/// A CT-like volume and its label map written as NIfTI pairs.
train::SamplePaths write_pair(const fs::path& folder, const std::string& name, int value) {
  const at::Tensor hu = medimg::test::ramp({1, 4, 5, 6}).to(at::kShort) * 10 - 100 + value;
  const at::Tensor label = (hu > 0).to(at::kByte);
  fs::create_directories(folder / "imagesTr");
  fs::create_directories(folder / "labelsTr");
  train::SamplePaths paths{folder / "imagesTr" / name, folder / "labelsTr" / name};
  medimg::write_nifti(paths.image, volume(hu));
  medimg::write_nifti(paths.label, volume(label));
  return paths;
}

std::size_t count_files(const fs::path& folder) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(folder)) n += entry.is_regular_file();
  return n;
}

}  // namespace

TEST_CASE("FileDataset reads pairs, preprocesses them and keeps the geometry", "[train][data]") {
  medimg::test::ScratchDir dir("dataset");
  const auto paths = write_pair(dir.path(), "a.nii.gz", 0);
  const auto steps = train::preprocessing_from_config(R"([{"window": {"center": 0, "width": 200}}])");
  train::FileDataset dataset({paths}, steps);
  REQUIRE(dataset.size() == 1);
  const medimg::Sample sample = dataset.get(0);
  const at::Tensor hu = medimg::test::ramp({1, 4, 5, 6}) * 10 - 100;
  CHECK(at::allclose(sample.image.tensor(), ((hu + 100) / 200).clamp(0, 1)));
  CHECK(at::equal(sample.label.tensor(), (hu > 0).to(at::kByte)));
  CHECK(sample.image.geometry().is_close(volume(hu).geometry(), 1e-5));
  CHECK(sample.label.geometry() == sample.image.geometry());
  CHECK(dataset.describe(0) == paths.image.string() + " + " + paths.label.string());
  CHECK_THROWS_AS(dataset.get(1), medimg::ArgumentError);
}

TEST_CASE("mismatched pairs and missing files are reported with their paths", "[train][data]") {
  medimg::test::ScratchDir dir("dataset-bad");
  const auto paths = write_pair(dir.path(), "a.nii.gz", 0);
  const fs::path small = dir / "small.nii.gz";
  medimg::write_nifti(small, volume(at::zeros({1, 4, 5, 5}, at::kByte)));
  train::FileDataset shape({{paths.image, small}});
  CHECK_THROWS_WITH(shape.get(0), Contains(small.string()) && Contains(paths.image.string()));
  CHECK_THROWS_AS(shape.get(0), medimg::ShapeError);

  const fs::path moved = dir / "moved.nii.gz";
  medimg::write_nifti(moved, volume(at::zeros({1, 4, 5, 6}, at::kByte), 3.0));
  train::FileDataset geometry({{paths.image, moved}});
  CHECK_THROWS_WITH(geometry.get(0), Contains(moved.string()) && Contains("grid"));

  CHECK_THROWS_WITH(train::FileDataset({{dir / "none.nii.gz", {}}}), Contains("none.nii.gz"));
}

TEST_CASE("the disk cache hits for unchanged files and misses after a change", "[train][data]") {
  medimg::test::ScratchDir dir("dataset-cache");
  // Uncompressed, so that other voxels can keep the file size.
  const auto paths = write_pair(dir.path(), "a.nii", 0);
  const fs::path cache = dir / "cache";
  const auto steps = train::preprocessing_from_config(R"([{"to_float": {}}])");
  const train::CacheOptions options{false, cache};
  const at::Tensor first = train::FileDataset({paths}, steps, options).get(0).image.tensor();
  REQUIRE(count_files(cache) == 1);

  // Same size and modification time but other voxels: the entry still hits (by design the
  // content is not hashed), which proves the second read came from the cache.
  const auto stamp = fs::last_write_time(paths.image);
  const fs::path other = dir / "other.nii";
  medimg::write_nifti(other, volume(medimg::test::ramp({1, 4, 5, 6}).to(at::kShort) * 10 - 100 + 7));
  REQUIRE(fs::file_size(other) == fs::file_size(paths.image));
  fs::rename(other, paths.image);
  fs::last_write_time(paths.image, stamp);
  CHECK(at::equal(train::FileDataset({paths}, steps, options).get(0).image.tensor(), first));
  CHECK(count_files(cache) == 1);

  // A new modification time misses and reads the new voxels.
  fs::last_write_time(paths.image, stamp + std::chrono::seconds(5));
  const at::Tensor changed = train::FileDataset({paths}, steps, options).get(0).image.tensor();
  CHECK(at::equal(changed, first + 7));
  CHECK(count_files(cache) == 2);

  // Another pipeline misses too.
  const auto window = train::preprocessing_from_config(R"([{"window": {"preset": "lung"}}])");
  train::FileDataset windowed({paths}, window, options);
  (void)windowed.get(0);
  CHECK(count_files(cache) == 3);
  CHECK(fs::exists(windowed.cache_file(0)));
}

TEST_CASE("decathlon_samples pairs imagesTr with labelsTr", "[train][data]") {
  medimg::test::ScratchDir dir("decathlon");
  write_pair(dir.path(), "case_1.nii.gz", 0);
  write_pair(dir.path(), "case_0.nii.gz", 5);
  std::ofstream(dir / "imagesTr" / "._case_0.nii.gz") << "resource fork";
  const auto samples = train::decathlon_samples(dir.path());
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].image.filename() == "case_0.nii.gz");
  CHECK(samples[1].label == dir / "labelsTr" / "case_1.nii.gz");
  CHECK(train::decathlon_dataset(dir.path())->size() == 2);

  fs::remove(dir / "labelsTr" / "case_1.nii.gz");
  CHECK_THROWS_WITH(train::decathlon_samples(dir.path()),
                    Contains((dir / "labelsTr" / "case_1.nii.gz").string()));
  CHECK_THROWS_AS(train::decathlon_samples(dir.path()), medimg::IoError);

  std::ofstream(dir / "dataset.json")
      << R"({"training": [{"image": "./imagesTr/case_0.nii.gz", "label": "./labelsTr/case_0.nii.gz"}]})";
  const auto listed = train::decathlon_samples(dir.path());
  REQUIRE(listed.size() == 1);
  CHECK(fs::equivalent(listed[0].image, dir / "imagesTr" / "case_0.nii.gz"));
}

TEST_CASE("NpzDataset gives float images in [0, 1] and class labels", "[train][data]") {
  const fs::path path = fs::path(MEDIMG_TEST_DATA_DIR) / "npz" / "medmnist_rgb.npz";
  train::NpzDataset dataset(path, "train");
  const medimg::MedMnistSplit raw = medimg::read_medmnist(path, "train");
  REQUIRE(dataset.size() == static_cast<std::size_t>(raw.images.size(0)));
  const medimg::Sample sample = dataset.get(1);
  CHECK(sample.image.dtype() == at::kFloat);
  CHECK(at::allclose(sample.image.tensor(), raw.images[1].to(at::kFloat) / 255.0));
  CHECK(train::has_class_label(sample));
  CHECK(sample.label.tensor().item<std::int64_t>() == raw.labels[1][0].item<std::int64_t>());
  CHECK_THAT(dataset.describe(1), Contains("train 1"));
}

TEST_CASE("InMemoryDataset puts label maps on the image grid and checks shapes", "[train][data]") {
  Image image = volume(at::ones({1, 2, 3, 4}));
  train::InMemoryDataset dataset({{image, Image(at::zeros({1, 2, 3, 4}, at::kLong))}});
  CHECK(dataset.get(0).label.geometry() == image.geometry());
  CHECK_THROWS_AS(train::InMemoryDataset({{image, Image(at::zeros({1, 2, 3, 5}))}}),
                  medimg::ShapeError);
  CHECK_THROWS_AS(train::InMemoryDataset({}), medimg::ArgumentError);
}
