#pragma once

/// MEDIMG_API marks what libmedimg exports; everything else is hidden (-fvisibility=hidden),
/// which keeps the symbol table small and the ABI deliberate. CMake defines MEDIMG_BUILDING
/// while compiling the library itself.
#if defined(_WIN32)
#if defined(MEDIMG_BUILDING)
#define MEDIMG_API __declspec(dllexport)
#else
#define MEDIMG_API __declspec(dllimport)
#endif
#else
#define MEDIMG_API __attribute__((visibility("default")))
#endif
