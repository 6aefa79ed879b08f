#pragma once

/// Surface distances between two binary masks, with anisotropic voxel spacing.
///
/// Surface: the border voxels of a mask, i.e. its foreground voxels with at least one
/// face-neighbour (6-connectivity in 3D, 4 in 2D) in the background or outside the image:
/// `mask ^ binary_erosion(mask, generate_binary_structure(ndim, 1))`, as MedPy and MONAI
/// define it. The distance of a border voxel of one mask to the other mask's surface is the
/// Euclidean distance in mm to the nearest border voxel of the other mask (voxel centres).

#include <ATen/core/Tensor.h>

#include <optional>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// The two directed distance sets, in C order of the border voxels.
struct SurfaceDistances {
  std::vector<double> pred_to_ref;  ///< each border voxel of pred to the surface of ref, mm
  std::vector<double> ref_to_pred;  ///< each border voxel of ref to the surface of pred, mm
};

/// Computes both directed sets with an exact distance transform over the bounding box of
/// the two masks (exact: every surface voxel lies inside it).
/// @param pred, ref (Y, X) or (Z, Y, X) binary masks of equal shape: bool, or integers 0/1
/// @param spacing   voxel size per axis in array order (mm); empty = all 1
/// When one mask is empty, the other's distances are +inf; when both are, both sets are empty.
/// @throws ShapeError on different shapes or ranks other than 2 and 3; ArgumentError on
///         non-binary masks or a bad spacing.
MEDIMG_API SurfaceDistances surface_distances(const at::Tensor& pred, const at::Tensor& ref,
                                              const std::vector<double>& spacing = {});

/// Symmetric Hausdorff distance: the maximum of both directed sets or, with `percentile`
/// (e.g. 95 for HD95), that percentile of the two sets pooled, numpy's linear rule, as
/// MedPy's hd95 computes it. NaN when both masks are empty, +inf when one is.
/// @throws ArgumentError for a percentile outside [0, 100].
MEDIMG_API double hausdorff(const SurfaceDistances& d, std::optional<double> percentile = {});

/// Average symmetric surface distance as MedPy's `assd`: the mean of the two directed mean
/// distances, (mean(pred_to_ref) + mean(ref_to_pred)) / 2. NaN when both masks are empty,
/// +inf when one is.
MEDIMG_API double assd(const SurfaceDistances& d);

/// Mean surface distance over both sets pooled, sum(all distances) / (|S_pred| + |S_ref|),
/// as MONAI's SurfaceDistanceMetric(symmetric=True) computes it. Equal to assd when the two
/// surfaces have as many voxels. NaN when both masks are empty, +inf when one is.
MEDIMG_API double masd(const SurfaceDistances& d);

/// Normalised surface Dice at `tolerance_mm` (Nikolov et al. 2021) on border voxels: the
/// fraction of both surfaces' voxels that lie within the tolerance of the other surface,
/// (|{d_pr <= tau}| + |{d_rp <= tau}|) / (|S_pred| + |S_ref|), as MONAI's
/// compute_surface_dice. NaN when both masks are empty, 0 when one is.
/// @throws ArgumentError for a negative or NaN tolerance.
MEDIMG_API double surface_dice(const SurfaceDistances& d, double tolerance_mm);

}  // namespace medimg
