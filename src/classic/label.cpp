#include "medimg/classic/label.hpp"

#include <algorithm>
#include <numeric>

#include "detail/components.hpp"
#include "detail/fresh_tensor.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {

LabelResult label(const at::Tensor& image, int connectivity, std::int64_t background) {
  connectivity = detail::resolve_connectivity(image, connectivity, "label");
  const detail::Components c =
      detail::connected_components(detail::as_volume(image), connectivity, background);
  LabelResult result;
  result.count = c.count;
  result.labels = detail::fresh_tensor(image.sizes(), at::kLong);
  std::int64_t* out = result.labels.data_ptr<std::int64_t>();
  const auto [Z, Y, X] = c.shape;
  parallel_for(0, Z * Y, 64, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      std::int64_t* row = out + r * X;
      std::fill(row, row + X, std::int64_t{0});
      for (std::int64_t i = c.row_start[r]; i < c.row_start[r + 1]; ++i) {
        std::fill(row + c.runs[i].x0, row + c.runs[i].x1, c.run_label[i]);
      }
    }
  });
  return result;
}

at::Tensor keep_largest(const at::Tensor& mask, std::int64_t n, int connectivity) {
  connectivity = detail::resolve_connectivity(mask, connectivity, "keep_largest");
  MEDIMG_CHECK(n >= 0, ArgumentError, "keep_largest: n must be >= 0, got ", n);
  MEDIMG_CHECK(!detail::any_nan(mask), ArgumentError, "keep_largest: the mask contains NaN");
  const detail::Components c =
      detail::connected_components(detail::as_volume(detail::binary(mask)), connectivity, 0);
  const std::vector<std::int64_t> sizes = c.sizes();
  // Labels by decreasing size; stable, so equal sizes keep raster order.
  std::vector<std::int64_t> order(c.count);
  std::iota(order.begin(), order.end(), std::int64_t{1});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return sizes[a] > sizes[b]; });
  std::vector<bool> keep(c.count + 1, false);
  for (std::int64_t k = 0; k < std::min(n, c.count); ++k) keep[order[k]] = true;
  at::Tensor out = detail::fresh_tensor(mask.sizes(), at::kBool);
  detail::paint_components(c, keep, true, out);
  return out;
}

}  // namespace medimg
