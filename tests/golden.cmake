# Run a scenario and diff its trace against the checked-in golden file.
# Regenerate goldens with: scripts/update-goldens (then read the diff).
execute_process(COMMAND ${MAILSIM} run ${SCENARIO} --trace ${OUT}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mailsim run failed (${rc}): ${err}")
endif()
if(NOT EXISTS ${GOLDEN})
  message(FATAL_ERROR "no golden trace ${GOLDEN}; run scripts/update-goldens")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${GOLDEN} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  execute_process(COMMAND diff -u ${GOLDEN} ${OUT} OUTPUT_VARIABLE d)
  string(SUBSTRING "${d}" 0 4000 d)
  message(FATAL_ERROR "trace differs from golden ${GOLDEN}:\n${d}")
endif()
