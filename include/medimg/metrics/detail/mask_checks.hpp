#pragma once

// Validation shared by the mask metrics: rank, spacing, binary values, equal shapes.

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg::detail {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// A 2D or 3D mask made contiguous, with shape and spacing padded to three axes (a leading
/// axis of size 1 and spacing 1 for 2D).
struct MaskGrid {
  at::Tensor mask;
  int dims = 3;
  std::array<std::int64_t, 3> shape{};
  std::array<double, 3> spacing{};
};

/// @throws ShapeError unless mask is 2D or 3D with no empty axis; ArgumentError for a spacing
/// of the wrong length, not finite or <= 0; Unsupported for non-CPU tensors.
MaskGrid mask_grid(const at::Tensor& mask, const std::vector<double>& spacing, const char* name);

/// The same grid with every voxel 0 or 1 as uint8.
/// @throws ArgumentError when `name` holds a value other than 0/1/false/true, or is float.
MaskGrid binary_mask_grid(const at::Tensor& mask, const std::vector<double>& spacing,
                          const char* name);

/// @throws ShapeError when the two masks differ in shape, naming both shapes.
void check_same_shape(const at::Tensor& a, const at::Tensor& b, const char* name_a,
                      const char* name_b);

/// Calls visit(flat_index, foreground) for every voxel in parallel (foreground = non-zero).
/// @throws ArgumentError when a voxel is NaN.
template <typename Visit>
void for_each_mask_value(const MaskGrid& grid, Visit&& visit) {
  std::atomic<bool> saw_nan{false};
  dispatch_dtype<1>(grid.mask.reshape({-1}), [&](auto values) {
    using T = typename decltype(values)::value_type;
    parallel_for(0, values.size(0), 1 << 15, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t i = first; i < last; ++i) {
        const T v = values(i);
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(v)) saw_nan = true;
        }
        visit(i, v != T(0));
      }
    });
  });
  MEDIMG_CHECK(!saw_nan, ArgumentError, "a mask cannot contain NaN");
}

}  // namespace medimg::detail
