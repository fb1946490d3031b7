/*
 * cluster_emr.c: cluster_job's EMR backend (see cluster_job.c): a step
 * (AddJobFlowSteps: a spark-submit through command-runner.jar, or a jar
 * with args) on the cluster the task names (cluster_id, or cluster_from),
 * DescribeStep every poll_interval with each state change in the log and
 * FailureDetails on failure, CancelSteps when the try is stopped. The step
 * is recorded as CLUSTER/STEP for a later try to follow (op_external.h).
 * With create_cluster the try makes a cluster instead (emr_cluster.c).
 */
#include "operators/cluster_job.h"

#include <stdlib.h>
#include <string.h>

#include "operators/aws_client.h"
#include "operators/aws_json.h"
#include "operators/emr_cluster.h"
#include "operators/op_external.h"
#include "operators/op_log.h"
#include "operators/op_stop.h"
#include "operators/operator.h"

static const char *
str_or(const char *s, const char *def)
{
	return s != NULL ? s : def;
}

/* A step's state change, with why and, on failure, where its log is. */
static void
emr_log_step(const char *sid, json_t *status)
{
	json_t *fd = json_object_get(status, "FailureDetails");
	json_t *why = json_object_get(status, "StateChangeReason");
	const char *state = json_string_value(json_object_get(status, "State"));
	const char *reason = json_string_value(json_object_get(fd, "Reason"));
	const char *message = json_string_value(json_object_get(fd, "Message"));
	const char *logfile = json_string_value(json_object_get(fd, "LogFile"));
	const char *change = json_string_value(json_object_get(why, "Message"));

	if (change != NULL)
		op_log("step %s: %s (%s)", sid, str_or(state, "?"), change);
	else
		op_log("step %s: %s", sid, str_or(state, "?"));
	if (reason != NULL || message != NULL)
		op_log("step %s failure: %s%s%s", sid, str_or(reason, ""),
		       reason && message ? " " : "", str_or(message, ""));
	if (logfile != NULL)
		op_log("step %s log file: %s", sid, logfile);
}

/* CancelSteps on one step, with its answer in the log. */
static void
emr_cancel_step(struct aws_client *emr, const char *cluster, const char *sid)
{
	json_t *creq = json_pack("{s:s, s:[s], s:s}", "ClusterId", cluster,
				 "StepIds", sid, "StepCancellationOption",
				 "SEND_INTERRUPT"), *cresp = NULL, *info;
	struct sl_err err;

	if (aws_json_call(emr, "ElasticMapReduce.CancelSteps", creq, &cresp,
			  NULL, &err) < 0) {
		op_log("%s", err.msg);
	} else {
		info = json_array_get(json_object_get(cresp,
		    "CancelStepsInfoList"), 0);
		op_log("CancelSteps %s: %s%s%s", sid,
		       str_or(json_string_value(json_object_get(info, "Status")),
			      "?"),
		       json_object_get(info, "Reason") ? ": " : "",
		       str_or(json_string_value(json_object_get(info, "Reason")),
			      ""));
	}
	json_decref(creq);
	json_decref(cresp);
}

/* AddJobFlowSteps with the task's step; the step id, or NULL (logged). */
static char *
emr_add_step(const json_t *spec, struct aws_client *emr, const char *cluster)
{
	const char *dag = json_string_value(json_object_get(spec, "dag"));
	const char *task = json_string_value(json_object_get(spec, "task"));
	json_t *jar_step, *req, *resp = NULL, *args;
	struct sl_err err;
	char *name, *sid = NULL;

	name = op_opt_str(spec, "step_name", NULL)
	       ? xstrdup(op_opt_str(spec, "step_name", NULL))
	       : xasprintf("%s.%s", dag ? dag : "sluice", task ? task : "job");
	if (op_opt_str(spec, "jar", NULL) == NULL) {
		json_t *ss = cluster_job_strings(spec, "spark_submit");

		args = json_pack("[s]", "spark-submit");
		json_array_extend(args, ss);
		json_decref(ss);
		jar_step = json_pack("{s:s, s:o}", "Jar", "command-runner.jar",
				     "Args", args);
	} else {
		jar_step = json_pack("{s:s, s:o}", "Jar",
				     op_opt_str(spec, "jar", NULL), "Args",
				     cluster_job_strings(spec, "args"));
		if (op_opt_str(spec, "main_class", NULL) != NULL)
			json_object_set_new(jar_step, "MainClass", json_string(
			    op_opt_str(spec, "main_class", NULL)));
	}
	req = json_pack("{s:s, s:[{s:s, s:s, s:o}]}", "JobFlowId", cluster,
			"Steps", "Name", name, "ActionOnFailure",
			op_opt_str(spec, "action_on_failure", "CONTINUE"),
			"HadoopJarStep", jar_step);
	op_log("adding step '%s' to EMR cluster %s (%s)", name, cluster,
	       aws_client_describe(emr));
	if (aws_json_call(emr, "ElasticMapReduce.AddJobFlowSteps", req, &resp,
			  NULL, &err) < 0)
		op_log("%s", err.msg);
	else if (!json_is_string(json_array_get(json_object_get(resp,
		 "StepIds"), 0)))
		op_log("AddJobFlowSteps: answer has no StepIds");
	else
		sid = xstrdup(json_string_value(json_array_get(
		    json_object_get(resp, "StepIds"), 0)));
	json_decref(req);
	json_decref(resp);
	free(name);
	return sid;
}

/* A recorded step, "CLUSTER/STEP", into its two ids (malloc'd); 0 or -1. */
static int
emr_split_step(const char *job, char **cluster, char **sid)
{
	const char *slash = strchr(job, '/');

	if (slash == NULL || slash == job || slash[1] == '\0')
		return -1;
	*cluster = xstrndup(job, (size_t)(slash - job));
	*sid = xstrdup(slash + 1);
	return 0;
}

int
cluster_emr_run(const json_t *spec, struct op_external *x)
{
	int64_t poll = op_opt_int(spec, "poll_interval", 30000);
	struct aws_client *emr = NULL;
	struct sl_err err;
	json_t *req = NULL, *resp = NULL;
	char *cluster = NULL, *sid = NULL, *last = NULL, *prior_job = NULL;
	enum op_external_prior prior;
	int rc = 1;

	if (aws_client_new(op_connection(spec, "connection"), "emr", &emr,
			   &err) < 0) {
		op_log("%s", err.msg);
		return 1;
	}
	if (json_object_get(json_object_get(spec, "options"),
			    "create_cluster") != NULL) {
		rc = emr_cluster_create_run(spec, emr, x);
		goto out;
	}
	prior = op_external_prior(x, "emr_step", op_opt_bool(spec, "reattach", 1),
				  &prior_job);
	if (prior == OP_EXT_FOLLOW &&
	    emr_split_step(prior_job, &cluster, &sid) < 0) {
		op_log("external job: '%s' is not CLUSTER/STEP: submitting",
		       prior_job);
		prior = OP_EXT_SUBMIT;
	}
	if (prior == OP_EXT_CANCEL &&
	    emr_split_step(prior_job, &cluster, &sid) == 0) {
		op_log("cancelling step %s on %s", sid, cluster);
		emr_cancel_step(emr, cluster, sid);
		free(cluster);
		free(sid);
		cluster = sid = NULL;
	}
	if (prior != OP_EXT_FOLLOW) {
		if ((cluster = emr_cluster_of(spec, x)) == NULL ||
		    (sid = emr_add_step(spec, emr, cluster)) == NULL)
			goto out;
		op_log("step %s submitted", sid);
		free(prior_job);
		prior_job = xasprintf("%s/%s", cluster, sid);
		op_external_record(x, "emr_step", prior_job);
	}
	req = json_pack("{s:s, s:s}", "ClusterId", cluster, "StepId", sid);
	for (int cancelled = 0;;) {
		json_t *status;
		const char *state;

		json_decref(resp);
		resp = NULL;
		if (aws_json_call(emr, "ElasticMapReduce.DescribeStep", req,
				  &resp, NULL, &err) < 0) {
			op_log("%s", err.msg);
			goto out;
		}
		status = json_object_get(json_object_get(resp, "Step"), "Status");
		state = json_string_value(json_object_get(status, "State"));
		if (state == NULL) {
			op_log("DescribeStep %s: answer has no State", sid);
			goto out;
		}
		if (last == NULL || strcmp(last, state) != 0) {
			emr_log_step(sid, status);
			free(last);
			last = xstrdup(state);
		}
		if (strcmp(state, "COMPLETED") == 0) {
			op_external_ended(x);
			rc = cancelled ? 1 : 0;
			goto out;
		}
		if (strcmp(state, "FAILED") == 0 ||
		    strcmp(state, "CANCELLED") == 0 ||
		    strcmp(state, "INTERRUPTED") == 0) {
			op_external_ended(x);
			goto out;
		}
		if (cancelled) {
			/* After CancelSteps: a few more looks, then go. */
			if (cancelled++ > 5) {
				op_external_ended(x);
				goto out;
			}
			op_stop_wait_ms(SL_MIN(poll, 2000));
			continue;
		}
		if (op_stop_wait_ms(poll)) {
			op_log("stopping: CancelSteps %s on %s", sid, cluster);
			emr_cancel_step(emr, cluster, sid);
			cancelled = 1;
			op_stop_reset();	/* let the last looks sleep */
		}
	}
out:
	json_decref(req);
	json_decref(resp);
	free(cluster);
	free(sid);
	free(last);
	free(prior_job);
	aws_client_free(emr);
	return rc;
}
