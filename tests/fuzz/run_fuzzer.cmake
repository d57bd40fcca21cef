# One bounded fuzzing run (the fuzz.<target> tests): a fresh copy of the seed corpus in WORK_DIR,
# so that what libFuzzer adds never lands in the repository, the regressions read alongside, and
# the run fails on any crash, leak, sanitizer report or input slower than 10 s. A crashing input
# is kept in WORK_DIR/artifacts/ (tests/fuzz/README.md: turning it into a regression).
#
#   cmake -DFUZZER=... -DSEEDS=... -DREGRESSIONS=... [-DDICT=...] -DWORK_DIR=... -DSECONDS=...
#         -P run_fuzzer.cmake

foreach(var FUZZER SEEDS REGRESSIONS WORK_DIR SECONDS)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_fuzzer.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR}/corpus)
file(MAKE_DIRECTORY ${WORK_DIR}/corpus ${WORK_DIR}/artifacts)
file(GLOB seeds ${SEEDS}/*)
if(NOT seeds)
  message(FATAL_ERROR "no seed inputs in ${SEEDS}")
endif()
file(COPY ${seeds} DESTINATION ${WORK_DIR}/corpus)

set(args -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix=${WORK_DIR}/artifacts/)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
set(dirs ${WORK_DIR}/corpus)
if(IS_DIRECTORY ${REGRESSIONS})
  list(APPEND dirs ${REGRESSIONS})
endif()

execute_process(COMMAND ${FUZZER} ${args} ${dirs} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); the input is in ${WORK_DIR}/artifacts/")
endif()
