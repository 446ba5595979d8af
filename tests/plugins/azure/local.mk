## tests/plugins/azure/local.mk: the azure plugin's tests.
##   test_azure_client  CUnit: sessions, the certificate assertion,
##                      tokens per audience and their refresh, errors,
##                      throttling, paging, permissions, against the fake
##                      Azure (tests/fakes/azure)
##   e2e.sh             the CLI against the fake: env add (secret,
##                      certificate, wrong secret), Reader/Contributor,
##                      inspect and the snapshot, faults, env sync, the
##                      setup guide
##   remediate.sh       the remediation chain: dry run, NSG rules set to
##                      Deny on the Contributor subscription, nothing
##                      sent to the Reader one, the findings resolved
##   pack.sh            the emergency pack (policies/emergency/azure) on
##                      the demo estate: exactly the listed findings

check_PROGRAMS += tests/plugins/azure/test_azure_client
tests_plugins_azure_test_azure_client_SOURCES = \
	tests/plugins/azure/test_azure_client.c \
	plugins/azure/client.c plugins/azure/assertion.c \
	plugins/azure/remediate.c \
	plugins/azure/azure.h
tests_plugins_azure_test_azure_client_CFLAGS = $(TEST_CC_FLAGS) \
	$(OPENSSL_CFLAGS) -I$(top_srcdir)/plugins/azure
tests_plugins_azure_test_azure_client_LDADD = $(TEST_LINK) $(OPENSSL_LIBS)

TESTS += tests/plugins/azure/test_azure_client tests/plugins/azure/e2e.sh \
	tests/plugins/azure/pack.sh tests/plugins/azure/remediate.sh
EXTRA_DIST += tests/plugins/azure/e2e.sh tests/plugins/azure/pack.sh \
	tests/plugins/azure/remediate.sh
