#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>

#include "detail/intensity_helpers.hpp"
#include "medimg/augment/intensity.hpp"
#include "medimg/core/error.hpp"

namespace medimg {

namespace {

// Far above any useful smooth field (MONAI's default is 3), and low enough that the terms
// (C(degree + 3, 3) in 3D) and the odometer over them stay small.
constexpr int kMaxBiasFieldDegree = 32;

}  // namespace

std::vector<std::vector<int>> bias_field_terms(int spatial_dims, int degree) {
  MEDIMG_CHECK(spatial_dims >= 1 && spatial_dims <= 3, ArgumentError,
               "bias_field_terms: spatial_dims must be 1, 2 or 3, got ", spatial_dims);
  MEDIMG_CHECK(degree >= 0 && degree <= kMaxBiasFieldDegree, ArgumentError,
               "bias_field_terms: degree must be in [0, ", kMaxBiasFieldDegree, "], got ", degree);
  std::vector<std::vector<int>> terms;
  std::vector<int> term(spatial_dims, 0);
  // Odometer over [0, degree]^dims in lexicographic order, keeping sums <= degree.
  while (true) {
    int sum = 0;
    for (int d : term) sum += d;
    if (sum <= degree) terms.push_back(term);
    int axis = spatial_dims - 1;
    while (axis >= 0 && term[axis] == degree) term[axis--] = 0;
    if (axis < 0) break;
    ++term[axis];
  }
  return terms;
}

namespace {

/// Rows P_0..P_degree of the Legendre polynomials at n points spread over [-1, 1].
at::Tensor legendre_rows(std::int64_t n, int degree, const at::TensorOptions& options) {
  const at::Tensor x = n > 1 ? at::linspace(-1.0, 1.0, n, options) : at::zeros({n}, options);
  std::vector<at::Tensor> rows{at::ones({n}, options), x};
  for (int k = 1; k < degree; ++k) {  // (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}
    rows.push_back(((2.0 * k + 1.0) * x * rows[k] - k * rows[k - 1]) / (k + 1.0));
  }
  rows.resize(degree + 1);
  return at::stack(rows);
}

}  // namespace

RandBiasField::RandBiasField(RandBiasFieldOptions options) : options_(options) {
  MEDIMG_CHECK(options_.degree >= 1 && options_.degree <= kMaxBiasFieldDegree, ArgumentError,
               "RandBiasField: degree must be in [1, ", kMaxBiasFieldDegree, "], got ",
               options_.degree);
  detail::check_range("RandBiasField", "coefficients", options_.coefficients, -INFINITY);
}

std::vector<double> RandBiasField::sample(Random& random,
                                          const std::vector<std::int64_t>& spatial_shape) const {
  const auto count = bias_field_terms(static_cast<int>(spatial_shape.size()), options_.degree).size();
  std::vector<double> coefficients(count);
  for (double& c : coefficients) c = detail::draw(random, options_.coefficients);
  return coefficients;
}

void RandBiasField::apply(Sample& sample, const std::vector<double>& coefficients) const {
  detail::check_sample(sample, "RandBiasField");
  const auto shape = sample.image.spatial_shape();
  const int dims = static_cast<int>(shape.size());
  const auto terms = bias_field_terms(dims, options_.degree);
  MEDIMG_CHECK(coefficients.size() == terms.size(), ArgumentError, "RandBiasField: expected ",
               terms.size(), " coefficients for degree ", options_.degree, " in ", dims,
               "D, got ", coefficients.size());
  const at::Tensor x = detail::floating(sample.image.tensor());
  const auto options = x.options();
  std::vector<at::Tensor> rows;
  for (int axis = 0; axis < dims; ++axis) {
    rows.push_back(legendre_rows(shape[axis], options_.degree, options));
  }
  at::Tensor field = at::zeros(shape, options);
  for (std::size_t t = 0; t < terms.size(); ++t) {
    at::Tensor product = at::full({}, coefficients[t], options);
    for (int axis = 0; axis < dims; ++axis) {
      std::vector<std::int64_t> along(dims, 1);
      along[axis] = shape[axis];
      product = product * rows[axis][terms[t][axis]].reshape(along);
    }
    field += product;
  }
  detail::set_voxels(sample, x * field.exp().unsqueeze(0));
}

}  // namespace medimg
