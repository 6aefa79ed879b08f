#pragma once

// numpy's binning of equal bins and numpy.interp, statement for statement, as
// equalize_hist reproduces them (src only, not installed).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace medimg::detail::equalize {

// numpy.histogram's binning of equal bins (numpy/lib/histograms.py), in the bin dtype T:
// f = (v − first) * norm rounded to T, truncated, then one correction step each way against
// the rounded edges. Reproduced as is, it also agrees where edges coincide (ranges too
// narrow for the float type), where the true bin and numpy's differ.
template <typename T>
struct Table {
  const T* edges;
  std::int64_t nbins;
  T first;  // numpy casts the float64 first edge to T for the subtraction
  T norm;   // nbins / (last − first), cast to T by the multiplication

  // numpy's int(f), its index nbins moved to nbins − 1: for values in [first, last] the same
  // as clamping f to [0, nbins − 1] first, which is also safe for values outside.
  std::int32_t estimate(T v) const {
    T f = static_cast<T>(v - first) * norm;
    f = f < T(0) ? T(0) : f;
    f = f > static_cast<T>(nbins - 1) ? static_cast<T>(nbins - 1) : f;
    return static_cast<std::int32_t>(f);
  }

  // The estimate and numpy's two corrections, as selects on float and int32 lanes so that a
  // loop over values vectorises (with gathers).
  std::int32_t bin_of(T v) const {
    std::int32_t b = estimate(v);
    b -= static_cast<std::int32_t>((b > 0) & (v < edges[b]));
    b += static_cast<std::int32_t>((b < nbins - 1) & (v >= edges[b + 1]));
    return b;
  }

  // Whether numpy's estimate lies within one bin of the true bin for every value, so that
  // bin_of gives the true bin ([edges[b], edges[b + 1]), the last one closed). The estimate
  // is monotone: checking the ends of each bin is enough.
  bool bins_are_exact() const {
    for (std::int64_t b = 0; b < nbins; ++b) {
      if (!(edges[b + 1] > edges[b])) return false;
      const T top = b + 1 < nbins ? std::nextafter(edges[b + 1], edges[b]) : edges[b + 1];
      if (estimate(edges[b]) < b - 1 || estimate(top) > b + 1) return false;
    }
    return true;
  }
};

// numpy.interp's table: centres, CDF values and the slopes between them, in float64.
struct Knots {
  std::vector<double> x, cdf, slope;
  explicit Knots(std::int64_t n)
      : x(static_cast<std::size_t>(n)), cdf(x.size()), slope(x.size(), 0.0) {}

  // numpy.interp(v, x, cdf) for a v in `bin`, statement for statement (compiled_base.c).
  double interp(double v, std::int64_t bin) const {
    const auto n = static_cast<std::int64_t>(x.size());
    if (v < x[0]) return cdf[0];
    if (v >= x[n - 1]) return cdf[n - 1];
    // The last j with x[j] <= v: the bin or the one before, or further where centres
    // coincide.
    auto j = std::min<std::int64_t>(bin, n - 2);
    while (j > 0 && x[j] > v) --j;
    while (j < n - 2 && x[j + 1] <= v) ++j;
    if (x[j] == v) return cdf[j];
    double out = slope[j] * (v - x[j]) + cdf[j];
    if (std::isnan(out)) {  // numpy's fallbacks for coinciding centres
      out = slope[j] * (v - x[j + 1]) + cdf[j + 1];
      if (std::isnan(out) && cdf[j] == cdf[j + 1]) out = cdf[j];
    }
    return out;
  }
};

// Knots::interp for n values when every centre lies inside its bin and the centres increase
// strictly: then the segment is bin − (x[bin] > v), the slope is finite and an exact hit
// gives slope * 0 + cdf = cdf by itself. Branch-free, so it vectorises (with gathers).
template <typename T, typename O>
void interpolate_generic(const T* values, O* y, std::int64_t n, const std::uint32_t* bins,
                         const double* xs, const double* cdf, const double* slope,
                         std::int64_t nbins) {
  const double x0 = xs[0], x_last = xs[nbins - 1];
  const double below = cdf[0], above = cdf[nbins - 1];
  const std::int64_t last_segment = nbins - 2;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<double>(values[i]);
    std::int64_t j = bins[i];
    j -= static_cast<std::int64_t>(xs[j] > v);
    j = j < 0 ? 0 : j;
    j = j > last_segment ? last_segment : j;
    double out = slope[j] * (v - xs[j]) + cdf[j];
    out = v < x0 ? below : out;
    out = v >= x_last ? above : out;
    y[i] = static_cast<O>(out);
  }
}

}  // namespace medimg::detail::equalize
