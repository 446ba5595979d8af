## tests/unit/notify
noinst_HEADERS += tests/unit/notify/notifytest.h

check_PROGRAMS += tests/unit/notify/test_dest
tests_unit_notify_test_dest_SOURCES = tests/unit/notify/test_dest.c
tests_unit_notify_test_dest_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_notify_test_dest_LDADD = $(TEST_LINK)
TESTS += tests/unit/notify/test_dest

check_PROGRAMS += tests/unit/notify/test_message
tests_unit_notify_test_message_SOURCES = tests/unit/notify/test_message.c
tests_unit_notify_test_message_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_notify_test_message_LDADD = $(TEST_LINK)
TESTS += tests/unit/notify/test_message

check_PROGRAMS += tests/unit/notify/test_deliver
tests_unit_notify_test_deliver_SOURCES = tests/unit/notify/test_deliver.c
tests_unit_notify_test_deliver_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_notify_test_deliver_LDADD = $(TEST_LINK)
TESTS += tests/unit/notify/test_deliver

check_PROGRAMS += tests/unit/notify/test_patrol
tests_unit_notify_test_patrol_SOURCES = tests/unit/notify/test_patrol.c
tests_unit_notify_test_patrol_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_notify_test_patrol_LDADD = $(TEST_LINK)
TESTS += tests/unit/notify/test_patrol
