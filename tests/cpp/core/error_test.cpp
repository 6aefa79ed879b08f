#include "medimg/core/error.hpp"

#include <catch2/catch.hpp>
#include <vector>

TEST_CASE("every medimg error is a medimg::Error and a std::runtime_error") {
  CHECK_THROWS_AS(throw medimg::ArgumentError("a"), medimg::Error);
  CHECK_THROWS_AS(throw medimg::ShapeError("s"), medimg::Error);
  CHECK_THROWS_AS(throw medimg::Unsupported("u"), std::runtime_error);
  CHECK_THROWS_AS(throw medimg::FormatError("f.dcm", "truncated"), medimg::IoError);
}

TEST_CASE("IoError carries the path and names it in the message") {
  const medimg::IoError e("/data/ct.nii", "no such file");
  CHECK(e.path() == "/data/ct.nii");
  CHECK(std::string(e.what()) == "/data/ct.nii: no such file");
}

TEST_CASE("MEDIMG_CHECK throws the given type with the streamed message") {
  auto check = [](int channels) {
    MEDIMG_CHECK(channels == 1, ShapeError, "expected 1 channel, got ", channels);
  };
  CHECK_NOTHROW(check(1));
  CHECK_THROWS_AS(check(3), medimg::ShapeError);
  CHECK_THROWS_WITH(check(3), "expected 1 channel, got 3");
}
