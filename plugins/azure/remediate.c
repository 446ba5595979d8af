/*
 * remediate.c - remediate(): set an NSG inbound rule that lets every
 * address in to Deny, or deallocate a virtual machine.
 *
 * Each action first asks the permissions API whether the principal may
 * make that change in the subscription: a Reader subscription (or one
 * whose role was taken away since `env sync`) is refused before any
 * change is sent.  The core does not even call us for a unit registered
 * read-only; this check covers a role changed since.
 *
 * Then the target is looked up again (the finding may be hours old): a
 * rule that no longer lets every address in, or is already Deny, or a VM
 * already deallocated, is left alone.  The change is ARM's own call (PUT
 * of the rule with access Deny and the etag it was read with; POST
 * .../deallocate), followed through Azure-AsyncOperation or Location to
 * its end within RM_WAIT_MAX seconds, and the target is read once more
 * for "after".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azure.h"

#define RM_DENY "deny-inbound-rule"
#define RM_DEALLOCATE "deallocate-vm"
#define RM_NET_VERSION "2023-09-01"
#define RM_VM_VERSION "2024-03-01"
#define RM_PERM_VERSION "2022-04-01"
#define RM_TEXT_MAX 512
/* Following an asynchronous operation: at most this long, and this many
 * polls; Retry-After is honoured up to RM_DELAY_MAX seconds, and
 * RM_DELAY_DEFAULT is waited when it is not given. */
#define RM_WAIT_MAX 600
#define RM_POLLS_MAX 120
#define RM_DELAY_MAX 60
#define RM_DELAY_DEFAULT 5

#define RM_RULE_WRITE \
	"Microsoft.Network/networkSecurityGroups/securityRules/write"
#define RM_VM_DEALLOCATE "Microsoft.Compute/virtualMachines/deallocate/action"

static cp_err rm_fail(json_t *res, cp_err r, const char *fmt, ...)
    CP_PRINTF(3, 4);

/* Sets res.error to a sentence; returns r. */
static cp_err
rm_fail(json_t *res, cp_err r, const char *fmt, ...)
{
	char buf[RM_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_set_new(res, "error", json_string(buf));
	return r;
}

static cp_err
rm_set(json_t *res, const char *key, const char *text)
{
	return json_object_set_new(res, key, json_string(text)) == 0 ?
	    CP_OK : CP_E_NOMEM;
}

/* What ARM (or the transport) said, as "code: message". */
static void
rm_said(const struct azure_plugin *p, cp_err r, const struct az_error *err,
    char *buf, size_t n)
{
	if (err->code[0] != '\0' && err->message[0] != '\0')
		snprintf(buf, n, "%s: %.300s", err->code, err->message);
	else if (err->code[0] != '\0')
		snprintf(buf, n, "%s", err->code);
	else if (err->message[0] != '\0')
		snprintf(buf, n, "%.300s", err->message);
	else
		snprintf(buf, n, "%s", p->host->strerror(r));
}

/* ------------------------------------------------------------ targets */

/* What a resource id names. */
struct rm_target {
	char sub[AZ_ID_MAX];
	char group[96];			/* the NSG or the VM */
	char name[96];			/* the rule; "" for a VM */
	int default_rule;		/* .../defaultSecurityRules/... */
};

/* Copies segment [s, s+n) into dst when it fits and is not empty. */
static int
rm_seg(const char *s, size_t n, char *dst, size_t size)
{
	if (n == 0 || n >= size)
		return 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 1;
}

/*
 * Parses /subscriptions/S/resourceGroups/G/providers/PROVIDER/KIND/N
 * [/CHILD/M] (segment names compared without case, as ARM does).  kind is
 * "Microsoft.Network/networkSecurityGroups" or
 * "Microsoft.Compute/virtualMachines"; with a rule, child is
 * securityRules or defaultSecurityRules.
 */
static int
rm_parse(const char *id, int want_rule, struct rm_target *t)
{
	const char *seg[12];
	size_t len[12], n = 0;
	const char *s;

	memset(t, 0, sizeof(*t));
	if (!az_arm_id_ok(id))
		return 0;
	for (s = id + 1; n < 12; n++) {
		const char *e = strchr(s, '/');

		seg[n] = s;
		len[n] = e != NULL ? (size_t)(e - s) : strlen(s);
		if (len[n] == 0)
			return 0;
		if (e == NULL) {
			n++;
			break;
		}
		s = e + 1;
	}
	if (n != (want_rule ? 10u : 8u) || s[len[n - 1]] != '\0')
		return 0;
#define SEG(i, lit) (len[i] == sizeof(lit) - 1 && \
	strncasecmp(seg[i], lit, len[i]) == 0)
	if (!SEG(0, "subscriptions") || !SEG(2, "resourceGroups") ||
	    !SEG(4, "providers"))
		return 0;
	if (want_rule) {
		if (!SEG(5, "Microsoft.Network") ||
		    !SEG(6, "networkSecurityGroups"))
			return 0;
		if (SEG(8, "defaultSecurityRules"))
			t->default_rule = 1;
		else if (!SEG(8, "securityRules"))
			return 0;
		if (!rm_seg(seg[9], len[9], t->name, sizeof(t->name)))
			return 0;
	} else if (!SEG(5, "Microsoft.Compute") ||
	    !SEG(6, "virtualMachines")) {
		return 0;
	}
#undef SEG
	return rm_seg(seg[1], len[1], t->sub, sizeof(t->sub)) &&
	    rm_seg(seg[7], len[7], t->group, sizeof(t->group));
}

/* ------------------------------------------------------------ calls */

/*
 * Whether the principal may perform action in the subscription: CP_OK,
 * CP_E_PERM (with res.error saying so), or the failure of the call.
 */
static cp_err
rm_allowed(struct az_client *c, const struct rm_target *t,
    const char *action, json_t *res)
{
	struct azure_plugin *p = c->s->p;
	struct az_error err;
	char path[256], said[RM_TEXT_MAX];
	json_t *perms = NULL;
	int ok;
	cp_err r;

	snprintf(path, sizeof(path), "/subscriptions/%s/providers/"
	    "Microsoft.Authorization/permissions?api-version="
	    RM_PERM_VERSION, t->sub);
	r = az_get(c, AZ_ARM, path, &perms, &err);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		return rm_fail(res, r, "tenant %s subscription %s: could not "
		    "ask what the service principal may do "
		    "(Microsoft.Authorization/permissions): %s; nothing was "
		    "changed", c->s->tenant, t->sub, said);
	}
	ok = az_permissions_allow(perms, action);
	json_decref(perms);
	if (!ok)
		return rm_fail(res, CP_E_PERM, "tenant %s subscription %s is "
		    "read-only for this service principal (it may not %s; "
		    "Reader): nothing was changed", c->s->tenant, t->sub,
		    action);
	return CP_OK;
}

static void
rm_sleep(struct azure_plugin *p, long seconds)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long i;

	for (i = 0; i < seconds * 10 && !p->host->cancelled(p->self); i++)
		nanosleep(&ts, NULL);
}

/*
 * Follows an asynchronous operation to its end: through
 * Azure-AsyncOperation when given (its "status"), else through Location
 * while it answers 202.  what names the call for messages.
 */
static cp_err
rm_wait(struct az_client *c, const struct az_reply *first, const char *what,
    json_t *res)
{
	struct azure_plugin *p = c->s->p;
	const char *url, *status;
	const json_t *e;
	struct az_reply rep;
	struct az_error err;
	long delay = first->retry_after, waited = 0;
	char said[RM_TEXT_MAX], *own = NULL;
	int polls;
	cp_err r;

	if (first->async_op != NULL)
		url = first->async_op;
	else if (first->status == 202 && first->location != NULL)
		url = first->location;
	else
		return CP_OK;
	if ((own = strdup(url)) == NULL)
		return CP_E_NOMEM;
	for (polls = 0; polls < RM_POLLS_MAX; polls++) {
		if (delay < 0)
			delay = RM_DELAY_DEFAULT;
		if (delay > RM_DELAY_MAX)
			delay = RM_DELAY_MAX;
		if (waited + delay > RM_WAIT_MAX)
			break;
		rm_sleep(p, delay);
		waited += delay;
		if (p->host->cancelled(p->self)) {
			free(own);
			return rm_fail(res, CP_E_CANCELLED, "%s: cancelled "
			    "while waiting for it to finish", what);
		}
		r = az_send(c, AZ_ARM, "GET", own, NULL, NULL, &rep, &err);
		if (r != CP_OK) {
			free(own);
			rm_said(p, r, &err, said, sizeof(said));
			return rm_fail(res, r, "%s: following the operation "
			    "failed: %s", what, said);
		}
		delay = rep.retry_after;
		if (first->async_op != NULL) {
			status = az_str(rep.body, "status");
			if (status == NULL || strcmp(status, "InProgress") ==
			    0) {
				az_reply_free(&rep);
				continue;
			}
			if (strcmp(status, "Succeeded") == 0) {
				az_reply_free(&rep);
				free(own);
				return CP_OK;
			}
			e = json_object_get(rep.body, "error");
			r = rm_fail(res, CP_E_FAILED, "%s ended %.32s: %.64s "
			    "%.300s", what, status, az_str(e, "code") != NULL ?
			    az_str(e, "code") : "", az_str(e, "message") !=
			    NULL ? az_str(e, "message") : "");
			az_reply_free(&rep);
			free(own);
			return r;
		}
		if (rep.status != 202) {
			az_reply_free(&rep);
			free(own);
			return CP_OK;
		}
		az_reply_free(&rep);
	}
	free(own);
	return rm_fail(res, CP_E_RETRY_LATER, "%s did not finish within %d "
	    "seconds; look it up before trying again", what, RM_WAIT_MAX);
}

/* ------------------------------------------------------------ rules */

/* Whether prefix is every address, as AZ-E001..E003 judge it. */
static int
rm_any(const char *prefix)
{
	size_t n;

	if (prefix == NULL)
		return 0;
	if (strcmp(prefix, "*") == 0 || strcasecmp(prefix, "Internet") == 0 ||
	    strcasecmp(prefix, "Any") == 0)
		return 1;
	n = strlen(prefix);
	return n > 2 && strcmp(prefix + n - 2, "/0") == 0;
}

/* The first of a rule's single member or list member, joined. */
static void
rm_joined(const json_t *props, const char *one, const char *many, char *buf,
    size_t n)
{
	const char *v = az_str(props, one);
	const json_t *e;
	size_t i, len = 0;

	buf[0] = '\0';
	if (v != NULL && *v != '\0') {
		snprintf(buf, n, "%.100s", v);
		return;
	}
	json_array_foreach(json_object_get(props, many), i, e) {
		if (!json_is_string(e) || len + 2 >= n)
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s%.60s",
		    len > 0 ? "," : "", json_string_value(e));
		if (len >= n)
			len = n - 1;
	}
	if (buf[0] == '\0')
		snprintf(buf, n, "?");
}

/* Whether any source of the rule is every address. */
static int
rm_from_any(const json_t *props)
{
	const json_t *e;
	size_t i;

	if (rm_any(az_str(props, "sourceAddressPrefix")))
		return 1;
	json_array_foreach(json_object_get(props, "sourceAddressPrefixes"), i,
	    e)
		if (rm_any(json_string_value(e)))
			return 1;
	return 0;
}

/* "nsg/rule: Allow Inbound Tcp 22 from * (priority 110)". */
static void
rm_describe(const struct rm_target *t, const json_t *props, char *buf,
    size_t n)
{
	char ports[160], src[160];
	json_int_t prio = json_integer_value(json_object_get(props,
	    "priority"));

	rm_joined(props, "destinationPortRange", "destinationPortRanges",
	    ports, sizeof(ports));
	rm_joined(props, "sourceAddressPrefix", "sourceAddressPrefixes", src,
	    sizeof(src));
	snprintf(buf, n, "%s/%s: %.16s %.16s %.16s %.100s from %.100s "
	    "(priority %lld)", t->group, t->name,
	    az_str(props, "access") ? az_str(props, "access") : "?",
	    az_str(props, "direction") ? az_str(props, "direction") : "?",
	    az_str(props, "protocol") ? az_str(props, "protocol") : "?",
	    ports, src, (long long)prio);
}

/* GET the rule: *out is the rule object. */
static cp_err
rm_rule_get(struct az_client *c, const char *id, json_t **out,
    struct az_error *err)
{
	char path[AZ_URL_MAX];

	snprintf(path, sizeof(path), "%s?api-version=" RM_NET_VERSION, id);
	return az_get(c, AZ_ARM, path, out, err);
}

static cp_err
rm_deny_rule(struct az_client *c, const char *id, const struct rm_target *t,
    int dry_run, json_t *res)
{
	struct azure_plugin *p = c->s->p;
	char text[RM_TEXT_MAX], said[RM_TEXT_MAX], path[AZ_URL_MAX];
	char what[RM_TEXT_MAX];
	const json_t *props;
	json_t *rule = NULL, *body = NULL, *nprops, *after = NULL;
	struct az_reply rep;
	struct az_error err;
	const char *access;
	cp_err r;

	memset(&rep, 0, sizeof(rep));
	r = rm_allowed(c, t, RM_RULE_WRITE, res);
	if (r != CP_OK)
		return r;
	r = rm_rule_get(c, id, &rule, &err);
	if (r == CP_E_NOTFOUND)
		return rm_fail(res, r, "rule %s of %s no longer exists",
		    t->name, t->group);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		return rm_fail(res, r, "could not look rule %s of %s up: %s",
		    t->name, t->group, said);
	}
	props = json_object_get(rule, "properties");
	if (!json_is_object(props)) {
		r = rm_fail(res, CP_E_PARSE, "rule %s of %s came without its "
		    "properties", t->name, t->group);
		goto out;
	}
	rm_describe(t, props, text, sizeof(text));
	if ((r = rm_set(res, "before", text)) != CP_OK)
		goto out;
	access = az_str(props, "access");
	if (az_str(props, "direction") == NULL ||
	    strcmp(az_str(props, "direction"), "Inbound") != 0) {
		r = rm_fail(res, CP_E_INVALID, "%s/%s is not an inbound rule; "
		    "only inbound rules are set to Deny", t->group, t->name);
		goto out;
	}
	if (access != NULL && strcmp(access, "Deny") == 0) {
		r = rm_set(res, "after", "unchanged: already Deny");
		goto out;
	}
	if (!rm_from_any(props)) {
		r = rm_fail(res, CP_E_FAILED, "%s/%s no longer lets every "
		    "address in; nothing was changed", t->group, t->name);
		if (rm_set(res, "after", "unchanged") != CP_OK)
			r = CP_E_NOMEM;
		goto out;
	}
	if (dry_run) {
		if ((r = rm_set(res, "after", "unchanged (dry run)")) ==
		    CP_OK)
			r = rm_set(res, "would_be", "access Deny");
		goto out;
	}
	/* The rule is written whole: its properties as read, Deny. */
	nprops = json_deep_copy(props);
	body = json_object();
	if (nprops == NULL || body == NULL ||
	    json_object_set_new(body, "properties", nprops) != 0) {
		json_decref(body);
		body = NULL;
		r = CP_E_NOMEM;
		goto out;
	}
	json_object_del(nprops, "provisioningState");
	if (json_object_set_new(nprops, "access", json_string("Deny")) != 0) {
		r = CP_E_NOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s?api-version=" RM_NET_VERSION, id);
	snprintf(what, sizeof(what), "setting %s/%s to Deny", t->group,
	    t->name);
	r = az_send(c, AZ_ARM, "PUT", path, body, az_str(rule, "etag"), &rep,
	    &err);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		if (rm_set(res, "after", "unchanged") != CP_OK)
			r = CP_E_NOMEM;
		else
			r = rm_fail(res, r, "%s failed: %s", what, said);
		goto out;
	}
	r = rm_wait(c, &rep, what, res);
	if (r != CP_OK)
		goto out;
	r = rm_rule_get(c, id, &after, &err);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		if (rm_set(res, "after", "unknown") != CP_OK)
			r = CP_E_NOMEM;
		else
			r = rm_fail(res, r, "%s: reading the rule back "
			    "failed: %s", what, said);
		goto out;
	}
	props = json_object_get(after, "properties");
	rm_describe(t, props, text, sizeof(text));
	if ((r = rm_set(res, "after", text)) != CP_OK)
		goto out;
	access = az_str(props, "access");
	if (access == NULL || strcmp(access, "Deny") != 0) {
		r = rm_fail(res, CP_E_FAILED, "%s: the rule still reads %s",
		    what, access != NULL ? access : "?");
		goto out;
	}
	az_log(p, CP_LOG_INFO, "tenant %s subscription %s: %s", c->s->tenant,
	    t->sub, text);
out:
	az_reply_free(&rep);
	json_decref(after);
	json_decref(body);
	json_decref(rule);
	return r;
}

/* ------------------------------------------------------------ VMs */

/* The code of the VM's power state ("PowerState/running"), or NULL. */
static const char *
rm_power(const json_t *view)
{
	const json_t *st;
	const char *code;
	size_t i;

	json_array_foreach(json_object_get(view, "statuses"), i, st) {
		code = az_str(st, "code");
		if (code != NULL && strncmp(code, "PowerState/", 11) == 0)
			return code;
	}
	return NULL;
}

static cp_err
rm_view(struct az_client *c, const char *id, json_t **out,
    struct az_error *err)
{
	char path[AZ_URL_MAX];

	snprintf(path, sizeof(path), "%s/instanceView?api-version="
	    RM_VM_VERSION, id);
	return az_get(c, AZ_ARM, path, out, err);
}

static cp_err
rm_deallocate(struct az_client *c, const char *id,
    const struct rm_target *t, int dry_run, json_t *res)
{
	struct azure_plugin *p = c->s->p;
	char text[RM_TEXT_MAX], said[RM_TEXT_MAX], path[AZ_URL_MAX];
	char what[RM_TEXT_MAX];
	json_t *view = NULL, *after = NULL;
	struct az_reply rep;
	struct az_error err;
	const char *power;
	cp_err r;

	memset(&rep, 0, sizeof(rep));
	r = rm_allowed(c, t, RM_VM_DEALLOCATE, res);
	if (r != CP_OK)
		return r;
	r = rm_view(c, id, &view, &err);
	if (r == CP_E_NOTFOUND)
		return rm_fail(res, r, "virtual machine %s no longer exists",
		    t->group);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		return rm_fail(res, r, "could not look virtual machine %s up: "
		    "%s", t->group, said);
	}
	power = rm_power(view);
	snprintf(text, sizeof(text), "%s: %s", t->group,
	    power != NULL ? power : "PowerState/unknown");
	if ((r = rm_set(res, "before", text)) != CP_OK)
		goto out;
	if (power != NULL && strcmp(power, "PowerState/deallocated") == 0) {
		r = rm_set(res, "after", "unchanged: already deallocated");
		goto out;
	}
	if (dry_run) {
		if ((r = rm_set(res, "after", "unchanged (dry run)")) ==
		    CP_OK)
			r = rm_set(res, "would_be", "PowerState/deallocated");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/deallocate?api-version="
	    RM_VM_VERSION, id);
	snprintf(what, sizeof(what), "deallocating %s", t->group);
	r = az_send(c, AZ_ARM, "POST", path, NULL, NULL, &rep, &err);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		if (rm_set(res, "after", "unchanged") != CP_OK)
			r = CP_E_NOMEM;
		else
			r = rm_fail(res, r, "%s failed: %s", what, said);
		goto out;
	}
	r = rm_wait(c, &rep, what, res);
	if (r != CP_OK)
		goto out;
	r = rm_view(c, id, &after, &err);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		if (rm_set(res, "after", "unknown") != CP_OK)
			r = CP_E_NOMEM;
		else
			r = rm_fail(res, r, "%s: reading its state back "
			    "failed: %s", what, said);
		goto out;
	}
	power = rm_power(after);
	snprintf(text, sizeof(text), "%s: %s", t->group,
	    power != NULL ? power : "PowerState/unknown");
	if ((r = rm_set(res, "after", text)) != CP_OK)
		goto out;
	if (power == NULL || strcmp(power, "PowerState/deallocated") != 0) {
		r = rm_fail(res, CP_E_FAILED, "%s: it still reads %s", what,
		    power != NULL ? power : "no power state");
		goto out;
	}
	az_log(p, CP_LOG_INFO, "tenant %s subscription %s: %s", c->s->tenant,
	    t->sub, text);
out:
	az_reply_free(&rep);
	json_decref(after);
	json_decref(view);
	return r;
}

/* ------------------------------------------------------------ entry */

cp_err
az_remediate(struct azure_plugin *p, const json_t *creds, const char *unit,
    const char *action, const char *resource, const json_t *params,
    int dry_run, json_t **result)
{
	struct az_session *s = NULL;
	struct az_client c;
	struct rm_target t;
	char why[256];
	int rule, have_client = 0;
	json_t *res;
	cp_err r;

	(void)params;
	*result = NULL;
	res = json_object();
	if (res == NULL ||
	    rm_set(res, "action", action != NULL ? action : "") != CP_OK ||
	    rm_set(res, "resource", resource != NULL ? resource : "") !=
	    CP_OK) {
		json_decref(res);
		return CP_E_NOMEM;
	}
	*result = res;
	if (action != NULL && strcmp(action, RM_DENY) == 0)
		rule = 1;
	else if (action != NULL && strcmp(action, RM_DEALLOCATE) == 0)
		rule = 0;
	else
		return rm_fail(res, CP_E_INVALID, "unknown action \"%.64s\": "
		    "the azure plugin offers " RM_DENY " and " RM_DEALLOCATE,
		    action != NULL ? action : "");
	if (resource == NULL || !rm_parse(resource, rule, &t))
		return rm_fail(res, CP_E_INVALID, "\"%.300s\" is not the id of "
		    "%s", resource != NULL ? resource : "", rule ?
		    "a network security group rule (/subscriptions/S/"
		    "resourceGroups/G/providers/Microsoft.Network/"
		    "networkSecurityGroups/N/securityRules/R)" :
		    "a virtual machine (/subscriptions/S/resourceGroups/G/"
		    "providers/Microsoft.Compute/virtualMachines/N)");
	if (unit != NULL && strcasecmp(unit, t.sub) != 0)
		return rm_fail(res, CP_E_INVALID, "%s belongs to subscription "
		    "%s, not to %.64s", rule ? "the rule" : "the VM", t.sub,
		    unit);
	if (t.default_rule)
		return rm_fail(res, CP_E_INVALID, "%s/%s is a default rule, "
		    "which Azure does not let anyone change; add a Deny rule "
		    "of higher priority instead", t.group, t.name);
	r = az_session_open(p, creds, &s, why, sizeof(why));
	if (r != CP_OK)
		return rm_fail(res, r, "%s", why[0] != '\0' ? why :
		    p->host->strerror(r));
	r = az_client_init(&c, s);
	if (r != CP_OK) {
		rm_fail(res, r, "could not start an HTTP client: %s",
		    p->host->strerror(r));
		goto out;
	}
	have_client = 1;
	r = rule ? rm_deny_rule(&c, resource, &t, dry_run, res) :
	    rm_deallocate(&c, resource, &t, dry_run, res);
out:
	if (have_client)
		az_client_fini(&c);
	az_session_close(s);
	return r;
}
