#pragma once

// Connected components as runs along the last axis: the common core of label, keep_largest,
// fill_holes and the small-object filters, which never need an int64 label image.

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <vector>

namespace medimg::detail {

/// Columns [x0, x1) of one row.
struct Run {
  std::int64_t x0 = 0, x1 = 0;
};

struct Components {
  std::array<std::int64_t, 3> shape{};  ///< (Z, Y, X); 2D images have Z = 1
  /// The runs of row r = z * Y + y are [row_start[r], row_start[r + 1]).
  std::vector<std::int64_t> row_start;
  std::vector<Run> runs;                ///< in raster order
  std::vector<std::int64_t> run_label;  ///< per run: its component, 1..count
  std::int64_t count = 0;

  /// Voxels per component; entry 0 is unused (0).
  std::vector<std::int64_t> sizes() const;
  /// Per component: whether it touches the image border (the Z faces only when `dims` is 3).
  std::vector<bool> touches_border(int dims) const;
};

/// The checked rank and connectivity of a labelling input: `connectivity` 0 becomes dims.
/// @throws ShapeError, ArgumentError, Unsupported as label() documents.
int resolve_connectivity(const at::Tensor& image, int connectivity, const char* name);

/// The components of `image` (contiguous (Z, Y, X), bool or integer): maximal regions of
/// equal value other than `background`, connected with `connectivity` steps (1..3; 2D images
/// must pass at most 2). Components are numbered in raster order of their first voxel.
Components connected_components(const at::Tensor& image, int connectivity,
                                 std::int64_t background);

/// Writes `inside` on the runs of the components with keep[label] true and `!inside`
/// everywhere else into `out`, a contiguous bool tensor of the components' shape.
void paint_components(const Components& components, const std::vector<bool>& keep, bool inside,
                      const at::Tensor& out);

/// The non-zero voxels of `x` (the zero ones when `zero`), any dtype of core/dispatch.hpp, as
/// a contiguous bool tensor of x's shape; `x` itself when it is already one. (ATen's ne/eq
/// would first widen a bool tensor to int64: eight times the memory.)
at::Tensor binary(const at::Tensor& x, bool zero = false);

/// Whether `x` holds a NaN (always false for integer and bool dtypes); one parallel pass
/// without temporaries (ATen's isnan().any() allocates a bool tensor of x's size).
bool any_nan(const at::Tensor& x);

/// Whether `x` holds a NaN or an infinity (false for integer and bool dtypes).
bool any_non_finite(const at::Tensor& x);

/// `x` (2D or 3D) as a contiguous (Z, Y, X) tensor (a view when it already is one).
at::Tensor as_volume(const at::Tensor& x);

}  // namespace medimg::detail
