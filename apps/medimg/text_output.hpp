#pragma once

// Text files the CLI writes (CSV tables), atomically: a killed command leaves the old file or
// the complete new one.

#include <filesystem>
#include <fstream>
#include <string>

#include "medimg/core/atomic_file.hpp"
#include "medimg/core/error.hpp"

namespace medimg::cli {

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  write_atomically(path, [&](const std::filesystem::path& temporary) {
    std::ofstream file(temporary, std::ios::binary);
    file << text;
    if (!file.good()) throw IoError(path, "cannot be written");
  });
}

}  // namespace medimg::cli
