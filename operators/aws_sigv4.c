/* aws_sigv4.c: AWS Signature Version 4 (canonical request, string to sign,
 * signing key, Authorization header). */
#include "operators/aws_sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"

void
aws_sha256_hex(const void *data, size_t len, char out[65])
{
	sl_sha256_hex(data, len, out);
}

static void
hmac_sha256(const void *key, size_t keylen, const char *msg,
	    unsigned char out[32])
{
	sl_hmac_sha256(key, keylen, msg, strlen(msg), out);
}

void
aws_uri_encode(struct buf *b, const char *s, int keep_slash)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' ||
		    *p == '~' || (keep_slash && *p == '/'))
			buf_addc(b, (char)*p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

struct header_line {
	char *name;	/* lower case */
	char *value;	/* trimmed, inner runs of spaces collapsed */
};

static int
header_cmp(const void *a, const void *b)
{
	return strcmp(((const struct header_line *)a)->name,
		      ((const struct header_line *)b)->name);
}

/* Trim a header value and collapse runs of blanks to one space. */
static char *
header_value_canonical(const char *v)
{
	struct buf b;
	int space = 0;

	buf_init(&b, 0);
	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if (space && b.len > 0)
			buf_addc(&b, ' ');
		space = 0;
		buf_addc(&b, *v);
	}
	return buf_steal(&b);
}

struct query_pair {
	const char *key;
	size_t keylen;
	const char *value;
	size_t valuelen;
};

static int
query_cmp(const void *a, const void *b)
{
	const struct query_pair *x = a, *y = b;
	int c;

	c = memcmp(x->key, y->key, SL_MIN(x->keylen, y->keylen));
	if (c == 0 && x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	if (c != 0)
		return c;
	c = memcmp(x->value, y->value, SL_MIN(x->valuelen, y->valuelen));
	if (c == 0 && x->valuelen != y->valuelen)
		return x->valuelen < y->valuelen ? -1 : 1;
	return c;
}

/* The query as sent is already encoded: split, sort by key then value. */
static void
canonical_query(struct buf *out, const char *q)
{
	struct query_pair *pairs = NULL;
	size_t n = 0, cap = 0;
	const char *p = q;

	if (q == NULL || *q == '\0')
		return;
	while (*p) {
		const char *end = strchr(p, '&'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > 0) {
			SL_GROW(pairs, cap, n + 1);
			eq = memchr(p, '=', len);
			pairs[n].key = p;
			pairs[n].keylen = eq ? (size_t)(eq - p) : len;
			pairs[n].value = eq ? eq + 1 : p + len;
			pairs[n].valuelen = eq ? len - pairs[n].keylen - 1 : 0;
			n++;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	qsort(pairs, n, sizeof *pairs, query_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(out, '&');
		buf_add(out, pairs[i].key, pairs[i].keylen);
		buf_addc(out, '=');
		buf_add(out, pairs[i].value, pairs[i].valuelen);
	}
	free(pairs);
}

int
aws_sigv4_sign(const struct aws_sigv4_request *req,
	       struct aws_sigv4_result *out, struct sl_err *err)
{
	struct header_line *hl = NULL;
	size_t hlcap = 0;
	struct buf cr, signed_names, sts, key;
	char date[9], scope_hash[65];
	unsigned char k[32], sig[32];
	struct tm tm;
	time_t t = (time_t)req->time_s;
	size_t n = 0;
	int have_host = 0;

	memset(out, 0, sizeof *out);
	if (gmtime_r(&t, &tm) == NULL)
		return sl_err_set(err, "SigV4: bad request time");
	strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm);
	memcpy(date, out->amz_date, 8);
	date[8] = '\0';

	/* Canonical headers: lower-case names, sorted, duplicates joined. */
	for (size_t i = 0; i < req->nheaders; i++) {
		char *name = xstrdup(req->headers[i].name);
		char *value = header_value_canonical(req->headers[i].value);

		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strcmp(name, "host") == 0)
			have_host = 1;
		for (size_t j = 0; j < n; j++) {
			if (strcmp(hl[j].name, name) == 0) {
				char *joined = xasprintf("%s,%s", hl[j].value,
							 value);
				free(hl[j].value);
				hl[j].value = joined;
				free(name);
				free(value);
				name = NULL;
				break;
			}
		}
		if (name == NULL)
			continue;
		SL_GROW(hl, hlcap, n + 1);
		hl[n].name = name;
		hl[n].value = value;
		n++;
	}
	if (!have_host) {
		for (size_t i = 0; i < n; i++) {
			free(hl[i].name);
			free(hl[i].value);
		}
		free(hl);
		return sl_err_set(err, "SigV4: the host header must be signed");
	}
	qsort(hl, n, sizeof *hl, header_cmp);

	buf_init(&cr, 0);
	buf_init(&signed_names, 0);
	buf_printf(&cr, "%s\n", req->method);
	if (req->path == NULL || req->path[0] == '\0')
		buf_adds(&cr, "/");
	else if (strcmp(req->service, "s3") == 0)
		buf_adds(&cr, req->path);
	else
		aws_uri_encode(&cr, req->path, 1);	/* encoded twice */
	buf_addc(&cr, '\n');
	canonical_query(&cr, req->query);
	buf_addc(&cr, '\n');
	for (size_t i = 0; i < n; i++) {
		buf_printf(&cr, "%s:%s\n", hl[i].name, hl[i].value);
		buf_printf(&signed_names, "%s%s", i ? ";" : "", hl[i].name);
		free(hl[i].name);
		free(hl[i].value);
	}
	free(hl);
	buf_printf(&cr, "\n%s\n%s", buf_str(&signed_names),
		   req->payload_sha256);

	aws_sha256_hex(cr.data, cr.len, scope_hash);
	buf_init(&sts, 0);
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
		   out->amz_date, date, req->region, req->service, scope_hash);

	/* Signing key: HMAC chain over date, region, service. */
	buf_init(&key, 0);
	buf_printf(&key, "AWS4%s", req->secret_access_key);
	hmac_sha256(key.data, key.len, date, k);
	sl_wipe(key.data, key.len);
	buf_free(&key);
	hmac_sha256(k, sizeof k, req->region, k);
	hmac_sha256(k, sizeof k, req->service, k);
	hmac_sha256(k, sizeof k, "aws4_request", k);
	hmac_sha256(k, sizeof k, buf_str(&sts), sig);
	sl_wipe(k, sizeof k);
	sl_hex(sig, sizeof sig, out->signature);

	out->authorization = xasprintf(
	    "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", req->access_key_id, date,
	    req->region, req->service, buf_str(&signed_names), out->signature);
	out->canonical_request = buf_steal(&cr);
	out->string_to_sign = buf_steal(&sts);
	buf_free(&signed_names);
	return 0;
}

void
aws_sigv4_result_free(struct aws_sigv4_result *r)
{
	free(r->canonical_request);
	free(r->string_to_sign);
	free(r->authorization);
	r->canonical_request = r->string_to_sign = r->authorization = NULL;
}
