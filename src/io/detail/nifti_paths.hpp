#pragma once

// How NIfTI files are named: a single `.nii(.gz)` file, or a `.hdr` header with its voxels
// in the `.img` beside it (each possibly gzipped), for reading and for writing.

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

namespace medimg::detail {

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// `path` with the name's ending `from` replaced by `to`.
inline std::filesystem::path with_suffix(const std::filesystem::path& path,
                                         const std::string& from, const std::string& to) {
  const std::string name = path.filename().string();
  return path.parent_path() / (name.substr(0, name.size() - from.size()) + to);
}

/// The header and image files to read for `path`: the same file for .nii(.gz); the .hdr and
/// .img of a pair, whichever of them was named, each gzipped or not (an existing partner
/// with or without .gz is preferred to a missing one).
inline std::pair<std::filesystem::path, std::filesystem::path> nifti_pair_files(
    const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  for (const auto& [mine, other] :
       {std::pair<std::string, std::string>{".hdr", ".img"}, {".img", ".hdr"}}) {
    for (const std::string gz : {"", ".gz"}) {
      if (!ends_with(name, mine + gz)) continue;
      std::filesystem::path partner = with_suffix(path, mine + gz, other + gz);
      std::error_code ec;
      if (!std::filesystem::exists(partner, ec)) {
        const std::filesystem::path alternative =
            with_suffix(path, mine + gz, other + (gz.empty() ? ".gz" : ""));
        if (std::filesystem::exists(alternative, ec)) partner = alternative;
      }
      return mine == ".hdr" ? std::pair{path, partner} : std::pair{partner, path};
    }
  }
  return {path, path};
}

/// The files write_nifti writes for `path`: `pair` when it names a .hdr or .img (then the
/// header goes to .hdr and the voxels to .img, both gzipped when the name ends in .gz);
/// `valid` is false for any other ending than .nii, .nii.gz, .hdr(.gz) and .img(.gz).
struct NiftiOutput {
  std::filesystem::path header, image;
  bool gz = false, pair = false, valid = false;
};

inline NiftiOutput nifti_output_files(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  NiftiOutput out;
  out.gz = ends_with(name, ".gz");
  const std::string gz = out.gz ? ".gz" : "";
  if (ends_with(name, ".nii" + gz)) {
    out.header = out.image = path;
    out.valid = true;
  }
  for (const std::string mine : {".hdr", ".img"}) {
    if (!ends_with(name, mine + gz) || name.size() == mine.size() + gz.size()) continue;
    out.header = with_suffix(path, mine + gz, ".hdr" + gz);
    out.image = with_suffix(path, mine + gz, ".img" + gz);
    out.pair = out.valid = true;
  }
  return out;
}

}  // namespace medimg::detail
