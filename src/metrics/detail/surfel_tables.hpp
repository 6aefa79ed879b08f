#pragma once

// The size of the surface inside each neighbour code, for the surfel distances
// (src only, not installed).

#include <array>

namespace medimg::detail {

/// Area in mm^2 of the marching-cubes surface inside one 2x2x2 cube of voxel centres, for
/// each of the 256 neighbour codes (bit 4a + 2b + c set: the corner at offset (a, b, c) along
/// axes (0, 1, 2) is foreground), at `spacing` (array order, mm). Codes 0 and 255 have none.
std::array<double, 256> surfel_areas_3d(const std::array<double, 3>& spacing);

/// Length in mm of the marching-squares contour inside one 2x2 square of pixel centres, for
/// each of the 16 codes (bit 2a + b: the corner at offset (a, b) along axes (0, 1)), at
/// spacing (spacing_0, spacing_1). Codes 0 and 15 have none.
std::array<double, 16> contour_lengths_2d(double spacing_0, double spacing_1);

}  // namespace medimg::detail
