#include "medimg/classic/threshold.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <type_traits>

#include "detail/components.hpp"
#include "detail/fresh_tensor.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

// out[i] = keep(double(image[i])) over the flattened image.
template <typename Keep>
at::Tensor compare(const at::Tensor& image, const char* name, Keep keep) {
  MEDIMG_CHECK(image.defined(), ArgumentError, name, ": expected a tensor, got an undefined one");
  at::Tensor out = detail::fresh_tensor(image.sizes(), at::kBool);
  bool* o = out.data_ptr<bool>();
  dispatch_dtype<1>(image.contiguous().reshape({-1}), [&](auto values) {
    parallel_for(0, values.size(0), 1 << 16, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t i = first; i < last; ++i) o[i] = keep(static_cast<double>(values(i)));
    });
  });
  return out;
}

// The values thresholds are computed from: image[mask] flattened, checked.
at::Tensor selected_values(const at::Tensor& image, const at::Tensor& mask, const char* name) {
  MEDIMG_CHECK(image.defined(), ArgumentError, name, ": expected a tensor, got an undefined one");
  MEDIMG_CHECK(image.device().is_cpu(), Unsupported, name, ": expected a CPU tensor, got ",
               image.device());
  at::Tensor values = image.contiguous().reshape({-1});
  if (mask.defined()) {
    MEDIMG_CHECK(mask.sizes() == image.sizes(), ShapeError, name,
                 ": mask must have the image's shape ", image.sizes(), ", got ", mask.sizes());
    values = values.masked_select(detail::binary(mask).reshape({-1}));
  }
  MEDIMG_CHECK(values.numel() > 0, ArgumentError, name,
               mask.defined() ? ": the mask selects no voxel" : ": the image is empty");
  if (values.scalar_type() == at::kBool) values = values.to(at::kByte);
  if (at::isFloatingType(values.scalar_type())) {
    MEDIMG_CHECK(!detail::any_non_finite(values), ArgumentError, name,
                 ": the image holds NaN or infinite values");
  }
  return values;
}

// The smallest and largest value, in parallel.
template <typename T>
std::pair<T, T> min_max(const T* v, std::int64_t n) {
  const std::int64_t chunks = std::max<std::int64_t>(1, std::min<std::int64_t>(
      4 * get_num_threads(), n / (std::int64_t{1} << 16)));
  std::vector<std::pair<T, T>> partial(chunks, {v[0], v[0]});
  parallel_for(0, chunks, 1, [&](std::int64_t k0, std::int64_t k1) {
    for (std::int64_t k = k0; k < k1; ++k) {
      T lo = v[n * k / chunks], hi = lo;
      for (std::int64_t i = n * k / chunks; i < n * (k + 1) / chunks; ++i) {
        lo = std::min(lo, v[i]);
        hi = std::max(hi, v[i]);
      }
      partial[k] = {lo, hi};
    }
  });
  std::pair<T, T> result = partial[0];
  for (const auto& [lo, hi] : partial) {
    result.first = std::min(result.first, lo);
    result.second = std::max(result.second, hi);
  }
  return result;
}

// skimage.exposure.histogram(values, nbins, source_range='image'): counts and bin centres.
struct Histogram {
  std::vector<double> counts;
  std::vector<double> centres;
};

// counts[bin_of(v)] over the values: chunks counted in parallel into their own histograms,
// then summed.
template <typename T, typename BinOf>
std::vector<double> count_bins(const T* v, std::int64_t n, std::int64_t bins, BinOf bin_of) {
  const std::int64_t chunks = std::max<std::int64_t>(1, std::min<std::int64_t>(
      4 * get_num_threads(), n / (std::int64_t{1} << 16)));
  std::vector<std::vector<std::int64_t>> partial(chunks);
  parallel_for(0, chunks, 1, [&](std::int64_t k0, std::int64_t k1) {
    for (std::int64_t k = k0; k < k1; ++k) {
      std::vector<std::int64_t>& counts = partial[k];
      counts.assign(bins, 0);
      for (std::int64_t i = n * k / chunks; i < n * (k + 1) / chunks; ++i) ++counts[bin_of(v[i])];
    }
  });
  std::vector<double> total(bins, 0.0);
  for (const auto& counts : partial) {
    for (std::int64_t b = 0; b < bins; ++b) total[b] += static_cast<double>(counts[b]);
  }
  return total;
}

// Integers: one bin per value in [min, max] (scikit-image ignores nbins).
template <typename T>
Histogram integer_histogram(const T* v, std::int64_t n, T lo, T hi, const char* name) {
  const auto first = static_cast<std::int64_t>(lo);
  const std::int64_t bins = static_cast<std::int64_t>(hi) - first + 1;
  MEDIMG_CHECK(bins <= (std::int64_t{1} << 24), Unsupported, name,
               ": an integer image spanning ", bins,
               " values would need as many histogram bins; convert it to float32 to use nbins");
  Histogram h;
  h.counts = count_bins(v, n, bins, [first](T value) {
    return static_cast<std::int64_t>(value) - first;
  });
  for (std::int64_t b = 0; b < bins; ++b) h.centres.push_back(static_cast<double>(first + b));
  return h;
}

// Floats: numpy.histogram(values, nbins) with numpy's own arithmetic in the values' type F:
// edges from linspace in float64 rounded to F, indices from (v - first) * norm in F, then
// corrected against the edges; centres (edge + next) / 2 in F.
template <typename F>
Histogram float_histogram(const F* v, std::int64_t n, F first, F last, int nbins) {
  std::vector<F> edges(nbins + 1);
  const double step = (static_cast<double>(last) - static_cast<double>(first)) / nbins;
  for (int i = 0; i < nbins; ++i) {
    edges[i] = static_cast<F>(static_cast<double>(i) * step + static_cast<double>(first));
  }
  edges[nbins] = last;
  const F norm = static_cast<F>(static_cast<double>(nbins) / static_cast<double>(F(last - first)));
  Histogram h;
  h.counts = count_bins(v, n, nbins, [&](F value) {
    auto index = static_cast<std::int64_t>(F(F(value - first) * norm));
    if (index == nbins) --index;
    if (value < edges[index]) --index;
    if (index != nbins - 1 && value >= edges[index + 1]) ++index;
    return index;
  });
  for (int i = 0; i < nbins; ++i) {
    h.centres.push_back(static_cast<double>(F(F(edges[i] + edges[i + 1]) / F(2))));
  }
  return h;
}

// The histogram of the values, or nothing when they are all equal (one value).
std::optional<Histogram> histogram(const at::Tensor& values, int nbins, const char* name) {
  return dispatch_dtype<1>(values, [&](auto view) -> std::optional<Histogram> {
    using T = std::remove_const_t<typename decltype(view)::value_type>;
    const T* v = view.data();
    const std::int64_t n = view.size(0);
    const auto [lo, hi] = min_max(v, n);
    if (lo == hi) return std::nullopt;
    if constexpr (std::is_floating_point_v<T>) {
      return float_histogram<T>(v, n, lo, hi, nbins);
    } else {
      return integer_histogram<T>(v, n, lo, hi, name);
    }
  });
}

// skimage's multi-Otsu between-class variance of bins [i, j], from its look-up table
// (_set_var_btwcls_lut), float32 throughout; its (0, 0) entry is never written and stays 0.
class ClassVariance {
 public:
  explicit ClassVariance(const std::vector<float>& prob)
      : zeroth_(prob.size()), first_(prob.size()) {
    zeroth_[0] = first_[0] = prob[0];
    for (std::size_t i = 1; i < prob.size(); ++i) {
      zeroth_[i] = zeroth_[i - 1] + prob[i];
      first_[i] = first_[i - 1] + static_cast<float>(i) * prob[i];
    }
  }

  float operator()(std::int64_t i, std::int64_t j) const {
    if (i == 0) {
      if (j == 0 || !(zeroth_[j] > 0)) return 0.0f;
      return first_[j] * first_[j] / zeroth_[j];
    }
    const float z = zeroth_[j] - zeroth_[i - 1];
    if (!(z > 0)) return 0.0f;
    const float m = first_[j] - first_[i - 1];
    return m * m / z;
  }

 private:
  std::vector<float> zeroth_, first_;
};

// skimage's _set_thresh_indices_lut: every increasing index tuple, in lexicographic order,
// keeping the first with the largest (float32) sum of class variances.
class MultiOtsuSearch {
 public:
  MultiOtsuSearch(const ClassVariance& variance, std::int64_t nbins, int thresholds)
      : variance_(variance), nbins_(nbins), count_(thresholds), current_(thresholds),
        best_(thresholds) {}

  std::vector<std::int64_t> run() {
    visit(0, 0);
    return best_;
  }

 private:
  void visit(std::int64_t from, int k) {
    if (k < count_) {
      for (std::int64_t idx = from; idx < nbins_ - count_ + k; ++idx) {
        current_[k] = idx;
        visit(idx + 1, k + 1);
      }
      return;
    }
    float sigma = variance_(0, current_[0]) + variance_(current_[count_ - 1] + 1, nbins_ - 1);
    for (int i = 0; i < count_ - 1; ++i) sigma += variance_(current_[i] + 1, current_[i + 1]);
    if (sigma > sigma_max_) {
      sigma_max_ = sigma;
      best_ = current_;
    }
  }

  const ClassVariance& variance_;
  std::int64_t nbins_;
  int count_;
  float sigma_max_ = 0.0f;
  std::vector<std::int64_t> current_, best_;
};

}  // namespace

at::Tensor threshold(const at::Tensor& image, double value) {
  return compare(image, "threshold", [value](double v) { return v > value; });
}

at::Tensor threshold_range(const at::Tensor& image, double low, double high) {
  MEDIMG_CHECK(low <= high, ArgumentError, "threshold_range: expected low <= high, got low = ",
               low, " and high = ", high);
  return compare(image, "threshold_range", [low, high](double v) { return v >= low && v <= high; });
}

double threshold_otsu(const at::Tensor& image, int nbins, const at::Tensor& mask) {
  MEDIMG_CHECK(nbins >= 1, ArgumentError, "threshold_otsu: nbins must be >= 1, got ", nbins);
  const at::Tensor values = selected_values(image, mask, "threshold_otsu");
  const std::optional<Histogram> found = histogram(values, nbins, "threshold_otsu");
  // scikit-image returns the value itself when every voxel holds it.
  if (!found) return values[0].to(at::kDouble).item<double>();
  const Histogram& h = *found;
  const std::size_t n = h.counts.size();
  // numpy's cumulative sums, in the same order.
  std::vector<double> weight1(n), weight2(n), mean1(n), mean2(n);
  double w = 0.0, m = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    w += h.counts[i];
    m += h.counts[i] * h.centres[i];
    weight1[i] = w;
    mean1[i] = m / w;
  }
  w = m = 0.0;
  for (std::size_t i = n; i-- > 0;) {
    w += h.counts[i];
    m += h.counts[i] * h.centres[i];
    weight2[i] = w;
    mean2[i] = m / w;
  }
  std::size_t best = 0;
  double best_variance = -1.0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double d = mean1[i] - mean2[i + 1];
    const double variance = weight1[i] * weight2[i + 1] * (d * d);
    if (variance > best_variance) {
      best_variance = variance;
      best = i;
    }
  }
  return h.centres[best];
}

std::vector<double> threshold_multiotsu(const at::Tensor& image, int classes, int nbins,
                                        const at::Tensor& mask) {
  MEDIMG_CHECK(classes >= 2, ArgumentError, "threshold_multiotsu: classes must be >= 2, got ",
               classes);
  MEDIMG_CHECK(nbins >= 1, ArgumentError, "threshold_multiotsu: nbins must be >= 1, got ", nbins);
  const at::Tensor values = selected_values(image, mask, "threshold_multiotsu");
  const std::optional<Histogram> found = histogram(values, nbins, "threshold_multiotsu");
  Histogram h;
  if (found) {
    h = *found;
  } else {  // one value: one non-empty bin, refused below
    h.counts = {static_cast<double>(values.numel())};
    h.centres = {values[0].to(at::kDouble).item<double>()};
  }
  const auto bins = static_cast<std::int64_t>(h.counts.size());
  double total = 0.0;
  for (double c : h.counts) total += c;
  std::vector<float> prob(bins);
  std::int64_t distinct = 0;
  for (std::int64_t i = 0; i < bins; ++i) {
    prob[i] = static_cast<float>(h.counts[i] / total);
    distinct += prob[i] != 0.0f;
  }
  MEDIMG_CHECK(distinct >= classes, ArgumentError, "threshold_multiotsu: the image has only ",
               distinct, " different values; it cannot be thresholded in ", classes, " classes");
  std::vector<std::int64_t> indices;
  if (distinct == classes) {
    for (std::int64_t i = 0; i < bins; ++i) {
      if (prob[i] != 0.0f) indices.push_back(i);
    }
    indices.pop_back();
  } else {
    // The search visits C(bins - 1, classes - 1) tuples; refuse what would run for hours.
    double tuples = 1.0;
    for (int k = 1; k < classes; ++k) tuples *= static_cast<double>(bins - k) / k;
    MEDIMG_CHECK(tuples <= 1e10, ArgumentError, "threshold_multiotsu: ", classes,
                 " classes over ", bins, " bins means ", tuples,
                 " threshold combinations to try; use fewer classes or bins (float input)");
    const ClassVariance variance(prob);
    indices = MultiOtsuSearch(variance, bins, classes - 1).run();
  }
  std::vector<double> thresholds;
  for (auto i : indices) thresholds.push_back(h.centres[i]);
  return thresholds;
}

}  // namespace medimg
