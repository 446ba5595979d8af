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

## The ledgers' tests write their snapshots by hand (ledgertest.h).
check_PROGRAMS += tests/unit/report/test_assets \
	tests/unit/report/test_accounts tests/unit/report/test_resources \
	tests/unit/report/test_ledger
tests_unit_report_test_assets_SOURCES = tests/unit/report/test_assets.c \
	tests/unit/report/ledgertest.h
tests_unit_report_test_assets_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_assets_LDADD = $(TEST_LINK)
tests_unit_report_test_accounts_SOURCES = \
	tests/unit/report/test_accounts.c tests/unit/report/ledgertest.h
tests_unit_report_test_accounts_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_accounts_LDADD = $(TEST_LINK)
tests_unit_report_test_resources_SOURCES = \
	tests/unit/report/test_resources.c tests/unit/report/ledgertest.h
tests_unit_report_test_resources_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_resources_LDADD = $(TEST_LINK)
tests_unit_report_test_ledger_SOURCES = tests/unit/report/test_ledger.c \
	tests/unit/report/ledgertest.h
tests_unit_report_test_ledger_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_ledger_LDADD = $(TEST_LINK)
TESTS += tests/unit/report/test_assets tests/unit/report/test_accounts \
	tests/unit/report/test_resources tests/unit/report/test_ledger

## test_audit: the CIS audit part on the same inspections, against the
## small frameworks of tests/data/report/frameworks.
check_PROGRAMS += tests/unit/report/test_audit
tests_unit_report_test_audit_SOURCES = tests/unit/report/test_audit.c
tests_unit_report_test_audit_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_audit_LDADD = $(TEST_LINK)
TESTS += tests/unit/report/test_audit
EXTRA_DIST += \
	tests/data/report/frameworks/testcloud-1.0.0/framework.json \
	tests/data/report/frameworks/testcloud-2.0.0/framework.json \
	tests/data/report/frameworks/other-1.0.0/framework.json

## The record of report rows the report tests share.
noinst_HEADERS += tests/unit/report/rectest.h

## test_asm stores observations by hand and fills the vulnerability
## cache from the samples of tests/fixtures/asm.
check_PROGRAMS += tests/unit/report/test_asm
tests_unit_report_test_asm_SOURCES = tests/unit/report/test_asm.c \
	tests/unit/report/rectest.h
tests_unit_report_test_asm_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_report_test_asm_LDADD = $(TEST_LINK)
TESTS += tests/unit/report/test_asm
