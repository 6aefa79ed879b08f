#pragma once

/// Fixed-size 3D patches around points of a CT, resampled onto an isotropic grid: the input of
/// the lung-nodule pipeline's false-positive reduction network (docs/lung_nodules.md).

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg::pipelines {

struct NodulePatchOptions {
  std::int64_t size = 32;  ///< voxels per side (a cube)
  double spacing = 1.25;   ///< mm per patch voxel, on every axis: 32 voxels cover 40 mm
  double fill_hu = -1000.0;  ///< HU of samples outside the CT (air)
  double window_low = -1000.0;  ///< HU mapped to 0; lower values are clipped
  double window_high = 400.0;   ///< HU mapped to 1; higher values are clipped
};

/// @throws ArgumentError for a size < 1, a spacing <= 0, a non-finite fill or an empty or
///         inverted window.
MEDIMG_API void check_nodule_patch_options(const NodulePatchOptions& options);

/// One patch per centre: a (N, 1, size, size, size) float32 tensor in [0, 1]. Patch voxel
/// (k0, k1, k2) samples the CT trilinearly at the continuous index
/// centre_index + (k - (size - 1) / 2) * spacing / ct_spacing along each array axis, so the
/// patch axes follow the CT's (z, y, x) axes and the centre lies midway between the two
/// middle voxels for an even size. Samples outside the CT count as fill_hu. HU are then
/// windowed: (clamp(hu, low, high) - low) / (high - low).
///
/// @param ct_hu one-channel 3D Image (1, Z, Y, X) in HU, any real dtype
/// @param centres world (x, y, z) LPS mm; may be empty (a (0, 1, s, s, s) tensor)
/// @throws ShapeError for another rank or channel count; ArgumentError for NaN values, a
///         size < 1, a spacing <= 0, an empty or inverted window or a non-finite centre.
MEDIMG_API at::Tensor nodule_patches(const Image& ct_hu, const std::vector<Eigen::Vector3d>& centres,
                                     const NodulePatchOptions& options = {});

}  // namespace medimg::pipelines
