#pragma once
/// Helpers shared by the fuzz targets: medimg's readers take paths, so each target writes the
/// fuzzed bytes to files in one scratch folder per process (in /dev/shm when it exists, so
/// no disk I/O) and calls the reader on them.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "medimg/core/error.hpp"

namespace medimg::fuzz {

/// This process's scratch folder, created on first use and removed at exit.
const std::filesystem::path& scratch_dir();

/// Writes `bytes` to `path`, replacing it. Aborts when it cannot (a harness fault, not a
/// reader bug, but it must not pass silently).
void write_file(const std::filesystem::path& path, std::string_view bytes);

/// Splits `bytes` at kSplitMarker into at most `max_parts` parts (the last part keeps any
/// further markers). fuzz/make_seeds.py joins the real files of a series the same way.
std::vector<std::string_view> split_parts(std::string_view bytes, std::size_t max_parts);
inline constexpr std::string_view kSplitMarker = "--medimg-fuzz-split--";

/// Runs `read`; a medimg::Error is the expected outcome for malformed input and is
/// swallowed. Anything else (another exception, a crash, a sanitizer report) escapes to
/// libFuzzer, which reports it.
template <typename Read>
void expect_medimg_errors_only(Read&& read) {
  try {
    read();
  } catch (const medimg::Error&) {
  }
}

inline std::string_view as_chars(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace medimg::fuzz
