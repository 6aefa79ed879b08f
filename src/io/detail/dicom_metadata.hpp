#pragma once

// DICOM attributes -> medimg Metadata, shared by the file and series readers.

#include <gdcmFile.h>

#include <optional>
#include <string>
#include <vector>

#include "medimg/core/metadata.hpp"

namespace medimg::detail {

/// The attributes medimg keeps (Modality, UIDs, window, rescale, timing, ...) and, with
/// include_patient, the patient-identifying ones; plus "TransferSyntaxUID".
Metadata dicom_metadata(const gdcm::File& file, bool include_patient);

/// The text of attribute (group, element) with trailing padding removed; nullopt when absent
/// or empty.
std::optional<std::string> dicom_string(const gdcm::File& file, unsigned short group,
                                        unsigned short element);

/// The first number of a DS/IS/US... attribute; nullopt when absent or not finite.
std::optional<double> dicom_number(const gdcm::File& file, unsigned short group,
                                   unsigned short element);

/// The numbers of a DS/IS/US... attribute split at backslashes; empty when absent.
std::vector<double> dicom_numbers(const gdcm::File& file, unsigned short group,
                                  unsigned short element);

}  // namespace medimg::detail
