# The same scenario and seed must give byte-identical traces.
foreach(i 1 2)
  execute_process(COMMAND ${MAILSIM} run ${SCENARIO} --trace ${OUT}.${i}.jsonl
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run ${i} failed (${rc}): ${err}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.1.jsonl ${OUT}.2.jsonl
                RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "two runs of ${SCENARIO} gave different traces")
endif()
file(SIZE ${OUT}.1.jsonl sz)
if(sz LESS 100)
  message(FATAL_ERROR "trace suspiciously small (${sz} bytes)")
endif()
