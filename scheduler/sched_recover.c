/*
 * sched_recover.c: what a scheduler takes over at its start from the one
 * before it: the DAGs of unfinished runs whose file is gone, and the
 * tries left queued or running, adopted or lost (see sched_internal.h).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "executors/registry.h"
#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/state.h"
#include "scheduler/try.h"
#include "store/store.h"

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
	l->followed = 1;
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
sched_recover_tries(struct sched *s)
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
			char why[256], error[300];

			sched_stop_why(s, x->id, why, sizeof why);
			snprintf(error, sizeof error, "%s while running", why);
			if (store_try_record(s->store, x->id, x->try_number,
					     TI_FAILED, x->started_at, now,
					     INT_MIN, 0, x->host, error) < 0 ||
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
sched_recover_gone_dags(struct sched *s)
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
