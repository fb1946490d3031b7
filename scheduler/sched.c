/* sched.c: the scheduling loop and its timers, transactions, life cycle
 * (see sched.h, sched_internal.h and scheduler/STATES.md). */
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
#include "store/store.h"

/* --- small helpers --- */


void
sched_log(const char *fmt, ...)
{
	char ts[64];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
sched_tx_begin(struct sched *s)
{
	if (!s->in_tx) {
		if (store_begin(s->store) < 0) {
			sched_log("database: cannot begin a transaction: %s",
				 store_errmsg(s->store));
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
		if (store_commit(s->store) < 0) {
			sched_log("database: commit failed: %s",
				 store_errmsg(s->store));
			return -1;
		}
	}
	return 0;
}

/* A store verb failed: say so (the pass's commit fails too, or the next
 * reload repairs the picture). */
void
sched_db_failed(struct sched *s, const char *what)
{
	sched_log("database: %s failed: %s", what, store_errmsg(s->store));
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

	assert(ti_transition_ok(ti->state, to));
	assert(!(u->set & TIU_TRY_NUMBER) || u->try_number >= ti->try_number);
	if (sched_tx_begin(s) < 0)
		return -1;
	r = store_ti_transition(s->store, ti->id, ti->state, -1, to, u);
	if (r <= 0) {
		if (r == 0)
			sched_poke(s);
		return -1;
	}
	ti->state = to;
	if (u->set & TIU_TRY_NUMBER)
		ti->try_number = u->try_number;
	if (u->set & TIU_NEXT_AT)
		ti->next_at = u->next_at;
	if (u->set & TIU_FIRST_POKE_AT)
		ti->first_poke_at = u->first_poke_at;
	return 0;
}

static void
pass_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;

	if (s->shutting_down) {
		sched_tx_commit(s);
		return;
	}
	sched_runs_promote(s);
	while (s->neval > 0) {
		struct ti *ti = s->eval[--s->neval];

		sched_dispatch_evaluate(s, ti);
	}
	sched_dispatch(s);
	sched_tx_commit(s);
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
	}
}

void
sched_pass_schedule(struct sched *s)
{
	if (event_pending(s->pass_ev, EV_TIMEOUT, NULL))
		return;
	if (s->running >= SCHED_BATCH_MIN_RUNNING) {
		struct timeval tv = { 0, SCHED_BATCH_US };

		event_add(s->pass_ev, &tv);
	} else
		event_active(s->pass_ev, EV_TIMEOUT, 0);
}

void
sched_poke(struct sched *s)
{
	s->data_version = -1;
	if (s->poll_ev != NULL) {
		struct timeval tv = { 0, 0 };

		evtimer_add(s->poll_ev, &tv);
	}
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	struct timeval tv = { 0, SCHED_POLL_MS * 1000 };
	int64_t v;

	if (s->shutting_down)
		return;
	sched_tx_commit(s);
	v = store_data_version(s->store);
	if (v != s->data_version) {
		sched_sync_reload(s, 0);
		sched_runs_create(s);
		sched_pass_schedule(s);
	}
	evtimer_add(s->poll_ev, &tv);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	struct timeval tv = { SCHED_TICK_MS / 1000, 0 };
	int64_t now = sl_mono_ms();
	static int64_t expected;

	if (expected != 0 && now > expected)
		s->loop_lag_ms = now - expected;
	expected = now + SCHED_TICK_MS;
	if (s->shutting_down)
		return;
	if (now - s->last_dag_scan >= SCHED_DAG_SCAN_MS) {
		s->last_dag_scan = now;
		sched_sync_scan_dags(s);
	}
	sched_runs_create(s);
	sched_runs_check_sla(s);
	/* the per-run open counts are hints: recount them now and then */
	for (struct run *r = s->runs; r != NULL; r = r->next) {
		r->nopen = 0;
		sched_runs_check_done(s, r);
	}
	sched_tx_commit(s);
	sched_pass_schedule(s);
	evtimer_add(s->tick_ev, &tv);
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

/* --- life cycle --- */

int
sched_new(struct config *cfg, struct event_base *base, struct sched **out,
	  struct sl_err *err)
{
	struct sched *s = xcalloc(1, sizeof *s);
	ssize_t n;

	s->cfg = cfg;
	s->base = base;
	s->pool_used = json_object();
	n = readlink("/proc/self/exe", s->self_exe, sizeof s->self_exe - 1);
	if (n <= 0)
		snprintf(s->self_exe, sizeof s->self_exe, "sluice");
	else
		s->self_exe[n] = '\0';
	if (sl_mkdirs(cfg->logs_dir, 0755, err) < 0)
		goto fail;
	if (store_open(cfg->db_path, &s->store, err) < 0)
		goto fail;
	if (registry_create(base, cfg->executors, &s->execs, err) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	sched_free(s);
	return -1;
}

int
sched_start(struct sched *s, struct sl_err *err)
{
	struct timeval now = { 0, 0 };

	if (dagbag_load(s->cfg->dags_dir, s->cfg, NULL, &s->bag, err) < 0)
		return -1;
	for (int i = 0; i < s->bag.n; i++) {
		if (s->bag.entries[i].error != NULL)
			sched_log("DAG file not loaded: %s", s->bag.entries[i].error);
		else
			sched_dstate(s, s->bag.entries[i].dag->name);
	}
	if (store_dags_sync(s->store, &s->bag) < 0)
		return sl_err_set(err, "cannot record the DAGs in %s", s->cfg->db_path);
	s->last_dag_scan = sl_mono_ms();
	if (sched_sync_recover(s) < 0)
		return sl_err_set(err, "%s: cannot recover the tries of the previous scheduler: %s",
				  s->cfg->db_path, store_errmsg(s->store));
	s->pass_ev = event_new(s->base, -1, 0, pass_cb, s);
	event_priority_set(s->pass_ev, 1);
	s->poll_ev = evtimer_new(s->base, poll_cb, s);
	event_priority_set(s->poll_ev, 1);
	s->tick_ev = evtimer_new(s->base, tick_cb, s);
	event_priority_set(s->tick_ev, 1);
	s->sigchld_ev = evsignal_new(s->base, SIGCHLD, sched_notify_reap, s);
	event_add(s->sigchld_ev, NULL);
	s->sigterm_ev = evsignal_new(s->base, SIGTERM, sigterm_cb, s);
	event_add(s->sigterm_ev, NULL);
	s->sigint_ev = evsignal_new(s->base, SIGINT, sigterm_cb, s);
	event_add(s->sigint_ev, NULL);
	sched_sync_reload(s, 1);
	evtimer_add(s->tick_ev, &now);
	evtimer_add(s->poll_ev, &now);
	sched_pass_schedule(s);
	if (s->cfg->smtp == NULL)
		sched_log("no smtp: block in %s: emails are written to %s/outbox/",
			 s->cfg->file, s->cfg->home);
	sched_log("scheduler started: home %s, %d DAG file(s), parallelism %d",
		 s->cfg->home, s->bag.n, s->cfg->parallelism);
	return 0;
}

void
sched_shutdown(struct sched *s)
{
	struct timeval tv;
	int n = 0;

	if (s->shutting_down) {
		/* a second signal: leave at once */
		sched_tx_commit(s);
		event_base_loopbreak(s->base);
		return;
	}
	s->shutting_down = 1;
	sched_log("scheduler stopping: stopping running tries");
	for (struct live *l = s->lives; l != NULL; l = l->next) {
		if (l->ex != NULL && l->handle != NULL) {
			l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_SHUTDOWN);
			n++;
		} else if (l->poke != NULL) {
			l->poke_op->poke_cancel(l->poke);
			l->poke = NULL;
		}
		if (l->log_path != NULL)
			sched_try_log(l->log_path, "the scheduler is stopping: stopping this try");
	}
	sched_tx_commit(s);
	if (n == 0) {
		event_base_loopbreak(s->base);
		return;
	}
	/* results of the killed tries are recorded as they end; give them
	 * the kill grace period, then go */
	tv.tv_sec = (s->cfg->kill_grace_ms + 1000) / 1000;
	tv.tv_usec = 0;
	s->grace_ev = evtimer_new(s->base, grace_cb, s);
	evtimer_add(s->grace_ev, &tv);
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
		for (int i = 0; i < r->ntis; i++)
			sched_try_disarm(&r->tis[i]);
		sched_runs_free_one(s, r);
	}
	while (s->lives != NULL) {
		struct live *l = s->lives;

		if (l->poke != NULL)
			l->poke_op->poke_cancel(l->poke);
		sched_try_live_free(s, l);
	}
	if (s->pass_ev) event_free(s->pass_ev);
	if (s->poll_ev) event_free(s->poll_ev);
	if (s->tick_ev) event_free(s->tick_ev);
	if (s->sigchld_ev) event_free(s->sigchld_ev);
	if (s->sigterm_ev) event_free(s->sigterm_ev);
	if (s->sigint_ev) event_free(s->sigint_ev);
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
	free(s->heap);
	free(s->eval);
	free(s->startq);
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
