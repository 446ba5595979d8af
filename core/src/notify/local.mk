## core/src/notify: destinations, rendering, delivery, the patrol report
libcloudpatrol_la_SOURCES += \
	core/src/notify/dest.h \
	core/src/notify/dest.c \
	core/src/notify/message.h \
	core/src/notify/message.c \
	core/src/notify/deliver.h \
	core/src/notify/deliver.c \
	core/src/notify/patrol.h \
	core/src/notify/patrol.c
