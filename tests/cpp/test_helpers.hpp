#pragma once

// Shared by the C++ tests: a scratch folder per test and tensor factories.

#include <ATen/ops/arange.h>

#include <filesystem>
#include <random>
#include <string>

namespace medimg::test {

/// A fresh empty folder under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() /
            ("medimg-test-" + name + "-" + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// 0, 1, 2, ... reshaped to `shape`, as float32.
inline at::Tensor ramp(at::IntArrayRef shape) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return at::arange(n, at::kFloat).reshape(shape);
}

}  // namespace medimg::test
