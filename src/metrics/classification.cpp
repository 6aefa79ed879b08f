#include "medimg/metrics/classification.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "medimg/core/error.hpp"
#include "detail/class_inputs.hpp"

namespace input = medimg::detail::classification;

namespace medimg {
namespace {

// Both label vectors, checked: (N,), same N, bool or integer.
struct LabelPair {
  std::vector<std::int64_t> y_true, y_pred;
};

LabelPair read_pair(const at::Tensor& y_true, const at::Tensor& y_pred, const char* function) {
  LabelPair pair;
  pair.y_true = input::read_labels(y_true, function, "y_true");
  input::check_same_cases(y_true, y_pred, function, "y_true", "y_pred");
  pair.y_pred = input::read_labels(y_pred, function, "y_pred");
  return pair;
}

}  // namespace

at::Tensor confusion_matrix(const at::Tensor& y_true, const at::Tensor& y_pred,
                            std::optional<std::int64_t> num_classes) {
  const LabelPair pair = read_pair(y_true, y_pred, "confusion_matrix");
  // y_true first: the message names the first bad argument
  const std::int64_t true_classes =
      input::check_classes(pair.y_true, num_classes, "confusion_matrix", "y_true");
  const std::int64_t classes = std::max(
      true_classes, input::check_classes(pair.y_pred, num_classes, "confusion_matrix", "y_pred"));
  const std::vector<std::int64_t> counts = input::confusion_counts(pair.y_true, pair.y_pred,
                                                                    classes);
  at::Tensor out = at::empty({classes, classes}, at::kLong);
  std::copy(counts.begin(), counts.end(), out.data_ptr<std::int64_t>());
  return out;
}

double accuracy(const at::Tensor& y_true, const at::Tensor& y_pred) {
  const LabelPair pair = read_pair(y_true, y_pred, "accuracy");
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < pair.y_true.size(); ++i) correct += pair.y_true[i] == pair.y_pred[i];
  return static_cast<double>(correct) / static_cast<double>(pair.y_true.size());
}

double balanced_accuracy(const at::Tensor& y_true, const at::Tensor& y_pred) {
  const LabelPair pair = read_pair(y_true, y_pred, "balanced_accuracy");
  const std::int64_t true_classes =
      input::check_classes(pair.y_true, std::nullopt, "balanced_accuracy", "y_true");
  const std::int64_t classes = std::max(
      true_classes, input::check_classes(pair.y_pred, std::nullopt, "balanced_accuracy", "y_pred"));
  std::vector<std::int64_t> support(static_cast<std::size_t>(classes), 0), hits(support);
  for (std::size_t i = 0; i < pair.y_true.size(); ++i) {
    ++support[pair.y_true[i]];
    hits[pair.y_true[i]] += pair.y_true[i] == pair.y_pred[i];
  }
  double sum = 0;
  std::int64_t present = 0;
  for (std::int64_t c = 0; c < classes; ++c) {
    if (support[c] == 0) continue;
    sum += static_cast<double>(hits[c]) / static_cast<double>(support[c]);
    ++present;
  }
  return sum / static_cast<double>(present);  // present >= 1: y_true is not empty
}

}  // namespace medimg
