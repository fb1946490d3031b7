/*
 * metrics.c: /metrics in the Prometheus text format (version 0.0.4):
 * runs and task instances by state, task durations as histograms (from
 * the store, so `sluice web` alone reports them too), and the scheduler's
 * loop lag and counters when it runs in this process.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/expected.h"
#include "scheduler/sched.h"
#include "store/store.h"

static const double duration_buckets[] = { 1, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600 };

/* A label value: backslash, double quote and newline escaped. */
static void
label(struct buf *b, const char *v)
{
	for (const char *p = v ? v : ""; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			buf_addc(b, '\\');
		if (*p == '\n') {
			buf_adds(b, "\\n");
			continue;
		}
		buf_addc(b, *p);
	}
}

struct metric_out {
	struct buf *b;
	const char *metric;
};

static void
by_state_cb(void *arg, const char *dag, const char *state, int64_t n)
{
	struct metric_out *m = arg;

	buf_printf(m->b, "%s{dag=\"", m->metric);
	label(m->b, dag);
	buf_adds(m->b, "\",state=\"");
	label(m->b, state);
	buf_printf(m->b, "\"} %lld\n", (long long)n);
}

static int
by_state(struct buf *b, struct store *s, int tis, const char *metric,
	 const char *help)
{
	struct metric_out m = { b, metric };

	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", metric, help, metric);
	return store_counts_by_state(s, tis, by_state_cb, &m);
}

static void
durations_cb(void *arg, const char *dag, int64_t count, int64_t sum_ms,
	     const int64_t *le)
{
	struct buf *b = arg;

	for (size_t i = 0; i < SL_ARRAY_LEN(duration_buckets); i++) {
		buf_adds(b, "sluice_task_duration_seconds_bucket{dag=\"");
		label(b, dag);
		buf_printf(b, "\",le=\"%g\"} %lld\n", duration_buckets[i],
			   (long long)le[i]);
	}
	buf_adds(b, "sluice_task_duration_seconds_bucket{dag=\"");
	label(b, dag);
	buf_printf(b, "\",le=\"+Inf\"} %lld\n", (long long)count);
	buf_adds(b, "sluice_task_duration_seconds_sum{dag=\"");
	label(b, dag);
	buf_printf(b, "\"} %.3f\n", (double)sum_ms / 1000.0);
	buf_adds(b, "sluice_task_duration_seconds_count{dag=\"");
	label(b, dag);
	buf_printf(b, "\"} %lld\n", (long long)count);
}

static int
durations(struct buf *b, struct store *s)
{
	int64_t bounds[SL_ARRAY_LEN(duration_buckets)];

	for (size_t i = 0; i < SL_ARRAY_LEN(duration_buckets); i++)
		bounds[i] = (int64_t)(duration_buckets[i] * 1000);
	buf_adds(b, "# HELP sluice_task_duration_seconds Duration of the tries that ended (each try: retries and re-runs included).\n"
		    "# TYPE sluice_task_duration_seconds histogram\n");
	return store_durations(s, bounds, (int)SL_ARRAY_LEN(bounds), durations_cb, b);
}

/* The open freshness alerts, counted as distinct partitions per DAG: a
 * partition late at the DAG's level and at its tasks' has a row for each
 * (store_fresh_open gives them ordered by DAG and partition start). */
struct late_count {
	json_t *counts;		/* {"dag": N} */
	char *dag;		/* the previous row's DAG and partition */
	int64_t start_s;
};

static void
late_cb(void *arg, const char *dag, const char *key, int64_t start_s,
	const char *why)
{
	struct late_count *lc = arg;

	(void)key;
	(void)why;
	if (lc->dag != NULL && strcmp(lc->dag, dag) == 0 &&
	    lc->start_s == start_s)
		return;		/* the same partition, another level */
	free(lc->dag);
	lc->dag = xstrdup(dag);
	lc->start_s = start_s;
	json_object_set_new(lc->counts, dag, json_integer(
	    json_integer_value(json_object_get(lc->counts, dag)) + 1));
}

/* Late partitions (freshness:, sched_fresh.c) not landed yet, per DAG
 * with a freshness (0 when none): each partition once, however many of
 * its levels (the DAG, its tasks) are late. */
static int
partitions_late(struct buf *b, struct store *s, const struct dagbag *bag)
{
	struct late_count lc = { json_object(), NULL, 0 };
	int rc = store_fresh_open(s, NULL, late_cb, &lc);

	free(lc.dag);
	if (rc < 0) {
		json_decref(lc.counts);
		return -1;
	}
	buf_adds(b, "# HELP sluice_partitions_late Partitions of the freshness look-back window past their DAG's or a task's freshness that have not landed (alerted, not recovered).\n"
		    "# TYPE sluice_partitions_late gauge\n");
	for (int i = 0; i < bag->n; i++) {
		const struct dag *d = bag->entries[i].dag;

		if (d == NULL || !expected_has_freshness(d))
			continue;
		buf_adds(b, "sluice_partitions_late{dag=\"");
		label(b, d->name);
		buf_printf(b, "\"} %lld\n",
			   (long long)json_integer_value(json_object_get(lc.counts, d->name)));
	}
	json_decref(lc.counts);
	return 0;
}

enum web_result
metrics_serve(struct web_req *r)
{
	struct buf b;
	const struct dagbag *bag = web_dagbag(r->w);
	int loaded = 0, broken = 0;

	buf_init(&b, 0);
	if (by_state(&b, r->w->store, 0, "sluice_dag_runs",
		     "Runs (partitions) by DAG and state.") < 0 ||
	    by_state(&b, r->w->store, 1, "sluice_task_instances",
		     "Task instances by DAG and state.") < 0 ||
	    durations(&b, r->w->store) < 0 ||
	    partitions_late(&b, r->w->store, bag) < 0) {
		buf_free(&b);
		return api_db_failed(r);
	}
	for (int i = 0; i < bag->n; i++) {
		/* a broken file running its last good version is in error;
		 * a gone file is no file */
		if (bag->entries[i].missing)
			continue;
		if (bag->entries[i].error == NULL)
			loaded++;
		else
			broken++;
	}
	buf_printf(&b, "# HELP sluice_dags DAG files by load result.\n# TYPE sluice_dags gauge\n"
		       "sluice_dags{result=\"loaded\"} %d\nsluice_dags{result=\"error\"} %d\n",
		   loaded, broken);
	if (r->w->sched != NULL) {
		json_t *m = json_object();

		sched_metrics(r->w->sched, m);
		buf_printf(&b,
		    "# HELP sluice_scheduler_loop_lag_seconds How late the scheduler's last tick ran.\n"
		    "# TYPE sluice_scheduler_loop_lag_seconds gauge\n"
		    "sluice_scheduler_loop_lag_seconds %.3f\n"
		    "# HELP sluice_running_tries Tries running now.\n"
		    "# TYPE sluice_running_tries gauge\nsluice_running_tries %lld\n"
		    "# HELP sluice_active_runs Runs the scheduler is working on.\n"
		    "# TYPE sluice_active_runs gauge\nsluice_active_runs %lld\n"
		    "# HELP sluice_ready_task_instances Task instances waiting for a slot.\n"
		    "# TYPE sluice_ready_task_instances gauge\nsluice_ready_task_instances %lld\n"
		    "# HELP sluice_tries_started_total Tries started since the scheduler started.\n"
		    "# TYPE sluice_tries_started_total counter\nsluice_tries_started_total %lld\n"
		    "# HELP sluice_tries_ended_total Tries ended since the scheduler started.\n"
		    "# TYPE sluice_tries_ended_total counter\nsluice_tries_ended_total %lld\n"
		    "# HELP sluice_web_requests_held_total Requests that waited their turn while tries ran (web.busy_max_rps).\n"
		    "# TYPE sluice_web_requests_held_total counter\nsluice_web_requests_held_total %lld\n",
		    (double)json_integer_value(json_object_get(m, "loop_lag_ms")) / 1000.0,
		    (long long)json_integer_value(json_object_get(m, "running_tries")),
		    (long long)json_integer_value(json_object_get(m, "active_runs")),
		    (long long)json_integer_value(json_object_get(m, "ready")),
		    (long long)json_integer_value(json_object_get(m, "tries_started")),
		    (long long)json_integer_value(json_object_get(m, "tries_ended")),
		    r->w->held_total);
		json_decref(m);
	}
	web_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf_str(&b), b.len);
	buf_free(&b);
	return WEB_DONE;
}
