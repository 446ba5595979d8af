libcloudpatrol_la_SOURCES += \
	core/src/report/csv.h \
	core/src/report/csv.c
