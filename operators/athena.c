/*
 * athena.c: the `athena_query` task type. StartQueryExecution (query,
 * database, work group, output location), GetQueryExecution every
 * poll_interval until SUCCEEDED, FAILED or CANCELLED, StopQueryExecution
 * when the try is stopped. The query id, its state changes, the bytes
 * scanned and a failure's reason go to the task log; for a DML query the
 * row count (GetQueryRuntimeStatistics) too, and into the try's output.
 *
 * Follow, don't resubmit (operators/op_external.h): the QueryExecutionId
 * is recorded with the task instance before the try waits, and marked
 * ended once the try saw the query end or stopped it. A retry of a lost
 * try follows that query instead of starting one (reattach: false opts
 * out); after a clear it stops it first, then starts anew.
 *
 * query is SQL (OPK_SQL_TEXT): the scheduler inserts every template value
 * as a quoted SQL literal before the spec reaches this file.
 */
#include "operators/operator.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/aws_json.h"
#include "operators/aws_sigv4.h"
#include "operators/op_external.h"
#include "operators/op_follow.h"
#include "operators/op_log.h"
#include "operators/op_output.h"
#include "operators/op_stop.h"

static const struct op_key athena_keys[] = {
	{ "query", OPK_STRING, 1, OPK_SQL_TEXT,
	  "the SQL; template values go in as SQL literals ('O''Brien'), | ident as identifiers" },
	{ "database", OPK_STRING, 0, 1, "database of unqualified table names" },
	{ "catalog", OPK_STRING, 0, 1, "data catalog (default AwsDataCatalog)" },
	{ "work_group", OPK_STRING, 0, 1, "Athena work group (default primary)" },
	{ "output_location", OPK_STRING, 0, 1,
	  "s3://bucket/prefix/ for the results (unless the work group sets one)" },
	{ "connection", OPK_CONNECTION, 0, 0, "AWS connection" },
	{ "poll_interval", OPK_DURATION, 0, 0,
	  "time between status checks (default 10s)" },
	{ "reattach", OPK_BOOL, 0, 0,
	  "a try that finds the query a lost earlier try started follows it "
	  "instead of starting another (default true)" },
	{ NULL, 0, 0, 0, NULL },
};

struct athena {
	struct aws_client *client;
	char *id;
	char *last;		/* last state logged */
};

static void
athena_check(struct op_check *c)
{
	const char *q = op_check_str(c, "query");
	const char *out = op_check_str(c, "output_location");

	if (!op_check_in_error(c, "query") &&
	    (q == NULL || strspn(q, " \t\r\n") == strlen(q)))
		op_check_add(c, "query", "query is empty");
	if (out != NULL && strncmp(out, "s3://", 5) != 0)
		op_check_add(c, "output_location",
			     "output_location must be an s3:// URL");
}

static const char *
athena_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The same token for the same try: an answer lost on the way and retried
 * by the client starts no second query. */
static void
athena_request_token(const json_t *spec, char out[65])
{
	char *seed = xasprintf("athena_query\n%s\n%s\n%s\n%lld",
	    athena_str(spec, "dag") ? athena_str(spec, "dag") : "",
	    athena_str(spec, "task") ? athena_str(spec, "task") : "",
	    athena_str(spec, "run_id") ? athena_str(spec, "run_id") : "",
	    (long long)json_integer_value(json_object_get(spec, "try_number")));

	aws_sha256_hex(seed, strlen(seed), out);
	free(seed);
}

static json_t *
athena_start_request(const json_t *spec)
{
	const char *db = op_opt_str(spec, "database", NULL);
	const char *cat = op_opt_str(spec, "catalog", NULL);
	const char *wg = op_opt_str(spec, "work_group", NULL);
	const char *out = op_opt_str(spec, "output_location", NULL);
	char token[65];
	json_t *req;

	athena_request_token(spec, token);
	req = json_pack("{s:s, s:s}", "QueryString",
			op_opt_str(spec, "query", ""),
			"ClientRequestToken", token);
	if (db != NULL || cat != NULL) {
		json_t *ctx = json_object();

		if (db != NULL)
			json_object_set_new(ctx, "Database", json_string(db));
		if (cat != NULL)
			json_object_set_new(ctx, "Catalog", json_string(cat));
		json_object_set_new(req, "QueryExecutionContext", ctx);
	}
	if (wg != NULL)
		json_object_set_new(req, "WorkGroup", json_string(wg));
	if (out != NULL)
		json_object_set_new(req, "ResultConfiguration",
				    json_pack("{s:s}", "OutputLocation", out));
	return req;
}

/* The rows a DML query wrote or returned, or -1 if Athena does not say. */
static int64_t
athena_rows(struct athena *a)
{
	json_t *req = json_pack("{s:s}", "QueryExecutionId", a->id), *resp;
	json_t *rows;
	struct sl_err err;
	int64_t n = -1;

	if (aws_json_call(a->client, "AmazonAthena.GetQueryRuntimeStatistics",
			  req, &resp, NULL, &err) < 0) {
		op_log("row count unknown: %s", err.msg);
		json_decref(req);
		return -1;
	}
	rows = json_object_get(json_object_get(resp, "QueryRuntimeStatistics"),
			       "Rows");
	if (json_is_integer(json_object_get(rows, "OutputRows")))
		n = json_integer_value(json_object_get(rows, "OutputRows"));
	json_decref(req);
	json_decref(resp);
	return n;
}

static void
athena_log_end(struct athena *a, const json_t *qe, const char *state)
{
	const json_t *status = json_object_get(qe, "Status");
	const json_t *stats = json_object_get(qe, "Statistics");
	const json_t *aerr = json_object_get(status, "AthenaError");
	const char *reason = athena_str(status, "StateChangeReason");
	const char *where = athena_str(json_object_get(qe, "ResultConfiguration"),
				   "OutputLocation");
	json_t *scanned = json_object_get(stats, "DataScannedInBytes");
	json_t *ms = json_object_get(stats, "EngineExecutionTimeInMillis");

	if (json_is_integer(scanned))
		op_log("query %s: scanned %" PRId64 " bytes", a->id,
		       (int64_t)json_integer_value(scanned));
	if (json_is_integer(ms))
		op_log("query %s: engine time %" PRId64 " ms", a->id,
		       (int64_t)json_integer_value(ms));
	if (strcmp(state, "SUCCEEDED") != 0) {
		op_log("query %s %s: %s", a->id, state,
		       reason ? reason : "(no reason given)");
		if (aerr != NULL)
			op_log("query %s error: type %lld, category "
		    "%lld%s%s", a->id, (long long)json_integer_value(
			json_object_get(aerr, "ErrorType")),
		    (long long)json_integer_value(json_object_get(
			aerr, "ErrorCategory")),
		    athena_str(aerr, "ErrorMessage") ? ": " : "",
		    athena_str(aerr, "ErrorMessage") ?
		    athena_str(aerr, "ErrorMessage") : "");
		return;
	}
	if (where != NULL)
		op_log("query %s results: %s", a->id, where);
	if (athena_str(qe, "StatementType") != NULL &&
	    strcmp(athena_str(qe, "StatementType"), "DML") == 0) {
		int64_t rows = athena_rows(a);
		json_t *out;

		if (rows < 0)
			return;
		op_log("query %s: %" PRId64 " rows", a->id, rows);
		out = json_pack("{s:s, s:I}", "query_execution_id", a->id,
				"row_count", (json_int_t)rows);
		op_output_write(out);
		json_decref(out);
	}
}

static enum op_follow_state
athena_look(void *arg)
{
	struct athena *a = arg;
	json_t *req = json_pack("{s:s}", "QueryExecutionId", a->id), *resp;
	const json_t *qe;
	const char *state;
	struct sl_err err;
	enum op_follow_state rc = OP_FOLLOW_RUNNING;

	if (aws_json_call(a->client, "AmazonAthena.GetQueryExecution", req,
			  &resp, NULL, &err) < 0) {
		op_log("%s", err.msg);
		json_decref(req);
		return OP_FOLLOW_ERROR;
	}
	json_decref(req);
	qe = json_object_get(resp, "QueryExecution");
	state = athena_str(json_object_get(qe, "Status"), "State");
	if (state == NULL) {
		op_log("GetQueryExecution %s: answer has no State", a->id);
		json_decref(resp);
		return OP_FOLLOW_ERROR;
	}
	if (a->last == NULL || strcmp(a->last, state) != 0) {
		op_log("query %s: %s", a->id, state);
		free(a->last);
		a->last = xstrdup(state);
	}
	if (strcmp(state, "SUCCEEDED") == 0)
		rc = OP_FOLLOW_SUCCEEDED;
	else if (strcmp(state, "FAILED") == 0 ||
		 strcmp(state, "CANCELLED") == 0)
		rc = OP_FOLLOW_FAILED;
	if (rc != OP_FOLLOW_RUNNING)
		athena_log_end(a, qe, state);
	json_decref(resp);
	return rc;
}

static void
athena_stop(void *arg)
{
	struct athena *a = arg;
	json_t *req = json_pack("{s:s}", "QueryExecutionId", a->id), *resp;
	struct sl_err err;

	op_log("stopping: StopQueryExecution %s", a->id);
	if (aws_json_call(a->client, "AmazonAthena.StopQueryExecution", req,
			  &resp, NULL, &err) < 0)
		op_log("%s", err.msg);
	else
		json_decref(resp);
	json_decref(req);
}

/* Stop the query a lost try of a since cleared task started. */
static void
athena_stop_prior(void *arg, const char *id)
{
	struct athena *a = arg;

	a->id = (char *)id;
	athena_stop(a);
	a->id = NULL;
}

static int
athena_run(const json_t *spec)
{
	struct athena a = { 0 };
	struct op_follow f = { 0 };
	struct op_external *x;
	struct sl_err err;
	json_t *req = NULL;
	const char *wg = op_opt_str(spec, "work_group", NULL);
	int rc = 1;

	op_stop_catch(1);
	if (aws_client_new(op_connection(spec, "connection"), "athena",
			   &a.client, &err) < 0) {
		op_log("%s", err.msg);
		return 1;
	}
	x = op_external_open(spec);
	a.id = op_external_resume(x, "athena_query",
				  op_opt_bool(spec, "reattach", 1),
				  athena_stop_prior, &a);
	if (a.id == NULL) {
		req = athena_start_request(spec);
		op_log("starting Athena query (%s, work group %s)",
		       aws_client_describe(a.client), wg ? wg : "primary");
		a.id = aws_json_call_id(a.client,
					"AmazonAthena.StartQueryExecution", req,
					"QueryExecutionId", &err);
		if (a.id == NULL) {
			op_log("%s", err.msg);
			goto out;
		}
		op_log("query %s started", a.id);
		op_external_record(x, "athena_query", a.id);
	}
	f.poll_ms = op_opt_int(spec, "poll_interval", 10000);
	f.look = athena_look;
	f.stop = athena_stop;
	f.arg = &a;
	f.external = x;
	rc = op_follow_run(&f);
out:
	op_external_close(x);
	json_decref(req);
	free(a.id);
	free(a.last);
	aws_client_free(a.client);
	return rc;
}

const struct operator op_athena_query = {
	.name = "athena_query",
	.summary = "run a query on Athena, follow it to its end, stop it on "
		   "timeout or clear",
	.keys = athena_keys,
	.check = athena_check,
	.run = athena_run,
};
