/*
 * partition.c: the one reading of a partition argument (rules in
 * partition.h). Used by the CLI verbs and written so the web API can call
 * it too: it needs the store, the DAG, the argument and "now", nothing of
 * the process.
 */
#include "scheduler/partition.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/dag_map.h"
#include "scheduler/tz.h"
#include "store/store.h"

#define PARTITION_DAY INT64_C(86400)
/* How many keys an error lists. */
#define PARTITION_NEAREST 5
/* At most this many runs per resolved range (more is a mistake). */
#define PARTITION_RUNS_MAX 100000

void
partition_set_free(struct partition_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

static void
partition_add(struct partition_set *set, const char *key, int64_t start,
	      int64_t end, int exists)
{
	struct partition *p;

	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	p = &set->v[set->n++];
	snprintf(p->key, sizeof p->key, "%s", key);
	p->start_s = start;
	p->end_s = end;
	p->exists = exists;
}

static int
partition_cmp(const void *a, const void *b)
{
	const struct partition *x = a, *y = b;

	if (x->start_s != y->start_s)
		return x->start_s < y->start_s ? -1 : 1;
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
				  "1 to %d letters, digits and . _ : + -",
				  key, PARTITION_NEW_KEY_MAX);
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
	json_decref(run);
	return 1;
}

/* The runs with a start in [lo, hi], added to set. */
static void
partition_runs_between(struct store *s, const struct dag *d, int64_t lo,
		       int64_t hi, struct partition_set *set)
{
	json_t *runs, *r;
	size_t i;

	if (s == NULL)
		return;
	runs = store_runs_json(s, d->name, lo, hi, NULL, PARTITION_RUNS_MAX, 0);
	json_array_foreach(runs, i, r)
		partition_add(set, json_string_value(json_object_get(r, "partition")),
			      json_integer_value(json_object_get(r, "start_s")),
			      json_integer_value(json_object_get(r, "end_s")), 1);
	json_decref(runs);
}

/* The scheduled partitions starting in [lo, hi], added to set with
 * whether a run of each exists. */
static void
partition_ticks_between(struct store *s, const struct dag *d, int64_t lo,
			int64_t hi, struct partition_set *set)
{
	int64_t t;
	size_t n = 0;

	for (t = cron_next(d->schedule, d->tz, lo - 1);
	     t >= 0 && t <= hi && n < PARTITION_RUNS_MAX;
	     t = cron_next(d->schedule, d->tz, t), n++) {
		struct partition p;
		char key[PARTITION_KEY_MAX];
		int64_t end = cron_next(d->schedule, d->tz, t);

		if (end < 0)
			break;
		dag_partition_key(d, t, key, sizeof key);
		partition_add(set, key, t, end, partition_run(s, d, key, &p));
	}
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
	if (scope == PARTITION_SCHEDULE && d->schedule != NULL) {
		int64_t ticks[PARTITION_NEAREST], x = cron_prev(d->schedule, d->tz, t);
		int k = 0;

		/* two before t, then those after */
		if (x >= 0) {
			int64_t y = cron_prev(d->schedule, d->tz, x - 1);

			if (y >= 0)
				ticks[k++] = y;
			ticks[k++] = x;
		}
		for (x = cron_next(d->schedule, d->tz, t);
		     x >= 0 && k < PARTITION_NEAREST - 1;
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

	partition_nearest(s, d, partition_about(d, arg, now), scope, near,
			  sizeof near);
	if (scope == PARTITION_RUNS)
		return sl_err_set(err, "DAG %s has no run for partition '%s'%s",
				  d->name, arg, near);
	return sl_err_set(err, "no partition of DAG %s matches '%s'%s", d->name,
			  arg, near);
}

int
partition_resolve(struct store *s, const struct dag *d, const char *arg,
		  int64_t now, enum partition_scope scope,
		  struct partition_set *out, struct sl_err *err)
{
	struct partition p;
	struct sl_err terr;
	int64_t t, d0, d1;

	out->v = NULL;
	out->n = 0;
	if (arg == NULL || arg[0] == '\0')
		return sl_err_set(err, "which partition of DAG %s?", d->name);
	/* an exact key wins over any reading of it as a time */
	if (partition_run(s, d, arg, &p)) {
		partition_add(out, p.key, p.start_s, p.end_s, 1);
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
	} else if (tz_parse_time(d->tz, arg, &t, &terr) == 0) {
		int64_t start, end;

		if (d->schedule != NULL && dag_interval_at(d, t, &start, &end) == 0) {
			char key[PARTITION_KEY_MAX];

			dag_partition_key(d, start, key, sizeof key);
			if (partition_run(s, d, key, &p))
				partition_add(out, p.key, p.start_s, p.end_s, 1);
			else if (scope == PARTITION_SCHEDULE)
				partition_add(out, key, start, end, 0);
		} else if (d->schedule == NULL) {
			char key[PARTITION_KEY_MAX];

			/* an unscheduled run holds the instant it was made for */
			if (scope == PARTITION_RUNS) {
				partition_runs_between(s, d, t, t, out);
			} else {
				tz_iso(d->tz, t, key, sizeof key);
				if (partition_run(s, d, key, &p))
					partition_add(out, key, p.start_s, p.end_s, 1);
				else
					partition_add(out, key, t, t, 0);
			}
		}
	} else if (d->schedule == NULL && scope == PARTITION_SCHEDULE) {
		if (partition_key_ok(arg, err) < 0)
			return -1;
		partition_add(out, arg, now, now, 0);
	} else if (d->schedule != NULL) {
		char near[1024];

		/* neither a key nor a time: say why it is not a time, or a
		 * mistyped time (.000, a blank) reads as a missing run */
		partition_nearest(s, d, now, scope, near, sizeof near);
		return sl_err_set(err, "'%s' is neither a partition of DAG %s "
				  "nor a time: %s%s", arg, d->name, terr.msg, near);
	}
	if (out->n == 0)
		return partition_none(s, d, arg, now, scope, err);
	qsort(out->v, out->n, sizeof *out->v, partition_cmp);
	return 0;
}

int
partition_resolve_one(struct store *s, const struct dag *d, const char *arg,
		      int64_t now, enum partition_scope scope,
		      struct partition *out, struct sl_err *err)
{
	struct partition_set set;
	struct buf b;
	size_t i;

	memset(out, 0, sizeof *out);
	if ((arg == NULL || arg[0] == '\0') && scope == PARTITION_SCHEDULE) {
		if (d->schedule != NULL) {
			/* a DAG past its end: its last partition, not one
			 * after the end */
			int64_t p1 = cron_prev(d->schedule, d->tz,
					       now < d->end ? now : d->end), p0;

			if (p1 == -1 ||
			    (p0 = cron_prev(d->schedule, d->tz, p1 - 1)) == -1)
				return sl_err_set(err, "DAG %s has no complete partition yet",
						  d->name);
			dag_partition_key(d, p0, out->key, sizeof out->key);
			out->start_s = p0;
			out->end_s = p1;
		} else {
			tz_iso(d->tz, now, out->key, sizeof out->key);
			out->start_s = out->end_s = now;
		}
		if (s != NULL) {
			struct partition p;

			out->exists = partition_run(s, d, out->key, &p);
		}
		return 0;
	}
	if (partition_resolve(s, d, arg, now, scope, &set, err) < 0)
		return -1;
	if (set.n == 1) {
		*out = set.v[0];
		partition_set_free(&set);
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

/* The lowest (upper = 0) or highest (upper = 1) partition start that arg
 * can name, for a range bound. */
static int
partition_bound(struct store *s, const struct dag *d, const char *arg,
		int upper, int64_t *out, struct sl_err *err)
{
	struct partition p;
	struct sl_err terr;
	int64_t t, d0, d1, start, end;

	if (partition_run(s, d, arg, &p)) {
		*out = p.start_s;
		return 0;
	}
	if (partition_is_date(arg)) {
		if (partition_day(d, arg, &d0, &d1, err) < 0)
			return -1;
		*out = upper ? d1 - 1 : d0;
		return 0;
	}
	sl_err_clear(&terr);
	if (tz_parse_time(d->tz, arg, &t, &terr) < 0)
		return sl_err_set(err, "'%s' is neither a partition of DAG %s nor "
				  "a time: %s", arg, d->name, terr.msg);
	if (d->schedule != NULL && dag_interval_at(d, t, &start, &end) == 0)
		t = start;
	*out = t;
	return 0;
}

int
partition_resolve_bounds(struct store *s, const struct dag *d,
			 const char *from, const char *to, int64_t *lo,
			 int64_t *hi, struct sl_err *err)
{
	if ((from != NULL && partition_bound(s, d, from, 0, lo, err) < 0) ||
	    (to != NULL && partition_bound(s, d, to, 1, hi, err) < 0))
		return -1;
	if (from != NULL && to != NULL && *hi < *lo)
		return sl_err_set(err, "to %s is before from %s", to, from);
	return 0;
}

int
partition_resolve_range(struct store *s, const struct dag *d,
			const char *from, const char *to, int64_t now,
			enum partition_scope scope, struct partition_set *out,
			struct sl_err *err)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	char near[1024];

	out->v = NULL;
	out->n = 0;
	if (scope == PARTITION_SCHEDULE && (from == NULL || to == NULL))
		return sl_err_set(err, "a range needs a start (from) and an end (to)");
	if (scope == PARTITION_SCHEDULE && d->schedule == NULL)
		return sl_err_set(err, "DAG %s has no schedule: name its "
				  "partitions one by one", d->name);
	if ((from != NULL && partition_bound(s, d, from, 0, &lo, err) < 0) ||
	    (to != NULL && partition_bound(s, d, to, 1, &hi, err) < 0))
		return -1;
	if (hi < lo)
		return sl_err_set(err, "the range ends (to %s) before it starts (from %s)", to, from);
	if (scope == PARTITION_RUNS)
		partition_runs_between(s, d, lo, hi, out);
	else
		partition_ticks_between(s, d, lo, hi, out);
	if (out->n == 0) {
		partition_nearest(s, d, from != NULL ? lo : hi, scope, near,
				  sizeof near);
		return sl_err_set(err, "no %s of DAG %s from %s to %s%s",
				  scope == PARTITION_RUNS ? "run" : "partition",
				  d->name, from != NULL ? from : "the first",
				  to != NULL ? to : "the last", near);
	}
	qsort(out->v, out->n, sizeof *out->v, partition_cmp);
	return 0;
}

struct task *
partition_task(const struct dag *d, const char *arg)
{
	struct task *t = dag_task(d, arg);

	return t != NULL ? t : dag_map_item_task(d, arg, NULL);
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
		const char *open = strchr(arg, '[');
		char name[256];

		if (open != NULL && (size_t)(open - arg) < sizeof name) {
			memcpy(name, arg, (size_t)(open - arg));
			name[open - arg] = '\0';
			if (dag_task(d, name) != NULL)
				return sl_err_set(err,
				    "'%s': task %s is not a mapped task (no foreach:), so it has no items",
				    arg, name);
		}
		return sl_err_set(err, "DAG %s has no task '%s'", d->name, arg);
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
