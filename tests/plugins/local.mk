## tests/plugins: test plugins (real shared modules, built like every
## plugin: from the SDK headers only, never linked against the core) and
## load-one, which loads one plugin file the way the core does.
##
## -rpath /nowhere makes a check_LTLIBRARY a shared module instead of a
## convenience archive; the modules land in tests/plugins/.libs/NAME.so.

check_LTLIBRARIES += tests/plugins/good.la tests/plugins/minimal.la
tests_plugins_good_la_SOURCES = tests/plugins/good.c
tests_plugins_good_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_good_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
tests_plugins_good_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere
tests_plugins_good_la_LIBADD = $(JANSSON_LIBS)
tests_plugins_minimal_la_SOURCES = tests/plugins/minimal.c
tests_plugins_minimal_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_minimal_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
tests_plugins_minimal_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

## Plugins the host must refuse: tests/plugins/refused.c with one FIX_*.

check_LTLIBRARIES += tests/plugins/wrong-major.la
tests_plugins_wrong_major_la_SOURCES = tests/plugins/refused.c
tests_plugins_wrong_major_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_wrong_major_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_WRONG_MAJOR
tests_plugins_wrong_major_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/newer-minor.la
tests_plugins_newer_minor_la_SOURCES = tests/plugins/refused.c
tests_plugins_newer_minor_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_newer_minor_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_NEWER_MINOR
tests_plugins_newer_minor_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/bad-magic.la
tests_plugins_bad_magic_la_SOURCES = tests/plugins/refused.c
tests_plugins_bad_magic_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_bad_magic_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_BAD_MAGIC
tests_plugins_bad_magic_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/reserved.la
tests_plugins_reserved_la_SOURCES = tests/plugins/refused.c
tests_plugins_reserved_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_reserved_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_RESERVED
tests_plugins_reserved_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/no-entry.la
tests_plugins_no_entry_la_SOURCES = tests/plugins/refused.c
tests_plugins_no_entry_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_no_entry_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_NO_ENTRY
## It exports another symbol than cp_plugin_entry (PLUGIN_LD_FLAGS would
## export nothing at all).
tests_plugins_no_entry_la_LDFLAGS = -module -avoid-version -no-undefined \
	-shared -export-symbols-regex '^cp_plugin_start$$' -Wl,-z,now \
	$(SANITIZER_LDFLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/null-callback.la
tests_plugins_null_callback_la_SOURCES = tests/plugins/refused.c
tests_plugins_null_callback_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_null_callback_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) \
	-DFIX_NULL_CALLBACK
tests_plugins_null_callback_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/dup-name.la
tests_plugins_dup_name_la_SOURCES = tests/plugins/refused.c
tests_plugins_dup_name_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_dup_name_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_DUP_NAME
tests_plugins_dup_name_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/refuses-host.la
tests_plugins_refuses_host_la_SOURCES = tests/plugins/refused.c
tests_plugins_refuses_host_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_refuses_host_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_REFUSES_HOST
tests_plugins_refuses_host_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/bad-env-params.la
tests_plugins_bad_env_params_la_SOURCES = tests/plugins/refused.c
tests_plugins_bad_env_params_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_bad_env_params_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) \
	-DFIX_BAD_ENV_PARAMS
tests_plugins_bad_env_params_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/cloud-flags.la
tests_plugins_cloud_flags_la_SOURCES = tests/plugins/refused.c
tests_plugins_cloud_flags_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_cloud_flags_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_CLOUD_FLAGS
tests_plugins_cloud_flags_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_LTLIBRARIES += tests/plugins/desc-flags.la
tests_plugins_desc_flags_la_SOURCES = tests/plugins/refused.c
tests_plugins_desc_flags_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_desc_flags_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) -DFIX_DESC_FLAGS
tests_plugins_desc_flags_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere

check_PROGRAMS += tests/plugins/load-one
tests_plugins_load_one_SOURCES = tests/plugins/load-one.c
tests_plugins_load_one_CFLAGS = $(TEST_CC_FLAGS)
tests_plugins_load_one_LDADD = $(TEST_LINK)

## A report writer that records what the core gives it (tests of
## core/src/report).
check_LTLIBRARIES += tests/plugins/jsonl-report.la
tests_plugins_jsonl_report_la_SOURCES = tests/plugins/jsonl-report.c
tests_plugins_jsonl_report_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_jsonl_report_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
tests_plugins_jsonl_report_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere
tests_plugins_jsonl_report_la_LIBADD = $(JANSSON_LIBS)
