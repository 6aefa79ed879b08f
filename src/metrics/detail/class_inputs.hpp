#pragma once

// Argument checks shared by the classification metrics (src only, not installed): every
// public function validates its tensors here once and then loops over plain vectors.

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/metrics/classification.hpp"

namespace medimg::detail::classification {

/// Checks that `t` is a (N,) tensor of bool or integer labels and copies it as int64.
inline std::vector<std::int64_t> read_labels(const at::Tensor& t, const char* function,
                                             const char* name) {
  MEDIMG_CHECK(t.defined(), ArgumentError, function, ": ", name, " is an undefined tensor");
  MEDIMG_CHECK(t.dim() == 1, ShapeError, function, ": ", name, " must be 1D (N,), got shape ",
               t.sizes());
  MEDIMG_CHECK(t.scalar_type() == at::kBool || c10::isIntegralType(t.scalar_type(), false),
               ArgumentError, function, ": ", name,
               " must hold bool or integer labels, got dtype ", t.scalar_type());
  MEDIMG_CHECK(t.size(0) > 0, ArgumentError, function, ": ", name, " is empty (N = 0)");
  std::vector<std::int64_t> labels(static_cast<std::size_t>(t.size(0)));
  dispatch_dtype<1>(t, [&](auto v) {
    using T = std::remove_const_t<std::remove_reference_t<decltype(*v.data())>>;
    if constexpr (std::is_integral_v<T>) {
      for (std::int64_t i = 0; i < v.size(0); ++i) labels[i] = static_cast<std::int64_t>(v(i));
    }
  });
  return labels;
}

/// Checks that two first axes have the same length.
inline void check_same_cases(const at::Tensor& a, const at::Tensor& b, const char* function,
                             const char* name_a, const char* name_b) {
  MEDIMG_CHECK(b.defined(), ArgumentError, function, ": ", name_b, " is an undefined tensor");
  MEDIMG_CHECK(b.dim() >= 1 && b.size(0) == a.size(0), ShapeError, function, ": ", name_a,
               " has ", a.size(0), " cases but ", name_b, " has shape ", b.sizes());
}

/// Checks that labels are 0 or 1.
inline void check_binary(const std::vector<std::int64_t>& labels, const char* function,
                         const char* name) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    MEDIMG_CHECK(labels[i] == 0 || labels[i] == 1, ArgumentError, function, ": binary ", name,
                 " must hold 0 or 1, got ", labels[i], " at index ", i);
  }
}

/// Checks that labels are class indices below `num_classes` (when given) and kMaxClasses,
/// and returns the number of classes seen so far (largest index + 1, or num_classes).
inline std::int64_t check_classes(const std::vector<std::int64_t>& labels,
                                  std::optional<std::int64_t> num_classes, const char* function,
                                  const char* name) {
  if (num_classes) {
    MEDIMG_CHECK(*num_classes >= 1 && *num_classes <= kMaxClasses, ArgumentError, function,
                 ": num_classes must be in [1, ", kMaxClasses, "], got ", *num_classes);
  }
  std::int64_t classes = num_classes.value_or(0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::int64_t c = labels[i];
    MEDIMG_CHECK(c >= 0, ArgumentError, function, ": ", name,
                 " must hold class indices >= 0, got ", c, " at index ", i);
    if (num_classes) {
      MEDIMG_CHECK(c < *num_classes, ArgumentError, function, ": ", name, " holds class ", c,
                   " at index ", i, " but num_classes is ", *num_classes);
    } else {
      MEDIMG_CHECK(c < kMaxClasses, ArgumentError, function, ": ", name, " holds class ", c,
                   " at index ", i, "; class indices must be < ", kMaxClasses);
      classes = std::max(classes, c + 1);
    }
  }
  return classes;
}

/// The row-major (K, K) confusion counts: [true * K + predicted].
inline std::vector<std::int64_t> confusion_counts(const std::vector<std::int64_t>& y_true,
                                                  const std::vector<std::int64_t>& y_pred,
                                                  std::int64_t classes) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(classes * classes), 0);
  for (std::size_t i = 0; i < y_true.size(); ++i) ++counts[y_true[i] * classes + y_pred[i]];
  return counts;
}

/// Checks that a score tensor holds no NaN; names the first one.
inline void check_scores(const at::Tensor& scores, const char* function, const char* name) {
  MEDIMG_CHECK(c10::isFloatingType(scores.scalar_type()) ||
                   c10::isIntegralType(scores.scalar_type(), true),
               ArgumentError, function, ": ", name, " must hold real scores, got dtype ",
               scores.scalar_type());
  const at::Tensor matrix = scores.dim() == 1 ? scores.unsqueeze(1) : scores;
  dispatch_dtype<2>(matrix, [&](auto v) {
    using T = std::remove_const_t<std::remove_reference_t<decltype(*v.data())>>;
    if constexpr (std::is_floating_point_v<T>) {
      for (std::int64_t i = 0; i < v.size(0); ++i) {
        for (std::int64_t k = 0; k < v.size(1); ++k) {
          MEDIMG_CHECK(!std::isnan(v(i, k)), ArgumentError, function, ": ", name,
                       " contains NaN (first at index ", i,
                       scores.dim() == 1 ? "" : detail::concat(", column ", k), ")");
        }
      }
    }
  });
}

}  // namespace medimg::detail::classification
