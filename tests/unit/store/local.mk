## tests/unit/store
noinst_HEADERS += tests/unit/store/storetest.h

check_PROGRAMS += tests/unit/store/test_store
tests_unit_store_test_store_SOURCES = tests/unit/store/test_store.c
tests_unit_store_test_store_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_store_test_store_LDADD = $(TEST_LINK)
TESTS += tests/unit/store/test_store

check_PROGRAMS += tests/unit/store/test_migrate
tests_unit_store_test_migrate_SOURCES = tests/unit/store/test_migrate.c
tests_unit_store_test_migrate_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_store_test_migrate_LDADD = $(TEST_LINK)
TESTS += tests/unit/store/test_migrate

check_PROGRAMS += tests/unit/store/test_secret
tests_unit_store_test_secret_SOURCES = tests/unit/store/test_secret.c
tests_unit_store_test_secret_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_store_test_secret_LDADD = $(TEST_LINK)
TESTS += tests/unit/store/test_secret

check_PROGRAMS += tests/unit/store/test_portal
tests_unit_store_test_portal_SOURCES = tests/unit/store/test_portal.c
tests_unit_store_test_portal_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_store_test_portal_LDADD = $(TEST_LINK)
TESTS += tests/unit/store/test_portal

check_PROGRAMS += tests/unit/store/test_env
tests_unit_store_test_env_SOURCES = tests/unit/store/test_env.c
tests_unit_store_test_env_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_store_test_env_LDADD = $(TEST_LINK)
TESTS += tests/unit/store/test_env

check_PROGRAMS += tests/unit/store/test_audit
tests_unit_store_test_audit_SOURCES = tests/unit/store/test_audit.c
tests_unit_store_test_audit_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_store_test_audit_LDADD = $(TEST_LINK)
TESTS += tests/unit/store/test_audit
