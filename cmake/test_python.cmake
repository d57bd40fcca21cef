# simplefs_test_python(<cache var> <what for> MODULES <module>...)
# Sets the cache variable (unless the user set it) to the first Python 3 among the one CMake
# found and Debian's /usr/bin/python3 that imports every module (a pyenv interpreter may lack
# pytest), and <cache var>_OR_FALLBACK to it or, with a warning, to a plain python3: the tests
# are registered anyway so that they fail visibly instead of disappearing.
function(simplefs_test_python var what)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "MODULES")
  list(JOIN arg_MODULES ", " imports)
  set(doc "Python interpreter with ${imports} for ${what}")
  set(${var} "" CACHE FILEPATH "${doc}")
  if(NOT ${var})
    foreach(candidate IN ITEMS "${Python3_EXECUTABLE}" /usr/bin/python3)
      if(candidate AND EXISTS "${candidate}")
        execute_process(COMMAND "${candidate}" -c "import ${imports}"
                        RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
        if(rc EQUAL 0)
          set(${var} "${candidate}" CACHE FILEPATH "${doc}" FORCE)
          break()
        endif()
      endif()
    endforeach()
  endif()
  if(${var})
    set(${var}_OR_FALLBACK "${${var}}" PARENT_SCOPE)
  else()
    message(WARNING "${what}: no Python 3 that imports ${imports} found (Debian: python3-pytest "
                    "python3-requests python3-yaml); these tests will fail")
    set(${var}_OR_FALLBACK python3 PARENT_SCOPE)
  endif()
endfunction()
