#pragma once

/// Where an image's voxels lie in the patient: spacing, origin and direction.
///
/// Conventions (docs/conventions.md):
/// - per-axis quantities (spacing, indices) are in array order: (z, y, x) in 3D, (y, x) in 2D;
/// - world points are (x, y, z) millimetres in the DICOM patient system (LPS);
/// - `direction` is the 3x3 matrix whose columns are the world unit vectors of the image's
///   x, y and z axes (DICOM/ITK order), so the identity means: the array's last axis runs
///   along world x, the one before along y, the first (3D) along z;
/// - a 2D image still lies in 3D space: its origin is a 3D point and its plane is spanned by
///   the first two direction columns; the third column is the plane's normal.

#include <iosfwd>

#include <Eigen/Core>

#include "medimg/export.hpp"

namespace medimg {

class MEDIMG_API Geometry {
 public:
  /// Unit spacing, zero origin and identity direction for `spatial_dims` (2 or 3) axes.
  /// @throws ArgumentError when spatial_dims is not 2 or 3.
  explicit Geometry(int spatial_dims = 3);

  /// @param spacing   voxel size in mm per array axis, length 2 or 3, each finite and > 0
  /// @param origin    world (LPS, mm) position of the centre of voxel 0
  /// @param direction columns = world unit vectors of the image x, y, z axes; non-singular
  /// @throws ArgumentError on any violation, naming the value.
  Geometry(const Eigen::VectorXd& spacing, const Eigen::Vector3d& origin = Eigen::Vector3d::Zero(),
           const Eigen::Matrix3d& direction = Eigen::Matrix3d::Identity());

  /// The geometry whose affine() is `affine`: spacing from the column norms, direction from
  /// the normalised columns. For spatial_dims 2, columns 0 and 1 are the (y, x) axes.
  /// @throws ArgumentError when the affine is singular, not finite or its last row is not
  /// (0, 0, 0, 1).
  static Geometry from_affine(const Eigen::Matrix4d& affine, int spatial_dims = 3);

  int spatial_dims() const noexcept { return static_cast<int>(spacing_.size()); }
  const Eigen::VectorXd& spacing() const noexcept { return spacing_; }
  const Eigen::Vector3d& origin() const noexcept { return origin_; }
  const Eigen::Matrix3d& direction() const noexcept { return direction_; }

  void set_spacing(const Eigen::VectorXd& spacing);
  void set_origin(const Eigen::Vector3d& origin);
  void set_direction(const Eigen::Matrix3d& direction);

  /// 4x4 matrix mapping a homogeneous array index (k0, k1, k2, 1) to world (x, y, z, 1).
  /// In 2D the index is (k0, k1, 0, 1): column 2 is the plane normal at unit length, so the
  /// matrix stays invertible.
  Eigen::Matrix4d affine() const;

  /// World (LPS, mm) position of a continuous index given in array order.
  /// @throws ShapeError when index.size() != spatial_dims().
  Eigen::Vector3d index_to_world(const Eigen::VectorXd& index) const;

  /// Continuous array-order index of a world point. In 2D the offset along the plane normal
  /// is dropped (the point is projected onto the image plane).
  Eigen::VectorXd world_to_index(const Eigen::Vector3d& world) const;

  /// True when both have the same number of axes and spacing, origin and direction agree
  /// element-wise within `tolerance` (mm for spacing and origin, cosine for direction).
  bool is_close(const Geometry& other, double tolerance = 1e-6) const;

  /// is_close with the default tolerance 1e-6.
  bool operator==(const Geometry& other) const { return is_close(other); }
  bool operator!=(const Geometry& other) const { return !is_close(other); }

 private:
  Eigen::VectorXd spacing_;
  Eigen::Vector3d origin_;
  Eigen::Matrix3d direction_;
};

/// "Geometry(spacing=(2, 1, 1), origin=(0, 0, 0), direction=(1, 0, 0, 0, 1, 0, 0, 0, 1))",
/// direction row by row.
MEDIMG_API std::ostream& operator<<(std::ostream& out, const Geometry& geometry);

}  // namespace medimg
