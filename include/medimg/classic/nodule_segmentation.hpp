#pragma once

/// The 3D extent of one lung nodule from a seed point (a detection's centre): density
/// threshold, an opening that cuts attached vessels, the component at the seed
/// (docs/classic_lung.md).

#include <Eigen/Core>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

struct NoduleSegmentationOptions {
  /// HU: the nodule is the voxels above it (solid nodules lie near 0 HU, the ground glass of
  /// part-solid ones near -500, aerated lung near -850); as nodule_candidates.
  double threshold = -550.0;
  /// mm: the search box reaches this far from the seed along each axis, so a nodule of this
  /// diameter fits even with the seed off its centre; nothing beyond the box is segmented.
  double max_diameter = 35.0;
  /// mm: the dense voxels are opened with an ellipsoid of this radius, which cuts vessels
  /// thinner than about twice the radius off the nodule (an axis where the radius is under
  /// one voxel is left alone). The voxels the opening shaved off the nodule's own surface
  /// are given back (the dense voxels within this radius of the opened nodule). 0 = none.
  double opening_radius = 2.5;
  /// mm: while the nodule still reaches the box's faces (a vessel as thick as the ellipsoid
  /// or the chest wall carries it on), the opening is repeated with the radius grown 1.5
  /// times, up to this radius; the first that stays inside (or the last that still finds
  /// the nodule) is kept. At most opening_radius: no growth.
  double max_opening_radius = 7.5;
  /// mm: when the seed voxel is not dense, the component of the nearest dense voxel within
  /// this distance is taken.
  double seed_radius = 5.0;
};

/// One nodule's voxels, grown from `centre_mm`.
///
/// Inside a box of +-max_diameter mm around the seed, the voxels above `threshold` (and
/// inside `lungs` when it is given) are opened with an ellipsoid of `opening_radius` mm; the
/// 26-connected component holding the seed (or the dense voxel nearest to it within
/// `seed_radius` mm) is taken and the surface the opening removed is restored within the
/// opening radius. While that reaches the faces of the box, the radius grows 1.5 times up to
/// `max_opening_radius`. When the opening leaves nothing near the seed (a nodule thinner
/// than the ellipsoid) the component is taken from the unopened voxels instead. Holes are
/// then filled in 3D and slice by slice, as the readers' contours enclose the nodule per
/// slice.
///
/// @param ct_hu     one-channel 3D Image (1, Z, Y, X) in Hounsfield units, on the CPU
/// @param centre_mm the seed, world LPS (x, y, z) mm; its nearest voxel must lie in the image
/// @param lungs     optional mask of ct_hu's shape (non-zero = lung), e.g. lung_mask(ct_hu):
///                  keeps a nodule on the pleura from running into the chest wall
/// @return a uint8 Image of ct_hu's shape and geometry: 1 on the nodule, 0 elsewhere (never
///         empty)
/// @throws ShapeError for another rank or channel count, or a lung mask of another shape;
///         ArgumentError for NaN values or a seed that is not finite or lies outside the
///         image, bad options, or no voxel above threshold within seed_radius of the seed;
///         Unsupported off the CPU.
MEDIMG_API Image segment_nodule(const Image& ct_hu, const Eigen::Vector3d& centre_mm,
                                const Image& lungs = Image(),
                                const NoduleSegmentationOptions& options = {});

}  // namespace medimg
