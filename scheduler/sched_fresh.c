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
#include "scheduler/sched_internal.h"
#include "scheduler/tz.h"
#include "scheduler/wait.h"
#include "store/store.h"

#define FRESH_EVERY_MS (60 * 1000)
/* a week of minutes: a larger window is cut to the newest this many */
#define FRESH_MAX_PARTITIONS 20000

/* The open (late, not recovered) partitions of one DAG, by key. */
struct fresh_open {
	char **keys;
	char **whys;
	int n, cap;
};

static void
fresh_open_add(void *arg, const char *dag, const char *key, int64_t start_s,
	       const char *why)
{
	struct fresh_open *o = arg;

	(void)dag;
	(void)start_s;
	if (o->n + 1 > o->cap) {
		o->cap = o->cap ? o->cap * 2 : 8;
		o->keys = xrealloc(o->keys, (size_t)o->cap * sizeof *o->keys);
		o->whys = xrealloc(o->whys, (size_t)o->cap * sizeof *o->whys);
	}
	o->keys[o->n] = xstrdup(key);
	o->whys[o->n] = why ? xstrdup(why) : NULL;
	o->n++;
}

static int
fresh_open_find(const struct fresh_open *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return i;
	return -1;
}

static void
fresh_open_free(struct fresh_open *o)
{
	for (int i = 0; i < o->n; i++) {
		free(o->keys[i]);
		free(o->whys[i]);
	}
	free(o->keys);
	free(o->whys);
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
		    strcmp(st, "skipped") == 0 ||
		    (only != NULL && strcmp(task, only) != 0))
			continue;
		buf_adds(&b, b.len ? ", " : "its run: ");
		if (strcmp(st, "running") == 0 || strcmp(st, "failed") == 0 ||
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

/* The map of d (t: of task t's instances) over [lo, now_s]: alert the
 * newly late, announce the landed; open: d's alerts not recovered. */
static void
fresh_map(struct sched *s, const struct dag *d, const struct task *t,
	  int64_t lo, int64_t now_s, int paused, const struct fresh_open *open)
{
	int64_t fresh_ms = t != NULL ? t->freshness_ms : d->freshness_ms;
	const char *tname = t != NULL ? t->name : NULL;
	struct expected_store_map m;
	struct sl_err err;

	sl_err_clear(&err);
	if (expected_store_range_task(s->store, d, tname, lo, now_s, now_s,
				      FRESH_MAX_PARTITIONS, &m, &err) < 0) {
		sched_log("freshness of %s%s%s not checked: %s", d->name,
			  t != NULL ? "." : "", t != NULL ? tname : "", err.msg);
		return;
	}
	for (size_t i = 0; i < m.n; i++) {
		const struct expected_partition *p = &m.v[i];
		char key[160], rec[256];
		int k;

		expected_store_key(d, &m, i, key, sizeof key);
		/* a task's alert is recorded as "PARTITION TASK" */
		if (t != NULL)
			snprintf(rec, sizeof rec, "%s %s", key, tname);
		else
			snprintf(rec, sizeof rec, "%s", key);
		k = fresh_open_find(open, rec);
		if (p->state == EXPECTED_LATE && k < 0 &&
		    (!paused || d->freshness_when_paused)) {
			char *why = fresh_why(s, d, tname, key, p->run >= 0, paused);

			if (sched_tx_begin(s) == 0 &&
			    store_fresh_late(s->store, d->name, rec, p->start_s, why) == 1) {
				sched_log_at(LOG_LEVEL_WARN, d->name, tname, key, 0,
					     "%s%s%s %s: late (freshness %llds after its interval): %s",
					     d->name, t != NULL ? "." : "",
					     t != NULL ? tname : "", key,
					     (long long)(fresh_ms / 1000), why);
				fresh_notify(s, d, t, "late", key, p->end_s,
					     fresh_ms, why);
			}
			free(why);
		} else if (k >= 0 && (p->state == EXPECTED_SUCCESS ||
				      p->state == EXPECTED_STALE)) {
			if (sched_tx_begin(s) == 0 &&
			    store_fresh_recovered(s->store, d->name, rec) == 1) {
				sched_log_at(LOG_LEVEL_INFO, d->name, tname, key, 0,
					     "%s%s%s %s: landed after being late",
					     d->name, t != NULL ? "." : "",
					     t != NULL ? tname : "", key);
				fresh_notify(s, d, t, "recovered", key, p->end_s,
					     fresh_ms, open->whys[k]);
			}
		}
	}
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

/* One DAG: its own freshness, then each task's. */
static void
fresh_dag(struct sched *s, const struct dag *d, int64_t now_s)
{
	int64_t lo = now_s - s->cfg->freshness_lookback_ms / 1000;
	int paused = store_dag_paused(s->store, d->name) == 1;
	struct fresh_open open = { NULL, NULL, 0, 0 };

	if (d->start != INT64_MIN && d->start > lo)
		lo = d->start;
	if (lo > now_s)
		return;
	if (store_fresh_open(s->store, d->name, fresh_open_add, &open) < 0)
		sched_log("freshness of %s: cannot read its late partitions: %s",
			  d->name, store_errmsg(s->store));
	if (d->freshness_ms > 0)
		fresh_map(s, d, NULL, lo, now_s, paused, &open);
	for (int i = 0; i < d->ntasks; i++)
		if (d->tasks[i].freshness_ms > 0)
			fresh_map(s, d, &d->tasks[i], lo, now_s, paused, &open);
	fresh_open_free(&open);
}

/* Check every DAG with freshness: (the transaction commits the records,
 * then the emails and senders start). */
void
sched_fresh_pass(struct sched *s)
{
	int64_t now_s = sched_now(s) / 1000;

	for (int i = 0; i < s->bag.n; i++) {
		const struct dag *d = s->bag.entries[i].dag;

		if (d != NULL && fresh_wanted(d))
			fresh_dag(s, d, now_s);
	}
	sched_tx_commit(s);
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
