/*
 * op_follow.h: following a remote job (an Athena query, a Glue job run) to
 * its end from an operator's try process: a status look every poll
 * interval, and on a stop request (SIGTERM from the scheduler on timeout,
 * clear or shutdown; op_stop.h) one call that stops the remote job, then a
 * few quicker looks so its final state reaches the task log.
 */
#ifndef SLUICE_OP_FOLLOW_H
#define SLUICE_OP_FOLLOW_H

#include <stdint.h>

struct op_external;

/* What one look found. */
enum op_follow_state {
	OP_FOLLOW_ERROR = -1,	/* the look itself failed (logged) */
	OP_FOLLOW_RUNNING = 0,	/* not ended yet */
	OP_FOLLOW_SUCCEEDED = 1,
	OP_FOLLOW_FAILED = 2,	/* ended otherwise (failed, stopped...) */
};

struct op_follow {
	int64_t poll_ms;	/* between looks */
	/* One status look; logs state changes itself. */
	enum op_follow_state (*look)(void *arg);
	/* Stop the remote job (called at most once; logs what it did). */
	void (*stop)(void *arg);
	void *arg;
	/* The job's record (operators/op_external.h; NULL: none): marked
	 * ended once a look saw the job end or stop was called; a look that
	 * failed leaves it running, for a later try to follow. */
	struct op_external *external;
};

/* Look until the job ends (the caller has called op_stop_catch). Returns
 * the try's exit status: 0 when it succeeded and no stop was requested. */
int op_follow_run(const struct op_follow *f);

#endif
