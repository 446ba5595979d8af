/*
 * err.c - names of the error codes.
 */
#include "util/util.h"

static const char *const names[CP_E_LAST] = {
	[CP_OK] = "success",
	[CP_E_NOMEM] = "out of memory",
	[CP_E_INVALID] = "invalid argument or input",
	[CP_E_IO] = "input/output error",
	[CP_E_NOTFOUND] = "not found",
	[CP_E_EXISTS] = "already exists",
	[CP_E_PERM] = "unsafe ownership or permissions",
	[CP_E_CONFIG] = "configuration error",
	[CP_E_PARSE] = "parse error",
	[CP_E_ABI] = "incompatible plugin ABI",
	[CP_E_PLUGIN] = "plugin error",
	[CP_E_STORE] = "state store error",
	[CP_E_STORE_VERSION] = "state store is newer than this program",
	[CP_E_CRYPTO] = "encryption error",
	[CP_E_HTTP_CONNECT] = "could not connect",
	[CP_E_HTTP_TIMEOUT] = "timed out",
	[CP_E_HTTP_TOO_LARGE] = "response body too large",
	[CP_E_HTTP_TRUNCATED] = "response body truncated",
	[CP_E_HTTP_TLS] = "TLS error",
	[CP_E_HTTP] = "HTTP transfer error",
	[CP_E_RETRY_LATER] = "temporary failure, retry later",
	[CP_E_FAILED] = "permanent failure",
	[CP_E_UNSUPPORTED] = "not supported",
	[CP_E_CANCELLED] = "cancelled",
	[CP_E_LIMIT] = "limit exceeded",
	[CP_E_AUTH] = "credentials refused",
	[CP_E_BUSY] = "busy",
};

const char *
cp_strerror(cp_err err)
{
	if ((int)err < 0 || err >= CP_E_LAST || names[err] == NULL)
		return "unknown error";
	return names[err];
}
