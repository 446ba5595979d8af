/*
 * sinknotify.c - a notifier plugin for tests: it carries destinations of
 * type mail, teams and slack by appending every message it is sent to
 * DIR/messages.jsonl, one line each:
 *
 *	{"dest": <the destination as given>, "message": <the message>}
 *
 * [plugin:sinknotify]
 * dir      = /abs/dir	where messages.jsonl and the marker files are
 * delay_ms = 0		a pause before each send (to be killed during it)
 *
 * Marker files in DIR steer its answers:
 *   failed, failed-NAME	send answers CP_SEND_FAILED (every destination,
 *				or destination NAME)
 *   retry, retry-NAME		send answers CP_SEND_RETRY
 *   refuse			check_destination refuses every destination
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cloudpatrol/plugin.h>

struct sink_ctx {
	const struct cp_host *host;
	cp_plugin *self;
	const char *dir;
	long long delay_ms;
};

static cp_err
sink_init(const struct cp_host *host, cp_plugin *self, void **ctx)
{
	struct sink_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return CP_E_NOMEM;
	c->host = host;
	c->self = self;
	c->dir = host->config_get(self, "dir");
	c->delay_ms = host->config_get_int(self, "delay_ms");
	if (c->dir == NULL) {
		free(c);
		return CP_E_CONFIG;
	}
	*ctx = c;
	return CP_OK;
}

static void
sink_fini(void *ctx)
{
	free(ctx);
}

/* Whether DIR/name or DIR/name-DEST exists. */
static int
marker(const struct sink_ctx *c, const char *name, const char *dest)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	if (stat(path, &st) == 0)
		return 1;
	if (dest == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s-%s", c->dir, name, dest);
	return stat(path, &st) == 0;
}

static cp_err
sink_check(void *ctx, const json_t *dest, char *why, size_t why_size)
{
	struct sink_ctx *c = ctx;
	const char *type = json_string_value(json_object_get(dest, "type"));
	const char *url;
	const json_t *to;

	if (marker(c, "refuse", NULL)) {
		snprintf(why, why_size, "the sink refuses destinations");
		return CP_E_INVALID;
	}
	if (type != NULL && strcmp(type, "slack") == 0) {
		url = json_string_value(json_object_get(dest, "webhook_url"));
		if (url == NULL || strncmp(url, "https://", 8) != 0) {
			snprintf(why, why_size, "a slack destination needs an "
			    "https webhook URL");
			return CP_E_INVALID;
		}
		return CP_OK;
	}
	to = json_object_get(dest, "to");
	if (!json_is_array(to) || json_array_size(to) == 0) {
		snprintf(why, why_size, "a %s destination needs addresses",
		    type != NULL ? type : "mail");
		return CP_E_INVALID;
	}
	return CP_OK;
}

/* Appends one line with one write(2), so a kill leaves whole lines. */
static int
append_line(const struct sink_ctx *c, const char *line)
{
	char path[4096];
	size_t len = strlen(line);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/messages.jsonl", c->dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	n = write(fd, line, len);
	if (close(fd) != 0 || n < 0 || (size_t)n != len)
		return -1;
	return 0;
}

static int
sink_send(void *ctx, const json_t *dest, const json_t *message, char *why,
    size_t why_size)
{
	struct sink_ctx *c = ctx;
	const char *name = json_string_value(json_object_get(dest, "name"));
	struct timespec ts;
	json_t *rec;
	char *text, *line;
	int rc;

	if (c->delay_ms > 0) {
		ts.tv_sec = (time_t)(c->delay_ms / 1000);
		ts.tv_nsec = (long)(c->delay_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	if (marker(c, "failed", name)) {
		snprintf(why, why_size, "the sink was told to fail");
		return CP_SEND_FAILED;
	}
	if (marker(c, "retry", name)) {
		snprintf(why, why_size, "the sink was told to retry");
		return CP_SEND_RETRY;
	}
	rec = json_pack("{s:O, s:O}", "dest", dest, "message", message);
	text = rec != NULL ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) :
	    NULL;
	json_decref(rec);
	line = text != NULL ? malloc(strlen(text) + 2) : NULL;
	if (line == NULL) {
		free(text);
		snprintf(why, why_size, "out of memory");
		return CP_SEND_RETRY;
	}
	memcpy(line, text, strlen(text));
	memcpy(line + strlen(text), "\n", 2);
	free(text);
	rc = append_line(c, line);
	free(line);
	if (rc != 0) {
		snprintf(why, why_size, "cannot write to %s", c->dir);
		return CP_SEND_RETRY;
	}
	return CP_SEND_OK;
}

static const struct cp_notifier_ops sink_mail = {
	.struct_size = sizeof(sink_mail),
	.dest_type = "mail",
	.check_destination = sink_check,
	.send = sink_send,
};

static const struct cp_notifier_ops sink_teams = {
	.struct_size = sizeof(sink_teams),
	.dest_type = "teams",
	.check_destination = sink_check,
	.send = sink_send,
};

static const struct cp_notifier_ops sink_slack = {
	.struct_size = sizeof(sink_slack),
	.dest_type = "slack",
	.check_destination = sink_check,
	.send = sink_send,
};

static const struct cp_capability sink_caps[] = {
	{ CP_CAP_NOTIFIER, sizeof(sink_mail), &sink_mail },
	{ CP_CAP_NOTIFIER, sizeof(sink_teams), &sink_teams },
	{ CP_CAP_NOTIFIER, sizeof(sink_slack), &sink_slack },
	{ CP_CAP_END, 0, NULL }
};

static const struct cp_config_key sink_config[] = {
	{ "dir", CP_CFG_PATH, CP_CFG_REQUIRED, NULL, 0, 0,
	    "where messages.jsonl and the marker files are" },
	{ "delay_ms", CP_CFG_INT, 0, "0", 0, 60000,
	    "milliseconds to wait before each send" },
	{ NULL, 0, 0, NULL, 0, 0, NULL }
};

static const struct cp_plugin_descriptor sink_desc = {
	.magic = CP_PLUGIN_MAGIC,
	.abi_major = CP_ABI_MAJOR,
	.abi_minor = CP_ABI_MINOR,
	.struct_size = sizeof(sink_desc),
	.name = "sinknotify",
	.version = "1.0.0",
	.description = "a notifier that writes messages to a file (tests)",
	.caps = sink_caps,
	.config = sink_config,
	.init = sink_init,
	.fini = sink_fini,
};

CP_PLUGIN_EXPORT const struct cp_plugin_descriptor *
cp_plugin_entry(uint32_t host_major, uint32_t host_minor)
{
	(void)host_minor;
	return host_major == CP_ABI_MAJOR ? &sink_desc : NULL;
}
