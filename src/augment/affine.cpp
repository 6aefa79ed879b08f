#include <Eigen/LU>

#include <cmath>

#include "detail/intensity_helpers.hpp"
#include "detail/spatial_helpers.hpp"
#include "medimg/augment/spatial.hpp"
#include "medimg/core/error.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {
namespace {

int rotation_planes(int dims) { return dims == 2 ? 1 : 3; }

/// The plane (a, b) of rotation or shear number `which`: (y,x), then in 3D (z,x), (z,y).
std::pair<int, int> plane(int dims, int which) {
  if (dims == 2) return {0, 1};
  static constexpr std::pair<int, int> kPlanes[] = {{1, 2}, {0, 2}, {0, 1}};
  return kPlanes[which];
}

}  // namespace

Eigen::MatrixXd affine_matrix(const AffineParams& params,
                              const std::vector<std::int64_t>& spatial_shape,
                              const Eigen::VectorXd& spacing) {
  const int dims = static_cast<int>(spatial_shape.size());
  MEDIMG_CHECK(dims == 2 || dims == 3, ShapeError,
               "affine_matrix: expected a 2D or 3D spatial shape, got ", dims, " axes");
  MEDIMG_CHECK(spacing.size() == dims, ShapeError, "affine_matrix: expected ", dims,
               " spacing values, got ", spacing.size());
  const auto planes = static_cast<std::size_t>(rotation_planes(dims));
  MEDIMG_CHECK(params.angles.size() == planes && params.shears.size() == planes &&
                   params.scales.size() == static_cast<std::size_t>(dims) &&
                   params.translation.size() == static_cast<std::size_t>(dims),
               ShapeError, "affine_matrix: a ", dims, "D draw has ", planes, " angles, ", planes,
               " shears, ", dims, " scales and ", dims, " translations; got ",
               params.angles.size(), ", ", params.shears.size(), ", ", params.scales.size(),
               ", ", params.translation.size());

  for (const auto* values : {&params.angles, &params.shears, &params.translation}) {
    for (double v : *values) {
      MEDIMG_CHECK(std::isfinite(v), ArgumentError,
                   "affine_matrix: angles, shears and translation must be finite, got ", v);
    }
  }
  MEDIMG_CHECK(spacing.allFinite() && (spacing.array() > 0).all(), ArgumentError,
               "affine_matrix: spacing must be finite and > 0, got ", spacing.transpose());
  Eigen::MatrixXd forward = Eigen::MatrixXd::Identity(dims, dims);
  for (int d = 0; d < dims; ++d) {
    MEDIMG_CHECK(params.scales[d] > 0.0 && std::isfinite(params.scales[d]), ArgumentError,
                 "affine_matrix: scales must be finite and > 0, got ", params.scales[d]);
    forward(d, d) = params.scales[d];
  }
  for (std::size_t k = 0; k < planes; ++k) {  // shear, then rotations, act after the scale
    auto [a, b] = plane(dims, static_cast<int>(k));
    Eigen::MatrixXd shear = Eigen::MatrixXd::Identity(dims, dims);
    shear(a, b) = params.shears[k];
    forward = shear * forward;
  }
  for (std::size_t k = 0; k < planes; ++k) {
    auto [a, b] = plane(dims, static_cast<int>(k));
    const double c = std::cos(params.angles[k]), s = std::sin(params.angles[k]);
    Eigen::MatrixXd rotation = Eigen::MatrixXd::Identity(dims, dims);
    rotation(a, a) = c;
    rotation(a, b) = -s;
    rotation(b, a) = s;
    rotation(b, b) = c;
    forward = rotation * forward;
  }
  MEDIMG_CHECK(std::abs(forward.determinant()) > 1e-12, ArgumentError,
               "affine_matrix: the drawn transform is singular (shear too large?)");

  // Output index o samples input index i = c + S^-1 A^-1 S (o - c - t).
  const Eigen::VectorXd mm = spacing;
  const Eigen::MatrixXd linear = mm.cwiseInverse().asDiagonal() * forward.inverse() * mm.asDiagonal();
  Eigen::VectorXd centre(dims), shift(dims);
  for (int d = 0; d < dims; ++d) {
    centre[d] = (static_cast<double>(spatial_shape[d]) - 1.0) / 2.0;
    shift[d] = params.translation[d];
  }
  Eigen::MatrixXd matrix = Eigen::MatrixXd::Identity(dims + 1, dims + 1);
  matrix.topLeftCorner(dims, dims) = linear;
  matrix.topRightCorner(dims, 1) = centre - linear * (centre + shift);
  return matrix;
}

RandAffine::RandAffine(RandAffineOptions options) : options_(options) {
  detail::check_range("RandAffine", "rotation", options_.rotation, -180.0);
  MEDIMG_CHECK(options_.rotation.high <= 180.0, ArgumentError,
               "RandAffine: rotation must lie in [-180, 180] degrees, got (", options_.rotation.low,
               ", ", options_.rotation.high, ")");
  MEDIMG_CHECK(!(options_.scale.low <= 0.0), ArgumentError, "RandAffine: scale must be > 0, got (",
               options_.scale.low, ", ", options_.scale.high, ")");
  detail::check_range("RandAffine", "scale", options_.scale, 0.0);
  detail::check_range("RandAffine", "translation", options_.translation, -INFINITY);
  detail::check_range("RandAffine", "shear", options_.shear, -INFINITY);
}

AffineParams RandAffine::sample(Random& random, const std::vector<std::int64_t>& spatial_shape) const {
  const int dims = static_cast<int>(spatial_shape.size());
  MEDIMG_CHECK(dims == 2 || dims == 3, ShapeError, "RandAffine: expected 2 or 3 spatial axes, got ",
               dims);
  AffineParams params;
  for (int k = 0; k < rotation_planes(dims); ++k) {
    params.angles.push_back(detail::draw(random, options_.rotation) * M_PI / 180.0);
  }
  const double shared_scale = detail::draw(random, options_.scale);
  for (int d = 0; d < dims; ++d) {
    params.scales.push_back(options_.isotropic_scale || d == 0 ? shared_scale
                                                               : detail::draw(random, options_.scale));
  }
  for (int k = 0; k < rotation_planes(dims); ++k) {
    params.shears.push_back(detail::draw(random, options_.shear));
  }
  for (int d = 0; d < dims; ++d) params.translation.push_back(detail::draw(random, options_.translation));
  return params;
}

void RandAffine::apply(Sample& sample, const AffineParams& params) const {
  detail::check_sample(sample, "RandAffine");
  const auto shape = sample.image.spatial_shape();
  const Eigen::MatrixXd matrix = affine_matrix(params, shape, sample.image.geometry().spacing());
  SampleOptions image_options;
  image_options.interpolation = options_.interpolation;
  image_options.border = options_.border;
  image_options.fill_value = options_.fill_value;
  detail::set_voxels(sample, affine_transform(detail::floating(sample.image.tensor()), matrix,
                                              shape, image_options));
  if (sample.label.defined()) {
    sample.label = sample.label.with_tensor(
        affine_transform(sample.label.tensor(), matrix, shape, detail::label_sampling(options_.border)));
  }
}

}  // namespace medimg
