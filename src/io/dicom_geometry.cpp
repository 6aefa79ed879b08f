#include "detail/dicom_geometry.hpp"

#include <gdcmImageHelper.h>

#include <Eigen/Geometry>
#include <cmath>

#include "detail/dicom_metadata.hpp"

namespace medimg::detail {
namespace {

// Enhanced (multi-frame) objects keep geometry in shared or per-frame functional groups.
bool is_enhanced(const gdcm::File& file) {
  const gdcm::DataSet& ds = file.GetDataSet();
  return ds.FindDataElement(gdcm::Tag(0x5200, 0x9229)) ||
         ds.FindDataElement(gdcm::Tag(0x5200, 0x9230));
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
  // In-plane spacing as (row spacing = y, column spacing = x).
  std::vector<double> in_plane = dicom_numbers(file, 0x0028, 0x0030);
  if (!usable(in_plane) && is_enhanced(file)) {
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
  const std::vector<double> origin = gdcm::ImageHelper::GetOriginValue(file);
  const Eigen::Vector3d position(origin.at(0), origin.at(1), origin.at(2));
  const Eigen::Matrix3d direction =
      direction_from(gdcm::ImageHelper::GetDirectionCosinesValue(file));
  if (!multi_frame) {
    return Geometry(Eigen::Vector2d(in_plane[0], in_plane[1]), position, direction);
  }
  double between_frames = 0;
  if (is_enhanced(file)) {
    between_frames = gdcm::ImageHelper::GetSpacingValue(file).at(2);
  } else {
    const auto given = dicom_numbers(file, 0x0018, 0x0088);  // SpacingBetweenSlices
    if (!given.empty()) between_frames = std::abs(given[0]);
  }
  if (!(between_frames > 0) || !std::isfinite(between_frames)) {
    between_frames = 1.0;
    meta["FrameSpacingWarning"] = std::string("no spacing between frames: 1 mm assumed");
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
