/*
 * sched_sync.c: the picture from the store: reload and the DAG folder
 * (see sched_internal.h; what a scheduler takes over at its start is in
 * sched_recover.c).
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
#include "scheduler/needs_eval.h"
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
	r->by_hand = needs_eval_by_hand(row->run_type);
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
		if (l->log_path != NULL) {
			char why[256];

			if (l->gone == NULL)
				sched_stop_why(s, l->ti_id, why, sizeof why);
			sched_try_log(l->log_path, "%s: stopping this try",
				      l->gone != NULL ? l->gone->why : why);
		}
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
	else if (e->folder_error)
		sched_log("DAG folder: %s", e->error);
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
