libcloudpatrol_la_SOURCES += \
	core/src/core/core.h \
	core/src/core/core.c
