# The olmc plugin ABI stamp (included from the top-level CMakeLists.txt
# before the compiler is added).
#
# A dialect plugin is C++ compiled against olmc's dialect headers and
# resolves olm symbols against the executable that loads it, so it must be
# built against exactly the olmc that runs it. The stamp names the olmc
# version, a hash of the olm dialect's public headers and .td files (the
# interface a plugin compiles against) and the LLVM version. It is written
# to <build>/compiler/include/olmc/Plugin/Version.h at build time, whenever
# one of those files changes; plugins embed it (OLMC_DIALECT_PLUGIN in
# olmc/Plugin/DialectPlugin.h) and olmc / olmc-opt compare it before they
# load a plugin.

# (Globbed at configure time: a new header or .td joins the hash at the next
# cmake run; edits to the files are picked up by every build.)
file(GLOB OLMC_PLUGIN_ABI_INPUTS
     ${PROJECT_SOURCE_DIR}/dialect/include/olm/Dialect/*.h
     ${PROJECT_SOURCE_DIR}/dialect/include/olm/Dialect/*.td
     ${PROJECT_SOURCE_DIR}/compiler/include/olmc/Plugin/DialectPlugin.h)
list(SORT OLMC_PLUGIN_ABI_INPUTS)

set(OLMC_PLUGIN_VERSION_H
    ${PROJECT_BINARY_DIR}/compiler/include/olmc/Plugin/Version.h)
set(OLMC_PLUGIN_ABI_LIST ${PROJECT_BINARY_DIR}/cmake/olmc-plugin-abi-inputs.txt)
string(REPLACE ";" "\n" _olmc_abi_lines "${OLMC_PLUGIN_ABI_INPUTS}")
file(CONFIGURE OUTPUT ${OLMC_PLUGIN_ABI_LIST} CONTENT "${_olmc_abi_lines}\n")

add_custom_command(
  OUTPUT ${OLMC_PLUGIN_VERSION_H}
  COMMAND ${CMAKE_COMMAND}
          -DOUT=${OLMC_PLUGIN_VERSION_H}
          -DINPUTS=${OLMC_PLUGIN_ABI_LIST}
          -DOLMC_VERSION=${OLMC_VERSION}
          -DLLVM_VERSION=${LLVM_PACKAGE_VERSION}
          -P ${PROJECT_SOURCE_DIR}/cmake/WritePluginVersion.cmake
  DEPENDS ${OLMC_PLUGIN_ABI_INPUTS} ${OLMC_PLUGIN_ABI_LIST}
          ${PROJECT_SOURCE_DIR}/cmake/WritePluginVersion.cmake
  COMMENT "olmc plugin ABI stamp (olmc/Plugin/Version.h)"
  VERBATIM)
add_custom_target(OLMCPluginVersion DEPENDS ${OLMC_PLUGIN_VERSION_H})
