#pragma once

/// An image's metadata: DICOM tags, NIfTI header fields, provenance notes.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace medimg {

/// One metadata value: text, an integer, a real number, or a list of either kind.
/// Multi-valued DICOM attributes (WindowCenter "40\400") are lists.
using MetaValue = std::variant<std::string, std::int64_t, double, std::vector<double>,
                               std::vector<std::string>>;

/// Keyed by the DICOM keyword (e.g. "RescaleSlope") or the NIfTI field name; sorted so that
/// printing is stable.
using Metadata = std::map<std::string, MetaValue>;

}  // namespace medimg
