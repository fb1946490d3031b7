/*
 * sched_sync.c: the picture from the store: reload, recovery, DAG folder
 * (see sched_internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
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
#include "scheduler/dag_map.h"
#include "scheduler/sched_internal.h"
#include "scheduler/state.h"
#include "scheduler/template.h"
#include "scheduler/try.h"
#include "scheduler/tz.h"
#include "store/store.h"

/* --- loading runs from the store --- */

/* A run row from the store, as a run in memory (not yet linked). */
struct run_load_ctx {
	struct sched *s;
	struct run **tail;
};

static void
run_load_one(void *arg, const struct store_run_row *row)
{
	struct run_load_ctx *ctx = arg;
	struct run *r;
	struct dag *dag = dagbag_find(&ctx->s->bag, row->dag_id);

	if (dag == NULL) {
		/* its DAG did not load (yet): leave it be, and read it again
		 * when a DAG file changes */
		ctx->s->runs_without_dag = 1;
		return;
	}
	r = xcalloc(1, sizeof *r);
	r->id = row->id;
	r->dag = dag;
	r->dag_name = xstrdup(row->dag_id);
	r->partition = xstrdup(row->partition);
	r->start_s = row->start_s;
	r->end_s = row->end_s;
	r->run_id = try_run_id(row->run_type, r->partition);
	r->state = row->state;
	r->backfill_lane = row->backfill_lane;
	r->manual = row->run_type != NULL && strcmp(row->run_type, "manual") == 0;
	r->backfill_id = row->backfill_id;
	r->bf_max_active = row->bf_max_active;
	r->bf_newest_first = row->bf_newest_first;
	r->params = json_deep_copy(dag->params);
	if (row->params != NULL) {
		json_t *p = json_loads(row->params, 0, NULL);

		if (json_is_object(p))
			json_object_update(r->params, p);
		json_decref(p);
	}
	r->ntis = dag->ntasks;
	r->tis = xcalloc((size_t)dag->ntasks, sizeof *r->tis);
	for (int i = 0; i < r->ntis; i++) {
		r->tis[i].run = r;
		r->tis[i].task = i;
		r->tis[i].heap_pos = -1;
		r->tis[i].id = 0;
	}
	*ctx->tail = r;
	ctx->tail = &r->next;
}

static int
run_read_ti(void *arg, const struct store_ti_row *row)
{
	struct run *r = arg;
	struct task *t = sched_map_task(r->dag, row->task_id);
	struct ti *ti;

	if (t == NULL) {
		/* a task removed from the DAG file: kept as it is, or ended
		 * with the run when it had not ended */
		if (!ti_state_done(row->state)) {
			SL_GROW(r->gone, r->capgone, r->ngone + 1);
			r->gone[r->ngone].id = row->id;
			r->gone[r->ngone].try_number = row->try_number;
			/* (an item of a task d has, no longer mapped) */
			r->gone[r->ngone].words = row->map_index >= 0 &&
			    dag_map_item_base(r->dag, row->task_id) != NULL
			    ? &sched_gone_unmapped : &sched_gone_removed;
			r->gone[r->ngone++].state = row->state;
		}
		return 0;
	}
	if (row->map_index >= 0)	/* an item: after its parent */
		return sched_map_read_row(r, &r->tis[t->index], row);
	ti = &r->tis[t->index];
	ti_from_row(ti, row);
	ti->unmapped = !t->mapped && row->map_count >= 0 &&
		       !ti_state_done(row->state);
	sched_map_read_row(r, ti, row);
	return 1;
}

static int
run_load_tis(struct sched *s, struct run *r)
{
	int n = store_sched_tis(s->store, r->id, run_read_ti, r);

	if (n >= 0 && n < r->ntis) {
		/* the DAG gained tasks since the run was created */
		if (store_run_add_missing(s->store, r->dag, r->id) < 0)
			return -1;
		n = store_sched_tis(s->store, r->id, run_read_ti, r);
	}
	return n < 0 ? -1 : 0;
}

static int
live_cmp(const void *a, const void *b)
{
	int64_t x = (*(struct live *const *)a)->ti_id;
	int64_t y = (*(struct live *const *)b)->ti_id;

	return x < y ? -1 : x > y;
}

/*
 * Is l a try of a task its DAG file no longer has (in a run read)? Then
 * it is stopped, and its task instance waits for a retry (the try did
 * not end by itself; a sensor's in-loop poke: for its next poke): put
 * back in the file before the run ends, the task runs again; else it
 * ends with the run (sched_runs.c). 1 when l is such a try, -1 when the
 * write failed.
 */
static int
stop_gone_try(struct sched *s, struct live *l)
{
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ngone; i++) {
			struct gone_ti *g = &r->gone[i];
			struct ti_update u = TI_UPDATE_INIT;
			enum ti_state to;

			if (g->id != l->ti_id)
				continue;
			l->gone = g->words;
			if ((g->state != TI_RUNNING && g->state != TI_QUEUED) ||
			    g->try_number != l->try_number)
				return 1;
			/* (an in-loop poke: its sensor pokes again) */
			to = l->ex == NULL ? TI_UP_FOR_RESCHEDULE : TI_UP_FOR_RETRY;
			u.next_at = sched_now(s);
			u.set |= TIU_NEXT_AT;
			u.reason = g->words->why;
			if (store_ti_transition(s->store, g->id, g->state,
						g->try_number, to, &u) < 0)
				return -1;
			g->state = to;
			return 1;
		}
	return 0;
}

/*
 * A read of the reload failed (a lock held past the scheduler's wait, an
 * I/O error): what memory holds is not the store's. Keep no half-read
 * run, stop no try (their task instances were not read, not cleared:
 * their ends are held), start nothing, and read again after the
 * back-off. Nothing else may write to the database meanwhile, so the
 * back-off, not a poll, must bring the runs back.
 */
static void
reload_failed(struct sched *s)
{
	struct run *r, *next;

	for (r = s->runs; r != NULL; r = next) {
		next = r->next;
		sched_runs_free_one(s, r);
	}
	s->runs = NULL;
	for (struct live *l = s->lives; l != NULL; l = l->next) {
		l->ti = NULL;
		l->blocked = NULL;
		l->unread = 1;
	}
	/* counts and versions as if nothing was read */
	for (struct dag_load_state *d = s->dstates; d != NULL; d = d->next)
		d->active_runs = d->active_backfill = 0;
	s->data_version = -1;
	sched_db_failed(s, "reading the runs");
}

/*
 * Rebuild the in-memory runs from the store: at start, and whenever
 * another process changed the database. Tries in flight stay attached when
 * the store still says they run; others are stopped.
 */
void
sched_sync_reload(struct sched *s, int at_start)
{
	struct run *old = s->runs, *r, *next;
	int read_failed = 0;

	s->reloads++;
	sched_tx_commit(s);
	/* tries queued but not started yet point into the runs: start them
	 * before the runs are rebuilt */
	while (s->nstart > 0 && !s->shutting_down)
		sched_dispatch_start_queued(s);
	sched_tx_commit(s);
	/* the version before anything is read: a commit another process
	 * makes while this reload reads (a trigger during a long reload)
	 * then shows up as a change at the next poll, never as seen */
	s->data_version = store_data_version(s->store);
	s->runs = NULL;
	s->nheap = 0;
	s->nheap_loop = 0;
	s->neval = 0;
	s->nstart = 0;
	for (r = old; r != NULL; r = next) {
		next = r->next;
		for (int i = 0; i < r->ntis; i++)
			r->tis[i].heap_pos = -1;
		for (int i = 0; i < r->ntis; i++) {
			sched_try_disarm(s, &r->tis[i]);
			sched_map_reset(s, &r->tis[i]);
		}
		sched_runs_free_one(s, r);
	}
	for (struct dag_load_state *d = s->dstates; d != NULL; d = d->next) {
		struct store_dag_row row;

		d->active_runs = 0;
		d->active_backfill = 0;
		if (store_dag_get(s->store, d->name, &row) >= 0)
			d->paused = row.paused;
	}
	s->runs_without_dag = 0;
	{
		struct run_load_ctx ctx = { s, &s->runs };

		if (store_sched_runs(s->store, run_load_one, &ctx) < 0)
			read_failed = 1;
	}
	sched_tx_begin(s);
	for (r = s->runs; r != NULL && !read_failed; r = r->next) {
		if (run_load_tis(s, r) < 0)
			read_failed = 1;
		if (r->state == RUN_RUNNING) {
			struct dag_load_state *d = sched_dstate(s, r->dag_name);

			d->active_runs++;
			d->active_backfill += r->backfill_lane;
		}
	}
	if (read_failed) {
		reload_failed(s);
		return;
	}
	/* reattach or stop the tries in flight: sort them by task instance
	 * id, then look each task instance up once */
	{
		struct live **byid;
		int nl = 0, k = 0;

		for (struct live *l = s->lives; l != NULL; l = l->next)
			nl++;
		byid = xcalloc((size_t)nl + 1, sizeof *byid);
		for (struct live *l = s->lives; l != NULL; l = l->next) {
			l->ti = NULL;
			l->blocked = NULL;
			byid[k++] = l;
		}
		qsort(byid, (size_t)nl, sizeof *byid, live_cmp);
		for (r = s->runs; r != NULL && nl > 0; r = r->next) {
			SCHED_RUN_TIS(r, found) {
				struct live key, *kp = &key, **hit;

				key.ti_id = found->id;
				hit = bsearch(&kp, byid, (size_t)nl, sizeof *byid, live_cmp);
				if (hit == NULL)
					continue;
				/* several tries of one instance can be in flight
				 * (an old one still ending): walk them all */
				while (hit > byid && (*(hit - 1))->ti_id == found->id)
					hit--;
				for (; hit < byid + nl && (*hit)->ti_id == found->id; hit++) {
					struct live *l = *hit;

					l->backfill = r->backfill_lane;
					/* (queued there: started here, but the
					 * write of its running state failed) */
					int started = found->state == TI_QUEUED &&
					    l->handle != NULL;

					l->unread = 0;
					if ((found->state == TI_RUNNING || started) &&
					    found->try_number == l->try_number &&
					    found->live == NULL) {
						l->ti = found;
						found->live = l;
						if (started)
							sched_try_record_running(s, found, l,
										 l->started_ms);
						if (l->adopted)
							sched_try_adopted(s, l);
					} else if (found->live == NULL) {
						/* wait for it to end before a new try */
						found->live = l;
						l->blocked = found;
					}
				}
			}
		}
		free(byid);
	}
	for (struct live *l = s->lives; l != NULL; l = l->next) {
		int gone;

		if (l->ti != NULL)
			continue;
		l->unread = 0;	/* read, and no longer wanted */
		gone = stop_gone_try(s, l);
		if (gone < 0)
			sched_db_failed(s, "stopping a removed task's try");
		if (l->ex != NULL && l->handle != NULL)
			l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_CLEARED);
		if (l->poke != NULL) {
			l->poke_op->poke_cancel(l->poke);
			l->poke = NULL;
			if (l->blocked != NULL) {
				l->blocked->live = NULL;
				l->blocked = NULL;
			}
		}
		if (l->log_path != NULL)
			sched_try_log(l->log_path, "%s: stopping this try", l->gone != NULL
				      ? l->gone->why : "the task instance was cleared or marked");
	}
	/* drop pokes cancelled above (no task instance refers to them) */
	for (struct live *l = s->lives, *n; l != NULL; l = n) {
		n = l->next;
		if (l->is_poke && l->ex == NULL && l->poke == NULL && l->ti == NULL)
			sched_try_live_free(s, l);
	}
	for (r = s->runs; r != NULL; r = r->next) {
		SCHED_RUN_TIS(r, ti) {
			if (ti->live != NULL && ti->live->ti != ti)
				continue;	/* an old try still ending */
			sched_map_reshape(s, ti);
			switch (ti->state) {
			case TI_NONE:
				sched_dispatch_eval(s, ti);
				break;
			case TI_SCHEDULED:
				sched_dispatch_push(s, ti);
				break;
			case TI_UP_FOR_RETRY:
			case TI_UP_FOR_RESCHEDULE:
				if (ti->live == NULL)
					sched_try_arm(s, ti, ti->next_at);
				break;
			case TI_QUEUED:
			case TI_RUNNING:
				if (ti->live == NULL && !at_start) {
					/* running in the store, not here: lost */
					sched_dispatch_eval(s, ti);
				}
				break;
			default:
				break;
			}
		}
	}
	/* a person may have settled a run's last task instance (or the
	 * last item of a mapped task) */
	for (r = s->runs; r != NULL; r = r->next) {
		if (r->state == RUN_RUNNING)
			sched_map_settle(s, r);
		sched_runs_check_done(s, r);
	}
	sched_tx_commit(s);
}

/* A task instance a previous scheduler left queued or running, or
 * holding a token. */
struct lost {
	int64_t id;
	enum ti_state state;
	char *token;
	char *host;
	int try_number;
	int max_tries;
	int64_t started_at;
	char *task;
	char *dag;
	char *partition;
	int64_t run_id;
};

struct lost_list {
	struct lost *v;
	int n, cap;
};

static void
lost_add(void *arg, const struct store_lost_row *row)
{
	struct lost_list *ll = arg;
	struct lost *x;

	SL_GROW(ll->v, ll->cap, ll->n + 1);
	x = &ll->v[ll->n++];
	x->id = row->id;
	x->state = row->state;
	x->token = row->token ? xstrdup(row->token) : NULL;
	x->host = row->executor ? xstrdup(row->executor) : NULL;
	x->try_number = row->try_number;
	x->max_tries = row->max_tries;
	x->started_at = row->started_at;
	x->task = xstrdup(row->task_id);
	x->dag = xstrdup(row->dag_id);
	x->partition = xstrdup(row->partition);
	x->run_id = row->run_id;
}

/*
 * At start: follow a try a previous scheduler left running, through its
 * executor's adopt(). The try keeps its row (running, with its token),
 * takes its slots and pools again, and its timeout counts from when it
 * started; the reload that follows gives it to its task instance (by id
 * and try number), and its end is recorded as any try's. t NULL: its
 * task left the DAG file while no scheduler ran; the reload stops it as
 * it stops a removed task's try (its log and its record say why; the
 * default pool's one slot until then). 0 when adopted, -1 when the
 * executor cannot follow it (then it is lost).
 */
static int
recover_adopt(struct sched *s, struct executor *ex, const struct task *t,
	      const struct lost *x)
{
	void *(*adopt)(void *, const char *, sl_exec_done_fn, void *, char *,
		       size_t) = SL_EXEC_OP(ex->ops, 2, adopt);
	struct dag_load_state *d;
	struct live *l;
	char msg[512] = "";

	if (adopt == NULL)
		return -1;
	l = xcalloc(1, sizeof *l);
	l->s = s;
	l->ti_id = x->id;
	l->try_number = x->try_number;
	l->from = TI_RUNNING;
	l->ex = ex;
	l->dag_name = xstrdup(x->dag);
	l->pool = xstrdup(t != NULL ? t->pool : "default");
	l->pool_slots = t != NULL ? t->pool_slots : 1;
	l->is_poke = t != NULL && operator_is_sensor(t->op);
	if (t == NULL)
		l->log_path = try_log_path(s->cfg->logs_dir, x->dag, x->partition,
					   x->task, x->try_number);
	l->started_ms = x->started_at > 0 ? x->started_at : sched_now(s);
	l->started_mono = sched_mono_at(s, l->started_ms);
	l->adopted = 1;
	l->handle = adopt(ex->inst, x->token, sched_try_exec_done, l, msg,
			  sizeof msg);
	if (l->handle == NULL) {
		sched_log_at(LOG_LEVEL_ERROR, x->dag, x->task, x->partition,
			     x->try_number, "%s %s %s: try %d cannot be followed: %s",
			     x->dag, x->task, x->partition, x->try_number, msg);
		free(l->log_path);
		free(l->dag_name);
		free(l->pool);
		free(l);
		return -1;
	}
	d = sched_dstate(s, x->dag);
	l->counts = 1;
	s->running++;
	d->active_tasks++;
	sched_pool_add(s, l->pool, l->pool_slots);
	ex->busy++;
	l->next = s->lives;
	s->lives = l;
	if (t != NULL && t->timeout_ms > 0 && !l->is_poke)
		sched_try_timeout_arm(s, l, l->started_mono + t->timeout_ms);
	sched_log_at(LOG_LEVEL_INFO, x->dag, x->task, x->partition, x->try_number,
		     "%s %s: try %d still belongs to executor %s: following it (partition %s)",
		     x->dag, x->task, x->try_number, ex->name, x->partition);
	return 0;
}

/* Does t's executor promise that a try still queued in the store never
 * started (an executor with adopt(): executor.h)? */
static int
recover_never_started(struct sched *s, const struct task *t)
{
	struct executor *ex = registry_find(&s->execs, t->executor);

	return ex != NULL && SL_EXEC_OP(ex->ops, 2, adopt) != NULL;
}

/*
 * At start: a try a previous scheduler left running is adopted when its
 * executor can follow it (recover_adopt). Every other try left queued or
 * running is lost: kill what is left of its process, then retry it (if
 * it has tries left) or fail it.
 */
int
sched_sync_recover(struct sched *s)
{
	struct lost_list ll = { NULL, 0, 0 };
	struct lost *lost;
	int n, rc = 0;

	if (store_sched_lost(s->store, lost_add, &ll) < 0)
		rc = -1;
	lost = ll.v;
	n = ll.n;
	if (rc == 0 && sched_tx_begin(s) < 0)
		rc = -1;
	for (int i = 0; i < n && rc == 0; i++) {
		struct lost *x = &lost[i];
		struct executor *ex = x->host ? registry_find(&s->execs, x->host) : NULL;
		enum ti_state state = x->state;
		struct ti_update u = TI_UPDATE_INIT;
		struct dag *dag = dagbag_find(&s->bag, x->dag);
		struct task *t = dag ? sched_map_task(dag, x->task) : NULL;
		int64_t now = sched_now(s);

		/* (t NULL in a DAG it has: a task removed meanwhile) */
		if (state == TI_RUNNING && x->token != NULL && ex != NULL &&
		    (t != NULL ? !ti_task_in_loop(t) : dag != NULL) &&
		    recover_adopt(s, ex, t, x) == 0)
			continue;
		if (state == TI_QUEUED && t != NULL && !ti_task_in_loop(t) &&
		    recover_never_started(s, t)) {
			/* its executor starts nothing before the running
			 * state is recorded: this try never started; run it
			 * again without counting it */
			u.try_number = x->try_number > 0 ? x->try_number - 1 : 0;
			u.set |= TIU_TRY_NUMBER;
			u.next_at = now;
			u.set |= TIU_NEXT_AT;
			u.reason = "scheduler restarted before this try started";
			if (store_ti_transition(s->store, x->id, TI_QUEUED, -1,
						TI_UP_FOR_RETRY, &u) < 0)
				rc = -1;
			continue;
		}
		if (x->token != NULL && ex != NULL && ex->ops->kill_orphan != NULL)
			ex->ops->kill_orphan(ex->inst, x->token);
		u.token = NULL;
		u.set |= TIU_TOKEN;
		if (state != TI_QUEUED && state != TI_RUNNING) {
			/* cleared or marked while no scheduler ran: the try
			 * ran, and is recorded as one a running scheduler
			 * stops after a clear is (sched_try_end), not left
			 * out of the task's tries; then its token goes */
			if (store_try_record(s->store, x->id, x->try_number,
					     TI_FAILED, x->started_at, now,
					     INT_MIN, 0, x->host,
					     "cleared while running") < 0 ||
			    store_ti_forget_token(s->store, x->id) < 0)
				rc = -1;
			continue;
		}
		if (t != NULL && ti_task_in_loop(t)) {
			/* an in-loop poke: simply poke again */
			u.next_at = now;
			u.set |= TIU_NEXT_AT;
			u.reason = "scheduler restarted: poking again";
			if (store_ti_transition(s->store, x->id, state, -1,
			    state == TI_QUEUED ? TI_RUNNING : TI_UP_FOR_RESCHEDULE, &u) < 0)
				rc = -1;
			else if (state == TI_QUEUED &&
				 store_ti_transition(s->store, x->id, TI_RUNNING, -1,
						     TI_UP_FOR_RESCHEDULE, &u) < 0)
				rc = -1;
			continue;
		}
		u.ended_at = now;
		u.set |= TIU_ENDED_AT;
		u.error = "lost: the scheduler stopped while this try ran";
		u.set |= TIU_ERROR;
		u.reason = u.error;
		if (store_try_record(s->store, x->id, x->try_number, TI_FAILED,
				     x->started_at, now, INT_MIN, 0, x->host,
				     u.error) < 0) {
			rc = -1;
			continue;
		}
		if (state == TI_QUEUED) {
			/* it may never have started; count it anyway */
			struct ti_update q = TI_UPDATE_INIT;

			q.reason = "scheduler restarted";
			if (store_ti_transition(s->store, x->id, TI_QUEUED, -1,
						TI_RUNNING, &q) < 0) {
				rc = -1;
				continue;
			}
		}
		if (x->try_number < x->max_tries) {
			u.next_at = now + (t ? sched_try_retry_delay(t, x->try_number) : 0);
			u.set |= TIU_NEXT_AT;
			if (store_ti_transition(s->store, x->id, TI_RUNNING, -1,
						TI_UP_FOR_RETRY, &u) < 0)
				rc = -1;
			sched_log_at(LOG_LEVEL_WARN, x->dag, x->task, x->partition,
				     x->try_number,
				     "%s %s %s: try %d was lost when the scheduler stopped; retrying",
				     x->dag, x->task, x->partition, x->try_number);
		} else {
			if (store_ti_transition(s->store, x->id, TI_RUNNING, -1,
						TI_FAILED, &u) < 0)
				rc = -1;
			sched_log_at(LOG_LEVEL_ERROR, x->dag, x->task, x->partition,
				     x->try_number,
				     "%s %s %s: try %d was lost when the scheduler stopped; no tries left: failed",
				     x->dag, x->task, x->partition, x->try_number);
		}
	}
	if (rc < 0) {
		if (s->in_tx) {
			store_rollback(s->store);
			sched_notify_flush(s, 0);
			s->in_tx = 0;
		}
	} else if (sched_tx_commit(s) < 0)
		rc = -1;
	for (int i = 0; i < n; i++) {
		free(lost[i].token);
		free(lost[i].host);
		free(lost[i].task);
		free(lost[i].dag);
		free(lost[i].partition);
	}
	free(lost);
	return rc;
}

/* The names of the DAGs of unfinished runs that the bag lacks. */
struct gone_names {
	struct sched *s;
	char **v;
	int n, cap;
};

static void
gone_name_add(void *arg, const struct store_run_row *row)
{
	struct gone_names *g = arg;

	if (dagbag_find(&g->s->bag, row->dag_id) != NULL)
		return;
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->v[i], row->dag_id) == 0)
			return;
	SL_GROW(g->v, g->cap, g->n + 1);
	g->v[g->n++] = xstrdup(row->dag_id);
}

/*
 * At start, before the tries are recovered: a DAG whose file went
 * (deleted or moved) while a run of it was unfinished, this scheduler's
 * predecessor running or not, finishes that run on its last good version
 * from the database, as a scheduler that ran all along does: it is the
 * bag's entry of a gone file (no new runs) and its tries in flight are
 * adopted, not lost. -1 when the store could not be read.
 */
int
sched_sync_gone_dags(struct sched *s)
{
	struct gone_names g = { s, NULL, 0, 0 };
	json_t *rows = NULL, *o;
	size_t i;
	int rc = 0;

	if (store_sched_runs(s->store, gone_name_add, &g) < 0 ||
	    (g.n > 0 && (rows = store_dags_unloaded_json(s->store, &s->bag)) == NULL))
		rc = -1;
	json_array_foreach(rows, i, o) {
		const char *name = json_string_value(json_object_get(o, "dag"));
		const char *file = json_string_value(json_object_get(o, "file"));
		struct dag *dag = NULL;
		char *text = NULL;
		size_t len = 0;
		struct sl_err err;
		int k;

		for (k = 0; k < g.n && strcmp(g.v[k], name) != 0; k++)
			;
		if (k == g.n || file == NULL ||
		    !json_is_true(json_object_get(o, "file_missing")) ||
		    store_dag_last_good(s->store, file, &text, &len) != 1)
			continue;
		sl_err_clear(&err);
		if (dag_load_text(file, text, len, s->cfg, &dag, &err) == 0 &&
		    strcmp(dag->name, name) == 0) {
			dagbag_add_gone(&s->bag, file, dag);
			sched_dstate(s, name);
			sched_log("DAG file gone: %s; DAG %s finishes its unfinished "
				  "runs on its last good version (from the database) "
				  "and creates no new runs", file, name);
		} else
			dag_free(dag);
		free(text);
	}
	json_decref(rows);
	for (int k = 0; k < g.n; k++)
		free(g.v[k]);
	free(g.v);
	return rc;
}

/* --- timers --- */

static int
dag_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(struct dag *const *)a;
	uintptr_t y = (uintptr_t)*(struct dag *const *)b;

	return x < y ? -1 : x > y;
}

/* Does any run in memory point at a DAG that fresh did not take over
 * (changed, or gone for another file's)? Then the runs must be rebuilt.
 * (A version fresh took over, unchanged, last good of a broken file or
 * last of a gone one, is at the same address.) */
static int
runs_need_reload(struct sched *s, const struct dagbag *fresh)
{
	struct dag **kept = xcalloc((size_t)fresh->n + 1, sizeof *kept);
	int n = 0, need = 0;

	for (int i = 0; i < fresh->n; i++)
		if (fresh->entries[i].dag != NULL)
			kept[n++] = fresh->entries[i].dag;
	qsort(kept, (size_t)n, sizeof *kept, dag_ptr_cmp);
	for (struct run *r = s->runs; r != NULL && !need; r = r->next)
		if (bsearch(&r->dag, kept, (size_t)n, sizeof *kept,
			    dag_ptr_cmp) == NULL)
			need = 1;
	free(kept);
	return need;
}

/* Read the paused flag of the DAGs the folder just recorded (a new DAG
 * may start paused: dags_paused_at_creation). */
static void
scan_read_paused(struct sched *s, const struct dagbag *changed)
{
	for (int i = 0; i < changed->n; i++) {
		const struct dagbag_entry *e = &changed->entries[i];
		struct store_dag_row row;
		int rc;

		if (e->dag == NULL)
			continue;
		rc = store_dag_get(s->store, e->dag->name, &row);
		if (rc > 0)
			sched_dstate(s, e->dag->name)->paused = row.paused;
		else if (rc == 0)	/* not recorded (a failed write) */
			sched_dstate(s, e->dag->name)->paused =
			    s->cfg->dags_paused_at_creation;
	}
}

/* Say in the log what became of a file that changed. */
static void
scan_log_entry(struct sched *s, const struct dagbag_entry *e)
{
	(void)s;
	if (e->missing)
		sched_log("DAG file gone: %s; its runs in progress finish", e->error);
	else if (e->stale)
		sched_log("DAG file broken: %s; DAG %s goes on with its last good version",
			  e->error, e->dag->name);
	else if (e->error != NULL)
		sched_log("DAG file not loaded: %s", e->error);
	else
		sched_log("DAG %s loaded from %s", e->dag->name, e->file);
}

/*
 * The DAG folder changed: parse only the files that changed (the others'
 * DAGs are taken over, at the same address, so runs keep pointing at
 * them; so are the last good versions of broken files and the last
 * versions of gone ones), record those in the store, and rebuild the runs
 * in memory only when one of them belongs to a DAG that changed. 1 when
 * it rebuilt them.
 */
int
sched_sync_scan_dags(struct sched *s)
{
	struct dagbag fresh, changed = { NULL, 0 };
	struct sl_err err;
	int gone = 0, changed_dags = 0, reload;

	if (!dagbag_changed(s->cfg->dags_dir, s->cfg, &s->bag))
		return 0;
	sl_err_clear(&err);
	if (dagbag_load_stored(s->cfg->dags_dir, s->cfg, &s->bag, store_dag_owns,
			       store_dag_last_good, s->store, &fresh, &err) < 0) {
		sched_log("%s", err.msg);
		return 0;
	}
	/* what s->bag still holds was not taken over: changed or gone */
	for (int i = 0; i < s->bag.n; i++)
		if (s->bag.entries[i].dag != NULL || s->bag.entries[i].error != NULL)
			gone = 1;
	changed.entries = xcalloc((size_t)fresh.n + 1, sizeof *changed.entries);
	for (int i = 0; i < fresh.n; i++) {
		struct dagbag_entry *e = &fresh.entries[i];

		if (e->reused)
			continue;
		changed.entries[changed.n++] = *e;
		if (e->dag != NULL && e->error == NULL)
			changed_dags++;
		scan_log_entry(s, e);
	}
	if (changed.n == 0 && !gone && fresh.n == s->bag.n) {
		/* only times moved (a file touched): nothing to redo */
		free(changed.entries);
		dagbag_free(&s->bag);
		s->bag = fresh;
		return 0;
	}
	/* (entries are shared with fresh: the store only reads them) */
	if (changed.n > 0 && store_dags_sync(s->store, &changed,
					     s->cfg->dags_paused_at_creation,
					     sched_now(s)) < 0)
		sched_db_failed(s, "recording the DAG folder");
	scan_read_paused(s, &changed);
	free(changed.entries);
	reload = (changed_dags && s->runs_without_dag) ||
		 runs_need_reload(s, &fresh);
	{
		struct dagbag old = s->bag;

		s->bag = fresh;
		if (reload)
			sched_sync_reload(s, 0);
		dagbag_free(&old);
	}
	sched_pass_schedule(s);
	return reload;
}
