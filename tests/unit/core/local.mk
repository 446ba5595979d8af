check_PROGRAMS += tests/unit/core/test_core
tests_unit_core_test_core_SOURCES = tests/unit/core/test_core.c
tests_unit_core_test_core_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_core_test_core_LDADD = $(TEST_LINK)
TESTS += tests/unit/core/test_core
