## tests/plugins/aws/sigv4.mk: Signature Version 4 (plugins/aws/sigv4.c),
## built straight from its source (it is pure: no plugin, no host needed).
##   test_sigv4      CUnit: URI encoding, the HTTP client's sign callback
##   sigv4-sign      signs one raw request file (--help says how)
##   sigv4-suite.sh  AWS's official SigV4 test suite (shared fixtures)
##                   through sigv4-sign, every part byte for byte

check_PROGRAMS += tests/plugins/aws/sigv4-sign tests/plugins/aws/test_sigv4

tests_plugins_aws_sigv4_sign_SOURCES = tests/plugins/aws/sigv4-sign.c \
	plugins/aws/sigv4.c plugins/aws/sigv4.h
tests_plugins_aws_sigv4_sign_CFLAGS = $(TEST_CC_FLAGS) $(OPENSSL_CFLAGS) \
	-I$(top_srcdir)/plugins/aws
tests_plugins_aws_sigv4_sign_LDADD = $(TEST_LINK) $(OPENSSL_LIBS)

tests_plugins_aws_test_sigv4_SOURCES = tests/plugins/aws/test_sigv4.c \
	plugins/aws/sigv4.c plugins/aws/sigv4.h
tests_plugins_aws_test_sigv4_CFLAGS = $(TEST_CC_FLAGS) $(OPENSSL_CFLAGS) \
	-I$(top_srcdir)/plugins/aws
tests_plugins_aws_test_sigv4_LDADD = $(TEST_LINK) $(OPENSSL_LIBS)

TESTS += tests/plugins/aws/test_sigv4 tests/plugins/aws/sigv4-suite.sh
EXTRA_DIST += tests/plugins/aws/sigv4-suite.sh
