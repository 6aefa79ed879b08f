#pragma once

/// DICOM files (GDCM): every transfer syntax GDCM decodes, into Images with patient geometry
/// and Hounsfield units.

#include <torch/arg.h>

#include <filesystem>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

struct DicomReadOptions {
  /// Return the stored integers (no Modality LUT, no MONOCHROME1 inversion) in their own
  /// dtype instead of float32 real-world values.
  TORCH_ARG(bool, keep_stored_values) = false;
  /// Invert MONOCHROME1 images so that larger always means brighter (recorded in meta as
  /// "InvertedMonochrome1": 1).
  TORCH_ARG(bool, invert_monochrome1) = true;
  /// Copy patient-identifying attributes (PatientName, PatientID, PatientBirthDate,
  /// PatientSex, PatientAge) into the metadata. Off by default.
  TORCH_ARG(bool, include_patient_tags) = false;
};

/// Reads one DICOM file. A single-frame file gives a 2D image (C, Y, X), a multi-frame file
/// a 3D image (C, Z, Y, X) with one slice per frame; RGB and YBR pixels give C = 3 (YBR is
/// converted to RGB, palette colour is expanded to RGB).
///
/// Grey images come out as float32 after the Modality LUT (RescaleSlope/Intercept, so CT is
/// in Hounsfield units) unless keep_stored_values; colour images keep their stored dtype.
/// Float / Double Float Pixel Data (parametric maps) come out as float32 / float64 values as
/// stored, without rescale.
/// BitsStored < BitsAllocated is masked and sign-extended. 16-bit unsigned values become
/// int32 and 32-bit unsigned int64 when stored values are kept (LibTorch has no uint16).
///
/// Geometry: origin = ImagePositionPatient, direction columns = the row and column cosines
/// of ImageOrientationPatient and their cross product, spacing = PixelSpacing (falling back
/// to ImagerPixelSpacing, then to 1 mm with meta "SpacingWarning"); the spacing between
/// frames of a multi-frame file comes from its per-frame positions or SpacingBetweenSlices
/// (an RT Dose: its GridFrameOffsetVector).
///
/// @throws IoError when the path is missing or not a file; FormatError when it is not
///         DICOM, has no pixel data (a structured report), or is truncated; Unsupported
///         for pixel encodings GDCM cannot decode.
MEDIMG_API Image read_dicom(const std::filesystem::path& path,
                            const DicomReadOptions& options = {});

}  // namespace medimg
