/* api_dags.c: the DAGs as the API shows them (GET /dags, GET /dags/DAG). */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"
#include "scheduler/cron.h"
#include "scheduler/next_partition.h"
#include "scheduler/tz.h"
#include "store/store.h"

/* The next partition the scheduler will create (for a paused DAG: when
 * unpaused), or null; one rule with the scheduler and the CLI. */
static json_t *
next_partition_json(struct web *w, const struct dag *d)
{
	struct next_partition np;
	char key[96];

	if (!next_partition_of(w->store, d, sl_now_ms() / 1000, &np))
		return json_null();
	return json_string(dag_partition_key(d, np.start, key, sizeof key));
}

static json_t *
dag_summary_json(struct web *w, const struct dag *d)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:i}",
	    "dag", d->name, "file", d->file, "schedule", d->schedule_text,
	    "timezone", tz_name(d->tz), "paused", store_dag_paused(w->store, d->name),
	    "tasks", d->ntasks);
	json_t *runs;

	json_object_set_new(o, "description", d->description ?
			    json_string(d->description) : json_null());
	json_object_set_new(o, "next_partition", next_partition_json(w, d));
	if ((runs = store_dag_last_runs_json(w->store, d->name, 10)) == NULL) {
		json_decref(o);
		return NULL;	/* a database error */
	}
	json_object_set_new(o, "last_runs", runs);
	return o;
}

/* Every DAG's summary: a few queries per DAG, so the body is kept until
 * the database or the folder changes (scripts and dashboards poll it). */
enum web_result
api_dags(struct web_req *r)
{
	const struct dagbag *bag = web_dagbag(r->w);
	json_t *dags, *errors, *body;
	char *text;

	if (web_cached_reply(r, &r->w->dags_body, "application/json"))
		return WEB_DONE;
	dags = json_array();
	errors = json_array();

	for (int i = 0; i < bag->n; i++) {
		const struct dagbag_entry *e = &bag->entries[i];

		if (e->dag != NULL) {
			json_t *one = dag_summary_json(r->w, e->dag);

			if (one == NULL) {
				json_decref(dags);
				json_decref(errors);
				return api_db_failed(r);
			}
			json_array_append_new(dags, one);
		} else
			json_array_append_new(errors, json_pack("{s:s,s:s}", "file",
			    e->file, "error", e->error ? e->error : "not loaded"));
	}
	body = json_pack("{s:o,s:o}", "dags", dags, "errors", errors);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		sl_fatal("out of memory");
	web_cache_and_reply(r, &r->w->dags_body, "application/json", text, strlen(text));
	return WEB_DONE;
}

json_t *
api_dag_json(struct web *w, const struct dag *d)
{
	json_t *o = dag_summary_json(w, d), *tasks;

	if (o == NULL)
		return NULL;
	tasks = json_array();

	for (int i = 0; i < d->ntasks; i++) {
		const struct task *t = &d->tasks[i];
		json_t *after = json_array();

		for (int k = 0; k < t->nupstream; k++)
			json_array_append_new(after, json_string(d->tasks[t->upstream[k]].name));
		json_array_append_new(tasks, json_pack("{s:s,s:s,s:o,s:s,s:i,s:s,s:s}",
		    "name", t->name, "type", t->op->name, "after", after,
		    "trigger_rule", trigger_rule_name(t->trigger_rule),
		    "retries", t->retries, "pool", t->pool ? t->pool : "default",
		    "executor", t->executor ? t->executor : "local"));
		if (t->description != NULL)
			json_object_set_new(json_array_get(tasks, (size_t)i), "description",
					    json_string(t->description));
	}
	json_object_set_new(o, "task_list", tasks);
	json_object_set_new(o, "params", d->params ? dag_params_masked(d, d->params) : json_object());
	if (d->params == NULL)
		json_object_set_new(o, "params", json_object());
	json_object_set_new(o, "catchup", json_boolean(d->catchup));
	json_object_set_new(o, "max_active_runs", json_integer(d->max_active_runs));
	return o;
}


enum web_result
api_dag(struct web_req *r)
{
	json_t *o = api_dag_json(r->w, r->dag);

	if (o == NULL)
		return api_db_failed(r);
	web_json(r, 200, o);
	return WEB_DONE;
}
