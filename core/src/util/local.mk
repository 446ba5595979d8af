libcloudpatrol_la_SOURCES += \
	core/src/util/util.h \
	core/src/util/diag.h \
	core/src/util/err.c \
	core/src/util/str.c \
	core/src/util/buf.c \
	core/src/util/fs.c \
	core/src/util/diag.c \
	core/src/util/secret.c
