#pragma once

// Per-channel plumbing shared by the preprocess kernels (src only, not installed): contiguous
// voxels, the output dtype, masks resolved to one bool array per channel, finiteness checks.

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/image.hpp"
#include "medimg/core/parallel.hpp"
#include "avx2.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if MEDIMG_HAS_AVX2_CLONES
#include <immintrin.h>
#endif

namespace medimg::detail {

/// The voxels of `image` as a contiguous CPU tensor (a copy only when they are not).
/// @throws ArgumentError for an undefined image; Unsupported off the CPU.
inline at::Tensor contiguous_voxels(const Image& image, const char* function) {
  MEDIMG_CHECK(image.defined(), ArgumentError, function, " needs a defined image");
  MEDIMG_CHECK(image.tensor().device().is_cpu(), Unsupported, function,
               " runs on the CPU, got an image on ", image.tensor().device(),
               "; call .cpu() first");
  return image.tensor().contiguous();
}

/// Voxels per channel.
inline std::int64_t channel_numel(const at::Tensor& voxels) {
  return voxels.numel() / voxels.size(0);
}

/// medimg's dtype policy for intensities: float64 stays float64, everything else -> float32.
inline at::ScalarType intensity_dtype(at::ScalarType input) {
  return input == at::kDouble ? at::kDouble : at::kFloat;
}

/// Calls f(const T* data) with T the element type of the contiguous tensor `t`.
template <typename F>
decltype(auto) dispatch_data(const at::Tensor& t, F&& f) {
  return dispatch_dtype<1>(t.reshape({-1}), [&](auto v) {
    return f(static_cast<const typename decltype(v)::value_type*>(v.data()));
  });
}

/// Calls f(O* out) with O = float or double, the element type of `out`.
template <typename F>
decltype(auto) dispatch_output(at::Tensor& out, F&& f) {
  if (out.scalar_type() == at::kDouble) return f(out.data_ptr<double>());
  return f(out.data_ptr<float>());
}

/// std::isfinite as arithmetic (v − v is 0 unless v is ±inf or NaN), which vectorises.
template <typename T>
bool is_finite(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return v - v == T(0);
  } else {
    return true;
  }
}

/// Min and max of values, and whether all were finite.
template <typename T>
struct ValueRange {
  T min = std::numeric_limits<T>::max();
  T max = std::numeric_limits<T>::lowest();
  bool finite = true;

  static ValueRange merge(const ValueRange& a, const ValueRange& b) {
    return {std::min(a.min, b.min), std::max(a.max, b.max), a.finite && b.finite};
  }
};

#if MEDIMG_HAS_AVX2_CLONES
/// The AVX2 operations of range_avx2, overloaded for 8 floats and 4 doubles.
namespace range_lanes {
MEDIMG_AVX2_CLONE inline __m256 load(const float* p) { return _mm256_loadu_ps(p); }
MEDIMG_AVX2_CLONE inline __m256d load(const double* p) { return _mm256_loadu_pd(p); }
MEDIMG_AVX2_CLONE inline __m256 all(float v) { return _mm256_set1_ps(v); }
MEDIMG_AVX2_CLONE inline __m256d all(double v) { return _mm256_set1_pd(v); }
MEDIMG_AVX2_CLONE inline __m256 min(__m256 a, __m256 b) { return _mm256_min_ps(a, b); }
MEDIMG_AVX2_CLONE inline __m256d min(__m256d a, __m256d b) { return _mm256_min_pd(a, b); }
MEDIMG_AVX2_CLONE inline __m256 max(__m256 a, __m256 b) { return _mm256_max_ps(a, b); }
MEDIMG_AVX2_CLONE inline __m256d max(__m256d a, __m256d b) { return _mm256_max_pd(a, b); }
MEDIMG_AVX2_CLONE inline void store(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
MEDIMG_AVX2_CLONE inline void store(double* p, __m256d v) { _mm256_storeu_pd(p, v); }
/// `seen` with the lanes where v is ±inf or NaN set (v − v is NaN there, unordered with 0).
MEDIMG_AVX2_CLONE inline __m256 nonfinite(__m256 seen, __m256 v) {
  return _mm256_or_ps(seen, _mm256_cmp_ps(_mm256_sub_ps(v, v), _mm256_setzero_ps(), _CMP_NEQ_UQ));
}
MEDIMG_AVX2_CLONE inline __m256d nonfinite(__m256d seen, __m256d v) {
  return _mm256_or_pd(seen, _mm256_cmp_pd(_mm256_sub_pd(v, v), _mm256_setzero_pd(), _CMP_NEQ_UQ));
}
MEDIMG_AVX2_CLONE inline int any(__m256 a, __m256 b) { return _mm256_movemask_ps(_mm256_or_ps(a, b)); }
MEDIMG_AVX2_CLONE inline int any(__m256d a, __m256d b) {
  return _mm256_movemask_pd(_mm256_or_pd(a, b));
}
}  // namespace range_lanes

/// value_range of floats or doubles, two registers at a time with AVX2 (two sets of
/// accumulators, so that each min/max waits for the one before it half as often); the tail
/// (n % (64 / sizeof(T))) is left to the caller: returns how many values it covered.
template <typename T>
MEDIMG_AVX2_CLONE inline std::int64_t range_avx2(const T* x, std::int64_t n, ValueRange<T>& r,
                                                 int& bad) {
  namespace lanes = range_lanes;
  constexpr std::int64_t kLanes = 32 / sizeof(T);
  auto low = lanes::all(r.min), high = lanes::all(r.max), seen = lanes::all(T(0));
  auto low2 = low, high2 = high, seen2 = seen;
  std::int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    const auto v = lanes::load(x + i), w = lanes::load(x + i + kLanes);
    low = lanes::min(low, v);
    high = lanes::max(high, v);
    low2 = lanes::min(low2, w);
    high2 = lanes::max(high2, w);
    seen = lanes::nonfinite(seen, v);
    seen2 = lanes::nonfinite(seen2, w);
  }
  alignas(32) T lows[kLanes], highs[kLanes];
  lanes::store(lows, lanes::min(low, low2));
  lanes::store(highs, lanes::max(high, high2));
  for (std::int64_t k = 0; k < kLanes; ++k) {
    r.min = std::min(r.min, lows[k]);
    r.max = std::max(r.max, highs[k]);
  }
  bad |= lanes::any(seen, seen2);
  return i;
}
#endif

/// The range of x[0 .. n). min/max are meaningless when !finite. GCC does not vectorise a
/// float min/max reduction (it may not reorder it under IEEE rules), so float and double use
/// AVX2 where the CPU has it and SSE2 otherwise (and for the AVX2 loop's tail) directly:
/// 4-8x faster, and the order does not matter for finite values.
template <typename T>
ValueRange<T> value_range(const T* x, std::int64_t n) {
  ValueRange<T> r;
  std::int64_t i = 0;
  int bad = 0;
#if MEDIMG_HAS_AVX2_CLONES
  if constexpr (std::is_floating_point_v<T>) {
    if (cpu_has_avx2()) i = range_avx2(x, n, r, bad);
  }
#endif
#if defined(__SSE2__)
  if constexpr (std::is_same_v<T, float>) {
    __m128 low = _mm_set1_ps(r.min), high = _mm_set1_ps(r.max), nonfinite = _mm_setzero_ps();
    // Two sets of accumulators, so that each min/max waits for the one before it half as often.
    __m128 low2 = low, high2 = high, nonfinite2 = nonfinite;
    for (; i + 8 <= n; i += 8) {
      const __m128 v = _mm_loadu_ps(x + i), w = _mm_loadu_ps(x + i + 4);
      low = _mm_min_ps(low, v);
      high = _mm_max_ps(high, v);
      low2 = _mm_min_ps(low2, w);
      high2 = _mm_max_ps(high2, w);
      // v - v is 0 for finite v, NaN for ±inf and NaN, and NaN != 0.
      nonfinite = _mm_or_ps(nonfinite, _mm_cmpneq_ps(_mm_sub_ps(v, v), _mm_setzero_ps()));
      nonfinite2 = _mm_or_ps(nonfinite2, _mm_cmpneq_ps(_mm_sub_ps(w, w), _mm_setzero_ps()));
    }
    low = _mm_min_ps(low, low2);
    high = _mm_max_ps(high, high2);
    nonfinite = _mm_or_ps(nonfinite, nonfinite2);
    alignas(16) float lows[4], highs[4];
    _mm_store_ps(lows, low);
    _mm_store_ps(highs, high);
    for (int k = 0; k < 4; ++k) {
      r.min = std::min(r.min, lows[k]);
      r.max = std::max(r.max, highs[k]);
    }
    bad |= _mm_movemask_ps(nonfinite);
  } else if constexpr (std::is_same_v<T, double>) {
    __m128d low = _mm_set1_pd(r.min), high = _mm_set1_pd(r.max), nonfinite = _mm_setzero_pd();
    for (; i + 2 <= n; i += 2) {
      const __m128d v = _mm_loadu_pd(x + i);
      low = _mm_min_pd(low, v);
      high = _mm_max_pd(high, v);
      nonfinite = _mm_or_pd(nonfinite, _mm_cmpneq_pd(_mm_sub_pd(v, v), _mm_setzero_pd()));
    }
    alignas(16) double lows[2], highs[2];
    _mm_store_pd(lows, low);
    _mm_store_pd(highs, high);
    r.min = std::min(lows[0], lows[1]);  // both lanes started from r.min and r.max
    r.max = std::max(highs[0], highs[1]);
    bad |= _mm_movemask_pd(nonfinite);
  }
#endif
  for (; i < n; ++i) {  // integers (which GCC vectorises itself) and the tail
    const T v = x[i];
    bad |= !is_finite(v);
    r.min = v < r.min ? v : r.min;
    r.max = v > r.max ? v : r.max;
  }
  r.finite = bad == 0;
  return r;
}

/// The least work (voxels) worth a parallel region. Below it a kernel runs on the calling
/// thread: a 512 x 512 slice takes about a millisecond there, and a parallel region costs
/// more than it saves once the machine is busy, since the OpenMP barrier then waits for a
/// descheduled worker (measured here: 2-thread equalize_hist of a slice 10-20x slower on a
/// loaded 2-core machine, under 2x faster on an idle one).
constexpr std::int64_t kParallelGrain = std::int64_t{1} << 18;

/// Reduces [0, n) in fixed blocks of 64K items, block(first, last) -> R in parallel, then
/// merge(R, R) in block order: the result never depends on the number of threads.
template <typename R, typename Block, typename Merge>
R reduce_blocks(std::int64_t n, const R& init, Block&& block, Merge&& merge) {
  constexpr std::int64_t kBlock = 1 << 16;
  std::vector<R> partial(static_cast<std::size_t>((n + kBlock - 1) / kBlock), init);
  parallel_for(0, static_cast<std::int64_t>(partial.size()), kParallelGrain / kBlock,
               [&](std::int64_t first, std::int64_t last) {
                 for (std::int64_t b = first; b < last; ++b) {
                   partial[b] = block(b * kBlock, std::min(n, (b + 1) * kBlock));
                 }
               });
  R total = init;
  for (const R& p : partial) total = merge(total, p);
  return total;
}

/// Runs body(first, last) over [0, n) in parallel chunks of at least kParallelGrain items.
template <typename Body>
void for_blocks(std::int64_t n, Body&& body) {
  parallel_for(0, n, kParallelGrain, body);
}

/// A mask as one bool array per channel: shape (Y, X) / (Z, Y, X) or (1 or C, ...) against an
/// image of shape (C, ...). channel(c) is null when no mask was given.
class ChannelMask {
 public:
  /// @throws ShapeError when the shape does not fit; Unsupported off the CPU.
  ChannelMask(const at::Tensor& mask, const at::Tensor& voxels, const char* name);

  bool defined() const { return mask_.defined(); }
  const bool* channel(std::int64_t c) const {
    if (!mask_.defined()) return nullptr;
    return mask_.data_ptr<bool>() + (shared_ ? 0 : c * numel_);
  }

 private:
  at::Tensor mask_;  // bool, contiguous
  bool shared_ = true;
  std::int64_t numel_ = 0;
};

}  // namespace medimg::detail
