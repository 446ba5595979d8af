check_PROGRAMS += tests/unit/log/test_log
tests_unit_log_test_log_SOURCES = tests/unit/log/test_log.c
tests_unit_log_test_log_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_log_test_log_LDADD = $(TEST_LINK)
TESTS += tests/unit/log/test_log
