/*
 * wait.c: why a task instance is not running (see wait.h): the rules the
 * dispatcher and the run promotion apply, and their explanation in words
 * from the store's picture for the API, the task page and the CLI.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "executors/registry.h"
#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/needs_eval.h"
#include "scheduler/partition.h"
#include "scheduler/tz.h"
#include "scheduler/wait.h"
#include "store/store.h"

static const char *const kind_names[] = {
	[WAIT_GO] = "none",
	[WAIT_PAUSED] = "paused",
	[WAIT_MAX_ACTIVE_RUNS] = "max_active_runs",
	[WAIT_UPSTREAM] = "upstream",
	[WAIT_PAST] = "depends_on_past",
	[WAIT_NEEDS] = "needs",
	[WAIT_POKES] = "pokes",
	[WAIT_PARALLELISM] = "parallelism",
	[WAIT_MAX_ACTIVE_TASKS] = "max_active_tasks",
	[WAIT_POOL] = "pool",
	[WAIT_EXECUTOR] = "executor",
	[WAIT_BACKFILL_SHARE] = "backfill_share",
	[WAIT_RETRY] = "retry",
	[WAIT_POKE] = "next_poke",
	[WAIT_QUEUED] = "queued",
	[WAIT_READY] = "ready",
	[WAIT_UNLOADED] = "unloaded",
};

const char *
wait_kind_name(enum wait_kind k)
{
	if ((size_t)k >= SL_ARRAY_LEN(kind_names) || kind_names[k] == NULL)
		return "?";
	return kind_names[k];
}

/* The order is the dispatcher's: a paused DAG first, then an in-loop
 * poke needs only a poke slot, everything else the scheduler's, the
 * DAG's, the pool's and the executor's slots. */
enum wait_kind
wait_slots_check(const struct wait_slots *w)
{
	if (w->paused)
		return WAIT_PAUSED;
	if (w->in_loop)
		return w->pokes >= w->max_pokes ? WAIT_POKES : WAIT_GO;
	if (w->backfill && (w->lane_running >= w->lane_share ||
			    w->lane_pool_used + w->pool_slots > w->lane_pool_share ||
			    w->lane_exec_busy >= w->lane_exec_share))
		return WAIT_BACKFILL_SHARE;
	if (w->running >= w->parallelism)
		return WAIT_PARALLELISM;
	if (w->active_tasks >= w->max_active_tasks)
		return WAIT_MAX_ACTIVE_TASKS;
	if (w->pool_used + w->pool_slots > w->pool_size)
		return WAIT_POOL;
	if (!w->exec_found || w->exec_busy >= w->exec_slots)
		return WAIT_EXECUTOR;
	return WAIT_GO;
}

int
wait_lane_share(int capacity, int percent)
{
	int64_t n = (int64_t)capacity * percent / 100;

	if (n < 1)
		return 1;
	return n > INT_MAX ? INT_MAX : (int)n;
}

enum wait_kind
wait_run_check(int paused, int active_runs, int max_active_runs)
{
	if (paused)
		return WAIT_PAUSED;
	if (active_runs >= max_active_runs)
		return WAIT_MAX_ACTIVE_RUNS;
	return WAIT_GO;
}

/* --- the store's picture --- */

static json_t *
reason(enum wait_kind k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* Tries holding slots, counted as the dispatcher counts them. */
struct holding {
	const struct dagbag *bag;
	const char *dag;		/* the DAG asked about */
	const char *pool;
	const char *executor;
	int running, active_tasks, pool_used, exec_busy, active_runs;
	int lane_running, lane_pool_used, lane_exec_busy;	/* backfill lane */
};

static void
holding_add(void *arg, const char *dag_name, const char *task_name,
	    const char *executor, int backfill_lane, int64_t n)
{
	struct holding *h = arg;
	const struct dag *d = dagbag_find(h->bag, dag_name);
	const struct task *t = d ? dag_task((struct dag *)d, task_name) : NULL;

	if (t != NULL && wait_task_in_loop(t))
		return;		/* an in-loop poke holds no slot */
	h->running += (int)n;
	if (backfill_lane)
		h->lane_running += (int)n;
	if (strcmp(dag_name, h->dag) == 0)
		h->active_tasks += (int)n;
	if (t != NULL && strcmp(t->pool, h->pool) == 0) {
		h->pool_used += (int)n * t->pool_slots;
		if (backfill_lane)
			h->lane_pool_used += (int)n * t->pool_slots;
	}
	if (t != NULL)
		executor = t->executor;
	if (executor != NULL && strcmp(executor, h->executor) == 0) {
		h->exec_busy += (int)n;
		if (backfill_lane)
			h->lane_exec_busy += (int)n;
	}
}

/* The backfill lane's part of the slot rule from the store's counts, as
 * sched_lane_slots gives it from the scheduler's. */
static void
lane_slots(const struct config *cfg, const struct holding *h, int backfill,
	   struct wait_slots *w)
{
	int pct = cfg->backfill_share;

	w->backfill = backfill;
	if (!backfill)
		return;
	w->lane_running = h->lane_running;
	w->lane_share = wait_lane_share(cfg->parallelism, pct);
	w->lane_pool_used = h->lane_pool_used;
	w->lane_pool_share = json_is_integer(json_object_get(cfg->pools, h->pool)) ?
	    wait_lane_share(w->pool_size, pct) : INT_MAX;
	w->lane_exec_busy = h->lane_exec_busy;
	w->lane_exec_share = w->exec_found && w->exec_slots > 0 && w->exec_slots != INT_MAX ?
	    wait_lane_share(w->exec_slots, pct) : INT_MAX;
}

/* Why a backfill-lane task waits for its lane: the first share in use. */
static json_t *
lane_reason(const struct config *cfg, const struct task *t, const struct wait_slots *w)
{
	json_t *res;

	if (w->lane_running >= w->lane_share) {
		res = reason(WAIT_BACKFILL_SHARE, "held: backfill share %d of %d slots in use "
			     "(backfill_share %d %% of parallelism %d; live partitions go first)",
			     w->lane_running, w->lane_share, cfg->backfill_share, w->parallelism);
		json_object_set_new(res, "used", json_integer(w->lane_running));
		json_object_set_new(res, "limit", json_integer(w->lane_share));
		json_object_set_new(res, "of", json_string("parallelism"));
	} else if (w->lane_pool_used + w->pool_slots > w->lane_pool_share) {
		res = reason(WAIT_BACKFILL_SHARE, "held: backfill share of pool %s %d of %d slots "
			     "in use (backfill_share %d %% of %d; this task needs %d)", t->pool,
			     w->lane_pool_used, w->lane_pool_share, cfg->backfill_share,
			     w->pool_size, w->pool_slots);
		json_object_set_new(res, "used", json_integer(w->lane_pool_used));
		json_object_set_new(res, "limit", json_integer(w->lane_pool_share));
		json_object_set_new(res, "of", json_string("pool"));
		json_object_set_new(res, "pool", json_string(t->pool));
	} else {
		res = reason(WAIT_BACKFILL_SHARE, "held: backfill share of executor %s %d of %d "
			     "slots in use (backfill_share %d %% of %d)", t->executor,
			     w->lane_exec_busy, w->lane_exec_share, cfg->backfill_share,
			     w->exec_slots);
		json_object_set_new(res, "used", json_integer(w->lane_exec_busy));
		json_object_set_new(res, "limit", json_integer(w->lane_exec_share));
		json_object_set_new(res, "of", json_string("executor"));
		json_object_set_new(res, "executor", json_string(t->executor));
	}
	return res;
}

int
wait_task_in_loop(const struct task *t)
{
	return operator_is_sensor(t->op) && t->op->poke_start != NULL &&
	       !t->executor_explicit;
}

/* An executor's slots: the scheduler's registry's when it runs in this
 * process, else its config's "slots" if given, else INT_MAX (not known). */
static int
executor_slots(const struct config *cfg, struct executor_set *execs,
	       const char *name, int *found)
{
	json_t *e = json_object_get(cfg->executors, name);
	json_t *slots = json_object_get(e, "slots");

	if (execs != NULL) {
		struct executor *ex = registry_find(execs, name);

		*found = ex != NULL;
		return ex != NULL ? ex->slots : 0;
	}
	*found = e != NULL;
	return json_is_integer(slots) ? (int)json_integer_value(slots) : INT_MAX;
}

/* A time in the DAG's zone, written as its partition keys are. */
static const char *
when(const struct dag *d, int64_t ms, char *out, size_t n)
{
	return tz_iso(d->tz, sl_floor_div(ms, 1000), out, n);
}

static json_t *
reason(enum wait_kind k, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return json_pack("{s:s,s:s}", "kind", wait_kind_name(k), "text", text);
}

static json_t *
ti_named(json_t *tis, const char *task)
{
	size_t i;
	json_t *ti;

	json_array_foreach(tis, i, ti)
		if (strcmp(json_string_value(json_object_get(ti, "task")), task) == 0)
			return ti;
	return NULL;
}

static enum ti_state
state_of(json_t *ti)
{
	int st = ti ? ti_state_parse(json_string_value(json_object_get(ti, "state"))) : -1;

	return st < 0 ? TI_NONE : (enum ti_state)st;
}

/* The trigger rule's wait, in words: the upstreams not done yet. */
static json_t *
upstream_reason(const struct dag *d, const struct task *t, json_t *tis,
		struct upstream_counts *c)
{
	json_t *waiting = json_array(), *out;
	struct buf b;

	memset(c, 0, sizeof *c);
	c->total = t->nupstream;
	buf_init(&b, 0);
	for (int i = 0; i < t->nupstream; i++) {
		const char *name = d->tasks[t->upstream[i]].name;
		enum ti_state st = state_of(ti_named(tis, name));

		switch (st) {
		case TI_SUCCESS: c->success++; c->done++; break;
		case TI_FAILED: c->failed++; c->done++; break;
		case TI_SKIPPED: c->skipped++; c->done++; break;
		case TI_UPSTREAM_FAILED: c->upstream_failed++; c->done++; break;
		default:
			json_array_append_new(waiting, json_pack("{s:s,s:s}", "task", name,
			    "state", ti_state_name(st)));
			buf_printf(&b, "%s%s (%s)", b.len ? ", " : "", name, ti_state_name(st));
			break;
		}
	}
	out = reason(WAIT_UPSTREAM, "waits for upstream %s", buf_str(&b));
	json_object_set_new(out, "upstream", waiting);
	buf_free(&b);
	return out;
}

/* A trigger rule that has decided against running (TRIGGER_SKIP or
 * TRIGGER_UPSTREAM_FAILED), in words: the upstreams that decided it
 * (failed ones for upstream_failed; else the skipped ones, or failing
 * those the succeeded ones) and the state the next pass sets. */
static json_t *
upstream_settles(const struct dag *d, const struct task *t, json_t *tis,
		 enum trigger_decision decision)
{
	const char *becomes = decision == TRIGGER_SKIP ? "skipped" : "upstream_failed";
	json_t *which = json_array(), *out;
	struct buf b;

	buf_init(&b, 0);
	for (int pass = 0; pass < 2 && b.len == 0; pass++)
		for (int i = 0; i < t->nupstream; i++) {
			const char *name = d->tasks[t->upstream[i]].name;
			enum ti_state st = state_of(ti_named(tis, name));
			int decides = decision == TRIGGER_UPSTREAM_FAILED ?
			    st == TI_FAILED || st == TI_UPSTREAM_FAILED :
			    st == (pass == 0 ? TI_SKIPPED : TI_SUCCESS);

			if (!decides)
				continue;
			json_array_append_new(which, json_pack("{s:s,s:s}", "task", name,
			    "state", ti_state_name(st)));
			buf_printf(&b, "%s%s (%s)", b.len ? ", " : "", name, ti_state_name(st));
		}
	out = reason(WAIT_UPSTREAM, "upstream %s under trigger rule %s: it becomes %s at the next pass, without running",
		     buf_str(&b), trigger_rule_name(t->trigger_rule), becomes);
	json_object_set_new(out, "upstream", which);
	json_object_set_new(out, "becomes", json_string(becomes));
	buf_free(&b);
	return out;
}

int
wait_explain_ti(struct store *s, const struct config *cfg,
		struct executor_set *execs, const struct dagbag *bag, const struct dag *d,
		const char *partition, const char *task, int64_t now_ms,
		json_t **out, struct sl_err *err)
{
	const struct task *t = partition_task(d, task);
	json_t *run = NULL, *tis = NULL, *ti, *res = NULL;
	enum ti_state state;
	int paused, rc = -1;
	char at[64], unloaded[2048];

	*out = NULL;
	if (t == NULL) {
		/* removed from the DAG file: nothing will run it */
		*out = json_null();
		return 0;
	}
	if ((run = store_run_json(s, d->name, partition)) == NULL ||
	    (tis = store_tis_json(s, d->name, partition)) == NULL ||
	    (ti = ti_named(tis, task)) == NULL) {
		sl_err_set(err, "DAG %s has no task instance %s of %s", d->name, task, partition);
		goto done;
	}
	if ((paused = store_dag_paused(s, d->name, cfg->dags_paused_at_creation)) < 0) {
		sl_err_set(err, "reading the DAG's pause flag failed");
		goto done;
	}
	state = state_of(ti);
	if (state == TI_RUNNING || ti_state_done(state)) {
		*out = json_null();
		rc = 0;
		goto done;
	}
	if (state != TI_QUEUED && d->file != NULL &&
	    store_dag_file_error(s, d->file, unloaded, sizeof unloaded) == 1) {
		res = reason(WAIT_UNLOADED, "the scheduler cannot load the DAG's "
			     "file, so nothing of DAG %s starts: %s", d->name,
			     unloaded);
	} else if (state == TI_QUEUED) {
		res = reason(WAIT_QUEUED, "queued: its try is starting");
	} else if (state == TI_UP_FOR_RETRY || state == TI_UP_FOR_RESCHEDULE) {
		int64_t next = json_integer_value(json_object_get(ti, "next_at"));
		enum wait_kind k = state == TI_UP_FOR_RETRY ? WAIT_RETRY : WAIT_POKE;

		if (paused)
			res = reason(WAIT_PAUSED, "the DAG is paused");
		else if (next > now_ms)
			res = reason(k, k == WAIT_RETRY ? "retry at %s (try %lld of %lld)" :
				     "next poke at %s", when(d, next, at, sizeof at),
				     (long long)json_integer_value(json_object_get(ti, "try_number")) + 1,
				     (long long)json_integer_value(json_object_get(ti, "max_tries")));
		else
			res = reason(k, k == WAIT_RETRY ? "retry due now" : "next poke due now");
		if (next > 0)
			json_object_set_new(res, "at", json_integer(next));
	} else if (strcmp(json_string_value(json_object_get(run, "state")), "queued") == 0) {
		int64_t active = store_dag_running_runs(s, d->name);
		enum wait_kind k = wait_run_check(paused, (int)active, d->max_active_runs);

		if (active < 0) {
			sl_err_set(err, "counting the DAG's runs failed");
			goto done;
		}
		if (k == WAIT_PAUSED)
			res = reason(k, "the DAG is paused: its run is queued");
		else if (k == WAIT_MAX_ACTIVE_RUNS) {
			res = reason(k, "the run is queued: max_active_runs %d of %d runs running",
				     (int)active, d->max_active_runs);
			json_object_set_new(res, "used", json_integer(active));
			json_object_set_new(res, "limit", json_integer(d->max_active_runs));
		} else
			res = reason(WAIT_MAX_ACTIVE_RUNS, "the run is queued: it starts at the scheduler's next pass");
	} else if (state == TI_NONE) {
		enum trigger_decision decision = TRIGGER_RUN;
		struct upstream_counts c;
		json_t *up = upstream_reason(d, t, tis, &c);
		const struct task *setup = NULL, *branch = NULL;

		/* a task of a setup's scope waits for the setup to end (after
		 * a clear it runs again first: dag_scope.h) */
		for (int k = 0; k < t->nsetups && setup == NULL; k++)
			if (!ti_state_done(state_of(ti_named(tis, d->tasks[t->setups[k]].name))))
				setup = &d->tasks[t->setups[k]];
		/* a branch task holds its direct downstream tasks until it
		 * has ended, whatever their trigger rules (sched_output.c) */
		for (int k = 0; k < t->nupstream && branch == NULL; k++)
			if (d->tasks[t->upstream[k]].branch &&
			    !ti_state_done(state_of(ti_named(tis, d->tasks[t->upstream[k]].name))))
				branch = &d->tasks[t->upstream[k]];
		if (setup != NULL) {
			json_decref(up);
			res = reason(WAIT_UPSTREAM, "waits for its setup %s (%s)", setup->name,
				     ti_state_name(state_of(ti_named(tis, setup->name))));
		} else if (branch != NULL) {
			json_decref(up);
			res = reason(WAIT_UPSTREAM, "waits for its branch task %s to decide (%s)",
				     branch->name,
				     ti_state_name(state_of(ti_named(tis, branch->name))));
		/* a teardown waits for all of its upstream, whatever their
		 * states (dag_scope.h) */
		} else if (t->is_teardown ? c.done < c.total :
		    (decision = trigger_eval((int)t->trigger_rule, &c)) == TRIGGER_WAIT) {
			res = up;
		} else if (!t->is_teardown && decision != TRIGGER_RUN) {
			/* decided, not settled yet (a mark made while no
			 * pass ran): what the next pass makes of it */
			json_decref(up);
			res = upstream_settles(d, t, tis, decision);
		} else {
			json_decref(up);
			if (paused)
				res = reason(WAIT_PAUSED, "the DAG is paused");
			else if (t->depends_on_past) {
				enum ti_state past;
				char prev[256] = "";
				int r = store_ti_past(s, d->name, t->name,
						      json_integer_value(json_object_get(run, "start_s")),
						      &past, prev, sizeof prev);

				if (r < 0) {
					sl_err_set(err, "reading the previous partition failed");
					goto done;
				}
				if (r > 0 && past != TI_SUCCESS && past != TI_SKIPPED) {
					res = reason(WAIT_PAST, "depends_on_past: %s in partition %s is %s",
						     t->name, prev, ti_state_name(past));
					json_object_set_new(res, "partition", json_string(prev));
					json_object_set_new(res, "state", json_string(ti_state_name(past)));
				}
			}
			if (res == NULL && d->nneeds + t->nneeds > 0) {
				char why[1024];
				struct sl_err nerr;
				int r;

				sl_err_clear(&nerr);
				r = needs_eval_ti(s, bag, d, t, partition,
						  json_integer_value(json_object_get(run, "start_s")),
						  json_integer_value(json_object_get(run, "end_s")),
						  NULL, why, sizeof why, &nerr);
				int64_t end = json_integer_value(json_object_get(run, "end_s"));
				const char *type = json_string_value(json_object_get(run, "run_type"));

				if (r < 0)
					res = reason(WAIT_NEEDS, "needs: %s", nerr.msg);
				else if (needs_eval_interval_open(d, t, needs_eval_by_hand(type),
								  end, now_ms / 1000)) {
					res = reason(WAIT_NEEDS, "waits for its interval to end at %s; "
						     "then %s%s%s", when(d, end * 1000, at, sizeof at),
						     r == 0 ? why : "its needs are met",
						     r == 1 && why[0] ? ": " : "", r == 1 ? why : "");
					json_object_set_new(res, "at", json_integer(end * 1000));
				} else if (r == 0)
					res = reason(WAIT_NEEDS, "%s", why);
				else if (why[0] != '\0')
					res = reason(WAIT_READY, "dependencies met: scheduled at the "
						     "next pass; needs: %s", why);
			}
			if (res == NULL)
				res = reason(WAIT_READY, "dependencies met: scheduled at the next pass");
		}
	}
	if (res == NULL) {
		/* scheduled: the slot rule, with the store's counts */
		struct holding h = { bag, d->name, t->pool, t->executor, 0, 0, 0, 0, 0, 0, 0, 0 };
		const char *lane = json_string_value(json_object_get(run, "lane"));
		struct wait_slots w;
		enum wait_kind k;

		if (store_tries_holding(s, holding_add, &h) < 0) {
			sl_err_set(err, "counting the tries in flight failed");
			goto done;
		}
		memset(&w, 0, sizeof w);
		w.paused = paused;
		w.in_loop = wait_task_in_loop(t);
		w.max_pokes = INT_MAX;	/* in-loop pokes are not in the store */
		w.running = h.running;
		w.parallelism = cfg->parallelism;
		w.active_tasks = h.active_tasks;
		w.max_active_tasks = d->max_active_tasks;
		w.pool_used = h.pool_used;
		w.pool_size = (int)json_integer_value(json_object_get(cfg->pools, t->pool));
		w.pool_slots = t->pool_slots;
		w.exec_busy = h.exec_busy;
		w.exec_slots = executor_slots(cfg, execs, t->executor, &w.exec_found);
		lane_slots(cfg, &h, lane != NULL && strcmp(lane, "backfill") == 0, &w);
		k = wait_slots_check(&w);
		switch (k) {
		case WAIT_BACKFILL_SHARE:
			res = lane_reason(cfg, t, &w);
			break;
		case WAIT_PAUSED:
			res = reason(k, "the DAG is paused");
			break;
		case WAIT_PARALLELISM:
			res = reason(k, "the scheduler's slots are full (parallelism %d of %d)",
				     w.running, w.parallelism);
			json_object_set_new(res, "used", json_integer(w.running));
			json_object_set_new(res, "limit", json_integer(w.parallelism));
			break;
		case WAIT_MAX_ACTIVE_TASKS:
			res = reason(k, "max_active_tasks of DAG %s: %d of %d tasks running",
				     d->name, w.active_tasks, w.max_active_tasks);
			json_object_set_new(res, "used", json_integer(w.active_tasks));
			json_object_set_new(res, "limit", json_integer(w.max_active_tasks));
			break;
		case WAIT_POOL:
			res = reason(k, "pool %s is full (%d of %d slots; this task needs %d)",
				     t->pool, w.pool_used, w.pool_size, w.pool_slots);
			json_object_set_new(res, "pool", json_string(t->pool));
			json_object_set_new(res, "used", json_integer(w.pool_used));
			json_object_set_new(res, "limit", json_integer(w.pool_size));
			break;
		case WAIT_EXECUTOR:
			if (!w.exec_found) {
				res = reason(k, "executor %s is not configured", t->executor);
				json_object_set_new(res, "executor", json_string(t->executor));
				break;
			}
			res = reason(k, "executor %s has no free slot (%d of %d busy)",
				     t->executor, w.exec_busy, w.exec_slots);
			json_object_set_new(res, "executor", json_string(t->executor));
			json_object_set_new(res, "used", json_integer(w.exec_busy));
			json_object_set_new(res, "limit", json_integer(w.exec_slots));
			break;
		default:
			res = reason(WAIT_READY, "ready: it starts at the scheduler's next pass");
			break;
		}
	}
	*out = res;
	rc = 0;
done:
	json_decref(run);
	json_decref(tis);
	return rc;
}
