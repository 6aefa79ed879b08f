#pragma once

// The one sampling kernel behind map_coordinates, affine_transform, resample(_to), pad,
// crop_or_pad, warp_affine and the B-spline padding. For each output point a coordinate
// source gives the input position along every axis; axis_taps turns a position into
// Order + 1 (offset, weight) taps under the border mode, and an "emit" policy combines the
// taps: a weighted sum over channels (WeightedSum) or a weighted vote among label values
// (LabelVote). Points are processed in runs (an output row for affine maps) on the shared
// thread pool. Taps of an axis constant over a run (all but the last in a resample) are
// computed once per run, those of an axis whose positions repeat in every run (the last in
// a resample) once per thread.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/detail/border_index.hpp"
#include "medimg/preprocess/detail/bspline.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg::detail {

/// Positions farther than this from index 0, and NaN or infinite ones, sample fill_value:
/// beyond it a double no longer resolves a voxel of any array.
constexpr double kMaxCoordinate = 1e15;

/// One input axis: its number of samples and its stride in elements.
struct AxisGrid {
  std::int64_t size = 1;
  std::int64_t stride = 1;
  double extent = 1.0;  ///< size as a double, for the range tests of every sample
};

/// The Order + 1 taps of one position along one axis.
template <int Order>
struct AxisTaps {
  static constexpr int kCount = Order + 1;
  std::array<std::int64_t, kCount> offset{};  ///< tap index x axis stride
  std::array<double, kCount> weight{};        ///< 0 for a tap outside under Constant
  double inside = 1.0;                        ///< sum of the weights of the taps inside
};

/// x brought into the range scipy.ndimage's map_coordinate folds it to for the periodic and
/// symmetric modes, so that the rounding of order 0 at half-integers matches scipy; the taps
/// are then mapped one by one (border_index). Edge positions are only bounded.
inline double fold_coordinate(double x, std::int64_t n, BorderMode border) {
  const auto len = static_cast<double>(n);
  if (border == BorderMode::Edge) return std::min(std::max(x, -3.0), len + 2.0);
  if (n == 1) return 0.0;
  if (border == BorderMode::Mirror) {
    const double period = 2.0 * len - 2.0;
    if (x < 0) {
      x += period * std::trunc(-x / period);
      return x <= 1.0 - len ? x + period : -x;
    }
    x -= period * std::trunc(x / period);
    return x >= len ? period - x : x;
  }
  if (border == BorderMode::Reflect) {
    const double period = 2.0 * len;
    if (x < 0) {
      if (x < -period) x += period * std::trunc(-x / period);
      return x < -len ? x + period : -x - 1.0;
    }
    x -= period * std::trunc(x / period);
    return x >= len ? period - x - 1.0 : x;
  }
  // Wrap (scipy's 'grid-wrap').
  if (x < 0) return x + len * (std::trunc((-1.0 - x) / len) + 1.0);
  return x - len * std::trunc(x / len);
}

/// axis_taps where some tap may lie outside the axis: positions are folded or bounded, taps
/// mapped one by one (border_index), and under Constant the weight of outside taps dropped.
template <int Order>
inline bool axis_taps_near_border(double x, const AxisGrid& axis, BorderMode border,
                                  AxisTaps<Order>& taps) {
  if (!(std::abs(x) <= kMaxCoordinate)) return false;
  const std::int64_t n = axis.size;
  if (x < 0 || x > axis.extent - 1.0) {
    if (border == BorderMode::Constant) {
      if (x < -(Order + 1.0) || x > axis.extent + Order) return false;
    } else {
      x = fold_coordinate(x, n, border);
    }
  }
  double fraction = 0.0;
  const std::int64_t start = first_tap<Order>(x, fraction);
  spline_weights<Order>(fraction, taps.weight.data());
  double inside = 0.0;
  for (int k = 0; k <= Order; ++k) {
    const std::int64_t index = border_index(start + k, n, border);
    if (index < 0) {  // Constant: this tap reads the fill value
      taps.weight[k] = 0.0;
      taps.offset[k] = 0;
    } else {
      taps.offset[k] = index * axis.stride;
      inside += taps.weight[k];
    }
  }
  taps.inside = border == BorderMode::Constant ? inside : 1.0;
  return inside > 0.0;
}

/// The taps that sample position x of `axis`. False when nothing of the input is read: x is
/// NaN, infinite or beyond kMaxCoordinate, or (Constant) every tap lies outside.
template <int Order>
inline bool axis_taps(double x, const AxisGrid& axis, BorderMode border, AxisTaps<Order>& taps) {
  // Most positions have every tap inside: then truncation is floor and no border rule
  // applies. The comparison also sends NaN to the slow path. Order 0 starts at 0, not -0.5:
  // scipy folds [-0.5, 0) first under 'mirror', which rounds those halves the other way.
  constexpr double kShift = Order == 0 ? 0.5 : 0.0;
  constexpr double kLower = static_cast<double>(Order / 2);
  if (x >= kLower && x < axis.extent - 1.0 + kShift - Order / 2) {
    const auto floor = static_cast<std::int64_t>(x + kShift);
    spline_weights<Order>(x - static_cast<double>(floor), taps.weight.data());
    const std::int64_t start = (floor - Order / 2) * axis.stride;
    for (int k = 0; k <= Order; ++k) taps.offset[k] = start + k * axis.stride;
    taps.inside = 1.0;
    return true;
  }
  return axis_taps_near_border(x, axis, border, taps);
}

/// The positions of one run of output points: `count` points from output index `first` on,
/// x[k][i] the input index along axis k of point first + i. constant[k]: x[k][i] is the same
/// for every i of the run; invariant[k]: x[k] is the same array in every run (the x positions
/// of an axis-aligned map).
template <int D>
struct CoordinateRun {
  std::int64_t first = 0;
  std::int64_t count = 0;
  std::array<double*, D> x{};
  std::array<bool, D> constant{};
  std::array<bool, D> invariant{};
};

/// The taps of the D axes of one point, one pointer per axis.
template <int D, int Order>
using PointTaps = std::array<const AxisTaps<Order>*, D>;

/// Runs `emit(point, taps)` for every output point, with taps a pointer to a PointTaps, or
/// nullptr where the point reads nothing of the input (fill value). The coordinate source
/// says how many runs there are (runs()), how long they may be (run_length()) and fills
/// one (operator()(r, run)); runs are spread over the thread pool in order. Taps are computed
/// once per run for constant axes and once per thread for invariant ones.
template <int D, int Order, typename Coordinates, typename Emit>
void sample_points(const std::array<AxisGrid, D>& axes, BorderMode border,
                   const Coordinates& coordinates, const Emit& emit) {
  const std::int64_t runs = coordinates.runs(), run_length = coordinates.run_length();
  if (runs <= 0 || run_length <= 0) return;
  const std::int64_t grain = std::max<std::int64_t>(1, 8192 / run_length);
  parallel_for(0, runs, grain, [&](std::int64_t first_run, std::int64_t last_run) {
    std::vector<double> buffer(static_cast<std::size_t>(D * run_length));
    CoordinateRun<D> run;
    for (int k = 0; k < D; ++k) run.x[k] = buffer.data() + k * run_length;
    std::array<AxisTaps<Order>, D> scratch;  // this point's taps along varying axes
    std::array<std::vector<AxisTaps<Order>>, D> cached;  // invariant axes, per point of a run
    std::array<std::vector<char>, D> cached_valid;
    PointTaps<D, Order> current{};
    for (std::int64_t r = first_run; r < last_run; ++r) {
      coordinates(r, run);
      const std::int64_t first = run.first, count = run.count;
      if (count <= 0) continue;
      bool constant_valid = true;
      std::array<int, D> varying{};  // axes whose taps change from point to point
      std::array<int, D> invariant{};
      int n_varying = 0, n_invariant = 0;
      for (int k = 0; k < D; ++k) {
        current[k] = &scratch[k];
        if (run.constant[k]) {
          constant_valid = axis_taps<Order>(run.x[k][0], axes[k], border, scratch[k]) &&
                           constant_valid;
        } else if (run.invariant[k]) {
          if (cached[k].empty()) {  // the first run of this chunk fills the cache
            cached[k].resize(static_cast<std::size_t>(count));
            cached_valid[k].resize(static_cast<std::size_t>(count));
            for (std::int64_t i = 0; i < count; ++i) {
              cached_valid[k][i] = axis_taps<Order>(run.x[k][i], axes[k], border, cached[k][i]);
            }
          }
          invariant[n_invariant++] = k;
        } else {
          varying[n_varying++] = k;
        }
      }
      if (!constant_valid) {
        for (std::int64_t i = 0; i < count; ++i) emit(first + i, nullptr);
        continue;
      }
      for (std::int64_t i = 0; i < count; ++i) {
        bool valid = true;
        for (int j = 0; j < n_invariant && valid; ++j) {
          const int k = invariant[j];
          current[k] = &cached[k][i];
          valid = cached_valid[k][i] != 0;
        }
        for (int j = 0; j < n_varying && valid; ++j) {
          const int k = varying[j];
          valid = axis_taps<Order>(run.x[k][i], axes[k], border, scratch[k]);
        }
        emit(first + i, valid ? &current : nullptr);
      }
    }
  });
}

/// Output index -> input index through an affine map, one run per output row: the position
/// of point x of a row is row_origin + x * matrix column D - 1, no matrix product per point.
/// (Tiling the output for cache locality was measured slower at 128³: the kernel is bound
/// by arithmetic, not by memory.)
template <int D>
struct AffineCoordinates {
  std::array<std::array<double, D + 1>, D> matrix{};  ///< input_k = sum_l m[k][l] o_l + m[k][D]
  std::array<std::int64_t, D> out_shape{};

  std::int64_t runs() const {
    std::int64_t rows = 1;
    for (int l = 0; l < D - 1; ++l) rows *= out_shape[l];
    return rows;
  }
  std::int64_t run_length() const { return out_shape[D - 1]; }

  void operator()(std::int64_t row, CoordinateRun<D>& run) const {
    std::array<std::int64_t, D> index{};  // output index of the row's first point
    std::int64_t rest = row;
    for (int l = D - 2; l >= 0; --l) {
      index[l] = rest % out_shape[l];
      rest /= out_shape[l];
    }
    run.first = row * out_shape[D - 1];
    run.count = out_shape[D - 1];
    for (int k = 0; k < D; ++k) {
      double origin = matrix[k][D];
      bool invariant = true;  // no output axis but the last moves this input axis
      for (int l = 0; l < D - 1; ++l) {
        origin += matrix[k][l] * static_cast<double>(index[l]);
        invariant = invariant && matrix[k][l] == 0.0;
      }
      const double step = matrix[k][D - 1];
      double* x = run.x[k];
      run.constant[k] = step == 0.0;
      run.invariant[k] = invariant;
      if (run.constant[k]) {
        x[0] = origin;
        continue;
      }
      for (std::int64_t i = 0; i < run.count; ++i) x[i] = origin + static_cast<double>(i) * step;
    }
  }
};

/// Positions read from a (D, points) array of float or double (any strides), plus `shift`,
/// in runs of 1024 points.
template <int D, typename C>
struct ListedCoordinates {
  static constexpr std::int64_t kRun = 1024;
  const C* data = nullptr;
  std::array<std::int64_t, 2> strides{};  ///< of the axis and the point dimensions
  std::int64_t points = 0;
  double shift = 0.0;

  std::int64_t runs() const { return (points + kRun - 1) / kRun; }
  std::int64_t run_length() const { return kRun; }

  void operator()(std::int64_t r, CoordinateRun<D>& run) const {
    run.first = r * kRun;
    run.count = std::min(kRun, points - run.first);
    for (int k = 0; k < D; ++k) {
      const C* source = data + k * strides[0] + run.first * strides[1];
      double* x = run.x[k];
      for (std::int64_t i = 0; i < run.count; ++i) {
        x[i] = static_cast<double>(source[i * strides[1]]) + shift;
      }
      run.constant[k] = false;
      run.invariant[k] = false;
    }
  }
};

/// sum over taps of weight x value for every channel, plus fill_value x the weight of the
/// taps outside; Order 0 copies the value itself (exact for any dtype).
/// Input T is read through `input` (channel c at input + c * channel_stride); the output is
/// (channels, points) contiguous.
template <typename T, typename O, int D, int Order>
struct WeightedSum {
  const T* input = nullptr;
  std::int64_t channels = 1;
  std::int64_t channel_stride = 0;
  O* output = nullptr;
  std::int64_t points = 0;
  double fill = 0.0;
  O fill_output{};

  void operator()(std::int64_t p, const PointTaps<D, Order>* taps) const {
    O* out = output + p;
    if (taps == nullptr) {
      for (std::int64_t c = 0; c < channels; ++c) out[c * points] = fill_output;
      return;
    }
    const auto& t = *taps;
    if constexpr (Order == 0) {
      std::int64_t offset = 0;
      for (int k = 0; k < D; ++k) offset += t[k]->offset[0];
      for (std::int64_t c = 0; c < channels; ++c) {
        out[c * points] = static_cast<O>(input[c * channel_stride + offset]);
      }
    } else {
      double inside = 1.0;
      for (int k = 0; k < D; ++k) inside *= t[k]->inside;
      const double outside = 1.0 - inside;
      for (std::int64_t c = 0; c < channels; ++c) {
        double value = sum(input + c * channel_stride, t);
        if (outside > 0.0) value += fill * outside;
        out[c * points] = static_cast<O>(value);
      }
    }
  }

  static double sum(const T* base, const PointTaps<D, Order>& t) {
    constexpr int K = Order + 1;
    const auto& tx = *t[D - 1];
    auto line = [&tx](const T* row) {
      double s = 0.0;
      for (int k = 0; k < K; ++k) s += tx.weight[k] * static_cast<double>(row[tx.offset[k]]);
      return s;
    };
    double value = 0.0;
    if constexpr (D == 2) {
      for (int a = 0; a < K; ++a) value += t[0]->weight[a] * line(base + t[0]->offset[a]);
    } else {
      for (int a = 0; a < K; ++a) {
        for (int b = 0; b < K; ++b) {
          const double weight = t[0]->weight[a] * t[1]->weight[b];
          value += weight * line(base + t[0]->offset[a] + t[1]->offset[b]);
        }
      }
    }
    return value;
  }
};

/// The label value with the largest total weight among the taps (the fill label taking the
/// weight outside): argmax over labels of the interpolated one-hot probabilities, ties to
/// the smaller label, computed without materialising the one-hot channels.
template <typename T, int D, int Order>
struct LabelVote {
  const T* input = nullptr;
  std::int64_t channels = 1;
  std::int64_t channel_stride = 0;
  T* output = nullptr;
  std::int64_t points = 0;
  T fill{};

  void operator()(std::int64_t p, const PointTaps<D, Order>* taps) const {
    T* out = output + p;
    if (taps == nullptr) {
      for (std::int64_t c = 0; c < channels; ++c) out[c * points] = fill;
      return;
    }
    const auto& t = *taps;
    constexpr int K = Order + 1;
    constexpr int kTaps = D == 2 ? K * K : K * K * K;
    std::array<std::int64_t, kTaps> offsets{};
    std::array<double, kTaps> weights{};
    int n = 0;
    double inside = 1.0;
    for (int k = 0; k < D; ++k) inside *= t[k]->inside;
    const auto& ty = *t[D - 2];
    const auto& tx = *t[D - 1];
    for (int a = 0; a < (D == 3 ? K : 1); ++a) {
      const double wa = D == 3 ? t[0]->weight[a] : 1.0;
      const std::int64_t oa = D == 3 ? t[0]->offset[a] : 0;
      for (int b = 0; b < K; ++b) {
        for (int x = 0; x < K; ++x) {
          offsets[n] = oa + ty.offset[b] + tx.offset[x];
          weights[n++] = wa * ty.weight[b] * tx.weight[x];
        }
      }
    }
    for (std::int64_t c = 0; c < channels; ++c) {
      const T* base = input + c * channel_stride;
      std::array<T, kTaps + 1> labels{};
      std::array<double, kTaps + 1> totals{};
      int distinct = 0;
      auto add = [&](T label, double weight) {
        for (int j = 0; j < distinct; ++j) {
          if (labels[j] == label) {
            totals[j] += weight;
            return;
          }
        }
        labels[distinct] = label;
        totals[distinct++] = weight;
      };
      for (int j = 0; j < n; ++j) {
        if (weights[j] > 0.0) add(base[offsets[j]], weights[j]);
      }
      if (inside < 1.0) add(fill, 1.0 - inside);
      int best = 0;
      for (int j = 1; j < distinct; ++j) {
        if (totals[j] > totals[best] || (totals[j] == totals[best] && labels[j] < labels[best])) {
          best = j;
        }
      }
      out[c * points] = labels[best];
    }
  }
};

}  // namespace medimg::detail
