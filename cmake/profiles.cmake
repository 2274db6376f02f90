# The shipped tool profiles (profiles/*.json), compiled into the agent so
# that a single copied binary knows claude, codex, gemini and aider. Files in
# --profiles-dir directories override them by name. Generated at configure
# time (and again whenever a profile changes) into
# ${CMAKE_BINARY_DIR}/gen/builtin-profiles.c, never committed.
function(cm_builtin_profiles out)
  file(GLOB files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/profiles/*.json)
  list(SORT files)
  set(gen ${CMAKE_BINARY_DIR}/gen/builtin-profiles.c)
  set(body "/* generated from the profiles directory by cmake/profiles.cmake: do not edit */\n")
  string(APPEND body "#include \"agent/screen/builtin-profiles.h\"\n\n")
  set(table "")
  set(n 0)
  foreach(f ${files})
    get_filename_component(name ${f} NAME)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${f})
    file(READ ${f} text HEX)
    # Bytes as an array initializer: no limit on string literal length applies.
    string(REGEX REPLACE "(..)" "0x\\1," text "${text}")
    string(APPEND body "static const unsigned char cm_profile_${n}[] = {${text}0};\n")
    string(APPEND table "    {\"${name}\", (const char *)cm_profile_${n}},\n")
    math(EXPR n "${n} + 1")
  endforeach()
  string(APPEND body "\nconst struct builtin_profile cm_builtin_profiles[] = {\n${table}")
  string(APPEND body "    {0, 0},\n};\nconst size_t cm_builtin_profiles_count = ${n};\n")
  file(WRITE ${gen}.tmp "${body}")
  configure_file(${gen}.tmp ${gen} COPYONLY)
  set(${out} ${gen} PARENT_SCOPE)
endfunction()
