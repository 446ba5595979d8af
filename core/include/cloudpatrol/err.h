/*
 * cloudpatrol/err.h - the one error enum of cloudpatrol.
 *
 * Every function of the core and of the plugin SDK that can fail returns a
 * cp_err.  The numbers are frozen: a code is never renumbered or reused.  A
 * code that is no longer produced is renamed CP_E_OBSOLETE_<n> and kept, and
 * new codes are appended just before CP_E_LAST.  Detail text (which file,
 * which key, what the server said) travels beside the code, in the handle
 * that failed (cp_store_errmsg(), the HTTP client's errmsg) or in the log;
 * cp_strerror() only names the class of failure.
 */
#ifndef CLOUDPATROL_ERR_H
#define CLOUDPATROL_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cp_err {
	CP_OK = 0,
	CP_E_NOMEM = 1,		/* an allocation failed */
	CP_E_INVALID = 2,	/* bad argument or malformed input */
	CP_E_IO = 3,		/* a read, write or other system call failed */
	CP_E_NOTFOUND = 4,	/* no such object (file, portal, key, plugin) */
	CP_E_EXISTS = 5,	/* the object exists already */
	CP_E_PERM = 6,		/* unsafe file ownership or permissions */
	CP_E_CONFIG = 7,	/* the configuration is wrong */
	CP_E_PARSE = 8,		/* a document (JSON, XML, INI) did not parse */
	CP_E_ABI = 9,		/* a plugin's ABI does not fit this host */
	CP_E_PLUGIN = 10,	/* a plugin is broken or refused to work */
	CP_E_STORE = 11,	/* the state store failed */
	CP_E_STORE_VERSION = 12, /* the store is newer than this binary */
	CP_E_CRYPTO = 13,	/* encryption or decryption failed */
	CP_E_HTTP_CONNECT = 14,	/* could not resolve or connect */
	CP_E_HTTP_TIMEOUT = 15,	/* the connect or total timeout passed */
	CP_E_HTTP_TOO_LARGE = 16, /* the body is larger than allowed */
	CP_E_HTTP_TRUNCATED = 17, /* the body ended before its length */
	CP_E_HTTP_TLS = 18,	/* TLS handshake or verification failed */
	CP_E_HTTP = 19,		/* any other transfer failure */
	CP_E_RETRY_LATER = 20,	/* a passing failure: try again later */
	CP_E_FAILED = 21,	/* a permanent failure: do not retry */
	CP_E_UNSUPPORTED = 22,	/* not offered by this build or plugin */
	CP_E_CANCELLED = 23,	/* the work was cancelled */
	CP_E_LIMIT = 24,	/* a size, count or depth limit was hit */
	CP_E_AUTH = 25,		/* credentials were refused */
	CP_E_BUSY = 26,		/* a resource is held by someone else */
	CP_E_LAST		/* never use: one past the last code */
} cp_err;

#ifdef __cplusplus
}
#endif

#endif /* CLOUDPATROL_ERR_H */
