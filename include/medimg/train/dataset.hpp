#pragma once

/// Training datasets: indexed samples, preprocessed once and cached (in memory, optionally on
/// disk), never augmented here (the loader augments, train/loader.hpp).
///
/// Sources: image/label file pairs in any format io/read.hpp reads (FileDataset), the
/// Medical Segmentation Decathlon folder layout (decathlon_dataset), MedMNIST .npz files
/// (NpzDataset) and samples already in memory (InMemoryDataset). Guide: docs/train_data.md.

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "medimg/augment/transform.hpp"
#include "medimg/export.hpp"
#include "medimg/io/npz.hpp"
#include "medimg/train/pipeline.hpp"

namespace medimg::train {

/// Indexed samples. Every method is thread-safe (loader workers call get concurrently).
class MEDIMG_API Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::size_t size() const = 0;
  /// Sample `index`, preprocessed, not augmented. Its voxels may be shared with a cache:
  /// replace them (as every medimg transform does), never write into them.
  /// @throws ArgumentError when index >= size(); what reading and preprocessing throw.
  virtual Sample get(std::size_t index) const = 0;
  /// The sample's source for messages: its file path(s), or its place in the dataset.
  virtual std::string describe(std::size_t index) const = 0;
};

/// A dataset whose raw samples come from load(): preprocessed on first use and, with
/// `cache_in_memory`, kept (each sample loads once however many threads ask at a time).
/// Derive from it for a custom source.
class MEDIMG_API CachedDataset : public Dataset {
 public:
  ~CachedDataset() override;
  std::size_t size() const final { return size_; }
  Sample get(std::size_t index) const final;
  const Preprocessing& preprocessing() const noexcept { return preprocessing_; }

 protected:
  /// @throws ArgumentError for a null step.
  CachedDataset(std::size_t size, Preprocessing preprocessing, bool cache_in_memory);
  /// The raw sample `index` (< size()), before preprocessing.
  virtual Sample load(std::size_t index) const = 0;
  /// load() then preprocess(); FileDataset puts its disk cache here.
  virtual Sample load_preprocessed(std::size_t index) const;

 private:
  struct Slots;
  std::size_t size_;
  Preprocessing preprocessing_;
  std::unique_ptr<Slots> slots_;  // null without the memory cache
};

/// An image file (or DICOM folder) and its optional label map (empty path: none).
struct SamplePaths {
  std::filesystem::path image;
  std::filesystem::path label;
};

struct CacheOptions {
  /// Keep preprocessed samples in memory (each is read and preprocessed once).
  bool memory = true;
  /// A folder for preprocessed samples on disk (created if missing; empty: no disk cache).
  /// An entry is keyed by a hash of each file's absolute path, size and modification time
  /// and of pipeline_key(), so a changed file or pipeline misses; entries are written
  /// atomically (core/atomic_file.hpp) and stale ones are never deleted.
  std::filesystem::path disk_dir;
};

/// Image/label pairs read with read_image (NIfTI, DICOM files and folders, PNG/JPEG/TIFF/BMP).
/// A label map must have the image's spatial shape and geometry (spacing, origin and
/// direction within `geometry_tolerance`, mm and cosine); it then takes the image's
/// geometry exactly. Cached samples keep voxels and geometry, not metadata.
class MEDIMG_API FileDataset final : public CachedDataset {
 public:
  /// @throws ArgumentError for no samples or a null step; IoError naming a path that does
  ///         not exist, or a disk_dir that cannot be created.
  FileDataset(std::vector<SamplePaths> samples, Preprocessing preprocessing = {},
              CacheOptions cache = {}, double geometry_tolerance = 1e-3);

  /// "image.nii.gz" or "image.nii.gz + label.nii.gz".
  std::string describe(std::size_t index) const override;
  const std::vector<SamplePaths>& samples() const noexcept { return samples_; }
  /// The disk cache entry of sample `index` for the files and pipeline as they are now
  /// (empty without a disk cache). It exists once the sample has been loaded.
  std::filesystem::path cache_file(std::size_t index) const;

 protected:
  /// @throws IoError/FormatError from the reader; ShapeError naming both paths when the
  ///         label's spatial shape or geometry differs from the image's.
  Sample load(std::size_t index) const override;
  Sample load_preprocessed(std::size_t index) const override;

 private:
  std::vector<SamplePaths> samples_;
  std::filesystem::path disk_dir_;
  double geometry_tolerance_;
};

/// The training pairs of a Medical Segmentation Decathlon folder: the "training" list of its
/// dataset.json when there is one (paths relative to the folder), else every
/// imagesTr/*.nii.gz (and *.nii) with labelsTr/ of the same name, sorted by name. Hidden
/// files ("._liver_0.nii.gz", macOS resource forks in the MSD archives) are skipped.
/// @throws IoError naming the folder when it holds no images, or naming a missing label;
///         FormatError for a dataset.json without a "training" list of image/label pairs.
MEDIMG_API std::vector<SamplePaths> decathlon_samples(const std::filesystem::path& folder);

/// FileDataset(decathlon_samples(folder), ...).
MEDIMG_API std::shared_ptr<FileDataset> decathlon_dataset(const std::filesystem::path& folder,
                                                          Preprocessing preprocessing = {},
                                                          CacheOptions cache = {});

/// One split of a MedMNIST .npz file (io/npz.hpp read_medmnist). Sample i's image is
/// float32 (C, H, W) (or (1, D, H, W) for the 3D sets), uint8 values divided by 255 as
/// torchvision's ToTensor does (other dtypes only converted); its label is the class label
/// (train/sample.hpp) of labels row i: (1, 1, 1) with the class index, or (L, 1, 1) for
/// multi-label sets. The loader collates them to int64 (N) or (N, L).
class MEDIMG_API NpzDataset final : public CachedDataset {
 public:
  /// @param split "train", "val" or "test"
  /// @throws as read_medmnist; ArgumentError for a null step.
  NpzDataset(const std::filesystem::path& path, const std::string& split,
             Preprocessing preprocessing = {}, bool cache_in_memory = true);

  /// "path[split 12]".
  std::string describe(std::size_t index) const override;
  /// Every label of the split, (N, L) int64 (e.g. for class weights).
  const at::Tensor& labels() const noexcept { return labels_; }

 protected:
  Sample load(std::size_t index) const override;

 private:
  NpzDataset(const std::filesystem::path& path, const std::string& split, MedMnistSplit data,
             Preprocessing preprocessing, bool cache_in_memory);

  std::filesystem::path path_;
  std::string split_;
  at::Tensor images_;
  at::Tensor labels_;
};

/// Samples given in memory (labels may be label maps, class labels or absent).
class MEDIMG_API InMemoryDataset final : public CachedDataset {
 public:
  /// @throws ArgumentError for no samples, a sample without an image, or a null step;
  ///         ShapeError for a label map whose spatial shape differs from its image's.
  explicit InMemoryDataset(std::vector<Sample> samples, Preprocessing preprocessing = {},
                           bool cache_in_memory = true);

  /// "in-memory sample 3".
  std::string describe(std::size_t index) const override;

 protected:
  Sample load(std::size_t index) const override { return samples_[index]; }

 private:
  std::vector<Sample> samples_;
};

}  // namespace medimg::train
