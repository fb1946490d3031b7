/*
 * store_backfill.c: backfills as objects (migrations/0009_backfills.sql,
 * the range covered and the one asked: 0016_backfill_range.sql):
 * their rows, the lane and backfill of each run, their state as their runs
 * move, their progress, and cancelling one. What a backfill selects is
 * decided by scheduler/backfill.c; this file only records and reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* The text of column i, or NULL. */
static const char *
bf_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
store_backfill_add(struct store *s, const struct store_backfill_spec *b,
		   const char *who, int64_t *id, struct sl_err *err)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO backfills (dag_id, from_key, to_key, only, newest_first, "
	    "max_active, state, total, created_by, created_at, asked_from, "
	    "asked_to, left_out) "
	    "VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?)");

	if (st == NULL)
		return store_db_err(s, err, "backfill");
	sqlite3_bind_text(st, 1, b->dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, b->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b->only, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, b->newest_first != 0);
	if (b->max_active > 0)
		sqlite3_bind_int(st, 6, b->max_active);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, who ? who : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, sl_now_ms());
	sqlite3_bind_text(st, 9, b->asked_from ? b->asked_from : b->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, b->asked_to ? b->asked_to : b->to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, b->left_out);
	if (store_step_done(s, st) < 0)
		return store_db_err(s, err, "recording the backfill");
	*id = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int
store_run_set_lane(struct store *s, int64_t run_id, int backfill_lane,
		   int64_t backfill_id)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE dag_runs SET lane = ?, "
	    "backfill_id = CASE WHEN ? > 0 THEN ? ELSE backfill_id END WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, backfill_lane ? "backfill" : "live", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, backfill_id);
	sqlite3_bind_int64(st, 3, backfill_id);
	sqlite3_bind_int64(st, 4, run_id);
	return store_step_done(s, st);
}

int
store_backfill_set_total(struct store *s, int64_t id, int total)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE backfills SET total = ? WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, total);
	sqlite3_bind_int64(st, 2, id);
	if (store_step_done(s, st) < 0)
		return -1;
	return store_backfill_settle(s, id);
}

/* Its runs counted, as the statements below read them (by the partial
 * index on backfill_id). */
#define BF_COUNTS \
	"WITH c AS (SELECT " \
	" coalesce(sum(state IN ('queued', 'running')), 0) AS open, " \
	" coalesce(sum(state <> 'queued'), 0) AS started, " \
	" coalesce(sum(state IN ('success', 'failed')), 0) AS done, " \
	" coalesce(sum(state = 'failed'), 0) AS failed " \
	" FROM dag_runs WHERE backfill_id = ?1) "

/* A cancelled backfill whose last running run ended keeps its counts
 * from then on (a later backfill may take its runs over). */
static int
bf_keep_counts(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, BF_COUNTS
	    "UPDATE backfills SET ended_done = (SELECT done FROM c), "
	    " ended_failed = (SELECT failed FROM c) "
	    "WHERE id = ?1 AND state = 'cancelled' AND ended_done IS NULL "
	    "AND (SELECT open FROM c) = 0");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_step_done(s, st);
}

/*
 * A backfill not ended or cancelled follows its runs: running once one of
 * them left the queue, done (or failed, when one failed) once none is
 * queued or running, and then keeps the counts it ended with (a later
 * backfill that re-runs one of its runs takes the run over). One
 * statement for each.
 */
int
store_backfill_settle(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, BF_COUNTS
	    "UPDATE backfills SET "
	    " state = (SELECT CASE WHEN open > 0 AND started > 0 THEN 'running' "
	    "   WHEN open > 0 THEN 'queued' WHEN failed > 0 THEN 'failed' "
	    "   ELSE 'done' END FROM c), "
	    " started_at = CASE WHEN started_at IS NULL AND (SELECT started FROM c) > 0 "
	    "   THEN ?2 ELSE started_at END, "
	    " ended_at = CASE WHEN (SELECT open FROM c) = 0 THEN ?2 ELSE NULL END, "
	    " ended_done = CASE WHEN (SELECT open FROM c) = 0 THEN (SELECT done FROM c) END, "
	    " ended_failed = CASE WHEN (SELECT open FROM c) = 0 THEN (SELECT failed FROM c) END "
	    "WHERE id = ?1 AND state IN ('queued', 'running')");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, sl_now_ms());
	if (store_step_done(s, st) < 0)
		return -1;
	return bf_keep_counts(s, id);
}

/* The columns store_backfills_json reads, in this order. */
#define BF_COLUMNS \
	"b.id, b.dag_id, b.from_key, b.to_key, b.only, b.newest_first, " \
	"b.max_active, b.state, b.total, b.created_by, b.created_at, " \
	"b.started_at, b.ended_at, " \
	"(SELECT count(*) FROM dag_runs r WHERE r.backfill_id = b.id " \
	" AND r.state IN ('success', 'failed')), " \
	"(SELECT count(*) FROM dag_runs r WHERE r.backfill_id = b.id " \
	" AND r.state = 'failed'), " \
	"(SELECT count(*) FROM dag_runs r WHERE r.backfill_id = b.id " \
	" AND r.state = 'running'), " \
	"(SELECT count(*) FROM dag_runs r WHERE r.backfill_id = b.id " \
	" AND r.state = 'queued'), " \
	"coalesce(b.asked_from, b.from_key), coalesce(b.asked_to, b.to_key), " \
	"b.left_out, b.ended_done, b.ended_failed "

/* One row as the CLI and the API show it: progress (of an ended backfill,
 * the counts it ended with) and an ETA from the pace so far (runs done per
 * second since it started). */
static json_t *
bf_row_json(sqlite3_stmt *st, int64_t now_ms)
{
	json_t *o = json_object();
	int total = sqlite3_column_int(st, 8), done = sqlite3_column_int(st, 13);
	int failed = sqlite3_column_int(st, 14), running = sqlite3_column_int(st, 15);
	int queued = sqlite3_column_int(st, 16);
	int64_t started = sqlite3_column_int64(st, 11);
	const char *state = bf_col(st, 7);

	if (sqlite3_column_type(st, 20) != SQLITE_NULL) {
		done = sqlite3_column_int(st, 20);
		failed = sqlite3_column_int(st, 21);
		running = queued = 0;
	}

	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "dag", json_string(bf_col(st, 1)));
	json_object_set_new(o, "from", json_string(bf_col(st, 2)));
	json_object_set_new(o, "to", json_string(bf_col(st, 3)));
	json_object_set_new(o, "asked_from", json_string(bf_col(st, 17)));
	json_object_set_new(o, "asked_to", json_string(bf_col(st, 18)));
	json_object_set_new(o, "left_out", json_integer(sqlite3_column_int64(st, 19)));
	json_object_set_new(o, "only", json_string(bf_col(st, 4)));
	json_object_set_new(o, "newest_first", json_boolean(sqlite3_column_int(st, 5)));
	json_object_set_new(o, "max_active", sqlite3_column_type(st, 6) == SQLITE_NULL ?
			    json_null() : json_integer(sqlite3_column_int(st, 6)));
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "total", json_integer(total));
	json_object_set_new(o, "done", json_integer(done));
	json_object_set_new(o, "failed", json_integer(failed));
	json_object_set_new(o, "running", json_integer(running));
	json_object_set_new(o, "queued", json_integer(queued));
	/* a cancel removed its queued runs: what it counts that has no run */
	json_object_set_new(o, "removed", json_integer(strcmp(state, "cancelled") == 0 &&
	    total > done + running + queued ? total - done - running - queued : 0));
	json_object_set_new(o, "created_by", json_string(bf_col(st, 9) ? bf_col(st, 9) : ""));
	json_object_set_new(o, "created_at", json_integer(sqlite3_column_int64(st, 10)));
	json_object_set_new(o, "started_at", sqlite3_column_type(st, 11) == SQLITE_NULL ?
			    json_null() : json_integer(started));
	json_object_set_new(o, "ended_at", sqlite3_column_type(st, 12) == SQLITE_NULL ?
			    json_null() : json_integer(sqlite3_column_int64(st, 12)));
	if (strcmp(state, "running") == 0 && done > 0 && started > 0 &&
	    now_ms > started && total > done)
		json_object_set_new(o, "eta_s", json_integer(
		    (now_ms - started) / 1000 * (total - done) / done));
	else
		json_object_set_new(o, "eta_s", json_null());
	return o;
}

json_t *
store_backfills_json(struct store *s, const char *dag_id, int64_t id,
		     int limit)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT " BF_COLUMNS "FROM backfills b "
	    "WHERE (?1 IS NULL OR b.dag_id = ?1) AND (?2 = 0 OR b.id = ?2) "
	    "ORDER BY b.id DESC LIMIT ?3");
	json_t *out;
	int64_t now = sl_now_ms();
	int rc;

	if (st == NULL)
		return NULL;
	if (dag_id != NULL)
		sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, bf_row_json(st, now));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_log_failure(s);
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The runs of a backfill a cancel removes: queued and never tried. A
 * queued run one of whose tasks has tried was re-opened by a person (a
 * clear after it ran): it holds tries and their logs, and removing it
 * would let a later backfill run try 1 of it again; it counts among the
 * started ones, as a running run does. (dag_runs unaliased.) */
#define BF_NEVER_TRIED \
	"state = 'queued' AND NOT EXISTS (SELECT 1 FROM task_instances t " \
	"WHERE t.run_id = dag_runs.id AND t.try_number > 0)"
#define BF_STARTED "(state = 'running' OR (state = 'queued' AND EXISTS " \
	"(SELECT 1 FROM task_instances t WHERE t.run_id = dag_runs.id " \
	"AND t.try_number > 0)))"

/* The partition keys of the backfill's runs a query of
 * BF_RUNS_WHERE(...) selects (its text a constant: store_stmt keeps a
 * prepared statement by it). */
#define BF_RUNS_WHERE(where) "SELECT partition FROM dag_runs WHERE " \
	"backfill_id = ? AND " where " ORDER BY start_s"
static json_t *
bf_runs_where(struct store *s, int64_t id, const char *sql)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	json_t *out = json_array();

	if (st == NULL)
		return out;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(out, json_string(bf_col(st, 0)));
	sqlite3_reset(st);
	return out;
}

/* Statements of a cancel, in order, each bound to (backfill id, now, why):
 * the queued runs never tried go (with their state log; task instances by
 * cascade). */
static const char *const bf_cancel_remove[] = {
	"DELETE FROM state_changes WHERE run_id IN (SELECT id FROM dag_runs "
	"WHERE backfill_id = ?1 AND " BF_NEVER_TRIED ")",
	"DELETE FROM dag_runs WHERE backfill_id = ?1 AND " BF_NEVER_TRIED,
};

/* --kill: every task instance of its started runs (running, or re-opened)
 * that has not ended fails now (the scheduler stops the tries in flight
 * when it reads this), logged as a state change. */
static const char *const bf_cancel_kill[] = {
	"INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state, reason) "
	"SELECT ?2, ti.run_id, ti.id, ti.state, 'failed', ?3 FROM task_instances ti "
	"WHERE ti.run_id IN (SELECT id FROM dag_runs WHERE backfill_id = ?1 AND "
	BF_STARTED ") AND ti.state NOT IN ('success', 'failed', "
	"'skipped', 'upstream_failed')",
	"UPDATE task_instances SET state = 'failed', error = ?3, next_at = NULL, "
	"ended_at = coalesce(ended_at, ?2), updated_at = ?2 WHERE run_id IN "
	"(SELECT id FROM dag_runs WHERE backfill_id = ?1 AND " BF_STARTED ") "
	"AND state NOT IN ('success', 'failed', 'skipped', 'upstream_failed')",
};

static int
bf_exec(struct store *s, const char *sql, int64_t id, int64_t now,
	const char *why)
{
	sqlite3_stmt *st = store_stmt(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, now);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, why, -1, SQLITE_TRANSIENT);
	return store_step_done(s, st);
}

int
store_backfill_cancel(struct store *s, int64_t id, int kill, int dry_run,
		      const char *who, json_t **preview, struct sl_err *err)
{
	json_t *rows, *bf, *queued, *running, *detail;
	int64_t now = sl_now_ms();
	char why[96], dag[256];
	const char *state;
	int again;

	*preview = NULL;
	if (store_begin(s) < 0)
		return store_db_err(s, err, "begin");
	rows = store_backfills_json(s, NULL, id, 1);
	if (rows == NULL) {
		store_rollback(s);
		return store_db_err(s, err, "reading the backfill");
	}
	if ((bf = json_array_get(rows, 0)) == NULL) {
		store_rollback(s);
		json_decref(rows);
		sl_err_set(err, "no backfill %lld", (long long)id);
		return 0;
	}
	state = json_string_value(json_object_get(bf, "state"));
	snprintf(dag, sizeof dag, "%s", json_string_value(json_object_get(bf, "dag")));
	queued = bf_runs_where(s, id, BF_RUNS_WHERE(BF_NEVER_TRIED));
	running = bf_runs_where(s, id, BF_RUNS_WHERE(BF_STARTED));
	*preview = json_pack("{s:I,s:s,s:s,s:o,s:o,s:b,s:b}", "id", (json_int_t)id,
			     "dag", dag, "state", state, "remove", queued,
			     "running", running, "kill", kill, "dry_run", dry_run);
	/* cancelled already: a cancel with kill still stops the runs the
	 * first one let finish */
	again = strcmp(state, "cancelled") == 0;
	if ((strcmp(state, "queued") != 0 && strcmp(state, "running") != 0) &&
	    !(again && kill && json_array_size(running) > 0)) {
		size_t n = json_array_size(running);

		json_decref(rows);
		store_rollback(s);
		if (again && n > 0)
			sl_err_set(err, "backfill %lld is cancelled already; its %zu running run%s finish (a cancel with kill stops them)",
				   (long long)id, n, n == 1 ? "" : "s");
		else
			sl_err_set(err, "backfill %lld is %s already", (long long)id,
				   json_string_value(json_object_get(*preview, "state")));
		return -2;
	}
	json_decref(rows);
	if (dry_run) {
		store_rollback(s);
		return 1;
	}
	snprintf(why, sizeof why, "killed: backfill %lld cancelled by %s",
		 (long long)id, who ? who : "unknown");
	for (size_t i = 0; kill && i < SL_ARRAY_LEN(bf_cancel_kill); i++)
		if (bf_exec(s, bf_cancel_kill[i], id, now, why) < 0)
			goto fail;
	for (size_t i = 0; i < SL_ARRAY_LEN(bf_cancel_remove); i++)
		if (bf_exec(s, bf_cancel_remove[i], id, now, why) < 0)
			goto fail;
	/* (cancelled again: it keeps when it was) */
	if ((!again && bf_exec(s, "UPDATE backfills SET state = 'cancelled', ended_at = ?2 "
			       "WHERE id = ?1", id, now, why) < 0) ||
	    bf_keep_counts(s, id) < 0)
		goto fail;
	detail = json_pack("{s:I,s:I,s:I,s:b}", "id", (json_int_t)id,
			   "removed", (json_int_t)json_array_size(json_object_get(*preview, "remove")),
			   "running", (json_int_t)json_array_size(running), "kill", kill);
	if (store_audit(s, who, "backfill_cancel", dag, detail) < 0) {
		json_decref(detail);
		goto fail;
	}
	json_decref(detail);
	if (store_commit_err(s, err) < 0)
		return -1;
	/* what it is now, as a read of it says */
	json_object_set_new(*preview, "state", json_string("cancelled"));
	return 1;
fail:
	store_db_err(s, err, "cancelling the backfill");
	store_rollback(s);
	return -1;
}
