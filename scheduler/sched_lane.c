/*
 * sched_lane.c: the two lanes (see sched_internal.h). A run is in the live
 * lane (the newest scheduled partition of its DAG, a manual run) or the
 * backfill lane (a backfill's runs, catch-up). Ready live-lane tasks go
 * first; backfill-lane tries hold at most backfill_share of parallelism,
 * of each executor's slots and of each pool, so a live partition finds a
 * slot even while every backfill try runs for an hour. Runs: a live run
 * is held only by other live runs under max_active_runs; a backfill run
 * by every running run of its DAG, and by its backfill's max_active.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "executors/registry.h"
#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/sched_internal.h"
#include "scheduler/wait.h"

int
sched_lane_share(int capacity, int percent)
{
	return wait_lane_share(capacity, percent);
}

int
sched_lane_newest(const struct dag *dag, int64_t end_s, int64_t now_s)
{
	int64_t next;

	if (dag->schedule == NULL)
		return 1;
	next = cron_next(dag->schedule, dag->tz, end_s);
	return next == -1 || next > now_s || next > dag->end;
}

void
sched_lane_count(struct sched *s, struct sched_lane_use *u)
{
	memset(u, 0, sizeof *u);
	u->pools = json_object();
	u->execs = json_object();
	for (struct live *l = s->lives; l != NULL; l = l->next) {
		if (!l->counts || !l->backfill)
			continue;
		u->running++;
		json_object_set_new(u->pools, l->pool, json_integer(
		    json_integer_value(json_object_get(u->pools, l->pool)) +
		    l->pool_slots));
		if (l->ex != NULL)
			json_object_set_new(u->execs, l->ex->name, json_integer(
			    json_integer_value(json_object_get(u->execs, l->ex->name)) + 1));
	}
}

void
sched_lane_free(struct sched_lane_use *u)
{
	json_decref(u->pools);
	json_decref(u->execs);
	u->pools = u->execs = NULL;
}

int
sched_lane_full(struct sched *s, const struct sched_lane_use *u)
{
	return u->running >= sched_lane_share(s->cfg->parallelism,
					      s->cfg->backfill_share);
}

void
sched_lane_slots(struct sched *s, const struct sched_lane_use *u,
		 const struct ti *ti, const struct executor *ex,
		 struct wait_slots *w)
{
	const struct task *t = ti_task(ti);
	int pct = s->cfg->backfill_share;
	json_t *size = json_object_get(s->cfg->pools, t->pool);

	w->backfill = ti->run->backfill_lane;
	if (!w->backfill)
		return;
	w->lane_running = u->running;
	w->lane_share = sched_lane_share(s->cfg->parallelism, pct);
	w->lane_pool_used = (int)json_integer_value(json_object_get(u->pools, t->pool));
	w->lane_pool_share = json_is_integer(size) ?
	    sched_lane_share((int)json_integer_value(size), pct) : INT_MAX;
	w->lane_exec_busy = ex != NULL ?
	    (int)json_integer_value(json_object_get(u->execs, ex->name)) : 0;
	w->lane_exec_share = ex != NULL && ex->slots > 0 ?
	    sched_lane_share(ex->slots, pct) : INT_MAX;
}

void
sched_lane_take(struct sched_lane_use *u, const struct ti *ti,
		const struct executor *ex)
{
	const struct task *t = ti_task(ti);

	if (!ti->run->backfill_lane || ex == NULL)
		return;
	u->running++;
	json_object_set_new(u->pools, t->pool, json_integer(
	    json_integer_value(json_object_get(u->pools, t->pool)) + t->pool_slots));
	json_object_set_new(u->execs, ex->name, json_integer(
	    json_integer_value(json_object_get(u->execs, ex->name)) + 1));
}

/* --- runs --- */

/* The order queued runs start in: live first; then each backfill in its
 * order (newest first when it says so), oldest partition first. */
static int
lane_run_cmp(const void *pa, const void *pb)
{
	const struct run *a = *(struct run *const *)pa;
	const struct run *b = *(struct run *const *)pb;

	if (a->backfill_lane != b->backfill_lane)
		return a->backfill_lane - b->backfill_lane;
	if (a->backfill_id == b->backfill_id && a->bf_newest_first &&
	    a->start_s != b->start_s)
		return a->start_s > b->start_s ? -1 : 1;
	if (a->start_s != b->start_s)
		return a->start_s < b->start_s ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* The running count of backfill id in lr (added when new). */
static int *
lane_bf_slot(struct sched_lane_runs *lr, int64_t id)
{
	for (int i = 0; i < lr->nbf; i++)
		if (lr->bf[i].id == id)
			return &lr->bf[i].running;
	SL_GROW(lr->bf, lr->capbf, (size_t)lr->nbf + 1);
	lr->bf[lr->nbf].id = id;
	lr->bf[lr->nbf].running = 0;
	return &lr->bf[lr->nbf++].running;
}

void
sched_lane_runs_begin(struct sched *s, struct sched_lane_runs *lr)
{
	size_t cap = 0;

	memset(lr, 0, sizeof *lr);
	for (struct run *r = s->runs; r != NULL; r = r->next) {
		if (r->state == RUN_QUEUED) {
			SL_GROW(lr->queued, cap, (size_t)lr->nqueued + 1);
			lr->queued[lr->nqueued++] = r;
		} else if (r->state == RUN_RUNNING && r->backfill_id > 0 &&
			   r->bf_max_active > 0)
			(*lane_bf_slot(lr, r->backfill_id))++;
	}
	if (lr->nqueued > 1)
		qsort(lr->queued, (size_t)lr->nqueued, sizeof *lr->queued,
		      lane_run_cmp);
}

void
sched_lane_runs_end(struct sched_lane_runs *lr)
{
	free(lr->queued);
	free(lr->bf);
	memset(lr, 0, sizeof *lr);
}

enum wait_kind
sched_lane_run_check(struct sched_lane_runs *lr, const struct run *r,
		     const struct dag_load_state *d)
{
	int limit = r->dag->max_active_runs;
	enum wait_kind k;

	assert(d->active_backfill >= 0 && d->active_backfill <= d->active_runs);
	if (!r->backfill_lane)
		return wait_run_check(d->paused, d->active_runs - d->active_backfill,
				      limit);
	k = wait_run_check(d->paused, d->active_runs, limit);
	if (k == WAIT_GO && r->bf_max_active > 0 &&
	    *lane_bf_slot(lr, r->backfill_id) >= r->bf_max_active)
		return WAIT_MAX_ACTIVE_RUNS;
	return k;
}

void
sched_lane_run_started(struct sched_lane_runs *lr, const struct run *r)
{
	if (r->backfill_id > 0 && r->bf_max_active > 0)
		(*lane_bf_slot(lr, r->backfill_id))++;
}
