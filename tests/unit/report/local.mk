check_PROGRAMS += tests/unit/report/test_csv
tests_unit_report_test_csv_SOURCES = tests/unit/report/test_csv.c
tests_unit_report_test_csv_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_csv_LDADD = $(TEST_LINK)
TESTS += tests/unit/report/test_csv

## test_risk drives inspections through tests/fakes/testcloud (see
## tests/unit/inspect/inspecttest.h) to build the store it reports on.
check_PROGRAMS += tests/unit/report/test_risk
tests_unit_report_test_risk_SOURCES = tests/unit/report/test_risk.c
tests_unit_report_test_risk_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_risk_LDADD = $(TEST_LINK)
TESTS += tests/unit/report/test_risk

## test_report gives rows to the recording writer plugin
## tests/plugins/jsonl-report (a check_LTLIBRARY, built before the tests).
check_PROGRAMS += tests/unit/report/test_report
tests_unit_report_test_report_SOURCES = tests/unit/report/test_report.c
tests_unit_report_test_report_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_report_LDADD = $(TEST_LINK)
TESTS += tests/unit/report/test_report
