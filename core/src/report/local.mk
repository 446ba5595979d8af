libcloudpatrol_la_SOURCES += \
	core/src/report/csv.h \
	core/src/report/csv.c \
	core/src/report/report.h \
	core/src/report/report.c \
	core/src/report/run.h \
	core/src/report/run_priv.h \
	core/src/report/run.c \
	core/src/report/risk.h \
	core/src/report/risk.c \
	core/src/report/ledger.h \
	core/src/report/ledger.c \
	core/src/report/assets.c \
	core/src/report/accounts.c \
	core/src/report/resources.c \
	core/src/report/audit.h \
	core/src/report/audit.c \
	core/src/report/asm.h \
	core/src/report/asm.c
