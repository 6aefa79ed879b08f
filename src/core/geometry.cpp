#include "medimg/core/geometry.hpp"

#include <Eigen/LU>
#include <cmath>
#include <ostream>

#include "medimg/core/error.hpp"

namespace medimg {
namespace {

// Columns of a direction may deviate this much from unit length (DICOM stores cosines as
// decimal strings of limited precision).
constexpr double kUnitTolerance = 1e-3;

void check_spacing(const Eigen::VectorXd& spacing) {
  MEDIMG_CHECK(spacing.size() == 2 || spacing.size() == 3, ArgumentError,
               "spacing must have 2 or 3 values (array order), got ", spacing.size());
  for (Eigen::Index k = 0; k < spacing.size(); ++k) {
    MEDIMG_CHECK(std::isfinite(spacing[k]) && spacing[k] > 0, ArgumentError,
                 "spacing must be finite and > 0 along every axis, got ", spacing[k],
                 " along axis ", k);
  }
}

void check_origin(const Eigen::Vector3d& origin) {
  MEDIMG_CHECK(origin.allFinite(), ArgumentError, "origin must be finite, got (",
               origin.transpose(), ")");
}

void check_direction(const Eigen::Matrix3d& direction) {
  MEDIMG_CHECK(direction.allFinite(), ArgumentError, "direction must be finite");
  for (int c = 0; c < 3; ++c) {
    MEDIMG_CHECK(std::abs(direction.col(c).norm() - 1.0) < kUnitTolerance, ArgumentError,
                 "direction column ", c, " must be a unit vector, got norm ",
                 direction.col(c).norm());
  }
  MEDIMG_CHECK(std::abs(direction.determinant()) > 1e-6, ArgumentError,
               "direction must be non-singular (its columns are parallel)");
}

// Image axis (0 = x, 1 = y, 2 = z) that array axis k runs along.
int image_axis(int array_axis, int spatial_dims) { return spatial_dims - 1 - array_axis; }

}  // namespace

Geometry::Geometry(int spatial_dims)
    : origin_(Eigen::Vector3d::Zero()), direction_(Eigen::Matrix3d::Identity()) {
  MEDIMG_CHECK(spatial_dims == 2 || spatial_dims == 3, ArgumentError,
               "spatial_dims must be 2 or 3, got ", spatial_dims);
  spacing_ = Eigen::VectorXd::Ones(spatial_dims);
}

Geometry::Geometry(const Eigen::VectorXd& spacing, const Eigen::Vector3d& origin,
                   const Eigen::Matrix3d& direction) {
  check_spacing(spacing);
  check_origin(origin);
  check_direction(direction);
  spacing_ = spacing;
  origin_ = origin;
  direction_ = direction;
}

Geometry Geometry::from_affine(const Eigen::Matrix4d& affine, int spatial_dims) {
  MEDIMG_CHECK(spatial_dims == 2 || spatial_dims == 3, ArgumentError,
               "spatial_dims must be 2 or 3, got ", spatial_dims);
  MEDIMG_CHECK(affine.allFinite(), ArgumentError, "affine must be finite");
  MEDIMG_CHECK(affine.row(3).isApprox(Eigen::RowVector4d(0, 0, 0, 1), 1e-12), ArgumentError,
               "the last row of an affine must be (0, 0, 0, 1), got (", affine.row(3), ")");
  Eigen::VectorXd spacing(spatial_dims);
  Eigen::Matrix3d direction;
  for (int k = 0; k < 3; ++k) {
    const Eigen::Vector3d column = affine.block<3, 1>(0, k);
    const double length = column.norm();
    MEDIMG_CHECK(length > 0, ArgumentError, "affine column ", k, " is zero");
    if (k < spatial_dims) {
      spacing[k] = length;
      direction.col(image_axis(k, spatial_dims)) = column / length;
    } else {
      direction.col(2) = column / length;  // 2D: the plane normal
    }
  }
  return Geometry(spacing, affine.block<3, 1>(0, 3), direction);
}

void Geometry::set_spacing(const Eigen::VectorXd& spacing) {
  check_spacing(spacing);
  MEDIMG_CHECK(spacing.size() == spacing_.size(), ShapeError, "spacing must have ",
               spacing_.size(), " values for a ", spacing_.size(), "D geometry, got ",
               spacing.size());
  spacing_ = spacing;
}

void Geometry::set_origin(const Eigen::Vector3d& origin) {
  check_origin(origin);
  origin_ = origin;
}

void Geometry::set_direction(const Eigen::Matrix3d& direction) {
  check_direction(direction);
  direction_ = direction;
}

Eigen::Matrix4d Geometry::affine() const {
  const int n = spatial_dims();
  Eigen::Matrix4d a = Eigen::Matrix4d::Identity();
  for (int k = 0; k < n; ++k) {
    a.block<3, 1>(0, k) = direction_.col(image_axis(k, n)) * spacing_[k];
  }
  if (n == 2) {
    a.block<3, 1>(0, 2) = direction_.col(2);
  }
  a.block<3, 1>(0, 3) = origin_;
  return a;
}

Eigen::Vector3d Geometry::index_to_world(const Eigen::VectorXd& index) const {
  const int n = spatial_dims();
  MEDIMG_CHECK(index.size() == n, ShapeError, "index must have ", n, " values for a ", n,
               "D image, got ", index.size());
  Eigen::Vector4d homogeneous = Eigen::Vector4d::Zero();
  homogeneous.head(n) = index;
  homogeneous[3] = 1.0;
  return (affine() * homogeneous).head<3>();
}

Eigen::VectorXd Geometry::world_to_index(const Eigen::Vector3d& world) const {
  Eigen::Vector4d homogeneous;
  homogeneous << world, 1.0;
  const Eigen::Vector4d index = affine().inverse() * homogeneous;
  return index.head(spatial_dims());
}

bool Geometry::is_close(const Geometry& other, double tolerance) const {
  if (spatial_dims() != other.spatial_dims()) return false;
  return (spacing_ - other.spacing_).cwiseAbs().maxCoeff() <= tolerance &&
         (origin_ - other.origin_).cwiseAbs().maxCoeff() <= tolerance &&
         (direction_ - other.direction_).cwiseAbs().maxCoeff() <= tolerance;
}

std::ostream& operator<<(std::ostream& out, const Geometry& geometry) {
  auto sequence = [&out](const double* values, Eigen::Index size) {
    out << '(';
    for (Eigen::Index i = 0; i < size; ++i) out << (i ? ", " : "") << values[i];
    out << ')';
  };
  const Eigen::Matrix<double, 3, 3, Eigen::RowMajor> rows = geometry.direction();
  out << "Geometry(spacing=";
  sequence(geometry.spacing().data(), geometry.spacing().size());
  out << ", origin=";
  sequence(geometry.origin().data(), 3);
  out << ", direction=";
  sequence(rows.data(), 9);
  return out << ')';
}

}  // namespace medimg
