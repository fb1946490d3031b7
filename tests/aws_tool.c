/* aws_tool: a small driver over sluice's AWS client for the shell tests
 * (tests/s3_*.sh, tests/aws_*.sh):
 *
 *   aws_tool list s3://bucket/prefix      print "key size" per object, then a count
 *   aws_tool head s3://bucket/key         "exists SIZE" or "missing"
 *   aws_tool get s3://bucket/key          object bytes to stdout (streamed)
 *   aws_tool whoami [SERVICE]             access key id and where it came from
 *   aws_tool call SERVICE TARGET JSON     one JSON 1.1 call, answer to stdout
 *   aws_tool catalog FILE                 the builtin catalogue as JSON
 *   aws_tool call-n N SERVICE TARGET JSON the same call N times in one process
 *                                         (credentials cached between them),
 *                                         moving the clock forward
 *                                         $AWS_TOOL_CLOCK_STEP_S seconds
 *                                         before each call after the first
 *
 * The connection comes from $AWS_TOOL_CONN (a JSON object), else the
 * environment. Errors go to stderr; exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "operators/aws_creds.h"
#include "operators/aws_json.h"
#include "operators/aws_s3.h"
#include "operators/catalog.h"

static int
print_each(void *arg, const char *key, int64_t size)
{
	long *n = arg;

	printf("%s %lld\n", key, (long long)size);
	(*n)++;
	return 0;
}

static int
write_out(void *arg, const void *data, size_t len)
{
	return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

static int64_t clock_offset_ms;

static int64_t
shifted_clock(void)
{
	return sl_now_ms() + clock_offset_ms;
}

static json_t *
tool_conn(void)
{
	const char *s = getenv("AWS_TOOL_CONN");

	return s ? json_loads(s, 0, NULL) : NULL;
}

int
main(int argc, char **argv)
{
	struct aws_client *c = NULL;
	struct sl_err err;
	json_t *conn = tool_conn();
	char *bucket = NULL, *key = NULL;
	int rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: aws_tool list|head|get|whoami|call ...\n");
		return 2;
	}
	if (strcmp(argv[1], "catalog") == 0 && argc == 3) {
		json_t *dump = catalog_dump(argv[2], &err);

		if (dump == NULL)
			goto fail;
		json_dumpf(dump, stdout, JSON_SORT_KEYS | JSON_COMPACT);
		printf("\n");
		json_decref(dump);
		return 0;
	}
	if (strcmp(argv[1], "call-n") == 0) {
		const char *step = getenv("AWS_TOOL_CLOCK_STEP_S");
		long long n = 0, i;
		json_t *req;

		if (argc != 6 || sl_parse_int(argv[2], 1, 1000, &n) < 0 ||
		    (req = json_loads(argv[5], 0, NULL)) == NULL) {
			fprintf(stderr, "usage: aws_tool call-n N SERVICE TARGET JSON\n");
			return 2;
		}
		aws_clock_ms = shifted_clock;
		if (aws_client_new(conn, argv[3], &c, &err) < 0)
			goto fail;
		for (i = 0; i < n; i++) {
			json_t *resp = NULL;

			if (i > 0 && step != NULL)
				clock_offset_ms += atoll(step) * 1000;
			if (aws_json_call(c, argv[4], req, &resp, NULL, &err) < 0) {
				json_decref(req);
				goto fail;
			}
			json_decref(resp);
		}
		json_decref(req);
		printf("%lld calls\n", n);
		rc = 0;
		goto out;
	}
	if (strcmp(argv[1], "whoami") == 0 || strcmp(argv[1], "call") == 0) {
		const char *svc = argc > 2 ? argv[2] : "s3";

		if (aws_client_new(conn, svc, &c, &err) < 0)
			goto fail;
		if (strcmp(argv[1], "call") == 0) {
			json_t *req, *resp = NULL;

			if (argc != 5 || (req = json_loads(argv[4], 0, NULL)) == NULL) {
				fprintf(stderr, "usage: aws_tool call SERVICE TARGET JSON\n");
				return 2;
			}
			if (aws_json_call(c, argv[3], req, &resp, NULL, &err) < 0) {
				json_decref(req);
				goto fail;
			}
			json_dumpf(resp, stdout, JSON_SORT_KEYS);
			printf("\n");
			json_decref(req);
			json_decref(resp);
			rc = 0;
			goto out;
		}
		printf("%s\n", aws_client_describe(c));
		rc = 0;
		goto out;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: aws_tool %s s3://bucket/key\n", argv[1]);
		return 2;
	}
	if (s3_url_parse(argv[2], &bucket, &key, &err) < 0 ||
	    aws_client_new(conn, "s3", &c, &err) < 0)
		goto fail;
	if (strcmp(argv[1], "list") == 0) {
		long n = 0;

		if (s3_list(c, bucket, key, print_each, &n, &err) < 0)
			goto fail;
		printf("%ld objects\n", n);
	} else if (strcmp(argv[1], "head") == 0) {
		int exists;
		int64_t size;

		if (s3_head(c, bucket, key, &exists, &size, &err) < 0)
			goto fail;
		if (exists)
			printf("exists %lld\n", (long long)size);
		else
			printf("missing\n");
	} else if (strcmp(argv[1], "get") == 0) {
		if (s3_get(c, bucket, key, write_out, NULL, &err) < 0)
			goto fail;
		fflush(stdout);
	} else {
		fprintf(stderr, "unknown command %s\n", argv[1]);
		return 2;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "aws_tool: %s\n", err.msg);
out:
	free(bucket);
	free(key);
	aws_client_free(c);
	json_decref(conn);
	return rc;
}
