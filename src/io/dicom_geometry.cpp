#include "detail/dicom_geometry.hpp"

#include <gdcmImageHelper.h>
#include <gdcmMediaStorage.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmStringFilter.h>

#include <Eigen/Geometry>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "detail/dicom_metadata.hpp"

namespace medimg::detail {
namespace {

// Enhanced (multi-frame) objects keep geometry in shared or per-frame functional groups.
bool is_enhanced(const gdcm::File& file) {
  const gdcm::DataSet& ds = file.GetDataSet();
  return ds.FindDataElement(gdcm::Tag(0x5200, 0x9229)) ||
         ds.FindDataElement(gdcm::Tag(0x5200, 0x9230));
}

// GDCM's ImageHelper reads functional groups only for the SOP classes it knows; GDCM 3.0
// does not know e.g. Parametric Map, and then gives origin 0 and spacing 1.
bool gdcm_knows_sop_class(const gdcm::File& file) {
  gdcm::MediaStorage storage;
  storage.SetFromFile(file);
  return !storage.IsUndefined();
}

// The numbers of attribute `tag` inside functional group `group` (e.g. the Pixel Measures
// Sequence) of an enhanced object: the shared groups, else the first frame's. Empty when
// absent.
std::vector<double> functional_group_numbers(const gdcm::File& file, const gdcm::Tag& group,
                                             const gdcm::Tag& tag) {
  const gdcm::DataSet& ds = file.GetDataSet();
  for (const gdcm::Tag& groups : {gdcm::Tag(0x5200, 0x9229), gdcm::Tag(0x5200, 0x9230)}) {
    if (!ds.FindDataElement(groups)) continue;
    const auto frames = ds.GetDataElement(groups).GetValueAsSQ();
    if (!frames || frames->GetNumberOfItems() < 1) continue;
    const gdcm::DataSet& first = frames->GetItem(1).GetNestedDataSet();
    if (!first.FindDataElement(group)) continue;
    const auto items = first.GetDataElement(group).GetValueAsSQ();
    if (!items || items->GetNumberOfItems() < 1) continue;
    const gdcm::DataSet& item = items->GetItem(1).GetNestedDataSet();
    if (!item.FindDataElement(tag) || item.GetDataElement(tag).IsEmpty()) continue;
    gdcm::StringFilter filter;
    filter.SetFile(file);
    std::vector<double> numbers;
    std::stringstream text(filter.ToString(item.GetDataElement(tag)));
    for (std::string part; std::getline(text, part, '\\');) {
      char* end = nullptr;
      const double number = std::strtod(part.c_str(), &end);
      if (end != part.c_str()) numbers.push_back(number);
    }
    if (!numbers.empty()) return numbers;
  }
  return {};
}

// Frame spacing of an RT Dose from its GridFrameOffsetVector (PS3.3 C.8.8.3.2): the offsets
// of the frames along the slice normal. Returns the signed step, 0 when absent or uneven.
double grid_frame_step(const gdcm::File& file, Metadata& meta) {
  const auto offsets = dicom_numbers(file, 0x3004, 0x000C);
  if (offsets.size() < 2) return 0;
  const double step = offsets[1] - offsets[0];
  for (std::size_t i = 2; i < offsets.size(); ++i) {
    if (std::abs(offsets[i] - offsets[i - 1] - step) > 1e-4 * std::max(1.0, std::abs(step))) {
      meta["FrameSpacingWarning"] = std::string("uneven GridFrameOffsetVector: 1 mm assumed");
      return 0;
    }
  }
  return step;
}

Eigen::Matrix3d direction_from(const std::vector<double>& cosines) {
  if (cosines.size() != 6) return Eigen::Matrix3d::Identity();
  Eigen::Vector3d row(cosines[0], cosines[1], cosines[2]);
  Eigen::Vector3d column(cosines[3], cosines[4], cosines[5]);
  if (row.norm() < 1e-6 || column.norm() < 1e-6) return Eigen::Matrix3d::Identity();
  row.normalize();
  column.normalize();
  Eigen::Matrix3d direction;
  direction << row, column, row.cross(column).normalized();
  if (!direction.allFinite() || std::abs(direction.determinant()) < 1e-6) {
    return Eigen::Matrix3d::Identity();
  }
  return direction;
}

bool usable(const std::vector<double>& spacing) {
  return spacing.size() >= 2 && spacing[0] > 0 && spacing[1] > 0 && std::isfinite(spacing[0]) &&
         std::isfinite(spacing[1]);
}

}  // namespace

Geometry dicom_geometry(const gdcm::File& file, bool multi_frame, Metadata& meta) {
  const bool enhanced = is_enhanced(file);
  const bool own_groups = enhanced && !gdcm_knows_sop_class(file);
  const gdcm::Tag pixel_measures(0x0028, 0x9110);
  // In-plane spacing as (row spacing = y, column spacing = x).
  std::vector<double> in_plane = dicom_numbers(file, 0x0028, 0x0030);
  if (!usable(in_plane) && own_groups) {
    in_plane = functional_group_numbers(file, pixel_measures, gdcm::Tag(0x0028, 0x0030));
  } else if (!usable(in_plane) && enhanced) {
    const auto xyz = gdcm::ImageHelper::GetSpacingValue(file);
    in_plane = {xyz[1], xyz[0]};
  }
  if (!usable(in_plane)) {
    in_plane = dicom_numbers(file, 0x0018, 0x1164);  // ImagerPixelSpacing
    if (usable(in_plane)) meta["SpacingSource"] = std::string("ImagerPixelSpacing");
  }
  if (!usable(in_plane)) {
    in_plane = {1.0, 1.0};
    meta["SpacingWarning"] = std::string("no PixelSpacing or ImagerPixelSpacing: 1 mm assumed");
  }
  std::vector<double> origin, cosines;
  if (own_groups) {
    origin = functional_group_numbers(file, gdcm::Tag(0x0020, 0x9113), gdcm::Tag(0x0020, 0x0032));
    cosines = functional_group_numbers(file, gdcm::Tag(0x0020, 0x9116), gdcm::Tag(0x0020, 0x0037));
  }
  if (origin.size() != 3) origin = gdcm::ImageHelper::GetOriginValue(file);
  if (cosines.size() != 6) cosines = gdcm::ImageHelper::GetDirectionCosinesValue(file);
  const Eigen::Vector3d position(origin.at(0), origin.at(1), origin.at(2));
  Eigen::Matrix3d direction = direction_from(cosines);
  if (!multi_frame) {
    return Geometry(Eigen::Vector2d(in_plane[0], in_plane[1]), position, direction);
  }
  double between_frames = 0;
  if (own_groups) {
    const auto given = functional_group_numbers(file, pixel_measures, gdcm::Tag(0x0018, 0x0088));
    if (!given.empty()) between_frames = std::abs(given[0]);
  } else if (enhanced) {
    between_frames = gdcm::ImageHelper::GetSpacingValue(file).at(2);
  } else {
    const auto given = dicom_numbers(file, 0x0018, 0x0088);  // SpacingBetweenSlices
    if (!given.empty()) between_frames = std::abs(given[0]);
  }
  if (!(between_frames > 0)) {
    // RT Dose: frames at GridFrameOffsetVector along the normal, possibly decreasing.
    const double step = grid_frame_step(file, meta);
    between_frames = std::abs(step);
    if (step < 0) direction.col(2) = -direction.col(2);
  }
  if (!(between_frames > 0) || !std::isfinite(between_frames)) {
    between_frames = 1.0;
    // emplace: keeps a more specific warning given above.
    meta.emplace("FrameSpacingWarning", std::string("no spacing between frames: 1 mm assumed"));
  }
  return Geometry(Eigen::Vector3d(between_frames, in_plane[0], in_plane[1]), position, direction);
}

Geometry mosaic_geometry(const Geometry& mosaic, const gdcm::File& file, std::int64_t tile_rows,
                         std::int64_t tile_cols, const Eigen::Vector3d& normal, Metadata& meta) {
  auto between = dicom_numbers(file, 0x0018, 0x0088);  // SpacingBetweenSlices
  if (between.empty() || !(between[0] > 0)) between = dicom_numbers(file, 0x0018, 0x0050);
  double slice_spacing = between.empty() ? 0.0 : std::abs(between[0]);
  if (!(slice_spacing > 0) || !std::isfinite(slice_spacing)) {
    slice_spacing = 1.0;
    meta["FrameSpacingWarning"] = std::string("no slice spacing in the mosaic: 1 mm assumed");
  }
  const auto size = dicom_numbers(file, 0x0028, 0x0010);    // Rows of the mosaic
  const auto columns = dicom_numbers(file, 0x0028, 0x0011);
  const Eigen::VectorXd& spacing = mosaic.spacing();  // (.., dy, dx): last two in-plane
  const double dy = spacing[spacing.size() - 2], dx = spacing[spacing.size() - 1];
  Eigen::Matrix3d direction = mosaic.direction();
  const Eigen::Vector3d first_slice =
      mosaic.origin() +
      direction.col(0) * dx * (columns.at(0) - static_cast<double>(tile_cols)) / 2 +
      direction.col(1) * dy * (size.at(0) - static_cast<double>(tile_rows)) / 2;
  direction.col(2) = normal.normalized();
  return Geometry(Eigen::Vector3d(slice_spacing, dy, dx), first_slice, direction);
}

}  // namespace medimg::detail
