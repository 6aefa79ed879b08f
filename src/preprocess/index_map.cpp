// Geometry of re-indexed grids (detail/index_map.hpp).
#include "detail/index_map.hpp"

#include <Eigen/LU>

#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

// The 4x4 index-space form of a (ndim+1)² map: a 2D index (k0, k1) rides in the first two
// coordinates of a 3D one whose third stays 0.
Eigen::Matrix4d embed(const Eigen::MatrixXd& map) {
  const auto dims = static_cast<int>(map.rows()) - 1;
  if (dims == 3) return map;
  Eigen::Matrix4d full = Eigen::Matrix4d::Identity();
  full.block<2, 2>(0, 0) = map.block<2, 2>(0, 0);
  full.block<2, 1>(0, 3) = map.block<2, 1>(0, 2);
  return full;
}

// The (ndim+1)² map of a 4x4 index-space one (the inverse of embed for 2D).
Eigen::MatrixXd reduce(const Eigen::Matrix4d& map, int dims) {
  if (dims == 3) return map;
  Eigen::MatrixXd reduced = Eigen::MatrixXd::Identity(3, 3);
  reduced.block<2, 2>(0, 0) = map.block<2, 2>(0, 0);
  reduced.block<2, 1>(0, 2) = map.block<2, 1>(0, 3);
  return reduced;
}

}  // namespace

Geometry mapped_geometry(const Geometry& geometry, const Eigen::MatrixXd& index_map) {
  return Geometry::from_affine(geometry.affine() * embed(index_map), geometry.spatial_dims());
}

Eigen::MatrixXd world_index_map(const Geometry& from, const Geometry& to) {
  const Eigen::Matrix4d map = from.affine().inverse() * to.affine();
  return reduce(map, from.spatial_dims());
}

int spatial_axis(int axis, int dims, const char* who) {
  MEDIMG_CHECK(axis >= -dims && axis < dims, ArgumentError, who, ": axis ", axis,
               " is not a spatial axis of a ", dims, "D image (use 0..", dims - 1, " or -", dims,
               "..-1)");
  return axis < 0 ? axis + dims : axis;
}

template <typename T>
std::vector<T> per_axis(const std::vector<T>& values, int dims, const char* who,
                        const char* what) {
  if (values.size() == 1) return std::vector<T>(dims, values[0]);
  MEDIMG_CHECK(static_cast<int>(values.size()) == dims, ShapeError, who, ": ", what,
               " needs one value per spatial axis (", dims, ") or one for all, got ",
               values.size());
  return values;
}

template std::vector<double> per_axis(const std::vector<double>&, int, const char*, const char*);
template std::vector<std::int64_t> per_axis(const std::vector<std::int64_t>&, int, const char*,
                                            const char*);

}  // namespace medimg::detail
