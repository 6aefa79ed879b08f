#pragma once

// Output files of the CLI's image commands (window, segment-classic, predict): NIfTI keeps
// the whole image and its geometry; PNG takes one 2D picture, so a volume gives one axial
// slice (--slice K, else the middle one).

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "medimg/core/error.hpp"
#include "medimg/core/image.hpp"
#include "medimg/io/nifti.hpp"
#include "medimg/io/raster.hpp"

namespace medimg::cli {

inline bool has_suffix(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

enum class OutputFormat { Nifti, Png };

/// The format an output name asks for (.nii, .nii.gz or .png).
/// @throws ArgumentError for any other name (checked before any work is done).
inline OutputFormat output_format(const std::string& path) {
  if (has_suffix(path, ".nii") || has_suffix(path, ".nii.gz")) return OutputFormat::Nifti;
  MEDIMG_CHECK(has_suffix(path, ".png"), ArgumentError,
               "the output must end in .nii, .nii.gz or .png, got '", path, "'");
  return OutputFormat::Png;
}

/// Axial slice `slice` (default: the middle one, Z / 2) of a 3D image as a 2D image with the
/// in-plane spacing, the slice's origin and the metadata; a 2D image as it is.
/// @throws ArgumentError for a slice outside [0, Z).
inline Image axial_slice(const Image& image, std::optional<std::int64_t> slice) {
  if (image.spatial_dims() == 2) return image;
  const std::int64_t depth = image.tensor().size(1);
  const std::int64_t k = slice.value_or(depth / 2);
  MEDIMG_CHECK(k >= 0 && k < depth, ArgumentError, "--slice must be in [0, ", depth,
               ") for this volume of ", depth, " slices, got ", k);
  const Geometry& g = image.geometry();
  const Eigen::Vector3d origin = g.index_to_world(Eigen::Vector3d(double(k), 0.0, 0.0));
  return Image(image.tensor().select(1, k).contiguous(),
               Geometry(Eigen::Vector2d(g.spacing()[1], g.spacing()[2]), origin, g.direction()),
               image.meta());
}

/// A 3D image of one slice (Z = 1, as NIfTI files of 2D images read) as a 2D image, so that
/// 2D rules apply to it (surface distances, Grad-CAM); other images as they are.
inline Image squeeze_single_slice(const Image& image) {
  if (image.spatial_dims() != 3 || image.tensor().size(1) != 1) return image;
  return axial_slice(image, 0);
}

/// Writes `image` as `format` asks: NIfTI whole, PNG as axial_slice(image, slice).
inline void write_output(const std::string& path, OutputFormat format, const Image& image,
                         std::optional<std::int64_t> slice) {
  if (format == OutputFormat::Nifti) {
    write_nifti(path, image);
  } else {
    write_png(path, axial_slice(image, slice));
  }
}

}  // namespace medimg::cli
