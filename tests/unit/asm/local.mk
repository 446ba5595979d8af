## tests/unit/asm
check_PROGRAMS += tests/unit/asm/test_cpe
tests_unit_asm_test_cpe_SOURCES = tests/unit/asm/test_cpe.c
tests_unit_asm_test_cpe_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_asm_test_cpe_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_cpe

check_PROGRAMS += tests/unit/asm/test_vuln_match
tests_unit_asm_test_vuln_match_SOURCES = tests/unit/asm/test_vuln_match.c
tests_unit_asm_test_vuln_match_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_asm_test_vuln_match_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_vuln_match

check_PROGRAMS += tests/unit/asm/test_vuln_feed
tests_unit_asm_test_vuln_feed_SOURCES = tests/unit/asm/test_vuln_feed.c
tests_unit_asm_test_vuln_feed_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_asm_test_vuln_feed_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_vuln_feed

check_PROGRAMS += tests/unit/asm/test_vuln
tests_unit_asm_test_vuln_SOURCES = tests/unit/asm/test_vuln.c
tests_unit_asm_test_vuln_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_asm_test_vuln_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_vuln

## test_connect builds the asm-active plugin's connect scan in, with its
## connect() and socket() wrapped (counted; a kernel played).
check_PROGRAMS += tests/unit/asm/test_connect
tests_unit_asm_test_connect_SOURCES = tests/unit/asm/test_connect.c \
	plugins/asm-active/connect.c plugins/asm-active/asm_active.h
tests_unit_asm_test_connect_CFLAGS = $(TEST_CC_FLAGS) \
	-I$(srcdir)/plugins/asm-active
tests_unit_asm_test_connect_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=connect -Wl,--wrap=socket
tests_unit_asm_test_connect_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_connect

## test_aa_cpe builds the asm-active plugin's CPE table in.
check_PROGRAMS += tests/unit/asm/test_aa_cpe
tests_unit_asm_test_aa_cpe_SOURCES = tests/unit/asm/test_aa_cpe.c \
	plugins/asm-active/cpe.c plugins/asm-active/asm_active.h
tests_unit_asm_test_aa_cpe_CFLAGS = $(TEST_CC_FLAGS) \
	-I$(srcdir)/plugins/asm-active
tests_unit_asm_test_aa_cpe_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_aa_cpe

## test_derived writes its snapshots with the ledgers' helper
## (tests/unit/report/ledgertest.h) into a real store's state dir.
check_PROGRAMS += tests/unit/asm/test_derived
tests_unit_asm_test_derived_SOURCES = tests/unit/asm/test_derived.c \
	tests/unit/report/ledgertest.h
tests_unit_asm_test_derived_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_asm_test_derived_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_derived

check_PROGRAMS += tests/unit/asm/test_target
tests_unit_asm_test_target_SOURCES = tests/unit/asm/test_target.c \
	tests/unit/store/storetest.h
tests_unit_asm_test_target_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_asm_test_target_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_target

check_PROGRAMS += tests/unit/asm/test_record
tests_unit_asm_test_record_SOURCES = tests/unit/asm/test_record.c \
	tests/unit/store/storetest.h
tests_unit_asm_test_record_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_asm_test_record_LDADD = $(TEST_LINK)
TESTS += tests/unit/asm/test_record
