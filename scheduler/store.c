/* store.c: the SQLite state store. */
#include "scheduler/store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag.h"
#include "scheduler/tz.h"

struct migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct migration migrations[];

struct stmt_cache {
	const char *sql;
	sqlite3_stmt *stmt;
	struct stmt_cache *next;
};

struct store {
	sqlite3 *db;
	char *path;
	struct stmt_cache *stmts;
	int depth;		/* nested store_begin calls */
};

static int
db_err(struct store *s, struct sl_err *err, const char *what)
{
	return sl_err_set(err, "%s: %s: %s", s->path, what,
			  sqlite3_errmsg(s->db));
}

sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	struct stmt_cache *c;

	/* call sites pass string literals: their address is the key; the
	 * text comparison is only the slow path for other callers */
	for (c = s->stmts; c != NULL; c = c->next)
		if (c->sql == sql)
			goto found;
	for (c = s->stmts; c != NULL; c = c->next)
		if (strcmp(c->sql, sql) == 0)
			goto found;
	c = xcalloc(1, sizeof *c);
	if (sqlite3_prepare_v2(s->db, sql, -1, &c->stmt, NULL) != SQLITE_OK)
		sl_fatal("SQL does not prepare (%s): %s", sqlite3_errmsg(s->db),
			 sql);
	c->sql = sql;
	c->next = s->stmts;
	s->stmts = c;
	return c->stmt;
found:
	sqlite3_reset(c->stmt);
	sqlite3_clear_bindings(c->stmt);
	return c->stmt;
}

static int
exec_sql(struct store *s, const char *sql, struct sl_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sl_err_set(err, "%s: %s", s->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_binary_version(void)
{
	int v = 0;

	for (const struct migration *m = migrations; m->sql != NULL; m++)
		v = m->version;
	return v;
}

int
store_schema_version(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT coalesce(max(version), 0) FROM schema_migrations");
	int v = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return v;
}

int
store_migrate(struct store *s, int *applied, struct sl_err *err)
{
	int have, mine = store_binary_version();

	if (applied != NULL)
		*applied = 0;
	if (exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			"version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
			"applied_at INTEGER NOT NULL)", err) < 0)
		return -1;
	have = store_schema_version(s);
	if (have > mine)
		return sl_err_set(err,
				  "%s: the database is at schema version %d, newer than this sluice understands (%d); use a newer sluice, or another database",
				  s->path, have, mine);
	for (const struct migration *m = migrations; m->sql != NULL; m++) {
		sqlite3_stmt *st;

		if (m->version <= have)
			continue;
		if (exec_sql(s, "BEGIN IMMEDIATE", err) < 0)
			return -1;
		/* another process may have applied it while we waited for the
		 * write lock (two commands opening a new database at once) */
		have = store_schema_version(s);
		if (m->version <= have) {
			exec_sql(s, "COMMIT", NULL);
			continue;
		}
		if (exec_sql(s, m->sql, err) < 0) {
			char msg[SL_ERR_MSG];

			snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
			exec_sql(s, "ROLLBACK", NULL);
			return sl_err_set(err, "migration %04d_%s failed: %s",
					  m->version, m->name, msg);
		}
		st = store_stmt(s, "INSERT INTO schema_migrations "
				   "(version, name, applied_at) VALUES (?, ?, ?)");
		sqlite3_bind_int(st, 1, m->version);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, sl_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_err(s, err, "recording a migration");
			exec_sql(s, "ROLLBACK", NULL);
			return -1;
		}
		if (exec_sql(s, "COMMIT", err) < 0)
			return -1;
		if (applied != NULL)
			(*applied)++;
	}
	return 0;
}

int
store_open(const char *path, struct store **out, struct sl_err *err)
{
	struct store *s = xcalloc(1, sizeof *s);

	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sl_err_set(err, "cannot open the database %s: %s", path,
			   s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (exec_sql(s, "PRAGMA journal_mode=WAL", err) < 0 ||
	    exec_sql(s, "PRAGMA synchronous=NORMAL", err) < 0 ||
	    exec_sql(s, "PRAGMA foreign_keys=ON", err) < 0 ||
	    exec_sql(s, "PRAGMA temp_store=MEMORY", err) < 0)
		goto fail;
	{
		/* a file that is not a database at all */
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master",
				       -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW) {
			sl_err_set(err, "%s is not a sluice database: %s", path,
				   sqlite3_errmsg(s->db));
			sqlite3_finalize(st);
			goto fail;
		}
		sqlite3_finalize(st);
	}
	if (store_migrate(s, NULL, err) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

void
store_close(struct store *s)
{
	struct stmt_cache *c, *n;

	if (s == NULL)
		return;
	for (c = s->stmts; c != NULL; c = n) {
		n = c->next;
		sqlite3_finalize(c->stmt);
		free(c);
	}
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	free(s);
}

sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

int
store_begin(struct store *s)
{
	if (s->depth++ > 0)
		return 0;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		s->depth = 0;
		return -1;
	}
	return 0;
}

int
store_commit(struct store *s)
{
	if (s->depth == 0 || --s->depth > 0)
		return 0;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	if (s->depth == 0)
		return;
	s->depth = 0;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int64_t
store_data_version(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, "PRAGMA data_version");
	int64_t v = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static int
step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "sluice: database: %s\n", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/* --- DAGs --- */

int
store_dags_sync(struct store *s, const struct dagbag *bag)
{
	int64_t now = sl_now_ms();

	if (store_begin(s) < 0)
		return -1;
	for (int i = 0; i < bag->n; i++) {
		const struct dagbag_entry *e = &bag->entries[i];
		sqlite3_stmt *st;

		if (e->dag != NULL) {
			st = store_stmt(s,
			    "INSERT INTO dags (dag_id, file, schedule, timezone, description, error, updated_at) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6) "
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
		if (step_done(s, st) < 0) {
			store_rollback(s);
			return -1;
		}
	}
	return store_commit(s);
}

int
store_dag_paused(struct store *s, const char *dag_id)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT paused FROM dags WHERE dag_id = ?");
	int paused = 0;

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		paused = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return paused;
}

int
store_dag_set_paused(struct store *s, const char *dag_id, int paused,
		     const char *who, struct sl_err *err)
{
	sqlite3_stmt *st;
	json_t *detail;

	if (store_begin(s) < 0)
		return db_err(s, err, "begin");
	st = store_stmt(s,
	    "INSERT INTO dags (dag_id, paused, updated_at) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (dag_id) DO UPDATE SET paused = ?2, updated_at = ?3");
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, paused);
	sqlite3_bind_int64(st, 3, sl_now_ms());
	if (step_done(s, st) < 0) {
		store_rollback(s);
		return db_err(s, err, "pausing");
	}
	detail = json_object();
	store_audit(s, who, paused ? "pause" : "unpause", dag_id, detail);
	json_decref(detail);
	if (store_commit(s) < 0)
		return db_err(s, err, "commit");
	return 0;
}

int
store_dag_cursor(struct store *s, const char *dag_id, int64_t *start_s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT next_start_s FROM dags WHERE dag_id = ? AND next_start_s IS NOT NULL");
	int found = 0;

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*start_s = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

int
store_dag_set_cursor(struct store *s, const char *dag_id, int64_t start_s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE dags SET next_start_s = ? WHERE dag_id = ?");

	sqlite3_bind_int64(st, 1, start_s);
	sqlite3_bind_text(st, 2, dag_id, -1, SQLITE_STATIC);
	return step_done(s, st);
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
	return step_done(s, st);
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

	if (store_begin(s) < 0)
		return db_err(s, err, "begin");
	if (params != NULL && json_object_size(params) > 0)
		ptext = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
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
		db_err(s, err, "creating a run");
		store_rollback(s);
		return -1;
	}
	id = sqlite3_last_insert_rowid(s->db);
	for (int i = 0; i < dag->ntasks; i++)
		if (insert_ti(s, dag, id, &dag->tasks[i], now) < 0) {
			db_err(s, err, "creating task instances");
			store_rollback(s);
			return -1;
		}
	st = store_stmt(s, "INSERT INTO state_changes (at, run_id, to_state, reason) "
			   "VALUES (?, ?, 'queued', ?)");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, run_type, -1, SQLITE_STATIC);
	step_done(s, st);
	if (store_commit(s) < 0)
		return db_err(s, err, "commit");
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
	if (step_done(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	st = store_stmt(s, "INSERT INTO state_changes (at, run_id, from_state, to_state) "
			   "VALUES (?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, run_id);
	sqlite3_bind_text(st, 3, run_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, run_state_name(to), -1, SQLITE_STATIC);
	step_done(s, st);
	return 1;
}

/* --- task instances --- */

int
store_ti_transition(struct store *s, int64_t ti_id, enum ti_state from,
		    int expect_try, enum ti_state to, const struct ti_update *u)
{
	sqlite3_stmt *st;
	int64_t now = sl_now_ms();

	if (!ti_transition_ok(from, to))
		sl_fatal("bad task instance transition %s -> %s",
			 ti_state_name(from), ti_state_name(to));
	st = store_stmt(s,
	    "UPDATE task_instances SET state = ?3, updated_at = ?4, "
	    "next_at = CASE WHEN ?5 = -1 THEN next_at WHEN ?5 = 0 THEN NULL ELSE ?5 END, "
	    "first_poke_at = CASE WHEN ?6 = -1 THEN first_poke_at WHEN ?6 = 0 THEN NULL ELSE ?6 END, "
	    "started_at = CASE WHEN ?7 = -1 THEN started_at ELSE ?7 END, "
	    "ended_at = CASE WHEN ?8 = -1 THEN ended_at WHEN ?8 = 0 THEN NULL ELSE ?8 END, "
	    "duration_ms = CASE WHEN ?9 = -1 THEN duration_ms ELSE ?9 END, "
	    "try_number = CASE WHEN ?10 = -1 THEN try_number ELSE ?10 END, "
	    "exit_code = CASE WHEN ?11 IS NULL AND ?16 = 1 THEN NULL WHEN ?11 IS NULL THEN exit_code ELSE ?11 END, "
	    "signal = CASE WHEN ?12 = -1 THEN signal ELSE ?12 END, "
	    "host = coalesce(?13, host), executor = coalesce(?18, executor), "
	    "token = CASE WHEN ?14 IS NULL THEN token WHEN ?14 = '' THEN NULL ELSE ?14 END, "
	    "error = CASE WHEN ?15 IS NULL THEN error WHEN ?15 = '' THEN NULL ELSE ?15 END "
	    "WHERE id = ?1 AND state = ?2 AND (?17 < 0 OR try_number = ?17)");
	sqlite3_bind_int64(st, 1, ti_id);
	sqlite3_bind_text(st, 2, ti_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ti_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, u->next_at);
	sqlite3_bind_int64(st, 6, u->first_poke_at);
	sqlite3_bind_int64(st, 7, u->started_at);
	sqlite3_bind_int64(st, 8, u->ended_at);
	sqlite3_bind_int64(st, 9, u->duration_ms);
	sqlite3_bind_int(st, 10, u->try_number);
	if (u->exit_code > INT_MIN + 1)
		sqlite3_bind_int(st, 11, u->exit_code);
	sqlite3_bind_int(st, 16, u->exit_code == INT_MIN + 1);
	sqlite3_bind_int(st, 12, u->signal);
	sqlite3_bind_text(st, 13, u->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, u->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, u->error, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 17, expect_try);
	sqlite3_bind_text(st, 18, u->executor, -1, SQLITE_STATIC);
	if (step_done(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	st = store_stmt(s,
	    "INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state, reason) "
	    "SELECT ?1, run_id, id, ?2, ?3, ?4 FROM task_instances WHERE id = ?5");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, ti_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ti_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ti_id);
	if (step_done(s, st) < 0)
		return -1;
	return 1;
}

int
store_try_record(struct store *s, int64_t ti_id, int try_number,
		 enum ti_state state, int64_t started_at, int64_t ended_at,
		 int exit_code, int sig, const char *host, const char *error)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT OR REPLACE INTO task_tries (ti_id, try_number, state, started_at, "
	    "ended_at, exit_code, signal, host, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");

	sqlite3_bind_int64(st, 1, ti_id);
	sqlite3_bind_int(st, 2, try_number);
	sqlite3_bind_text(st, 3, ti_state_name(state), -1, SQLITE_STATIC);
	if (started_at > 0)
		sqlite3_bind_int64(st, 4, started_at);
	if (ended_at > 0)
		sqlite3_bind_int64(st, 5, ended_at);
	if (exit_code != INT_MIN)
		sqlite3_bind_int(st, 6, exit_code);
	if (sig > 0)
		sqlite3_bind_int(st, 7, sig);
	sqlite3_bind_text(st, 8, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, error, -1, SQLITE_STATIC);
	return step_done(s, st);
}

int
store_ti_sla_notified(struct store *s, int64_t ti_id)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE task_instances SET sla_notified = 1 WHERE id = ?");

	sqlite3_bind_int64(st, 1, ti_id);
	return step_done(s, st);
}

/* --- person actions --- */

int
store_audit(struct store *s, const char *who, const char *action,
	    const char *dag_id, const json_t *detail)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO audit (at, who, action, dag_id, detail) VALUES (?, ?, ?, ?, ?)");
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	int r;

	sqlite3_bind_int64(st, 1, sl_now_ms());
	sqlite3_bind_text(st, 2, who ? who : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
	r = step_done(s, st);
	free(text);
	return r;
}

/* Add task i and (recursively) its downstream or upstream to the set. */
static void
mark_closure(const struct dag *dag, int i, char *set, int down)
{
	const struct task *t = &dag->tasks[i];
	int n = down ? t->ndownstream : t->nupstream;
	const int *next = down ? t->downstream : t->upstream;

	for (int k = 0; k < n; k++)
		if (!set[next[k]]) {
			set[next[k]] = 1;
			mark_closure(dag, next[k], set, down);
		}
}

int
store_clear(struct store *s, const struct dag *dag,
	    const struct clear_spec *spec, const char *who, json_t **out,
	    struct sl_err *err)
{
	char *sel = xcalloc((size_t)dag->ntasks, 1);
	char *base = xcalloc((size_t)dag->ntasks, 1);
	json_t *names = json_array(), *list = json_array(), *detail;
	char *names_text;
	sqlite3_stmt *st;
	int64_t now = sl_now_ms();
	int count = 0;

	if (spec->tasks == NULL || spec->tasks[0] == NULL) {
		memset(sel, 1, (size_t)dag->ntasks);
	} else {
		for (size_t i = 0; spec->tasks[i] != NULL; i++) {
			struct task *t = dag_task(dag, spec->tasks[i]);

			if (t == NULL) {
				free(sel);
				free(base);
				json_decref(names);
				json_decref(list);
				return sl_err_set(err, "DAG %s has no task '%s'",
						  dag->name, spec->tasks[i]);
			}
			sel[t->index] = 1;
		}
	}
	memcpy(base, sel, (size_t)dag->ntasks);
	for (int i = 0; i < dag->ntasks; i++) {
		if (!base[i])
			continue;
		if (spec->downstream)
			mark_closure(dag, i, sel, 1);
		if (spec->upstream)
			mark_closure(dag, i, sel, 0);
	}
	for (int i = 0; i < dag->ntasks; i++)
		if (sel[i])
			json_array_append_new(names, json_string(dag->tasks[i].name));
	free(sel);
	free(base);
	names_text = json_dumps(names, JSON_COMPACT);

	if (store_begin(s) < 0) {
		free(names_text);
		json_decref(names);
		json_decref(list);
		return db_err(s, err, "begin");
	}
	/* the selection, once, into a temp table */
	if (exec_sql(s, "CREATE TEMP TABLE IF NOT EXISTS clear_set "
			"(ti_id INTEGER PRIMARY KEY, run_id INTEGER)", err) < 0 ||
	    exec_sql(s, "DELETE FROM clear_set", err) < 0)
		goto fail;
	st = store_stmt(s,
	    "INSERT INTO clear_set (ti_id, run_id) "
	    "SELECT ti.id, ti.run_id FROM dag_runs r JOIN task_instances ti ON ti.run_id = r.id "
	    "WHERE r.dag_id = ?1 AND r.start_s BETWEEN ?2 AND ?3 "
	    "AND ti.task_id IN (SELECT value FROM json_each(?4)) "
	    "AND (?5 = 0 OR ti.state IN ('failed', 'upstream_failed'))");
	sqlite3_bind_text(st, 1, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, spec->from_s);
	sqlite3_bind_int64(st, 3, spec->to_s);
	sqlite3_bind_text(st, 4, names_text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, spec->only_failed);
	if (step_done(s, st) < 0) {
		db_err(s, err, "selecting task instances");
		goto fail;
	}
	if (out != NULL) {
		st = store_stmt(s,
		    "SELECT r.partition, ti.task_id, ti.state FROM clear_set c "
		    "JOIN task_instances ti ON ti.id = c.ti_id JOIN dag_runs r ON r.id = c.run_id "
		    "ORDER BY r.start_s, ti.task_id");
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(list, json_pack("{s:s,s:s,s:s}",
			    "partition", (const char *)sqlite3_column_text(st, 0),
			    "task", (const char *)sqlite3_column_text(st, 1),
			    "state", (const char *)sqlite3_column_text(st, 2)));
		sqlite3_reset(st);
	}
	st = store_stmt(s, "SELECT count(*) FROM clear_set");
	if (sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (spec->dry_run) {
		store_rollback(s);
		goto done;
	}
	st = store_stmt(s,
	    "INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state, reason) "
	    "SELECT ?1, c.run_id, c.ti_id, ti.state, 'none', ?2 FROM clear_set c "
	    "JOIN task_instances ti ON ti.id = c.ti_id");
	sqlite3_bind_int64(st, 1, now);
	{
		char reason[256];

		snprintf(reason, sizeof reason, "cleared by %s", who ? who : "unknown");
		sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
		if (step_done(s, st) < 0) {
			db_err(s, err, "logging the clear");
			goto fail;
		}
	}
	/* Each task gets its retries again; try numbers keep counting so
	 * earlier tries' logs stay. */
	/* each task's retries, for max_tries, in one set-based update */
	if (exec_sql(s, "CREATE TEMP TABLE IF NOT EXISTS clear_tasks "
			"(task_id TEXT PRIMARY KEY, tries INTEGER)", err) < 0 ||
	    exec_sql(s, "DELETE FROM clear_tasks", err) < 0)
		goto fail;
	for (int i = 0; i < dag->ntasks; i++) {
		st = store_stmt(s, "INSERT INTO clear_tasks VALUES (?, ?)");
		sqlite3_bind_text(st, 1, dag->tasks[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, dag->tasks[i].retries + 1);
		if (step_done(s, st) < 0) {
			db_err(s, err, "clearing");
			goto fail;
		}
	}
	st = store_stmt(s,
	    "UPDATE task_instances SET state = 'none', next_at = NULL, first_poke_at = NULL, "
	    "error = NULL, sla_notified = 0, updated_at = ?1, max_tries = try_number + "
	    "coalesce((SELECT tries FROM clear_tasks WHERE clear_tasks.task_id = task_instances.task_id), 1) "
	    "FROM clear_set WHERE task_instances.id = clear_set.ti_id");
	sqlite3_bind_int64(st, 1, now);
	if (step_done(s, st) < 0) {
		db_err(s, err, "clearing");
		goto fail;
	}
	st = store_stmt(s,
	    "UPDATE dag_runs SET state = 'queued', ended_at = NULL "
	    "WHERE id IN (SELECT DISTINCT run_id FROM clear_set) AND state IN ('success', 'failed')");
	if (step_done(s, st) < 0) {
		db_err(s, err, "re-opening runs");
		goto fail;
	}
	detail = json_pack("{s:O,s:I,s:I,s:b,s:b,s:b,s:i}", "tasks", names,
			   "from_s", (json_int_t)spec->from_s, "to_s",
			   (json_int_t)spec->to_s, "downstream", spec->downstream,
			   "upstream", spec->upstream, "only_failed",
			   spec->only_failed, "count", count);
	store_audit(s, who, "clear", dag->name, detail);
	json_decref(detail);
	if (store_commit(s) < 0) {
		db_err(s, err, "commit");
		goto fail;
	}
done:
	free(names_text);
	json_decref(names);
	if (out != NULL)
		*out = list;
	else
		json_decref(list);
	return count;
fail:
	store_rollback(s);
	free(names_text);
	json_decref(names);
	json_decref(list);
	return -1;
}

int
store_mark(struct store *s, const struct dag *dag, const char *task,
	   const char *partition, enum ti_state state, const char *who,
	   struct sl_err *err)
{
	sqlite3_stmt *st;
	int64_t now = sl_now_ms(), ti_id = 0, run_id = 0;
	char from[32] = "";
	json_t *detail;

	if (dag_task(dag, task) == NULL)
		return sl_err_set(err, "DAG %s has no task '%s'", dag->name, task);
	if (store_begin(s) < 0)
		return db_err(s, err, "begin");
	st = store_stmt(s,
	    "SELECT ti.id, ti.run_id, ti.state FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE r.dag_id = ? AND r.partition = ? AND ti.task_id = ?");
	sqlite3_bind_text(st, 1, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ti_id = sqlite3_column_int64(st, 0);
		run_id = sqlite3_column_int64(st, 1);
		snprintf(from, sizeof from, "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (ti_id == 0) {
		store_rollback(s);
		return sl_err_set(err, "DAG %s has no run for partition %s",
				  dag->name, partition);
	}
	st = store_stmt(s,
	    "UPDATE task_instances SET state = ?, next_at = NULL, updated_at = ?, "
	    "ended_at = coalesce(ended_at, ?) WHERE id = ?");
	sqlite3_bind_text(st, 1, ti_state_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, ti_id);
	step_done(s, st);
	st = store_stmt(s,
	    "INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state, reason) "
	    "VALUES (?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, run_id);
	sqlite3_bind_int64(st, 3, ti_id);
	sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ti_state_name(state), -1, SQLITE_STATIC);
	{
		char reason[256];

		snprintf(reason, sizeof reason, "marked by %s", who ? who : "unknown");
		sqlite3_bind_text(st, 6, reason, -1, SQLITE_TRANSIENT);
		step_done(s, st);
	}
	/* let the scheduler settle the run's state again */
	st = store_stmt(s,
	    "UPDATE dag_runs SET state = 'queued', ended_at = NULL "
	    "WHERE id = ? AND state IN ('success', 'failed')");
	sqlite3_bind_int64(st, 1, run_id);
	step_done(s, st);
	detail = json_pack("{s:s,s:s,s:s,s:s}", "task", task, "partition",
			   partition, "from", from, "to", ti_state_name(state));
	store_audit(s, who, "mark", dag->name, detail);
	json_decref(detail);
	if (store_commit(s) < 0)
		return db_err(s, err, "commit");
	return 0;
}

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

/* Every row of st as an object keyed by column name. */
static json_t *
rows_json(sqlite3_stmt *st)
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
	return rows_json(st);
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
	rows = rows_json(st);
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
	return rows_json(st);
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
	return rows_json(st);
}

json_t *
store_audit_json(struct store *s, int limit, int offset)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, at, who, action, dag_id AS dag, detail FROM audit "
	    "ORDER BY id DESC LIMIT ? OFFSET ?");

	sqlite3_bind_int(st, 1, limit);
	sqlite3_bind_int(st, 2, offset);
	return rows_json(st);
}

json_t *
store_dags_json(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT dag_id AS dag, paused, file, schedule, timezone, description, error "
	    "FROM dags ORDER BY dag_id");

	return rows_json(st);
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
