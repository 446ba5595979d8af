## tests/unit/plugin: one test per source of core/src/plugin, plus the ABI
## pins (test_abi.c).  They load the test plugins of tests/plugins, so
## those are built first (check_LTLIBRARIES are built before the tests).
noinst_HEADERS += tests/unit/plugin/plugintest.h

check_PROGRAMS += tests/unit/plugin/test_validate
tests_unit_plugin_test_validate_SOURCES = tests/unit/plugin/test_validate.c
tests_unit_plugin_test_validate_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_plugin_test_validate_LDADD = $(TEST_LINK)
TESTS += tests/unit/plugin/test_validate

check_PROGRAMS += tests/unit/plugin/test_pconfig
tests_unit_plugin_test_pconfig_SOURCES = tests/unit/plugin/test_pconfig.c
tests_unit_plugin_test_pconfig_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_plugin_test_pconfig_LDADD = $(TEST_LINK)
TESTS += tests/unit/plugin/test_pconfig

check_PROGRAMS += tests/unit/plugin/test_host
tests_unit_plugin_test_host_SOURCES = tests/unit/plugin/test_host.c
tests_unit_plugin_test_host_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_plugin_test_host_LDADD = $(TEST_LINK)
TESTS += tests/unit/plugin/test_host

check_PROGRAMS += tests/unit/plugin/test_loader
tests_unit_plugin_test_loader_SOURCES = tests/unit/plugin/test_loader.c
tests_unit_plugin_test_loader_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_plugin_test_loader_LDADD = $(TEST_LINK)
TESTS += tests/unit/plugin/test_loader

check_PROGRAMS += tests/unit/plugin/test_registry
tests_unit_plugin_test_registry_SOURCES = tests/unit/plugin/test_registry.c
tests_unit_plugin_test_registry_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_plugin_test_registry_LDADD = $(TEST_LINK)
TESTS += tests/unit/plugin/test_registry

check_PROGRAMS += tests/unit/plugin/test_abi
tests_unit_plugin_test_abi_SOURCES = tests/unit/plugin/test_abi.c
tests_unit_plugin_test_abi_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_plugin_test_abi_LDADD = $(TEST_LINK)
TESTS += tests/unit/plugin/test_abi
