/* needs_eval.c: a task instance's needs against the store (see
 * needs_eval.h). */
#include "scheduler/needs_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag.h"
#include "scheduler/dag_needs.h"
#include "scheduler/needs.h"
#include "store/store.h"

struct eval_rows {
	const struct needs_range *r;
	const struct need *nd;
	const struct needs_eval_cb *cb;
	unsigned char *missing;	/* NEEDS_INTERVALS: per part */
	size_t found, ok;	/* other modes: rows seen, successful */
};

static void
eval_row(void *arg, const struct store_need_row *row)
{
	struct eval_rows *e = arg;
	const struct needs_range *r = e->r;

	if (r->mode == NEEDS_INTERVALS) {
		size_t lo = 0, hi = r->n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (r->parts[mid].start < row->start_s)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < r->n && r->parts[lo].start == row->start_s &&
		    row->success) {
			e->missing[lo] = 0;
			if (e->cb != NULL && e->cb->on_used != NULL)
				e->cb->on_used(e->cb->arg, e->nd, row);
		}
		return;
	}
	if (r->mode == NEEDS_INSIDE && row->end_s > r->hi)
		return;
	e->found++;
	e->ok += row->success != 0;
	if (row->success && e->cb != NULL && e->cb->on_used != NULL)
		e->cb->on_used(e->cb->arg, e->nd, row);
}

static void
why_add(char *why, size_t whyn, const char *text)
{
	size_t len = strlen(why);

	if (len < whyn)
		snprintf(why + len, whyn - len, "%s%s", len ? "; " : "", text);
}

/* Why the upstream up defines no partition overlapping [lo, hi). */
static void
none_in_interval(const struct dag *up, const char *what, int64_t lo,
		 int64_t hi, char *out, size_t n)
{
	char t[96];

	if (up->start != INT64_MIN && hi <= up->start)
		snprintf(out, n, "%s has no partition in this interval (it starts %s): "
			 "nothing to wait for", what, dag_partition_key(up, up->start, t, sizeof t));
	else if (up->end != INT64_MAX && lo >= up->end)
		snprintf(out, n, "%s has no partition in this interval (its end: is %s): "
			 "nothing to wait for", what, dag_partition_key(up, up->end, t, sizeof t));
	else
		snprintf(out, n, "%s has no partition in this interval: nothing to wait for",
			 what);
}

/* One need: 1 met, 0 not (why, on_wait), -1 error. */
static int
eval_need(struct store *st, const struct dagbag *bag, const struct dag *d,
	  const struct need *nd, const char *partition, int64_t start,
	  int64_t end, const struct needs_eval_cb *cb, char *why,
	  size_t whyn, struct sl_err *err)
{
	const char *upn = dag_needs_up_dag(nd), *upt = dag_needs_up_task(nd);
	const struct dag *up = upn ? dagbag_find(bag, upn) : NULL;
	struct needs_range r;
	struct eval_rows e;
	char what[512], text[2048];
	int rc = 0, met;

	if (up == NULL)
		return sl_err_set(err, "needs: %s '%s' is not loaded",
				  nd->dataset ? "dataset" : "DAG",
				  nd->dataset ? nd->dataset : nd->dag);
	if (upt != NULL)
		snprintf(what, sizeof what, "%s.%s", upn, upt);
	else
		snprintf(what, sizeof what, "%s", upn);
	if (needs_map(d, up, nd, start, end, &r, err) < 0)
		return -1;
	memset(&e, 0, sizeof e);
	e.r = &r;
	e.nd = nd;
	e.cb = cb;
	switch (r.mode) {
	case NEEDS_INTERVALS:
		if (r.n == 0) {
			/* the upstream defines none: met, and said so */
			none_in_interval(up, what, r.lo, r.hi, text, sizeof text);
			why_add(why, whyn, text);
			needs_range_free(&r);
			return 1;
		}
		e.missing = xmalloc(r.n);
		memset(e.missing, 1, r.n);
		rc = store_needs_range(st, upn, upt, r.parts[0].start,
				       r.parts[r.n - 1].start, eval_row, &e);
		met = 1;
		for (size_t i = 0; i < r.n; i++)
			if (e.missing[i])
				met = 0;
		if (rc == 0 && !met) {
			why_add(why, whyn, needs_describe(up, what, r.parts, r.n,
							  e.missing, text,
							  sizeof text));
			if (cb != NULL && cb->on_wait != NULL)
				cb->on_wait(cb->arg, upn, r.parts[0].start,
					    r.parts[r.n - 1].start);
		}
		free(e.missing);
		break;
	case NEEDS_SAME_KEY:
		rc = store_needs_key(st, upn, upt, partition, eval_row, &e);
		met = e.ok > 0;
		if (rc == 0 && !met) {
			char never[512];

			/* a key no partition of a scheduled upstream has
			 * waits for good: say so, and which key would do */
			if (!needs_key_possible(up, partition, start, never, sizeof never))
				snprintf(text, sizeof text, "%s: never met: %s (delete "
					 "this run and trigger %s with such a key)",
					 what, never, d->name);
			else
				snprintf(text, sizeof text,
					 "%s: partition %s has not succeeded", what,
					 partition);
			why_add(why, whyn, text);
		}
		break;
	case NEEDS_LATEST:
		rc = store_needs_latest(st, upn, upt, r.hi, eval_row, &e);
		met = e.ok > 0;
		if (rc == 0 && !met) {
			snprintf(text, sizeof text,
				 "%s: no partition has succeeded yet", what);
			why_add(why, whyn, text);
		}
		break;
	default:	/* NEEDS_INSIDE */
		rc = store_needs_range(st, upn, upt, r.lo, r.hi - 1, eval_row,
				       &e);
		met = e.found > 0 && e.ok == e.found;
		if (rc == 0 && !met) {
			if (e.found == 0)
				snprintf(text, sizeof text, "waits for a successful run of %s "
					 "in this interval; none yet", what);
			else
				snprintf(text, sizeof text,
					 "%s: %zu of %zu runs in this interval succeeded",
					 what, e.ok, e.found);
			why_add(why, whyn, text);
		}
		break;
	}
	if (rc == 0 && !met && r.mode != NEEDS_INTERVALS && cb != NULL &&
	    cb->on_wait != NULL)
		cb->on_wait(cb->arg, upn, INT64_MIN, INT64_MAX);
	needs_range_free(&r);
	if (rc < 0)
		return sl_err_set(err, "needs: cannot read the runs of %s", upn);
	return met;
}

int
needs_eval_ti(struct store *st, const struct dagbag *bag, const struct dag *d,
	      const struct task *t, const char *partition, int64_t start,
	      int64_t end, const struct needs_eval_cb *cb, char *why,
	      size_t whyn, struct sl_err *err)
{
	int all = 1;

	if (whyn > 0)
		why[0] = '\0';
	for (int i = 0; i < d->nneeds + t->nneeds; i++) {
		int r = eval_need(st, bag, d, dag_needs_of(d, t, i), partition,
				  start, end, cb, why, whyn, err);

		if (r < 0)
			return -1;
		if (r == 0)
			all = 0;
	}
	return all;
}

int
needs_eval_interval_open(const struct dag *d, const struct task *t,
			 int by_hand, int64_t end_s, int64_t now_s)
{
	return by_hand && d->schedule != NULL && d->nneeds + t->nneeds > 0 &&
	       end_s > now_s;
}

int
needs_eval_by_hand(const char *run_type)
{
	return run_type != NULL && strcmp(run_type, "scheduled") != 0;
}
