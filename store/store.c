/* store.c: opening the state store, migrations, transactions and the
 * statement cache (the verbs live beside it in store/store_*.c). */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "scheduler/dag.h"
#include "scheduler/tz.h"

struct migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct migration migrations[];

int
store_db_err(struct store *s, struct sl_err *err, const char *what)
{
	return sl_err_set(err, "%s: %s: %s", s->path, what, store_errmsg(s));
}

/* Keep SQLite's message and code of a failure for store_errmsg and
 * store_busy (a rollback that follows resets the connection's). */
static void
store_note_error(struct store *s)
{
	if (sqlite3_errcode(s->db) != SQLITE_OK) {
		s->last_code = sqlite3_errcode(s->db);
		snprintf(s->last_error, sizeof s->last_error, "%s",
			 sqlite3_errmsg(s->db));
	}
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

int
store_exec(struct store *s, const char *sql, struct sl_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char why[512];

		sl_err_set(err, "%s: %s", s->path,
			   store_reason(s->db, s->path, msg ? msg : "error", why, sizeof why));
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

const char *
store_reason(sqlite3 *db, const char *path, const char *msg, char *out, size_t n)
{
	int e = db != NULL ? sqlite3_system_errno(db) : 0;
	int code = db != NULL ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct statvfs vfs;
	int have_vfs;

	if (msg == NULL)
		msg = db != NULL ? sqlite3_errmsg(db) : "out of memory";
	if (slash != NULL)
		*slash = '\0';
	have_vfs = statvfs(slash != NULL ? (dir[0] ? dir : "/") : ".", &vfs) == 0;
	/* SQLite says "disk I/O error" or "unable to open database file"
	 * where the system knows why (its -shm or -wal could not be made):
	 * the folder's file system says it */
	if (e == ENOSPC || e == EDQUOT || code == SQLITE_FULL ||
	    ((code == SQLITE_IOERR || code == SQLITE_CANTOPEN) && have_vfs &&
	     vfs.f_bavail == 0 && !(vfs.f_flag & ST_RDONLY)))
		snprintf(out, n, "disk full (%s)", msg);
	else if (e == EROFS || ((code == SQLITE_IOERR || code == SQLITE_CANTOPEN ||
				 code == SQLITE_READONLY) && have_vfs &&
				(vfs.f_flag & ST_RDONLY)))
		snprintf(out, n, "read-only file system (%s)", msg);
	else if ((code == SQLITE_CANTOPEN || code == SQLITE_READONLY) &&
		 access(slash != NULL ? (dir[0] ? dir : "/") : ".", W_OK) < 0 && errno == EACCES)
		snprintf(out, n, "this user cannot write the folder %s, where the "
			 "database's -wal and -shm files go (%s)",
			 slash != NULL ? (dir[0] ? dir : "/") : ".", msg);
	else if (e != 0)
		snprintf(out, n, "%s (%s)", msg, strerror(e));
	else
		snprintf(out, n, "%s", msg);
	free(dir);
	return out;
}

void
store_open_error(sqlite3 *db, const char *path, struct sl_err *err)
{
	char why[512];

	sl_err_set(err, "cannot open the database %s: %s", path,
		   store_reason(db, path, NULL, why, sizeof why));
}

int
store_file_version(const char *path, int *have, int *pending,
		   struct sl_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int r = -1, rc;

	*have = 0;
	*pending = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		store_open_error(db, path, err);
		goto done;
	}
	sqlite3_busy_timeout(db, 10000);
	/* a database with no schema_migrations yet: every migration pends */
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_migrations",
			       -1, &st, NULL) != SQLITE_OK) {
		if (sqlite3_errcode(db) != SQLITE_ERROR) {
			char why[512];

			sl_err_set(err, "%s: %s", path, store_reason(db, path, NULL, why, sizeof why));
			goto done;
		}
		for (const struct migration *m = migrations; m->sql != NULL; m++)
			(*pending)++;
		r = 0;
		goto done;
	}
	{
		int known[1024] = { 0 };	/* versions applied, below 1024 */

		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int v = sqlite3_column_int(st, 0);

			if (v > *have)
				*have = v;
			if (v >= 0 && v < (int)SL_ARRAY_LEN(known))
				known[v] = 1;
		}
		if (rc != SQLITE_DONE) {
			char why[512];

			sl_err_set(err, "%s: %s", path, store_reason(db, path, NULL, why, sizeof why));
			goto done;
		}
		for (const struct migration *m = migrations; m->sql != NULL; m++)
			if (m->version >= (int)SL_ARRAY_LEN(known) || !known[m->version])
				(*pending)++;
	}
	r = 0;
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
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

/* Is migration version applied? (A database may lack one below its
 * highest: made by a build that did not have that migration yet.) */
static int
store_migration_applied(struct store *s, int version)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT 1 FROM schema_migrations WHERE version = ?");
	int rc;

	sqlite3_bind_int(st, 1, version);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

int
store_migrate(struct store *s, int *applied, struct sl_err *err)
{
	int have, mine = store_binary_version();

	if (applied != NULL)
		*applied = 0;
	if (store_exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
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

		if (store_migration_applied(s, m->version))
			continue;
		if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
			return -1;
		/* another process may have applied it while we waited for the
		 * write lock (two commands opening a new database at once) */
		if (store_migration_applied(s, m->version)) {
			store_exec(s, "COMMIT", NULL);
			continue;
		}
		if (store_exec(s, m->sql, err) < 0) {
			char msg[SL_ERR_MSG];

			snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
			store_exec(s, "ROLLBACK", NULL);
			return sl_err_set(err, "migration %04d_%s failed: %s",
					  m->version, m->name, msg);
		}
		st = store_stmt(s, "INSERT INTO schema_migrations "
				   "(version, name, applied_at) VALUES (?, ?, ?)");
		sqlite3_bind_int(st, 1, m->version);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, sl_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_db_err(s, err, "recording a migration");
			store_exec(s, "ROLLBACK", NULL);
			return -1;
		}
		if (store_exec(s, "COMMIT", err) < 0)
			return -1;
		if (applied != NULL)
			(*applied)++;
	}
	return 0;
}

/*
 * SQLite rolls a transaction back by itself after some errors (a full
 * disk, an I/O error, a lock it could not get) and goes on in autocommit
 * mode: the statements that follow would then commit one by one, a
 * half-recorded pass. These hooks note such a rollback while a
 * transaction is open here, and refuse every commit until the owner of
 * the transaction has ended it (store_commit then fails).
 */
static int
store_commit_hook(void *arg)
{
	struct store *s = arg;

	/* non-zero: the commit becomes a rollback */
	return s->tx_broken || s->held;
}

static void
store_rollback_hook(void *arg)
{
	struct store *s = arg;

	if (s->depth > 0)
		s->tx_broken = 1;
}

void
store_create_private(const char *path)
{
	/* the database holds password and token hashes: a new one is its
	 * owner's alone (SQLite gives its -wal and -shm the same mode);
	 * one that exists keeps the mode it has */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
}

static int
store_open_flags(const char *path, int migrate, struct store **out,
		 struct sl_err *err)
{
	struct store *s = xcalloc(1, sizeof *s);

	s->sched_lock_fd = -1;
	s->path = xstrdup(path);
	store_create_private(path);
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		store_open_error(s->db, path, err);
		goto fail;
	}
	{
		struct stat st;

		/* the file opened: store_file_gone says when path no longer
		 * names it */
		if (stat(path, &st) == 0) {
			s->file_dev = st.st_dev;
			s->file_ino = st.st_ino;
		}
	}
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_commit_hook(s->db, store_commit_hook, s);
	sqlite3_rollback_hook(s->db, store_rollback_hook, s);
	/*
	 * Several commands opening a new database at once: switching it to
	 * WAL, or a deferred write upgrading its read lock, gets SQLITE_BUSY
	 * at once (SQLite skips the busy handler where waiting could
	 * deadlock). Try again for up to 10 s before saying so.
	 */
	for (int tries = 0;; tries++) {
		int busy;

		if (store_exec(s, "PRAGMA journal_mode=WAL", err) == 0)
			break;
		busy = sqlite3_errcode(s->db) == SQLITE_BUSY;
		if (!busy || tries >= 500)
			goto fail;
		sl_err_clear(err);
		usleep(20 * 1000);
	}
	if (store_exec(s, "PRAGMA synchronous=NORMAL", err) < 0 ||
	    store_exec(s, "PRAGMA foreign_keys=ON", err) < 0 ||
	    store_exec(s, "PRAGMA temp_store=MEMORY", err) < 0)
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
	for (int tries = 0; migrate; tries++) {
		if (store_migrate(s, NULL, err) == 0)
			break;
		if (sqlite3_errcode(s->db) != SQLITE_BUSY || tries >= 500)
			goto fail;
		sl_err_clear(err);
		usleep(20 * 1000);	/* as above */
	}
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

int
store_open(const char *path, struct store **out, struct sl_err *err)
{
	return store_open_flags(path, 1, out, err);
}

int
store_open_as_is(const char *path, struct store **out, struct sl_err *err)
{
	return store_open_flags(path, 0, out, err);
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
	if (s->sched_lock_fd >= 0)
		close(s->sched_lock_fd);
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
	if (s->depth > 0) {
		/* nested: part of the outer transaction, unless that one is
		 * already lost */
		if (s->tx_broken)
			return -1;
		s->depth++;
		return 0;
	}
	s->tx_broken = 0;
	s->last_error[0] = '\0';
	s->last_code = SQLITE_OK;
	if (s->held || store_fault(s))
		return -1;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_note_error(s);
		return -1;
	}
	s->depth = 1;
	s->changes_at_begin = sqlite3_total_changes64(s->db);
	return 0;
}

/* Roll back what is open (SQLite may have done it already: no "cannot
 * rollback - no transaction is active"). */
static void
store_rollback_now(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_commit(struct store *s)
{
	if (s->depth == 0)
		return 0;
	if (--s->depth > 0)
		return s->tx_broken ? -1 : 0;
	if (s->tx_broken) {
		store_rollback_now(s);
		s->tx_broken = 0;
		return -1;
	}
	if (s->fail_commits > 0 &&
	    sqlite3_total_changes64(s->db) != s->changes_at_begin) {
		s->fail_commits--;
		store_rollback_now(s);
		return -1;
	}
	if (store_fault(s)) {
		store_rollback_now(s);
		return -1;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_note_error(s);
		store_rollback_now(s);
		return -1;
	}
	s->last_commit_wrote =
	    sqlite3_total_changes64(s->db) != s->changes_at_begin;
	return 0;
}

int
store_commit_err(struct store *s, struct sl_err *err)
{
	if (store_commit(s) < 0)
		return store_db_err(s, err, "commit");
	return 0;
}

int
store_last_commit_wrote(struct store *s)
{
	return s->last_commit_wrote;
}

void
store_hold(struct store *s, int held)
{
	s->held = held;
}

void
store_rollback(struct store *s)
{
	if (s->depth == 0)
		return;
	if (--s->depth > 0) {
		/* a nested part failed: the whole transaction goes, and the
		 * outermost commit says so */
		s->tx_broken = 1;
		store_rollback_now(s);
		return;
	}
	store_rollback_now(s);
	s->tx_broken = 0;
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

int
store_step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_log_failure(s);
		return -1;
	}
	return 0;
}

void
store_log_failure(struct store *s)
{
	store_note_error(s);
	if (!s->quiet)
		fprintf(stderr, "sluice: database: %s\n", sqlite3_errmsg(s->db));
}

void
store_set_quiet(struct store *s, int quiet)
{
	s->quiet = quiet;
}


/* The code of the failure store_errmsg says: the connection's, or after
 * a rollback reset it, the one kept with its message. */
static int
store_errcode(struct store *s)
{
	int rc = sqlite3_errcode(s->db);

	if (rc == SQLITE_OK && s->last_error[0] != '\0')
		return s->last_code;
	return rc;
}

int
store_busy(struct store *s)
{
	int rc = store_errcode(s) & 0xff;

	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

const char *
store_errmsg(struct store *s)
{
	if (sqlite3_errcode(s->db) == SQLITE_OK && s->last_error[0] != '\0')
		return s->last_error;
	return sqlite3_errmsg(s->db);
}

void
store_set_busy_timeout(struct store *s, int ms)
{
	s->busy_note = NULL;
	sqlite3_busy_timeout(s->db, ms);
}

/* SQLite's busy handler while a note is set: waits as its own timeout
 * does (short sleeps up to busy_ms in all), and says once, a second in,
 * that it waits. */
static int
store_busy_wait(void *arg, int count)
{
	static const int steps[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 };
	struct store *s = arg;
	int64_t now = sl_mono_ms();
	int ms = steps[count < (int)SL_ARRAY_LEN(steps) ? count : (int)SL_ARRAY_LEN(steps) - 1];

	if (count == 0) {
		s->busy_since = now;
		s->busy_noted = 0;
	}
	if (now - s->busy_since >= s->busy_ms)
		return 0;
	if (!s->busy_noted && now - s->busy_since >= 1000) {
		s->busy_noted = 1;
		s->busy_note(s->busy_note_arg, s->busy_ms);
	}
	usleep((useconds_t)SL_MIN(ms, s->busy_ms - (now - s->busy_since)) * 1000);
	return 1;
}

void
store_busy_note(struct store *s, int ms, void (*note)(void *arg, int wait_ms),
		void *arg)
{
	s->busy_note = note;
	s->busy_note_arg = arg;
	s->busy_ms = ms;
	sqlite3_busy_handler(s->db, store_busy_wait, s);
}

int64_t
store_change_mark(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, "PRAGMA data_version");
	uint64_t others;

	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return -1;
	}
	others = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	/* data_version does not move for this connection's own commits */
	return (int64_t)(((others << 32) |
			  (uint32_t)sqlite3_total_changes64(s->db)) & INT64_MAX);
}
