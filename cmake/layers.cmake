# Per-layer include roots (issue 16; docs/architecture.md "Layering"). Sources name headers
# from the project root ("engine/x.h", "adapters/sql/y.h"). Instead of the root itself, each
# layer's targets see a folder in the build tree that holds links to only the layers they may
# use, so an `#include "adapters/..."` in engine/ (or "daemon/..." in adapters/) is a compile
# error, not something a grep has to catch:
#   engine/           engine
#   adapters/         engine, adapters
#   windows-service/  engine, adapters, windows-service
#   daemon/           all of them
# Tests, benchmarks and fuzzers use the project root.
set(PATROND_LAYER_ROOTS ${CMAKE_BINARY_DIR}/layer-roots)
foreach(layer engine adapters daemon windows-service)
  if(NOT EXISTS ${PATROND_LAYER_ROOTS}/${layer}/${layer})
    file(MAKE_DIRECTORY ${PATROND_LAYER_ROOTS}/${layer})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${layer} ${PATROND_LAYER_ROOTS}/${layer}/${layer} SYMBOLIC)
  endif()
endforeach()

# The include roots of the targets in the calling folder: the layers named.
macro(patrond_layer_may_include)
  foreach(layer ${ARGN})
    include_directories(${PATROND_LAYER_ROOTS}/${layer})
  endforeach()
endmacro()
