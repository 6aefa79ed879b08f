# cmake --install exports medimg::medimg for find_package(medimg).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MEDIMG_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/medimg)

install(TARGETS medimg EXPORT medimgTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT medimg_runtime
          NAMELINK_COMPONENT medimg_development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT medimg_development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT medimg_runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/medimg
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT medimg_development
  FILES_MATCHING PATTERN "*.hpp")
install(EXPORT medimgTargets NAMESPACE medimg:: DESTINATION ${MEDIMG_CMAKE_DIR}
  COMPONENT medimg_development)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/medimgConfig.cmake.in
  ${PROJECT_BINARY_DIR}/medimgConfig.cmake INSTALL_DESTINATION ${MEDIMG_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/medimgConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/medimgConfig.cmake
              ${PROJECT_BINARY_DIR}/medimgConfigVersion.cmake
  DESTINATION ${MEDIMG_CMAKE_DIR} COMPONENT medimg_development)
