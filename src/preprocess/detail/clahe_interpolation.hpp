#pragma once

// CLAHE's interpolation between the regions' grey-level mappings (src only, not installed);
// clahe_interpolation.cpp.

#include <array>
#include <cstdint>
#include <vector>

#include "clahe_regions.hpp"

namespace medimg::detail::clahe_parts {

/// Multilinear interpolation between the mappings of the 2^d neighbouring regions, in
/// float32, truncated to levels that replace the bins in `levels`; returns their range (taken
/// row by row while they are in cache, rather than in another pass). skimage sums the 2^d
/// terms float32(map * ((c_x * c_y) * c_z)) in numpy.ndindex order instead: the two
/// roundings differ by a few float ulps, which moves a truncation across an integer (one grey
/// level, 1/16383 before the final rescale) in up to a few voxels per 100 (tests/python/
/// test_preprocess_histogram.py bounds it). Corners whose c_y or c_z is 0 are skipped.
std::array<std::int32_t, 2> interpolate(std::uint16_t* levels, const std::vector<float>& maps,
                                        const Regions& g, int nbins);

}  // namespace medimg::detail::clahe_parts
