# The olmc development package (included at the end of the top-level
# CMakeLists.txt): install rules, olmcConfig.cmake for the install tree and
# for the build tree, and the example plugins built against the latter.
#
#   cmake --install build --prefix P
#     P/bin/olmc, olmc-opt, olmrt            (component olmc)
#     P/include/olm/Dialect/*.h, *.td, *.h.inc
#     P/include/olmc/Plugin/DialectPlugin.h, Version.h
#     P/lib/cmake/olmc/olmcConfig.cmake, olmcConfigVersion.cmake,
#       OLMCPluginHelpers.cmake             (component olmc-dev)
#
# A plugin links nothing of olmc: olmc and olmc-opt export their symbols
# (ENABLE_EXPORTS), and a plugin's references to olm resolve against the
# executable that loads it. Both link OLMDialect, whose dialect
# registration pulls in every one of its object files, so every olm symbol
# a plugin may use is there.

include(CMakePackageConfigHelpers)

set(OLMC_CMAKE_INSTALL_DIR lib/cmake/olmc)
set(OLMC_BUILD_CMAKE_DIR ${PROJECT_BINARY_DIR}/lib/cmake/olmc)

# --- tools -----------------------------------------------------------------
set(_olmc_tools olmc olmc-opt)
if(TARGET olmrt)
  list(APPEND _olmc_tools olmrt)
endif()
# Installed binaries find libMLIR/libLLVM/OpenBLAS where they were linked.
set_target_properties(${_olmc_tools} PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
install(TARGETS ${_olmc_tools} RUNTIME DESTINATION bin COMPONENT olmc)
if(TARGET olmrt_cuda)
  # olmrt looks for the CUDA backend in <bin>/../lib.
  install(TARGETS olmrt_cuda LIBRARY DESTINATION lib COMPONENT olmc)
endif()

# --- headers ---------------------------------------------------------------
install(DIRECTORY ${PROJECT_SOURCE_DIR}/dialect/include/olm
        DESTINATION include COMPONENT olmc-dev
        FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/dialect/include/olm
        DESTINATION include COMPONENT olmc-dev
        FILES_MATCHING PATTERN "*.h.inc"
        PATTERN "CMakeFiles" EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/compiler/include/olmc/Plugin/DialectPlugin.h
              ${OLMC_PLUGIN_VERSION_H}
        DESTINATION include/olmc/Plugin COMPONENT olmc-dev)

# --- CMake package ---------------------------------------------------------
write_basic_package_version_file(
  ${OLMC_BUILD_CMAKE_DIR}/olmcConfigVersion.cmake
  VERSION ${OLMC_VERSION}
  # The plugin ABI check refuses any other build anyway.
  COMPATIBILITY ExactVersion)

# Install tree: paths relative to the prefix.
set(OLMC_CONFIG_INCLUDE_DIRS "\${PACKAGE_PREFIX_DIR}/include")
set(OLMC_CONFIG_TD_INCLUDE_DIRS "\${PACKAGE_PREFIX_DIR}/include")
set(OLMC_CONFIG_VERSION_H
    "\${PACKAGE_PREFIX_DIR}/include/olmc/Plugin/Version.h")
set(OLMC_CONFIG_BUILD_DEPENDS "")
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/olmcConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/install/olmcConfig.cmake
  INSTALL_DESTINATION ${OLMC_CMAKE_INSTALL_DIR})
install(FILES ${PROJECT_BINARY_DIR}/cmake/install/olmcConfig.cmake
              ${OLMC_BUILD_CMAKE_DIR}/olmcConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/OLMCPluginHelpers.cmake
        DESTINATION ${OLMC_CMAKE_INSTALL_DIR} COMPONENT olmc-dev)

# Build tree: -Dolmc_DIR=<build>/lib/cmake/olmc uses the sources and the
# generated headers in place.
set(OLMC_CONFIG_INCLUDE_DIRS
    "${PROJECT_SOURCE_DIR}/dialect/include;${PROJECT_BINARY_DIR}/dialect/include;${PROJECT_SOURCE_DIR}/compiler/include;${PROJECT_BINARY_DIR}/compiler/include")
set(OLMC_CONFIG_TD_INCLUDE_DIRS "${PROJECT_SOURCE_DIR}/dialect/include")
set(OLMC_CONFIG_VERSION_H "${OLMC_PLUGIN_VERSION_H}")
set(OLMC_CONFIG_BUILD_DEPENDS "OLMOpsIncGen;OLMInterfacesIncGen;OLMCPluginVersion")
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/olmcConfig.cmake.in
  ${OLMC_BUILD_CMAKE_DIR}/olmcConfig.cmake
  INSTALL_DESTINATION ${OLMC_BUILD_CMAKE_DIR}
  INSTALL_PREFIX ${PROJECT_BINARY_DIR})
configure_file(${PROJECT_SOURCE_DIR}/cmake/OLMCPluginHelpers.cmake
               ${OLMC_BUILD_CMAKE_DIR}/OLMCPluginHelpers.cmake COPYONLY)

# --- example plugins, built against the build tree ---------------------------
option(OLMC_BUILD_EXAMPLE_PLUGINS
       "Build examples/plugins (the tests load them)" ON)
if(OLMC_BUILD_EXAMPLE_PLUGINS)
  set(olmc_DIR ${OLMC_BUILD_CMAKE_DIR})
  add_subdirectory(${PROJECT_SOURCE_DIR}/examples/plugins/gated_residual
                   ${PROJECT_BINARY_DIR}/examples/plugins/gated_residual)
endif()
