#include "medimg/metrics/point_set_distance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <vector>

#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

at::Tensor checked_points(const at::Tensor& points, const char* name) {
  MEDIMG_CHECK(points.defined() && points.dim() == 2, ShapeError, name,
               " must be an (N, D) array of points");
  MEDIMG_CHECK(points.size(0) > 0, ArgumentError, name, " is an empty point set");
  MEDIMG_CHECK(points.device().is_cpu(), Unsupported, name, " must be on the CPU");
  at::Tensor p = points.to(at::kDouble).contiguous();
  MEDIMG_CHECK(!p.isnan().any().item<bool>(), ArgumentError, name, " contains NaN");
  return p;
}

// A fixed permutation: the early break is fastest when points come in random order.
std::vector<std::int64_t> shuffled(std::int64_t n) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(0x5eed));
  return order;
}

}  // namespace

double directed_hausdorff(const at::Tensor& from, const at::Tensor& to) {
  const at::Tensor a = checked_points(from, "from"), b = checked_points(to, "to");
  MEDIMG_CHECK(a.size(1) == b.size(1), ShapeError, "point sets must have the same dimension, got ",
               a.size(1), " and ", b.size(1));
  const std::int64_t dims = a.size(1), m = b.size(0);
  const double* pa = a.data_ptr<double>();
  const double* pb = b.data_ptr<double>();
  const auto order_a = shuffled(a.size(0)), order_b = shuffled(m);
  double result = 0;  // squared
  std::mutex mutex;
  parallel_for(0, a.size(0), 256, [&](std::int64_t first, std::int64_t last) {
    double local = 0;
    for (std::int64_t i = first; i < last; ++i) {
      const double* p = pa + order_a[i] * dims;
      double nearest = std::numeric_limits<double>::infinity();
      for (std::int64_t j = 0; j < m; ++j) {
        const double* q = pb + order_b[j] * dims;
        double d = 0;
        for (std::int64_t k = 0; k < dims; ++k) d += (p[k] - q[k]) * (p[k] - q[k]);
        nearest = std::min(nearest, d);
        if (nearest < local) break;  // p cannot raise the maximum
      }
      local = std::max(local, nearest);
    }
    std::lock_guard<std::mutex> lock(mutex);
    result = std::max(result, local);
  });
  return std::sqrt(result);
}

double hausdorff_distance(const at::Tensor& a, const at::Tensor& b) {
  return std::max(directed_hausdorff(a, b), directed_hausdorff(b, a));
}

}  // namespace medimg
