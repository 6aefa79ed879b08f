#include "detail/haar_eval.hpp"

#include <algorithm>

namespace medimg::detail {

CompiledFeature compile_feature(const HaarFeature& feature, std::int64_t stride) {
  CompiledFeature f;
  f.tilted = feature.tilted;
  const auto s = static_cast<int>(stride);
  for (std::size_t k = 0; k < feature.rects.size() && k < 3; ++k) {
    const HaarRect& r = feature.rects[k];
    int* o = f.ofs[k];
    f.weight[k] = r.weight;
    if (feature.tilted) {
      // CV_TILTED_OFS: (x, y), (x - h, y + h), (x + w, y + w), (x + w - h, y + w + h).
      o[0] = r.x + s * r.y;
      o[1] = r.x - r.height + s * (r.y + r.height);
      o[2] = r.x + r.width + s * (r.y + r.width);
      o[3] = r.x + r.width - r.height + s * (r.y + r.width + r.height);
    } else {
      // CV_SUM_OFS: (x, y), (x + w, y), (x, y + h), (x + w, y + h).
      o[0] = r.x + s * r.y;
      o[1] = r.x + r.width + s * r.y;
      o[2] = r.x + s * (r.y + r.height);
      o[3] = r.x + r.width + s * (r.y + r.height);
    }
  }
  return f;
}

WindowNormalizer::WindowNormalizer(std::int64_t height, std::int64_t width, std::int64_t stride) {
  const auto s = static_cast<int>(stride);
  const auto w = static_cast<int>(width) - 2, h = static_cast<int>(height) - 2;
  ofs[0] = 1 + s;
  ofs[1] = 1 + w + s;
  ofs[2] = 1 + s * (1 + h);
  ofs[3] = 1 + w + s * (1 + h);
  area = static_cast<double>(w) * static_cast<double>(h);
}

CompiledCascade::CompiledCascade(const Cascade& cascade, std::int64_t stride)
    : normalizer_(cascade.height, cascade.width, stride) {
  features_.reserve(cascade.features.size());
  for (const HaarFeature& f : cascade.features) features_.push_back(compile_feature(f, stride));
  for (const CascadeStage& stage : cascade.stages) {
    for (const WeakClassifier& weak : stage.classifiers) {
      if (weak.nodes.size() != 1) stumps_only_ = false;
    }
  }
  for (const CascadeStage& stage : cascade.stages) {
    Stage s{};
    s.count = static_cast<int>(stage.classifiers.size());
    s.threshold = effective_stage_threshold(stage.threshold);
    s.first = static_cast<int>(stumps_only_ ? stumps_.size() : trees_.size());
    for (const WeakClassifier& weak : stage.classifiers) {
      if (stumps_only_) {
        const CascadeNode& n = weak.nodes[0];
        stumps_.push_back({n.feature, n.threshold, weak.leaves[0], weak.leaves[1]});
        continue;
      }
      trees_.push_back({static_cast<int>(nodes_.size()), static_cast<int>(leaves_.size())});
      for (const CascadeNode& n : weak.nodes) {
        nodes_.push_back({n.feature, n.threshold, n.left, n.right});
      }
      leaves_.insert(leaves_.end(), weak.leaves.begin(), weak.leaves.end());
    }
    stages_.push_back(s);
  }
}

}  // namespace medimg::detail
