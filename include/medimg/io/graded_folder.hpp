#pragma once

/// Folders of graded fundus photographs as the public diabetic-retinopathy data sets ship
/// them: APTOS 2019, EyePACS (Kaggle 2015) and IDRiD grading. The listing is read eagerly,
/// the images lazily, one at a time. Guide: docs/fundus.md.

#include <filesystem>
#include <string>
#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// One photograph and its grade.
struct GradedImage {
  std::filesystem::path path;
  int grade = 0;  ///< 0 no DR, 1 mild, 2 moderate, 3 severe non-proliferative, 4 proliferative
};

struct GradedFolder {
  std::vector<GradedImage> images;  ///< in the CSV's row order
  std::filesystem::path csv;        ///< the grades file read
  std::string id_column;            ///< the CSV's header names used, as written there
  std::string grade_column;
};

/// Reads the grades CSV of a fundus folder and finds each row's image.
///
/// The CSV: `csv` when given (relative to `folder` unless absolute), else `train.csv`
/// (APTOS), else `trainLabels.csv` (EyePACS), else the only, or alphabetically first, *.csv
/// in `folder` whose header has the columns. Columns are found by name, case-insensitively:
/// image id `id_code`, `image`, `image name`, `image_id`, `filename` or `id`;
/// grade `diagnosis`, `level`, `retinopathy grade`, `grade`, `dr_grade` or `label`. Quoted
/// fields, a UTF-8 byte-order mark, CRLF and blank lines are handled.
///
/// The image of a row: `<dir>/<id><ext>`, dir being `image_dir` when given (relative to
/// `folder` unless absolute), else the first of `train_images` (APTOS), `train` (EyePACS),
/// `images` and `folder` itself that exists; ext tried in order: none when the id already
/// names an existing file, then .png, .jpeg, .jpg, .tif, .tiff, .bmp and their upper-case
/// forms.
///
/// @throws IoError when the folder, the CSV or a row's image is missing (naming the CSV row);
///         FormatError when no grade or id column is found (naming the CSV and its header);
///         ArgumentError for a grade that is not an integer in 0..4 (naming the CSV and row).
MEDIMG_API GradedFolder read_graded_folder(const std::filesystem::path& folder,
                                           const std::filesystem::path& csv = {},
                                           const std::filesystem::path& image_dir = {});

/// A colour photograph as (3, Y, X) uint8 R, G, B, through read_raster: grey files are
/// repeated into three channels, an alpha channel is dropped, 16-bit files are scaled by
/// 255 / 65535 and rounded. JPEG EXIF orientation is not applied (the pixels as stored).
/// @throws as read_raster.
MEDIMG_API Image read_fundus_image(const std::filesystem::path& path);

}  // namespace medimg
