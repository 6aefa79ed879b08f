#pragma once

// The summed-area tables of one 2D image, templated on the accumulator: int64 / double for
// integral_images, uint32 for the cascade (sums wrap around modulo 2^32 like OpenCV's CV_32S
// tables, and a rectangle sum of four lookups is still exact as long as it fits in 32 bits).

#include <cstdint>

namespace medimg::detail {

/// Fills sum, squared and tilted (each optional), each (rows + 1) x (cols + 1) with row
/// stride `stride` (default cols + 1; larger to pack several tables in one buffer), from
/// `pixel(y, x)`.
///
/// tilted uses T(X, Y) = T(X-1, Y-1) + T(X+1, Y-1) - T(X, Y-2) + I(X-1, Y-1) + I(X-1, Y-2)
/// (two diagonal triangles overlap in the one two rows up), with the out-of-range columns
/// T(-1, Y) = T(0, Y-1) and T(cols+1, Y) = T(cols, Y-1) that clipping to the image implies.
template <typename Acc, typename Pixel>
void integral_tables(std::int64_t rows, std::int64_t cols, const Pixel& pixel, Acc* sum,
                     Acc* squared, Acc* tilted, std::int64_t stride = 0) {
  if (stride <= 0) stride = cols + 1;
  for (std::int64_t x = 0; x <= cols; ++x) {
    if (sum) sum[x] = 0;
    if (squared) squared[x] = 0;
    if (tilted) tilted[x] = 0;
  }
  for (std::int64_t y = 1; y <= rows; ++y) {
    Acc row_sum = 0, row_squared = 0;
    const std::int64_t o = y * stride;
    if (sum) sum[o] = 0;
    if (squared) squared[o] = 0;
    for (std::int64_t x = 1; x <= cols; ++x) {
      const Acc v = static_cast<Acc>(pixel(y - 1, x - 1));
      if (sum) {
        row_sum += v;
        sum[o + x] = sum[o - stride + x] + row_sum;
      }
      if (squared) {
        row_squared += v * v;
        squared[o + x] = squared[o - stride + x] + row_squared;
      }
    }
    if (!tilted) continue;
    const Acc* up1 = tilted + o - stride;
    const Acc* up2 = y >= 2 ? tilted + o - 2 * stride : nullptr;
    for (std::int64_t x = 0; x <= cols; ++x) {
      const Acc left = x >= 1 ? up1[x - 1] : (up2 ? up2[0] : Acc(0));
      const Acc right = x + 1 <= cols ? up1[x + 1] : (up2 ? up2[cols] : Acc(0));
      Acc t = left + right;
      if (up2) t -= up2[x];
      if (x >= 1) {
        t += static_cast<Acc>(pixel(y - 1, x - 1));
        if (y >= 2) t += static_cast<Acc>(pixel(y - 2, x - 1));
      }
      tilted[o + x] = t;
    }
  }
}

/// integral_tables for uint8 rows in uint32 (what detection and training use), with the row
/// pointer hoisted and sum and squared sum in one pass: several times faster than the
/// generic loop. `pixels` has rows `row_stride` bytes apart.
inline void integral_tables_u8(std::int64_t rows, std::int64_t cols, const std::uint8_t* pixels,
                               std::int64_t row_stride, std::uint32_t* sum,
                               std::uint32_t* squared, std::uint32_t* tilted,
                               std::int64_t stride) {
  for (std::int64_t x = 0; x <= cols; ++x) sum[x] = squared[x] = 0;
  for (std::int64_t y = 1; y <= rows; ++y) {
    const std::uint8_t* row = pixels + (y - 1) * row_stride;
    std::uint32_t* __restrict s = sum + y * stride;
    std::uint32_t* __restrict q = squared + y * stride;
    const std::uint32_t* __restrict s_up = s - stride;
    const std::uint32_t* __restrict q_up = q - stride;
    std::uint32_t row_sum = 0, row_squared = 0;
    s[0] = q[0] = 0;
    for (std::int64_t x = 0; x < cols; ++x) {
      const std::uint32_t v = row[x];
      row_sum += v;
      row_squared += v * v;
      s[x + 1] = s_up[x + 1] + row_sum;
      q[x + 1] = q_up[x + 1] + row_squared;
    }
  }
  if (tilted) {
    integral_tables<std::uint32_t>(
        rows, cols, [&](std::int64_t y, std::int64_t x) { return pixels[y * row_stride + x]; },
        static_cast<std::uint32_t*>(nullptr), static_cast<std::uint32_t*>(nullptr), tilted,
        stride);
  }
}

}  // namespace medimg::detail
