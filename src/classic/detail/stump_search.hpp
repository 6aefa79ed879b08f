#pragma once

// Gentle AdaBoost's weak learner: the regression stump that minimises the weighted squared
// error on the active samples, searched exactly over every feature and every threshold
// between consecutive distinct values. Feature values are computed once per stage and kept
// sorted (as opencv_traincascade's precalculated buffers); the features that do not fit the
// memory budget are computed and sorted again at each search.

#include <cstdint>
#include <memory>
#include <vector>

#include "haar_eval.hpp"
#include "window_samples.hpp"

namespace medimg::detail {

/// The training samples of one stage: windows from one or more WindowSamples.
struct StageSamples {
  std::vector<WindowTables> tables;
  std::vector<float> factors;
  std::vector<double> labels;  // +1 positive, -1 negative

  void append(const WindowSamples& samples, double label);
  std::int64_t size() const noexcept { return static_cast<std::int64_t>(labels.size()); }
  /// Exactly the value detection computes for this sample.
  float value(const CompiledFeature& f, std::int64_t i) const {
    return f.raw(tables[static_cast<std::size_t>(i)]) * factors[static_cast<std::size_t>(i)];
  }
};

/// A stump: value < threshold gives `left`, else `right`.
struct Stump {
  int feature = -1;  // -1: no split exists (every feature constant on the active samples)
  float threshold = 0;
  float left = 0;
  float right = 0;
};

/// The (large) presorted buffers, kept from stage to stage so that each stage does not
/// fault in hundreds of MB of fresh pages again.
struct PresortBuffers {
  std::unique_ptr<float[]> values;
  std::unique_ptr<std::uint16_t[]> order16;
  std::unique_ptr<std::uint32_t[]> order32;
  std::size_t capacity16 = 0, capacity32 = 0;  // entries allocated
};

class PresortedFeatures {
 public:
  PresortedFeatures(const std::vector<CompiledFeature>& features, const StageSamples& samples,
                    double budget_mb, PresortBuffers& buffers);

  /// The best stump for the weights `w` on the samples with active[i] != 0.
  Stump best_stump(const std::vector<double>& w, const std::vector<char>& active) const;

  std::int64_t num_stored() const noexcept { return stored_; }

 private:
  struct Scratch;
  template <typename Index>
  void sort_feature(std::int64_t f, float* values, Index* order, Scratch& scratch) const;
  template <typename Index>
  Stump search(const std::vector<double>& w, const std::vector<char>& active) const;

  const std::vector<CompiledFeature>& features_;
  const StageSamples& samples_;
  std::int64_t n_, stored_;
  // Sorted values and sample indices of the stored features, feature after feature; not
  // zeroed before they are filled.
  float* values_ = nullptr;
  std::uint16_t* order16_ = nullptr;
  std::uint32_t* order32_ = nullptr;
};

}  // namespace medimg::detail
