/*
 * cpe.h - CPE 2.3 names and versions, as vulnerability matching needs them.
 *
 * A name is parsed from the formatted-string binding of CPE 2.3
 * ("cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"), from a short form that stops
 * early (Shodan's "cpe:2.3:a:openbsd:openssh:8.9p1": the missing fields
 * are "*"), or from a CPE 2.2 URI ("cpe:/a:openbsd:openssh:9.2:p1").
 * Fields keep their escapes (backslash before punctuation), so two names
 * written by NVD's rules compare as strings; "*" is ANY and "-" is NA.
 *
 * Version order (cp_cpe_version_cmp): a version is cut into numbers and
 * runs of letters at every separator and at every change between digits
 * and letters ("1.0.2k" is 1 0 2 k; "9.2p1" is 9 2 p 1).  Numbers compare
 * by value, words case-insensitively.  The pre-release words alpha, beta,
 * rc, pre, preview, dev, snapshot and milestone come before anything else,
 * so 1.0rc1 < 1.0 < 1.0.0.1 and 1.0-beta < 1.0-rc; any other word is a
 * later release (1.0.2 < 1.0.2k, 9.2 < 9.2p1).  Missing trailing zeros do
 * not count (1.0 == 1.0.0).  When one version starts with a number and the
 * other with a word ("1.22.1" against nginx plus "r22") they are not
 * comparable, and no range containing them matches.
 */
#ifndef CP_ASM_CPE_H
#define CP_ASM_CPE_H

#include <stddef.h>

#include "util/util.h"

/* The fields of a CPE 2.3 name, after "cpe:2.3:". */
enum {
	CP_CPE_PART, CP_CPE_VENDOR, CP_CPE_PRODUCT, CP_CPE_VERSION,
	CP_CPE_UPDATE, CP_CPE_EDITION, CP_CPE_LANGUAGE, CP_CPE_SW_EDITION,
	CP_CPE_TARGET_SW, CP_CPE_TARGET_HW, CP_CPE_OTHER, CP_CPE_NFIELDS
};

/* Longest field kept (bytes, escapes included). */
#define CP_CPE_FIELD_MAX 128
/* Longest formatted name. */
#define CP_CPE_NAME_MAX (CP_CPE_NFIELDS * CP_CPE_FIELD_MAX + 16)

struct cp_cpe {
	char f[CP_CPE_NFIELDS][CP_CPE_FIELD_MAX];
};

/*
 * Parses s into out.  CP_E_INVALID with a sentence in why for anything
 * else than the three forms above, a field longer than CP_CPE_FIELD_MAX
 * or a part other than a, o, h or "*".
 */
cp_err cp_cpe_parse(const char *s, struct cp_cpe *out, char *why,
    size_t why_size);

/* The formatted string of c ("cpe:2.3:...", 13 fields) into buf. */
cp_err cp_cpe_format(const struct cp_cpe *c, char *buf, size_t n);

/* Outcome of cp_cpe_version_cmp when the two cannot be ordered. */
#define CP_CPE_VERSION_INCOMPARABLE 2

/* -1, 0 or 1 as a is before, equal to or after b; or ..._INCOMPARABLE. */
int cp_cpe_version_cmp(const char *a, const char *b);

/*
 * Whether field value crit of a criterion (which may hold the wildcards *
 * and ?, unescaped) admits the field value target of a name.  ANY in
 * either admits everything: a field the name leaves open is unknown, and
 * a possible vulnerability is listed rather than missed.  NA admits only
 * NA.  Case does not count.
 */
int cp_cpe_field_match(const char *crit, const char *target);

#endif /* CP_ASM_CPE_H */
