/*
 * aws_sigv4.h: AWS Signature Version 4, written against the AWS
 * specification with base/crypto.h's SHA-256 and HMAC (no SDK, and not
 * libcurl's CURLOPT_AWS_SIGV4, which mis-signs S3 query strings in curl
 * 7.88).
 *
 * The signer is a pure function of its inputs, including the time, so tests
 * can pin the clock and compare with botocore byte for byte.
 */
#ifndef SLUICE_AWS_SIGV4_H
#define SLUICE_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

/* SHA-256 of "" in hex: the payload hash of every body-less request. */
#define AWS_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct aws_header {
	const char *name;
	const char *value;
};

struct aws_sigv4_request {
	const char *method;		/* "GET" */
	const char *path;		/* URI-encoded once, as sent: "/b/a%20b" */
	const char *query;		/* encoded "k=v&k2=v2" as sent, or NULL */
	const struct aws_header *headers; /* every header to sign, incl. host */
	size_t nheaders;
	const char *payload_sha256;	/* hex, or "UNSIGNED-PAYLOAD" */
	const char *region;
	const char *service;		/* signing name: s3, glue, sts, ... */
	const char *access_key_id;
	const char *secret_access_key;
	int64_t time_s;			/* request time, seconds since the epoch */
};

struct aws_sigv4_result {
	char amz_date[17];		/* 20150830T123600Z: send as X-Amz-Date */
	char signature[65];
	char *canonical_request;	/* owned; free with aws_sigv4_result_free */
	char *string_to_sign;
	char *authorization;		/* the Authorization header's value */
};

/* Sign a request. The caller sends X-Amz-Date (and the other signed
 * headers) exactly as passed. S3 paths are used as given; other services'
 * paths are encoded a second time, as the specification says. */
int aws_sigv4_sign(const struct aws_sigv4_request *req,
		   struct aws_sigv4_result *out, struct sl_err *err);
void aws_sigv4_result_free(struct aws_sigv4_result *r);

/* Lower-case hex SHA-256 of data into out[65]. */
void aws_sha256_hex(const void *data, size_t len, char out[65]);

/* RFC 3986 percent-encoding as SigV4 wants it (unreserved characters kept,
 * everything else %XX upper-case); '/' kept when keep_slash. Appends to b. */
void aws_uri_encode(struct buf *b, const char *s, int keep_slash);

#endif
