## tests/fakes: fake clouds and sinks for the tests and the demo.

## testcloud: a cloud plugin that reads its estate from JSON files.
check_LTLIBRARIES += tests/fakes/testcloud.la
tests_fakes_testcloud_la_SOURCES = tests/fakes/testcloud.c
tests_fakes_testcloud_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_fakes_testcloud_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
tests_fakes_testcloud_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere
tests_fakes_testcloud_la_LIBADD = $(JANSSON_LIBS)

## sinknotify: a notifier plugin that writes what it is sent to a file.
check_LTLIBRARIES += tests/fakes/sinknotify.la
tests_fakes_sinknotify_la_SOURCES = tests/fakes/sinknotify.c
tests_fakes_sinknotify_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_fakes_sinknotify_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
tests_fakes_sinknotify_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere
tests_fakes_sinknotify_la_LIBADD = $(JANSSON_LIBS)
