#include "medimg/metrics/kappa.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "medimg/core/error.hpp"
#include "detail/class_inputs.hpp"

namespace input = medimg::detail::classification;

namespace medimg {

double cohen_kappa(const at::Tensor& y1, const at::Tensor& y2, KappaWeighting weights,
                   std::optional<std::int64_t> num_classes) {
  const std::vector<std::int64_t> a = input::read_labels(y1, "cohen_kappa", "y1");
  input::check_same_cases(y1, y2, "cohen_kappa", "y1", "y2");
  const std::vector<std::int64_t> b = input::read_labels(y2, "cohen_kappa", "y2");
  const std::int64_t classes_a = input::check_classes(a, num_classes, "cohen_kappa", "y1");
  const std::int64_t k =
      std::max(classes_a, input::check_classes(b, num_classes, "cohen_kappa", "y2"));
  const std::vector<std::int64_t> observed = input::confusion_counts(a, b, k);
  std::vector<double> rows(static_cast<std::size_t>(k), 0.0), cols(rows);
  for (std::int64_t i = 0; i < k; ++i) {
    for (std::int64_t j = 0; j < k; ++j) {
      rows[i] += static_cast<double>(observed[i * k + j]);
      cols[j] += static_cast<double>(observed[i * k + j]);
    }
  }
  const auto n = static_cast<double>(a.size());
  double disagreement = 0, chance = 0;
  for (std::int64_t i = 0; i < k; ++i) {
    for (std::int64_t j = 0; j < k; ++j) {
      const auto d = static_cast<double>(i > j ? i - j : j - i);
      const double w = weights == KappaWeighting::Unweighted ? (i == j ? 0.0 : 1.0)
                       : weights == KappaWeighting::Linear   ? d
                                                             : d * d;
      if (w == 0) continue;
      disagreement += w * static_cast<double>(observed[i * k + j]);
      chance += w * rows[i] * cols[j] / n;
    }
  }
  return 1.0 - disagreement / chance;  // 0 / 0 = NaN: both raters always agree on one class
}

}  // namespace medimg
