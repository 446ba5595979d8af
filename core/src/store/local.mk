## core/src/store: the SQLite state store
libcloudpatrol_la_SOURCES += \
	core/src/store/store.h \
	core/src/store/store_priv.h \
	core/src/store/migrate.h \
	core/src/store/store.c \
	core/src/store/migrate.c \
	core/src/store/secret.c \
	core/src/store/portal.c \
	core/src/store/env.c \
	core/src/store/audit.c
