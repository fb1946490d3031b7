/* api_runs.c: a DAG's runs (GET /dags/DAG/runs, GET /dags/DAG/runs/PARTITION). */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

enum web_result
api_runs_list(struct web_req *r)
{
	struct dag *d = r->dag;
	struct store_run_range range;
	int limit, offset;
	const char *state = web_query(r, "state");
	json_t *runs;

	if (api_range_args(r, d, &range) < 0 || api_page_args(r, 100, &limit, &offset) < 0)
		return WEB_DONE;
	if (state != NULL && run_state_parse(state) < 0) {
		web_error(r, 400, "state must be queued, running, success or failed");
		return WEB_DONE;
	}
	if ((runs = store_runs_range_json(r->w->store, d->name, &range, state,
					  limit, offset)) == NULL)
		return api_db_failed(r);
	mask_run_params(d, runs);
	web_json(r, 200, json_pack("{s:o,s:i,s:i}", "runs", runs, "limit", limit,
				   "offset", offset));
	return WEB_DONE;
}

enum web_result
api_run(struct web_req *r)
{
	struct dag *d = r->dag;
	const char *partition = r->arg.partition;
	json_t *run = store_run_json(r->w->store, d->name, partition), *tis;

	if (run == NULL && web_store_busy(r->w))
		return WEB_BUSY;
	if (run == NULL) {
		web_error(r, 404, "DAG %s has no run for partition %s", d->name, partition);
		return WEB_DONE;
	}
	if ((tis = store_tis_json(r->w->store, d->name, partition)) == NULL) {
		json_decref(run);
		return api_db_failed(r);
	}
	for (size_t i = 0; i < json_array_size(tis); i++) {
		json_t *ti = json_array_get(tis, i);

		json_object_set_new(ti, "output", mask_json(json_object_get(ti, "output")));
	}
	json_object_set_new(run, "task_instances", tis);
	mask_run_params(d, run);
	web_json(r, 200, run);
	return WEB_DONE;
}

/* DELETE /dags/DAG/runs/PARTITION: the run with its task instances and
 * their tries (log files stay), audited as delete_run with the run's
 * params (masked). A run with a task queued or running is refused (409):
 * mark or clear it first; so is one with a try still to be stopped (a
 * task cleared or marked while it ran, its try not yet ended by a
 * scheduler). The route resolved the partition (routes.c). */
enum web_result
api_run_delete(struct web_req *r)
{
	struct dag *d = r->dag;
	char who[160];
	struct sl_err err;
	int rc;

	sl_err_clear(&err);
	rc = store_run_delete(r->w->store, d, r->arg.partition, web_who(r, who, sizeof who), &err);
	if (rc < 0 && web_store_busy(r->w))
		return WEB_BUSY;
	if (rc < 0) {
		web_error(r, strstr(err.msg, "queued or running") ||
			     strstr(err.msg, "still to be stopped") ? 409 : 500, "%s", err.msg);
		return WEB_DONE;
	}
	if (rc == 0) {
		web_error(r, 404, "%s", err.msg);
		return WEB_DONE;
	}
	web_poke(r->w);
	web_json(r, 200, json_pack("{s:s,s:s,s:b}", "dag", d->name, "partition",
				   r->arg.partition, "deleted", 1));
	return WEB_DONE;
}
