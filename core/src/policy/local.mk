## core/src/policy: policy packs, the sandboxed engine, frameworks
libcloudpatrol_la_SOURCES += \
	core/src/policy/result.h \
	core/src/policy/pack.h \
	core/src/policy/pack.c \
	core/src/policy/sandbox.h \
	core/src/policy/sandbox.c \
	core/src/policy/sqlfuncs.h \
	core/src/policy/sqlfuncs.c \
	core/src/policy/geoip.h \
	core/src/policy/geoip.c
libcloudpatrol_la_SOURCES += \
	core/src/policy/engine.h \
	core/src/policy/engine.c
libcloudpatrol_la_SOURCES += \
	core/src/policy/framework.h \
	core/src/policy/framework.c \
	core/src/policy/audit.h \
	core/src/policy/audit.c
