#include "detail/components.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "detail/fresh_tensor.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg::detail {
namespace {

using Index3 = std::array<std::int64_t, 3>;

// Rows before row (z, y) in raster order that can touch it, as (dz, dy); each is used when
// |dz| + |dy| <= connectivity, with diagonal steps along x when a step is left over.
constexpr std::array<std::array<int, 2>, 4> kEarlierRows{{{0, -1}, {-1, -1}, {-1, 0}, {-1, 1}}};

template <typename T>
class RunLabeller {
 public:
  RunLabeller(const T* data, const Index3& shape, int connectivity, T background)
      : data_(data), shape_(shape), connectivity_(connectivity), background_(background) {}

  Components run() {
    Components c;
    c.shape = shape_;
    extract_runs(c);
    parent_.resize(c.runs.size());
    std::iota(parent_.begin(), parent_.end(), std::int64_t{0});
    connect(c);
    number(c);
    return c;
  }

 private:
  std::int64_t rows() const { return shape_[0] * shape_[1]; }

  template <typename Visit>
  void for_each_run(std::int64_t r, Visit&& visit) const {
    const T* row = data_ + r * shape_[2];
    const std::int64_t X = shape_[2];
    std::int64_t start = 0;
    // Each change of value closes the segment [start, x); non-background segments are runs.
    for_each_change(row, X, [&](std::int64_t x) {
      if (row[start] != background_) visit(start, x);
      start = x;
    });
    if (row[start] != background_) visit(start, X);
  }

  // Calls f(x) for every x in [1, X) with row[x] != row[x - 1], in order. One-byte types are
  // compared 16 at a time (SSE2), visiting only the changes.
  template <typename F>
  static void for_each_change(const T* row, std::int64_t X, F&& f) {
    std::int64_t x = 1;
#if defined(__SSE2__)
    if constexpr (sizeof(T) == 1) {
      const auto* bytes = reinterpret_cast<const char*>(row);
      for (; x + 16 <= X; x += 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + x));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + x - 1));
        unsigned changed =
            ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b))) & 0xFFFFu;
        while (changed != 0) {
          f(x + __builtin_ctz(changed));
          changed &= changed - 1;
        }
      }
    }
#endif
    for (; x < X; ++x) {
      if (row[x] != row[x - 1]) f(x);
    }
  }

  void extract_runs(Components& c) const {
    const std::int64_t n = rows();
    c.row_start.assign(n + 1, 0);
    parallel_for(0, n, 64, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        std::int64_t count = 0;
        for_each_run(r, [&](std::int64_t, std::int64_t) { ++count; });
        c.row_start[r + 1] = count;
      }
    });
    std::partial_sum(c.row_start.begin(), c.row_start.end(), c.row_start.begin());
    c.runs.resize(c.row_start[n]);
    parallel_for(0, n, 64, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        std::int64_t i = c.row_start[r];
        for_each_run(r, [&](std::int64_t x0, std::int64_t x1) { c.runs[i++] = Run{x0, x1}; });
      }
    });
  }

  std::int64_t find(std::int64_t i) {
    while (parent_[i] != i) {
      parent_[i] = parent_[parent_[i]];  // path halving
      i = parent_[i];
    }
    return i;
  }

  // The root of a component is its first run in raster order: link to the smaller root.
  void unite(std::int64_t a, std::int64_t b) {
    a = find(a);
    b = find(b);
    if (a < b) {
      parent_[b] = a;
    } else if (b < a) {
      parent_[a] = b;
    }
  }

  // Unites the runs of row r with those of the earlier row q that touch them; `extend` 1
  // lets runs meet diagonally.
  void connect_rows(const Components& c, std::int64_t r, std::int64_t q, std::int64_t extend) {
    const std::int64_t X = shape_[2];
    std::int64_t j0 = c.row_start[q];
    const std::int64_t q_end = c.row_start[q + 1];
    for (std::int64_t i = c.row_start[r]; i < c.row_start[r + 1]; ++i) {
      const Run a = c.runs[i];
      while (j0 < q_end && c.runs[j0].x1 + extend <= a.x0) ++j0;
      for (std::int64_t j = j0; j < q_end && c.runs[j].x0 < a.x1 + extend; ++j) {
        // Bool runs all hold `true`; other dtypes must hold the same value.
        if (std::is_same_v<T, bool> || data_[r * X + a.x0] == data_[q * X + c.runs[j].x0]) {
          unite(i, j);
        }
      }
    }
  }

  // Calls f(q, extend) for each earlier row q that row r touches.
  template <typename F>
  void for_each_earlier_row(std::int64_t r, F&& f) const {
    const std::int64_t Y = shape_[1];
    const std::int64_t z = r / Y, y = r % Y;
    for (const auto& [dz, dy] : kEarlierRows) {
      const int steps = std::abs(dz) + std::abs(dy);
      if (steps > connectivity_ || z + dz < 0 || y + dy < 0 || y + dy >= Y) continue;
      f((z + dz) * Y + (y + dy), connectivity_ - steps >= 1 ? 1 : 0);
    }
  }

  // Rows are split into chunks united in parallel (each chunk's union-find stays within
  // its own runs), then the few row pairs across chunk boundaries are united in order.
  void connect(const Components& c) {
    const std::int64_t n = rows();
    const std::int64_t chunks =
        std::max<std::int64_t>(1, std::min<std::int64_t>(4 * get_num_threads(), n / 256));
    auto chunk_begin = [&](std::int64_t k) { return n * k / chunks; };
    parallel_for(0, chunks, 1, [&](std::int64_t k0, std::int64_t k1) {
      for (std::int64_t k = k0; k < k1; ++k) {
        const std::int64_t r0 = chunk_begin(k), r1 = chunk_begin(k + 1);
        for (std::int64_t r = r0; r < r1; ++r) {
          for_each_earlier_row(r, [&](std::int64_t q, std::int64_t extend) {
            if (q >= r0) connect_rows(c, r, q, extend);
          });
        }
      }
    });
    const std::int64_t reach = shape_[1] + 1;  // the farthest earlier row: (z - 1, y - 1)
    for (std::int64_t k = 1; k < chunks; ++k) {
      const std::int64_t r0 = chunk_begin(k), r1 = std::min(chunk_begin(k + 1), r0 + reach + 1);
      for (std::int64_t r = r0; r < r1; ++r) {
        for_each_earlier_row(r, [&](std::int64_t q, std::int64_t extend) {
          if (q < r0) connect_rows(c, r, q, extend);
        });
      }
    }
  }

  // Runs in raster order: a root opens the next label, any other run takes its parent's
  // (already numbered, as parents come first).
  void number(Components& c) {
    c.run_label.resize(c.runs.size());
    std::int64_t count = 0;
    for (std::size_t i = 0; i < c.runs.size(); ++i) {
      const std::int64_t p = parent_[i];
      c.run_label[i] = p == static_cast<std::int64_t>(i) ? ++count : c.run_label[find(p)];
    }
    c.count = count;
  }

  const T* data_;
  Index3 shape_;
  int connectivity_;
  T background_;
  std::vector<std::int64_t> parent_;
};

template <typename T>
Components label_typed(const at::Tensor& image, int connectivity, std::int64_t background) {
  const Index3 shape{image.size(0), image.size(1), image.size(2)};
  if constexpr (std::is_same_v<T, bool>) {
    // scikit-image's rule for bool images: background 1 labels the false voxels.
    return RunLabeller<bool>(image.data_ptr<bool>(), shape, connectivity, background == 1).run();
  } else {
    const T bg = static_cast<T>(background);
    if (static_cast<std::int64_t>(bg) != background) {
      // The dtype cannot hold the background, so no voxel is background: compare in int64.
      const at::Tensor wide = image.to(at::kLong);
      return RunLabeller<std::int64_t>(wide.data_ptr<std::int64_t>(), shape, connectivity,
                                       background)
          .run();
    }
    return RunLabeller<T>(static_cast<const T*>(image.data_ptr()), shape, connectivity, bg).run();
  }
}

}  // namespace

std::vector<std::int64_t> Components::sizes() const {
  std::vector<std::int64_t> size(count + 1, 0);
  for (std::size_t i = 0; i < runs.size(); ++i) size[run_label[i]] += runs[i].x1 - runs[i].x0;
  return size;
}

std::vector<bool> Components::touches_border(int dims) const {
  std::vector<bool> touches(count + 1, false);
  const auto [Z, Y, X] = shape;
  for (std::int64_t r = 0; r < Z * Y; ++r) {
    const std::int64_t z = r / Y, y = r % Y;
    const bool edge_row = y == 0 || y == Y - 1 || (dims == 3 && (z == 0 || z == Z - 1));
    for (std::int64_t i = row_start[r]; i < row_start[r + 1]; ++i) {
      if (edge_row || runs[i].x0 == 0 || runs[i].x1 == X) touches[run_label[i]] = true;
    }
  }
  return touches;
}

int resolve_connectivity(const at::Tensor& image, int connectivity, const char* name) {
  MEDIMG_CHECK(image.defined(), ArgumentError, name, ": expected a tensor, got an undefined one");
  MEDIMG_CHECK(image.dim() == 2 || image.dim() == 3, ShapeError, name,
               ": expected a (Y, X) or (Z, Y, X) array, got shape ", image.sizes());
  MEDIMG_CHECK(image.numel() > 0, ShapeError, name, ": the array is empty, shape ",
               image.sizes());
  MEDIMG_CHECK(image.device().is_cpu(), Unsupported, name, ": expected a CPU tensor, got ",
               image.device());
  const int dims = static_cast<int>(image.dim());
  MEDIMG_CHECK(connectivity >= 0 && connectivity <= dims, ArgumentError, name,
               ": connectivity must be in [1, ", dims, "] (or 0 for ", dims, "), got ",
               connectivity);
  return connectivity == 0 ? dims : connectivity;
}

Components connected_components(const at::Tensor& image, int connectivity,
                                 std::int64_t background) {
  switch (image.scalar_type()) {
    case at::kBool: return label_typed<bool>(image, connectivity, background);
    case at::kByte: return label_typed<std::uint8_t>(image, connectivity, background);
    case at::kChar: return label_typed<std::int8_t>(image, connectivity, background);
    case at::kShort: return label_typed<std::int16_t>(image, connectivity, background);
    case at::kInt: return label_typed<std::int32_t>(image, connectivity, background);
    case at::kLong: return label_typed<std::int64_t>(image, connectivity, background);
    default:
      throw ArgumentError(concat("labelling needs a bool or integer image, got dtype ",
                                 image.scalar_type(), "; threshold it first"));
  }
}

void paint_components(const Components& components, const std::vector<bool>& keep, bool inside,
                      const at::Tensor& out) {
  const auto [Z, Y, X] = components.shape;
  bool* data = out.data_ptr<bool>();
  parallel_for(0, Z * Y, 64, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      bool* row = data + r * X;
      std::fill(row, row + X, !inside);
      for (std::int64_t i = components.row_start[r]; i < components.row_start[r + 1]; ++i) {
        if (keep[components.run_label[i]]) {
          std::fill(row + components.runs[i].x0, row + components.runs[i].x1, inside);
        }
      }
    }
  });
}

at::Tensor binary(const at::Tensor& x, bool zero) {
  if (!zero && x.scalar_type() == at::kBool && x.is_contiguous()) return x;
  at::Tensor out = fresh_tensor(x.sizes(), at::kBool);
  bool* o = out.data_ptr<bool>();
  dispatch_dtype<1>(x.contiguous().reshape({-1}), [&](auto values) {
    using T = std::remove_const_t<typename decltype(values)::value_type>;
    const T* v = values.data();
    parallel_for(0, values.size(0), 1 << 16, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t i = first; i < last; ++i) o[i] = (v[i] != T(0)) != zero;
    });
  });
  return out;
}

namespace {

template <typename Bad>
bool any_value(const at::Tensor& x, Bad bad) {
  if (!at::isFloatingType(x.scalar_type())) return false;
  std::atomic<bool> found{false};
  dispatch_dtype<1>(x.contiguous().reshape({-1}), [&](auto values) {
    using T = std::remove_const_t<typename decltype(values)::value_type>;
    const T* v = values.data();
    parallel_for(0, values.size(0), 1 << 16, [&](std::int64_t first, std::int64_t last) {
      bool local = false;
      for (std::int64_t i = first; i < last; ++i) local |= bad(static_cast<double>(v[i]));
      if (local) found = true;
    });
  });
  return found;
}

}  // namespace

bool any_nan(const at::Tensor& x) {
  return any_value(x, [](double v) { return std::isnan(v); });
}

bool any_non_finite(const at::Tensor& x) {
  return any_value(x, [](double v) { return !std::isfinite(v); });
}

at::Tensor as_volume(const at::Tensor& x) {
  return (x.dim() == 2 ? x.unsqueeze(0) : x).contiguous();
}

}  // namespace medimg::detail
