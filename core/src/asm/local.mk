libcloudpatrol_la_SOURCES += \
	core/src/asm/asm.h \
	core/src/asm/target.c \
	core/src/asm/record.c
