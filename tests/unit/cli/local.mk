check_PROGRAMS += tests/unit/cli/test_output
tests_unit_cli_test_output_SOURCES = tests/unit/cli/test_output.c \
	core/cli/output.c core/cli/cli.c
tests_unit_cli_test_output_CFLAGS = $(TEST_CC_FLAGS) -I$(top_srcdir)/core/cli
tests_unit_cli_test_output_LDADD = $(TEST_LINK)
TESTS += tests/unit/cli/test_output
