#pragma once

// The contextual regions of scikit-image's CLAHE along each axis (src only, not installed):
// the padding, which regions each voxel lies between and with what weight.

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "skimage_clahe.hpp"

namespace medimg::detail::clahe_parts {

namespace sk = medimg::detail::skimage;

// The contextual regions along one axis. skimage pads the axis by k // 2 before and by
// (k − s % k) % k + ceil(k / 2) after (reflecting), so region t covers image indices
// [t k, (t + 1) k) (reflected past the end) and voxel r sits in block (r + k // 2) / k,
// between the mappings of regions block − 1 and block (clamped: "mode='edge'").
struct AxisRegions {
  std::int64_t size = 1, kernel = 1, pad_left = 0, regions = 1;
  std::vector<std::int64_t> source;        // padded index -> image index
  std::vector<std::int64_t> lower, upper;  // per image index: the two regions
  std::vector<double> weight;              // per image index: weight of `upper`, p / k

  AxisRegions(std::int64_t s, std::int64_t k)
      : size(s), kernel(k), pad_left(k / 2), regions((s + k - 1) / k) {
    source = sk::reflect_index_map(s, pad_left, (k - s % k) % k + (k + 1) / 2);
    lower.reserve(static_cast<std::size_t>(s));
    upper.reserve(lower.capacity());
    weight.reserve(lower.capacity());
    for (std::int64_t r = 0; r < s; ++r) {
      const std::int64_t padded = r + pad_left, block = padded / k;
      lower.push_back(std::clamp<std::int64_t>(block - 1, 0, regions - 1));
      upper.push_back(std::clamp<std::int64_t>(block, 0, regions - 1));
      // np.arange(k) / k
      weight.push_back(static_cast<double>(padded % k) / static_cast<double>(k));
    }
  }

  // The image indices of region t, in order.
  const std::int64_t* region(std::int64_t t) const { return source.data() + pad_left + t * kernel; }
};

struct Regions {
  std::array<AxisRegions, 3> axes;  // (Z, Y, X); a 2D image has Z = 1, k = 1
  std::int64_t voxels_per_region() const {
    return axes[0].kernel * axes[1].kernel * axes[2].kernel;
  }
  std::int64_t count() const { return axes[0].regions * axes[1].regions * axes[2].regions; }
};

}  // namespace medimg::detail::clahe_parts
