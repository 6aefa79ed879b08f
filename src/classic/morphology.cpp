#include "medimg/classic/morphology.hpp"

#include <ATen/ops/cat.h>

#include <algorithm>
#include <array>
#include <unordered_map>

#include "detail/components.hpp"
#include "detail/flat_filter.hpp"
#include "detail/fresh_tensor.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

using detail::Extremum;
using detail::FilterBorder;
using Anchor = std::array<std::int64_t, 3>;

// Where scikit-image 0.19 puts a footprint's origin, per axis of n elements. Odd sides are
// centred whatever the rule; the rules differ for even sides only (docs/classic.md):
//   Floor  n // 2       scipy's own origin (grey_erosion, binary_erosion/dilation)
//   Before (n - 1) // 2 one element earlier (skimage's dilation pre-inverts the footprint
//                       that scipy's grey_dilation inverts again; 2D footprints padded
//                       with a leading zero row/column by _shift_footprint)
enum class Origin { Floor, Before };

Anchor anchor_of(const Footprint& footprint, Origin origin) {
  const auto& s = footprint.shape();
  Anchor anchor{0, 0, 0};
  const int offset = 3 - footprint.dims();
  for (int k = 0; k < footprint.dims(); ++k) {
    anchor[offset + k] = origin == Origin::Floor ? s[k] / 2 : (s[k] - 1) / 2;
  }
  return anchor;
}

// The checked (Z, Y, X) contiguous view of a 2D or 3D input whose rank matches the footprint.
at::Tensor checked_volume(const at::Tensor& x, const Footprint& footprint, const char* name) {
  MEDIMG_CHECK(x.defined(), ArgumentError, name, ": expected a tensor, got an undefined one");
  MEDIMG_CHECK(x.dim() == 2 || x.dim() == 3, ShapeError, name,
               ": expected a (Y, X) or (Z, Y, X) array, got shape ", x.sizes());
  MEDIMG_CHECK(x.numel() > 0, ShapeError, name, ": the array is empty, shape ", x.sizes());
  MEDIMG_CHECK(x.device().is_cpu(), Unsupported, name, ": expected a CPU tensor, got ",
               x.device());
  MEDIMG_CHECK(footprint.dims() == x.dim(), ShapeError, name, ": a ", x.dim(),
               "D array needs a ", x.dim(), "D footprint, got ", footprint.name(),
               x.dim() == 3 ? " (a (1, ky, kx) footprint works slice by slice)" : "");
  return detail::as_volume(x);
}

// Non-zero as a contiguous bool (Z, Y, X) volume.
at::Tensor binary_volume(const at::Tensor& mask, const Footprint& footprint, const char* name) {
  const at::Tensor volume = checked_volume(mask, footprint, name);
  // NaN is neither zero nor a value: refused, as fill_holes and keep_largest do.
  MEDIMG_CHECK(!detail::any_nan(volume), ArgumentError, name, ": the mask contains NaN");
  return detail::binary(volume);
}

at::Tensor filtered(const at::Tensor& volume, const Footprint& footprint, const Anchor& anchor,
                    bool mirrored, Extremum extremum, const FilterBorder& border) {
  at::Tensor out = detail::fresh_tensor(volume.sizes(), volume.scalar_type());
  detail::flat_filter(volume, out, detail::footprint_runs(footprint, anchor, mirrored),
                      extremum, border);
  return out;
}

// scipy.ndimage.binary_erosion(border_value=1) and binary_dilation, on bool volumes.
at::Tensor erode_binary(const at::Tensor& volume, const Footprint& footprint) {
  return filtered(volume, footprint, anchor_of(footprint, Origin::Floor), false, Extremum::Min,
                  FilterBorder{false, 1.0});
}

at::Tensor dilate_binary(const at::Tensor& volume, const Footprint& footprint) {
  return filtered(volume, footprint, anchor_of(footprint, Origin::Floor), true, Extremum::Max,
                  FilterBorder{false, 0.0});
}

// skimage's erosion/dilation; `shifted` is the shift_x = shift_y = True of the second step of
// opening and closing, which moves the origin of even sides of 2D footprints only.
at::Tensor erode_grey(const at::Tensor& volume, const Footprint& footprint, bool shifted) {
  const Origin origin = footprint.dims() == 3 || shifted ? Origin::Floor : Origin::Before;
  return filtered(volume, footprint, anchor_of(footprint, origin), false, Extremum::Min,
                  FilterBorder{true, 0.0});
}

at::Tensor dilate_grey(const at::Tensor& volume, const Footprint& footprint, bool shifted) {
  const Origin origin = footprint.dims() == 2 && shifted ? Origin::Floor : Origin::Before;
  return filtered(volume, footprint, anchor_of(footprint, origin), false, Extremum::Max,
                  FilterBorder{true, 0.0});
}

// skimage's pad_for_eccentric_footprints: axes where the footprint has an even side are
// padded by side - 1 copies of the edge voxel on both ends (then cropped after).
std::array<std::int64_t, 3> eccentric_padding(const Footprint& footprint) {
  std::array<std::int64_t, 3> pad{0, 0, 0};
  const int offset = 3 - footprint.dims();
  for (int k = 0; k < footprint.dims(); ++k) {
    const std::int64_t n = footprint.shape()[k];
    pad[offset + k] = n % 2 == 0 ? n - 1 : 0;
  }
  return pad;
}

at::Tensor edge_pad(at::Tensor volume, const std::array<std::int64_t, 3>& pad) {
  for (int axis = 0; axis < 3; ++axis) {
    if (pad[axis] == 0) continue;
    const std::int64_t n = volume.size(axis);
    std::vector<std::int64_t> sizes(volume.sizes().begin(), volume.sizes().end());
    sizes[axis] = pad[axis];
    volume = at::cat({volume.narrow(axis, 0, 1).expand(sizes), volume,
                      volume.narrow(axis, n - 1, 1).expand(sizes)},
                     axis);
  }
  return volume.contiguous();
}

at::Tensor crop(const at::Tensor& volume, const std::array<std::int64_t, 3>& pad) {
  at::Tensor out = volume;
  for (int axis = 0; axis < 3; ++axis) {
    if (pad[axis] > 0) out = out.narrow(axis, pad[axis], out.size(axis) - 2 * pad[axis]);
  }
  return out.contiguous();
}

// skimage's opening (dilate_first = false) or closing (true), padding included.
at::Tensor open_or_close(const at::Tensor& image, const Footprint& footprint, bool dilate_first,
                         const char* name) {
  const at::Tensor volume = checked_volume(image, footprint, name);
  const auto pad = eccentric_padding(footprint);
  const at::Tensor padded = edge_pad(volume, pad);
  const at::Tensor out = dilate_first
                             ? erode_grey(dilate_grey(padded, footprint, false), footprint, true)
                             : dilate_grey(erode_grey(padded, footprint, false), footprint, true);
  return crop(out, pad).view(image.sizes());
}

// remove_small_objects on labels already given: sizes per label value.
at::Tensor remove_small_labels(const at::Tensor& labels, std::int64_t min_size) {
  const at::Tensor wide = labels.to(at::kLong).contiguous();
  const std::int64_t lowest = wide.min().item<std::int64_t>();
  MEDIMG_CHECK(lowest >= 0, ArgumentError,
               "remove_small_objects: negative labels are not supported (got ", lowest,
               "); relabel with label() first");
  const std::int64_t highest = wide.max().item<std::int64_t>();
  const std::int64_t* v = wide.data_ptr<std::int64_t>();
  const std::int64_t n = wide.numel();
  at::Tensor out = wide.clone();
  std::int64_t* o = out.data_ptr<std::int64_t>();
  if (highest <= std::max<std::int64_t>(n, 1 << 20)) {
    std::vector<std::int64_t> sizes(highest + 1, 0);
    for (std::int64_t i = 0; i < n; ++i) ++sizes[v[i]];
    for (std::int64_t i = 0; i < n; ++i) {
      if (sizes[v[i]] < min_size) o[i] = 0;
    }
  } else {  // sparse huge label values
    std::unordered_map<std::int64_t, std::int64_t> sizes;
    for (std::int64_t i = 0; i < n; ++i) ++sizes[v[i]];
    for (std::int64_t i = 0; i < n; ++i) {
      if (sizes[v[i]] < min_size) o[i] = 0;
    }
  }
  return out.to(labels.scalar_type()).view(labels.sizes());
}

// The components of `volume` (bool) with at least `min_size` voxels painted `inside`, the
// rest `!inside`.
at::Tensor keep_sizes(const at::Tensor& volume, std::int64_t min_size, int connectivity,
                      bool inside, at::IntArrayRef shape) {
  const detail::Components c = detail::connected_components(volume, connectivity, 0);
  const std::vector<std::int64_t> sizes = c.sizes();
  std::vector<bool> keep(c.count + 1, false);
  for (std::int64_t k = 1; k <= c.count; ++k) keep[k] = sizes[k] >= min_size;
  at::Tensor out = detail::fresh_tensor(shape, at::kBool);
  detail::paint_components(c, keep, inside, out);
  return out;
}

void check_no_nan(const at::Tensor& x, const char* name) {
  MEDIMG_CHECK(!detail::any_nan(x), ArgumentError, name, ": the mask contains NaN");
}

}  // namespace

at::Tensor binary_erosion(const at::Tensor& mask, const Footprint& footprint) {
  return erode_binary(binary_volume(mask, footprint, "binary_erosion"), footprint)
      .view(mask.sizes());
}

at::Tensor binary_dilation(const at::Tensor& mask, const Footprint& footprint) {
  return dilate_binary(binary_volume(mask, footprint, "binary_dilation"), footprint)
      .view(mask.sizes());
}

at::Tensor binary_opening(const at::Tensor& mask, const Footprint& footprint) {
  const at::Tensor volume = binary_volume(mask, footprint, "binary_opening");
  return dilate_binary(erode_binary(volume, footprint), footprint).view(mask.sizes());
}

at::Tensor binary_closing(const at::Tensor& mask, const Footprint& footprint) {
  const at::Tensor volume = binary_volume(mask, footprint, "binary_closing");
  return erode_binary(dilate_binary(volume, footprint), footprint).view(mask.sizes());
}

at::Tensor erosion(const at::Tensor& image, const Footprint& footprint) {
  return erode_grey(checked_volume(image, footprint, "erosion"), footprint, false)
      .view(image.sizes());
}

at::Tensor dilation(const at::Tensor& image, const Footprint& footprint) {
  return dilate_grey(checked_volume(image, footprint, "dilation"), footprint, false)
      .view(image.sizes());
}

at::Tensor opening(const at::Tensor& image, const Footprint& footprint) {
  return open_or_close(image, footprint, false, "opening");
}

at::Tensor closing(const at::Tensor& image, const Footprint& footprint) {
  return open_or_close(image, footprint, true, "closing");
}

at::Tensor fill_holes(const at::Tensor& mask, int connectivity) {
  connectivity = detail::resolve_connectivity(mask, connectivity, "fill_holes");
  check_no_nan(mask, "fill_holes");
  const detail::Components background =
      detail::connected_components(detail::as_volume(detail::binary(mask, true)), connectivity, 0);
  // Everything is foreground except the background components that reach the border.
  at::Tensor out = detail::fresh_tensor(mask.sizes(), at::kBool);
  detail::paint_components(background, background.touches_border(static_cast<int>(mask.dim())),
                           false, out);
  return out;
}

at::Tensor remove_small_objects(const at::Tensor& ar, std::int64_t min_size, int connectivity) {
  connectivity = detail::resolve_connectivity(ar, connectivity, "remove_small_objects");
  MEDIMG_CHECK(min_size >= 0, ArgumentError, "remove_small_objects: min_size must be >= 0, got ",
               min_size);
  const at::ScalarType dtype = ar.scalar_type();
  MEDIMG_CHECK(dtype == at::kBool || at::isIntegralType(dtype, /*includeBool=*/false),
               ArgumentError,
               "remove_small_objects: only bool or integer arrays are supported, got ",
               dtype, " (scikit-image raises TypeError)");
  if (dtype != at::kBool) return remove_small_labels(ar, min_size);
  return keep_sizes(detail::as_volume(ar), min_size, connectivity, true, ar.sizes());
}

at::Tensor remove_small_holes(const at::Tensor& ar, std::int64_t area_threshold,
                              int connectivity) {
  connectivity = detail::resolve_connectivity(ar, connectivity, "remove_small_holes");
  MEDIMG_CHECK(area_threshold >= 0, ArgumentError,
               "remove_small_holes: area_threshold must be >= 0, got ", area_threshold);
  const at::ScalarType dtype = ar.scalar_type();
  MEDIMG_CHECK(dtype == at::kBool || at::isIntegralType(dtype, /*includeBool=*/false),
               ArgumentError, "remove_small_holes: only bool or integer arrays are supported, got ",
               dtype, " (scikit-image raises TypeError)");
  // The holes are the background components: keep the large ones as background.
  return keep_sizes(detail::as_volume(detail::binary(ar, true)), area_threshold, connectivity,
                    false, ar.sizes());
}

}  // namespace medimg
