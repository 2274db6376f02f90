# What `cmake --install` adds beyond the targets' own rules (binaries,
# libcm, <cm.h>, cm.pc, cm.1 in src/*): the agent's man page, the systemd
# units, the shipped profiles and the package's documentation.
#
#   PREFIX/bin/cm, cm-agent
#   PREFIX/share/man/man1/cm.1, man8/cm-agent.8
#   PREFIX/lib/systemd/system/cm-agent.service   (the system unit)
#   PREFIX/lib/systemd/user/cm-agent.service     (the user unit)
#   PREFIX/share/cm/profiles/*.json              (copies of the built-in profiles)
#   PREFIX/share/doc/cm/                         (README, docs, copyright)
#
# The units name the installed binary, so they are written at install time
# with the prefix the install is made to (--prefix, DESTDIR and CPack
# included), not the one configured.
install(FILES ${PROJECT_SOURCE_DIR}/docs/cm-agent.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

# The agent has the shipped profiles compiled in and reads overrides from
# /etc/cm/profiles and ~/.config/cm/profiles (docs/PROFILES.md): these
# copies are a starting point for an override, not read by the agent.
file(GLOB CM_SHIPPED_PROFILES ${PROJECT_SOURCE_DIR}/profiles/*.json)
install(FILES ${CM_SHIPPED_PROFILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/cm/profiles)

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md
  ${PROJECT_SOURCE_DIR}/docs/CLI.md ${PROJECT_SOURCE_DIR}/docs/NOTIFY.md ${PROJECT_SOURCE_DIR}/docs/PROTOCOL.md
  ${PROJECT_SOURCE_DIR}/docs/PROFILES.md ${PROJECT_SOURCE_DIR}/packaging/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The units: @CM_AGENT_BIN@ (user unit) and /usr/local/bin/cm-agent (system
# unit) become PREFIX/BINDIR/cm-agent of this install.
install(CODE "
  set(cm_root \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
  set(cm_bin \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/cm-agent\")
  foreach(cm_kind system user)
    if(cm_kind STREQUAL system)
      file(READ \"${PROJECT_SOURCE_DIR}/packaging/cm-agent.service\" cm_text)
      string(REPLACE \"/usr/local/bin/cm-agent\" \"\${cm_bin}\" cm_text \"\${cm_text}\")
    else()
      file(READ \"${PROJECT_SOURCE_DIR}/packaging/cm-agent-user.service\" cm_text)
      string(REPLACE \"@CM_AGENT_BIN@\" \"\${cm_bin}\" cm_text \"\${cm_text}\")
    endif()
    set(cm_unit \"\${cm_root}/lib/systemd/\${cm_kind}/cm-agent.service\")
    message(STATUS \"Installing: \${cm_unit}\")
    file(WRITE \"\${cm_unit}\" \"\${cm_text}\")
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${cm_unit}\")
  endforeach()
")

# cm notify's user unit: /usr/bin/cm becomes PREFIX/BINDIR/cm.
install(CODE "
  file(READ \"${PROJECT_SOURCE_DIR}/packaging/cm-notify.service\" cm_text)
  string(REPLACE \"/usr/bin/cm \" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/cm \"
    cm_text \"\${cm_text}\")
  set(cm_unit \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/user/cm-notify.service\")
  message(STATUS \"Installing: \${cm_unit}\")
  file(WRITE \"\${cm_unit}\" \"\${cm_text}\")
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${cm_unit}\")
")
