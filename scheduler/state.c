/* state.c: task instance and run states, their transitions, trigger rules. */
#include "scheduler/state.h"

#include <string.h>

#include "scheduler/dag.h"

static const char *const ti_names[TI_NSTATES] = {
	[TI_NONE] = "none",
	[TI_SCHEDULED] = "scheduled",
	[TI_QUEUED] = "queued",
	[TI_RUNNING] = "running",
	[TI_SUCCESS] = "success",
	[TI_FAILED] = "failed",
	[TI_UP_FOR_RETRY] = "up_for_retry",
	[TI_UP_FOR_RESCHEDULE] = "up_for_reschedule",
	[TI_SKIPPED] = "skipped",
	[TI_UPSTREAM_FAILED] = "upstream_failed",
};

static const char *const run_names[RUN_NSTATES] = {
	[RUN_QUEUED] = "queued",
	[RUN_RUNNING] = "running",
	[RUN_SUCCESS] = "success",
	[RUN_FAILED] = "failed",
};

const char *
ti_state_name(enum ti_state s)
{
	return (unsigned)s < TI_NSTATES ? ti_names[s] : "?";
}

int
ti_state_parse(const char *name)
{
	for (int i = 0; i < TI_NSTATES; i++)
		if (strcmp(ti_names[i], name) == 0)
			return i;
	return -1;
}

const char *
run_state_name(enum run_state s)
{
	return (unsigned)s < RUN_NSTATES ? run_names[s] : "?";
}

int
run_state_parse(const char *name)
{
	for (int i = 0; i < RUN_NSTATES; i++)
		if (strcmp(run_names[i], name) == 0)
			return i;
	return -1;
}

int
ti_state_done(enum ti_state s)
{
	return s == TI_SUCCESS || s == TI_FAILED || s == TI_SKIPPED ||
	       s == TI_UPSTREAM_FAILED;
}

/*
 * The scheduler's transitions (rows: from, columns: to). A person's clear
 * resets to none and mark sets success/failed from any state; those go
 * through store_clear/store_mark and are audited instead.
 */
#define T(to) (1u << (to))
static const unsigned ti_allowed[TI_NSTATES] = {
	[TI_NONE] = T(TI_SCHEDULED) | T(TI_SKIPPED) | T(TI_UPSTREAM_FAILED),
	[TI_SCHEDULED] = T(TI_QUEUED) | T(TI_NONE) | T(TI_SKIPPED) |
			 T(TI_UPSTREAM_FAILED),
	[TI_QUEUED] = T(TI_RUNNING) | T(TI_FAILED) | T(TI_UP_FOR_RETRY) |
		      T(TI_SCHEDULED),
	[TI_RUNNING] = T(TI_SUCCESS) | T(TI_FAILED) | T(TI_UP_FOR_RETRY) |
		       T(TI_UP_FOR_RESCHEDULE) | T(TI_SKIPPED),
	[TI_UP_FOR_RETRY] = T(TI_SCHEDULED) | T(TI_FAILED),
	[TI_UP_FOR_RESCHEDULE] = T(TI_SCHEDULED) | T(TI_RUNNING) |
				 T(TI_SUCCESS) | T(TI_FAILED) |
				 T(TI_SKIPPED) | T(TI_UP_FOR_RETRY),
	[TI_SUCCESS] = 0,
	[TI_FAILED] = 0,
	[TI_SKIPPED] = 0,
	[TI_UPSTREAM_FAILED] = 0,
};

int
ti_transition_ok(enum ti_state from, enum ti_state to)
{
	if ((unsigned)from >= TI_NSTATES || (unsigned)to >= TI_NSTATES)
		return 0;
	return (ti_allowed[from] & T(to)) != 0;
}

static const unsigned run_allowed[RUN_NSTATES] = {
	[RUN_QUEUED] = T(RUN_RUNNING),
	[RUN_RUNNING] = T(RUN_SUCCESS) | T(RUN_FAILED),
	[RUN_SUCCESS] = T(RUN_RUNNING),		/* after a clear */
	[RUN_FAILED] = T(RUN_RUNNING),
};

int
run_transition_ok(enum run_state from, enum run_state to)
{
	if ((unsigned)from >= RUN_NSTATES || (unsigned)to >= RUN_NSTATES)
		return 0;
	return (run_allowed[from] & T(to)) != 0;
}

/*
 * Decide as early as the rule allows: all_success gives up as soon as one
 * upstream failed; one_success runs as soon as one succeeded.
 */
enum trigger_decision
trigger_eval(int rule, const struct upstream_counts *c)
{
	int bad = c->failed + c->upstream_failed;
	int all_done = c->done == c->total;

	if (c->total == 0 || rule == TR_ALWAYS)
		return TRIGGER_RUN;
	switch (rule) {
	case TR_ALL_SUCCESS:
		if (bad > 0)
			return TRIGGER_UPSTREAM_FAILED;
		if (c->skipped > 0)
			return TRIGGER_SKIP;
		return c->success == c->total ? TRIGGER_RUN : TRIGGER_WAIT;
	case TR_ALL_FAILED:
		if (c->success > 0 || c->skipped > 0)
			return TRIGGER_SKIP;
		return bad == c->total ? TRIGGER_RUN : TRIGGER_WAIT;
	case TR_ALL_DONE:
		return all_done ? TRIGGER_RUN : TRIGGER_WAIT;
	case TR_ONE_SUCCESS:
		if (c->success > 0)
			return TRIGGER_RUN;
		if (!all_done)
			return TRIGGER_WAIT;
		return bad > 0 ? TRIGGER_UPSTREAM_FAILED : TRIGGER_SKIP;
	case TR_ONE_FAILED:
		if (bad > 0)
			return TRIGGER_RUN;
		return all_done ? TRIGGER_SKIP : TRIGGER_WAIT;
	case TR_NONE_FAILED:
		if (bad > 0)
			return TRIGGER_UPSTREAM_FAILED;
		return all_done ? TRIGGER_RUN : TRIGGER_WAIT;
	case TR_NONE_SKIPPED:
		if (c->skipped > 0)
			return TRIGGER_SKIP;
		return all_done ? TRIGGER_RUN : TRIGGER_WAIT;
	case TR_NONE_FAILED_MIN_ONE_SUCCESS:
		if (bad > 0)
			return TRIGGER_UPSTREAM_FAILED;
		if (!all_done)
			return TRIGGER_WAIT;
		return c->success > 0 ? TRIGGER_RUN : TRIGGER_SKIP;
	default:
		return TRIGGER_WAIT;
	}
}

const char *
trigger_decision_name(enum trigger_decision d)
{
	switch (d) {
	case TRIGGER_WAIT: return "wait";
	case TRIGGER_RUN: return "run";
	case TRIGGER_SKIP: return "skipped";
	case TRIGGER_UPSTREAM_FAILED: return "upstream_failed";
	}
	return "?";
}
