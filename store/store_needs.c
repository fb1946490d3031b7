/*
 * store_needs.c: the reads `needs:` makes of upstream runs (see store.h,
 * "needs"): the runs of a DAG in a range of interval starts, the run with
 * a key, the newest successful one ending by a time; with a task, its
 * task instance's state decides, else the run's. Rows go to a callback;
 * strings in a row are valid only during the call.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"

#define NEED_COLS \
	"SELECT r.id, r.start_s, r.end_s, r.partition, " \
	"CASE WHEN ?1 IS NULL THEN r.state = 'success' " \
	"ELSE ti.state = 'success' END, ti.id, ti.try_number " \
	"FROM dag_runs r LEFT JOIN task_instances ti " \
	"ON ti.run_id = r.id AND ti.task_id = ?1 "

static int
need_rows(struct store *s, sqlite3_stmt *st, store_need_fn fn, void *arg)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_need_row row;
		const char *p = (const char *)sqlite3_column_text(st, 3);

		row.run_id = sqlite3_column_int64(st, 0);
		row.start_s = sqlite3_column_int64(st, 1);
		row.end_s = sqlite3_column_int64(st, 2);
		row.partition = p ? p : "";
		row.success = sqlite3_column_int(st, 4);
		row.ti_id = sqlite3_column_int64(st, 5);
		row.try_number = sqlite3_column_int(st, 6);
		fn(arg, &row);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_log_failure(s);
		return -1;
	}
	return 0;
}

static void
bind_task(sqlite3_stmt *st, const char *task)
{
	if (task != NULL)
		sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
}

int
store_needs_range(struct store *s, const char *dag, const char *task,
		  int64_t from_start, int64_t to_start, store_need_fn fn,
		  void *arg)
{
	sqlite3_stmt *st = store_stmt(s, NEED_COLS
	    "WHERE r.dag_id = ?2 AND r.start_s BETWEEN ?3 AND ?4 "
	    "ORDER BY r.start_s");

	if (st == NULL)
		return -1;
	bind_task(st, task);
	sqlite3_bind_text(st, 2, dag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, from_start);
	sqlite3_bind_int64(st, 4, to_start);
	return need_rows(s, st, fn, arg);
}

int
store_needs_key(struct store *s, const char *dag, const char *task,
		const char *partition, store_need_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, NEED_COLS
	    "WHERE r.dag_id = ?2 AND r.partition = ?3");

	if (st == NULL)
		return -1;
	bind_task(st, task);
	sqlite3_bind_text(st, 2, dag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, partition, -1, SQLITE_STATIC);
	return need_rows(s, st, fn, arg);
}

int
store_needs_latest(struct store *s, const char *dag, const char *task,
		   int64_t end_le, store_need_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, NEED_COLS
	    "WHERE r.dag_id = ?2 AND r.end_s <= ?3 AND "
	    "(CASE WHEN ?1 IS NULL THEN r.state = 'success' "
	    "ELSE ti.state = 'success' END) "
	    "ORDER BY r.start_s DESC LIMIT 1");

	if (st == NULL)
		return -1;
	bind_task(st, task);
	sqlite3_bind_text(st, 2, dag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, end_le);
	return need_rows(s, st, fn, arg);
}
