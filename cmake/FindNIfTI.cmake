# FindNIfTI: nifticlib's NIfTI-1/2 I/O libraries.
#
# Debian's NIFTIConfig.cmake points at a library folder that does not exist, so this module
# finds the headers and libraries directly.
#
# Defines NIfTI_FOUND, NIfTI_INCLUDE_DIR and the imported targets NIfTI::niftiio (NIfTI-1),
# NIfTI::nifti2 (NIfTI-2) and NIfTI::znz (their gzip layer).

find_path(NIfTI_INCLUDE_DIR nifti2_io.h PATH_SUFFIXES nifti)
find_library(NIfTI_NIFTI2_LIBRARY nifti2)
find_library(NIfTI_NIFTIIO_LIBRARY niftiio)
find_library(NIfTI_ZNZ_LIBRARY znz)
find_package(ZLIB REQUIRED)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(NIfTI
  REQUIRED_VARS NIfTI_INCLUDE_DIR NIfTI_NIFTI2_LIBRARY NIfTI_NIFTIIO_LIBRARY NIfTI_ZNZ_LIBRARY)

if(NIfTI_FOUND)
  foreach(_lib znz niftiio nifti2)
    string(TOUPPER ${_lib} _LIB)
    if(NOT TARGET NIfTI::${_lib})
      add_library(NIfTI::${_lib} UNKNOWN IMPORTED)
      set_target_properties(NIfTI::${_lib} PROPERTIES
        IMPORTED_LOCATION "${NIfTI_${_LIB}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${NIfTI_INCLUDE_DIR}")
    endif()
  endforeach()
  # nifticlib compresses through znz, and znz through zlib.
  set_property(TARGET NIfTI::znz PROPERTY INTERFACE_LINK_LIBRARIES ZLIB::ZLIB)
  set_property(TARGET NIfTI::niftiio PROPERTY INTERFACE_LINK_LIBRARIES NIfTI::znz m)
  set_property(TARGET NIfTI::nifti2 PROPERTY INTERFACE_LINK_LIBRARIES NIfTI::znz m)
endif()
mark_as_advanced(NIfTI_INCLUDE_DIR NIfTI_NIFTI2_LIBRARY NIfTI_NIFTIIO_LIBRARY NIfTI_ZNZ_LIBRARY)
