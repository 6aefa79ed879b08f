#include "medimg/classic/edges.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "detail/components.hpp"
#include "detail/correlate.hpp"
#include "detail/float_image.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/detail/border_index.hpp"

// The filter loops are compiled twice where the toolchain can pick a clone at load time
// (x86-64 Linux: GCC/Clang ifuncs): for AVX2 and for the baseline.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define MEDIMG_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MEDIMG_AVX2_CLONES
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

// One pixel of skimage's _get_local_maxima. Its four direction classes overwrite each other
// in order, so the last that applies decides: 135-180 degrees (anti-diagonal signs,
// |di| >= |dj|), else 90-135 (anti-diagonal), else 45-90 (diagonal, |di| <= |dj|), else 0-45.
// The class is picked without branches (it is random from pixel to pixel), then both
// interpolated neighbours are compared with m: c2 * w + c1 * (1 - w) <= m, in R as numpy.
template <typename R>
inline __attribute__((always_inline)) bool local_maximum(const R* mag, std::int64_t W,
                                                         std::int64_t p, R di, R dj) {
  const R m = mag[p];
  const R ai = std::abs(di), aj = std::abs(dj);
  const bool anti = (di <= 0 && dj >= 0) || (di >= 0 && dj <= 0);
  const int k = anti ? (ai >= aj ? 0 : 1) : (ai <= aj ? 2 : 3);
  // Offsets of c1 and c2 on the "plus" side; the "minus" side mirrors them.
  const std::int64_t o1[4] = {-W, 1, 1, W};
  const std::int64_t o2[4] = {-W + 1, -W + 1, W + 1, W + 1};
  const bool by_x = k == 0 || k == 3;  // w = |dj| / |di|, else |di| / |dj|
  const R w = (by_x ? aj : ai) / (by_x ? ai : aj);
  const R plus = mag[p + o2[k]] * w + mag[p + o1[k]] * (R(1) - w);
  const R minus = mag[p - o2[k]] * w + mag[p - o1[k]] * (R(1) - w);
  return (plus <= m) & (minus <= m);
}

// Per-thread rows of one band: the input as float64 (img_as_float, masked) and the mask,
// over the rows the Gaussian reaches; smoothed rows and their x-derivative; the gradients;
// line buffers. The memory is a per-thread arena kept between calls: fresh pages cost more
// here than the filtering itself (core/detail/huge_pages.hpp).
template <typename R>
struct Band {
  // `rows` gradient rows need rows + 2 smoothed rows and rows + 2 + 2 radius input rows.
  Band(std::int64_t width, std::int64_t rows, std::int64_t radius, bool with_mask) {
    const std::int64_t input_rows = rows + 2 + 2 * radius;
    const std::int64_t doubles = (with_mask ? 2 : 1) * input_rows * width + 2 * radius +
                                 4 * width;
    const std::int64_t reals = 2 * (rows + 2) * width + 3 * rows * width + width;
    thread_local std::vector<double> arena_d;
    thread_local std::vector<R> arena_r;
    if (static_cast<std::int64_t>(arena_d.size()) < doubles) arena_d.resize(doubles);
    if (static_cast<std::int64_t>(arena_r.size()) < reals) arena_r.resize(reals);
    double* d = arena_d.data();
    input = d;
    d += input_rows * width;
    mask = with_mask ? d : nullptr;
    d += with_mask ? input_rows * width : 0;
    line = d;
    d += width + 2 * radius;
    acc = d;
    d += width;
    row = d;
    d += width;
    bleed = d;
    R* f = arena_r.data();
    smoothed = f;
    dx = f + (rows + 2) * width;
    di = dx + (rows + 2) * width;
    dj = di + rows * width;
    magnitude = dj + rows * width;
    dy = magnitude + rows * width;
  }
  double *input, *mask, *line, *acc, *row, *bleed;
  R *smoothed, *dx, *di, *dj, *magnitude, *dy;
};

// skimage.feature.canny on images of dtype T, computed in R (float for float32 images,
// double otherwise) band by band: 32 rows at a time go from the input through smoothing and
// Sobel to the gradient while they stay in cache. Values are rounded to R where scipy rounds
// (after each 1D pass), so the results are scikit-image's.
template <typename T, typename R>
class Canny {
 public:
  static constexpr std::int64_t kBandRows = 32;

  Canny(const at::Tensor& image, const bool* mask, const CannyOptions& options)
      : image_(static_cast<const T*>(image.data_ptr())), mask_(mask), H_(image.size(0)),
        W_(image.size(1)), border_(options.border), fill_(options.fill_value) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      scale_ = 1.0 / detail::dtype_max(scalar_type_of<T>());
    }
    if (options.sigma > 1e-15) weights_ = detail::gaussian_weights(options.sigma, 4.0);
    radius_ = weights_.empty() ? 0 : static_cast<std::int64_t>(weights_.size() / 2);
  }

  // The gradient magnitude of every pixel (for quantile thresholds).
  void magnitudes(R* out) const {
    for_each_band([&](std::int64_t y0, std::int64_t y1, std::int64_t g0, const Band<R>& band) {
      std::copy(band.magnitude + (y0 - g0) * W_, band.magnitude + (y1 - g0) * W_,
                out + y0 * W_);
    });
  }

  // Non-maximum suppression: candidate[p] = 2 for local maxima >= high, 1 for those >= low,
  // 0 elsewhere (the outer ring and outside the eroded mask included). Returns the strong
  // pixels, band by band, for the hysteresis to start from.
  std::vector<std::vector<std::int64_t>> candidates(R low, R high,
                                                    std::uint8_t* candidate) const {
    std::vector<std::vector<std::int64_t>> strong((H_ + kBandRows - 1) / kBandRows);
    for_each_band([&](std::int64_t y0, std::int64_t y1, std::int64_t g0, const Band<R>& band) {
      for (std::int64_t y = y0; y < y1; ++y) {
        std::uint8_t* c = candidate + y * W_;
        std::fill(c, c + W_, std::uint8_t{0});
        if (y == 0 || y == H_ - 1) continue;
        const R* mag = band.magnitude + (y - g0) * W_;
        // Mark the pixels at or above `low` first (a loop that vectorises), then visit
        // only those, eight flags at a time.
        for (std::int64_t x = 1; x < W_ - 1; ++x) c[x] = (mag[x] > 0) & (mag[x] >= low);
        for (std::int64_t x = 1; x < W_ - 1; ++x) {
          if (x + 8 <= W_ - 1) {
            std::uint64_t flags;
            std::memcpy(&flags, c + x, 8);
            if (flags == 0) {
              x += 7;
              continue;
            }
          }
          if (c[x] == 0) continue;
          const std::int64_t p = (y - g0) * W_ + x;  // in the band's rows
          const bool keep = (mask_ == nullptr || inside_eroded_mask(y * W_ + x)) &&
                            local_maximum(band.magnitude, W_, p, band.di[p], band.dj[p]);
          c[x] = keep ? (mag[x] >= high ? 2 : 1) : 0;
          if (c[x] == 2) strong[y0 / kBandRows].push_back(y * W_ + x);
        }
      }
    });
    return strong;
  }

 private:
  // Calls visit(y0, y1, g0, band) for bands of kBandRows rows in parallel, the band holding
  // the gradients of rows g0 .. min(H, y1 + 1) (one row of margin each side). Threads take
  // every T-th band rather than a contiguous block: the edges (the costly part) are rarely
  // spread evenly from top to bottom.
  template <typename Visit>
  void for_each_band(Visit&& visit) const {
    const std::int64_t bands = (H_ + kBandRows - 1) / kBandRows;
    const std::int64_t lanes = std::min<std::int64_t>(bands, get_num_threads());
    parallel_for(0, lanes, 1, [&](std::int64_t l0, std::int64_t l1) {
      Band<R> band(W_, kBandRows + 2, radius_, mask_ != nullptr);
      for (std::int64_t lane = l0; lane < l1; ++lane) {
        for (std::int64_t b = lane; b < bands; b += lanes) {
          const std::int64_t y0 = b * kBandRows, y1 = std::min(H_, y0 + kBandRows);
          const std::int64_t g0 = std::max<std::int64_t>(0, y0 - 1);
          gradient_rows(g0, std::min(H_, y1 + 1), band);
          visit(y0, y1, g0, band);
        }
      }
    });
  }

  // The mask eroded by the 3 x 3 square with a zero border (pixel p is not on the border).
  bool inside_eroded_mask(std::int64_t p) const {
    for (std::int64_t d = -W_; d <= W_; d += W_) {
      if (!mask_[p + d - 1] || !mask_[p + d] || !mask_[p + d + 1]) return false;
    }
    return true;
  }

  // img_as_float of one row: floats as they are, bool as 0/1, integers times 1 / max (and at
  // least -1 when signed).
  void convert_row(const T* in, double* out) const {
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

  // Gradients of rows [g0, g1) into the band: smoothed rows g0 - 1 .. g1, reflected at the
  // image edges (ndi.sobel's mode), need input rows first - r .. last + r under the
  // Gaussian's border rule. Compiled twice: where the CPU has AVX2 (checked when the library
  // loads) the loops run four doubles wide; without FMA the roundings are the same.
  MEDIMG_AVX2_CLONES
  void gradient_rows(std::int64_t g0, std::int64_t g1, Band<R>& band) const {
    const std::int64_t first = std::max<std::int64_t>(0, g0 - 1);
    const std::int64_t last = std::min(H_ - 1, g1);
    const std::int64_t r = radius_;
    for (std::int64_t v = first - r; v <= last + r; ++v) {
      const std::int64_t i = border_index(v, H_, border_);
      double* row = band.input + (v - first + r) * W_;
      if (i < 0) {
        std::fill(row, row + W_, fill_);
      } else {
        convert_row(image_ + i * W_, row);
      }
      if (mask_ != nullptr) {
        double* mask_row = band.mask + (v - first + r) * W_;
        const bool* m = mask_ + (i < 0 ? 0 : i * W_);
        for (std::int64_t x = 0; x < W_; ++x) {
          if (i >= 0 && !m[x]) row[x] = 0.0;  // skimage masks the image before smoothing
          mask_row[x] = i < 0 ? fill_ : (m[x] ? 1.0 : 0.0);
        }
      }
    }
    for (std::int64_t y = g0 - 1; y <= g1; ++y) {
      const std::int64_t k = y - (g0 - 1);
      smoothed_row(border_index(y, H_, BorderMode::Reflect), first, band,
                   band.smoothed + k * W_);
      derivative_x(band.smoothed + k * W_, band.dx + k * W_);
    }
    for (std::int64_t y = g0; y < g1; ++y) {
      const std::int64_t k = y - (g0 - 1);
      const R* above = band.smoothed + (k - 1) * W_;
      const R* below = band.smoothed + (k + 1) * W_;
      R* dy = band.dy;
      // ndi.sobel's derivative [-1, 0, 1]: (x[-1] - x[+1]) * -1, i.e. x[+1] - x[-1].
      for (std::int64_t x = 0; x < W_; ++x) {
        dy[x] = static_cast<R>(static_cast<double>(below[x]) - static_cast<double>(above[x]));
      }
      const R* dx_above = band.dx + (k - 1) * W_;
      const R* dx_here = band.dx + k * W_;
      const R* dx_below = band.dx + (k + 1) * W_;
      R* i_row = band.di + (y - g0) * W_;
      R* j_row = band.dj + (y - g0) * W_;
      // isobel: derivative along y, then [1, 2, 1] along x; jsobel: the other way round.
      i_row[0] = smooth(dy[0], dy[0], dy[std::min<std::int64_t>(1, W_ - 1)]);
      for (std::int64_t x = 1; x + 1 < W_; ++x) i_row[x] = smooth(dy[x - 1], dy[x], dy[x + 1]);
      if (W_ > 1) i_row[W_ - 1] = smooth(dy[W_ - 2], dy[W_ - 1], dy[W_ - 1]);
      for (std::int64_t x = 0; x < W_; ++x) j_row[x] = smooth(dx_above[x], dx_here[x], dx_below[x]);
      R* m_row = band.magnitude + (y - g0) * W_;
      for (std::int64_t x = 0; x < W_; ++x) {
        // np.hypot: correctly rounded in float32 through double; within an ulp in float64.
        const double a = i_row[x], b = j_row[x];
        m_row[x] = static_cast<R>(std::sqrt(a * a + b * b));
      }
    }
  }

  static R smooth(R left, R centre, R right) {  // scipy's symmetric [1, 2, 1]
    return static_cast<R>(static_cast<double>(centre) * 2.0 +
                          (static_cast<double>(left) + static_cast<double>(right)));
  }

  void derivative_x(const R* s, R* out) const {
    if (W_ == 1) {
      out[0] = R(0);
      return;
    }
    out[0] = static_cast<R>(static_cast<double>(s[1]) - static_cast<double>(s[0]));
    for (std::int64_t x = 1; x + 1 < W_; ++x) {
      out[x] = static_cast<R>(static_cast<double>(s[x + 1]) - static_cast<double>(s[x - 1]));
    }
    out[W_ - 1] = static_cast<R>(static_cast<double>(s[W_ - 1]) - static_cast<double>(s[W_ - 2]));
  }

  // scipy's correlate1d of one row with the Gaussian: the vertical pass reads the band's
  // rows around y, the horizontal one the padded result. `rows` points at row `first` - r.
  // AVX2 and default clones as gradient_rows.
  MEDIMG_AVX2_CLONES
  void gaussian_row(const double* rows, std::int64_t y, std::int64_t first, Band<R>& band,
                    bool round_to_r, double* out) const {
    const std::int64_t r = radius_;
    const double* w = weights_.data() + r;
    double* acc = band.acc;
    const double* centre = rows + (y - first + r) * W_;
    for (std::int64_t x = 0; x < W_; ++x) acc[x] = centre[x] * w[0];
    for (std::int64_t k = -r; k < 0; ++k) {
      const double* a = centre + k * W_;
      const double* b = centre - k * W_;
      const double weight = w[k];
      for (std::int64_t x = 0; x < W_; ++x) acc[x] += (a[x] + b[x]) * weight;
    }
    // The vertical pass's output is stored in R (round_to_r) before the horizontal pass
    // reads it; only the r columns beyond each edge need the border rule.
    double* line = band.line + r;
    if (round_to_r) {
      for (std::int64_t x = 0; x < W_; ++x) line[x] = static_cast<double>(static_cast<R>(acc[x]));
    } else {
      std::copy(acc, acc + W_, line);
    }
    for (std::int64_t p = -r; p < 0; ++p) {
      const std::int64_t i = border_index(p, W_, border_);
      line[p] = i < 0 ? fill_ : line[i];
    }
    for (std::int64_t p = W_; p < W_ + r; ++p) {
      const std::int64_t i = border_index(p, W_, border_);
      line[p] = i < 0 ? fill_ : line[i];
    }
    line -= r;
    for (std::int64_t x = 0; x < W_; ++x) out[x] = line[x + r] * w[0];
    for (std::int64_t k = -r; k < 0; ++k) {
      const double* a = line + r + k;
      const double* b = line + r - k;
      const double weight = w[k];
      for (std::int64_t x = 0; x < W_; ++x) out[x] += (a[x] + b[x]) * weight;
    }
  }

  // Row y of gaussian(masked image) / (gaussian(mask) + eps), skimage's _preprocess.
  void smoothed_row(std::int64_t y, std::int64_t first, Band<R>& band, R* out) const {
    double* bleed = band.bleed;
    if (weights_.empty()) {  // sigma 0: scipy leaves the image as it is
      const double* row = band.input + (y - first) * W_;
      const double* mask_row = band.mask != nullptr ? band.mask + (y - first) * W_ : nullptr;
      for (std::int64_t x = 0; x < W_; ++x) {
        out[x] = static_cast<R>(row[x]);
        bleed[x] = mask_row != nullptr ? mask_row[x] : 1.0;
      }
    } else {
      double* smoothed = band.row;
      gaussian_row(band.input, y, first, band, true, smoothed);
      for (std::int64_t x = 0; x < W_; ++x) out[x] = static_cast<R>(smoothed[x]);
      if (mask_ != nullptr) {
        gaussian_row(band.mask, y, first, band, false, bleed);
      } else {
        smoothed_ones_row(y, bleed);
      }
    }
    const double eps = std::numeric_limits<double>::epsilon();
    for (std::int64_t x = 0; x < W_; ++x) {
      out[x] = static_cast<R>(static_cast<double>(out[x]) / (bleed[x] + eps));
    }
  }

  // gaussian(ones) row y in float64 with scipy's arithmetic: every tap reads 1 (or the fill
  // value beyond a Constant border), so away from the left and right edges all columns of
  // a row hold the same value and only the 2r edge columns need their own sums.
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
    const double inside = at(std::min<std::int64_t>(r, W_ - 1));
    for (std::int64_t x = 0; x < W_; ++x) {
      out[x] = x >= r && x + r < W_ ? inside : at(x);
    }
  }

  const T* image_;
  const bool* mask_;
  std::int64_t H_, W_;
  BorderMode border_;
  double fill_;
  double scale_ = 1.0;
  std::vector<double> weights_;
  std::int64_t radius_ = 0;
};

// Hysteresis in place: flooding from the strong pixels, the 8-connected groups of candidates
// (1 weak, 2 strong) that hold a strong one become 3, then every byte becomes 0 or 1 so that
// the buffer reads as bool.
void hysteresis(std::uint8_t* c, std::int64_t H, std::int64_t W,
                const std::vector<std::vector<std::int64_t>>& strong) {
  const std::array<std::int64_t, 8> neighbours{-W - 1, -W, -W + 1, -1, 1, W - 1, W, W + 1};
  std::vector<std::int64_t> stack;
  for (const std::vector<std::int64_t>& band : strong) {
    for (const std::int64_t p : band) {
      if (c[p] != 2) continue;  // already reached from an earlier strong pixel
      c[p] = 3;
      stack.push_back(p);
      while (!stack.empty()) {
        const std::int64_t q = stack.back();
        stack.pop_back();
        for (const std::int64_t d : neighbours) {
          const std::int64_t r = q + d;  // candidates never lie on the outer ring: r is inside
          if (c[r] == 1 || c[r] == 2) {
            c[r] = 3;
            stack.push_back(r);
          }
        }
      }
    }
  }
  parallel_for(0, H * W, 1 << 16, [c](std::int64_t first, std::int64_t last) {
    for (std::int64_t p = first; p < last; ++p) c[p] = c[p] == 3 ? 1 : 0;
  });
}

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
  hysteresis(c, H, W, canny.candidates(static_cast<R>(low), static_cast<R>(high), c));
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
