#include "detail/dicom_metadata.hpp"

#include <gdcmStringFilter.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace medimg::detail {
namespace {

enum class Kind { Text, Integer, Real, Reals, Texts };

struct Attribute {
  const char* keyword;
  unsigned short group, element;
  Kind kind;
};

// What readers of CT/MR/X-ray need downstream; never patient identity (see below).
constexpr Attribute kAttributes[] = {
    {"SOPClassUID", 0x0008, 0x0016, Kind::Text},
    {"SOPInstanceUID", 0x0008, 0x0018, Kind::Text},
    {"StudyInstanceUID", 0x0020, 0x000D, Kind::Text},
    {"SeriesInstanceUID", 0x0020, 0x000E, Kind::Text},
    {"FrameOfReferenceUID", 0x0020, 0x0052, Kind::Text},
    {"ImageType", 0x0008, 0x0008, Kind::Texts},
    {"Modality", 0x0008, 0x0060, Kind::Text},
    {"Manufacturer", 0x0008, 0x0070, Kind::Text},
    {"ManufacturerModelName", 0x0008, 0x1090, Kind::Text},
    {"StudyDescription", 0x0008, 0x1030, Kind::Text},
    {"SeriesDescription", 0x0008, 0x103E, Kind::Text},
    {"BodyPartExamined", 0x0018, 0x0015, Kind::Text},
    {"SliceThickness", 0x0018, 0x0050, Kind::Real},
    {"KVP", 0x0018, 0x0060, Kind::Real},
    {"SpacingBetweenSlices", 0x0018, 0x0088, Kind::Real},
    {"RepetitionTime", 0x0018, 0x0080, Kind::Real},
    {"EchoTime", 0x0018, 0x0081, Kind::Real},
    {"MagneticFieldStrength", 0x0018, 0x0087, Kind::Real},
    {"ConvolutionKernel", 0x0018, 0x1210, Kind::Texts},
    {"SeriesNumber", 0x0020, 0x0011, Kind::Integer},
    {"AcquisitionNumber", 0x0020, 0x0012, Kind::Integer},
    {"InstanceNumber", 0x0020, 0x0013, Kind::Integer},
    {"ImagePositionPatient", 0x0020, 0x0032, Kind::Reals},
    {"ImageOrientationPatient", 0x0020, 0x0037, Kind::Reals},
    {"SliceLocation", 0x0020, 0x1041, Kind::Real},
    {"PhotometricInterpretation", 0x0028, 0x0004, Kind::Text},
    {"PixelSpacing", 0x0028, 0x0030, Kind::Reals},
    {"BitsAllocated", 0x0028, 0x0100, Kind::Integer},
    {"BitsStored", 0x0028, 0x0101, Kind::Integer},
    {"PixelRepresentation", 0x0028, 0x0103, Kind::Integer},
    {"WindowCenter", 0x0028, 0x1050, Kind::Reals},
    {"WindowWidth", 0x0028, 0x1051, Kind::Reals},
    {"RescaleIntercept", 0x0028, 0x1052, Kind::Real},
    {"RescaleSlope", 0x0028, 0x1053, Kind::Real},
    {"RescaleType", 0x0028, 0x1054, Kind::Text},
    {"DoseGridScaling", 0x3004, 0x000E, Kind::Real},  // RT Dose: Gy per stored unit
};

// Copied only when asked: they identify the patient.
constexpr Attribute kPatientAttributes[] = {
    {"PatientName", 0x0010, 0x0010, Kind::Text},
    {"PatientID", 0x0010, 0x0020, Kind::Text},
    {"PatientBirthDate", 0x0010, 0x0030, Kind::Text},
    {"PatientSex", 0x0010, 0x0040, Kind::Text},
    {"PatientAge", 0x0010, 0x1010, Kind::Text},
};

std::string trimmed(std::string text) {
  const auto end = text.find_last_not_of(std::string(" \0", 2));
  text.erase(end == std::string::npos ? 0 : end + 1);
  const auto begin = text.find_first_not_of(' ');
  return begin == std::string::npos ? std::string() : text.substr(begin);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, '\\');) parts.push_back(trimmed(part));
  return parts;
}

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return std::nullopt;
  return value;
}

void add(Metadata& meta, const gdcm::File& file, const Attribute& a) {
  const auto text = dicom_string(file, a.group, a.element);
  if (!text) return;
  switch (a.kind) {
    case Kind::Text:
      meta[a.keyword] = *text;
      return;
    case Kind::Texts:
      meta[a.keyword] = split(*text);
      return;
    case Kind::Integer:
    case Kind::Real: {
      const auto number = parse_number(split(*text).front());
      if (!number) return;  // malformed numbers are dropped rather than guessed
      if (a.kind == Kind::Integer) {
        meta[a.keyword] = static_cast<std::int64_t>(*number);
      } else {
        meta[a.keyword] = *number;
      }
      return;
    }
    case Kind::Reals: {
      std::vector<double> numbers;
      for (const auto& part : split(*text)) {
        if (const auto number = parse_number(part)) numbers.push_back(*number);
      }
      if (!numbers.empty()) meta[a.keyword] = numbers;
      return;
    }
  }
}

}  // namespace

std::optional<std::string> dicom_string(const gdcm::File& file, unsigned short group,
                                        unsigned short element) {
  const gdcm::Tag tag(group, element);
  const gdcm::DataSet& ds = group == 0x0002 ? file.GetHeader() : file.GetDataSet();
  if (!ds.FindDataElement(tag) || ds.GetDataElement(tag).IsEmpty()) return std::nullopt;
  gdcm::StringFilter filter;
  filter.SetFile(file);
  std::string text = trimmed(filter.ToString(tag));
  if (text.empty()) return std::nullopt;
  return text;
}

std::vector<double> dicom_numbers(const gdcm::File& file, unsigned short group,
                                  unsigned short element) {
  std::vector<double> numbers;
  if (const auto text = dicom_string(file, group, element)) {
    for (const auto& part : split(*text)) {
      if (const auto number = parse_number(part)) numbers.push_back(*number);
    }
  }
  return numbers;
}

std::optional<double> dicom_number(const gdcm::File& file, unsigned short group,
                                   unsigned short element) {
  const auto numbers = dicom_numbers(file, group, element);
  if (numbers.empty() || !std::isfinite(numbers[0])) return std::nullopt;
  return numbers[0];
}

Metadata dicom_metadata(const gdcm::File& file, bool include_patient) {
  Metadata meta;
  for (const auto& a : kAttributes) add(meta, file, a);
  if (include_patient) {
    for (const auto& a : kPatientAttributes) add(meta, file, a);
  }
  if (const auto syntax = dicom_string(file, 0x0002, 0x0010)) meta["TransferSyntaxUID"] = *syntax;
  return meta;
}

}  // namespace medimg::detail
