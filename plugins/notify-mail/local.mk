## plugins/notify-mail: the SMTP notifier (destination types mail and
## teams), a libtool module linked with libcurl for SMTP.

plugin_LTLIBRARIES += plugins/notify-mail/notify-mail.la
plugins_notify_mail_notify_mail_la_SOURCES = \
	plugins/notify-mail/notify_mail.c \
	plugins/notify-mail/mime.c plugins/notify-mail/mime.h
plugins_notify_mail_notify_mail_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(CURL_CFLAGS)
plugins_notify_mail_notify_mail_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS)
plugins_notify_mail_notify_mail_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_notify_mail_notify_mail_la_LIBADD = $(CURL_LIBS) $(JANSSON_LIBS)

## The message writer alone: encoded words, folding, base64, addresses.
check_PROGRAMS += plugins/notify-mail/test_mime
plugins_notify_mail_test_mime_SOURCES = plugins/notify-mail/test_mime.c \
	plugins/notify-mail/mime.c
plugins_notify_mail_test_mime_CFLAGS = $(TEST_CC_FLAGS)
plugins_notify_mail_test_mime_LDADD = $(CUNIT_LIBS)
TESTS += plugins/notify-mail/test_mime

## The plugin loaded by the registry, sending to a real SMTP server
## (python3-aiosmtpd) with STARTTLS on a throwaway test CA.
check_PROGRAMS += plugins/notify-mail/test_notify_mail
plugins_notify_mail_test_notify_mail_SOURCES = \
	plugins/notify-mail/test_notify_mail.c
plugins_notify_mail_test_notify_mail_CFLAGS = $(TEST_CC_FLAGS)
plugins_notify_mail_test_notify_mail_LDADD = $(TEST_LINK)
TESTS += plugins/notify-mail/test_notify_mail
EXTRA_DIST += plugins/notify-mail/smtp_server.py \
	plugins/notify-mail/eml_summary.py
