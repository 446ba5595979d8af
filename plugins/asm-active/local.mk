## plugins/asm-active: the active scanner (TCP connect scan with epoll,
## HTTP/HTTPS/TLS identification, banners, CPE names) and its data: the
## CPE table and the 'top' port set, installed beside each other.

asmactivedir = $(datadir)/cloudpatrol/asm-active
dist_asmactive_DATA = plugins/asm-active/cpe.tsv \
	plugins/asm-active/top-ports.txt

plugin_LTLIBRARIES += plugins/asm-active/asm-active.la
plugins_asm_active_asm_active_la_SOURCES = \
	plugins/asm-active/asm_active.h \
	plugins/asm-active/asm_active.c \
	plugins/asm-active/connect.c \
	plugins/asm-active/identify.c \
	plugins/asm-active/cpe.c
plugins_asm_active_asm_active_la_CFLAGS = $(PLUGIN_CC_FLAGS) \
	$(OPENSSL_CFLAGS) -pthread
plugins_asm_active_asm_active_la_CPPFLAGS = $(PLUGIN_CPP_FLAGS) \
	-D_GNU_SOURCE -DAA_DATADIR='"$(asmactivedir)"'
plugins_asm_active_asm_active_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -pthread
plugins_asm_active_asm_active_la_LIBADD = $(JANSSON_LIBS) $(OPENSSL_LIBS)
