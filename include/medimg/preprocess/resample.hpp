#pragma once

/// Resampling an Image onto a new grid: new spacing and/or shape over the same field of view
/// (resample), or another image's grid (resample_to). Guide: docs/preprocess_spatial.md.
///
/// The grid rule of resample: the new grid has the requested spacing s' and shape n' and the
/// SAME CENTRE as the old one. Along axis k, new index j samples old index
///
///     i = (j - (n'_k - 1) / 2) * s'_k / s_k + (n_k - 1) / 2
///
/// Given only the spacing, n' = max(1, round(n * s / s')) (half away from zero), so the new
/// voxels tile the old field of view up to the rounding; given only the shape, s' = s * n / n'
/// and the fields of view coincide exactly: i = (j + 0.5) * n / n' - 0.5, the positions of
/// scipy.ndimage.zoom(grid_mode=True), torch's interpolate(align_corners=False) and
/// skimage's resize. The direction is kept; the origin moves to the world position of the new
/// voxel 0, so every world point keeps its content.

#include <cstdint>
#include <vector>

#include "medimg/core/geometry.hpp"
#include "medimg/core/image.hpp"
#include "medimg/export.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {

/// How label maps are resampled.
enum class LabelResampling {
  Nearest,  ///< nearest neighbour
  OneHot,   ///< linear interpolation of each label's one-hot channel, then argmax (ties to
            ///< the smaller label); computed as a weighted vote, never materialising channels
};

/// The default of resample: linear, with the edge voxels extended (no darkening at the
/// borders, as torch's interpolate).
inline SampleOptions resample_defaults() {
  SampleOptions options;
  options.border = BorderMode::Edge;
  return options;
}

/// `image` on the grid of the rule above.
/// @param spacing new voxel size in mm per spatial axis (array order), or one for all; empty
///                = from `shape`
/// @param shape   new spatial shape, or one size for all; empty = from `spacing`
/// @return dtypes as affine_transform (Nearest keeps the dtype, else float32/float64).
/// @throws ArgumentError when both are empty or a spacing is not finite and > 0;
///         ShapeError for wrong lengths or a size < 1.
MEDIMG_API Image resample(const Image& image, const std::vector<double>& spacing,
                          const std::vector<std::int64_t>& shape = {},
                          const SampleOptions& options = resample_defaults());

/// resample for label maps: the dtype is kept. The border defaults to Edge (labels touching
/// the edge stay there); under Constant, `fill_value` is the label outside.
MEDIMG_API Image resample_labels(const Image& labels, const std::vector<double>& spacing,
                                 const std::vector<std::int64_t>& shape = {},
                                 LabelResampling mode = LabelResampling::Nearest,
                                 BorderMode border = BorderMode::Edge, double fill_value = 0.0);

/// `image` sampled on the grid (`geometry`, `shape`) of another image, through world space
/// (any spacing, origin and direction on either side): output voxel j samples
/// image.world_to_index(geometry.index_to_world(j)). Use it to put a prediction back onto the
/// original DICOM grid. The result has `geometry` and the metadata of `image`.
/// @throws ShapeError when the spatial ranks differ or a size is < 1.
MEDIMG_API Image resample_to(const Image& image, const Geometry& geometry,
                             const std::vector<std::int64_t>& shape,
                             const SampleOptions& options = {});

/// resample_to for label maps (dtype kept; `fill_value` labels the outside of `image`).
MEDIMG_API Image resample_labels_to(const Image& labels, const Geometry& geometry,
                                    const std::vector<std::int64_t>& shape,
                                    LabelResampling mode = LabelResampling::Nearest,
                                    BorderMode border = BorderMode::Constant,
                                    double fill_value = 0.0);

}  // namespace medimg
