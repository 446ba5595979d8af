## core/src/sched: the job table, the daemon and its worker pool
libcloudpatrol_la_SOURCES += \
	core/src/sched/tz.h \
	core/src/sched/tz.c \
	core/src/sched/sched.h \
	core/src/sched/sched.c \
	core/src/sched/retention.h \
	core/src/sched/retention.c \
	core/src/sched/exec.h \
	core/src/sched/exec.c \
	core/src/sched/lock.h \
	core/src/sched/lock.c \
	core/src/sched/daemon.h \
	core/src/sched/daemon.c
