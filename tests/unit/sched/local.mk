## tests/unit/sched
check_PROGRAMS += tests/unit/sched/test_tz
tests_unit_sched_test_tz_SOURCES = tests/unit/sched/test_tz.c
tests_unit_sched_test_tz_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_sched_test_tz_LDADD = $(TEST_LINK)
TESTS += tests/unit/sched/test_tz

check_PROGRAMS += tests/unit/sched/test_sched
tests_unit_sched_test_sched_SOURCES = tests/unit/sched/test_sched.c
tests_unit_sched_test_sched_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_sched_test_sched_LDADD = $(TEST_LINK)
TESTS += tests/unit/sched/test_sched

check_PROGRAMS += tests/unit/sched/test_retention
tests_unit_sched_test_retention_SOURCES = tests/unit/sched/test_retention.c
tests_unit_sched_test_retention_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_sched_test_retention_LDADD = $(TEST_LINK)
TESTS += tests/unit/sched/test_retention

check_PROGRAMS += tests/unit/sched/test_exec
tests_unit_sched_test_exec_SOURCES = tests/unit/sched/test_exec.c
tests_unit_sched_test_exec_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_sched_test_exec_LDADD = $(TEST_LINK)
TESTS += tests/unit/sched/test_exec

check_PROGRAMS += tests/unit/sched/test_lock
tests_unit_sched_test_lock_SOURCES = tests/unit/sched/test_lock.c
tests_unit_sched_test_lock_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_sched_test_lock_LDADD = $(TEST_LINK)
TESTS += tests/unit/sched/test_lock
