/*
 * remediate.c - validate(): who a credential is and whether it may change
 * security groups; remediate(): revoke, or narrow, one ingress rule that
 * is open to the whole internet.
 *
 * Whether a credential may remediate is asked of AWS itself: a dry run
 * of RevokeSecurityGroupIngress on a real rule answers DryRunOperation
 * when the call would be allowed and UnauthorizedOperation when not,
 * and changes nothing either way.
 *
 * Before it changes a rule, remediate() looks the rule up again: the
 * finding may be hours old, and a rule that is no longer open to the
 * internet (or that turned out to be an egress rule) is left alone.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

#define RM_ACTION "revoke-ingress-rule"
#define RM_SERVICE "ec2"
#define RM_VERSION "2016-11-15"
/* DescribeSecurityGroups' smallest page: enough to find one to probe. */
#define RM_PROBE_GROUPS "5"
#define RM_RESOURCE_MAX 256
#define RM_REGION_MAX 32
#define RM_ACCOUNT_LEN 12
#define RM_ID_MAX 64
#define RM_PARAMS_MAX 10
#define RM_TEXT_MAX 512
#define RM_NUM_MAX 24
#define RM_ANY_IPV4 "0.0.0.0/0"
#define RM_ANY_IPV6 "::/0"

static const char *const rm_lists[] = {
	"securityGroupInfo", "ipPermissions", "ipPermissionsEgress",
	"ipRanges", "ipv6Ranges", "groups", "prefixListIds", "tagSet",
	"securityGroupRuleSet", "unknownIpPermissionSet",
	NULL
};

static void rm_printf(char *buf, size_t n, const char *fmt, ...)
    CP_PRINTF(3, 4);

static void
rm_printf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

/* What AWS (or the transport) said, as "CODE: message" or the class. */
static void
rm_said(const struct aws_plugin *p, cp_err r, const struct aws_error *err,
    char *buf, size_t n)
{
	if (err->code[0] != '\0' && err->message[0] != '\0')
		rm_printf(buf, n, "%s: %s", err->code, err->message);
	else if (err->code[0] != '\0')
		rm_printf(buf, n, "%s", err->code);
	else if (err->message[0] != '\0')
		rm_printf(buf, n, "%s", err->message);
	else
		rm_printf(buf, n, "%s", p->host->strerror(r));
}

/* One EC2 call in region. */
static cp_err
rm_ec2(struct aws_client *c, const char *region, const char *action,
    const struct aws_param *params, size_t n, json_t **out,
    struct aws_error *err)
{
	struct aws_call call;

	memset(&call, 0, sizeof(call));
	call.service = RM_SERVICE;
	call.region = region;
	call.protocol = AWS_P_EC2;
	call.action = action;
	call.version = RM_VERSION;
	call.params = params;
	call.n_params = n;
	call.lists = rm_lists;
	memset(err, 0, sizeof(*err));
	*out = NULL;
	return aws_call(c, &call, out, err);
}

/* The first element of item's list member, or NULL. */
static const json_t *
rm_first(const json_t *item, const char *member)
{
	return json_array_get(json_object_get(item, member), 0);
}

/* ------------------------------------------------------------ validate */

/*
 * Fills params (RM_PARAMS_MAX) with a dry run revoking the first ingress
 * permission of group; 0 when it has none.
 */
static size_t
rm_probe_params(const json_t *group, struct aws_param *params,
    char from[RM_NUM_MAX], char to[RM_NUM_MAX], char proto[RM_NUM_MAX])
{
	const json_t *perm = rm_first(group, "IpPermissions"), *src;
	const char *gid = json_string_value(json_object_get(group, "GroupId"));
	const char *v;
	size_t n = 0;

	if (perm == NULL || gid == NULL)
		return 0;
	v = aws_text(json_object_get(perm, "IpProtocol"), proto, RM_NUM_MAX);
	if (v == NULL)
		return 0;
	params[n++] = (struct aws_param){ "GroupId", gid };
	params[n++] = (struct aws_param){ "DryRun", "true" };
	params[n++] = (struct aws_param){ "IpPermissions.1.IpProtocol", v };
	v = aws_text(json_object_get(perm, "FromPort"), from, RM_NUM_MAX);
	if (v != NULL)
		params[n++] = (struct aws_param){ "IpPermissions.1.FromPort",
		    v };
	v = aws_text(json_object_get(perm, "ToPort"), to, RM_NUM_MAX);
	if (v != NULL)
		params[n++] = (struct aws_param){ "IpPermissions.1.ToPort", v };
	if ((src = rm_first(perm, "IpRanges")) != NULL &&
	    (v = json_string_value(json_object_get(src, "CidrIp"))) != NULL)
		params[n++] = (struct aws_param){
		    "IpPermissions.1.IpRanges.1.CidrIp", v };
	else if ((src = rm_first(perm, "Ipv6Ranges")) != NULL &&
	    (v = json_string_value(json_object_get(src, "CidrIpv6"))) != NULL)
		params[n++] = (struct aws_param){
		    "IpPermissions.1.Ipv6Ranges.1.CidrIpv6", v };
	else if ((src = rm_first(perm, "Groups")) != NULL &&
	    (v = json_string_value(json_object_get(src, "GroupId"))) != NULL)
		params[n++] = (struct aws_param){
		    "IpPermissions.1.Groups.1.GroupId", v };
	else if ((src = rm_first(perm, "PrefixListIds")) != NULL &&
	    (v = json_string_value(json_object_get(src, "PrefixListId"))) !=
	    NULL)
		params[n++] = (struct aws_param){
		    "IpPermissions.1.PrefixListIds.1.PrefixListId", v };
	else
		return 0;
	return n;
}

/*
 * Asks AWS whether the credential may revoke a rule, on the first group
 * of the home region that has an ingress rule.  Being refused is an
 * answer (read-only); a probe that cannot be made at all for want of a
 * rule is read-only too, and says so.
 */
static cp_err
rm_probe(struct aws_plugin *p, struct aws_client *c,
    struct cp_validate_result *res)
{
	static const struct aws_param list[] = {
		{ "MaxResults", RM_PROBE_GROUPS }
	};
	struct aws_param params[RM_PARAMS_MAX];
	char from[RM_NUM_MAX], to[RM_NUM_MAX], proto[RM_NUM_MAX];
	char said[RM_TEXT_MAX];
	const char *region = p->home_region, *arn = c->s->arn, *gid = NULL;
	const json_t *groups, *g;
	struct aws_error err;
	json_t *out = NULL, *rout = NULL;
	size_t i, n = 0;
	cp_err r;

	r = rm_ec2(c, region, "DescribeSecurityGroups", list, 1, &out, &err);
	if (r == CP_E_PERM) {
		rm_said(p, r, &err, said, sizeof(said));
		rm_printf(res->detail, sizeof(res->detail),
		    "Signed in as %s; read-only: it may not even list the "
		    "security groups of %s (%s).", arn, region, said);
		return CP_OK;
	}
	if (r != CP_OK || out == NULL) {
		rm_said(p, r, &err, said, sizeof(said));
		rm_printf(res->detail, sizeof(res->detail),
		    "Signed in as %s, but the remediation check failed: "
		    "DescribeSecurityGroups in %s: %s", arn, region, said);
		json_decref(out);
		return r != CP_OK ? r : CP_E_PARSE;
	}
	groups = json_object_get(out, "SecurityGroupInfo");
	json_array_foreach(groups, i, g) {
		n = rm_probe_params(g, params, from, to, proto);
		if (n > 0) {
			gid = json_string_value(json_object_get(g, "GroupId"));
			break;
		}
	}
	if (n == 0) {
		rm_printf(res->detail, sizeof(res->detail),
		    "Signed in as %s; registered read-only: %s has no "
		    "security group with an inbound rule to try a dry run of "
		    "RevokeSecurityGroupIngress on, so whether it may "
		    "remediate could not be checked.", arn, region);
		json_decref(out);
		return CP_OK;
	}
	r = rm_ec2(c, region, "RevokeSecurityGroupIngress", params, n, &rout,
	    &err);
	if (r == CP_OK) {
		res->remediation_capable = 1;
		rm_printf(res->detail, sizeof(res->detail),
		    "Signed in as %s; may remediate: a dry run of "
		    "RevokeSecurityGroupIngress on %s in %s was allowed.", arn,
		    gid, region);
		if (rout != NULL)
			aws_log(p, CP_LOG_WARNING, "the dry run of "
			    "RevokeSecurityGroupIngress on %s in %s was "
			    "answered as a real call", gid, region);
	} else if (r == CP_E_PERM) {
		rm_said(p, r, &err, said, sizeof(said));
		rm_printf(res->detail, sizeof(res->detail),
		    "Signed in as %s; read-only: a dry run of "
		    "RevokeSecurityGroupIngress on %s in %s was refused (%s).",
		    arn, gid, region, said);
		r = CP_OK;
	} else {
		rm_said(p, r, &err, said, sizeof(said));
		rm_printf(res->detail, sizeof(res->detail),
		    "Signed in as %s, but the remediation check failed: "
		    "RevokeSecurityGroupIngress (dry run) on %s in %s: %s",
		    arn, gid, region, said);
	}
	json_decref(rout);
	json_decref(out);
	return r;
}

cp_err
aws_validate(struct aws_plugin *p, const json_t *creds,
    struct cp_validate_result *res)
{
	struct aws_session *s = NULL;
	struct aws_client c;
	struct aws_error err;
	char why[RM_TEXT_MAX], said[RM_TEXT_MAX];
	int have_client = 0;
	cp_err r;

	res->remediation_capable = 0;
	res->account[0] = '\0';
	res->detail[0] = '\0';
	why[0] = '\0';
	r = aws_session_open(p, creds, &s, why, sizeof(why));
	if (r != CP_OK) {
		rm_printf(res->detail, sizeof(res->detail), "%s",
		    why[0] != '\0' ? why : p->host->strerror(r));
		return r;
	}
	r = aws_client_init(&c, s);
	if (r != CP_OK) {
		rm_printf(res->detail, sizeof(res->detail),
		    "could not start an HTTP client: %s",
		    p->host->strerror(r));
		goto out;
	}
	have_client = 1;
	memset(&err, 0, sizeof(err));
	r = aws_session_identity(&c, &err);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		rm_printf(res->detail, sizeof(res->detail),
		    "AWS refused the credential (%s): %s",
		    s->role_arn != NULL ? "AssumeRole or GetCallerIdentity"
					: "GetCallerIdentity", said);
		if (r == CP_OK)
			r = CP_E_AUTH;
		goto out;
	}
	rm_printf(res->account, sizeof(res->account), "%s", s->account);
	r = rm_probe(p, &c, res);
out:
	if (have_client)
		aws_client_fini(&c);
	aws_session_close(s);
	return r;
}

/* ------------------------------------------------------------ remediate */

/* What a security-group-rule ARN names. */
struct rm_target {
	char region[RM_REGION_MAX + 1];
	char account[RM_ACCOUNT_LEN + 1];
	char rule[RM_ID_MAX + 1];
};

/* Copies s[0..n) into dst[size] when it is 1..size-1 chars of set. */
static int
rm_field(const char *s, size_t n, const char *set, char *dst, size_t size)
{
	size_t i;

	if (n == 0 || n >= size)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 1;
}

/* Parses arn:PARTITION:ec2:REGION:ACCOUNT:security-group-rule/sgr-ID. */
static int
rm_parse_arn(const char *arn, struct rm_target *t)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
	static const char kind[] = "security-group-rule/";
	const char *f[5], *q;
	size_t i, partition_len;

	if (strlen(arn) > RM_RESOURCE_MAX || strncmp(arn, "arn:", 4) != 0)
		return 0;
	f[0] = arn + 4;
	for (i = 1; i < 5; i++) {
		q = strchr(f[i - 1], ':');
		if (q == NULL)
			return 0;
		f[i] = q + 1;
	}
	partition_len = (size_t)(f[1] - f[0] - 1);
	if (!((partition_len == 3 && strncmp(f[0], "aws", 3) == 0) ||
	    (partition_len == 6 && strncmp(f[0], "aws-cn", 6) == 0) ||
	    (partition_len == 10 && strncmp(f[0], "aws-us-gov", 10) == 0)))
		return 0;
	if (strncmp(f[1], "ec2:", 4) != 0)
		return 0;
	if (!rm_field(f[2], (size_t)(f[3] - f[2] - 1), lower, t->region,
	    sizeof(t->region)))
		return 0;
	if ((size_t)(f[4] - f[3] - 1) != RM_ACCOUNT_LEN ||
	    !rm_field(f[3], RM_ACCOUNT_LEN, "0123456789", t->account,
	    sizeof(t->account)))
		return 0;
	if (strncmp(f[4], kind, sizeof(kind) - 1) != 0)
		return 0;
	q = f[4] + sizeof(kind) - 1;
	if (strncmp(q, "sgr-", 4) != 0 || strlen(q) <= 4)
		return 0;
	return rm_field(q, strlen(q), lower, t->rule, sizeof(t->rule));
}

enum rm_cidr_check {
	RM_CIDR_OK = 0,
	RM_CIDR_MALFORMED = 1,
	RM_CIDR_ANY = 2,		/* a /0: the whole internet again */
	RM_CIDR_HOST_BITS = 3		/* bits set past the prefix */
};

/* Checks that s is a network in CIDR notation that is not everything. */
static enum rm_cidr_check
rm_cidr(const char *s, int *ipv6)
{
	unsigned char a[sizeof(struct in6_addr)];
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/'), *d;
	unsigned prefix = 0, max, bytes, i;
	size_t len;

	if (slash == NULL || (len = (size_t)(slash - s)) == 0 ||
	    len >= sizeof(addr))
		return RM_CIDR_MALFORMED;
	memcpy(addr, s, len);
	addr[len] = '\0';
	d = slash + 1;
	if (*d == '\0' || strlen(d) > 3 || strspn(d, "0123456789") !=
	    strlen(d) || (d[0] == '0' && d[1] != '\0'))
		return RM_CIDR_MALFORMED;
	for (; *d != '\0'; d++)
		prefix = prefix * 10 + (unsigned)(*d - '0');
	if (inet_pton(AF_INET, addr, a) == 1) {
		*ipv6 = 0;
		max = 32;
		bytes = 4;
	} else if (inet_pton(AF_INET6, addr, a) == 1) {
		*ipv6 = 1;
		max = 128;
		bytes = 16;
	} else {
		return RM_CIDR_MALFORMED;
	}
	if (prefix > max)
		return RM_CIDR_MALFORMED;
	if (prefix == 0)
		return RM_CIDR_ANY;
	for (i = 0; i < bytes; i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 :
		    prefix > i * 8 ? prefix - i * 8 : 0;
		unsigned mask = (0xffu >> keep) & 0xffu;

		if ((a[i] & mask) != 0)
			return RM_CIDR_HOST_BITS;
	}
	return RM_CIDR_OK;
}

/* The rule as it is in AWS, with what it takes to describe it. */
struct rm_rule {
	const char *group_id;
	const char *protocol;
	const char *from;		/* NULL: none */
	const char *to;
	const char *cidr4, *cidr6;	/* the source, when a CIDR */
	const char *source;		/* the source as text */
	const char *description;
	int egress;
	char proto_buf[RM_NUM_MAX], from_buf[RM_NUM_MAX], to_buf[RM_NUM_MAX];
};

static int
rm_rule_read(const json_t *item, struct rm_rule *u)
{
	const json_t *ref;

	memset(u, 0, sizeof(*u));
	u->group_id = json_string_value(json_object_get(item, "GroupId"));
	u->protocol = aws_text(json_object_get(item, "IpProtocol"),
	    u->proto_buf, sizeof(u->proto_buf));
	u->from = aws_text(json_object_get(item, "FromPort"), u->from_buf,
	    sizeof(u->from_buf));
	u->to = aws_text(json_object_get(item, "ToPort"), u->to_buf,
	    sizeof(u->to_buf));
	u->cidr4 = json_string_value(json_object_get(item, "CidrIpv4"));
	u->cidr6 = json_string_value(json_object_get(item, "CidrIpv6"));
	u->description = json_string_value(json_object_get(item,
	    "Description"));
	u->egress = json_is_true(json_object_get(item, "IsEgress"));
	ref = json_object_get(item, "ReferencedGroupInfo");
	u->source = u->cidr4 != NULL ? u->cidr4 : u->cidr6 != NULL ? u->cidr6 :
	    json_string_value(json_object_get(item, "PrefixListId"));
	if (u->source == NULL)
		u->source = json_string_value(json_object_get(ref, "GroupId"));
	if (u->source == NULL)
		u->source = "?";
	return u->group_id != NULL && u->protocol != NULL;
}

/* "tcp 22", "tcp 1000-2000", "all traffic", "icmp" into buf. */
static void
rm_ports(const char *protocol, const char *from, const char *to, char *buf,
    size_t n)
{
	if (strcmp(protocol, "-1") == 0)
		rm_printf(buf, n, "all traffic");
	else if (from == NULL || strcmp(from, "-1") == 0)
		rm_printf(buf, n, "%s", protocol);
	else if (to == NULL || strcmp(from, to) == 0)
		rm_printf(buf, n, "%s %s", protocol, from);
	else
		rm_printf(buf, n, "%s %s-%s", protocol, from, to);
}

/* The name of group_id in region, or NULL (best effort). */
static char *
rm_group_name(struct aws_client *c, const char *region, const char *gid)
{
	struct aws_param params[1] = { { "GroupId.1", gid } };
	struct aws_error err;
	json_t *out = NULL;
	const char *name;
	char *copy = NULL;

	if (rm_ec2(c, region, "DescribeSecurityGroups", params, 1, &out,
	    &err) != CP_OK)
		return NULL;
	name = json_string_value(json_object_get(rm_first(out,
	    "SecurityGroupInfo"), "GroupName"));
	if (name != NULL)
		copy = strdup(name);
	json_decref(out);
	return copy;
}

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

/* Whether a change call reported success ("return" true, nothing unknown). */
static int
rm_returned_true(const json_t *out)
{
	const json_t *unknown = json_object_get(out, "UnknownIpPermissionSet");

	return json_is_true(json_object_get(out, "Return")) &&
	    json_array_size(unknown) == 0;
}

/*
 * The change itself, on rule u of t, after the checks: revoke, or
 * replace the source with narrow.  res gets "after" (and "error").
 */
static cp_err
rm_change(struct aws_plugin *p, struct aws_client *c,
    const struct rm_target *t, const struct rm_rule *u, const char *narrow,
    int narrow_v6, int dry_run, json_t *res)
{
	struct aws_param params[RM_PARAMS_MAX];
	char ports[RM_TEXT_MAX], after[RM_TEXT_MAX], said[RM_TEXT_MAX];
	const char *api;
	struct aws_error err;
	json_t *out = NULL;
	size_t n = 0;
	cp_err r;

	params[n++] = (struct aws_param){ "GroupId", u->group_id };
	if (dry_run)
		params[n++] = (struct aws_param){ "DryRun", "true" };
	rm_ports(u->protocol, u->from, u->to, ports, sizeof(ports));
	if (narrow == NULL) {
		api = "RevokeSecurityGroupIngress";
		params[n++] = (struct aws_param){ "SecurityGroupRuleId.1",
		    t->rule };
		rm_printf(after, sizeof(after), "revoked");
	} else {
		api = "ModifySecurityGroupRules";
		params[n++] = (struct aws_param){
		    "SecurityGroupRule.1.SecurityGroupRuleId", t->rule };
		params[n++] = (struct aws_param){
		    "SecurityGroupRule.1.SecurityGroupRule.IpProtocol",
		    u->protocol };
		if (u->from != NULL)
			params[n++] = (struct aws_param){
			    "SecurityGroupRule.1.SecurityGroupRule.FromPort",
			    u->from };
		if (u->to != NULL)
			params[n++] = (struct aws_param){
			    "SecurityGroupRule.1.SecurityGroupRule.ToPort",
			    u->to };
		params[n++] = (struct aws_param){ narrow_v6 ?
		    "SecurityGroupRule.1.SecurityGroupRule.CidrIpv6" :
		    "SecurityGroupRule.1.SecurityGroupRule.CidrIpv4", narrow };
		/* The rule is replaced whole: keep its description. */
		if (u->description != NULL && *u->description != '\0')
			params[n++] = (struct aws_param){
			    "SecurityGroupRule.1.SecurityGroupRule.Description",
			    u->description };
		rm_printf(after, sizeof(after), "%s from %s", ports, narrow);
	}
	r = rm_ec2(c, t->region, api, params, n, &out, &err);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		if (rm_set(res, "after", "unchanged") != CP_OK)
			return CP_E_NOMEM;
		return rm_fail(res, r, "%s%s on %s in %s failed: %s",
		    api, dry_run ? " (dry run)" : "", t->rule, t->region,
		    said);
	}
	if (dry_run && out == NULL) {
		if (rm_set(res, "after", "unchanged (dry run)") != CP_OK ||
		    rm_set(res, "would_be", after) != CP_OK)
			return CP_E_NOMEM;
		return CP_OK;
	}
	if (out == NULL || !rm_returned_true(out)) {
		json_decref(out);
		if (rm_set(res, "after", "unknown") != CP_OK)
			return CP_E_NOMEM;
		return rm_fail(res, CP_E_FAILED, "%s on %s in %s did not "
		    "report success; look the rule up before trying again",
		    api, t->rule, t->region);
	}
	json_decref(out);
	if (dry_run) {
		/* The dry run was not honoured: say what happened. */
		aws_log(p, CP_LOG_WARNING, "%s on %s in %s ignored DryRun: "
		    "the rule was changed", api, t->rule, t->region);
		rm_set(res, "after", after);
		return rm_fail(res, CP_E_FAILED, "AWS ignored DryRun and "
		    "changed %s (%s)", t->rule, after);
	}
	aws_log(p, CP_LOG_INFO, "%s in %s of account %s: %s from %s: %s",
	    t->rule, t->region, t->account, ports, u->source, after);
	return rm_set(res, "after", after);
}

/* Looks the rule up, checks it is still what the finding saw, changes it. */
static cp_err
rm_rule_fix(struct aws_plugin *p, struct aws_client *c,
    const struct rm_target *t, const char *narrow, int narrow_v6,
    int dry_run, json_t *res)
{
	struct aws_param params[1] = { { "SecurityGroupRuleId.1", t->rule } };
	char ports[RM_TEXT_MAX], before[RM_TEXT_MAX], said[RM_TEXT_MAX];
	struct aws_error err;
	struct rm_rule u;
	const json_t *item;
	json_t *out = NULL;
	char *gname = NULL;
	cp_err r;

	r = rm_ec2(c, t->region, "DescribeSecurityGroupRules", params, 1,
	    &out, &err);
	if (r == CP_E_NOTFOUND)
		return rm_fail(res, r, "rule %s no longer exists in %s",
		    t->rule, t->region);
	if (r != CP_OK) {
		rm_said(p, r, &err, said, sizeof(said));
		return rm_fail(res, r, "could not look rule %s up in %s "
		    "(DescribeSecurityGroupRules): %s", t->rule, t->region,
		    said);
	}
	item = rm_first(out, "SecurityGroupRuleSet");
	if (item == NULL) {
		r = rm_fail(res, CP_E_NOTFOUND, "rule %s no longer exists in "
		    "%s", t->rule, t->region);
		goto out;
	}
	if (!rm_rule_read(item, &u)) {
		r = rm_fail(res, CP_E_PARSE, "DescribeSecurityGroupRules "
		    "gave rule %s without its group or protocol", t->rule);
		goto out;
	}
	gname = rm_group_name(c, t->region, u.group_id);
	rm_ports(u.protocol, u.from, u.to, ports, sizeof(ports));
	if (gname != NULL)
		rm_printf(before, sizeof(before), "%s (%s) %s %s %s %s",
		    u.group_id, gname, t->rule, ports,
		    u.egress ? "to" : "from", u.source);
	else
		rm_printf(before, sizeof(before), "%s %s %s %s %s",
		    u.group_id, t->rule, ports, u.egress ? "to" : "from",
		    u.source);
	if ((r = rm_set(res, "before", before)) != CP_OK)
		goto out;
	if (u.egress) {
		r = rm_fail(res, CP_E_INVALID, "%s is an outbound rule; only "
		    "inbound rules are revoked or narrowed", t->rule);
		goto out;
	}
	if (!((u.cidr4 != NULL && strcmp(u.cidr4, RM_ANY_IPV4) == 0) ||
	    (u.cidr6 != NULL && strcmp(u.cidr6, RM_ANY_IPV6) == 0))) {
		r = rm_fail(res, CP_E_FAILED, "%s is no longer open to the "
		    "internet (%s from %s); nothing was changed", t->rule,
		    ports, u.source);
		if (r == CP_E_FAILED && rm_set(res, "after", "unchanged") !=
		    CP_OK)
			r = CP_E_NOMEM;
		goto out;
	}
	r = rm_change(p, c, t, &u, narrow, narrow_v6, dry_run, res);
out:
	free(gname);
	json_decref(out);
	return r;
}

cp_err
aws_remediate(struct aws_plugin *p, const json_t *creds, const char *unit,
    const char *action, const char *resource, const json_t *params,
    int dry_run, json_t **result)
{
	struct aws_session *s = NULL;
	struct aws_client c;
	struct rm_target t;
	const json_t *nv;
	const char *narrow = NULL;
	char why[RM_TEXT_MAX];
	int have_client = 0, v6 = 0;
	json_t *res;
	cp_err r;

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
	if (action == NULL || strcmp(action, RM_ACTION) != 0)
		return rm_fail(res, CP_E_INVALID, "unknown action \"%.64s\": "
		    "the aws plugin offers only " RM_ACTION,
		    action != NULL ? action : "");
	if (resource == NULL || !rm_parse_arn(resource, &t))
		return rm_fail(res, CP_E_INVALID, "\"%.300s\" is not the ARN "
		    "of a security group rule (arn:aws:ec2:REGION:ACCOUNT:"
		    "security-group-rule/sgr-…)",
		    resource != NULL ? resource : "");
	if (unit != NULL && strcmp(unit, t.account) != 0)
		return rm_fail(res, CP_E_INVALID, "rule %s belongs to account "
		    "%s, not to account %.64s", t.rule, t.account, unit);
	nv = params != NULL ? json_object_get(params, "narrow_to") : NULL;
	if (nv != NULL && !json_is_null(nv)) {
		narrow = json_string_value(nv);
		if (narrow == NULL)
			return rm_fail(res, CP_E_INVALID, "narrow_to must be "
			    "a CIDR such as 203.0.113.0/24");
		switch (rm_cidr(narrow, &v6)) {
		case RM_CIDR_OK:
			break;
		case RM_CIDR_ANY:
			return rm_fail(res, CP_E_INVALID, "narrow_to %.64s is "
			    "the whole internet; give a smaller network",
			    narrow);
		case RM_CIDR_HOST_BITS:
			return rm_fail(res, CP_E_INVALID, "narrow_to %.64s has "
			    "bits set past its prefix length; give the "
			    "network address", narrow);
		default:
			return rm_fail(res, CP_E_INVALID, "narrow_to \"%.64s\" "
			    "is not a CIDR such as 203.0.113.0/24 or "
			    "2001:db8::/32", narrow);
		}
	}
	why[0] = '\0';
	r = aws_session_open(p, creds, &s, why, sizeof(why));
	if (r != CP_OK)
		return rm_fail(res, r, "%s", why[0] != '\0' ? why :
		    p->host->strerror(r));
	r = aws_client_init(&c, s);
	if (r != CP_OK) {
		rm_fail(res, r, "could not start an HTTP client: %s",
		    p->host->strerror(r));
		goto out;
	}
	have_client = 1;
	r = rm_rule_fix(p, &c, &t, narrow, v6, dry_run, res);
out:
	if (have_client)
		aws_client_fini(&c);
	aws_session_close(s);
	return r;
}
