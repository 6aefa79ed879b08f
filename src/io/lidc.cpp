#include "medimg/io/lidc.hpp"

#include <ATen/Functions.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "detail/xml.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

std::int64_t integer_of(const detail::XmlElement& e, const std::string& child, const std::string& path) {
  const std::string text = e.text_of(child);
  try {
    std::size_t used = 0;
    const auto value = std::stoll(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  MEDIMG_CHECK_FILE(false, FormatError, path, "<", child, "> in <", e.name, "> is not an integer: '",
                    text, "'");
  return 0;
}

double real_of(const detail::XmlElement& e, const std::string& child, const std::string& path) {
  const std::string text = e.text_of(child);
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    MEDIMG_CHECK_FILE(false, FormatError, path, "<", child, "> in <", e.name, "> is not a number: '",
                      text, "'");
  }
  return 0.0;
}

LidcRoi roi_of(const detail::XmlElement& e, const std::string& path) {
  LidcRoi roi;
  roi.z = real_of(e, "imageZposition", path);
  roi.sop_uid = e.text_of("imageSOP_UID");
  roi.inclusion = e.text_of("inclusion") != "FALSE";
  for (const auto* point : e.all("edgeMap")) {
    roi.points.push_back({integer_of(*point, "xCoord", path), integer_of(*point, "yCoord", path)});
  }
  return roi;
}

LidcNodule nodule_of(const detail::XmlElement& e, const std::string& path) {
  LidcNodule nodule;
  nodule.id = e.text_of("noduleID");
  if (const auto* characteristics = e.find("characteristics")) {
    for (const auto& c : characteristics->children) {
      nodule.characteristics[c->name] = static_cast<int>(integer_of(*characteristics, c->name, path));
    }
  }
  for (const auto* roi : e.all("roi")) nodule.rois.push_back(roi_of(*roi, path));
  return nodule;
}

/// Even-odd test of the pixel centre (x, y) against the closed polygon `points`.
bool inside(const std::vector<std::array<std::int64_t, 2>>& points, double x, double y) {
  bool in = false;
  for (std::size_t a = 0, b = points.size() - 1; a < points.size(); b = a++) {
    const double xa = points[a][0], ya = points[a][1], xb = points[b][0], yb = points[b][1];
    if ((ya > y) != (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) in = !in;
  }
  return in;
}

}  // namespace

bool LidcNodule::is_small() const {
  for (const auto& roi : rois) {
    if (roi.points.size() > 1) return false;
  }
  return true;
}

LidcAnnotations read_lidc_xml(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::ifstream file(path, std::ios::binary);
  MEDIMG_CHECK_FILE(file.good(), IoError, name, "cannot be opened");
  std::stringstream buffer;
  buffer << file.rdbuf();
  const auto root = detail::parse_xml(buffer.str(), name);
  MEDIMG_CHECK_FILE(root->name == "LidcReadMessage", FormatError, name,
                    "is not a LIDC read message (root element <", root->name, ">)");
  LidcAnnotations annotations;
  if (const auto* header = root->find("ResponseHeader")) {
    annotations.series_uid = header->text_of("SeriesInstanceUid");
  }
  for (const auto* session : root->all("readingSession")) {
    LidcReading reading;
    reading.reader_id = session->text_of("servicingRadiologistID");
    for (const auto* nodule : session->all("unblindedReadNodule")) {
      reading.nodules.push_back(nodule_of(*nodule, name));
    }
    for (const auto* e : session->all("nonNodule")) {
      LidcNonNodule non_nodule;
      non_nodule.id = e->text_of("nonNoduleID");
      non_nodule.z = real_of(*e, "imageZposition", name);
      non_nodule.sop_uid = e->text_of("imageSOP_UID");
      if (const auto* locus = e->find("locus")) {
        non_nodule.locus = {integer_of(*locus, "xCoord", name), integer_of(*locus, "yCoord", name)};
      }
      reading.non_nodules.push_back(non_nodule);
    }
    annotations.readings.push_back(std::move(reading));
  }
  return annotations;
}

Image lidc_nodule_mask(const LidcNodule& nodule, const Image& reference, int* skipped) {
  MEDIMG_CHECK(reference.defined() && reference.spatial_dims() == 3, ShapeError,
               "lidc_nodule_mask: the reference must be a 3D image (a CT series)");
  const auto shape = reference.spatial_shape();
  const Geometry& geometry = reference.geometry();
  at::Tensor mask = at::zeros({1, shape[0], shape[1], shape[2]}, at::kByte);
  const auto m = view<std::uint8_t, 4>(mask);
  int missed = 0;
  // Inclusions first, so every exclusion cuts its hole afterwards.
  for (const bool inclusion : {true, false}) {
    for (const LidcRoi& roi : nodule.rois) {
      if (roi.inclusion != inclusion || roi.points.empty()) continue;
      // The slice whose centre is nearest to the ROI's world z.
      std::int64_t slice = -1;
      double best = INFINITY;
      for (std::int64_t k = 0; k < shape[0]; ++k) {
        Eigen::VectorXd index(3);
        index << static_cast<double>(k), 0.0, 0.0;
        const double dz = std::abs(geometry.index_to_world(index).z() - roi.z);
        if (dz < best) {
          best = dz;
          slice = k;
        }
      }
      if (best > geometry.spacing()[0] / 2.0) {
        if (inclusion) ++missed;
        continue;
      }
      const std::uint8_t value = inclusion ? 1 : 0;
      std::int64_t x0 = shape[2], x1 = -1, y0 = shape[1], y1 = -1;
      for (const auto& [x, y] : roi.points) {
        MEDIMG_CHECK(x >= 0 && x < shape[2] && y >= 0 && y < shape[1], ArgumentError,
                     "lidc_nodule_mask: contour point (", x, ", ", y, ") of ", nodule.id,
                     " lies outside the ", shape[2], "x", shape[1], " slice");
        m(0, slice, y, x) = value;
        x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      }
      for (std::int64_t y = y0; y <= y1; ++y) {
        for (std::int64_t x = x0; x <= x1; ++x) {
          if (inside(roi.points, static_cast<double>(x), static_cast<double>(y))) m(0, slice, y, x) = value;
        }
      }
    }
  }
  if (skipped != nullptr) *skipped = missed;
  return Image(mask, geometry);
}

}  // namespace medimg
