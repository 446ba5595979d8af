## core/src/plugin: the plugin loader (libltdl), descriptor validation,
## the registry of plugins and instances, and the host table 1.0.
libcloudpatrol_la_SOURCES += \
	core/src/plugin/registry.h \
	core/src/plugin/registry.c \
	core/src/plugin/loader.h \
	core/src/plugin/loader.c \
	core/src/plugin/validate.h \
	core/src/plugin/validate.c \
	core/src/plugin/host.h \
	core/src/plugin/host.c \
	core/src/plugin/pconfig.h \
	core/src/plugin/pconfig.c
