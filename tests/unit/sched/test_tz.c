/*
 * test_tz.c - zones read from the tz database: offsets before, during and
 * after daylight saving time (transitions and the footer rule), wall
 * times that happen twice or never, bad and unknown names; checked
 * against glibc's own localtime_r for a sample of instants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cptest.h"
#include "sched/tz.h"

static cp_tz *
load(const char *name)
{
	char why[256];
	cp_tz *tz = NULL;

	CU_ASSERT_EQUAL_FATAL(cp_tz_load(name, &tz, why, sizeof(why)), CP_OK);
	return tz;
}

static void
test_tz_fixed_zone_and_utc(void)
{
	cp_tz *tokyo = load("Asia/Tokyo"), *utc = load("UTC");
	struct tm tm;

	/* 2025-03-31 15:00 UTC is 1 April 00:00 JST. */
	CU_ASSERT_EQUAL(cp_tz_offset(tokyo, 1743433200), 32400);
	cp_tz_localtime(tokyo, 1743433200, &tm);
	CU_ASSERT_EQUAL(tm.tm_mon, 3);
	CU_ASSERT_EQUAL(tm.tm_mday, 1);
	CU_ASSERT_EQUAL(tm.tm_hour, 0);
	CU_ASSERT_EQUAL(cp_tz_mktime(tokyo, 2025, 4, 1, 0), 1743433200);
	CU_ASSERT_EQUAL(cp_tz_mktime(tokyo, 2025, 3, 32, 570),
	    1743433200 + 570 * 60);
	CU_ASSERT_EQUAL(cp_tz_offset(utc, 1743433200), 0);
	CU_ASSERT_EQUAL(cp_tz_offset(NULL, 1743433200), 0);
	cp_tz_free(tokyo);
	cp_tz_free(utc);
	cp_tz_free(NULL);
}

static void
test_tz_daylight_saving_gap_and_overlap(void)
{
	cp_tz *ny = load("America/New_York");
	time_t t;

	/* 2025-03-09 02:30 does not exist in New York: moved to 03:30
	 * EDT (07:30 UTC). */
	t = cp_tz_mktime(ny, 2025, 3, 9, 150);
	CU_ASSERT_EQUAL(t, 1741505400);
	CU_ASSERT_EQUAL(cp_tz_offset(ny, t), -4 * 3600);
	/* 2025-11-02 01:30 happens twice: the first (EDT, 05:30 UTC). */
	t = cp_tz_mktime(ny, 2025, 11, 2, 90);
	CU_ASSERT_EQUAL(t, 1762061400);
	CU_ASSERT_EQUAL(cp_tz_offset(ny, t), -4 * 3600);
	CU_ASSERT_EQUAL(cp_tz_offset(ny, t + 3600), -5 * 3600);
	/* Far beyond the file's transitions: the footer rule. */
	CU_ASSERT_EQUAL(cp_tz_offset(ny, cp_tz_mktime(ny, 2090, 7, 1, 720)),
	    -4 * 3600);
	CU_ASSERT_EQUAL(cp_tz_offset(ny, cp_tz_mktime(ny, 2090, 12, 1, 720)),
	    -5 * 3600);
	cp_tz_free(ny);
}

/* Our reading agrees with glibc's for many instants of several zones. */
static void
test_tz_agrees_with_the_c_library(void)
{
	static const char *const zones[] = { "Europe/London",
	    "Australia/Sydney", "America/Santiago", "Asia/Kolkata",
	    "Europe/Berlin", "America/New_York" };
	struct tm tm;
	size_t i;
	time_t t;
	int bad;

	for (i = 0; i < CP_ARRAY_LEN(zones); i++) {
		cp_tz *tz = load(zones[i]);

		/* Single-threaded here: switching TZ is safe in a test. */
		setenv("TZ", zones[i], 1);
		tzset();
		bad = 0;
		for (t = 946684800; t < 4102444800; t += 86400 * 7 + 3607) {
			if (localtime_r(&t, &tm) != NULL &&
			    tm.tm_gmtoff != cp_tz_offset(tz, t))
				bad++;
		}
		if (bad != 0)
			fprintf(stderr, "%s: %d differences\n", zones[i], bad);
		CU_ASSERT_EQUAL(bad, 0);
		cp_tz_free(tz);
	}
	unsetenv("TZ");
	tzset();
}

static void
test_tz_bad_names_are_refused(void)
{
	char why[256];
	cp_tz *tz = NULL;

	CU_ASSERT_EQUAL(cp_tz_load("../../etc/passwd", &tz, why,
	    sizeof(why)), CP_E_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a time zone name"));
	CU_ASSERT_EQUAL(cp_tz_load("/etc/localtime", &tz, why, sizeof(why)),
	    CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_tz_load("", &tz, why, sizeof(why)), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_tz_load("Asia/Tokio", &tz, why, sizeof(why)),
	    CP_E_NOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "unknown time zone 'Asia/Tokio'"));
	CU_ASSERT_EQUAL(cp_tz_load("leapseconds", &tz, why, sizeof(why)),
	    CP_E_PARSE);
	CU_ASSERT_PTR_NULL(tz);
	CU_ASSERT_FALSE(cp_tz_name_ok("a b"));
	CU_ASSERT_TRUE(cp_tz_name_ok("America/Argentina/Buenos_Aires"));
	CU_ASSERT_TRUE(cp_tz_name_ok("Etc/GMT+9"));
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "fixed", test_tz_fixed_zone_and_utc },
		{ "dst", test_tz_daylight_saving_gap_and_overlap },
		{ "libc", test_tz_agrees_with_the_c_library },
		{ "names", test_tz_bad_names_are_refused },
		{ NULL, NULL }
	};

	return cp_test_run("tz", tests);
}
