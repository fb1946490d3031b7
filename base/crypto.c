/*
 * crypto.c: SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104), base64 (RFC
 * 4648), random bytes, a constant-time comparison and a wipe. See
 * crypto.h for why they are sluice's own.
 */
#include "base/crypto.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], k = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = k + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) +
			      ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));

		k = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void
sl_sha256_init(struct sl_sha256 *c)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, h0, sizeof h0);
	c->bytes = 0;
	c->n = 0;
}

void
sl_sha256_update(struct sl_sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	c->bytes += len;
	if (c->n > 0) {
		size_t take = 64 - c->n < len ? 64 - c->n : len;

		memcpy(c->block + c->n, p, take);
		c->n += take, p += take, len -= take;
		if (c->n < 64)
			return;
		sha256_block(c->h, c->block);
		c->n = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(c->h, p);
	memcpy(c->block, p, len);
	c->n = len;
}

void
sl_sha256_final(struct sl_sha256 *c, unsigned char out[SL_SHA256_LEN])
{
	uint64_t bits = c->bytes * 8;

	c->block[c->n++] = 0x80;
	if (c->n > 56) {
		memset(c->block + c->n, 0, 64 - c->n);
		sha256_block(c->h, c->block);
		c->n = 0;
	}
	memset(c->block + c->n, 0, 56 - c->n);
	for (int i = 0; i < 8; i++)
		c->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_block(c->h, c->block);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
	sl_wipe(c, sizeof *c);
}

void
sl_sha256(const void *data, size_t len, unsigned char out[SL_SHA256_LEN])
{
	struct sl_sha256 c;

	sl_sha256_init(&c);
	sl_sha256_update(&c, data, len);
	sl_sha256_final(&c, out);
}

void
sl_sha256_hex(const void *data, size_t len, char out[2 * SL_SHA256_LEN + 1])
{
	unsigned char md[SL_SHA256_LEN];

	sl_sha256(data, len, md);
	sl_hex(md, sizeof md, out);
}

void
sl_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
	       unsigned char out[SL_SHA256_LEN])
{
	unsigned char k[64] = {0}, pad[64], inner[SL_SHA256_LEN];
	struct sl_sha256 c;

	if (keylen > sizeof k)
		sl_sha256(key, keylen, k);
	else
		memcpy(k, key, keylen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sl_sha256_init(&c);
	sl_sha256_update(&c, pad, sizeof pad);
	sl_sha256_update(&c, msg, msglen);
	sl_sha256_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sl_sha256_init(&c);
	sl_sha256_update(&c, pad, sizeof pad);
	sl_sha256_update(&c, inner, sizeof inner);
	sl_sha256_final(&c, out);
	sl_wipe(k, sizeof k);
	sl_wipe(pad, sizeof pad);
	sl_wipe(inner, sizeof inner);
}

void
sl_hex(const void *data, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
sl_base64_encode(const void *data, size_t n, char *out)
{
	const unsigned char *p = data;
	char *o = out;

	for (; n >= 3; p += 3, n -= 3) {
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (n > 0) {
		uint32_t v = (uint32_t)p[0] << 16 | (n > 1 ? (uint32_t)p[1] << 8 : 0);

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return (size_t)(o - out);
}

/* A base64 letter's value, or -1. */
static int
b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

long
sl_base64_decode(const char *s, size_t len, unsigned char *out)
{
	unsigned char *o = out;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int j = 0; j < 4; j++) {
			unsigned char ch = (unsigned char)s[i + j];

			/* "=" only ends the last group: "xx==" or "xxx=" */
			if (ch == '=' && i + 4 == len && j >= 2 &&
			    (j == 3 || s[i + 3] == '=')) {
				v[j] = 0;
				pad++;
				continue;
			}
			if ((v[j] = b64_value(ch)) < 0)
				return -1;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
			     (uint32_t)v[2] << 6 | (uint32_t)v[3];

		*o++ = (unsigned char)(w >> 16);
		if (pad < 2)
			*o++ = (unsigned char)(w >> 8);
		if (pad < 1)
			*o++ = (unsigned char)w;
	}
	return (long)(o - out);
}

int
sl_random_bytes(void *out, size_t n)
{
	unsigned char *p = out;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += got, n -= (size_t)got;
	}
	return 0;
}

int
sl_mem_equal_ct(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

void
sl_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}
