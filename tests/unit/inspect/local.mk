## tests/unit/inspect: one inspection of one unit, driven in-process
## through the fixture cloud plugin (tests/fakes/testcloud), which is
## built first (check_LTLIBRARIES are built before the tests).
noinst_HEADERS += tests/unit/inspect/inspecttest.h

check_PROGRAMS += tests/unit/inspect/test_inspect
tests_unit_inspect_test_inspect_SOURCES = tests/unit/inspect/test_inspect.c
tests_unit_inspect_test_inspect_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_inspect_test_inspect_LDADD = $(TEST_LINK)
TESTS += tests/unit/inspect/test_inspect
