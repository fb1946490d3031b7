/* api_dags.c: the DAGs as the API shows them (GET /dags, GET /dags/DAG). */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag_groups.h"
#include "scheduler/dag_map.h"
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

int
api_dag_tagged(const struct dag *d, const char *tag)
{
	if (tag == NULL || *tag == '\0')
		return 1;
	for (size_t i = 0; d->tags != NULL && d->tags[i] != NULL; i++)
		if (strcmp(d->tags[i], tag) == 0)
			return 1;
	return 0;
}

static json_t *
dag_summary_json(struct web *w, const struct dag *d)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:i}",
	    "dag", d->name, "file", d->file, "schedule", d->schedule_text,
	    "timezone", tz_name(d->tz), "paused", store_dag_paused(w->store, d->name,
							 w->cfg->dags_paused_at_creation),
	    "tasks", d->ntasks);
	json_t *runs;
	int missing;

	json_object_set_new(o, "description", d->description ?
			    json_string(d->description) : json_null());
	{
		/* a broken file keeps its last good version running; a gone
		 * one finishes its runs: both say why */
		const struct dagbag_entry *e =
		    dagbag_find_entry(web_dagbag(w), d->name);

		missing = e != NULL && e->missing;
		json_object_set_new(o, "loaded", json_true());
		json_object_set_new(o, "error", e != NULL && e->error != NULL ?
				    json_string(e->error) : json_null());
		if (e != NULL && e->errors != NULL)
			json_object_set(o, "errors", e->errors);
		json_object_set_new(o, "file_missing", json_boolean(missing));
	}
	/* a DAG whose file is gone creates no new runs: no next one */
	json_object_set_new(o, "next_partition",
			    missing ? json_null() : next_partition_json(w, d));
	{
		json_t *tags = json_array();

		for (size_t i = 0; d->tags != NULL && d->tags[i] != NULL; i++)
			json_array_append_new(tags, json_string(d->tags[i]));
		json_object_set_new(o, "tags", tags);
	}
	if ((runs = store_dag_last_runs_json(w->store, d->name, 10)) == NULL) {
		json_decref(o);
		return NULL;	/* a database error */
	}
	json_object_set_new(o, "last_runs", runs);
	return o;
}

/* Every DAG's summary, with the load errors; tag non-NULL lists only the
 * DAGs tagged with it (and no load errors: a file that failed to load has
 * no tags to match). */
json_t *
api_dags_list_json(struct web *w, const char *tag)
{
	const struct dagbag *bag = web_dagbag(w);
	json_t *dags = json_array(), *errors = json_array(), *unloaded, *o;
	size_t k;

	for (int i = 0; i < bag->n; i++) {
		const struct dagbag_entry *e = &bag->entries[i];

		if (tag != NULL && (e->dag == NULL || !api_dag_tagged(e->dag, tag)))
			continue;
		if (e->dag != NULL) {
			json_t *one = dag_summary_json(w, e->dag);

			if (one == NULL)
				goto fail;
			json_array_append_new(dags, one);
		}
		if (tag == NULL && (e->error != NULL || e->dag == NULL)) {
			o = json_pack("{s:s,s:s}", "file", e->file, "error",
				      e->error ? e->error : "not loaded");
			if (e->dag != NULL)
				json_object_set_new(o, "dag", json_string(e->dag->name));
			if (e->errors != NULL)
				json_object_set(o, "errors", e->errors);
			json_array_append_new(errors, o);
		}
	}
	/* DAGs the database knows whose file is broken (no version here) or
	 * gone: listed with their error and history */
	if ((unloaded = store_dags_unloaded_json(w->store, bag)) == NULL)
		goto fail;
	json_array_foreach(unloaded, k, o) {
		const char *name = json_string_value(json_object_get(o, "dag"));
		json_t *runs;

		if (tag != NULL)
			continue;	/* no version here: no tags to match */
		runs = store_dag_last_runs_json(w->store, name, 10);

		if (runs == NULL) {
			json_decref(unloaded);
			goto fail;
		}
		json_object_set_new(o, "loaded", json_false());
		json_object_set_new(o, "tasks", json_integer(0));
		json_object_set_new(o, "next_partition", json_null());
		json_object_set_new(o, "last_runs", runs);
		json_array_append(dags, o);
		if (json_is_true(json_object_get(o, "file_missing")))
			json_array_append_new(errors, json_pack("{s:O,s:O,s:O}",
			    "file", json_object_get(o, "file"), "error",
			    json_object_get(o, "error"), "dag",
			    json_object_get(o, "dag")));
	}
	json_decref(unloaded);
	/* the broken files whose DAG the database knows: name it */
	json_array_foreach(errors, k, o) {
		size_t j;
		json_t *d;

		if (json_object_get(o, "dag") != NULL)
			continue;
		json_array_foreach(dags, j, d)
			if (json_equal(json_object_get(d, "file"), json_object_get(o, "file")))
				json_object_set(o, "dag", json_object_get(d, "dag"));
	}
	return json_pack("{s:o,s:o}", "dags", dags, "errors", errors);
fail:
	json_decref(dags);
	json_decref(errors);
	return NULL;
}

/* Every DAG's summary: a few queries per DAG, so the body is kept until
 * the database or the folder changes (scripts and dashboards poll it).
 * ?tag=T lists only the DAGs tagged T (not cached). */
enum web_result
api_dags(struct web_req *r)
{
	const char *tag = web_query(r, "tag");
	json_t *body;
	char *text;

	if (tag != NULL && *tag == '\0')
		tag = NULL;
	if (tag != NULL && !api_key_ok(tag)) {
		web_error(r, 400, "tag must be 1-200 printable characters");
		return WEB_DONE;
	}
	if (tag == NULL && web_cached_reply(r, &r->w->dags_body, "application/json"))
		return WEB_DONE;
	if ((body = api_dags_list_json(r->w, tag)) == NULL)
		return api_db_failed(r);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		sl_fatal("out of memory");
	if (tag != NULL) {
		web_text(r, 200, "application/json", text, strlen(text));
		free(text);
	} else
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
		dag_groups_task_json(d, t, json_array_get(tasks, (size_t)i));
		dag_map_task_json(d, t, json_array_get(tasks, (size_t)i));
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
