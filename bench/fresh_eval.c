/* fresh_eval: how long one freshness pass (sched_fresh_pass, the
 * scheduler's minute timer) takes over 100 DAGs with freshness: x 7 days
 * of hourly partitions (bench/freshness.sh runs it; target <= 10 ms).
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
 * every partition late; the first timed pass records the recoveries.
 * Prints that first pass and the median and max of PASSES (default 50)
 * steady passes after it, in ms. */
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

int
main(int argc, char **argv)
{
	int ndags = argc > 1 ? atoi(argv[1]) : 100;
	int passes = argc > 2 ? atoi(argv[2]) : 50;
	struct h_dag_file *files;
	char (*names)[32], (*yaml)[256];
	double *ms, t0, first;
	struct sl_err err;
	int64_t late = 0;

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

	t0 = ms_now();
	sched_fresh_pass(h_sched());
	first = ms_now() - t0;
	for (int p = 0; p < passes; p++) {
		t0 = ms_now();
		sched_fresh_pass(h_sched());
		ms[p] = ms_now() - t0;
	}
	if (store_fresh_open(h_store(), NULL, count_late, &late) < 0)
		fprintf(stderr, "fresh_eval: %s\n", store_errmsg(h_store()));
	qsort(ms, (size_t)passes, sizeof *ms, cmp_double);
	printf("%d DAGs x %d hourly partitions in the window, %lld late\n",
	       ndags, 7 * 24, (long long)late);
	printf("first pass (records %d x 165 recoveries): %.2f ms\n", ndags, first);
	printf("steady pass: median %.2f ms, max %.2f ms of %d (target <= 10 ms)\n",
	       ms[passes / 2], ms[passes - 1], passes);
	h_close();
	free(files);
	free(names);
	free(yaml);
	free(ms);
	return 0;
}
