#include "medimg/metrics/overlap.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/metrics/classification.hpp"
#include "medimg/metrics/detail/mask_checks.hpp"

namespace medimg {
namespace {

constexpr std::int64_t kBlock = 1 << 16;  // voxels per block: counts fit in 32 bits

// Two classes over 0/1 bytes: tp = sum(p & r), |pred| = sum(p), |ref| = sum(r). Branch-free
// so the compiler vectorises it; `seen` ORs every byte to detect labels above 1.
std::vector<ConfusionCounts> binary_counts(const std::uint8_t* p, const std::uint8_t* r,
                                           std::int64_t n) {
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<std::array<std::int64_t, 3>> sums(static_cast<std::size_t>(blocks));
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(blocks));
  parallel_for(0, blocks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t b = first; b < last; ++b) {
      std::uint32_t both = 0, pred = 0, ref = 0;
      std::uint8_t any = 0;
      for (std::int64_t i = b * kBlock, end = std::min(n, (b + 1) * kBlock); i < end; ++i) {
        both += p[i] & r[i];
        pred += p[i];
        ref += r[i];
        any |= p[i] | r[i];
      }
      sums[b] = {both, pred, ref};
      seen[b] = any;
    }
  });
  std::int64_t both = 0, pred = 0, ref = 0;
  std::uint8_t any = 0;
  for (std::size_t b = 0; b < sums.size(); ++b) {
    both += sums[b][0];
    pred += sums[b][1];
    ref += sums[b][2];
    any |= seen[b];
  }
  MEDIMG_CHECK((any & ~1) == 0, ArgumentError,
               "a label is outside [0, 2): pred or ref holds values above 1 for 2 classes");
  ConfusionCounts foreground{both, pred - both, ref - both, n - pred - ref + both};
  ConfusionCounts background{foreground.tn, foreground.fn, foreground.fp, foreground.tp};
  return {background, foreground};
}

// Any number of classes: per-block histograms of (pred, ref) agreement.
template <typename T>
std::vector<ConfusionCounts> label_counts(const T* p, const T* r, std::int64_t n,
                                          std::int64_t classes) {
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  // Per block: tp, pred total and ref total for each class.
  std::vector<std::int64_t> sums(static_cast<std::size_t>(blocks * classes * 3), 0);
  std::atomic<bool> bad{false};
  std::atomic<std::int64_t> bad_label{0};
  parallel_for(0, blocks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t b = first; b < last; ++b) {
      std::int64_t* tp = &sums[static_cast<std::size_t>(b * classes * 3)];
      std::int64_t* pred = tp + classes;
      std::int64_t* ref = pred + classes;
      for (std::int64_t i = b * kBlock, end = std::min(n, (b + 1) * kBlock); i < end; ++i) {
        const auto a = static_cast<std::int64_t>(p[i]), c = static_cast<std::int64_t>(r[i]);
        if (a < 0 || a >= classes || c < 0 || c >= classes) {
          bad_label = (a < 0 || a >= classes) ? a : c;
          bad = true;
          return;
        }
        tp[a] += a == c;
        ++pred[a];
        ++ref[c];
      }
    }
  });
  MEDIMG_CHECK(!bad, ArgumentError, "label ", bad_label.load(), " is outside [0, ", classes,
               ")");
  std::vector<ConfusionCounts> counts(static_cast<std::size_t>(classes));
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t* tp = &sums[static_cast<std::size_t>(b * classes * 3)];
    for (std::int64_t k = 0; k < classes; ++k) {
      counts[k].tp += tp[k];
      counts[k].fp += tp[classes + k] - tp[k];
      counts[k].fn += tp[2 * classes + k] - tp[k];
    }
  }
  for (auto& c : counts) c.tn = n - c.tp - c.fp - c.fn;
  return counts;
}

}  // namespace

std::vector<ConfusionCounts> confusion_counts(const at::Tensor& pred, const at::Tensor& ref,
                                              std::int64_t num_classes) {
  MEDIMG_CHECK(pred.defined() && ref.defined(), ArgumentError, "pred and ref must be defined");
  detail::check_same_shape(pred, ref, "pred", "ref");
  // The per-class tables are num_classes long: the cap of the classification metrics.
  MEDIMG_CHECK(num_classes >= 2 && num_classes <= kMaxClasses, ArgumentError,
               "num_classes must be in [2, ", kMaxClasses, "], got ", num_classes,
               " (a label map needs labels below num_classes)");
  for (const at::Tensor* t : {&pred, &ref}) {
    MEDIMG_CHECK(at::isIntegralType(t->scalar_type(), /*includeBool=*/true), ArgumentError,
                 "overlap metrics take label maps (bool or integer), got dtype ",
                 t->scalar_type(), "; threshold probabilities first");
    MEDIMG_CHECK(t->device().is_cpu(), Unsupported, "overlap metrics run on the CPU, got ",
                 t->device());
  }
  const auto is_byte = [](const at::Tensor& t) {
    return t.scalar_type() == at::kBool || t.scalar_type() == at::kByte;
  };
  if (is_byte(pred) && is_byte(ref)) {
    const at::Tensor p = pred.contiguous().view(at::kByte), r = ref.contiguous().view(at::kByte);
    if (num_classes == 2) {
      return binary_counts(p.data_ptr<std::uint8_t>(), r.data_ptr<std::uint8_t>(), p.numel());
    }
    return label_counts(p.data_ptr<std::uint8_t>(), r.data_ptr<std::uint8_t>(), p.numel(),
                        num_classes);
  }
  const at::Tensor p = pred.to(at::kLong).contiguous(), r = ref.to(at::kLong).contiguous();
  return label_counts(p.data_ptr<std::int64_t>(), r.data_ptr<std::int64_t>(), p.numel(),
                      num_classes);
}

double overlap_score(const ConfusionCounts& c, OverlapMetric metric, double empty_value) {
  const auto ratio = [empty_value](double numerator, double denominator) {
    return denominator == 0 ? empty_value : numerator / denominator;
  };
  const auto tp = static_cast<double>(c.tp), fp = static_cast<double>(c.fp),
             fn = static_cast<double>(c.fn), tn = static_cast<double>(c.tn);
  switch (metric) {
    case OverlapMetric::Dice: return ratio(2 * tp, 2 * tp + fp + fn);
    case OverlapMetric::IoU: return ratio(tp, tp + fp + fn);
    case OverlapMetric::Sensitivity: return ratio(tp, tp + fn);
    case OverlapMetric::Specificity: return ratio(tn, tn + fp);
    case OverlapMetric::Precision: return ratio(tp, tp + fp);
    case OverlapMetric::VolumeSimilarity:
      return 2 * tp + fp + fn == 0 ? empty_value : 1 - std::abs(fp - fn) / (2 * tp + fp + fn);
  }
  throw ArgumentError("unknown overlap metric");
}

}  // namespace medimg
