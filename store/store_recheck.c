/*
 * store_recheck.c: sensor fingerprints (migrations/0007): what a sensor
 * matched when it passed, and the reads the scheduler's rechecks make of
 * them (scheduler/sched_recheck.c). Strings in a row are valid only
 * during the callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v ? v : "";
}

/* The five columns both reads start with. */
#define RECHECK_HEAD "SELECT f.ti_id, ti.dag_id, ti.task_id, r.end_s, f.recorded_at"
#define RECHECK_FROM " FROM sensor_fingerprints f JOIN task_instances ti ON ti.id = f.ti_id " \
	"JOIN dag_runs r ON r.id = ti.run_id "

static void
row_head(sqlite3_stmt *st, struct store_recheck_row *row)
{
	memset(row, 0, sizeof *row);
	row->ti_id = sqlite3_column_int64(st, 0);
	row->dag_id = col_text(st, 1);
	row->task_id = col_text(st, 2);
	row->end_s = sqlite3_column_int64(st, 3);
	row->recorded_at = sqlite3_column_int64(st, 4);
}

int
store_recheck_record(struct store *s, int64_t ti_id, const char *objects,
		     int count, int64_t now_ms, int changed)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO sensor_fingerprints (ti_id, objects, count, recorded_at, changes) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (ti_id) DO UPDATE SET "
	    "objects = excluded.objects, count = excluded.count, "
	    "recorded_at = excluded.recorded_at, changes = changes + excluded.changes");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ti_id);
	sqlite3_bind_text(st, 2, objects, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, count);
	sqlite3_bind_int64(st, 4, now_ms);
	sqlite3_bind_int(st, 5, changed ? 1 : 0);
	return store_step_done(s, st);
}

int
store_recheck_each(struct store *s, store_recheck_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, RECHECK_HEAD RECHECK_FROM
	    "WHERE ti.state = 'success' ORDER BY f.ti_id");
	int rc, n = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_recheck_row row;

		row_head(st, &row);
		fn(arg, &row);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_log_failure(s);
		return -1;
	}
	return n;
}

int
store_recheck_get(struct store *s, int64_t ti_id, store_recheck_fn fn,
		  void *arg)
{
	sqlite3_stmt *st = store_stmt(s, RECHECK_HEAD
	    ", r.partition, r.run_type, r.start_s, r.params, ti.state, "
	    "ti.try_number, f.objects, f.count" RECHECK_FROM "WHERE f.ti_id = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ti_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct store_recheck_row row;

		row_head(st, &row);
		row.partition = col_text(st, 5);
		row.run_type = col_text(st, 6);
		row.start_s = sqlite3_column_int64(st, 7);
		row.params = (const char *)sqlite3_column_text(st, 8);
		row.state = ti_state_parse(col_text(st, 9));
		row.try_number = sqlite3_column_int(st, 10);
		row.objects = col_text(st, 11);
		row.count = sqlite3_column_int(st, 12);
		fn(arg, &row);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_log_failure(s);
		return -1;
	}
	return 0;
}
