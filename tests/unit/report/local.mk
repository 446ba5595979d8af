check_PROGRAMS += tests/unit/report/test_csv
tests_unit_report_test_csv_SOURCES = tests/unit/report/test_csv.c
tests_unit_report_test_csv_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_csv_LDADD = $(TEST_LINK)
TESTS += tests/unit/report/test_csv
