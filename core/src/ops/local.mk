libcloudpatrol_la_SOURCES += \
	core/src/ops/status.h \
	core/src/ops/status.c
