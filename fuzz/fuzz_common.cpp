#include "fuzz_common.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>

namespace medimg::fuzz {
namespace {

namespace fs = std::filesystem;

fs::path make_scratch_dir() {
  std::error_code ec;
  const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm")
                                                          : fs::temp_directory_path();
  fs::path dir = base / ("medimg-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

}  // namespace

const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path made = make_scratch_dir();
    // libFuzzer leaves through exit(): the folder goes with the process.
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch_dir(), ec);
    });
    return made;
  }();
  return dir;
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
}

std::vector<std::string_view> split_parts(std::string_view bytes, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const std::size_t at = bytes.find(kSplitMarker);
    if (at == std::string_view::npos) break;
    parts.push_back(bytes.substr(0, at));
    bytes.remove_prefix(at + kSplitMarker.size());
  }
  parts.push_back(bytes);
  return parts;
}

}  // namespace medimg::fuzz
