/*
 * test_secret.c - the key file and AES-256-GCM sealing: round trips,
 * tampering, another key, and no plain text in the database.
 */
#include "storetest.h"

#define SECRET "S3cr3t-Value-ZK4Q9-never-stored-in-clear"

static void
test_secret_round_trip(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	static const unsigned char bin[] = {0, 1, 2, 0xff, 0, 'x'};
	unsigned char *blob = NULL;
	size_t len = 0, n = 0;
	char *plain = NULL;

	CU_ASSERT_EQUAL_FATAL(
	    cp_store_seal(st, SECRET, strlen(SECRET), &blob, &len), CP_OK);
	CU_ASSERT_EQUAL(len, 1 + 12 + strlen(SECRET) + 16);
	CU_ASSERT_EQUAL(blob[0], 1);
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_unseal(st, blob, len, &plain, &n), CP_OK);
	CU_ASSERT_EQUAL(n, strlen(SECRET));
	CU_ASSERT_STRING_EQUAL(plain, SECRET);
	cp_memwipe(plain, n);
	free(plain);
	free(blob);
	/* Binary with NULs. */
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_seal(st, bin, sizeof(bin), &blob, &len), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_unseal(st, blob, len, &plain, &n), CP_OK);
	CU_ASSERT_EQUAL(n, sizeof(bin));
	CU_ASSERT(memcmp(plain, bin, sizeof(bin)) == 0);
	CU_ASSERT_EQUAL(plain[n], '\0');
	free(plain);
	free(blob);
	/* Empty. */
	CU_ASSERT_EQUAL_FATAL(cp_store_seal(st, "", 0, &blob, &len), CP_OK);
	CU_ASSERT_EQUAL(len, 29);
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_unseal(st, blob, len, &plain, &n), CP_OK);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_STRING_EQUAL(plain, "");
	free(plain);
	free(blob);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_secret_nonce_is_random(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	unsigned char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	CU_ASSERT_EQUAL_FATAL(
	    cp_store_seal(st, SECRET, strlen(SECRET), &a, &la), CP_OK);
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_seal(st, SECRET, strlen(SECRET), &b, &lb), CP_OK);
	CU_ASSERT_EQUAL(la, lb);
	CU_ASSERT(memcmp(a + 1, b + 1, 12) != 0);
	CU_ASSERT(memcmp(a, b, la) != 0);
	CU_ASSERT_PTR_NULL(memmem(a, la, SECRET, strlen(SECRET)));
	free(a);
	free(b);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_secret_tamper_detected(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	unsigned char *blob = NULL;
	size_t len = 0, i, n;
	char *plain;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(
	    cp_store_seal(st, SECRET, strlen(SECRET), &blob, &len), CP_OK);
	/* Every byte: format, nonce, ciphertext and tag. */
	for (i = 0; i < len; i++) {
		blob[i] ^= 0x01;
		plain = (char *)1;
		if (cp_store_unseal(st, blob, len, &plain, &n) != CP_E_CRYPTO ||
		    plain != NULL)
			bad++;
		if (strstr(cp_store_errmsg(st), SECRET) != NULL)
			bad++;
		blob[i] ^= 0x01;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Cut short, or by the tag only. */
	CU_ASSERT_EQUAL(
	    cp_store_unseal(st, blob, len - 1, &plain, &n), CP_E_CRYPTO);
	CU_ASSERT_EQUAL(cp_store_unseal(st, blob, 28, &plain, &n), CP_E_CRYPTO);
	CU_ASSERT_EQUAL(cp_store_unseal(st, blob, 0, &plain, &n), CP_E_CRYPTO);
	CU_ASSERT_EQUAL(cp_store_unseal(st, NULL, 0, &plain, &n), CP_E_CRYPTO);
	/* Untouched, it still opens. */
	CU_ASSERT_EQUAL(cp_store_unseal(st, blob, len, &plain, &n), CP_OK);
	free(plain);
	free(blob);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_secret_wrong_key(void)
{
	struct st_fixture f1, f2;
	cp_store *a = st_open_new(&f1);
	cp_store *b = st_open_new(&f2);
	unsigned char *blob = NULL;
	char *plain = NULL;
	size_t len = 0, n = 0;

	CU_ASSERT_EQUAL_FATAL(
	    cp_store_seal(a, SECRET, strlen(SECRET), &blob, &len), CP_OK);
	CU_ASSERT_EQUAL(cp_store_unseal(b, blob, len, &plain, &n), CP_E_CRYPTO);
	CU_ASSERT_PTR_NULL(plain);
	CU_ASSERT(st_msg_has(b, "another key"));
	CU_ASSERT_PTR_NULL(strstr(cp_store_errmsg(b), SECRET));
	free(blob);
	cp_store_close(a);
	cp_store_close(b);
	st_fixture_done(&f1);
	st_fixture_done(&f2);
}

static void
test_secret_key_persists(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	unsigned char *blob = NULL;
	char *plain = NULL, *key = NULL;
	size_t len = 0, n = 0, klen = 0;

	CU_ASSERT_EQUAL(st_mode(f.key), 0600);
	CU_ASSERT_EQUAL_FATAL(cp_file_read(f.key, 64, &key, &klen), CP_OK);
	CU_ASSERT_EQUAL(klen, 32);
	free(key);
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_seal(st, SECRET, strlen(SECRET), &blob, &len), CP_OK);
	cp_store_close(st);
	CU_ASSERT_EQUAL_FATAL(
	    cp_store_open(f.dir, CP_STORE_CREATE, &st), CP_OK);
	CU_ASSERT_EQUAL(cp_store_unseal(st, blob, len, &plain, &n), CP_OK);
	CU_ASSERT_STRING_EQUAL(plain, SECRET);
	free(plain);
	free(blob);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_secret_limits(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	unsigned char *blob = NULL;
	size_t len = 0;
	char *big;

	big = calloc(1, CP_STORE_SECRET_MAX + 1);
	CU_ASSERT_FATAL(big != NULL);
	CU_ASSERT_EQUAL(
	    cp_store_seal(st, big, CP_STORE_SECRET_MAX + 1, &blob, &len),
	    CP_E_LIMIT);
	CU_ASSERT_PTR_NULL(blob);
	CU_ASSERT_EQUAL(cp_store_seal(st, NULL, 3, &blob, &len), CP_E_INVALID);
	free(big);
	cp_store_close(st);
	st_fixture_done(&f);
}

static void
test_secret_key_symlink_refused(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	char real[800];

	cp_store_close(st);
	snprintf(real, sizeof(real), "%s/elsewhere.key", f.tmp);
	CU_ASSERT_FATAL(rename(f.key, real) == 0);
	CU_ASSERT_FATAL(symlink(real, f.key) == 0);
	CU_ASSERT_EQUAL(cp_store_open(f.dir, CP_STORE_CREATE, &st), CP_E_PERM);
	CU_ASSERT(st_msg_has(st, f.key));
	cp_store_close(st);
	st_fixture_done(&f);
}

/* Reads the database and its WAL and looks for needle in them. */
static int
file_has(const char *path, const char *needle)
{
	char *data = NULL;
	size_t len = 0;
	int found;

	if (cp_file_read(path, 64u << 20, &data, &len) != CP_OK)
		return 0;
	found = memmem(data, len, needle, strlen(needle)) != NULL;
	free(data);
	return found;
}

static void
test_secret_not_stored_in_clear(void)
{
	struct st_fixture f;
	cp_store *st = st_open_new(&f);
	json_t *params = json_pack("{s:s}", "client_id", "public-client-id");
	json_t *secrets = json_pack("{s:s}", "client_secret", SECRET);
	json_t *cred = NULL;
	char wal[800];
	int64_t pid = 0, eid = 0;

	CU_ASSERT_FATAL(params != NULL && secrets != NULL);
	CU_ASSERT_EQUAL_FATAL(cp_portal_add(st, "acme", "en", &pid), CP_OK);
	CU_ASSERT_EQUAL_FATAL(cp_env_add(st, pid, "prod", "azure", "tenant-1",
				  1, params, secrets, &eid),
	    CP_OK);
	snprintf(wal, sizeof(wal), "%s-wal", f.db);
	/* The control: public values are found, so the search works. */
	CU_ASSERT(file_has(wal, "public-client-id") ||
		  file_has(f.db, "public-client-id"));
	CU_ASSERT(!file_has(wal, SECRET));
	CU_ASSERT(!file_has(f.db, SECRET));
	CU_ASSERT(!file_has(wal, "client_secret"));
	CU_ASSERT_EQUAL(cp_env_credentials(st, eid, &cred), CP_OK);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(cred, "client_secret")), SECRET);
	json_decref(cred);
	cp_store_close(st);
	/* Checkpointed into the main file on close: still not there. */
	CU_ASSERT(file_has(f.db, "public-client-id"));
	CU_ASSERT(!file_has(f.db, SECRET));
	json_decref(params);
	json_decref(secrets);
	st_fixture_done(&f);
}

int
main(void)
{
	static const struct cp_test tests[] = {
	    {"round_trip", test_secret_round_trip},
	    {"nonce_is_random", test_secret_nonce_is_random},
	    {"tamper_detected", test_secret_tamper_detected},
	    {"wrong_key", test_secret_wrong_key},
	    {"key_persists", test_secret_key_persists},
	    {"limits", test_secret_limits},
	    {"key_symlink_refused", test_secret_key_symlink_refused},
	    {"not_stored_in_clear", test_secret_not_stored_in_clear},
	    {NULL, NULL}};

	return cp_test_run("secret", tests);
}
