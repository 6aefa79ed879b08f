#include "medimg/classic/cascade.hpp"

#include <ATen/ops/empty.h>

#include <cmath>
#include <ostream>
#include <string>

#include "detail/feature_bounds.hpp"
#include "detail/haar_eval.hpp"
#include "detail/integral_kernel.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {

void check_cascade(const Cascade& cascade) {
  MEDIMG_CHECK(cascade.height >= 3 && cascade.width >= 3 && cascade.height <= 4096 &&
                   cascade.width <= 4096,
               ArgumentError, "cascade window must be 3 to 4096 pixels on each side, got ",
               cascade.height, " x ", cascade.width);
  MEDIMG_CHECK(!cascade.stages.empty(), ArgumentError, "cascade has no stages");
  for (std::size_t k = 0; k < cascade.features.size(); ++k) {
    const std::string why =
        detail::feature_outside_window(cascade.features[k], cascade.height, cascade.width);
    MEDIMG_CHECK(why.empty(), ArgumentError, "cascade feature ", k, " ", why);
  }
  const auto num_features = static_cast<int>(cascade.features.size());
  for (std::size_t s = 0; s < cascade.stages.size(); ++s) {
    const CascadeStage& stage = cascade.stages[s];
    MEDIMG_CHECK(std::isfinite(stage.threshold), ArgumentError, "stage ", s,
                 " has a non-finite threshold");
    MEDIMG_CHECK(!stage.classifiers.empty(), ArgumentError, "stage ", s,
                 " has no weak classifier");
    for (std::size_t w = 0; w < stage.classifiers.size(); ++w) {
      const WeakClassifier& weak = stage.classifiers[w];
      const auto nodes = static_cast<int>(weak.nodes.size());
      const std::string where = detail::concat("stage ", s, " classifier ", w);
      MEDIMG_CHECK(nodes >= 1 && weak.leaves.size() == weak.nodes.size() + 1, ArgumentError,
                   where, " needs at least one node and one leaf more than nodes, got ", nodes,
                   " nodes and ", weak.leaves.size(), " leaves");
      for (float leaf : weak.leaves) {
        MEDIMG_CHECK(std::isfinite(leaf), ArgumentError, where, " has a non-finite leaf");
      }
      for (int n = 0; n < nodes; ++n) {
        const CascadeNode& node = weak.nodes[static_cast<std::size_t>(n)];
        MEDIMG_CHECK(node.feature >= 0 && node.feature < num_features, ArgumentError, where,
                     " node ", n, " refers to feature ", node.feature, " of ", num_features);
        MEDIMG_CHECK(!std::isnan(node.threshold), ArgumentError, where, " node ", n,
                     " has a NaN threshold");
        // Children point forward (node > n) or at a leaf; this also rules out cycles.
        for (int child : {node.left, node.right}) {
          MEDIMG_CHECK((child > n && child < nodes) || (child <= 0 && -child <= nodes),
                       ArgumentError, where, " node ", n, " has child ", child,
                       " (nodes must point to later nodes or to leaves 0..", nodes, ")");
        }
      }
    }
  }
}

std::ostream& operator<<(std::ostream& out, const PixelRect& rect) {
  return out << "PixelRect(x=" << rect.x << ", y=" << rect.y << ", width=" << rect.width
             << ", height=" << rect.height << ")";
}

at::Tensor classify_windows(const at::Tensor& samples, const Cascade& cascade) {
  check_cascade(cascade);
  MEDIMG_CHECK(samples.defined() && samples.dim() == 3, ShapeError,
               "samples must be (N, H, W), got ",
               samples.defined() ? samples.sizes() : at::IntArrayRef{});
  const auto v = view<const std::uint8_t, 3>(samples);
  MEDIMG_CHECK(v.size(1) == cascade.height && v.size(2) == cascade.width, ShapeError,
               "samples must match the cascade window ", cascade.height, " x ", cascade.width,
               ", got ", v.size(1), " x ", v.size(2));
  const std::int64_t n = v.size(0), height = v.size(1), width = v.size(2);
  at::Tensor out = at::empty({n}, at::TensorOptions().dtype(at::kInt));
  std::int32_t* passed = out.data_ptr<std::int32_t>();
  const std::int64_t stride = width + 1, table = (height + 1) * stride;
  const detail::CompiledCascade compiled(cascade, stride);
  parallel_for(0, n, 16, [&](std::int64_t first, std::int64_t last) {
    std::vector<std::uint32_t> sum(table), squared(table), tilted(table);
    for (std::int64_t i = first; i < last; ++i) {
      detail::integral_tables<std::uint32_t>(
          height, width, [&](std::int64_t y, std::int64_t x) { return v(i, y, x); }, sum.data(),
          squared.data(), tilted.data());
      passed[i] = compiled.stages_passed({sum.data(), squared.data(), tilted.data()});
    }
  });
  return out;
}

}  // namespace medimg
