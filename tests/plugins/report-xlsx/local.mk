## tests/plugins/report-xlsx: the report-xlsx plugin loaded by a registry
## (test_report_xlsx: the refusals and faults, and a sample workbook) and
## read back by real readers: report-xlsx.sh checks the sample with
## Debian's python3-openpyxl (check_xlsx.py), libreoffice.sh converts it
## to CSV with LibreOffice once (the plain build only: it runs no C of
## ours that the sanitizers would look at, and takes seconds).

if HAVE_XLSXWRITER
check_PROGRAMS += tests/plugins/report-xlsx/test_report_xlsx
tests_plugins_report_xlsx_test_report_xlsx_SOURCES = \
	tests/plugins/report-xlsx/test_report_xlsx.c
tests_plugins_report_xlsx_test_report_xlsx_CFLAGS = $(TEST_CC_FLAGS)
tests_plugins_report_xlsx_test_report_xlsx_LDADD = $(TEST_LINK)
TESTS += tests/plugins/report-xlsx/report-xlsx.sh
if !SANITIZERS
TESTS += tests/plugins/report-xlsx/libreoffice.sh
endif
else
## Not skipped in silence: without libxlsxwriter this test fails and
## says what to install.
TESTS += tests/plugins/report-xlsx/missing.sh
endif
EXTRA_DIST += tests/plugins/report-xlsx/report-xlsx.sh \
	tests/plugins/report-xlsx/libreoffice.sh \
	tests/plugins/report-xlsx/missing.sh \
	tests/plugins/report-xlsx/check_xlsx.py \
	tests/plugins/report-xlsx/check_csv.py
