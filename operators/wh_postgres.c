/*
 * wh_postgres.c: warehouse_copy into PostgreSQL. PostgreSQL cannot read
 * object storage, so the partition's objects are streamed through this
 * process into one COPY ... FROM STDIN, inside one transaction with the
 * mode's DELETE / staging statements: either all of the partition lands,
 * or the table is left as it was.
 *
 * CSV passes through unchanged apart from per-object headers and blank
 * lines (wh_csv's span mode); JSON lines are re-encoded as CSV records of
 * the load's columns.
 */
#include "operators/wh.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* Bytes gathered before each PQputCopyData (JSON lines). */
#define PG_COPY_BATCH (64 * 1024)

/* The COPY's WITH clause. */
static int
pg_copy_options(const struct wh_load *load, struct buf *b,
		struct sl_err *err)
{
	buf_adds(b, " FROM STDIN WITH (FORMAT csv");
	if (load->format == WH_FORMAT_CSV && load->delimiter != ',') {
		buf_adds(b, ", DELIMITER ");
		if (load->delimiter == '\t')
			buf_adds(b, "E'\\t'");
		else {
			char d[2] = { load->delimiter, '\0' };

			if (wh_sql_literal(b, d, err) < 0)
				return -1;
		}
	}
	buf_addc(b, ')');
	return 0;
}

int
wh_postgres_sql(const struct wh_load *load, const char **columns,
		size_t ncolumns, struct wh_stmts *out, struct sl_err *err)
{
	struct buf b, target;
	struct wh_stmt *st;

	memset(out, 0, sizeof *out);
	buf_init(&b, 0);
	buf_init(&target, 0);
	if (load->mode == WH_MODE_UPSERT)
		wh_sql_ident_part(&target, WH_STAGE_TABLE);
	else
		wh_sql_ident(&target, load->table);

	wh_stmts_add(out, xstrdup("BEGIN"));

	if (load->mode == WH_MODE_REPLACE_PARTITION) {
		buf_adds(&b, "DELETE FROM ");
		wh_sql_ident(&b, load->table);
		buf_adds(&b, " WHERE ");
		wh_sql_ident_part(&b, load->partition_column);
		buf_adds(&b, " >= $1 AND ");
		wh_sql_ident_part(&b, load->partition_column);
		buf_adds(&b, " < $2");
		st = wh_stmts_add(out, buf_steal(&b));
		st->nparams = 2;
		st->params[0] = load->interval_start;
		st->params[1] = load->interval_end;
	}
	if (load->mode == WH_MODE_UPSERT && columns == NULL) {
		buf_adds(&b, "CREATE TEMP TABLE ");
		wh_sql_ident_part(&b, WH_STAGE_TABLE);
		buf_adds(&b, " (LIKE ");
		wh_sql_ident(&b, load->table);
		buf_addc(&b, ')');
		wh_stmts_add(out, buf_steal(&b));
	} else if (load->mode == WH_MODE_UPSERT) {
		/* Only the loaded columns: a NOT NULL column left to its
		 * default (a serial id) must not be required in the stage. */
		buf_adds(&b, "CREATE TEMP TABLE ");
		wh_sql_ident_part(&b, WH_STAGE_TABLE);
		buf_adds(&b, " AS SELECT ");
		for (size_t i = 0; i < ncolumns; i++) {
			if (i > 0)
				buf_adds(&b, ", ");
			wh_sql_ident_part(&b, columns[i]);
		}
		buf_adds(&b, " FROM ");
		wh_sql_ident(&b, load->table);
		buf_adds(&b, " WITH NO DATA");
		wh_stmts_add(out, buf_steal(&b));
	}

	buf_adds(&b, "COPY ");
	buf_adds(&b, buf_str(&target));
	if (columns != NULL) {
		buf_addc(&b, ' ');
		wh_sql_column_list(&b, columns, ncolumns);
	}
	if (pg_copy_options(load, &b, err) < 0)
		goto fail;
	wh_stmts_add(out, buf_steal(&b))->is_copy = 1;

	if (load->mode == WH_MODE_UPSERT) {
		wh_sql_upsert_from_stage(out, load, buf_str(&target), columns, ncolumns);
	}
	wh_stmts_add(out, xstrdup("COMMIT"));
	buf_free(&target);
	return 0;
fail:
	buf_free(&b);
	buf_free(&target);
	wh_stmts_free(out);
	return -1;
}

/* An upsert's insert that meets a unique key "already" in the table:
 * the delete before it removed the table's rows with the loaded keys, so
 * the key comes twice from the load itself (or is another unique key of
 * the table). Said, as the server's message alone points at the table. */
static void
pg_upsert_hint(const struct wh_load *load, const struct wh_stmt *st,
	       struct sl_err *err)
{
	char msg[SL_ERR_MSG];

	if (load->mode != WH_MODE_UPSERT || strncmp(st->sql, "INSERT", 6) != 0 ||
	    strstr(err->msg, "duplicate key value violates unique constraint") == NULL)
		return;
	snprintf(msg, sizeof msg, "%s", err->msg);
	sl_err_set(err, "%s (upsert deleted the table's rows with the loaded "
		   "upsert_keys before this insert: the loaded data holds this "
		   "key more than once, or it is another unique key of the "
		   "table)", msg);
}

/* The columns of the target table, in order (JSON lines without a
 * columns list map keys to every column, as Redshift's 'auto' does). */
static int
pg_table_columns(PGconn *conn, const char *table, char ***out, size_t *n,
		 struct sl_err *err)
{
	static const char sql[] =
	    "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass"
	    " AND attnum > 0 AND NOT attisdropped ORDER BY attnum";
	struct buf name;
	const char *param;
	PGresult *res;

	buf_init(&name, 0);
	wh_sql_ident(&name, table);
	param = buf_str(&name);
	res = PQexecParams(conn, sql, 1, NULL, &param, NULL, NULL, 0);
	buf_free(&name);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return wh_pq_error(conn, "cannot read the table's columns",
				   err);
	}
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n + 1, sizeof **out);
	for (size_t i = 0; i < *n; i++)
		(*out)[i] = xstrdup(PQgetvalue(res, (int)i, 0));
	PQclear(res);
	return 0;
}

struct pg_copy {
	PGconn *conn;
	const char **columns;
	size_t ncolumns;
	struct buf batch;
};

static int
pg_put(struct pg_copy *pc, const void *data, size_t len, struct sl_err *err)
{
	while (len > 0) {
		int step = len > (1u << 30) ? (1 << 30) : (int)len;

		if (PQputCopyData(pc->conn, data, step) != 1)
			return wh_pq_error(pc->conn, "COPY", err);
		data = (const char *)data + step;
		len -= (size_t)step;
	}
	return 0;
}

static int
pg_csv_bytes(void *arg, const void *data, size_t len, struct sl_err *err)
{
	return pg_put(arg, data, len, err);
}

static int
pg_json_row(void *arg, json_t *row, struct sl_err *err)
{
	struct pg_copy *pc = arg;

	wh_jsonl_to_csv(&pc->batch, row, pc->columns, pc->ncolumns);
	if (pc->batch.len < PG_COPY_BATCH)
		return 0;
	if (pg_put(pc, pc->batch.data, pc->batch.len, err) < 0)
		return -1;
	buf_reset(&pc->batch);
	return 0;
}

/* Run the COPY ... FROM STDIN, streaming every object into it. */
static int
pg_copy(PGconn *conn, const struct wh_stmt *st, const struct wh_load *load,
	struct wh_source *src, const struct wh_objects *objs,
	const char **columns, size_t ncolumns, FILE *out,
	struct wh_stream_stats *stats, struct sl_err *err)
{
	struct wh_stream_sink sink;
	struct pg_copy pc;
	PGresult *res;
	int ok;

	wh_stmt_print(st, out);
	res = PQexec(conn, st->sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		PQclear(res);
		return wh_pq_error(conn, "the server refused the COPY", err);
	}
	PQclear(res);

	memset(&pc, 0, sizeof pc);
	pc.conn = conn;
	pc.columns = columns;
	pc.ncolumns = ncolumns;
	buf_init(&pc.batch, 0);
	memset(&sink, 0, sizeof sink);
	sink.arg = &pc;
	if (load->format == WH_FORMAT_JSON)
		sink.json_row = pg_json_row;
	else
		sink.csv_bytes = pg_csv_bytes;

	ok = wh_stream_run(load, src, objs, &sink, out, stats, err) == 0 &&
	     (pc.batch.len == 0 ||
	      pg_put(&pc, pc.batch.data, pc.batch.len, err) == 0);
	buf_free(&pc.batch);
	if (!ok) {
		/* Abort the COPY; the server then fails it, and the caller
		 * rolls back. Our own error is the one to report. */
		PQputCopyEnd(conn, "sluice: reading the partition failed");
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
		return -1;
	}
	if (PQputCopyEnd(conn, NULL) != 1)
		return wh_pq_error(conn, "COPY", err);
	res = PQgetResult(conn);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (ok) {
		fprintf(out, "  → %s\n", PQcmdStatus(res));
		fflush(out);
	} else
		wh_pq_error(conn, "the server refused the rows", err);
	PQclear(res);
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
	return ok ? 0 : -1;
}

int
wh_postgres_run(const struct wh_load *load, FILE *out, struct sl_err *err)
{
	struct wh_source *src;
	struct wh_objects objs = { 0 };
	struct wh_stmts stmts = { 0 };
	struct wh_stream_stats stats;
	PGconn *conn = NULL;
	char **table_columns = NULL;
	const char **columns = load->columns;
	size_t ncolumns = load->ncolumns;
	int64_t t0 = sl_mono_ms();
	int r = -1;

	memset(&stats, 0, sizeof stats);
	src = wh_source_new(load->source_conn, load->region, load->home);
	if (load->iam_role != NULL)
		fprintf(out, "note: iam_role applies to Redshift only; PostgreSQL reads the objects through this process\n");
	if (wh_source_list(src, load->from, load->manifest, &objs, err) < 0)
		goto out;
	fprintf(out, "%zu object%s %s %s\n", objs.n, objs.n == 1 ? "" : "s",
		load->manifest ? "listed in" : "under", load->from);

	if (load->dry_run) {
		if (wh_postgres_sql(load, columns, ncolumns, &stmts, err) < 0)
			goto out;
		fprintf(out, "dry run: not connecting; the statements would be:\n");
		for (size_t i = 0; i < stmts.n; i++)
			wh_stmt_print(&stmts.v[i], out);
		r = 0;
		goto out;
	}

	if (wh_pq_connect(load, &conn, err) < 0)
		goto out;
	if (load->format == WH_FORMAT_JSON && columns == NULL) {
		if (pg_table_columns(conn, load->table, &table_columns,
				     &ncolumns, err) < 0)
			goto out;
		columns = (const char **)table_columns;
	}
	if (wh_postgres_sql(load, columns, ncolumns, &stmts, err) < 0)
		goto out;
	for (size_t i = 0; i < stmts.n; i++) {
		int sr;

		if (stmts.v[i].is_copy)
			sr = pg_copy(conn, &stmts.v[i], load, src, &objs,
				     columns, ncolumns, out, &stats, err);
		else
			sr = wh_pq_exec(conn, &stmts.v[i], out, err);
		if (sr < 0) {
			wh_pq_rollback(conn, out);
			pg_upsert_hint(load, &stmts.v[i], err);
			goto out;
		}
	}
	wh_stream_report(out, &stats, load, t0);
	r = 0;
out:
	if (conn != NULL)
		PQfinish(conn);
	if (table_columns != NULL)
		for (size_t i = 0; table_columns[i] != NULL; i++)
			free(table_columns[i]);
	free(table_columns);
	wh_stmts_free(&stmts);
	wh_objects_free(&objs);
	wh_source_free(src);
	return r;
}
