#pragma once

// scipy.ndimage.correlate1d on contiguous (Z, Y, X) volumes, with scipy's order of
// operations (NI_Correlate1D): symmetric kernels add the mirrored pair before multiplying,
// antisymmetric ones subtract it, all in double, each output rounded to Out. Canny and Sobel
// run on it so that float32 images round where scipy rounds.

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/detail/border_index.hpp"
#include "medimg/preprocess/detail/gaussian_kernel.hpp"

namespace medimg::detail {

namespace correlate_impl {

// acc[x] += (a[x] +/- b[x]) * w, or acc[x] += a[x] * w when b is null; plain loops over
// restrict pointers so that they vectorise.
template <typename A, typename B>
void add_pair(double* __restrict acc, const A* __restrict a, const B* __restrict b, double w,
              int sign, std::int64_t n) {
  if (sign > 0) {
    for (std::int64_t x = 0; x < n; ++x) {
      acc[x] += (static_cast<double>(a[x]) + static_cast<double>(b[x])) * w;
    }
  } else {
    for (std::int64_t x = 0; x < n; ++x) {
      acc[x] += (static_cast<double>(a[x]) - static_cast<double>(b[x])) * w;
    }
  }
}

template <typename A>
void add_one(double* __restrict acc, const A* __restrict a, double w, std::int64_t n) {
  for (std::int64_t x = 0; x < n; ++x) acc[x] += static_cast<double>(a[x]) * w;
}

}  // namespace correlate_impl

/// out = in correlated along `axis` with `weights` (odd length 2r + 1, centred), borders by
/// `border` (`fill` for Constant). `in` and `out` must not overlap.
template <typename In, typename Out>
void correlate1d(const In* in, Out* out, const std::array<std::int64_t, 3>& shape, int axis,
                 const std::vector<double>& weights, BorderMode border, double fill) {
  using correlate_impl::add_one;
  using correlate_impl::add_pair;
  const auto [Z, Y, X] = shape;
  const auto r = static_cast<std::int64_t>(weights.size() / 2);
  const double* w = weights.data() + r;  // centred: w[-r] .. w[r], as scipy's fw
  int sign = 1;                          // 1 symmetric, -1 antisymmetric, 0 neither
  for (std::int64_t j = 1; j <= r && sign != 0; ++j) {
    if (sign == 1 && w[j] != w[-j]) sign = w[j] == -w[-j] && j == 1 ? -1 : 0;
    if (sign == -1 && w[j] != -w[-j]) sign = 0;
  }
  const std::int64_t n = shape[axis];
  parallel_for(0, Z * Y, std::max<std::int64_t>(1, 8192 / std::max<std::int64_t>(X, 1)),
               [&](std::int64_t first, std::int64_t last) {
    std::vector<double> acc(X), line(axis == 2 ? X + 2 * r : 0), fill_row(axis == 2 ? 0 : X, fill);
    for (std::int64_t row = first; row < last; ++row) {
      const std::int64_t z = row / Y, y = row % Y;
      // Tap k reads `in` rows (axis 0 or 1) or the padded line (axis 2); a row beyond a
      // Constant border reads fill_row.
      auto tap = [&](std::int64_t k, auto&& use) {
        if (axis == 2) return use(line.data() + r + k);
        const std::int64_t i = border_index((axis == 0 ? z : y) + k, n, border);
        if (i < 0) return use(static_cast<const double*>(fill_row.data()));
        return use(in + ((axis == 0 ? i : z) * Y + (axis == 0 ? y : i)) * X);
      };
      if (axis == 2) {
        const In* src = in + row * X;
        for (std::int64_t p = -r; p < X + r; ++p) {
          const std::int64_t i = border_index(p, X, border);
          line[p + r] = i < 0 ? fill : static_cast<double>(src[i]);
        }
      }
      std::fill(acc.begin(), acc.end(), 0.0);
      if (sign != 0) {
        tap(0, [&](auto a) { add_one(acc.data(), a, w[0], X); });
        for (std::int64_t k = -r; k < 0; ++k) {
          tap(k, [&](auto a) {
            tap(-k, [&](auto b) { add_pair(acc.data(), a, b, w[k], sign, X); });
          });
        }
      } else {
        for (std::int64_t k = -r; k <= r; ++k) {
          tap(k, [&](auto a) { add_one(acc.data(), a, w[k], X); });
        }
      }
      Out* o = out + row * X;
      for (std::int64_t x = 0; x < X; ++x) o[x] = static_cast<Out>(acc[x]);
    }
  });
}

}  // namespace medimg::detail
