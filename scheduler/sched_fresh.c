/*
 * sched_fresh.c: freshness alerts. A DAG with `freshness: 45m` wants each
 * partition to succeed within 45 minutes after its interval ends. On the
 * monotonic timer (every minute, and at the start, so what became late
 * while the scheduler was down is reported then) the expected partitions
 * of every such DAG in the look-back window (freshness_lookback, 7 days)
 * are classified by expected_freshness() (scheduler/expected.c, the one
 * place late is decided), whether or not they have a run. A late one is
 * recorded once (freshness_alerts, store_notify.c) and alerted to the
 * DAG's email and notify webhooks with why it is late; once it succeeds a
 * recovery notice follows. A paused DAG alerts too, saying so, unless
 * freshness_when_paused: false.
 *
 * The cost per pass (bench/freshness.sh: 100 DAGs x 7 days hourly): the
 * open alerts of every DAG are read once; each DAG remembers the range of
 * its map already checked (every deadline there passed and was handled:
 * landed with no open alert, or late and recorded) and reads only what
 * follows while the count and sum of starts of its successful runs in
 * that range are unchanged (a run there succeeded or stopped succeeding:
 * read it all again; also every FRESH_FULL_EVERY passes).
 *
 * A task's own freshness: is the same rule for that task's instances: the
 * map of the task (as its instances make it, expected_store_range_task)
 * is checked the same way, and its late partitions are recorded under
 * the key "PARTITION TASK" (freshness_alerts has no task column), alerted
 * naming the task, to the task's email and notify when it names them,
 * else the DAG's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "operators/notify.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/expected_store.h"
#include "scheduler/fresh_items.h"
#include "scheduler/sched_internal.h"
#include "scheduler/tz.h"
#include "scheduler/wait.h"
#include "store/store.h"

#define FRESH_EVERY_MS (60 * 1000)
/* a week of minutes: a larger window is cut to the newest this many */
#define FRESH_MAX_PARTITIONS 20000
/* every this many passes the settled start of each DAG's map is read
 * again too (what no run's change shows: a DAG file changed in place) */
#define FRESH_FULL_EVERY 60

/* The open (late, not recovered) alerts of every DAG, read in one query
 * per pass, sorted by DAG and key; a DAG's are a slice [lo, hi). */
struct fresh_alert {
	char *dag, *key, *why;
};

struct fresh_open {
	struct fresh_alert *v;
	size_t n, cap;
	size_t lo, hi;		/* the slice of the DAG being checked */
};

static void
fresh_open_add(void *arg, const char *dag, const char *key, int64_t start_s,
	       const char *why)
{
	struct fresh_open *o = arg;
	struct fresh_alert *a;

	(void)start_s;
	SL_GROW(o->v, o->cap, o->n + 1);
	a = &o->v[o->n++];
	a->dag = xstrdup(dag);
	a->key = xstrdup(key);
	a->why = why ? xstrdup(why) : NULL;
}

static int
fresh_alert_cmp(const void *x, const void *y)
{
	const struct fresh_alert *a = x, *b = y;
	int c = strcmp(a->dag, b->dag);

	return c != 0 ? c : strcmp(a->key, b->key);
}

/* Select the slice of dag. */
static void
fresh_open_dag(struct fresh_open *o, const char *dag)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(o->v[mid].dag, dag) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	o->lo = o->hi = lo;
	while (o->hi < o->n && strcmp(o->v[o->hi].dag, dag) == 0)
		o->hi++;
}

/* The index of key's alert in the selected slice, or -1. */
static long
fresh_open_find(const struct fresh_open *o, const char *key)
{
	size_t lo = o->lo, hi = o->hi;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(o->v[mid].key, key);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void
fresh_open_free(struct fresh_open *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].dag);
		free(o->v[i].key);
		free(o->v[i].why);
	}
	free(o->v);
}

/* Why a task instance that has not started waits, in the words of
 * sluice tasks and the task page (scheduler/wait.c). */
static void
fresh_wait_text(struct sched *s, const struct dag *d, const char *key,
		const char *task, struct buf *b)
{
	json_t *w = NULL;
	struct sl_err err;
	const char *text, *kind;

	sl_err_clear(&err);
	if (wait_explain_ti(s->store, s->cfg, &s->execs, &s->bag, d, key, task,
			    sched_now(s), &w, &err) < 0 || !json_is_object(w) ||
	    (text = json_string_value(json_object_get(w, "text"))) == NULL) {
		buf_printf(b, "%s waiting", task);
		json_decref(w);
		return;
	}
	kind = json_string_value(json_object_get(w, "kind"));
	if (kind != NULL && strcmp(kind, wait_kind_name(WAIT_NEEDS)) == 0)
		buf_printf(b, "%s waits for its needs: %s", task, text);
	else
		buf_printf(b, "%s: %s", task, text);
	json_decref(w);
}

/* Why partition key of d (only: task only's instance) is late, in words
 * (caller frees). */
static char *
fresh_why(struct sched *s, const struct dag *d, const char *only,
	  const char *key, int has_run, int paused)
{
	struct buf b;
	json_t *tis, *ti;
	size_t i;

	buf_init(&b, 0);
	if (!has_run) {
		struct dag_load_state *ds = sched_dstate(s, d->name);

		buf_adds(&b, "no run");
		if (s->fresh_passes == 0 && !paused)
			/* the first check, at the start */
			buf_adds(&b, ": the scheduler was not running when it was due");
		else if (paused)
			buf_adds(&b, ": the DAG is paused");
		else if (ds->active_runs >= d->max_active_runs)
			buf_printf(&b, ": held by max_active_runs (%d of %d runs running)",
				   ds->active_runs, d->max_active_runs);
		else
			buf_adds(&b, " yet");
		return buf_steal(&b);
	}
	/* the run's tasks that have not succeeded, by state */
	tis = store_tis_json(s->store, d->name, key);
	json_array_foreach(tis, i, ti) {
		const char *task = json_string_value(json_object_get(ti, "task"));
		const char *st = json_string_value(json_object_get(ti, "state"));

		if (task == NULL || st == NULL || strcmp(st, "success") == 0 ||
		    strcmp(st, "skipped") == 0 || fresh_items_is_item(ti) ||
		    (only != NULL && strcmp(task, only) != 0))
			continue;
		buf_adds(&b, b.len ? ", " : "its run: ");
		if (fresh_items_why(tis, ti, &b))
			;	/* a mapped task: the items it waits on */
		else if (strcmp(st, "running") == 0 || strcmp(st, "failed") == 0 ||
		    strcmp(st, "upstream_failed") == 0)
			buf_printf(&b, "%s %s", task, st);
		else
			fresh_wait_text(s, d, key, task, &b);
	}
	json_decref(tis);
	if (b.len == 0)
		buf_adds(&b, "its run has not finished");
	if (paused)
		buf_adds(&b, " (the DAG is paused)");
	return buf_steal(&b);
}

/* Email and webhooks of d (t: of task t, NULL: of the DAG) about
 * partition key: kind "late" or "recovered". */
static void
fresh_notify(struct sched *s, const struct dag *d, const struct task *t,
	     const char *kind, const char *key, int64_t end_s, int64_t fresh_ms,
	     const char *why)
{
	struct notify_event ev;
	char due[64];

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.dag = d->name;
	ev.task = t != NULL ? t->name : NULL;
	ev.partition = key;
	ev.base_url = s->cfg->base_url;
	ev.error = why;
	ev.sla_deadline = tz_iso(d->tz, end_s + fresh_ms / 1000, due, sizeof due);
	ev.to = t != NULL && t->email != NULL ? t->email : d->email;
	sched_notify_send(s, &ev);
	sched_webhook_event(s, &ev, kind[0] == 'l' ? "late" : "success",
			    t != NULL && t->notify != NULL ? t->notify : d->notify);
}

/* Where the DAG-level map of d can start this pass: after its checked
 * range (ds->fresh_*) when the runs that had succeeded there are still
 * the same (one count over an index), else at lo (a full check; also
 * every FRESH_FULL_EVERY passes). */
static int64_t
fresh_from(struct sched *s, const struct dag *d, struct dag_load_state *ds,
	   int64_t lo)
{
	int64_t count, sum;

	if (ds->fresh_dag != d || lo < ds->fresh_from || ds->fresh_to < lo ||
	    s->fresh_passes % FRESH_FULL_EVERY == 0 ||
	    store_fresh_settled(s->store, d->name, ds->fresh_from, ds->fresh_to,
				&count, &sum) < 0 ||
	    count != ds->fresh_count || sum != ds->fresh_sum) {
		ds->fresh_dag = NULL;
		return lo;
	}
	return ds->fresh_to + 1;
}

/* After a check of d's map m that did all it had to (from: where m
 * starts, lo after a full check): extend the checked range to the last
 * partition whose deadline has passed. Each partition there is either
 * landed with no open alert or late with its alert recorded, and stays
 * so until a run there succeeds or stops succeeding, which changes the
 * count of successful runs there. */
static void
fresh_checked(struct sched *s, const struct dag *d, struct dag_load_state *ds,
	      int64_t from, int64_t now_s, const struct expected_store_map *m)
{
	size_t i = 0;

	while (i < m->n && m->v[i].end_s + d->freshness_ms / 1000 <= now_s)
		i++;
	if (i == 0)
		return;
	if (ds->fresh_dag != d) {
		ds->fresh_dag = d;
		ds->fresh_from = from;
	}
	ds->fresh_to = m->v[i - 1].start_s;
	if (store_fresh_settled(s->store, d->name, ds->fresh_from, ds->fresh_to,
				&ds->fresh_count, &ds->fresh_sum) < 0)
		ds->fresh_dag = NULL;
}

/* The map of d (t: of task t's instances) over [lo, now_s]: alert the
 * newly late, announce the landed; open: d's alerts not recovered. */
static void
fresh_map(struct sched *s, const struct dag *d, const struct task *t,
	  int64_t lo, int64_t now_s, int paused, const struct fresh_open *open)
{
	int64_t fresh_ms = t != NULL ? t->freshness_ms : d->freshness_ms;
	const char *tname = t != NULL ? t->name : NULL;
	/* the DAG-level map skips its settled start (a task's is small
	 * enough to read whole: fewer DAGs set it) */
	struct dag_load_state *ds = t == NULL ? sched_dstate(s, d->name) : NULL;
	int64_t from = ds != NULL ? fresh_from(s, d, ds, lo) : lo;
	struct expected_store_map m;
	int done = 1;		/* every alert and notice recorded */
	struct sl_err err;
	char what[256];		/* "DAG" or "DAG.TASK", for the log */

	snprintf(what, sizeof what, "%s%s%s", d->name, t != NULL ? "." : "",
		 t != NULL ? tname : "");

	sl_err_clear(&err);
	if (expected_store_range_task(s->store, d, tname, from, now_s, now_s,
				      FRESH_MAX_PARTITIONS, &m, &err) < 0) {
		sched_log("freshness of %s not checked: %s", what, err.msg);
		return;
	}
	for (size_t i = 0; i < m.n; i++) {
		const struct expected_partition *p = &m.v[i];
		char key[160], rec[256];
		long k;

		if ((p->state == EXPECTED_SUCCESS || p->state == EXPECTED_STALE) &&
		    open->lo == open->hi) {
			/* landed, and the DAG has no open alert to close */
			continue;
		}
		expected_store_key(d, &m, i, key, sizeof key);
		/* a task's alert is recorded as "PARTITION TASK" */
		if (t != NULL)
			snprintf(rec, sizeof rec, "%s %s", key, tname);
		else
			snprintf(rec, sizeof rec, "%s", key);
		k = fresh_open_find(open, rec);
		if (p->state == EXPECTED_LATE && k < 0 && paused &&
		    !d->freshness_when_paused) {
			done = 0;	/* to alert once the DAG is active */
		} else if (p->state == EXPECTED_LATE && k < 0) {
			char *why = fresh_why(s, d, tname, key, p->run >= 0, paused);
			int rc = sched_tx_begin(s) == 0 ?
				 store_fresh_late(s->store, d->name, rec, p->start_s, why) : -1;

			if (rc < 0)
				done = 0;
			if (rc == 1) {
				sched_log_at(LOG_LEVEL_WARN, d->name, tname, key, 0,
					     "%s %s: late (freshness %llds after its interval): %s",
					     what, key, (long long)(fresh_ms / 1000), why);
				fresh_notify(s, d, t, "late", key, p->end_s,
					     fresh_ms, why);
			}
			free(why);
		} else if (k >= 0 && (p->state == EXPECTED_SUCCESS ||
				      p->state == EXPECTED_STALE)) {
			int rc = sched_tx_begin(s) == 0 ?
				 store_fresh_recovered(s->store, d->name, rec) : -1;

			if (rc < 0)
				done = 0;
			if (rc == 1) {
				sched_log_at(LOG_LEVEL_INFO, d->name, tname, key, 0,
					     "%s %s: landed after being late", what, key);
				fresh_notify(s, d, t, "recovered", key, p->end_s,
					     fresh_ms, open->v[k].why);
			}
		}
	}
	if (ds != NULL && done)
		fresh_checked(s, d, ds, from, now_s, &m);
	else if (ds != NULL)
		ds->fresh_dag = NULL;
	expected_store_free(&m);
}

/* Whether d or one of its tasks has freshness:. */
static int
fresh_wanted(const struct dag *d)
{
	if (d->schedule == NULL)
		return 0;
	if (d->freshness_ms > 0)
		return 1;
	for (int i = 0; i < d->ntasks; i++)
		if (d->tasks[i].freshness_ms > 0)
			return 1;
	return 0;
}

/* One DAG: its own freshness, then each task's; open: every open alert. */
static void
fresh_dag(struct sched *s, const struct dag *d, int64_t now_s,
	  struct fresh_open *open)
{
	int64_t lo = now_s - s->cfg->freshness_lookback_ms / 1000;
	int paused;

	if (d->start != INT64_MIN && d->start > lo)
		lo = d->start;
	if (lo > now_s)
		return;
	paused = store_dag_paused(s->store, d->name) == 1;
	fresh_open_dag(open, d->name);
	if (d->freshness_ms > 0)
		fresh_map(s, d, NULL, lo, now_s, paused, open);
	for (int i = 0; i < d->ntasks; i++)
		if (d->tasks[i].freshness_ms > 0)
			fresh_map(s, d, &d->tasks[i], lo, now_s, paused, open);
}

/* Check every DAG with freshness: (the transaction commits the records,
 * then the emails and senders start). */
void
sched_fresh_pass(struct sched *s)
{
	int64_t now_s = sched_now(s) / 1000;
	struct fresh_open open;

	memset(&open, 0, sizeof open);
	/* one transaction for the pass: its reads see one state of the
	 * database and take the lock once (a failure leaves each statement
	 * its own) */
	(void)sched_tx_begin(s);
	if (store_fresh_open(s->store, NULL, fresh_open_add, &open) < 0)
		/* store_fresh_late still records each alert once */
		sched_log("freshness: cannot read the late partitions: %s",
			  store_errmsg(s->store));
	if (open.n > 1)
		qsort(open.v, open.n, sizeof *open.v, fresh_alert_cmp);
	for (int i = 0; i < s->bag.n; i++) {
		const struct dag *d = s->bag.entries[i].dag;

		if (d != NULL && fresh_wanted(d))
			fresh_dag(s, d, now_s, &open);
	}
	fresh_open_free(&open);
	if (sched_tx_commit(s) < 0)
		/* the alerts and notices of this pass are not recorded: check
		 * every partition again */
		for (int i = 0; i < s->bag.n; i++)
			if (s->bag.entries[i].dag != NULL)
				sched_dstate(s, s->bag.entries[i].dag->name)->fresh_dag = NULL;
	s->fresh_passes++;
}

static void
fresh_fire(struct sched *s, struct sched_timer *t)
{
	sched_timer_set(s, t, sched_mono(s) + FRESH_EVERY_MS, fresh_fire);
	sched_fresh_pass(s);
}

void
sched_fresh_start(struct sched *s)
{
	sched_timer_set(s, &s->fresh_timer, sched_mono(s), fresh_fire);
}
