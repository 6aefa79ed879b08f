// The Medical Segmentation Decathlon layout: imagesTr/ and labelsTr/ with one file name per
// case, and dataset.json listing the same pairs under "training".
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <system_error>

#include "medimg/core/error.hpp"
#include "medimg/train/dataset.hpp"

namespace medimg::train {
namespace {

namespace fs = std::filesystem;

bool is_nifti_name(const std::string& name) {
  auto ends_with = [&](const std::string& suffix) {
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with(".nii.gz") || ends_with(".nii");
}

std::vector<SamplePaths> from_dataset_json(const fs::path& folder, const fs::path& json_path) {
  std::ifstream in(json_path);
  MEDIMG_CHECK_FILE(in, IoError, json_path, "cannot open");
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(json_path, detail::concat("is not valid JSON: ", e.what()));
  }
  const auto training = document.find("training");
  MEDIMG_CHECK_FILE(training != document.end() && training->is_array(), FormatError, json_path,
                    "has no \"training\" list");
  std::vector<SamplePaths> samples;
  for (const auto& item : *training) {
    MEDIMG_CHECK_FILE(item.is_object() && item.contains("image") && item["image"].is_string(),
                      FormatError, json_path,
                      "\"training\" items need an \"image\" path, got ", item.dump());
    SamplePaths paths;
    paths.image = folder / item["image"].get<std::string>();
    if (item.contains("label") && item["label"].is_string()) {
      paths.label = folder / item["label"].get<std::string>();
      std::error_code ec;
      MEDIMG_CHECK_FILE(fs::exists(paths.label, ec), IoError, paths.label,
                        "missing label of ", paths.image.string(), " (listed in ",
                        json_path.string(), ")");
    }
    samples.push_back(std::move(paths));
  }
  MEDIMG_CHECK_FILE(!samples.empty(), FormatError, json_path, "lists no training pairs");
  return samples;
}

}  // namespace

std::vector<SamplePaths> decathlon_samples(const fs::path& folder) {
  std::error_code ec;
  MEDIMG_CHECK_FILE(fs::is_directory(folder, ec), IoError, folder, "is not a folder");
  const fs::path json_path = folder / "dataset.json";
  if (fs::is_regular_file(json_path, ec)) return from_dataset_json(folder, json_path);

  const fs::path images = folder / "imagesTr";
  const fs::path labels = folder / "labelsTr";
  MEDIMG_CHECK_FILE(fs::is_directory(images, ec), IoError, folder,
                    "has neither dataset.json nor an imagesTr folder");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(images, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.front() != '.' && is_nifti_name(name) && entry.is_regular_file(ec)) {
      names.push_back(name);
    }
  }
  MEDIMG_CHECK_FILE(!names.empty(), IoError, images, "holds no .nii.gz or .nii images");
  std::sort(names.begin(), names.end());
  std::vector<SamplePaths> samples;
  for (const std::string& name : names) {
    SamplePaths paths{images / name, labels / name};
    MEDIMG_CHECK_FILE(fs::exists(paths.label, ec), IoError, paths.label,
                      "missing label of ", paths.image.string());
    samples.push_back(std::move(paths));
  }
  return samples;
}

}  // namespace medimg::train
