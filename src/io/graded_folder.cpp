#include "medimg/io/graded_folder.hpp"

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <optional>
#include <system_error>

#include "medimg/core/error.hpp"
#include "medimg/io/raster.hpp"

namespace medimg {
namespace {

namespace fs = std::filesystem;

constexpr std::array<const char*, 6> kIdColumns{"id_code", "image", "image name", "image_id", "filename", "id"};
constexpr std::array<const char*, 6> kGradeColumns{"diagnosis",  "level",    "retinopathy grade",
                                                   "grade",      "dr_grade", "label"};
constexpr std::array<const char*, 12> kExtensions{".png", ".jpeg", ".jpg", ".tif", ".tiff", ".bmp",
                                                  ".PNG", ".JPEG", ".JPG", ".TIF", ".TIFF", ".BMP"};

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// One CSV record's fields (RFC 4180 quoting: "a, b" and "" inside quotes), trimmed.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(trim(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(trim(field));
  return fields;
}

/// The header row's fields (byte-order mark removed), or nothing for an empty file.
std::optional<std::vector<std::string>> read_header(std::istream& in) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!trim(line).empty()) return split_csv(line);
  }
  return std::nullopt;
}

/// The index of the first header field named like one of `names` (in their order of
/// preference), or -1.
template <std::size_t N>
int find_column(const std::vector<std::string>& header, const std::array<const char*, N>& names) {
  for (const char* name : names) {
    for (std::size_t k = 0; k < header.size(); ++k) {
      if (lower(header[k]) == name) return static_cast<int>(k);
    }
  }
  return -1;
}

bool has_columns(const fs::path& csv) {
  std::ifstream in(csv);
  const auto header = read_header(in);
  return header && find_column(*header, kIdColumns) >= 0 && find_column(*header, kGradeColumns) >= 0;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

fs::path under(const fs::path& folder, const fs::path& p) { return p.is_absolute() ? p : folder / p; }

fs::path find_csv(const fs::path& folder, const fs::path& csv) {
  if (!csv.empty()) {
    const fs::path path = under(folder, csv);
    MEDIMG_CHECK_FILE(is_file(path), IoError, path, "no such grades CSV");
    return path;
  }
  for (const char* name : {"train.csv", "trainLabels.csv"}) {
    if (is_file(folder / name)) return folder / name;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file(ec) && lower(entry.path().extension().string()) == ".csv") {
      candidates.push_back(entry.path());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  for (const fs::path& p : candidates) {
    if (has_columns(p)) return p;
  }
  throw IoError(folder, "no grades CSV: expected train.csv (APTOS 2019), trainLabels.csv (EyePACS) "
                        "or a .csv with an image id and a grade column (IDRiD); pass csv=");
}

/// The integer grade in `text` (a float form like "2.0" is accepted), or -1.
int parse_grade(const std::string& text) {
  if (text.empty()) return -1;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value) || value != std::floor(value)) return -1;
  return value >= 0.0 && value <= 4.0 ? static_cast<int>(value) : -1;
}

/// Finds `<dir>/<id><ext>`; `last` remembers the (dir, ext) that matched the previous row,
/// tried first since a data set uses one folder and one extension.
std::optional<fs::path> find_image(const std::vector<fs::path>& dirs, const std::string& id,
                                   std::pair<std::size_t, int>& last) {
  const auto candidate = [&](std::size_t d, int e) {
    return e < 0 ? dirs[d] / id : dirs[d] / (id + kExtensions[static_cast<std::size_t>(e)]);
  };
  if (last.first < dirs.size() && is_file(candidate(last.first, last.second))) {
    return candidate(last.first, last.second);
  }
  for (std::size_t d = 0; d < dirs.size(); ++d) {
    for (int e = -1; e < static_cast<int>(kExtensions.size()); ++e) {
      if (is_file(candidate(d, e))) {
        last = {d, e};
        return candidate(d, e);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

GradedFolder read_graded_folder(const fs::path& folder, const fs::path& csv, const fs::path& image_dir) {
  MEDIMG_CHECK_FILE(is_dir(folder), IoError, folder, "no such folder");
  GradedFolder result;
  result.csv = find_csv(folder, csv);
  std::ifstream in(result.csv);
  MEDIMG_CHECK_FILE(in, IoError, result.csv, "cannot be opened");
  const auto header = read_header(in);
  MEDIMG_CHECK_FILE(header.has_value(), FormatError, result.csv, "is empty; expected a header row");
  const int id = find_column(*header, kIdColumns);
  const int grade = find_column(*header, kGradeColumns);
  if (id < 0 || grade < 0) {
    std::string names;
    for (const auto& h : *header) names += (names.empty() ? "" : ", ") + h;
    throw FormatError(result.csv, detail::concat(
        "row 1 (header: ", names, ") has no ", id < 0 ? "image id" : "grade",
        " column; expected one of id_code/image/Image name/image_id/filename/id and "
        "diagnosis/level/Retinopathy grade/grade/dr_grade/label"));
  }
  result.id_column = (*header)[static_cast<std::size_t>(id)];
  result.grade_column = (*header)[static_cast<std::size_t>(grade)];

  std::vector<fs::path> dirs;
  if (!image_dir.empty()) {
    const fs::path dir = under(folder, image_dir);
    MEDIMG_CHECK_FILE(is_dir(dir), IoError, dir, "no such image folder");
    dirs.push_back(dir);
  } else {
    for (const char* name : {"train_images", "train", "images"}) {
      if (is_dir(folder / name)) dirs.push_back(folder / name);
    }
    dirs.push_back(folder);
  }
  std::pair<std::size_t, int> last{dirs.size(), -1};
  std::string line;
  std::size_t row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (trim(line).empty()) continue;
    const std::vector<std::string> fields = split_csv(line);
    const auto need = static_cast<std::size_t>(std::max(id, grade));
    MEDIMG_CHECK_FILE(fields.size() > need, FormatError, result.csv, "row ", row, " has ", fields.size(),
                      " fields, the header ", header->size());
    const std::string& name = fields[static_cast<std::size_t>(id)];
    const std::string& grade_text = fields[static_cast<std::size_t>(grade)];
    const int g = parse_grade(grade_text);
    MEDIMG_CHECK(g >= 0, ArgumentError, result.csv.string(), ": row ", row, " (", name, "): grade '",
                 grade_text, "' is not an integer in 0..4");
    MEDIMG_CHECK_FILE(!name.empty(), FormatError, result.csv, "row ", row, " has an empty image id");
    const auto path = find_image(dirs, name, last);
    if (!path) {
      std::string tried;
      for (const auto& d : dirs) tried += (tried.empty() ? "" : ", ") + d.string();
      throw IoError(result.csv, detail::concat("row ", row, ": no image '", name,
                                               "' (with .png/.jpeg/.jpg/.tif/.tiff/.bmp) in ", tried));
    }
    result.images.push_back({*path, g});
  }
  return result;
}

Image read_fundus_image(const fs::path& path) {
  const Image raw = read_raster(path);
  at::Tensor t = raw.tensor();
  if (t.scalar_type() != at::kByte) {  // 16-bit files come as int32
    t = (t.to(at::kFloat) * (255.0 / 65535.0)).round().clamp(0.0, 255.0).to(at::kByte);
  }
  if (t.size(0) == 1) t = t.expand({3, t.size(1), t.size(2)});
  if (t.size(0) == 4) t = t.narrow(0, 0, 3);
  return raw.with_tensor(t.contiguous());
}

}  // namespace medimg
