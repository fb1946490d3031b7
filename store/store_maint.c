/*
 * store_maint.c: database maintenance for the operator (`sluice db`):
 * online backup, integrity checks, vacuum and retention (deleting old
 * runs with everything they own).
 *
 * None of these but restore (which refuses) stops a running scheduler,
 * and restore goes through SQLite, never a file copy. The backup reads one snapshot
 * under a read transaction (in WAL mode writers go on meanwhile); the
 * retention deletes are made by the caller in short transactions, one run
 * at a time, so the write lock is held for milliseconds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h"

int
store_backup(struct store *s, const char *dest, int pages_per_step,
	     int64_t *pages, struct sl_err *err)
{
	sqlite3 *out = NULL;
	sqlite3_backup *b;
	int rc, r = -1;

	if (pages_per_step <= 0)
		pages_per_step = 256;
	store_create_private(dest);
	if (sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		store_open_error(out, dest, err);
		sqlite3_close(out);
		return -1;
	}
	/* One read transaction on the source for the whole copy: every step
	 * reads the same snapshot (the database as it was when the backup
	 * began), and the scheduler's commits, which go to the WAL, neither
	 * wait for it nor restart it. */
	if (store_exec(s, "BEGIN", err) < 0)
		goto done;
	if (store_exec(s, "SELECT count(*) FROM sqlite_schema", err) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto done;
	}
	b = sqlite3_backup_init(out, "main", s->db, "main");
	if (b == NULL) {
		sl_err_set(err, "%s: backup: %s", dest, sqlite3_errmsg(out));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto done;
	}
	do {
		rc = sqlite3_backup_step(b, pages_per_step);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	if (pages != NULL)
		*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc != SQLITE_DONE) {
		sl_err_set(err, "%s: backup: %s", dest, sqlite3_errstr(rc));
		goto done;
	}
	/* the copy on its own: its WAL folded into the file */
	if (sqlite3_exec(out, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
			 NULL) != SQLITE_OK) {
		sl_err_set(err, "%s: checkpoint: %s", dest, sqlite3_errmsg(out));
		goto done;
	}
	r = 0;
done:
	if (sqlite3_close(out) != SQLITE_OK && r == 0)
		r = sl_err_set(err, "%s: cannot close", dest);
	return r;
}

/* Append each row's columns of sql, joined by " ", prefixed, to problems;
 * rows equal to skip ("ok") are not problems. */
static int
store_check_rows(struct store *s, const char *sql, const char *prefix,
		 const char *skip, json_t *problems, struct sl_err *err)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (st == NULL)
		return store_db_err(s, err, prefix);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct buf line;
		int n = sqlite3_column_count(st);

		buf_init(&line, 0);
		buf_adds(&line, prefix);
		for (int i = 0; i < n; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);

			if (i == 0 && skip != NULL && n == 1 && v != NULL &&
			    strcmp(v, skip) == 0)
				goto next;
			buf_adds(&line, i == 0 ? ": " : " ");
			buf_adds(&line, v != NULL ? v : "NULL");
		}
		json_array_append_new(problems, json_string(buf_str(&line)));
next:
		buf_free(&line);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_err(s, err, prefix);
	return 0;
}

json_t *
store_check(struct store *s, struct sl_err *err)
{
	json_t *problems = json_array();

	if (store_check_rows(s, "PRAGMA integrity_check", "integrity_check",
			     "ok", problems, err) < 0 ||
	    store_check_rows(s, "PRAGMA foreign_key_check",
			     "foreign_key_check (table rowid parent fk)", NULL,
			     problems, err) < 0 ||
	    /* references the schema does not declare as foreign keys */
	    store_check_rows(s,
		"SELECT 'state_changes of missing runs', count(*) "
		"FROM state_changes WHERE run_id NOT IN (SELECT id FROM dag_runs) "
		"HAVING count(*) > 0", "orphans", NULL, problems, err) < 0 ||
	    store_check_rows(s,
		"SELECT 'task_instances whose dag_id is not their run''s', count(*) "
		"FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id "
		"WHERE ti.dag_id <> r.dag_id HAVING count(*) > 0",
		"mismatch", NULL, problems, err) < 0) {
		json_decref(problems);
		return NULL;
	}
	return problems;
}

int
store_vacuum(struct store *s, struct sl_err *err)
{
	if (store_exec(s, "VACUUM", err) < 0)
		return -1;
	return store_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", err);
}

int64_t
store_file_size(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
	int64_t n = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return n;
}

/* --- retention --- */

json_t *
store_clean_runs(struct store *s, const char *dag, int64_t before_s,
		 int64_t after_id, int limit)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT r.id, r.dag_id, r.partition, r.end_s, r.state, "
	    "  (SELECT count(*) FROM task_instances ti WHERE ti.run_id = r.id) AS tis, "
	    "  (SELECT count(*) FROM task_tries t JOIN task_instances ti "
	    "     ON ti.id = t.ti_id WHERE ti.run_id = r.id) AS tries "
	    "FROM dag_runs r "
	    "WHERE r.id > ?1 AND r.end_s < ?2 "
	    "  AND coalesce(r.ended_at, r.created_at) < ?2 * 1000 "
	    "  AND r.state IN ('success', 'failed') "
	    "  AND (?3 IS NULL OR r.dag_id = ?3) "
	    "ORDER BY r.id LIMIT ?4");

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int64(st, 2, before_s);
	sqlite3_bind_text(st, 3, dag, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, limit);
	return store_rows_json(st);
}

int
store_clean_run(struct store *s, int64_t run_id, int64_t before_s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT 1 FROM dag_runs WHERE id = ?1 AND end_s < ?2 "
	    "  AND coalesce(ended_at, created_at) < ?2 * 1000 "
	    "  AND state IN ('success', 'failed')");
	int rc;

	/* the run may have been cleared (queued again) since it was listed */
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, before_s);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	st = store_stmt(s, "DELETE FROM task_tries WHERE ti_id IN "
			"(SELECT id FROM task_instances WHERE run_id = ?)");
	sqlite3_bind_int64(st, 1, run_id);
	if (store_step_done(s, st) < 0)
		return -1;
	st = store_stmt(s, "DELETE FROM task_instances WHERE run_id = ?");
	sqlite3_bind_int64(st, 1, run_id);
	if (store_step_done(s, st) < 0)
		return -1;
	st = store_stmt(s, "DELETE FROM state_changes WHERE run_id = ?");
	sqlite3_bind_int64(st, 1, run_id);
	if (store_step_done(s, st) < 0)
		return -1;
	/* the partition's webhook and email deliveries that ended (an
	 * email's row holds its body): one still pending is owed */
	st = store_stmt(s, "DELETE FROM webhook_deliveries WHERE state <> 'pending' "
			"AND (dag_id, partition_key) = "
			"(SELECT dag_id, partition FROM dag_runs WHERE id = ?)");
	sqlite3_bind_int64(st, 1, run_id);
	if (store_step_done(s, st) < 0)
		return -1;
	st = store_stmt(s, "DELETE FROM dag_runs WHERE id = ?");
	sqlite3_bind_int64(st, 1, run_id);
	if (store_step_done(s, st) < 0)
		return -1;
	return 1;
}

int64_t
store_clean_audit(struct store *s, const char *dag, int64_t before_ms,
		  int limit, int dry_run)
{
	sqlite3_stmt *st = dry_run ?
	    store_stmt(s, "SELECT count(*) FROM audit WHERE at < ?1 "
		       "AND (?2 IS NULL OR dag_id = ?2)") :
	    store_stmt(s, "DELETE FROM audit WHERE id IN (SELECT id FROM audit "
		       "WHERE at < ?1 AND (?2 IS NULL OR dag_id = ?2) "
		       "ORDER BY id LIMIT ?3)");
	int64_t n;
	int rc;

	sqlite3_bind_int64(st, 1, before_ms);
	sqlite3_bind_text(st, 2, dag, -1, SQLITE_STATIC);
	if (!dry_run)
		sqlite3_bind_int(st, 3, limit);
	rc = sqlite3_step(st);
	n = dry_run && rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) :
	    sqlite3_changes64(s->db);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return -1;
	return n;
}

/* Is src a sluice database this binary can take: whole (quick_check), with
 * a schema_migrations table at a version not above this binary's? */
static int
store_restore_source_ok(sqlite3 *in, const char *src, struct sl_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, version = -1, r = -1;

	if (sqlite3_prepare_v2(in, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK)
	{
		char why[512];

		return sl_err_set(err, "%s: %s: %s", src, (sqlite3_errcode(in) & 0xff) == SQLITE_NOTADB ?
				  "not an SQLite database" : "cannot be read",
				  store_reason(in, src, NULL, why, sizeof why));
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		if (v == NULL || strcmp(v, "ok") != 0) {
			sl_err_set(err, "%s: damaged (quick_check: %s); not restored",
				   src, v != NULL ? v : "?");
			goto done;
		}
	}
	if (rc != SQLITE_DONE) {
		char why[512];

		sl_err_set(err, "%s: %s: %s", src, (sqlite3_errcode(in) & 0xff) == SQLITE_NOTADB ?
			   "not an SQLite database" : "cannot be read",
			   store_reason(in, src, NULL, why, sizeof why));
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(in, "SELECT coalesce(max(version), 0) FROM "
			       "schema_migrations", -1, &st, NULL) != SQLITE_OK) {
		sl_err_set(err, "%s: not a sluice database (no schema_migrations "
			   "table)", src);
		goto done;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	if (version <= 0) {
		sl_err_set(err, "%s: not a sluice database (no migration recorded)", src);
		goto done;
	}
	if (version > store_binary_version()) {
		sl_err_set(err, "%s: schema version %d, newer than this sluice "
			   "understands (%d); restore it with a newer sluice", src,
			   version, store_binary_version());
		goto done;
	}
	r = 0;
done:
	sqlite3_finalize(st);
	return r;
}

/* Copy the whole database in (an open handle) into the file out_path
 * (made if missing) through SQLite: under out_path's write lock and
 * through its WAL, so a reader of out_path (the web) sees the old
 * database or the new one, never a mix, and no stale -wal is replayed
 * over it, as it would be over a file copied in with cp. */
static int
store_copy_into(sqlite3 *in, const char *out_path, int64_t *pages,
		struct sl_err *err)
{
	sqlite3 *out = NULL;
	sqlite3_backup *b;
	int rc, r = -1;

	store_create_private(out_path);
	if (sqlite3_open_v2(out_path, &out, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		store_open_error(out, out_path, err);
		goto done;
	}
	sqlite3_busy_timeout(out, 10000);
	b = sqlite3_backup_init(out, "main", in, "main");
	if (b == NULL) {
		sl_err_set(err, "%s: %s", out_path, sqlite3_errmsg(out));
		goto done;
	}
	rc = sqlite3_backup_step(b, -1);
	if (pages != NULL)
		*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		sl_err_set(err, "%s: %s", out_path, sqlite3_errstr(rc));
		goto done;
	}
	if (sqlite3_exec(out, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
			 NULL) != SQLITE_OK) {
		sl_err_set(err, "%s: checkpoint: %s", out_path, sqlite3_errmsg(out));
		goto done;
	}
	r = 0;
done:
	if (out != NULL && sqlite3_close(out) != SQLITE_OK && r == 0)
		r = sl_err_set(err, "%s: cannot close", out_path);
	return r;
}

/* Open the backup src to read it, making no file beside it (its folder
 * may be one this user cannot write, and a -shm or -wal left there is
 * litter): immutable (no locks, no -shm) unless a -wal with content lies
 * beside it (a copy of a live database), which only a normal read sees. */
static int
store_open_source(const char *src, sqlite3 **in, struct sl_err *err)
{
	char *wal = xasprintf("%s-wal", src);
	struct stat st;
	int plain = stat(wal, &st) == 0 && st.st_size > 0;
	struct buf uri;

	free(wal);
	buf_init(&uri, 0);
	buf_adds(&uri, "file:");
	for (const char *p = src; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			buf_printf(&uri, "%%%02X", (unsigned char)*p);
		else
			buf_addc(&uri, *p);
	}
	buf_adds(&uri, plain ? "?mode=ro" : "?mode=ro&immutable=1");
	if (sqlite3_open_v2(buf_str(&uri), in, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
			    NULL) != SQLITE_OK) {
		store_open_error(*in, src, err);
		buf_free(&uri);
		return -1;
	}
	buf_free(&uri);
	return 0;
}

int
store_restore(const char *src, const char *db_path, const char *keep,
	      int64_t *pages, struct sl_err *err)
{
	sqlite3 *in = NULL, *cur = NULL;
	struct sl_err kerr;
	int r = -1;

	if (store_open_source(src, &in, err) < 0)
		goto done;
	if (store_restore_source_ok(in, src, err) < 0)
		goto done;
	if (keep != NULL && access(db_path, F_OK) == 0) {
		sl_err_clear(&kerr);
		if (sqlite3_open_v2(db_path, &cur, SQLITE_OPEN_READONLY,
				    NULL) != SQLITE_OK ||
		    store_copy_into(cur, keep, NULL, &kerr) < 0) {
			unlink(keep);
			sl_err_set(err, "%s: cannot keep the current database as "
				   "%s (%s); nothing restored (--force restores "
				   "without keeping it)", db_path, keep,
				   kerr.msg[0] != '\0' ? kerr.msg
							: sqlite3_errmsg(cur));
			goto done;
		}
	}
	r = store_copy_into(in, db_path, pages, err);
done:
	sqlite3_close(cur);
	sqlite3_close(in);
	return r;
}
