## tests/unit/inventory
check_PROGRAMS += tests/unit/inventory/test_snapshot
tests_unit_inventory_test_snapshot_SOURCES = \
	tests/unit/inventory/test_snapshot.c
tests_unit_inventory_test_snapshot_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_inventory_test_snapshot_LDADD = $(TEST_LINK)
TESTS += tests/unit/inventory/test_snapshot
