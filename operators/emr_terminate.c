/*
 * emr_terminate.c: the emr_terminate task type: TerminateJobFlows on a
 * cluster (cluster_id, or the cluster a create_cluster task of the same
 * run recorded: cluster_from), then DescribeCluster until it has
 * terminated (wait: false: do not wait). A natural teardown of a transient
 * cluster. A cluster already terminated succeeds: the teardown's work is
 * done.
 */
#include "operators/operator.h"

#include <stdlib.h>
#include <string.h>

#include "operators/aws_client.h"
#include "operators/emr_cluster.h"
#include "operators/op_external.h"
#include "operators/op_log.h"
#include "operators/op_stop.h"

static const struct op_key emr_terminate_keys[] = {
	{ "connection", OPK_CONNECTION, 0, 0, "AWS connection" },
	{ "cluster_id", OPK_STRING, 0, 1, "the cluster (j-...)" },
	{ "cluster_from", OPK_STRING, 0, 0,
	  "the task of this DAG (upstream) whose create_cluster made the "
	  "cluster" },
	{ "wait", OPK_BOOL, 0, 0,
	  "wait until the cluster has terminated (default true)" },
	{ "poll_interval", OPK_DURATION, 0, 0,
	  "time between status checks (default 30s)" },
	{ NULL, 0, 0, 0, NULL },
};

static void
emr_terminate_check(struct op_check *c)
{
	if (op_check_has(c, "cluster_id") == op_check_has(c, "cluster_from"))
		op_check_add(c, "cluster_id", "emr_terminate needs exactly one "
			     "of cluster_id or cluster_from");
}

static int
emr_terminate_run(const json_t *spec)
{
	struct op_external *x = NULL;
	struct aws_client *emr = NULL;
	struct sl_err err;
	char *cluster = NULL, state[64];
	enum emr_wait w;
	int rc = 1;

	/* a teardown finishes what it started: SIGTERM is noted, and the
	 * wait below ends at the next poll */
	op_stop_catch(1);
	if (op_opt_str(spec, "cluster_from", NULL) != NULL)
		x = op_external_open(spec);
	cluster = emr_cluster_of(spec, x);
	if (cluster == NULL)
		goto out;
	if (aws_client_new(op_connection(spec, "connection"), "emr", &emr,
			   &err) < 0) {
		op_log("%s", err.msg);
		goto out;
	}
	op_log("terminating EMR cluster %s (%s)", cluster,
	       aws_client_describe(emr));
	if (emr_cluster_terminate(emr, cluster) < 0)
		goto out;
	if (!op_opt_bool(spec, "wait", 1)) {
		rc = 0;
		goto out;
	}
	w = emr_cluster_wait(emr, cluster, NULL,
			     op_opt_int(spec, "poll_interval", 30000), 0, state,
			     sizeof state);
	if (w == EMR_WAIT_ENDED) {
		op_log("cluster %s terminated", cluster);
		rc = 0;
	} else if (w == EMR_WAIT_STOPPED) {
		op_log("stopped before cluster %s had terminated (it was "
		       "asked to)", cluster);
	}
out:
	free(cluster);
	aws_client_free(emr);
	op_external_close(x);
	return rc;
}

const struct operator op_emr_terminate = {
	.name = "emr_terminate",
	.summary = "terminate an EMR cluster (TerminateJobFlows) and wait "
		   "until it has terminated",
	.keys = emr_terminate_keys,
	.check = emr_terminate_check,
	.run = emr_terminate_run,
};
