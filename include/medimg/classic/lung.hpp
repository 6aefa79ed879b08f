#pragma once

/// CT helpers of the lung-nodule pipeline: the lungs of a chest CT, split into right and left,
/// and nodule candidates by density inside them (docs/classic_lung.md).

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

struct LungMaskOptions {
  double threshold = -320.0;  ///< HU: lung parenchyma and air lie below, soft tissue above
  /// An air component other than the largest counts as a lung only when it holds at least
  /// this share of the largest one's voxels (bowel gas and the trachea hold far less).
  double min_lung_fraction = 0.1;
  /// mm: each lung is closed in-plane with a disk of this radius, which takes the vessels,
  /// airway walls and nodules on the pleura into the lung. 0 = no closing.
  double closing_radius = 10.0;
  /// Lungs touching at the anterior or posterior junction lines form one component; it is
  /// eroded up to this many times (6 neighbours) until it falls apart into two lungs.
  int max_separation_erosions = 12;
};

/// The lungs of a chest CT in Hounsfield units (1 right lung, 2 left lung, 0 elsewhere).
///
/// Voxels below `threshold` are air; air connected to the in-plane border of any slice (the
/// room, the table's gaps, the padding outside the field of view) is removed; the largest
/// remaining component is a lung, and so is the second when it holds `min_lung_fraction` of
/// the first. One component holding both lungs is split by erosion and grown back into its
/// voxels in breadth-first order. Right and left follow the patient axes of the geometry
/// (LPS: the right lung has the smaller world x); a single lung is named by its side of the
/// volume's centre. Each lung is then closed in-plane and its holes filled slice by slice.
///
/// @param ct_hu one-channel 3D Image (1, Z, Y, X) of any real dtype, on the CPU
/// @return a uint8 Image of ct_hu's shape and geometry; all zero when no air is enclosed
/// @throws ShapeError for another rank or channel count; ArgumentError for NaN values or
///         negative options; Unsupported for a tensor off the CPU.
MEDIMG_API Image lung_mask(const Image& ct_hu, const LungMaskOptions& options = {});

struct NoduleCandidateOptions {
  /// HU: denser voxels inside the lungs may be nodule (solid nodules lie near 0 HU, the
  /// ground glass of part-solid ones near -500, aerated lung near -850).
  double threshold = -550.0;
  /// mm: a second pass opens the dense voxels with an ellipsoid of this radius, which cuts
  /// vessels thinner than about twice the radius off the nodules they touch; an axis where
  /// the radius is under one voxel is left alone. 0 = one pass, no opening.
  double opening_radius = 3.5;
  double min_diameter = 3.0;   ///< mm, equivalent-sphere diameter
  double max_diameter = 35.0;  ///< mm
  /// Major over minor axis length; vessels seen along their length exceed it.
  double max_elongation = 3.0;
  /// Blobs of fewer voxels pass the elongation test: too few voxels for a shape.
  std::int64_t min_shape_voxels = 10;
};

/// One dense blob inside the lungs.
struct NoduleCandidate {
  Eigen::Vector3d centre;  ///< world LPS mm of the centroid
  Eigen::Vector3d index;   ///< (z, y, x) centroid index
  double diameter = 0.0;   ///< mm, of the sphere of equal volume
  double volume = 0.0;     ///< mm^3
  double mean_hu = 0.0;
  double elongation = 0.0;  ///< as RegionProps::elongation (NaN for a single voxel)
  std::int64_t voxels = 0;
};

/// Nodule candidates: the voxels above `threshold` inside `lungs` (non-zero) are labelled
/// (26 neighbours) as they are and again after an opening with `opening_radius`; blobs whose
/// diameter and elongation pass the options are kept, those of the opened pass only when no
/// blob of the first lies within either's radius. Sorted by diameter, largest first.
///
/// @param ct_hu one-channel 3D Image in HU
/// @param lungs an Image (or mask) of ct_hu's spatial shape, e.g. lung_mask(ct_hu)
/// @throws ShapeError for ranks or shapes that differ; ArgumentError for NaN values or an
///         empty diameter range.
MEDIMG_API std::vector<NoduleCandidate> nodule_candidates(
    const Image& ct_hu, const Image& lungs, const NoduleCandidateOptions& options = {});

}  // namespace medimg
