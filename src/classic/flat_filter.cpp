#include "detail/flat_filter.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/detail/border_index.hpp"

namespace medimg::detail {

std::vector<FootprintRun> footprint_runs(const Footprint& footprint,
                                         const std::array<std::int64_t, 3>& anchor,
                                         bool mirrored) {
  const auto& s = footprint.shape();
  const std::int64_t kz = footprint.dims() == 3 ? s[0] : 1;
  const std::int64_t ky = s[s.size() - 2], kx = s.back();
  const auto& v = footprint.values();
  std::vector<FootprintRun> runs;
  for (std::int64_t z = 0; z < kz; ++z) {
    for (std::int64_t y = 0; y < ky; ++y) {
      const std::uint8_t* row = v.data() + (z * ky + y) * kx;
      for (std::int64_t x = 0; x < kx;) {
        if (!row[x]) {
          ++x;
          continue;
        }
        std::int64_t end = x;
        while (end < kx && row[end]) ++end;
        FootprintRun run{z - anchor[0], y - anchor[1], x - anchor[2], end - x};
        if (mirrored) {  // offsets o become -o: [dx, dx + length) becomes [-dx - length + 1, -dx]
          run.dz = -run.dz;
          run.dy = -run.dy;
          run.dx = -(run.dx + run.length - 1);
        }
        runs.push_back(run);
        x = end;
      }
    }
  }
  return runs;
}

namespace {

using Index3 = std::array<std::int64_t, 3>;

template <typename T, bool kMax>
inline T pick(T a, T b) {
  if constexpr (kMax) {
    return a < b ? b : a;
  } else {
    return b < a ? b : a;
  }
}

// Element-wise a[i] = pick(a[i], b[i]); written as a plain loop over restrict pointers so
// that the compiler vectorises it (pminub, minps, ...).
template <typename T, bool kMax>
void pick_into(T* __restrict a, const T* __restrict b, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) a[i] = pick<T, kMax>(a[i], b[i]);
}

template <typename T, bool kMax>
void pick_of(T* __restrict out, const T* __restrict a, const T* __restrict b, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = pick<T, kMax>(a[i], b[i]);
}

// The filter's layout: which input rows and columns the runs reach beyond the image, and the
// distinct run lengths ("levels") whose running min/max each source row needs.
struct Plan {
  Index3 shape{};                  // Z, Y, X of the image
  std::int64_t z_lo = 0, z_hi = 0;  // plane offsets reached: [z_lo, z_hi]
  std::int64_t y_lo = 0, y_hi = 0;
  std::int64_t x_lo = 0, x_hi = 0;  // column offsets reached: [x_lo, x_hi]
  std::int64_t padded_rows = 0;    // Y + y_hi - y_lo
  std::int64_t padded_width = 0;   // X + x_hi - x_lo
  std::vector<std::int64_t> lengths;  // distinct run lengths, ascending
  std::vector<int> level;             // per run: its index in `lengths`
  int powers = 1;                     // pyramid levels 1, 2, 4, ... up to the longest run

  std::int64_t plane_size() const {
    return padded_rows * static_cast<std::int64_t>(lengths.size()) * padded_width;
  }
};

Plan make_plan(const Index3& shape, const std::vector<FootprintRun>& runs) {
  Plan plan;
  plan.shape = shape;
  plan.z_lo = plan.y_lo = plan.x_lo = std::numeric_limits<std::int64_t>::max();
  plan.z_hi = plan.y_hi = plan.x_hi = std::numeric_limits<std::int64_t>::min();
  for (const auto& r : runs) {
    plan.z_lo = std::min(plan.z_lo, r.dz);
    plan.z_hi = std::max(plan.z_hi, r.dz);
    plan.y_lo = std::min(plan.y_lo, r.dy);
    plan.y_hi = std::max(plan.y_hi, r.dy);
    plan.x_lo = std::min(plan.x_lo, r.dx);
    plan.x_hi = std::max(plan.x_hi, r.dx + r.length - 1);
    plan.lengths.push_back(r.length);
  }
  std::sort(plan.lengths.begin(), plan.lengths.end());
  plan.lengths.erase(std::unique(plan.lengths.begin(), plan.lengths.end()), plan.lengths.end());
  for (const auto& r : runs) {
    plan.level.push_back(static_cast<int>(
        std::lower_bound(plan.lengths.begin(), plan.lengths.end(), r.length) -
        plan.lengths.begin()));
  }
  plan.padded_rows = shape[1] + plan.y_hi - plan.y_lo;
  plan.padded_width = shape[2] + plan.x_hi - plan.x_lo;
  while ((std::int64_t{1} << plan.powers) <= plan.lengths.back()) ++plan.powers;
  return plan;
}

template <typename T, bool kMax>
class FlatFilter {
 public:
  FlatFilter(const T* in, T* out, const Plan& plan, const std::vector<FootprintRun>& runs,
             const FilterBorder& border)
      : in_(in), out_(out), plan_(plan), runs_(runs), reflect_(border.reflect),
        fill_(static_cast<T>(border.value)) {}

  // Output planes [z0, z1), with the rows of each plane split over threads when asked.
  void run_planes(std::int64_t z0, std::int64_t z1, bool parallel_rows) const {
    const std::int64_t slots = plan_.z_hi - plan_.z_lo + 1;
    std::vector<T> ring(static_cast<std::size_t>(slots * plan_.plane_size()));
    auto slot = [&](std::int64_t sz) {
      return ring.data() + (((sz % slots) + slots) % slots) * plan_.plane_size();
    };
    for (std::int64_t sz = z0 + plan_.z_lo; sz <= z0 + plan_.z_hi; ++sz) {
      source_plane(sz, slot(sz), parallel_rows);
    }
    for (std::int64_t z = z0; z < z1; ++z) {
      if (z > z0) source_plane(z + plan_.z_hi, slot(z + plan_.z_hi), parallel_rows);
      for_rows(plan_.shape[1], parallel_rows, [&](std::int64_t y0, std::int64_t y1) {
        for (std::int64_t y = y0; y < y1; ++y) output_row(z, y, slot);
      });
    }
  }

 private:
  template <typename Body>
  static void for_rows(std::int64_t rows, bool parallel, Body&& body) {
    if (parallel) {
      parallel_for(0, rows, 16, body);
    } else {
      body(0, rows);
    }
  }

  // The running min/max of every length in plan_.lengths for each row of source plane sz
  // (rows y_lo .. Y - 1 + y_hi, columns x_lo .. X - 1 + x_hi, borders applied).
  void source_plane(std::int64_t sz, T* dest, bool parallel_rows) const {
    for_rows(plan_.padded_rows, parallel_rows, [&](std::int64_t r0, std::int64_t r1) {
      const std::int64_t w = plan_.padded_width;
      std::vector<T> pyramid(static_cast<std::size_t>(plan_.powers * w));
      for (std::int64_t r = r0; r < r1; ++r) {
        padded_row(sz, r + plan_.y_lo, pyramid.data());
        // pyramid level k holds the min/max over 2^k consecutive columns.
        for (int k = 1; k < plan_.powers; ++k) {
          const std::int64_t half = std::int64_t{1} << (k - 1);
          pick_of<T, kMax>(pyramid.data() + k * w, pyramid.data() + (k - 1) * w,
                           pyramid.data() + (k - 1) * w + half, w - 2 * half + 1);
        }
        T* row_levels = dest + r * static_cast<std::int64_t>(plan_.lengths.size()) * w;
        for (std::size_t l = 0; l < plan_.lengths.size(); ++l) {
          const std::int64_t length = plan_.lengths[l];
          int k = 0;
          while ((std::int64_t{2} << k) <= length) ++k;
          const std::int64_t p = std::int64_t{1} << k;
          const T* level = pyramid.data() + k * w;
          T* h = row_levels + static_cast<std::int64_t>(l) * w;
          if (p == length) {
            std::memcpy(h, level, sizeof(T) * (w - length + 1));
          } else {
            pick_of<T, kMax>(h, level, level + (length - p), w - length + 1);
          }
        }
      }
    });
  }

  // Source row (sz, sy) over columns x_lo .. X - 1 + x_hi, with the border rule.
  void padded_row(std::int64_t sz, std::int64_t sy, T* row) const {
    const auto [Z, Y, X] = plan_.shape;
    const std::int64_t w = plan_.padded_width;
    const T* source = nullptr;
    if (reflect_) {
      const std::int64_t mz = border_index(sz, Z, BorderMode::Reflect);
      const std::int64_t my = border_index(sy, Y, BorderMode::Reflect);
      source = in_ + (mz * Y + my) * X;
    } else if (sz >= 0 && sz < Z && sy >= 0 && sy < Y) {
      source = in_ + (sz * Y + sy) * X;
    }
    if (source == nullptr) {
      std::fill(row, row + w, fill_);
      return;
    }
    // Columns inside the image are one copy; only the margins need the border rule.
    const std::int64_t first = std::max<std::int64_t>(0, plan_.x_lo);
    const std::int64_t last = std::min<std::int64_t>(X - 1, X - 1 + plan_.x_hi);
    for (std::int64_t p = 0; p < w; ++p) {
      const std::int64_t c = p + plan_.x_lo;
      if (c == first && first <= last) {
        std::memcpy(row + p, source + c, sizeof(T) * (last - first + 1));
        p += last - first;
        continue;
      }
      if (c >= 0 && c < X) {
        row[p] = source[c];
      } else if (reflect_) {
        row[p] = source[border_index(c, X, BorderMode::Reflect)];
      } else {
        row[p] = fill_;
      }
    }
  }

  template <typename Slot>
  void output_row(std::int64_t z, std::int64_t y, Slot&& slot) const {
    const std::int64_t X = plan_.shape[2], w = plan_.padded_width;
    const std::int64_t levels = static_cast<std::int64_t>(plan_.lengths.size());
    T* out = out_ + (z * plan_.shape[1] + y) * X;
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      const FootprintRun& run = runs_[i];
      const std::int64_t r = y + run.dy - plan_.y_lo;
      const T* h = slot(z + run.dz) + (r * levels + plan_.level[i]) * w + (run.dx - plan_.x_lo);
      if (i == 0) {
        std::memcpy(out, h, sizeof(T) * X);
      } else {
        pick_into<T, kMax>(out, h, X);
      }
    }
  }

  const T* in_;
  T* out_;
  const Plan& plan_;
  const std::vector<FootprintRun>& runs_;
  bool reflect_;
  T fill_;
};

template <typename T, bool kMax>
void run_filter(const T* in, T* out, const Plan& plan, const std::vector<FootprintRun>& runs,
                const FilterBorder& border) {
  const FlatFilter<T, kMax> filter(in, out, plan, runs, border);
  const std::int64_t Z = plan.shape[0];
  // Whole planes per thread when there are enough of them (each thread then keeps its own
  // ring of source planes); otherwise rows of each plane in parallel.
  if (Z >= 2 * static_cast<std::int64_t>(get_num_threads())) {
    parallel_for(0, Z, 2, [&](std::int64_t z0, std::int64_t z1) {
      filter.run_planes(z0, z1, false);
    });
  } else {
    filter.run_planes(0, Z, true);
  }
}

template <typename T>
void typed_filter(const at::Tensor& in, const at::Tensor& out, const Plan& plan,
                  const std::vector<FootprintRun>& runs, Extremum extremum,
                  const FilterBorder& border) {
  const T* source = static_cast<const T*>(in.data_ptr());
  T* dest = static_cast<T*>(out.data_ptr());
  if (extremum == Extremum::Max) {
    run_filter<T, true>(source, dest, plan, runs, border);
  } else {
    run_filter<T, false>(source, dest, plan, runs, border);
  }
}

}  // namespace

void flat_filter(const at::Tensor& in, const at::Tensor& out,
                 const std::vector<FootprintRun>& runs, Extremum extremum,
                 const FilterBorder& border) {
  MEDIMG_CHECK(in.dim() == 3 && out.sizes() == in.sizes() && in.is_contiguous() &&
                   out.is_contiguous() && in.scalar_type() == out.scalar_type(),
               ShapeError, "flat_filter: expected two contiguous (Z, Y, X) tensors alike, got ",
               in.sizes(), " and ", out.sizes());
  MEDIMG_CHECK(!runs.empty(), ArgumentError, "flat_filter: the footprint is empty");
  const Plan plan = make_plan({in.size(0), in.size(1), in.size(2)}, runs);
  switch (in.scalar_type()) {
    case at::kBool:  // one byte holding 0 or 1: min/max of bytes is and/or
    case at::kByte: return typed_filter<std::uint8_t>(in, out, plan, runs, extremum, border);
    case at::kChar: return typed_filter<std::int8_t>(in, out, plan, runs, extremum, border);
    case at::kShort: return typed_filter<std::int16_t>(in, out, plan, runs, extremum, border);
    case at::kInt: return typed_filter<std::int32_t>(in, out, plan, runs, extremum, border);
    case at::kLong: return typed_filter<std::int64_t>(in, out, plan, runs, extremum, border);
    case at::kFloat: return typed_filter<float>(in, out, plan, runs, extremum, border);
    case at::kDouble: return typed_filter<double>(in, out, plan, runs, extremum, border);
    default:
      throw Unsupported(concat("morphology does not handle dtype ", in.scalar_type(),
                               "; convert with .to(float32)"));
  }
}

}  // namespace medimg::detail
