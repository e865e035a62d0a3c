# An optimized build of mailsim (no sanitizers, no tests) for the large
# scenarios' golden tests: -DSRC (source tree), -DBIN (its build folder),
# -DCC (the compiler the enclosing build uses).
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${BIN} -DCMAKE_BUILD_TYPE=Release
                        -DCMAKE_C_COMPILER=${CC} -DMAILSIM_TESTS=OFF
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the optimized build failed: ${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BIN} --target mailsim -j2
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the optimized mailsim failed:\n${out}\n${err}")
endif()
