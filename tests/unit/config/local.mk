check_PROGRAMS += tests/unit/config/test_config
tests_unit_config_test_config_SOURCES = tests/unit/config/test_config.c
tests_unit_config_test_config_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_config_test_config_LDADD = $(TEST_LINK)
TESTS += tests/unit/config/test_config
