/*
 * cloudpatrol/plugin.h - the plugin ABI of cloudpatrol.
 *
 * ABI history (major.minor).  Whenever something is added, MINOR goes up;
 * whenever something is removed or changed in a way that is not binary
 * compatible, MAJOR goes up and MINOR returns to 0.  New members are only
 * ever appended to the end of a struct (or take the place of a reserved
 * slot); every struct that crosses the boundary carries its own size.
 *
 *   1.0  The descriptor, five capability kinds (cloud, scanner, notifier,
 *        report writer, policy provider), the per-plugin config schema, and
 *        host table 1.0 (logging, config, clock, cancellation, secrets,
 *        HTTP client with JSON/XML helpers and paging).  Until cloudpatrol
 *        1.0.0 is released, ABI 1.0 may still change; from then on, never.
 *   1.1  cp_inventory_sink.since: when the unit was last collected, so a
 *        cloud collects its events once.
 *
 * Two kinds of array cross the boundary element by element and carry no
 * size of their own: struct cp_capability and struct cp_config_key.
 * Their layout is frozen for major 1; what a later minor needs to add to
 * them goes into a new table, reached through a member appended to the
 * descriptor or an ops table.
 *
 * A plugin is a shared object built from these headers alone.  It exports
 * one symbol, cp_plugin_entry(), and reaches the core only through the host
 * table it is given in init(): it never links against libcloudpatrol.
 *
 *	static const struct cp_plugin_descriptor desc = {
 *		.magic = CP_PLUGIN_MAGIC,
 *		.abi_major = CP_ABI_MAJOR, .abi_minor = CP_ABI_MINOR,
 *		.struct_size = sizeof(desc),
 *		.name = "example", .version = "1.0.0", ...
 *	};
 *	CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
 *	cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
 *	{
 *		return host_major == CP_ABI_MAJOR ? &desc : NULL;
 *	}
 *
 * Acceptance by the host: magic matches, abi_major equal to the host's,
 * abi_minor not newer than the host's, struct_size at least the size of the
 * 1.0 descriptor, every reserved slot NULL, the name of the form [a-z0-9-]+
 * and not taken, and every required callback of every capability non-NULL.
 */
#ifndef CLOUDPATROL_PLUGIN_H
#define CLOUDPATROL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include <cloudpatrol/err.h>
#include <cloudpatrol/http.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CP_PLUGIN_MAGIC 0x43504c47u	/* "CPLG" */
#define CP_ABI_MAJOR 1u
#define CP_ABI_MINOR 1u

#if defined(__GNUC__)
#define CP_PLUGIN_EXPORT __attribute__((visibility("default")))
#define CP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CP_PLUGIN_EXPORT
#define CP_PRINTF(f, a)
#endif

/*
 * One loaded instance of a plugin, as the host knows it.  Opaque: plugins
 * pass it back to the host functions so that logs, configuration and limits
 * are attributed to the right instance.  Since: ABI 1.0
 */
typedef struct cp_plugin cp_plugin;

/* Log levels, most severe first.  Since: ABI 1.0 */
enum cp_log_level {
	CP_LOG_ERROR = 0,
	CP_LOG_WARNING = 1,
	CP_LOG_INFO = 2,
	CP_LOG_DEBUG = 3
};

/* ----------------------------------------------------------------------
 * Configuration schema.
 *
 * A plugin declares the keys of its [plugin:NAME] section; the host fills
 * them from the INI file, applies defaults, refuses unknown keys, missing
 * required keys and values of the wrong type, and reports each problem as
 * "file:line: message".  "enabled = yes|no" is the host's own key and is
 * never declared.  The table ends with an entry whose key is NULL.
 */
enum cp_config_type {
	CP_CFG_STRING = 1,	/* any text */
	CP_CFG_INT = 2,		/* a decimal integer within [min, max] */
	CP_CFG_BOOL = 3,	/* yes/no, true/false, on/off, 1/0 */
	CP_CFG_URL = 4,		/* http:// or https:// (or the plugin's scheme) */
	CP_CFG_PATH = 5,	/* an absolute file path */
	CP_CFG_LIST = 6		/* comma-separated words */
};

#define CP_CFG_REQUIRED 0x1u	/* the key must be given */
#define CP_CFG_SECRET 0x2u	/* never shown in output or logs */

struct cp_config_key {
	const char *key;	/* [a-z0-9_]+ */
	uint32_t type;		/* enum cp_config_type */
	uint32_t flags;		/* CP_CFG_* */
	const char *def;	/* default as text, or NULL for none */
	long long min, max;	/* bounds for CP_CFG_INT */
	const char *description;
};

/* ----------------------------------------------------------------------
 * Sinks the host gives to capabilities.
 */

/* Text output (a setup guide, a report cell...).  Since: ABI 1.0 */
struct cp_text_out {
	uint32_t struct_size;
	cp_err (*write)(const struct cp_text_out *out, const char *s, size_t n);
	void *ud;
};

/*
 * Receives a unit's inventory during collect().  Each call copies what it
 * is given; raw_json is the cloud's own JSON of the object, untouched.
 * Since: ABI 1.0
 */
struct cp_inventory_sink {
	uint32_t struct_size;
	cp_err (*resource)(const struct cp_inventory_sink *sink,
	    const char *type, const char *id, const char *name,
	    const char *region, const char *raw_json);
	cp_err (*event)(const struct cp_inventory_sink *sink,
	    const char *type, const char *time_iso8601, const char *id,
	    const char *raw_json);
	cp_err (*cost)(const struct cp_inventory_sink *sink,
	    const char *period, double amount, const char *currency);
	/* A collector that failed: recorded in the snapshot's metadata. */
	cp_err (*collector_error)(const struct cp_inventory_sink *sink,
	    const char *collector, cp_err err, const char *message);
	void *ud;
	/*
	 * When the unit was last collected with success ("2026-11-25T09:00:00Z",
	 * UTC), or NULL the first time: collect events after it.  Read it only
	 * when struct_size covers it.  Since: ABI 1.1
	 */
	const char *since;
};

/* A unit found by discover_units().  Since: ABI 1.0 */
struct cp_unit_sink {
	uint32_t struct_size;
	cp_err (*unit)(const struct cp_unit_sink *sink, const char *id,
	    const char *name, int remediation_capable);
	void *ud;
};

/* One observation of a scanner (a port, a service...).  Since: ABI 1.0 */
struct cp_observation_sink {
	uint32_t struct_size;
	cp_err (*observe)(const struct cp_observation_sink *sink,
	    const char *target, const char *kind, const json_t *data);
	void *ud;
};

/* ----------------------------------------------------------------------
 * Capabilities.  Every ops table starts with its own size; the host copies
 * min(ops_size, sizeof(its table)) into a zeroed table of its own.
 */
enum cp_cap_kind {
	CP_CAP_END = 0,		/* ends the capability list */
	CP_CAP_CLOUD = 1,
	CP_CAP_SCANNER = 2,
	CP_CAP_NOTIFIER = 3,
	CP_CAP_REPORT = 4,
	CP_CAP_POLICY = 5
};

struct cp_capability {
	uint32_t kind;		/* enum cp_cap_kind */
	uint32_t ops_size;	/* sizeof the ops table below */
	const void *ops;
};

/* What validate() found out about an environment's credentials. */
struct cp_validate_result {
	uint32_t struct_size;
	int remediation_capable;	/* 1: may remediate; 0: read-only */
	char account[128];		/* the cloud's id for the credential */
	char detail[512];		/* a sentence for the operator */
};

/*
 * cloud: collects units of one cloud and remediates them.  Required:
 * validate, collect.  creds is the environment's parameters (a JSON object
 * whose keys follow env_params), decrypted; borrowed for the call.
 */
struct cp_cloud_ops {
	uint32_t struct_size;
	const char *cloud;		/* "aws", "azure", "gcp", "oci" */
	const char *unit_kind;		/* "account", "subscription"... */
	const struct cp_config_key *env_params;	/* for "env add" */
	cp_err (*setup_guide)(void *ctx, const char *variant,
	    const char *lang, const struct cp_text_out *out);
	cp_err (*validate)(void *ctx, const json_t *creds,
	    struct cp_validate_result *res);
	cp_err (*discover_units)(void *ctx, const json_t *creds,
	    const struct cp_unit_sink *sink);
	cp_err (*collect)(void *ctx, const json_t *creds, const char *unit,
	    const struct cp_inventory_sink *sink);
	cp_err (*remediate)(void *ctx, const json_t *creds, const char *unit,
	    const char *action, const char *resource, const json_t *params,
	    int dry_run, json_t **result);
	uint32_t flags;			/* CP_CLOUD_F_* */
};

/*
 * Units of this cloud start with periodic inspection off and are switched
 * on per unit (Azure subscriptions, OCI compartments: R-INS-1); without
 * it every unit is inspected.
 */
#define CP_CLOUD_F_INSPECT_OPT_IN 0x1u

/* scanner: observes targets.  Required: scan. */
struct cp_scanner_ops {
	uint32_t struct_size;
	const char *scanner;		/* "asm-active"... */
	cp_err (*scan)(void *ctx, const char *const *targets, size_t n,
	    const json_t *options, const struct cp_observation_sink *sink);
};

/* notifier: sends messages to one kind of destination.  Required: send. */
enum cp_send_result {
	CP_SEND_OK = 0,		/* delivered */
	CP_SEND_RETRY = 1,	/* a passing failure: try again later */
	CP_SEND_FAILED = 2	/* a permanent failure */
};

struct cp_notifier_ops {
	uint32_t struct_size;
	const char *dest_type;		/* "mail", "slack" */
	cp_err (*check_destination)(void *ctx, const json_t *dest,
	    char *why, size_t why_size);
	int (*send)(void *ctx, const json_t *dest, const json_t *message,
	    char *why, size_t why_size);
};

/*
 * report writer: streams tables to one format.  Required: all four.
 *
 * The core calls open, then add_table and add_row in any interleaving,
 * then close exactly once (also after a failure).  Every document is
 * opened and used by one thread.
 *
 * open(ctx, path, options, &doc): create the file at path, which the core
 * chose (a fresh temporary name beside the file the user asked for; the
 * core renames it when close commits, and removes it otherwise).  Options:
 *   {"lang": "en"|"ja",		the language of the report
 *    "title": "...",			document title (may be absent)
 *    "tmpdir": "/dir"}		always given, absolute: where the writer
 *				may keep scratch files (the file's folder)
 *
 * add_table(doc, table): start a table (a sheet); rows that follow go to
 * it.  Names are valid for every format: 1..31 characters, none of
 * [ ] : * ? / \, not starting or ending with ', unique in the document
 * ignoring case (the core makes them so; a writer refuses others with
 * CP_E_INVALID).
 *   {"name": "Risks",
 *    "columns": [{"title": "Policy", "type": "text", "width": 20}, ...],
 *    "resume": false}
 * type is one of text, integer, decimal, percentage, timestamp, url;
 * width (optional) is in characters; titles are neutralised like text
 * cells.  Characters are counted as Excel counts them, in UTF-16 units.  With "resume": true and the name of
 * a table added before (columns absent), rows go to that table again,
 * after its last row: this is how a summary placed first is filled last.
 *
 * add_row(doc, row): a JSON array with one cell per column:
 *   null			an empty cell
 *   string			text or url columns; already neutralised by
 *				the core when it starts like a formula, and at
 *				most 32,767 characters (Excel's limit: the
 *				core shortens longer text and says so)
 *   integer			integer columns; timestamp columns: seconds
 *				since the epoch, UTC
 *   real			decimal columns; percentage columns as a
 *				fraction (0.875 is 87.5 %)
 * Strings are valid UTF-8 (the core repairs what is not).  A cell of
 * another kind than its column is CP_E_INVALID; so are reals that are
 * not finite.  A writer that cannot take more rows in a table (XLSX:
 * 1,048,576 a sheet) answers CP_E_LIMIT.  After CP_E_IO the core only
 * calls close.
 *
 * close(doc, commit): commit 1 finishes the file; 0 abandons it.  Either
 * way doc is freed.  A write error (a full disk) is CP_E_IO, at whichever
 * call meets it.
 */
struct cp_report_ops {
	uint32_t struct_size;
	const char *format;		/* "xlsx" */
	cp_err (*open)(void *ctx, const char *path, const json_t *options,
	    void **doc);
	cp_err (*add_table)(void *doc, const json_t *table);
	cp_err (*add_row)(void *doc, const json_t *row);
	cp_err (*close)(void *doc, int commit);
};

/* policy provider: checks written in C.  Required: run. */
struct cp_policy_ops {
	uint32_t struct_size;
	const char *const *policy_ids;	/* NULL-terminated */
	cp_err (*run)(void *ctx, const char *policy_id,
	    const json_t *snapshot_query_result, json_t **results);
};

/* ----------------------------------------------------------------------
 * The host table: the core services lent to a plugin.  Append-only: new
 * members go at the end, and a plugin built against a newer minor tests
 * with CP_HOST_HAS() before it calls one.  Every function may be called
 * from any thread unless it says otherwise.
 */
struct cp_host {
	uint32_t struct_size;
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t reserved0;

	/* Logs one message attributed to self.  Since: ABI 1.0 */
	void (*log)(cp_plugin *self, int level, const char *fmt, ...)
	    CP_PRINTF(3, 4);

	/*
	 * The value of key in self's [plugin:NAME] section after defaults,
	 * or NULL when it has none.  Borrowed; valid until fini().  get_int
	 * and get_bool return 0 for a missing key.  Since: ABI 1.0
	 */
	const char *(*config_get)(cp_plugin *self, const char *key);
	long long (*config_get_int)(cp_plugin *self, const char *key);
	int (*config_get_bool)(cp_plugin *self, const char *key);

	/* The name of an error code; never NULL.  Since: ABI 1.0 */
	const char *(*strerror)(cp_err err);
	/* The current time (a fixed clock under test).  Since: ABI 1.0 */
	time_t (*now)(cp_plugin *self);
	/* Non-zero when the host wants the work to stop.  Since: ABI 1.0 */
	int (*cancelled)(cp_plugin *self);

	/*
	 * Reads a secret from a file that must not be group- or world-
	 * readable; trailing newlines are dropped.  *out is owned by the
	 * caller: wipe and free it with secret_free.  Since: ABI 1.0
	 */
	cp_err (*secret_read_file)(cp_plugin *self, const char *path,
	    char **out);
	void (*secret_free)(char *secret);

	/* A new HTTP client for the calling thread.  Since: ABI 1.0 */
	cp_http *(*http_new)(cp_plugin *self);
	void (*http_free)(cp_http *http);
	/*
	 * Caps requests to one host (name or name:port): rate_per_sec with
	 * bursts of burst, and at most max_conn at once, for every client of
	 * the process.  0 leaves a limit as it is.  Since: ABI 1.0
	 */
	cp_err (*http_set_limits)(cp_http *http, const char *host,
	    double rate_per_sec, unsigned burst, unsigned max_conn);
	cp_err (*http_perform)(cp_http *http,
	    const struct cp_http_request *req, struct cp_http_response **resp);
	/*
	 * Performs n requests in parallel (within the per-host limits);
	 * resps[i] and errs[i] are the outcome of reqs[i].  Returns CP_OK
	 * when every request got a response.  Since: ABI 1.0
	 */
	cp_err (*http_perform_many)(cp_http *http,
	    const struct cp_http_request *const *reqs, size_t n,
	    struct cp_http_response **resps, cp_err *errs);
	/*
	 * Fetches first and every following page the callback asks for, up
	 * to the request's max_pages.  Since: ABI 1.0
	 */
	cp_err (*http_paginate)(cp_http *http,
	    const struct cp_http_request *first, cp_http_page_fn page,
	    void *ud);
	void (*http_response_free)(struct cp_http_response *resp);
	/* The value of a response header (case-insensitive), or NULL. */
	const char *(*http_header)(const struct cp_http_response *resp,
	    const char *name);
	/* Detail of the client's last failure; never NULL. */
	const char *(*http_errmsg)(const cp_http *http);

	/*
	 * Parses a JSON body (depth at most 64).  Returns a new reference
	 * or NULL with a message in why.  Since: ABI 1.0
	 */
	json_t *(*json_parse)(const char *buf, size_t len, char *why,
	    size_t why_size);
	/*
	 * Parses an XML document into JSON: an element becomes an object
	 * {"name": ..., "attrs": {...}, "text": "...", "children": [...]}.
	 * Bounded in depth and size like json_parse.  Since: ABI 1.0
	 */
	json_t *(*xml_parse)(const char *buf, size_t len, char *why,
	    size_t why_size);
};

/* Whether host offers member (for plugins built against a newer minor). */
#define CP_HOST_HAS(host, member)                                            \
	((host)->struct_size >= offsetof(struct cp_host, member) +           \
	    sizeof((host)->member) && (host)->member != NULL)

/* ----------------------------------------------------------------------
 * The descriptor a plugin returns from cp_plugin_entry().
 */
struct cp_plugin_descriptor {
	/* The version fields come first: they protect the rest. */
	uint32_t magic;			/* CP_PLUGIN_MAGIC */
	uint32_t abi_major;		/* CP_ABI_MAJOR built against */
	uint32_t abi_minor;		/* CP_ABI_MINOR built against */
	uint32_t struct_size;		/* sizeof(struct cp_plugin_descriptor) */

	uint32_t flags;			/* none defined yet: 0 */
	uint32_t reserved_flags;	/* must be 0 */
	const char *name;		/* [a-z0-9-]+, unique */
	const char *version;		/* the plugin's own version */
	const char *description;	/* one line */
	const struct cp_capability *caps;	/* ends with kind CP_CAP_END */
	const struct cp_config_key *config;	/* ends with key NULL */

	/*
	 * Called once per configured instance, after every plugin was
	 * validated and before any thread starts.  Keep all state in *ctx:
	 * two instances of a plugin must coexist.  May be NULL.
	 */
	cp_err (*init)(const struct cp_host *host, cp_plugin *self,
	    void **ctx);
	/* Frees what init() made.  May be NULL. */
	void (*fini)(void *ctx);

	void *reserved[4];		/* must be NULL */
};

/* The one symbol a plugin exports. */
typedef const struct cp_plugin_descriptor *(*cp_plugin_entry_fn)(
    uint32_t host_abi_major, uint32_t host_abi_minor);

/*
 * The entry point every plugin defines (declared here so that the compiler
 * checks each plugin's definition against the ABI).  Called once per load,
 * before anything else, with the host's ABI version; returns the plugin's
 * descriptor, or NULL to refuse a host it cannot work with.  Since: ABI 1.0
 */
CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *cp_plugin_entry(
    uint32_t host_abi_major, uint32_t host_abi_minor);

#define CP_PLUGIN_ENTRY_SYMBOL "cp_plugin_entry"

#ifdef __cplusplus
}
#endif

#endif /* CLOUDPATROL_PLUGIN_H */
