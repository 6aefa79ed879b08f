#include "medimg/classic/haar_features.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cctype>

#include "detail/feature_bounds.hpp"
#include "detail/haar_eval.hpp"
#include "detail/integral_kernel.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {

const char* to_string(HaarMode mode) {
  switch (mode) {
    case HaarMode::Basic: return "BASIC";
    case HaarMode::Core: return "CORE";
    case HaarMode::All: return "ALL";
  }
  return "BASIC";
}

HaarMode haar_mode_from_string(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "basic") return HaarMode::Basic;
  if (lower == "core") return HaarMode::Core;
  if (lower == "all") return HaarMode::All;
  throw ArgumentError(detail::concat("Haar feature mode must be 'basic', 'core' or 'all', got '",
                                     name, "'"));
}

namespace detail {

std::string feature_outside_window(const HaarFeature& feature, std::int64_t height,
                                   std::int64_t width) {
  if (feature.rects.empty() || feature.rects.size() > 3) {
    return concat("has ", feature.rects.size(), " rectangles (1 to 3 allowed)");
  }
  for (const HaarRect& r : feature.rects) {
    if (!std::isfinite(r.weight)) return "has a non-finite weight";
    const bool inside =
        r.width >= 0 && r.height >= 0 && r.y >= 0 &&
        (feature.tilted
             // The tilted rectangle's corners: (x, y), (x - h, y + h), (x + w, y + w).
             ? r.x - r.height >= 0 && std::int64_t{r.x} + r.width <= width &&
                   std::int64_t{r.y} + r.width + r.height <= height
             : r.x >= 0 && std::int64_t{r.x} + r.width <= width &&
                   std::int64_t{r.y} + r.height <= height);
    if (!inside) {
      return concat("rectangle (", r.x, ", ", r.y, ", ", r.width, ", ", r.height, ")",
                    feature.tilted ? " (tilted)" : "", " leaves the ", height, " x ", width,
                    " window");
    }
  }
  return "";
}

}  // namespace detail

namespace {

HaarFeature upright(int x0, int y0, int w0, int h0, float wt0, int x1, int y1, int w1, int h1,
                    float wt1) {
  return {{{x0, y0, w0, h0, wt0}, {x1, y1, w1, h1, wt1}}, false};
}

HaarFeature tilted(int x0, int y0, int w0, int h0, float wt0, int x1, int y1, int w1, int h1,
                   float wt1) {
  return {{{x0, y0, w0, h0, wt0}, {x1, y1, w1, h1, wt1}}, true};
}

}  // namespace

std::vector<HaarFeature> haar_features(std::int64_t height, std::int64_t width, HaarMode mode) {
  MEDIMG_CHECK(height >= 1 && width >= 1 && height <= 512 && width <= 512, ArgumentError,
               "the window must be 1 to 512 pixels on each side, got ", height, " x ", width);
  const int H = static_cast<int>(height), W = static_cast<int>(width);
  std::vector<HaarFeature> f;
  // The loops and conditions of CvHaarEvaluator::generateFeatures, in its order.
  for (int x = 0; x < W; ++x) {
    for (int y = 0; y < H; ++y) {
      for (int dx = 1; dx <= W; ++dx) {
        for (int dy = 1; dy <= H; ++dy) {
          if (x + dx * 2 <= W && y + dy <= H)  // edge, left-right
            f.push_back(upright(x, y, dx * 2, dy, -1, x + dx, y, dx, dy, +2));
          if (x + dx <= W && y + dy * 2 <= H)  // edge, top-bottom
            f.push_back(upright(x, y, dx, dy * 2, -1, x, y + dy, dx, dy, +2));
          if (x + dx * 3 <= W && y + dy <= H)  // line, vertical
            f.push_back(upright(x, y, dx * 3, dy, -1, x + dx, y, dx, dy, +3));
          if (x + dx <= W && y + dy * 3 <= H)  // line, horizontal
            f.push_back(upright(x, y, dx, dy * 3, -1, x, y + dy, dx, dy, +3));
          if (mode != HaarMode::Basic) {
            if (x + dx * 4 <= W && y + dy <= H)
              f.push_back(upright(x, y, dx * 4, dy, -1, x + dx, y, dx * 2, dy, +2));
            if (x + dx <= W && y + dy * 4 <= H)
              f.push_back(upright(x, y, dx, dy * 4, -1, x, y + dy, dx, dy * 2, +2));
          }
          if (x + dx * 2 <= W && y + dy * 2 <= H) {  // checker board
            HaarFeature checker = upright(x, y, dx * 2, dy * 2, -1, x, y, dx, dy, +2);
            checker.rects.push_back({x + dx, y + dy, dx, dy, +2});
            f.push_back(checker);
          }
          if (mode != HaarMode::Basic && x + dx * 3 <= W && y + dy * 3 <= H)  // centre-surround
            f.push_back(upright(x, y, dx * 3, dy * 3, -1, x + dx, y + dy, dx, dy, +9));
          if (mode == HaarMode::All) {
            if (x + 2 * dx <= W && y + 2 * dx + dy <= H && x - dy >= 0)
              f.push_back(tilted(x, y, dx * 2, dy, -1, x, y, dx, dy, +2));
            if (x + dx <= W && y + dx + 2 * dy <= H && x - 2 * dy >= 0)
              f.push_back(tilted(x, y, dx, 2 * dy, -1, x, y, dx, dy, +2));
            if (x + 3 * dx <= W && y + 3 * dx + dy <= H && x - dy >= 0)
              f.push_back(tilted(x, y, dx * 3, dy, -1, x + dx, y + dx, dx, dy, +3));
            if (x + dx <= W && y + dx + 3 * dy <= H && x - 3 * dy >= 0)
              f.push_back(tilted(x, y, dx, 3 * dy, -1, x - dy, y + dy, dx, dy, +3));
            if (x + 4 * dx <= W && y + 4 * dx + dy <= H && x - dy >= 0)
              f.push_back(tilted(x, y, dx * 4, dy, -1, x + dx, y + dx, dx * 2, dy, +2));
            if (x + dx <= W && y + dx + 4 * dy <= H && x - 4 * dy >= 0)
              f.push_back(tilted(x, y, dx, 4 * dy, -1, x - dy, y + dy, dx, 2 * dy, +2));
          }
        }
      }
    }
  }
  return f;
}

at::Tensor haar_feature_values(const at::Tensor& samples, const std::vector<HaarFeature>& features) {
  MEDIMG_CHECK(samples.defined() && samples.dim() == 3, ShapeError,
               "samples must be (N, H, W), got ", samples.defined() ? samples.sizes() : at::IntArrayRef{});
  const auto v = view<const std::uint8_t, 3>(samples);
  const std::int64_t n = v.size(0), height = v.size(1), width = v.size(2);
  MEDIMG_CHECK(height >= 3 && width >= 3, ShapeError,
               "samples must be at least 3 x 3 pixels, got ", height, " x ", width);
  for (std::size_t k = 0; k < features.size(); ++k) {
    const std::string why = detail::feature_outside_window(features[k], height, width);
    MEDIMG_CHECK(why.empty(), ArgumentError, "feature ", k, " ", why);
  }
  const auto nf = static_cast<std::int64_t>(features.size());
  at::Tensor out = at::empty({n, nf}, at::TensorOptions().dtype(at::kFloat));
  float* values = out.data_ptr<float>();
  const std::int64_t stride = width + 1, table = (height + 1) * stride;
  std::vector<detail::CompiledFeature> compiled;
  compiled.reserve(features.size());
  for (const HaarFeature& f : features) compiled.push_back(detail::compile_feature(f, stride));
  const detail::WindowNormalizer normalizer(height, width, stride);
  parallel_for(0, n, 16, [&](std::int64_t first, std::int64_t last) {
    std::vector<std::uint32_t> sum(table), squared(table), tilted(table);
    for (std::int64_t i = first; i < last; ++i) {
      detail::integral_tables<std::uint32_t>(
          height, width, [&](std::int64_t y, std::int64_t x) { return v(i, y, x); }, sum.data(),
          squared.data(), tilted.data());
      const detail::WindowTables w{sum.data(), squared.data(), tilted.data()};
      const float factor = normalizer.factor(w);
      for (std::int64_t k = 0; k < nf; ++k) {
        values[i * nf + k] = compiled[static_cast<std::size_t>(k)].raw(w) * factor;
      }
    }
  });
  return out;
}

}  // namespace medimg
