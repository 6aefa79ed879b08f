// White-box test of CLAHE's division-free rescale (src/preprocess/detail/unit_rescale.hpp):
// Markstein's correction is exact for these operands only because of their range, so every
// pair is compared with the division.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "detail/unit_rescale.hpp"

namespace {

using medimg::detail::clahe_parts::rescale_levels_generic;

// Levels low, low + 1, ..., low + span rescaled by `rescale`: the first level (if any) whose
// value differs from (level − low) / span in O's precision, or -1.
template <typename O, typename Rescale>
std::int64_t first_wrong(std::int32_t low, std::int32_t span, Rescale rescale) {
  std::vector<std::uint16_t> levels(static_cast<std::size_t>(span) + 1);
  for (std::int32_t v = 0; v <= span; ++v) levels[v] = static_cast<std::uint16_t>(low + v);
  std::vector<O> y(levels.size());
  rescale(levels.data(), y.data(), static_cast<std::int64_t>(levels.size()), low, span);
  for (std::int32_t v = 0; v <= span; ++v) {
    if (y[v] != static_cast<O>(v) / static_cast<O>(span)) return v;
  }
  return -1;
}

}  // namespace

TEST_CASE("clahe's rescale of levels is the division for every span and level") {
  for (std::int32_t span = 1; span < 16384; ++span) {
    const std::int32_t low = (span * 7) % (16384 - span);  // anywhere in the 14 bits
    const auto generic_float = [](auto... a) { rescale_levels_generic<float>(a...); };
    REQUIRE(first_wrong<float>(low, span, generic_float) == -1);
#if MEDIMG_HAS_AVX2_CLONES
    if (!medimg::detail::cpu_has_fma()) continue;
    const auto fma_float = [](const std::uint16_t* l, float* y, std::int64_t n, std::int32_t lo,
                              std::int32_t s) {
      medimg::detail::clahe_parts::rescale_levels_fma(l, y, n, lo, s);
    };
    const auto fma_double = [](const std::uint16_t* l, double* y, std::int64_t n,
                               std::int32_t lo, std::int32_t s) {
      medimg::detail::clahe_parts::rescale_levels_fma(l, y, n, lo, s);
    };
    INFO("span " << span << ", low " << low);
    REQUIRE(first_wrong<float>(low, span, fma_float) == -1);
    REQUIRE(first_wrong<double>(low, span, fma_double) == -1);
#endif
  }
}

TEST_CASE("clahe's rescale of a constant result clips it to [0, 1]") {
  const std::uint16_t levels[3] = {0, 5, 5};
  float y[3];
  rescale_levels_generic(levels, y, 1, 0, 0);
  rescale_levels_generic(levels + 1, y + 1, 2, 5, 0);
  CHECK(y[0] == 0.0f);
  CHECK(y[1] == 1.0f);
  CHECK(y[2] == 1.0f);
}
