#include "medimg/preprocess/warp.hpp"

#include <Eigen/LU>

#include <cmath>

#include "detail/sampling.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

/// Swaps the two axes of a 2D homogeneous matrix: (x, y) order <-> array (y, x) order.
Eigen::MatrixXd swap_xy(const Eigen::MatrixXd& m) {
  Eigen::MatrixXd swap = Eigen::MatrixXd::Identity(3, 3);
  swap(0, 0) = swap(1, 1) = 0.0;
  swap(0, 1) = swap(1, 0) = 1.0;
  return swap * m * swap;
}

/// The rotation by `angle` in the plane of array axes (a, b), from a towards b.
Eigen::MatrixXd plane_rotation(int dims, int a, int b, double angle) {
  Eigen::MatrixXd r = Eigen::MatrixXd::Identity(dims, dims);
  r(a, a) = r(b, b) = std::cos(angle);
  r(b, a) = std::sin(angle);
  r(a, b) = -std::sin(angle);
  return r;
}

std::vector<double> values_or(const std::vector<double>& values, std::size_t count,
                              double none, const char* what) {
  if (values.empty()) return std::vector<double>(count, none);
  MEDIMG_CHECK(values.size() == count, ShapeError, "affine_about_center: ", what, " needs ",
               count, count == 1 ? " value" : " values", ", got ", values.size());
  for (double v : values) {
    MEDIMG_CHECK(std::isfinite(v), ArgumentError, "affine_about_center: ", what,
                 " must be finite, got ", v);
  }
  return values;
}

}  // namespace

Image warp_affine(const Image& image, const Eigen::MatrixXd& matrix, const WarpOptions& options) {
  const char* who = "warp_affine";
  MEDIMG_CHECK(image.defined(), ArgumentError, who, ": the image is undefined");
  const int dims = image.spatial_dims();
  Eigen::MatrixXd map = detail::homogeneous_matrix(matrix, dims, who);
  if (dims == 2) map = swap_xy(map);  // cv2's (x, y) to array (y, x)
  if (!options.inverse_map) {
    const Eigen::FullPivLU<Eigen::MatrixXd> lu(map);
    MEDIMG_CHECK(lu.isInvertible(), ArgumentError, who,
                 ": the matrix is singular; a forward map must be invertible");
    map = lu.inverse();
  }
  const auto shape = options.shape.empty() ? image.spatial_shape() : options.shape;
  return Image(affine_transform(image.tensor(), map, shape, options.sampling), image.geometry(),
               image.meta());
}

Eigen::MatrixXd affine_about_center(const std::vector<std::int64_t>& spatial_shape,
                                    const CenteredAffine& transform) {
  const auto dims = static_cast<int>(spatial_shape.size());
  MEDIMG_CHECK(dims == 2 || dims == 3, ShapeError,
               "affine_about_center: the shape needs 2 or 3 sizes, got ", dims);
  const std::size_t planes = dims == 2 ? 1 : 3;
  const auto angles = values_or(transform.rotation, planes, 0.0, "rotation");
  const auto shears = values_or(transform.shear, planes, 0.0, "shear");
  const auto translation = values_or(transform.translation, dims, 0.0, "translation");
  auto scale = transform.scale.size() == 1 ? std::vector<double>(dims, transform.scale[0])
                                           : transform.scale;
  scale = values_or(scale, dims, 1.0, "scale");
  for (double s : scale) {
    MEDIMG_CHECK(s > 0, ArgumentError, "affine_about_center: scale must be > 0, got ", s);
  }

  // Array axes: 2D (y, x) = (0, 1); 3D (z, y, x) = (0, 1, 2).
  const int y = dims - 2, x = dims - 1, z = 0;
  Eigen::MatrixXd rotation = plane_rotation(dims, y, x, angles[0]);
  Eigen::MatrixXd shear = Eigen::MatrixXd::Identity(dims, dims);
  shear(x, y) = shears[0];
  if (dims == 3) {
    rotation = plane_rotation(3, z, y, angles[2]) * plane_rotation(3, z, x, angles[1]) * rotation;
    shear(x, z) = shears[1];
    shear(y, z) = shears[2];
  }
  Eigen::VectorXd centre(dims), shift(dims);
  Eigen::MatrixXd scaling = Eigen::MatrixXd::Zero(dims, dims);
  for (int k = 0; k < dims; ++k) {
    MEDIMG_CHECK(spatial_shape[k] >= 1, ShapeError, "affine_about_center: sizes must be >= 1, got ",
                 spatial_shape[k]);
    centre[k] = (static_cast<double>(spatial_shape[k]) - 1.0) / 2.0;
    shift[k] = translation[k];
    scaling(k, k) = scale[k];
  }
  const Eigen::MatrixXd linear = rotation * shear * scaling;
  Eigen::MatrixXd forward = Eigen::MatrixXd::Identity(dims + 1, dims + 1);
  forward.topLeftCorner(dims, dims) = linear;
  forward.topRightCorner(dims, 1) = centre + shift - linear * centre;
  return dims == 2 ? swap_xy(forward) : forward;
}

}  // namespace medimg
