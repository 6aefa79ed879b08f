#include "medimg/metrics/distance_transform.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/metrics/detail/mask_checks.hpp"
#include "medimg/metrics/detail/squared_edt.hpp"

namespace medimg {
namespace detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One line: d[q] = min_p ((q - p) * step)^2 + f[p], by the lower envelope of the parabolas
// rooted at the finite f[p] (Felzenszwalb & Huttenlocher 2012). `apex` and `bounds` are
// scratch space of n and n + 1 entries.
void squared_edt_line(double* f, std::int64_t n, double step, std::vector<std::int64_t>& apex,
                      std::vector<double>& bounds, std::vector<double>& out) {
  std::int64_t k = -1;
  for (std::int64_t p = 0; p < n; ++p) {
    if (f[p] == kInf) continue;
    const double xp = static_cast<double>(p) * step;
    double s = -kInf;
    while (k >= 0) {
      const double xv = static_cast<double>(apex[k]) * step;
      s = ((f[p] + xp * xp) - (f[apex[k]] + xv * xv)) / (2 * (xp - xv));
      if (s > bounds[k]) break;
      --k;
    }
    ++k;
    apex[k] = p;
    bounds[k] = k == 0 ? -kInf : s;
    bounds[k + 1] = kInf;
  }
  if (k < 0) return;  // no feature on this line: it stays +inf
  k = 0;
  for (std::int64_t q = 0; q < n; ++q) {
    const double xq = static_cast<double>(q) * step;
    while (bounds[k + 1] < xq) ++k;
    // (q - p) * step, not a difference of positions: scipy's rounding, exact along one axis.
    const double d = static_cast<double>(q - apex[k]) * step;
    out[q] = d * d + f[apex[k]];
  }
  std::copy(out.begin(), out.begin() + n, f);
}

}  // namespace

void squared_edt_(const ImageView<double, 3>& f, const std::array<double, 3>& spacing) {
  // Axes in order, so that the squared terms add up in scipy's order, (d0^2 + d1^2) + d2^2.
  for (int axis = 0; axis < 3; ++axis) {
    const std::int64_t n = f.size(axis);
    if (n == 1 && axis == 0) continue;  // a 2D image seen as one slice
    const std::int64_t stride = f.stride(axis);
    // Lines along `axis` are indexed by the other two coordinates.
    const int a = axis == 0 ? 1 : 0, b = axis == 2 ? 1 : 2;
    const std::int64_t lines = f.size(a) * f.size(b);
    parallel_for(0, lines, std::max<std::int64_t>(1, 4096 / n),
                 [&](std::int64_t first, std::int64_t last) {
                   std::vector<double> line(n), out(n), bounds(n + 1);
                   std::vector<std::int64_t> apex(n);
                   for (std::int64_t l = first; l < last; ++l) {
                     std::array<std::int64_t, 3> index{};
                     index[a] = l / f.size(b);
                     index[b] = l % f.size(b);
                     double* start = &f[index];
                     if (stride == 1) {
                       squared_edt_line(start, n, spacing[axis], apex, bounds, out);
                       continue;
                     }
                     for (std::int64_t i = 0; i < n; ++i) line[i] = start[i * stride];
                     squared_edt_line(line.data(), n, spacing[axis], apex, bounds, out);
                     for (std::int64_t i = 0; i < n; ++i) start[i * stride] = line[i];
                   }
                 });
  }
}

}  // namespace detail

at::Tensor distance_transform_edt(const at::Tensor& mask, const std::vector<double>& spacing) {
  const auto grid = detail::mask_grid(mask, spacing, "mask");
  at::Tensor distances = at::empty(mask.sizes(), at::TensorOptions().dtype(at::kDouble));
  const auto out = view<double, 3>(grid.dims == 3 ? distances : distances.unsqueeze(0));
  // Feature voxels (distance 0) are the zero voxels of the mask.
  detail::for_each_mask_value(grid, [&](std::int64_t i, bool foreground) {
    out.data()[i] = foreground ? detail::kInfinity : 0.0;
  });
  detail::squared_edt_(out, grid.spacing);
  double* d = out.data();
  parallel_for(0, out.numel(), 1 << 16, [d](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) d[i] = std::sqrt(d[i]);
  });
  return distances;
}

}  // namespace medimg
