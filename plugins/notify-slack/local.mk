## plugins/notify-slack: the Slack incoming-webhook notifier (dest type
## "slack"), and its test: the plugin loaded through a registry posts to
## slack_sink.py, a local webhook sink.

plugin_LTLIBRARIES += plugins/notify-slack/notify-slack.la
plugins_notify_slack_notify_slack_la_SOURCES = \
	plugins/notify-slack/notify_slack.c
plugins_notify_slack_notify_slack_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_notify_slack_notify_slack_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
plugins_notify_slack_notify_slack_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_notify_slack_notify_slack_la_LIBADD = $(JANSSON_LIBS)

check_PROGRAMS += plugins/notify-slack/test_notify_slack
plugins_notify_slack_test_notify_slack_SOURCES = \
	plugins/notify-slack/test_notify_slack.c
plugins_notify_slack_test_notify_slack_CFLAGS = $(TEST_CC_FLAGS)
plugins_notify_slack_test_notify_slack_LDADD = $(TEST_LINK)
TESTS += plugins/notify-slack/test_notify_slack
EXTRA_DIST += plugins/notify-slack/slack_sink.py
