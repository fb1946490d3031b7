/* store_views.c: reads for the CLI and the web, as JSON. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag.h"
#include "scheduler/tz.h"
#include "store/store_internal.h"

/* --- reads --- */

static json_t *
col_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return json_null();
	default: {
		json_t *v = json_string((const char *)sqlite3_column_text(st, i));

		return v ? v : json_null();
	}
	}
}

json_t *
store_rows_json(sqlite3_stmt *st)
{
	json_t *arr = json_array();

	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_object();

		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *name = sqlite3_column_name(st, i);

			if (strcmp(name, "params") == 0 &&
			    sqlite3_column_type(st, i) == SQLITE_TEXT) {
				json_t *p = json_loads((const char *)sqlite3_column_text(st, i), 0, NULL);

				json_object_set_new(o, name, p ? p : json_null());
				continue;
			}
			json_object_set_new(o, name, col_json(st, i));
		}
		json_array_append_new(arr, o);
	}
	sqlite3_reset(st);
	return arr;
}

json_t *
store_runs_json(struct store *s, const char *dag_id, int64_t from_s,
		int64_t to_s, const char *state, int limit, int offset)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, dag_id AS dag, partition, start_s, end_s, run_type, state, params, "
	    "created_at, started_at, ended_at FROM dag_runs "
	    "WHERE dag_id = ?1 AND start_s BETWEEN ?2 AND ?3 AND (?4 IS NULL OR state = ?4) "
	    "ORDER BY start_s DESC, id DESC LIMIT ?5 OFFSET ?6");

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_s);
	sqlite3_bind_int64(st, 3, to_s);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, limit);
	sqlite3_bind_int(st, 6, offset);
	return store_rows_json(st);
}

json_t *
store_run_json(struct store *s, const char *dag_id, const char *partition)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, dag_id AS dag, partition, start_s, end_s, run_type, state, params, "
	    "created_at, started_at, ended_at FROM dag_runs WHERE dag_id = ? AND partition = ?");
	json_t *rows, *r;

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	rows = store_rows_json(st);
	r = json_array_get(rows, 0);
	if (r != NULL)
		json_incref(r);
	json_decref(rows);
	return r;
}

json_t *
store_tis_json(struct store *s, const char *dag_id, const char *partition)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT ti.task_id AS task, ti.state, ti.try_number, ti.max_tries, ti.started_at, "
	    "ti.ended_at, ti.duration_ms, ti.exit_code, ti.signal, ti.host, ti.executor, ti.error, ti.next_at "
	    "FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE r.dag_id = ? AND r.partition = ? ORDER BY ti.id");

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	return store_rows_json(st);
}

json_t *
store_tries_json(struct store *s, const char *dag_id, const char *task,
		 const char *partition)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT t.try_number, t.state, t.started_at, t.ended_at, t.exit_code, t.signal, "
	    "t.host, t.error FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id "
	    "JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE r.dag_id = ? AND r.partition = ? AND ti.task_id = ? ORDER BY t.try_number");

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
	return store_rows_json(st);
}

json_t *
store_audit_json(struct store *s, int limit, int offset)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, at, who, action, dag_id AS dag, detail FROM audit "
	    "ORDER BY id DESC LIMIT ? OFFSET ?");

	sqlite3_bind_int(st, 1, limit);
	sqlite3_bind_int(st, 2, offset);
	return store_rows_json(st);
}

json_t *
store_dags_json(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT dag_id AS dag, paused, file, schedule, timezone, description, error "
	    "FROM dags ORDER BY dag_id");

	return store_rows_json(st);
}

int
store_partition_start(struct store *s, const struct dag *dag, const char *arg,
		      int64_t *start_s, struct sl_err *err)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT start_s FROM dag_runs WHERE dag_id = ? AND partition = ?");
	int found = 0;
	struct sl_err terr;

	sqlite3_bind_text(st, 1, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*start_s = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	if (found)
		return 0;
	sl_err_clear(&terr);
	if (tz_parse_time(dag->tz, arg, start_s, &terr) < 0)
		return sl_err_set(err,
				  "'%s' is neither a partition of %s nor a time: %s",
				  arg, dag->name, terr.msg);
	return 0;
}

