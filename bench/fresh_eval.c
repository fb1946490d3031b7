/* fresh_eval: how long one freshness pass (sched_fresh_pass, the
 * scheduler's minute timer) takes over 100 DAGs with freshness: x 7 days
 * of hourly partitions (bench/freshness.sh runs it; target <= 10 ms per
 * pass, every pass).
 *
 *   fresh_eval [DAGS [PASSES]]
 *
 * In the deterministic harness (tests/sched_harness.c, fake clock at
 * 2024-01-10T00:30Z): DAGS hourly DAGs (default 100) with freshness: 45m
 * and start 2024-01-03T00:00Z; every partition from the start to
 * 2024-01-09T21:00 has a run, successful except every 24th (failed); the
 * 22:00 one has none. So each DAG has late partitions (the first pass
 * alerts them, with why) and 168 partitions in its look-back window.
 * The DAGs are paused (no run is made for them while timing); they are
 * evaluated as active ones are (freshness_when_paused: true). The
 * scheduler's own pass at its start, before the runs are written, finds
 * every partition late; the runs are then written in one transaction.
 * Prints, in ms:
 *   - the first pass after that mass of runs, and the passes that follow
 *     until every recovery is recorded (catch-up);
 *   - PASSES (default 120) steady passes on a still clock: median, max;
 *   - PASSES passes a minute apart on the clock (00:31 on: at 00:45 and
 *     01:45 every DAG has a new late partition): median, max;
 * each beside the target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "store/store.h"
#include "tests/sched_harness.h"

#define START_S INT64_C(1704240000)	/* 2024-01-03T00:00:00Z */
#define MISSING_S INT64_C(1704837600)	/* 2024-01-09T22:00:00Z */

static double
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
count_late(void *arg, const char *dag, const char *key, int64_t start_s,
	   const char *why)
{
	(void)dag;
	(void)key;
	(void)start_s;
	(void)why;
	(*(int64_t *)arg)++;
}

static void
paused_cfg(struct config *cfg)
{
	cfg->dags_paused_at_creation = 1;
}

/* Runs for every partition of d before MISSING_S. */
static int
seed(struct store *st, const struct dag *d, struct sl_err *err)
{
	int i = 0;

	for (int64_t t = START_S; t < MISSING_S; t += 3600, i++) {
		char key[64];
		int64_t id;
		enum run_state to = i % 24 == 23 ? RUN_FAILED : RUN_SUCCESS;

		dag_partition_key(d, t, key, sizeof key);
		if (store_run_create(st, d, key, t, t + 3600, "scheduled", NULL,
				     &id, err) < 0)
			return -1;
		if (store_run_set_state(st, id, RUN_QUEUED, RUN_RUNNING) < 0 ||
		    store_run_set_state(st, id, RUN_RUNNING, to) < 0)
			return sl_err_set(err, "%s", store_errmsg(st));
	}
	return 0;
}

/* How many alerts are open. */
static int64_t
open_alerts(void)
{
	int64_t late = 0;

	if (store_fresh_open(h_store(), NULL, count_late, &late) < 0)
		fprintf(stderr, "fresh_eval: %s\n", store_errmsg(h_store()));
	return late;
}

/* This thread's CPU time in ms. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU ms of the last timed pass (the wall time less the waits for a core
 * on a shared machine) */
static double last_cpu;

/* The most CPU ms of a timed pass since the last reset. */
static double max_cpu;

/* One timed pass, in ms (wall); *max: the longest so far. With
 * FRESH_EVAL_SHOW set, each pass over 5 ms is named on stderr. */
static double
timed_pass(double *max)
{
	double t0 = ms_now(), c0 = cpu_now(), t;

	sched_fresh_pass(h_sched());
	t = ms_now() - t0;
	last_cpu = cpu_now() - c0;
	if (last_cpu > max_cpu)
		max_cpu = last_cpu;
	if (max != NULL && t > *max)
		*max = t;
	if (t > 5 && getenv("FRESH_EVAL_SHOW") != NULL)
		fprintf(stdout, "  pass at %lld: %.2f ms (cpu %.2f ms)\n",
			(long long)(h_now() / 1000 % 86400), t, last_cpu);
	return t;
}

/* How many DAGs have a checked range (sched_fresh.c's memory). */
static int
checked_dags(void)
{
	int n = 0;

	for (struct dag_load_state *d = h_sched()->dstates; d != NULL; d = d->next)
		n += d->fresh_dag != NULL;
	return n;
}

/* Median and max of v[0..n) (wall) and c[0..n) (CPU) (sorts both)
 * beside the target. */
static void
report(const char *what, double *v, double *c, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	qsort(c, (size_t)n, sizeof *c, cmp_double);
	printf("%s: median %.2f ms, max %.2f ms of %d passes "
	       "(target <= 10 ms: median %.2f x, max %.2f x; CPU median "
	       "%.2f ms, max %.2f ms)\n", what, v[n / 2], v[n - 1], n,
	       v[n / 2] / 10.0, v[n - 1] / 10.0, c[n / 2], c[n - 1]);
}

int
main(int argc, char **argv)
{
	int ndags = argc > 1 ? atoi(argv[1]) : 100;
	int passes = argc > 2 ? atoi(argv[2]) : 120;
	struct h_dag_file *files;
	char (*names)[32], (*yaml)[256];
	double *ms, *cpu, first, max = 0;
	struct sl_err err;
	int64_t open0, late, was;
	int n = 0;

	/* started by the scheduler as a sender: send nothing */
	if (argc > 3 && strcmp(argv[3], "operator") == 0)
		return 0;
	if (ndags < 1 || passes < 1) {
		fprintf(stderr, "usage: fresh_eval [DAGS [PASSES]]\n");
		return 2;
	}
	unsetenv("TZ");
	files = calloc((size_t)ndags + 1, sizeof *files);
	names = calloc((size_t)ndags, sizeof *names);
	yaml = calloc((size_t)ndags, sizeof *yaml);
	ms = calloc((size_t)passes, sizeof *ms);
	cpu = calloc((size_t)passes, sizeof *cpu);
	for (int i = 0; i < ndags; i++) {
		snprintf(names[i], sizeof names[i], "f%03d.yaml", i);
		snprintf(yaml[i], sizeof yaml[i],
			 "dag: f%03d\nschedule: \"@hourly\"\n"
			 "start: 2024-01-03T00:00:00Z\nfreshness: 45m\n"
			 "tasks:\n  load: {command: \"true\"}\n"
			 "  publish: {command: \"true\", after: [load]}\n", i);
		files[i].name = names[i];
		files[i].yaml = yaml[i];
	}
	h_open(files, paused_cfg);
	/* the start's pass ran in h_open; the passes that follow until one
	 * alerts nothing more (what the start's pass left over) */
	for (int64_t w = -1, now = open_alerts(); now != w && n < 1000;
	     w = now, now = open_alerts(), n++)
		timed_pass(&max);
	open0 = open_alerts();
	printf("%d DAGs x %d hourly partitions in the window; %lld late at "
	       "the start, alerted by the start's pass and %d more (the "
	       "longest %.2f ms, %.2f x the target; CPU %.2f ms)\n", ndags,
	       7 * 24, (long long)open0, n - 1, max, max / 10.0, max_cpu);
	sl_err_clear(&err);
	if (store_begin(h_store()) < 0) {
		fprintf(stderr, "fresh_eval: %s\n", store_errmsg(h_store()));
		return 1;
	}
	for (int i = 0; i < ndags; i++) {
		char dag[16];

		snprintf(dag, sizeof dag, "f%03d", i);
		if (seed(h_store(), h_dag(dag), &err) < 0) {
			fprintf(stderr, "fresh_eval: %s\n", err.msg);
			return 1;
		}
	}
	if (store_commit(h_store()) < 0) {
		fprintf(stderr, "fresh_eval: %s\n", store_errmsg(h_store()));
		return 1;
	}
	h_poke_db();

	/* the first pass after the mass of runs, then what it left over */
	max = max_cpu = 0;
	first = timed_pass(&max);
	late = open_alerts();
	printf("first pass after the runs were written: %.2f ms "
	       "(%lld recoveries recorded; %.2f x the target)\n",
	       first, (long long)(open0 - late), first / 10.0);
	for (n = 0, was = -1; late != was && n < 1000; n++) {
		was = late;
		timed_pass(&max);
		late = open_alerts();
	}
	printf("then %d passes until every recovery was recorded (%lld), "
	       "max %.2f ms (%.2f x the target; CPU %.2f ms); %lld late\n",
	       n - 1, (long long)(open0 - late), max, max / 10.0, max_cpu,
	       (long long)late);

	/* as after a restart: nothing checked, every window read again */
	for (struct dag_load_state *d = h_sched()->dstates; d != NULL; d = d->next)
		d->fresh_dag = NULL;
	max = max_cpu = 0;
	first = timed_pass(&max);
	for (n = 0; checked_dags() < ndags && n < 1000; n++)
		timed_pass(&max);
	printf("first pass with nothing checked (as at a start): %.2f ms; "
	       "%d more passes until every DAG was checked, max %.2f ms "
	       "(%.2f x the target; CPU %.2f ms)\n", first, n, max, max / 10.0,
	       max_cpu);

	for (int p = 0; p < passes; p++) {
		ms[p] = timed_pass(NULL);
		cpu[p] = last_cpu;
	}
	report("steady pass, still clock", ms, cpu, passes);
	for (int p = 0; p < passes; p++) {
		h_wall_step(60 * 1000);
		ms[p] = timed_pass(NULL);
		cpu[p] = last_cpu;
	}
	printf("%lld late after %d minutes\n", (long long)open_alerts(), passes);
	report("steady pass, a minute apart", ms, cpu, passes);
	h_close();
	free(files);
	free(names);
	free(yaml);
	free(ms);
	free(cpu);
	return 0;
}
