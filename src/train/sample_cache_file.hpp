#pragma once

// FileDataset's disk cache: one file per preprocessed sample, named by a hash of what the
// sample depends on. Format: the line "medimg-sample-cache 1", one JSON line describing
// each tensor (dtype, shape) and geometry, then the raw voxels of the image and of the
// label in native byte order (a local cache, never shared between machines). Private.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "medimg/augment/transform.hpp"

namespace medimg::train {

/// What a path's content is recognised by: its size and modification time (ns), or for a
/// folder (a DICOM series) those of every file below it, by relative name.
std::string file_signature(const std::filesystem::path& path);

/// 32 hex digits hashing `text` (two independent 64-bit FNV-1a hashes).
std::string hash_text(const std::string& text);

/// Writes `sample` to `path` atomically.
/// @throws IoError when the file cannot be written.
void write_sample_file(const std::filesystem::path& path, const Sample& sample);

/// The sample stored at `path`, or nothing when the file is missing or unreadable (a
/// damaged entry is a miss, rewritten by the caller).
std::optional<Sample> read_sample_file(const std::filesystem::path& path);

}  // namespace medimg::train
