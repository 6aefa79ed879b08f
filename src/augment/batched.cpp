#include "medimg/augment/batched.hpp"

#include <ATen/Functions.h>

#include "medimg/core/error.hpp"

namespace medimg {
namespace {

/// grid_sample's padding_mode and align_corners for a border mode.
std::pair<std::int64_t, bool> padding_for(BorderMode border) {
  switch (border) {
    case BorderMode::Constant: return {0, false};
    case BorderMode::Edge: return {1, false};
    case BorderMode::Reflect: return {2, false};
    case BorderMode::Mirror: return {2, true};
    case BorderMode::Wrap: break;
  }
  MEDIMG_CHECK(false, Unsupported, "affine_batch: grid_sample has no 'wrap' border");
  return {0, false};
}

/// The (ndim+1)² matrix taking an array index to grid_sample's normalised coordinate along
/// each axis, for sizes `shape` (array order).
at::Tensor index_to_normalised(at::IntArrayRef shape, bool align_corners) {
  const auto dims = static_cast<std::int64_t>(shape.size());
  at::Tensor m = at::eye(dims + 1, at::TensorOptions(at::kDouble));
  for (std::int64_t d = 0; d < dims; ++d) {
    const double n = static_cast<double>(shape[d]);
    if (align_corners) {  // u = 2 i / (n - 1) - 1 (a single voxel sits at 0)
      m[d][d] = n > 1 ? 2.0 / (n - 1.0) : 0.0;
      m[d][dims] = n > 1 ? -1.0 : 0.0;
    } else {  // u = (2 i + 1) / n - 1
      m[d][d] = 2.0 / n;
      m[d][dims] = 1.0 / n - 1.0;
    }
  }
  return m;
}

}  // namespace

at::Tensor affine_batch(const at::Tensor& batch, const at::Tensor& matrices,
                        Interpolation interpolation, BorderMode border) {
  MEDIMG_CHECK(batch.defined() && (batch.dim() == 4 || batch.dim() == 5), ShapeError,
               "affine_batch: expected a batch (N, C, Y, X) or (N, C, Z, Y, X), got shape ",
               batch.defined() ? batch.sizes() : at::IntArrayRef{});
  const std::int64_t dims = batch.dim() - 2;
  MEDIMG_CHECK(matrices.defined() && matrices.dim() == 3 && matrices.size(0) == batch.size(0) &&
                   matrices.size(1) == dims + 1 && matrices.size(2) == dims + 1,
               ShapeError, "affine_batch: expected matrices (", batch.size(0), ", ", dims + 1, ", ",
               dims + 1, "), got ", matrices.defined() ? matrices.sizes() : at::IntArrayRef{});
  MEDIMG_CHECK(interpolation != Interpolation::BSpline3, Unsupported,
               "affine_batch: B-spline interpolation runs on the CPU only (affine_transform); "
               "use linear or nearest here");
  MEDIMG_CHECK(batch.is_floating_point(), ArgumentError,
               "affine_batch: grid_sample needs a floating-point batch, got ", batch.scalar_type());
  MEDIMG_CHECK(!at::isComplexType(matrices.scalar_type()) &&
                   matrices.to(at::kDouble).isfinite().all().item<bool>(),
               ArgumentError, "affine_batch: matrices must be real and finite (no NaN or inf)");
  const auto [padding, align_corners] = padding_for(border);

  const at::IntArrayRef spatial = batch.sizes().slice(2);
  const at::Tensor to_unit = index_to_normalised(spatial, align_corners);
  // theta maps the output's normalised coordinate to the input's, in array order...
  at::Tensor theta = at::matmul(at::matmul(to_unit, matrices.to(at::kDouble).cpu()),
                                at::inverse(to_unit));
  // ...and grid_sample orders coordinates x, y[, z]: reverse the axes.
  std::vector<std::int64_t> reversed;
  for (std::int64_t d = dims - 1; d >= 0; --d) reversed.push_back(d);
  const at::Tensor order = at::tensor(reversed, at::TensorOptions(at::kLong));
  theta = theta.index_select(1, order).index_select(2, at::cat({order, at::tensor({dims})}));
  theta = theta.slice(1, 0, dims).to(batch.scalar_type()).to(batch.device());
  const at::Tensor grid = at::affine_grid_generator(theta, batch.sizes(), align_corners);
  const std::int64_t mode = interpolation == Interpolation::Nearest ? 1 : 0;
  return at::grid_sampler(batch, grid, mode, padding, align_corners);
}

}  // namespace medimg
