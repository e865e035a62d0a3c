# The same scenario and seed must give byte-identical traces, whether the
# JSONL is written by the trace's worker thread (run 1, the default) or on
# the simulator's own thread (run 2, MAILSIM_TRACE_THREAD=0).
foreach(i 1 2)
  set(thread 1)
  if(i EQUAL 2)
    set(thread 0)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env MAILSIM_TRACE_THREAD=${thread}
                          ${MAILSIM} run ${SCENARIO} --trace ${OUT}.${i}.jsonl
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
