# The protocol table (src/proto/protocol.def) in the forms that cannot
# include a C X-macro file, written at build time by tools/protogen:
#
#   cm_protogen(js OUT_VAR)  ${CMAKE_BINARY_DIR}/gen/web/protocol.js, the
#                            dashboard's ES module (embedded by cmake/embed.cmake)
#   cm_protogen(h OUT_VAR)   ${CMAKE_BINARY_DIR}/gen/include/cm-protocol.h,
#                            libcm's public header of codes and states
#
# Each step reruns when the table, the error codes or the generator change.
# The outputs are marked "do not edit" and are never committed.

function(cm_protogen kind out)
  if(NOT TARGET cm-protogen)
    add_executable(cm-protogen
      ${PROJECT_SOURCE_DIR}/tools/protogen/cm-protogen.c
      ${PROJECT_SOURCE_DIR}/src/proto/protocol.c
      ${PROJECT_SOURCE_DIR}/src/proto/state.c
      ${PROJECT_SOURCE_DIR}/src/common/buf.c
      ${PROJECT_SOURCE_DIR}/src/common/err.c
      ${PROJECT_SOURCE_DIR}/src/common/xmalloc.c)
    target_include_directories(cm-protogen PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(cm-protogen PRIVATE PkgConfig::JANSSON)
    cm_target_warnings(cm-protogen)
    # A build tool: never linked statically, never installed.
    set_target_properties(cm-protogen PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)
  endif()
  if(kind STREQUAL "js")
    set(gen ${CMAKE_BINARY_DIR}/gen/web/protocol.js)
  elseif(kind STREQUAL "h")
    set(gen ${CMAKE_BINARY_DIR}/gen/include/cm-protocol.h)
  else()
    message(FATAL_ERROR "cm_protogen: kind must be js or h, not ${kind}")
  endif()
  get_filename_component(dir ${gen} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  add_custom_command(OUTPUT ${gen}
    COMMAND cm-protogen ${kind} ${gen}
    DEPENDS cm-protogen ${PROJECT_SOURCE_DIR}/src/proto/protocol.def
      ${PROJECT_SOURCE_DIR}/src/common/err.h
    COMMENT "Generating ${gen} from the protocol table"
    VERBATIM)
  set(${out} ${gen} PARENT_SCOPE)
endfunction()
