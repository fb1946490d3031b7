/* api_actions.c: person actions: pause, trigger, backfill, clear, mark (each audited; all need the operator role, see routes.c). */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/cron.h"
#include "scheduler/tz.h"
#include "store/store.h"

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
	if (store_commit(r->w->store) < 0) {
		web_error(r, 500, "database: commit failed");
		return WEB_DONE;
	}
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

static int
params_ok(struct web_req *r, const struct dag *d, json_t *params)
{
	const char *k;
	json_t *v;

	if (params == NULL || json_is_null(params))
		return 0;
	if (!json_is_object(params))
		return web_error(r, 400, "params must be an object");
	json_object_foreach(params, k, v) {
		if (d->params == NULL || json_object_get(d->params, k) == NULL)
			return web_error(r, 400, "DAG %s has no param '%s' (declare it under params: in its file)",
					 d->name, k);
		if (json_is_object(v) || json_is_array(v))
			return web_error(r, 400, "param '%s' must be a string, number or boolean", k);
	}
	return 0;
}

enum web_result
api_trigger(struct web_req *r)
{
	struct dag *d = r->dag;
	json_t *body, *params;
	const char *partition;
	int64_t start, end, now = sl_now_ms() / 1000, run_id = 0;
	char key[256], who[160];
	struct sl_err err;
	int ok;
	enum web_result res;

	if ((body = web_body_json(r)) == NULL)
		return WEB_DONE;
	partition = json_string_value(json_object_get(body, "partition"));
	params = json_object_get(body, "params");
	if (json_object_get(body, "partition") != NULL && !json_is_null(json_object_get(body, "partition")) &&
	    (partition == NULL || !api_key_ok(partition))) {
		json_decref(body);
		web_error(r, 400, "partition must be a string of 1-200 printable characters");
		return WEB_DONE;
	}
	if (params_ok(r, d, params) < 0) {
		json_decref(body);
		return WEB_DONE;
	}
	sl_err_clear(&err);
	if (dag_manual_partition(d, partition, now, &start, &end, key, sizeof key, &err) < 0) {
		json_decref(body);
		web_error(r, 400, "%s", err.msg);
		return WEB_DONE;
	}
	if ((res = api_begin(r, &ok)) != WEB_DONE || !ok) {
		json_decref(body);
		return res;
	}
	if (store_run_create(r->w->store, d, key, start, end, "manual",
			     json_is_object(params) ? params : NULL, &run_id, &err) < 0) {
		store_rollback(r->w->store);
		json_decref(body);
		web_error(r, strstr(err.msg, "already has a run") ? 409 : 500, "%s", err.msg);
		return WEB_DONE;
	}
	{
		json_t *detail = json_pack("{s:s}", "partition", key);

		if (json_is_object(params) && json_object_size(params) > 0)
			json_object_set(detail, "params", params);
		store_audit(r->w->store, web_who(r, who, sizeof who), "trigger", d->name, detail);
		json_decref(detail);
	}
	json_decref(body);
	if (store_commit(r->w->store) < 0) {
		web_error(r, 500, "database: commit failed");
		return WEB_DONE;
	}
	web_poke(r->w);
	{
		json_t *run = store_run_json(r->w->store, d->name, key);

		web_json(r, 201, run ? run : json_pack("{s:s,s:s}", "dag", d->name, "partition", key));
	}
	return WEB_DONE;
}

enum web_result
api_backfill(struct web_req *r)
{
	struct dag *d = r->dag;
	json_t *body, *created, *existing;
	const char *from, *to;
	int64_t a, b, t;
	struct sl_err err;
	char who[160];
	int ok, n = 0;
	enum web_result res;

	if ((body = web_body_json(r)) == NULL)
		return WEB_DONE;
	from = json_string_value(json_object_get(body, "from"));
	to = json_string_value(json_object_get(body, "to"));
	if (d->schedule == NULL) {
		json_decref(body);
		web_error(r, 400, "DAG %s has no schedule; trigger its partitions one by one", d->name);
		return WEB_DONE;
	}
	sl_err_clear(&err);
	if (from == NULL || to == NULL) {
		json_decref(body);
		web_error(r, 400, "backfill needs from and to (times or partition keys)");
		return WEB_DONE;
	}
	if (tz_parse_time(d->tz, from, &a, &err) < 0 || tz_parse_time(d->tz, to, &b, &err) < 0) {
		json_decref(body);
		web_error(r, 400, "%s", err.msg);
		return WEB_DONE;
	}
	if (b < a) {
		json_decref(body);
		web_error(r, 400, "to is before from");
		return WEB_DONE;
	}
	if ((res = api_begin(r, &ok)) != WEB_DONE || !ok) {
		json_decref(body);
		return res;
	}
	created = json_array();
	existing = json_array();
	for (t = cron_next(d->schedule, d->tz, a - 1); t >= 0 && t <= b;
	     t = cron_next(d->schedule, d->tz, t)) {
		char key[96];
		int64_t end = cron_next(d->schedule, d->tz, t);
		json_t *run;

		if (++n > 10000) {
			store_rollback(r->w->store);
			json_decref(body);
			json_decref(created);
			json_decref(existing);
			web_error(r, 400, "a backfill may create at most 10000 runs at once");
			return WEB_DONE;
		}
		dag_partition_key(d, t, key, sizeof key);
		/* partitions with a run stay as they are (clear them instead) */
		if ((run = store_run_json(r->w->store, d->name, key)) != NULL) {
			json_decref(run);
			json_array_append_new(existing, json_string(key));
			continue;
		}
		if (store_run_create(r->w->store, d, key, t, end, "backfill", NULL, NULL, &err) < 0) {
			store_rollback(r->w->store);
			json_decref(body);
			json_decref(created);
			json_decref(existing);
			web_error(r, 500, "%s", err.msg);
			return WEB_DONE;
		}
		json_array_append_new(created, json_string(key));
	}
	{
		json_t *detail = json_pack("{s:s,s:s,s:i}", "from", from, "to", to, "created",
					   (int)json_array_size(created));

		store_audit(r->w->store, web_who(r, who, sizeof who), "backfill", d->name, detail);
		json_decref(detail);
	}
	json_decref(body);
	if (store_commit(r->w->store) < 0) {
		json_decref(created);
		json_decref(existing);
		web_error(r, 500, "database: commit failed");
		return WEB_DONE;
	}
	web_poke(r->w);
	web_json(r, 200, json_pack("{s:o,s:o}", "created", created, "existing", existing));
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

static int
bool_field(json_t *body, const char *name)
{
	return json_is_true(json_object_get(body, name));
}

/* A NULL-terminated vector as a JSON array of strings (NULL: []). */
static json_t *
string_array(char **v)
{
	json_t *a = json_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

enum web_result
api_clear(struct web_req *r)
{
	struct dag *d = r->dag;
	json_t *body, *list = NULL, *all;
	char **tasks = NULL, **parts = NULL, who[160];
	struct clear_spec spec;
	struct sl_err err;
	int count = 0, began = 0;
	enum web_result res = WEB_DONE;

	if ((body = web_body_json(r)) == NULL)
		return WEB_DONE;
	memset(&spec, 0, sizeof spec);
	spec.dag_id = d->name;
	spec.downstream = bool_field(body, "downstream");
	spec.upstream = bool_field(body, "upstream");
	spec.only_failed = bool_field(body, "only_failed");
	spec.dry_run = bool_field(body, "dry_run");
	if (string_list(r, json_object_get(body, "tasks"), "tasks", &tasks) < 0 ||
	    string_list(r, json_object_get(body, "partitions"), "partitions", &parts) < 0)
		goto out;
	for (size_t i = 0; tasks != NULL && tasks[i] != NULL; i++)
		if (dag_task(d, tasks[i]) == NULL) {
			web_error(r, 400, "DAG %s has no task '%s'", d->name, tasks[i]);
			goto out;
		}
	spec.tasks = tasks;
	all = json_array();
	if (parts == NULL) {
		const char *f = json_string_value(json_object_get(body, "from"));
		const char *t = json_string_value(json_object_get(body, "to"));

		if (f == NULL || t == NULL) {
			json_decref(all);
			web_error(r, 400, "name the partitions: \"partitions\": [...] or \"from\" and \"to\"");
			goto out;
		}
		if (api_partition_arg(r, d, "from", f, &spec.from_s) < 0 ||
		    api_partition_arg(r, d, "to", t, &spec.to_s) < 0) {
			json_decref(all);
			goto out;
		}
	}
	if (!spec.dry_run) {
		if ((res = api_begin(r, &began)) != WEB_DONE || !began) {
			json_decref(all);
			goto out;
		}
	}
	sl_err_clear(&err);
	/* a list of partitions is one action: one audit row, written below */
	spec.no_audit = parts != NULL;
	web_who(r, who, sizeof who);
	for (size_t i = 0; parts == NULL ? i < 1 : parts[i] != NULL; i++) {
		int n;

		if (parts != NULL) {
			json_t *run = store_run_json(r->w->store, d->name, parts[i]);

			if (run == NULL) {
				if (began)
					store_rollback(r->w->store);
				json_decref(all);
				web_error(r, 404, "DAG %s has no run for partition %s", d->name, parts[i]);
				goto out;
			}
			spec.from_s = spec.to_s = json_integer_value(json_object_get(run, "start_s"));
			json_decref(run);
		}
		n = store_clear(r->w->store, d, &spec, who, &list, &err);
		if (n < 0) {
			json_decref(all);
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
	}
	if (began && parts != NULL) {
		json_t *keys = json_array(), *detail;

		for (size_t i = 0; parts[i] != NULL; i++)
			json_array_append_new(keys, json_string(parts[i]));
		detail = json_pack("{s:o,s:o,s:b,s:b,s:b,s:i}", "tasks", string_array(tasks),
				   "partitions", keys, "downstream", spec.downstream,
				   "upstream", spec.upstream, "only_failed", spec.only_failed,
				   "count", count);
		if (store_audit(r->w->store, who, "clear", d->name, detail) < 0) {
			json_decref(detail);
			json_decref(all);
			store_rollback(r->w->store);
			res = api_db_failed(r);
			goto out;
		}
		json_decref(detail);
	}
	if (began && store_commit(r->w->store) < 0) {
		json_decref(all);
		web_error(r, 500, "database: commit failed");
		goto out;
	}
	if (!spec.dry_run)
		web_poke(r->w);
	web_json(r, 200, json_pack("{s:b,s:i,s:o}", "dry_run", spec.dry_run, "count", count,
				   "task_instances", all));
out:
	strv_free(tasks);
	strv_free(parts);
	json_decref(body);
	return res;
}

enum web_result
api_mark(struct web_req *r)
{
	struct dag *d = r->dag;
	json_t *body, *done;
	char **tasks = NULL, **parts = NULL, who[160];
	const char *state;
	struct sl_err err;
	int began = 0, ts;
	size_t nt, np;
	enum web_result res = WEB_DONE;

	if ((body = web_body_json(r)) == NULL)
		return WEB_DONE;
	state = json_string_value(json_object_get(body, "state"));
	ts = state ? ti_state_parse(state) : -1;
	if (ts != TI_SUCCESS && ts != TI_FAILED) {
		web_error(r, 400, "state must be success or failed");
		goto out;
	}
	if (string_list(r, json_object_get(body, "tasks"), "tasks", &tasks) < 0 ||
	    string_list(r, json_object_get(body, "partitions"), "partitions", &parts) < 0)
		goto out;
	nt = tasks ? strv_len(tasks) : 0;
	np = parts ? strv_len(parts) : 0;
	if (nt == 0 || np == 0) {
		web_error(r, 400, "mark needs tasks and partitions");
		goto out;
	}
	if (nt * np > MAX_SELECTION) {
		web_error(r, 400, "at most %d task instances at once", MAX_SELECTION);
		goto out;
	}
	for (size_t i = 0; i < nt; i++)
		if (dag_task(d, tasks[i]) == NULL) {
			web_error(r, 400, "DAG %s has no task '%s'", d->name, tasks[i]);
			goto out;
		}
	if ((res = api_begin(r, &began)) != WEB_DONE || !began)
		goto out;
	sl_err_clear(&err);
	done = json_array();
	for (size_t p = 0; p < np; p++)
		for (size_t t = 0; t < nt; t++) {
			if (store_mark(r->w->store, d, tasks[t], parts[p], (enum ti_state)ts,
				       web_who(r, who, sizeof who), &err) < 0) {
				store_rollback(r->w->store);
				json_decref(done);
				web_error(r, strstr(err.msg, "has no run") ? 404 : 500, "%s", err.msg);
				goto out;
			}
			json_array_append_new(done, json_pack("{s:s,s:s,s:s}", "partition",
			    parts[p], "task", tasks[t], "state", state));
		}
	if (store_commit(r->w->store) < 0) {
		json_decref(done);
		web_error(r, 500, "database: commit failed");
		goto out;
	}
	web_poke(r->w);
	web_json(r, 200, json_pack("{s:i,s:o}", "count", (int)json_array_size(done),
				   "task_instances", done));
out:
	strv_free(tasks);
	strv_free(parts);
	json_decref(body);
	return res;
}
