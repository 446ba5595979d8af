## core/src/asm: attack-surface management: targets (registered, and
## derived from the snapshots), the record of active scans, and the
## vulnerability intelligence (CPE names, NVD/EPSS/KEV/JVN parsers, cache,
## lookups).
libcloudpatrol_la_SOURCES += \
	core/src/asm/asm.h \
	core/src/asm/target.c \
	core/src/asm/derived.c \
	core/src/asm/record.c \
	core/src/asm/cpe.h \
	core/src/asm/cpe.c \
	core/src/asm/vuln_match.h \
	core/src/asm/vuln_match.c \
	core/src/asm/vuln_feed.h \
	core/src/asm/vuln_feed.c \
	core/src/asm/vuln.h \
	core/src/asm/vuln.c
