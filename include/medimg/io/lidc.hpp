#pragma once

/// LIDC-IDRI radiologist reads (the XML "LidcReadMessage" files of the LIDC-IDRI collection):
/// each reader's nodules as per-slice contours, small nodules and non-nodules as points, and
/// the nodule contours turned into masks on the CT series' grid.

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// One contour on one slice. Points are (x, y) = (column, row) pixel indices.
struct LidcRoi {
  double z = 0.0;           ///< imageZposition: the slice's world z (mm)
  std::string sop_uid;      ///< the slice's SOP Instance UID
  bool inclusion = true;    ///< false: the contour cuts a hole out of the nodule
  std::vector<std::array<std::int64_t, 2>> points;
};

/// A reader's nodule: a contoured nodule (>= 3 mm) or a small one marked by its centre only
/// (one point per slice, no characteristics).
struct MEDIMG_API LidcNodule {
  std::string id;
  std::map<std::string, int> characteristics;  ///< subtlety, ..., malignancy (1-5); may be empty
  std::vector<LidcRoi> rois;
  /// True for the "< 3 mm" marks: every ROI is a single point.
  bool is_small() const;
};

struct LidcNonNodule {
  std::string id;
  double z = 0.0;
  std::string sop_uid;
  std::array<std::int64_t, 2> locus{};  ///< (x, y)
};

/// One reading session (one radiologist).
struct LidcReading {
  std::string reader_id;  ///< servicingRadiologistID
  std::vector<LidcNodule> nodules;
  std::vector<LidcNonNodule> non_nodules;
};

struct LidcAnnotations {
  std::string series_uid;  ///< SeriesInstanceUid of the CT the reads belong to
  std::vector<LidcReading> readings;
};

/// Reads a LIDC-IDRI XML file.
/// @throws IoError when it cannot be read; FormatError when it is not well-formed XML or not a
///         LidcReadMessage, or a coordinate is not a number.
MEDIMG_API LidcAnnotations read_lidc_xml(const std::filesystem::path& path);

/// The nodule drawn on the grid of `reference` (a CT series as read by read_dicom_series):
/// uint8 (1, Z, Y, X), 1 inside. Each inclusion contour is filled (pixel centres inside the
/// polygon, even-odd rule) together with its own boundary pixels, as pylidc's default
/// (include_edge=True); exclusion contours then clear their interior and boundary. A ROI goes
/// to the slice whose world z lies within half a slice of its imageZposition; ROIs outside the
/// series (a partial series) are skipped and counted in `skipped` when given.
/// @throws ShapeError when reference is not a 3D image; ArgumentError when a point lies
///         outside the slice.
MEDIMG_API Image lidc_nodule_mask(const LidcNodule& nodule, const Image& reference,
                                  int* skipped = nullptr);

}  // namespace medimg
