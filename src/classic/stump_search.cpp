#include "detail/stump_search.hpp"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <mutex>
#include <utility>

#include "medimg/core/parallel.hpp"

namespace medimg::detail {

void StageSamples::append(const WindowSamples& samples, double label) {
  for (std::int64_t i = 0; i < samples.size(); ++i) {
    tables.push_back(samples.tables(i));
    factors.push_back(samples.factor(i));
    labels.push_back(label);
  }
}

namespace {

// The best split of one feature so far.
struct Split {
  double score = -std::numeric_limits<double>::infinity();
  std::int64_t feature = -1;
  float low = 0, high = 0;  // the values either side of the threshold
  double left_weight = 0, left_response = 0;
};

// Higher score wins; ties go to the lower feature index, so the result does not depend on how
// the features were split among threads.
bool better(const Split& a, const Split& b) {
  return a.score > b.score || (a.score == b.score && a.feature >= 0 &&
                               (b.feature < 0 || a.feature < b.feature));
}

// A sample's weight and weighted response; both 0 for a sample trimmed from this round.
struct Weight {
  double w, wy;
};

// One pass over a feature's samples in increasing value: the split with the highest
// sum of squared leaf responses over leaf weights (the lowest weighted squared error), tried
// after each active value that is followed by a larger one. Trimmed samples weigh nothing,
// so they need no branch; a split is only scored when weight was added since the last one.
template <typename Index>
void scan(std::int64_t feature, const float* values, const Index* order, std::int64_t n,
          const std::vector<Weight>& weights, double total_w, double total_y, Split& best) {
  const double min_weight = total_w * 1e-15;
  double wl = 0, yl = 0;
  bool dirty = false;
  float previous = 0;  // the largest active value so far
  for (std::int64_t k = 0; k < n; ++k) {
    const Weight& p = weights[static_cast<std::size_t>(order[k])];
    const float v = values[k];
    if (dirty && previous < v) {
      dirty = false;
      const double wr = total_w - wl;
      if (wl > min_weight && wr > min_weight) {
        // score = yl^2 / wl + yr^2 / wr, compared as a fraction: one division per new best.
        const double yr = total_y - yl;
        const double numerator = yl * yl * wr + yr * yr * wl, denominator = wl * wr;
        if (numerator > best.score * denominator) {
          best = {numerator / denominator, feature, previous, v, wl, yl};
        }
      }
    }
    const bool active = p.w != 0;
    wl += p.w;
    yl += p.wy;
    previous = active ? v : previous;
    dirty = dirty || active;
  }
}

}  // namespace

// Per-thread buffers of the radix sort.
struct PresortedFeatures::Scratch {
  std::vector<std::uint32_t> keys, keys2;
  std::vector<std::uint32_t> order, order2;
};

namespace {

// Float bits mapped so that unsigned order is float order (negatives reversed).
std::uint32_t sortable(float v) {
  std::uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

float unsortable(std::uint32_t u) {
  u = (u & 0x80000000u) ? (u & 0x7fffffffu) : ~u;
  float v;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

}  // namespace

PresortedFeatures::PresortedFeatures(const std::vector<CompiledFeature>& features,
                                     const StageSamples& samples, double budget_mb,
                                     PresortBuffers& buffers)
    : features_(features), samples_(samples), n_(samples.size()) {
  const bool narrow = n_ <= 65536;
  const double bytes_per_feature =
      static_cast<double>(n_) * (sizeof(float) + (narrow ? sizeof(std::uint16_t) : sizeof(std::uint32_t)));
  const auto fit = static_cast<std::int64_t>(budget_mb * 1024.0 * 1024.0 /
                                             std::max(bytes_per_feature, 1.0));
  stored_ = std::clamp<std::int64_t>(fit, 0, static_cast<std::int64_t>(features.size()));
  const auto entries = static_cast<std::size_t>(stored_ * n_);
  std::size_t& capacity = narrow ? buffers.capacity16 : buffers.capacity32;
  if (capacity < entries) {
    buffers.values.reset();  // free before allocating the larger ones
    buffers.order16.reset();
    buffers.order32.reset();
    buffers.capacity16 = buffers.capacity32 = 0;
    buffers.values.reset(new float[entries]);
    if (narrow) {
      buffers.order16.reset(new std::uint16_t[entries]);
    } else {
      buffers.order32.reset(new std::uint32_t[entries]);
    }
    capacity = entries;
  }
  values_ = buffers.values.get();
  order16_ = buffers.order16.get();
  order32_ = buffers.order32.get();
  parallel_for(0, stored_, 64, [&](std::int64_t first, std::int64_t last) {
    Scratch scratch;
    for (std::int64_t f = first; f < last; ++f) {
      const auto o = static_cast<std::size_t>(f * n_);
      if (narrow) {
        sort_feature(f, values_ + o, order16_ + o, scratch);
      } else {
        sort_feature(f, values_ + o, order32_ + o, scratch);
      }
    }
  });
}

// The feature's values on every sample in increasing order, ties by sample index: an LSD
// radix sort on the float bits, a byte per pass (passes where every key shares the byte are
// skipped); several times faster than comparison sorting for the few thousand samples here.
template <typename Index>
void PresortedFeatures::sort_feature(std::int64_t f, float* values, Index* order,
                                     Scratch& scratch) const {
  const CompiledFeature& feature = features_[static_cast<std::size_t>(f)];
  const auto n = static_cast<std::size_t>(n_);
  scratch.keys.resize(n);
  scratch.keys2.resize(n);
  scratch.order.resize(n);
  scratch.order2.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    scratch.keys[i] = sortable(samples_.value(feature, static_cast<std::int64_t>(i)));
    scratch.order[i] = static_cast<std::uint32_t>(i);
  }
  for (int shift = 0; shift < 32; shift += 8) {
    std::size_t count[257] = {};
    for (std::size_t i = 0; i < n; ++i) ++count[((scratch.keys[i] >> shift) & 0xffu) + 1];
    if (std::any_of(count + 1, count + 257, [n](std::size_t c) { return c == n; })) continue;
    for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t to = count[(scratch.keys[i] >> shift) & 0xffu]++;
      scratch.keys2[to] = scratch.keys[i];
      scratch.order2[to] = scratch.order[i];
    }
    scratch.keys.swap(scratch.keys2);
    scratch.order.swap(scratch.order2);
  }
  for (std::size_t k = 0; k < n; ++k) {
    values[k] = unsortable(scratch.keys[k]);
    order[k] = static_cast<Index>(scratch.order[k]);
  }
}

template <typename Index>
Stump PresortedFeatures::search(const std::vector<double>& w,
                                const std::vector<char>& active) const {
  std::vector<Weight> weights(w.size(), Weight{0, 0});
  double total_w = 0, total_y = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!active[i] || w[i] <= 0) continue;
    weights[i] = {w[i], w[i] * samples_.labels[i]};
    total_w += weights[i].w;
    total_y += weights[i].wy;
  }
  const Index* stored_order = [this]() -> const Index* {
    if constexpr (sizeof(Index) == 2) {
      return order16_;
    } else {
      return order32_;
    }
  }();
  Split best;
  std::mutex mutex;
  const auto num_features = static_cast<std::int64_t>(features_.size());
  parallel_for(0, num_features, 256, [&](std::int64_t first, std::int64_t last) {
    Split local;
    Scratch scratch;
    std::vector<float> values;
    std::vector<Index> order;
    for (std::int64_t f = first; f < last; ++f) {
      Split candidate;
      if (f < stored_) {
        const auto o = static_cast<std::size_t>(f * n_);
        scan(f, values_ + o, stored_order + o, n_, weights, total_w, total_y, candidate);
      } else {
        values.resize(static_cast<std::size_t>(n_));
        order.resize(static_cast<std::size_t>(n_));
        sort_feature(f, values.data(), order.data(), scratch);
        scan(f, values.data(), order.data(), n_, weights, total_w, total_y, candidate);
      }
      if (better(candidate, local)) local = candidate;
    }
    const std::lock_guard<std::mutex> lock(mutex);
    if (better(local, best)) best = local;
  });
  Stump stump;
  if (best.feature < 0) return stump;
  stump.feature = static_cast<int>(best.feature);
  // Midway between the two values; if that rounds onto the lower one, the upper one still
  // separates them (detection sends value < threshold left).
  const float mid = (best.low + best.high) * 0.5f;
  stump.threshold = best.low < mid ? mid : best.high;
  const double right_weight = total_w - best.left_weight;
  stump.left = static_cast<float>(best.left_response / best.left_weight);
  stump.right = static_cast<float>((total_y - best.left_response) / right_weight);
  return stump;
}

Stump PresortedFeatures::best_stump(const std::vector<double>& w,
                                    const std::vector<char>& active) const {
  return n_ <= 65536 ? search<std::uint16_t>(w, active) : search<std::uint32_t>(w, active);
}

}  // namespace medimg::detail
