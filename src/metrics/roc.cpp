#include "medimg/metrics/roc.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "detail/class_inputs.hpp"

namespace input = medimg::detail::classification;

namespace medimg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Order-preserving unsigned keys of floating-point scores: key(a) < key(b) iff a < b, and
// equal scores (including -0 and +0) give equal keys.
std::uint32_t key_of(float x) {
  x += 0.0f;  // -0 -> +0
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

std::uint64_t key_of(double x) {
  x += 0.0;
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x8000000000000000ull) ? ~bits : (bits | 0x8000000000000000ull);
}

double value_of(std::uint32_t key) {
  const std::uint32_t bits = (key & 0x80000000u) ? (key & ~0x80000000u) : ~key;
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

double value_of(std::uint64_t key) {
  const std::uint64_t bits =
      (key & 0x8000000000000000ull) ? (key & ~0x8000000000000000ull) : ~key;
  double x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// LSD radix sort with 11-bit digits; digits that every key shares are skipped (the sign and
// exponent bits of scores in [0, 1], for instance).
template <typename Key>
void radix_sort(std::vector<Key>& keys) {
  constexpr int kBits = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  constexpr int kPasses = (static_cast<int>(sizeof(Key)) * 8 + kBits - 1) / kBits;
  const std::size_t n = keys.size();
  if (n < 256) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  std::vector<std::array<std::size_t, kBuckets>> counts(kPasses);
  for (auto& c : counts) c.fill(0);
  for (const Key key : keys) {
    for (int p = 0; p < kPasses; ++p) ++counts[p][(key >> (p * kBits)) & (kBuckets - 1)];
  }
  std::vector<Key> buffer(n);
  for (int p = 0; p < kPasses; ++p) {
    auto& count = counts[p];
    if (std::find(count.begin(), count.end(), n) != count.end()) continue;
    std::size_t offset = 0;
    for (auto& c : count) {
      const std::size_t size = c;
      c = offset;
      offset += size;
    }
    for (const Key key : keys) buffer[count[(key >> (p * kBits)) & (kBuckets - 1)]++] = key;
    keys.swap(buffer);
  }
}

// The scores of the positive and of the negative cases, each sorted ascending as keys.
template <typename Key>
struct SortedScores {
  std::vector<Key> positive, negative;
};

// float32 scores sort as 32-bit keys, every other dtype as float64.
template <typename T>
using KeyOf = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;

// Calls visit(fp, tp, threshold) once per distinct score, scores decreasing, with the
// numbers of negatives (fp) and positives (tp) scoring >= threshold: scikit-learn's
// _binary_clf_curve.
template <typename Key, typename Visit>
void walk_curve(const SortedScores<Key>& s, Visit&& visit) {
  std::size_t i = s.positive.size(), j = s.negative.size();
  std::int64_t tp = 0, fp = 0;
  while (i > 0 || j > 0) {
    const Key v = i == 0   ? s.negative[j - 1]
                  : j == 0 ? s.positive[i - 1]
                           : std::max(s.positive[i - 1], s.negative[j - 1]);
    for (; i > 0 && s.positive[i - 1] == v; --i) ++tp;
    for (; j > 0 && s.negative[j - 1] == v; --j) ++fp;
    visit(fp, tp, value_of(v));
  }
}

// Splits column `column` of `scores` (a (N,) or (N, K) tensor, checked) by is_positive(i),
// sorts both halves and calls f(SortedScores<Key>).
template <typename IsPositive, typename F>
auto with_sorted_scores(const at::Tensor& scores, IsPositive&& is_positive, F&& f) {
  return dispatch_dtype<1>(scores, [&](auto v) {
    using T = std::remove_const_t<std::remove_reference_t<decltype(*v.data())>>;
    using Key = KeyOf<T>;
    using Value = std::conditional_t<std::is_same_v<T, float>, float, double>;
    SortedScores<Key> sorted;
    std::size_t positives = 0;
    for (std::int64_t i = 0; i < v.size(0); ++i) positives += is_positive(i);
    sorted.positive.reserve(positives);
    sorted.negative.reserve(static_cast<std::size_t>(v.size(0)) - positives);
    for (std::int64_t i = 0; i < v.size(0); ++i) {
      const Key key = key_of(static_cast<Value>(v(i)));
      (is_positive(i) ? sorted.positive : sorted.negative).push_back(key);
    }
    parallel_for(0, 2, 1, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t half = first; half < last; ++half) {
        radix_sort(half == 0 ? sorted.positive : sorted.negative);
      }
    });
    return f(sorted);
  });
}

template <typename Key>
double auc_of(const SortedScores<Key>& s) {
  const auto positives = static_cast<std::int64_t>(s.positive.size());
  const auto negatives = static_cast<std::int64_t>(s.negative.size());
  if (positives == 0 || negatives == 0) return kNaN;
  // Twice the trapezoid area in whole units: exact in integers.
  std::int64_t area2 = 0, fp0 = 0, tp0 = 0;
  walk_curve(s, [&](std::int64_t fp, std::int64_t tp, double) {
    area2 += (fp - fp0) * (tp + tp0);
    fp0 = fp;
    tp0 = tp;
  });
  return static_cast<double>(area2) /
         (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
}

// The (N,) binary labels of y_true, checked against a 1D y_score.
std::vector<std::int64_t> binary_inputs(const at::Tensor& y_true, const at::Tensor& y_score,
                                        const char* function) {
  std::vector<std::int64_t> labels = input::read_labels(y_true, function, "y_true");
  input::check_same_cases(y_true, y_score, function, "y_true", "y_score");
  MEDIMG_CHECK(y_score.dim() == 1, ShapeError, function,
               ": binary y_score must be 1D (N,), got shape ", y_score.sizes());
  input::check_binary(labels, function, "y_true");
  input::check_scores(y_score, function, "y_score");
  return labels;
}

}  // namespace

RocCurve roc_curve(const at::Tensor& y_true, const at::Tensor& y_score, bool drop_intermediate) {
  const std::vector<std::int64_t> labels = binary_inputs(y_true, y_score, "roc_curve");
  std::vector<std::int64_t> fps, tps;
  std::vector<double> thresholds;
  std::int64_t positives = 0, negatives = 0;
  with_sorted_scores(y_score, [&](std::int64_t i) { return labels[i] == 1; },
                     [&](const auto& sorted) {
                       positives = static_cast<std::int64_t>(sorted.positive.size());
                       negatives = static_cast<std::int64_t>(sorted.negative.size());
                       walk_curve(sorted, [&](std::int64_t fp, std::int64_t tp, double t) {
                         fps.push_back(fp);
                         tps.push_back(tp);
                         thresholds.push_back(t);
                       });
                       return 0;
                     });
  // scikit-learn keeps the ends and every point where the curve bends (a non-zero second
  // difference of fps or tps).
  std::vector<std::size_t> kept;
  const std::size_t m = fps.size();
  for (std::size_t k = 0; k < m; ++k) {
    const bool bend = k == 0 || k + 1 == m || !drop_intermediate || m <= 2 ||
                      fps[k + 1] - 2 * fps[k] + fps[k - 1] != 0 ||
                      tps[k + 1] - 2 * tps[k] + tps[k - 1] != 0;
    if (bend) kept.push_back(k);
  }
  const auto size = static_cast<std::int64_t>(kept.size()) + 1;
  RocCurve curve{at::empty({size}, at::kDouble), at::empty({size}, at::kDouble),
                 at::empty({size}, at::kDouble)};
  double* fpr = curve.fpr.data_ptr<double>();
  double* tpr = curve.tpr.data_ptr<double>();
  double* threshold = curve.thresholds.data_ptr<double>();
  // 0 / 0 gives NaN for a rate without cases, as scikit-learn.
  const auto p = static_cast<double>(positives), n = static_cast<double>(negatives);
  fpr[0] = 0.0 / n;
  tpr[0] = 0.0 / p;
  threshold[0] = std::numeric_limits<double>::infinity();
  for (std::size_t r = 0; r < kept.size(); ++r) {
    fpr[r + 1] = static_cast<double>(fps[kept[r]]) / n;
    tpr[r + 1] = static_cast<double>(tps[kept[r]]) / p;
    threshold[r + 1] = thresholds[kept[r]];
  }
  return curve;
}

double roc_auc(const at::Tensor& y_true, const at::Tensor& y_score, Average average) {
  MEDIMG_CHECK(!y_score.defined() || y_score.dim() == 1 || y_score.dim() == 2, ShapeError,
               "roc_auc: y_score must be (N,) for binary or (N, K) for multi-class labels, "
               "got shape ", y_score.sizes());
  if (y_score.defined() && y_score.dim() == 1) {
    const std::vector<std::int64_t> labels = binary_inputs(y_true, y_score, "roc_auc");
    return with_sorted_scores(y_score, [&](std::int64_t i) { return labels[i] == 1; },
                              [](const auto& sorted) { return auc_of(sorted); });
  }
  const std::vector<std::int64_t> labels = input::read_labels(y_true, "roc_auc", "y_true");
  input::check_same_cases(y_true, y_score, "roc_auc", "y_true", "y_score");
  const std::int64_t classes = y_score.size(1);
  MEDIMG_CHECK(classes >= 2, ShapeError,
               "roc_auc: multi-class y_score must be (N, K) with K >= 2 classes, got shape ",
               y_score.sizes());
  input::check_classes(labels, classes, "roc_auc", "y_true");
  input::check_scores(y_score, "roc_auc", "y_score");
  std::vector<double> auc(static_cast<std::size_t>(classes));
  std::vector<std::int64_t> support(static_cast<std::size_t>(classes), 0);
  for (const std::int64_t c : labels) ++support[c];
  parallel_for(0, classes, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t c = first; c < last; ++c) {
      auc[c] = with_sorted_scores(y_score.select(1, c),
                                  [&](std::int64_t i) { return labels[i] == c; },
                                  [](const auto& sorted) { return auc_of(sorted); });
    }
  });
  // Classes without a defined AUC (absent from y_true) are left out of both averages.
  double sum = 0, weights = 0;
  for (std::int64_t c = 0; c < classes; ++c) {
    if (std::isnan(auc[c])) continue;
    const double w = average == Average::Weighted ? static_cast<double>(support[c]) : 1.0;
    sum += w * auc[c];
    weights += w;
  }
  return weights > 0 ? sum / weights : kNaN;
}

double pr_auc(const at::Tensor& y_true, const at::Tensor& y_score) {
  const std::vector<std::int64_t> labels = binary_inputs(y_true, y_score, "pr_auc");
  return with_sorted_scores(
      y_score, [&](std::int64_t i) { return labels[i] == 1; }, [](const auto& sorted) {
        const auto positives = static_cast<double>(sorted.positive.size());
        if (positives == 0) return kNaN;
        double ap = 0;
        std::int64_t tp0 = 0;
        walk_curve(sorted, [&](std::int64_t fp, std::int64_t tp, double) {
          if (tp == tp0) return;
          const double precision = static_cast<double>(tp) / static_cast<double>(tp + fp);
          ap += static_cast<double>(tp - tp0) / positives * precision;
          tp0 = tp;
        });
        return ap;
      });
}

double sensitivity_at_specificity(const at::Tensor& y_true, const at::Tensor& y_score,
                                  double specificity) {
  MEDIMG_CHECK(specificity >= 0 && specificity <= 1, ArgumentError,
               "sensitivity_at_specificity: specificity must be in [0, 1], got ", specificity);
  const std::vector<std::int64_t> labels =
      binary_inputs(y_true, y_score, "sensitivity_at_specificity");
  return with_sorted_scores(
      y_score, [&](std::int64_t i) { return labels[i] == 1; }, [&](const auto& sorted) {
        const auto positives = static_cast<double>(sorted.positive.size());
        const auto negatives = static_cast<double>(sorted.negative.size());
        if (positives == 0 || negatives == 0) return kNaN;
        std::int64_t best = 0;  // the point at +inf: specificity 1, sensitivity 0
        bool reachable = true;
        walk_curve(sorted, [&](std::int64_t fp, std::int64_t tp, double) {
          reachable = reachable && (negatives - static_cast<double>(fp)) / negatives >= specificity;
          if (reachable) best = tp;
        });
        return static_cast<double>(best) / positives;
      });
}

}  // namespace medimg
