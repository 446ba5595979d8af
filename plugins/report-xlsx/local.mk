## plugins/report-xlsx: the XLSX report writer (format "xlsx"), a libtool
## module over libxlsxwriter; built when configure found libxlsxwriter.
## Its tests are in tests/plugins/report-xlsx.

if HAVE_XLSXWRITER
plugin_LTLIBRARIES += plugins/report-xlsx/report-xlsx.la
endif
## Listed outside the conditional too, so that the tarball always has it.
plugins_report_xlsx_report_xlsx_la_SOURCES = \
	plugins/report-xlsx/report-xlsx.c
plugins_report_xlsx_report_xlsx_la_CFLAGS = $(PLUGIN_CC_FLAGS) \
	$(XLSXWRITER_CFLAGS)
plugins_report_xlsx_report_xlsx_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
plugins_report_xlsx_report_xlsx_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_report_xlsx_report_xlsx_la_LIBADD = $(XLSXWRITER_LIBS) \
	$(JANSSON_LIBS)
EXTRA_DIST += plugins/report-xlsx/README.md
