#pragma once

// The cascade evaluation shared by detection and training, written to reproduce OpenCV's
// HaarEvaluator and predictOrdered(Stump) bit for bit: the same integer rectangle sums, the
// same float operations in the same order, the same double stage sums and float thresholds.
// Compiled with -ffp-contract=off (src/CMakeLists.txt) so that no fused multiply-add changes
// a rounding.

#include <cmath>
#include <cstdint>
#include <vector>

#include "medimg/classic/cascade.hpp"

namespace medimg::detail {

/// One window's tables (top-left corner of the window; all share one row stride).
struct WindowTables {
  const std::uint32_t* sum = nullptr;
  const std::uint32_t* squared = nullptr;
  const std::uint32_t* tilted = nullptr;
};

/// The sum of a rectangle from four offsets (CV_SUM_OFS / CV_TILTED_OFS order): modular
/// arithmetic, exact when the true sum fits in 32 bits.
inline std::uint32_t table_rect(const std::uint32_t* t, const int* ofs) {
  return t[ofs[0]] - t[ofs[1]] - t[ofs[2]] + t[ofs[3]];
}

/// A Haar feature with its rectangles turned into table offsets for one row stride.
struct CompiledFeature {
  int ofs[3][4] = {};
  float weight[3] = {0, 0, 0};
  bool tilted = false;

  /// HaarEvaluator::OptFeature::calc: the weighted sum before normalisation.
  float raw(const WindowTables& w) const {
    const std::uint32_t* t = tilted ? w.tilted : w.sum;
    float value = weight[0] * static_cast<float>(static_cast<std::int32_t>(table_rect(t, ofs[0]))) +
                  weight[1] * static_cast<float>(static_cast<std::int32_t>(table_rect(t, ofs[1])));
    if (weight[2] != 0.0f) {
      value += weight[2] * static_cast<float>(static_cast<std::int32_t>(table_rect(t, ofs[2])));
    }
    return value;
  }
};

/// Offsets of `feature`'s rectangles in tables of row stride `stride`.
CompiledFeature compile_feature(const HaarFeature& feature, std::int64_t stride);

/// The variance normalisation of one window (HaarEvaluator::setWindow): the inner rectangle
/// (1, 1, width - 2, height - 2) of the window.
struct WindowNormalizer {
  int ofs[4] = {};
  double area = 0;

  WindowNormalizer() = default;
  WindowNormalizer(std::int64_t height, std::int64_t width, std::int64_t stride);

  /// 1 / sqrt(area * Σp² - (Σp)²) in float, computed as OpenCV does; 0 for a flat window.
  float factor(const WindowTables& w) const {
    const auto sum = static_cast<std::int32_t>(table_rect(w.sum, ofs));
    const std::uint32_t squared = table_rect(w.squared, ofs);
    const double nf = area * static_cast<double>(squared) -
                      static_cast<double>(sum) * static_cast<double>(sum);
    return nf > 0.0 ? static_cast<float>(1.0 / std::sqrt(nf)) : 0.0f;
  }

  /// Whether OpenCV evaluates the window at all: not when it is flat or when
  /// area * factor >= 0.1, i.e. its std is below about 10 grey levels.
  bool accepts(float factor) const {
    return factor > 0.0f && area * static_cast<double>(factor) < 1e-1;
  }
};

/// A cascade laid out for evaluation at one row stride.
class CompiledCascade {
 public:
  CompiledCascade(const Cascade& cascade, std::int64_t stride);

  /// The number of stages the window passes (num_stages() = detected), or -1 when the
  /// variance check rejects it.
  int stages_passed(const WindowTables& w) const {
    const float factor = normalizer_.factor(w);
    if (!normalizer_.accepts(factor)) return -1;
    return stumps_only_ ? stages_passed_stumps(w, factor) : stages_passed_trees(w, factor);
  }

  int num_stages() const noexcept { return static_cast<int>(stages_.size()); }

 private:
  struct Stump {
    int feature;
    float threshold;
    float left;
    float right;
  };
  struct Node {
    int feature;
    float threshold;
    int left;
    int right;
  };
  struct Tree {
    int first_node;
    int first_leaf;
  };
  struct Stage {
    int first;  // first stump or tree
    int count;
    float threshold;  // as OpenCV holds it: (float)threshold - 1e-5f
  };

  float value(int feature, const WindowTables& w, float factor) const {
    return features_[static_cast<std::size_t>(feature)].raw(w) * factor;
  }

  // predictOrderedStump: OpenCV's path when every tree is a single node (it then reads the
  // leaves as left = leaf 0, right = leaf 1 whatever the child indices say).
  int stages_passed_stumps(const WindowTables& w, float factor) const {
    for (std::size_t s = 0; s < stages_.size(); ++s) {
      const Stage& stage = stages_[s];
      double sum = 0;
      const Stump* stump = stumps_.data() + stage.first;
      for (int i = 0; i < stage.count; ++i, ++stump) {
        const double v = value(stump->feature, w, factor);
        sum += v < stump->threshold ? stump->left : stump->right;
      }
      if (sum < stage.threshold) return static_cast<int>(s);
    }
    return static_cast<int>(stages_.size());
  }

  // predictOrdered: general trees.
  int stages_passed_trees(const WindowTables& w, float factor) const {
    for (std::size_t s = 0; s < stages_.size(); ++s) {
      const Stage& stage = stages_[s];
      double sum = 0;
      for (int i = 0; i < stage.count; ++i) {
        const Tree& tree = trees_[static_cast<std::size_t>(stage.first + i)];
        int idx = 0;
        do {
          const Node& node = nodes_[static_cast<std::size_t>(tree.first_node + idx)];
          const double v = value(node.feature, w, factor);
          idx = v < node.threshold ? node.left : node.right;
        } while (idx > 0);
        sum += leaves_[static_cast<std::size_t>(tree.first_leaf - idx)];
      }
      if (sum < stage.threshold) return static_cast<int>(s);
    }
    return static_cast<int>(stages_.size());
  }

  WindowNormalizer normalizer_;
  std::vector<CompiledFeature> features_;
  bool stumps_only_ = true;
  std::vector<Stump> stumps_;
  std::vector<Node> nodes_;
  std::vector<float> leaves_;
  std::vector<Tree> trees_;
  std::vector<Stage> stages_;
};

/// The stage threshold OpenCV compares with: (float)threshold - 1e-5f.
inline float effective_stage_threshold(float threshold) { return threshold - 1e-5f; }

}  // namespace medimg::detail
