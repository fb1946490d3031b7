/* unit_aws_sigv4: SigV4 against the signatures published in the AWS
 * documentation, and the URI encoder. */
#include <stdio.h>
#include <string.h>

#include "operators/aws_sigv4.h"
#include "tests/unit.h"

static void
test_get_vanilla(void)
{
	struct aws_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	struct aws_sigv4_request r = {
		.method = "GET", .path = "/", .query = "", .headers = h,
		.nheaders = 2, .payload_sha256 = AWS_EMPTY_SHA256,
		.region = "us-east-1", .service = "service",
		.access_key_id = "AKIDEXAMPLE",
		.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		.time_s = 1440938160,
	};
	struct aws_sigv4_result res;

	CHECK_MSG(aws_sigv4_sign(&r, &res, NULL) == 0, "sign");
	CHECK_MSG(strcmp(res.amz_date, "20150830T123600Z") == 0, "%s",
	      res.amz_date);
	CHECK_MSG(strcmp(res.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a"
		     "2260956d9b8aae1d763fbf31") == 0, "get-vanilla: %s",
	      res.signature);
	CHECK_MSG(strcmp(res.authorization,
		     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
		     "us-east-1/service/aws4_request, SignedHeaders=host;"
		     "x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e83"
		     "72ff2a2260956d9b8aae1d763fbf31") == 0, "%s",
	      res.authorization);
	aws_sigv4_result_free(&res);
}

static void
test_s3_get_range(void)
{
	struct aws_header h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", AWS_EMPTY_SHA256 },
		{ "x-amz-date", "20130524T000000Z" },
	};
	struct aws_sigv4_request r = {
		.method = "GET", .path = "/test.txt", .headers = h,
		.nheaders = 4, .payload_sha256 = AWS_EMPTY_SHA256,
		.region = "us-east-1", .service = "s3",
		.access_key_id = "AKIAIOSFODNN7EXAMPLE",
		.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		.time_s = 1369353600,
	};
	struct aws_sigv4_result res;

	CHECK_MSG(aws_sigv4_sign(&r, &res, NULL) == 0, "sign");
	CHECK_MSG(strcmp(res.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f01"
		     "70aba48dd91039c6036bdb41") == 0, "s3 range: %s",
	      res.signature);
	CHECK_MSG(strstr(res.authorization, "SignedHeaders=host;range;"
		     "x-amz-content-sha256;x-amz-date,") != NULL, "%s",
	      res.authorization);
	aws_sigv4_result_free(&res);
}

static void
test_no_host(void)
{
	struct aws_header h[] = { { "X-Amz-Date", "20150830T123600Z" } };
	struct aws_sigv4_request r = {
		.method = "GET", .path = "/", .headers = h, .nheaders = 1,
		.payload_sha256 = AWS_EMPTY_SHA256, .region = "us-east-1",
		.service = "s3", .access_key_id = "A",
		.secret_access_key = "B", .time_s = 0,
	};
	struct aws_sigv4_result res;
	struct sl_err err;

	CHECK_MSG(aws_sigv4_sign(&r, &res, &err) < 0, "unsigned host accepted");
	CHECK_MSG(strstr(err.msg, "host") != NULL, "%s", err.msg);
}

static void
test_uri_encode(void)
{
	static const struct { const char *in; int slash; const char *out; } t[] = {
		{ "a b+c", 0, "a%20b%2Bc" },
		{ "dir/file.csv", 1, "dir/file.csv" },
		{ "dir/file.csv", 0, "dir%2Ffile.csv" },
		{ "~-_.", 0, "~-_." },
		{ "\xc3\xa9=*", 0, "%C3%A9%3D%2A" },
		{ "", 0, "" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++) {
		struct buf b;

		buf_init(&b, 0);
		aws_uri_encode(&b, t[i].in, t[i].slash);
		CHECK_MSG(strcmp(buf_str(&b), t[i].out) == 0, "encode '%s': '%s'",
		      t[i].in, buf_str(&b));
		buf_free(&b);
	}
}

static void
test_sha256(void)
{
	char hex[65];

	aws_sha256_hex("", 0, hex);
	CHECK_MSG(strcmp(hex, AWS_EMPTY_SHA256) == 0, "%s", hex);
	aws_sha256_hex("hello", 5, hex);
	CHECK_MSG(strcmp(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73"
		     "043362938b9824") == 0, "%s", hex);
}

int
main(void)
{
	RUN(test_get_vanilla);
	RUN(test_s3_get_range);
	RUN(test_no_host);
	RUN(test_uri_encode);
	RUN(test_sha256);
	return UNIT_END();
}
