#include <sstream>
#include <system_error>
#include <utility>

#include "medimg/core/error.hpp"
#include "medimg/io/read.hpp"
#include "medimg/train/dataset.hpp"
#include "sample_cache_file.hpp"

namespace medimg::train {
namespace {

namespace fs = std::filesystem;

void check_exists(const fs::path& path, const char* what) {
  std::error_code ec;
  MEDIMG_CHECK_FILE(fs::exists(path, ec), IoError, path, what, " does not exist");
}

}  // namespace

FileDataset::FileDataset(std::vector<SamplePaths> samples, Preprocessing preprocessing,
                         CacheOptions cache, double geometry_tolerance)
    : CachedDataset(samples.size(), std::move(preprocessing), cache.memory),
      samples_(std::move(samples)),
      disk_dir_(std::move(cache.disk_dir)),
      geometry_tolerance_(geometry_tolerance) {
  MEDIMG_CHECK(!samples_.empty(), ArgumentError, "FileDataset: no samples");
  MEDIMG_CHECK(geometry_tolerance_ >= 0.0, ArgumentError,
               "FileDataset: geometry_tolerance must be >= 0, got ", geometry_tolerance_);
  // Missing files fail here, before a training run has spent hours on the others.
  for (const SamplePaths& s : samples_) {
    check_exists(s.image, "the image");
    if (!s.label.empty()) check_exists(s.label, "the label");
  }
  if (!disk_dir_.empty()) {
    std::error_code ec;
    fs::create_directories(disk_dir_, ec);
    MEDIMG_CHECK_FILE(fs::is_directory(disk_dir_, ec), IoError, disk_dir_,
                      "cannot create the cache folder");
  }
}

std::string FileDataset::describe(std::size_t index) const {
  if (index >= samples_.size()) return "sample " + std::to_string(index);
  const SamplePaths& s = samples_[index];
  return s.label.empty() ? s.image.string() : s.image.string() + " + " + s.label.string();
}

Sample FileDataset::load(std::size_t index) const {
  const SamplePaths& paths = samples_[index];
  Sample sample;
  sample.image = read_image(paths.image);
  if (paths.label.empty()) return sample;
  Image label = read_image(paths.label);
  MEDIMG_CHECK(label.spatial_shape() == sample.image.spatial_shape(), ShapeError,
               "the label ", paths.label.string(), " has shape ", label.tensor().sizes(),
               ", the image ", paths.image.string(), " has shape ", sample.image.tensor().sizes(),
               ": their spatial shapes must be equal");
  if (!label.geometry().is_close(sample.image.geometry(), geometry_tolerance_)) {
    std::ostringstream message;
    message << "the label " << paths.label.string() << " lies on another grid than the image "
            << paths.image.string() << " (tolerance " << geometry_tolerance_
            << "): label " << label.geometry() << ", image " << sample.image.geometry();
    throw ShapeError(message.str());
  }
  label.set_geometry(sample.image.geometry());
  sample.label = label;
  return sample;
}

fs::path FileDataset::cache_file(std::size_t index) const {
  if (disk_dir_.empty()) return {};
  MEDIMG_CHECK(index < samples_.size(), ArgumentError, "dataset index ", index,
               " is out of range for ", samples_.size(), " samples");
  const SamplePaths& s = samples_[index];
  std::string what = "medimg-sample-cache 1\n";
  for (const fs::path& path : {s.image, s.label}) {
    if (path.empty()) {
      what += "none\n";
      continue;
    }
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec).lexically_normal();
    what += absolute.string() + "\n" + file_signature(path) + "\n";
  }
  what += "tolerance " + std::to_string(geometry_tolerance_) + "\n" + pipeline_key(preprocessing());
  return disk_dir_ / (hash_text(what) + ".sample");
}

Sample FileDataset::load_preprocessed(std::size_t index) const {
  if (disk_dir_.empty()) return CachedDataset::load_preprocessed(index);
  const fs::path entry = cache_file(index);
  if (auto cached = read_sample_file(entry)) return *cached;
  Sample sample = CachedDataset::load_preprocessed(index);
  write_sample_file(entry, sample);
  return sample;
}

std::shared_ptr<FileDataset> decathlon_dataset(const fs::path& folder,
                                               Preprocessing preprocessing, CacheOptions cache) {
  return std::make_shared<FileDataset>(decathlon_samples(folder), std::move(preprocessing),
                                       std::move(cache));
}

}  // namespace medimg::train
