## tests/unit/net
check_PROGRAMS += tests/unit/net/test_url
tests_unit_net_test_url_SOURCES = tests/unit/net/test_url.c
tests_unit_net_test_url_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_net_test_url_LDADD = $(TEST_LINK)
TESTS += tests/unit/net/test_url

check_PROGRAMS += tests/unit/net/test_retry
tests_unit_net_test_retry_SOURCES = tests/unit/net/test_retry.c
tests_unit_net_test_retry_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_net_test_retry_LDADD = $(TEST_LINK)
TESTS += tests/unit/net/test_retry

check_PROGRAMS += tests/unit/net/test_ratelimit
tests_unit_net_test_ratelimit_SOURCES = tests/unit/net/test_ratelimit.c
tests_unit_net_test_ratelimit_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_net_test_ratelimit_LDADD = $(TEST_LINK)
TESTS += tests/unit/net/test_ratelimit

check_PROGRAMS += tests/unit/net/test_json
tests_unit_net_test_json_SOURCES = tests/unit/net/test_json.c
tests_unit_net_test_json_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_net_test_json_LDADD = $(TEST_LINK)
TESTS += tests/unit/net/test_json

check_PROGRAMS += tests/unit/net/test_xml
tests_unit_net_test_xml_SOURCES = tests/unit/net/test_xml.c
tests_unit_net_test_xml_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_net_test_xml_LDADD = $(TEST_LINK)
TESTS += tests/unit/net/test_xml

check_PROGRAMS += tests/unit/net/test_http_client
tests_unit_net_test_http_client_SOURCES = tests/unit/net/test_http_client.c
tests_unit_net_test_http_client_CFLAGS = $(TEST_CC_FLAGS)
tests_unit_net_test_http_client_LDADD = $(TEST_LINK)
TESTS += tests/unit/net/test_http_client

EXTRA_DIST += tests/fakes/http_test_server.py
