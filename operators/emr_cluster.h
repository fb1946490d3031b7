/*
 * emr_cluster.h: transient EMR clusters: the RunJobFlow request a task's
 * `create_cluster:` describes, waiting for a cluster's state, and
 * TerminateJobFlows. Used by cluster_job (backend emr, create_cluster:)
 * and by the emr_terminate task type. Blocking calls: operator processes
 * only.
 */
#ifndef SLUICE_EMR_CLUSTER_H
#define SLUICE_EMR_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/util.h"

struct aws_client;
struct op_external;

/*
 * The RunJobFlow request of a create_cluster: mapping (see operators/AWS.md
 * for its keys), named name_default when it names none, with tags added.
 * at_load: templates are not rendered yet, so a value holding "{{" is not
 * checked as a number. On error -1 with err and the place at fault in path
 * (size n), keys and 0-based indexes joined by dots under create_cluster
 * ("create_cluster.instance_groups.1.count"). req may be NULL (a check).
 */
int emr_cluster_request(const json_t *create, const char *name_default,
			const json_t *tags, int at_load, json_t **req,
			char *path, size_t n, struct sl_err *err);

/* How emr_cluster_wait ended. */
enum emr_wait {
	EMR_WAIT_ERROR = -1,	/* a call failed (logged) */
	EMR_WAIT_REACHED = 0,	/* the cluster is in the state asked for */
	EMR_WAIT_ENDED = 1,	/* it terminated (state and reason logged) */
	EMR_WAIT_STOPPED = 2,	/* the try was asked to stop */
};
/* DescribeCluster every poll ms until the cluster is in state `until`
 * (NULL: only a terminated state ends the wait), each state change in the
 * log; a stop request ends the wait unless ignore_stop. The last state
 * seen goes to state (size n). */
enum emr_wait emr_cluster_wait(struct aws_client *emr, const char *cluster,
			       const char *until, int64_t poll, int ignore_stop,
			       char *state, size_t n);
/* TerminateJobFlows on cluster, logged: 0, or -1 (logged). */
int emr_cluster_terminate(struct aws_client *emr, const char *cluster);
/* The try of a cluster_job with create_cluster: RunJobFlow (or follow the
 * cluster an earlier, lost try started), wait for WAITING, record its id
 * for cluster_from: and as the task's output cluster_id. Exit status. */
int emr_cluster_create_run(const json_t *spec, struct aws_client *emr,
			   struct op_external *x);
/* The cluster a task names: its cluster_id, or the cluster the task
 * named by its cluster_from recorded in this run (malloc'd), or NULL
 * (logged). */
char *emr_cluster_of(const json_t *spec, struct op_external *x);

#endif
