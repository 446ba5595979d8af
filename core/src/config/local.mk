libcloudpatrol_la_SOURCES += \
	core/src/config/config.h \
	core/src/config/config.c
