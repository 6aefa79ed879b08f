#include "medimg/metrics/classification.hpp"

#include <ATen/ops/tensor.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "medimg/core/error.hpp"

using Catch::Detail::Approx;

namespace {

at::Tensor labels(const std::vector<std::int64_t>& values) { return at::tensor(values); }

std::vector<std::int64_t> entries(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

}  // namespace

TEST_CASE("confusion_matrix counts truth in rows and predictions in columns",
          "[classification]") {
  const at::Tensor y_true = labels({0, 1, 2, 2, 1}), y_pred = labels({0, 2, 2, 1, 1});
  const at::Tensor cm = medimg::confusion_matrix(y_true, y_pred);
  CHECK(cm.scalar_type() == at::kLong);
  CHECK(cm.sizes() == at::IntArrayRef({3, 3}));
  CHECK(entries(cm) == std::vector<std::int64_t>{1, 0, 0, 0, 1, 1, 0, 1, 1});

  const at::Tensor padded = medimg::confusion_matrix(y_true, y_pred, 4);
  CHECK(padded.sizes() == at::IntArrayRef({4, 4}));
  CHECK(entries(padded)[4 * 2 + 2] == 1);
  CHECK(entries(padded)[4 * 3 + 3] == 0);
  // a class that only the prediction uses still gets its row and column
  CHECK(medimg::confusion_matrix(labels({0, 0}), labels({0, 3})).size(0) == 4);
}

TEST_CASE("accuracy and balanced_accuracy match hand counts", "[classification]") {
  const at::Tensor y_true = labels({0, 1, 2, 2, 1}), y_pred = labels({0, 2, 2, 1, 1});
  CHECK(medimg::accuracy(y_true, y_pred) == Approx(3.0 / 5.0));
  // recalls 1/1, 1/2, 1/2
  CHECK(medimg::balanced_accuracy(y_true, y_pred) == Approx(2.0 / 3.0));
  // class 2 occurs only in y_pred: left out, recalls 1/2 and 1
  CHECK(medimg::balanced_accuracy(labels({0, 0, 1}), labels({0, 2, 1})) == Approx(0.75));
  // accuracy takes any integers, bool labels work everywhere
  CHECK(medimg::accuracy(labels({-5, 7}), labels({-5, 8})) == Approx(0.5));
  const at::Tensor t = labels({1, 0, 1}).to(at::kBool), p = labels({1, 1, 1}).to(at::kBool);
  CHECK(medimg::accuracy(t, p) == Approx(2.0 / 3.0));
  CHECK(medimg::balanced_accuracy(t, p) == Approx(0.5));
  CHECK(medimg::accuracy(labels({1, 2, 3}).to(at::kByte), labels({1, 2, 4}).to(at::kInt)) ==
        Approx(2.0 / 3.0));
}

TEST_CASE("label metrics reject bad input with the expected error", "[classification]") {
  const at::Tensor a = labels({0, 1, 2});
  CHECK_THROWS_AS(medimg::confusion_matrix(a, labels({0, 1})), medimg::ShapeError);
  CHECK_THROWS_WITH(medimg::confusion_matrix(a, labels({0, 1})),
                    "confusion_matrix: y_true has 3 cases but y_pred has shape [2]");
  CHECK_THROWS_AS(medimg::accuracy(a.reshape({3, 1}), a), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::accuracy(labels({}), labels({})), medimg::ArgumentError);
  CHECK_THROWS_WITH(medimg::accuracy(labels({}), labels({})),
                    "accuracy: y_true is empty (N = 0)");
  CHECK_THROWS_AS(medimg::accuracy(a.to(at::kFloat), a), medimg::ArgumentError);
  CHECK_THROWS_WITH(medimg::accuracy(a.to(at::kFloat), a),
                    "accuracy: y_true must hold bool or integer labels, got dtype Float");
  CHECK_THROWS_WITH(medimg::confusion_matrix(labels({0, -1}), labels({0, 1})),
                    "confusion_matrix: y_true must hold class indices >= 0, got -1 at index 1");
  CHECK_THROWS_WITH(medimg::confusion_matrix(a, a, 2),
                    "confusion_matrix: y_true holds class 2 at index 2 but num_classes is 2");
  CHECK_THROWS_WITH(medimg::confusion_matrix(a, a, 0),
                    "confusion_matrix: num_classes must be in [1, 10000], got 0");
  CHECK_THROWS_WITH(medimg::balanced_accuracy(a, labels({0, 1, 10000})),
                    "balanced_accuracy: y_pred holds class 10000 at index 2; class indices "
                    "must be < 10000");
}
