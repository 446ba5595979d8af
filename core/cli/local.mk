cloudpatrol_SOURCES += \
	core/cli/cli.h \
	core/cli/main.c \
	core/cli/cli.c \
	core/cli/output.c \
	core/cli/cmd_version.c \
	core/cli/cmd_plugins.c \
	core/cli/cmd_portal.c \
	core/cli/cmd_config.c \
	core/cli/cmd_env.c \
	core/cli/cmd_inspect.c \
	core/cli/cmd_findings.c \
	core/cli/cmd_policy.c \
	core/cli/cmd_report.c \
	core/cli/cmd_status.c \
	core/cli/cmd_daemon.c \
	core/cli/cmd_dest.c \
	core/cli/cmd_notify.c \
	core/cli/cmd_demo.c \
	core/cli/cmd_asm.c \
	core/cli/cmd_vuln.c
