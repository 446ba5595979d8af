libcloudpatrol_la_SOURCES += \
	core/src/log/log.h \
	core/src/log/log.c
