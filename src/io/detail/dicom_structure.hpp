#pragma once

// A structural check of a DICOM file before GDCM parses it: Debian's GDCM is built with
// assertions, and a value or element header that runs past the end of the file (a truncated
// or damaged file) aborts the whole process inside it instead of failing the read.

#include <filesystem>
#include <string>

namespace medimg::detail {

/// The start of the fault for files that are not DICOM at all.
inline constexpr const char* kNotDicom = "not a DICOM file";

/// Walks the elements of `path` (file meta group, data set, sequences, items and
/// encapsulated pixel fragments) reading tags and lengths only, and checks that every
/// element header and value lies inside the file and every undefined-length sequence or item
/// is closed. Deflated data sets pass (their offsets are in the inflated stream); a file
/// without a preamble that does not start with a group 0000, 0002 or 0008 element is refused
/// with a fault that starts with kNotDicom.
/// @returns an empty string when the structure fits the file, else a description of the
///          first fault (e.g. "element (7FE0,0010) at byte 1200 claims 32768 bytes, the file
///          ends at byte 9000").
std::string dicom_structure_fault(const std::filesystem::path& path);

}  // namespace medimg::detail
