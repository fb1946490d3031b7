/*
 * api.c: the REST API under /api/v1 (web/API.md documents every
 * endpoint). The UI's pages call these same endpoints.
 *
 * Reads need a login (session or bearer token); changes need the
 * operator role (users: admin) and, with a session cookie, the CSRF token.
 * Person actions go through the store's functions with who = "web:USER",
 * so the audit log names the person.
 */
#include "web/web_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "store/store.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"
#include "web/auth.h"
#include "scheduler/try.h"

extern char **environ;

#define MAX_SELECTION 20000	/* task instances one clear or mark may name */

/* --- helpers --- */

static int
method_is(struct web_req *r, enum evhttp_cmd_type m)
{
	return r->method == m || (m == EVHTTP_REQ_GET && r->method == EVHTTP_REQ_HEAD);
}

static enum web_result
not_allowed(struct web_req *r, const char *allowed)
{
	web_add_header(r, "Allow", allowed);
	web_error(r, 405, "%s is not allowed here (allowed: %s)",
		  r->method == EVHTTP_REQ_POST ? "POST" :
		  r->method == EVHTTP_REQ_DELETE ? "DELETE" : "this method", allowed);
	return WEB_DONE;
}

/* limit and offset from the query; -1 after replying 400. */
static int
page_args(struct web_req *r, int def, int *limit, int *offset)
{
	const char *l = web_query(r, "limit"), *o = web_query(r, "offset");
	long long v;

	*limit = def;
	*offset = 0;
	if (l != NULL) {
		if (sl_parse_int(l, 1, WEB_MAX_PAGE, &v) < 0)
			return web_error(r, 400, "limit must be 1 to %d", WEB_MAX_PAGE);
		*limit = (int)v;
	}
	if (o != NULL) {
		if (sl_parse_int(o, 0, INT_MAX, &v) < 0)
			return web_error(r, 400, "offset must be a number >= 0");
		*offset = (int)v;
	}
	return 0;
}

/* A DAG that loaded, or 404 (naming the load error when its file is
 * broken). */
static struct dag *
need_dag(struct web_req *r, const char *name)
{
	const struct dagbag *bag = web_dagbag(r->w);
	struct dag *d = dagbag_find(bag, name);

	if (d != NULL)
		return d;
	web_error(r, 404, "no DAG named '%s'", name);
	return NULL;
}

/* A partition argument (a run's key, or a time) → start; -1 after 400. */
static int
partition_arg(struct web_req *r, const struct dag *d, const char *what,
	      const char *arg, int64_t *start)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (store_partition_start(r->w->store, d, arg, start, &err) < 0)
		return web_error(r, 400, "%s: %s", what, err.msg);
	return 0;
}

/* from/to of the query (open ends when absent). */
static int
range_args(struct web_req *r, const struct dag *d, int64_t *from, int64_t *to)
{
	const char *f = web_query(r, "from"), *t = web_query(r, "to");

	*from = INT64_MIN;
	*to = INT64_MAX;
	if (f != NULL && *f != '\0' && partition_arg(r, d, "from", f, from) < 0)
		return -1;
	if (t != NULL && *t != '\0' && partition_arg(r, d, "to", t, to) < 0)
		return -1;
	return 0;
}

static int
key_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Begin the web's own transaction around a person action. */
static enum web_result
begin_or_busy(struct web_req *r, int *ok)
{
	*ok = 0;
	if (store_begin(r->w->store) == 0) {
		*ok = 1;
		return WEB_DONE;
	}
	if (web_store_busy(r->w))
		return WEB_BUSY;
	web_error(r, 500, "database: %s", sqlite3_errmsg(store_db(r->w->store)));
	return WEB_DONE;
}

/* --- /me --- */

static enum web_result
api_me(struct web_req *r)
{
	json_t *o = json_pack("{s:s,s:s}", "user", r->user.name, "role",
			      auth_role_name(r->user.role));

	if (r->user.by_session)
		json_object_set_new(o, "csrf", json_string(r->user.csrf));
	web_json(r, 200, o);
	return WEB_DONE;
}

/* --- DAGs --- */

static json_t *
last_runs_json(struct web *w, const char *dag, int n)
{
	sqlite3_stmt *st = store_stmt(w->store,
	    "SELECT partition, state FROM dag_runs WHERE dag_id = ? ORDER BY start_s DESC LIMIT ?");
	json_t *arr = json_array();

	sqlite3_bind_text(st, 1, dag, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, n);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s,s:s}",
		    "partition", (const char *)sqlite3_column_text(st, 0),
		    "state", (const char *)sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	return arr;
}

/* The next partition the scheduler will create, or NULL. */
static json_t *
next_partition_json(struct web *w, const struct dag *d)
{
	int64_t start;
	char key[96];

	if (d->schedule == NULL)
		return json_null();
	if (!store_dag_cursor(w->store, d->name, &start)) {
		if (d->start != INT64_MIN)
			start = cron_next(d->schedule, d->tz, d->start - 1);
		else
			start = cron_prev(d->schedule, d->tz, sl_now_ms() / 1000);
	}
	if (start < 0 || (d->end != INT64_MAX && start >= d->end))
		return json_null();
	return json_string(dag_partition_key(d, start, key, sizeof key));
}

static json_t *
dag_summary_json(struct web *w, const struct dag *d)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:i}",
	    "dag", d->name, "file", d->file, "schedule", d->schedule_text,
	    "timezone", tz_name(d->tz), "paused", store_dag_paused(w->store, d->name),
	    "tasks", d->ntasks);

	json_object_set_new(o, "description", d->description ?
			    json_string(d->description) : json_null());
	json_object_set_new(o, "next_partition", next_partition_json(w, d));
	json_object_set_new(o, "last_runs", last_runs_json(w, d->name, 10));
	return o;
}

/* Every DAG's summary: a few queries per DAG, so the body is kept until
 * the database or the folder changes (scripts and dashboards poll it). */
static enum web_result
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

		if (e->dag != NULL)
			json_array_append_new(dags, dag_summary_json(r->w, e->dag));
		else
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
	json_t *o = dag_summary_json(w, d), *tasks = json_array();

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
	json_object_set(o, "params", d->params ? d->params : json_object());
	if (d->params == NULL)
		json_object_set_new(o, "params", json_object());
	json_object_set_new(o, "catchup", json_boolean(d->catchup));
	json_object_set_new(o, "max_active_runs", json_integer(d->max_active_runs));
	return o;
}

static enum web_result
api_pause(struct web_req *r, struct dag *d, int paused)
{
	char who[160];
	struct sl_err err;
	int ok;
	enum web_result res;

	if (session_require_change(r, ROLE_OPERATOR) < 0)
		return WEB_DONE;
	if ((res = begin_or_busy(r, &ok)) != WEB_DONE || !ok)
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

/* --- runs --- */

static enum web_result
api_runs_list(struct web_req *r, struct dag *d)
{
	int64_t from, to;
	int limit, offset;
	const char *state = web_query(r, "state");
	json_t *runs;

	if (range_args(r, d, &from, &to) < 0 || page_args(r, 100, &limit, &offset) < 0)
		return WEB_DONE;
	if (state != NULL && run_state_parse(state) < 0) {
		web_error(r, 400, "state must be queued, running, success or failed");
		return WEB_DONE;
	}
	runs = store_runs_json(r->w->store, d->name, from, to, state, limit, offset);
	web_json(r, 200, json_pack("{s:o,s:i,s:i}", "runs", runs, "limit", limit,
				   "offset", offset));
	return WEB_DONE;
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

static enum web_result
api_trigger(struct web_req *r, struct dag *d)
{
	json_t *body, *params;
	const char *partition;
	int64_t start, end, now = sl_now_ms() / 1000, run_id = 0;
	char key[256], who[160];
	struct sl_err err;
	int ok;
	enum web_result res;

	if (session_require_change(r, ROLE_OPERATOR) < 0)
		return WEB_DONE;
	if ((body = web_body_json(r)) == NULL)
		return WEB_DONE;
	partition = json_string_value(json_object_get(body, "partition"));
	params = json_object_get(body, "params");
	if (json_object_get(body, "partition") != NULL && !json_is_null(json_object_get(body, "partition")) &&
	    (partition == NULL || !key_ok(partition))) {
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
	if ((res = begin_or_busy(r, &ok)) != WEB_DONE || !ok) {
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
			json_object_set_new(detail, "params", dag_params_masked(d, params));
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

static enum web_result
api_backfill(struct web_req *r, struct dag *d)
{
	json_t *body, *created, *existing;
	const char *from, *to;
	int64_t a, b, t;
	struct sl_err err;
	char who[160];
	int ok, n = 0;
	enum web_result res;

	if (session_require_change(r, ROLE_OPERATOR) < 0)
		return WEB_DONE;
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
	if ((res = begin_or_busy(r, &ok)) != WEB_DONE || !ok) {
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

static enum web_result
api_run(struct web_req *r, struct dag *d, const char *partition)
{
	json_t *run = store_run_json(r->w->store, d->name, partition);

	if (run == NULL) {
		web_error(r, 404, "DAG %s has no run for partition %s", d->name, partition);
		return WEB_DONE;
	}
	json_object_set_new(run, "task_instances", store_tis_json(r->w->store, d->name, partition));
	web_json(r, 200, run);
	return WEB_DONE;
}

/* --- the grid --- */

/* A JSON string literal into b, escaped by jansson. */
static void
json_str(struct buf *b, const char *s)
{
	json_t *v = json_string(s ? s : "");
	char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	buf_adds(b, text ? text : "\"\"");
	free(text);
	json_decref(v);
}

/* A state name as a JSON string: states are [a-z_] words, written as
 * they are; anything else goes through the escaper. */
static void
json_state(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((*p < 'a' || *p > 'z') && *p != '_') {
			json_str(b, s);
			return;
		}
	buf_addc(b, '"');
	buf_add(b, s, (size_t)(p - s));
	buf_addc(b, '"');
}

/* A decimal integer at p (room for 21 bytes); returns the end. The grid
 * writes 100,000 of them: no printf. */
static char *
put_int(char *p, long long v)
{
	char tmp[24], *t = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--t = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--t = '-';
	memcpy(p, t, (size_t)(tmp + sizeof tmp - t));
	return p + (tmp + sizeof tmp - t);
}

/* A cell as its JSON text: [state, duration_ms, try_number]. */
#define GRID_CELL_MAX 96	/* a plain state (< 40 bytes) and two integers */
struct grid_cell {
	int len;			/* 0: no task instance; -1: in slow */
	char text[GRID_CELL_MAX];
};

/* Is s a state name that needs no escaping and fits a cell? */
static int
plain_state(const char *s, size_t *n)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (((*p < 'a' || *p > 'z') && *p != '_') || p - s >= 40)
			return 0;
	*n = (size_t)(p - s);
	return 1;
}

struct grid_run {
	int64_t id, start_s, end_s;
	char *partition, *state, *run_type;
};

void
api_grid_write(struct web *w, const struct dag *d, int64_t from_s, int64_t to_s,
	       int limit, int offset, struct buf *out)
{
	sqlite3_stmt *st;
	struct grid_run *runs = xcalloc((size_t)limit, sizeof *runs);
	int nruns = 0;
	int64_t total = 0;
	struct grid_cell *cells = xmalloc((size_t)d->ntasks * sizeof *cells);
	char **slow = xcalloc((size_t)d->ntasks, sizeof *slow);

	st = store_stmt(w->store,
	    "SELECT count(*) FROM dag_runs WHERE dag_id = ?1 AND start_s BETWEEN ?2 AND ?3");
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_s);
	sqlite3_bind_int64(st, 3, to_s);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	/* the page of runs walks dag_runs_interval backwards: no sort */
	st = store_stmt(w->store,
	    "SELECT id, partition, start_s, end_s, state, run_type FROM dag_runs "
	    "WHERE dag_id = ?1 AND start_s BETWEEN ?2 AND ?3 "
	    "ORDER BY start_s DESC, id DESC LIMIT ?4 OFFSET ?5");
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_s);
	sqlite3_bind_int64(st, 3, to_s);
	sqlite3_bind_int(st, 4, limit);
	sqlite3_bind_int(st, 5, offset);
	while (nruns < limit && sqlite3_step(st) == SQLITE_ROW) {
		struct grid_run *g = &runs[nruns++];

		g->id = sqlite3_column_int64(st, 0);
		g->partition = xstrdup((const char *)sqlite3_column_text(st, 1));
		g->start_s = sqlite3_column_int64(st, 2);
		g->end_s = sqlite3_column_int64(st, 3);
		g->state = xstrdup((const char *)sqlite3_column_text(st, 4));
		g->run_type = xstrdup((const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_reset(st);

	buf_adds(out, "{\"dag\":");
	json_str(out, d->name);
	buf_adds(out, ",\"tasks\":[");
	for (int i = 0; i < d->ntasks; i++) {
		if (i > 0)
			buf_addc(out, ',');
		json_str(out, d->tasks[i].name);
	}
	buf_printf(out, "],\"total\":%lld,\"limit\":%d,\"offset\":%d,\"partitions\":[",
		   (long long)total, limit, offset);
	/* then each run's task instances through UNIQUE (run_id, task_id) */
	st = store_stmt(w->store,
	    "SELECT task_id, state, duration_ms, try_number FROM task_instances WHERE run_id = ?");
	for (int k = 0; k < nruns; k++) {
		struct grid_run *g = &runs[k];
		int hint = 0;

		for (int i = 0; i < d->ntasks; i++)
			cells[i].len = 0;
		sqlite3_bind_int64(st, 1, g->id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *task = (const char *)sqlite3_column_text(st, 0);
			const char *state = (const char *)sqlite3_column_text(st, 1);
			struct grid_cell *c;
			size_t n;
			char *p;
			int idx = -1;

			/* task instances come in task order almost always */
			if (hint < d->ntasks && strcmp(d->tasks[hint].name, task) == 0)
				idx = hint;
			else
				for (int i = 0; i < d->ntasks; i++)
					if (strcmp(d->tasks[i].name, task) == 0) {
						idx = i;
						break;
					}
			if (idx < 0 || cells[idx].len != 0)
				continue;	/* a task no longer in the DAG */
			hint = idx + 1;
			c = &cells[idx];
			if (state == NULL || !plain_state(state, &n)) {
				/* not a state this build writes: escaped, kept aside */
				struct buf sb;

				buf_init(&sb, 0);
				buf_addc(&sb, '[');
				json_str(&sb, state);
				if (sqlite3_column_type(st, 2) == SQLITE_NULL)
					buf_adds(&sb, ",null");
				else
					buf_printf(&sb, ",%lld", (long long)sqlite3_column_int64(st, 2));
				buf_printf(&sb, ",%d]", sqlite3_column_int(st, 3));
				free(slow[idx]);
				slow[idx] = buf_steal(&sb);
				c->len = -1;
				continue;
			}
			p = c->text;
			*p++ = '[';
			*p++ = '"';
			memcpy(p, state, n);
			p += n;
			*p++ = '"';
			*p++ = ',';
			if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
				memcpy(p, "null", 4);
				p += 4;
			} else
				p = put_int(p, (long long)sqlite3_column_int64(st, 2));
			*p++ = ',';
			p = put_int(p, sqlite3_column_int(st, 3));
			*p++ = ']';
			c->len = (int)(p - c->text);
		}
		sqlite3_reset(st);
		if (k > 0)
			buf_addc(out, ',');
		buf_adds(out, "{\"partition\":");
		json_str(out, g->partition);
		{
			char num[64], *p = num;

			memcpy(p, ",\"start_s\":", 11);
			p = put_int(p + 11, (long long)g->start_s);
			memcpy(p, ",\"end_s\":", 9);
			p = put_int(p + 9, (long long)g->end_s);
			buf_add(out, num, (size_t)(p - num));
		}
		buf_adds(out, ",\"state\":");
		json_state(out, g->state);
		buf_adds(out, ",\"run_type\":");
		json_state(out, g->run_type);
		buf_adds(out, ",\"cells\":[");
		for (int i = 0; i < d->ntasks; i++) {
			struct grid_cell *c = &cells[i];

			if (i > 0)
				buf_addc(out, ',');
			if (c->len > 0)
				buf_add(out, c->text, (size_t)c->len);
			else if (c->len < 0)
				buf_adds(out, slow[i]);
			else
				buf_add(out, "null", 4);
		}
		buf_adds(out, "]}");
	}
	buf_adds(out, "]}");
	for (int i = 0; i < d->ntasks; i++)
		free(slow[i]);
	free(slow);
	for (int k = 0; k < nruns; k++) {
		free(runs[k].partition);
		free(runs[k].state);
		free(runs[k].run_type);
	}
	free(runs);
	free(cells);
}

static enum web_result
api_grid(struct web_req *r, struct dag *d)
{
	int64_t from, to;
	int limit, offset;

	if (range_args(r, d, &from, &to) < 0 || page_args(r, 50, &limit, &offset) < 0)
		return WEB_DONE;
	{
		struct buf out;

		buf_init(&out, 0);
		api_grid_write(r->w, d, from, to, limit, offset, &out);
		web_text(r, 200, "application/json", buf_str(&out), out.len);
		buf_free(&out);
	}
	return WEB_DONE;
}

/* --- clear and mark --- */

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
		if (!json_is_string(e) || !key_ok(json_string_value(e))) {
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

static enum web_result
api_clear(struct web_req *r, struct dag *d)
{
	json_t *body, *list = NULL, *all;
	char **tasks = NULL, **parts = NULL, who[160];
	struct clear_spec spec;
	struct sl_err err;
	int count = 0, began = 0;
	enum web_result res = WEB_DONE;

	if (session_require_change(r, ROLE_OPERATOR) < 0)
		return WEB_DONE;
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
		if (partition_arg(r, d, "from", f, &spec.from_s) < 0 ||
		    partition_arg(r, d, "to", t, &spec.to_s) < 0) {
			json_decref(all);
			goto out;
		}
	}
	if (!spec.dry_run) {
		if ((res = begin_or_busy(r, &began)) != WEB_DONE || !began) {
			json_decref(all);
			goto out;
		}
	}
	sl_err_clear(&err);
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
		n = store_clear(r->w->store, d, &spec, web_who(r, who, sizeof who), &list, &err);
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

static enum web_result
api_mark(struct web_req *r, struct dag *d)
{
	json_t *body, *done;
	char **tasks = NULL, **parts = NULL, who[160];
	const char *state;
	struct sl_err err;
	int began = 0, ts;
	size_t nt, np;
	enum web_result res = WEB_DONE;

	if (session_require_change(r, ROLE_OPERATOR) < 0)
		return WEB_DONE;
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
	if ((res = begin_or_busy(r, &began)) != WEB_DONE || !began)
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

/* --- task instances, their command, their logs --- */

static int
secret_name(const char *k)
{
	static const char *const words[] = { "pass", "secret", "token", "credential",
					     "private", "apikey", "api_key", "auth" };
	char low[128];
	size_t i;

	for (i = 0; k[i] != '\0' && i + 1 < sizeof low; i++)
		low[i] = (char)((k[i] >= 'A' && k[i] <= 'Z') ? k[i] + 32 : k[i]);
	low[i] = '\0';
	for (i = 0; i < SL_ARRAY_LEN(words); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	return 0;
}

/* Replace every occurrence of secret in text by ******** */
static char *
mask_value(char *text, const char *secret)
{
	struct buf b;
	size_t n = strlen(secret);
	const char *p = text, *q;

	if (n < 4 || strstr(text, secret) == NULL)
		return text;
	buf_init(&b, 0);
	while ((q = strstr(p, secret)) != NULL) {
		buf_add(&b, p, (size_t)(q - p));
		buf_adds(&b, "********");
		p = q + n;
	}
	buf_adds(&b, p);
	free(text);
	return buf_steal(&b);
}

/* Mask secrets in a shown string: URL passwords (scheme://user:PASS@) and
 * values of secret-looking environment variables. */
static char *
mask_text(const char *in)
{
	char *text = xstrdup(in);

	size_t pos = 0;
	char *p;

	while ((p = strstr(text + pos, "://")) != NULL) {
		char *host = p + 3, *end = host + strcspn(host, "/ \t\n\"'"), *at, *colon;

		pos = (size_t)(host - text);
		at = memchr(host, '@', (size_t)(end - host));
		colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
		if (colon != NULL && colon + 1 < at) {
			char *secret = xstrndup(colon + 1, (size_t)(at - colon - 1));

			text = mask_value(text, secret);
			free(secret);
		}
	}
	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		char name[128];

		if (eq == NULL || (size_t)(eq - *e) >= sizeof name)
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		if (secret_name(name))
			text = mask_value(text, eq + 1);
	}
	return text;
}

/* Mask a JSON value in place: secret-looking keys lose their values,
 * strings go through mask_text. Returns a new reference. */
static json_t *
mask_json(const json_t *in)
{
	json_t *out;
	const char *k;
	json_t *v;
	size_t i;

	switch (json_typeof(in)) {
	case JSON_STRING: {
		char *m = mask_text(json_string_value(in));

		out = json_string(m);
		free(m);
		return out ? out : json_string("");
	}
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach((json_t *)in, k, v)
			json_object_set_new(out, k, secret_name(k) ? json_string("********") : mask_json(v));
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(in, i, v)
			json_array_append_new(out, mask_json(v));
		return out;
	default:
		return json_deep_copy(in);
	}
}

/* The task's command (shell) or options (other types) rendered for this
 * run, and as written, both masked. */
static void
command_json(struct web *w, const struct dag *d, const struct task *t,
	     json_t *run, int try_number, json_t *out)
{
	struct tmpl_ctx c;
	json_t *params = d->params ? json_deep_copy(d->params) : json_object();
	json_t *run_params = json_object_get(run, "params");
	json_t *src = json_object_get(t->options, "command");
	json_t *rendered = NULL;
	char *run_id;
	struct sl_err err;

	(void)w;
	if (json_is_object(run_params))
		json_object_update(params, run_params);
	run_id = xasprintf("%s__%s", json_string_value(json_object_get(run, "run_type")),
			   json_string_value(json_object_get(run, "partition")));
	memset(&c, 0, sizeof c);
	c.dag = d->name;
	c.task = t->name;
	c.run_id = run_id;
	c.partition = json_string_value(json_object_get(run, "partition"));
	c.try_number = try_number > 0 ? try_number : 1;
	c.start = json_integer_value(json_object_get(run, "start_s"));
	c.end = json_integer_value(json_object_get(run, "end_s"));
	c.tz = d->tz;
	c.params = params;
	sl_err_clear(&err);
	if (src == NULL)
		src = t->options;
	if (src != NULL && tmpl_render_json(src, &c, &rendered, &err) < 0) {
		rendered = NULL;
		json_object_set_new(out, "render_error", json_string(err.msg));
	}
	json_object_set_new(out, "type", json_string(t->op->name));
	json_object_set_new(out, "template", src ? mask_json(src) : json_null());
	json_object_set_new(out, "rendered", rendered ? mask_json(rendered) : json_null());
	json_decref(rendered);
	json_decref(params);
	free(run_id);
}

static json_t *
find_ti(struct web *w, const char *dag, const char *partition, const char *task)
{
	json_t *tis = store_tis_json(w->store, dag, partition), *ti, *found = NULL;
	size_t i;

	json_array_foreach(tis, i, ti)
		if (strcmp(json_string_value(json_object_get(ti, "task")), task) == 0) {
			found = json_incref(ti);
			break;
		}
	json_decref(tis);
	return found;
}

static enum web_result
api_task(struct web_req *r, struct dag *d, const char *partition, const char *task)
{
	struct task *t = dag_task(d, task);
	json_t *run, *ti;

	if (t == NULL) {
		web_error(r, 404, "DAG %s has no task '%s'", d->name, task);
		return WEB_DONE;
	}
	if ((run = store_run_json(r->w->store, d->name, partition)) == NULL ||
	    (ti = find_ti(r->w, d->name, partition, task)) == NULL) {
		json_decref(run);
		web_error(r, 404, "DAG %s has no run of %s for partition %s", d->name, task, partition);
		return WEB_DONE;
	}
	json_object_set_new(ti, "dag", json_string(d->name));
	json_object_set_new(ti, "partition", json_string(partition));
	json_object_set_new(ti, "run_state", json_incref(json_object_get(run, "state")));
	json_object_set_new(ti, "params", json_incref(json_object_get(run, "params")));
	json_object_set_new(ti, "tries", store_tries_json(r->w->store, d->name, task, partition));
	{
		json_t *cmd = json_object();

		command_json(r->w, d, t, run, (int)json_integer_value(json_object_get(ti, "try_number")), cmd);
		json_object_set_new(ti, "command", cmd);
	}
	json_decref(run);
	web_json(r, 200, ti);
	return WEB_DONE;
}

/* Append text to a JSON-safe buffer: invalid UTF-8 becomes U+FFFD. */
static void
utf8_clean(struct buf *out, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
			     (c >> 3) == 30 ? 4 : 0;
		int ok = len > 0 && i + len <= n;

		for (size_t k = 1; ok && k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				ok = 0;
		if (ok && c == 0)
			ok = 0;
		if (ok) {
			buf_add(out, p + i, len);
			i += len;
		} else {
			buf_adds(out, "\xef\xbf\xbd");
			i++;
		}
	}
}

/* The log file of a try, inside logs_dir by construction (every part
 * comes from the loaded DAG or the database) and by check (realpath). */
static char *
log_path(struct web *w, const char *dag, const char *partition, const char *task,
	 int try_number)
{
	char *path, *real_dir, *real_path;
	size_t dl;

	path = try_log_path(w->cfg->logs_dir, dag, partition, task, try_number);
	real_dir = realpath(w->cfg->logs_dir, NULL);
	real_path = realpath(path, NULL);
	if (real_dir == NULL || real_path == NULL) {
		free(real_dir);
		free(real_path);
		return path;	/* not there (yet): opening it fails */
	}
	dl = strlen(real_dir);
	if (strncmp(real_path, real_dir, dl) != 0 || real_path[dl] != '/') {
		free(real_dir);
		free(real_path);
		free(path);
		return NULL;
	}
	free(real_dir);
	free(path);
	return real_path;
}

static enum web_result
api_log(struct web_req *r, struct dag *d, const char *partition, const char *task,
	const char *try_arg)
{
	json_t *ti;
	long long try_number, offset = 0;
	const char *off = web_query(r, "offset");
	char *path;
	int fd, running;
	struct stat sb;
	struct buf text;
	unsigned char *chunk;
	ssize_t got;
	size_t want, keep;

	if (dag_task(d, task) == NULL || sl_parse_int(try_arg, 1, 1000000, &try_number) < 0 ||
	    (ti = find_ti(r->w, d->name, partition, task)) == NULL) {
		web_error(r, 404, "no such log");
		return WEB_DONE;
	}
	if (try_number > json_integer_value(json_object_get(ti, "try_number"))) {
		json_decref(ti);
		web_error(r, 404, "%s has no try %lld yet", task, try_number);
		return WEB_DONE;
	}
	running = strcmp(json_string_value(json_object_get(ti, "state")), "running") == 0 &&
		  try_number == json_integer_value(json_object_get(ti, "try_number"));
	json_decref(ti);
	if (off != NULL && sl_parse_int(off, 0, LLONG_MAX, &offset) < 0) {
		web_error(r, 400, "offset must be a number >= 0");
		return WEB_DONE;
	}
	if ((path = log_path(r->w, d->name, partition, task, (int)try_number)) == NULL) {
		web_error(r, 404, "no such log");
		return WEB_DONE;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		/* a try that has not written anything yet */
		web_json(r, 200, json_pack("{s:I,s:I,s:I,s:s,s:b,s:b}", "try", (json_int_t)try_number,
		    "offset", (json_int_t)offset, "next_offset", (json_int_t)offset,
		    "data", "", "running", running, "exists", 0));
		return WEB_DONE;
	}
	if (offset > sb.st_size)
		offset = sb.st_size;
	want = (size_t)SL_MIN((long long)WEB_LOG_CHUNK, (long long)sb.st_size - offset);
	chunk = xmalloc(want + 1);
	got = pread(fd, chunk, want, (off_t)offset);
	close(fd);
	if (got < 0)
		got = 0;
	keep = (size_t)got;
	/* do not cut a UTF-8 character in two at the end of a chunk */
	if (offset + got < sb.st_size || running) {
		size_t k = keep, back = 0;

		while (k > 0 && back < 3 && (chunk[k - 1] & 0xc0) == 0x80) {
			k--;
			back++;
		}
		if (k > 0 && chunk[k - 1] >= 0xc0) {
			unsigned char c = chunk[k - 1];
			size_t need = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;

			if (back + 1 < need)
				keep = k - 1;
		}
	}
	buf_init(&text, 0);
	utf8_clean(&text, chunk, keep);
	free(chunk);
	web_json(r, 200, json_pack("{s:I,s:I,s:I,s:I,s:s%,s:b,s:b}", "try", (json_int_t)try_number,
	    "offset", (json_int_t)offset, "next_offset", (json_int_t)(offset + (long long)keep),
	    "size", (json_int_t)sb.st_size, "data", buf_str(&text), text.len,
	    "running", running, "exists", 1));
	buf_free(&text);
	return WEB_DONE;
}

/* --- audit and users --- */

static enum web_result
api_audit(struct web_req *r)
{
	int limit, offset;
	json_t *rows, *row;
	size_t i;

	if (page_args(r, 100, &limit, &offset) < 0)
		return WEB_DONE;
	rows = store_audit_json(r->w->store, limit, offset);
	json_array_foreach(rows, i, row) {
		const char *detail = json_string_value(json_object_get(row, "detail"));
		json_t *v = detail ? json_loads(detail, 0, NULL) : NULL;

		if (v != NULL)
			json_object_set_new(row, "detail", v);
	}
	web_json(r, 200, json_pack("{s:o,s:i,s:i}", "audit", rows, "limit", limit, "offset", offset));
	return WEB_DONE;
}

static enum web_result
api_users(struct web_req *r)
{
	struct sl_err err;
	char who[160];

	sl_err_clear(&err);
	if (r->nseg == 3 && method_is(r, EVHTTP_REQ_GET)) {
		if (r->user.role < ROLE_ADMIN) {
			web_error(r, 403, "listing users needs the admin role");
			return WEB_DONE;
		}
		web_json(r, 200, json_pack("{s:o}", "users", auth_users_json(r->w->store)));
		return WEB_DONE;
	}
	if (r->nseg == 3 && r->method == EVHTTP_REQ_POST) {
		json_t *body;
		const char *name, *role, *password;
		int role_n;

		if (session_require_change(r, ROLE_ADMIN) < 0 || (body = web_body_json(r)) == NULL)
			return WEB_DONE;
		name = json_string_value(json_object_get(body, "name"));
		role = json_string_value(json_object_get(body, "role"));
		password = json_string_value(json_object_get(body, "password"));
		role_n = auth_role_parse(role);
		if (name == NULL || role_n == 0 || password == NULL) {
			json_decref(body);
			web_error(r, 400, "a user needs name, role (viewer, operator, admin) and password");
			return WEB_DONE;
		}
		if (auth_user_add(r->w->store, name, role_n, password, &err) < 0) {
			int busy = web_store_busy(r->w);

			json_decref(body);
			if (busy)
				return WEB_BUSY;
			web_error(r, strstr(err.msg, "already exists") ? 409 : 400, "%s", err.msg);
			return WEB_DONE;
		}
		{
			json_t *detail = json_pack("{s:s,s:s}", "user", name, "role", role);

			store_audit(r->w->store, web_who(r, who, sizeof who), "user_add", NULL, detail);
			json_decref(detail);
		}
		web_json(r, 201, json_pack("{s:s,s:s}", "name", name, "role", role));
		json_decref(body);
		return WEB_DONE;
	}
	if (r->nseg == 4 && r->method == EVHTTP_REQ_DELETE) {
		if (session_require_change(r, ROLE_ADMIN) < 0)
			return WEB_DONE;
		if (auth_user_remove(r->w->store, r->seg[3], &err) < 0) {
			if (web_store_busy(r->w))
				return WEB_BUSY;
			web_error(r, 404, "%s", err.msg);
			return WEB_DONE;
		}
		{
			json_t *detail = json_pack("{s:s}", "user", r->seg[3]);

			store_audit(r->w->store, web_who(r, who, sizeof who), "user_remove", NULL, detail);
			json_decref(detail);
		}
		web_json(r, 200, json_pack("{s:s,s:b}", "name", r->seg[3], "removed", 1));
		return WEB_DONE;
	}
	return not_allowed(r, "GET, POST /users; DELETE /users/NAME");
}

/* --- routing --- */

/* /api/v1/dags/DAG/... */
static enum web_result
api_dag_routes(struct web_req *r)
{
	struct dag *d;
	const char *what = r->nseg > 4 ? r->seg[4] : NULL;

	if ((d = need_dag(r, r->seg[3])) == NULL)
		return WEB_DONE;
	if (what == NULL) {
		if (!method_is(r, EVHTTP_REQ_GET))
			return not_allowed(r, "GET");
		web_json(r, 200, api_dag_json(r->w, d));
		return WEB_DONE;
	}
	if (r->nseg == 5 && (strcmp(what, "pause") == 0 || strcmp(what, "unpause") == 0)) {
		if (r->method != EVHTTP_REQ_POST)
			return not_allowed(r, "POST");
		return api_pause(r, d, what[0] == 'p');
	}
	if (r->nseg == 5 && strcmp(what, "runs") == 0) {
		if (method_is(r, EVHTTP_REQ_GET))
			return api_runs_list(r, d);
		if (r->method == EVHTTP_REQ_POST)
			return api_trigger(r, d);
		return not_allowed(r, "GET, POST");
	}
	if (r->nseg == 5 && strcmp(what, "grid") == 0) {
		if (!method_is(r, EVHTTP_REQ_GET))
			return not_allowed(r, "GET");
		return api_grid(r, d);
	}
	if (r->nseg == 5 && (strcmp(what, "clear") == 0 || strcmp(what, "mark") == 0 ||
			     strcmp(what, "backfill") == 0)) {
		if (r->method != EVHTTP_REQ_POST)
			return not_allowed(r, "POST");
		return what[0] == 'c' ? api_clear(r, d) : what[0] == 'm' ? api_mark(r, d) :
		       api_backfill(r, d);
	}
	if (strcmp(what, "runs") == 0 && r->nseg >= 6) {
		if (!method_is(r, EVHTTP_REQ_GET))
			return not_allowed(r, "GET");
		if (r->nseg == 6)
			return api_run(r, d, r->seg[5]);
		if (r->nseg == 8 && strcmp(r->seg[6], "tasks") == 0)
			return api_task(r, d, r->seg[5], r->seg[7]);
		if (r->nseg == 10 && strcmp(r->seg[6], "tasks") == 0 && strcmp(r->seg[8], "logs") == 0)
			return api_log(r, d, r->seg[5], r->seg[7], r->seg[9]);
	}
	web_error(r, 404, "no such endpoint: %s", r->path);
	return WEB_DONE;
}

enum web_result
api_dispatch(struct web_req *r)
{
	const char *what = r->nseg > 2 ? r->seg[2] : "";

	if (session_require_read(r) < 0)
		return WEB_DONE;
	if (strcmp(what, "me") == 0 && r->nseg == 3)
		return method_is(r, EVHTTP_REQ_GET) ? api_me(r) : not_allowed(r, "GET");
	if (strcmp(what, "dags") == 0 && r->nseg == 3)
		return method_is(r, EVHTTP_REQ_GET) ? api_dags(r) : not_allowed(r, "GET");
	if (strcmp(what, "dags") == 0 && r->nseg >= 4)
		return api_dag_routes(r);
	if (strcmp(what, "audit") == 0 && r->nseg == 3)
		return method_is(r, EVHTTP_REQ_GET) ? api_audit(r) : not_allowed(r, "GET");
	if (strcmp(what, "users") == 0 && r->nseg <= 4)
		return api_users(r);
	web_error(r, 404, "no such endpoint: %s", r->path);
	return WEB_DONE;
}
