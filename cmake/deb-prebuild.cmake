# Run by CPack in the staging directory before it builds a package
# (CPACK_PRE_BUILD_SCRIPTS): gzips the man pages (Debian policy 12.1) and
# adds share/doc/cm/changelog.gz, both with gzip -9n (reproducible).
file(GLOB_RECURSE cm_stage_man "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/share/man/*")
file(GLOB_RECURSE cm_stage_man2 "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/share/man/*")
list(APPEND cm_stage_man ${cm_stage_man2})
foreach(f ${cm_stage_man})
  if(NOT f MATCHES "\\.gz$" AND NOT IS_DIRECTORY "${f}")
    execute_process(COMMAND gzip -9nf "${f}" RESULT_VARIABLE rc)
    if(rc)
      message(FATAL_ERROR "gzip ${f} failed")
    endif()
  endif()
endforeach()
set(d "${CPACK_TEMPORARY_INSTALL_DIRECTORY}${CPACK_PACKAGING_INSTALL_PREFIX}/share/doc/cm")
if(IS_DIRECTORY "${d}")
  string(TIMESTAMP cm_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
  file(WRITE "${d}/changelog"
    "cm (${CPACK_PACKAGE_VERSION}) unstable; urgency=medium\n\n"
    "  * Package built from the cm source tree (see README.md).\n\n"
    " -- ${CPACK_DEBIAN_PACKAGE_MAINTAINER}  ${cm_date}\n")
  execute_process(COMMAND gzip -9nf "${d}/changelog")
endif()
