// What a loader draws: the order of an epoch, each sample's augmentation seed, and the
// sample itself with errors naming where it came from.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/randperm.h>

#include "medimg/core/error.hpp"
#include "medimg/train/loader.hpp"
#include "medimg/train/sample.hpp"

namespace medimg::train {
namespace {

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// An IoError's message without its leading "path: ", which the constructor adds back.
std::string io_message(const IoError& e) {
  const std::string what = e.what();
  const std::string prefix = e.path().string() + ": ";
  return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
}

/// Rethrows the exception being handled as the same medimg type with `context` in front.
[[noreturn]] void rethrow_in_context(const std::string& context) {
  try {
    throw;
  } catch (const FormatError& e) {
    throw FormatError(e.path(), context + ": " + io_message(e));
  } catch (const IoError& e) {
    throw IoError(e.path(), context + ": " + io_message(e));
  } catch (const ArgumentError& e) {
    throw ArgumentError(context + ": " + e.what());
  } catch (const ShapeError& e) {
    throw ShapeError(context + ": " + e.what());
  } catch (const Unsupported& e) {
    throw Unsupported(context + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error(context + ": " + e.what());  // LibTorch's c10::Error, std::bad_alloc, ...
  }
}

}  // namespace

std::vector<std::size_t> sample_order(std::size_t dataset_size, bool shuffle, std::uint64_t seed,
                                      std::int64_t epoch, int rank, int world_size) {
  MEDIMG_CHECK(dataset_size > 0, ArgumentError, "sample_order: the dataset is empty");
  MEDIMG_CHECK(world_size >= 1, ArgumentError, "world_size must be >= 1, got ", world_size);
  MEDIMG_CHECK(rank >= 0 && rank < world_size, ArgumentError, "rank must be in [0, ",
               world_size, "), got ", rank);
  const auto n = static_cast<std::int64_t>(dataset_size);
  std::vector<std::size_t> order(dataset_size);
  if (shuffle) {
    // torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)), the same
    // ATen kernel, as DistributedSampler draws it.
    at::Generator generator =
        at::detail::createCPUGenerator(seed + static_cast<std::uint64_t>(epoch));
    const at::Tensor permutation = at::randperm(n, generator, at::TensorOptions(at::kLong));
    const std::int64_t* values = permutation.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) order[i] = static_cast<std::size_t>(values[i]);
  } else {
    for (std::size_t i = 0; i < dataset_size; ++i) order[i] = i;
  }
  const auto replicas = static_cast<std::size_t>(world_size);
  const std::size_t per_rank = (dataset_size + replicas - 1) / replicas;
  std::vector<std::size_t> mine;
  mine.reserve(per_rank);
  // Position p of the padded order is order[p % n]: the wrap-around padding.
  for (std::size_t p = static_cast<std::size_t>(rank); p < per_rank * replicas; p += replicas) {
    mine.push_back(order[p % dataset_size]);
  }
  return mine;
}

std::uint64_t sample_seed(std::uint64_t seed, std::int64_t epoch, std::size_t index) {
  return splitmix64(splitmix64(splitmix64(seed) ^ static_cast<std::uint64_t>(epoch)) ^
                    static_cast<std::uint64_t>(index));
}

Sample load_sample(const Dataset& dataset, std::size_t index, const Transform* augment,
                   std::uint64_t seed, std::int64_t epoch) {
  try {
    Sample sample = dataset.get(index);
    if (augment != nullptr) {
      Random random(sample_seed(seed, epoch, index));
      without_class_label(sample, [&](Sample& s) { (*augment)(s, random); });
    }
    return sample;
  } catch (...) {
    std::string where;
    try {
      where = dataset.describe(index);
    } catch (...) {
      where = "?";
    }
    rethrow_in_context("sample " + std::to_string(index) + " (" + where + ")");
  }
}

}  // namespace medimg::train
