/*
 * warehouse_copy.c: the warehouse_copy task type. Loads one partition of
 * object storage into a table in one transaction (append, replace the
 * partition, or upsert), through the backend the connection's url names:
 * PostgreSQL (streamed COPY FROM STDIN), Redshift (COPY FROM 's3://'),
 * SQLite. See operators/WAREHOUSE.md for the keys and the SQL each mode
 * runs; the pieces are described in wh.h.
 */
#include "operators/operator.h"

#include <stdio.h>
#include <stdlib.h>

#include "operators/wh.h"

static const struct op_key warehouse_copy_keys[] = {
	{ "connection", OPK_CONNECTION, 1, 0,
	  "the warehouse: url postgresql://, redshift:// or sqlite:PATH" },
	{ "table", OPK_STRING, 1, 1, "target table, schema.table allowed" },
	{ "from", OPK_STRING, 1, 1,
	  "s3:// or file:// prefix (or key) of the partition's objects" },
	{ "format", OPK_STRING, 0, 0,
	  "csv (default), json (JSON lines) or parquet (Redshift only)" },
	{ "columns", OPK_STRINGS, 0, 0,
	  "target columns in the order of the data; JSON keys by these names" },
	{ "header", OPK_BOOL, 0, 0, "CSV: each object starts with a header line" },
	{ "ignore_header", OPK_INT, 0, 0,
	  "CSV: lines to skip at the start of each object" },
	{ "delimiter", OPK_STRING, 0, 0, "CSV: field delimiter (default ,)" },
	{ "gzip", OPK_BOOL, 0, 0,
	  "objects are gzip'd (default: by the .gz suffix)" },
	{ "manifest", OPK_BOOL, 0, 0,
	  "from names a manifest file listing the objects" },
	{ "region", OPK_STRING, 0, 0, "the bucket's region" },
	{ "iam_role", OPK_STRING, 0, 1,
	  "Redshift: role ARN(s) the cluster assumes to read S3" },
	{ "mode", OPK_STRING, 0, 0,
	  "append (default), replace_partition (scheduled DAGs only) or upsert" },
	{ "partition_column", OPK_STRING, 0, 0,
	  "replace_partition: rows in the data interval by this column are replaced" },
	{ "upsert_keys", OPK_STRINGS, 0, 0,
	  "upsert: columns identifying a row" },
	{ "source_connection", OPK_CONNECTION, 0, 0,
	  "AWS connection for reading s3:// objects (default credential chain)" },
	{ "create_table", OPK_BOOL, 0, 0,
	  "SQLite: create the database file and the table (columns:) when missing" },
	{ "dry_run", OPK_BOOL, 0, 0,
	  "print the statements; change nothing" },
	{ NULL, 0, 0, 0, NULL },
};

static int
warehouse_copy_run(const json_t *spec)
{
	struct wh_load load;
	struct sl_err err;
	const char *bad_key = NULL;
	char *url;
	int r = -1;

	sl_err_clear(&err);
	if (wh_load_from_spec(spec, &load, &bad_key, &err) < 0) {
		fprintf(stderr, "warehouse_copy: %s%s%s\n",
			bad_key != NULL ? bad_key : "",
			bad_key != NULL ? ": " : "", err.msg);
		wh_load_free(&load);
		return 1;
	}
	url = wh_sql_mask_url(load.url);
	printf("warehouse_copy: %s from %s into %s at %s, mode %s\n",
	       wh_format_name(load.format), load.from, load.table, url,
	       wh_mode_name(load.mode));
	fflush(stdout);
	free(url);

	switch (load.backend) {
	case WH_POSTGRES:
		r = wh_postgres_run(&load, stdout, &err);
		break;
	case WH_REDSHIFT:
		r = wh_redshift_run(&load, stdout, &err);
		break;
	case WH_SQLITE:
		r = wh_sqlite_run(&load, stdout, &err);
		break;
	}
	fflush(stdout);
	if (r < 0)
		fprintf(stderr, "warehouse_copy failed: %s\n", err.msg);
	wh_load_free(&load);
	return r < 0 ? 1 : 0;
}

const struct operator op_warehouse_copy = {
	.name = "warehouse_copy",
	.summary = "load a partition of object storage into a warehouse table (PostgreSQL, Redshift, SQLite)",
	.keys = warehouse_copy_keys,
	.check = wh_load_check,
	.run = warehouse_copy_run,
};
