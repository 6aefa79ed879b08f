#pragma once

/// Flips, quarter turns and reorientation of Images. The voxels are copied (a new contiguous
/// tensor) and the geometry is updated so that every voxel keeps its world position: the same
/// world point reads the same value before and after. Axes count spatial axes only, in array
/// order ((z, y, x) or (y, x)); negative axes count from the end.

#include <string>
#include <vector>

#include "medimg/core/geometry.hpp"
#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// numpy.flip along the given spatial axes; empty = every spatial axis.
/// @throws ArgumentError for an axis out of range or named twice.
MEDIMG_API Image flip(const Image& image, const std::vector<int>& axes = {});

/// numpy.rot90: k quarter turns in the plane of `axes`, from the first axis towards the
/// second. The default plane is the last two spatial axes (y, x), the image plane; numpy's own
/// default (0, 1) is the (z, y) plane of a 3D image. k % 4 == 0 returns `image` itself.
/// @throws ArgumentError for axes out of range or equal.
MEDIMG_API Image rot90(const Image& image, int k = 1, const std::vector<int>& axes = {-2, -1});

/// The anatomical code of the geometry: for the image axes x, y and z (array axes last, middle,
/// first; x and y only in 2D), the letter of the direction in which the index increases,
/// L/R, P/A or S/I (DICOM's convention, as SimpleITK's DICOMOrient and nibabel's axcodes).
/// The identity direction in medimg's LPS world is "LPS"; NIfTI's usual RAS+ storage is
/// "RAS". Oblique axes take their closest world axis (largest cosine first).
MEDIMG_API std::string orientation_code(const Geometry& geometry);

/// The image with its axes permuted and flipped so that orientation_code() becomes `code`
/// (case-insensitive; 3 letters in 3D, 2 in 2D, one of L/R, P/A, S/I each). The voxels move
/// exactly (no interpolation); an oblique direction stays oblique.
/// @throws ArgumentError for an unknown code, or (2D) a code naming the axis off the plane.
MEDIMG_API Image reorient(const Image& image, const std::string& code);

}  // namespace medimg
