#pragma once

// Interpolation weights of the B-spline orders medimg samples with, and the recursive cubic
// B-spline prefilter (Unser, Aldroubi and Eden 1991) with scipy.ndimage's boundary
// initialisations, run on bundles of interleaved lines so that the recursion vectorises
// across lines.

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "medimg/preprocess/interpolation.hpp"

namespace medimg::detail {

/// The pole of the cubic B-spline prefilter, sqrt(3) - 2.
constexpr double kCubicPole = -0.267949192431122706472553658494127633;

/// Beyond this many terms the pole's powers are below 1e-22: the boundary sums stop there.
constexpr std::int64_t kPoleHorizon = 40;

/// floor(x) as an integer, without a libm call (x is bounded by the caller).
inline std::int64_t floor_index(double x) {
  const auto i = static_cast<std::int64_t>(x);
  return static_cast<double>(i) > x ? i - 1 : i;
}

/// The first of the Order + 1 taps that sample position x: floor(x + 0.5) for order 0,
/// floor(x) - Order / 2 otherwise (scipy's rule). `fraction` receives x - floor(x).
template <int Order>
inline std::int64_t first_tap(double x, double& fraction) {
  if constexpr (Order == 0) {
    fraction = 0.0;
    return floor_index(x + 0.5);
  } else {
    const std::int64_t i = floor_index(x);
    fraction = x - static_cast<double>(i);
    return i - Order / 2;
  }
}

/// The weights of the Order + 1 taps from first_tap(x), given t = x - floor(x) (unused for
/// order 0). Cubic weights are scipy's, the last one completing the sum to 1.
template <int Order>
inline void spline_weights(double t, double* w) {
  if constexpr (Order == 0) {
    w[0] = 1.0;
  } else if constexpr (Order == 1) {
    w[0] = 1.0 - t;
    w[1] = t;
  } else {
    static_assert(Order == 3, "medimg samples with B-spline orders 0, 1 and 3");
    const double z = 1.0 - t;
    w[0] = z * z * z / 6.0;
    w[1] = (t * t * (t - 2.0) * 3.0 + 4.0) / 6.0;
    w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
    w[3] = 1.0 - w[0] - w[1] - w[2];
  }
}

/// Turns `width` interleaved lines of n samples (sample i of line w at c[i * width + w]) into
/// cubic B-spline coefficients in place, the boundary extending each line as `boundary`
/// (Mirror, Reflect or Wrap; scipy.ndimage's spline_filter1d). Lines of one sample stay.
inline void prefilter_cubic_lines(double* c, std::int64_t n, std::int64_t width,
                                  BorderMode boundary) {
  if (n < 2) return;
  const double z = kCubicPole;
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (std::int64_t i = 0; i < n * width; ++i) c[i] *= gain;
  auto at = [&](std::int64_t i, std::int64_t w) -> double& { return c[i * width + w]; };
  const std::int64_t terms = std::min<std::int64_t>(n, kPoleHorizon);

  // Causal initial value c+[0] of each line.
  for (std::int64_t w = 0; w < width; ++w) {
    if (boundary == BorderMode::Wrap) {
      double sum = at(0, w), zi = z;
      for (std::int64_t i = 1; i < terms; ++i, zi *= z) sum += zi * at(n - i, w);
      at(0, w) = n <= kPoleHorizon ? sum / (1.0 - std::pow(z, static_cast<double>(n))) : sum;
    } else if (boundary == BorderMode::Reflect) {
      const double c0 = at(0, w);
      if (n <= kPoleHorizon) {
        const double zn = std::pow(z, static_cast<double>(n));
        double sum = at(0, w) + zn * at(n - 1, w), zi = z;
        for (std::int64_t i = 1; i < n; ++i, zi *= z) {
          sum += zi * (at(i, w) + zn * at(n - 1 - i, w));
        }
        at(0, w) = c0 + sum * z / (1.0 - zn * zn);
      } else {
        double sum = 0.0, zi = 1.0;
        for (std::int64_t i = 0; i < terms; ++i, zi *= z) sum += zi * at(i, w);
        at(0, w) = c0 + z * sum;
      }
    } else {  // Mirror
      if (n <= kPoleHorizon) {
        const double zn1 = std::pow(z, static_cast<double>(n - 1));
        double sum = at(0, w) + zn1 * at(n - 1, w), zi = z;
        for (std::int64_t i = 1; i < n - 1; ++i, zi *= z) {
          sum += zi * (at(i, w) + zn1 * at(n - 1 - i, w));
        }
        at(0, w) = sum / (1.0 - zn1 * zn1);
      } else {
        double sum = 0.0, zi = 1.0;
        for (std::int64_t i = 0; i < terms; ++i, zi *= z) sum += zi * at(i, w);
        at(0, w) = sum;
      }
    }
  }
  for (std::int64_t i = 1; i < n; ++i) {
    double* row = c + i * width;
    const double* previous = row - width;
    for (std::int64_t w = 0; w < width; ++w) row[w] += z * previous[w];
  }

  // Anticausal initial value c-[n - 1] of each line.
  for (std::int64_t w = 0; w < width; ++w) {
    if (boundary == BorderMode::Wrap) {
      double sum = at(n - 1, w), zi = z;
      for (std::int64_t i = 0; i < std::min<std::int64_t>(n - 1, kPoleHorizon); ++i, zi *= z) {
        sum += zi * at(i, w);
      }
      const double zn = n <= kPoleHorizon ? std::pow(z, static_cast<double>(n)) : 0.0;
      at(n - 1, w) = sum * z / (zn - 1.0);
    } else if (boundary == BorderMode::Reflect) {
      at(n - 1, w) *= z / (z - 1.0);
    } else {
      at(n - 1, w) = (z * at(n - 2, w) + at(n - 1, w)) * z / (z * z - 1.0);
    }
  }
  for (std::int64_t i = n - 2; i >= 0; --i) {
    double* row = c + i * width;
    const double* next = row + width;
    for (std::int64_t w = 0; w < width; ++w) row[w] = z * (next[w] - row[w]);
  }
}

/// The boundary scipy's prefilter uses for each border mode: 'grid-constant' filters with
/// the mirror boundary and 'nearest' with the reflect one.
inline BorderMode prefilter_boundary(BorderMode border) {
  switch (border) {
    case BorderMode::Constant: return BorderMode::Mirror;
    case BorderMode::Edge: return BorderMode::Reflect;
    default: return border;
  }
}

}  // namespace medimg::detail
