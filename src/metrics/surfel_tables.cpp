#include "detail/surfel_tables.hpp"

#include <cmath>
#include <vector>

#include "detail/marching_cubes_area_vectors.hpp"

namespace medimg::detail {

std::array<double, 256> surfel_areas_3d(const std::array<double, 3>& spacing) {
  // An area vector n of the unit cube becomes (n0 s1 s2, n1 s0 s2, n2 s0 s1) when the cube is
  // stretched by s: the cofactor of diag(s). The table holds n in eighths.
  const double scale[3] = {spacing[1] * spacing[2] / 8, spacing[0] * spacing[2] / 8,
                           spacing[0] * spacing[1] / 8};
  std::array<double, 256> areas{};
  for (int code = 0; code < 256; ++code) {
    for (const auto& v : kMarchingCubesAreaVectors[code]) {
      areas[code] += std::hypot(v[0] * scale[0], v[1] * scale[1], v[2] * scale[2]);
    }
  }
  return areas;
}

std::array<double, 16> contour_lengths_2d(double spacing_0, double spacing_1) {
  // Marching squares: the contour crosses each edge whose two corners differ, at its middle.
  // Corners in order around the square; each edge joins one to the next.
  const int ring[4][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}};
  std::array<double, 16> lengths{};
  for (int code = 0; code < 16; ++code) {
    const auto set = [code](const int* c) { return (code >> (2 * c[0] + c[1])) & 1; };
    std::vector<std::array<double, 2>> crossings;  // in mm, in order around the square
    for (int e = 0; e < 4; ++e) {
      const int* p = ring[e];
      const int* q = ring[(e + 1) % 4];
      if (set(p) == set(q)) continue;
      crossings.push_back({(p[0] + q[0]) * spacing_0 / 2, (p[1] + q[1]) * spacing_1 / 2});
    }
    // Two crossings: one segment. Four (a saddle, diagonal corners set): two segments, each
    // cutting off one corner; both ways of pairing them give the same length.
    for (std::size_t i = 0; i + 1 < crossings.size(); i += 2) {
      lengths[code] += std::hypot(crossings[i][0] - crossings[i + 1][0],
                                  crossings[i][1] - crossings[i + 1][1]);
    }
  }
  return lengths;
}

}  // namespace medimg::detail
