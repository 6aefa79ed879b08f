#pragma once

// Geometry bookkeeping for operations that re-index an image (crop, pad, flip, rot90,
// reorient, resample): an index map is the (ndim+1)² homogeneous matrix taking an index of
// the new grid to the index of the old grid at the same world position.

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "medimg/core/geometry.hpp"

namespace medimg::detail {

/// The geometry whose index j lies where `geometry` puts index_map · (j, 1): the new grid of
/// a re-indexed image, every voxel keeping its world position.
Geometry mapped_geometry(const Geometry& geometry, const Eigen::MatrixXd& index_map);

/// The index map from the grid of `to` (output) to the grid of `from` (input) through world
/// space: inverse(from.affine()) · to.affine(), reduced to (ndim+1)². In 2D the offset along
/// `from`'s plane normal is dropped (points are projected onto its plane).
Eigen::MatrixXd world_index_map(const Geometry& from, const Geometry& to);

/// A spatial axis given as -dims..dims-1, as 0..dims-1. @throws ArgumentError otherwise.
int spatial_axis(int axis, int dims, const char* who);

/// One value per spatial axis: `values` as given when it has `dims` entries, repeated when it
/// has one. @throws ShapeError for another length (`what` names the argument).
template <typename T>
std::vector<T> per_axis(const std::vector<T>& values, int dims, const char* who,
                        const char* what);

}  // namespace medimg::detail
