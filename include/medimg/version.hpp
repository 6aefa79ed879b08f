#pragma once

/// medimg's version. This header is the single source of truth: CMakeLists.txt reads it.
#define MEDIMG_VERSION_MAJOR 0
#define MEDIMG_VERSION_MINOR 1
#define MEDIMG_VERSION_PATCH 0
#define MEDIMG_VERSION_STRING "0.1.0"

namespace medimg {
/// The version string of the library this header belongs to, e.g. "0.1.0".
inline constexpr const char* kVersion = MEDIMG_VERSION_STRING;
}  // namespace medimg
