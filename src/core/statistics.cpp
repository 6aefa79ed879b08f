#include "medimg/core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

// count, min, max, mean and the sum of squared deviations (m2) of a set of values.
struct Accumulator {
  std::int64_t count = 0, nan_count = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double mean = 0, m2 = 0;

  // Chan et al.'s pairwise update: exact in exact arithmetic and stable in floating point.
  void merge(const Accumulator& o) {
    nan_count += o.nan_count;
    if (o.count == 0) return;
    const double n = static_cast<double>(count), m = static_cast<double>(o.count);
    const double delta = o.mean - mean;
    mean += delta * m / (n + m);
    m2 += o.m2 + delta * delta * n * m / (n + m);
    count += o.count;
    min = std::min(min, o.min);
    max = std::max(max, o.max);
  }

  ChannelStats result() const {
    if (count == 0) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      return {0, nan_count, nan, nan, nan, nan};
    }
    return {count, nan_count, min, max, mean, std::sqrt(m2 / static_cast<double>(count))};
  }
};

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// Rows [first, last) of a (Z, Y, X) view, in two passes (sum, then squared deviations from
// the block's mean): a block is small enough to stay in cache for the second pass.
template <typename T>
Accumulator block_stats(const ImageView<T, 3>& voxels, std::int64_t first, std::int64_t last) {
  const std::int64_t height = voxels.size(1), width = voxels.size(2), step = voxels.stride(2);
  auto for_each_value = [&](auto&& visit) {
    for (std::int64_t r = first; r < last; ++r) {
      const T* row = &voxels(r / height, r % height, 0);
      for (std::int64_t x = 0; x < width; ++x) visit(row[x * step]);
    }
  };
  Accumulator block;
  double sum = 0;
  for_each_value([&](T v) {
    if (is_nan(v)) {
      ++block.nan_count;
      return;
    }
    const auto d = static_cast<double>(v);
    ++block.count;
    sum += d;
    block.min = std::min(block.min, d);
    block.max = std::max(block.max, d);
  });
  if (block.count == 0) return block;
  block.mean = sum / static_cast<double>(block.count);
  for_each_value([&](T v) {
    if (is_nan(v)) return;
    const double d = static_cast<double>(v) - block.mean;
    block.m2 += d * d;
  });
  return block;
}

// Rows are summed in fixed blocks merged in block order, so the result does not depend on
// the number of threads.
template <typename T>
ChannelStats stats_of_channel(const ImageView<T, 3>& voxels) {
  const std::int64_t rows = voxels.size(0) * voxels.size(1);
  const std::int64_t rows_per_block = std::max<std::int64_t>(1, 65536 / voxels.size(2));
  std::vector<Accumulator> blocks((rows + rows_per_block - 1) / rows_per_block);
  parallel_for(0, static_cast<std::int64_t>(blocks.size()), 1,
               [&](std::int64_t first, std::int64_t last) {
                 for (std::int64_t b = first; b < last; ++b) {
                   blocks[b] = block_stats(voxels, b * rows_per_block,
                                           std::min(rows, (b + 1) * rows_per_block));
                 }
               });
  Accumulator total;
  for (const Accumulator& block : blocks) total.merge(block);
  return total.result();
}

}  // namespace

std::vector<ChannelStats> channel_stats(const Image& image) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "channel_stats needs a defined image");
  return dispatch_volume(image, [](auto voxels) {
    std::vector<ChannelStats> out;
    for (std::int64_t c = 0; c < voxels.size(0); ++c) {
      out.push_back(stats_of_channel(voxels.slice(c)));
    }
    return out;
  });
}

}  // namespace medimg
