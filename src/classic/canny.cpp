#include "medimg/classic/edges.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/components.hpp"
#include "detail/float_image.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/detail/border_index.hpp"
#include "medimg/preprocess/detail/gaussian_kernel.hpp"

// The row loops are compiled three times where the toolchain can pick a clone at load time
// (x86-64 Linux: GCC/Clang ifuncs): for AVX-512 (x86-64-v4), AVX2 and the baseline. The
// file is built without contraction to FMA, so every clone rounds alike.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define MEDIMG_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define MEDIMG_SIMD_CLONES
#endif

namespace medimg {
namespace {

using detail::border_index;

// numpy.percentile(values, q * 100) with the default linear rule (numpy's _lerp).
double quantile(std::vector<double> values, double q) {
  const double index = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(index));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  std::nth_element(values.begin(), values.begin() + below, values.end());
  const double a = values[below];
  const double b = below == above ? a : *std::min_element(values.begin() + below + 1, values.end());
  const double t = index - static_cast<double>(below);
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

std::int64_t ring_slot(std::int64_t row, std::int64_t size) {
  return ((row % size) + size) % size;
}

// acc (+)= the pairs k0 .. k0 + G - 1 of correlate_taps, each (a + b) * w[k] added in turn
// as scipy adds them, but in one pass over the row: the sum stays in a register.
template <int G, bool First>
inline __attribute__((always_inline)) void add_pairs(const double* const* taps,
                                                     const double* w, std::int64_t r,
                                                     std::int64_t k0, std::int64_t n,
                                                     double* __restrict acc) {
  const double* __restrict centre = taps[r];
  constexpr int kSize = G > 0 ? G : 1;
  const double* __restrict a[kSize];
  const double* __restrict b[kSize];
  double weight[kSize];
  for (int g = 0; g < G; ++g) {
    a[g] = taps[r + k0 + g];
    b[g] = taps[r - k0 - g];
    weight[g] = w[k0 + g];
  }
  const double w0 = w[0];
  for (std::int64_t x = 0; x < n; ++x) {
    double sum = First ? centre[x] * w0 : acc[x];
    for (int g = 0; g < G; ++g) sum += (a[g][x] + b[g][x]) * weight[g];
    acc[x] = sum;
  }
}

// scipy's correlate1d of one row with a symmetric kernel w[-r..r]: the taps are the rows (or
// the shifted line) at -r .. r. acc = centre * w0, then += (a + b) * w from the outer pair
// in, four pairs a pass.
MEDIMG_SIMD_CLONES
void correlate_taps(const double* const* taps, const double* w, std::int64_t r,
                    std::int64_t n, double* __restrict acc) {
  std::int64_t k = -r;
  switch (std::min<std::int64_t>(r, 4)) {
    case 0: add_pairs<0, true>(taps, w, r, k, n, acc); break;
    case 1: add_pairs<1, true>(taps, w, r, k, n, acc); break;
    case 2: add_pairs<2, true>(taps, w, r, k, n, acc); break;
    case 3: add_pairs<3, true>(taps, w, r, k, n, acc); break;
    default: add_pairs<4, true>(taps, w, r, k, n, acc); break;
  }
  for (k += 4; k < 0; k += 4) {
    switch (std::min<std::int64_t>(-k, 4)) {
      case 1: add_pairs<1, false>(taps, w, r, k, n, acc); break;
      case 2: add_pairs<2, false>(taps, w, r, k, n, acc); break;
      case 3: add_pairs<3, false>(taps, w, r, k, n, acc); break;
      default: add_pairs<4, false>(taps, w, r, k, n, acc); break;
    }
  }
}

// scipy's symmetric [1, 2, 1], in double and rounded to R as its output array.
template <typename R>
inline R smooth(R left, R centre, R right) {
  return static_cast<R>(static_cast<double>(centre) * 2.0 +
                        (static_cast<double>(left) + static_cast<double>(right)));
}

// smoothed / denominator (skimage's division by the smoothed mask) and ndi.sobel's
// derivative [-1, 0, 1] along x, x[+1] - x[-1] with reflected ends.
template <typename R>
MEDIMG_SIMD_CLONES
void divide_and_derive(const double* __restrict smoothed, const double* __restrict denominator,
                       std::int64_t W, R* __restrict out, R* __restrict dx) {
  for (std::int64_t x = 0; x < W; ++x) {
    out[x] = static_cast<R>(static_cast<double>(static_cast<R>(smoothed[x])) / denominator[x]);
  }
  if (W == 1) {
    dx[0] = R(0);
    return;
  }
  dx[0] = static_cast<R>(static_cast<double>(out[1]) - static_cast<double>(out[0]));
  for (std::int64_t x = 1; x + 1 < W; ++x) {
    dx[x] = static_cast<R>(static_cast<double>(out[x + 1]) - static_cast<double>(out[x - 1]));
  }
  dx[W - 1] = static_cast<R>(static_cast<double>(out[W - 1]) - static_cast<double>(out[W - 2]));
}

// Sobel gradients and magnitude of one row from the smoothed rows above and below it and
// the x-derivatives of the three (dx_*). isobel: derivative along y, then [1, 2, 1] along
// x; jsobel: the other way round. dy is scratch.
template <typename R>
MEDIMG_SIMD_CLONES
void gradient_row(const R* __restrict above, const R* __restrict below,
                  const R* __restrict dx_above, const R* __restrict dx_here,
                  const R* __restrict dx_below, std::int64_t W, R* __restrict dy,
                  R* __restrict di, R* __restrict dj, R* __restrict magnitude) {
  for (std::int64_t x = 0; x < W; ++x) {
    dy[x] = static_cast<R>(static_cast<double>(below[x]) - static_cast<double>(above[x]));
  }
  di[0] = smooth(dy[0], dy[0], dy[std::min<std::int64_t>(1, W - 1)]);
  for (std::int64_t x = 1; x + 1 < W; ++x) di[x] = smooth(dy[x - 1], dy[x], dy[x + 1]);
  if (W > 1) di[W - 1] = smooth(dy[W - 2], dy[W - 1], dy[W - 1]);
  for (std::int64_t x = 0; x < W; ++x) {
    const R j = smooth(dx_above[x], dx_here[x], dx_below[x]);
    dj[x] = j;
    // np.hypot: correctly rounded in float32 through double; within an ulp in float64.
    const double a = di[x], b = j;
    magnitude[x] = static_cast<R>(std::sqrt(a * a + b * b));
  }
}

// The pixels of a row that suppression must look at: c = 1 where m > 0 and m >= low.
template <typename R>
MEDIMG_SIMD_CLONES
void flag_candidates(const R* __restrict magnitude, std::int64_t W, R low,
                     std::uint8_t* __restrict c) {
  for (std::int64_t x = 0; x < W; ++x) {
    c[x] = static_cast<std::uint8_t>((magnitude[x] > 0) & (magnitude[x] >= low));
  }
}

// skimage's _get_local_maxima and thresholds on pixels x0 .. x1 - 1 of a row (none on the
// image's border), all at once so that the loop vectorises: c = 2 for local maxima >= high,
// 1 for those >= low, else 0. Its four direction classes overwrite each other in order, so
// the last that applies decides: anti-diagonal signs take 135-180 degrees when |di| >= |dj|,
// else 90-135; the others 45-90 when |di| <= |dj|, else 0-45. Where w = |dj| / |di| (0-45,
// 135-180) the nearer neighbours c1 lie above and below, else beside; the diagonal ones c2
// lie towards the gradient's side. Both interpolations c2 * w + c1 * (1 - w) must not
// exceed m, in R as numpy computes them. `code` is scratch as wide as R: packing bytes in
// the loop itself would keep it from vectorising well.
template <typename R, typename Code>
MEDIMG_SIMD_CLONES
void suppress_span(const R* __restrict up, const R* __restrict mid, const R* __restrict down,
                   const R* __restrict di, const R* __restrict dj, std::int64_t x0,
                   std::int64_t x1, R low, R high, Code* __restrict code,
                   std::uint8_t* __restrict c) {
  for (std::int64_t x = x0; x < x1; ++x) {
    const R m = mid[x], i = di[x], j = dj[x];
    const R north = up[x], south = down[x], east = mid[x + 1], west = mid[x - 1];
    const R north_east = up[x + 1], south_west = down[x - 1];
    const R south_east = down[x + 1], north_west = up[x - 1];
    const R ai = std::abs(i), aj = std::abs(j);
    const bool anti = ((i <= 0) & (j >= 0)) | ((i >= 0) & (j <= 0));
    // Every comparison is made unconditionally: a conditional one (it could trap on NaN)
    // would keep the loop from vectorising.
    const bool wide = ai >= aj, tall = ai <= aj;
    const bool by_x = (anti & wide) | (!anti & !tall);
    // |dj| / |di| where by_x, else |di| / |dj|: in every class the smaller over the larger.
    const R w = (wide ? aj : ai) / (tall ? aj : ai);
    const R rest = R(1) - w;
    const R c1_plus = by_x ? (anti ? north : south) : east;
    const R c1_minus = by_x ? (anti ? south : north) : west;
    const R c2_plus = anti ? north_east : south_east;
    const R c2_minus = anti ? south_west : north_west;
    const bool keep = (m > 0) & (m >= low) & (c2_plus * w + c1_plus * rest <= m) &
                      (c2_minus * w + c1_minus * rest <= m);
    code[x] = keep ? (m >= high ? Code{2} : Code{1}) : Code{0};
  }
  for (std::int64_t x = x0; x < x1; ++x) c[x] = static_cast<std::uint8_t>(code[x]);
}

// Whether any of the n flags at c is set, eight at a time.
inline bool any_flag(const std::uint8_t* c, std::int64_t n) {
  std::uint64_t any = 0;
  std::int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    std::uint64_t word;
    std::memcpy(&word, c + k, 8);
    any |= word;
  }
  for (; k < n; ++k) any |= c[k];
  return any != 0;
}

// Hysteresis from candidate p (1 weak, 2 strong): p and the candidates 8-connected to it
// through pixels lo .. hi - 1 become 3. Candidates never lie on the image's outer ring, so
// the neighbours of one are inside the image. `stack` is scratch.
inline void flood(std::uint8_t* c, std::int64_t W, std::int64_t p, std::int64_t lo,
                  std::int64_t hi, std::vector<std::int64_t>& stack) {
  const std::int64_t neighbours[8] = {-W - 1, -W, -W + 1, -1, 1, W - 1, W, W + 1};
  c[p] = 3;
  stack.push_back(p);
  while (!stack.empty()) {
    const std::int64_t q = stack.back();
    stack.pop_back();
    for (const std::int64_t d : neighbours) {
      const std::int64_t r = q + d;
      if (r >= lo && r < hi && (c[r] == 1 || c[r] == 2)) {
        c[r] = 3;
        stack.push_back(r);
      }
    }
  }
}

// Hysteresis within rows y0 .. y1 - 1 of c: floods from each strong pixel not yet reached,
// found eight flags at a time (few are strong).
void flood_rows(std::uint8_t* c, std::int64_t W, std::int64_t y0, std::int64_t y1) {
  thread_local std::vector<std::int64_t> stack;
  const std::int64_t lo = y0 * W, hi = y1 * W;
  std::int64_t p = lo;
  for (; p + 8 <= hi; p += 8) {
    std::uint64_t flags;
    std::memcpy(&flags, c + p, 8);
    if ((flags & 0x0202020202020202ULL) == 0) continue;  // only 2 has that bit
    for (std::int64_t q = p; q < p + 8; ++q) {
      if (c[q] == 2) flood(c, W, q, lo, hi, stack);
    }
  }
  for (; p < hi; ++p) {
    if (c[p] == 2) flood(c, W, p, lo, hi, stack);
  }
}

// Carries the hysteresis of separately flooded rows across the border between rows y - 1
// and y: a reached pixel (3) on one side floods, without bounds, the candidates next to it
// on the other.
void join_rows(std::uint8_t* c, std::int64_t H, std::int64_t W, std::int64_t y) {
  std::vector<std::int64_t> stack;
  for (std::int64_t x = 1; x + 1 < W; ++x) {
    for (const auto& [from, to] : {std::pair{y - 1, y}, std::pair{y, y - 1}}) {
      if (c[from * W + x] != 3) continue;
      for (std::int64_t q = to * W + x - 1; q <= to * W + x + 1; ++q) {
        if (c[q] == 1 || c[q] == 2) flood(c, W, q, 0, H * W, stack);
      }
    }
  }
}

// The pixels the hysteresis reached (3) become 1, all others 0, so that c reads as bool. One
// pass over a few hundred kilobytes: cheaper than waking the pool for it.
void keep_reached(std::uint8_t* c, std::int64_t n) {
  for (std::int64_t p = 0; p < n; ++p) c[p] = c[p] == 3;
}

// `arena`, grown to hold n elements past a 64-byte boundary, from that boundary on: rows
// that start on cache lines load without splits.
template <typename E>
E* aligned_arena(std::vector<E>& arena, std::int64_t n) {
  constexpr std::int64_t kPad = 64 / sizeof(E);
  if (static_cast<std::int64_t>(arena.size()) < n + kPad) arena.resize(n + kPad);
  const auto address = reinterpret_cast<std::uintptr_t>(arena.data());
  return arena.data() + (64 - address % 64) % 64 / sizeof(E);
}

// Per-thread rows of one lane's pipeline, in rings indexed by row number modulo their size:
// the input as float64 (img_as_float, masked) and the mask over the 2r + 1 rows the
// Gaussian reads; three smoothed rows and their x-derivatives; three rows of gradients;
// line buffers. Rows are `stride` elements apart, a multiple of 64 bytes. The memory is a
// per-thread arena kept between calls: fresh pages cost more here than the filtering
// itself (core/detail/huge_pages.hpp).
template <typename R>
struct Rows {
  using Code = std::conditional_t<sizeof(R) == 8, std::int64_t, std::int32_t>;

  Rows(std::int64_t width, std::int64_t radius, bool with_mask)
      : stride((width + 15) / 16 * 16), ring(2 * radius + 1) {
    thread_local std::vector<double> doubles;
    thread_local std::vector<R> reals;
    thread_local std::vector<Code> codes;
    thread_local std::vector<const double*> tap_rows;
    const std::int64_t lead = (radius + 7) / 8 * 8;  // so that line + radius is aligned
    const std::int64_t rings = (with_mask ? 2 : 1) * ring * stride;
    double* d = aligned_arena(doubles, rings + 2 * stride + lead + stride + radius);
    input_ = d;
    mask_ = with_mask ? d + ring * stride : nullptr;
    row = d + rings;
    bleed = row + stride;
    line = bleed + stride + lead - radius;
    R* f = aligned_arena(reals, 16 * stride);
    smoothed_ = f;
    dx_ = f + 3 * stride;
    di_ = f + 6 * stride;
    dj_ = f + 9 * stride;
    magnitude_ = f + 12 * stride;
    dy = f + 15 * stride;
    code = aligned_arena(codes, stride);
    if (static_cast<std::int64_t>(tap_rows.size()) < ring) tap_rows.resize(ring);
    taps = tap_rows.data();
  }

  double* input(std::int64_t v) const { return input_ + ring_slot(v, ring) * stride; }
  double* mask(std::int64_t v) const { return mask_ + ring_slot(v, ring) * stride; }
  bool has_mask() const { return mask_ != nullptr; }
  R* smoothed(std::int64_t v) const { return smoothed_ + ring_slot(v, 3) * stride; }
  R* dx(std::int64_t v) const { return dx_ + ring_slot(v, 3) * stride; }
  R* di(std::int64_t g) const { return di_ + ring_slot(g, 3) * stride; }
  R* dj(std::int64_t g) const { return dj_ + ring_slot(g, 3) * stride; }
  R* magnitude(std::int64_t g) const { return magnitude_ + ring_slot(g, 3) * stride; }

  const std::int64_t stride, ring;
  double *row, *bleed;  // the smoothed row before division; its denominator
  double* line;         // the vertical pass, padded by the radius each side
  R* dy;
  Code* code;
  const double** taps;

 private:
  double *input_, *mask_;
  R *smoothed_, *dx_, *di_, *dj_, *magnitude_;
};

// skimage.feature.canny on images of dtype T, computed in R (float for float32 images,
// double otherwise) chunk by chunk: each chunk's rows stream from the input through
// smoothing, Sobel and non-maximum suppression in rings of a few rows that stay in the
// first-level cache. Values are rounded to R where scipy rounds (after each 1D pass), so
// the results are scikit-image's.
template <typename T, typename R>
class Canny {
 public:
  // Pixels per chunk, at least (about 1.5 ms of work on one core): a smaller share does not
  // pay for waking another thread, which on a busy machine may start milliseconds late
  // while the caller waits for it. A 512 x 512 image is one chunk.
  static constexpr std::int64_t kChunkPixels = std::int64_t{1} << 19;

  Canny(const at::Tensor& image, const bool* mask, const CannyOptions& options)
      : image_(static_cast<const T*>(image.data_ptr())), mask_(mask), H_(image.size(0)),
        W_(image.size(1)), border_(options.border), fill_(options.fill_value) {
    const std::int64_t chunks = std::max<std::int64_t>(1, H_ * W_ / kChunkPixels);
    chunk_rows_ = (H_ + chunks - 1) / chunks;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      scale_ = 1.0 / detail::dtype_max(scalar_type_of<T>());
    }
    if (options.sigma > 1e-15) weights_ = detail::gaussian_weights(options.sigma, 4.0);
    radius_ = weights_.empty() ? 0 : static_cast<std::int64_t>(weights_.size() / 2);
    // Without a mask most rows divide by the same smoothed row of ones: computed once.
    const std::int64_t y = border_ == BorderMode::Constant ? radius_ : 0;
    if (mask_ == nullptr && !weights_.empty() && inside_rows(y)) {
      inside_bleed_.resize(W_);
      smoothed_ones_row(y, inside_bleed_.data());
    }
  }

  // The gradient magnitude of every pixel (for quantile thresholds).
  void magnitudes(R* out) const {
    for_each_chunk([&](std::int64_t y0, std::int64_t y1, Rows<R>& rows) {
      stream(y0, y1, rows, [&](std::int64_t g) {
        std::copy(rows.magnitude(g), rows.magnitude(g) + W_, out + g * W_);
      });
    });
  }

  // The edges into c (bytes 0 or 1, bool): non-maximum suppression, then hysteresis, both
  // chunk by chunk in parallel while the chunk is in cache; then the hysteresis is carried
  // across the chunks' borders. Candidates are 2 for local maxima >= high, 1 for those
  // >= low, 0 elsewhere (the outer ring and outside the eroded mask included).
  void edges(R low, R high, std::uint8_t* c) const {
    for_each_chunk([&](std::int64_t y0, std::int64_t y1, Rows<R>& rows) {
      for (const std::int64_t y : {std::int64_t{0}, H_ - 1}) {
        if (y >= y0 && y < y1) std::fill(c + y * W_, c + (y + 1) * W_, 0);
      }
      const std::int64_t first = std::max<std::int64_t>(y0, 1);
      const std::int64_t last = std::min(y1, H_ - 1);
      if (first >= last) return;
      // Row y needs the gradients of rows y - 1 .. y + 1: it follows row g = y + 1.
      stream(first - 1, last + 1, rows, [&](std::int64_t g) {
        const std::int64_t y = g - 1;
        if (y < first) return;
        std::uint8_t* row = c + y * W_;
        suppress_row(rows, y, low, high, row);
        if (mask_ != nullptr) {
          for (std::int64_t x = 1; x + 1 < W_; ++x) {
            if (row[x] != 0 && !inside_eroded_mask(y * W_ + x)) row[x] = 0;
          }
        }
      });
      flood_rows(c, W_, y0, y1);
    });
    for (std::int64_t y = chunk_rows_; y < H_; y += chunk_rows_) join_rows(c, H_, W_, y);
    keep_reached(c, H_ * W_);
  }

 private:
  // Calls visit(y0, y1, rows) for chunks of chunk_rows_ rows in parallel. Each thread takes
  // the next chunk left rather than a fixed share: on a busy machine one thread may start
  // late, and the other then does its part.
  template <typename Visit>
  void for_each_chunk(Visit&& visit) const {
    const std::int64_t chunks = (H_ + chunk_rows_ - 1) / chunk_rows_;
    const std::int64_t lanes = std::min<std::int64_t>(chunks, get_num_threads());
    std::atomic<std::int64_t> next{0};
    parallel_for(0, lanes, 1, [&](std::int64_t, std::int64_t) {
      Rows<R> rows(W_, radius_, mask_ != nullptr);
      for (std::int64_t b = next++; b < chunks; b = next++) {
        visit(b * chunk_rows_, std::min(H_, (b + 1) * chunk_rows_), rows);
      }
    });
  }

  // Computes the gradient rows g0 .. g1 - 1 in order, calling on_row(g) after each; the
  // rings then still hold the gradients of rows g - 2 .. g. The smoothed rows g0 - 1 .. g1
  // are reflected at the image edges (ndi.sobel's mode); each needs the input rows r around
  // it, read under the Gaussian's border rule as the smoothed row number grows.
  template <typename OnRow>
  void stream(std::int64_t g0, std::int64_t g1, Rows<R>& rows, OnRow&& on_row) const {
    const std::int64_t r = radius_;
    std::int64_t next_input = border_index(g0 - 1, H_, BorderMode::Reflect) - r;
    for (std::int64_t v = g0 - 1; v <= g1; ++v) {
      const std::int64_t s = border_index(v, H_, BorderMode::Reflect);
      for (; next_input <= s + r; ++next_input) load_input_row(next_input, rows);
      smoothed_row(s, rows, rows.smoothed(v), rows.dx(v));
      const std::int64_t g = v - 1;
      if (g < g0) continue;
      gradient_row(rows.smoothed(g - 1), rows.smoothed(g + 1), rows.dx(g - 1), rows.dx(g),
                   rows.dx(g + 1), W_, rows.dy, rows.di(g), rows.dj(g), rows.magnitude(g));
      on_row(g);
    }
  }

  // Non-maximum suppression of row y (0 < y < H - 1) into c, from the gradients of rows
  // y - 1 .. y + 1 in the rings. Only the runs of 16-pixel blocks that hold a candidate are
  // looked at: flat regions (air, the table) hold none.
  void suppress_row(Rows<R>& rows, std::int64_t y, R low, R high, std::uint8_t* c) const {
    constexpr std::int64_t kBlock = 16;
    const R* up = rows.magnitude(y - 1);
    const R* mid = rows.magnitude(y);
    const R* down = rows.magnitude(y + 1);
    flag_candidates(mid, W_, low, c);
    c[0] = 0;
    c[W_ - 1] = 0;
    auto active = [&](std::int64_t x) { return any_flag(c + x, std::min(kBlock, W_ - x)); };
    for (std::int64_t x = 0; x < W_;) {
      if (!active(x)) {
        x += kBlock;
        continue;
      }
      std::int64_t end = x + kBlock;
      while (end < W_ && active(end)) end += kBlock;
      suppress_span(up, mid, down, rows.di(y), rows.dj(y), std::max<std::int64_t>(x, 1),
                    std::min(end, W_ - 1), low, high, rows.code, c);
      x = end;
    }
  }

  // The mask eroded by the 3 x 3 square with a zero border (pixel p is not on the border).
  bool inside_eroded_mask(std::int64_t p) const {
    for (std::int64_t d = -W_; d <= W_; d += W_) {
      if (!mask_[p + d - 1] || !mask_[p + d] || !mask_[p + d + 1]) return false;
    }
    return true;
  }

  // Whether the Gaussian of row y reads no fill rows (every row but the first and last r
  // under a Constant border): its smoothed row of ones is then the same as any other's.
  bool inside_rows(std::int64_t y) const {
    return border_ != BorderMode::Constant || (y >= radius_ && y + radius_ < H_);
  }

  // img_as_float of input row v (any row number; outside the image under the border rule)
  // into its ring slot: floats as they are, bool as 0/1, integers times 1 / max (and at
  // least -1 when signed); with a mask, the image is zeroed outside it (skimage masks the
  // image before smoothing) and the mask stored as 0/1 (fill beyond a Constant border).
  void load_input_row(std::int64_t v, Rows<R>& rows) const {
    const std::int64_t i = border_index(v, H_, border_);
    double* row = rows.input(v);
    if (i < 0) {
      std::fill(row, row + W_, fill_);
    } else {
      convert_row(image_ + i * W_, row);
    }
    if (mask_ != nullptr) {
      double* mask_row = rows.mask(v);
      const bool* m = mask_ + (i < 0 ? 0 : i * W_);
      for (std::int64_t x = 0; x < W_; ++x) {
        if (i >= 0 && !m[x]) row[x] = 0.0;
        mask_row[x] = i < 0 ? fill_ : (m[x] ? 1.0 : 0.0);
      }
    }
  }

  // load_input_row's conversion of one image row.
  MEDIMG_SIMD_CLONES
  void convert_row(const T* __restrict in, double* __restrict out) const {
    if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, bool>) {
      for (std::int64_t x = 0; x < W_; ++x) out[x] = static_cast<double>(in[x]);
    } else {
      const double scale = scale_;
      for (std::int64_t x = 0; x < W_; ++x) {
        const double v = static_cast<double>(in[x]) * scale;
        out[x] = std::is_signed_v<T> && v < -1.0 ? -1.0 : v;
      }
    }
  }

  // Row s of gaussian(masked image) / (gaussian(mask) + eps), skimage's _preprocess, into
  // `out` (in R) and its x-derivative into `dx`; the input ring holds rows s - r .. s + r.
  void smoothed_row(std::int64_t s, Rows<R>& rows, R* out, R* dx) const {
    const double eps = std::numeric_limits<double>::epsilon();
    const std::int64_t r = radius_;
    const double* denominator = rows.bleed;
    if (weights_.empty()) {  // sigma 0: scipy leaves the image as it is
      std::copy(rows.input(s), rows.input(s) + W_, rows.row);
      for (std::int64_t x = 0; x < W_; ++x) {
        rows.bleed[x] = (rows.has_mask() ? rows.mask(s)[x] : 1.0) + eps;
      }
    } else {
      for (std::int64_t k = -r; k <= r; ++k) rows.taps[k + r] = rows.input(s + k);
      gaussian_row(rows, true, rows.row);
      if (rows.has_mask()) {
        for (std::int64_t k = -r; k <= r; ++k) rows.taps[k + r] = rows.mask(s + k);
        gaussian_row(rows, false, rows.bleed);
        for (std::int64_t x = 0; x < W_; ++x) rows.bleed[x] += eps;
      } else if (!inside_bleed_.empty() && inside_rows(s)) {
        denominator = inside_bleed_.data();
      } else {
        smoothed_ones_row(s, rows.bleed);
      }
    }
    divide_and_derive(rows.row, denominator, W_, out, dx);
  }

  // scipy's gaussian_filter of one row: the vertical pass over rows.taps, stored in R
  // (round_to_r) as scipy's intermediate array, then the horizontal pass over that row
  // padded by the border rule (only the r columns beyond each edge need it).
  void gaussian_row(Rows<R>& rows, bool round_to_r, double* out) const {
    const std::int64_t r = radius_;
    const double* w = weights_.data() + r;
    double* line = rows.line + r;  // on a 64-byte boundary
    correlate_taps(rows.taps, w, r, W_, line);
    if (round_to_r && !std::is_same_v<R, double>) {
      for (std::int64_t x = 0; x < W_; ++x) line[x] = static_cast<double>(static_cast<R>(line[x]));
    }
    for (std::int64_t p = -r; p < 0; ++p) {
      const std::int64_t i = border_index(p, W_, border_);
      line[p] = i < 0 ? fill_ : line[i];
    }
    for (std::int64_t p = W_; p < W_ + r; ++p) {
      const std::int64_t i = border_index(p, W_, border_);
      line[p] = i < 0 ? fill_ : line[i];
    }
    for (std::int64_t k = -r; k <= r; ++k) rows.taps[k + r] = line + k;
    correlate_taps(rows.taps, w, r, W_, out);
  }

  // gaussian(ones) + eps of row y in float64 with scipy's arithmetic: every tap reads 1 (or
  // the fill value beyond a Constant border), so away from the left and right edges all
  // columns of a row hold the same value and only the 2r edge columns need their own sums.
  void smoothed_ones_row(std::int64_t y, double* out) const {
    const std::int64_t r = radius_;
    const double* w = weights_.data() + r;
    auto tap_y = [&](std::int64_t k) { return border_index(y + k, H_, border_) < 0 ? fill_ : 1.0; };
    double column = tap_y(0) * w[0];
    for (std::int64_t k = -r; k < 0; ++k) column += (tap_y(k) + tap_y(-k)) * w[k];
    auto at = [&](std::int64_t x) {
      auto tap_x = [&](std::int64_t p) {
        return border_index(p, W_, border_) < 0 ? fill_ : column;
      };
      double sum = tap_x(x) * w[0];
      for (std::int64_t k = -r; k < 0; ++k) sum += (tap_x(x + k) + tap_x(x - k)) * w[k];
      return sum;
    };
    const double eps = std::numeric_limits<double>::epsilon();
    const double inside = at(std::min<std::int64_t>(r, W_ - 1)) + eps;
    for (std::int64_t x = 0; x < W_; ++x) {
      out[x] = x >= r && x + r < W_ ? inside : at(x) + eps;
    }
  }

  const T* image_;
  const bool* mask_;
  std::int64_t H_, W_;
  std::int64_t chunk_rows_;
  BorderMode border_;
  double fill_;
  double scale_ = 1.0;
  std::vector<double> weights_;
  std::int64_t radius_ = 0;
  std::vector<double> inside_bleed_;  // gaussian(ones) + eps of the inside rows, no mask
};

template <typename T, typename R>
at::Tensor canny_typed(const at::Tensor& image, const bool* mask, const CannyOptions& options,
                       double low, double high) {
  const std::int64_t H = image.size(0), W = image.size(1), n = H * W;
  const Canny<T, R> canny(image, mask, options);
  if (options.use_quantiles) {
    std::unique_ptr<R[]> magnitude(new R[n]);
    canny.magnitudes(magnitude.get());
    const std::vector<double> values(magnitude.get(), magnitude.get() + n);
    low = quantile(values, low);
    high = quantile(values, high);
  }
  at::Tensor edges = at::empty({H, W}, at::TensorOptions().dtype(at::kByte));
  std::uint8_t* c = edges.data_ptr<std::uint8_t>();
  // numpy compares the float32 magnitude with the threshold cast to float32.
  canny.edges(static_cast<R>(low), static_cast<R>(high), c);
  return edges.view(at::kBool);
}

}  // namespace

at::Tensor canny(const at::Tensor& image, const CannyOptions& options) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "canny: expected a tensor, got an undefined one");
  MEDIMG_CHECK(image.dim() == 2 && image.numel() > 0, ShapeError,
               "canny: expected a non-empty (Y, X) image, got shape ", image.sizes());
  MEDIMG_CHECK(image.device().is_cpu(), Unsupported, "canny: expected a CPU tensor, got ",
               image.device());
  MEDIMG_CHECK(std::isfinite(options.sigma) && options.sigma >= 0, ArgumentError,
               "canny: sigma must be finite and >= 0, got ", options.sigma);
  at::Tensor mask;
  if (options.mask.defined()) {
    MEDIMG_CHECK(options.mask.sizes() == image.sizes(), ShapeError,
                 "canny: mask must have the image's shape ", image.sizes(), ", got ",
                 options.mask.sizes());
    mask = detail::binary(options.mask);
  }
  // skimage: unset thresholds are 10% / 20% of the range after img_as_float; given ones
  // are divided by the dtype's maximum (or are quantiles).
  const double scale = detail::dtype_max(image.scalar_type());
  auto resolve = [&](const std::optional<double>& given, double fallback, const char* name) {
    if (!given) return fallback;
    MEDIMG_CHECK(!std::isnan(*given), ArgumentError, "canny: ", name, " is NaN");
    if (options.use_quantiles) {
      MEDIMG_CHECK(*given >= 0.0 && *given <= 1.0, ArgumentError, "canny: ", name,
                   " must be a quantile in [0, 1] with use_quantiles, got ", *given);
      return *given;
    }
    return *given / scale;
  };
  const double low = resolve(options.low_threshold, 0.1, "low_threshold");
  const double high = resolve(options.high_threshold, 0.2, "high_threshold");
  MEDIMG_CHECK(low <= high, ArgumentError,
               "canny: low_threshold must not exceed high_threshold, got ", low, " > ", high);
  const at::Tensor voxels = image.contiguous();
  const bool* m = mask.defined() ? mask.data_ptr<bool>() : nullptr;
  return dispatch_dtype<2>(voxels, [&](auto view) {
    using T = std::remove_const_t<typename decltype(view)::value_type>;
    using R = std::conditional_t<std::is_same_v<T, float>, float, double>;
    return canny_typed<T, R>(voxels, m, options, low, high);
  });
}

}  // namespace medimg
