# Warning flags for every target of the project; -Werror with CM_WERROR (CI).
function(cm_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wno-format-nonliteral -Wpointer-arith -Wvla -Wundef)
  if(CM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
