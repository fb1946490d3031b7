/*
 * lambda.c: the `lambda_invoke` task type. One Invoke of a function
 * (REST-JSON: POST /2015-03-31/functions/NAME/invocations), synchronous
 * (RequestResponse, with the last 4 KiB of the function's log: LogType
 * Tail) or asynchronous (Event). A function error (X-Amz-Function-Error)
 * fails the task with the error payload in the log; the decoded log tail
 * goes to the task log; the response body is logged and is the try's
 * output.
 *
 * payload: is YAML turned into JSON; templates are rendered inside its
 * strings (values as they are) and the object is encoded here, so a value
 * with a quote in it stays one JSON string.
 *
 * An Invoke cannot be called back: a stopped try (SIGTERM) just ends.
 */
#include "operators/operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "operators/aws_client.h"
#include "operators/aws_sigv4.h"
#include "operators/op_follow.h"
#include "operators/op_log.h"
#include "operators/op_output.h"

/* A synchronous invoke lasts up to Lambda's 15 minutes, plus the trip. */
#define LAMBDA_TIMEOUT_MS (16 * 60 * 1000L)
/* Longest response body copied into the task log. */
#define LAMBDA_LOG_BODY 65536

static const struct op_key lambda_keys[] = {
	{ "function_name", OPK_STRING, 1, 1, "function name or ARN" },
	{ "qualifier", OPK_STRING, 0, 1, "version or alias" },
	{ "invocation_type", OPK_STRING, 0, 0,
	  "RequestResponse (default: wait for the answer) or Event (queue it)" },
	{ "payload", OPK_ANY, 0, 1,
	  "the event, as YAML (sent as JSON; template values are JSON strings)" },
	{ "connection", OPK_CONNECTION, 0, 0, "AWS connection" },
	{ NULL, 0, 0, 0, NULL },
};

static void
lambda_check(struct op_check *c)
{
	const char *t = op_check_str(c, "invocation_type");

	if (t != NULL && strcmp(t, "RequestResponse") != 0 &&
	    strcmp(t, "Event") != 0)
		op_check_add(c, "invocation_type", "invocation_type is "
			     "RequestResponse or Event, not '%s'", t);
}

/* The log tail, base64 → text, into the task log. */
static void
lambda_log_tail(const char *b64)
{
	size_t n = strlen(b64);
	unsigned char *text = xmalloc(n / 4 * 3 + 4);
	long len = sl_base64_decode(b64, n, text);

	if (len < 0) {
		op_log("log tail: not base64");
		free(text);
		return;
	}
	op_log("---- function log (tail) ----");
	fwrite(text, 1, (size_t)len, stdout);
	if (len > 0 && text[len - 1] != '\n')
		putchar('\n');
	op_log("---- end of function log ----");
	free(text);
}

/* The response: logged, and the try's output (a JSON object as it is,
 * anything else as {"response": text}). */
static void
lambda_response(const struct aws_reply *r)
{
	json_t *j = json_loadb(r->body, r->body_len, 0, NULL), *out;

	if (r->body_len > LAMBDA_LOG_BODY)
		op_log("response (%zu bytes, first %d): %.*s",
		       r->body_len, LAMBDA_LOG_BODY, LAMBDA_LOG_BODY,
		       r->body);
	else
		op_log("response: %s", r->body);
	out = json_is_object(j) ? json_incref(j)
	    : json_pack("{s:s%}", "response", r->body, r->body_len);
	op_output_write(out);
	json_decref(out);
	json_decref(j);
}

static int
lambda_run(const json_t *spec)
{
	const char *fn = op_opt_str(spec, "function_name", "");
	const char *qual = op_opt_str(spec, "qualifier", NULL);
	const char *type = op_opt_str(spec, "invocation_type", "RequestResponse");
	const json_t *payload = json_object_get(json_object_get(spec, "options"),
						"payload");
	int sync = strcmp(type, "Event") != 0;
	const char *headers[] = { "x-amz-invocation-type", type,
				  sync ? "x-amz-log-type" : NULL, "Tail", NULL };
	struct aws_call_opts o = { 0 };
	struct aws_client *c = NULL;
	struct aws_reply r;
	struct sl_err err;
	struct buf path, query;
	char *body;
	int rc = 1;

	if (aws_client_new(op_connection(spec, "connection"), "lambda", &c,
			   &err) < 0) {
		op_log("%s", err.msg);
		return 1;
	}
	body = payload != NULL ? json_dumps(payload, JSON_COMPACT |
					    JSON_ENCODE_ANY)
			       : xstrdup("{}");
	buf_init(&path, 0);
	buf_adds(&path, "/2015-03-31/functions/");
	aws_uri_encode(&path, fn, 0);
	buf_adds(&path, "/invocations");
	buf_init(&query, 0);
	if (qual != NULL) {
		buf_adds(&query, "Qualifier=");
		aws_uri_encode(&query, qual, 0);
	}
	o.method = "POST";
	o.path = buf_str(&path);
	o.query = qual != NULL ? buf_str(&query) : NULL;
	o.content_type = "application/json";
	o.headers = headers;
	o.body = body;
	o.body_len = strlen(body);
	o.timeout_ms = LAMBDA_TIMEOUT_MS;
	o.what = "Lambda Invoke";
	op_log("invoking Lambda function %s%s%s (%s, %s)", fn,
	       qual ? ":" : "", qual ? qual : "", type,
	       aws_client_describe(c));
	if (aws_call(c, &o, &r, &err) < 0) {
		op_log("%s", err.msg);
		goto out;
	}
	op_log("HTTP %ld", r.status);
	if (r.log_result != NULL)
		lambda_log_tail(r.log_result);
	if (r.function_error != NULL) {
		op_log("function error (%s): %s", r.function_error,
		       r.body);
		goto out;
	}
	if (sync)
		lambda_response(&r);
	else
		op_log("event queued");
	rc = 0;
out:
	aws_reply_free(&r);
	free(body);
	buf_free(&path);
	buf_free(&query);
	aws_client_free(c);
	return rc;
}

const struct operator op_lambda_invoke = {
	.name = "lambda_invoke",
	.summary = "invoke a Lambda function with a JSON payload; a function "
		   "error fails the task",
	.keys = lambda_keys,
	.check = lambda_check,
	.run = lambda_run,
};
