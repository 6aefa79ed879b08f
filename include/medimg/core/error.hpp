#pragma once

/// medimg's exception hierarchy and the MEDIMG_CHECK macro.
///
///   Error                  root; catch this to catch everything medimg throws
///   ├── ArgumentError      a bad value: negative spacing, unknown option, NaN where none is allowed
///   ├── ShapeError         wrong rank, size or shape mismatch between arguments
///   ├── IoError            a file could not be opened, read or written; carries the path
///   │   └── FormatError    the file was read but its content is malformed or not what was expected
///   └── Unsupported        valid input that medimg does not handle (a dtype, a transfer syntax)
///
/// Python sees the same names under medimg; IoError is also an OSError and ArgumentError and
/// ShapeError are also ValueErrors.

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "medimg/export.hpp"

namespace medimg {

class MEDIMG_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class MEDIMG_API ArgumentError : public Error {
 public:
  using Error::Error;
};

class MEDIMG_API ShapeError : public Error {
 public:
  using Error::Error;
};

class MEDIMG_API Unsupported : public Error {
 public:
  using Error::Error;
};

/// A failure to open, read or write `path`; what() starts with the path.
class MEDIMG_API IoError : public Error {
 public:
  IoError(std::filesystem::path path, const std::string& message);
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// The file at `path` was read but is malformed (truncated, inconsistent, not an image).
class MEDIMG_API FormatError : public IoError {
 public:
  using IoError::IoError;
};

namespace detail {

/// Streams every argument into one string: concat("got ", 3, " channels").
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

}  // namespace detail
}  // namespace medimg

/// Throws `ErrorType(message)` when `cond` is false; the message is the remaining arguments
/// streamed together and should say what was expected and what was given:
///   MEDIMG_CHECK(x.dim() == 4, ShapeError, "expected (C, Z, Y, X), got ", x.sizes());
/// Never compiled out: it guards user input, unlike assert.
#define MEDIMG_CHECK(cond, ErrorType, ...)                                \
  do {                                                                    \
    if (!(cond)) {                                                        \
      throw ::medimg::ErrorType(::medimg::detail::concat(__VA_ARGS__));   \
    }                                                                     \
  } while (false)

/// MEDIMG_CHECK for file errors (IoError, FormatError): the path comes first and starts
/// the message.
///   MEDIMG_CHECK_FILE(size >= expected, FormatError, path, "holds ", size, " bytes, needs ", expected);
#define MEDIMG_CHECK_FILE(cond, ErrorType, path, ...)                              \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      throw ::medimg::ErrorType((path), ::medimg::detail::concat(__VA_ARGS__));    \
    }                                                                              \
  } while (false)
