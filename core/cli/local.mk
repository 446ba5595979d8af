cloudpatrol_SOURCES += core/cli/main.c
