#include "detail/foreground_box.hpp"

#include <algorithm>
#include <vector>

#include "medimg/core/parallel.hpp"

namespace medimg::detail {

VoxelBox foreground_box(const ImageView<const std::uint8_t, 3>& a,
                        const ImageView<const std::uint8_t, 3>& b) {
  // One box per slice, in parallel, then their union.
  std::vector<VoxelBox> slices(static_cast<std::size_t>(a.size(0)));
  parallel_for(0, a.size(0), 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t z = first; z < last; ++z) {
      VoxelBox& box = slices[static_cast<std::size_t>(z)];
      box.lo = {z, a.size(1), a.size(2)};
      box.hi = {z + 1, 0, 0};
      for (std::int64_t y = 0; y < a.size(1); ++y) {
        const std::uint8_t* ra = &a(z, y, 0);
        const std::uint8_t* rb = &b(z, y, 0);
        std::int64_t x0 = 0, x1 = a.size(2);
        while (x0 < x1 && !(ra[x0] | rb[x0])) ++x0;
        if (x0 == x1) continue;
        while (!(ra[x1 - 1] | rb[x1 - 1])) --x1;
        box.lo[1] = std::min(box.lo[1], y);
        box.hi[1] = y + 1;
        box.lo[2] = std::min(box.lo[2], x0);
        box.hi[2] = std::max(box.hi[2], x1);
      }
    }
  });
  VoxelBox all;
  all.lo = a.shape();
  for (const VoxelBox& s : slices) {
    if (s.empty()) continue;
    for (int k = 0; k < 3; ++k) {
      all.lo[k] = std::min(all.lo[k], s.lo[k]);
      all.hi[k] = std::max(all.hi[k], s.hi[k]);
    }
  }
  return all.empty() ? VoxelBox{} : all;
}

}  // namespace medimg::detail
