/* store_dags.c: the DAGs table (the folder's state, pause, catch-up cursor) and runs. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "scheduler/dag.h"
#include "scheduler/tz.h"
#include "store/store_internal.h"

/* --- DAGs --- */

/* Record the text d loaded from as its DAG's last good source, when the
 * text or the file changed (the hash the loader took of it tells). */
static int
dags_store_source(struct store *s, const struct dag *d, const char *file,
		  int64_t now)
{
	sqlite3_stmt *st;

	if (d->source == NULL || d->sha256[0] == '\0')
		return 0;
	st = store_stmt(s,
	    "INSERT INTO dag_sources (dag_id, file, hash, source, loaded_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT (dag_id) DO UPDATE SET file = ?2, hash = ?3, "
	    "source = ?4, loaded_at = ?5 WHERE file IS NOT ?2 OR hash IS NOT ?3");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 4, d->source, d->source_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	return store_step_done(s, st);
}

/* The scheduler's error of a file it loaded no DAG of (dag_file_errors):
 * recorded while it stands, gone once the file loads or goes. */
static int
dags_file_error_sync(struct store *s, const struct dagbag_entry *e,
		     int64_t now)
{
	sqlite3_stmt *st;

	if (e->dag == NULL && e->error != NULL && !e->missing) {
		st = store_stmt(s,
		    "INSERT INTO dag_file_errors (file, error, updated_at) "
		    "VALUES (?1, ?2, ?3) ON CONFLICT (file) DO UPDATE SET "
		    "error = ?2, updated_at = ?3 WHERE error IS NOT ?2");
		sqlite3_bind_text(st, 2, e->error, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
	} else
		st = store_stmt(s, "DELETE FROM dag_file_errors WHERE file = ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->file, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

int
store_dag_file_error(struct store *s, const char *file, char *buf, size_t n)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT error FROM dag_file_errors WHERE file = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_dags_sync(struct store *s, const struct dagbag *bag,
		int paused_at_creation, int64_t now)
{

	if (store_begin(s) < 0)
		return -1;
	for (int i = 0; i < bag->n; i++) {
		const struct dagbag_entry *e = &bag->entries[i];
		sqlite3_stmt *st;

		if (dags_file_error_sync(s, e, now) < 0) {
			store_rollback(s);
			return -1;
		}
		if (e->missing)
			continue;
		if (e->dag != NULL && e->error == NULL) {
			st = store_stmt(s,
			    "INSERT INTO dags (dag_id, file, schedule, timezone, description, error, paused, updated_at, "
			    "first_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?7, ?6, ?6) "
			    "ON CONFLICT (dag_id) DO UPDATE SET file = ?2, schedule = ?3, "
			    "timezone = ?4, description = ?5, error = NULL, updated_at = ?6 "
			    "WHERE file IS NOT ?2 OR schedule IS NOT ?3 OR timezone IS NOT ?4 "
			    "OR description IS NOT ?5 OR error IS NOT NULL");
			sqlite3_bind_text(st, 1, e->dag->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, e->file, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, e->dag->schedule_text, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, tz_name(e->dag->tz), -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, e->dag->description, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 6, now);
			sqlite3_bind_int(st, 7, paused_at_creation ? 1 : 0);
		} else if (e->dag != NULL) {
			/* broken, running its last good version */
			st = store_stmt(s,
			    "UPDATE dags SET error = ?2, updated_at = ?3 "
			    "WHERE dag_id = ?1 AND error IS NOT ?2");
			sqlite3_bind_text(st, 1, e->dag->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, e->error, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now);
		} else {
			/* a broken file: keep its DAG's row (if we know it by
			 * file) and attach the error */
			st = store_stmt(s,
			    "UPDATE dags SET error = ?2, updated_at = ?3 "
			    "WHERE file = ?1 AND error IS NOT ?2");
			sqlite3_bind_text(st, 1, e->file, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, e->error, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now);
		}
		if (store_step_done(s, st) < 0 ||
		    (e->dag != NULL && e->error == NULL &&
		     dags_store_source(s, e->dag, e->file, now) < 0)) {
			store_rollback(s);
			return -1;
		}
	}
	return store_commit(s);
}

int
store_dag_owns(void *store, const char *dag, const char *file)
{
	struct store *s = store;
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT 1 FROM dags WHERE dag_id = ? AND file = ?");
	int rc;

	if (st == NULL)
		return 0;
	sqlite3_bind_text(st, 1, dag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

int
store_dag_last_good(void *store, const char *file, char **text, size_t *len)
{
	struct store *s = store;
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT src.source FROM dag_sources src "
	    "JOIN dags d ON d.dag_id = src.dag_id AND d.file = src.file "
	    "WHERE src.file = ? ORDER BY src.loaded_at DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		*text = xmalloc(n + 1);
		if (n > 0)
			memcpy(*text, b, n);
		(*text)[n] = '\0';
		*len = n;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_dag_paused(struct store *s, const char *dag_id, int if_new)
{
	struct store_dag_row row;
	int rc = store_dag_get(s, dag_id, &row);

	if (rc == 0)
		return if_new != 0;
	return rc > 0 && row.paused;
}

int
store_dag_set_paused(struct store *s, const char *dag_id, int paused,
		     const char *who, struct sl_err *err)
{
	sqlite3_stmt *st;
	json_t *detail;

	if (store_begin(s) < 0)
		return store_db_err(s, err, "begin");
	st = store_stmt(s,
	    "INSERT INTO dags (dag_id, paused, updated_at, first_seen_at) VALUES (?1, ?2, ?3, ?3) "
	    "ON CONFLICT (dag_id) DO UPDATE SET paused = ?2, updated_at = ?3");
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, paused);
	sqlite3_bind_int64(st, 3, sl_now_ms());
	if (store_step_done(s, st) < 0) {
		store_rollback(s);
		return store_db_err(s, err, "pausing");
	}
	detail = json_object();
	store_audit(s, who, paused ? "pause" : "unpause", dag_id, detail);
	json_decref(detail);
	if (store_commit_err(s, err) < 0)
		return -1;
	return 0;
}

int
store_dag_cursor(struct store *s, const char *dag_id, int64_t *start_s)
{
	struct store_dag_row row;

	if (store_dag_get(s, dag_id, &row) <= 0 || !row.has_cursor)
		return 0;
	*start_s = row.cursor;
	return 1;
}

int
store_dag_set_cursor(struct store *s, const char *dag_id, int64_t start_s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE dags SET next_start_s = ? WHERE dag_id = ?");

	sqlite3_bind_int64(st, 1, start_s);
	sqlite3_bind_text(st, 2, dag_id, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

/* --- runs --- */

static int
insert_ti(struct store *s, const struct dag *dag, int64_t run_id,
	  const struct task *t, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT OR IGNORE INTO task_instances (run_id, dag_id, task_id, state, "
	    "try_number, max_tries, updated_at) VALUES (?, ?, ?, 'none', 0, ?, ?)");

	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, t->retries + 1);
	sqlite3_bind_int64(st, 5, now);
	return store_step_done(s, st);
}

int
store_run_create(struct store *s, const struct dag *dag, const char *partition,
		 int64_t start_s, int64_t end_s, const char *run_type,
		 const json_t *params, int64_t *run_id, struct sl_err *err)
{
	sqlite3_stmt *st;
	int64_t now = sl_now_ms(), id;
	char *ptext = NULL;
	int rc;
	json_t *checked;

	/* every run's params pass the DAG's declarations, whoever asks */
	if ((checked = dag_params_check(dag, params, err)) == NULL)
		return -1;
	if (json_object_size(checked) > 0)
		ptext = json_dumps(checked, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(checked);
	if (store_begin(s) < 0) {
		free(ptext);
		return store_db_err(s, err, "begin");
	}
	st = store_stmt(s,
	    "INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state, params, created_at) "
	    "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)");
	sqlite3_bind_text(st, 1, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, start_s);
	sqlite3_bind_int64(st, 4, end_s);
	sqlite3_bind_text(st, 5, run_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ptext, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(ptext);
	if (rc == SQLITE_CONSTRAINT) {
		store_rollback(s);
		return sl_err_set(err,
				  "DAG %s already has a run for partition %s (clear it to run it again)",
				  dag->name, partition);
	}
	if (rc != SQLITE_DONE) {
		store_db_err(s, err, "creating a run");
		store_rollback(s);
		return -1;
	}
	id = sqlite3_last_insert_rowid(s->db);
	for (int i = 0; i < dag->ntasks; i++)
		if (insert_ti(s, dag, id, &dag->tasks[i], now) < 0) {
			store_db_err(s, err, "creating task instances");
			store_rollback(s);
			return -1;
		}
	st = store_stmt(s, "INSERT INTO state_changes (at, run_id, to_state, reason) "
			   "VALUES (?, ?, 'queued', ?)");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, run_type, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0) {
		store_db_err(s, err, "recording the run's state");
		store_rollback(s);
		return -1;
	}
	if (store_commit_err(s, err) < 0)
		return -1;
	if (run_id != NULL)
		*run_id = id;
	return 0;
}

int
store_run_add_missing(struct store *s, const struct dag *dag, int64_t run_id)
{
	int64_t now = sl_now_ms();

	for (int i = 0; i < dag->ntasks; i++)
		if (insert_ti(s, dag, run_id, &dag->tasks[i], now) < 0)
			return -1;
	return 0;
}

int
store_run_set_state(struct store *s, int64_t run_id, enum run_state from,
		    enum run_state to)
{
	sqlite3_stmt *st;
	int64_t now = sl_now_ms();

	if (!run_transition_ok(from, to) && from != to)
		sl_fatal("bad run transition %s -> %s", run_state_name(from),
			 run_state_name(to));
	st = store_stmt(s,
	    "UPDATE dag_runs SET state = ?1, "
	    "started_at = CASE WHEN ?1 = 'running' AND started_at IS NULL THEN ?3 ELSE started_at END, "
	    "ended_at = CASE WHEN ?1 IN ('success', 'failed') THEN ?3 ELSE NULL END "
	    "WHERE id = ?2 AND state = ?4");
	sqlite3_bind_text(st, 1, run_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, run_id);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, run_state_name(from), -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	st = store_stmt(s, "INSERT INTO state_changes (at, run_id, from_state, to_state) "
			   "VALUES (?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, run_id);
	sqlite3_bind_text(st, 3, run_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, run_state_name(to), -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	return 1;
}

