#pragma once

// Patient geometry of one DICOM file.

#include <gdcmFile.h>

#include "medimg/core/geometry.hpp"
#include "medimg/core/metadata.hpp"

namespace medimg::detail {

/// Origin from ImagePositionPatient (or the first frame's PlanePositionSequence), direction
/// from ImageOrientationPatient (row cosine = image x, column cosine = image y, their cross
/// product = z), spacing from PixelSpacing, else ImagerPixelSpacing, else 1 mm (noted in
/// meta["SpacingWarning"]). A multi-frame geometry is 3D: the frame spacing comes from the
/// functional groups of an enhanced object or SpacingBetweenSlices (else 1 mm, noted).
Geometry dicom_geometry(const gdcm::File& file, bool multi_frame, Metadata& meta);

/// The 3D geometry of a split Siemens mosaic of tiles `tile_rows` x `tile_cols`, from the
/// geometry of the whole mosaic frame: ImagePositionPatient gives the corner of the mosaic,
/// so the first tile's centre lies (mosaic - tile) / 2 pixels further along the row and column
/// cosines, as dcm2niix computes it; the slice direction is the CSA normal and the slice
/// spacing SpacingBetweenSlices, else SliceThickness.
Geometry mosaic_geometry(const Geometry& mosaic, const gdcm::File& file, std::int64_t tile_rows,
                         std::int64_t tile_cols, const Eigen::Vector3d& normal, Metadata& meta);

}  // namespace medimg::detail
