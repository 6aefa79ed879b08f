// NpzFile on the fuzzed bytes: the zip directory, then every member (stored or deflate) and
// its .npy header one by one, plus the MedMNIST reader on the same archive.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "fuzz_common.hpp"
#include "medimg/io/npz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace medimg::fuzz;
  static const auto path = scratch_dir() / "input.npz";
  write_file(path, as_chars(data, size));
  std::optional<medimg::NpzFile> archive;
  expect_medimg_errors_only([&] { archive.emplace(path); });
  if (!archive) return 0;
  for (const auto& name : archive->names()) {
    expect_medimg_errors_only([&] { archive->read(name); });
  }
  expect_medimg_errors_only([&] { medimg::read_medmnist(path, "train"); });
  return 0;
}
