#include "medimg/metrics/kappa.hpp"

#include <ATen/ops/tensor.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "medimg/core/error.hpp"

using Catch::Detail::Approx;
using medimg::KappaWeighting;

namespace {

at::Tensor labels(const std::vector<std::int64_t>& values) { return at::tensor(values); }

}  // namespace

TEST_CASE("cohen_kappa of two raters matches the hand computation", "[kappa]") {
  // O = [[1, 1], [0, 2]]: p_o = 3/4, p_e = (2 * 1 + 2 * 3) / 16 = 1/2, kappa = 1/2
  CHECK(medimg::cohen_kappa(labels({0, 1, 0, 1}), labels({0, 1, 1, 1})) == Approx(0.5));
  // with two classes every weighting is the same
  CHECK(medimg::cohen_kappa(labels({0, 1, 0, 1}), labels({0, 1, 1, 1}),
                            KappaWeighting::Quadratic) == Approx(0.5));
}

TEST_CASE("weighted kappa penalises by class distance", "[kappa]") {
  // y1 = (0, 1, 2), y2 = (0, 2, 2): one disagreement (1 vs 2); marginals (1, 1, 1), (1, 0, 2).
  const at::Tensor y1 = labels({0, 1, 2}), y2 = labels({0, 2, 2});
  // expected disagreement: unweighted 6/3, linear 9/3, quadratic 15/3
  CHECK(medimg::cohen_kappa(y1, y2) == Approx(1.0 - 1.0 / 2.0));
  CHECK(medimg::cohen_kappa(y1, y2, KappaWeighting::Linear) == Approx(1.0 - 1.0 / 3.0));
  CHECK(medimg::cohen_kappa(y1, y2, KappaWeighting::Quadratic) == Approx(1.0 - 1.0 / 5.0));
  // perfect agreement, and a class index (3) nobody used widening the distances
  CHECK(medimg::cohen_kappa(y1, y1, KappaWeighting::Quadratic) == Approx(1.0));
  const at::Tensor a = labels({0, 4, 0, 4}), b = labels({0, 4, 4, 4});
  CHECK(medimg::cohen_kappa(a, b, KappaWeighting::Linear) ==
        Approx(medimg::cohen_kappa(labels({0, 1, 0, 1}), labels({0, 1, 1, 1}))));
}

TEST_CASE("cohen_kappa is NaN when chance agreement is certain", "[kappa]") {
  CHECK(std::isnan(medimg::cohen_kappa(labels({1, 1, 1}), labels({1, 1, 1}))));
}

TEST_CASE("cohen_kappa rejects bad input", "[kappa]") {
  CHECK_THROWS_AS(medimg::cohen_kappa(labels({0, 1}), labels({0})), medimg::ShapeError);
  CHECK_THROWS_WITH(medimg::cohen_kappa(labels({0, 1}), labels({0})),
                    "cohen_kappa: y1 has 2 cases but y2 has shape [1]");
  CHECK_THROWS_AS(medimg::cohen_kappa(labels({0, 1}), labels({0, 5}), KappaWeighting::Linear, 3),
                  medimg::ArgumentError);
  CHECK_THROWS_WITH(medimg::cohen_kappa(labels({0, -2}), labels({0, 1})),
                    "cohen_kappa: y1 must hold class indices >= 0, got -2 at index 1");
}
