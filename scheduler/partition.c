/*
 * partition.c: the one reading of a partition argument (rules in
 * partition.h). Used by the CLI verbs and written so the web API can call
 * it too: it needs the store, the DAG, the argument and "now", nothing of
 * the process. Past 800 lines on purpose: every rule a person's partition
 * argument meets (spellings, ranges, DST, the DAG's start and end, keys a
 * need can match) is here, so no verb can read one differently.
 */
#include "scheduler/partition.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/dag_map.h"
#include "scheduler/dag_needs.h"
#include "scheduler/tz.h"
#include "store/store.h"

#define PARTITION_DAY INT64_C(86400)
/* How many keys an error lists. */
#define PARTITION_NEAREST 5

void
partition_set_free(struct partition_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

void
partition_notes_init(struct partition_notes *notes)
{
	notes->n = 0;
	notes->left_out = 0;
}

json_t *
partition_notes_json(const struct partition_notes *notes)
{
	json_t *a = json_array();

	for (int i = 0; i < notes->n; i++)
		json_array_append_new(a, json_string(notes->v[i]));
	return a;
}

void
partition_note(struct partition_notes *notes, const char *fmt, ...)
{
	va_list ap;

	if (notes == NULL || notes->n >= PARTITION_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(notes->v[notes->n++], sizeof notes->v[0], fmt, ap);
	va_end(ap);
}

void
partition_note_open(struct partition_notes *notes, const struct dag *d,
		    size_t n, const char *key, int64_t end_s)
{
	char end[PARTITION_KEY_MAX], head[2 * PARTITION_KEY_MAX + 96], names[256] = "";
	size_t off = 0;
	int with = 0, one = n == 1;

	tz_iso(d->tz, end_s, end, sizeof end);
	if (key != NULL)
		snprintf(head, sizeof head, "partition %s has not ended yet (it ends %s)",
			 key, end);
	else if (one)
		snprintf(head, sizeof head, "1 of the partitions has not ended yet "
			 "(the last ends %s)", end);
	else
		snprintf(head, sizeof head, "%zu of these partitions have not ended yet "
			 "(the last ends %s)", n, end);
	for (int i = 0; i < d->ntasks; i++)
		if (d->nneeds + d->tasks[i].nneeds > 0) {
			if (off < sizeof names)
				off += (size_t)snprintf(names + off, sizeof names - off,
							"%s%s", with > 0 ? ", " : "",
							d->tasks[i].name);
			with++;
		}
	if (with > 0 && with == d->ntasks)
		partition_note(notes, "%s: %s for %s interval%s to end and for %s needs "
			       "(needs:), then %s", head, one ? "it waits" : "they wait",
			       one ? "its" : "their", one ? "" : "s", one ? "its" : "their",
			       one ? "runs" : "run");
	else if (with > 0)
		partition_note(notes, "%s: %s tasks with needs: (%s) wait for %s interval "
			       "to end and for their needs; the others run now, on the data "
			       "there is so far, and the scheduler does not run them again "
			       "when it ends (`sluice clear` re-runs them then)", head,
			       one ? "its" : "in each, the", names, one ? "its" : "the");
	else if (one)
		partition_note(notes, "%s: it runs now, on the data there is so far, and "
			       "the scheduler does not run it again when it ends (`sluice "
			       "clear` re-runs it then)", head);
	else
		partition_note(notes, "%s: they run now, on the data there is so far, and "
			       "the scheduler does not run them again when they end (`sluice "
			       "clear` re-runs them then)", head);
}

/* Add a partition to set; run_id its run's, 0 when it has none. */
static void
partition_add(struct partition_set *set, const char *key, int64_t start,
	      int64_t end, int64_t run_id)
{
	struct partition *p;

	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	p = &set->v[set->n++];
	snprintf(p->key, sizeof p->key, "%s", key);
	p->start_s = start;
	p->end_s = end;
	p->exists = run_id != 0;
	p->run_id = run_id;
}

int
partition_cmp(const void *a, const void *b)
{
	const struct partition *x = a, *y = b;

	if (x->start_s != y->start_s)
		return x->start_s < y->start_s ? -1 : 1;
	if (x->run_id != y->run_id)
		return x->run_id < y->run_id ? -1 : 1;
	return strcmp(x->key, y->key);
}

int
partition_key_ok(const char *key, struct sl_err *err)
{
	size_t n = strlen(key), i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)key[i];

		if (!isalnum(ch) && strchr("._:+-", ch) == NULL)
			break;
	}
	if (n == 0 || n > PARTITION_NEW_KEY_MAX || i < n)
		return sl_err_set(err, "'%s' cannot be a partition key: a key is "
				  "1 to %d letters, digits and . _ : + -%s",
				  key, PARTITION_NEW_KEY_MAX,
				  i < n && (unsigned char)key[i] >= 0x80 ?
				  " (ASCII ones)" : "");
	/* a link to its run would read . and .. as folders (a browser
	 * drops or climbs them, %2E too), and a command line a leading -
	 * as an option (sluice's own, and a task's given {{ partition }}) */
	if (strcmp(key, ".") == 0 || strcmp(key, "..") == 0)
		return sl_err_set(err, "'%s' cannot be a partition key: a link "
				  "to its run would read it as a folder", key);
	if (key[0] == '-')
		return sl_err_set(err, "'%s' cannot be a partition key: a key "
				  "starting with - would read as an option on a "
				  "command line", key);
	return 0;
}

/* "YYYY-MM-DD" and nothing else. */
static int
partition_is_date(const char *arg)
{
	static const char pattern[] = "dddd-dd-dd";
	size_t i;

	if (strlen(arg) != sizeof pattern - 1)
		return 0;
	for (i = 0; i < sizeof pattern - 1; i++) {
		if (pattern[i] == 'd' ? !isdigit((unsigned char)arg[i]) :
		    arg[i] != pattern[i])
			return 0;
	}
	return 1;
}

/* The instants [*d0, *d1) of a local date in the DAG's zone. */
static int
partition_day(const struct dag *d, const char *arg, int64_t *d0, int64_t *d1,
	      struct sl_err *err)
{
	int64_t y = 0, naive;
	int m = 0, day = 0;

	if (tz_parse_time(d->tz, arg, d0, err) < 0)
		return -1;
	y = strtol(arg, NULL, 10);
	m = (int)strtol(arg + 5, NULL, 10);
	day = (int)strtol(arg + 8, NULL, 10);
	naive = (tz_days_from_civil(y, m, day) + 1) * PARTITION_DAY;
	tz_naive_to_instant(d->tz, naive, d1, NULL);
	return 0;
}

/* The start of the partition holding instant t: its data interval's for
 * a scheduled DAG, t itself for an unscheduled one (a run of it holds the
 * instant it was made for). */
static int64_t
partition_start_at(const struct dag *d, int64_t t)
{
	int64_t start, end;

	if (d->schedule == NULL || dag_interval_at(d, t, &start, &end) < 0)
		return t;
	return start;
}

/* "+05:30" */
static void
partition_offset(int off, char *out, size_t n)
{
	int a = off < 0 ? -off : off;

	snprintf(out, n, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

/* "on 2026-03-08 the clocks go forward from 02:00 to 03:00, -05:00 to
 * -04:00" for the change of d's zone at instant at. */
static void
partition_clock_change(const struct dag *d, int64_t at, char *out, size_t n)
{
	int before = tz_offset_at(d->tz, at - 1), after = tz_offset_at(d->tz, at);
	time_t w0 = (time_t)(at + before), w1 = (time_t)(at + after);
	struct tm a, b;
	char o0[16], o1[16];

	gmtime_r(&w0, &a);
	gmtime_r(&w1, &b);
	partition_offset(before, o0, sizeof o0);
	partition_offset(after, o1, sizeof o1);
	snprintf(out, n, "on %04d-%02d-%02d the clocks go %s from %02d:%02d to %02d:%02d, %s to %s",
		 a.tm_year + 1900, a.tm_mon + 1, a.tm_mday,
		 after > before ? "forward" : "back", a.tm_hour, a.tm_min,
		 b.tm_hour, b.tm_min, o0, o1);
}

/*
 * Read arg as a time in d's zone. 0: *t (and *t2 = *t). 1: a wall time
 * that happens twice, its two readings in two partitions: *t the first,
 * *t2 the second (the caller picks one and says so, partition_twice).
 * -1: not a time (err says why). -2: a wall time the zone skips, the two
 * sides of the gap in two partitions (err names the gap and both). A
 * repeated or skipped wall time within one partition is no news: 0.
 */
static int
partition_time(const struct dag *d, const char *arg, int64_t *t, int64_t *t2,
	       struct sl_err *err)
{
	int kind = tz_parse_wall(d->tz, arg, t, t2, err);
	char change[160], k0[PARTITION_KEY_MAX], k1[PARTITION_KEY_MAX];
	int64_t before, after;

	if (kind < 0)
		return -1;
	if (kind == 1 && partition_start_at(d, *t) != partition_start_at(d, *t2))
		return 1;
	*t2 = *t;
	if (kind != 2)
		return 0;
	/* *t is the end of the gap */
	before = partition_start_at(d, *t - 1);
	after = partition_start_at(d, *t);
	if (before == after)
		return 0;
	partition_clock_change(d, *t, change, sizeof change);
	dag_partition_key(d, before, k0, sizeof k0);
	dag_partition_key(d, after, k1, sizeof k1);
	sl_err_set(err, "'%s' does not exist in %s: %s; %s before the gap is %s, "
		   "after it %s", arg, tz_name(d->tz), change,
		   d->schedule != NULL ? "the partition" : "the last instant", k0, k1);
	return -2;
}

/* The note for a time that happens twice, read as chosen (what: "" or
 * "as the range's end (to) it is "). */
static void
partition_twice(const struct dag *d, const char *arg, const char *what,
		int64_t chosen, int64_t other, struct partition_notes *notes)
{
	char change[160], c[PARTITION_KEY_MAX], o[PARTITION_KEY_MAX];
	char cp[PARTITION_KEY_MAX + 16] = "", op[PARTITION_KEY_MAX + 16] = "";
	int64_t s, e;
	int off;

	/* the change lies between the two readings */
	tz_span(d->tz, chosen < other ? chosen : other, &s, &e, &off);
	partition_clock_change(d, e, change, sizeof change);
	tz_iso(d->tz, chosen, c, sizeof c);
	tz_iso(d->tz, other, o, sizeof o);
	if (d->schedule != NULL) {
		char k[PARTITION_KEY_MAX];

		snprintf(cp, sizeof cp, ", partition %s",
			 dag_partition_key(d, partition_start_at(d, chosen), k, sizeof k));
		snprintf(op, sizeof op, " (partition %s)",
			 dag_partition_key(d, partition_start_at(d, other), k, sizeof k));
	}
	partition_note(notes, "'%s' happens twice in %s (%s): %sread as %s%s; "
		       "%s names the other%s", arg, tz_name(d->tz), change, what,
		       c, cp, o, op);
}

int
partition_read_time(const struct dag *d, const char *arg, int64_t *t,
		    struct partition_notes *notes, struct sl_err *err)
{
	int64_t t2;
	int kind = partition_time(d, arg, t, &t2, err);

	if (kind < 0)
		return -1;
	if (kind == 1)
		partition_twice(d, arg, "", *t, t2, notes);
	return 0;
}

/* Look up the run of key: 1 and *p filled, or 0. */
static int
partition_run(struct store *s, const struct dag *d, const char *key,
	      struct partition *p)
{
	json_t *run;

	if (s == NULL)
		return 0;
	run = store_run_json(s, d->name, key);
	if (run == NULL)
		return 0;
	snprintf(p->key, sizeof p->key, "%s", key);
	p->start_s = json_integer_value(json_object_get(run, "start_s"));
	p->end_s = json_integer_value(json_object_get(run, "end_s"));
	p->exists = 1;
	p->run_id = json_integer_value(json_object_get(run, "id"));
	json_decref(run);
	return 1;
}

/* The runs of range (in the runs' order, store_run_range), added to
 * set. */
static void
partition_runs_in(struct store *s, const struct dag *d,
		  const struct store_run_range *range, struct partition_set *set)
{
	json_t *runs, *r;
	size_t i;

	if (s == NULL)
		return;
	runs = store_runs_range_json(s, d->name, range, NULL, PARTITION_RUNS_MAX, 0);
	json_array_foreach(runs, i, r)
		partition_add(set, json_string_value(json_object_get(r, "partition")),
			      json_integer_value(json_object_get(r, "start_s")),
			      json_integer_value(json_object_get(r, "end_s")),
			      json_integer_value(json_object_get(r, "id")));
	json_decref(runs);
}

/* The runs with a start in [lo, hi], added to set. */
static void
partition_runs_between(struct store *s, const struct dag *d, int64_t lo,
		       int64_t hi, struct partition_set *set)
{
	struct store_run_range range = { lo, 0, hi, 0 };

	partition_runs_in(s, d, &range, set);
}

/* The first tick of d's schedule at or after lo that can start a
 * partition (partitions start in 1970 or later: a range whose start lies
 * before that, as local midnight of 1970-01-01 east of UTC does, begins
 * at the first of them), or -1. */
static int64_t
partition_first_tick(const struct dag *d, int64_t lo)
{
	return cron_next(d->schedule, d->tz, SL_MAX(lo, 0) - 1);
}

/* The scheduled partitions starting in [lo, hi], added to set with
 * whether a run of each exists. */
static void
partition_ticks_between(struct store *s, const struct dag *d, int64_t lo,
			int64_t hi, struct partition_set *set)
{
	int64_t t;
	size_t n = 0;

	for (t = partition_first_tick(d, lo);
	     t >= 0 && t <= hi && n < PARTITION_RUNS_MAX;
	     t = cron_next(d->schedule, d->tz, t), n++) {
		struct partition p;
		char key[PARTITION_KEY_MAX];
		int64_t end = cron_next(d->schedule, d->tz, t);

		if (end < 0)
			break;
		dag_partition_key(d, t, key, sizeof key);
		partition_add(set, key, t, end, partition_run(s, d, key, &p) ? p.run_id : 0);
	}
}

/* "the start of DAG x, 2024-01-01T00:00:00-05:00 (FILE:LINE)" (end: the
 * end). */
static void
partition_edge(const struct dag *d, int end, char *out, size_t n)
{
	char when[PARTITION_KEY_MAX];
	int line = end ? d->end_line : d->start_line;

	tz_iso(d->tz, end ? d->end : d->start, when, sizeof when);
	if (line > 0)
		snprintf(out, n, "the %s of DAG %s, %s (%s:%d)",
			 end ? "end" : "start", d->name, when, d->file, line);
	else
		snprintf(out, n, "the %s of DAG %s, %s", end ? "end" : "start",
			 d->name, when);
}

/* "its first partition is K" (last: "its last partition is K"), or that
 * it has none. */
static void
partition_edge_key(const struct dag *d, int last, char *out, size_t n)
{
	int64_t t = last ? cron_prev(d->schedule, d->tz, d->end - 1) :
		cron_next(d->schedule, d->tz, d->start - 1);
	char key[PARTITION_KEY_MAX];

	if (t < 0 || t < d->start || t >= d->end)
		snprintf(out, n, "it has no partition");
	else
		snprintf(out, n, "its %s partition is %s", last ? "last" : "first",
			 dag_partition_key(d, t, key, sizeof key));
}

/* Does partition key (starting at start) lie outside the DAG's [start,
 * end)? 1 and the sentence saying so appended to out, else 0. */
static int
partition_outside(const struct dag *d, const char *key, int64_t start,
		  struct buf *out)
{
	char edge[PARTITION_KEY_MAX + 600], which[PARTITION_KEY_MAX + 32];
	int after;

	if (d->schedule == NULL || (start >= d->start && start < d->end))
		return 0;
	after = start >= d->end;
	partition_edge(d, after, edge, sizeof edge);
	partition_edge_key(d, after, which, sizeof which);
	buf_printf(out, "partition %s is %s %s; %s", key,
		   after ? "past" : "before", edge, which);
	return 1;
}

/*
 * A single argument's partitions of a scheduled DAG (no run yet) outside
 * its [start, end): PARTITION_SCHEDULE drops them, and when none is left
 * that is the error (PARTITION_OUTSIDE); PARTITION_TICKS keeps them with
 * a note.
 */
static int
partition_in_range(const struct dag *d, const char *arg,
		   enum partition_scope scope, struct partition_set *set,
		   struct partition_notes *notes, struct sl_err *err)
{
	struct buf first;
	size_t kept = 0, outside = 0;
	int rc = 0;

	buf_init(&first, 0);
	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i].exists || (outside > 0 ?
		    set->v[i].start_s >= d->start && set->v[i].start_s < d->end :
		    !partition_outside(d, set->v[i].key, set->v[i].start_s, &first))) {
			set->v[kept++] = set->v[i];
			continue;
		}
		outside++;
		if (scope == PARTITION_TICKS)
			set->v[kept++] = set->v[i];
	}
	set->n = kept;
	if (outside > 0 && kept == 0)
		rc = sl_err_set(err, "%s", buf_str(&first)) < 0 ? PARTITION_OUTSIDE : 0;
	else if (outside > 1 && scope == PARTITION_TICKS)
		partition_note(notes, "%s (and %zu more of the partitions '%s' names)",
			       buf_str(&first), outside - 1, arg);
	else if (outside > 0 && scope == PARTITION_TICKS)
		partition_note(notes, "%s", buf_str(&first));
	else if (outside > 0)
		partition_note(notes, "'%s' also names %zu partition%s outside "
			       "the start and end of DAG %s, left out: %s", arg, outside,
			       outside == 1 ? "" : "s", d->name, buf_str(&first));
	buf_free(&first);
	return rc;
}

/* Whether tick t of a scheduled DAG starts a partition that can be made:
 * its interval ends within the times sluice handles (TZ_T_MAX). */
static int
partition_tick_ok(const struct dag *d, int64_t t)
{
	return t >= 0 && cron_next(d->schedule, d->tz, t) >= 0;
}

/* "; nearest: K1, K2" for an error about instant t (or now). */
static void
partition_nearest(struct store *s, const struct dag *d, int64_t t,
		  enum partition_scope scope, char *out, size_t n)
{
	struct buf b;
	json_t *runs, *r;
	size_t i;

	buf_init(&b, 0);
	if (scope != PARTITION_RUNS && d->schedule != NULL) {
		/* the DAG's own partitions (in its start..end) are the ones
		 * worth suggesting, unless any tick will do */
		int own = scope == PARTITION_SCHEDULE;
		int64_t lo = own ? d->start : 0, hi = own ? d->end : INT64_MAX;
		int64_t ticks[PARTITION_NEAREST], x;
		int k = 0;

		/* only partitions that can be made: starting in 1970 or
		 * later, ending by TZ_T_MAX (partition_none says why) */
		lo = SL_MAX(lo, 0);
		if (t >= hi)
			t = hi - 1;
		if (t < lo)
			t = lo;
		x = cron_prev(d->schedule, d->tz, t);
		/* the last tick is not a partition when its end is past
		 * TZ_T_MAX: the one before it is the nearest */
		if (x >= 0 && !partition_tick_ok(d, x))
			x = cron_prev(d->schedule, d->tz, x - 1);
		/* two before t, then those after */
		if (x >= lo && x < hi && partition_tick_ok(d, x)) {
			int64_t y = cron_prev(d->schedule, d->tz, x - 1);

			if (y >= 0 && y >= lo)
				ticks[k++] = y;
			ticks[k++] = x;
		}
		for (x = cron_next(d->schedule, d->tz, t);
		     x >= 0 && x < hi && k < PARTITION_NEAREST - 1 &&
		     partition_tick_ok(d, x);
		     x = cron_next(d->schedule, d->tz, x))
			ticks[k++] = x;
		for (int j = 0; j < k; j++) {
			char key[PARTITION_KEY_MAX];

			buf_printf(&b, "%s%s", j ? ", " : "; nearest: ",
				   dag_partition_key(d, ticks[j], key, sizeof key));
		}
	} else if (s != NULL) {
		runs = store_runs_near(s, d->name, t, PARTITION_NEAREST);
		json_array_foreach(runs, i, r)
			buf_printf(&b, "%s%s", i ? ", " : "; nearest: ",
				   json_string_value(json_object_get(r, "partition")));
		if (json_array_size(runs) == 0)
			buf_printf(&b, "; DAG %s has no runs yet", d->name);
		json_decref(runs);
	}
	snprintf(out, n, "%s", buf_str(&b));
	buf_free(&b);
}

/* The instant an argument is about, for "nearest" (now when it is not a
 * time). */
static int64_t
partition_about(const struct dag *d, const char *arg, int64_t now)
{
	int64_t t;

	if (arg != NULL && tz_parse_time(d->tz, arg, &t, NULL) == 0)
		return t;
	return now;
}

static int
partition_none(struct store *s, const struct dag *d, const char *arg,
	       int64_t now, enum partition_scope scope, struct sl_err *err)
{
	char near[1024];
	const char *why = "";
	int64_t t = partition_about(d, arg, now), start, end;

	partition_nearest(s, d, t, scope, near, sizeof near);
	if (scope == PARTITION_RUNS)
		return sl_err_set(err, "DAG %s has no run for partition '%s'%s",
				  d->name, arg, near);
	/* a time no partition can hold: say so, not only "no match" */
	if (d->schedule != NULL && t < 0)
		why = ": partitions start on 1970-01-01 or later";
	else if (d->schedule != NULL && dag_interval_at(d, t, &start, &end) < 0)
		why = ": its partition would end after 9999-12-31T23:59:59Z, "
		      "the latest time sluice handles";
	return sl_err_set(err, "no partition of DAG %s matches '%s'%s%s",
			  d->name, arg, why, near);
}

/* The partition holding instant t, added to out: its run's, or in a
 * scope beyond runs the schedule's (an unscheduled DAG: the instant's). */
static void
partition_at(struct store *s, const struct dag *d, int64_t t,
	     enum partition_scope scope, struct partition_set *out)
{
	struct partition p;
	char key[PARTITION_KEY_MAX];
	int64_t start, end;

	if (d->schedule != NULL) {
		if (dag_interval_at(d, t, &start, &end) < 0)
			return;
		dag_partition_key(d, start, key, sizeof key);
		if (partition_run(s, d, key, &p))
			partition_add(out, p.key, p.start_s, p.end_s, p.run_id);
		else if (scope != PARTITION_RUNS)
			partition_add(out, key, start, end, 0);
		return;
	}
	if (scope == PARTITION_RUNS) {
		partition_runs_between(s, d, t, t, out);
		return;
	}
	tz_iso(d->tz, t, key, sizeof key);
	if (partition_run(s, d, key, &p))
		partition_add(out, key, p.start_s, p.end_s, p.run_id);
	else
		partition_add(out, key, t, t, 0);
}

int
partition_resolve(struct store *s, const struct dag *d, const char *arg,
		  int64_t now, enum partition_scope scope,
		  struct partition_set *out, struct partition_notes *notes,
		  struct sl_err *err)
{
	struct partition p;
	struct sl_err terr;
	int64_t t, t2, d0, d1;
	int kind;

	out->v = NULL;
	out->n = 0;
	if (arg == NULL || arg[0] == '\0')
		return sl_err_set(err, "which partition of DAG %s?", d->name);
	/* an exact key wins over any reading of it as a time */
	if (partition_run(s, d, arg, &p)) {
		partition_add(out, p.key, p.start_s, p.end_s, p.run_id);
		return 0;
	}
	sl_err_clear(&terr);
	if (partition_is_date(arg)) {
		if (partition_day(d, arg, &d0, &d1, err) < 0)
			return -1;
		if (scope == PARTITION_RUNS)
			partition_runs_between(s, d, d0, d1 - 1, out);
		else if (d->schedule != NULL)
			partition_ticks_between(s, d, d0, d1 - 1, out);
		else
			/* a date is a key like any other here */
			partition_add(out, arg, d0, d0, 0);
	} else if ((kind = partition_time(d, arg, &t, &t2, &terr)) == -2) {
		return sl_err_set(err, "%s", terr.msg);
	} else if (kind >= 0) {
		partition_at(s, d, t, scope, out);
		if (kind == 1) {
			/* the first, unless only the second has a run */
			if (scope == PARTITION_RUNS && out->n == 0) {
				partition_at(s, d, t2, scope, out);
				if (out->n > 0)
					partition_twice(d, arg, "", t2, t, notes);
			} else
				partition_twice(d, arg, "", t, t2, notes);
		}
	} else if (d->schedule == NULL && scope != PARTITION_RUNS) {
		if (partition_key_ok(arg, err) < 0)
			return -1;
		partition_add(out, arg, now, now, 0);
	} else if (d->schedule != NULL) {
		char near[1024];
		int64_t about = now, first, last;

		/* neither a key nor a time: say why it is not a time, or a
		 * mistyped time (.000, a blank) reads as a missing run; the
		 * nearest keys are those of the month or week it names */
		if (tz_month_or_week(arg, &first, &last) &&
		    tz_naive_to_instant(d->tz, first * PARTITION_DAY, &t, NULL) >= 0)
			about = t;
		partition_nearest(s, d, about, scope, near, sizeof near);
		return sl_err_set(err, "'%s' is neither a partition of DAG %s "
				  "nor a time: %s%s", arg, d->name, terr.msg, near);
	}
	if (out->n == 0)
		return partition_none(s, d, arg, now, scope, err);
	if (scope != PARTITION_RUNS && d->schedule != NULL) {
		int rc = partition_in_range(d, arg, scope, out, notes, err);

		if (rc < 0) {
			partition_set_free(out);
			return rc;
		}
	}
	qsort(out->v, out->n, sizeof *out->v, partition_cmp);
	return 0;
}

static size_t partition_ticks_count(const struct dag *d, int64_t lo, int64_t hi);

int
partition_resolve_one(struct store *s, const struct dag *d, const char *arg,
		      int64_t now, enum partition_scope scope,
		      struct partition *out, struct partition_notes *notes,
		      struct sl_err *err)
{
	struct partition_set set;
	struct buf b;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	if ((arg == NULL || arg[0] == '\0') && scope != PARTITION_RUNS) {
		if (d->schedule != NULL) {
			/* a DAG past its end: its last partition, not one
			 * after the end */
			int64_t p1 = cron_prev(d->schedule, d->tz,
					       now < d->end ? now : d->end), p0;
			struct buf why;

			if (p1 == -1 ||
			    (p0 = cron_prev(d->schedule, d->tz, p1 - 1)) == -1)
				return sl_err_set(err, "DAG %s has no complete partition yet",
						  d->name);
			dag_partition_key(d, p0, out->key, sizeof out->key);
			out->start_s = p0;
			out->end_s = p1;
			/* a DAG before its start has none of its own yet */
			buf_init(&why, 0);
			if (partition_outside(d, out->key, p0, &why)) {
				if (scope == PARTITION_SCHEDULE) {
					sl_err_set(err, "DAG %s has no complete partition yet: "
						   "the latest, %s", d->name, buf_str(&why));
					buf_free(&why);
					return PARTITION_OUTSIDE;
				}
				partition_note(notes, "%s", buf_str(&why));
			}
			buf_free(&why);
		} else {
			tz_iso(d->tz, now, out->key, sizeof out->key);
			out->start_s = out->end_s = now;
		}
		if (s != NULL) {
			struct partition p;

			out->exists = partition_run(s, d, out->key, &p);
			out->run_id = out->exists ? p.run_id : 0;
		}
		return 0;
	}
	if ((rc = partition_resolve(s, d, arg, now, scope, &set, notes, err)) < 0)
		return rc;
	if (set.n == 1) {
		int64_t d0, d1;

		*out = set.v[0];
		partition_set_free(&set);
		/* a date of a DAG with several partitions a day named the one
		 * run of that day: say which, the answer does not show it */
		if (scope == PARTITION_RUNS && d->schedule != NULL && partition_is_date(arg) &&
		    strcmp(arg, out->key) != 0 && partition_day(d, arg, &d0, &d1, NULL) == 0 &&
		    partition_ticks_count(d, d0, d1 - 1) > 1)
			partition_note(notes, "%s is partition %s, the only run that starts on that date",
				       arg, out->key);
		return 0;
	}
	buf_init(&b, 0);
	for (i = 0; i < set.n && i < 2 * PARTITION_NEAREST; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", set.v[i].key);
	if (i < set.n)
		buf_printf(&b, ", ... (%zu more)", set.n - i);
	sl_err_set(err, "'%s' names %zu partitions of DAG %s; name one: %s",
		   arg, set.n, d->name, buf_str(&b));
	buf_free(&b);
	partition_set_free(&set);
	return -1;
}

void
partition_set_range(const struct partition_set *set, struct store_run_range *out)
{
	const struct partition *first = &set->v[0], *last = &set->v[set->n - 1];

	out->from_s = first->start_s;
	out->from_id = first->run_id;
	out->to_s = last->start_s;
	out->to_id = last->run_id;
}

/* Where a range bound lies in the runs' order (partition_cmp): a run's
 * key at that run (its start, its id), a time or date at a start (id 0:
 * any run there). */
struct partition_pos {
	int64_t start_s;
	int64_t run_id;
};

/* The lowest (upper = 0) or highest (upper = 1) place that arg can name,
 * for a range bound: a time that happens twice, its first occurrence for
 * the start, its second for the end (the range holds both). */
static int
partition_bound(struct store *s, const struct dag *d, const char *arg,
		int upper, struct partition_pos *out,
		struct partition_notes *notes, struct sl_err *err)
{
	struct partition p;
	struct sl_err terr;
	int64_t t, t2, d0, d1;
	int kind;

	out->run_id = 0;
	if (partition_run(s, d, arg, &p)) {
		out->start_s = p.start_s;
		out->run_id = p.run_id;
		return 0;
	}
	if (partition_is_date(arg)) {
		if (partition_day(d, arg, &d0, &d1, err) < 0)
			return -1;
		out->start_s = upper ? d1 - 1 : d0;
		return 0;
	}
	sl_err_clear(&terr);
	kind = partition_time(d, arg, &t, &t2, &terr);
	if (kind == -2)
		return sl_err_set(err, "%s", terr.msg);
	if (kind < 0)
		return sl_err_set(err, "'%s' is neither a partition of DAG %s nor "
				  "a time: %s", arg, d->name, terr.msg);
	if (kind == 1) {
		partition_twice(d, arg, upper ? "as the range's end (to) it is " :
				"as the range's start (from) it is ", upper ? t2 : t,
				upper ? t : t2, notes);
		t = upper ? t2 : t;
	}
	out->start_s = partition_start_at(d, t);
	return 0;
}

/* Both bounds of a range (each NULL: open, *lo and *hi left as given),
 * and the error when it ends before it starts. */
static int
partition_bounds(struct store *s, const struct dag *d, const char *from,
		 const char *to, struct partition_pos *lo,
		 struct partition_pos *hi, struct partition_notes *notes,
		 struct sl_err *err)
{
	if ((from != NULL && partition_bound(s, d, from, 0, lo, notes, err) < 0) ||
	    (to != NULL && partition_bound(s, d, to, 1, hi, notes, err) < 0))
		return -1;
	if (from != NULL && to != NULL &&
	    (hi->start_s < lo->start_s ||
	     (hi->start_s == lo->start_s && hi->run_id != 0 && hi->run_id < lo->run_id)))
		return sl_err_set(err, "the range ends (to %s) before it starts (from %s)",
				  to, from);
	return 0;
}

int
partition_resolve_bounds(struct store *s, const struct dag *d,
			 const char *from, const char *to, int64_t *lo,
			 int64_t *hi, struct partition_notes *notes,
			 struct sl_err *err)
{
	struct partition_pos a = { *lo, 0 }, b = { *hi, 0 };

	if (partition_bounds(s, d, from, to, &a, &b, notes, err) < 0)
		return -1;
	*lo = a.start_s;
	*hi = b.start_s;
	return 0;
}

/* How many ticks of d's schedule lie in [lo, hi] (at most
 * PARTITION_RUNS_MAX). */
static size_t
partition_ticks_count(const struct dag *d, int64_t lo, int64_t hi)
{
	size_t n = 0;

	for (int64_t t = partition_first_tick(d, lo);
	     t >= 0 && t <= hi && n < PARTITION_RUNS_MAX;
	     t = cron_next(d->schedule, d->tz, t))
		n++;
	return n;
}

/* "5 partitions" ("100000 or more partitions") */
static const char *
partition_count_text(size_t n, char *out, size_t size)
{
	snprintf(out, size, "%zu%s partition%s", n,
		 n >= PARTITION_RUNS_MAX ? " or more" : "", n == 1 ? "" : "s");
	return out;
}

int
partition_range_outside(const struct dag *d, const char *from, const char *to,
			int64_t lo, int64_t hi, struct buf *out)
{
	char edge[PARTITION_KEY_MAX + 600], which[PARTITION_KEY_MAX + 32];
	int past;

	if (d->schedule == NULL || (hi >= d->start && lo < d->end))
		return 0;
	past = lo >= d->end;
	partition_edge(d, past, edge, sizeof edge);
	partition_edge_key(d, past, which, sizeof which);
	buf_printf(out, "the range from %s to %s is %s %s; %s", from, to,
		   past ? "past" : "before", edge, which);
	return 1;
}

/*
 * A range [*lo, *hi] of scheduled d against its [start, end): in
 * PARTITION_SCHEDULE cut to it, a note saying how many partitions were
 * left out and why, and a range wholly outside it an error
 * (PARTITION_OUTSIDE); in PARTITION_TICKS kept, with a note.
 */
static int
partition_range_in(const struct dag *d, const char *from, const char *to,
		   enum partition_scope scope, int64_t *lo, int64_t *hi,
		   struct partition_notes *notes, struct sl_err *err)
{
	char edge[PARTITION_KEY_MAX + 600], which[PARTITION_KEY_MAX + 32];
	char count[64];
	size_t before = 0, after = 0;
	struct buf why;

	buf_init(&why, 0);
	if (partition_range_outside(d, from, to, *lo, *hi, &why)) {
		if (scope == PARTITION_SCHEDULE)
			sl_err_set(err, "%s", buf_str(&why));
		else
			partition_note(notes, "%s", buf_str(&why));
		buf_free(&why);
		return scope == PARTITION_SCHEDULE ? PARTITION_OUTSIDE : 0;
	}
	buf_free(&why);
	if (*lo < d->start)
		before = partition_ticks_count(d, *lo, d->start - 1);
	if (*hi >= d->end)
		after = partition_ticks_count(d, d->end, *hi);
	/* what lies before the start (side 0) and past the end (side 1) */
	for (int side = 0; side < 2; side++) {
		size_t n = side == 0 ? before : after;
		const char *where = side == 0 ? "before" : "past";

		if (n == 0)
			continue;
		partition_edge(d, side, edge, sizeof edge);
		partition_edge_key(d, side, which, sizeof which);
		if (scope == PARTITION_SCHEDULE) {
			partition_note(notes, "left out %s %s %s; %s",
				       partition_count_text(n, count, sizeof count),
				       where, edge, which);
			if (notes != NULL)
				notes->left_out += n;
		} else
			partition_note(notes, "%s of the range %s %s %s",
				       partition_count_text(n, count, sizeof count),
				       n == 1 ? "is" : "are", where, edge);
	}
	if (scope == PARTITION_SCHEDULE) {
		if (*lo < d->start)
			*lo = d->start;
		if (*hi >= d->end)
			*hi = d->end - 1;
	}
	return 0;
}

void
partition_range_cut_notes(const struct dag *d, int64_t lo, int64_t hi,
			  struct partition_notes *notes)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (d->schedule != NULL)
		(void)partition_range_in(d, "", "", PARTITION_SCHEDULE, &lo, &hi,
					 notes, &err);
}

int
partition_resolve_range(struct store *s, const struct dag *d,
			const char *from, const char *to, int64_t now,
			enum partition_scope scope, struct partition_set *out,
			struct partition_notes *notes, struct sl_err *err)
{
	struct partition_pos a = { INT64_MIN, 0 }, b = { INT64_MAX, 0 };
	int64_t lo, hi;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (scope != PARTITION_RUNS && (from == NULL || to == NULL))
		return sl_err_set(err, "a range needs a start (from) and an end (to)");
	if (scope != PARTITION_RUNS && d->schedule == NULL)
		return sl_err_set(err, "DAG %s has no schedule: name its "
				  "partitions one by one", d->name);
	if (partition_bounds(s, d, from, to, &a, &b, notes, err) < 0)
		return -1;
	lo = a.start_s;
	hi = b.start_s;
	if (scope != PARTITION_RUNS &&
	    (rc = partition_range_in(d, from, to, scope, &lo, &hi, notes, err)) < 0)
		return rc;
	if (scope == PARTITION_RUNS) {
		/* from a run's key to another's: those runs and the ones
		 * between them, not every run sharing their starts */
		struct store_run_range range = { lo, a.run_id, hi, b.run_id };

		partition_runs_in(s, d, &range, out);
	} else
		partition_ticks_between(s, d, lo, hi, out);
	if (out->n == 0)
		return partition_range_none(s, d, from != NULL ? from : "the first",
					    to != NULL ? to : "the last",
					    from != NULL ? lo : hi, scope, err);
	qsort(out->v, out->n, sizeof *out->v, partition_cmp);
	return 0;
}

int
partition_range_none(struct store *s, const struct dag *d, const char *from,
		     const char *to, int64_t t, enum partition_scope scope,
		     struct sl_err *err)
{
	char near[1024];

	partition_nearest(s, d, t, scope, near, sizeof near);
	return sl_err_set(err, "no %s of DAG %s from %s to %s%s",
			  scope == PARTITION_RUNS ? "run" : "partition",
			  d->name, from, to, near);
}

/* Does a run of unscheduled d wait for upstream's partition with its own
 * key through nd (needs.h's NEEDS_SAME_KEY over a scheduled DAG)? */
static const struct dag *
partition_key_upstream(const struct dagbag *bag, const struct need *nd)
{
	const char *name = dag_needs_up_dag(nd);
	const struct dag *up = name != NULL ? dagbag_find(bag, name) : NULL;

	return nd->latest || up == NULL || up->schedule == NULL ? NULL : up;
}

/* The newest successful run of an unscheduled upstream, for its key. */
struct latest_key {
	char key[PARTITION_KEY_MAX];
	int found;
};

static void
latest_key_row(void *arg, const struct store_need_row *row)
{
	struct latest_key *k = arg;

	if (!row->success)
		return;
	snprintf(k->key, sizeof k->key, "%s", row->partition);
	k->found = 1;
}

/* No key given to a trigger of unscheduled d whose needs name unscheduled
 * DAGs by their runs' own keys: the key is the newest successful run's of
 * the first of them (a key the others have succeeded with too, or the
 * run would wait for good); none: an error naming it. 1 when key holds
 * one, 0 when no such need, -1 with err. */
static int
partition_key_unscheduled(struct store *s, const struct dagbag *bag,
			  const struct dag *d, char *key, size_t n,
			  struct sl_err *err)
{
	const char *first = NULL;

	for (int ti = -1; ti < d->ntasks; ti++) {
		const struct need *v = ti < 0 ? d->needs : d->tasks[ti].needs;
		int nn = ti < 0 ? d->nneeds : d->tasks[ti].nneeds;

		for (int i = 0; i < nn; i++) {
			const char *upn = dag_needs_up_dag(&v[i]), *upt = dag_needs_up_task(&v[i]);
			const struct dag *up = upn != NULL ? dagbag_find(bag, upn) : NULL;
			struct latest_key k = { "", 0 };
			char what[300];

			if (v[i].latest || up == NULL || up->schedule != NULL)
				continue;
			snprintf(what, sizeof what, "%s%s%s", upn, upt ? "." : "", upt ? upt : "");
			if (first == NULL) {
				if (store_needs_latest(s, upn, upt, INT64_MAX, latest_key_row, &k) < 0)
					return sl_err_set(err, "database: %s", store_errmsg(s));
				if (!k.found)
					return sl_err_set(err, "DAG %s needs %s (%s:%d), whose runs have no "
							  "schedule, by a run's own key, and %s has no successful "
							  "run yet to take the key from: run %s first, or name a "
							  "key with --partition (API: \"partition\")", d->name, what,
							  d->file, v[i].line, what, upn);
				snprintf(key, n, "%s", k.key);
				first = upn;
				continue;
			}
			if (store_needs_key(s, upn, upt, key, latest_key_row, &k) < 0)
				return sl_err_set(err, "database: %s", store_errmsg(s));
			if (!k.found)
				return sl_err_set(err, "DAG %s needs %s and %s (%s:%d), each by a run's "
						  "own key; the newest successful run of %s is %s, and %s has "
						  "no successful run with that key: name a key with --partition (API: "
						  "\"partition\")", d->name, first, what, d->file, v[i].line,
						  first, key, what);
		}
	}
	return first != NULL;
}

int
partition_resolve_trigger(struct store *s, const struct dagbag *bag,
			  const struct dag *d, const char *arg, int64_t now,
			  int outside_ok, struct partition *out,
			  struct partition_notes *notes, struct sl_err *err)
{
	enum partition_scope scope = outside_ok ? PARTITION_TICKS : PARTITION_SCHEDULE;
	const struct dag *first = NULL;
	const char *up_arg = arg;
	char instant[PARTITION_KEY_MAX];
	int first_line = 0;

	memset(out, 0, sizeof *out);
	if (d->schedule != NULL) {
		int rc = partition_resolve_one(s, d, arg, now, scope, out, notes, err);

		if (rc == 0 && !out->exists && out->end_s > now)
			partition_note_open(notes, d, 1, out->key, out->end_s);
		return rc;
	}
	if (bag == NULL)
		return partition_resolve_one(s, d, arg, now, scope, out, notes, err);
	/* a run d has by that key: the caller says so, or follows it */
	if (arg != NULL && partition_run(s, d, arg, out))
		return 0;
	for (int ti = -1; ti < d->ntasks; ti++) {
		const struct need *v = ti < 0 ? d->needs : d->tasks[ti].needs;
		int n = ti < 0 ? d->nneeds : d->tasks[ti].nneeds;

		for (int i = 0; i < n; i++) {
			const struct dag *up = partition_key_upstream(bag, &v[i]);
			struct partition p;
			struct sl_err uerr;
			int rc;

			if (up == NULL || up == first)
				continue;
			sl_err_clear(&uerr);
			if (first == NULL && arg != NULL && !partition_is_date(arg)) {
				/* a time is read in d's zone, as every verb reads
				 * d's partitions, then names the upstream
				 * partition holding that instant */
				int64_t t, t2;
				int kind = partition_time(d, arg, &t, &t2, &uerr);

				if (kind == -2)
					return sl_err_set(err, "%s", uerr.msg);
				if (kind == 1)
					partition_twice(d, arg, "", t, t2, notes);
				if (kind >= 0)
					up_arg = tz_iso(d->tz, t, instant, sizeof instant);
				sl_err_clear(&uerr);
			}
			/* the upstream's range is the one that counts */
			if ((rc = partition_resolve_one(s, up, up_arg, now, scope, &p,
							first == NULL ? notes : NULL, &uerr)) < 0) {
				sl_err_set(err, "DAG %s needs DAG %s (%s:%d): a run of %s "
					   "waits for the partition of %s with its own key, "
					   "so its key must be one of %s's partitions: %s",
					   d->name, up->name, d->file, v[i].line, d->name,
					   up->name, up->name, uerr.msg);
				return rc;
			}
			if (first == NULL) {
				*out = p;
				first = up;
				first_line = v[i].line;
			} else if (strcmp(out->key, p.key) != 0)
				return sl_err_set(err, "DAG %s needs DAG %s (%s:%d) and DAG %s "
						  "(%s:%d), each by a run's own key, and '%s' names "
						  "%s of %s but %s of %s: no key is a partition of both",
						  d->name, first->name, d->file, first_line, up->name,
						  d->file, v[i].line, arg != NULL && arg[0] != '\0' ?
						  arg : "the latest complete partition",
						  out->key, first->name, p.key, up->name);
		}
	}
	if (first == NULL && (arg == NULL || arg[0] == '\0')) {
		char key[PARTITION_KEY_MAX];
		int rc = partition_key_unscheduled(s, bag, d, key, sizeof key, err);

		if (rc < 0)
			return -1;
		if (rc == 1) {
			partition_note(notes, "no partition given: the key of the newest "
				       "successful run of the DAG it needs, %s", key);
			return partition_resolve_one(s, d, key, now, scope, out, notes, err);
		}
	}
	if (first == NULL)
		return partition_resolve_one(s, d, arg, now, scope, out, notes, err);
	/* the key is first's; whether d has a run of it is d's */
	{
		struct partition p;

		out->exists = partition_run(s, d, out->key, &p);
		out->run_id = out->exists ? p.run_id : 0;
	}
	return 0;
}

struct task *
partition_task(const struct dag *d, const char *arg)
{
	struct task *t = dag_task(d, arg);

	return t != NULL ? t : dag_map_item_task(d, arg, NULL);
}

/* What follows "DAG D has no task 'ARG'": for a group's name, " (it is a
 * group; its tasks: a, b)"; " (did you mean 'load'?)" for a near name,
 * else the DAG's task names while they fit in out. */
static const char *
task_hint(const struct dag *d, const char *arg, char *out, size_t n)
{
	struct text_near near;
	size_t len = 0;

	for (int i = 0; i < d->ntasks && len < n; i++) {
		const char *g = d->tasks[i].group;

		if (g == NULL || strcmp(g, arg) != 0)
			continue;
		len += (size_t)snprintf(out + len, n - len, "%s%s",
					len == 0 ? " (it is a group; its tasks: " : ", ",
					d->tasks[i].name);
	}
	if (len > 0 && len + 2 < n) {
		snprintf(out + len, n - len, ")");
		return out;
	}
	text_near_init(&near, arg);
	for (int i = 0; i < d->ntasks; i++)
		text_near_add(&near, d->tasks[i].name);
	if (text_near_best(&near) != NULL) {
		snprintf(out, n, " (did you mean '%s'?)", text_near_best(&near));
		return out;
	}
	len = (size_t)snprintf(out, n, " (its tasks: ");
	for (int i = 0; i < d->ntasks && len < n; i++) {
		size_t w = strlen(d->tasks[i].name) + 2;

		/* room for this name, then ", ...)" */
		if (len + w + 7 >= n) {
			len += (size_t)snprintf(out + len, n - len, "...");
			break;
		}
		len += (size_t)snprintf(out + len, n - len, "%s%s", i > 0 ? ", " : "",
					d->tasks[i].name);
	}
	if (len < n)
		snprintf(out + len, n - len, ")");
	return out;
}

int
partition_task_check(struct store *s, const struct dag *d, const char *arg,
		     const char *partition, struct sl_err *err)
{
	struct task *t = dag_task(d, arg);
	int index, count;

	if (t != NULL)
		return 0;
	t = dag_map_item_task(d, arg, &index);
	if (t == NULL) {
		const struct task *base = dag_map_item_base(d, arg);

		if (base != NULL && base->mapped)
			return sl_err_set(err,
			    "'%s': an item of the mapped task %s is written %s[N], N a whole number from 0 (e.g. %s[0])",
			    arg, base->name, base->name, base->name);
		if (base != NULL)
			return sl_err_set(err,
			    "'%s': task %s is not a mapped task (no foreach:), so it has no items",
			    arg, base->name);
		{
			char hint[512];

			return sl_err_set(err, "DAG %s has no task '%s'%s", d->name, arg,
					  task_hint(d, arg, hint, sizeof hint));
		}
	}
	if (s == NULL || partition == NULL)
		return 0;
	count = store_map_count(s, d->name, t->name, partition);
	if (count == -1)
		return sl_err_set(err,
		    "DAG %s has no item %s in partition %s: %s has not been expanded there yet",
		    d->name, arg, partition, t->name);
	if (count >= 0 && index >= count)
		return sl_err_set(err,
		    "DAG %s has no item %s in partition %s: %s has %d item%s there (%s[0]..%s[%d])",
		    d->name, arg, partition, t->name, count, count == 1 ? "" : "s",
		    t->name, t->name, count > 0 ? count - 1 : 0);
	return 0;
}
