libcloudpatrol_la_SOURCES += \
	core/src/inspect/inspect.h \
	core/src/inspect/inspect.c
