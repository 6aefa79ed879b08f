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

}  // namespace medimg::detail
