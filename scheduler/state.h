/*
 * state.h: the states of task instances and runs, and the one place that
 * says which changes are allowed (SPEC §4; scheduler/STATES.md).
 */
#ifndef SLUICE_STATE_H
#define SLUICE_STATE_H

enum ti_state {
	TI_NONE,
	TI_SCHEDULED,
	TI_QUEUED,
	TI_RUNNING,
	TI_SUCCESS,
	TI_FAILED,
	TI_UP_FOR_RETRY,
	TI_UP_FOR_RESCHEDULE,
	TI_SKIPPED,
	TI_UPSTREAM_FAILED,
	TI_NSTATES
};

enum run_state {
	RUN_QUEUED,
	RUN_RUNNING,
	RUN_SUCCESS,
	RUN_FAILED,
	RUN_NSTATES
};

const char *ti_state_name(enum ti_state s);
/* -1 when the name is unknown */
int ti_state_parse(const char *name);
const char *run_state_name(enum run_state s);
int run_state_parse(const char *name);

/* Finished for good: success, failed, skipped, upstream_failed. */
int ti_state_done(enum ti_state s);
/* May the scheduler move a task instance from one state to the other?
 * Person actions (clear, mark) are not checked here: they may move any
 * state to none, success or failed. */
int ti_transition_ok(enum ti_state from, enum ti_state to);
int run_transition_ok(enum run_state from, enum run_state to);

/* Trigger rules: what to do with a task given its upstreams' states. */
enum trigger_decision {
	TRIGGER_WAIT,		/* not decided yet */
	TRIGGER_RUN,
	TRIGGER_SKIP,		/* → skipped */
	TRIGGER_UPSTREAM_FAILED,	/* → upstream_failed */
};

struct upstream_counts {
	int total;
	int success;
	int failed;
	int skipped;
	int upstream_failed;
	int done;		/* success + failed + skipped + upstream_failed */
};

struct dag;
enum trigger_rule;
enum trigger_decision trigger_eval(int rule, const struct upstream_counts *c);
const char *trigger_decision_name(enum trigger_decision d);

#endif
