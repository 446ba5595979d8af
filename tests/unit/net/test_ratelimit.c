/*
 * test_ratelimit.c - the token bucket with explicit times, and the host
 * table: keys, concurrency slots, waits and wake-ups.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "cptest.h"
#include "net/ratelimit.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_ratelimit_bucket_rate_and_burst(void)
{
	struct cp_tbucket b;

	memset(&b, 0, sizeof(b));
	/* Unlimited: always a token. */
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 0), 0);
	cp_tbucket_set(&b, 4, 3, 100.0);
	/* A full bucket: a burst of 3, then one every 250 ms. */
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 100.0), 0);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 100.0), 0);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 100.0), 0);
	CU_ASSERT_DOUBLE_EQUAL(cp_tbucket_take(&b, 100.0), 0.25, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(cp_tbucket_take(&b, 100.125), 0.125, 1e-9);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 100.25), 0);
	CU_ASSERT(cp_tbucket_take(&b, 100.25) > 0);
	/* A long pause refills no more than the burst. */
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 1000.0), 0);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 1000.0), 0);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 1000.0), 0);
	CU_ASSERT(cp_tbucket_take(&b, 1000.0) > 0);
	/* A time going backwards takes nothing it does not have. */
	CU_ASSERT(cp_tbucket_take(&b, 999.0) > 0);
}

static void
test_ratelimit_bucket_change_keeps_tokens(void)
{
	struct cp_tbucket b;

	memset(&b, 0, sizeof(b));
	cp_tbucket_set(&b, 1, 0, 0.0); /* burst below 1 is 1 */
	CU_ASSERT_EQUAL(b.burst, 1);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 0.0), 0);
	CU_ASSERT_DOUBLE_EQUAL(cp_tbucket_take(&b, 0.0), 1.0, 1e-9);
	/* A faster rate applies from now, the empty bucket stays empty. */
	cp_tbucket_set(&b, 100, 5, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(cp_tbucket_take(&b, 0.0), 0.01, 1e-9);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 0.05), 0);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 0.05), 0);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 0.05), 0);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 0.05), 0);
	CU_ASSERT_EQUAL(cp_tbucket_take(&b, 0.05), 0);
	CU_ASSERT(cp_tbucket_take(&b, 0.05) > 0);
}

static void
test_ratelimit_keys(void)
{
	cp_hostlim *lim = cp_hostlim_create();
	struct cp_hostlim_entry *s1, *s2;
	unsigned long gen;
	long w;

	CU_ASSERT_FATAL(lim != NULL);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "", 1, 1, 1, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, NULL, 1, 1, 1, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "h:0", 1, 1, 1, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "h:x", 1, 1, 1, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "a b", 1, 1, 1, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "[::1", 1, 1, 1, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "h", -1, 1, 1, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "h", NAN, 1, 1, 0), CP_E_INVALID);
	CU_ASSERT_EQUAL(
	    cp_hostlim_set(lim, "h", INFINITY, 1, 1, 0), CP_E_INVALID);

	/* A key with a port beats the host's key; names are caseless. */
	CU_ASSERT_EQUAL(
	    cp_hostlim_set(lim, "API.example.com", 0, 0, 1, 0), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_hostlim_set(lim, "api.example.com:8443", 0, 0, 2, 0), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "api.example.com", 443, 0, &s1, &w, &gen),
	    CP_OK);
	CU_ASSERT_PTR_NOT_NULL(s1);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "api.example.com", 443, 0, &s2, &w, &gen),
	    CP_E_BUSY);
	CU_ASSERT_EQUAL(w, -1);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "api.example.com", 8443, 0, &s2, &w, &gen),
	    CP_OK);
	CU_ASSERT(s2 != s1);
	cp_hostlim_release(lim, s2);
	cp_hostlim_release(lim, s1);
	/* Hosts without limits get no slot to release. */
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "other.example.com", 443, 0, &s1, &w, &gen),
	    CP_OK);
	CU_ASSERT_PTR_NULL(s1);
	cp_hostlim_release(lim, NULL);
	/* IPv6 keys, with and without a port. */
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "[::1]:8080", 0, 0, 1, 0), CP_OK);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "2001:db8::1", 0, 0, 1, 0), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "::1", 8080, 0, &s1, &w, &gen), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "::1", 8080, 0, &s2, &w, &gen), CP_E_BUSY);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "2001:db8::1", 443, 0, &s2, &w, &gen), CP_OK);
	CU_ASSERT_EQUAL(cp_hostlim_active(lim, s2), 1);
	cp_hostlim_release(lim, s1);
	cp_hostlim_release(lim, s2);
	CU_ASSERT_EQUAL(cp_hostlim_active(lim, s2), 0);
	cp_hostlim_destroy(lim);
	cp_hostlim_destroy(NULL);
}

static void
test_ratelimit_rate_and_zero_keeps(void)
{
	cp_hostlim *lim = cp_hostlim_create();
	struct cp_hostlim_entry *s, *s2;
	unsigned long gen;
	long w;

	CU_ASSERT_FATAL(lim != NULL);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "h", 2, 1, 0, 10.0), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 443, 10.0, &s, &w, &gen), CP_OK);
	cp_hostlim_release(lim, s);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 443, 10.0, &s, &w, &gen), CP_E_BUSY);
	CU_ASSERT_EQUAL(w, 500);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 443, 10.5, &s, &w, &gen), CP_OK);
	cp_hostlim_release(lim, s);
	/* Zeros leave the rate as it is, and add a concurrency cap. */
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "h", 0, 0, 1, 10.5), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 443, 10.75, &s, &w, &gen), CP_E_BUSY);
	CU_ASSERT_EQUAL(w, 250);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 443, 11.0, &s, &w, &gen), CP_OK);
	/* Full: no token is spent while waiting for the slot. */
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 443, 20.0, &s2, &w, &gen), CP_E_BUSY);
	CU_ASSERT_PTR_NULL(s2);
	CU_ASSERT_EQUAL(w, -1);
	cp_hostlim_release(lim, s);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 443, 20.0, &s, &w, &gen), CP_OK);
	cp_hostlim_release(lim, s);
	cp_hostlim_destroy(lim);
}

static void
test_ratelimit_table_is_bounded(void)
{
	cp_hostlim *lim = cp_hostlim_create();
	char key[64];
	int i;

	CU_ASSERT_FATAL(lim != NULL);
	for (i = 0; i < CP_HOSTLIM_MAX_HOSTS; i++) {
		snprintf(key, sizeof(key), "h%d.example", i);
		CU_ASSERT_EQUAL_FATAL(
		    cp_hostlim_set(lim, key, 1, 1, 1, 0), CP_OK);
	}
	CU_ASSERT_EQUAL(
	    cp_hostlim_set(lim, "one-more.example", 1, 1, 1, 0), CP_E_LIMIT);
	/* Changing a known host still works. */
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "h7.example", 5, 0, 0, 0), CP_OK);
	cp_hostlim_destroy(lim);
}

struct releaser {
	cp_hostlim *lim;
	struct cp_hostlim_entry *slot;
};

static void *
release_later(void *arg)
{
	struct releaser *r = arg;
	struct timespec ts = {0, 100 * 1000000L};

	nanosleep(&ts, NULL);
	cp_hostlim_release(r->lim, r->slot);
	return NULL;
}

static void
test_ratelimit_wait_wakes_on_release(void)
{
	cp_hostlim *lim = cp_hostlim_create();
	struct cp_hostlim_entry *s, *s2;
	struct releaser rel;
	pthread_t t;
	unsigned long gen;
	double t0;
	long w;

	CU_ASSERT_FATAL(lim != NULL);
	CU_ASSERT_EQUAL(cp_hostlim_set(lim, "h", 0, 0, 1, 0), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 1, now_s(), &s, &w, &gen), CP_OK);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 1, now_s(), &s2, &w, &gen), CP_E_BUSY);
	rel.lim = lim;
	rel.slot = s;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, release_later, &rel) == 0);
	t0 = now_s();
	cp_hostlim_wait(lim, gen, 5000);
	CU_ASSERT(now_s() - t0 < 2.0);
	CU_ASSERT(now_s() - t0 >= 0.05);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 1, now_s(), &s, &w, &gen), CP_OK);
	/* A change since gen: no wait at all; none: the timeout. */
	cp_hostlim_release(lim, s);
	t0 = now_s();
	cp_hostlim_wait(lim, gen, 5000);
	CU_ASSERT(now_s() - t0 < 1.0);
	CU_ASSERT_EQUAL(
	    cp_hostlim_try(lim, "h", 1, now_s(), &s, &w, &gen), CP_OK);
	t0 = now_s();
	cp_hostlim_wait(lim, gen, 60);
	CU_ASSERT(now_s() - t0 >= 0.05);
	cp_hostlim_release(lim, s);
	cp_hostlim_destroy(lim);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"bucket_rate_and_burst", test_ratelimit_bucket_rate_and_burst},
	    {"bucket_change_keeps_tokens",
		test_ratelimit_bucket_change_keeps_tokens},
	    {"keys", test_ratelimit_keys},
	    {"rate_and_zero_keeps", test_ratelimit_rate_and_zero_keeps},
	    {"table_is_bounded", test_ratelimit_table_is_bounded},
	    {"wait_wakes_on_release", test_ratelimit_wait_wakes_on_release},
	    {NULL, NULL}};

	return cp_test_run("net/ratelimit", tests);
}
