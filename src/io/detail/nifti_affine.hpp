#pragma once

// NIfTI's affine maps a voxel (i, j, k, 1), i fastest in the file, to RAS millimetres.
// medimg's maps an array index (k0, k1, k2, 1) = (k, j, i, 1) to LPS millimetres. The two
// differ by a sign on world x and y and by the order of the index columns; this is the one
// place where that conversion is written.

#include <Eigen/Core>

namespace medimg::detail {

/// diag(-1, -1, 1, 1) * ras * P, with P the permutation (k, j, i) -> (i, j, k): the first
/// and third columns swap and the first two rows change sign. The map is its own inverse.
inline Eigen::Matrix4d nifti_ras_to_lps_array(const Eigen::Matrix4d& ras_ijk) {
  Eigen::Matrix4d out = ras_ijk;
  out.col(0) = ras_ijk.col(2);
  out.col(2) = ras_ijk.col(0);
  out.row(0) *= -1.0;
  out.row(1) *= -1.0;
  return out;
}

/// The inverse of nifti_ras_to_lps_array: an LPS array-order affine as NIfTI's RAS (i, j, k).
inline Eigen::Matrix4d lps_array_to_nifti_ras(const Eigen::Matrix4d& lps_kji) {
  return nifti_ras_to_lps_array(lps_kji);
}

}  // namespace medimg::detail
