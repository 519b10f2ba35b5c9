# asyncscope_add_test(<name> SOURCES <files...> [LIBS <targets...>])
#
# One Qt Test binary per unit: builds tst_<name> from SOURCES, links Qt6::Test,
# asyncscope_engine and LIBS, and registers it with ctest under <name>, with a
# TIMEOUT and an offscreen platform so that a hang or a missing display fails fast.
#
# Every test gets two compile definitions to find its data without guessing:
#   ASYNCSCOPE_SOURCE_DIR  the top of the source tree
#   ASYNCSCOPE_TEST_DATA   tests/data in the source tree (fixtures)
include_guard(GLOBAL)

set(ASYNCSCOPE_TEST_TIMEOUT 120 CACHE STRING "ctest TIMEOUT (seconds) of each asyncscope test")

function(asyncscope_add_test name)
    cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBS")
    if(ARG_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "asyncscope_add_test(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT ARG_SOURCES)
        message(FATAL_ERROR "asyncscope_add_test(${name}): SOURCES is required")
    endif()

    set(target tst_${name})
    add_executable(${target} ${ARG_SOURCES})
    target_link_libraries(${target} PRIVATE Qt6::Test asyncscope_engine ${ARG_LIBS})
    target_compile_definitions(${target} PRIVATE
        ASYNCSCOPE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
        ASYNCSCOPE_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data")

    add_test(NAME ${name} COMMAND ${target})
    set_tests_properties(${name} PROPERTIES
        TIMEOUT ${ASYNCSCOPE_TEST_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;QTEST_FUNCTION_TIMEOUT=60000")
endfunction()
