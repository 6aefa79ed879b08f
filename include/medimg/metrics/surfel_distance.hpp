#pragma once

/// Surface distances weighted by surface elements ("surfels"), the definition of DeepMind's
/// surface-distance library (Nikolov et al. 2021), with anisotropic voxel spacing.
///
/// Surfels live on the grid of 2x2x2 cubes (2x2 squares in 2D) whose corners are voxel
/// centres, over the masks' bounding box and one voxel beyond it (outside the image counts
/// as background). Each cube's neighbour code says which corners are foreground; codes
/// other than none and all are surfels. A surfel's size is the area (mm^2) of the marching
/// cubes surface inside its cube, or in 2D the length (mm) of the marching squares contour,
/// scaled by the spacing; its position is the cube centre. The distance from a surfel of one
/// mask to the other mask's surface is the Euclidean distance in mm to the nearest surfel of
/// the other mask. The reductions weight every surfel by its size, so results do not depend
/// on how finely the surface is sampled along each axis.

#include <ATen/core/Tensor.h>

#include <optional>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// The surfels of two masks: their sizes and directed distances, in C order of the cube grid.
struct SurfelDistances {
  std::vector<double> pred_to_ref;  ///< each surfel of pred to the surface of ref, mm
  std::vector<double> ref_to_pred;  ///< each surfel of ref to the surface of pred, mm
  std::vector<double> pred_areas;   ///< size of each surfel of pred: mm^2 (3D) or mm (2D)
  std::vector<double> ref_areas;    ///< size of each surfel of ref
};

/// One value per direction.
struct DirectedValues {
  double pred_to_ref = 0;  ///< over the surface of pred, measured to ref
  double ref_to_pred = 0;  ///< over the surface of ref, measured to pred
};

/// DeepMind's compute_surface_distances(ref, pred, spacing) (note the order: theirs takes
/// the ground truth first), with the distances left in grid order instead of sorted.
/// @param pred, ref (Y, X) or (Z, Y, X) binary masks of equal shape: bool, or integers 0/1
/// @param spacing   voxel size per axis in array order (mm); empty = all 1
/// When one mask is empty, the other's distances are +inf; when both are, all sets are empty.
/// @throws ShapeError on different shapes or ranks other than 2 and 3; ArgumentError on
///         non-binary masks or a bad spacing.
MEDIMG_API SurfelDistances surfel_distances(const at::Tensor& pred, const at::Tensor& ref,
                                            const std::vector<double>& spacing = {});

/// The surfel size of every neighbour code at `spacing` (2 values: 16 contour lengths in mm;
/// 3 values: 256 areas in mm^2). Bit 4a + 2b + c of a 3D code (2a + b in 2D) is set when the
/// corner at offset (a, b, c) along the array axes is foreground; codes none and all are 0.
/// @throws ArgumentError for a spacing of another length, not finite or <= 0.
MEDIMG_API std::vector<double> surfel_areas_by_code(const std::vector<double>& spacing);

/// Symmetric Hausdorff distance over surfels. Without `percentile`, the largest distance in
/// either direction. With it, DeepMind's compute_robust_hausdorff: in each direction the
/// smallest distance whose surfels, sorted by distance, hold at least `percentile` % of that
/// surface's area; then the larger of the two. +inf when one mask is empty, NaN when both
/// are (DeepMind returns +inf there).
/// @throws ArgumentError for a percentile outside [0, 100].
MEDIMG_API double hausdorff(const SurfelDistances& d, std::optional<double> percentile = {});

/// DeepMind's compute_average_surface_distance: per direction, the area-weighted mean
/// distance sum(d * a) / sum(a). NaN for a direction whose surface is empty, +inf when only
/// the other surface is empty.
MEDIMG_API DirectedValues average_surface_distance(const SurfelDistances& d);

/// The mean of the two directions of average_surface_distance. NaN when both masks are
/// empty, +inf when one is.
MEDIMG_API double assd(const SurfelDistances& d);

/// Area-weighted mean distance over both surfaces pooled,
/// (sum(d_pr * a_p) + sum(d_rp * a_r)) / (sum(a_p) + sum(a_r)). NaN when both masks are
/// empty, +inf when one is.
MEDIMG_API double masd(const SurfelDistances& d);

/// DeepMind's compute_surface_overlap_at_tolerance: per direction, the fraction of that
/// surface's area within `tolerance_mm` of the other surface. NaN for a direction whose
/// surface is empty, 0 when only the other one is.
/// @throws ArgumentError for a negative or NaN tolerance.
MEDIMG_API DirectedValues surface_overlap(const SurfelDistances& d, double tolerance_mm);

/// Normalised surface Dice at `tolerance_mm`, DeepMind's compute_surface_dice_at_tolerance:
/// the area of both surfaces within the tolerance of the other over the area of both,
/// (sum(a_p[d_pr <= tau]) + sum(a_r[d_rp <= tau])) / (sum(a_p) + sum(a_r)).
/// NaN when both masks are empty, 0 when one is.
/// @throws ArgumentError for a negative or NaN tolerance.
MEDIMG_API double surface_dice(const SurfelDistances& d, double tolerance_mm);

}  // namespace medimg
