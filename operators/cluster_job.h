/*
 * cluster_job.h: what the cluster_job task type (cluster_job.c: keys,
 * checks, the Slurm and command backends) shares with its EMR backend
 * (cluster_emr.c). Operator processes only.
 */
#ifndef SLUICE_CLUSTER_JOB_H
#define SLUICE_CLUSTER_JOB_H

#include <jansson.h>

struct op_external;

/* A key of the task's options that holds a string or a list of strings,
 * as a list (a new reference; empty when the key is absent). */
json_t *cluster_job_strings(const json_t *spec, const char *key);
/* One try of backend emr: a step, or with create_cluster a cluster; x
 * is the try's external-job record (may be NULL). Exit status. */
int cluster_emr_run(const json_t *spec, struct op_external *x);

#endif
