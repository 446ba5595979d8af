#!/bin/sh
# out-of-tree-plugin.sh - a third party's plugin: installs cloudpatrol into
# a temporary DESTDIR, builds a plugin written here from the installed
# headers alone (pkg-config --cflags cloudpatrol), and loads it with
# tests/plugins/load-one the way the core does.  A second build of it that
# claims another ABI major must be refused with the one-line reason.
set -eu
# make check sets these; run by hand from the top build directory, they
# default to it and to the source tree this script is in.
: "${CP_TOP_BUILDDIR:=$(pwd)}"
: "${CP_TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
export CP_TOP_BUILDDIR CP_TOP_SRCDIR
. "$CP_TOP_SRCDIR/tests/e2e/lib.sh"

: "${CC:=cc}"
LOAD_ONE="$CP_TOP_BUILDDIR/tests/plugins/load-one"
inst="$T/inst"

# 1. Install, as a packager would.
# A make of its own, outside the jobserver of the make check that runs us.
run 0 env MAKEFLAGS= MFLAGS= ${MAKE:-make} -C "$CP_TOP_BUILDDIR" install DESTDIR="$inst"
pc=$(find "$inst" -name cloudpatrol.pc -print | head -n 1)
same "$(basename "${pc:-none}")" "cloudpatrol.pc"
[ -n "$pc" ] || { finish; exit 1; }

# 2. The compiler flags from the installed .pc, relocated into DESTDIR.
pcdir=$(dirname "$pc")
PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
prefix=$(pkg-config --variable=prefix cloudpatrol)
cflags=$(pkg-config --define-variable=prefix="$inst$prefix" \
	--cflags cloudpatrol)
abi=$(pkg-config --variable=abi_major cloudpatrol).$(pkg-config \
	--variable=abi_minor cloudpatrol)
case "$cflags" in
*"-I$inst$prefix/include"*) same ok ok ;;
*) same "cflags: $cflags" "cflags with -I$inst$prefix/include" ;;
esac
same "$(ls "$inst$prefix/include/cloudpatrol")" \
	"$(printf 'cloudpatrol.h\nerr.h\nhttp.h\nmessage.h\nplugin.h')"

# 3. A plugin of our own, from those headers only.
mkdir -p "$T/src" "$T/plugins"
chmod 0755 "$T/plugins"
cat >"$T/src/oot-hello.c" <<'EOF'
/* A notifier written outside the cloudpatrol tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudpatrol/cloudpatrol.h>

#ifndef OOT_MAJOR
#define OOT_MAJOR CP_ABI_MAJOR
#endif

struct oot {
	char who[64];
	unsigned sent;
};

static cp_err
oot_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct oot *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return CP_E_NOMEM;
	snprintf(o->who, sizeof(o->who), "%s", host->config_get(self, "who"));
	host->log(self, CP_LOG_INFO, "hello, %s", o->who);
	*ctx = o;
	return CP_OK;
}

static void
oot_fini(void *ctx)
{
	free(ctx);
}

static int
oot_send(void *ctx, const json_t *dest, const json_t *message, char *why,
    size_t why_size)
{
	struct oot *o = ctx;

	o->sent++;
	snprintf(why, why_size, "sent %u to %s", o->sent, o->who);
	return CP_SEND_OK;
}

static const struct cp_notifier_ops oot_notifier = {
	.struct_size = sizeof(oot_notifier),
	.dest_type = "oot",
	.send = oot_send,
};

static const struct cp_capability oot_caps[] = {
	{ CP_CAP_NOTIFIER, sizeof(oot_notifier), &oot_notifier },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_config_key oot_keys[] = {
	{ "who", CP_CFG_STRING, 0, "world", 0, 0, "whom to greet" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_plugin_descriptor oot_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = OOT_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(oot_desc),
	.name = "oot-hello",
	.version = "0.1",
	.description = "built outside the tree",
	.caps = oot_caps,
	.config = oot_keys,
	.init = oot_init,
	.fini = oot_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	return &oot_desc;
}
EOF

# shellcheck disable=SC2086 # $cflags is a list of flags
run 0 "$CC" -std=c11 -Wall -Wextra -Wno-unused-parameter -Werror \
	-shared -fPIC $cflags -o "$T/plugins/oot-hello.so" \
	"$T/src/oot-hello.c" -Wl,-z,now
chmod 0755 "$T/plugins/oot-hello.so"

# Built with -fvisibility=hidden (from the .pc): one symbol is exported.
run 0 nm -D --defined-only "$T/plugins/oot-hello.so"
same "$(awk '{ print $NF }' "$T/out")" "cp_plugin_entry"

# 4. The core loads it, configures its default instance and starts it.
run 0 "$LOAD_ONE" "$T/plugins/oot-hello.so"
same "$(cat "$T/out")" \
	"loaded oot-hello 0.1 ABI $abi caps notifier: running"
has "$T/err" "plugin oot-hello: hello, world"

# 5. The same plugin claiming the next major is refused, in one line.
major=$(pkg-config --variable=abi_major cloudpatrol)
mkdir -p "$T/other"
chmod 0755 "$T/other"
# shellcheck disable=SC2086
run 0 "$CC" -std=c11 -shared -fPIC $cflags -DOOT_MAJOR=$((major + 1)) \
	-o "$T/other/oot-hello.so" "$T/src/oot-hello.c" -Wl,-z,now
chmod 0755 "$T/other/oot-hello.so"
run 1 "$LOAD_ONE" "$T/other/oot-hello.so"
same "$(head -n 1 "$T/out")" "plugin $T/other/oot-hello.so refused: ABI \
$((major + 1)).${abi#*.} (host $abi): major version differs"

finish
