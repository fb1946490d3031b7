/*
 * op_external.h: the external job a try submits and follows (an EMR step
 * or cluster, a Slurm job, a command backend's job), as the try's own
 * process sees it: recorded with the task instance (store/store.h,
 * "external jobs") right after it was submitted and before the try waits
 * for it, so that when the try is lost (its process killed, its scheduler
 * crashed with it, its host gone) the next try follows that job to its end
 * instead of submitting a second one. The try that sees the job end, or
 * cancels it (timeout, clear), says so, and the next try submits anew.
 *
 * The try reaches the store named by its spec's "database" (the scheduler
 * puts it there for tries of a task instance). A try without one (`sluice
 * test`, a test driver) or whose database file is not on its host (the ssh
 * executor's remote hosts) records nothing and follows nothing: it says
 * so in its log once and submits as before.
 *
 * Every function logs what it decided on stdout (the task's log) and
 * never fails the try: a record that cannot be written only loses the
 * ability to follow.
 */
#ifndef SLUICE_OP_EXTERNAL_H
#define SLUICE_OP_EXTERNAL_H

#include <jansson.h>

struct op_external;

/* The record of the try of spec (NULL when it has no store: see above;
 * the functions below accept NULL and then do nothing). Free with
 * op_external_close. */
struct op_external *op_external_open(const json_t *spec);
void op_external_close(struct op_external *x);

/* What a try does about the job an earlier try of its task instance
 * recorded. */
enum op_external_prior {
	OP_EXT_SUBMIT = 0,	/* none to follow: submit a new one */
	OP_EXT_FOLLOW = 1,	/* follow *job_id; it is now this try's */
	OP_EXT_CANCEL = 2,	/* the task instance was cleared since: cancel
				 * *job_id, then submit a new one */
};
/* For a job of kind (emr_step, emr_cluster, slurm, command, glue_job_run,
 * athena_query): with
 * reattach 0 (the task's `reattach: false`) a running job is left alone
 * and a new one submitted. *job_id (malloc'd) is set for FOLLOW and
 * CANCEL, else NULL. */
enum op_external_prior op_external_prior(struct op_external *x,
					 const char *kind, int reattach,
					 char **job_id);
/*
 * op_external_prior for an operator whose job is named by its id alone
 * (a Glue job run, an Athena query): the id to follow (malloc'd), or NULL
 * to submit one; a job of a cleared task instance is handed to
 * cancel(arg, its id) first.
 */
char *op_external_resume(struct op_external *x, const char *kind,
			 int reattach,
			 void (*cancel)(void *arg, const char *job_id),
			 void *arg);
/* This try submitted job_id (of kind): record it before waiting. */
void op_external_record(struct op_external *x, const char *kind,
			const char *job_id);
/* This try saw its job end, or cancelled it: a later try submits anew. */
void op_external_ended(struct op_external *x);
/*
 * cluster_from: the job of kind that task recorded in this try's run (an
 * EMR cluster a create_cluster task made), malloc'd; NULL with the reason
 * in the log (no store, no such record, another kind).
 */
char *op_external_of_task(struct op_external *x, const char *task,
			  const char *kind);

#endif
