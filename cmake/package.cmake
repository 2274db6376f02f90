# Packages: `cpack -G DEB` (in a build directory) makes cm_VERSION_ARCH.deb
# with everything `cmake --install` installs, under /usr. The binaries are
# stripped, the man pages and the Debian changelog gzipped (cmake/deb-prebuild.cmake),
# libcm gets its shlibs and ldconfig trigger, and the dependencies come from
# dpkg-shlibdeps, plus tmux, which the agent runs. tests/integration/test-package.sh
# builds it and runs lintian on it.
set(CPACK_PACKAGE_NAME cm)
set(CPACK_PACKAGE_VENDOR "cm")
set(CM_PACKAGE_MAINTAINER "cm maintainers <maintainers@cm-agent.org>" CACHE STRING
  "Maintainer field of the packages")
set(CPACK_PACKAGE_CONTACT "${CM_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CM_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "run AI coding tools in tmux on your machines, and drive them")
set(CPACK_PACKAGE_DESCRIPTION
  "cm-agent runs coding tools (Claude Code, Codex CLI, Gemini CLI, aider, or any
tool a profile describes) in tmux sessions, follows their screens, answers
their confirmation prompts by an audited policy and serves them over a
WebSocket protocol and a web dashboard. cm is the command line that drives
agents on many machines through ssh; libcm is its C client library.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tmux (>= 3.2)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssh-client")
# libcm.so.0: its shlibs entry, and ldconfig run by a trigger (CPack's own
# shlibs support calls ldconfig from maintainer scripts, which lintian rejects).
file(WRITE ${CMAKE_BINARY_DIR}/gen/deb/shlibs "libcm 0 cm (>= ${PROJECT_VERSION})\n")
file(WRITE ${CMAKE_BINARY_DIR}/gen/deb/triggers "activate-noawait ldconfig\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_BINARY_DIR}/gen/deb/shlibs ${CMAKE_BINARY_DIR}/gen/deb/triggers)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
# After the staging install, before the archive: what Debian wants compressed.
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/deb-prebuild.cmake)
include(CPack)
