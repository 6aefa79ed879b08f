// Per-channel normalisation: min-max, z-score, percentile clipping (preprocess/intensity.hpp).
#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "detail/channels.hpp"
#include "medimg/preprocess/intensity.hpp"

namespace medimg {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Count, sum, min and max of one block of a channel's voxels, and whether all were finite.
struct Summary {
  std::int64_t count = 0;
  double sum = 0, min = kInf, max = -kInf;
  bool finite = true;

  static Summary merge(const Summary& a, const Summary& b) {
    return {a.count + b.count, a.sum + b.sum, std::min(a.min, b.min), std::max(a.max, b.max),
            a.finite && b.finite};
  }
};

// Which voxels a statistic counts: a mask (may be null), and with `nonzero` only x != 0.
struct Selection {
  const bool* mask = nullptr;
  bool nonzero = false;
  bool operator()(std::int64_t i, double x) const {
    return (mask == nullptr || mask[i]) && (!nonzero || x != 0);
  }
};

// x clamped to an optional range; the identity when there is none.
struct Clamp {
  double low = -kInf, high = kInf;
  double operator()(double x) const { return std::min(std::max(x, low), high); }
};

template <typename T>
Summary summarize(const T* x, std::int64_t n, const Selection& selected, const Clamp& clamp) {
  return detail::reduce_blocks(
      n, Summary{},
      [&](std::int64_t first, std::int64_t last) {
        Summary s;
        for (std::int64_t i = first; i < last; ++i) {
          if (!detail::is_finite(x[i])) {
            s.finite = false;
            continue;
          }
          const double v = clamp(static_cast<double>(x[i]));
          if (!selected(i, v)) continue;
          ++s.count;
          s.sum += v;
          s.min = std::min(s.min, v);
          s.max = std::max(s.max, v);
        }
        return s;
      },
      Summary::merge);
}

// Sum of squared deviations from `mean` of the selected voxels (the second of two passes).
template <typename T>
double squared_deviations(const T* x, std::int64_t n, const Selection& selected, const Clamp& clamp,
                          double mean) {
  return detail::reduce_blocks(
      n, 0.0,
      [&](std::int64_t first, std::int64_t last) {
        double m2 = 0;
        for (std::int64_t i = first; i < last; ++i) {
          const double v = clamp(static_cast<double>(x[i]));
          if (selected(i, v)) m2 += (v - mean) * (v - mean);
        }
        return m2;
      },
      [](double a, double b) { return a + b; });
}

void check_finite(const Summary& s, std::int64_t channel, const char* function) {
  MEDIMG_CHECK(s.finite, ArgumentError, function, ": channel ", channel,
               " has NaN or infinite voxels; replace them first (e.g. torch.nan_to_num)");
}

// Applies y = f(i, double(x[i])) to every voxel of every channel of `voxels` (the image's,
// contiguous); f_for(c, x, n) gives channel c's f.
template <typename MakeF>
Image map_channels(const Image& image, const at::Tensor& voxels, MakeF&& f_for) {
  at::Tensor out = at::empty(
      voxels.sizes(), at::TensorOptions().dtype(detail::intensity_dtype(voxels.scalar_type())));
  const std::int64_t n = detail::channel_numel(voxels);
  detail::dispatch_data(voxels, [&](const auto* x) {
    detail::dispatch_output(out, [&](auto* y) {
      using O = std::remove_pointer_t<decltype(y)>;
      for (std::int64_t c = 0; c < voxels.size(0); ++c) {
        const auto* xc = x + c * n;
        O* yc = y + c * n;
        const auto f = f_for(c, xc, n);
        detail::for_blocks(n, [&](std::int64_t first, std::int64_t last) {
          for (std::int64_t i = first; i < last; ++i) {
            yc[i] = static_cast<O>(f(i, static_cast<double>(xc[i])));
          }
        });
      }
    });
  });
  return image.with_tensor(out);
}

// ---- percentiles --------------------------------------------------------------------------

// numpy's _lerp: symmetric about t = 0.5 and exact at both ends.
double lerp(double a, double b, double t) {
  const double d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

// Order statistics of the selected voxels of one channel.
class OrderStatistics {
 public:
  virtual ~OrderStatistics() = default;
  virtual std::int64_t count() const = 0;
  // The k-th smallest (0-based) value; calls come with non-decreasing k.
  virtual double at(std::int64_t k) = 0;

  // np.percentile(values, q) with method "linear", in float64.
  double percentile(double q) {
    const std::int64_t n = count();
    const double virtual_index = static_cast<double>(n - 1) * (q / 100);
    if (virtual_index >= static_cast<double>(n - 1)) return at(n - 1);
    const auto below = static_cast<std::int64_t>(std::floor(virtual_index));
    const double a = at(below), b = at(below + 1);
    return lerp(a, b, virtual_index - static_cast<double>(below));
  }
};

// Small integer types: a counting histogram, no copy.
class CountedStatistics : public OrderStatistics {
 public:
  template <typename T>
  CountedStatistics(const T* x, std::int64_t n, const Selection& selected)
      : counts_(std::size_t{1} << 16, 0) {
    for (std::int64_t i = 0; i < n; ++i) {
      if (!selected(i, static_cast<double>(x[i]))) continue;
      ++counts_[static_cast<std::size_t>(static_cast<std::int64_t>(x[i]) + kOffset)];
      ++count_;
    }
  }
  std::int64_t count() const override { return count_; }
  double at(std::int64_t k) override {
    if (k < seen_) {  // an earlier rank: count again from the start
      seen_ = 0;
      bin_ = 0;
    }
    while (seen_ + counts_[bin_] <= k) seen_ += counts_[bin_++];
    return static_cast<double>(static_cast<std::int64_t>(bin_) - kOffset);
  }

 private:
  static constexpr std::int64_t kOffset = 32768;
  std::vector<std::int64_t> counts_;
  std::int64_t count_ = 0, seen_ = 0;
  std::size_t bin_ = 0;
};

// Other types: a copy of the selected values, partitioned with nth_element.
template <typename T>
class PartitionedStatistics : public OrderStatistics {
 public:
  PartitionedStatistics(const T* x, std::int64_t n, const Selection& selected) {
    for (std::int64_t i = 0; i < n; ++i) {
      if (selected(i, static_cast<double>(x[i]))) values_.push_back(x[i]);
    }
  }
  std::int64_t count() const override { return static_cast<std::int64_t>(values_.size()); }
  double at(std::int64_t k) override {
    // After placing rank `last_`, everything before it is <= it and everything after >= it,
    // so the next rank needs only one side.
    const auto begin = values_.begin();
    if (last_ < 0) {
      std::nth_element(begin, begin + k, values_.end());
    } else if (k == last_ + 1) {
      std::iter_swap(begin + k, std::min_element(begin + k, values_.end()));
    } else if (k > last_) {
      std::nth_element(begin + last_ + 1, begin + k, values_.end());
    } else if (k < last_) {
      std::nth_element(begin, begin + k, begin + last_);
    }
    last_ = k;
    return static_cast<double>(values_[static_cast<std::size_t>(k)]);
  }

 private:
  std::vector<T> values_;
  std::int64_t last_ = -1;
};

template <typename T>
IntensityRange percentiles_of(const T* x, std::int64_t n, const Selection& selected, double lower,
                              double upper, std::int64_t channel) {
  auto statistics = [&]() -> std::unique_ptr<OrderStatistics> {
    if constexpr (std::is_integral_v<T> && sizeof(T) <= 2) {
      return std::make_unique<CountedStatistics>(x, n, selected);
    } else {
      return std::make_unique<PartitionedStatistics<T>>(x, n, selected);
    }
  }();
  MEDIMG_CHECK(statistics->count() > 0, ArgumentError, "channel_percentiles: channel ", channel,
               " has no selected voxel (empty mask, or no non-zero voxel)");
  const double low = statistics->percentile(lower);
  return {low, statistics->percentile(upper)};
}

void check_percentiles(double lower, double upper) {
  MEDIMG_CHECK(lower >= 0 && lower <= upper && upper <= 100, ArgumentError,
               "percentiles must satisfy 0 <= lower <= upper <= 100, got lower=", lower,
               ", upper=", upper);
}

// One value for every channel or one per channel.
double per_channel(const std::vector<double>& values, std::int64_t c) {
  return values.size() == 1 ? values[0] : values[static_cast<std::size_t>(c)];
}

void check_zscore_options(const ZScoreOptions& o, std::int64_t channels) {
  MEDIMG_CHECK(o.mean().empty() == o.stddev().empty(), ArgumentError,
               "normalize_zscore: give both mean and std, or neither");
  for (const auto* values : {&o.mean(), &o.stddev()}) {
    MEDIMG_CHECK(values->empty() || values->size() == 1 ||
                     static_cast<std::int64_t>(values->size()) == channels,
                 ArgumentError, "normalize_zscore: mean and std need ",
                 channels == 1 ? std::string("1 value")
                               : detail::concat("1 or ", channels, " values (one per channel)"),
                 ", got ", values->size());
  }
  for (double m : o.mean()) {
    MEDIMG_CHECK(std::isfinite(m), ArgumentError, "normalize_zscore: mean must be finite, got ", m);
  }
  for (double s : o.stddev()) {
    MEDIMG_CHECK(std::isfinite(s) && s > 0, ArgumentError,
                 "normalize_zscore: std must be finite and > 0, got ", s);
  }
  if (o.clip()) {
    MEDIMG_CHECK(!std::isnan(o.clip()->first) && !std::isnan(o.clip()->second) &&
                     o.clip()->first <= o.clip()->second,
                 ArgumentError,
                 "normalize_zscore: clip must be (low, high) with low <= high, got (",
                 o.clip()->first, ", ", o.clip()->second, ")");
  }
}

}  // namespace

Image normalize_minmax(const Image& image, double output_min, double output_max) {
  MEDIMG_CHECK(std::isfinite(output_min) && std::isfinite(output_max), ArgumentError,
               "normalize_minmax: the output range must be finite, got (", output_min, ", ",
               output_max, ")");
  const at::Tensor voxels = detail::contiguous_voxels(image, "normalize_minmax");
  return map_channels(image, voxels, [&](std::int64_t c, const auto* x, std::int64_t n) {
    const Summary s = summarize(x, n, Selection{}, Clamp{});
    check_finite(s, c, "normalize_minmax");
    const double low = s.min, range = s.max - s.min, span = output_max - output_min;
    return [=](std::int64_t, double v) {
      return range == 0 ? output_min : (v - low) / range * span + output_min;
    };
  });
}

Image normalize_zscore(const Image& image, const ZScoreOptions& o) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "normalize_zscore needs a defined image");
  check_zscore_options(o, image.channels());
  const at::Tensor voxels = detail::contiguous_voxels(image, "normalize_zscore");
  const detail::ChannelMask mask(o.mask(), voxels, "normalize_zscore's mask");
  const Clamp clamp = o.clip() ? Clamp{o.clip()->first, o.clip()->second} : Clamp{};
  return map_channels(image, voxels, [&](std::int64_t c, const auto* x, std::int64_t n) {
    const Selection selected{mask.channel(c), o.nonzero()};
    const Summary s = summarize(x, n, selected, clamp);
    check_finite(s, c, "normalize_zscore");
    MEDIMG_CHECK(s.count > 0 || !mask.defined(), ArgumentError,
                 "normalize_zscore: the mask "
                 "selects no voxel",
                 o.nonzero() ? " with a non-zero value" : "", " in channel ", c);
    double mean = 0, stddev = 1;
    if (!o.mean().empty()) {
      mean = per_channel(o.mean(), c);
      stddev = per_channel(o.stddev(), c);
    } else if (s.count > 0) {
      mean = s.sum / static_cast<double>(s.count);
      stddev =
          std::sqrt(squared_deviations(x, n, selected, clamp, mean) / static_cast<double>(s.count));
      if (stddev == 0) stddev = 1;  // MONAI: a constant channel becomes zeros
    }
    const bool keep_zeros = o.nonzero();
    return [=](std::int64_t, double v) {
      v = clamp(v);
      return keep_zeros && v == 0 ? v : (v - mean) / stddev;
    };
  });
}

std::vector<IntensityRange> channel_percentiles(const Image& image, double lower, double upper,
                                                const at::Tensor& mask_tensor, bool nonzero) {
  check_percentiles(lower, upper);
  const at::Tensor voxels = detail::contiguous_voxels(image, "channel_percentiles");
  const detail::ChannelMask mask(mask_tensor, voxels, "channel_percentiles's mask");
  const std::int64_t n = detail::channel_numel(voxels);
  std::vector<IntensityRange> ranges(static_cast<std::size_t>(voxels.size(0)));
  detail::dispatch_data(voxels, [&](const auto* x) {
    // Channels in parallel: each one's selection is a serial pass.
    parallel_for(0, voxels.size(0), 1, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t c = first; c < last; ++c) {
        const auto* xc = x + c * n;
        check_finite(summarize(xc, n, Selection{}, Clamp{}), c, "channel_percentiles");
        ranges[c] = percentiles_of(xc, n, Selection{mask.channel(c), nonzero}, lower, upper, c);
      }
    });
  });
  return ranges;
}

Image clip_percentile(const Image& image, double lower, double upper, const at::Tensor& mask,
                      bool nonzero) {
  const auto ranges = channel_percentiles(image, lower, upper, mask, nonzero);
  const at::Tensor voxels = detail::contiguous_voxels(image, "clip_percentile");
  return map_channels(image, voxels, [&](std::int64_t c, const auto*, std::int64_t) {
    const Clamp clamp{ranges[c].first, ranges[c].second};
    return [clamp](std::int64_t, double v) { return clamp(v); };
  });
}

}  // namespace medimg
