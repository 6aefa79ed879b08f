#include "medimg/nn/ordinal.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/binary_cross_entropy_with_logits.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/zeros.h>

#include "medimg/core/error.hpp"

namespace medimg::nn {
namespace {

void check_logits(const at::Tensor& logits, const char* function) {
  MEDIMG_CHECK(logits.defined(), ArgumentError, function,
               ": expected logits, got an undefined tensor");
  MEDIMG_CHECK(logits.dim() == 2 && logits.size(1) >= 1, ShapeError, function,
               ": expected logits of shape (N, K - 1) with K >= 2 classes, got shape ",
               logits.sizes());
  MEDIMG_CHECK(logits.is_floating_point(), ArgumentError, function,
               ": expected floating-point logits, got dtype ", logits.scalar_type());
}

}  // namespace

at::Tensor ordinal_targets(const at::Tensor& grades, std::int64_t num_classes) {
  MEDIMG_CHECK(num_classes >= 2, ArgumentError,
               "ordinal_targets: num_classes must be at least 2, got ", num_classes);
  MEDIMG_CHECK(grades.defined(), ArgumentError,
               "ordinal_targets: expected grades, got an undefined tensor");
  MEDIMG_CHECK(grades.dim() == 1, ShapeError,
               "ordinal_targets: expected grades of shape (N,), got shape ", grades.sizes());
  MEDIMG_CHECK(grades.scalar_type() != at::kBool && !grades.is_complex(), ArgumentError,
               "ordinal_targets: expected integer grades, got dtype ", grades.scalar_type());
  if (grades.is_floating_point()) {
    MEDIMG_CHECK(grades.eq(grades.round()).all().item<bool>(), ArgumentError,
                 "ordinal_targets: grades must be whole numbers");
  }
  if (grades.numel() > 0) {
    const double low = grades.min().item<double>(), high = grades.max().item<double>();
    MEDIMG_CHECK(low >= 0 && high < static_cast<double>(num_classes), ArgumentError,
                 "ordinal_targets: grades must be in [0, ", num_classes, "), got values in [",
                 low, ", ", high, "]");
  }
  const at::Tensor thresholds =
      at::arange(num_classes - 1, grades.options().dtype(at::kLong)).unsqueeze(0);
  return grades.to(at::kLong).unsqueeze(1).gt(thresholds).to(at::kFloat);
}

at::Tensor ordinal_loss(const at::Tensor& logits, const at::Tensor& grades) {
  check_logits(logits, "ordinal_loss");
  MEDIMG_CHECK(grades.defined() && grades.dim() == 1 && grades.size(0) == logits.size(0),
               ShapeError, "ordinal_loss: expected grades of shape (", logits.size(0),
               ",) for logits of shape ", logits.sizes(), ", got ",
               grades.defined() ? grades.sizes() : at::IntArrayRef{});
  const at::Tensor targets =
      ordinal_targets(grades, logits.size(1) + 1).to(logits.device(), logits.scalar_type());
  return at::binary_cross_entropy_with_logits(logits, targets);
}

at::Tensor ordinal_exceedance(const at::Tensor& logits) {
  check_logits(logits, "ordinal_exceedance");
  return at::sigmoid(logits);
}

at::Tensor ordinal_probabilities(const at::Tensor& logits) {
  check_logits(logits, "ordinal_probabilities");
  const at::Tensor exceed = at::sigmoid(logits);
  const at::Tensor one = at::ones({logits.size(0), 1}, exceed.options());
  const at::Tensor zero = at::zeros({logits.size(0), 1}, exceed.options());
  // P(y > -1) = 1 and P(y > K - 1) = 0 frame the differences.
  const at::Tensor upper = at::cat({one, exceed}, 1), lower = at::cat({exceed, zero}, 1);
  const at::Tensor p = (upper - lower).clamp_min(0);
  const at::Tensor total = p.sum(1, /*keepdim=*/true);
  return p / total.clamp_min(1e-12);
}

at::Tensor ordinal_decode(const at::Tensor& logits) {
  check_logits(logits, "ordinal_decode");
  // sigmoid, not logit > 0: the rule as documented, also where sigmoid rounds to 0.5.
  return at::sigmoid(logits).gt(0.5).sum(1).to(at::kLong);
}

}  // namespace medimg::nn
