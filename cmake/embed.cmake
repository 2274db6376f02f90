# The web dashboard, embedded into cm-agent: web/ -> ${CMAKE_BINARY_DIR}/gen/assets.c.
#
# cm_embed_web(out_var) builds the host tool tools/embed/cm-embed and adds a
# build step that runs it over the dashboard's files, writing a gzip-compressed
# table `cm_web_assets[]` (see src/common/web-assets.h), built as the static library cm_web_assets
# that the agent and the CLI (cm dashboard) both link. The step reruns when
# any of the files changes. The generated file is marked "do not edit" and is
# never committed.
#
# Besides web/'s own files the dashboard loads /protocol.js, the protocol's
# names generated from src/proto/protocol.def (cmake/protogen.cmake), so
# that the page, the agent and libcm cannot disagree on them.
#
# The dashboard needs no bundler: web/*.html, *.js and *.css are served as
# they are (plain ES modules), and xterm.js comes from npm as published
# (pinned by web/package-lock.json) under /vendor/. So the build needs no node
# and no network, only web/node_modules, which scripts/install-deps.sh fills
# with `npm ci --prefix web --omit=dev --no-audit --no-fund`.
#
# Missing web/node_modules is a configure error with the command to run,
# not a silent fallback: an agent without its dashboard must be asked for,
# with -DCM_WEB=OFF.

# Files taken from npm packages: URL path = file under web/node_modules.
set(CM_WEB_VENDOR
  /vendor/xterm.mjs=@xterm/xterm/lib/xterm.mjs
  /vendor/xterm.css=@xterm/xterm/css/xterm.css
  /vendor/addon-fit.mjs=@xterm/addon-fit/lib/addon-fit.mjs)

function(cm_embed_web out)
  set(web ${PROJECT_SOURCE_DIR}/web)
  set(gen ${CMAKE_BINARY_DIR}/gen/assets.c)

  set(args "")
  set(deps "")
  foreach(pair ${CM_WEB_VENDOR})
    string(REPLACE "=" ";" kv ${pair})
    list(GET kv 0 url)
    list(GET kv 1 file)
    if(NOT EXISTS ${web}/node_modules/${file})
      message(FATAL_ERROR
        "The web dashboard needs ${web}/node_modules/${file}, which is missing.\n"
        "Run scripts/install-deps.sh (or: npm ci --prefix ${web} --omit=dev --no-audit --no-fund),\n"
        "or configure with -DCM_WEB=OFF to build an agent without the dashboard.")
    endif()
    list(APPEND args ${url}=${web}/node_modules/${file})
    list(APPEND deps ${web}/node_modules/${file})
  endforeach()

  # Everything at the top of web/ that a browser loads; tests and tools live elsewhere.
  file(GLOB own CONFIGURE_DEPENDS ${web}/*.html ${web}/*.js ${web}/*.css ${web}/*.svg)
  foreach(file ${own})
    get_filename_component(name ${file} NAME)
    list(APPEND args /${name}=${file})
    list(APPEND deps ${file})
  endforeach()

  # The protocol table as an ES module.
  include(protogen)
  cm_protogen(js protocol_js)
  list(APPEND args /protocol.js=${protocol_js})
  list(APPEND deps ${protocol_js})

  if(NOT TARGET cm-embed)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(CM_EMBED_ZLIB REQUIRED IMPORTED_TARGET zlib)
    add_executable(cm-embed ${PROJECT_SOURCE_DIR}/tools/embed/cm-embed.c)
    target_link_libraries(cm-embed PRIVATE PkgConfig::CM_EMBED_ZLIB)
    cm_target_warnings(cm-embed)
    # A build tool: never linked statically, never sanitized, never installed.
    set_target_properties(cm-embed PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)
  endif()

  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/gen)
  add_custom_command(OUTPUT ${gen}
    COMMAND cm-embed ${gen} ${args}
    DEPENDS cm-embed ${deps} ${PROJECT_SOURCE_DIR}/web/package-lock.json
    COMMENT "Embedding the web dashboard into ${gen}"
    VERBATIM)
  set(${out} ${gen} PARENT_SCOPE)
endfunction()
