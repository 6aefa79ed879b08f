#include <utility>

#include "medimg/io/npz.hpp"
#include "medimg/train/dataset.hpp"
#include "medimg/train/sample.hpp"

namespace medimg::train {
namespace {

MedMnistSplit read_split(const std::filesystem::path& path, const std::string& split) {
  return read_medmnist(path, split);
}

}  // namespace

NpzDataset::NpzDataset(const std::filesystem::path& path, const std::string& split,
                       Preprocessing preprocessing, bool cache_in_memory)
    : NpzDataset(path, split, read_split(path, split), std::move(preprocessing),
                 cache_in_memory) {}

NpzDataset::NpzDataset(const std::filesystem::path& path, const std::string& split,
                       MedMnistSplit data, Preprocessing preprocessing, bool cache_in_memory)
    : CachedDataset(static_cast<std::size_t>(data.images.size(0)), std::move(preprocessing),
                    cache_in_memory),
      path_(path),
      split_(split),
      images_(std::move(data.images)),
      labels_(std::move(data.labels)) {}

std::string NpzDataset::describe(std::size_t index) const {
  return path_.string() + "[" + split_ + " " + std::to_string(index) + "]";
}

Sample NpzDataset::load(std::size_t index) const {
  const auto i = static_cast<std::int64_t>(index);
  const at::Tensor image = images_[i];
  Sample sample;
  // uint8 to [0, 1] as torchvision's ToTensor, the usual first MedMNIST transform.
  sample.image = Image(image.scalar_type() == at::kByte ? image.to(at::kFloat).div_(255.0)
                                                        : image.to(at::kFloat));
  const at::Tensor row = labels_[i].contiguous();
  const std::int64_t* values = row.data_ptr<std::int64_t>();
  sample.label = class_label(std::vector<std::int64_t>(values, values + row.numel()));
  return sample;
}

}  // namespace medimg::train
