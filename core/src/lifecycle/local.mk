## core/src/lifecycle: findings, notifications, exclusions, remediation
libcloudpatrol_la_SOURCES += \
	core/src/lifecycle/lc_priv.h \
	core/src/lifecycle/lifecycle.h \
	core/src/lifecycle/exclusion.h \
	core/src/lifecycle/history.h \
	core/src/lifecycle/remediate.h \
	core/src/lifecycle/settings.h \
	core/src/lifecycle/text.c \
	core/src/lifecycle/queue.c \
	core/src/lifecycle/lifecycle.c \
	core/src/lifecycle/exclusion.c \
	core/src/lifecycle/history.c \
	core/src/lifecycle/remediate.c \
	core/src/lifecycle/settings.c
