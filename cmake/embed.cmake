# Placeholder replaced by the dashboard build (web/ -> build/gen/assets.c).
function(cm_embed_web out)
  set(gen ${CMAKE_BINARY_DIR}/gen/assets.c)
  file(WRITE ${gen} "/* generated: do not edit */\n#include <stddef.h>\nconst void *cm_web_assets_placeholder = NULL;\n")
  set(${out} ${gen} PARENT_SCOPE)
endfunction()
