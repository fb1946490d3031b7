/*
 * dag_clusters.h: the load-time check of cluster_from: (cluster_job with
 * backend emr, emr_terminate): it names a task of the DAG, upstream of
 * this one (directly or through others), that makes a cluster (a
 * cluster_job with backend: emr and create_cluster:), whose cluster id the
 * try reads from the run when it starts (operators/op_external.h).
 */
#ifndef SLUICE_DAG_CLUSTERS_H
#define SLUICE_DAG_CLUSTERS_H

#include "base/util.h"
#include "base/ydoc.h"
#include "scheduler/dag.h"

/* Check task t (its YAML mapping node) once the DAG's tasks are linked.
 * -1 with err at file:line:column of its cluster_from. */
int dag_clusters_check(struct ydoc *d, struct dag *dag, struct task *t,
		       ynode_t *node, struct sl_err *err);

#endif
