/*
 * aws_client.h: one AWS service endpoint with its credentials and region,
 * and signed calls to it (SigV4, retries with jittered back-off on
 * throttling and 5xx, AWS error codes in messages, secrets never in them).
 *
 * Calls are asynchronous on a libevent loop (the scheduler's, for sensor
 * pokes) or blocking (aws_call, for operator processes). Both share one
 * implementation: a blocking call runs the loop of aws_http_blocking_base().
 */
#ifndef SLUICE_AWS_CLIENT_H
#define SLUICE_AWS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/util.h"

struct event_base;
struct aws_client;
struct aws_creds_provider;
struct aws_call;

/*
 * A client for service ("s3", "glue", "emr", "sts", "athena", "lambda") configured from a
 * connection object (may be NULL: the default chain from the environment).
 * Connection keys: "profile", "region", "role_arn", "external_id",
 * "role_session_name", "endpoint_url", and "access_key_id" /
 * "secret_access_key" / "session_token" (already resolved). Reads the
 * shared config files, but makes no network call: credentials that need
 * one (STS, IMDS) are fetched on first use and cached for the process.
 * Caller frees with aws_client_free.
 */
int aws_client_new(const json_t *conn, const char *service,
		   struct aws_client **out, struct sl_err *err);
/* A client with explicit settings (endpoint_url NULL = AWS's). */
struct aws_client *aws_client_with(const char *service, const char *region,
				   const char *endpoint_url,
				   struct aws_creds_provider *creds);
void aws_client_free(struct aws_client *c);
const char *aws_client_region(const struct aws_client *c);
/* "s3 at http://127.0.0.1:9000 (us-east-1, profile etl)": no secrets. */
const char *aws_client_describe(const struct aws_client *c);

#define AWS_CALL_MAX_HEADERS 4

struct aws_call_opts {
	const char *method;		/* default GET */
	const char *bucket;		/* S3: raw bucket name */
	const char *key;		/* S3: raw object key, or NULL */
	const char *path;		/* others: encoded path, default "/" */
	const char *query;		/* encoded "k=v&..." or NULL */
	const char *target;		/* X-Amz-Target (JSON 1.1 APIs) */
	const char *content_type;
	/* More headers to send and sign (Lambda's X-Amz-Invocation-Type):
	 * name, value, name, value, ..., NULL; names in lower case, at
	 * most AWS_CALL_MAX_HEADERS pairs. */
	const char *const *headers;
	const void *body;
	size_t body_len;
	/* Optional: a 2xx body goes here as it arrives (then no retry once
	 * bytes were delivered); returning -1 aborts the call. */
	int (*sink)(void *arg, const void *data, size_t len);
	void *sink_arg;
	long timeout_ms;		/* 0: 60 s, or none with a sink */
	const char *what;		/* for messages: "S3 ListObjectsV2" */
};

/* An answer. In callbacks it is valid during the call; from aws_call the
 * caller owns it and frees it with aws_reply_free. */
struct aws_reply {
	long status;			/* HTTP status, 0 if none came */
	char *body;			/* buffered body, NUL-terminated */
	size_t body_len;
	int64_t content_length;		/* -1 if unknown */
	char *error_code;		/* "NoSuchBucket", ... or NULL on 2xx */
	char *error_message;
	char *request_id;
	char *etag;			/* the ETag header, or NULL */
	char *function_error;		/* Lambda: X-Amz-Function-Error */
	char *log_result;		/* Lambda: X-Amz-Log-Result (base64) */
	int attempts;
};
void aws_reply_free(struct aws_reply *r);

/* err is NULL on a 2xx answer; otherwise says what failed, with the AWS
 * error code, message, status and request id. */
typedef void (*aws_call_done_fn)(void *arg, const struct aws_reply *reply,
				 const struct sl_err *err);

/* Start a call on base. The client must outlive the call. done is called
 * exactly once, from a later loop iteration, unless cancelled. */
struct aws_call *aws_call_start(struct aws_client *c, struct event_base *base,
				const struct aws_call_opts *o,
				aws_call_done_fn done, void *arg);
void aws_call_cancel(struct aws_call *call);

/* Blocking. Returns 0 on a 2xx answer, else -1 with err set; *reply (may be
 * NULL) gets the answer either way. */
int aws_call(struct aws_client *c, const struct aws_call_opts *o,
	     struct aws_reply *reply, struct sl_err *err);

/* The clock used for signing and credential expiry (tests pin it). */
extern int64_t (*aws_clock_ms)(void);
/* Retry policy: attempts per call (AWS_MAX_ATTEMPTS, default 5) and the
 * back-off base; tests shrink the base. */
extern int aws_retry_base_ms;

#endif
