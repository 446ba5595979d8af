/*
 * jsonl-report.c - a test report writer (format "jsonl") that records
 * every call the core makes as one JSON line in the file, so the tests
 * of core/src/report see exactly what a writer plugin is given: tables,
 * rows (neutralised, shortened cells), resumes and how the document ends.
 *
 * Faults on demand: a table named "refuse" is CP_E_INVALID; a row whose
 * first cell is "io-error" is CP_E_IO.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudpatrol/plugin.h>

struct jl_doc {
	FILE *fp;
};

static cp_err
jl_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	(void)host;
	(void)self;
	*ctx = NULL;
	return CP_OK;
}

static void
jl_fini(void *ctx)
{
	(void)ctx;
}

static cp_err
put(struct jl_doc *d, const char *key, const json_t *v)
{
	json_t *line = json_pack("{s:O}", key, (json_t *)v);
	int rc;

	if (line == NULL)
		return CP_E_NOMEM;
	rc = json_dumpf(line, d->fp, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(line);
	if (rc != 0 || fputc('\n', d->fp) == EOF)
		return CP_E_IO;
	return CP_OK;
}

static cp_err
jl_open(void *ctx, const char *path, const json_t *options, void **doc)
{
	struct jl_doc *d;

	const char *tmpdir = json_string_value(json_object_get(options,
	    "tmpdir"));

	(void)ctx;
	/* The contract: always given, absolute. */
	if (tmpdir == NULL || tmpdir[0] != '/')
		return CP_E_INVALID;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return CP_E_NOMEM;
	d->fp = fopen(path, "w");
	if (d->fp == NULL) {
		free(d);
		return CP_E_IO;
	}
	*doc = d;
	return put(d, "open", options);
}

static cp_err
jl_add_table(void *doc, const json_t *table)
{
	const char *name = json_string_value(json_object_get(table, "name"));

	if (name != NULL && strcmp(name, "refuse") == 0)
		return CP_E_INVALID;
	return put(doc, "table", table);
}

static cp_err
jl_add_row(void *doc, const json_t *row)
{
	const char *first = json_string_value(json_array_get(row, 0));

	if (first != NULL && strcmp(first, "io-error") == 0)
		return CP_E_IO;
	return put(doc, "row", row);
}

static cp_err
jl_close(void *doc, int commit)
{
	struct jl_doc *d = doc;
	json_t *v = json_boolean(commit);
	cp_err r = put(d, "close", v);

	json_decref(v);
	if (fclose(d->fp) != 0)
		r = CP_E_IO;
	free(d);
	return r;
}

static const struct cp_report_ops jl_report = {
	.struct_size = sizeof(jl_report),
	.format = "jsonl",
	.open = jl_open,
	.add_table = jl_add_table,
	.add_row = jl_add_row,
	.close = jl_close,
};

static const struct cp_capability jl_caps[] = {
	{ CP_CAP_REPORT, sizeof(jl_report), &jl_report },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_plugin_descriptor jl_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(jl_desc),
	.name = "jsonl-report",
	.version = "1.0.0",
	.description = "records what a report writer is given (tests)",
	.caps = jl_caps,
	.init = jl_init,
	.fini = jl_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &jl_desc : NULL;
}
