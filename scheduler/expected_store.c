/* expected_store.c: a DAG's partition map from the store (see
 * expected_store.h). */
#include "scheduler/expected_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/partition.h"
#include "store/store.h"

int
expected_store_load(struct store *s, const struct dag *d, const char *from,
		    const char *to, int64_t now, size_t max,
		    struct expected_store_map *out, struct sl_err *err)
{
	return expected_store_load_task(s, d, NULL, from, to, now, max, out,
					err);
}

/* When [*lo, hi] holds more than max partitions, *lo becomes the start
 * of the oldest of the newest max: 1 then, else 0. At most max + 1 steps
 * back from hi (a year of an hourly DAG is 8,784; of a minutely one,
 * 527,040, more than any map holds). */
static int
expected_store_newest(const struct dag *d, size_t max, int64_t *lo, int64_t hi)
{
	int64_t t = cron_prev(d->schedule, d->tz, hi);
	size_t k = 1;

	if (max == 0)
		return 0;
	/* t: the k-th newest partition's start */
	while (k < max && t >= 0 && t > *lo) {
		t = cron_prev(d->schedule, d->tz, t - 1);
		k++;
	}
	if (k < max || t < 0 || t <= *lo ||
	    cron_prev(d->schedule, d->tz, t - 1) < *lo)
		return 0;
	*lo = t;
	return 1;
}

/* [lo, hi] of a map request: from/to as a person types them, or the
 * default span back from now (from the DAG's end:, once that has passed),
 * at most its newest max partitions (*cut = 1 when it held more). */
static int
expected_store_bounds(struct store *s, const struct dag *d, const char *from,
		      const char *to, int64_t now, size_t max, int64_t *lo,
		      int64_t *hi, int *cut, struct partition_notes *notes,
		      struct sl_err *err)
{
	*cut = 0;
	*lo = INT64_MIN;
	*hi = now;
	if (d->schedule == NULL)
		return sl_err_set(err, "DAG %s has no schedule: it has no "
				  "expected partitions (see its runs instead)",
				  d->name);
	if (from != NULL && *from == '\0')
		from = NULL;
	if (to != NULL && *to == '\0')
		to = NULL;
	if (partition_resolve_bounds(s, d, from, to, lo, hi, notes, err) < 0)
		return -1;
	/* a DAG whose end: has passed: its last partitions, not an empty
	 * span after them */
	if (to == NULL && d->end != INT64_MAX && d->end <= *hi)
		*hi = d->end - 1;
	if (from == NULL) {
		*lo = *hi - EXPECTED_STORE_DEFAULT_SPAN;
		if (d->start != INT64_MIN && d->start > *lo)
			*lo = d->start;
		if (*lo > *hi)
			*lo = *hi;
		/* a DAG that runs every few minutes has more partitions in
		 * that span than a map holds: its newest, not an error no
		 * range but one named could avoid */
		*cut = expected_store_newest(d, max, lo, *hi);
	}
	return 0;
}

int
expected_store_load_task(struct store *s, const struct dag *d,
			 const char *task, const char *from, const char *to,
			 int64_t now, size_t max,
			 struct expected_store_map *out, struct sl_err *err)
{
	struct partition_notes notes;
	int64_t lo, hi;
	int cut;

	memset(out, 0, sizeof *out);
	if (from != NULL && *from == '\0')
		from = NULL;
	if (to != NULL && *to == '\0')
		to = NULL;
	partition_notes_init(&notes);
	if (expected_store_bounds(s, d, from, to, now, max, &lo, &hi, &cut, &notes,
				  err) < 0)
		return -1;
	if (expected_store_range_task(s, d, task, lo, hi, now, max, out,
				      err) < 0)
		return -1;
	/* a range asked past start: or end: is cut to them: say so, as a
	 * backfill of it would */
	out->notes = notes;
	partition_range_cut_notes(d, out->from_s, out->to_s, &out->notes);
	if (cut && out->n > 0) {
		char key[PARTITION_KEY_MAX];

		partition_note(&out->notes, "the map shows the newest %zu "
			       "partitions of DAG %s, from %s; name a from to "
			       "see earlier ones", out->n, d->name,
			       expected_store_key(d, out, 0, key, sizeof key));
	}
	if (out->n == 0 && (from != NULL || to != NULL)) {
		/* a range a person named that holds nothing is a mistake
		 * (before the start, past the end, after now, between two
		 * ticks), as in runs, clear and backfill: not an empty map;
		 * outside start..end says where they are */
		struct buf why;

		expected_store_free(out);
		buf_init(&why, 0);
		/* the range as named, before the map's defaults */
		lo = INT64_MIN;
		hi = now;
		if (partition_resolve_bounds(s, d, from, to, &lo, &hi, NULL, NULL) == 0 &&
		    partition_range_outside(d, from != NULL ? from : "the first",
					    to != NULL ? to : "now", lo, hi, &why))
			sl_err_set(err, "no partition of DAG %s: %s", d->name,
				   buf_str(&why));
		else
			partition_range_none(s, d, from != NULL ? from : "the first",
					     to != NULL ? to : "now",
					     from != NULL ? lo : hi,
					     PARTITION_SCHEDULE, err);
		buf_free(&why);
		return -1;
	}
	return 0;
}

int
expected_store_range(struct store *s, const struct dag *d, int64_t lo,
		     int64_t hi, int64_t now, size_t max,
		     struct expected_store_map *out, struct sl_err *err)
{
	return expected_store_range_task(s, d, NULL, lo, hi, now, max, out,
					 err);
}

int
expected_store_range_task(struct store *s, const struct dag *d,
			  const char *task, int64_t lo, int64_t hi,
			  int64_t now, size_t max,
			  struct expected_store_map *out, struct sl_err *err)
{
	struct expected_run *runs;
	struct store_dag_row row;
	int64_t late_from;
	int rc;

	memset(out, 0, sizeof *out);
	if (d->schedule == NULL)
		return sl_err_set(err, "DAG %s has no schedule: it has no "
				  "expected partitions (see its runs instead)",
				  d->name);
	rc = store_dag_get(s, d->name, &row);
	if (rc < 0)
		return sl_err_set(err, "database: %s", store_errmsg(s));
	late_from = expected_late_from(d, rc == 1 ? row.first_seen_ms / 1000 : 0);
	out->from_s = lo;
	out->to_s = hi;
	if ((task != NULL ? store_map_task_runs(s, d->name, task, lo, hi, &out->runs,
						&out->nruns) :
	     store_map_runs(s, d->name, lo, hi, &out->runs, &out->nruns)) < 0)
		return sl_err_set(err, "database: %s", store_errmsg(s));
	runs = xcalloc(out->nruns + 1, sizeof *runs);
	for (size_t i = 0; i < out->nruns; i++) {
		runs[i].start_s = out->runs[i].start_s;
		runs[i].state = out->runs[i].state;
		runs[i].active = out->runs[i].active;
		runs[i].failed = out->runs[i].failed;
		runs[i].stale = out->runs[i].stale;
	}
	rc = expected_map_task(d, task != NULL ? dag_task(d, task) : NULL, lo,
			       hi, now, late_from, runs, out->nruns, max, &out->v,
			       &out->n, err);
	free(runs);
	if (rc < 0) {
		expected_store_free(out);
		return -1;
	}
	for (size_t i = 0; i < out->n; i++)
		out->counts[out->v[i].state]++;
	return 0;
}

void
expected_store_free(struct expected_store_map *m)
{
	free(m->v);
	store_map_runs_free(m->runs, m->nruns);
	memset(m, 0, sizeof *m);
}

const char *
expected_store_key(const struct dag *d, const struct expected_store_map *m,
		   size_t i, char *buf, size_t n)
{
	const struct expected_partition *p = &m->v[i];

	if (p->run >= 0) {
		snprintf(buf, n, "%s", m->runs[p->run].partition);
		return buf;
	}
	return dag_partition_key(d, p->start_s, buf, n);
}
