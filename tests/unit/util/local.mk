check_PROGRAMS += tests/unit/util/test_err tests/unit/util/test_str \
	tests/unit/util/test_buf tests/unit/util/test_fs \
	tests/unit/util/test_diag tests/unit/util/test_secret
tests_unit_util_test_err_SOURCES = tests/unit/util/test_err.c
tests_unit_util_test_err_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_util_test_err_LDADD = $(TEST_LINK)
tests_unit_util_test_str_SOURCES = tests/unit/util/test_str.c
tests_unit_util_test_str_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_util_test_str_LDADD = $(TEST_LINK)
tests_unit_util_test_buf_SOURCES = tests/unit/util/test_buf.c
tests_unit_util_test_buf_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_util_test_buf_LDADD = $(TEST_LINK)
tests_unit_util_test_fs_SOURCES = tests/unit/util/test_fs.c
tests_unit_util_test_fs_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_util_test_fs_LDADD = $(TEST_LINK)
tests_unit_util_test_diag_SOURCES = tests/unit/util/test_diag.c
tests_unit_util_test_diag_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_util_test_diag_LDADD = $(TEST_LINK)
tests_unit_util_test_secret_SOURCES = tests/unit/util/test_secret.c
tests_unit_util_test_secret_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_util_test_secret_LDADD = $(TEST_LINK)
TESTS += tests/unit/util/test_secret tests/unit/util/test_err tests/unit/util/test_str \
	tests/unit/util/test_buf tests/unit/util/test_fs \
	tests/unit/util/test_diag
