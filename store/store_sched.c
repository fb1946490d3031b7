/*
 * store_sched.c: the reads the scheduler makes of runs and task instances
 * (reload, recovery, depends_on_past) and the DAG row it keeps in step
 * (pause, catch-up cursor). Rows are handed to a callback one at a time;
 * strings in a row are valid only during the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* The text of column i, "" for NULL (never NULL). */
static const char *
col_text(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v ? v : "";
}

/* Column i, or NULL when the column is NULL. */
static const char *
col_text_or_null(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* After the last row: 0 when the statement ended well, else -1 (logged). */
static int
step_end(struct store *s, sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_log_failure(s);
		return -1;
	}
	return 0;
}

int
store_dag_get(struct store *s, const char *dag_id, struct store_dag_row *out)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT paused, next_start_s, first_seen_at FROM dags WHERE dag_id = ?");
	int rc;

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->paused = sqlite3_column_int(st, 0);
		out->has_cursor = sqlite3_column_type(st, 1) != SQLITE_NULL;
		out->cursor = sqlite3_column_int64(st, 1);
		out->first_seen_ms = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
		return 1;
	}
	return step_end(s, st, rc);
}

int
store_sched_runs(struct store *s, store_run_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT r.id, r.dag_id, r.partition, r.start_s, r.end_s, r.run_type, "
	    "r.state, r.params, r.lane = 'backfill', coalesce(r.backfill_id, 0), "
	    "coalesce(b.max_active, 0), coalesce(b.newest_first, 0) "
	    "FROM dag_runs r LEFT JOIN backfills b ON b.id = r.backfill_id "
	    "WHERE r.state IN ('queued', 'running') ORDER BY r.start_s, r.id");
	int rc;

	if (st == NULL || store_fault(s))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_run_row row;

		row.id = sqlite3_column_int64(st, 0);
		row.dag_id = col_text(st, 1);
		row.partition = col_text(st, 2);
		row.start_s = sqlite3_column_int64(st, 3);
		row.end_s = sqlite3_column_int64(st, 4);
		row.run_type = col_text(st, 5);
		row.state = run_state_parse(col_text(st, 6));
		row.params = col_text_or_null(st, 7);
		row.backfill_lane = sqlite3_column_int(st, 8);
		row.backfill_id = sqlite3_column_int64(st, 9);
		row.bf_max_active = sqlite3_column_int(st, 10);
		row.bf_newest_first = sqlite3_column_int(st, 11);
		fn(arg, &row);
	}
	return step_end(s, st, rc);
}

int
store_sched_tis(struct store *s, int64_t run_id, store_ti_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, task_id, state, try_number, max_tries, next_at, "
	    "first_poke_at, sla_notified, map_index, map_count, map_item "
	    "FROM task_instances WHERE run_id = ? "
	    "ORDER BY map_index IS NOT NULL, map_index");
	int rc, n = 0;

	if (st == NULL || store_fault(s))
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_ti_row row;

		row.id = sqlite3_column_int64(st, 0);
		row.task_id = col_text(st, 1);
		row.state = ti_state_parse(col_text(st, 2));
		row.try_number = sqlite3_column_int(st, 3);
		row.max_tries = sqlite3_column_int(st, 4);
		row.next_at = sqlite3_column_int64(st, 5);
		row.first_poke_at = sqlite3_column_int64(st, 6);
		row.sla_notified = sqlite3_column_int(st, 7);
		row.map_index = sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 8);
		row.map_count = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 9);
		row.map_item = col_text_or_null(st, 10);
		n += fn(arg, &row);
	}
	if (step_end(s, st, rc) < 0)
		return -1;
	return n;
}

int
store_sched_lost(struct store *s, store_lost_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT ti.id, ti.state, ti.token, ti.executor, ti.try_number, ti.max_tries, "
	    "ti.started_at, ti.task_id, ti.dag_id, ti.run_id, r.partition "
	    "FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE (ti.state IN ('queued', 'running') OR ti.token IS NOT NULL) "
	    /* a mapped task's parent runs while its items do: no try */
	    "AND NOT (ti.map_count IS NOT NULL AND ti.map_index IS NULL AND ti.token IS NULL)");
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_lost_row row;

		row.id = sqlite3_column_int64(st, 0);
		row.state = ti_state_parse(col_text(st, 1));
		row.token = col_text_or_null(st, 2);
		row.executor = col_text_or_null(st, 3);
		row.try_number = sqlite3_column_int(st, 4);
		row.max_tries = sqlite3_column_int(st, 5);
		row.started_at = sqlite3_column_int64(st, 6);
		row.task_id = col_text(st, 7);
		row.dag_id = col_text(st, 8);
		row.run_id = sqlite3_column_int64(st, 9);
		row.partition = col_text(st, 10);
		fn(arg, &row);
	}
	return step_end(s, st, rc);
}

int
store_ti_forget_token(struct store *s, int64_t ti_id)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE task_instances SET token = NULL WHERE id = ? "
	    "AND state NOT IN ('queued', 'running')");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ti_id);
	return store_step_done(s, st);
}

/* Why a person (or a backfill's cancel) stopped ti_id's try: the reason of
 * its newest state change ("cleared by NAME", "marked success by NAME",
 * "killed: backfill N cancelled by NAME") into buf. 1 found, 0 none, -1 a
 * failed read. */
int
store_ti_stop_reason(struct store *s, int64_t ti_id, char *buf, size_t n)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT reason FROM state_changes WHERE run_id = "
	    "(SELECT run_id FROM task_instances WHERE id = ?1) AND ti_id = ?1 "
	    "AND reason IS NOT NULL ORDER BY id DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ti_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(buf, n, "%s", col_text(st, 0));
		sqlite3_reset(st);
		return 1;
	}
	return step_end(s, st, rc) < 0 ? -1 : 0;
}

int
store_ti_past_state(struct store *s, const char *dag_id, const char *task_id,
		    int64_t before_start_s, enum ti_state *state)
{
	return store_ti_past(s, dag_id, task_id, before_start_s, state, NULL, 0);
}

int
store_ti_past(struct store *s, const char *dag_id, const char *task_id,
	      int64_t before_start_s, enum ti_state *state, char *partition,
	      size_t n)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT ti.state, r.partition FROM dag_runs r JOIN task_instances ti ON ti.run_id = r.id "
	    "WHERE r.dag_id = ? AND r.start_s < ? AND ti.task_id = ? "
	    "ORDER BY r.start_s DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before_start_s);
	sqlite3_bind_text(st, 3, task_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*state = ti_state_parse(col_text(st, 0));
		if (partition != NULL && n > 0)
			snprintf(partition, n, "%s", col_text(st, 1));
		sqlite3_reset(st);
		return 1;
	}
	return step_end(s, st, rc);
}

void
store_test_fail_commits(struct store *s, int n)
{
	s->fail_commits = n;
}

void
store_test_fail_nth(struct store *s, int n, int count)
{
	s->fault_at = n;
	s->fault_more = count > 1 ? count - 1 : 0;
	s->fault_fired = 0;
}

int
store_test_fault_fired(struct store *s)
{
	return s->fault_fired;
}
