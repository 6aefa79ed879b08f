#include "detail/correlate.hpp"

#include <cmath>

namespace medimg::detail {

std::vector<double> gaussian_weights(double sigma, double truncate) {
  const auto radius = static_cast<std::int64_t>(truncate * sigma + 0.5);
  std::vector<double> weights(2 * radius + 1);
  double sum = 0.0;
  for (std::int64_t i = -radius; i <= radius; ++i) {
    weights[i + radius] = std::exp(-0.5 / (sigma * sigma) * static_cast<double>(i * i));
    sum += weights[i + radius];
  }
  for (double& w : weights) w /= sum;
  return weights;
}

}  // namespace medimg::detail
