/*
 * wait.h: why a task instance is not running. The dispatcher asks
 * wait_slots_check() whether a ready task instance may start and
 * sched_runs asks wait_run_check() whether a queued run may; the API, the
 * task page and `sluice tasks` get the same answers in words from
 * wait_explain(), fed from the store instead of the scheduler's memory
 * (wait_explain_ti()).
 */
#ifndef SLUICE_WAIT_H
#define SLUICE_WAIT_H

#include <stdint.h>

#include <jansson.h>

#include "base/util.h"
#include "scheduler/state.h"

struct config;
struct dag;
struct dagbag;
struct store;

/* What holds a task instance or a run back (WAIT_GO: nothing). */
enum wait_kind {
	WAIT_GO,
	WAIT_PAUSED,		/* the DAG is paused */
	WAIT_MAX_ACTIVE_RUNS,	/* the run is queued behind others */
	WAIT_UPSTREAM,		/* the trigger rule waits for upstreams */
	WAIT_PAST,		/* depends_on_past: the previous partition */
	WAIT_NEEDS,		/* needs: other DAGs' partitions */
	WAIT_POKES,		/* in-loop pokes all in flight */
	WAIT_PARALLELISM,	/* the scheduler's slots are all taken */
	WAIT_MAX_ACTIVE_TASKS,	/* the DAG's max_active_tasks */
	WAIT_POOL,		/* the task's pool is full */
	WAIT_EXECUTOR,		/* the executor's slots are all taken */
	WAIT_BACKFILL_SHARE,	/* a backfill-lane task: its lane holds its
				 * backfill_share of slots, of the pool or
				 * of the executor */
	WAIT_RETRY,		/* up_for_retry until next_at */
	WAIT_POKE,		/* a sensor between pokes until next_at */
	WAIT_QUEUED,		/* queued: starting now */
	WAIT_READY,		/* nothing holds it: the next pass starts it */
	WAIT_UNLOADED,		/* the scheduler cannot load the DAG's file
				 * (a CLI, reading sluice.yaml as it is now,
				 * can: store_dag_file_error) */
};

const char *wait_kind_name(enum wait_kind k);

/* The counts the slot rule reads (the dispatcher's, or the store's). */
struct wait_slots {
	int paused;
	int in_loop;		/* a sensor poking from the loop: no slot */
	int pokes, max_pokes;
	int running, parallelism;
	int active_tasks, max_active_tasks;
	int pool_used, pool_size, pool_slots;
	int exec_found, exec_busy, exec_slots;
	/* the backfill lane (a task of a backfill or catch-up run): what
	 * backfill-lane tries hold and their shares (wait_lane_share);
	 * a share of 0 when backfill is 0 */
	int backfill;
	int lane_running, lane_share;		/* of parallelism */
	int lane_pool_used, lane_pool_share;	/* of the task's pool */
	int lane_exec_busy, lane_exec_share;	/* of its executor */
};

/* backfill_share (percent) of capacity: rounded down, at least one. */
int wait_lane_share(int capacity, int percent);

/* May a ready (scheduled) task instance start? The first reason it may
 * not, in the order the dispatcher checks them: a backfill-lane task
 * whose lane holds its share waits for that before anything else. */
enum wait_kind wait_slots_check(const struct wait_slots *w);
/* May a queued run start? */
enum wait_kind wait_run_check(int paused, int active_runs,
			      int max_active_runs);
struct task;
/* A sensor that pokes from the scheduler's loop: it needs no slot. */
int wait_task_in_loop(const struct task *t);

/*
 * Why the task instance `task` of (dag, partition) is not running, as
 * {"kind", "text", ...details} (see web/API.md), or JSON null when it is
 * running or done. Reads the store for the counts the scheduler keeps in
 * memory (tries holding slots per DAG, pool and executor); bag names the
 * tasks of every DAG (pools of other DAGs' tries). execs: the running
 * scheduler's executors (their slots), or NULL outside its process: then
 * an executor's slots are its config's "slots" when given, else not
 * known (never the reason). *out is a new reference; -1 with err on a
 * database error. A task no longer in the DAG file (its instances stay
 * in earlier runs) waits for nothing: null.
 */
struct executor_set;
int wait_explain_ti(struct store *s, const struct config *cfg,
		    struct executor_set *execs,
		    const struct dagbag *bag, const struct dag *d,
		    const char *partition, const char *task, int64_t now_ms,
		    json_t **out, struct sl_err *err);

#endif
