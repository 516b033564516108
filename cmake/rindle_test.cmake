# rindle_add_test(NAME name SOURCES ... LIBS ... LABELS unit|pg|fault|slow [NO_EXCEPTIONS] [ARGS ...])
# Builds a doctest executable and registers it with ctest under the given
# labels (default: unit). NO_EXCEPTIONS builds it like the engine
# (-fno-exceptions -fno-rtti), proving the headers it includes work that way.
function(rindle_add_test)
  cmake_parse_arguments(T "NO_EXCEPTIONS" "NAME" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  if(T_NO_EXCEPTIONS)
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} rindle_warnings rindle_doctest_main_noexcept)
  else()
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} rindle_warnings rindle_doctest_main)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
endfunction()
