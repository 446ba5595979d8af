## tests/unit/policy
check_PROGRAMS += tests/unit/policy/test_pack
tests_unit_policy_test_pack_SOURCES = tests/unit/policy/test_pack.c
tests_unit_policy_test_pack_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_policy_test_pack_LDADD = $(TEST_LINK)
TESTS += tests/unit/policy/test_pack

EXTRA_DIST += \
	tests/data/policy/good/testcloud/TEST-E001.json \
	tests/data/policy/good/testcloud/TEST-E001.sql \
	tests/data/policy/good/testcloud/TEST-E002.json \
	tests/data/policy/good/testcloud/TEST-E002.sql \
	tests/data/policy/good/testcloud/TEST-W001.json \
	tests/data/policy/good/testcloud/TEST-W001.sql \
	tests/data/policy/good/tenant/TEST-T001.json \
	tests/data/policy/good/tenant/TEST-T001.sql \
	tests/data/policy/good/cis-test-1.0.0/framework.json \
	tests/data/geoip/README \
	tests/data/geoip/ip2location-lite-db1-ipv4-sample.csv \
	tests/data/geoip/ip2location-lite-db1-ipv6-excerpt.csv

check_PROGRAMS += tests/unit/policy/test_geoip
tests_unit_policy_test_geoip_SOURCES = tests/unit/policy/test_geoip.c
tests_unit_policy_test_geoip_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_policy_test_geoip_LDADD = $(TEST_LINK)
TESTS += tests/unit/policy/test_geoip

check_PROGRAMS += tests/unit/policy/test_sqlfuncs
tests_unit_policy_test_sqlfuncs_SOURCES = tests/unit/policy/test_sqlfuncs.c
tests_unit_policy_test_sqlfuncs_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_policy_test_sqlfuncs_LDADD = $(TEST_LINK)
TESTS += tests/unit/policy/test_sqlfuncs

check_PROGRAMS += tests/unit/policy/test_sandbox
tests_unit_policy_test_sandbox_SOURCES = tests/unit/policy/test_sandbox.c
tests_unit_policy_test_sandbox_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_policy_test_sandbox_LDADD = $(TEST_LINK)
TESTS += tests/unit/policy/test_sandbox

check_PROGRAMS += tests/unit/policy/test_engine
tests_unit_policy_test_engine_SOURCES = tests/unit/policy/test_engine.c
tests_unit_policy_test_engine_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_policy_test_engine_LDADD = $(TEST_LINK)
TESTS += tests/unit/policy/test_engine

check_PROGRAMS += tests/unit/policy/test_framework
tests_unit_policy_test_framework_SOURCES = tests/unit/policy/test_framework.c
tests_unit_policy_test_framework_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_policy_test_framework_LDADD = $(TEST_LINK)
TESTS += tests/unit/policy/test_framework

check_PROGRAMS += tests/unit/policy/test_audit
tests_unit_policy_test_audit_SOURCES = tests/unit/policy/test_audit.c
tests_unit_policy_test_audit_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_policy_test_audit_LDADD = $(TEST_LINK)
TESTS += tests/unit/policy/test_audit
