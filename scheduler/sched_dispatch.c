/*
 * sched_dispatch.c: trigger rules, the ready heap, slots and pools (see
 * sched_internal.h).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "executors/registry.h"
#include "operators/notify.h"
#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/state.h"
#include "scheduler/template.h"
#include "scheduler/try.h"
#include "scheduler/tz.h"
#include "scheduler/wait.h"
#include "store/store.h"

/* --- the ready heap: live lane first, then priority desc, then older
 * partition (newer in a backfill that says newest first), then FIFO --- */

static int
ti_before(const struct ti *a, const struct ti *b)
{
	int pa = ti_task(a)->priority, pb = ti_task(b)->priority;

	if (a->run->backfill_lane != b->run->backfill_lane)
		return b->run->backfill_lane;
	if (pa != pb)
		return pa > pb;
	/* a backfill that runs newest first does so for its tasks too */
	if (a->run->backfill_id != 0 && a->run->backfill_id == b->run->backfill_id &&
	    a->run->bf_newest_first && a->run->start_s != b->run->start_s)
		return a->run->start_s > b->run->start_s;
	if (a->run->start_s != b->run->start_s)
		return a->run->start_s < b->run->start_s;
	return a->seq < b->seq;
}

static void
heap_swap(struct sched *s, int i, int j)
{
	struct ti *t = s->heap[i];

	s->heap[i] = s->heap[j];
	s->heap[j] = t;
	s->heap[i]->heap_pos = i;
	s->heap[j]->heap_pos = j;
}

static void
heap_up(struct sched *s, int i)
{
	while (i > 0 && ti_before(s->heap[i], s->heap[(i - 1) / 2])) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct sched *s, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < s->nheap && ti_before(s->heap[l], s->heap[m]))
			m = l;
		if (r < s->nheap && ti_before(s->heap[r], s->heap[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

void
sched_dispatch_push(struct sched *s, struct ti *ti)
{
	if (ti->heap_pos >= 0)
		return;
	SL_GROW(s->heap, s->capheap, (size_t)s->nheap + 1);
	ti->seq = ++s->seq;
	if (ti_in_loop(ti))
		s->nheap_loop++;
	s->heap[s->nheap] = ti;
	ti->heap_pos = s->nheap++;
	heap_up(s, ti->heap_pos);
	assert(s->heap[ti->heap_pos] == ti);
	assert(ti->heap_pos == 0 ||
	       !ti_before(ti, s->heap[(ti->heap_pos - 1) / 2]));
}

void
sched_dispatch_remove(struct sched *s, struct ti *ti)
{
	int i = ti->heap_pos;

	if (i < 0)
		return;
	assert(i < s->nheap && s->heap[i] == ti);
	ti->heap_pos = -1;
	if (ti_in_loop(ti))
		s->nheap_loop--;
	assert(s->nheap_loop >= 0);
	s->nheap--;
	if (i == s->nheap)
		return;
	s->heap[i] = s->heap[s->nheap];
	s->heap[i]->heap_pos = i;
	heap_up(s, i);
	heap_down(s, s->heap[i]->heap_pos);
}

void
sched_dispatch_eval(struct sched *s, struct ti *ti)
{
	if (ti->in_eval)
		return;
	SL_GROW(s->eval, s->capeval, (size_t)s->neval + 1);
	ti->in_eval = 1;
	s->eval[s->neval++] = ti;
}

/* --- deciding --- */

/* depends_on_past: the task's instance in the previous run succeeded or
 * was skipped (or there is no previous run). A database error waits. */
static int
past_ok(struct sched *s, struct ti *ti)
{
	enum ti_state state;
	int r = store_ti_past_state(s->store, ti->run->dag_name,
				    ti_task(ti)->name, ti->run->start_s, &state);

	if (r < 0)
		return 0;
	return r == 0 || state == TI_SUCCESS || state == TI_SKIPPED;
}

/* Apply the trigger rule to a task instance in state none. */
void
sched_dispatch_evaluate(struct sched *s, struct ti *ti)
{
	struct task *t;
	struct upstream_counts c;
	enum trigger_decision dec;
	struct ti_update u = TI_UPDATE_INIT;
	int unchosen;

	ti->in_eval = 0;
	if (ti->state != TI_NONE || ti->run == NULL ||
	    ti->run->state != RUN_RUNNING || ti->live != NULL)
		return;
	if (ti->parent != NULL) {
		sched_map_item_evaluate(s, ti);
		return;
	}
	t = ti_task(ti);
	memset(&c, 0, sizeof c);
	c.total = t->nupstream;
	for (int i = 0; i < t->nupstream; i++)
		sched_map_count(&ti->run->tis[t->upstream[i]], &c);
	if (t->nsetups > 0 && sched_teardown_setup_pending(ti))
		return;
	dec = t->is_teardown ? sched_teardown_decide(ti, &c) :
			       trigger_eval((int)t->trigger_rule, &c);
	if (dec == TRIGGER_WAIT)
		return;
	unchosen = dec == TRIGGER_RUN && sched_output_unchosen(s, ti);
	if (unchosen)
		dec = TRIGGER_SKIP;
	if (dec == TRIGGER_RUN) {
		if (t->depends_on_past && !past_ok(s, ti))
			return;
		if (sched_needs_blocked(s, ti))
			return;
		if (t->mapped) {
			sched_map_expand(s, ti);
			return;
		}
		u.reason = "dependencies met";
		if (sched_ti_set(s, ti, TI_SCHEDULED, &u) == 0)
			sched_dispatch_push(s, ti);
		return;
	}
	u.reason = unchosen ? "not chosen by its branch task" :
	    dec == TRIGGER_SKIP ? "upstream skipped" : "upstream failed";
	u.ended_at = sched_now(s);
	u.set |= TIU_ENDED_AT;
	if (sched_ti_set(s, ti, dec == TRIGGER_SKIP ? TI_SKIPPED : TI_UPSTREAM_FAILED,
		   &u) < 0)
		return;
	for (int i = 0; i < t->ndownstream; i++)
		sched_dispatch_eval(s, &ti->run->tis[t->downstream[i]]);
	sched_runs_check_done(s, ti->run);
}

/* --- the pass --- */

/* Can this ready task instance start now? The rule is wait.c's (the API
 * explains a wait with it); the counts are the scheduler's own, the
 * backfill lane's from lane. */
static int
ti_can_start(struct sched *s, struct ti *ti, const struct sched_lane_use *lane,
	     struct executor **ex_out, int *in_loop)
{
	struct task *t = ti_task(ti);
	struct dag_load_state *d = sched_dstate(s, ti->run->dag_name);
	struct executor *ex = NULL;
	struct wait_slots w;

	*in_loop = 0;
	*ex_out = NULL;
	if (ti->live != NULL || sched_map_full(ti))
		return 0;
	memset(&w, 0, sizeof w);
	w.paused = d->paused;
	w.in_loop = wait_task_in_loop(t);
	w.pokes = s->pokes;
	w.max_pokes = SCHED_MAX_POKES;
	w.running = s->running;
	w.parallelism = s->cfg->parallelism;
	w.active_tasks = d->active_tasks;
	w.max_active_tasks = ti->run->dag->max_active_tasks;
	w.pool_used = sched_pool_used(s, t->pool);
	w.pool_size = (int)json_integer_value(json_object_get(s->cfg->pools, t->pool));
	w.pool_slots = t->pool_slots;
	if (!w.in_loop && (ex = registry_find(&s->execs, t->executor)) != NULL) {
		w.exec_found = 1;
		w.exec_busy = ex->busy;
		w.exec_slots = ex->slots;
	}
	sched_lane_slots(s, lane, ti, ex, &w);
	if (wait_slots_check(&w) != WAIT_GO)
		return 0;
	/* a sensor without an explicit executor pokes from the loop */
	*in_loop = w.in_loop;
	*ex_out = ex;
	return 1;
}

void
sched_dispatch(struct sched *s)
{
	struct ti **blocked = NULL;
	int nblocked = 0, capblocked = 0;
	struct sched_lane_use lane;

	sched_lane_count(s, &lane);
	while (s->nheap > 0) {
		struct ti *ti = s->heap[0];
		struct executor *ex = NULL;
		struct live *l;
		struct ti_update u = TI_UPDATE_INIT;
		int in_loop, is_sensor;

		/* slots full: only in-loop pokes may still go */
		if (s->running >= s->cfg->parallelism &&
		    (s->nheap_loop == 0 || s->pokes >= SCHED_MAX_POKES))
			break;
		/* live tasks come first: when the first is a backfill one
		 * and its lane is full, only in-loop pokes may still go */
		if (ti->run->backfill_lane && sched_lane_full(s, &lane) &&
		    (s->nheap_loop == 0 || s->pokes >= SCHED_MAX_POKES))
			break;
		sched_dispatch_remove(s, ti);
		if (!ti_can_start(s, ti, &lane, &ex, &in_loop)) {
			SL_GROW(blocked, capblocked, (size_t)nblocked + 1);
			blocked[nblocked++] = ti;
			continue;
		}
		is_sensor = operator_is_sensor(ti_task(ti)->op);
		if (ti->state == TI_UP_FOR_RESCHEDULE) {
			/* next poke of a sensor: same try */
			l = sched_try_live_new(s, ti, ti->try_number);
		} else {
			u.try_number = ti->try_number + 1;
			u.set |= TIU_TRY_NUMBER;
			u.reason = "queued";
			u.next_at = 0;
			u.set |= TIU_NEXT_AT;
			if (is_sensor) {
				u.first_poke_at = 0;
				u.set |= TIU_FIRST_POKE_AT;
			}
			if (sched_ti_set(s, ti, TI_QUEUED, &u) < 0)
				continue;
			l = sched_try_live_new(s, ti, ti->try_number);
		}
		l->is_poke = is_sensor;
		l->ex = ex;
		if (is_sensor && ex == NULL) {
			l->in_loop = 1;
			s->pokes++;
		}
		if (ex != NULL) {
			struct dag_load_state *d = sched_dstate(s, ti->run->dag_name);

			l->counts = 1;
			s->running++;
			d->active_tasks++;
			sched_pool_add(s, l->pool, l->pool_slots);
			ex->busy++;
			sched_lane_take(&lane, ti, ex);
		}
		SL_GROW(s->startq, s->capstart, (size_t)s->nstart + 1);
		s->startq[s->nstart++] = ti;
	}
	for (int i = 0; i < nblocked; i++)
		sched_dispatch_push(s, blocked[i]);
	free(blocked);
	sched_lane_free(&lane);
}

/*
 * Queued states are committed: start the processes, all in this turn.
 * (Spreading starts over several turns to give the web server more turns
 * cost the scheduler's throughput more than it gained: bench/RESULTS.md.)
 */
void
sched_dispatch_start_queued(struct sched *s)
{
	while (s->nstart > 0) {
		int n = s->nstart;
		struct ti **batch = xmalloc((size_t)n * sizeof *batch);

		memcpy(batch, s->startq, (size_t)n * sizeof *batch);
		s->nstart = 0;
		for (int i = 0; i < n; i++) {
			struct ti *ti = batch[i];

			if (ti->live == NULL)
				continue;
			if (ti->state == TI_QUEUED || ti->state == TI_UP_FOR_RESCHEDULE)
				sched_try_start(s, ti);
		}
		free(batch);
	}
}

/*
 * Walk everything the scheduler keeps in step and abort on the first
 * broken invariant: the heap (positions and order), the tries in flight
 * (counters equal to what the live list holds, none negative) and the
 * links between task instances and their tries. O(size): for the
 * harness and debugging, not the hot path.
 */
void
sched_dispatch_check(struct sched *s)
{
	int running = 0, pokes = 0, loop = 0;
	json_t *pools = json_object();
	const char *name;
	json_t *v;

	assert(s->nheap >= 0 && s->nheap <= s->capheap);
	for (int i = 0; i < s->nheap; i++) {
		assert(s->heap[i]->heap_pos == i);
		assert(i == 0 || !ti_before(s->heap[i], s->heap[(i - 1) / 2]));
		if (ti_in_loop(s->heap[i]))
			loop++;
	}
	assert(loop == s->nheap_loop);
	for (struct live *l = s->lives; l != NULL; l = l->next) {
		assert(l->ti == NULL || l->ti->live == l || l->ti->live == NULL);
		assert(l->ti == NULL || l->blocked == NULL);
		if (l->counts) {
			running++;
			json_object_set_new(pools, l->pool, json_integer(
			    json_integer_value(json_object_get(pools, l->pool)) +
			    l->pool_slots));
		}
		if (l->in_loop)
			pokes++;
	}
	assert(running == s->running);
	assert(pokes + sched_recheck_in_flight(s) == s->pokes);
	assert(s->pokes <= SCHED_MAX_POKES);
	json_object_foreach(s->pool_used, name, v) {
		assert(json_integer_value(v) >= 0);
		assert(json_integer_value(v) ==
		       json_integer_value(json_object_get(pools, name)));
	}
	json_decref(pools);
	for (struct dag_load_state *d = s->dstates; d != NULL; d = d->next) {
		assert(d->active_tasks >= 0);
		assert(d->active_runs >= 0);
	}
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntis; i++) {
			struct ti *ti = &r->tis[i];

			assert(ti->heap_pos < 0 || s->heap[ti->heap_pos] == ti);
			assert(ti->live == NULL || ti->live->ti == ti ||
			       ti->live->blocked == ti);
		}
}

/* The commit that recorded the queued states failed: forget the tries
 * queued to start (their slots come back); a reload follows. */
void
sched_dispatch_drop_queued(struct sched *s)
{
	for (int i = 0; i < s->nstart; i++) {
		struct ti *ti = s->startq[i];
		struct live *l = ti->live;

		if (l == NULL || l->ti != ti || l->handle != NULL ||
		    l->poke != NULL)
			continue;
		l->ti = NULL;
		ti->live = NULL;
		sched_try_live_free(s, l);
	}
	s->nstart = 0;
}
