/* sched.c: the scheduling loop and its timers, transactions, life cycle
 * (see sched.h, sched_internal.h and scheduler/STATES.md).
 * A little past 800 lines on purpose: the pass's transaction, its
 * rollback on a failed write and the back-off that retries it share the
 * loop's state and must be read together; the concerns that stand alone
 * (dispatch, tries, sync, runs, notify, reload, retention) are in their
 * own sched_*.c files. */
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

#include "base/log.h"
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
#include "store/store.h"

/* --- small helpers --- */


void
sched_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
sched_log_at(enum log_level lv, const char *dag, const char *task,
	     const char *partition, int try_number, const char *fmt, ...)
{
	struct log_fields f = { dag, task, partition, try_number };
	va_list ap;

	va_start(ap, fmt);
	log_vemit(lv, &f, fmt, ap);
	va_end(ap);
}

void
sched_log_ti(enum log_level lv, const struct ti *ti, int try_number,
	     const char *fmt, ...)
{
	struct log_fields f = { NULL, NULL, NULL, try_number };
	va_list ap;

	if (ti != NULL && ti->run != NULL) {
		f.dag = ti->run->dag_name;
		f.partition = ti->run->partition;
		if (ti->run->dag != NULL)
			f.task = ti_name(ti);
	}
	va_start(ap, fmt);
	log_vemit(lv, &f, fmt, ap);
	va_end(ap);
}

static void db_retry_fire(struct sched *s, struct sched_timer *t);

int
sched_tx_begin(struct sched *s)
{
	if (!s->in_tx) {
		if (s->db_down)
			return -1;	/* held until the next attempt */
		if (store_begin(s->store) < 0) {
			sched_db_failed(s, "beginning a transaction");
			return -1;
		}
		s->in_tx = 1;
	}
	return 0;
}

int
sched_tx_commit(struct sched *s)
{
	if (s->in_tx) {
		s->in_tx = 0;
		if (s->db_down) {
			/* a write of this transaction failed: none of it holds */
			store_rollback(s->store);
			sched_notify_flush(s, 0);
			return -1;
		}
		if (store_commit(s->store) < 0) {
			sched_db_failed(s, "commit");
			sched_notify_flush(s, 0);
			return -1;
		}
		/* the ends are in the store: their executors may drop
		 * what they kept to report them to a later scheduler */
		sched_try_ends_recorded(s);
		sched_try_ends_clear(s);
		if (s->db_failing && store_last_commit_wrote(s->store)) {
			char d[64];

			s->db_failing = 0;
			json_decref(s->children_held);
			s->children_held = NULL;
			if (s->db_logged)
				sched_log("database: writes succeed again (after %s)",
					  sl_format_duration(sched_mono(s) - s->db_failing_since,
							     d, sizeof d));
		}
	}
	/* side effects after the commit: hooks and emails */
	sched_notify_flush(s, 1);
	return 0;
}

/*
 * A write failed (a lock held longer than SCHED_DB_BUSY_MS, a full disk, a
 * read-only file, an I/O error): what this transaction recorded is lost.
 * Say so once per outage with SQLite's own message, hold every write (so
 * nothing commits half a pass and nothing waits on a lock), start
 * nothing, and try again after the back-off: db_retry_fire reads the
 * store again and records the tries that ended meanwhile.
 */
void
sched_db_failed(struct sched *s, const char *what)
{
	int64_t now = sched_mono(s);

	if (s->db_down)
		return;
	if (!s->db_failing) {
		s->db_failing = 1;
		s->db_logged = 0;
		s->db_failing_since = now;
		s->db_backoff_ms = 0;
	} else {
		s->db_backoff_ms = s->db_backoff_ms < SCHED_DB_RETRY_MIN_MS ?
		    SCHED_DB_RETRY_MIN_MS : s->db_backoff_ms * 2;
		if (s->db_backoff_ms > SCHED_DB_RETRY_MAX_MS)
			s->db_backoff_ms = SCHED_DB_RETRY_MAX_MS;
	}
	/* a lock another process holds for a moment (a CLI's write) is no
	 * news; one held longer, or any other error, is said once */
	if (!s->db_logged && (!store_busy(s->store) ||
			      now - s->db_failing_since >= SCHED_DB_QUIET_MS)) {
		s->db_logged = 1;
		sched_log("database: %s failed: %s; starting nothing, trying again until writes succeed",
			  what, store_errmsg(s->store));
	}
	s->db_down = 1;
	/* the ends this transaction recorded are lost with it */
	sched_try_ends_hold(s);
	store_hold(s->store, 1);
	store_set_busy_timeout(s->store, 0);
	sched_dispatch_drop_queued(s);
	if (s->started)
		sched_timer_set(s, &s->db_timer, now + s->db_backoff_ms,
				db_retry_fire);
}

/* The back-off is over: read the store again (what it holds is the
 * truth), record the tries that ended meanwhile, and carry on. */
static void
db_retry_fire(struct sched *s, struct sched_timer *t)
{
	(void)t;
	if (s->in_tx) {
		s->in_tx = 0;
		store_rollback(s->store);
		sched_notify_flush(s, 0);
	}
	s->db_down = 0;
	store_hold(s->store, 0);
	store_set_busy_timeout(s->store, SCHED_DB_BUSY_MS);
	if (s->shutting_down)
		return;
	sched_sync_reload(s, 0);
	if (s->db_down)
		return;
	sched_try_ends_replay(s);
	sched_runs_create(s);
	sched_pass_schedule(s);
}

struct dag_load_state *
sched_dstate(struct sched *s, const char *name)
{
	struct dag_load_state *d;

	for (d = s->dstates; d != NULL; d = d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	d = xcalloc(1, sizeof *d);
	d->name = xstrdup(name);
	d->next = s->dstates;
	s->dstates = d;
	return d;
}

int
sched_pool_used(struct sched *s, const char *pool)
{
	return (int)json_integer_value(json_object_get(s->pool_used, pool));
}

void
sched_pool_add(struct sched *s, const char *pool, int n)
{
	json_object_set_new(s->pool_used, pool,
			    json_integer(sched_pool_used(s, pool) + n));
}

/* --- state changes --- */

/* Move ti to `to` in memory and in the store (inside the pass's
 * transaction). Returns 0, or -1 when the store no longer agrees (a
 * person changed it): the caller stops, a reload follows. */
int
sched_ti_set(struct sched *s, struct ti *ti, enum ti_state to,
       const struct ti_update *u)
{
	int r;

	if (s->db_down)
		return -1;	/* writes held: the store is read again later */
	assert(ti_transition_ok(ti->state, to));
	/* (a try that never started gives its number back) */
	assert(!(u->set & TIU_TRY_NUMBER) || u->try_number >= ti->try_number ||
	       (to == TI_UP_FOR_RETRY && u->try_number == ti->try_number - 1));
	if (sched_tx_begin(s) < 0)
		return -1;
	r = store_ti_transition(s->store, ti->id, ti->state, -1, to, u);
	if (r <= 0) {
		if (r == 0)
			sched_poke(s);
		else
			sched_db_failed(s, "recording a state");
		return -1;
	}
	ti->state = to;
	if (ti_task(ti)->setup && ti_state_done(to))
		sched_teardown_setup_ended(s, ti);
	if (u->set & TIU_TRY_NUMBER)
		ti->try_number = u->try_number;
	if (u->set & TIU_NEXT_AT)
		ti->next_at = u->next_at;
	if (u->set & TIU_FIRST_POKE_AT) {
		ti->first_poke_at = u->first_poke_at;
		ti->first_poke_mono = sched_mono_at(s, u->first_poke_at);
		ti->first_poke_mono_set = 1;
	}
	return 0;
}

/* --- the clock and the timers --- */

static int64_t
clock_real_now(void *arg)
{
	(void)arg;
	return sl_now_ms();
}

static int64_t
clock_real_mono(void *arg)
{
	(void)arg;
	return sl_mono_ms();
}

static const struct sched_clock clock_real = {
	clock_real_now, clock_real_mono, NULL,
};

int64_t
sched_now(const struct sched *s)
{
	return s->clock.now_ms(s->clock.arg);
}

int64_t
sched_mono(const struct sched *s)
{
	return s->clock.mono_ms(s->clock.arg);
}

int64_t
sched_mono_at(const struct sched *s, int64_t wall_ms)
{
	return sched_mono(s) + (wall_ms - sched_now(s));
}

void
sched_set_clock(struct sched *s, const struct sched_clock *c)
{
	s->clock = *c;
}

/* Timer heap order: earlier first, then first armed. */
static int
timer_before(const struct sched_timer *a, const struct sched_timer *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return a->seq < b->seq;
}

static void
timer_swap(struct sched *s, int i, int j)
{
	struct sched_timer *t = s->timers[i];

	s->timers[i] = s->timers[j];
	s->timers[j] = t;
	s->timers[i]->slot = i + 1;
	s->timers[j]->slot = j + 1;
}

static void
timer_sift(struct sched *s, int i)
{
	while (i > 0 && timer_before(s->timers[i], s->timers[(i - 1) / 2])) {
		timer_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < s->ntimers && timer_before(s->timers[l], s->timers[m]))
			m = l;
		if (r < s->ntimers && timer_before(s->timers[r], s->timers[m]))
			m = r;
		if (m == i)
			break;
		timer_swap(s, i, m);
		i = m;
	}
}

/* Point the loop's one timer event at the earliest scheduler timer. */
static void
timers_rearm(struct sched *s)
{
	int64_t at = s->ntimers > 0 ? s->timers[0]->at : INT64_MAX;
	struct timeval tv;

	if (s->timer_ev == NULL || at == s->timer_ev_at)
		return;
	s->timer_ev_at = at;
	if (at == INT64_MAX) {
		evtimer_del(s->timer_ev);
		return;
	}
	sl_ms_timeval(at - sched_mono(s), &tv);
	/* timers count from the loop's cached time, which is as old as
	 * this turn: refresh it, or the timer fires that much early */
	event_base_update_cache_time(s->base);
	evtimer_add(s->timer_ev, &tv);
}

void
sched_timer_set(struct sched *s, struct sched_timer *t, int64_t at,
		sched_timer_fn fire)
{
	t->at = at;
	t->seq = ++s->timer_seq;
	t->fire = fire;
	if (t->slot == 0) {
		SL_GROW(s->timers, s->captimers, s->ntimers + 1);
		s->timers[s->ntimers++] = t;
		t->slot = s->ntimers;
	}
	timer_sift(s, t->slot - 1);
	assert(s->timers[t->slot - 1] == t);
	timers_rearm(s);
}

void
sched_timer_cancel(struct sched *s, struct sched_timer *t)
{
	int i = t->slot - 1;

	if (t->slot == 0)
		return;
	assert(i < s->ntimers && s->timers[i] == t);
	t->slot = 0;
	s->ntimers--;
	if (i < s->ntimers) {
		s->timers[i] = s->timers[s->ntimers];
		s->timers[i]->slot = i + 1;
		timer_sift(s, i);
	}
	timers_rearm(s);
}

int64_t
sched_timers_next(const struct sched *s)
{
	return s->ntimers > 0 ? s->timers[0]->at : INT64_MAX;
}

void
sched_timers_run(struct sched *s)
{
	int64_t now = sched_mono(s);

	while (s->ntimers > 0 && s->timers[0]->at <= now) {
		struct sched_timer *t = s->timers[0];

		sched_timer_cancel(s, t);
		t->fire(s, t);
	}
	timers_rearm(s);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;

	(void)fd;
	(void)what;
	s->timer_ev_at = INT64_MAX;	/* fired: no longer pending */
	sched_timers_run(s);
}

/* --- the pass --- */

void
sched_pass(struct sched *s)
{
	s->pass_pending = 0;
	if (s->shutting_down || s->db_down) {
		/* stopping, or writes are held after a failed one: record
		 * nothing, start nothing */
		sched_tx_commit(s);
		return;
	}
	sched_runs_promote(s);
	while (s->neval > 0) {
		struct ti *ti = s->eval[--s->neval];

		sched_dispatch_evaluate(s, ti);
	}
	sched_dispatch(s);
	if (sched_tx_commit(s) < 0) {
		/* nothing this pass recorded holds (rolled back): start none
		 * of its tries; the store is read again after the back-off */
		sched_dispatch_drop_queued(s);
		return;
	}
	sched_dispatch_start_queued(s);
	/* starting may have changed states (running, or failed to start) */
	while (s->neval > 0) {
		struct ti *ti = s->eval[--s->neval];

		sched_dispatch_evaluate(s, ti);
	}
	sched_tx_commit(s);
	sched_runs_free_done(s);
	if (s->runs_finished) {
		/* catch-up: the next partitions may now fit under
		 * max_active_runs */
		s->runs_finished = 0;
		sched_runs_create(s);
		/* a run it created (or one queued) may start now, not at
		 * the next tick */
		sched_pass_schedule(s);
	}
}

static void
pass_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sched_pass(arg);
}

void
sched_pass_schedule(struct sched *s)
{
	if (s->pass_pending)
		return;
	s->pass_pending = 1;
	if (s->running >= SCHED_BATCH_MIN_RUNNING) {
		struct timeval tv = { 0, SCHED_BATCH_US };

		event_add(s->pass_ev, &tv);
	} else
		event_active(s->pass_ev, EV_TIMEOUT, 0);
}

int
sched_pass_flush(struct sched *s)
{
	if (!s->pass_pending)
		return 0;
	event_del(s->pass_ev);
	sched_pass(s);
	return 1;
}

static void poll_fire(struct sched *s, struct sched_timer *t);

void
sched_poke(struct sched *s)
{
	s->data_version = -1;
	if (s->started)
		sched_timer_set(s, &s->poll_timer, sched_mono(s), poll_fire);
}

/* Another process may have changed the database: look again. */
static void
poll_fire(struct sched *s, struct sched_timer *t)
{
	int64_t v;

	if (s->shutting_down)
		return;
	if (s->db_down) {
		/* db_retry_fire reads the store when the back-off is over */
		sched_timer_set(s, t, sched_mono(s) + SCHED_POLL_MS, poll_fire);
		return;
	}
	sched_tx_commit(s);
	v = store_data_version(s->store);
	if (v != s->data_version) {
		/* another process wrote, maybe from a DAG file newer than the
		 * one loaded here (a trigger right after an edit): read the
		 * files that changed first, so the runs it made are run with
		 * the tasks it made them with */
		s->last_dag_scan = sched_mono(s);
		if (!sched_sync_scan_dags(s))	/* (else read just now) */
			sched_sync_reload(s, 0);
		sched_runs_create(s);
		sched_pass_schedule(s);
	}
	sched_timer_set(s, t, sched_mono(s) + SCHED_POLL_MS, poll_fire);
}

/* Until the next whole second of the wall clock: partitions end on whole
 * seconds, so the tick that creates a live partition's run comes right at
 * its end, not up to a second later. */
static int64_t
sched_tick_delay(const struct sched *s)
{
	int64_t into = sched_now(s) % SCHED_TICK_MS;

	return into > 0 ? SCHED_TICK_MS - into : SCHED_TICK_MS;
}

/* The database file deleted (or another put in its place) under the
 * scheduler: it would go on writing into a file no one else opens, lost
 * when it stops, while every other process sees another database. Say so
 * and stop: 1. A stat, every second. */
static int
sched_db_file_check(struct sched *s)
{
	char why[PATH_MAX + 64];

	if (!store_file_gone(s->store, why, sizeof why))
		return 0;
	s->db_gone = 1;
	log_emit(LOG_LEVEL_ERROR, NULL, "database: %s while this scheduler ran on it: "
		 "what it records from now on would be lost, and other commands see "
		 "another database. Stopping (exit 1), without waiting for running "
		 "tries. Restore a backup (sluice db restore FILE) and start the "
		 "scheduler again, or start it again to begin a new database", why);
	s->drain = 0;
	sched_shutdown(s);
	return 1;
}

int
sched_db_gone(const struct sched *s)
{
	return s->db_gone;
}

/* Every second: due partitions, the DAG folder, SLAs, run counts. */
static void
tick_fire(struct sched *s, struct sched_timer *t)
{
	int64_t now = sched_mono(s);

	if (s->tick_expected != 0 && now > s->tick_expected)
		s->loop_lag_ms = now - s->tick_expected;
	s->tick_expected = now + SCHED_TICK_MS;
	if (s->shutting_down || sched_db_file_check(s))
		return;
	if (s->db_down) {
		sched_timer_set(s, t, now + SCHED_TICK_MS, tick_fire);
		return;
	}
	if (now - s->last_dag_scan >= SCHED_DAG_SCAN_MS) {
		s->last_dag_scan = now;
		sched_sync_scan_dags(s);
	}
	sched_runs_create(s);
	/* the runs just created start what they can first (the pass the
	 * tick runs anyway, run now): an SLA miss of a task not started
	 * then says what holds it, not "the run is queued" */
	sched_pass_schedule(s);
	(void)sched_pass_flush(s);
	sched_runs_check_sla(s);
	/* the per-run open counts are hints: recount them now and then */
	for (struct run *r = s->runs; r != NULL; r = r->next) {
		r->nopen = 0;
		sched_runs_check_done(s, r);
	}
	sched_tx_commit(s);
	sched_pass_schedule(s);
	s->tick_expected = sched_mono(s) + sched_tick_delay(s);
	sched_timer_set(s, t, s->tick_expected, tick_fire);
}

static void
grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;

	sched_tx_commit(s);
	event_base_loopbreak(s->base);
}

static void
sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	sched_shutdown(arg);
}

static void
sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	sched_reload(arg);
}

/* --- life cycle --- */

/* The executors of sluice.yaml. An ssh executor keeps the commands it
 * must still stop on hosts that did not answer in HOME/run
 * (executors/ssh/orphans.c): only the scheduler, which holds the
 * store's lock, is given that folder (state_dir), so no other process
 * (sluice executors check) reads or writes its file. */
static int
sched_executors_create(struct sched *s, struct sl_err *err)
{
	json_t *execs = json_deep_copy(s->cfg->executors), *e;
	char *dir = xasprintf("%s/run", s->cfg->home);
	const char *name;
	int rc;

	json_object_foreach(execs, name, e) {
		const char *type = json_string_value(json_object_get(e, "type"));

		if (json_is_object(e) && type != NULL && strcmp(type, "ssh") == 0 &&
		    json_object_get(e, "state_dir") == NULL)
			json_object_set_new(e, "state_dir", json_string(dir));
	}
	rc = registry_create(s->base, execs, s->cfg->file, &s->execs, err);
	json_decref(execs);
	free(dir);
	return rc;
}

int
sched_new(struct config *cfg, struct event_base *base, struct sched **out,
	  struct sl_err *err)
{
	struct sched *s = xcalloc(1, sizeof *s);
	ssize_t n;

	s->cfg = cfg;
	s->base = base;
	s->clock = clock_real;
	s->timer_ev_at = INT64_MAX;
	s->timer_ev = evtimer_new(base, timer_cb, s);
	event_priority_set(s->timer_ev, 1);
	s->pool_used = json_object();
	s->children_tail = &s->children;
	n = readlink("/proc/self/exe", s->self_exe, sizeof s->self_exe - 1);
	if (n <= 0)
		snprintf(s->self_exe, sizeof s->self_exe, "sluice");
	else
		s->self_exe[n] = '\0';
	if (sl_mkdirs(cfg->logs_dir, 0755, err) < 0)
		goto fail;
	if (store_open(cfg->db_path, &s->store, err) < 0 ||
	    store_lock_scheduler(s->store, err) < 0)
		goto fail;
	/* the scheduler says a failed write itself, once per outage */
	store_set_quiet(s->store, 1);
	if (sched_executors_create(s, err) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	sched_free(s);
	return -1;
}

/* At the start, a write waits this long on another process's lock
 * before the wait is said, then this long per attempt; the running loop
 * waits SCHED_DB_BUSY_MS. */
#define SCHED_START_BUSY_FIRST_MS 1000
#define SCHED_START_BUSY_MS 10000

/*
 * The first write: the DAGs as loaded. Another process's lock is waited
 * out, as the running loop does (it tries again until writes succeed),
 * saying once, with SQLite's message, that it waits; any other error
 * fails the start (its message is store_errmsg's).
 */
static int
sched_start_dags_sync(struct sched *s)
{
	int rc, waited = 0;

	store_set_busy_timeout(s->store, SCHED_START_BUSY_FIRST_MS);
	while ((rc = store_dags_sync(s->store, &s->bag,
				     s->cfg->dags_paused_at_creation,
				     sched_now(s))) < 0 &&
	       store_busy(s->store)) {
		if (waited)
			continue;
		waited = 1;
		sched_log("database: %s: %s (another process is writing to it); waiting until it can be written (a sluice command, a backup or an sqlite3 shell holding a transaction open; SIGTERM or Ctrl-C stops the scheduler)",
			  s->cfg->db_path, store_errmsg(s->store));
		store_set_busy_timeout(s->store, SCHED_START_BUSY_MS);
	}
	store_set_busy_timeout(s->store, SCHED_START_BUSY_MS);
	if (rc == 0 && waited)
		sched_log("database: %s can be written again; starting",
			  s->cfg->db_path);
	return rc;
}

int
sched_start(struct sched *s, struct sl_err *err)
{
	char *warning;

	if (log_open(s->cfg->log_file, (enum log_format)s->cfg->log_format,
		     err) < 0)
		return -1;
	{
		struct sl_err ignored;

		/* the file's values, before --port and --bind (for SIGHUP) */
		if (config_load(s->cfg->home, &s->cfg_file, &ignored) < 0)
			s->cfg_file = NULL;
	}
	/* DAG files are checked against this configuration, not the file
	 * as it may be later: their errors say so (dag.c) */
	s->cfg->running = 1;
	/* two files with one DAG: the file the database records keeps it */
	/* a file broken now runs the last good version the database keeps */
	if (dagbag_load_stored(s->cfg->dags_dir, s->cfg, NULL, store_dag_owns,
			       store_dag_last_good, s->store, &s->bag, err) < 0)
		return -1;
	for (int i = 0; i < s->bag.n; i++) {
		if (s->bag.entries[i].stale)
			sched_log("DAG file broken: %s; DAG %s goes on with its last good version (from the database)",
				  s->bag.entries[i].error,
				  s->bag.entries[i].dag->name);
		else if (s->bag.entries[i].folder_error)
			sched_log("DAG folder: %s", s->bag.entries[i].error);
		else if (s->bag.entries[i].error != NULL)
			sched_log("DAG file not loaded: %s", s->bag.entries[i].error);
		if (s->bag.entries[i].dag != NULL)
			sched_dstate(s, s->bag.entries[i].dag->name);
	}
	if (sched_recover_gone_dags(s) < 0)
		return sl_err_set(err, "%s: cannot read the runs of DAGs whose file is gone: %s",
				  s->cfg->db_path, store_errmsg(s->store));
	if (sched_start_dags_sync(s) < 0)
		return sl_err_set(err, "%s: cannot record the DAGs: %s",
				  s->cfg->db_path, store_errmsg(s->store));
	s->last_dag_scan = sched_mono(s);
	if (sched_recover_tries(s) < 0)
		return sl_err_set(err, "%s: cannot recover the tries of the previous scheduler: %s",
				  s->cfg->db_path, store_errmsg(s->store));
	s->pass_ev = event_new(s->base, -1, 0, pass_cb, s);
	event_priority_set(s->pass_ev, 1);
	s->sigchld_ev = evsignal_new(s->base, SIGCHLD, sched_notify_reap, s);
	event_add(s->sigchld_ev, NULL);
	s->sigterm_ev = evsignal_new(s->base, SIGTERM, sigterm_cb, s);
	event_add(s->sigterm_ev, NULL);
	s->sigint_ev = evsignal_new(s->base, SIGINT, sigterm_cb, s);
	event_add(s->sigint_ev, NULL);
	s->sighup_ev = evsignal_new(s->base, SIGHUP, sighup_cb, s);
	event_add(s->sighup_ev, NULL);
	s->started = 1;
	/* from now on the loop never waits on another process's lock */
	store_set_busy_timeout(s->store, SCHED_DB_BUSY_MS);
	sched_sync_reload(s, 1);
	sched_recheck_start(s);
	sched_webhook_start(s);
	sched_timer_set(s, &s->tick_timer, sched_mono(s), tick_fire);
	/* after the first tick (timers at one time fire in the order armed):
	 * a partition that tick gives a run is late for what its run waits
	 * on (a task, needs:, a pool), not for having none */
	sched_fresh_start(s);
	sched_timer_set(s, &s->poll_timer, sched_mono(s), poll_fire);
	sched_pass_schedule(s);
	sched_retention_start(s);
	if (s->cfg->smtp == NULL)
		sched_log("no smtp: block in %s: emails are written to %s/outbox/",
			 s->cfg->file, s->cfg->home);
	if ((warning = config_base_url_warning(s->cfg)) != NULL) {
		sched_log("%s", warning);
		free(warning);
	}
	sched_log("scheduler started: home %s, %d DAG file(s), parallelism %d",
		 s->cfg->home, s->bag.n, s->cfg->parallelism);
	return 0;
}

void
sched_set_drain(struct sched *s, int drain)
{
	s->drain = drain;
}

void
sched_set_serves_web(struct sched *s, int serves)
{
	s->serves_web = serves;
}

/* Is any try's process still ours to wait for? */
static int
shutdown_waiting(const struct sched *s)
{
	for (const struct live *l = s->lives; l != NULL; l = l->next)
		if (l->ex != NULL && l->handle != NULL)
			return 1;
	return 0;
}

/*
 * Stop now: every try whose executor can let it go is detached (it keeps
 * running, its row stays running with its token, and the next scheduler
 * adopts it); the others are killed and recorded as they end, within the
 * kill grace period; then leave the loop.
 */
static void
shutdown_stop(struct sched *s)
{
	struct timeval tv;
	int killed = 0, kept = 0;

	for (struct live *l = s->lives; l != NULL; l = l->next) {
		if (l->ex != NULL && l->handle != NULL) {
			void (*detach)(void *, void *) =
			    SL_EXEC_OP(l->ex->ops, 2, detach);

			if (detach != NULL) {
				if (l->log_path != NULL)
					sched_try_log(l->log_path, "the scheduler is stopping: this try keeps running, the next scheduler follows it");
				detach(l->ex->inst, l->handle);
				l->handle = NULL;
				kept++;
				continue;
			}
			l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_SHUTDOWN);
			killed++;
			if (l->log_path != NULL)
				sched_try_log(l->log_path, "the scheduler is stopping: stopping this try");
		} else if (l->poke != NULL) {
			l->poke_op->poke_cancel(l->poke);
			l->poke = NULL;
		}
	}
	sched_log("scheduler stopping: %d running tr%s left running for the next scheduler, %d stopped",
		  kept, kept == 1 ? "y" : "ies", killed);
	sched_tx_commit(s);
	if (killed == 0) {
		event_base_loopbreak(s->base);
		return;
	}
	/* results of the killed tries are recorded as they end; give them
	 * the kill grace period, then go */
	tv.tv_sec = (s->cfg->kill_grace_ms + 1000) / 1000;
	tv.tv_usec = 0;
	if (s->grace_ev == NULL)
		s->grace_ev = evtimer_new(s->base, grace_cb, s);
	evtimer_add(s->grace_ev, &tv);
}

void
sched_shutdown(struct sched *s)
{
	if (s->shutting_down && s->draining) {
		/* a second signal while draining: stop waiting */
		s->draining = 0;
		sched_log("scheduler stopping without waiting for the running tries");
		shutdown_stop(s);
		return;
	}
	if (s->shutting_down) {
		/* a second signal: leave at once */
		sched_tx_commit(s);
		event_base_loopbreak(s->base);
		return;
	}
	if (s->db_down || s->nheld_ends > 0) {
		/* tries ended while writes failed: record them now if the
		 * store takes it (their status files go with this scheduler) */
		sched_timer_cancel(s, &s->db_timer);
		db_retry_fire(s, &s->db_timer);
		sched_tx_commit(s);
		if (s->nheld_ends > 0 || s->db_down)
			sched_log("database: writes still fail: %d tr%s that ended meanwhile could not be recorded",
				  s->nheld_ends, s->nheld_ends == 1 ? "y" : "ies");
	}
	s->shutting_down = 1;
	if (!s->drain) {
		shutdown_stop(s);
		return;
	}
	/* draining: start nothing more, record the running tries as they
	 * end (sched_try_live_free leaves the loop after the last) */
	s->draining = 1;
	for (struct live *l = s->lives; l != NULL; l = l->next)
		if (l->poke != NULL) {
			l->poke_op->poke_cancel(l->poke);
			l->poke = NULL;
		}
	sched_log("scheduler draining: starting no new tries, waiting for %d running (a second SIGTERM stops without waiting)",
		  s->running);
	sched_tx_commit(s);
	if (!shutdown_waiting(s))
		event_base_loopbreak(s->base);
}

void
sched_free(struct sched *s)
{
	struct run *r, *next;

	if (s == NULL)
		return;
	sched_tx_commit(s);
	for (r = s->runs; r != NULL; r = next) {
		next = r->next;
		SCHED_RUN_TIS(r, ti)
			sched_try_disarm(s, ti);
		sched_runs_free_one(s, r);
	}
	sched_recheck_free(s);
	sched_needs_free(s);
	while (s->lives != NULL) {
		struct live *l = s->lives;

		if (l->poke != NULL)
			l->poke_op->poke_cancel(l->poke);
		sched_try_live_free(s, l);
	}
	if (s->pass_ev) event_free(s->pass_ev);
	if (s->timer_ev) event_free(s->timer_ev);
	if (s->sigchld_ev) event_free(s->sigchld_ev);
	if (s->sigterm_ev) event_free(s->sigterm_ev);
	if (s->sigint_ev) event_free(s->sigint_ev);
	if (s->sighup_ev) event_free(s->sighup_ev);
	config_free(s->cfg_file);
	if (s->grace_ev) event_free(s->grace_ev);
	registry_destroy(&s->execs);
	dagbag_free(&s->bag);
	store_close(s->store);
	while (s->dstates != NULL) {
		struct dag_load_state *d = s->dstates;

		s->dstates = d->next;
		free(d->name);
		free(d);
	}
	json_decref(s->pool_used);
	json_decref(s->children_held);
	sched_try_ends_free(s);
	free(s->heap);
	free(s->timers);
	free(s->eval);
	free(s->startq);
	for (int i = 0; i < s->nhelpers; i++) {
		free(s->helpers[i].hook);
		free(s->helpers[i].log_path);
		free(s->helpers[i].what);
	}
	free(s->helpers);
	config_free(s->cfg);
	free(s);
}

int
sched_running_tries(const struct sched *s)
{
	return s->running;
}

struct store *
sched_store(struct sched *s)
{
	return s->store;
}

const struct dagbag *
sched_dagbag(struct sched *s)
{
	return &s->bag;
}

struct executor_set *
sched_executors(struct sched *s)
{
	return &s->execs;
}

void
sched_metrics(struct sched *s, json_t *out)
{
	int nruns = 0;

	for (struct run *r = s->runs; r != NULL; r = r->next)
		nruns++;
	json_object_set_new(out, "running_tries", json_integer(s->running));
	json_object_set_new(out, "active_runs", json_integer(nruns));
	json_object_set_new(out, "ready", json_integer(s->nheap));
	json_object_set_new(out, "loop_lag_ms", json_integer(s->loop_lag_ms));
	json_object_set_new(out, "tries_started", json_integer(s->tries_started));
	json_object_set_new(out, "tries_ended", json_integer(s->tries_ended));
}
