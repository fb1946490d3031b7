/*
 * wh_redshift.c: warehouse_copy into Redshift. Redshift reads S3 itself,
 * so the load is statements only: COPY ... FROM 's3://...' with an IAM
 * role (or access keys from the source connection), wrapped in one
 * transaction with the mode's DELETE / staging statements. Statements go
 * to the log with secrets masked; dry_run prints them without connecting.
 */
#include "operators/wh.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* The COPY's authorization: IAM_ROLE '...', or ACCESS_KEY_ID '...'
 * SECRET_ACCESS_KEY '...' [SESSION_TOKEN '...'] from the source
 * connection. */
static int
rs_authorization(const struct wh_load *load, struct buf *b,
		 struct sl_err *err)
{
	const char *id, *secret, *token;

	if (load->iam_role != NULL) {
		buf_adds(b, " IAM_ROLE ");
		return wh_sql_literal(b, load->iam_role, err);
	}
	id = json_string_value(json_object_get(load->source_conn,
					       "access_key_id"));
	secret = json_string_value(json_object_get(load->source_conn,
						   "secret_access_key"));
	token = json_string_value(json_object_get(load->source_conn,
						  "session_token"));
	if (id == NULL || secret == NULL)
		return sl_err_set(err,
		    "a Redshift COPY needs iam_role (or a source_connection with access_key_id and secret_access_key)");
	buf_adds(b, " ACCESS_KEY_ID ");
	if (wh_sql_literal(b, id, err) < 0)
		return -1;
	buf_adds(b, " SECRET_ACCESS_KEY ");
	if (wh_sql_literal(b, secret, err) < 0)
		return -1;
	if (token != NULL) {
		buf_adds(b, " SESSION_TOKEN ");
		if (wh_sql_literal(b, token, err) < 0)
			return -1;
	}
	return 0;
}

/* FORMAT AS ... and the options after it. */
static int
rs_format(const struct wh_load *load, struct buf *b, struct sl_err *err)
{
	switch (load->format) {
	case WH_FORMAT_CSV:
		buf_adds(b, " FORMAT AS CSV");
		if (load->delimiter == '\t')
			buf_adds(b, " DELIMITER '\\t'");
		else if (load->delimiter != ',') {
			char d[2] = { load->delimiter, '\0' };

			buf_adds(b, " DELIMITER ");
			if (wh_sql_literal(b, d, err) < 0)
				return -1;
		}
		if (load->header_lines > 0)
			buf_printf(b, " IGNOREHEADER %d", load->header_lines);
		break;
	case WH_FORMAT_JSON:
		buf_adds(b, " FORMAT AS JSON 'auto'");
		break;
	case WH_FORMAT_PARQUET:
		buf_adds(b, " FORMAT AS PARQUET");
		break;
	}
	/* GZIP is about the data files: a manifest's own name tells
	 * nothing, so only the gzip key counts then. */
	if (load->format != WH_FORMAT_PARQUET &&
	    (load->manifest ? load->gzip == 1 : wh_load_gzipped(load,
								 load->from)))
		buf_adds(b, " GZIP");
	if (load->manifest)
		buf_adds(b, " MANIFEST");
	if (load->region != NULL) {
		buf_adds(b, " REGION ");
		if (wh_sql_literal(b, load->region, err) < 0)
			return -1;
	}
	return 0;
}

int
wh_redshift_sql(const struct wh_load *load, struct wh_stmts *out,
		struct sl_err *err)
{
	struct buf b, target;

	memset(out, 0, sizeof *out);
	buf_init(&b, 0);
	buf_init(&target, 0);
	if (!sl_str_starts(load->from, "s3://")) {
		sl_err_set(err, "Redshift loads from s3:// only, not %s",
			   load->from);
		goto fail;
	}
	if (load->mode == WH_MODE_UPSERT)
		wh_sql_ident_part(&target, WH_STAGE_TABLE);
	else
		wh_sql_ident(&target, load->table);

	wh_stmts_add(out, xstrdup("BEGIN"));

	if (load->mode == WH_MODE_REPLACE_PARTITION) {
		/* Redshift has no bound parameters in this path: the interval
		 * goes in as literals (checked by wh_sql_literal). */
		if (load->interval_start == NULL || load->interval_end == NULL) {
			sl_err_set(err, "mode replace_partition needs the run's data interval");
			goto fail;
		}
		buf_adds(&b, "DELETE FROM ");
		wh_sql_ident(&b, load->table);
		buf_adds(&b, " WHERE ");
		wh_sql_ident_part(&b, load->partition_column);
		buf_adds(&b, " >= ");
		if (wh_sql_literal(&b, load->interval_start, err) < 0)
			goto fail;
		buf_adds(&b, " AND ");
		wh_sql_ident_part(&b, load->partition_column);
		buf_adds(&b, " < ");
		if (wh_sql_literal(&b, load->interval_end, err) < 0)
			goto fail;
		wh_stmts_add(out, buf_steal(&b));
	}
	if (load->mode == WH_MODE_UPSERT) {
		buf_adds(&b, "CREATE TEMP TABLE ");
		buf_adds(&b, buf_str(&target));
		buf_adds(&b, " (LIKE ");
		wh_sql_ident(&b, load->table);
		buf_addc(&b, ')');
		wh_stmts_add(out, buf_steal(&b));
	}

	buf_adds(&b, "COPY ");
	buf_adds(&b, buf_str(&target));
	if (load->columns != NULL) {
		buf_addc(&b, ' ');
		wh_sql_column_list(&b, load->columns, load->ncolumns);
	}
	buf_adds(&b, " FROM ");
	if (wh_sql_literal(&b, load->from, err) < 0 ||
	    rs_authorization(load, &b, err) < 0 ||
	    rs_format(load, &b, err) < 0)
		goto fail;
	wh_stmts_add(out, buf_steal(&b));

	if (load->mode == WH_MODE_UPSERT) {
		/* Redshift's DELETE takes no alias: the target's columns are
		 * named through its unqualified name (as on PostgreSQL). */
		wh_sql_upsert_from_stage(out, load, buf_str(&target), load->columns, load->ncolumns);
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

int
wh_redshift_run(const struct wh_load *load, FILE *out, struct sl_err *err)
{
	struct wh_stmts stmts;
	PGconn *conn = NULL;
	int64_t t0 = sl_mono_ms();
	int r = -1;

	if (wh_redshift_sql(load, &stmts, err) < 0)
		return -1;
	if (load->dry_run) {
		fprintf(out, "dry run: not connecting; the statements would be:\n");
		for (size_t i = 0; i < stmts.n; i++)
			wh_stmt_print(&stmts.v[i], out);
		wh_stmts_free(&stmts);
		return 0;
	}
	if (wh_pq_connect(load, &conn, err) < 0)
		goto out;
	for (size_t i = 0; i < stmts.n; i++)
		if (wh_pq_exec(conn, &stmts.v[i], out, err) < 0) {
			wh_pq_rollback(conn, out);
			goto out;
		}
	fprintf(out, "loaded %s into %s (%s) in %.2fs\n", load->from,
		load->table, wh_mode_name(load->mode),
		(double)(sl_mono_ms() - t0) / 1000);
	r = 0;
out:
	if (conn != NULL)
		PQfinish(conn);
	wh_stmts_free(&stmts);
	return r;
}
