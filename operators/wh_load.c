/* wh_load.c: the options of one warehouse_copy task, read and checked in
 * one place, both at DAG load time (validate) and at try start (run). */
#include "operators/wh.h"

#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"

const char *
wh_mode_name(enum wh_mode mode)
{
	switch (mode) {
	case WH_MODE_APPEND: return "append";
	case WH_MODE_REPLACE_PARTITION: return "replace_partition";
	case WH_MODE_UPSERT: return "upsert";
	}
	return "?";
}

const char *
wh_format_name(enum wh_format format)
{
	switch (format) {
	case WH_FORMAT_CSV: return "csv";
	case WH_FORMAT_JSON: return "json";
	case WH_FORMAT_PARQUET: return "parquet";
	}
	return "?";
}

/* A string option, or NULL; a non-string is an error. */
static int
load_str(const json_t *options, const char *key, const char **out,
	 const char **bad_key, struct sl_err *err)
{
	json_t *v = json_object_get(options, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		*bad_key = key;
		return sl_err_set(err, "%s must be a string", key);
	}
	*out = json_string_value(v);
	if (**out == '\0') {
		*bad_key = key;
		return sl_err_set(err, "%s is empty", key);
	}
	return 0;
}

/* A list of distinct non-empty strings (a single string is a list of
 * one); *out is NULL when the key is absent. */
static int
load_strs(const json_t *options, const char *key, const char ***out,
	  size_t *n, const char **bad_key, struct sl_err *err)
{
	json_t *v = json_object_get(options, key), *item;
	size_t i;

	*out = NULL;
	*n = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	*bad_key = key;
	if (json_is_string(v)) {
		if (json_string_length(v) == 0)
			return sl_err_set(err, "%s is empty", key);
		*out = xmalloc(sizeof **out);
		(*out)[0] = json_string_value(v);
		*n = 1;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return sl_err_set(err, "%s must be a non-empty list of names",
				  key);
	*out = xcalloc(json_array_size(v), sizeof **out);
	json_array_foreach(v, i, item) {
		if (!json_is_string(item) || json_string_length(item) == 0)
			return sl_err_set(err,
			    "%s item %zu must be a non-empty string", key,
			    i + 1);
		for (size_t k = 0; k < i; k++)
			if (strcmp((*out)[k], json_string_value(item)) == 0)
				return sl_err_set(err, "%s names %s twice",
						  key, (*out)[k]);
		(*out)[i] = json_string_value(item);
		*n = i + 1;
	}
	return 0;
}

static int
load_bool(const json_t *options, const char *key, int def, int *out,
	  const char **bad_key, struct sl_err *err)
{
	json_t *v = json_object_get(options, key);

	*out = def;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		*bad_key = key;
		return sl_err_set(err, "%s must be true or false", key);
	}
	*out = json_is_true(v);
	return 0;
}

static int
load_has(const json_t *options, const char *key)
{
	json_t *v = json_object_get(options, key);

	return v != NULL && !json_is_null(v);
}

/* Is s still a template (rendered only at try start)? */
static int
load_templated(const char *s)
{
	return strstr(s, "{{") != NULL;
}

int
wh_load_parse(const json_t *options, struct wh_load *load,
	      const char **bad_key, struct sl_err *err)
{
	const char *s;
	json_t *v;

	memset(load, 0, sizeof *load);
	*bad_key = NULL;
	load->delimiter = ',';
	load->gzip = -1;

	if (!json_is_object(options))
		return sl_err_set(err, "options must be a mapping");

	/* table, from */
	if (load_str(options, "table", &load->table, bad_key, err) < 0)
		return -1;
	if (load->table == NULL) {
		*bad_key = "table";
		return sl_err_set(err, "table is required");
	}
	if (load_str(options, "from", &load->from, bad_key, err) < 0)
		return -1;
	if (load->from == NULL) {
		*bad_key = "from";
		return sl_err_set(err, "from is required");
	}
	if (!sl_str_starts(load->from, "s3://") &&
	    !sl_str_starts(load->from, "file://") &&
	    !sl_str_starts(load->from, "{{")) {
		*bad_key = "from";
		return sl_err_set(err,
		    "from must be an s3:// or file:// url, not %s",
		    load->from);
	}

	/* format */
	if (load_str(options, "format", &s, bad_key, err) < 0)
		return -1;
	if (s == NULL || strcmp(s, "csv") == 0)
		load->format = WH_FORMAT_CSV;
	else if (strcmp(s, "json") == 0 || strcmp(s, "jsonl") == 0)
		load->format = WH_FORMAT_JSON;
	else if (strcmp(s, "parquet") == 0)
		load->format = WH_FORMAT_PARQUET;
	else {
		*bad_key = "format";
		return sl_err_set(err,
		    "format must be csv, json or parquet, not %s", s);
	}

	if (load_strs(options, "columns", &load->columns, &load->ncolumns,
		      bad_key, err) < 0)
		return -1;

	/* CSV shape */
	if (load_has(options, "header") && load_has(options, "ignore_header")) {
		*bad_key = "ignore_header";
		return sl_err_set(err,
		    "give header or ignore_header, not both");
	}
	if (load_bool(options, "header", 0, &load->header_lines, bad_key,
		      err) < 0)
		return -1;
	if ((v = json_object_get(options, "ignore_header")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 1000000) {
			*bad_key = "ignore_header";
			return sl_err_set(err,
			    "ignore_header must be a number of lines (0 or more)");
		}
		load->header_lines = (int)json_integer_value(v);
	}
	if (load_str(options, "delimiter", &s, bad_key, err) < 0)
		return -1;
	if (s != NULL) {
		if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' ||
		    s[0] == '\r' || s[0] == '\'' || s[0] == '\\') {
			*bad_key = "delimiter";
			return sl_err_set(err,
			    "delimiter must be one character other than a quote, backslash or newline");
		}
		load->delimiter = s[0];
	}
	if (load->format != WH_FORMAT_CSV) {
		const char *csv_only[] = { "header", "ignore_header",
					   "delimiter" };

		for (size_t i = 0; i < SL_ARRAY_LEN(csv_only); i++)
			if (load_has(options, csv_only[i])) {
				*bad_key = csv_only[i];
				return sl_err_set(err,
				    "%s applies to format csv only",
				    csv_only[i]);
			}
	}

	/* compression, manifest, Redshift's keys */
	if (load_has(options, "gzip") &&
	    load_bool(options, "gzip", 0, &load->gzip, bad_key, err) < 0)
		return -1;
	if (load->format == WH_FORMAT_PARQUET && load->gzip == 1) {
		*bad_key = "gzip";
		return sl_err_set(err,
		    "gzip does not apply to parquet (compressed inside the file)");
	}
	if (load_bool(options, "manifest", 0, &load->manifest, bad_key,
		      err) < 0)
		return -1;
	if (load_str(options, "region", &load->region, bad_key, err) < 0 ||
	    load_str(options, "iam_role", &load->iam_role, bad_key, err) < 0)
		return -1;
	if (load_bool(options, "create_table", 0, &load->create_table, bad_key,
		      err) < 0)
		return -1;
	if (load->create_table && load->columns == NULL) {
		*bad_key = "create_table";
		return sl_err_set(err, "create_table needs columns: (the table's columns)");
	}
	if (load_bool(options, "dry_run", 0, &load->dry_run, bad_key,
		      err) < 0)
		return -1;

	/* mode and its keys */
	if (load_str(options, "mode", &s, bad_key, err) < 0)
		return -1;
	if (s == NULL || strcmp(s, "append") == 0)
		load->mode = WH_MODE_APPEND;
	else if (strcmp(s, "replace_partition") == 0)
		load->mode = WH_MODE_REPLACE_PARTITION;
	else if (strcmp(s, "upsert") == 0)
		load->mode = WH_MODE_UPSERT;
	else {
		*bad_key = "mode";
		return sl_err_set(err,
		    "mode must be append, replace_partition or upsert, not %s",
		    s);
	}
	if (load_str(options, "partition_column", &load->partition_column,
		     bad_key, err) < 0)
		return -1;
	if (load_strs(options, "upsert_keys", &load->upsert_keys,
		      &load->nupsert_keys, bad_key, err) < 0)
		return -1;
	if (load->mode == WH_MODE_REPLACE_PARTITION &&
	    load->partition_column == NULL) {
		*bad_key = "partition_column";
		return sl_err_set(err,
		    "mode replace_partition needs partition_column (the column holding each row's partition time)");
	}
	if (load->mode != WH_MODE_REPLACE_PARTITION &&
	    load->partition_column != NULL) {
		*bad_key = "partition_column";
		return sl_err_set(err,
		    "partition_column applies to mode replace_partition only");
	}
	if (load->mode == WH_MODE_UPSERT && load->upsert_keys == NULL) {
		*bad_key = "upsert_keys";
		return sl_err_set(err,
		    "mode upsert needs upsert_keys (the columns that identify a row)");
	}
	if (load->mode != WH_MODE_UPSERT && load->upsert_keys != NULL) {
		*bad_key = "upsert_keys";
		return sl_err_set(err, "upsert_keys applies to mode upsert only");
	}
	if (load->mode == WH_MODE_UPSERT && load->columns != NULL) {
		for (size_t i = 0; i < load->nupsert_keys; i++) {
			size_t k;

			for (k = 0; k < load->ncolumns; k++)
				if (strcmp(load->columns[k],
					   load->upsert_keys[i]) == 0)
					break;
			if (k == load->ncolumns) {
				*bad_key = "upsert_keys";
				return sl_err_set(err,
				    "upsert key %s is not in columns",
				    load->upsert_keys[i]);
			}
		}
	}
	if (load->mode == WH_MODE_UPSERT && !load_templated(load->table)) {
		struct buf last, stage;
		int same;

		buf_init(&last, 0);
		buf_init(&stage, 0);
		wh_sql_ident_last(&last, load->table);
		wh_sql_ident_part(&stage, WH_STAGE_TABLE);
		same = strcmp(buf_str(&last), buf_str(&stage)) == 0;
		buf_free(&last);
		buf_free(&stage);
		if (same) {
			*bad_key = "table";
			return sl_err_set(err,
			    "table %s is the name of the upsert staging table",
			    WH_STAGE_TABLE);
		}
	}
	return 0;
}

int
wh_backend_of(const char *url, enum wh_backend *out, struct sl_err *err)
{
	if (sl_str_starts(url, "postgresql://") ||
	    sl_str_starts(url, "postgres://"))
		*out = WH_POSTGRES;
	else if (sl_str_starts(url, "redshift://"))
		*out = WH_REDSHIFT;
	else if (sl_str_starts(url, "sqlite:"))
		*out = WH_SQLITE;
	else {
		char *masked = wh_sql_mask_url(url);

		sl_err_set(err,
		    "connection url must start with postgresql://, redshift:// or sqlite:, not %s",
		    masked);
		free(masked);
		return -1;
	}
	return 0;
}

int
wh_load_from_spec(const json_t *spec, struct wh_load *load,
		  const char **bad_key, struct sl_err *err)
{
	const json_t *conn;
	json_t *v;

	if (wh_load_parse(json_object_get(spec, "options"), load, bad_key,
			  err) < 0)
		return -1;
	*bad_key = "connection";
	conn = op_connection(spec, "connection");
	if (conn == NULL)
		return sl_err_set(err,
		    "connection %s is not defined (config file connections, or SLUICE_CONN_<NAME>)",
		    op_opt_str(spec, "connection", "(none)"));
	v = json_object_get(conn, "url");
	if (!json_is_string(v))
		return sl_err_set(err, "connection %s has no url",
				  op_opt_str(spec, "connection", ""));
	load->url = json_string_value(v);
	if (wh_backend_of(load->url, &load->backend, err) < 0)
		return -1;
	v = json_object_get(conn, "password");
	load->password = json_is_string(v) ? json_string_value(v) : NULL;
	v = json_object_get(conn, "password_env");
	load->password_env = json_is_string(v) ? json_string_value(v) : NULL;
	*bad_key = NULL;

	v = json_object_get(spec, "data_interval_start");
	load->interval_start = json_is_string(v) ? json_string_value(v) : NULL;
	v = json_object_get(spec, "data_interval_end");
	load->interval_end = json_is_string(v) ? json_string_value(v) : NULL;
	v = json_object_get(spec, "home");
	load->home = json_is_string(v) ? json_string_value(v) : NULL;
	load->source_conn = op_connection(spec, "source_connection");
	if (op_opt_str(spec, "source_connection", NULL) != NULL &&
	    load->source_conn == NULL) {
		*bad_key = "source_connection";
		return sl_err_set(err, "connection %s is not defined",
				  op_opt_str(spec, "source_connection", ""));
	}

	if (load->mode == WH_MODE_REPLACE_PARTITION &&
	    (load->interval_start == NULL || load->interval_end == NULL))
		return sl_err_set(err,
		    "mode replace_partition needs the run's data interval (data_interval_start/end in the spec)");
	if (load->format == WH_FORMAT_PARQUET && load->backend != WH_REDSHIFT) {
		*bad_key = "format";
		return sl_err_set(err,
		    "format parquet needs a Redshift connection (redshift://)");
	}
	return 0;
}

void
wh_load_free(struct wh_load *load)
{
	free(load->columns);
	free(load->upsert_keys);
	load->columns = load->upsert_keys = NULL;
}

int
wh_load_gzipped(const struct wh_load *load, const char *url)
{
	if (load->gzip >= 0)
		return load->gzip;
	return sl_str_ends(url, ".gz") || sl_str_ends(url, ".gzip");
}
