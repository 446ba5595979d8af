## tests/unit/lifecycle
noinst_HEADERS += tests/unit/lifecycle/lctest.h

check_PROGRAMS += tests/unit/lifecycle/test_text
tests_unit_lifecycle_test_text_SOURCES = tests/unit/lifecycle/test_text.c
tests_unit_lifecycle_test_text_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_lifecycle_test_text_LDADD = $(TEST_LINK)
TESTS += tests/unit/lifecycle/test_text

check_PROGRAMS += tests/unit/lifecycle/test_queue
tests_unit_lifecycle_test_queue_SOURCES = tests/unit/lifecycle/test_queue.c
tests_unit_lifecycle_test_queue_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_lifecycle_test_queue_LDADD = $(TEST_LINK)
TESTS += tests/unit/lifecycle/test_queue

check_PROGRAMS += tests/unit/lifecycle/test_lifecycle
tests_unit_lifecycle_test_lifecycle_SOURCES = tests/unit/lifecycle/test_lifecycle.c
tests_unit_lifecycle_test_lifecycle_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_lifecycle_test_lifecycle_LDADD = $(TEST_LINK)
TESTS += tests/unit/lifecycle/test_lifecycle

check_PROGRAMS += tests/unit/lifecycle/test_exclusion
tests_unit_lifecycle_test_exclusion_SOURCES = tests/unit/lifecycle/test_exclusion.c
tests_unit_lifecycle_test_exclusion_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_lifecycle_test_exclusion_LDADD = $(TEST_LINK)
TESTS += tests/unit/lifecycle/test_exclusion

check_PROGRAMS += tests/unit/lifecycle/test_history
tests_unit_lifecycle_test_history_SOURCES = tests/unit/lifecycle/test_history.c
tests_unit_lifecycle_test_history_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_lifecycle_test_history_LDADD = $(TEST_LINK)
TESTS += tests/unit/lifecycle/test_history

check_PROGRAMS += tests/unit/lifecycle/test_remediate
tests_unit_lifecycle_test_remediate_SOURCES = tests/unit/lifecycle/test_remediate.c
tests_unit_lifecycle_test_remediate_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_lifecycle_test_remediate_LDADD = $(TEST_LINK)
TESTS += tests/unit/lifecycle/test_remediate

check_PROGRAMS += tests/unit/lifecycle/test_settings
tests_unit_lifecycle_test_settings_SOURCES = tests/unit/lifecycle/test_settings.c
tests_unit_lifecycle_test_settings_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_lifecycle_test_settings_LDADD = $(TEST_LINK)
TESTS += tests/unit/lifecycle/test_settings
