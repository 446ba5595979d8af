/*
 * collect_trail.c - the cloudtrail, cloudtrail-events and guardduty
 * collectors, each run once per region.
 *
 * cloudtrail: DescribeTrails without shadow trails, so that a trail is
 * met once, in its home region, with its GetTrailStatus.
 * cloudtrail-events: LookupEvents for ConsoleLogin and CreateUser in
 * [since, now), paced under LookupEvents' limit of two requests a second
 * per account and region.
 * guardduty: the region's detectors and their status.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"

#define CT_SERVICE "cloudtrail"
#define CT_TARGET "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
#define CT_TARGET_MAX 128
#define CT_CONTENT_TYPE "application/x-amz-json-1.1"
#define CT_EVENTS_PAGE 50		/* MaxResults of LookupEvents */
#define CT_LOOKUP_GAP_MS 550		/* between two LookupEvents: < 2/s */
#define CT_SLEEP_STEP_MS 100		/* cancellation checks while pacing */
#define CT_TOKEN_MAX 4096		/* a NextToken we send back */
#define CT_EVENT_JSON_MAX (256u * 1024)	/* one CloudTrailEvent string */
#define CT_API_MAX 160
#define GD_SERVICE "guardduty"
#define GD_PAGE "50"			/* maxResults of ListDetectors */
#define GD_PATH_MAX 256
#define GD_QUERY_MAX (CT_TOKEN_MAX * 3 + 64)
#define GD_DETECTOR_MAX 64		/* detector ids are 32 characters */

/* The events collected, and the type each becomes. */
static const char *const ct_event_names[] = { "ConsoleLogin", "CreateUser" };

/* Time members of GetTrailStatus sent as epoch seconds. */
static const char *const ct_status_times[] = { "LatestDeliveryTime",
	"LatestNotificationTime", "StartLoggingTime", "StopLoggingTime",
	"LatestCloudWatchLogsDeliveryTime", "LatestDigestDeliveryTime",
	NULL };

struct ct_pace {
	struct timespec last;		/* the previous LookupEvents */
	int started;
};


/* One CloudTrail JSON 1.1 call with body req (borrowed). */
static cp_err
ct_call(struct aws_client *c, const char *region, const char *op,
    const json_t *req, json_t **out, struct aws_error *err)
{
	struct aws_call call;
	char target[CT_TARGET_MAX];
	char *body;
	cp_err r;

	memset(err, 0, sizeof(*err));
	body = json_dumps(req, JSON_COMPACT);
	if (body == NULL) {
		aws_error_set(err, "out of memory");
		return CP_E_NOMEM;
	}
	snprintf(target, sizeof(target), "%s%s", CT_TARGET, op);
	memset(&call, 0, sizeof(call));
	call.service = CT_SERVICE;
	call.region = region;
	call.protocol = AWS_P_JSON;
	call.target = target;
	call.body = body;
	call.body_len = strlen(body);
	call.json_content_type = CT_CONTENT_TYPE;
	r = aws_call(c, &call, out, err);
	free(body);
	return r;
}

/*
 * A JSON timestamp (epoch seconds as JSON 1.1 sends them, or text) as
 * time_t; -1 when it is neither.
 */
static time_t
ct_time(const json_t *v)
{
	double d;

	if (json_is_number(v)) {
		d = json_number_value(v);
		if (!isfinite(d) || d < 0 || d > 253402300799.0)
			return -1;
		return (time_t)d;
	}
	if (json_is_string(v))
		return aws_parse_time(json_string_value(v));
	return -1;
}

/* Rewrites the epoch-second members names of o as ISO 8601 text. */
static int
ct_times_to_iso(json_t *o, const char *const *names)
{
	char iso[21];
	json_t *v;
	time_t t;

	for (; *names != NULL; names++) {
		v = json_object_get(o, *names);
		if (!json_is_number(v) || (t = ct_time(v)) < 0)
			continue;
		aws_iso8601(t, iso);
		if (json_object_set_new(o, *names, json_string(iso)) != 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * cloudtrail
 */

static cp_err
ct_trail(struct aws_collect *k, struct aws_client *c, const char *region,
    const json_t *trail, struct aws_error *err)
{
	json_t *o = NULL, *req = NULL, *status = NULL;
	const char *arn, *name, *home;
	cp_err r;

	arn = json_string_value(json_object_get(trail, "TrailARN"));
	name = json_string_value(json_object_get(trail, "Name"));
	home = json_string_value(json_object_get(trail, "HomeRegion"));
	if (arn == NULL || name == NULL) {
		aws_log(k->p, CP_LOG_WARNING, "account %s region %s "
		    "DescribeTrails: a trail without TrailARN or Name, "
		    "skipped", k->account, region);
		return CP_OK;
	}
	/* Shadow trails are excluded already; a stray one is too. */
	if (home != NULL && strcmp(home, region) != 0)
		return CP_OK;
	req = json_pack("{ss}", "Name", arn);
	if (req == NULL) {
		aws_error_set(err, "out of memory");
		return CP_E_NOMEM;
	}
	r = ct_call(c, region, "GetTrailStatus", req, &status, err);
	json_decref(req);
	if (r != CP_OK)
		return r;
	o = json_deep_copy(trail);
	if (o == NULL || !json_is_object(status) ||
	    ct_times_to_iso(status, ct_status_times) != 0 ||
	    json_object_set(o, "Status", status) != 0) {
		json_decref(o);
		json_decref(status);
		aws_error_set(err, "out of memory");
		return CP_E_NOMEM;
	}
	(void)aws_emit(k, "aws/cloudtrail-trail", arn, name, region, o);
	json_decref(o);
	json_decref(status);
	return CP_OK;
}

void
aws_collect_cloudtrail(struct aws_collect *k, struct aws_client *c,
    const char *region)
{
	struct aws_error err;
	json_t *req, *resp = NULL, *trails;
	const char *api = "DescribeTrails";
	size_t i;
	cp_err r;

	req = json_pack("{sb}", "includeShadowTrails", 0);
	if (req == NULL) {
		aws_error_set(&err, "out of memory");
		aws_collector_failed(k, "cloudtrail", region, api, CP_E_NOMEM,
		    &err);
		return;
	}
	r = ct_call(c, region, "DescribeTrails", req, &resp, &err);
	json_decref(req);
	if (r != CP_OK) {
		aws_collector_failed(k, "cloudtrail", region, api, r, &err);
		return;
	}
	trails = json_object_get(resp, "trailList");
	api = "GetTrailStatus";
	for (i = 0; i < json_array_size(trails); i++) {
		if (aws_stopping(k))
			break;
		r = ct_trail(k, c, region, json_array_get(trails, i), &err);
		if (r != CP_OK) {
			aws_collector_failed(k, "cloudtrail", region, api, r,
			    &err);
			break;
		}
	}
	json_decref(resp);
}

/* ---------------------------------------------------------------------
 * cloudtrail-events
 */

static long long
ct_ms_since(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Waits until CT_LOOKUP_GAP_MS passed since the previous call. */
static int
ct_pace_wait(struct aws_collect *k, struct ct_pace *pace)
{
	struct timespec now, ts;
	long long gone;

	for (;;) {
		if (aws_stopping(k))
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!pace->started)
			break;
		gone = ct_ms_since(&pace->last, &now);
		if (gone >= CT_LOOKUP_GAP_MS)
			break;
		gone = CT_LOOKUP_GAP_MS - gone;
		if (gone > CT_SLEEP_STEP_MS)
			gone = CT_SLEEP_STEP_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)gone * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	pace->last = now;
	pace->started = 1;
	return 0;
}

/*
 * One event: CloudTrailEvent parsed into an object (kept as text when it
 * is not JSON), EventTime as ISO 8601; events outside [since, now) are
 * left to the collection that owns them.
 */
static void
ct_event(struct aws_collect *k, const char *region, const char *type,
    const json_t *ev)
{
	const struct cp_host *host = k->p->host;
	json_t *o, *parsed;
	const char *id, *text;
	char iso[21], why[256];
	time_t t;

	id = json_string_value(json_object_get(ev, "EventId"));
	t = ct_time(json_object_get(ev, "EventTime"));
	if (id == NULL || *id == '\0' || t < 0) {
		aws_log(k->p, CP_LOG_WARNING, "account %s region %s "
		    "LookupEvents: an event without EventId or EventTime, "
		    "skipped", k->account, region);
		return;
	}
	if (t < k->since || t >= k->now)
		return;
	aws_iso8601(t, iso);
	o = json_deep_copy(ev);
	if (o == NULL || json_object_set_new(o, "EventTime",
	    json_string(iso)) != 0)
		goto nomem;
	text = json_string_value(json_object_get(ev, "CloudTrailEvent"));
	if (text != NULL) {
		parsed = NULL;
		why[0] = '\0';
		if (strlen(text) <= CT_EVENT_JSON_MAX)
			parsed = host->json_parse(text, strlen(text), why,
			    sizeof(why));
		else
			snprintf(why, sizeof(why), "longer than %u bytes",
			    CT_EVENT_JSON_MAX);
		if (json_is_object(parsed)) {
			if (json_object_set_new(o, "CloudTrailEvent",
			    parsed) != 0)
				goto nomem;
		} else {
			json_decref(parsed);
			aws_log(k->p, CP_LOG_WARNING, "account %s region %s "
			    "LookupEvents: event %s: CloudTrailEvent is not "
			    "a JSON object (%s); kept as text", k->account,
			    region, id, why[0] != '\0' ? why : "not an object");
		}
	}
	(void)aws_emit_event(k, type, iso, id, o);
	json_decref(o);
	return;
nomem:
	json_decref(o);
	aws_log(k->p, CP_LOG_ERROR, "account %s region %s LookupEvents: out "
	    "of memory for event %s", k->account, region, id);
}

/* Every page of one event name in [since, now]. */
static cp_err
ct_lookup(struct aws_collect *k, struct aws_client *c, const char *region,
    const char *name, struct ct_pace *pace, struct aws_error *err)
{
	char type[64];
	json_t *req = NULL, *resp, *events, *next;
	char *token = NULL;
	const char *t;
	unsigned pages;
	size_t i;
	cp_err r = CP_OK;

	snprintf(type, sizeof(type), "aws/%s", name);
	for (pages = 0; pages < AWS_MAX_PAGES; pages++) {
		if (ct_pace_wait(k, pace) != 0)
			break;
		req = json_pack("{s[{ssss}]sIsIsi}", "LookupAttributes",
		    "AttributeKey", "EventName", "AttributeValue", name,
		    "StartTime", (json_int_t)k->since,
		    "EndTime", (json_int_t)k->now,
		    "MaxResults", CT_EVENTS_PAGE);
		if (req == NULL || (token != NULL && json_object_set_new(req,
		    "NextToken", json_string(token)) != 0)) {
			aws_error_set(err, "out of memory");
			r = CP_E_NOMEM;
			break;
		}
		r = ct_call(c, region, "LookupEvents", req, &resp, err);
		json_decref(req);
		req = NULL;
		if (r != CP_OK)
			break;
		events = json_object_get(resp, "Events");
		for (i = 0; i < json_array_size(events); i++)
			ct_event(k, region, type, json_array_get(events, i));
		free(token);
		token = NULL;
		next = json_object_get(resp, "NextToken");
		t = json_string_value(next);
		if (t != NULL && *t != '\0') {
			if (strlen(t) > CT_TOKEN_MAX) {
				memset(err, 0, sizeof(*err));
				snprintf(err->message, sizeof(err->message),
				    "NextToken longer than %d bytes",
				    CT_TOKEN_MAX);
				r = CP_E_LIMIT;
			} else if ((token = strdup(t)) == NULL) {
				aws_error_set(err, "out of memory");
				r = CP_E_NOMEM;
			}
		}
		json_decref(resp);
		if (r != CP_OK || token == NULL)
			break;
	}
	json_decref(req);
	free(token);
	return r;
}

void
aws_collect_events(struct aws_collect *k, struct aws_client *c,
    const char *region)
{
	struct ct_pace pace;
	struct aws_error err;
	char api[CT_API_MAX];
	size_t i;
	cp_err r;

	if (k->now <= k->since)
		return;
	memset(&pace, 0, sizeof(pace));
	for (i = 0; i < sizeof(ct_event_names) / sizeof(ct_event_names[0]);
	    i++) {
		r = ct_lookup(k, c, region, ct_event_names[i], &pace, &err);
		if (r != CP_OK) {
			snprintf(api, sizeof(api), "LookupEvents(%s)",
			    ct_event_names[i]);
			aws_collector_failed(k, "cloudtrail-events", region,
			    api, r, &err);
			return;
		}
	}
}

/* ---------------------------------------------------------------------
 * guardduty
 */

static cp_err
gd_get(struct aws_client *c, const char *region, const char *path,
    const char *query, json_t **out, struct aws_error *err)
{
	struct aws_call call;

	memset(err, 0, sizeof(*err));
	memset(&call, 0, sizeof(call));
	call.service = GD_SERVICE;
	call.region = region;
	call.protocol = AWS_P_REST_JSON;
	call.method = "GET";
	call.path = path;
	call.query = query;
	return aws_call(c, &call, out, err);
}

static int
gd_id_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < GD_DETECTOR_MAX &&
	    strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

/* GetDetector for id, appended to detectors as {DetectorId, Status…}. */
static cp_err
gd_detector(struct aws_client *c, const char *region, const char *id,
    json_t *detectors, struct aws_error *err)
{
	char path[GD_PATH_MAX];
	json_t *d, *o, *freq;
	cp_err r;

	snprintf(path, sizeof(path), "/detector/%s", id);
	r = gd_get(c, region, path, NULL, &d, err);
	if (r != CP_OK)
		return r;
	freq = json_object_get(d, "findingPublishingFrequency");
	o = json_pack("{ssso}", "DetectorId", id, "Status",
	    json_is_string(json_object_get(d, "status")) ?
	    json_incref(json_object_get(d, "status")) : json_null());
	if (o != NULL && json_is_string(freq) &&
	    json_object_set(o, "FindingPublishingFrequency", freq) != 0) {
		json_decref(o);
		o = NULL;
	}
	json_decref(d);
	if (o == NULL || json_array_append_new(detectors, o) != 0) {
		aws_error_set(err, "out of memory");
		return CP_E_NOMEM;
	}
	return CP_OK;
}

void
aws_collect_guardduty(struct aws_collect *k, struct aws_client *c,
    const char *region)
{
	struct aws_error err;
	char query[GD_QUERY_MAX], arn[160];
	json_t *detectors, *resp, *ids, *o;
	const char *api = "ListDetectors", *id, *t;
	char *token = NULL, *enc;
	unsigned pages;
	size_t i;
	cp_err r = CP_OK;

	detectors = json_array();
	if (detectors == NULL) {
		aws_error_set(&err, "out of memory");
		aws_collector_failed(k, "guardduty", region, api, CP_E_NOMEM,
		    &err);
		return;
	}
	for (pages = 0; pages < AWS_MAX_PAGES && r == CP_OK; pages++) {
		if (aws_stopping(k))
			goto out;
		if (token == NULL)
			snprintf(query, sizeof(query), "maxResults=%s",
			    GD_PAGE);
		else {
			enc = aws_uri_encode(token, strlen(token), 0);
			if (enc == NULL) {
				aws_error_set(&err, "out of memory");
				r = CP_E_NOMEM;
				break;
			}
			snprintf(query, sizeof(query),
			    "maxResults=%s&nextToken=%s", GD_PAGE, enc);
			free(enc);
		}
		api = "ListDetectors";
		r = gd_get(c, region, "/detector", query, &resp, &err);
		if (r != CP_OK)
			break;
		ids = json_object_get(resp, "detectorIds");
		api = "GetDetector";
		for (i = 0; i < json_array_size(ids) && r == CP_OK; i++) {
			id = json_string_value(json_array_get(ids, i));
			if (id == NULL || !gd_id_ok(id)) {
				aws_log(k->p, CP_LOG_WARNING, "account %s "
				    "region %s ListDetectors: an invalid "
				    "detector id, skipped", k->account,
				    region);
				continue;
			}
			r = gd_detector(c, region, id, detectors, &err);
		}
		free(token);
		token = NULL;
		t = json_string_value(json_object_get(resp, "nextToken"));
		if (r == CP_OK && t != NULL && *t != '\0') {
			if (strlen(t) > CT_TOKEN_MAX) {
				memset(&err, 0, sizeof(err));
				snprintf(err.message, sizeof(err.message),
				    "nextToken longer than %d bytes",
				    CT_TOKEN_MAX);
				r = CP_E_LIMIT;
			} else if ((token = strdup(t)) == NULL) {
				aws_error_set(&err, "out of memory");
				r = CP_E_NOMEM;
			}
		}
		json_decref(resp);
		if (token == NULL)
			break;
	}
	if (r != CP_OK) {
		aws_collector_failed(k, "guardduty", region, api, r, &err);
		goto out;
	}
	o = json_pack("{sssO}", "Region", region, "Detectors", detectors);
	snprintf(arn, sizeof(arn), "arn:aws:guardduty:%s:%s:region", region,
	    k->account);
	if (o != NULL)
		(void)aws_emit(k, "aws/guardduty-region", arn, region, region,
		    o);
	else
		aws_log(k->p, CP_LOG_ERROR, "account %s region %s guardduty: "
		    "out of memory", k->account, region);
	json_decref(o);
out:
	free(token);
	json_decref(detectors);
}
