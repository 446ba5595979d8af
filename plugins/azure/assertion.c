/*
 * assertion.c - the client assertion of the certificate credential: a
 * JWT signed RS256 with the application's private key, whose header
 * names the certificate by the base64url SHA-256 of its DER form
 * (x5t#S256) and whose claims are aud (the token URL), iss and sub (the
 * client id), a random jti, nbf/iat (now) and exp (ten minutes on).
 *
 * The PEM text holds the private key and the certificate, in either
 * order (what "openssl req -x509 -newkey ... -nodes" and the Azure CLI's
 * --create-cert write).  Encrypted keys are not supported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "azure.h"

#define AZ_ASSERTION_LIFETIME 600

/* base64url without padding of n bytes into a new string. */
static char *
b64url(const unsigned char *in, size_t n)
{
	size_t cap = 4 * ((n + 2) / 3) + 1, i, j;
	char *out = malloc(cap);
	int len;

	if (out == NULL || n > 1024 * 1024) {
		free(out);
		return NULL;
	}
	len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	for (i = 0, j = 0; i < (size_t)len; i++) {
		if (out[i] == '=')
			break;
		out[j++] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	}
	out[j] = '\0';
	return out;
}

static char *
b64url_json(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT), *out;

	if (s == NULL)
		return NULL;
	out = b64url((const unsigned char *)s, strlen(s));
	free(s);
	return out;
}

/* The key and certificate of pem. */
static int
load_pem(const char *pem, EVP_PKEY **key, X509 **cert)
{
	BIO *b;

	*key = NULL;
	*cert = NULL;
	b = BIO_new_mem_buf(pem, (int)strlen(pem));
	if (b != NULL)
		*key = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	BIO_free(b);
	b = BIO_new_mem_buf(pem, (int)strlen(pem));
	if (b != NULL)
		*cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return *key != NULL && *cert != NULL;
}

cp_err
az_client_assertion(const char *pem, const char *client_id, const char *aud,
    time_t now, char **out, char *why, size_t why_size)
{
	unsigned char digest[32], jti_raw[16], *der = NULL, *sig = NULL;
	char jti[33], *h64 = NULL, *c64 = NULL, *s64 = NULL, *input = NULL;
	unsigned int dlen = 0;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	json_t *head = NULL, *claims = NULL;
	size_t siglen = 0, n, i;
	int derlen;
	cp_err r = CP_E_CRYPTO;

	*out = NULL;
	why[0] = '\0';
	if (!load_pem(pem, &key, &cert)) {
		snprintf(why, why_size, "it must hold an unencrypted private "
		    "key and its certificate in PEM");
		r = CP_E_INVALID;
		goto out;
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		snprintf(why, why_size, "the key must be RSA (RS256)");
		r = CP_E_INVALID;
		goto out;
	}
	derlen = i2d_X509(cert, &der);
	if (derlen <= 0 || !EVP_Digest(der, (size_t)derlen, digest, &dlen,
	    EVP_sha256(), NULL) || RAND_bytes(jti_raw, sizeof(jti_raw)) != 1) {
		snprintf(why, why_size, "hashing the certificate failed");
		goto out;
	}
	for (i = 0; i < sizeof(jti_raw); i++)
		snprintf(jti + 2 * i, 3, "%02x", jti_raw[i]);
	h64 = b64url(digest, dlen);
	head = json_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ", "JWT",
	    "x5t#S256", h64 != NULL ? h64 : "");
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "aud", aud,
	    "iss", client_id, "sub", client_id, "jti", jti,
	    "nbf", (json_int_t)now, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + AZ_ASSERTION_LIFETIME));
	free(h64);
	h64 = NULL;
	if (head == NULL || claims == NULL ||
	    (h64 = b64url_json(head)) == NULL ||
	    (c64 = b64url_json(claims)) == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	n = strlen(h64) + 1 + strlen(c64);
	if ((input = malloc(n + 1)) == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	snprintf(input, n + 1, "%s.%s", h64, c64);
	md = EVP_MD_CTX_new();
	if (md == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input,
	    n) != 1 || (sig = malloc(siglen)) == NULL ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input,
	    n) != 1 || (s64 = b64url(sig, siglen)) == NULL) {
		snprintf(why, why_size, "signing the assertion failed");
		goto out;
	}
	if ((*out = malloc(n + 1 + strlen(s64) + 1)) == NULL) {
		r = CP_E_NOMEM;
		goto out;
	}
	snprintf(*out, n + 1 + strlen(s64) + 1, "%s.%s", input, s64);
	r = CP_OK;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	X509_free(cert);
	OPENSSL_free(der);
	json_decref(head);
	json_decref(claims);
	free(h64);
	free(c64);
	free(s64);
	free(sig);
	free(input);
	return r;
}
