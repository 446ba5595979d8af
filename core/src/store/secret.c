/*
 * secret.c - the key file and AES-256-GCM sealing of secrets (R-REG-5).
 *
 * <state_dir>/secret.key holds 32 random bytes.  It is written under a
 * temporary name and link()ed into place, which fails when the name exists:
 * two processes creating a store at once agree on one key, and nobody ever
 * reads a half-written key.
 *
 * A sealed blob is: format (1 byte, 1) | nonce (12 random bytes) |
 * ciphertext | tag (16).  The format byte is the additional authenticated
 * data, so a blob relabelled as another format fails too.  With random
 * 96-bit nonces one key may seal about 2^32 blobs before a nonce collision
 * becomes a concern; a store seals one blob per environment change.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store/store_priv.h"

#define SEAL_FORMAT 1
#define NONCE_LEN 12
#define TAG_LEN 16
#define HEAD_LEN (1 + NONCE_LEN)
#define OVERHEAD (HEAD_LEN + TAG_LEN)

static cp_err
read_key_fd(cp_store *st, int fd)
{
	unsigned char key[CP_STORE_KEY_LEN];
	struct stat sb;
	size_t got = 0;
	ssize_t n;
	cp_err r = CP_OK;

	if (fstat(fd, &sb) != 0)
		return cp_store_fail(st, CP_E_IO, "key file %s: %s",
		    st->key_path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return cp_store_fail(st, CP_E_PERM,
		    "key file %s is not a regular file", st->key_path);
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return cp_store_fail(st, CP_E_PERM,
		    "refusing to open the store: key file %s has mode %04o, "
		    "which lets group or others in; run: chmod 600 %s",
		    st->key_path, (unsigned)(sb.st_mode & 07777), st->key_path);
	if (sb.st_size != CP_STORE_KEY_LEN)
		return cp_store_fail(st, CP_E_INVALID,
		    "key file %s has %lld bytes, a key has %d", st->key_path,
		    (long long)sb.st_size, CP_STORE_KEY_LEN);
	while (got < sizeof(key)) {
		n = read(fd, key + got, sizeof(key) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = cp_store_fail(st, CP_E_IO,
			    "reading key file %s: %s", st->key_path,
			    n < 0 ? strerror(errno) : "file is short");
			goto out;
		}
		got += (size_t)n;
	}
	memcpy(st->key, key, sizeof(key));
	st->have_key = 1;
out:
	cp_memwipe(key, sizeof(key));
	return r;
}

static cp_err
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return CP_E_IO;
		p += w;
		n -= (size_t)w;
	}
	return CP_OK;
}

/* Creates the key file; when another opener won the race, reads theirs. */
static cp_err
create_key(cp_store *st)
{
	unsigned char key[CP_STORE_KEY_LEN], rnd[8];
	char tmp[4096];
	int fd = -1, linked;
	cp_err r;

	if (RAND_bytes(key, sizeof(key)) != 1 ||
	    RAND_bytes(rnd, sizeof(rnd)) != 1) {
		r = cp_store_fail(
		    st, CP_E_CRYPTO, "no random bytes for a new key");
		goto out;
	}
	if (cp_snprintf(tmp, sizeof(tmp),
		"%s/.%s.%02x%02x%02x%02x%02x%02x%02x%02x", st->dir,
		CP_STORE_KEY_NAME, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
		rnd[5], rnd[6], rnd[7]) != CP_OK) {
		r = cp_store_fail(st, CP_E_LIMIT, "state dir path too long");
		goto out;
	}
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = cp_store_fail(st, CP_E_IO, "cannot create key file %s: %s",
		    tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, key, sizeof(key)) != CP_OK ||
	    fsync(fd) != 0) {
		r = cp_store_fail(st, CP_E_IO, "cannot write key file %s: %s",
		    tmp, strerror(errno));
		goto out_unlink;
	}
	close(fd);
	fd = -1;
	linked = link(tmp, st->key_path) == 0;
	if (!linked && errno != EEXIST) {
		r = cp_store_fail(st, CP_E_IO, "cannot create key file %s: %s",
		    st->key_path, strerror(errno));
		goto out_unlink;
	}
	unlink(tmp);
	if (!linked) {
		r = cp_store_key_load(st, 0);
		goto out;
	}
	fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
	memcpy(st->key, key, sizeof(key));
	st->have_key = 1;
	r = CP_OK;
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	cp_memwipe(key, sizeof(key));
	return r;
}

cp_err
cp_store_key_load(cp_store *st, int create)
{
	cp_err r;
	int fd;

	fd = open(st->key_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create)
		return create_key(st);
	if (fd < 0 && errno == ENOENT)
		return cp_store_fail(
		    st, CP_E_NOTFOUND, "key file %s is missing", st->key_path);
	if (fd < 0 && errno == ELOOP)
		return cp_store_fail(st, CP_E_PERM,
		    "key file %s is a symbolic link", st->key_path);
	if (fd < 0)
		return cp_store_fail(st, CP_E_IO, "key file %s: %s",
		    st->key_path, strerror(errno));
	r = read_key_fd(st, fd);
	close(fd);
	return r;
}

cp_err
cp_store_seal(cp_store *st, const void *plain, size_t n, unsigned char **blob,
    size_t *blob_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *b = NULL;
	int len;
	cp_err r = CP_E_CRYPTO;

	*blob = NULL;
	*blob_len = 0;
	if (!st->have_key)
		return cp_store_fail(
		    st, CP_E_CRYPTO, "store %s has no key", st->db_path);
	if (n > CP_STORE_SECRET_MAX)
		return cp_store_fail(st, CP_E_LIMIT,
		    "a secret of %zu bytes is larger than %u", n,
		    CP_STORE_SECRET_MAX);
	if (plain == NULL && n > 0)
		return cp_store_fail(st, CP_E_INVALID, "no secret to seal");
	b = malloc(n + OVERHEAD);
	if (b == NULL)
		return cp_store_fail(st, CP_E_NOMEM, "out of memory");
	b[0] = SEAL_FORMAT;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || RAND_bytes(b + 1, NONCE_LEN) != 1 ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) !=
		1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, st->key, b + 1) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, b, 1) != 1)
		goto out;
	if (n > 0 &&
	    (EVP_EncryptUpdate(ctx, b + HEAD_LEN, &len, plain, (int)n) != 1 ||
		(size_t)len != n))
		goto out;
	if (EVP_EncryptFinal_ex(ctx, b + HEAD_LEN + n, &len) != 1 || len != 0 ||
	    EVP_CIPHER_CTX_ctrl(
		ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, b + HEAD_LEN + n) != 1)
		goto out;
	*blob = b;
	*blob_len = n + OVERHEAD;
	b = NULL;
	r = CP_OK;
out:
	if (r != CP_OK)
		cp_store_fail(st, r, "sealing a secret failed");
	EVP_CIPHER_CTX_free(ctx);
	free(b);
	return r;
}

cp_err
cp_store_unseal(cp_store *st, const unsigned char *blob, size_t blob_len,
    char **plain, size_t *n)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char tag[TAG_LEN];
	unsigned char *p = NULL;
	size_t ct_len;
	int len;
	cp_err r = CP_E_CRYPTO;

	*plain = NULL;
	if (n != NULL)
		*n = 0;
	if (!st->have_key)
		return cp_store_fail(
		    st, CP_E_CRYPTO, "store %s has no key", st->db_path);
	if (blob == NULL || blob_len < OVERHEAD)
		return cp_store_fail(st, CP_E_CRYPTO,
		    "a sealed secret is too short (%zu bytes)", blob_len);
	if (blob[0] != SEAL_FORMAT)
		return cp_store_fail(st, CP_E_CRYPTO,
		    "a sealed secret has unknown format %u", blob[0]);
	ct_len = blob_len - OVERHEAD;
	if (ct_len > CP_STORE_SECRET_MAX)
		return cp_store_fail(st, CP_E_LIMIT,
		    "a sealed secret of %zu bytes is too large", blob_len);
	p = malloc(ct_len + 1);
	if (p == NULL)
		return cp_store_fail(st, CP_E_NOMEM, "out of memory");
	memcpy(tag, blob + HEAD_LEN + ct_len, TAG_LEN);
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) !=
		1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, st->key, blob + 1) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, blob, 1) != 1)
		goto out;
	if (ct_len > 0 && (EVP_DecryptUpdate(ctx, p, &len, blob + HEAD_LEN,
			       (int)ct_len) != 1 ||
			      (size_t)len != ct_len))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
		goto out;
	/* The tag is checked here: nothing decrypted is kept before it. */
	if (EVP_DecryptFinal_ex(ctx, p + ct_len, &len) != 1 || len != 0) {
		cp_store_fail(st, CP_E_CRYPTO,
		    "a sealed secret failed "
		    "authentication: it was changed, or sealed under another "
		    "key than %s",
		    st->key_path);
		goto out_wipe;
	}
	p[ct_len] = '\0';
	*plain = (char *)p;
	if (n != NULL)
		*n = ct_len;
	p = NULL;
	r = CP_OK;
	goto out_free;
out:
	cp_store_fail(st, CP_E_CRYPTO, "unsealing a secret failed");
out_wipe:
	if (p != NULL)
		cp_memwipe(p, ct_len + 1);
out_free:
	EVP_CIPHER_CTX_free(ctx);
	free(p);
	return r;
}
