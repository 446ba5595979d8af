## core/src/net: the HTTP client (libcurl), its retry policy and per-host
## limits, and the JSON/XML body helpers.
libcloudpatrol_la_SOURCES += \
	core/src/net/http_client.h \
	core/src/net/http_client.c \
	core/src/net/url.h \
	core/src/net/url.c \
	core/src/net/retry.h \
	core/src/net/retry.c \
	core/src/net/ratelimit.h \
	core/src/net/ratelimit.c \
	core/src/net/json.c \
	core/src/net/xml.h \
	core/src/net/xml.c
