/*
 * glue.c: the `glue_job` task type. StartJobRun (the job's name, its
 * arguments, optional worker settings), GetJobRun every poll_interval
 * until SUCCEEDED or a failure state (FAILED, TIMEOUT, STOPPED, ERROR,
 * EXPIRED, with Glue's ErrorMessage in the log), BatchStopJobRun when the
 * try is stopped.
 *
 * Follow, don't resubmit (operators/op_external.h): the JobRunId is
 * recorded with the task instance before the try waits, and marked ended
 * once the try saw the run end or stopped it. A retry of a lost try
 * follows that run instead of starting one (reattach: false opts out);
 * after a clear it stops it first, then starts anew.
 */
#include "operators/operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/aws_json.h"
#include "operators/op_external.h"
#include "operators/op_follow.h"
#include "operators/op_log.h"
#include "operators/op_output.h"
#include "operators/op_stop.h"

static const struct op_key glue_keys[] = {
	{ "job_name", OPK_STRING, 1, 1, "the Glue job to run" },
	{ "arguments", OPK_MAP, 0, 1,
	  "the run's arguments (name: value; a name without -- gets it, as the job reads --name)" },
	{ "worker_type", OPK_STRING, 0, 0, "G.1X, G.2X, ... (default: the job's)" },
	{ "number_of_workers", OPK_INT, 0, 0, "workers (default: the job's)" },
	{ "connection", OPK_CONNECTION, 0, 0, "AWS connection" },
	{ "poll_interval", OPK_DURATION, 0, 0,
	  "time between status checks (default 30s)" },
	{ "reattach", OPK_BOOL, 0, 0,
	  "a try that finds the job run a lost earlier try started follows it "
	  "instead of starting another (default true)" },
	{ NULL, 0, 0, 0, NULL },
};

struct glue {
	struct aws_client *client;
	const char *job;
	char *id;
	char *last;		/* last state logged */
};

static void
glue_check(struct op_check *c)
{
	const json_t *n = op_check_get(c, "number_of_workers");

	if (n != NULL && json_integer_value(n) < 1)
		op_check_add(c, "number_of_workers",
			     "number_of_workers must be at least 1");
	if (op_check_get(c, "worker_type") != NULL &&
	    !op_check_has(c, "number_of_workers"))
		op_check_add(c, "worker_type",
			     "worker_type needs number_of_workers");
}

static const char *
glue_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *
glue_start_request(const json_t *spec)
{
	const json_t *args = json_object_get(json_object_get(spec, "options"),
					     "arguments");
	const char *wt = op_opt_str(spec, "worker_type", NULL);
	long long nw = op_opt_int(spec, "number_of_workers", 0);
	json_t *req = json_pack("{s:s}", "JobName",
				op_opt_str(spec, "job_name", ""));
	const char *k;
	json_t *v;

	if (json_object_size(args) > 0) {
		json_t *a = json_object();

		json_object_foreach((json_t *)args, k, v) {
			char *name = strncmp(k, "--", 2) == 0 ? xstrdup(k)
				   : xasprintf("--%s", k);

			json_object_set(a, name, v);
			free(name);
		}
		json_object_set_new(req, "Arguments", a);
	}
	if (wt != NULL)
		json_object_set_new(req, "WorkerType", json_string(wt));
	if (nw > 0)
		json_object_set_new(req, "NumberOfWorkers", json_integer(nw));
	return req;
}

static enum op_follow_state
glue_look(void *arg)
{
	static const char *const failed[] = { "FAILED", "TIMEOUT", "STOPPED",
		"ERROR", "EXPIRED" };
	struct glue *g = arg;
	json_t *req = json_pack("{s:s, s:s}", "JobName", g->job, "RunId", g->id);
	json_t *resp;
	const json_t *run;
	const char *state, *msg;
	struct sl_err err;
	enum op_follow_state rc = OP_FOLLOW_RUNNING;

	if (aws_json_call(g->client, "AWSGlue.GetJobRun", req, &resp, NULL,
			  &err) < 0) {
		op_log("%s", err.msg);
		json_decref(req);
		return OP_FOLLOW_ERROR;
	}
	json_decref(req);
	run = json_object_get(resp, "JobRun");
	state = glue_str(run, "JobRunState");
	msg = glue_str(run, "ErrorMessage");
	if (state == NULL) {
		op_log("GetJobRun %s: answer has no JobRunState", g->id);
		json_decref(resp);
		return OP_FOLLOW_ERROR;
	}
	if (g->last == NULL || strcmp(g->last, state) != 0) {
		op_log("job run %s: %s", g->id, state);
		free(g->last);
		g->last = xstrdup(state);
	}
	if (strcmp(state, "SUCCEEDED") == 0)
		rc = OP_FOLLOW_SUCCEEDED;
	for (size_t i = 0; i < SL_ARRAY_LEN(failed); i++)
		if (strcmp(state, failed[i]) == 0)
			rc = OP_FOLLOW_FAILED;
	if (rc == OP_FOLLOW_FAILED)
		op_log("job run %s %s: %s", g->id, state,
		       msg ? msg : "(no error message)");
	if (rc != OP_FOLLOW_RUNNING &&
	    json_is_integer(json_object_get(run, "ExecutionTime")))
		op_log("job run %s: execution time %lld s", g->id,
	    (long long)json_integer_value(json_object_get(
		run, "ExecutionTime")));
	json_decref(resp);
	return rc;
}

static void
glue_stop(void *arg)
{
	struct glue *g = arg;
	json_t *req = json_pack("{s:s, s:[s]}", "JobName", g->job,
				"JobRunIds", g->id), *resp;
	const json_t *e;
	struct sl_err err;

	op_log("stopping: BatchStopJobRun %s %s", g->job, g->id);
	if (aws_json_call(g->client, "AWSGlue.BatchStopJobRun", req, &resp,
			  NULL, &err) < 0) {
		op_log("%s", err.msg);
		json_decref(req);
		return;
	}
	e = json_object_get(json_array_get(json_object_get(resp, "Errors"), 0),
			    "ErrorDetail");
	if (e != NULL)
		op_log("BatchStopJobRun %s: %s: %s", g->id,
		       glue_str(e, "ErrorCode") ? glue_str(e, "ErrorCode") : "?",
		       glue_str(e, "ErrorMessage") ?
		       glue_str(e, "ErrorMessage") : "");
	else
		op_log("BatchStopJobRun %s: submitted", g->id);
	json_decref(req);
	json_decref(resp);
}

/* Stop the run a lost try of a since cleared task started. */
static void
glue_stop_prior(void *arg, const char *id)
{
	struct glue *g = arg;

	g->id = (char *)id;
	glue_stop(g);
	g->id = NULL;
}

static int
glue_run(const json_t *spec)
{
	struct glue g = { 0 };
	struct op_follow f = { 0 };
	struct op_external *x;
	struct sl_err err;
	json_t *req = NULL, *out;
	int rc = 1;

	op_stop_catch(1);
	g.job = op_opt_str(spec, "job_name", "");
	if (aws_client_new(op_connection(spec, "connection"), "glue",
			   &g.client, &err) < 0) {
		op_log("%s", err.msg);
		return 1;
	}
	x = op_external_open(spec);
	g.id = op_external_resume(x, "glue_job_run",
				  op_opt_bool(spec, "reattach", 1),
				  glue_stop_prior, &g);
	if (g.id == NULL) {
		req = glue_start_request(spec);
		op_log("starting Glue job %s (%s)", g.job,
		       aws_client_describe(g.client));
		g.id = aws_json_call_id(g.client, "AWSGlue.StartJobRun", req,
					"JobRunId", &err);
		if (g.id == NULL) {
			op_log("%s", err.msg);
			goto out;
		}
		op_log("job run %s started", g.id);
		op_external_record(x, "glue_job_run", g.id);
	}
	out = json_pack("{s:s}", "job_run_id", g.id);
	op_output_write(out);
	json_decref(out);
	f.poll_ms = op_opt_int(spec, "poll_interval", 30000);
	f.look = glue_look;
	f.stop = glue_stop;
	f.arg = &g;
	f.external = x;
	rc = op_follow_run(&f);
out:
	op_external_close(x);
	json_decref(req);
	free(g.id);
	free(g.last);
	aws_client_free(g.client);
	return rc;
}

const struct operator op_glue_job = {
	.name = "glue_job",
	.summary = "run a Glue job, follow it to its end, stop it on timeout "
		   "or clear",
	.keys = glue_keys,
	.check = glue_check,
	.run = glue_run,
};
