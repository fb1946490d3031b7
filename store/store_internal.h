/*
 * store_internal.h: what the store's own files share (the files in store/). Nothing
 * outside store/ includes this: the rest of sluice sees only store.h.
 */
#ifndef SLUICE_STORE_INTERNAL_H
#define SLUICE_STORE_INTERNAL_H

#include <sys/stat.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "store/store.h"

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
	int sched_lock_fd;	/* held by the one scheduler, or -1 */
	dev_t file_dev;		/* the database file opened (store_file_gone) */
	ino_t file_ino;
	int64_t changes_at_begin;	/* sqlite3_total_changes at BEGIN */
	int fail_commits;	/* test hook: fail this many commits that
				 * change something (store_test_fail_commits) */
	int tx_broken;		/* the open transaction was rolled back
				 * (by SQLite after an error, or by a nested
				 * store_rollback): nothing commits until the
				 * outermost store_commit/store_rollback */
	int quiet;		/* the owner reports failed statements */
	int held;		/* store_hold: begin and commit refused */
	int fault_at;		/* test hook: the fault_at-th begin, commit or
				 * scheduler read from now fails, and the
				 * fault_more after it (store_test_fail_nth) */
	int fault_more;
	int fault_fired;
	int last_commit_wrote;	/* the last commit changed rows */
	char last_error[256];	/* SQLite's message of the last failure of
				 * this transaction: a ROLLBACK after it
				 * resets sqlite3_errmsg to "not an error" */
	int last_code;		/* and its code (sqlite3_errcode, which the
				 * ROLLBACK resets too): store_busy */
	/* store_busy_note: said once a wait on another process's lock has
	 * lasted a second (a person at a terminal), within busy_ms */
	void (*busy_note)(void *arg, int wait_ms);
	void *busy_note_arg;
	int busy_ms;
	int64_t busy_since;
	int busy_noted;
};

/* "cannot open the database PATH: SQLite's words (the system's)" into
 * err, for a failed sqlite3_open_v2 of path (db as it left it, or NULL):
 * SQLite says "unable to open database file" for a missing folder and a
 * file this user may not read alike. */
void store_open_error(sqlite3 *db, const char *path, struct sl_err *err);
/* SQLite's message msg (NULL: db's last) about the database file path,
 * with the system's reason where it has one ("disk full (...)",
 * "read-only file system (...)", a folder this user cannot write, or
 * strerror), from the error and the folder's file system; into out
 * (size n). */
const char *store_reason(sqlite3 *db, const char *path, const char *msg,
			 char *out, size_t n);

/* Prepared statement cache: the statement for sql, reset and ready. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
/* The connection itself. */
sqlite3 *store_db(struct store *s);
/* "PATH: what: sqlite's message" into err; returns -1. */
int store_db_err(struct store *s, struct sl_err *err, const char *what);
/* Run SQL text with no parameters (DDL, pragmas); -1 with err. */
int store_exec(struct store *s, const char *sql, struct sl_err *err);
/* Step a statement that returns no row we need, then reset it; logs
 * (unless the owner reports errors itself: store_set_quiet) and returns
 * -1 on an error. */
int store_step_done(struct store *s, sqlite3_stmt *st);
/* Every row of st as an object keyed by column name ("params" parsed);
 * NULL on a database error. */
json_t *store_rows_json(sqlite3_stmt *st);
/* store_scope.c: with the task instances a clear selected in the temp
 * table clear_set, add the setups and teardowns whose scope they touch. */
int store_clear_scope(struct store *s, const struct dag *dag,
		      struct sl_err *err);
/* store_ti.c: record ti_id's move from -> to (state_changes). */
int store_ti_state_change(struct store *s, int64_t ti_id, enum ti_state from,
			  enum ti_state to, const char *reason, int64_t at);
/* store_map_items.c: SQL for the id of the task instance a row ti sorts
 * under: its parent's for a mapped task's item, else its own. */
/* SQL: run table r (alias) lies in the range of store_run_range, given
 * as the parameters fs, fi (from start, id) and ts, ti (to): by start,
 * then by id at the two starts (an id of 0: any). */
#define STORE_RUN_IN_RANGE(r, fs, fi, ts, ti) \
	r ".start_s BETWEEN " fs " AND " ts " " \
	"AND (" r ".start_s > " fs " OR " r ".id >= " fi ") " \
	"AND (" r ".start_s < " ts " OR " ti " = 0 OR " r ".id <= " ti ") "
#define STORE_MAP_PARENT_ID(ti) \
	"coalesce((SELECT p.id FROM task_instances p WHERE " ti ".map_index IS NOT NULL " \
	"AND p.run_id = " ti ".run_id AND p.map_index IS NULL AND p.task_id = " \
	"substr(" ti ".task_id, 1, instr(" ti ".task_id, '[') - 1)), " ti ".id)"
/* Every row's map_item (JSON text) as its JSON value. */
void store_map_items_parse(json_t *rows);
/* Say a failed statement on stderr, unless the owner does (quiet). */
void store_log_failure(struct store *s);

/* Test hook (store_test_fail_nth): 1 when this operation is the one
 * chosen to fail. */
static inline int
store_fault(struct store *s)
{
	if (s->fault_at <= 0 || --s->fault_at > 0)
		return 0;
	s->fault_fired = 1;
	if (s->fault_more > 0) {
		s->fault_more--;
		s->fault_at = 1;	/* the next one fails too */
	}
	return 1;
}

/* Make path, if it does not exist yet, as an empty file only its owner
 * may read: a new database or backup (store.c). */
void store_create_private(const char *path);

#endif
