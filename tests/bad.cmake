# An invalid scenario must make `mailsim check` exit 1 and print every
# expected substring (file:line:column and the explanation).
execute_process(COMMAND ${MAILSIM} check ${SCENARIO}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit 1, got ${rc}; stderr: ${err}")
endif()
file(STRINGS ${EXPECT} wants)
list(LENGTH wants n)
if(n EQUAL 0)
  message(FATAL_ERROR "${EXPECT} lists no expected text")
endif()
foreach(w ${wants})
  string(FIND "${err}" "${w}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "missing in stderr: '${w}'\nstderr was:\n${err}")
  endif()
endforeach()
