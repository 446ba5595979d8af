/*
 * vuln.h - vulnerability intelligence: given a CPE 2.3 name (product and
 * version), the CVEs that affect it with their CVSS v3.1 base score and
 * severity (NVD), EPSS score and percentile (FIRST), whether CISA lists
 * them as known exploited (KEV, with dateAdded), and the JVN entry (MyJVN
 * id and title).  This is what the active and passive scanners and the
 * ASM report use.
 *
 * Everything is cached in the state store (migration "vulnerability
 * intelligence cache").  A lookup that is online refreshes what is older
 * than the source's max age first: NVD by product
 * (virtualMatchString=cpe:2.3:PART:VENDOR:PRODUCT, all pages, so one
 * query serves every version of a product and the version ranges are
 * matched here, see vuln_match.h), EPSS in batches of the CVEs found,
 * the KEV catalog as a whole, MyJVN by the CPE 2.2 product name over all
 * dates.  A source that cannot be reached leaves a warning, and the
 * cached data is served with its age.  Offline, only the cache is read;
 * cp_vuln_import loads downloaded files into it.
 *
 * NVD asks for at most 5 requests in a rolling 30 s window without an API
 * key and 50 with one: the client's per-host token bucket gets that rate
 * (the window is a setting, so tests need not wait).  A 403 or 429 from
 * NVD waits one window and tries again (3 times at most).
 *
 * Threads: a cp_vuln uses one store handle and one HTTP client, both the
 * calling thread's; make one per thread.
 */
#ifndef CP_ASM_VULN_H
#define CP_ASM_VULN_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "asm/cpe.h"
#include "config/config.h"
#include "net/http_client.h"
#include "store/store.h"
#include "util/diag.h"

enum cp_vuln_source {
	CP_VULN_NVD, CP_VULN_EPSS, CP_VULN_KEV, CP_VULN_JVN, CP_VULN_NSOURCES
};

/* "nvd", "epss", "kev", "jvn"; cp_vuln_source_parse gives -1 for others. */
const char *cp_vuln_source_name(enum cp_vuln_source s);
int cp_vuln_source_parse(const char *name);

struct cp_vuln_settings {
	const char *nvd_url;	/* the CVE API 2.0 endpoint */
	const char *epss_url;	/* FIRST's /data/v1/epss */
	const char *kev_url;	/* the KEV catalog JSON */
	const char *jvn_url;	/* MyJVN's /myjvn */
	const char *nvd_api_key; /* NULL: none (the lower rate) */
	const char *jvn_lang;	/* "ja" or "en" */
	long max_age[CP_VULN_NSOURCES];	/* seconds before a refresh */
	double nvd_window;	/* seconds of NVD's rate window (30) */
	unsigned nvd_page_size;	/* resultsPerPage (500; NVD allows 2000) */
	int online;		/* 0: read the cache only */
};

/*
 * The settings of the [vuln] section of cfg (defaults for the keys not
 * given).  The strings point into cfg, or into *key (the API key read
 * from nvd_api_key_file, owned by the caller: wipe and free it).  Problems
 * go to diag as "file:line: ..."; CP_E_CONFIG when there is one.
 */
cp_err cp_vuln_settings_from_config(const struct cp_config *cfg,
    struct cp_vuln_settings *out, char **key, struct cp_diag *diag);

typedef struct cp_vuln cp_vuln;

/*
 * st is borrowed; http (borrowed, may be NULL: offline) too.  The
 * settings are copied.
 */
cp_err cp_vuln_create(cp_store *st, cp_http *http,
    const struct cp_vuln_settings *s, cp_vuln **out);
void cp_vuln_destroy(cp_vuln *v);
/* The clock of ages and refreshes (tests); NULL: time(). */
void cp_vuln_set_clock(cp_vuln *v, time_t (*now)(void *ud), void *ud);
/* The sentence of the last failure; never NULL. */
const char *cp_vuln_errmsg(const cp_vuln *v);

/*
 * Loads a downloaded file of source src into the cache, all or nothing: a
 * file that does not parse leaves the cache as it was (CP_E_PARSE).
 * Files may be gzip-compressed.  NVD: API pages or JSON 2.0 feed files;
 * EPSS: the daily CSV or an API answer; KEV: the catalog JSON; JVN: a
 * getVulnOverviewList answer.  *items gets the records loaded.
 */
cp_err cp_vuln_import(cp_vuln *v, enum cp_vuln_source src, const char *path,
    size_t *items);

/* One CVE that affects the name looked up. */
struct cp_vuln_match {
	char cve[32];
	double cvss;		/* CVSS v3.1 base score; -1: none */
	char severity[16];	/* CRITICAL, HIGH, MEDIUM, LOW, NONE or "" */
	char cvss_source[64];
	char status[48];	/* NVD vulnStatus */
	int platform;		/* applies on some platforms only */
	double epss;		/* -1: unknown */
	double epss_percentile;
	int kev;		/* in the KEV catalog */
	char kev_date_added[16];
	char jvn_id[40];	/* "" when none */
	char jvn_title[512];
};

struct cp_vuln_result {
	char cpe[CP_CPE_NAME_MAX];	/* the name, as parsed */
	struct cp_vuln_match *matches;	/* CVSS descending, then id */
	size_t n;
	/* Age in seconds of what was used per source; -1: nothing cached. */
	long long age[CP_VULN_NSOURCES];
	char **warnings;	/* sources that could not be refreshed */
	size_t n_warnings;
};

#define CP_VULN_OFFLINE 0x1u	/* this lookup reads the cache only */

/*
 * The CVEs of cpe (see above).  CP_E_INVALID for a malformed name.  A
 * source that cannot be refreshed is not an error (see warnings).
 * *out is owned by the caller (cp_vuln_result_free).
 */
cp_err cp_vuln_lookup(cp_vuln *v, const char *cpe, unsigned flags,
    struct cp_vuln_result **out);
void cp_vuln_result_free(struct cp_vuln_result *r);
/*
 * Whether cpe is a valid name whose version is ANY ("*"): a product seen
 * without its version.  Looked up, it would match every CVE the product
 * ever had, so the ASM report and "vuln refresh" leave such names out.
 */
int cp_vuln_versionless(const char *cpe);
/* The result as JSON (a new reference; NULL on no memory). */
json_t *cp_vuln_result_json(const struct cp_vuln_result *r);

/*
 * What is cached: per source the records, when it was last updated and
 * from where (URL or file), and its max age.  A new reference in *out.
 */
cp_err cp_vuln_status(cp_vuln *v, json_t **out);

#endif /* CP_ASM_VULN_H */
