/* needs_eval: how long the readiness of every waiting consumer partition
 * takes to evaluate, as the scheduler does it at its start (one
 * needs_eval_ti per waiting task instance: the interval mapping and one
 * read of the store) (bench/needs.sh).
 *
 *   needs_eval HOME CONSUMER_DAG TASK ROUNDS
 *
 * Loads HOME's DAG folder and database, evaluates TASK of every run of
 * CONSUMER_DAG, ROUNDS times; prints the runs evaluated, how many wait,
 * and the time of each round (ms), the first one cold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/needs_eval.h"
#include "store/store.h"

static double
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct config *cfg;
	struct dagbag bag;
	struct store *st;
	struct sl_err err;
	struct dag *d;
	const struct task *t;
	json_t *runs;
	char path[4096];
	int rounds;

	if (argc != 5) {
		fprintf(stderr, "usage: needs_eval HOME DAG TASK ROUNDS\n");
		return 2;
	}
	rounds = atoi(argv[4]);
	sl_err_clear(&err);
	snprintf(path, sizeof path, "%s/sluice.db", argv[1]);
	if (config_load(argv[1], &cfg, &err) < 0 ||
	    dagbag_load(cfg->dags_dir, cfg, NULL, &bag, &err) < 0 ||
	    store_open(path, &st, &err) < 0) {
		fprintf(stderr, "needs_eval: %s\n", err.msg);
		return 1;
	}
	if ((d = dagbag_find(&bag, argv[2])) == NULL ||
	    (t = dag_task(d, argv[3])) == NULL) {
		fprintf(stderr, "needs_eval: no %s.%s\n", argv[2], argv[3]);
		return 1;
	}
	runs = store_runs_json(st, d->name, INT64_MIN, INT64_MAX, NULL,
			       1000000, 0);
	for (int r = 0; r < rounds; r++) {
		size_t i, waiting = 0;
		json_t *o;
		double t0 = ms_now();

		json_array_foreach(runs, i, o) {
			char why[1024];
			int met = needs_eval_ti(st, &bag, d, t,
				json_string_value(json_object_get(o, "partition")),
				json_integer_value(json_object_get(o, "start_s")),
				json_integer_value(json_object_get(o, "end_s")),
				NULL, why, sizeof why, &err);

			if (met < 0) {
				fprintf(stderr, "needs_eval: %s\n", err.msg);
				return 1;
			}
			waiting += met == 0;
		}
		printf("round %d: %zu partitions evaluated, %zu waiting, %.1f ms\n",
		       r + 1, json_array_size(runs), waiting, ms_now() - t0);
	}
	json_decref(runs);
	store_close(st);
	dagbag_free(&bag);
	config_free(cfg);
	return 0;
}
