check_PROGRAMS += tests/unit/ops/test_status
tests_unit_ops_test_status_SOURCES = tests/unit/ops/test_status.c
tests_unit_ops_test_status_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_ops_test_status_LDADD = $(TEST_LINK)
TESTS += tests/unit/ops/test_status
