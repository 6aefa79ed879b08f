#include "detail/physical_footprint.hpp"

#include <ATen/ops/zeros.h>

#include <cmath>
#include <cstdint>

namespace medimg::detail {

Footprint physical_footprint(double radius_mm, const Eigen::Vector3d& spacing, bool in_plane) {
  std::int64_t half[3];
  for (int axis = 0; axis < 3; ++axis) {
    const bool flat = in_plane && axis == 0;
    half[axis] = flat || radius_mm <= 0 ? 0
                                        : static_cast<std::int64_t>(radius_mm / spacing[axis]);
  }
  at::Tensor values = at::zeros({2 * half[0] + 1, 2 * half[1] + 1, 2 * half[2] + 1}, at::kByte);
  auto v = values.accessor<std::uint8_t, 3>();
  for (std::int64_t k = -half[0]; k <= half[0]; ++k) {
    for (std::int64_t j = -half[1]; j <= half[1]; ++j) {
      for (std::int64_t i = -half[2]; i <= half[2]; ++i) {
        // Axes of extent 1 contribute nothing, so a sub-voxel radius still keeps the centre.
        const double r2 = radius_mm > 0
            ? std::pow(k * spacing[0] / radius_mm, 2) + std::pow(j * spacing[1] / radius_mm, 2) +
                  std::pow(i * spacing[2] / radius_mm, 2)
            : 0.0;
        v[k + half[0]][j + half[1]][i + half[2]] = r2 <= 1.0 + 1e-9;
      }
    }
  }
  return Footprint(values);
}

}  // namespace medimg::detail
