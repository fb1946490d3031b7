/* wh_load.c: the options of one warehouse_copy task, read and checked in
 * one place, both at DAG load time (the operator's check, every error) and
 * at try start (run, the first error). */
#include "operators/wh.h"

#include <stdarg.h>
#include <stdio.h>
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

/*
 * An error of key. At try start (c NULL) the parse stops: -1 with err and
 * *bad_key. At load (c: the operator's check) it is added to c and the
 * parse goes on with the checks that do not depend on that key: 0.
 */
static int
load_fail(struct op_check *c, const char *key, const char **bad_key,
	  struct sl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
load_fail(struct op_check *c, const char *key, const char **bad_key,
	  struct sl_err *err, const char *fmt, ...)
{
	char msg[SL_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	*bad_key = key;
	if (c == NULL)
		return sl_err_set(err, "%s", msg);
	op_check_add(c, key != NULL ? key : "", "%s", msg);
	return 0;
}

/* A load_str/load_strs/load_bool error (err, *bad_key) passed on the same
 * way: -1 at try start, added to c (0) at load. */
static int
load_failed(struct op_check *c, const char **bad_key, struct sl_err *err)
{
	if (c == NULL)
		return -1;
	op_check_add(c, *bad_key != NULL ? *bad_key : "", "%s", err->msg);
	return 0;
}

/* Is key given? At load a key the loader reported (c->in_error) is. */
static int
load_given(struct op_check *c, const json_t *options, const char *key)
{
	return load_has(options, key) ||
	       (c != NULL && op_check_in_error(c, key));
}

/*
 * wh_load_parse; with c, every error goes to c, and a check that depends
 * on a key in error is left out (a bad format: the csv-only keys; a bad
 * mode: its keys; bad columns: the keys checked against them).
 */
static int
load_parse(const json_t *options, struct wh_load *load, struct op_check *c,
	   const char **bad_key, struct sl_err *err)
{
	const char *s;
	json_t *v;
	int format_ok = 1, columns_ok = 1, mode_ok = 1, keys_ok = 1;

	memset(load, 0, sizeof *load);
	*bad_key = NULL;
	load->delimiter = ',';
	load->gzip = -1;

	if (!json_is_object(options)) {
		load_fail(c, NULL, bad_key, err, "options must be a mapping");
		return -1;
	}

	/* table, from */
	if (load_str(options, "table", &load->table, bad_key, err) < 0) {
		if (load_failed(c, bad_key, err) < 0)
			return -1;
	} else if (load->table == NULL && !load_given(c, options, "table") &&
		   load_fail(c, "table", bad_key, err, "table is required") < 0)
		return -1;
	if (load_str(options, "from", &load->from, bad_key, err) < 0) {
		if (load_failed(c, bad_key, err) < 0)
			return -1;
	} else if (load->from == NULL) {
		if (!load_given(c, options, "from") &&
		    load_fail(c, "from", bad_key, err, "from is required") < 0)
			return -1;
	} else if (!sl_str_starts(load->from, "s3://") &&
		   !sl_str_starts(load->from, "file://") &&
		   !sl_str_starts(load->from, "{{") &&
		   load_fail(c, "from", bad_key, err,
			     "from must be an s3:// or file:// url, not %s",
			     load->from) < 0)
		return -1;

	/* format */
	if (load_str(options, "format", &s, bad_key, err) < 0) {
		format_ok = 0;
		if (load_failed(c, bad_key, err) < 0)
			return -1;
	} else if (s == NULL || strcmp(s, "csv") == 0)
		load->format = WH_FORMAT_CSV;
	else if (strcmp(s, "json") == 0 || strcmp(s, "jsonl") == 0)
		load->format = WH_FORMAT_JSON;
	else if (strcmp(s, "parquet") == 0)
		load->format = WH_FORMAT_PARQUET;
	else {
		format_ok = 0;
		if (load_fail(c, "format", bad_key, err,
			      "format must be csv, json or parquet, not %s",
			      s) < 0)
			return -1;
	}
	if (c != NULL && op_check_in_error(c, "format"))
		format_ok = 0;

	if (load_strs(options, "columns", &load->columns, &load->ncolumns,
		      bad_key, err) < 0) {
		columns_ok = 0;
		if (load_failed(c, bad_key, err) < 0)
			return -1;
	}
	if (c != NULL && op_check_in_error(c, "columns"))
		columns_ok = 0;

	/* CSV shape */
	if (load_has(options, "header") && load_has(options, "ignore_header") &&
	    load_fail(c, "ignore_header", bad_key, err,
		      "give header or ignore_header, not both") < 0)
		return -1;
	if (load_bool(options, "header", 0, &load->header_lines, bad_key,
		      err) < 0 && load_failed(c, bad_key, err) < 0)
		return -1;
	if ((v = json_object_get(options, "ignore_header")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 1000000) {
			if (load_fail(c, "ignore_header", bad_key, err,
				      "ignore_header must be a number of lines (0 or more)") < 0)
				return -1;
		} else
			load->header_lines = (int)json_integer_value(v);
	}
	if (load_str(options, "delimiter", &s, bad_key, err) < 0) {
		if (load_failed(c, bad_key, err) < 0)
			return -1;
	} else if (s != NULL) {
		if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' ||
		    s[0] == '\r' || s[0] == '\'' || s[0] == '\\') {
			if (load_fail(c, "delimiter", bad_key, err,
				      "delimiter must be one character other than a quote, backslash or newline") < 0)
				return -1;
		} else
			load->delimiter = s[0];
	}
	if (format_ok && load->format != WH_FORMAT_CSV) {
		const char *csv_only[] = { "header", "ignore_header",
					   "delimiter" };

		for (size_t i = 0; i < SL_ARRAY_LEN(csv_only); i++)
			if (load_has(options, csv_only[i]) &&
			    load_fail(c, csv_only[i], bad_key, err,
				      "%s applies to format csv only",
				      csv_only[i]) < 0)
				return -1;
	}

	/* compression, manifest, Redshift's keys */
	if (load_has(options, "gzip") &&
	    load_bool(options, "gzip", 0, &load->gzip, bad_key, err) < 0 &&
	    load_failed(c, bad_key, err) < 0)
		return -1;
	if (format_ok && load->format == WH_FORMAT_PARQUET && load->gzip == 1 &&
	    load_fail(c, "gzip", bad_key, err,
		      "gzip does not apply to parquet (compressed inside the file)") < 0)
		return -1;
	if (load_bool(options, "manifest", 0, &load->manifest, bad_key,
		      err) < 0 && load_failed(c, bad_key, err) < 0)
		return -1;
	if (load_str(options, "region", &load->region, bad_key, err) < 0 &&
	    load_failed(c, bad_key, err) < 0)
		return -1;
	if (load_str(options, "iam_role", &load->iam_role, bad_key, err) < 0 &&
	    load_failed(c, bad_key, err) < 0)
		return -1;
	if (load_bool(options, "create_table", 0, &load->create_table, bad_key,
		      err) < 0 && load_failed(c, bad_key, err) < 0)
		return -1;
	if (load->create_table && load->columns == NULL && columns_ok &&
	    load_fail(c, "create_table", bad_key, err,
		      "create_table needs columns: (the table's columns)") < 0)
		return -1;
	if (load_bool(options, "dry_run", 0, &load->dry_run, bad_key,
		      err) < 0 && load_failed(c, bad_key, err) < 0)
		return -1;

	/* mode and its keys */
	if (load_str(options, "mode", &s, bad_key, err) < 0) {
		mode_ok = 0;
		if (load_failed(c, bad_key, err) < 0)
			return -1;
	} else if (s == NULL || strcmp(s, "append") == 0)
		load->mode = WH_MODE_APPEND;
	else if (strcmp(s, "replace_partition") == 0)
		load->mode = WH_MODE_REPLACE_PARTITION;
	else if (strcmp(s, "upsert") == 0)
		load->mode = WH_MODE_UPSERT;
	else {
		mode_ok = 0;
		if (load_fail(c, "mode", bad_key, err,
			      "mode must be append, replace_partition or upsert, not %s",
			      s) < 0)
			return -1;
	}
	if (c != NULL && op_check_in_error(c, "mode"))
		mode_ok = 0;
	if (load_str(options, "partition_column", &load->partition_column,
		     bad_key, err) < 0 && load_failed(c, bad_key, err) < 0)
		return -1;
	if (load_strs(options, "upsert_keys", &load->upsert_keys,
		      &load->nupsert_keys, bad_key, err) < 0) {
		keys_ok = 0;
		if (load_failed(c, bad_key, err) < 0)
			return -1;
	}
	if (!mode_ok)
		return 0;	/* at load only: what follows needs the mode */
	if (load->mode == WH_MODE_REPLACE_PARTITION &&
	    !load_given(c, options, "partition_column") &&
	    load_fail(c, "partition_column", bad_key, err,
		      "mode replace_partition needs partition_column (the column holding each row's partition time)") < 0)
		return -1;
	/* an unscheduled DAG's run has the interval [start, start): the
	 * DELETE would match nothing and every run would add its rows again */
	if (load->mode == WH_MODE_REPLACE_PARTITION && c != NULL &&
	    c->unscheduled &&
	    load_fail(c, "mode", bad_key, err,
		      "replace_partition needs a scheduled DAG: a run of an unscheduled DAG (schedule: none) has an empty data interval, so nothing would be replaced and each run would load its rows again; give the DAG a schedule:, or use mode upsert (with upsert_keys)") < 0)
		return -1;
	if (load->mode != WH_MODE_REPLACE_PARTITION &&
	    load->partition_column != NULL &&
	    load_fail(c, "partition_column", bad_key, err,
		      "partition_column applies to mode replace_partition only") < 0)
		return -1;
	if (load->mode == WH_MODE_UPSERT &&
	    !load_given(c, options, "upsert_keys") &&
	    load_fail(c, "upsert_keys", bad_key, err,
		      "mode upsert needs upsert_keys (the columns that identify a row)") < 0)
		return -1;
	if (load->mode != WH_MODE_UPSERT && load->upsert_keys != NULL &&
	    load_fail(c, "upsert_keys", bad_key, err,
		      "upsert_keys applies to mode upsert only") < 0)
		return -1;
	if (load->mode == WH_MODE_UPSERT && load->columns != NULL &&
	    columns_ok && keys_ok) {
		for (size_t i = 0; i < load->nupsert_keys; i++) {
			size_t k;

			for (k = 0; k < load->ncolumns; k++)
				if (strcmp(load->columns[k],
					   load->upsert_keys[i]) == 0)
					break;
			if (k == load->ncolumns &&
			    load_fail(c, "upsert_keys", bad_key, err,
				      "upsert key %s is not in columns",
				      load->upsert_keys[i]) < 0)
				return -1;
		}
	}
	if (load->mode == WH_MODE_UPSERT && load->table != NULL &&
	    !load_templated(load->table)) {
		struct buf last, stage;
		int same;

		buf_init(&last, 0);
		buf_init(&stage, 0);
		wh_sql_ident_last(&last, load->table);
		wh_sql_ident_part(&stage, WH_STAGE_TABLE);
		same = strcmp(buf_str(&last), buf_str(&stage)) == 0;
		buf_free(&last);
		buf_free(&stage);
		if (same &&
		    load_fail(c, "table", bad_key, err,
			      "table %s is the name of the upsert staging table",
			      WH_STAGE_TABLE) < 0)
			return -1;
	}
	return 0;
}

int
wh_load_parse(const json_t *options, struct wh_load *load,
	      const char **bad_key, struct sl_err *err)
{
	return load_parse(options, load, NULL, bad_key, err);
}

void
wh_load_check(struct op_check *c)
{
	struct wh_load load;
	const char *bad_key = NULL;
	struct sl_err err;

	sl_err_clear(&err);
	load_parse(c->options, &load, c, &bad_key, &err);
	wh_load_free(&load);
}

int
wh_backend_of(const char *conn_name, const char *url, enum wh_backend *out,
	      struct sl_err *err)
{
	const char *scheme = strstr(url, "://");
	size_t scheme_len = scheme != NULL ? (size_t)(scheme - url) : 0;

	if (sl_str_starts(url, "postgresql://") ||
	    sl_str_starts(url, "postgres://"))
		*out = WH_POSTGRES;
	else if (sl_str_starts(url, "redshift://"))
		*out = WH_REDSHIFT;
	else if (sl_str_starts(url, "sqlite:"))
		*out = WH_SQLITE;
	else if (scheme != NULL && scheme_len > 0 && scheme_len <= 20 &&
		 strspn(url, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") ==
		 scheme_len)
		return sl_err_set(err,
		    "connection %s: its url must start with postgresql://, redshift:// or sqlite:, not %.*s://",
		    conn_name, (int)scheme_len, url);
	else if (strchr(url, '=') != NULL)
		return sl_err_set(err,
		    "connection %s: its url must start with postgresql://, redshift:// or sqlite:; it holds keyword=value settings instead: write them as postgresql://USER@HOST:PORT/DBNAME, with the password in the connection's password or password_env",
		    conn_name);
	else
		return sl_err_set(err,
		    "connection %s: its url is not a url: it must start with postgresql://, redshift:// or sqlite:",
		    conn_name);
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
	if (wh_backend_of(op_opt_str(spec, "connection", ""), load->url,
			  &load->backend, err) < 0)
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
	if (load->mode == WH_MODE_REPLACE_PARTITION &&
	    strcmp(load->interval_start, load->interval_end) == 0) {
		*bad_key = "mode";
		return sl_err_set(err,
		    "replace_partition needs a non-empty data interval, and this run's is empty (%s to %s, as in every run of an unscheduled DAG): nothing would be deleted and the rows would be loaded again; give the DAG a schedule:, or use mode upsert (with upsert_keys)",
		    load->interval_start, load->interval_end);
	}
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
