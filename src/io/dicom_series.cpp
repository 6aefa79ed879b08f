#include "medimg/io/dicom_series.hpp"

#include <ATen/ops/empty.h>
#include <gdcmReader.h>

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "detail/dicom_metadata.hpp"
#include "detail/dicom_structure.hpp"
#include "medimg/core/detail/huge_pages.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

namespace fs = std::filesystem;

// Slices closer than this along the normal are at the same position (DICOM decimal strings
// carry about 1e-4 mm; scanners write positions to 1e-3 mm or better).
constexpr double kSamePositionMm = 0.01;
// Direction cosines of two slices agree when each differs by less than this (the precision
// of DICOM decimal strings, as in docs/conventions.md).
constexpr double kCosineTolerance = 1e-3;
// Errors list at most this many examples.
constexpr std::size_t kMaxExamples = 6;

// What one file's header says (read up to PixelData).
struct SliceHeader {
  fs::path file;
  std::string series_uid, modality, description;
  std::int64_t series_number = -1;
  std::int64_t rows = 0, columns = 0, frames = 1;
  std::vector<double> position;      // ImagePositionPatient, 3 values or empty
  std::vector<double> orientation;   // ImageOrientationPatient, 6 values or empty
  std::vector<double> pixel_spacing; // (row spacing, column spacing) or empty
  std::optional<std::int64_t> instance, acquisition;
  double slope = 1, intercept = 0;
  std::optional<double> spacing_between_slices, slice_thickness;
  bool mosaic = false;
};

// A cheap look at the first bytes, so that GDCM (built with assertions) never parses a file
// that is plainly something else: a "DICM" preamble, or a file starting with a little-endian
// element of group 0002 or 0008 (DICOM written without preamble).
bool looks_like_dicom(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char bytes[132] = {};
  in.read(bytes, sizeof bytes);
  const std::streamsize n = in.gcount();
  if (n == 132 && std::string(bytes + 128, 4) == "DICM") return true;
  return n >= 8 && (bytes[0] == 0x08 || bytes[0] == 0x02) && bytes[1] == 0x00;
}

std::optional<std::int64_t> integer(const gdcm::File& file, unsigned short g, unsigned short e) {
  const auto number = detail::dicom_number(file, g, e);
  if (!number) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(*number));
}

// The header of `path`; nullopt when it is not DICOM or holds no image (no Rows/Columns).
std::optional<SliceHeader> scan_header(const fs::path& path) {
  // A truncated or damaged file would make GDCM assert: it is skipped like other non-images.
  if (!looks_like_dicom(path) || !detail::dicom_structure_fault(path).empty()) return std::nullopt;
  gdcm::Reader reader;
  reader.SetFileName(path.c_str());
  if (!reader.ReadUpToTag(gdcm::Tag(0x7FE0, 0x0010))) return std::nullopt;
  const gdcm::File& file = reader.GetFile();
  SliceHeader h;
  h.file = path;
  h.rows = integer(file, 0x0028, 0x0010).value_or(0);
  h.columns = integer(file, 0x0028, 0x0011).value_or(0);
  if (h.rows <= 0 || h.columns <= 0) return std::nullopt;
  h.series_uid = detail::dicom_string(file, 0x0020, 0x000E).value_or("");
  h.modality = detail::dicom_string(file, 0x0008, 0x0060).value_or("");
  h.description = detail::dicom_string(file, 0x0008, 0x103E).value_or("");
  h.series_number = integer(file, 0x0020, 0x0011).value_or(-1);
  h.frames = std::max<std::int64_t>(1, integer(file, 0x0028, 0x0008).value_or(1));
  h.position = detail::dicom_numbers(file, 0x0020, 0x0032);
  h.orientation = detail::dicom_numbers(file, 0x0020, 0x0037);
  h.pixel_spacing = detail::dicom_numbers(file, 0x0028, 0x0030);
  h.instance = integer(file, 0x0020, 0x0013);
  h.acquisition = integer(file, 0x0020, 0x0012);
  h.slope = detail::dicom_number(file, 0x0028, 0x1053).value_or(1.0);
  h.intercept = detail::dicom_number(file, 0x0028, 0x1052).value_or(0.0);
  h.spacing_between_slices = detail::dicom_number(file, 0x0018, 0x0088);
  h.slice_thickness = detail::dicom_number(file, 0x0018, 0x0050);
  const auto image_type = detail::dicom_string(file, 0x0008, 0x0008).value_or("");
  h.mosaic = image_type.find("MOSAIC") != std::string::npos ||
             file.GetDataSet().FindDataElement(gdcm::Tag(0x0019, 0x100A));
  return h;
}

// Regular, non-hidden files under `dir`, sorted by path.
std::vector<fs::path> files_under(const fs::path& dir, bool recursive) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw IoError(dir, "no such folder");
  if (!fs::is_directory(dir, ec)) throw IoError(dir, "not a folder");
  std::vector<fs::path> files;
  auto visit = [&](const fs::directory_entry& entry) {
    if (entry.path().filename().string().rfind('.', 0) == 0) return;
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  };
  try {
    if (recursive) {
      for (const auto& entry :
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied)) {
        visit(entry);
      }
    } else {
      for (const auto& entry : fs::directory_iterator(dir)) visit(entry);
    }
  } catch (const fs::filesystem_error& e) {
    throw IoError(dir, std::string("cannot list the folder: ") + e.what());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Headers of `files`, read in parallel; entry i is nullopt when file i is not DICOM.
std::vector<std::optional<SliceHeader>> scan_headers(const std::vector<fs::path>& files,
                                                     const ProgressCallback& progress) {
  std::vector<std::optional<SliceHeader>> headers(files.size());
  ProgressTracker tracker(progress, "scan", static_cast<std::int64_t>(files.size()));
  parallel_for(0, static_cast<std::int64_t>(files.size()), 1,
               [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t i = begin; i < end; ++i) {
                   headers[i] = scan_header(files[i]);
                   tracker.advance();
                 }
               });
  return headers;
}

DicomSeriesList group_series(const std::vector<fs::path>& files,
                             std::vector<std::optional<SliceHeader>>& headers,
                             std::map<std::string, std::vector<SliceHeader>>* slices) {
  DicomSeriesList list;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!headers[i]) {
      list.skipped_files.push_back(files[i]);
      continue;
    }
    SliceHeader& h = *headers[i];
    auto [it, inserted] = index.emplace(h.series_uid, list.series.size());
    if (inserted) {
      DicomSeriesInfo info;
      info.series_uid = h.series_uid;
      info.modality = h.modality;
      info.description = h.description;
      info.series_number = h.series_number;
      info.rows = h.rows;
      info.columns = h.columns;
      for (std::size_t k = 0; k < 6 && h.orientation.size() == 6; ++k) {
        info.orientation[k] = h.orientation[k];
      }
      list.series.push_back(std::move(info));
    }
    list.series[it->second].files.push_back(h.file);
    if (slices) (*slices)[h.series_uid].push_back(std::move(h));
  }
  std::sort(list.series.begin(), list.series.end(),
            [](const DicomSeriesInfo& a, const DicomSeriesInfo& b) {
              return std::tie(a.series_number, a.series_uid) <
                     std::tie(b.series_number, b.series_uid);
            });
  return list;
}

std::string describe(const DicomSeriesInfo& s) {
  std::ostringstream out;
  out << (s.series_uid.empty() ? "(no SeriesInstanceUID)" : s.series_uid) << " ("
      << (s.modality.empty() ? "?" : s.modality) << ", \"" << s.description << "\", "
      << s.file_count() << (s.file_count() == 1 ? " file)" : " files)");
  return out.str();
}

std::string fixed(double value, int digits = 3) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

Eigen::Vector3d vec3(const std::vector<double>& v) { return {v[0], v[1], v[2]}; }

// Puts the slices of one series in order and checks them; produces the volume.
class SeriesAssembler {
 public:
  SeriesAssembler(std::vector<SliceHeader> slices, const DicomSeriesOptions& options,
                  fs::path where, bool base_is_folder)
      : slices_(std::move(slices)),
        options_(options),
        where_(std::move(where)),
        base_is_folder_(base_is_folder) {}

  Image assemble(Metadata extra_meta) {
    select_acquisition();
    refuse_unsupported();
    if (slices_.size() == 1 && (slices_[0].frames > 1 || slices_[0].mosaic)) {
      // One multi-frame file or one Siemens mosaic: read_dicom places its slices.
      Image image = read_dicom(slices_[0].file, options_.file_options());
      image.meta()["NumberOfSlices"] = image.tensor().size(1);
      for (auto& [key, value] : extra_meta) image.meta()[key] = value;
      return image;
    }
    check_placement_attributes();
    check_uniform_size_and_orientation();
    sort_along_normal();
    resolve_duplicates(extra_meta);
    const double dz = slice_spacing();
    Image image = read_pixels(dz);
    for (auto& [key, value] : extra_meta) image.meta()[key] = value;
    return image;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw FormatError(where_, message); }

  std::string name(const fs::path& file) const {
    if (!base_is_folder_) return file.string();
    return file.lexically_relative(where_).string();
  }

  std::string at_position(std::size_t i) const {
    return fixed(distance_[i]) + " mm (" + name(slices_[i].file) + ")";
  }

  void refuse_unsupported() const {
    if (slices_.size() < 2) return;
    for (const auto& s : slices_) {
      if (s.mosaic) {
        throw Unsupported(where_.string() + ": a series of several Siemens mosaic files (" +
                          std::to_string(slices_.size()) + " volumes) is not supported; pick "
                          "one volume with acquisition_number or a one-file list");
      }
      if (s.frames > 1) {
        throw Unsupported(where_.string() + ": a series of several multi-frame files (" +
                          name(s.file) + " has " + std::to_string(s.frames) +
                          " frames) is not supported; read each file with read_dicom");
      }
    }
  }

  void select_acquisition() {
    if (!options_.acquisition_number()) return;
    const std::int64_t wanted = *options_.acquisition_number();
    std::set<std::int64_t> present;
    std::vector<SliceHeader> kept;
    for (auto& s : slices_) {
      if (s.acquisition) present.insert(*s.acquisition);
      if (s.acquisition == wanted) kept.push_back(std::move(s));
    }
    if (kept.empty()) {
      std::ostringstream out;
      for (auto a : present) out << (out.tellp() > 0 ? ", " : "") << a;
      fail("no slice has AcquisitionNumber " + std::to_string(wanted) + " (present: " +
           (present.empty() ? std::string("none") : out.str()) + ")");
    }
    slices_ = std::move(kept);
  }

  void check_placement_attributes() const {
    for (const auto& s : slices_) {
      if (s.position.size() != 3) {
        fail(name(s.file) + " has no valid ImagePositionPatient; the slice cannot be placed");
      }
      if (s.orientation.size() != 6) {
        fail(name(s.file) + " has no valid ImageOrientationPatient; the slice cannot be placed");
      }
    }
  }

  void check_uniform_size_and_orientation() {
    const SliceHeader& first = slices_.front();
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<const SliceHeader*>> sizes;
    for (const auto& s : slices_) sizes[{s.rows, s.columns}].push_back(&s);
    if (sizes.size() > 1) {
      std::string listing;
      for (const auto& [size, members] : sizes) {
        listing += (listing.empty() ? "" : "; ") + std::to_string(size.first) + "x" +
                   std::to_string(size.second) + " in " + std::to_string(members.size()) +
                   " files (e.g. " + name(members.front()->file) + ")";
      }
      fail("mixed image sizes (rows x columns) in one series: " + listing);
    }
    for (const auto& s : slices_) {
      for (std::size_t k = 0; k < 6; ++k) {
        if (std::abs(s.orientation[k] - first.orientation[k]) > kCosineTolerance) {
          auto text = [](const std::vector<double>& v) {
            std::string t;
            for (double c : v) t += (t.empty() ? "" : "\\") + fixed(c, 5);
            return t;
          };
          fail("mixed slice orientations in one series: ImageOrientationPatient " +
               text(first.orientation) + " in " + name(first.file) + " but " +
               text(s.orientation) + " in " + name(s.file));
        }
      }
      if (s.pixel_spacing.size() >= 2 && first.pixel_spacing.size() >= 2) {
        for (std::size_t k = 0; k < 2; ++k) {
          if (std::abs(s.pixel_spacing[k] - first.pixel_spacing[k]) >
              1e-4 + 1e-3 * std::abs(first.pixel_spacing[k])) {
            fail("mixed PixelSpacing in one series: " + fixed(first.pixel_spacing[0], 4) +
                 "\\" + fixed(first.pixel_spacing[1], 4) + " in " + name(first.file) +
                 " but " + fixed(s.pixel_spacing[0], 4) + "\\" + fixed(s.pixel_spacing[1], 4) +
                 " in " + name(s.file));
          }
        }
      }
    }
    const std::vector<double>& c = first.orientation;
    row_ = Eigen::Vector3d(c[0], c[1], c[2]);
    column_ = Eigen::Vector3d(c[3], c[4], c[5]);
    if (row_.norm() < 1e-6 || column_.norm() < 1e-6) {
      fail(name(first.file) + " has a degenerate ImageOrientationPatient");
    }
    row_.normalize();
    column_.normalize();
    normal_ = row_.cross(column_);
    if (normal_.norm() < 1e-3) {
      fail(name(first.file) + " has parallel row and column cosines in ImageOrientationPatient");
    }
    normal_.normalize();
  }

  void sort_along_normal() {
    std::stable_sort(slices_.begin(), slices_.end(),
                     [&](const SliceHeader& a, const SliceHeader& b) {
                       const double da = vec3(a.position).dot(normal_);
                       const double db = vec3(b.position).dot(normal_);
                       if (da != db) return da < db;
                       return a.instance.value_or(0) < b.instance.value_or(0);
                     });
    distance_.clear();
    for (const auto& s : slices_) distance_.push_back(vec3(s.position).dot(normal_));
  }

  // Groups of neighbouring sorted slices at the same position.
  std::vector<std::pair<std::size_t, std::size_t>> duplicate_runs() const {
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    for (std::size_t i = 0; i < slices_.size();) {
      std::size_t j = i + 1;
      while (j < slices_.size() && distance_[j] - distance_[i] <= kSamePositionMm) ++j;
      if (j - i > 1) runs.emplace_back(i, j);
      i = j;
    }
    return runs;
  }

  void resolve_duplicates(Metadata& meta) {
    const auto runs = duplicate_runs();
    if (runs.empty()) return;
    std::set<std::int64_t> acquisitions;
    bool every_slice_numbered = true;
    for (const auto& s : slices_) {
      if (s.acquisition) {
        acquisitions.insert(*s.acquisition);
      } else {
        every_slice_numbered = false;
      }
    }
    if (options_.accept_duplicate_positions() && every_slice_numbered &&
        acquisitions.size() > 1) {
      // Safe only when the chosen acquisition alone has one slice per position.
      const std::int64_t chosen = *acquisitions.begin();
      std::vector<SliceHeader> kept;
      for (const auto& s : slices_) {
        if (s.acquisition == chosen) kept.push_back(s);
      }
      const std::size_t dropped = slices_.size() - kept.size();
      slices_ = std::move(kept);
      sort_along_normal();
      if (duplicate_runs().empty()) {
        meta["DroppedSlices"] = static_cast<std::int64_t>(dropped);
        return;
      }
      fail("duplicate slice positions remain within AcquisitionNumber " +
           std::to_string(chosen) + ": " + listing(duplicate_runs()));
    }
    std::string hint;
    if (acquisitions.size() > 1 && every_slice_numbered) {
      std::string numbers;
      for (auto a : acquisitions) numbers += (numbers.empty() ? "" : ", ") + std::to_string(a);
      hint = "; the series holds AcquisitionNumbers " + numbers +
             ": pick one with acquisition_number, or set accept_duplicate_positions";
    } else {
      hint = "; the files do not split into acquisitions (AcquisitionNumber), so no slice can "
             "be chosen safely";
    }
    fail(std::to_string(runs.size()) + " slice position(s) occur more than once: " +
         listing(runs) + hint);
  }

  std::string listing(const std::vector<std::pair<std::size_t, std::size_t>>& runs) const {
    std::string text;
    for (std::size_t r = 0; r < runs.size() && r < kMaxExamples; ++r) {
      text += (r == 0 ? "" : "; ") + fixed(distance_[runs[r].first]) + " mm in";
      for (std::size_t i = runs[r].first; i < runs[r].second; ++i) {
        text += " " + name(slices_[i].file);
        if (slices_[i].acquisition) text += " (acquisition " + std::to_string(*slices_[i].acquisition) + ")";
      }
    }
    if (runs.size() > kMaxExamples) text += "; ...";
    return text;
  }

  // The z spacing, after checking tilt, missing slices and uneven gaps.
  double slice_spacing() const {
    const std::size_t n = slices_.size();
    if (n == 1) {
      const SliceHeader& s = slices_[0];
      if (s.spacing_between_slices && *s.spacing_between_slices > 0) return *s.spacing_between_slices;
      if (s.slice_thickness && *s.slice_thickness > 0) return *s.slice_thickness;
      return 1.0;
    }
    const double tolerance = options_.spacing_tolerance();
    // Gantry tilt: every position must lie on the line through the first along the normal.
    const Eigen::Vector3d p0 = vec3(slices_.front().position);
    for (std::size_t i = 1; i < n; ++i) {
      const Eigen::Vector3d offset = vec3(slices_[i].position) - p0;
      const double along = offset.dot(normal_);
      const double sideways = (offset - along * normal_).norm();
      if (sideways > std::max(kSamePositionMm, tolerance * std::abs(along))) {
        const double angle = std::atan2(sideways, std::abs(along)) * 180.0 / M_PI;
        fail("gantry tilt: slice positions run at " + fixed(angle, 2) +
             " degrees to the slice normal (" + name(slices_[i].file) + " lies " +
             fixed(sideways) + " mm sideways of the normal through " +
             name(slices_.front().file) + "); tilted series are not resampled");
      }
    }
    std::vector<double> gaps(n - 1);
    for (std::size_t i = 0; i + 1 < n; ++i) gaps[i] = distance_[i + 1] - distance_[i];
    std::vector<double> sorted = gaps;
    std::nth_element(sorted.begin(), sorted.begin() + (sorted.size() - 1) / 2, sorted.end());
    const double median = sorted[(sorted.size() - 1) / 2];  // the lower median
    const double allowed = std::max(kSamePositionMm, tolerance * median);
    for (std::size_t i = 0; i + 1 < n; ++i) {
      if (std::abs(gaps[i] - median) <= allowed) continue;
      const double k = std::round(gaps[i] / median);
      if (k >= 2 && std::abs(gaps[i] - k * median) <= allowed * k) {
        fail("missing slice: " + std::to_string(static_cast<long long>(k) - 1) +
             " slice(s) missing between " + at_position(i) + " and " + at_position(i + 1) +
             ": gap " + fixed(gaps[i]) + " mm where slices are " + fixed(median) + " mm apart");
      }
      std::string text;
      std::size_t shown = 0;
      for (std::size_t j = 0; j + 1 < n; ++j) {
        if (std::abs(gaps[j] - median) <= allowed) continue;
        if (shown++ == kMaxExamples) {
          text += "; ...";
          break;
        }
        text += (text.empty() ? "" : "; ") + fixed(gaps[j]) + " mm between " + at_position(j) +
                " and " + at_position(j + 1);
      }
      fail("uneven slice spacing: the median gap is " + fixed(median) + " mm (tolerance " +
           fixed(allowed, 4) + " mm) but " + text);
    }
    return (distance_.back() - distance_.front()) / static_cast<double>(n - 1);
  }

  Image read_pixels(double dz) const {
    const std::int64_t n = static_cast<std::int64_t>(slices_.size());
    const DicomReadOptions& file_options = options_.file_options();
    if (file_options.keep_stored_values()) {
      for (const auto& s : slices_) {
        if (s.slope != slices_[0].slope || s.intercept != slices_[0].intercept) {
          fail("keep_stored_values: slices have different RescaleSlope/RescaleIntercept (" +
               name(slices_[0].file) + ": " + fixed(slices_[0].slope, 6) + "/" +
               fixed(slices_[0].intercept, 6) + ", " + name(s.file) + ": " +
               fixed(s.slope, 6) + "/" + fixed(s.intercept, 6) +
               "), so stored values are not comparable; read real-world values instead");
        }
      }
    }
    ProgressTracker tracker(options_.progress(), "read", n);
    Image first = read_dicom(slices_[0].file, file_options);
    tracker.advance();
    const at::Tensor& t0 = first.tensor();
    if (first.spatial_dims() != 2) fail(name(slices_[0].file) + " is not a single-frame image");
    const std::int64_t channels = t0.size(0), rows = t0.size(1), cols = t0.size(2);
    at::Tensor volume = at::empty({channels, n, rows, cols}, t0.options());
    // Before the first write: a volume of hundreds of MB otherwise spends most of the read
    // in 4 KiB page faults.
    detail::advise_huge_pages(volume.data_ptr(), volume.nbytes());
    volume.select(1, 0).copy_(t0);
    parallel_for(1, n, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t z = begin; z < end; ++z) {
        const Image slice = read_dicom(slices_[z].file, file_options);
        const at::Tensor& t = slice.tensor();
        if (slice.spatial_dims() != 2 || t.sizes() != t0.sizes() ||
            t.scalar_type() != t0.scalar_type()) {
          std::ostringstream out;
          out << name(slices_[z].file) << " decodes to " << t.sizes() << " " << t.scalar_type()
              << " but " << name(slices_[0].file) << " to " << t0.sizes() << " "
              << t0.scalar_type();
          fail(out.str());
        }
        volume.select(1, z).copy_(t);
        tracker.advance();
      }
    });
    Eigen::Matrix3d direction;
    direction << row_, column_, normal_;
    const Eigen::VectorXd& in_plane = first.geometry().spacing();
    const Geometry geometry(Eigen::Vector3d(dz, in_plane[0], in_plane[1]),
                            vec3(slices_[0].position), direction);
    Metadata meta = first.meta();
    meta["NumberOfSlices"] = n;
    meta["SliceSpacing"] = dz;
    return Image(volume, geometry, std::move(meta));
  }

  std::vector<SliceHeader> slices_;
  const DicomSeriesOptions& options_;
  fs::path where_;
  bool base_is_folder_;
  Eigen::Vector3d row_, column_, normal_;
  std::vector<double> distance_;  // projection of each sorted slice's position on normal_
};

// Picks the series to read from the grouped headers of `where`.
std::vector<SliceHeader> pick_series(const DicomSeriesList& list,
                                     std::map<std::string, std::vector<SliceHeader>>& slices,
                                     const std::string& wanted, const fs::path& where) {
  if (list.series.empty()) {
    throw FormatError(where, "no DICOM image files found (" +
                                 std::to_string(list.skipped_files.size()) +
                                 " other files skipped)");
  }
  if (!wanted.empty()) {
    auto it = slices.find(wanted);
    if (it != slices.end()) return std::move(it->second);
  } else if (list.series.size() == 1) {
    return std::move(slices.begin()->second);
  }
  std::string names;
  for (const auto& s : list.series) names += (names.empty() ? "" : "; ") + describe(s);
  if (!wanted.empty()) throw FormatError(where, "no series " + wanted + "; found " + names);
  throw FormatError(where, "holds " + std::to_string(list.series.size()) +
                               " DICOM series; choose one with series_uid: " + names);
}

}  // namespace

DicomSeriesList list_dicom_series(const fs::path& dir, bool recursive) {
  const std::vector<fs::path> files = files_under(dir, recursive);
  auto headers = scan_headers(files, nullptr);
  return group_series(files, headers, nullptr);
}

Image read_dicom_series(const fs::path& path, const DicomSeriesOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(path, "no such file or folder");
  DicomSeriesOptions effective = options;
  fs::path dir = path;
  bool recursive = options.recursive();
  if (!fs::is_directory(path, ec)) {
    // One file of the series: read its folder, keeping the file's series.
    const auto header = scan_header(path);
    if (!header) throw FormatError(path, "not a DICOM image file");
    if (effective.series_uid().empty()) effective.series_uid(header->series_uid);
    dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    recursive = false;
  }
  const std::vector<fs::path> files = files_under(dir, recursive);
  auto headers = scan_headers(files, options.progress());
  std::map<std::string, std::vector<SliceHeader>> slices;
  const DicomSeriesList list = group_series(files, headers, &slices);
  auto chosen = pick_series(list, slices, effective.series_uid(), dir);
  Metadata extra;
  extra["SkippedFiles"] = static_cast<std::int64_t>(list.skipped_files.size());
  return SeriesAssembler(std::move(chosen), effective, dir, true).assemble(std::move(extra));
}

Image read_dicom_series(const std::vector<fs::path>& files, const DicomSeriesOptions& options) {
  MEDIMG_CHECK(!files.empty(), ArgumentError, "read_dicom_series: the list of files is empty");
  std::error_code ec;
  for (const auto& file : files) {
    if (!fs::is_regular_file(file, ec)) throw IoError(file, "no such file");
  }
  auto headers = scan_headers(files, options.progress());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!headers[i]) throw FormatError(files[i], "not a DICOM image file");
  }
  std::map<std::string, std::vector<SliceHeader>> slices;
  const DicomSeriesList list = group_series(files, headers, &slices);
  auto chosen = pick_series(list, slices, options.series_uid(), files.front());
  return SeriesAssembler(std::move(chosen), options, files.front(), false).assemble({});
}

}  // namespace medimg
