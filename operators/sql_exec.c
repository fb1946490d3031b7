/*
 * sql_exec.c: running a `sql` task's statements and check queries on the
 * warehouse its connection names. This is the person's SQL against their
 * own warehouse, not sluice's state: the store (store/) keeps every
 * statement on sluice.db; this file never opens it. PostgreSQL and Redshift go through
 * libpq's simple query protocol, so the server itself splits the
 * statements (quotes, comments and $$ bodies included) and answers each in
 * order; SQLite steps through the text one prepared statement at a time.
 *
 * A try that is stopped (SIGTERM from the scheduler: a kill, a timeout, a
 * clear) cancels the query in flight: PostgreSQL gets a cancel request on
 * a second connection, SQLite an interrupt from its progress handler. The
 * transaction is then rolled back.
 *
 * This SQL is the user's, on the user's warehouse (a `connection:`), never
 * on sluice's own database: the rule that only store/ holds SQL is about
 * sluice's run state, and this file does not link or open the store.
 */
#include "operators/sql.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "operators/op_stop.h"
#include "operators/wh.h"

/* How often a wait for the server looks at the stop request. */
#define SQL_STOP_POLL_MS 200
/* How long SQLite waits for another writer of the same file. */
#define SQL_SQLITE_BUSY_MS 30000

struct sql_conn {
	enum wh_backend backend;
	PGconn *pg;
	PGresult *value;	/* the last check's result */
	sqlite3 *db;
	sqlite3_stmt *value_st;	/* the last check's statement */
	char *value_text;	/* SQLite: the last check's first value */
	int cancelled;
};

int
sql_conn_open(const char *conn_name, const char *url, const char *password,
	      const char *password_env, const char *home,
	      struct sql_conn **out, struct sl_err *err)
{
	struct sql_conn *c = xcalloc(1, sizeof *c);

	*out = NULL;
	if (wh_backend_of(conn_name, url, &c->backend, err) < 0) {
		free(c);
		return -1;
	}
	if (c->backend == WH_SQLITE) {
		char *path = wh_sqlite_path(url, home);

		if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE,
				    NULL) != SQLITE_OK) {
			struct stat st;

			/* never created here: a mistyped path would make an
			 * empty warehouse that every query then misses */
			if (stat(path, &st) < 0 && errno == ENOENT)
				sl_err_set(err, "cannot open %s: no such file (a sql task does not create a "
					   "SQLite warehouse; a warehouse_copy with create_table: true does)",
					   path);
			else
				sl_err_set(err, "cannot open %s: %s", path,
					   c->db != NULL ? sqlite3_errmsg(c->db) :
					   "out of memory");
			free(path);
			sqlite3_close(c->db);
			free(c);
			return -1;
		}
		free(path);
		sqlite3_busy_timeout(c->db, SQL_SQLITE_BUSY_MS);
	} else {
		struct wh_load load;

		memset(&load, 0, sizeof load);
		load.backend = c->backend;
		load.url = url;
		load.password = password;
		load.password_env = password_env;
		if (wh_pq_connect(&load, &c->pg, err) < 0) {
			free(c);
			return -1;
		}
	}
	*out = c;
	return 0;
}

void
sql_conn_close(struct sql_conn *c)
{
	if (c == NULL)
		return;
	if (c->value != NULL)	/* a SQLite connection never loads libpq */
		PQclear(c->value);
	sqlite3_finalize(c->value_st);
	free(c->value_text);
	if (c->pg != NULL)
		PQfinish(c->pg);
	sqlite3_close(c->db);
	free(c);
}

const char *
sql_conn_backend(const struct sql_conn *c)
{
	switch (c->backend) {
	case WH_POSTGRES: return "PostgreSQL";
	case WH_REDSHIFT: return "Redshift";
	case WH_SQLITE: return "SQLite";
	}
	return "?";
}

/* ---- PostgreSQL and Redshift ---------------------------------------- */

/* Ask the server to cancel the query in flight (once). */
static void
pg_cancel(struct sql_conn *c, FILE *out)
{
	PGcancel *cancel;
	char msg[256] = "";

	if (c->cancelled)
		return;
	c->cancelled = 1;
	cancel = PQgetCancel(c->pg);
	if (cancel != NULL && PQcancel(cancel, msg, sizeof msg))
		fprintf(out, "the try was stopped: cancel request sent to the server\n");
	else
		fprintf(out, "the try was stopped: the cancel request failed: %s\n",
			msg[0] ? msg : "no connection");
	fflush(out);
	PQfreeCancel(cancel);
}

/* The next result of the query in flight, NULL after the last; a stop
 * request while waiting cancels the query. */
static PGresult *
pg_next(struct sql_conn *c, FILE *out)
{
	while (PQisBusy(c->pg)) {
		struct pollfd p = { PQsocket(c->pg), POLLIN, 0 };
		int r = poll(&p, 1, SQL_STOP_POLL_MS);

		if (op_stop_requested())
			pg_cancel(c, out);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && !PQconsumeInput(c->pg))
			break;
	}
	return PQgetResult(c->pg);
}

/* The rows a result counts: returned (SELECT) or changed. */
static long
pg_rows(PGresult *res)
{
	const char *t;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return PQntuples(res);
	t = PQcmdTuples(res);
	return t[0] != '\0' ? atol(t) : -1;
}

/* Where a byte offset of sql stands: "PATH:LINE:COL" when the SQL is the
 * file source, else "line LINE, column COL of the SQL". */
static void
sql_place(const char *sql, size_t offset, const char *source, char *out,
	  size_t n)
{
	int line = 1, col = 1;

	for (size_t i = 0; i < offset && sql[i] != '\0'; i++) {
		if (sql[i] == '\n')
			line++, col = 1;
		else if (((unsigned char)sql[i] & 0xC0) != 0x80)
			col++;
	}
	if (source != NULL)
		snprintf(out, n, "%s:%d:%d", source, line, col);
	else
		snprintf(out, n, "line %d, column %d of the SQL", line, col);
}

/* The byte offset of the server's error position (characters from 1,
 * PG_DIAG_STATEMENT_POSITION) in sql; -1 when the server gave none. */
static long
pg_error_offset(const PGresult *res, const char *sql)
{
	const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	long chars, i;

	if (pos == NULL || (chars = atol(pos)) < 1)
		return -1;
	/* the client encoding is UTF-8: count characters, not bytes */
	for (i = 0; sql[i] != '\0'; i++)
		if (((unsigned char)sql[i] & 0xC0) != 0x80 && --chars == 0)
			return i;
	return -1;
}

/* A failed statement or query: the server's whole message (ERROR, DETAIL,
 * HINT, the LINE with its caret), indented, into the log; into err a line
 * naming what failed (what: "statement 2", or NULL), where in sql when
 * the server says, and the server's primary message. */
static int
pg_result_error(const PGresult *res, const char *sql, const char *source,
		const char *what, FILE *out, struct sl_err *err)
{
	const char *full = PQresultErrorMessage(res);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	long offset = pg_error_offset(res, sql);
	char place[300] = "";

	if (offset >= 0)
		sql_place(sql, (size_t)offset, source, place, sizeof place);
	if (what != NULL)
		fprintf(out, "  %s FAILED%s%s%s:\n", what, place[0] ? " (" : "",
			place, place[0] ? ")" : "");
	else
		fprintf(out, "  the server said:\n");
	for (const char *p = full; *p != '\0';) {
		size_t len = strcspn(p, "\n");

		fprintf(out, "    %.*s\n", (int)len, p);
		p += len;
		if (*p == '\n')
			p++;
	}
	fflush(out);
	return sl_err_set(err, "%s%s%s%s%s", what != NULL ? what : "",
			  what != NULL && place[0] ? ", " : "", place,
			  what != NULL || place[0] ? ": " : "",
			  primary != NULL ? primary : "the server refused it");
}

/* err says first that the try was stopped (the server's message after). */
static void
pg_cancelled(struct sl_err *err)
{
	char msg[SL_ERR_MSG];

	snprintf(msg, sizeof msg, "%s", err->msg);
	sl_err_set(err, "cancelled (the try was stopped): %s", msg);
}

/* Seconds since a monotonic start, for the log. */
static double
sql_secs(int64_t since_ms)
{
	return (double)(sl_mono_ms() - since_ms) / 1000.0;
}

/* One statement without results worth showing (BEGIN, COMMIT...). */
static int
pg_simple(struct sql_conn *c, const char *sql, FILE *out, struct sl_err *err)
{
	PGresult *res;
	int ok;

	fprintf(out, "SQL: %s;\n", sql);
	fflush(out);
	res = PQexec(c->pg, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok)
		return wh_pq_error(c->pg, sql, err);
	return 0;
}

static int
pg_run(struct sql_conn *c, const char *sql, const char *source, FILE *out,
       struct sl_err *err)
{
	PGresult *res;
	long rows = -1;
	int failed = 0, n = 0;
	int64_t start = sl_mono_ms(), last = start;

	if (pg_simple(c, "BEGIN", out, err) < 0)
		return -1;
	if (!PQsendQuery(c->pg, sql)) {
		wh_pq_error(c->pg, "the server refused the SQL", err);
		wh_pq_rollback(c->pg, out);
		return -1;
	}
	/* one result per statement, in order, as the server ends each */
	while ((res = pg_next(c, out)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			rows = pg_rows(res);
			fprintf(out, "  statement %d → %s%s (%.2fs)\n", ++n,
				PQcmdStatus(res),
				st == PGRES_TUPLES_OK ? " (rows returned)" : "",
				sql_secs(last));
			last = sl_mono_ms();
		} else if (!failed) {
			char what[32];

			failed = 1;
			snprintf(what, sizeof what, "statement %d", n + 1);
			pg_result_error(res, sql, source, what, out, err);
			if (c->cancelled)
				pg_cancelled(err);
		}
		PQclear(res);
	}
	fflush(out);
	if (failed || c->cancelled) {
		if (!failed)
			sl_err_set(err, "cancelled (the try was stopped)");
		wh_pq_rollback(c->pg, out);
		return -1;
	}
	if (pg_simple(c, "COMMIT", out, err) < 0)
		return -1;
	if (rows >= 0)
		fprintf(out, "rows: %ld (the last statement)\n", rows);
	fprintf(out, "%d statement%s committed in %.2fs\n", n,
		n == 1 ? "" : "s", sql_secs(start));
	fflush(out);
	return 0;
}

static int
pg_value(struct sql_conn *c, const char *query, struct sql_value *v,
	 struct sl_err *err)
{
	PGresult *res;
	int failed = 0;

	PQclear(c->value);
	c->value = NULL;
	if (!PQsendQuery(c->pg, query))
		return wh_pq_error(c->pg, "the server refused the query", err);
	while ((res = pg_next(c, stdout)) != NULL) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK) {
			PQclear(c->value);
			c->value = res;
			continue;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !failed) {
			failed = 1;
			pg_result_error(res, query, NULL, NULL, stdout, err);
			if (c->cancelled)
				pg_cancelled(err);
		}
		PQclear(res);
	}
	if (failed)
		return -1;
	if (c->cancelled)
		return sl_err_set(err, "cancelled (the try was stopped)");
	if (c->value == NULL)
		return sl_err_set(err, "the query returned no rows and no columns (a check's query is a SELECT)");
	v->rows = PQntuples(c->value);
	v->columns = PQnfields(c->value);
	v->text = v->rows > 0 && v->columns > 0 &&
		  !PQgetisnull(c->value, 0, 0) ? PQgetvalue(c->value, 0, 0) :
		  NULL;
	return 0;
}

/* ---- SQLite ------------------------------------------------------------ */

/* SQLite's progress handler: a non-zero return interrupts the statement. */
static int
sq_progress(void *arg)
{
	struct sql_conn *c = arg;

	if (op_stop_requested() && !c->cancelled) {
		c->cancelled = 1;
		printf("the try was stopped: interrupting the statement\n");
		fflush(stdout);
	}
	return c->cancelled;
}

static int
sq_error(struct sql_conn *c, const char *what, struct sl_err *err)
{
	if (c->cancelled)
		return sl_err_set(err, "cancelled (the try was stopped)");
	return sl_err_set(err, "%s: %s", what, sqlite3_errmsg(c->db));
}

/* Is the rest of the text only space and comments (no statement)? */
static int
sq_blank(sqlite3 *db, const char *tail)
{
	sqlite3_stmt *st = NULL;
	const char *next;

	for (;;) {
		if (sqlite3_prepare_v2(db, tail, -1, &st, &next) != SQLITE_OK)
			return 0;
		if (st != NULL) {
			sqlite3_finalize(st);
			return 0;
		}
		if (next == tail || *next == '\0')
			return 1;
		tail = next;
	}
}

/* A statement SQLite refused (n: its number; stmt: where it starts in
 * sql): the log and err name it and its place, as pg_result_error does. */
static int
sq_statement_error(struct sql_conn *c, const char *sql, const char *stmt,
		   int n, const char *source, FILE *out, struct sl_err *err)
{
	int at = sqlite3_error_offset(c->db);
	char place[300];

	if (c->cancelled)
		return sl_err_set(err, "cancelled (the try was stopped)");
	/* a prepare error points into the statement; a step error at it */
	if (at < 0)
		at = (int)strspn(stmt, " \t\r\n");
	sql_place(sql, (size_t)(stmt - sql) + (size_t)at, source, place,
		  sizeof place);
	fprintf(out, "  statement %d FAILED (%s):\n    %s\n", n, place,
		sqlite3_errmsg(c->db));
	fflush(out);
	return sl_err_set(err, "statement %d, %s: %s", n, place,
			  sqlite3_errmsg(c->db));
}

static int
sq_run(struct sql_conn *c, const char *sql, const char *source, FILE *out,
       struct sl_err *err)
{
	const char *p = sql, *next;
	long rows = -1;
	int n = 0;
	int64_t start = sl_mono_ms(), last;

	sqlite3_progress_handler(c->db, 1000, sq_progress, c);
	fprintf(out, "SQL: BEGIN IMMEDIATE;\n");
	fflush(out);
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sq_error(c, "BEGIN", err);
	while (*p != '\0') {
		sqlite3_stmt *st;
		long returned = 0;
		int rc;

		last = sl_mono_ms();
		if (sqlite3_prepare_v2(c->db, p, -1, &st, &next) != SQLITE_OK) {
			sq_statement_error(c, sql, p, n + 1, source, out, err);
			goto fail;
		}
		if (st == NULL) {	/* space or a comment */
			if (next == p)
				break;
			p = next;
			continue;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			returned++;
		if (rc != SQLITE_DONE) {
			sq_statement_error(c, sql, p, n + 1, source, out, err);
			sqlite3_finalize(st);
			goto fail;
		}
		if (sqlite3_stmt_readonly(st) && sqlite3_column_count(st) > 0) {
			rows = returned;
			fprintf(out, "  statement %d → %ld row%s returned (%.2fs)\n",
				++n, rows, rows == 1 ? "" : "s", sql_secs(last));
		} else {
			rows = sqlite3_changes(c->db);
			fprintf(out, "  statement %d → %ld row%s changed (%.2fs)\n",
				++n, rows, rows == 1 ? "" : "s", sql_secs(last));
		}
		sqlite3_finalize(st);
		p = next;
	}
	fprintf(out, "SQL: COMMIT;\n");
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sq_error(c, "COMMIT", err);
		goto fail;
	}
	if (rows >= 0)
		fprintf(out, "rows: %ld (the last statement)\n", rows);
	fprintf(out, "%d statement%s committed in %.2fs\n", n,
		n == 1 ? "" : "s", sql_secs(start));
	fflush(out);
	sqlite3_progress_handler(c->db, 0, NULL, NULL);
	return 0;
fail:
	fflush(out);
	if (!sqlite3_get_autocommit(c->db)) {
		fprintf(out, "SQL: ROLLBACK;\n");
		fflush(out);
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_progress_handler(c->db, 0, NULL, NULL);
	return -1;
}

static int
sq_value(struct sql_conn *c, const char *query, struct sql_value *v,
	 struct sl_err *err)
{
	const char *tail;
	int rc;

	sqlite3_finalize(c->value_st);
	c->value_st = NULL;
	free(c->value_text);
	c->value_text = NULL;
	sqlite3_progress_handler(c->db, 1000, sq_progress, c);
	if (sqlite3_prepare_v2(c->db, query, -1, &c->value_st, &tail) != SQLITE_OK)
		return sq_error(c, "SQLite refused the query", err);
	if (c->value_st == NULL)
		return sl_err_set(err, "the query is empty");
	if (!sq_blank(c->db, tail))
		return sl_err_set(err, "a check's query is one statement");
	v->rows = 0;
	v->columns = sqlite3_column_count(c->value_st);
	v->text = NULL;
	/* the first row's value is read before stepping on */
	rc = sqlite3_step(c->value_st);
	if (rc == SQLITE_ROW) {
		v->rows = 1;
		/* a copy: stepping on to count the rows frees the text */
		if (v->columns > 0 &&
		    sqlite3_column_type(c->value_st, 0) != SQLITE_NULL)
			c->value_text = xstrdup((const char *)
			    sqlite3_column_text(c->value_st, 0));
		v->text = c->value_text;
		while ((rc = sqlite3_step(c->value_st)) == SQLITE_ROW)
			v->rows++;
	}
	sqlite3_progress_handler(c->db, 0, NULL, NULL);
	if (rc != SQLITE_DONE)
		return sq_error(c, "SQLite refused the query", err);
	return 0;
}

int
sql_conn_run(struct sql_conn *c, const char *sql, const char *source,
	     FILE *out, struct sl_err *err)
{
	if (c->backend == WH_SQLITE)
		return sq_run(c, sql, source, out, err);
	return pg_run(c, sql, source, out, err);
}

int
sql_conn_value(struct sql_conn *c, const char *query, struct sql_value *v,
	       struct sl_err *err)
{
	memset(v, 0, sizeof *v);
	if (c->backend == WH_SQLITE)
		return sq_value(c, query, v, err);
	return pg_value(c, query, v, err);
}
