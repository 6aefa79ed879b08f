#include "medimg/train/dataset.hpp"

#include <mutex>
#include <optional>
#include <utility>

#include "medimg/core/error.hpp"
#include "medimg/train/sample.hpp"

namespace medimg::train {
namespace {

/// Voxels that own their memory: a crop is a view that would keep the whole uncropped
/// volume alive in the cache.
Image compact(const Image& image) {
  if (!image.defined()) return image;
  const at::Tensor& t = image.tensor();
  const auto used = static_cast<std::size_t>(t.numel() * t.element_size());
  if (t.is_contiguous() && t.storage().nbytes() == used) return image;
  return image.with_tensor(t.contiguous().clone());
}

void check_steps(const Preprocessing& steps) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    MEDIMG_CHECK(steps[i] != nullptr, ArgumentError, "preprocessing step ", i, " is null");
  }
}

}  // namespace

// One lock per sample: different samples load in parallel, the same one loads once.
struct CachedDataset::Slots {
  explicit Slots(std::size_t n) : entries(n) {}
  struct Entry {
    std::mutex mutex;
    std::optional<Sample> sample;
  };
  std::vector<Entry> entries;
};

CachedDataset::CachedDataset(std::size_t size, Preprocessing preprocessing, bool cache_in_memory)
    : size_(size), preprocessing_(std::move(preprocessing)) {
  check_steps(preprocessing_);
  if (cache_in_memory) slots_ = std::make_unique<Slots>(size);
}

CachedDataset::~CachedDataset() = default;

Sample CachedDataset::get(std::size_t index) const {
  MEDIMG_CHECK(index < size_, ArgumentError, "dataset index ", index, " is out of range for ",
               size_, " samples");
  if (!slots_) return load_preprocessed(index);
  Slots::Entry& entry = slots_->entries[index];
  std::lock_guard<std::mutex> lock(entry.mutex);
  if (!entry.sample) {
    Sample sample = load_preprocessed(index);
    entry.sample = Sample{compact(sample.image), compact(sample.label)};
  }
  return *entry.sample;
}

Sample CachedDataset::load_preprocessed(std::size_t index) const {
  Sample sample = load(index);
  preprocess(preprocessing_, sample);
  return sample;
}

InMemoryDataset::InMemoryDataset(std::vector<Sample> samples, Preprocessing preprocessing,
                                 bool cache_in_memory)
    : CachedDataset(samples.size(), std::move(preprocessing), cache_in_memory),
      samples_(std::move(samples)) {
  MEDIMG_CHECK(!samples_.empty(), ArgumentError, "InMemoryDataset: no samples");
  for (std::size_t i = 0; i < samples_.size(); ++i) {
    Sample& s = samples_[i];
    MEDIMG_CHECK(s.image.defined(), ArgumentError, "InMemoryDataset: sample ", i,
                 " has no image");
    if (!s.label.defined() || has_class_label(s)) continue;
    MEDIMG_CHECK(s.label.spatial_shape() == s.image.spatial_shape(), ShapeError,
                 "InMemoryDataset: sample ", i, ": label shape ", s.label.tensor().sizes(),
                 " does not match the image's spatial shape ", s.image.tensor().sizes());
    // A label map lies on its image's grid, whatever geometry it was given.
    s.label.set_geometry(s.image.geometry());
  }
}

std::string InMemoryDataset::describe(std::size_t index) const {
  return "in-memory sample " + std::to_string(index);
}

}  // namespace medimg::train
