/*
 * vuln_feed.h - the wire formats of the vulnerability sources, parsed
 * into records handed to a callback one at a time:
 *
 * - NVD CVE API 2.0 pages and the NVD JSON 2.0 feed files (the same
 *   envelope: {"totalResults", "startIndex", "resultsPerPage",
 *   "vulnerabilities": [{"cve": {...}}]}), or one bare "cve" object;
 * - FIRST EPSS API v1 answers ({"data": [{"cve", "epss", "percentile",
 *   "date"}]}, numbers as strings) and the daily CSV (an optional
 *   "#model_version:...,score_date:..." line, then a header naming the
 *   columns cve, epss and percentile in any order);
 * - the CISA KEV catalog JSON ({"vulnerabilities": [{"cveID",
 *   "dateAdded", ...}]});
 * - MyJVN getVulnOverviewList XML (RSS 1.0 items with sec:identifier,
 *   sec:references, sec:cvss; status:Status with totalRes etc.).
 *
 * Everything from outside is bounded: text fields are cut to their
 * fields' sizes at a UTF-8 boundary, CVE ids are checked, records and
 * lines are counted (CP_VULN_FEED_MAX_RECORDS).  A parser answers
 * CP_E_PARSE with a sentence in why for a document that is not what it
 * should be; a callback's error stops it and is returned.
 */
#ifndef CP_ASM_VULN_FEED_H
#define CP_ASM_VULN_FEED_H

#include <stddef.h>

#include <jansson.h>

#include "util/util.h"

#define CP_VULN_FEED_MAX_RECORDS 2000000u
/* Largest document a source may send or a file may hold (bytes). */
#define CP_VULN_FEED_MAX_BYTES (512u * 1024 * 1024)

/* Whether s is a CVE id: CVE-YYYY-NNNN with 4 to 19 digits. */
int cp_vuln_cve_id_ok(const char *s);

/* Parses JSON of at most CP_VULN_FEED_MAX_BYTES, nested at most 64 deep. */
json_t *cp_vuln_json_parse(const char *buf, size_t len, char *why,
    size_t why_size);

/* ---- NVD ---- */
struct cp_nvd_cve {
	char id[32];
	char status[48];	/* vulnStatus */
	char published[32];
	char modified[32];
	double cvss;		/* CVSS v3.1 base score; -1: none */
	char severity[16];	/* its baseSeverity */
	char cvss_source[64];	/* who scored it (Primary preferred) */
	char cvss_vector[64];
	char description[1024];	/* the English one */
	const json_t *configurations;	/* borrowed; NULL: none */
};

struct cp_nvd_page {
	long long total;	/* totalResults; -1 when absent */
	long long start;	/* startIndex */
	long long count;	/* records on this page */
};

typedef cp_err (*cp_nvd_cve_fn)(void *ud, const struct cp_nvd_cve *c);

cp_err cp_vuln_parse_nvd(const json_t *doc, cp_nvd_cve_fn fn, void *ud,
    struct cp_nvd_page *page, char *why, size_t why_size);

/*
 * The same, fed in pieces of any size (a feed file of hundreds of
 * megabytes): each record of "vulnerabilities" is parsed and handed over
 * when it is complete, so memory holds one record (at most
 * CP_VULN_FEED_MAX_RECORD bytes) and the envelope (at most
 * CP_VULN_FEED_MAX_REST, which is also the limit for a bare record).
 * Callbacks have run for the records before an error.  _end checks the
 * rest of the document and fills page.
 */
#define CP_VULN_FEED_MAX_RECORD (16u * 1024 * 1024)
#define CP_VULN_FEED_MAX_REST (64u * 1024 * 1024)
struct cp_nvd_stream;
cp_err cp_nvd_stream_new(cp_nvd_cve_fn fn, void *ud,
    struct cp_nvd_stream **out);
cp_err cp_nvd_stream_feed(struct cp_nvd_stream *s, const char *buf,
    size_t n, char *why, size_t why_size);
cp_err cp_nvd_stream_end(struct cp_nvd_stream *s, struct cp_nvd_page *page,
    char *why, size_t why_size);
void cp_nvd_stream_free(struct cp_nvd_stream *s);

/* ---- EPSS ---- */
struct cp_epss {
	char cve[32];
	double epss;		/* 0..1 */
	double percentile;	/* 0..1 */
	char date[16];		/* YYYY-MM-DD, may be "" */
};

typedef cp_err (*cp_epss_fn)(void *ud, const struct cp_epss *e);

cp_err cp_vuln_parse_epss_json(const json_t *doc, cp_epss_fn fn, void *ud,
    char *why, size_t why_size);
/* buf is the CSV text (NUL-terminated at buf[len]). */
cp_err cp_vuln_parse_epss_csv(const char *buf, size_t len, cp_epss_fn fn,
    void *ud, char *why, size_t why_size);

/* ---- KEV ---- */
struct cp_kev {
	char cve[32];
	char date_added[16];
	char vendor[128];
	char product[128];
	char name[256];		/* vulnerabilityName, trimmed */
	char due_date[16];
	char ransomware[16];	/* knownRansomwareCampaignUse */
};

typedef cp_err (*cp_kev_fn)(void *ud, const struct cp_kev *k);

/* *version (may be NULL) gets catalogVersion. */
cp_err cp_vuln_parse_kev(const json_t *doc, cp_kev_fn fn, void *ud,
    char *version, size_t version_size, char *why, size_t why_size);

/* ---- MyJVN ---- */
#define CP_JVN_MAX_CVES 32
struct cp_jvn {
	char id[40];		/* JVNDB-2025-002953 */
	char title[512];
	char link[256];
	double cvss;		/* -1: none */
	char severity[16];
	char issued[32];
	char modified[32];
	char cves[CP_JVN_MAX_CVES][32];
	size_t n_cves;
};

struct cp_jvn_status {
	long long total;	/* totalRes */
	long long returned;	/* totalResRet */
	long long first;	/* firstRes (from 1) */
};

typedef cp_err (*cp_jvn_fn)(void *ud, const struct cp_jvn *j);

/* The XML text of a getVulnOverviewList answer. */
cp_err cp_vuln_parse_jvn(const char *xml, size_t len, cp_jvn_fn fn, void *ud,
    struct cp_jvn_status *st, char *why, size_t why_size);

#endif /* CP_ASM_VULN_FEED_H */
