# simplefs_node_test(<test name> SCRIPT <file.test.mjs> PACKAGE <npm package the script imports>
#                    DEPS_TARGET <target> LABELS <label>... TIMEOUT <seconds>
#                    ENVIRONMENT <VAR=value>...)
# A Node.js test run with `node --test` from this folder's build directory: the npm packages of
# the folder's package.json (pinned by its package-lock.json) are installed there with `npm ci`
# by DEPS_TARGET (part of the default build), and the script and tests/js/simplefs_server.mjs
# are copied beside node_modules, where Node resolves their imports. Without Node.js the test is
# registered anyway, so that it fails visibly instead of disappearing.
function(simplefs_node_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SCRIPT;PACKAGE;DEPS_TARGET;TIMEOUT" "LABELS;ENVIRONMENT")
  find_program(SIMPLEFS_NODE NAMES node nodejs DOC "Node.js, to run the browser and tus tests")
  set(node "${SIMPLEFS_NODE}")
  if(NOT SIMPLEFS_NODE)
    message(WARNING "${name}: Node.js not found (apt-get install nodejs, or scripts/install-deps "
                    "test); the test will fail")
    set(node node)
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  simplefs_npm_ci(
    SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR}
    WORK_DIR ${dir}
    FILES node_modules/${arg_PACKAGE}/package.json
    OUTPUT_VARIABLE installed)
  add_custom_target(${arg_DEPS_TARGET} ALL DEPENDS ${installed})
  configure_file(${arg_SCRIPT} ${dir}/${arg_SCRIPT} COPYONLY)
  configure_file(${PROJECT_SOURCE_DIR}/tests/js/simplefs_server.mjs ${dir}/simplefs_server.mjs
                 COPYONLY)
  add_test(NAME ${name} COMMAND "${node}" --test ${dir}/${arg_SCRIPT} WORKING_DIRECTORY ${dir})
  set_tests_properties(${name} PROPERTIES LABELS "${arg_LABELS}" TIMEOUT ${arg_TIMEOUT}
                                          ENVIRONMENT "${arg_ENVIRONMENT}")
endfunction()
