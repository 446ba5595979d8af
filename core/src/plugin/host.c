/*
 * host.c - instances of plugins and the host table 1.0 lent to them.
 *
 * Every function of the table takes the identity of its caller from self
 * (or from the object it is given), never from a global: the one table is
 * shared by every instance of every plugin.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/host.h"
#include "util/util.h"

static const char *
subsys_of(const cp_plugin *self)
{
	return self != NULL && self->subsys != NULL ? self->subsys :
	    "plugin ?";
}

static void
host_log(cp_plugin *self, int level, const char *fmt, ...)
{
	va_list ap;

	if (self == NULL || self->env == NULL || fmt == NULL)
		return;
	va_start(ap, fmt);
	cp_log_vmsg(self->env->log, level, subsys_of(self), fmt, ap);
	va_end(ap);
}

static const char *
host_config_get(cp_plugin *self, const char *key)
{
	size_t i;

	if (self == NULL || key == NULL)
		return NULL;
	for (i = 0; i < self->def->n_keys; i++)
		if (strcmp(self->def->keys[i].key, key) == 0)
			return self->values[i];
	return NULL;
}

static long long
host_config_get_int(cp_plugin *self, const char *key)
{
	const char *v = host_config_get(self, key);
	long long n;

	if (v == NULL || cp_parse_ll(v, LLONG_MIN, LLONG_MAX, &n) != CP_OK)
		return 0;
	return n;
}

static int
host_config_get_bool(cp_plugin *self, const char *key)
{
	const char *v = host_config_get(self, key);
	int b;

	if (v == NULL || cp_parse_bool(v, &b) != CP_OK)
		return 0;
	return b;
}

static const char *
host_strerror(cp_err err)
{
	return cp_strerror(err);
}

static time_t
host_now(cp_plugin *self)
{
	if (self != NULL && self->env != NULL && self->env->clock != NULL)
		return self->env->clock(self->env->clock_ud);
	return time(NULL);
}

static int
host_cancelled(cp_plugin *self)
{
	if (self == NULL || self->env == NULL || self->env->cancel == NULL)
		return 0;
	return *self->env->cancel != 0;
}

/*
 * A secret file must be private to us (cp_file_check_private) and small.
 * The reason of a refusal names the path, never the content, and goes to
 * the log under the caller's name.
 */
static cp_err
host_secret_read_file(cp_plugin *self, const char *path, char **out)
{
	char why[512];
	char *buf = NULL;
	size_t len = 0;
	cp_err r;

	if (out == NULL)
		return CP_E_INVALID;
	*out = NULL;
	if (path == NULL || path[0] != '/') {
		host_log(self, CP_LOG_ERROR, "secret file %s: not an absolute "
		    "path", path != NULL ? path : "(null)");
		return CP_E_INVALID;
	}
	r = cp_file_check_private(path, why, sizeof(why));
	if (r != CP_OK) {
		host_log(self, CP_LOG_ERROR, "secret file %s", why);
		return r;
	}
	r = cp_file_read(path, CP_SECRET_MAX, &buf, &len);
	if (r != CP_OK) {
		host_log(self, CP_LOG_ERROR, "secret file %s: %s%s", path,
		    cp_strerror(r), r == CP_E_LIMIT ?
		    " (larger than 64 KiB)" : "");
		return r;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	*out = buf;
	return CP_OK;
}

static void
host_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	cp_memwipe(secret, strlen(secret));
	free(secret);
}

static cp_http *
host_http_new(cp_plugin *self)
{
	if (self == NULL || self->env == NULL || self->env->http == NULL)
		return NULL;
	return cp_http_create(self->env->http);
}

static void
host_http_free(cp_http *http)
{
	cp_http_destroy(http);
}

static json_t *
host_json_parse(const char *buf, size_t len, char *why, size_t why_size)
{
	return cp_json_parse(buf, len, why, why_size);
}

static json_t *
host_xml_parse(const char *buf, size_t len, char *why, size_t why_size)
{
	return cp_xml_parse(buf, len, why, why_size);
}

static const struct cp_host host_table_1_0 = {
	.struct_size = sizeof(struct cp_host),
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.reserved0 = 0,
	.log = host_log,
	.config_get = host_config_get,
	.config_get_int = host_config_get_int,
	.config_get_bool = host_config_get_bool,
	.strerror = host_strerror,
	.now = host_now,
	.cancelled = host_cancelled,
	.secret_read_file = host_secret_read_file,
	.secret_free = host_secret_free,
	.http_new = host_http_new,
	.http_free = host_http_free,
	.http_set_limits = cp_http_set_limits,
	.http_perform = cp_http_perform,
	.http_perform_many = cp_http_perform_many,
	.http_paginate = cp_http_paginate,
	.http_response_free = cp_http_response_free,
	.http_header = cp_http_response_header,
	.http_errmsg = cp_http_errmsg,
	.json_parse = host_json_parse,
	.xml_parse = host_xml_parse,
};

const struct cp_host *
cp_host_table(void)
{
	return &host_table_1_0;
}

cp_plugin *
cp_instance_create(const struct cp_host_env *env, const struct cp_pdef *def,
    const char *file, const char *instance)
{
	cp_plugin *p;
	struct cp_buf b;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->env = env;
	p->def = def;
	p->file = file;
	p->enabled = 1;
	cp_buf_init(&b, 256);
	if (cp_buf_printf(&b, "plugin %s%s%s", def->desc.name,
	    instance != NULL ? "/" : "", instance != NULL ? instance : "") !=
	    CP_OK)
		goto fail;
	p->subsys = cp_buf_steal(&b);
	if (instance != NULL) {
		p->instance = strdup(instance);
		if (p->instance == NULL)
			goto fail;
	}
	return p;
fail:
	cp_buf_free(&b);
	cp_instance_destroy(p);
	return NULL;
}

void
cp_instance_destroy(cp_plugin *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (p->initialised && p->def->desc.fini != NULL)
		p->def->desc.fini(p->ctx);
	for (i = 0; i < CP_PLUGIN_MAX_KEYS; i++) {
		if (p->values[i] == NULL)
			continue;
		if ((p->def->keys[i].flags & CP_CFG_SECRET) != 0)
			cp_memwipe(p->values[i], strlen(p->values[i]));
		free(p->values[i]);
	}
	free(p->problem);
	free(p->instance);
	free(p->subsys);
	free(p);
}

void
cp_instance_disable(cp_plugin *p, const char *fmt, ...)
{
	struct cp_buf b;
	va_list ap;

	p->enabled = 0;
	free(p->problem);
	cp_buf_init(&b, 1024);
	va_start(ap, fmt);
	cp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* Out of memory still leaves a problem to show. */
	p->problem = cp_buf_steal(&b);
	if (p->problem == NULL)
		p->problem = strdup("disabled");
}

cp_err
cp_instance_init(cp_plugin *p)
{
	void *ctx = NULL;
	cp_err r;

	if (!p->enabled || p->initialised)
		return CP_OK;
	if (p->def->desc.init != NULL) {
		r = p->def->desc.init(cp_host_table(), p, &ctx);
		if (r != CP_OK) {
			cp_instance_disable(p, "init failed: %s",
			    cp_strerror(r));
			cp_log_msg(p->env->log, CP_LOG_ERROR, p->subsys,
			    "init failed: %s; the instance is disabled",
			    cp_strerror(r));
			return r;
		}
	}
	p->ctx = ctx;
	p->initialised = 1;
	return CP_OK;
}
