/*
 * store_needs.c: the reads `needs:` makes of upstream runs (see store.h,
 * "needs"): the runs of a DAG in a range of interval starts, the run with
 * a key, the newest successful one ending by a time; with a task, its
 * task instance's state decides, else the run's. Rows go to a callback;
 * strings in a row are valid only during the call. And the lineage:
 * which upstream tries a consumer's try consumed, the consumer runs a
 * new upstream success makes stale, and the stale flag of runs.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"

#define NEED_COLS \
	"SELECT r.id, r.start_s, r.end_s, r.partition, " \
	"CASE WHEN ?1 IS NULL THEN r.state = 'success' " \
	"ELSE ti.state = 'success' END, ti.id, ti.try_number, " \
	"CASE WHEN ?1 IS NULL THEN (SELECT sum(x.try_number) FROM task_instances x " \
	"WHERE x.run_id = r.id) ELSE 0 END " \
	"FROM dag_runs r LEFT JOIN task_instances ti " \
	"ON ti.run_id = r.id AND ti.task_id = ?1 "

/* The lineage that counts for a consumer task instance cti: that of the
 * latest try that recorded one (a retry consumes what its first try did). */
#define LATEST_TRY \
	"(SELECT max(l2.try_number) FROM needs_lineage l2 WHERE l2.ti_id = cti.id) "

/* After the last row: 0 when the statement ended well, else -1 (said). */
static int
rows_end(struct store *s, sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	store_log_failure(s);
	return -1;
}

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
		row.run_tries = sqlite3_column_int(st, 7);
		fn(arg, &row);
	}
	return rows_end(s, st, rc);
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
	    "ORDER BY r.start_s DESC, r.id DESC LIMIT 1");

	if (st == NULL)
		return -1;
	bind_task(st, task);
	sqlite3_bind_text(st, 2, dag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, end_le);
	return need_rows(s, st, fn, arg);
}

int
store_needs_lineage_clear(struct store *s, int64_t ti_id, int try_number)
{
	sqlite3_stmt *st = store_stmt(s,
	    "DELETE FROM needs_lineage WHERE ti_id = ? AND try_number = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ti_id);
	sqlite3_bind_int(st, 2, try_number);
	return store_step_done(s, st);
}

int
store_needs_lineage_add(struct store *s, int64_t ti_id, int try_number,
			int64_t up_run_id, int64_t up_ti_id, int up_try,
			const char *on_change, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO needs_lineage (ti_id, try_number, up_run_id, up_ti_id, "
	    "up_try, on_change, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ti_id);
	sqlite3_bind_int(st, 2, try_number);
	sqlite3_bind_int64(st, 3, up_run_id);
	if (up_ti_id > 0)
		sqlite3_bind_int64(st, 4, up_ti_id);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int(st, 5, up_try);
	sqlite3_bind_text(st, 6, on_change, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	return store_step_done(s, st);
}

/* Rows of (run id, dag, partition, stale, on_change) to fn. */
static int
stale_rows(struct store *s, sqlite3_stmt *st, store_stale_fn fn, void *arg)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_stale_row row;

		row.run_id = sqlite3_column_int64(st, 0);
		row.dag_id = (const char *)sqlite3_column_text(st, 1);
		row.partition = (const char *)sqlite3_column_text(st, 2);
		row.stale = sqlite3_column_int(st, 3);
		row.on_change = sqlite3_column_int(st, 4);
		fn(arg, &row);
	}
	return rows_end(s, st, rc);
}

int
store_needs_stale(struct store *s, int64_t up_run_id, store_stale_fn fn,
		  void *arg)
{
	/* the consumers' current tries that consumed an older try of it */
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT cr.id, cr.dag_id, cr.partition, cr.stale, "
	    "max(CASE l.on_change WHEN 'rerun' THEN 2 WHEN 'mark' THEN 1 ELSE 0 END) "
	    "FROM needs_lineage l "
	    "JOIN task_instances cti ON cti.id = l.ti_id AND l.try_number = " LATEST_TRY
	    "JOIN dag_runs cr ON cr.id = cti.run_id "
	    "WHERE l.up_run_id = ?1 AND l.up_try < (CASE WHEN l.up_ti_id IS NULL "
	    "THEN (SELECT sum(x.try_number) FROM task_instances x WHERE x.run_id = ?1) "
	    "ELSE (SELECT x.try_number FROM task_instances x WHERE x.id = l.up_ti_id) END) "
	    "GROUP BY cr.id ORDER BY cr.dag_id, cr.start_s");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, up_run_id);
	return stale_rows(s, st, fn, arg);
}

int
store_needs_set_stale(struct store *s, int64_t run_id, int stale)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE dag_runs SET stale = ? WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, stale);
	sqlite3_bind_int64(st, 2, run_id);
	return store_step_done(s, st);
}

int
store_needs_settled(struct store *s, store_stale_fn fn, void *arg)
{
	/* re-runs pending whose consumed upstream runs are neither queued
	 * nor running (the current tries' lineage) */
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT cr.id, cr.dag_id, cr.partition, cr.stale, 2 FROM dag_runs cr "
	    "WHERE cr.stale <> 0 AND cr.stale = 2 AND NOT EXISTS (SELECT 1 FROM task_instances cti "
	    "JOIN needs_lineage l ON l.ti_id = cti.id AND l.try_number = " LATEST_TRY
	    "JOIN dag_runs ur ON ur.id = l.up_run_id "
	    "WHERE cti.run_id = cr.id AND ur.state IN ('queued', 'running')) "
	    "ORDER BY cr.dag_id, cr.start_s");

	if (st == NULL)
		return -1;
	return stale_rows(s, st, fn, arg);
}

json_t *
store_needs_lineage_json(struct store *s, const char *dag_id,
			 const char *partition, const char *task)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT l.try_number AS try, ur.dag_id AS dag, ut.task_id AS task, "
	    "ur.partition, l.up_try AS upstream_try, l.on_change, "
	    "l.recorded_at, ur.state AS upstream_state, "
	    "(CASE WHEN l.up_ti_id IS NULL "
	    "THEN (SELECT sum(x.try_number) FROM task_instances x WHERE x.run_id = ur.id) "
	    "ELSE ut.try_number END) > l.up_try AS changed "
	    "FROM dag_runs cr JOIN task_instances cti ON cti.run_id = cr.id "
	    "JOIN needs_lineage l ON l.ti_id = cti.id "
	    "JOIN dag_runs ur ON ur.id = l.up_run_id "
	    "LEFT JOIN task_instances ut ON ut.id = l.up_ti_id "
	    "WHERE cr.dag_id = ?1 AND cr.partition = ?2 AND cti.task_id = ?3 "
	    "ORDER BY l.try_number DESC, ur.dag_id, ur.start_s");

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
	return store_rows_json(st);
}

json_t *
store_needs_consequences(struct store *s, const char *dag_id, int64_t from_s,
			 int64_t to_s, const char *partition)
{
	/* UNION (not ALL): each run once, and a loop of runs ends */
	sqlite3_stmt *st = store_stmt(s,
	    "WITH RECURSIVE up(run_id) AS ("
	    " SELECT r.id FROM dag_runs r WHERE r.dag_id = ?1 "
	    " AND r.start_s BETWEEN ?2 AND ?3 AND (?4 IS NULL OR r.partition = ?4) "
	    " UNION "
	    " SELECT cti.run_id FROM up JOIN needs_lineage l ON l.up_run_id = up.run_id "
	    " JOIN task_instances cti ON cti.id = l.ti_id AND l.try_number = " LATEST_TRY
	    " WHERE l.on_change = 'rerun') "
	    "SELECT r.dag_id AS dag, r.partition FROM up JOIN dag_runs r ON r.id = up.run_id "
	    "WHERE r.dag_id <> ?1 ORDER BY r.dag_id, r.start_s");

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_s);
	sqlite3_bind_int64(st, 3, to_s);
	if (partition != NULL)
		sqlite3_bind_text(st, 4, partition, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	return store_rows_json(st);
}
