#pragma once

/// Per-channel intensity statistics of an image (what `medimg info` prints).

#include <cstdint>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// Statistics of one channel over its finite and infinite voxels; NaN voxels are counted
/// separately and otherwise ignored (numpy's nanmin/nanmax/nanmean/nanstd). When every voxel
/// is NaN, min, max, mean and std are NaN.
struct ChannelStats {
  std::int64_t count = 0;      ///< voxels that are not NaN
  std::int64_t nan_count = 0;  ///< NaN voxels
  double min = 0;
  double max = 0;
  double mean = 0;
  double std = 0;  ///< population standard deviation (ddof = 0)
};

/// One ChannelStats per channel, computed in parallel in one pass (Chan et al.'s pairwise
/// combination of Welford accumulators, so float32 volumes keep double accuracy).
/// @throws Unsupported for a non-CPU image or a dtype outside core/dispatch.hpp's list.
MEDIMG_API std::vector<ChannelStats> channel_stats(const Image& image);

}  // namespace medimg
