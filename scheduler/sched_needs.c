/*
 * sched_needs.c: task instances that wait for other DAGs' partitions
 * (needs:). A ready task instance whose needs are not met stays in state
 * none, with no process and no slot, and is filed under each upstream DAG
 * it waits for, with the interval starts that may release it; the success
 * of an upstream task instance or run looks up only the waiters of its
 * DAG whose range holds its partition and evaluates them again in the
 * same pass (no polling, no scan of every run). A partition triggered by
 * hand before its interval has ended waits for that end first, on a timer.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag_keys.h"
#include "scheduler/dag_needs.h"
#include "scheduler/needs_eval.h"
#include "scheduler/sched_internal.h"

struct needs_waiter {
	struct ti *ti;
	int64_t lo, hi;		/* upstream interval starts that release */
};

struct needs_bucket {
	struct needs_waiter *v;
	size_t n, cap;
};

struct sched_needs {
	int64_t evals;		/* needs evaluated (reads of the store) */
	json_t *index;		/* upstream DAG name -> bucket index */
	struct needs_bucket *buckets;
	size_t nbuckets, capbuckets;
};

static struct sched_needs *
needs_of(struct sched *s)
{
	if (s->needs == NULL) {
		s->needs = xcalloc(1, sizeof *s->needs);
		s->needs->index = json_object();
	}
	return s->needs;
}

static struct needs_bucket *
bucket_of(struct sched *s, const char *up, int create)
{
	struct sched_needs *n = s->needs;
	json_t *x;

	if (n == NULL) {
		if (!create)
			return NULL;
		n = needs_of(s);
	}
	x = json_object_get(n->index, up);
	if (x != NULL)
		return &n->buckets[json_integer_value(x)];
	if (!create)
		return NULL;
	SL_GROW(n->buckets, n->capbuckets, n->nbuckets + 1);
	memset(&n->buckets[n->nbuckets], 0, sizeof n->buckets[0]);
	json_object_set_new(n->index, up, json_integer((json_int_t)n->nbuckets));
	return &n->buckets[n->nbuckets++];
}

struct used {
	int64_t run_id, ti_id;
	int try_number;
	enum need_on_change on_change;
};

struct waiter_ctx {
	struct sched *s;
	struct ti *ti;
	struct used *used;	/* the lineage, written when all are met */
	size_t nused, capused;
};

static void
used_add(void *arg, const struct need *nd, const struct store_need_row *row)
{
	struct waiter_ctx *c = arg;
	struct used *u;

	SL_GROW(c->used, c->capused, c->nused + 1);
	u = &c->used[c->nused++];
	u->run_id = row->run_id;
	u->ti_id = dag_needs_up_task(nd) != NULL ? row->ti_id : 0;
	u->try_number = u->ti_id > 0 ? row->try_number : row->run_tries;
	u->on_change = nd->on_change;
}

static void
waiter_add(void *arg, const char *up, int64_t lo, int64_t hi)
{
	struct waiter_ctx *c = arg;
	struct ti *ti = c->ti;
	struct needs_bucket *b = bucket_of(c->s, up, 1);

	SL_GROW(b->v, b->cap, b->n + 1);
	b->v[b->n].ti = ti;
	b->v[b->n].lo = lo;
	b->v[b->n].hi = hi;
	b->n++;
	ti->needs_waits++;
}

/* Drop every entry of ti from the buckets. */
void
sched_needs_forget(struct sched *s, struct ti *ti)
{
	struct sched_needs *n = s->needs;

	if (ti->needs_waits == 0 || n == NULL)
		return;
	for (size_t i = 0; i < n->nbuckets && ti->needs_waits > 0; i++) {
		struct needs_bucket *b = &n->buckets[i];

		for (size_t k = 0; k < b->n;)
			if (b->v[k].ti == ti) {
				b->v[k] = b->v[--b->n];
				ti->needs_waits--;
			} else
				k++;
	}
	assert(ti->needs_waits == 0);
}

/* The try of ti about to start consumes these upstream tries (its
 * lineage; recorded again when the gate passes again for that try). */
static int
sched_needs_record(struct sched *s, struct ti *ti, const struct used *u,
		   size_t n)
{
	int try_number = ti->try_number + 1;

	sched_tx_begin(s);
	if (store_needs_lineage_clear(s->store, ti->id, try_number) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (store_needs_lineage_add(s->store, ti->id, try_number,
					    u[i].run_id, u[i].ti_id,
					    u[i].try_number,
					    dag_need_on_change[u[i].on_change].name,
					    sched_now(s)) < 0)
			return -1;
	return 0;
}

/* The interval of a partition triggered by hand has ended: evaluate its
 * waiting task instance again (its needs next). */
static void
interval_wake(struct sched *s, struct sched_timer *timer)
{
	struct ti *ti = SCHED_CONTAINER(timer, struct ti, timer);

	if (ti->state == TI_NONE)
		sched_dispatch_eval(s, ti);
	sched_pass_schedule(s);
}

int
sched_needs_blocked(struct sched *s, struct ti *ti)
{
	const struct task *t = ti_task(ti);
	const struct dag *d = ti->run->dag;
	char why[1024];
	struct sl_err err;
	struct waiter_ctx c = { s, ti, NULL, 0, 0 };
	struct needs_eval_cb cb = { waiter_add, used_add, &c };
	int r;

	if (d->nneeds + t->nneeds == 0)
		return 0;
	sched_needs_forget(s, ti);
	if (needs_eval_interval_open(d, t, ti->run->by_hand, ti->run->end_s,
				     sched_now(s) / 1000)) {
		/* no process, no slot, no store read until its end (the
		 * timer of a task instance in state none is free) */
		sched_timer_set(s, &ti->timer, sched_mono_at(s, ti->run->end_s * 1000),
				interval_wake);
		return 1;
	}
	needs_of(s)->evals++;
	sl_err_clear(&err);
	r = needs_eval_ti(s->store, &s->bag, d, t, ti->run->partition,
			  ti->run->start_s, ti->run->end_s, &cb, why,
			  sizeof why, &err);
	if (r < 0) {
		/* a need that does not resolve (its DAG gone): wait, said
		 * once per evaluation */
		sched_log_ti(LOG_LEVEL_WARN, ti, 0, "%s %s %s: %s",
			     ti->run->dag_name, t->name, ti->run->partition,
			     err.msg);
		free(c.used);
		return 1;
	}
	if (r == 1 && sched_needs_record(s, ti, c.used, c.nused) < 0)
		sched_db_failed(s, "recording the lineage");
	free(ti->needs_note);
	ti->needs_note = r == 1 && why[0] != '\0' ? xstrdup(why) : NULL;
	free(c.used);
	return r == 0;
}

/* A consumer run a new upstream success made stale. */
static void
stale_one(void *arg, const struct store_stale_row *row)
{
	struct sched *s = arg;
	int to = row->on_change == 2 ? 2 : row->on_change == 1 ? 1 : 0;

	if (to == 0 || row->stale == to)
		return;
	if (store_needs_set_stale(s->store, row->run_id, to) < 0) {
		sched_db_failed(s, "marking a run stale");
		return;
	}
	sched_log_committed(s, LOG_LEVEL_INFO, row->dag_id, NULL, row->partition,
			    "run %s %s: stale (an upstream partition it used succeeded again)%s",
			    row->dag_id, row->partition,
			    to == 2 ? "; it re-runs once its upstream settles" : "");
}

struct rerun_ctx {
	struct sched *s;
	int n;
};

/* A stale run whose upstream settled: run it again, once. */
static void
rerun_one(void *arg, const struct store_stale_row *row)
{
	struct rerun_ctx *c = arg;
	struct dag *d = dagbag_find(&c->s->bag, row->dag_id);
	struct clear_spec spec;
	struct sl_err err;

	if (d == NULL)
		return;
	memset(&spec, 0, sizeof spec);
	spec.dag_id = row->dag_id;
	spec.partition = row->partition;
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	sl_err_clear(&err);
	if (store_clear(c->s->store, d, &spec, "needs", NULL, &err) < 0 ||
	    store_needs_set_stale(c->s->store, row->run_id, 0) < 0) {
		sched_db_failed(c->s, "re-running a stale run");
		return;
	}
	sched_log_committed(c->s, LOG_LEVEL_INFO, row->dag_id, NULL, row->partition,
			    "run %s %s: re-runs (its upstream changed and settled)",
			    row->dag_id, row->partition);
	c->n++;
}

void
sched_needs_run_done(struct sched *s, struct run *r)
{
	struct rerun_ctx c = { s, 0 };

	sched_tx_begin(s);
	if (r->state == RUN_SUCCESS) {
		sched_needs_released(s, r->dag_name, r->start_s);
		if (store_needs_stale(s->store, r->id, stale_one, s) < 0) {
			sched_db_failed(s, "finding stale runs");
			return;
		}
	}
	if (store_needs_settled(s->store, rerun_one, &c) < 0) {
		sched_db_failed(s, "finding stale runs to re-run");
		return;
	}
	/* the cleared runs are read back from the store */
	if (c.n > 0)
		sched_poke(s);
}

void
sched_needs_released(struct sched *s, const char *dag, int64_t start_s)
{
	struct needs_bucket *b = bucket_of(s, dag, 0);
	struct ti **hit = NULL;
	size_t nhit = 0, cap = 0;

	if (b == NULL)
		return;
	for (size_t k = 0; k < b->n; k++) {
		struct needs_waiter *w = &b->v[k];

		if (start_s < w->lo || start_s > w->hi)
			continue;
		SL_GROW(hit, cap, nhit + 1);
		hit[nhit++] = w->ti;
	}
	/* evaluated again in this pass; each files itself again if it
	 * still waits */
	for (size_t i = 0; i < nhit; i++) {
		sched_needs_forget(s, hit[i]);
		sched_dispatch_eval(s, hit[i]);
	}
	free(hit);
}

size_t
sched_needs_waiting(const struct sched *s)
{
	size_t n = 0;

	if (s->needs == NULL)
		return 0;
	for (size_t i = 0; i < s->needs->nbuckets; i++)
		n += s->needs->buckets[i].n;
	return n;
}

int64_t
sched_needs_evals(const struct sched *s)
{
	return s->needs != NULL ? s->needs->evals : 0;
}

void
sched_needs_free(struct sched *s)
{
	struct sched_needs *n = s->needs;

	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nbuckets; i++)
		free(n->buckets[i].v);
	free(n->buckets);
	json_decref(n->index);
	free(n);
	s->needs = NULL;
}
