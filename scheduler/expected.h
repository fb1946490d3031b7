/*
 * expected.h: the partitions a scheduled DAG should have, whether or not
 * they have a run, each with one state. The API's partition map, `sluice
 * status` and the map page all read it, so they cannot disagree.
 *
 * The partitions are the DAG's schedule ticks (cron.h) from its start (or
 * the first tick of a range) while before its end; each holds the data
 * interval [tick, next tick), keyed by dag_partition_key. Their state:
 *
 *   missing  its interval has ended and it has no run
 *   waiting  a run exists and waits (queued behind max_active_runs or a
 *            pause; running with nothing queued or running: upstreams,
 *            a sensor between pokes, a retry, a slot)
 *   running  a run with a task instance queued or running
 *   success  the run succeeded
 *   failed   the run failed
 *   stale    its run succeeded but an input changed since (needs:)
 *   late     it missed its freshness deadline (freshness:)
 *   future   its interval has not ended and it has no run
 *
 * stale and late are decided in one place, expected_freshness(): a
 * successful run an upstream change made stale (dag_runs.stale, set by
 * the needs: rules) is stale; late is a partition of a DAG with
 * freshness: whose interval ended at least that long ago and that has not
 * succeeded (scheduler/sched_fresh.c alerts on it); in the map of a
 * task's instances, by the task's own freshness: when it has one.
 */
#ifndef SLUICE_EXPECTED_H
#define SLUICE_EXPECTED_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "scheduler/state.h"

struct dag;
struct task;

enum expected_state {
	EXPECTED_MISSING,
	EXPECTED_WAITING,
	EXPECTED_RUNNING,
	EXPECTED_SUCCESS,
	EXPECTED_FAILED,
	EXPECTED_STALE,
	EXPECTED_LATE,
	EXPECTED_FUTURE,
	EXPECTED_NSTATES
};

/* "missing", ...; "?" when out of range. */
const char *expected_state_name(enum expected_state s);
/* One character per state, for the compact map (the API's "codes", the
 * CLI's lines): . w r s F o L _ in the order of the enum. */
char expected_state_code(enum expected_state s);
/* -1 when unknown. */
int expected_state_parse(const char *name);

/* A run of the DAG as the map needs it (store_map_runs gives these). */
struct expected_run {
	int64_t start_s;
	enum run_state state;
	int active;		/* task instances queued or running */
	int failed;		/* task instances failed or upstream_failed */
	int stale;		/* an input changed since it ran (needs:) */
};

struct expected_partition {
	int64_t start_s, end_s;	/* the data interval */
	enum expected_state state;
	long run;		/* index of its run in the runs given, or -1 */
};

/* The state of a partition ending at end_s given its run (NULL: none),
 * before stale and late. */
enum expected_state expected_classify(const struct expected_run *run,
				      int64_t end_s, int64_t now);

/* Where stale and late are decided: the state of p (base, from
 * expected_classify) once d's needs and freshness are applied. */
enum expected_state expected_freshness(const struct dag *d,
				       const struct expected_partition *p,
				       const struct expected_run *run,
				       int64_t now, enum expected_state base);
/* Has d a freshness: of its own or on one of its tasks? */
int expected_has_freshness(const struct dag *d);
/* The same for task t's instance (run as t's instance makes it,
 * store_map_task_runs): late by t's own freshness:, else the DAG's (t
 * NULL: the DAG's); and never late when p starts before late_from_s (a
 * DAG with catchup: false skips what ended before it was first loaded:
 * expected_late_from; INT64_MIN: no such start). */
enum expected_state expected_freshness_task(const struct dag *d,
					    const struct task *t,
					    const struct expected_partition *p,
					    const struct expected_run *run,
					    int64_t now, int64_t late_from_s,
					    enum expected_state base);
/* Where d's partitions can start being late, given when the scheduler
 * first loaded it (epoch s; 0: not known): with catchup: false, the
 * interval it runs first (the latest ended by then); else, or when not
 * known, INT64_MIN. */
int64_t expected_late_from(const struct dag *d, int64_t first_seen_s);

/*
 * The partitions of d whose start is in [from_s, to_s] (and in the DAG's
 * start..end), ordered by start, each with its run among runs (ordered by
 * start_s, as store_map_runs gives them; a run whose start is no tick is
 * not on the map) and its state at now. *out (caller frees) gets *n of
 * them. More than max is an error naming the count limit; so is an
 * unscheduled DAG. 0, or -1 with err.
 */
int expected_map(const struct dag *d, int64_t from_s, int64_t to_s,
		 int64_t now, const struct expected_run *runs, size_t nruns,
		 size_t max, struct expected_partition **out, size_t *n,
		 struct sl_err *err);
/* The same map of task t's instances (runs as t's instance makes them):
 * late by expected_freshness_task, from late_from_s. t NULL and
 * late_from_s INT64_MIN: expected_map. */
int expected_map_task(const struct dag *d, const struct task *t,
		      int64_t from_s, int64_t to_s, int64_t now,
		      int64_t late_from_s, const struct expected_run *runs, size_t nruns,
		      size_t max, struct expected_partition **out, size_t *n,
		      struct sl_err *err);

/* The step between the starts of the partitions, in seconds, when it is
 * the same for all of them; 0 when it varies (a daily DAG across a DST
 * change, a monthly one) or there are fewer than two. */
int64_t expected_step(const struct expected_partition *v, size_t n);

#endif
