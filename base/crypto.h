/*
 * crypto.h: the few cryptographic building blocks sluice's own code uses:
 * SHA-256 (a DAG file's version, an API token's stored form, the CSP
 * hashes of inline blocks), HMAC-SHA256 (AWS request signing), base64,
 * random bytes from the kernel, a comparison in constant time and a wipe
 * the compiler keeps. They are here, not taken from libcrypto, so that a
 * process that runs no S3, warehouse, email or SSH work never loads
 * libcrypto and the TLS stacks behind libcurl and libpq (base/lazylib.h):
 * the scheduler's memory and every command's start stay small.
 */
#ifndef SLUICE_CRYPTO_H
#define SLUICE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SL_SHA256_LEN 32

struct sl_sha256 {
	uint32_t h[8];
	uint64_t bytes;			/* hashed so far */
	unsigned char block[64];	/* the partial block */
	size_t n;			/* bytes in block */
};

void sl_sha256_init(struct sl_sha256 *c);
void sl_sha256_update(struct sl_sha256 *c, const void *data, size_t len);
/* The digest; c is spent (init it again to reuse it). */
void sl_sha256_final(struct sl_sha256 *c, unsigned char out[SL_SHA256_LEN]);
/* One-shot forms: the digest, and the digest in lowercase hex. */
void sl_sha256(const void *data, size_t len, unsigned char out[SL_SHA256_LEN]);
void sl_sha256_hex(const void *data, size_t len, char out[2 * SL_SHA256_LEN + 1]);
/* HMAC-SHA256 (RFC 2104) of msg under key; out may alias key. */
void sl_hmac_sha256(const void *key, size_t keylen, const void *msg,
		    size_t msglen, unsigned char out[SL_SHA256_LEN]);

/* n bytes in lowercase hex into out (2n + 1 bytes, NUL-terminated). */
void sl_hex(const void *data, size_t n, char *out);

/* The length of the base64 (RFC 4648, padded) of n bytes. */
#define SL_BASE64_LEN(n) (4 * (((n) + 2) / 3))
/* base64 of n bytes into out (SL_BASE64_LEN(n) + 1 bytes), NUL-terminated;
 * returns its length. */
size_t sl_base64_encode(const void *data, size_t n, char *out);
/* Decode padded base64 (len a multiple of 4, no spaces) into out (3 *
 * len / 4 bytes at most): the decoded length, or -1 when s is not that. */
long sl_base64_decode(const char *s, size_t len, unsigned char *out);

/* n random bytes from the kernel (getrandom); 0, or -1 (errno set). */
int sl_random_bytes(void *out, size_t n);
/* Are a and b (n bytes each) equal? Takes the same time wherever they
 * differ. */
int sl_mem_equal_ct(const void *a, const void *b, size_t n);
/* Zero n bytes of a secret; the compiler cannot leave it out. */
void sl_wipe(void *p, size_t n);

#endif
