#include "medimg/core/atomic_file.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("write_atomically replaces the target with the complete new file") {
  medimg::test::ScratchDir dir("atomic");
  const fs::path target = dir / "out.nii.gz";
  write_text(target, "old");
  fs::path used;
  medimg::write_atomically(target, [&](const fs::path& temporary) {
    used = temporary;
    CHECK(temporary.parent_path() == target.parent_path());
    CHECK(temporary.filename().string().size() > target.filename().string().size());
    CHECK(temporary.string().substr(temporary.string().size() - 7) == ".nii.gz");
    write_text(temporary, "new");
    CHECK(read_text(target) == "old");  // untouched until the rename
  });
  CHECK(read_text(target) == "new");
  CHECK_FALSE(fs::exists(used));
  CHECK(files_in(dir.path()) == 1);
}

TEST_CASE("a failing writer leaves the old file and no temporary") {
  medimg::test::ScratchDir dir("atomic-fail");
  const fs::path target = dir / "out.png";
  write_text(target, "old");
  CHECK_THROWS_WITH(medimg::write_atomically(target,
                                             [](const fs::path& temporary) {
                                               write_text(temporary, "partial");
                                               throw std::runtime_error("disk full");
                                             }),
                    "disk full");
  CHECK(read_text(target) == "old");
  CHECK(files_in(dir.path()) == 1);
  CHECK_THROWS_WITH(medimg::write_atomically(target, [](const fs::path&) {}),
                    Catch::Contains("produced no file"));
}

TEST_CASE("a missing output folder is an IoError naming the target") {
  medimg::test::ScratchDir dir("atomic-missing");
  const fs::path target = dir / "no" / "such" / "out.png";
  CHECK_THROWS_AS(medimg::write_atomically(target, [](const fs::path&) {}), medimg::IoError);
  CHECK_THROWS_WITH(medimg::write_atomically(target, [](const fs::path&) {}),
                    Catch::Contains(target.string()));
}
