## plugins/azure: the Azure cloud plugin (README.md beside it is the
## contract of what it collects).  Its tests live in tests/plugins/azure/.

plugin_LTLIBRARIES += plugins/azure/azure.la
plugins_azure_azure_la_SOURCES = \
	plugins/azure/azure.c plugins/azure/azure.h \
	plugins/azure/client.c \
	plugins/azure/assertion.c \
	plugins/azure/collect_arm.c \
	plugins/azure/collect_graph.c \
	plugins/azure/remediate.c \
	plugins/azure/guide.c
plugins_azure_azure_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(OPENSSL_CFLAGS) -pthread
plugins_azure_azure_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
plugins_azure_azure_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -pthread
plugins_azure_azure_la_LIBADD = $(OPENSSL_LIBS) $(JANSSON_LIBS)
EXTRA_DIST += plugins/azure/README.md
