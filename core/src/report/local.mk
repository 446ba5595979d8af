libcloudpatrol_la_SOURCES += \
	core/src/report/csv.h \
	core/src/report/csv.c \
	core/src/report/risk.h \
	core/src/report/risk.c
