#include "medimg/metrics/detail/mask_checks.hpp"

namespace medimg::detail {

MaskGrid mask_grid(const at::Tensor& mask, const std::vector<double>& spacing, const char* name) {
  MEDIMG_CHECK(mask.defined(), ArgumentError, name, " is undefined");
  MEDIMG_CHECK(mask.dim() == 2 || mask.dim() == 3, ShapeError, name,
               " must be a (Y, X) or (Z, Y, X) mask, got shape ", mask.sizes());
  MEDIMG_CHECK(mask.numel() > 0, ShapeError, name, " is empty: shape ", mask.sizes());
  MEDIMG_CHECK(mask.device().is_cpu(), Unsupported, name, " must be on the CPU, got ",
               mask.device());
  MaskGrid grid;
  grid.dims = static_cast<int>(mask.dim());
  grid.mask = mask.contiguous();
  grid.shape = {1, 1, 1};
  grid.spacing = {1, 1, 1};
  const int offset = 3 - grid.dims;
  for (int k = 0; k < grid.dims; ++k) grid.shape[offset + k] = mask.size(k);
  if (!spacing.empty()) {
    MEDIMG_CHECK(static_cast<int>(spacing.size()) == grid.dims, ArgumentError,
                 "spacing must have one value per axis of ", name, " (", grid.dims, "), got ",
                 spacing.size());
    for (int k = 0; k < grid.dims; ++k) {
      MEDIMG_CHECK(std::isfinite(spacing[k]) && spacing[k] > 0, ArgumentError,
                   "spacing must be finite and > 0, got ", spacing[k], " along axis ", k);
      grid.spacing[offset + k] = spacing[k];
    }
  }
  return grid;
}

MaskGrid binary_mask_grid(const at::Tensor& mask, const std::vector<double>& spacing,
                          const char* name) {
  MaskGrid grid = mask_grid(mask, spacing, name);
  const at::ScalarType dtype = mask.scalar_type();
  MEDIMG_CHECK(dtype == at::kBool || at::isIntegralType(dtype, /*includeBool=*/false),
               ArgumentError, name, " must be a binary mask (bool or integer 0/1), got dtype ",
               dtype);
  if (dtype != at::kBool) {
    const at::Tensor valid = grid.mask.eq(0).logical_or_(grid.mask.eq(1));
    MEDIMG_CHECK(valid.all().item<bool>(), ArgumentError, name,
                 " must be binary (0/1): it holds other values; threshold it or compare "
                 "with a label first");
  }
  // A bool mask is read as bytes in place (same size, values 0/1): no copy of a large volume.
  grid.mask = dtype == at::kBool ? grid.mask.view(at::kByte) : grid.mask.to(at::kByte);
  return grid;
}

void check_same_shape(const at::Tensor& a, const at::Tensor& b, const char* name_a,
                      const char* name_b) {
  MEDIMG_CHECK(a.sizes() == b.sizes(), ShapeError, name_a, " and ", name_b,
               " must have the same shape, got ", a.sizes(), " and ", b.sizes());
}

}  // namespace medimg::detail
