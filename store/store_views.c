/* store_views.c: reads for the CLI and the web, as JSON. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
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
		/* text an older sluice stored unchecked (a DAG file name of
		 * bytes that are not UTF-8) is shown escaped, never dropped */
		const char *text = (const char *)sqlite3_column_text(st, i);
		struct buf b;
		json_t *v;

		if (text == NULL)
			return json_null();
		if ((v = json_string(text)) != NULL)
			return v;
		buf_init(&b, 0);
		text_utf8_escape(&b, text, strlen(text));
		v = json_string(buf_str(&b));
		buf_free(&b);
		return v ? v : json_null();
	}
	}
}

json_t *
store_rows_json(sqlite3_stmt *st)
{
	json_t *arr = json_array();
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();

		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *name = sqlite3_column_name(st, i);

			if ((strcmp(name, "params") == 0 || strcmp(name, "ran") == 0) &&
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
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

json_t *
store_runs_json(struct store *s, const char *dag_id, int64_t from_s,
		int64_t to_s, const char *state, int limit, int offset)
{
	struct store_run_range range = { from_s, 0, to_s, 0 };

	return store_runs_range_json(s, dag_id, &range, state, limit, offset);
}

json_t *
store_runs_range_json(struct store *s, const char *dag_id,
		      const struct store_run_range *range, const char *state,
		      int limit, int offset)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, dag_id AS dag, partition, start_s, end_s, run_type, state, params, "
	    "created_at, started_at, ended_at, stale, lane, backfill_id FROM dag_runs "
	    "WHERE dag_id = ?1 AND " STORE_RUN_IN_RANGE("dag_runs", "?2", "?7", "?3", "?8")
	    "AND (?4 IS NULL OR state = ?4) "
	    "ORDER BY start_s DESC, id DESC LIMIT ?5 OFFSET ?6");

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, range->from_s);
	sqlite3_bind_int64(st, 3, range->to_s);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, limit);
	sqlite3_bind_int(st, 6, offset);
	sqlite3_bind_int64(st, 7, range->from_id);
	sqlite3_bind_int64(st, 8, range->to_id);
	return store_rows_json(st);
}

json_t *
store_run_json(struct store *s, const char *dag_id, const char *partition)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, dag_id AS dag, partition, start_s, end_s, run_type, state, params, "
	    "created_at, started_at, ended_at, stale, lane, backfill_id FROM dag_runs WHERE dag_id = ? AND partition = ?");
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
	    "ti.ended_at, ti.duration_ms, ti.exit_code, ti.signal, ti.host, ti.executor, ti.error, ti.next_at, "
	    "ti.ran, ti.dag_hash, ti.output, ti.map_index, ti.map_item, ti.map_count "
	    "FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE r.dag_id = ? AND r.partition = ? "
	    /* a mapped task's items right after it, by index */
	    "ORDER BY " STORE_MAP_PARENT_ID("ti") ", ti.map_index IS NOT NULL, ti.map_index");
	json_t *rows;

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	rows = store_rows_json(st);
	store_outputs_parse(rows);
	store_map_items_parse(rows);
	return rows;
}

json_t *
store_tries_json(struct store *s, const char *dag_id, const char *task,
		 const char *partition)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT t.try_number, t.state, t.started_at, t.ended_at, t.exit_code, t.signal, "
	    "t.host, t.error, t.ran, t.dag_hash FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id "
	    "JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE r.dag_id = ? AND r.partition = ? AND ti.task_id = ? ORDER BY t.try_number");

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
	return store_rows_json(st);
}

int
store_tries_holding(struct store *s,
		    void (*cb)(void *arg, const char *dag, const char *task,
			       const char *executor, int backfill_lane,
			       int64_t n),
		    void *arg)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT ti.dag_id, ti.task_id, ti.executor, r.lane = 'backfill', count(*) "
	    "FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE ti.state IN ('queued', 'running') "
	    "GROUP BY ti.dag_id, ti.task_id, ti.executor, r.lane = 'backfill'");
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1),
		   (const char *)sqlite3_column_text(st, 2),
		   sqlite3_column_int(st, 3), sqlite3_column_int64(st, 4));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_tis_on_executors(struct store *s,
		       void (*cb)(void *arg, const char *dag, const char *task,
				  const char *executor, const char *host,
				  int running, int64_t n),
		       void *arg)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT dag_id, task_id, executor, host, state = 'running', count(*) "
	    "FROM task_instances WHERE state IN ('queued', 'running') "
	    "GROUP BY dag_id, task_id, executor, host, state = 'running'");
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1),
		   (const char *)sqlite3_column_text(st, 2),
		   (const char *)sqlite3_column_text(st, 3),
		   sqlite3_column_int(st, 4), sqlite3_column_int64(st, 5));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int64_t
store_dag_running_runs(struct store *s, const char *dag_id)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT count(*) FROM dag_runs WHERE dag_id = ? AND state = 'running'");
	int64_t n = -1;

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
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

json_t *
store_dags_unloaded_json(struct store *s, const struct dagbag *bag)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT dag_id AS dag, file, schedule, timezone, description, paused, error "
	    "FROM dags WHERE file IS NOT NULL ORDER BY dag_id");
	json_t *rows = store_rows_json(st), *out, *o;
	size_t i;

	if (rows == NULL)
		return NULL;
	out = json_array();
	json_array_foreach(rows, i, o) {
		const char *name = json_string_value(json_object_get(o, "dag"));
		const char *file = json_string_value(json_object_get(o, "file"));
		const struct dagbag_entry *e = NULL;

		if (name == NULL || file == NULL || dagbag_find(bag, name) != NULL)
			continue;
		for (int k = 0; k < bag->n && e == NULL; k++)
			if (strcmp(bag->entries[k].file, file) == 0)
				e = &bag->entries[k];
		json_object_set_new(o, "paused", json_boolean(
		    json_integer_value(json_object_get(o, "paused")) != 0));
		json_object_set_new(o, "file_missing", json_boolean(e == NULL));
		if (e != NULL && e->error != NULL)
			json_object_set_new(o, "error", json_string(e->error));
		else if (e == NULL)
			json_object_set_new(o, "error", json_sprintf(
			    "%s: the DAG file is gone (deleted or moved)", file));
		else if (e->dag != NULL)
			json_object_set_new(o, "error", json_sprintf(
			    "%s: the file declares DAG '%s' now", file,
			    e->dag->name));
		json_array_append(out, o);
	}
	json_decref(rows);
	return out;
}



/* --- the web's views --- */

json_t *
store_dag_last_runs_json(struct store *s, const char *dag_id, int n)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT partition, state FROM dag_runs WHERE dag_id = ? "
	    "ORDER BY start_s DESC LIMIT ?");
	json_t *arr = json_array();
	int rc;

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s,s:s}",
		    "partition", (const char *)sqlite3_column_text(st, 0),
		    "state", (const char *)sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

void
store_grid_runs_free(struct store_grid_run *runs, int n)
{
	for (int i = 0; i < n; i++) {
		free(runs[i].partition);
		free(runs[i].state);
		free(runs[i].run_type);
	}
	free(runs);
}

/* The grid's WHERE: ?1 DAG, ?2..?3 starts (?9, ?10 the run ids at them),
 * ?4 run state, ?5 a task instance's state (NULL: any). */
#define GRID_WHERE \
	"WHERE dag_id = ?1 AND " STORE_RUN_IN_RANGE("dag_runs", "?2", "?9", "?3", "?10") \
	"AND (?4 IS NULL OR state = ?4) " \
	"AND (?5 IS NULL OR EXISTS (SELECT 1 FROM task_instances ti " \
	"WHERE ti.run_id = dag_runs.id AND ti.state = ?5)) " \
	"AND (?8 = 0 OR stale <> 0) "

static void
grid_bind(sqlite3_stmt *st, const char *dag_id, const struct store_grid_query *q)
{
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, q->from_s);
	sqlite3_bind_int64(st, 3, q->to_s);
	if (q->run_state != NULL)
		sqlite3_bind_text(st, 4, q->run_state, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	if (q->ti_state != NULL)
		sqlite3_bind_text(st, 5, q->ti_state, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int(st, 8, q->only_stale);
	sqlite3_bind_int64(st, 9, q->from_id);
	sqlite3_bind_int64(st, 10, q->to_id);
}

int
store_grid_runs(struct store *s, const char *dag_id,
		const struct store_grid_query *q, int limit, int offset,
		struct store_grid_run **out, int *nruns, int64_t *total)
{
	sqlite3_stmt *st;
	struct store_grid_run *runs;
	int n = 0, rc;

	*out = NULL;
	*nruns = 0;
	*total = 0;
	st = store_stmt(s, "SELECT count(*) FROM dag_runs " GRID_WHERE);
	grid_bind(st, dag_id, q);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*total = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return -1;
	/* the page of runs walks dag_runs_interval backwards: no sort */
	st = store_stmt(s,
	    "SELECT id, partition, start_s, end_s, state, run_type FROM dag_runs "
	    GRID_WHERE "ORDER BY start_s DESC, id DESC LIMIT ?6 OFFSET ?7");
	grid_bind(st, dag_id, q);
	sqlite3_bind_int(st, 6, limit);
	sqlite3_bind_int(st, 7, offset);
	runs = xcalloc(limit > 0 ? (size_t)limit : 1, sizeof *runs);
	while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_grid_run *g = &runs[n++];

		g->id = sqlite3_column_int64(st, 0);
		g->partition = xstrdup((const char *)sqlite3_column_text(st, 1));
		g->start_s = sqlite3_column_int64(st, 2);
		g->end_s = sqlite3_column_int64(st, 3);
		g->state = xstrdup((const char *)sqlite3_column_text(st, 4));
		g->run_type = xstrdup((const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_grid_runs_free(runs, n);
		return -1;
	}
	*out = runs;
	*nruns = n;
	return 0;
}

int
store_grid_position(struct store *s, const char *dag_id,
		    const struct store_grid_query *q, int64_t start_s,
		    int64_t *pos)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT count(*) FROM dag_runs " GRID_WHERE "AND start_s > ?6");
	int rc;

	grid_bind(st, dag_id, q);
	sqlite3_bind_int64(st, 6, start_s);
	rc = sqlite3_step(st);
	*pos = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_grid_tis(struct store *s, int64_t run_id,
	       void (*cb)(void *arg, const char *task, const char *state,
			  int64_t duration_ms, int try_number),
	       void *arg)
{
	/* a run's task instances through UNIQUE (run_id, task_id) */
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT task_id, state, duration_ms, try_number FROM task_instances "
	    "WHERE run_id = ?");
	int rc;

	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1),
		   sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 :
		   sqlite3_column_int64(st, 2),
		   sqlite3_column_int(st, 3));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_counts_by_state(struct store *s, int tis,
		      void (*cb)(void *arg, const char *dag, const char *state,
				 int64_t n),
		      void *arg)
{
	sqlite3_stmt *st = tis ?
	    store_stmt(s, "SELECT dag_id, state, count(*) FROM task_instances "
			  "GROUP BY dag_id, state ORDER BY 1, 2") :
	    store_stmt(s, "SELECT dag_id, state, count(*) FROM dag_runs "
			  "GROUP BY dag_id, state ORDER BY 1, 2");
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1),
		   sqlite3_column_int64(st, 2));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

#define DURATION_BOUNDS 9

int
store_durations(struct store *s, const int64_t *bounds_ms, int nbounds,
		void (*cb)(void *arg, const char *dag, int64_t count,
			   int64_t sum_ms, const int64_t *le),
		void *arg)
{
	/* every try that ended, not each instance's last: a clear or a retry
	 * keeps the tries before it, so the counts only grow (Prometheus reads
	 * a histogram's counts as counters; those of task instances fell at
	 * each clear and came back at the re-run, which counted nothing) */
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT ti.dag_id, count(*), sum(d), "
	    "sum(d <= ?1), sum(d <= ?2), sum(d <= ?3), sum(d <= ?4), sum(d <= ?5), "
	    "sum(d <= ?6), sum(d <= ?7), sum(d <= ?8), sum(d <= ?9) "
	    "FROM (SELECT ti_id, max(ended_at - started_at, 0) AS d FROM task_tries "
	    "      WHERE started_at IS NOT NULL AND ended_at IS NOT NULL) t "
	    "JOIN task_instances ti ON ti.id = t.ti_id "
	    "GROUP BY ti.dag_id ORDER BY ti.dag_id");
	int64_t le[DURATION_BOUNDS];
	int rc;

	if (nbounds > DURATION_BOUNDS)
		return -1;
	/* unused bounds count nothing */
	for (int i = 0; i < DURATION_BOUNDS; i++)
		sqlite3_bind_int64(st, i + 1, i < nbounds ? bounds_ms[i] : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < DURATION_BOUNDS; i++)
			le[i] = sqlite3_column_int64(st, 3 + i);
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		   sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), le);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
