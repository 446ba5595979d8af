## core/src/inventory: inventory snapshots (one SQLite file per unit)
libcloudpatrol_la_SOURCES += \
	core/src/inventory/snapshot.h \
	core/src/inventory/snapshot.c
