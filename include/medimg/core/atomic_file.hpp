#pragma once

/// Crash-safe file output: every medimg writer goes through write_atomically, so a killed
/// process or a failed write leaves either the old file or the complete new one, never a
/// partial file.

#include <filesystem>
#include <functional>

#include "medimg/export.hpp"

namespace medimg {

/// Calls write(temporary) with a fresh path in the same folder as `target` whose name ends
/// with target's file name (so writers that pick a format by extension still work), then
/// flushes it to disk and renames it over `target`. If `write` throws or does not create
/// the file, the temporary is removed and `target` is untouched.
/// @throws IoError naming `target` when its folder does not exist or is not writable, or
/// when the flush or rename fails; exceptions from `write` propagate unchanged.
MEDIMG_API void write_atomically(const std::filesystem::path& target,
                                 const std::function<void(const std::filesystem::path&)>& write);

}  // namespace medimg
