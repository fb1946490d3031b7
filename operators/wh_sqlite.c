/*
 * wh_sqlite.c: warehouse_copy into an SQLite file, the embedded warehouse
 * the demos use. Same modes and the same guarantee as PostgreSQL: one
 * transaction (BEGIN IMMEDIATE) holds the mode's DELETE / staging
 * statements and every row, so a failed load leaves the table as it was.
 * Rows go in through one prepared INSERT with bound values.
 *
 * replace_partition compares julianday() of the partition column with the
 * interval's bounds, so ISO-8601 text in any of SQLite's time formats
 * ("2024-01-01 05:00:00", "2024-01-01T05:00:00Z", "2024-01-01") matches.
 */
#include "operators/wh.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* How long to wait for another writer of the same file. */
#define SQLITE_BUSY_MS 30000

int
wh_sqlite_sql(const struct wh_load *load, const char **columns,
	      size_t ncolumns, struct wh_stmts *out, struct sl_err *err)
{
	struct buf b, target, cols, keys;

	memset(out, 0, sizeof *out);
	if (columns == NULL || ncolumns == 0)
		return sl_err_set(err, "SQLite loads need the column list");
	buf_init(&b, 0);
	buf_init(&target, 0);
	buf_init(&cols, 0);
	buf_init(&keys, 0);
	if (load->mode == WH_MODE_UPSERT) {
		buf_adds(&target, "temp.");
		wh_sql_ident_part(&target, WH_STAGE_TABLE);
	} else
		wh_sql_ident(&target, load->table);
	for (size_t i = 0; i < ncolumns; i++) {
		if (i > 0)
			buf_adds(&cols, ", ");
		wh_sql_ident_part(&cols, columns[i]);
	}
	for (size_t i = 0; i < load->nupsert_keys; i++) {
		if (i > 0)
			buf_adds(&keys, ", ");
		wh_sql_ident_part(&keys, load->upsert_keys[i]);
	}

	wh_stmts_add(out, xstrdup("BEGIN IMMEDIATE"));
	if (load->mode == WH_MODE_REPLACE_PARTITION) {
		struct wh_stmt *st;

		buf_adds(&b, "DELETE FROM ");
		wh_sql_ident(&b, load->table);
		buf_adds(&b, " WHERE julianday(");
		wh_sql_ident_part(&b, load->partition_column);
		buf_adds(&b, ") >= julianday(?1) AND julianday(");
		wh_sql_ident_part(&b, load->partition_column);
		buf_adds(&b, ") < julianday(?2)");
		st = wh_stmts_add(out, buf_steal(&b));
		st->nparams = 2;
		st->params[0] = load->interval_start;
		st->params[1] = load->interval_end;
	}
	if (load->mode == WH_MODE_UPSERT) {
		buf_printf(&b, "CREATE TEMP TABLE %s AS SELECT %s FROM ",
			   buf_str(&target), buf_str(&cols));
		wh_sql_ident(&b, load->table);
		buf_adds(&b, " WHERE 0");
		wh_stmts_add(out, buf_steal(&b));
	}

	buf_printf(&b, "INSERT INTO %s (%s) VALUES (", buf_str(&target),
		   buf_str(&cols));
	for (size_t i = 0; i < ncolumns; i++)
		buf_printf(&b, "%s?%zu", i > 0 ? ", " : "", i + 1);
	buf_addc(&b, ')');
	wh_stmts_add(out, buf_steal(&b))->is_insert = 1;

	if (load->mode == WH_MODE_UPSERT) {
		buf_adds(&b, "DELETE FROM ");
		wh_sql_ident(&b, load->table);
		buf_printf(&b, " WHERE (%s) IN (SELECT %s FROM %s)",
			   buf_str(&keys), buf_str(&keys), buf_str(&target));
		wh_stmts_add(out, buf_steal(&b));

		buf_adds(&b, "INSERT INTO ");
		wh_sql_ident(&b, load->table);
		buf_printf(&b, " (%s) SELECT %s FROM %s", buf_str(&cols),
			   buf_str(&cols), buf_str(&target));
		wh_stmts_add(out, buf_steal(&b));

		buf_printf(&b, "DROP TABLE %s", buf_str(&target));
		wh_stmts_add(out, buf_steal(&b));
	}
	wh_stmts_add(out, xstrdup("COMMIT"));
	buf_free(&target);
	buf_free(&cols);
	buf_free(&keys);
	return 0;
}

char *
wh_sqlite_path(const char *url, const char *home)
{
	const char *p = url + strlen("sqlite:");

	if (sl_str_starts(p, "//"))
		p += 2;
	if (p[0] != '/' && home != NULL)
		return xasprintf("%s/%s", home, p);
	return xstrdup(p);
}

static int
sq_error(sqlite3 *db, const char *what, struct sl_err *err)
{
	return sl_err_set(err, "%s: %s", what, sqlite3_errmsg(db));
}

/* The table's columns in order, read from a prepared SELECT (which also
 * fails with SQLite's own message when the table does not exist). */
static int
sq_table_columns(sqlite3 *db, const char *table, char ***out, size_t *n,
		 struct sl_err *err)
{
	struct buf b;
	sqlite3_stmt *st;
	int rc;

	buf_init(&b, 0);
	buf_adds(&b, "SELECT * FROM ");
	wh_sql_ident(&b, table);
	rc = sqlite3_prepare_v2(db, buf_str(&b), -1, &st, NULL);
	buf_free(&b);
	if (rc != SQLITE_OK)
		return sq_error(db, "cannot read the table's columns", err);
	*n = (size_t)sqlite3_column_count(st);
	*out = xcalloc(*n + 1, sizeof **out);
	for (size_t i = 0; i < *n; i++)
		(*out)[i] = xstrdup(sqlite3_column_name(st, (int)i));
	sqlite3_finalize(st);
	return 0;
}

struct sq_insert {
	sqlite3 *db;
	sqlite3_stmt *st;
	const char **columns;
	size_t ncolumns;
};

static int
sq_step(struct sq_insert *ins, struct sl_err *err)
{
	int rc = sqlite3_step(ins->st);

	sqlite3_reset(ins->st);
	sqlite3_clear_bindings(ins->st);
	if (rc != SQLITE_DONE)
		return sl_err_set(err, "%s", sqlite3_errmsg(ins->db));
	return 0;
}

static int
sq_csv_record(void *arg, const struct wh_field *f, size_t n,
	      struct sl_err *err)
{
	struct sq_insert *ins = arg;

	if (n != ins->ncolumns)
		return sl_err_set(err, "%zu field%s, expected %zu", n,
				  n == 1 ? "" : "s", ins->ncolumns);
	for (size_t i = 0; i < n; i++) {
		/* As PostgreSQL reads CSV: unquoted empty is NULL. */
		if (f[i].len == 0 && !f[i].quoted)
			continue;
		sqlite3_bind_text(ins->st, (int)i + 1, f[i].data,
				  (int)f[i].len, SQLITE_STATIC);
	}
	return sq_step(ins, err);
}

static int
sq_json_row(void *arg, json_t *row, struct sl_err *err)
{
	struct sq_insert *ins = arg;

	for (size_t i = 0; i < ins->ncolumns; i++) {
		json_t *v = wh_jsonl_get(row, ins->columns[i]);
		int col = (int)i + 1;

		switch (v != NULL ? json_typeof(v) : JSON_NULL) {
		case JSON_NULL:
			break;
		case JSON_STRING:
			sqlite3_bind_text(ins->st, col, json_string_value(v),
					  (int)json_string_length(v),
					  SQLITE_STATIC);
			break;
		case JSON_INTEGER:
			sqlite3_bind_int64(ins->st, col, json_integer_value(v));
			break;
		case JSON_REAL:
			sqlite3_bind_double(ins->st, col, json_real_value(v));
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			sqlite3_bind_int(ins->st, col, json_is_true(v));
			break;
		case JSON_OBJECT:
		case JSON_ARRAY: {
			char *text = json_dumps(v, JSON_COMPACT);

			if (text != NULL)
				sqlite3_bind_text(ins->st, col, text, -1, free);
			break;
		}
		}
	}
	return sq_step(ins, err);
}

/* Run one statement that is not the row INSERT. */
static int
sq_exec(sqlite3 *db, const struct wh_stmt *st, FILE *out, struct sl_err *err)
{
	sqlite3_stmt *ps;
	int rc;

	wh_stmt_print(st, out);
	if (sqlite3_prepare_v2(db, st->sql, -1, &ps, NULL) != SQLITE_OK)
		return sq_error(db, "SQLite refused the statement", err);
	for (int i = 0; i < st->nparams; i++)
		sqlite3_bind_text(ps, i + 1, st->params[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(ps);
	sqlite3_finalize(ps);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_error(db, "SQLite refused the statement", err);
	if (sl_str_starts(st->sql, "DELETE") || sl_str_starts(st->sql, "INSERT")) {
		fprintf(out, "  → %d row%s\n", sqlite3_changes(db),
			sqlite3_changes(db) == 1 ? "" : "s");
		fflush(out);
	}
	return 0;
}

int
wh_sqlite_run(const struct wh_load *load, FILE *out, struct sl_err *err)
{
	struct wh_source *src;
	struct wh_objects objs = { 0 };
	struct wh_stmts stmts = { 0 };
	struct wh_stream_stats stats;
	struct sq_insert ins;
	sqlite3 *db = NULL;
	char *path = wh_sqlite_path(load->url, load->home);
	char **table_columns = NULL;
	int64_t t0 = sl_mono_ms();
	int r = -1;

	memset(&stats, 0, sizeof stats);
	memset(&ins, 0, sizeof ins);
	ins.columns = load->columns;
	ins.ncolumns = load->ncolumns;
	src = wh_source_new(load->source_conn, load->region, load->home);
	if (load->iam_role != NULL)
		fprintf(out, "note: iam_role applies to Redshift only\n");
	if (wh_source_list(src, load->from, load->manifest, &objs, err) < 0)
		goto out;
	fprintf(out, "%zu object%s %s %s\n", objs.n, objs.n == 1 ? "" : "s",
		load->manifest ? "listed in" : "under", load->from);

	/* A dry run opens the file read-only, for the column list. */
	if (sqlite3_open_v2(path, &db, load->dry_run ? SQLITE_OPEN_READONLY :
			    load->create_table ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE :
			    SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sl_err_set(err, "cannot open %s: %s%s", path,
			   db != NULL ? sqlite3_errmsg(db) : "out of memory",
			   load->create_table ? "" : " (create_table: true creates it)");
		goto out;
	}
	sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
	if (load->create_table && !load->dry_run) {
		/* untyped columns: SQLite keeps each value's own type */
		struct buf sql;
		char *msg = NULL;

		buf_init(&sql, 0);
		buf_adds(&sql, "CREATE TABLE IF NOT EXISTS ");
		wh_sql_ident(&sql, load->table);
		buf_adds(&sql, " (");
		for (size_t i = 0; i < load->ncolumns; i++) {
			if (i > 0)
				buf_adds(&sql, ", ");
			wh_sql_ident_part(&sql, load->columns[i]);
		}
		buf_adds(&sql, ")");
		if (sqlite3_exec(db, buf_str(&sql), NULL, NULL, &msg) != SQLITE_OK) {
			sl_err_set(err, "cannot create table %s: %s", load->table,
				   msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			buf_free(&sql);
			goto out;
		}
		buf_free(&sql);
	}
	if (ins.columns == NULL) {
		if (sq_table_columns(db, load->table, &table_columns,
				     &ins.ncolumns, err) < 0)
			goto out;
		ins.columns = (const char **)table_columns;
	}
	if (wh_sqlite_sql(load, ins.columns, ins.ncolumns, &stmts, err) < 0)
		goto out;
	if (load->dry_run) {
		fprintf(out, "dry run: not writing; the statements would be:\n");
		for (size_t i = 0; i < stmts.n; i++)
			wh_stmt_print(&stmts.v[i], out);
		r = 0;
		goto out;
	}

	for (size_t i = 0; i < stmts.n; i++) {
		struct wh_stream_sink sink;
		int sr;

		if (!stmts.v[i].is_insert) {
			sr = sq_exec(db, &stmts.v[i], out, err);
		} else {
			wh_stmt_print(&stmts.v[i], out);
			if (sqlite3_prepare_v2(db, stmts.v[i].sql, -1, &ins.st,
					       NULL) != SQLITE_OK) {
				sq_error(db, "SQLite refused the statement", err);
				goto out;
			}
			ins.db = db;
			memset(&sink, 0, sizeof sink);
			sink.arg = &ins;
			if (load->format == WH_FORMAT_JSON)
				sink.json_row = sq_json_row;
			else
				sink.csv_record = sq_csv_record;
			sr = wh_stream_run(load, src, &objs, &sink, out, &stats,
					   err);
			sqlite3_finalize(ins.st);
			ins.st = NULL;
			if (sr == 0) {
				fprintf(out, "  → %llu row%s\n",
					(unsigned long long)stats.rows,
					stats.rows == 1 ? "" : "s");
				fflush(out);
			}
		}
		if (sr < 0)
			goto out;
	}
	wh_stream_report(out, &stats, load, t0);
	r = 0;
out:
	/* Still inside the load's transaction: it failed. */
	if (db != NULL && !sqlite3_get_autocommit(db)) {
		fprintf(out, "SQL: ROLLBACK;\n");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (table_columns != NULL)
		for (size_t i = 0; table_columns[i] != NULL; i++)
			free(table_columns[i]);
	free(table_columns);
	sqlite3_close(db);
	free(path);
	wh_stmts_free(&stmts);
	wh_objects_free(&objs);
	wh_source_free(src);
	return r;
}
