// The cubic B-spline prefilter over whole volumes: spline_filter and the padded coefficients
// that B-spline sampling reads.
#include "medimg/preprocess/interpolation.hpp"

#include <algorithm>
#include <vector>

#include "detail/sampling.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/detail/bspline.hpp"

namespace medimg {
namespace detail {
namespace {

// scipy pads this much before filtering for 'grid-constant' and 'nearest'.
constexpr std::int64_t kSplinePad = 12;

// Lines are filtered this many at a time, interleaved, so the recursion vectorises.
constexpr std::int64_t kBundle = 16;

/// Prefilters every line of a contiguous (C, Z, Y, X) volume along each spatial axis.
template <typename T>
void prefilter_volume(const ImageView<T, 4>& volume, BorderMode boundary) {
  for (int axis = 1; axis < 4; ++axis) {
    const std::int64_t n = volume.size(axis);
    if (n < 2) continue;
    // Bundles run along `across` (x, or y when filtering along x); `other` is the third axis.
    const int across = axis == 3 ? 2 : 3;
    const int other = 6 - axis - across;
    const std::int64_t bundles = (volume.size(across) + kBundle - 1) / kBundle;
    const std::int64_t tasks = volume.size(0) * volume.size(other) * bundles;
    const std::int64_t step = volume.stride(axis), lateral = volume.stride(across);
    parallel_for(0, tasks, std::max<std::int64_t>(1, 65536 / (n * kBundle)),
                 [&](std::int64_t first, std::int64_t last) {
      std::vector<double> lines(static_cast<std::size_t>(n * kBundle));
      for (std::int64_t task = first; task < last; ++task) {
        const std::int64_t bundle = task % bundles;
        const std::int64_t o = (task / bundles) % volume.size(other);
        const std::int64_t c = task / bundles / volume.size(other);
        const std::int64_t start = bundle * kBundle;
        const std::int64_t width = std::min(kBundle, volume.size(across) - start);
        T* base = volume.data() + c * volume.stride(0) + o * volume.stride(other) + start * lateral;
        for (std::int64_t i = 0; i < n; ++i) {
          for (std::int64_t w = 0; w < width; ++w) {
            lines[i * width + w] = static_cast<double>(base[i * step + w * lateral]);
          }
        }
        prefilter_cubic_lines(lines.data(), n, width, boundary);
        for (std::int64_t i = 0; i < n; ++i) {
          for (std::int64_t w = 0; w < width; ++w) {
            base[i * step + w * lateral] = static_cast<T>(lines[i * width + w]);
          }
        }
      }
    });
  }
}

/// Filters `coefficients` (owned, contiguous, float or double) in place.
void prefilter_tensor(const at::Tensor& coefficients, BorderMode boundary) {
  const at::Tensor as4 = coefficients.dim() == 4 ? coefficients : coefficients.unsqueeze(1);
  if (coefficients.scalar_type() == at::kDouble) {
    prefilter_volume(view<double, 4>(as4), boundary);
  } else {
    prefilter_volume(view<float, 4>(as4), boundary);
  }
}

}  // namespace

at::Tensor spline_coefficients(const at::Tensor& voxels, BorderMode border, double fill_value,
                               std::int64_t& pad) {
  const int dims = checked_spatial_rank(voxels, "spline_coefficients");
  const at::Tensor floating = voxels.to(floating_dtype(voxels.scalar_type()));
  at::Tensor coefficients;
  if (border == BorderMode::Constant || border == BorderMode::Edge) {
    pad = kSplinePad;
    // The padded volume is the input sampled at integer positions shifted by -pad: nearest
    // neighbour with the same border gives numpy.pad's 'constant' and 'edge'.
    Eigen::MatrixXd shift = Eigen::MatrixXd::Identity(dims + 1, dims + 1);
    std::vector<std::int64_t> shape(dims);
    for (int k = 0; k < dims; ++k) {
      shift(k, dims) = -static_cast<double>(pad);
      shape[k] = voxels.size(k + 1) + 2 * pad;
    }
    SampleOptions nearest;
    nearest.interpolation = Interpolation::Nearest;
    nearest.border = border;
    nearest.fill_value = fill_value;
    coefficients = affine_transform(floating, shift, shape, nearest);
  } else {
    pad = 0;
    coefficients = floating.contiguous().clone();
  }
  prefilter_tensor(coefficients, prefilter_boundary(border));
  return coefficients;
}

}  // namespace detail

at::Tensor spline_filter(const at::Tensor& voxels, BorderMode border) {
  detail::checked_spatial_rank(voxels, "spline_filter");
  at::Tensor coefficients =
      voxels.to(detail::floating_dtype(voxels.scalar_type())).contiguous().clone();
  detail::prefilter_tensor(coefficients, detail::prefilter_boundary(border));
  return coefficients;
}

}  // namespace medimg
