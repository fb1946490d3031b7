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
 * recovery notice follows. The partitions one check finds late (or
 * landed) together go in one digest (fresh_announce). A paused DAG alerts too, saying so, unless
 * freshness_when_paused: false.
 *
 * The cost per pass (bench/freshness.sh: 100 DAGs x 7 days hourly): one
 * read of every DAG's run change counter (dag_run_changes, kept by
 * triggers whatever process writes a run); each DAG remembers the range
 * of its map already checked (every deadline there passed and was
 * handled: landed with no open alert, or late and recorded), the counter
 * then and when the next deadline passes. A DAG whose counter is the
 * same and whose next deadline has not passed is not read at all; after
 * a new deadline, or a change that left the count and sum of starts of
 * its successful runs in the checked range the same, only what follows
 * the checked range is read; otherwise (a run there succeeded or stopped
 * succeeding) the whole window. Each DAG's whole window is also read
 * again once every FRESH_FULL_EVERY passes, the DAGs taking turns (a few
 * per pass, never all at once). The open alerts are read only for the
 * DAGs read, from where their maps are read. A pass reads at most FRESH_FULL_PER_PASS windows whole and
 * records at most FRESH_RECORDS_PER_PASS alerts and notices; what is
 * left over goes first in the next pass (a mass of runs written at once,
 * a long stop: each pass stays short, the rest follows a minute later).
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
#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/expected_store.h"
#include "scheduler/fresh_items.h"
#include "scheduler/next_partition.h"
#include "scheduler/sched_internal.h"
#include "scheduler/try.h"
#include "scheduler/tz.h"
#include "scheduler/wait.h"
#include "store/store.h"

#define FRESH_EVERY_MS (60 * 1000)
/* a week of minutes: a larger window is cut to the newest this many */
#define FRESH_MAX_PARTITIONS 20000
/* each DAG's whole window is read again once every this many passes (an
 * hour), at a turn its name sets (what no run's change shows: an alert
 * closed by hand, a DAG file changed in place) */
#define FRESH_FULL_EVERY 60
/* what one pass does at most: windows read whole, alerts and recovery
 * notices recorded; the rest waits for the next pass */
#define FRESH_FULL_PER_PASS 8
#define FRESH_RECORDS_PER_PASS 200

/* The open (late, not recovered) alerts of the DAGs a pass reads, in one
 * query, sorted by DAG and key; a DAG's are a slice [lo, hi). */
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

/* The run change counter of every DAG whose runs ever changed, sorted by
 * name (store_fresh_versions). */
struct fresh_version {
	char *dag;
	int64_t version;
};

struct fresh_versions {
	struct fresh_version *v;
	size_t n, cap;
};

static void
fresh_version_add(void *arg, const char *dag, int64_t version)
{
	struct fresh_versions *vs = arg;

	SL_GROW(vs->v, vs->cap, vs->n + 1);
	vs->v[vs->n].dag = xstrdup(dag);
	vs->v[vs->n++].version = version;
}

/* dag's counter (0: its runs never changed). */
static int64_t
fresh_version_of(const struct fresh_versions *vs, const char *dag)
{
	size_t lo = 0, hi = vs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(vs->v[mid].dag, dag);

		if (c == 0)
			return vs->v[mid].version;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void
fresh_versions_free(struct fresh_versions *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i].dag);
	free(vs->v);
}

/* One pass: its clock, what it read, what it may still do. */
struct fresh_pass {
	int64_t now_s;
	struct fresh_open open;
	struct fresh_versions versions;
	int full_left;		/* windows it may still read whole */
	int records_left;	/* alerts and notices it may still record */
};

/* What a pass does with one DAG. */
struct fresh_plan {
	const struct dag *d;
	int idx;		/* in the bag */
	int64_t lo;		/* the look-back window's first start */
	int64_t from;		/* its DAG-level map is read from here;
				 * INT64_MAX: not this pass */
	int64_t version;	/* its run change counter */
	int left_over;		/* a whole read waits for the next pass */
};

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
	  const char *key, int64_t start_s, int has_run, int paused)
{
	struct buf b;
	json_t *tis, *ti;
	size_t i;

	buf_init(&b, 0);
	if (!has_run) {
		struct dag_load_state *ds = sched_dstate(s, d->name);

		buf_adds(&b, "no run");
		if (!paused && !d->catchup &&
		    next_partition_skip(d, start_s, sched_now(s) / 1000) != start_s)
			/* the scheduler creates only the newest ended one */
			buf_adds(&b, ": catchup is off, so the scheduler skips a missed "
				     "partition (sluice backfill runs it)");
		else if (paused)
			buf_adds(&b, ": the DAG is paused");
		else if (ds->active_runs >= d->max_active_runs)
			buf_printf(&b, ": held by max_active_runs (%d of %d runs running)",
				   ds->active_runs, d->max_active_runs);
		else if (!s->fresh_caught_up)
			/* the first checks, at the start (after the first
			 * tick, which creates the runs due), and nothing
			 * else holds it */
			buf_adds(&b, ": the scheduler was not running when it was due");
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

/* Note partition key of d in list, the partitions one map's check makes
 * late (or landed): its deadline (end_s + fresh_ms), why it is (was)
 * late, and whether it has a run (its link: the run's page, else the grid
 * at the partition, which shows a never-run row). */
static void
fresh_list_add(json_t *list, const struct dag *d, const char *key,
	       int64_t end_s, int64_t fresh_ms, const char *why, int has_run)
{
	char due[64];

	json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:b}",
	    "partition", key, "due", tz_iso(d->tz, end_s + fresh_ms / 1000, due, sizeof due),
	    "why", why != NULL ? why : "", "no_run", !has_run));
}

/* Email and webhooks of d (t: of task t, NULL: of the DAG) about the
 * partitions of list: kind "late" or "recovered". One partition is one
 * message; more (a DAG deployed with a past start, a scheduler back after
 * a day, a backfill landing) are one digest, so that an alert is read and
 * not a mailbox flooded. Takes list. */
static void
fresh_announce(struct sched *s, const struct dag *d, const struct task *t,
	       const char *kind, json_t *list)
{
	struct notify_event ev;
	json_t *run = NULL;
	char *run_id = NULL;
	char *const *to = sched_task_email(t, d);
	char *const *hooks = t != NULL && t->notify != NULL ? t->notify : d->notify;
	size_t n = json_array_size(list);

	if (n == 0 ||
	    ((to == NULL || to[0] == NULL) && (hooks == NULL || hooks[0] == NULL))) {
		json_decref(list);
		return;		/* nothing, or no one to tell */
	}
	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.dag = d->name;
	ev.task = t != NULL ? t->name : NULL;
	ev.base_url = s->cfg->base_url;
	ev.to = to;
	if (n == 1) {
		const json_t *p = json_array_get(list, 0);

		ev.partition = json_string_value(json_object_get(p, "partition"));
		ev.no_run = json_is_true(json_object_get(p, "no_run"));
		ev.error = json_string_value(json_object_get(p, "why"));
		ev.sla_deadline = json_string_value(json_object_get(p, "due"));
		/* its run, if it has one: named as a try's notice names it */
		if (!ev.no_run && ev.partition != NULL &&
		    (run = store_run_json(s->store, d->name, ev.partition)) != NULL &&
		    json_is_string(json_object_get(run, "run_type")))
			run_id = try_run_id(json_string_value(json_object_get(run, "run_type")),
					    ev.partition);
		ev.run_id = run_id;
	} else {
		ev.fresh_digest = list;
		sched_log("%s%s%s: %zu partitions %s, in one notice", d->name,
			  t != NULL ? "." : "", t != NULL ? t->name : "", n,
			  kind[0] == 'l' ? "late" : "landed after being late");
	}
	sched_notify_send(s, &ev);
	sched_webhook_event(s, &ev, kind[0] == 'l' ? "late" : "success", hooks);
	free(run_id);
	json_decref(run);
	json_decref(list);
}

/* Whether this pass is d's turn to have its whole window read again: once
 * every FRESH_FULL_EVERY passes, at a turn its name sets, so the DAGs
 * take turns. */
static int
fresh_turn(const struct sched *s, const struct dag *d)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const char *c = d->name; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	return h % FRESH_FULL_EVERY ==
	       (uint32_t)s->fresh_passes % FRESH_FULL_EVERY;
}

/* Where the DAG-level map of d is read from this pass: INT64_MAX (not at
 * all) while its runs' change counter is the one of its last check and
 * no deadline passed since; after its checked range (ds->fresh_*) when a
 * deadline passed, or its runs changed and the ones that had succeeded
 * there are still the same (one count over an index); else lo (the
 * whole window: also at its turn, fresh_turn). */
static int64_t
fresh_from(struct sched *s, const struct dag *d, struct dag_load_state *ds,
	   int64_t lo, int64_t now_s, int64_t version)
{
	int64_t count, sum;

	if (ds->fresh_dag != d || lo < ds->fresh_from || ds->fresh_to < lo ||
	    fresh_turn(s, d)) {
		ds->fresh_dag = NULL;
		return lo;
	}
	if (version == ds->fresh_version)
		return now_s < ds->fresh_due ? INT64_MAX : ds->fresh_to + 1;
	if (store_fresh_settled(s->store, d->name, ds->fresh_from, ds->fresh_to,
				&count, &sum) < 0 ||
	    count != ds->fresh_count || sum != ds->fresh_sum) {
		ds->fresh_dag = NULL;
		return lo;
	}
	return ds->fresh_to + 1;
}

/* After a check of d's map m that did all it had to (from: where m
 * starts, lo after a full check; version: d's run change counter):
 * extend the checked range to the last partition whose deadline has
 * passed, and note when the next one's passes. Each partition there is
 * either landed with no open alert or late with its alert recorded, and
 * stays so until a run there succeeds or stops succeeding, which moves
 * the counter on and changes the count of successful runs there. */
static void
fresh_checked(struct sched *s, const struct dag *d, struct dag_load_state *ds,
	      int64_t from, int64_t version, int64_t now_s,
	      const struct expected_store_map *m)
{
	int64_t fresh_s = d->freshness_ms / 1000;
	size_t i = 0;

	while (i < m->n && m->v[i].end_s + fresh_s <= now_s)
		i++;
	if (i > 0) {
		if (ds->fresh_dag != d) {
			/* a whole window: the range starts with m */
			ds->fresh_dag = d;
			ds->fresh_from = from;
			ds->fresh_count = ds->fresh_sum = 0;
		}
		ds->fresh_to = m->v[i - 1].start_s;
		/* what store_fresh_settled counts, from the runs read (m has
		 * every run of the DAG starting in [from, now], in this
		 * transaction's state; the range's part before from was
		 * counted before and has not changed) */
		for (size_t r = 0; r < m->nruns; r++)
			if (m->runs[r].start_s <= ds->fresh_to &&
			    m->runs[r].state == RUN_SUCCESS) {
				ds->fresh_count++;
				ds->fresh_sum += m->runs[r].start_s;
			}
	}
	if (ds->fresh_dag != d)
		return;		/* nothing due yet: read whole next pass */
	ds->fresh_version = version;
	/* the partitions are contiguous: the first not yet due is in m
	 * unless the DAG has ended */
	ds->fresh_due = i < m->n ? m->v[i].end_s + fresh_s : INT64_MAX;
}

/* The map of p's DAG d (t: of task t's instances) from where p says to
 * now: alert the newly late, announce the landed. 1 when the pass's
 * budget of records ran out before it was done (left over), else 0. */
static int
fresh_map(struct sched *s, struct fresh_pass *fp, const struct fresh_plan *pl,
	  const struct task *t, int paused)
{
	const struct dag *d = pl->d;
	const struct fresh_open *open = &fp->open;
	int64_t now_s = fp->now_s;
	int64_t fresh_ms = t != NULL ? t->freshness_ms : d->freshness_ms;
	const char *tname = t != NULL ? t->name : NULL;
	/* the DAG-level map skips its checked start (a task's is small
	 * enough to read whole: fewer DAGs set it) */
	struct dag_load_state *ds = t == NULL ? sched_dstate(s, d->name) : NULL;
	int64_t from = ds != NULL ? pl->from : pl->lo;
	struct expected_store_map m;
	json_t *late, *landed;	/* what this check alerts, and announces */
	int done = 1;		/* every alert and notice recorded */
	int cut = 0;		/* the budget ran out */
	struct sl_err err;
	char what[256];		/* "DAG" or "DAG.TASK", for the log */

	snprintf(what, sizeof what, "%s%s%s", d->name, t != NULL ? "." : "",
		 t != NULL ? tname : "");

	sl_err_clear(&err);
	if (expected_store_range_task(s->store, d, tname, from, now_s, now_s,
				      FRESH_MAX_PARTITIONS, &m, &err) < 0) {
		sched_log("freshness of %s not checked: %s", what, err.msg);
		if (ds != NULL)
			ds->fresh_dag = NULL;
		return 0;
	}
	late = json_array();
	landed = json_array();
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
			continue;
		}
		if (!(p->state == EXPECTED_LATE && k < 0) &&
		    !(k >= 0 && (p->state == EXPECTED_SUCCESS ||
				 p->state == EXPECTED_STALE)))
			continue;	/* nothing to record */
		if (fp->records_left <= 0) {
			done = 0;
			cut = 1;
			break;
		}
		fp->records_left--;
		if (p->state == EXPECTED_LATE) {
			char *why = fresh_why(s, d, tname, key, p->start_s,
					     p->run >= 0, paused);
			int rc = sched_tx_begin(s) == 0 ?
				 store_fresh_late(s->store, d->name, rec, p->start_s, why) : -1;

			if (rc < 0)
				done = 0;
			if (rc == 1) {
				char due[32];

				/* said once its record commits: a commit
				 * that fails records it again next pass */
				sched_log_committed(s, LOG_LEVEL_WARN, d->name, tname, key,
					     "%s %s: late (freshness %s after its interval): %s",
					     what, key, sl_format_duration(fresh_ms, due, sizeof due),
					     why);
				fresh_list_add(late, d, key, p->end_s, fresh_ms,
					       why, p->run >= 0);
			}
			free(why);
		} else {
			int rc = sched_tx_begin(s) == 0 ?
				 store_fresh_recovered(s->store, d->name, rec) : -1;

			if (rc < 0)
				done = 0;
			if (rc == 1) {
				sched_log_committed(s, LOG_LEVEL_INFO, d->name, tname, key,
					     "%s %s: landed after being late", what, key);
				fresh_list_add(landed, d, key, p->end_s, fresh_ms,
					       open->v[k].why, 1);
			}
		}
	}
	/* queued like the records: sent once the pass's transaction commits */
	fresh_announce(s, d, t, "late", late);
	fresh_announce(s, d, t, "recovered", landed);
	if (ds != NULL && done)
		fresh_checked(s, d, ds, from, pl->version, now_s, &m);
	else if (ds != NULL && ds->fresh_dag == d)
		/* read after its checked range, which still holds: read
		 * what follows it again next pass */
		ds->fresh_due = 0;
	expected_store_free(&m);
	return cut;
}

/* Whether a task of d has freshness:. */
static int
fresh_tasks(const struct dag *d)
{
	for (int i = 0; i < d->ntasks; i++)
		if (d->tasks[i].freshness_ms > 0)
			return 1;
	return 0;
}

/* Whether d or one of its tasks has freshness:. */
static int
fresh_wanted(const struct dag *d)
{
	return d->schedule != NULL && expected_has_freshness(d);
}

/* What this pass does with d (bag entry idx): 1 when it reads something
 * (p filled), 0 when d is left alone this pass. */
static int
fresh_plan(struct sched *s, struct fresh_pass *fp, const struct dag *d,
	   int idx, struct fresh_plan *p)
{
	int64_t lo = fp->now_s - s->cfg->freshness_lookback_ms / 1000;
	/* the window holds every partition that ended inside it: from
	 * the start of the one that holds its edge */
	int64_t edge = cron_prev(d->schedule, d->tz, lo);

	if (edge >= 0 && edge < lo)
		lo = edge;
	if (d->start != INT64_MIN && d->start > lo)
		lo = d->start;
	if (lo > fp->now_s)
		return 0;
	memset(p, 0, sizeof *p);
	p->d = d;
	p->idx = idx;
	p->lo = lo;
	p->from = INT64_MAX;
	p->version = fresh_version_of(&fp->versions, d->name);
	if (d->freshness_ms > 0) {
		struct dag_load_state *ds = sched_dstate(s, d->name);

		p->from = fresh_from(s, d, ds, lo, fp->now_s, p->version);
		if (p->from != INT64_MAX && ds->fresh_dag != d) {
			/* a whole window */
			if (fp->full_left > 0) {
				fp->full_left--;
			} else {
				p->from = INT64_MAX;
				p->left_over = 1;
			}
		}
	}
	return p->from != INT64_MAX || p->left_over || fresh_tasks(d);
}

/* Whether p reads a map of its DAG. */
static int
fresh_reads(const struct fresh_plan *p)
{
	return p->from != INT64_MAX || fresh_tasks(p->d);
}

/* The open alerts of the DAGs of plan[0..n) that read a map, of the
 * partitions they read (from where the DAG-level map starts, or the whole
 * window for the tasks' maps), into fp->open, sorted. */
static void
fresh_read_open(struct sched *s, struct fresh_pass *fp,
		const struct fresh_plan *plan, int n)
{
	const char **names = xcalloc((size_t)n + 1, sizeof *names);
	int64_t *from = xcalloc((size_t)n + 1, sizeof *from);
	size_t k = 0;

	for (int i = 0; i < n; i++) {
		if (!fresh_reads(&plan[i]))
			continue;
		names[k] = plan[i].d->name;
		from[k++] = fresh_tasks(plan[i].d) ? plan[i].lo : plan[i].from;
	}
	if (k > 0 && store_fresh_open_of(s->store, names, from, k,
					 fresh_open_add, &fp->open) < 0)
		/* store_fresh_late still records each alert once */
		sched_log("freshness: cannot read the late partitions: %s",
			  store_errmsg(s->store));
	free(names);
	free(from);
	if (fp->open.n > 1)
		qsort(fp->open.v, fp->open.n, sizeof *fp->open.v,
		      fresh_alert_cmp);
}

/* Check every DAG with freshness: (the transaction commits the records,
 * then the emails and senders start). The DAGs are taken in turn from
 * where the last pass left something over. */
void
sched_fresh_pass(struct sched *s)
{
	struct fresh_pass fp;
	struct fresh_plan *plan;
	int n = 0, nbag = s->bag.n, first_left = -1;

	memset(&fp, 0, sizeof fp);
	fp.now_s = sched_now(s) / 1000;
	fp.full_left = FRESH_FULL_PER_PASS;
	fp.records_left = FRESH_RECORDS_PER_PASS;
	plan = xcalloc((size_t)nbag + 1, sizeof *plan);
	/* one transaction for the pass: its reads see one state of the
	 * database and take the lock once (a failure leaves each statement
	 * its own) */
	(void)sched_tx_begin(s);
	if (store_fresh_versions(s->store, fresh_version_add, &fp.versions) < 0) {
		/* every DAG's counter reads 0: those that changed are read */
		sched_log("freshness: cannot read the runs' changes: %s",
			  store_errmsg(s->store));
		for (int i = 0; i < nbag; i++)
			if (s->bag.entries[i].dag != NULL)
				sched_dstate(s, s->bag.entries[i].dag->name)->fresh_dag = NULL;
	}
	for (int j = 0; j < nbag; j++) {
		int i = (s->fresh_turn + j) % nbag;
		const struct dag *d = s->bag.entries[i].dag;

		if (d != NULL && fresh_wanted(d) &&
		    fresh_plan(s, &fp, d, i, &plan[n]))
			n++;
	}
	fresh_read_open(s, &fp, plan, n);
	for (int j = 0; j < n; j++) {
		struct fresh_plan *p = &plan[j];
		const struct dag *d = p->d;
		int left, paused;

		if (p->from == p->lo && fp.records_left <= 0 &&
		    sched_dstate(s, d->name)->fresh_dag == NULL) {
			/* a whole window, and nothing left to record what it
			 * finds with: next pass */
			p->from = INT64_MAX;
			p->left_over = 1;
		}
		left = p->left_over;
		if (fresh_reads(p)) {
			paused = store_dag_paused(s->store, d->name,
						  s->cfg->dags_paused_at_creation) == 1;
			fresh_open_dag(&fp.open, d->name);
			if (p->from != INT64_MAX)
				left |= fresh_map(s, &fp, p, NULL, paused);
			for (int i = 0; i < d->ntasks; i++)
				if (d->tasks[i].freshness_ms > 0)
					left |= fresh_map(s, &fp, p,
							  &d->tasks[i], paused);
		}
		if (left && first_left < 0)
			first_left = p->idx;
	}
	fresh_open_free(&fp.open);
	fresh_versions_free(&fp.versions);
	free(plan);
	if (sched_tx_commit(s) < 0)
		/* the alerts and notices of this pass are not recorded: check
		 * every partition again */
		for (int i = 0; i < nbag; i++)
			if (s->bag.entries[i].dag != NULL)
				sched_dstate(s, s->bag.entries[i].dag->name)->fresh_dag = NULL;
	/* the next pass starts with what this one left over */
	if (first_left >= 0)
		s->fresh_turn = first_left;
	else
		s->fresh_caught_up = 1;
	s->fresh_passes++;
}

static void
fresh_fire(struct sched *s, struct sched_timer *t)
{
	sched_timer_set(s, t, sched_mono(s) + FRESH_EVERY_MS, fresh_fire);
	if (s->fresh_passes == 0)
		/* the first check follows the first tick (sched_start): the
		 * runs it created start or say what holds them first, so a
		 * late partition names that, not "no run" */
		(void)sched_pass_flush(s);
	sched_fresh_pass(s);
}

void
sched_fresh_start(struct sched *s)
{
	sched_timer_set(s, &s->fresh_timer, sched_mono(s), fresh_fire);
}
