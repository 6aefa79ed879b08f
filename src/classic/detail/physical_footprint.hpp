#pragma once

// Footprints given in millimetres: the voxel ellipsoid (or in-plane ellipse) that a physical
// radius covers on an anisotropic grid. Shared by the CT helpers (lung_mask,
// nodule_candidates).

#include <Eigen/Core>

#include "medimg/classic/footprint.hpp"

namespace medimg::detail {

/// The voxels (k, j, i) with sum((offset * spacing / radius)^2) <= 1, spacing in (z, y, x)
/// order, as a (kz, ky, kx) footprint. `in_plane` keeps kz = 1 (a disk per slice). An axis
/// where the radius is under one voxel gets extent 1; radius 0 gives the single voxel.
Footprint physical_footprint(double radius_mm, const Eigen::Vector3d& spacing, bool in_plane);

}  // namespace medimg::detail
