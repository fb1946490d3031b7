/* api_actions.c: person actions: pause, trigger, clear, mark (each audited; all need the operator role, see routes.c; backfills: api_backfills.c). */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/config.h"
#include "scheduler/partition.h"
#include "store/store.h"

/* the fields a trigger takes (API.md) */
static const char *const trigger_fields[] = {
	"partition", "params", "allow_outside_range", NULL
};
/* a clear's */
static const char *const clear_fields[] = {
	"tasks", "partitions", "from", "to", "downstream", "upstream",
	"only_failed", "dry_run", "params", NULL
};
/* a mark's: partitions by name only, as the CLI's mark (from/to were
 * listed, then refused or ignored) */
static const char *const mark_fields[] = {
	"tasks", "partitions", "state", "clear_downstream", "dry_run", NULL
};

#define MAX_SELECTION 20000	/* task instances one clear or mark may name */

static enum web_result
pause_set(struct web_req *r, int paused)
{
	struct dag *d = r->dag;
	char who[160];
	struct sl_err err;
	int ok;
	enum web_result res;

	if ((res = api_begin(r, &ok)) != WEB_DONE || !ok)
		return res;
	sl_err_clear(&err);
	if (store_dag_set_paused(r->w->store, d->name, paused, web_who(r, who, sizeof who), &err) < 0) {
		store_rollback(r->w->store);
		web_error(r, 500, "%s", err.msg);
		return WEB_DONE;
	}
	if ((res = api_commit(r, &ok)) != WEB_DONE || !ok)
		return res;
	web_poke(r->w);
	web_json(r, 200, json_pack("{s:s,s:b}", "dag", d->name, "paused", paused));
	return WEB_DONE;
}


enum web_result
api_pause(struct web_req *r)
{
	return pause_set(r, 1);
}

enum web_result
api_unpause(struct web_req *r)
{
	return pause_set(r, 0);
}

/* Check params against the DAG's declarations (dag_params_check). */
static int
params_ok(struct web_req *r, const struct dag *d, json_t *params)
{
	struct sl_err err;
	json_t *checked;

	sl_err_clear(&err);
	if ((checked = dag_params_check(d, params, &err)) == NULL)
		return web_error(r, 400, "%s", err.msg);
	json_decref(checked);
	return 0;
}

enum web_result
api_trigger(struct web_req *r)
{
	struct dag *d = r->dag;
	json_t *body, *params, *pj;
	const char *partition;
	struct partition p;
	struct partition_notes notes;
	int64_t run_id = 0;
	char who[160];
	const char *key = p.key;
	struct sl_err err;
	int ok, outside_ok;
	enum web_result res;

	if ((body = web_body_json(r, trigger_fields)) == NULL)
		return WEB_DONE;
	pj = json_object_get(body, "partition");
	partition = json_string_value(pj);
	params = json_object_get(body, "params");
	if (pj != NULL && !json_is_null(pj) && (partition == NULL || !api_key_ok(partition))) {
		json_decref(body);
		web_error(r, 400, "partition must be a string of 1-200 printable characters");
		return WEB_DONE;
	}
	if (params_ok(r, d, params) < 0 ||
	    (outside_ok = api_body_bool(r, body, "allow_outside_range")) < 0) {
		json_decref(body);
		return WEB_DONE;
	}
	/* the CLI's rules: a tick of the schedule in the DAG's start..end,
	 * or a safe new key (one its needs can meet) */
	partition_notes_init(&notes);
	if (api_partition_trigger(r, d, partition, outside_ok, &p, &notes) < 0) {
		json_decref(body);
		return WEB_DONE;
	}
	if (p.exists) {
		json_decref(body);
		web_error(r, 409, "DAG %s already has a run for partition %s (clear it to run it again)%s",
			  d->name, p.key,
			  d->schedule == NULL && p.start_s == p.end_s &&
			  (partition == NULL || *partition == '\0') ?
			  "; without a partition the key is the current second: "
			  "\"partition\" names a new one" : "");
		return WEB_DONE;
	}
	sl_err_clear(&err);
	if ((res = api_begin(r, &ok)) != WEB_DONE || !ok) {
		json_decref(body);
		return res;
	}
	if (store_run_create(r->w->store, d, key, p.start_s, p.end_s, "manual",
			     json_is_object(params) ? params : NULL, &run_id, &err) < 0) {
		store_rollback(r->w->store);
		json_decref(body);
		web_error(r, strstr(err.msg, "already has a run") ? 409 : 500, "%s", err.msg);
		return WEB_DONE;
	}
	{
		json_t *detail = json_pack("{s:s}", "partition", key);

		if (json_is_object(params) && json_object_size(params) > 0)
			json_object_set_new(detail, "params", dag_params_masked(d, params));
		if (outside_ok)
			json_object_set_new(detail, "allow_outside_range", json_true());
		store_audit(r->w->store, web_who(r, who, sizeof who), "trigger", d->name, detail);
		json_decref(detail);
	}
	json_decref(body);
	if ((res = api_commit(r, &ok)) != WEB_DONE || !ok)
		return res;
	web_poke(r->w);
	{
		json_t *run = store_run_json(r->w->store, d->name, key);

		if (run != NULL)
			mask_run_params(d, run);
		else
			run = json_pack("{s:s,s:s}", "dag", d->name, "partition", key);
		/* how an ambiguous local time was read, a partition outside
		 * the DAG's range run on request, a paused DAG (as sluice
		 * trigger says it) */
		if (store_dag_paused(r->w->store, d->name,
				     r->w->cfg->dags_paused_at_creation) > 0)
			partition_note(&notes, "DAG %s is paused: its runs start once it is unpaused",
				       d->name);
		json_object_set_new(run, "notes", partition_notes_json(&notes));
		web_json(r, 201, run);
	}
	return WEB_DONE;
}

/* A JSON array of strings → NULL-terminated vector; -1 after 400. */
static int
string_list(struct web_req *r, json_t *v, const char *what, char ***out)
{
	size_t i;
	json_t *e;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > MAX_SELECTION)
		return web_error(r, 400, "%s must be an array of at most %d strings", what, MAX_SELECTION);
	*out = xcalloc(json_array_size(v) + 1, sizeof **out);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || !api_key_ok(json_string_value(e))) {
			strv_free(*out);
			*out = NULL;
			return web_error(r, 400, "%s must be an array of non-empty strings", what);
		}
		(*out)[i] = xstrdup(json_string_value(e));
	}
	return 0;
}

/* The runs a clear or mark names: "partitions": [...] (each resolved by
 * the CLI's rules; a date may name several) or, when allow_range,
 * "from"/"to" (inclusive). Without duplicates, by start; what the
 * resolver noted (a local time read one way) into notes. -1 after 400. */
static int
named_runs(struct web_req *r, const struct dag *d, json_t *body,
	   int allow_range, struct partition_set *out,
	   struct partition_notes *notes)
{
	char **parts = NULL;
	const char *f, *t;

	out->v = NULL;
	out->n = 0;
	if (api_body_string(r, body, "from", &f) < 0 ||
	    api_body_string(r, body, "to", &t) < 0)
		return -1;
	if (string_list(r, json_object_get(body, "partitions"), "partitions", &parts) < 0)
		return -1;
	/* both: refused, as the CLI's clear refuses them (the range was
	 * ignored) */
	if (parts != NULL && parts[0] != NULL && (f != NULL || t != NULL)) {
		strv_free(parts);
		return web_error(r, 400, "name the partitions by \"partitions\": [...] "
				 "or by \"from\" and \"to\", not both");
	}
	if (parts == NULL || parts[0] == NULL) {
		strv_free(parts);
		if (!allow_range || f == NULL || t == NULL)
			return web_error(r, 400, allow_range ?
					 "name the partitions: \"partitions\": [...] or \"from\" and \"to\"" :
					 "name the partitions: \"partitions\": [...]");
		return api_partition_range(r, d, f, t, out, notes);
	}
	for (size_t i = 0; parts[i] != NULL; i++) {
		struct partition_set set;

		if (api_partitions(r, d, parts[i], PARTITION_RUNS, &set, notes) < 0) {
			strv_free(parts);
			partition_set_free(out);
			return -1;
		}
		for (size_t k = 0; k < set.n; k++) {
			size_t j;

			for (j = 0; j < out->n && strcmp(out->v[j].key, set.v[k].key) != 0; j++)
				;
			if (j < out->n)
				continue;
			out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
			out->v[out->n++] = set.v[k];
		}
		partition_set_free(&set);
	}
	strv_free(parts);
	return 0;
}

/* The consumer partitions in other DAGs (needs:) that re-run once the
 * cleared partition of d starting at start_s succeeds again, added to
 * out once each ({dag, partition}, seen keeps which); -1 on a database
 * error. */
static int
clear_consequences(struct web_req *r, const struct dag *d, int64_t start_s,
		   const char *key, json_t *out, json_t *seen)
{
	json_t *rows = store_needs_consequences(r->w->store, d->name, start_s,
						start_s, key), *o;
	size_t i;

	if (rows == NULL)
		return -1;
	json_array_foreach(rows, i, o) {
		const char *dag = json_string_value(json_object_get(o, "dag"));
		const char *part = json_string_value(json_object_get(o, "partition"));
		struct buf k;

		buf_init(&k, 0);
		buf_printf(&k, "%s %s", dag ? dag : "", part ? part : "");
		if (json_object_get(seen, buf_str(&k)) == NULL) {
			json_object_set_new(seen, buf_str(&k), json_true());
			json_array_append(out, o);
		}
		buf_free(&k);
	}
	json_decref(rows);
	return 0;
}

enum web_result
api_clear(struct web_req *r)
{
	struct dag *d = r->dag;
	json_t *body, *list = NULL, *all = NULL, *params = NULL;
	json_t *cons = NULL, *cons_seen = NULL, *cleared = NULL;
	char **tasks = NULL, who[160];
	struct clear_spec spec;
	struct partition_set set = { NULL, 0 };
	struct partition_notes notes;
	struct sl_err err;
	int count = 0, began = 0, ok;
	enum web_result res = WEB_DONE;

	if ((body = web_body_json(r, clear_fields)) == NULL)
		return WEB_DONE;
	memset(&spec, 0, sizeof spec);
	spec.dag_id = d->name;
	/* a flag that is not true or false is refused: "dry_run": "true"
	 * read as false cleared for real */
	if ((spec.downstream = api_body_bool(r, body, "downstream")) < 0 ||
	    (spec.upstream = api_body_bool(r, body, "upstream")) < 0 ||
	    (spec.only_failed = api_body_bool(r, body, "only_failed")) < 0 ||
	    (spec.dry_run = api_body_bool(r, body, "dry_run")) < 0)
		goto out;
	if (string_list(r, json_object_get(body, "tasks"), "tasks", &tasks) < 0)
		goto out;
	for (size_t i = 0; tasks != NULL && tasks[i] != NULL; i++)
		if (partition_task(d, tasks[i]) == NULL) {
			web_error(r, 400, "DAG %s has no task '%s'", d->name, tasks[i]);
			goto out;
		}
	spec.tasks = tasks;
	if (json_object_get(body, "params") != NULL && !json_is_null(json_object_get(body, "params"))) {
		/* the cleared runs' params from now on, checked as a trigger's */
		if (!json_is_object(json_object_get(body, "params"))) {
			web_error(r, 400, "params must be an object");
			goto out;
		}
		sl_err_clear(&err);
		if ((params = dag_params_check(d, json_object_get(body, "params"), &err)) == NULL) {
			web_error(r, 400, "%s", err.msg);
			goto out;
		}
		spec.params = params;
	}
	partition_notes_init(&notes);
	if (named_runs(r, d, body, 1, &set, &notes) < 0)
		goto out;	/* replied (400, or 503 when the lock stayed) */
	if (!spec.dry_run) {
		if ((res = api_begin(r, &began)) != WEB_DONE || !began)
			goto out;
	}
	sl_err_clear(&err);
	/* one action, one audit row (by partition keys), written below */
	spec.no_audit = 1;
	web_who(r, who, sizeof who);
	all = json_array();
	cons = json_array();
	cons_seen = json_object();
	for (size_t i = 0; i < set.n; i++) {
		int n;

		spec.from_s = spec.to_s = set.v[i].start_s;
		/* that run only (an unscheduled DAG's runs may share a start) */
		spec.partition = set.v[i].key;
		n = store_clear(r->w->store, d, &spec, who, &list, &err);
		if (n < 0) {
			if (began)
				store_rollback(r->w->store);
			if (web_store_busy(r->w)) {
				res = WEB_BUSY;
				goto out;
			}
			web_error(r, 500, "%s", err.msg);
			goto out;
		}
		count += n;
		json_array_extend(all, list);
		json_decref(list);
		list = NULL;
		/* a preview also names what re-runs in other DAGs */
		if (spec.dry_run && n > 0 &&
		    clear_consequences(r, d, set.v[i].start_s, set.v[i].key, cons, cons_seen) < 0) {
			res = api_db_failed(r);
			goto out;
		}
	}
	/* the runs with task instances to clear, not every run of the range
	 * (a range's only_failed clear touches its failed runs only); the
	 * tasks cleared, as the CLI's audit row names them */
	cleared = store_clear_list_partitions(all);
	if (began) {
		json_t *detail;

		detail = json_pack("{s:o,s:O,s:b,s:b,s:b,s:i}", "tasks", store_clear_list_tasks(d, all),
				   "partitions", cleared, "downstream", spec.downstream,
				   "upstream", spec.upstream, "only_failed", spec.only_failed,
				   "count", count);
		if (params != NULL)
			json_object_set_new(detail, "params", dag_params_masked(d, params));
		if (store_audit(r->w->store, who, "clear", d->name, detail) < 0) {
			json_decref(detail);
			store_rollback(r->w->store);
			res = api_db_failed(r);
			goto out;
		}
		json_decref(detail);
	}
	if (began && ((res = api_commit(r, &ok)) != WEB_DONE || !ok))
		goto out;
	if (!spec.dry_run)
		web_poke(r->w);
	{
		json_t *reply = json_pack("{s:b,s:i,s:O,s:O,s:o}", "dry_run", spec.dry_run, "count", count,
					  "partitions", cleared, "task_instances", all,
					  "notes", partition_notes_json(&notes));

		if (spec.dry_run)
			json_object_set(reply, "consequences", cons);
		web_json(r, 200, reply);
	}
out:
	json_decref(cleared);
	json_decref(cons);
	json_decref(cons_seen);
	json_decref(params);
	json_decref(all);
	partition_set_free(&set);
	strv_free(tasks);
	json_decref(body);
	return res;
}

/* The state task has now among a run's task instances (store_tis_json;
 * "" if none). */
static const char *
run_ti_state(json_t *tis, const char *task)
{
	size_t i;
	json_t *ti;

	json_array_foreach(tis, i, ti)
		if (json_is_string(json_object_get(ti, "task")) &&
		    strcmp(json_string_value(json_object_get(ti, "task")), task) == 0)
			return json_string_value(json_object_get(ti, "state"));
	return "";
}

/*
 * Mark task instances success or failed. With "clear_downstream" (success
 * only) the downstream task instances that were upstream_failed because of
 * a marked one are cleared so they run; without it the reply lists them
 * (downstream_upstream_failed). "dry_run" changes nothing and says what
 * would happen, with each instance's current state.
 */
enum web_result
api_mark(struct web_req *r)
{
	struct dag *d = r->dag;
	json_t *body, *done = NULL;
	char **tasks = NULL, who[160];
	struct partition_set set = { NULL, 0 };
	struct partition_notes notes;
	const char *state;
	struct sl_err err;
	int began = 0, ok, ts, clear, dry_run;
	size_t nt, np;
	enum web_result res = WEB_DONE;

	if ((body = web_body_json(r, mark_fields)) == NULL)
		return WEB_DONE;
	state = json_string_value(json_object_get(body, "state"));
	ts = state ? ti_state_parse(state) : -1;
	if ((clear = api_body_bool(r, body, "clear_downstream")) < 0 ||
	    (dry_run = api_body_bool(r, body, "dry_run")) < 0)
		goto out;
	if (ts != TI_SUCCESS && ts != TI_FAILED) {
		web_error(r, 400, "state must be success or failed");
		goto out;
	}
	if (clear && ts != TI_SUCCESS) {
		web_error(r, 400, "clear_downstream goes with state success");
		goto out;
	}
	if (string_list(r, json_object_get(body, "tasks"), "tasks", &tasks) < 0)
		goto out;
	nt = tasks ? strv_len(tasks) : 0;
	if (nt == 0 || json_array_size(json_object_get(body, "partitions")) == 0) {
		web_error(r, 400, "mark needs tasks and partitions");
		goto out;
	}
	partition_notes_init(&notes);
	if (named_runs(r, d, body, 0, &set, &notes) < 0)
		goto out;	/* replied */
	np = set.n;
	if (nt * np > MAX_SELECTION) {
		web_error(r, 400, "at most %d task instances at once", MAX_SELECTION);
		goto out;
	}
	for (size_t i = 0; i < nt; i++)
		if (dag_task(d, tasks[i]) == NULL) {
			web_error(r, 400, "DAG %s has no task '%s'", d->name, tasks[i]);
			goto out;
		}
	if (!dry_run && ((res = api_begin(r, &began)) != WEB_DONE || !began))
		goto out;
	sl_err_clear(&err);
	web_who(r, who, sizeof who);
	done = json_array();
	for (size_t p = 0; p < np; p++) {
		json_t *run = dry_run ? store_tis_json(r->w->store, d->name, set.v[p].key) : NULL;

		for (size_t t = 0; t < nt; t++) {
			json_t *one, *freed = NULL, *stay = NULL;

			if (dry_run)
				one = json_pack("{s:s,s:s,s:s,s:s}", "partition", set.v[p].key,
						"task", tasks[t], "state", run_ti_state(run, tasks[t]),
						"to", state);
			else {
				if (store_mark(r->w->store, d, tasks[t], set.v[p].key, (enum ti_state)ts,
					       who, &err) < 0)
					goto failed;
				one = json_pack("{s:s,s:s,s:s}", "partition", set.v[p].key,
						"task", tasks[t], "state", state);
			}
			if (ts == TI_SUCCESS) {
				if (store_mark_downstream(r->w->store, d, tasks[t], set.v[p].key,
							  clear && !dry_run, who, &freed, &stay, &err) < 0) {
					json_decref(one);
					goto failed;
				}
				json_object_set_new(one, clear ? "cleared_downstream" :
						    "downstream_upstream_failed", freed);
				json_object_set_new(one, "still_upstream_failed", stay);
			}
			json_array_append_new(done, one);
			continue;
failed:
			json_decref(run);
			if (began)
				store_rollback(r->w->store);
			if (web_store_busy(r->w)) {
				res = WEB_BUSY;
				goto out;
			}
			web_error(r, strstr(err.msg, "has no run") ? 404 : 500, "%s", err.msg);
			goto out;
		}
		json_decref(run);
	}
	if (began && ((res = api_commit(r, &ok)) != WEB_DONE || !ok))
		goto out;
	if (began)
		web_poke(r->w);
	web_json(r, 200, json_pack("{s:b,s:b,s:i,s:O,s:o}", "dry_run", dry_run, "clear_downstream", clear,
				   "count", (int)json_array_size(done), "task_instances", done,
				   "notes", partition_notes_json(&notes)));
out:
	json_decref(done);
	partition_set_free(&set);
	strv_free(tasks);
	json_decref(body);
	return res;
}
