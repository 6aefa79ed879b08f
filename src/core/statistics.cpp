#include "medimg/core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

struct Accumulator {
  std::int64_t count = 0, nan_count = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double mean = 0, m2 = 0;

  void add(double v) {
    if (std::isnan(v)) {
      ++nan_count;
      return;
    }
    ++count;
    min = std::min(min, v);
    max = std::max(max, v);
    const double delta = v - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (v - mean);
  }

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

// Rows are summed in fixed blocks merged in block order, so the result does not depend on
// the number of threads.
template <typename T>
ChannelStats stats_of_channel(const ImageView<T, 3>& voxels) {
  const std::int64_t height = voxels.size(1), width = voxels.size(2);
  const std::int64_t rows = voxels.size(0) * height;
  const std::int64_t rows_per_block = std::max<std::int64_t>(1, 65536 / width);
  std::vector<Accumulator> blocks((rows + rows_per_block - 1) / rows_per_block);
  parallel_for(0, static_cast<std::int64_t>(blocks.size()), 1,
               [&](std::int64_t first, std::int64_t last) {
                 for (std::int64_t b = first; b < last; ++b) {
                   const std::int64_t end = std::min(rows, (b + 1) * rows_per_block);
                   for (std::int64_t r = b * rows_per_block; r < end; ++r) {
                     const T* row = &voxels(r / height, r % height, 0);
                     for (std::int64_t x = 0; x < width; ++x) {
                       blocks[b].add(static_cast<double>(row[x * voxels.stride(2)]));
                     }
                   }
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
