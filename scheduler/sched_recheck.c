/*
 * sched_recheck.c: late-arriving data. A sensor whose type fingerprints
 * what it matched (operator.poke_fingerprint: s3_sensor) records that
 * fingerprint with its task instance when it passes (store_recheck_*).
 * With recheck: on the task, this file keeps checking each partition the
 * sensor passed, every recheck_interval (jittered) until the partition's
 * end + recheck; when the fingerprint changed it records the new one,
 * logs which objects were added, removed or changed (the sensor's log of
 * that partition and the scheduler's log), and clears the partition's
 * tasks downstream of the sensor (store_clear, audited as recheck:TASK)
 * so they run again.
 *
 * Cost while idle: the partitions wait in one heap ordered by their next
 * check, and one scheduler timer points at the earliest; nothing runs
 * between two due times. A check is one in-loop poke (no process, no
 * slot), counted in s->pokes with the sensors' pokes under
 * SCHED_MAX_POKES; rechecks take at most half of it, so waiting sensors
 * always have room. What a check compares with is read from the store
 * when it starts, so memory holds only the schedule.
 */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/try.h"
#include "store/store.h"

/* Rechecks in flight at most (of SCHED_MAX_POKES). */
#define RECHECK_MAX_IN_FLIGHT (SCHED_MAX_POKES / 2)
/* All in flight: look again this much later. */
#define RECHECK_BUSY_MS 1000
/* Objects a change lists in the sensor's log, and in the scheduler's. */
#define RECHECK_LOG_OBJECTS 1000
#define RECHECK_SCHED_LOG_OBJECTS 5

/* One partition a sensor passed, waiting for its next check. */
struct recheck {
	int64_t ti_id;
	int64_t due;			/* mono ms of the next check */
	int64_t until;			/* wall ms: end of the window */
	uint64_t checks;		/* checks so far (for the jitter) */
	int pos;			/* index in the heap; -1: in flight */
	int unmet_logged;		/* "no longer met" said once */
	int failed_logged;		/* a failing check said once */
	struct recheck *hnext;		/* in its hash bucket */
};

/* A check in flight. */
struct recheck_poke {
	struct sched *s;
	struct recheck *rc;		/* NULL once the partition was dropped */
	const struct operator *op;
	void *poke;
	char *dag, *task, *partition;
	char *old;			/* the fingerprint it compares with */
	int try_number;			/* the sensor's (its log) */
	struct recheck_poke *next;
};

struct sched_recheck {
	struct recheck **heap;		/* earliest due first */
	int n, cap;
	struct recheck **buckets;	/* by ti_id */
	size_t nbuckets, count;
	struct sched_timer timer;	/* at heap[0]->due (or hold_until) */
	int64_t hold_until;		/* mono ms: no room for a check
					 * before (a check ending frees it) */
	int in_flight;
	struct recheck_poke *pokes;
};

/* --- the schedule: a heap by due time, and an index by ti_id --- */

static int
rc_before(const struct recheck *a, const struct recheck *b)
{
	if (a->due != b->due)
		return a->due < b->due;
	return a->ti_id < b->ti_id;
}

static void
heap_swap(struct sched_recheck *r, int i, int j)
{
	struct recheck *t = r->heap[i];

	r->heap[i] = r->heap[j];
	r->heap[j] = t;
	r->heap[i]->pos = i;
	r->heap[j]->pos = j;
}

static void
heap_sift(struct sched_recheck *r, int i)
{
	while (i > 0 && rc_before(r->heap[i], r->heap[(i - 1) / 2])) {
		heap_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		int l = 2 * i + 1, m = i;

		if (l < r->n && rc_before(r->heap[l], r->heap[m]))
			m = l;
		if (l + 1 < r->n && rc_before(r->heap[l + 1], r->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		heap_swap(r, i, m);
		i = m;
	}
}

static void
heap_remove(struct sched_recheck *r, struct recheck *rc)
{
	int i = rc->pos;

	if (i < 0)
		return;
	assert(i < r->n && r->heap[i] == rc);
	rc->pos = -1;
	r->n--;
	if (i < r->n) {
		r->heap[i] = r->heap[r->n];
		r->heap[i]->pos = i;
		heap_sift(r, i);
	}
}

static void recheck_fire(struct sched *s, struct sched_timer *t);

/* Point the one timer at the earliest check. */
static void
timer_rearm(struct sched *s)
{
	struct sched_recheck *r = s->recheck;
	int64_t at;

	if (r->n == 0) {
		sched_timer_cancel(s, &r->timer);
		return;
	}
	at = SL_MAX(r->heap[0]->due, r->hold_until);
	if (r->timer.slot == 0 || r->timer.at != at)
		sched_timer_set(s, &r->timer, at, recheck_fire);
}

/* (Re)place rc in the heap at due. */
static void
heap_put(struct sched *s, struct recheck *rc, int64_t due)
{
	struct sched_recheck *r = s->recheck;

	rc->due = due;
	if (rc->pos < 0) {
		SL_GROW(r->heap, r->cap, (size_t)r->n + 1);
		rc->pos = r->n;
		r->heap[r->n++] = rc;
	}
	heap_sift(r, rc->pos);
	timer_rearm(s);
}

static size_t
bucket_of(const struct sched_recheck *r, int64_t ti_id)
{
	uint64_t h = (uint64_t)ti_id * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (r->nbuckets - 1);
}

static struct recheck *
index_find(const struct sched_recheck *r, int64_t ti_id)
{
	if (r->nbuckets == 0)
		return NULL;
	for (struct recheck *rc = r->buckets[bucket_of(r, ti_id)]; rc != NULL;
	     rc = rc->hnext)
		if (rc->ti_id == ti_id)
			return rc;
	return NULL;
}

static void
index_add(struct sched_recheck *r, struct recheck *rc)
{
	size_t b;

	if (r->count + 1 > r->nbuckets) {
		size_t n = r->nbuckets ? r->nbuckets * 2 : 64;
		struct recheck **nb = xcalloc(n, sizeof *nb);
		struct recheck **old = r->buckets;
		size_t on = r->nbuckets;

		r->buckets = nb;
		r->nbuckets = n;
		for (size_t i = 0; i < on; i++)
			for (struct recheck *x = old[i], *nx; x != NULL; x = nx) {
				nx = x->hnext;
				b = bucket_of(r, x->ti_id);
				x->hnext = r->buckets[b];
				r->buckets[b] = x;
			}
		free(old);
	}
	b = bucket_of(r, rc->ti_id);
	rc->hnext = r->buckets[b];
	r->buckets[b] = rc;
	r->count++;
}

/* Forget a partition (window over, sensor cleared, task gone). */
static void
recheck_drop(struct sched *s, struct recheck *rc)
{
	struct sched_recheck *r = s->recheck;
	struct recheck **pp = &r->buckets[bucket_of(r, rc->ti_id)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == rc) {
			*pp = rc->hnext;
			break;
		}
	r->count--;
	heap_remove(r, rc);
	for (struct recheck_poke *p = r->pokes; p != NULL; p = p->next)
		if (p->rc == rc)
			p->rc = NULL;
	free(rc);
	timer_rearm(s);
}

/* --- when --- */

/* A well-mixed number from the partition and its check count: the jitter
 * is reproducible and needs no global state. */
static uint64_t
jitter_bits(int64_t ti_id, uint64_t n)
{
	uint64_t z = (uint64_t)ti_id * 0x9e3779b97f4a7c15ULL + n + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int64_t
sched_recheck_next_delay(int64_t ti_id, uint64_t n, int64_t interval_ms)
{
	int64_t tenth = interval_ms / 10;

	return interval_ms - tenth +
	       (int64_t)(jitter_bits(ti_id, n) % (uint64_t)(2 * tenth + 1));
}

/* Next check of rc after now, or drop it when its window is over (a
 * last check falls on the window's end). */
static void
recheck_schedule(struct sched *s, struct recheck *rc, int64_t interval_ms)
{
	int64_t now = sched_now(s);
	int64_t delay = sched_recheck_next_delay(rc->ti_id, rc->checks,
						 interval_ms);

	if (now >= rc->until) {
		recheck_drop(s, rc);
		return;
	}
	if (now + delay > rc->until)
		delay = rc->until - now;
	heap_put(s, rc, sched_mono(s) + delay);
}

/* Add (or renew) the partition of sensor task instance ti_id. first_ms:
 * the delay to its first check. */
static void
recheck_add(struct sched *s, int64_t ti_id, int64_t until, int64_t first_ms)
{
	struct sched_recheck *r = s->recheck;
	struct recheck *rc = index_find(r, ti_id);

	if (rc == NULL) {
		rc = xcalloc(1, sizeof *rc);
		rc->ti_id = ti_id;
		rc->pos = -1;
		index_add(r, rc);
	} else if (rc->pos < 0) {
		/* a check in flight compares with the old fingerprint: let
		 * it go, it will not clear anything */
		for (struct recheck_poke *p = r->pokes; p != NULL; p = p->next)
			if (p->rc == rc)
				p->rc = NULL;
	}
	rc->until = until;
	rc->unmet_logged = rc->failed_logged = 0;
	heap_put(s, rc, sched_mono(s) + first_ms);
}

/* --- what changed --- */

/* The name field of a fingerprint line (up to its tab), as a length. */
static size_t
name_len(const char *line, const char *end)
{
	const char *tab = memchr(line, '\t', (size_t)(end - line));

	return tab ? (size_t)(tab - line) : (size_t)(end - line);
}

struct fp_diff {
	int added, removed, changed;
	struct buf task_log;		/* lines for the sensor's log */
	struct buf sched_log;		/* a few names for the scheduler's */
	int listed;
};

static void
diff_note(struct fp_diff *d, const char *what, const char *line,
	  const char *end)
{
	size_t nl = name_len(line, end);

	if (d->listed < RECHECK_LOG_OBJECTS)
		buf_printf(&d->task_log, "recheck:   %s %.*s\n", what, (int)(end - line),
			   line);
	else if (d->listed == RECHECK_LOG_OBJECTS)
		buf_adds(&d->task_log, "recheck:   (more not listed)\n");
	if (d->listed < RECHECK_SCHED_LOG_OBJECTS)
		buf_printf(&d->sched_log, "%s%s %.*s", d->listed ? ", " : "",
			   what, (int)nl, line);
	else if (d->listed == RECHECK_SCHED_LOG_OBJECTS)
		buf_adds(&d->sched_log, ", ...");
	d->listed++;
}

/* Walk two sorted fingerprints line by line. */
static void
fp_diff(const char *old, const char *new, struct fp_diff *d)
{
	const char *a = old, *b = new;

	while (*a != '\0' || *b != '\0') {
		const char *ae = *a ? strchr(a, '\n') : a;
		const char *be = *b ? strchr(b, '\n') : b;
		int c;

		if (ae == NULL)
			ae = a + strlen(a);
		if (be == NULL)
			be = b + strlen(b);
		if (*a == '\0')
			c = 1;
		else if (*b == '\0')
			c = -1;
		else {
			size_t an = name_len(a, ae), bn = name_len(b, be);

			c = strncmp(a, b, SL_MIN(an, bn));
			if (c == 0)
				c = an < bn ? -1 : an > bn;
		}
		if (c < 0) {
			d->removed++;
			diff_note(d, "removed", a, ae);
		} else if (c > 0) {
			d->added++;
			diff_note(d, "added", b, be);
		} else if (ae - a != be - b || memcmp(a, b, (size_t)(ae - a)) != 0) {
			d->changed++;
			diff_note(d, "changed", b, be);
		}
		if (c <= 0)
			a = *ae ? ae + 1 : ae;
		if (c >= 0)
			b = *be ? be + 1 : be;
	}
}

/* The fingerprint changed: record it, say what changed, clear the
 * partition's tasks downstream of the sensor. */
static void
recheck_changed(struct sched *s, struct recheck_poke *p, const char *fp,
		int count)
{
	struct dag *dag = dagbag_find(&s->bag, p->dag);
	struct task *t = dag ? dag_task(dag, p->task) : NULL;
	char *log_path = try_log_path(s->cfg->logs_dir, p->dag, p->partition,
				      p->task, p->try_number);
	struct fp_diff d;
	char who[256];
	char **names = NULL;
	int cleared = 0;

	memset(&d, 0, sizeof d);
	buf_init(&d.task_log, 0);
	buf_init(&d.sched_log, 0);
	fp_diff(p->old, fp, &d);
	if (sched_tx_begin(s) < 0)
		goto out;
	if (store_recheck_record(s->store, p->rc->ti_id, fp, count,
				 sched_now(s), 1) < 0) {
		sched_db_failed(s, "recording a fingerprint");
		goto out;
	}
	if (t != NULL && t->ndownstream > 0) {
		struct clear_spec cs;
		struct sl_err err;

		names = xcalloc((size_t)t->ndownstream + 1, sizeof *names);
		for (int i = 0; i < t->ndownstream; i++)
			names[i] = dag->tasks[t->downstream[i]].name;
		memset(&cs, 0, sizeof cs);
		cs.dag_id = dag->name;
		cs.tasks = names;
		cs.from_s = INT64_MIN;
		cs.to_s = INT64_MAX;
		cs.partition = p->partition;
		cs.downstream = 1;
		snprintf(who, sizeof who, "recheck:%s", p->task);
		sl_err_clear(&err);
		cleared = store_clear(s->store, dag, &cs, who, NULL, &err);
		if (cleared < 0) {
			sched_db_failed(s, "clearing after a recheck");
			goto out;
		}
	}
	if (sched_tx_commit(s) < 0)
		goto out;	/* the next check finds the change again */
	sched_try_log(log_path, "recheck: the objects changed since the sensor passed: %d added, %d removed, %d changed; %d downstream task instance%s cleared to run again",
		      d.added, d.removed, d.changed, cleared,
		      cleared == 1 ? "" : "s");
	if (d.task_log.len > 0) {
		/* the object lines, without the last newline */
		d.task_log.data[--d.task_log.len] = '\0';
		sched_try_log(log_path, "%s", buf_str(&d.task_log));
	}
	sched_log_at(LOG_LEVEL_INFO, p->dag, p->task, p->partition, 0,
		     "%s %s %s: recheck: %d added, %d removed, %d changed (%s): re-running %d downstream task instance%s",
		     p->dag, p->task, p->partition, d.added, d.removed,
		     d.changed, buf_str(&d.sched_log), cleared,
		     cleared == 1 ? "" : "s");
	/* the cleared run is read again, as after a person's clear */
	sched_poke(s);
out:
	free(names);
	free(log_path);
	buf_free(&d.task_log);
	buf_free(&d.sched_log);
}

/* --- one check --- */

static void
poke_unlink(struct sched *s, struct recheck_poke *p)
{
	struct sched_recheck *r = s->recheck;

	for (struct recheck_poke **pp = &r->pokes; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	r->in_flight--;
	s->pokes--;
	assert(r->in_flight >= 0 && s->pokes >= 0);
	free(p->dag);
	free(p->task);
	free(p->partition);
	free(p->old);
	free(p);
}

static void
recheck_done(void *arg, enum op_poke_result result, const char *msg)
{
	struct recheck_poke *p = arg;
	struct sched *s = p->s;
	struct recheck *rc = p->rc;
	struct dag *dag = dagbag_find(&s->bag, p->dag);
	struct task *t = dag ? dag_task(dag, p->task) : NULL;

	if (rc != NULL && result == OP_POKE_DONE) {
		int count = 0;
		const char *fp = p->op->poke_fingerprint(p->poke, &count);

		rc->unmet_logged = rc->failed_logged = 0;
		if (fp != NULL && strcmp(fp, p->old) != 0)
			recheck_changed(s, p, fp, count);
	} else if (rc != NULL && result == OP_POKE_NOT_YET) {
		if (!rc->unmet_logged) {
			char *log_path = try_log_path(s->cfg->logs_dir, p->dag,
			    p->partition, p->task, p->try_number);

			rc->unmet_logged = 1;
			sched_try_log(log_path, "recheck: the condition is no longer met (%s): nothing re-runs",
				      msg ? msg : "");
			free(log_path);
			sched_log_at(LOG_LEVEL_WARN, p->dag, p->task,
				     p->partition, 0,
				     "%s %s %s: recheck: the condition is no longer met (%s): nothing re-runs",
				     p->dag, p->task, p->partition,
				     msg ? msg : "");
		}
	} else if (rc != NULL && !rc->failed_logged) {
		rc->failed_logged = 1;
		sched_log_at(LOG_LEVEL_WARN, p->dag, p->task, p->partition, 0,
			     "%s %s %s: recheck failed: %s (checking again later)",
			     p->dag, p->task, p->partition,
			     msg ? msg : "poke failed");
	}
	if (rc != NULL) {
		rc->checks++;
		if (t == NULL || t->recheck_ms <= 0)
			recheck_drop(s, rc);
		else
			recheck_schedule(s, rc, t->recheck_interval_ms);
	}
	poke_unlink(s, p);
	/* a sensor poke, or a check, may have waited for this room */
	if (s->recheck->hold_until != 0) {
		s->recheck->hold_until = 0;
		timer_rearm(s);
	}
	if (s->nheap_loop > 0)
		sched_pass_schedule(s);
}

/* What a check reads of its partition. */
struct check_row {
	struct sched *s;
	struct recheck *rc;
	struct dag *dag;
	struct task *task;
	json_t *spec;
	struct recheck_poke *p;
	int drop;
};

static void
check_row(void *arg, const struct store_recheck_row *row)
{
	struct check_row *c = arg;
	struct sched *s = c->s;
	struct try_ctx tc;
	struct sl_err err;
	json_t *params;
	char *run_id;

	c->dag = dagbag_find(&s->bag, row->dag_id);
	c->task = c->dag ? dag_task(c->dag, row->task_id) : NULL;
	if (row->state != TI_SUCCESS || c->task == NULL ||
	    c->task->recheck_ms <= 0 || c->task->op->poke_fingerprint == NULL ||
	    c->task->executor_explicit) {
		c->drop = 1;
		return;
	}
	c->rc->until = row->end_s * 1000 + c->task->recheck_ms;
	if (sched_now(s) > c->rc->until) {
		c->drop = 1;
		return;
	}
	if (sched_dstate(s, row->dag_id)->paused)
		return;		/* not while paused: the next interval */
	params = json_deep_copy(c->dag->params);
	if (row->params != NULL) {
		json_t *rp = json_loads(row->params, 0, NULL);

		if (json_is_object(rp))
			json_object_update(params, rp);
		json_decref(rp);
	}
	run_id = try_run_id(row->run_type, row->partition);
	memset(&tc, 0, sizeof tc);
	tc.cfg = s->cfg;
	tc.dag = c->dag;
	tc.task = c->task;
	tc.partition = row->partition;
	tc.run_id = run_id;
	tc.start_s = row->start_s;
	tc.end_s = row->end_s;
	tc.params = params;
	tc.try_number = row->try_number;
	tc.ti_id = row->ti_id;
	tc.self_exe = s->self_exe;
	sl_err_clear(&err);
	c->spec = try_spec(&tc, &err);
	if (c->spec == NULL)
		sched_log_at(LOG_LEVEL_WARN, row->dag_id, row->task_id,
			     row->partition, 0, "%s %s %s: recheck: %s",
			     row->dag_id, row->task_id, row->partition, err.msg);
	else {
		struct recheck_poke *p = xcalloc(1, sizeof *p);

		p->s = s;
		p->rc = c->rc;
		p->op = c->task->op;
		p->dag = xstrdup(row->dag_id);
		p->task = xstrdup(row->task_id);
		p->partition = xstrdup(row->partition);
		p->old = xstrdup(row->objects);
		p->try_number = row->try_number;
		c->p = p;
	}
	json_decref(params);
	free(run_id);
}

/* Start the check of rc (taken out of the heap). */
static void
recheck_start(struct sched *s, struct recheck *rc)
{
	struct sched_recheck *r = s->recheck;
	struct check_row c;
	int found;

	memset(&c, 0, sizeof c);
	c.s = s;
	c.rc = rc;
	found = store_recheck_get(s->store, rc->ti_id, check_row, &c);
	if (found < 0) {
		/* the database is busy: the next interval */
		heap_put(s, rc, sched_mono(s) + RECHECK_BUSY_MS);
		return;
	}
	if (found == 0 || c.drop) {
		recheck_drop(s, rc);
		return;
	}
	if (c.p == NULL) {
		/* paused, or the spec did not render: the next interval */
		rc->checks++;
		recheck_schedule(s, rc, c.task->recheck_interval_ms);
		return;
	}
	c.p->next = r->pokes;
	r->pokes = c.p;
	r->in_flight++;
	s->pokes++;
	heap_remove(r, rc);
	c.p->poke = c.p->op->poke_start(s->base, c.spec, recheck_done, c.p);
	json_decref(c.spec);
}

/* The earliest checks are due: start what the cap on pokes allows. */
static void
recheck_fire(struct sched *s, struct sched_timer *t)
{
	struct sched_recheck *r = s->recheck;
	int64_t now = sched_mono(s);

	(void)t;
	if (s->shutting_down)
		return;
	r->hold_until = 0;
	while (r->n > 0 && r->heap[0]->due <= now) {
		if (s->db_down || r->in_flight >= RECHECK_MAX_IN_FLIGHT ||
		    s->pokes >= SCHED_MAX_POKES) {
			/* no room: look again when a check ends, or a
			 * little later (a sensor's poke or the database) */
			r->hold_until = now + RECHECK_BUSY_MS;
			break;
		}
		recheck_start(s, r->heap[0]);
	}
	timer_rearm(s);
}

/* --- the scheduler's hooks --- */

/* A row of a scheduler start: a partition still in its window. */
static void
load_row(void *arg, const struct store_recheck_row *row)
{
	struct sched *s = arg;
	struct dag *dag = dagbag_find(&s->bag, row->dag_id);
	struct task *t = dag ? dag_task(dag, row->task_id) : NULL;
	int64_t until;

	if (t == NULL || t->recheck_ms <= 0 || t->op->poke_fingerprint == NULL)
		return;
	until = row->end_s * 1000 + t->recheck_ms;
	if (until <= sched_now(s))
		return;
	/* spread over one interval: a restart does not check them all at
	 * once */
	recheck_add(s, row->ti_id, until,
		    (int64_t)(jitter_bits(row->ti_id, 0) %
			      (uint64_t)t->recheck_interval_ms));
}

void
sched_recheck_start(struct sched *s)
{
	if (s->recheck == NULL)
		s->recheck = xcalloc(1, sizeof *s->recheck);
	if (store_recheck_each(s->store, load_row, s) < 0)
		sched_log("database: cannot read the sensors to recheck: %s",
			  store_errmsg(s->store));
}

void
sched_recheck_passed(struct sched *s, struct ti *ti, void *poke)
{
	struct task *t = ti_task(ti);
	const char *fp;
	int count = 0;
	int64_t until;

	if (t->op->poke_fingerprint == NULL ||
	    (fp = t->op->poke_fingerprint(poke, &count)) == NULL)
		return;
	if (sched_tx_begin(s) < 0)
		return;
	if (store_recheck_record(s->store, ti->id, fp, count, sched_now(s),
				 0) < 0) {
		sched_db_failed(s, "recording a fingerprint");
		return;
	}
	until = ti->run->end_s * 1000 + t->recheck_ms;
	if (t->recheck_ms <= 0 || s->recheck == NULL || until <= sched_now(s))
		return;
	recheck_add(s, ti->id, until,
		    sched_recheck_next_delay(ti->id, 0, t->recheck_interval_ms));
}

int
sched_recheck_in_flight(const struct sched *s)
{
	return s->recheck != NULL ? s->recheck->in_flight : 0;
}

int
sched_recheck_waiting(const struct sched *s)
{
	return s->recheck != NULL ? s->recheck->n : 0;
}

void
sched_recheck_free(struct sched *s)
{
	struct sched_recheck *r = s->recheck;

	if (r == NULL)
		return;
	while (r->pokes != NULL) {
		struct recheck_poke *p = r->pokes;

		if (p->poke != NULL)
			p->op->poke_cancel(p->poke);
		poke_unlink(s, p);
	}
	sched_timer_cancel(s, &r->timer);
	for (size_t i = 0; i < r->nbuckets; i++)
		for (struct recheck *rc = r->buckets[i], *n; rc != NULL; rc = n) {
			n = rc->hnext;
			free(rc);
		}
	free(r->buckets);
	free(r->heap);
	free(r);
	s->recheck = NULL;
}
