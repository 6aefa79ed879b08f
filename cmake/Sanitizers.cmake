# MEDIMG_SANITIZE: build medimg's own targets (library, tests, apps, extension) with GCC's or
# Clang's sanitizers, e.g. -DMEDIMG_SANITIZE=address,undefined or -DMEDIMG_SANITIZE=thread.
# scripts/sanitize.sh configures such a build in build-asan/ and runs the C++ tests under it.
#
# Included before add_subdirectory(src), so add_compile_options / add_link_options reach every
# target of this project and none of the prebuilt dependencies (LibTorch, GDCM, OpenCV, ...),
# which are used as shipped by Debian.

set(MEDIMG_SANITIZE "" CACHE STRING
    "Sanitizers for medimg's targets: empty, address, undefined, address,undefined or thread")

if(MEDIMG_SANITIZE)
  string(REPLACE "," ";" _medimg_sanitizers "${MEDIMG_SANITIZE}")
  foreach(_sanitizer IN LISTS _medimg_sanitizers)
    if(NOT _sanitizer MATCHES "^(address|undefined|thread)$")
      message(FATAL_ERROR
        "MEDIMG_SANITIZE: unknown sanitizer '${_sanitizer}' (expected address, undefined, thread)")
    endif()
  endforeach()
  if("thread" IN_LIST _medimg_sanitizers AND "address" IN_LIST _medimg_sanitizers)
    message(FATAL_ERROR "MEDIMG_SANITIZE: thread and address cannot be combined")
  endif()

  set(_medimg_sanitize_flags -fsanitize=${MEDIMG_SANITIZE} -fno-omit-frame-pointer)
  if("undefined" IN_LIST _medimg_sanitizers)
    # Undefined behaviour stops the test that triggers it instead of scrolling past.
    list(APPEND _medimg_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_medimg_sanitize_flags})
  add_link_options(${_medimg_sanitize_flags})
  message(STATUS "medimg: sanitizers ${MEDIMG_SANITIZE}")
endif()
