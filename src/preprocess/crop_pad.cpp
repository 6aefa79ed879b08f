#include "medimg/preprocess/crop_pad.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "detail/index_map.hpp"
#include "detail/sampling.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {
namespace {

BorderMode border_of(PadMode mode) {
  switch (mode) {
    case PadMode::Constant: return BorderMode::Constant;
    case PadMode::Edge: return BorderMode::Edge;
    case PadMode::Reflect: return BorderMode::Mirror;
    case PadMode::Symmetric: return BorderMode::Reflect;
    case PadMode::Wrap: return BorderMode::Wrap;
  }
  return BorderMode::Constant;
}

template <typename T>
bool holds(double value) {
  return value >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
         value <= static_cast<double>(std::numeric_limits<T>::max());
}

// The pad value must be a value of an integer or bool image. Checked here so that the error
// names the caller: the sampler's own check would name affine_transform.
void check_pad_value(at::ScalarType dtype, double value, const char* who) {
  bool fits = std::isfinite(value) && value == std::trunc(value);
  switch (dtype) {
    case at::kBool: fits = value == 0.0 || value == 1.0; break;
    case at::kByte: fits = fits && holds<std::uint8_t>(value); break;
    case at::kChar: fits = fits && holds<std::int8_t>(value); break;
    case at::kShort: fits = fits && holds<std::int16_t>(value); break;
    case at::kInt: fits = fits && holds<std::int32_t>(value); break;
    case at::kLong: fits = fits && holds<std::int64_t>(value); break;
    default: return;  // floating-point images take any value
  }
  MEDIMG_CHECK(fits, ArgumentError, who, ": value ", value, " is not a value of the image dtype ",
               dtype);
}

/// The image on the grid whose voxel j is old voxel j + offset, of spatial shape `shape`:
/// a nearest-neighbour sample at integer positions, so values are copied exactly.
Image shifted(const Image& image, const std::vector<std::int64_t>& offset,
              const std::vector<std::int64_t>& shape, PadMode mode, double value,
              const char* who) {
  const int dims = image.spatial_dims();
  detail::check_spatial_shape(shape, dims, who);  // errors name the caller, not the sampler
  if (mode == PadMode::Constant) check_pad_value(image.tensor().scalar_type(), value, who);
  Eigen::MatrixXd map = Eigen::MatrixXd::Identity(dims + 1, dims + 1);
  for (int k = 0; k < dims; ++k) map(k, dims) = static_cast<double>(offset[k]);
  SampleOptions options;
  options.interpolation = Interpolation::Nearest;
  options.border = border_of(mode);
  options.fill_value = value;
  return Image(affine_transform(image.tensor(), map, shape, options),
               detail::mapped_geometry(image.geometry(), map), image.meta());
}

Image cropped(const Image& image, const std::vector<std::int64_t>& start,
              const std::vector<std::int64_t>& stop) {
  const int dims = image.spatial_dims();
  at::Tensor voxels = image.tensor();
  Eigen::MatrixXd map = Eigen::MatrixXd::Identity(dims + 1, dims + 1);
  for (int k = 0; k < dims; ++k) {
    voxels = voxels.narrow(k + 1, start[k], stop[k] - start[k]);
    map(k, dims) = static_cast<double>(start[k]);
  }
  return Image(voxels, detail::mapped_geometry(image.geometry(), map), image.meta());
}

/// Per (channel, z, y) row of a (C, Z, Y, X) view, the first and last x with a value >
/// threshold (first = X when none), then reduced to a box in a fixed order.
template <typename T>
IndexBox box_of(const ImageView<T, 4>& v, double threshold, int dims) {
  const std::int64_t rows = v.size(0) * v.size(1) * v.size(2), width = v.size(3);
  std::vector<std::int64_t> first(rows, width), last(rows, -1);
  parallel_for(0, rows, std::max<std::int64_t>(1, 16384 / width),
               [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const std::int64_t y = r % v.size(2), z = (r / v.size(2)) % v.size(1);
      const std::int64_t c = r / v.size(2) / v.size(1);
      const T* row = &v(c, z, y, 0);
      for (std::int64_t x = 0; x < width; ++x) {
        if (static_cast<double>(row[x * v.stride(3)]) > threshold) {
          if (first[r] == width) first[r] = x;
          last[r] = x;
        }
      }
    }
  });
  std::array<std::int64_t, 3> lo{v.size(1), v.size(2), width}, hi{-1, -1, -1};
  for (std::int64_t r = 0; r < rows; ++r) {
    if (last[r] < 0) continue;
    const std::int64_t y = r % v.size(2), z = (r / v.size(2)) % v.size(1);
    lo = {std::min(lo[0], z), std::min(lo[1], y), std::min(lo[2], first[r])};
    hi = {std::max(hi[0], z), std::max(hi[1], y), std::max(hi[2], last[r])};
  }
  IndexBox box;
  box.start.assign(dims, 0);
  box.stop.assign(dims, 0);
  if (hi[2] < 0) return box;
  for (int k = 0; k < dims; ++k) {
    const int axis = k + 3 - dims;  // a 2D image is (C, 1, Y, X)
    box.start[k] = lo[axis];
    box.stop[k] = hi[axis] + 1;
  }
  return box;
}

Image crop_to_box(const Image& image, const IndexBox& box, const std::vector<std::int64_t>& margin,
                  const char* who) {
  const int dims = image.spatial_dims();
  const auto margins = detail::per_axis(margin, dims, who, "margin");
  for (auto m : margins) {
    MEDIMG_CHECK(m >= 0, ArgumentError, who, ": margin must be >= 0, got ", m);
  }
  if (box.empty()) return image;
  const auto shape = image.spatial_shape();
  std::vector<std::int64_t> start(dims), stop(dims);
  for (int k = 0; k < dims; ++k) {
    start[k] = std::max<std::int64_t>(0, box.start[k] - margins[k]);
    stop[k] = std::min(shape[k], box.stop[k] + margins[k]);
  }
  return cropped(image, start, stop);
}

}  // namespace

bool IndexBox::empty() const {
  for (std::size_t k = 0; k < start.size(); ++k) {
    if (stop[k] <= start[k]) return true;
  }
  return start.empty();
}

Image crop(const Image& image, const std::vector<std::int64_t>& start,
           const std::vector<std::int64_t>& stop) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "crop: the image is undefined");
  const int dims = image.spatial_dims();
  MEDIMG_CHECK(static_cast<int>(start.size()) == dims && static_cast<int>(stop.size()) == dims,
               ShapeError, "crop: start and stop need ", dims, " values each (array order), got ",
               start.size(), " and ", stop.size());
  const auto shape = image.spatial_shape();
  for (int k = 0; k < dims; ++k) {
    MEDIMG_CHECK(start[k] >= 0 && start[k] < stop[k] && stop[k] <= shape[k], ArgumentError,
                 "crop: along axis ", k, " the box [", start[k], ", ", stop[k],
                 ") must be non-empty and inside [0, ", shape[k], ")");
  }
  return cropped(image, start, stop);
}

Image pad(const Image& image, const std::vector<std::int64_t>& before,
          const std::vector<std::int64_t>& after, PadMode mode, double value) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "pad: the image is undefined");
  const int dims = image.spatial_dims();
  const auto lead = detail::per_axis(before, dims, "pad", "before");
  const auto trail = detail::per_axis(after, dims, "pad", "after");
  const auto shape = image.spatial_shape();
  std::vector<std::int64_t> offset(dims), padded(dims);
  for (int k = 0; k < dims; ++k) {
    constexpr std::int64_t kMaxWidth = std::int64_t{1} << 40;  // keeps the sums in int64
    MEDIMG_CHECK(lead[k] >= 0 && trail[k] >= 0 && lead[k] <= kMaxWidth && trail[k] <= kMaxWidth,
                 ArgumentError, "pad: widths must be in [0, 2^40], got (", lead[k], ", ",
                 trail[k], ") along axis ", k);
    offset[k] = -lead[k];
    padded[k] = shape[k] + lead[k] + trail[k];
  }
  return shifted(image, offset, padded, mode, value, "pad");
}

Image crop_or_pad(const Image& image, const std::vector<std::int64_t>& shape, PadMode mode,
                  double value) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "crop_or_pad: the image is undefined");
  const int dims = image.spatial_dims();
  const auto target = detail::per_axis(shape, dims, "crop_or_pad", "shape");
  const auto current = image.spatial_shape();
  std::vector<std::int64_t> offset(dims);
  bool pads = false;
  for (int k = 0; k < dims; ++k) {
    MEDIMG_CHECK(target[k] >= 1, ShapeError, "crop_or_pad: sizes must be >= 1, got ", target[k]);
    if (current[k] >= target[k]) {
      offset[k] = current[k] / 2 - target[k] / 2;
    } else {
      offset[k] = -((target[k] - current[k]) / 2);
      pads = true;
    }
  }
  if (!pads) {
    std::vector<std::int64_t> stop(dims);
    for (int k = 0; k < dims; ++k) stop[k] = offset[k] + target[k];
    return cropped(image, offset, stop);
  }
  return shifted(image, offset, target, mode, value, "crop_or_pad");
}

IndexBox foreground_box(const at::Tensor& voxels, double threshold) {
  const int dims = detail::checked_spatial_rank(voxels, "foreground_box");
  return dispatch_dtype<4>(dims == 3 ? voxels : voxels.unsqueeze(1),
                           [&](auto v) { return box_of(v, threshold, dims); });
}

Image crop_foreground(const Image& image, double threshold,
                      const std::vector<std::int64_t>& margin) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "crop_foreground: the image is undefined");
  return crop_to_box(image, foreground_box(image.tensor(), threshold), margin, "crop_foreground");
}

Image crop_foreground(const Image& image, const at::Tensor& mask,
                      const std::vector<std::int64_t>& margin) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "crop_foreground: the image is undefined");
  MEDIMG_CHECK(mask.defined(), ArgumentError, "crop_foreground: the mask is undefined");
  const int dims = image.spatial_dims();
  const at::Tensor channels = mask.dim() == dims ? mask.unsqueeze(0) : mask;
  const at::IntArrayRef spatial = image.tensor().sizes().slice(1);
  MEDIMG_CHECK(channels.dim() == dims + 1 && channels.sizes().slice(1) == spatial,
               ShapeError, "crop_foreground: the mask must have the image's spatial shape ",
               spatial, ", got ", mask.sizes());
  return crop_to_box(image, foreground_box(channels, 0.0), margin, "crop_foreground");
}

}  // namespace medimg
