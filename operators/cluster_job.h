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
/* Where a Slurm job writes its output (caller frees): reported
 * (scontrol's StdOut; NULL when unknown), else the last --output/-o of
 * sbatch's argv (NULL-terminated, argv[0] "sbatch"; default slurm-%j.out)
 * under its last --chdir/-D, relative ones under cwd; %j %A %a %x %u %%
 * and widths (%5j) expanded for job id run by user. */
char *cluster_job_slurm_out(char *const *argv, const char *reported,
			    const char *id, const char *user,
			    const char *cwd);
/* The value of sbatch option long_opt/short_opt (--output/-o) a batch
 * script's #SBATCH lines set, or NULL (caller frees). */
char *cluster_job_script_opt(const char *path, const char *long_opt,
			     const char *short_opt);
/* One try of backend emr: a step, or with create_cluster a cluster; x
 * is the try's external-job record (may be NULL). Exit status. */
int cluster_emr_run(const json_t *spec, struct op_external *x);

#endif
