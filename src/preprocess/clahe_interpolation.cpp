// CLAHE's interpolation between the regions' mappings (detail/clahe_interpolation.hpp): per
// row with the corners folded along y, or, for 2D images, through per-block bilinear tables.
#include "detail/clahe_interpolation.hpp"

#include <algorithm>
#include <limits>
#include <mutex>
#include <tuple>

#include "detail/avx2.hpp"
#include "detail/channels.hpp"
#include "medimg/core/parallel.hpp"

#if MEDIMG_HAS_AVX2_CLONES
#include <immintrin.h>
#endif

namespace medimg::detail::clahe_parts {
namespace {

// A (z, y) corner of the interpolation: the mappings of region (tz, ty, 0) and its weight
// c_y * c_z.
struct Corner {
  const float* maps;
  float weight;
};

// Writes the level of an interpolated value, truncated ("result.astype(uint16)"; the value
// is >= 0), and widens [low, high] to it: the scalar counterpart of Levels8.
inline void put_level(float value, std::uint16_t* out, std::int32_t& low, std::int32_t& high) {
  const auto level = static_cast<std::int32_t>(value);
  low = level < low ? level : low;
  high = level > high ? level : high;
  *out = static_cast<std::uint16_t>(level);
}

// One row of the interpolation with K (z, y) corners: for a voxel x in bin b, each corner's
// mappings of regions lower[x] and upper[x] are mixed along x, then the corners by their
// weights, in float32; the sum is truncated to a level ("result.astype(uint16)") and written
// to `out` (which may be `bins`). Fixed-size loops without branches: under AVX2, eight voxels
// per step with two gathers per corner. `range` collects the levels' min and max.
template <int K>
void interpolate_row_generic(const std::uint16_t* bins, std::uint16_t* out, std::int64_t width,
                             const Corner* corners, const std::int32_t* lower,
                             const std::int32_t* upper, const float* weight,
                             std::int32_t* range) {
  const float* maps[K];
  float cyz[K];
  for (int k = 0; k < K; ++k) {
    maps[k] = corners[k].maps;
    cyz[k] = corners[k].weight;
  }
  std::int32_t low = range[0], high = range[1];
  for (std::int64_t x = 0; x < width; ++x) {
    const std::int32_t b = bins[x];
    const float cx = weight[x];
    float sum = 0.0f;
    for (int k = 0; k < K; ++k) {
      const float from = maps[k][lower[x] + b], to = maps[k][upper[x] + b];
      sum += cyz[k] * (from + cx * (to - from));
    }
    put_level(sum, out + x, low, high);
  }
  range[0] = low;
  range[1] = high;
}

#if MEDIMG_HAS_AVX2_CLONES
// The levels of a row, eight voxels at a time: truncated, stored as uint16, and their range
// collected into range[0 .. 1] at the end.
struct Levels8 {
  __m256i low, high;

  MEDIMG_AVX2_CLONE explicit Levels8(const std::int32_t* range)
      : low(_mm256_set1_epi32(range[0])), high(_mm256_set1_epi32(range[1])) {}

  MEDIMG_AVX2_CLONE void store(__m256 value, std::uint16_t* out) {
    const __m256i level = _mm256_cvttps_epi32(value);  // truncates: value >= 0
    low = _mm256_min_epi32(low, level);
    high = _mm256_max_epi32(high, level);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                     _mm_packus_epi32(_mm256_castsi256_si128(level),
                                      _mm256_extracti128_si256(level, 1)));
  }

  MEDIMG_AVX2_CLONE void finish(std::int32_t* range) const {
    alignas(32) std::int32_t lows[8], highs[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lows), low);
    _mm256_store_si256(reinterpret_cast<__m256i*>(highs), high);
    range[0] = *std::min_element(lows, lows + 8);
    range[1] = *std::max_element(highs, highs + 8);
  }
};

// interpolate_row_generic eight voxels at a time, with the same operations in the same order
// (GCC does not vectorise the generic loop by itself: it cannot rule out aliasing).
template <int K>
MEDIMG_AVX2_CLONE void interpolate_row_avx2(const std::uint16_t* bins, std::uint16_t* out,
                                            std::int64_t width, const Corner* corners,
                                            const std::int32_t* lower, const std::int32_t* upper,
                                            const float* weight, std::int32_t* range) {
  const float* maps[K];
  __m256 cyz[K];
  for (int k = 0; k < K; ++k) {
    maps[k] = corners[k].maps;
    cyz[k] = _mm256_set1_ps(corners[k].weight);
  }
  Levels8 levels(range);
  std::int64_t x = 0;
  for (; x + 8 <= width; x += 8) {
    const __m256i b =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bins + x)));
    const __m256i from_at =
        _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(lower + x)), b);
    const __m256i to_at =
        _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(upper + x)), b);
    const __m256 cx = _mm256_loadu_ps(weight + x);
    // Eight voxels of one bin between the same two regions (a flat background): two loads
    // per corner instead of two gathers.
    const bool run = _mm256_movemask_epi8(_mm256_cmpeq_epi32(
                         from_at, _mm256_permutevar8x32_epi32(from_at, _mm256_setzero_si256()))) ==
                         -1 &&
                     _mm256_movemask_epi8(_mm256_cmpeq_epi32(
                         to_at, _mm256_permutevar8x32_epi32(to_at, _mm256_setzero_si256()))) == -1;
    __m256 sum = _mm256_setzero_ps();
    for (int k = 0; k < K; ++k) {
      const __m256 from = run ? _mm256_set1_ps(maps[k][_mm256_cvtsi256_si32(from_at)])
                              : _mm256_i32gather_ps(maps[k], from_at, 4);
      const __m256 to = run ? _mm256_set1_ps(maps[k][_mm256_cvtsi256_si32(to_at)])
                            : _mm256_i32gather_ps(maps[k], to_at, 4);
      const __m256 mixed = _mm256_add_ps(from, _mm256_mul_ps(cx, _mm256_sub_ps(to, from)));
      sum = _mm256_add_ps(sum, _mm256_mul_ps(cyz[k], mixed));
    }
    levels.store(sum, out + x);
  }
  levels.finish(range);
  interpolate_row_generic<K>(bins + x, out + x, width - x, corners, lower + x, upper + x,
                             weight + x, range);
}
#endif

template <int K>
void interpolate_row(const std::uint16_t* bins, std::uint16_t* out, std::int64_t width,
                     const Corner* corners,
                     const std::int32_t* lower, const std::int32_t* upper, const float* weight,
                     std::int32_t* range) {
#if MEDIMG_HAS_AVX2_CLONES
  if (detail::cpu_has_avx2()) {
    return interpolate_row_avx2<K>(bins, out, width, corners, lower, upper, weight, range);
  }
#endif
  interpolate_row_generic<K>(bins, out, width, corners, lower, upper, weight, range);
}

// out[i] = sum over the K corners of weight * maps[i], for i in [0, n), in one pass.
template <int K>
void fold_corners_generic(const Corner* corners, std::int64_t n, float* out) {
  const float* maps[K];
  float weight[K];
  for (int k = 0; k < K; ++k) {
    maps[k] = corners[k].maps;
    weight[k] = corners[k].weight;
  }
  for (std::int64_t i = 0; i < n; ++i) {
    float sum = weight[0] * maps[0][i];
    for (int k = 1; k < K; ++k) sum += weight[k] * maps[k][i];
    out[i] = sum;
  }
}

template <int K>
MEDIMG_AVX2_CLONE void fold_corners_avx2(const Corner* corners, std::int64_t n, float* out) {
  fold_corners_generic<K>(corners, n, out);
}

template <int K>
void fold_corners(const Corner* corners, std::int64_t n, float* out) {
  if (detail::cpu_has_avx2()) return fold_corners_avx2<K>(corners, n, out);
  fold_corners_generic<K>(corners, n, out);
}

// body(first, last, part) over [0, rows) in parallel chunks of at least `grain` rows, each
// collecting its levels' range into part[0 .. 1]; returns the range of all of them.
template <typename Body>
std::array<std::int32_t, 2> rows_with_range(std::int64_t rows, std::int64_t grain, Body&& body) {
  std::mutex merging;
  std::array<std::int32_t, 2> range{std::numeric_limits<std::int32_t>::max(), 0};
  parallel_for(0, rows, grain, [&](std::int64_t first, std::int64_t last) {
    std::int32_t part[2] = {std::numeric_limits<std::int32_t>::max(), 0};
    body(first, last, part);
    const std::lock_guard<std::mutex> lock(merging);
    range = {std::min(range[0], part[0]), std::max(range[1], part[1])};
  });
  return range;
}

// ---- 2D: one table entry per voxel -------------------------------------------------------
//
// A voxel of a 2D image lies in block (P_y // k_y, P_x // k_x) of the padded grid and mixes
// the mappings m00, m01, m10, m11 of that block's four regions (lower/upper along y, then
// x). Per block and bin the mix is (a + c_x b) + c_y (c + c_x d) with a = m00,
// b = m01 − m00, c = m10 − m00, d = m11 − m10 − m01 + m00, all exact (integers below 2^16),
// so that each voxel reads one 16-byte entry rather than four mappings (or two after a
// per-row fold): the blocks' tables cost (regions + 1)^2 * nbins entries once per channel.

struct alignas(16) Bilinear {
  float a, b, c, d;
};

// The entries of one block from its four regions' mappings.
void bilinear_entries_generic(const float* m00, const float* m01, const float* m10,
                              const float* m11, int nbins, Bilinear* entry) {
  for (int b = 0; b < nbins; ++b) {
    entry[b] = {m00[b], m01[b] - m00[b], m10[b] - m00[b], m11[b] - m10[b] - m01[b] + m00[b]};
  }
}

MEDIMG_AVX2_CLONE void bilinear_entries_avx2(const float* m00, const float* m01,
                                             const float* m10, const float* m11, int nbins,
                                             Bilinear* entry) {
  bilinear_entries_generic(m00, m01, m10, m11, nbins, entry);
}

void bilinear_entries(const float* m00, const float* m01, const float* m10, const float* m11,
                      int nbins, Bilinear* entry) {
  if (detail::cpu_has_avx2()) return bilinear_entries_avx2(m00, m01, m10, m11, nbins, entry);
  bilinear_entries_generic(m00, m01, m10, m11, nbins, entry);
}

std::vector<Bilinear> bilinear_blocks(const std::vector<float>& maps, const Regions& g,
                                      int nbins) {
  const AxisRegions& ay = g.axes[1];
  const AxisRegions& ax = g.axes[2];
  const std::int64_t columns = ax.regions + 1;
  std::vector<Bilinear> blocks(static_cast<std::size_t>((ay.regions + 1) * columns * nbins));
  const auto region = [](std::int64_t block, const AxisRegions& a) {
    return std::clamp<std::int64_t>(block, 0, a.regions - 1);
  };
  for (std::int64_t by = 0; by <= ay.regions; ++by) {
    for (std::int64_t bx = 0; bx < columns; ++bx) {
      const auto map = [&](std::int64_t ty, std::int64_t tx) {
        return maps.data() + (region(ty, ay) * ax.regions + region(tx, ax)) * nbins;
      };
      const float* m00 = map(by - 1, bx - 1);
      const float* m01 = map(by - 1, bx);
      const float* m10 = map(by, bx - 1);
      const float* m11 = map(by, bx);
      bilinear_entries(m00, m01, m10, m11, nbins, blocks.data() + (by * columns + bx) * nbins);
    }
  }
  return blocks;
}

// One row: the voxel in column x reads entry column[x] + bin of the row's blocks.
void bilinear_row_generic(const std::uint16_t* bins, std::uint16_t* out, std::int64_t width,
                          const Bilinear* blocks, const std::int32_t* column, const float* cx,
                          float cy, std::int32_t* range) {
  std::int32_t low = range[0], high = range[1];
  for (std::int64_t x = 0; x < width; ++x) {
    const Bilinear& e = blocks[column[x] + bins[x]];
    const float value = (e.a + cx[x] * e.b) + cy * (e.c + cx[x] * e.d);
    put_level(value, out + x, low, high);
  }
  range[0] = low;
  range[1] = high;
}

#if MEDIMG_HAS_AVX2_CLONES
// The entries at byte offsets i and j of a table of Bilinear, one per 128-bit lane.
MEDIMG_AVX2_CLONE inline __m256 entry_pair(const char* table, std::uint32_t i, std::uint32_t j) {
  return _mm256_insertf128_ps(
      _mm256_castps128_ps256(_mm_load_ps(reinterpret_cast<const float*>(table + i))),
      _mm_load_ps(reinterpret_cast<const float*>(table + j)), 1);
}

// bilinear_row_generic eight voxels at a time: eight 16-byte loads transposed into a, b, c
// and d, or one broadcast where the eight read one entry (a flat background). The entries'
// byte offsets of 256 voxels are computed first, so that the table loads of one group do
// not wait for their offsets to pass through memory (0.07 ms less on a 512² slice of noise)
// and need no address arithmetic of their own. Looks for flat groups only where kFlat, and
// returns how many it found.
template <bool kFlat>
MEDIMG_AVX2_CLONE std::int64_t bilinear_row_avx2(const std::uint16_t* bins, std::uint16_t* out,
                                                 std::int64_t width, const Bilinear* blocks,
                                                 const std::int32_t* column, const float* cx,
                                                 float cy, std::int32_t* range) {
  const auto* table = reinterpret_cast<const char*>(blocks);
  const __m256 row_weight = _mm256_set1_ps(cy);
  Levels8 levels(range);
  constexpr std::int64_t kChunk = 256;  // voxels whose entries are computed ahead
  alignas(32) std::uint32_t offsets[kChunk];
  std::int64_t flat = 0;
  std::int64_t x = 0;
  while (x + 8 <= width) {
    const std::int64_t count = std::min<std::int64_t>(kChunk, (width - x) / 8 * 8);
    for (std::int64_t i = 0; i < count; i += 8) {
      const __m256i at = _mm256_add_epi32(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(column + x + i)),
          _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bins + x + i))));
      _mm256_store_si256(reinterpret_cast<__m256i*>(offsets + i),
                         _mm256_slli_epi32(at, 4));  // sizeof(Bilinear)
    }
    for (std::int64_t i = 0; i < count; i += 8) {
      const std::uint32_t* offset = offsets + i;
      const __m256i at = _mm256_load_si256(reinterpret_cast<const __m256i*>(offset));
      __m256 a, b, c, d;
      if (kFlat &&
          _mm256_movemask_epi8(_mm256_cmpeq_epi32(at, _mm256_set1_epi32(offset[0]))) == -1) {
        ++flat;
        const auto* e = reinterpret_cast<const float*>(table + offset[0]);
        a = _mm256_broadcast_ss(e);
        b = _mm256_broadcast_ss(e + 1);
        c = _mm256_broadcast_ss(e + 2);
        d = _mm256_broadcast_ss(e + 3);
      } else {
        const __m256 t0 = entry_pair(table, offset[0], offset[4]);
        const __m256 t1 = entry_pair(table, offset[1], offset[5]);
        const __m256 t2 = entry_pair(table, offset[2], offset[6]);
        const __m256 t3 = entry_pair(table, offset[3], offset[7]);
        const __m256 ab01 = _mm256_unpacklo_ps(t0, t1), cd01 = _mm256_unpackhi_ps(t0, t1);
        const __m256 ab23 = _mm256_unpacklo_ps(t2, t3), cd23 = _mm256_unpackhi_ps(t2, t3);
        a = _mm256_shuffle_ps(ab01, ab23, 0x44);
        b = _mm256_shuffle_ps(ab01, ab23, 0xEE);
        c = _mm256_shuffle_ps(cd01, cd23, 0x44);
        d = _mm256_shuffle_ps(cd01, cd23, 0xEE);
      }
      const __m256 w = _mm256_loadu_ps(cx + x + i);
      const __m256 value = _mm256_add_ps(
          _mm256_add_ps(a, _mm256_mul_ps(w, b)),
          _mm256_mul_ps(row_weight, _mm256_add_ps(c, _mm256_mul_ps(w, d))));
      levels.store(value, out + x + i);
    }
    x += count;
  }
  levels.finish(range);
  bilinear_row_generic(bins + x, out + x, width - x, blocks, column + x, cx + x, cy, range);
  return flat;
}
#endif

// The 2D interpolation through bilinear_blocks.
std::array<std::int32_t, 2> interpolate_blocks(std::uint16_t* levels,
                                               const std::vector<float>& maps, const Regions& g,
                                               int nbins) {
  const AxisRegions& ay = g.axes[1];
  const AxisRegions& ax = g.axes[2];
  const std::vector<Bilinear> blocks = bilinear_blocks(maps, g, nbins);
  const std::int64_t width = ax.size, columns = ax.regions + 1;
  std::vector<std::int32_t> column(static_cast<std::size_t>(width));
  std::vector<float> cx(column.size());
  for (std::int64_t x = 0; x < width; ++x) {
    column[x] = static_cast<std::int32_t>((x + ax.pad_left) / ax.kernel * nbins);
    cx[x] = static_cast<float>(ax.weight[x]);
  }
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kParallelGrain / width);
  return rows_with_range(ay.size, grain, [&](std::int64_t first, std::int64_t last,
                                         std::int32_t* part) {
    // Looking for flat groups costs a sixth of a group's work where there are none (noise):
    // after a row with fewer than one in eight, the next seven rows go without.
    std::int64_t rows_without = 0;
    for (std::int64_t y = first; y < last; ++y) {
      const Bilinear* row_blocks =
          blocks.data() + (y + ay.pad_left) / ay.kernel * columns * nbins;
      const auto cy = static_cast<float>(ay.weight[y]);
#if MEDIMG_HAS_AVX2_CLONES
      if (detail::cpu_has_avx2()) {
        const auto row = rows_without > 0 ? bilinear_row_avx2<false> : bilinear_row_avx2<true>;
        const std::int64_t flat = row(levels + y * width, levels + y * width, width, row_blocks,
                                      column.data(), cx.data(), cy, part);
        if (rows_without > 0) {
          --rows_without;
        } else if (flat * 64 < width) {
          rows_without = 7;
        }
        continue;
      }
#endif
      bilinear_row_generic(levels + y * width, levels + y * width, width, row_blocks, column.data(),
                           cx.data(), cy, part);
    }
  });
}

}  // namespace

std::array<std::int32_t, 2> interpolate(std::uint16_t* levels, const std::vector<float>& maps,
                                        const Regions& g, int nbins) {
  const auto& [az, ay, ax] = g.axes;
  const std::int64_t rows = az.size * ay.size, width = ax.size;
  // 2D images whose blocks' tables are small against them (a 512² slice with the default
  // kernel: 81 x 256 entries for 262,144 voxels), read by 32-bit byte offsets.
  const std::int64_t block_entries = (ay.regions + 1) * (ax.regions + 1) * nbins;
  if (az.size == 1 && block_entries <= rows * width / 2 &&
      block_entries * std::int64_t{sizeof(Bilinear)} <= std::numeric_limits<std::uint32_t>::max()) {
    return interpolate_blocks(levels, maps, g, nbins);
  }
  // Per column: the offsets of its two regions' mappings, and the weight of the upper one.
  std::vector<std::int32_t> lower(static_cast<std::size_t>(width)), upper(lower.size());
  std::vector<float> weight(lower.size());
  for (std::int64_t x = 0; x < width; ++x) {
    lower[x] = static_cast<std::int32_t>(ax.lower[x] * nbins);
    upper[x] = static_cast<std::int32_t>(ax.upper[x] * nbins);
    weight[x] = static_cast<float>(ax.weight[x]);
  }
  const std::int64_t grain = std::max<std::int64_t>(1, detail::kParallelGrain / width);
  // Rows between several (z, y) regions mix their mappings first, once per row, where the
  // tables are small against the row: then each voxel reads one table twice, not each
  // corner's (gathers are what the loop waits for).
  const std::int64_t row_table = ax.regions * nbins;
  const bool fold = row_table <= 4 * width;
  return rows_with_range(rows, grain, [&](std::int64_t first, std::int64_t last,
                                         std::int32_t* part) {
    std::vector<float> folded(static_cast<std::size_t>(fold ? row_table : 0));
    for (std::int64_t row = first; row < last; ++row) {
      const std::int64_t z = row / ay.size, y = row % ay.size;
      Corner corners[4];
      int count = 0;
      for (int ez = 0; ez < 2; ++ez) {
        const double cz = ez ? az.weight[z] : 1 - az.weight[z];
        const std::int64_t tz = ez ? az.upper[z] : az.lower[z];
        for (int ey = 0; ey < 2; ++ey) {
          const double cy = ey ? ay.weight[y] : 1 - ay.weight[y];
          const std::int64_t ty = ey ? ay.upper[y] : ay.lower[y];
          if (cz == 0 || cy == 0) continue;
          corners[count++] = {maps.data() + (tz * ay.regions + ty) * ax.regions * nbins,
                              static_cast<float>(cy * cz)};
        }
      }
      if (fold && count > 1) {
        const auto fold_with = count == 2 ? fold_corners<2> : count == 3 ? fold_corners<3>
                                                                          : fold_corners<4>;
        fold_with(corners, row_table, folded.data());
        corners[0] = {folded.data(), 1.0f};
        count = 1;
      }
      const auto args = std::make_tuple(static_cast<const std::uint16_t*>(levels + row * width),
                                        levels + row * width, width,
                                        static_cast<const Corner*>(corners), lower.data(),
                                        upper.data(), static_cast<const float*>(weight.data()),
                                        static_cast<std::int32_t*>(part));
      switch (count) {
        case 1:
          std::apply(interpolate_row<1>, args);
          break;
        case 2:
          std::apply(interpolate_row<2>, args);
          break;
        case 3:
          std::apply(interpolate_row<3>, args);
          break;
        default:
          std::apply(interpolate_row<4>, args);
          break;
      }
    }
  });
}

}  // namespace medimg::detail::clahe_parts
