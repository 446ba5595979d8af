## tests/plugins/aws/core.mk: the core of the aws plugin (aws.c, client.c,
## xmljson.c).
##   test_xmljson  CUnit: AWS XML fixtures converted and compared with what
##                 botocore parsed from them, and the rules one by one
##   test_client   CUnit: sessions, AssumeRole and its refresh, aws_call's
##                 errors, retries and parsing, the region fan-out, over a
##                 recording host table and the fake AWS
##   core-e2e.sh   the CLI against the fake AWS: env add (keys, role),
##                 inspect, the snapshot; bad credentials and faults

check_PROGRAMS += tests/plugins/aws/test_xmljson tests/plugins/aws/test_client

tests_plugins_aws_test_xmljson_SOURCES = tests/plugins/aws/test_xmljson.c \
	plugins/aws/xmljson.c plugins/aws/aws.h
tests_plugins_aws_test_xmljson_CFLAGS = $(TEST_CC_FLAGS) \
	-I$(top_srcdir)/plugins/aws
tests_plugins_aws_test_xmljson_LDADD = $(TEST_LINK)

tests_plugins_aws_test_client_SOURCES = tests/plugins/aws/test_client.c \
	plugins/aws/client.c plugins/aws/xmljson.c plugins/aws/sigv4.c \
	plugins/aws/aws.h plugins/aws/sigv4.h
tests_plugins_aws_test_client_CFLAGS = $(TEST_CC_FLAGS) $(OPENSSL_CFLAGS) \
	-I$(top_srcdir)/plugins/aws
tests_plugins_aws_test_client_LDADD = $(TEST_LINK) $(OPENSSL_LIBS)

TESTS += tests/plugins/aws/test_xmljson tests/plugins/aws/test_client \
	tests/plugins/aws/core-e2e.sh
EXTRA_DIST += tests/plugins/aws/core-e2e.sh
