/*
 * sched_runs.c: runs: creation, promotion, completion, SLA (see
 * sched_internal.h).
 */
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
#include "scheduler/next_partition.h"
#include "scheduler/sched_internal.h"
#include "scheduler/state.h"
#include "scheduler/template.h"
#include "scheduler/try.h"
#include "scheduler/tz.h"
#include "scheduler/wait.h"
#include "store/store.h"

/* --- runs in memory --- */

void
sched_runs_forget_ti(struct sched *s, struct ti *ti)
{
	sched_dispatch_remove(s, ti);
	sched_try_disarm(s, ti);
	sched_needs_forget(s, ti);
	free(ti->needs_note);
	ti->needs_note = NULL;
	if (ti->live != NULL) {
		if (ti->live->ti == ti)
			ti->live->ti = NULL;
		if (ti->live->blocked == ti)
			ti->live->blocked = NULL;
	}
}

void
sched_runs_free_one(struct sched *s, struct run *r)
{
	for (int i = 0; i < r->ntis; i++) {
		struct ti *ti = &r->tis[i];

		sched_runs_forget_ti(s, ti);
		sched_map_free(s, ti);
	}
	free(r->tis);
	free(r->gone);
	free(r->dag_name);
	free(r->partition);
	free(r->run_id);
	json_decref(r->params);
	free(r);
}

/* SLA: once per task instance, when the partition's end plus the task's
 * sla has passed and the task has not succeeded (the pass's misses are
 * emailed together: a digest per DAG and recipients); in the runs the schedule
 * made (manual and backfill runs of old partitions would all miss at
 * once), unless the DAG says sla_on_backfill; every run of an unscheduled
 * DAG. */
void
sched_runs_check_sla(struct sched *s)
{
	int64_t now = sched_now(s);
	struct sched_sla_miss *miss = NULL;
	size_t nmiss = 0, cap = 0;

	for (struct run *r = s->runs; r != NULL; r = r->next) {
		if (r->dag->schedule != NULL && !r->dag->sla_on_backfill &&
		    strncmp(r->run_id, "scheduled__", 11) != 0)
			continue;
		for (int i = 0; i < r->ntis; i++) {
			struct ti *ti = &r->tis[i];
			struct task *t = ti_task(ti);
			int64_t deadline = r->end_s * 1000 + t->sla_ms;

			if (t->sla_ms <= 0 || ti->sla_notified || ti->state == TI_SUCCESS ||
			    ti->state == TI_SKIPPED || now < deadline || ti->id == 0)
				continue;
			ti->sla_notified = 1;
			sched_tx_begin(s);
			if (store_ti_sla_notified(s->store, ti->id) < 0)
				sched_db_failed(s, "recording an SLA miss");
			sched_log_committed(s, LOG_LEVEL_WARN, r->dag_name, t->name,
					    r->partition, "%s %s %s: missed its SLA",
					    r->dag_name, t->name, r->partition);
			if (!((t->email_on | t->notify_on) & EMAIL_ON_SLA_MISS))
				continue;
			SL_GROW(miss, cap, nmiss + 1);
			miss[nmiss].ti = ti;
			miss[nmiss++].deadline = deadline;
		}
	}
	/* many misses of one DAG in one pass: one digest (sent once the
	 * misses are recorded) */
	if (nmiss > 0)
		sched_notify_sla(s, miss, nmiss);
	sched_tx_commit(s);
	free(miss);
}


const struct gone_words sched_gone_removed = {
	"its task was removed from the DAG file",
	"its task was removed from the DAG file before it ended",
}, sched_gone_unmapped = {
	"the task is no longer mapped (foreach: left the DAG file)",
	"the task is no longer mapped (foreach: left the DAG file) before this item ended",
};

/*
 * The run ends: the task instances of tasks its DAG file no longer has
 * (a task removed or renamed while the run had it unfinished) end with
 * it, so an ended run holds no instance that waits for something that
 * will not come. Skipped when it was waiting to start (or for its
 * sensor's next poke); failed when a try of it had failed (waiting for a
 * retry) or was stopped by the removal. The run's own state follows the
 * tasks the file has.
 */
static void
end_gone_tis(struct sched *s, struct run *r)
{
	int64_t now = sched_now(s);

	for (int i = 0; i < r->ngone; i++) {
		enum ti_state from = r->gone[i].state, to = TI_FAILED;
		struct ti_update u = TI_UPDATE_INIT;

		if (from == TI_NONE || from == TI_SCHEDULED ||
		    from == TI_UP_FOR_RESCHEDULE)
			to = TI_SKIPPED;
		u.reason = r->gone[i].words->why;
		u.ended_at = now;
		u.set |= TIU_ENDED_AT;
		if (to == TI_FAILED) {
			u.error = r->gone[i].words->error;
			u.set |= TIU_ERROR;
		}
		if (store_ti_transition(s->store, r->gone[i].id, from, -1, to, &u) < 0) {
			sched_db_failed(s, "ending a removed task's instance");
			return;
		}
	}
	r->ngone = 0;
}

/* Every task instance finished? Then the run is done. Counting is cheap
 * enough to do only when nothing is open: callers keep nopen in step. */
void
sched_runs_check_done(struct sched *s, struct run *r)
{
	int failed = 0, open = 0;
	enum run_state to;

	if (r->state != RUN_RUNNING)
		return;
	if (r->nopen > 0) {
		r->nopen--;	/* a hint: recount only when it reaches 0 */
		if (r->nopen > 0)
			return;
	}
	for (int i = 0; i < r->ntis; i++) {
		if (!ti_state_done(r->tis[i].state) || r->tis[i].live != NULL)
			open++;
		else if ((r->tis[i].state == TI_FAILED ||
			  r->tis[i].state == TI_UPSTREAM_FAILED) &&
			 sched_teardown_counts(r, i))
			failed = 1;
	}
	if (open > 0) {
		/* wrong hint (a clear, a reload): start counting again */
		r->nopen = open;
		return;
	}
	to = failed ? RUN_FAILED : RUN_SUCCESS;
	sched_tx_begin(s);
	end_gone_tis(s, r);
	/* said once the end is committed: a failed commit (a write
	 * outage) records it again at each attempt */
	if (store_run_set_state(s->store, r->id, RUN_RUNNING, to) == 1)
		sched_log_committed(s, failed ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO,
				    r->dag_name, NULL, r->partition, "run %s %s: %s",
				    r->dag_name, r->partition, run_state_name(to));
	if (r->backfill_id > 0 && store_backfill_settle(s->store, r->backfill_id) < 0)
		sched_db_failed(s, "recording a backfill's progress");
	r->state = to;
	sched_dstate(s, r->dag_name)->active_runs--;
	sched_needs_run_done(s, r);
	sched_dstate(s, r->dag_name)->active_backfill -= r->backfill_lane;
	s->runs_finished = 1;
	if ((to == RUN_FAILED && ((r->dag->email_on | r->dag->notify_on) & EMAIL_ON_FAILURE)) ||
	    (to == RUN_SUCCESS && ((r->dag->email_on | r->dag->notify_on) & EMAIL_ON_SUCCESS)))
		sched_notify_run(s, r);
	/* defer freeing to the pass: callers may still hold ti pointers */
}

/* --- creating runs for due partitions --- */

void
sched_runs_create(struct sched *s)
{
	int64_t now = sched_now(s) / 1000;

	for (int i = 0; i < s->bag.n; i++) {
		struct dag *dag = s->bag.entries[i].dag;
		struct dag_load_state *d;
		int64_t cursor, end;
		char key[64];
		int created = 0, has_cursor;

		/* a broken file's DAG goes on from its last good version; a
		 * gone file's DAG only finishes the runs it has */
		if (dag == NULL || dag->schedule == NULL ||
		    s->bag.entries[i].missing)
			continue;
		d = sched_dstate(s, dag->name);
		if (d->paused)
			continue;
		{
			struct store_dag_row row;
			int r = store_dag_get(s->store, dag->name, &row);

			if (r < 0)
				continue;	/* logged; the next tick tries again */
			has_cursor = r > 0 && row.has_cursor;
			cursor = row.cursor;
		}
		if (!has_cursor) {
			cursor = next_partition_first(dag, now);
			if (cursor == -1)
				continue;
			sched_tx_begin(s);
			if (store_dag_set_cursor(s->store, dag->name, cursor) < 0) {
				sched_db_failed(s, "moving the catch-up cursor");
				continue;
			}
		}
		/* catchup: false skips what was missed: only the latest */
		cursor = next_partition_skip(dag, cursor, now);
		/* count queued runs too: they will run (a backfill's runs are
		 * its own: they never hold the schedule back) */
		{
			int pending = 0, active = 0;

			for (struct run *r = s->runs; r != NULL; r = r->next)
				if (r->dag == dag && r->backfill_id == 0) {
					pending += r->state == RUN_QUEUED;
					active += r->state == RUN_RUNNING;
				}
			while (active + pending + created < dag->max_active_runs) {
				struct sl_err err;
				int64_t run_id = 0;
				int catch_up = 0;

				if (cursor == -1 || cursor >= dag->end)
					break;
				end = cron_next(dag->schedule, dag->tz, cursor);
				if (end == -1 || end > now)
					break;
				dag_partition_key(dag, cursor, key, sizeof key);
				sched_tx_commit(s);
				sl_err_clear(&err);
				if (store_run_create(s->store, dag, key, cursor, end,
						     "scheduled", NULL, &run_id, &err) == 0) {
					created++;
					/* older than the newest: catch-up */
					catch_up = !sched_lane_newest(dag, end, now);
					sched_log_at(LOG_LEVEL_INFO, dag->name,
						     NULL, key, 0,
						     "run %s %s: created",
						     dag->name, key);
				}
				cursor = end;
				sched_tx_begin(s);
				if (catch_up && store_run_set_lane(s->store, run_id, 1, 0) < 0) {
					sched_db_failed(s, "putting a catch-up run in the backfill lane");
					break;
				}
				if (store_dag_set_cursor(s->store, dag->name, cursor) < 0) {
					sched_db_failed(s, "moving the catch-up cursor");
					break;
				}
			}
		}
		if (created > 0) {
			sched_tx_commit(s);
			sched_sync_reload(s, 0);
		}
	}
	sched_tx_commit(s);
}

/* Queued runs start while their DAG is under max_active_runs, live ones
 * first (sched_lane.c: each lane's rule and order). */
void
sched_runs_promote(struct sched *s)
{
	struct sched_lane_runs lr;

	sched_lane_runs_begin(s, &lr);
	for (int k = 0; k < lr.nqueued; k++) {
		struct run *r = lr.queued[k];
		struct dag_load_state *d = sched_dstate(s, r->dag_name);

		if (sched_lane_run_check(&lr, r, d) != WAIT_GO)
			continue;
		sched_tx_begin(s);
		if (store_run_set_state(s->store, r->id, RUN_QUEUED, RUN_RUNNING) < 0)
			continue;
		if (r->backfill_id > 0 &&
		    store_backfill_settle(s->store, r->backfill_id) < 0)
			sched_db_failed(s, "recording a backfill's progress");
		r->state = RUN_RUNNING;
		d->active_runs++;
		d->active_backfill += r->backfill_lane;
		sched_lane_run_started(&lr, r);
		SCHED_RUN_TIS(r, ti)
			if (ti->state == TI_NONE)
				sched_dispatch_eval(s, ti);
		/* a mapped task whose items all ended (an item marked) */
		sched_map_settle(s, r);
		/* a run whose every task is already done (e.g. a mark) */
		sched_runs_check_done(s, r);
	}
	sched_lane_runs_end(&lr);
}

void
sched_runs_free_done(struct sched *s)
{
	struct run **pp = &s->runs, *r;

	while ((r = *pp) != NULL) {
		int busy = 0;

		if (r->state == RUN_SUCCESS || r->state == RUN_FAILED) {
			SCHED_RUN_TIS(r, ti)
				if (ti->live != NULL)
					busy = 1;
			if (!busy) {
				*pp = r->next;
				SCHED_RUN_TIS(r, ti)
					sched_try_disarm(s, ti);
				sched_runs_free_one(s, r);
				continue;
			}
		}
		pp = &r->next;
	}
}
