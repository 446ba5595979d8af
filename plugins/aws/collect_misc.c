/*
 * collect_misc.c - the cost and resource-explorer collectors (global).
 *
 * cost: Cost Explorer's month-to-date UnblendedCost.  The period runs
 * from the first of this month to tomorrow (End is exclusive), so that
 * today counts and the first day of a month is never an empty period.
 * resource-explorer: the account's index (an aggregator when there is
 * one, else every local index) and the resources Search lists in it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"

#define CE_SERVICE "ce"
#define CE_REGION "us-east-1"		/* Cost Explorer's one endpoint */
#define CE_TARGET "AWSInsightsIndexService.GetCostAndUsage"
#define CE_CONTENT_TYPE "application/x-amz-json-1.1"
#define CE_METRIC "UnblendedCost"
#define CE_DAY 86400
#define CE_DATE_MAX 40		/* "YYYY-MM-DD" with room for any int */
#define CE_CURRENCY_MAX 16
#define RE_SERVICE "resource-explorer-2"
#define RE_INDEX_PAGE 100		/* MaxResults of ListIndexes */
#define RE_SEARCH_PAGE 1000		/* MaxResults of Search */
#define RE_TOKEN_MAX 8192		/* a NextToken we send back */
#define RE_NAME_MAX 512
#define RE_REGION_MAX 32
#define RE_INDEXES_MAX 64		/* regions with an index */


static void mc_why(struct aws_error *err, const char *fmt, ...)
    CP_PRINTF(2, 3);

static void
mc_why(struct aws_error *err, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* Replaces the NextToken-style member key of resp into *token. */
static cp_err
mc_next_token(const json_t *resp, const char *key, size_t max,
    char **token, struct aws_error *err)
{
	const char *t = json_string_value(json_object_get(resp, key));

	free(*token);
	*token = NULL;
	if (t == NULL || *t == '\0')
		return CP_OK;
	if (strlen(t) > max) {
		mc_why(err, "%s is too long", key);
		return CP_E_LIMIT;
	}
	*token = strdup(t);
	if (*token == NULL) {
		mc_why(err, "%s", "out of memory");
		return CP_E_NOMEM;
	}
	return CP_OK;
}

/* ---------------------------------------------------------------------
 * cost
 */

/* The GetCostAndUsage period for now: "YYYY-MM-01" to tomorrow. */
static int
mc_cost_period(time_t now, char *period, size_t psize, char *start,
    size_t ssize, char *end, size_t esize)
{
	struct tm tm;
	time_t tomorrow = now + CE_DAY;

	if (gmtime_r(&now, &tm) == NULL)
		return -1;
	snprintf(period, psize, "%04d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1);
	snprintf(start, ssize, "%04d-%02d-01", tm.tm_year + 1900,
	    tm.tm_mon + 1);
	if (gmtime_r(&tomorrow, &tm) == NULL)
		return -1;
	snprintf(end, esize, "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
	return 0;
}

/*
 * Adds the UnblendedCost totals of the results in resp that belong to
 * period to *sum; the first unit seen goes into unit.
 */
static cp_err
mc_cost_add(const json_t *resp, const char *period, double *sum,
    char *unit, size_t usize, int *seen, struct aws_error *err)
{
	const json_t *res, *total;
	const char *start, *amount, *u;
	char *endp;
	double d;
	size_t i;

	res = json_object_get(resp, "ResultsByTime");
	for (i = 0; i < json_array_size(res); i++) {
		start = json_string_value(json_object_get(json_object_get(
		    json_array_get(res, i), "TimePeriod"), "Start"));
		if (start != NULL && strncmp(start, period,
		    strlen(period)) != 0)
			continue;
		total = json_object_get(json_object_get(json_array_get(res,
		    i), "Total"), CE_METRIC);
		amount = json_string_value(json_object_get(total, "Amount"));
		u = json_string_value(json_object_get(total, "Unit"));
		if (amount == NULL)
			continue;
		errno = 0;
		d = strtod(amount, &endp);
		if (*amount == '\0' || *endp != '\0' || errno != 0 ||
		    !isfinite(d)) {
			mc_why(err, "UnblendedCost Amount \"%.40s\" is not a "
			    "number", amount);
			return CP_E_PARSE;
		}
		*sum += d;
		if (!*seen && u != NULL && *u != '\0') {
			if (strlen(u) >= usize) {
				mc_why(err, "Unit \"%.40s\" is too long", u);
				return CP_E_PARSE;
			}
			snprintf(unit, usize, "%s", u);
		}
		*seen = 1;
	}
	return CP_OK;
}

void
aws_collect_cost(struct aws_collect *k, struct aws_client *c)
{
	struct aws_call call;
	struct aws_error err;
	char period[CE_DATE_MAX], start[CE_DATE_MAX], end[CE_DATE_MAX];
	char unit[CE_CURRENCY_MAX] = "USD";
	json_t *req = NULL, *resp;
	char *body = NULL, *token = NULL;
	double sum = 0;
	int seen = 0;
	unsigned pages;
	cp_err r = CP_OK;

	if (mc_cost_period(k->now, period, sizeof(period), start,
	    sizeof(start), end, sizeof(end)) != 0) {
		mc_why(&err, "%s", "the clock is out of range");
		aws_collector_failed(k, "cost", NULL, "GetCostAndUsage",
		    CP_E_INVALID, &err);
		return;
	}
	for (pages = 0; pages < AWS_MAX_PAGES; pages++) {
		if (aws_stopping(k))
			goto out;
		req = json_pack("{s{ssss}sss[s]}", "TimePeriod", "Start",
		    start, "End", end, "Granularity", "MONTHLY", "Metrics",
		    CE_METRIC);
		if (req != NULL && token != NULL &&
		    json_object_set_new(req, "NextPageToken",
		    json_string(token)) != 0) {
			json_decref(req);
			req = NULL;
		}
		body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
		json_decref(req);
		if (body == NULL) {
			mc_why(&err, "%s", "out of memory");
			r = CP_E_NOMEM;
			break;
		}
		memset(&call, 0, sizeof(call));
		call.service = CE_SERVICE;
		call.region = CE_REGION;
		call.protocol = AWS_P_JSON;
		call.target = CE_TARGET;
		call.body = body;
		call.body_len = strlen(body);
		call.json_content_type = CE_CONTENT_TYPE;
		memset(&err, 0, sizeof(err));
		r = aws_call(c, &call, &resp, &err);
		free(body);
		body = NULL;
		if (r != CP_OK)
			break;
		r = mc_cost_add(resp, period, &sum, unit, sizeof(unit), &seen,
		    &err);
		if (r == CP_OK)
			r = mc_next_token(resp, "NextPageToken", RE_TOKEN_MAX,
			    &token, &err);
		json_decref(resp);
		if (r != CP_OK || token == NULL)
			break;
	}
	if (r == CP_OK && !seen) {
		mc_why(&err, "no %s total for the month", CE_METRIC);
		r = CP_E_PARSE;
	}
	if (r != CP_OK) {
		aws_collector_failed(k, "cost", NULL, "GetCostAndUsage", r,
		    &err);
		goto out;
	}
	(void)aws_emit_cost(k, period, sum, unit);
out:
	free(token);
}

/* ---------------------------------------------------------------------
 * resource-explorer
 */

/* One REST-JSON POST to Resource Explorer in region (NULL: home). */
static cp_err
re_post(struct aws_client *c, const char *region, const char *path,
    const json_t *req, json_t **out, struct aws_error *err)
{
	struct aws_call call;
	char *body;
	cp_err r;

	body = json_dumps(req, JSON_COMPACT);
	if (body == NULL) {
		mc_why(err, "%s", "out of memory");
		return CP_E_NOMEM;
	}
	memset(&call, 0, sizeof(call));
	call.service = RE_SERVICE;
	call.region = region;
	call.protocol = AWS_P_REST_JSON;
	call.method = "POST";
	call.path = path;
	call.body = body;
	call.body_len = strlen(body);
	memset(err, 0, sizeof(*err));
	r = aws_call(c, &call, out, err);
	free(body);
	return r;
}

/* Every index of the account (ListIndexes, paged) into a new array. */
static cp_err
re_indexes(struct aws_collect *k, struct aws_client *c, json_t **out,
    struct aws_error *err)
{
	json_t *all, *req, *resp, *list;
	char *token = NULL;
	unsigned pages;
	size_t i;
	cp_err r = CP_OK;

	all = json_array();
	if (all == NULL) {
		mc_why(err, "%s", "out of memory");
		return CP_E_NOMEM;
	}
	for (pages = 0; pages < AWS_MAX_PAGES; pages++) {
		if (aws_stopping(k))
			break;
		req = json_pack("{si}", "MaxResults", RE_INDEX_PAGE);
		if (req == NULL || (token != NULL && json_object_set_new(req,
		    "NextToken", json_string(token)) != 0)) {
			json_decref(req);
			mc_why(err, "%s", "out of memory");
			r = CP_E_NOMEM;
			break;
		}
		r = re_post(c, NULL, "/ListIndexes", req, &resp, err);
		json_decref(req);
		if (r != CP_OK)
			break;
		list = json_object_get(resp, "Indexes");
		for (i = 0; i < json_array_size(list) && r == CP_OK; i++)
			if (json_array_size(all) >= RE_INDEXES_MAX) {
				mc_why(err, "more than %d indexes",
				    RE_INDEXES_MAX);
				r = CP_E_LIMIT;
			} else if (json_array_append(all,
			    json_array_get(list, i)) != 0) {
				mc_why(err, "%s", "out of memory");
				r = CP_E_NOMEM;
			}
		if (r == CP_OK)
			r = mc_next_token(resp, "NextToken", RE_TOKEN_MAX,
			    &token, err);
		json_decref(resp);
		if (r != CP_OK || token == NULL)
			break;
	}
	free(token);
	if (r != CP_OK) {
		json_decref(all);
		return r;
	}
	*out = all;
	return CP_OK;
}

/* The name of a resource: what follows the ARN's last '/' or ':'. */
static void
re_name(const char *arn, char *buf, size_t size)
{
	const char *slash = strrchr(arn, '/'), *colon = strrchr(arn, ':');
	const char *s = arn;

	if (slash != NULL && slash[1] != '\0')
		s = slash + 1;
	else if (colon != NULL && colon[1] != '\0')
		s = colon + 1;
	snprintf(buf, size, "%s", s);
}

static void
re_resource(struct aws_collect *k, const json_t *res)
{
	char name[RE_NAME_MAX], iso[21];
	const char *arn, *region;
	json_t *o, *t;
	time_t when;

	arn = json_string_value(json_object_get(res, "Arn"));
	if (arn == NULL || *arn == '\0')
		return;
	region = json_string_value(json_object_get(res, "Region"));
	if (region == NULL || *region == '\0')
		region = "global";
	re_name(arn, name, sizeof(name));
	o = json_deep_copy(res);
	if (o == NULL)
		return;
	t = json_object_get(o, "LastReportedAt");
	/* Epoch seconds between 1970 and 9999: anything else stays as sent. */
	if (json_is_number(t) && json_number_value(t) >= 0 &&
	    json_number_value(t) < 253402300800.0) {
		when = (time_t)json_number_value(t);
		aws_iso8601(when, iso);
		if (json_object_set_new(o, "LastReportedAt",
		    json_string(iso)) != 0) {
			json_decref(o);
			return;
		}
	}
	(void)aws_emit(k, "aws/resource", arn, name, region, o);
	json_decref(o);
}

/* Every resource Search lists in region (its default view). */
static cp_err
re_search(struct aws_collect *k, struct aws_client *c, const char *region,
    struct aws_error *err)
{
	json_t *req, *resp, *list, *count;
	char *token = NULL;
	unsigned pages;
	size_t i;
	cp_err r = CP_OK;

	for (pages = 0; pages < AWS_MAX_PAGES; pages++) {
		if (aws_stopping(k))
			break;
		req = json_pack("{sssi}", "QueryString", "", "MaxResults",
		    RE_SEARCH_PAGE);
		if (req == NULL || (token != NULL && json_object_set_new(req,
		    "NextToken", json_string(token)) != 0)) {
			json_decref(req);
			mc_why(err, "%s", "out of memory");
			r = CP_E_NOMEM;
			break;
		}
		r = re_post(c, region, "/Search", req, &resp, err);
		json_decref(req);
		if (r != CP_OK)
			break;
		list = json_object_get(resp, "Resources");
		for (i = 0; i < json_array_size(list); i++)
			re_resource(k, json_array_get(list, i));
		count = json_object_get(resp, "Count");
		if (pages == 0 && json_is_false(json_object_get(count,
		    "Complete"))) {
			/* The list is cut: say so, so it is not read as
			 * the whole account. */
			struct aws_error cut;

			memset(&cut, 0, sizeof(cut));
			snprintf(cut.message, sizeof(cut.message), "Resource "
			    "Explorer returned only the first 1000 resources "
			    "of the index; the list is incomplete");
			aws_collector_failed(k, "resource-explorer", region,
			    "Search", CP_E_LIMIT, &cut);
		}
		r = mc_next_token(resp, "NextToken", RE_TOKEN_MAX, &token,
		    err);
		json_decref(resp);
		if (r != CP_OK || token == NULL)
			break;
	}
	free(token);
	return r;
}

static int
re_region_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n > 0 && n < RE_REGION_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

void
aws_collect_resource_explorer(struct aws_collect *k, struct aws_client *c)
{
	struct aws_error err;
	json_t *indexes = NULL, *ix, *agg = NULL, *status = NULL;
	const char *type, *region;
	char id[96];
	size_t i;
	int have_agg;
	cp_err r;

	r = re_indexes(k, c, &indexes, &err);
	if (r != CP_OK) {
		aws_collector_failed(k, "resource-explorer", NULL,
		    "ListIndexes", r, &err);
		return;
	}
	for (i = 0; i < json_array_size(indexes); i++) {
		ix = json_array_get(indexes, i);
		type = json_string_value(json_object_get(ix, "Type"));
		if (type != NULL && strcmp(type, "AGGREGATOR") == 0 &&
		    re_region_ok(json_string_value(json_object_get(ix,
		    "Region")))) {
			agg = ix;
			break;
		}
	}
	have_agg = agg != NULL;
	if (agg == NULL)
		agg = json_array_get(indexes, 0);	/* NULL when none */
	snprintf(id, sizeof(id), "arn:aws:resource-explorer-2::%s:status",
	    k->account);
	if (agg == NULL)
		status = json_pack("{sbsnsn}", "Enabled", 0, "IndexRegion",
		    "IndexType");
	else
		status = json_pack("{sbsOsO}", "Enabled", 1, "IndexRegion",
		    json_object_get(agg, "Region") != NULL ?
		    json_object_get(agg, "Region") : json_null(), "IndexType",
		    json_object_get(agg, "Type") != NULL ?
		    json_object_get(agg, "Type") : json_null());
	if (status == NULL) {
		mc_why(&err, "%s", "out of memory");
		aws_collector_failed(k, "resource-explorer", NULL,
		    "ListIndexes", CP_E_NOMEM, &err);
		goto out;
	}
	(void)aws_emit(k, "aws/resource-explorer", id, "resource-explorer",
	    "global", status);
	/*
	 * An aggregator index holds every region; without one, each
	 * region's local index holds its own.
	 */
	for (i = 0; i < json_array_size(indexes); i++) {
		ix = json_array_get(indexes, i);
		if (aws_stopping(k))
			break;
		if (have_agg && ix != agg)
			continue;
		region = json_string_value(json_object_get(ix, "Region"));
		if (!re_region_ok(region)) {
			aws_log(k->p, CP_LOG_WARNING, "account %s "
			    "ListIndexes: an index without a valid Region, "
			    "skipped", k->account);
			continue;
		}
		r = re_search(k, c, region, &err);
		if (r != CP_OK) {
			aws_collector_failed(k, "resource-explorer", region,
			    "Search", r, &err);
			break;
		}
	}
out:
	json_decref(status);
	json_decref(indexes);
}
