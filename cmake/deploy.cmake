# The systemd user unit, compiled into cm for `cm agent install` (the one
# file is both the installed unit and what install writes on a server).
# Generated at configure time into ${CMAKE_BINARY_DIR}/gen/agent-user-unit.c.
function(cm_agent_unit_source out)
  set(src ${PROJECT_SOURCE_DIR}/packaging/cm-agent-user.service)
  set(gen ${CMAKE_BINARY_DIR}/gen/agent-user-unit.c)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
  file(READ ${src} text HEX)
  string(REGEX REPLACE "(..)" "0x\\1," text "${text}")
  set(body "/* generated from packaging/cm-agent-user.service by cmake/deploy.cmake */\n")
  string(APPEND body "extern const char *const cm_agent_user_unit_text;\n")
  string(APPEND body "static const unsigned char unit[] = {${text}0};\n")
  string(APPEND body "const char *const cm_agent_user_unit_text = (const char *)unit;\n")
  file(WRITE ${gen}.tmp "${body}")
  configure_file(${gen}.tmp ${gen} COPYONLY)
  set(${out} ${gen} PARENT_SCOPE)
endfunction()
