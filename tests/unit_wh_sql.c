/*
 * unit_wh_sql.c: warehouse_copy's SQL: quoting of identifiers and
 * literals, masking of secrets, load-time checks of the options (table:
 * options → key at fault and message), and the exact statements each
 * backend runs for each mode (Redshift is checked only this way).
 */
#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"
#include "operators/wh.h"
#include "tests/unit.h"

extern const struct operator op_warehouse_copy;

/* ---- quoting ------------------------------------------------------------ */

static void
test_ident(void)
{
	static const struct { const char *in, *want, *last; } cases[] = {
		{ "t", "\"t\"", "\"t\"" },
		{ "public.stock_prices", "\"public\".\"stock_prices\"",
		  "\"stock_prices\"" },
		{ "db.s.t", "\"db\".\"s\".\"t\"", "\"t\"" },
		/* quotes inside a name are doubled */
		{ "we\"ird", "\"we\"\"ird\"", "\"we\"\"ird\"" },
		/* an already quoted part keeps its dot and is not quoted twice */
		{ "\"my.schema\".\"Tab\"\"le\"", "\"my.schema\".\"Tab\"\"le\"",
		  "\"Tab\"\"le\"" },
		/* case is kept as written */
		{ "Sales.Q1", "\"Sales\".\"Q1\"", "\"Q1\"" },
		/* an injection attempt stays one identifier */
		{ "t\"; DROP TABLE x; --", "\"t\"\"; DROP TABLE x; --\"",
		  "\"t\"\"; DROP TABLE x; --\"" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct buf b;

		buf_init(&b, 0);
		wh_sql_ident(&b, cases[i].in);
		CHECK_EQ_STR(cases[i].want, buf_str(&b));
		buf_reset(&b);
		wh_sql_ident_last(&b, cases[i].in);
		CHECK_EQ_STR(cases[i].last, buf_str(&b));
		buf_free(&b);
	}
	{
		struct buf b;
		const char *cols[] = { "a", "b.c", "d\"e" };

		buf_init(&b, 0);
		wh_sql_column_list(&b, cols, 3);
		CHECK_EQ_STR("(\"a\", \"b.c\", \"d\"\"e\")", buf_str(&b));
		buf_free(&b);
	}
}

static void
test_literal(void)
{
	struct buf b;
	struct sl_err err;

	buf_init(&b, 0);
	CHECK(wh_sql_literal(&b, "s3://b/it's/", &err) == 0);
	CHECK_EQ_STR("'s3://b/it''s/'", buf_str(&b));
	buf_reset(&b);
	CHECK(wh_sql_literal(&b, "x' OR '1'='1", &err) == 0);
	CHECK_EQ_STR("'x'' OR ''1''=''1'", buf_str(&b));
	buf_reset(&b);
	CHECK(wh_sql_literal(&b, "", &err) == 0);
	CHECK_EQ_STR("''", buf_str(&b));
	buf_reset(&b);
	/* Backslashes and control characters mean different things on
	 * different servers: refused. */
	CHECK(wh_sql_literal(&b, "a\\'b", &err) < 0);
	CHECK(strstr(err.msg, "backslash") != NULL);
	CHECK(wh_sql_literal(&b, "a\nb", &err) < 0);
	CHECK(strstr(err.msg, "control character") != NULL);
	CHECK(b.len == 0);
	buf_free(&b);
}

static void
test_mask(void)
{
	static const struct { const char *in, *want; } sql[] = {
		{ "COPY t FROM 's3://b/' ACCESS_KEY_ID 'AKIAXXX' SECRET_ACCESS_KEY 'wJalr/K7' SESSION_TOKEN 'tok''en' FORMAT AS CSV",
		  "COPY t FROM 's3://b/' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***' FORMAT AS CSV" },
		{ "copy t from 's3://b/' credentials 'aws_access_key_id=A;aws_secret_access_key=S'",
		  "copy t from 's3://b/' credentials '***'" },
		{ "ALTER USER etl PASSWORD 'hunter2'", "ALTER USER etl PASSWORD '***'" },
		/* IAM roles and urls are not secrets */
		{ "COPY t FROM 's3://b/k' IAM_ROLE 'arn:aws:iam::1:role/r'",
		  "COPY t FROM 's3://b/k' IAM_ROLE 'arn:aws:iam::1:role/r'" },
		/* a word merely ending like a keyword is not one */
		{ "SELECT 'x' AS MY_PASSWORD", "SELECT 'x' AS MY_PASSWORD" },
		{ "SELECT NOPASSWORD 'x'", "SELECT NOPASSWORD 'x'" },
	};
	static const struct { const char *in, *want; } urls[] = {
		{ "postgresql://etl:s3cr3t@db:5432/dw",
		  "postgresql://etl:***@db:5432/dw" },
		{ "redshift://etl:p%40ss@c.example.com:5439/dw?sslmode=require",
		  "redshift://etl:***@c.example.com:5439/dw?sslmode=require" },
		{ "postgresql://etl@db/dw", "postgresql://etl@db/dw" },
		{ "postgresql://db/dw?user=a@b", "postgresql://db/dw?user=a@b" },
		{ "sqlite:lake.db", "sqlite:lake.db" },
		/* libpq's parameters in the query: every secret one */
		{ "postgresql://u:p@h:5432/db?password=SECRET&connect_timeout=3",
		  "postgresql://u:***@h:5432/db?password=***&connect_timeout=3" },
		{ "postgresql://h/db?sslmode=require&sslpassword=KEYPW",
		  "postgresql://h/db?sslmode=require&sslpassword=***" },
		{ "redshift://h/db?PASSWORD=x&user=etl",
		  "redshift://h/db?PASSWORD=***&user=etl" },
		{ "postgresql://h/db?p%61ssword=S", "postgresql://h/db?p%61ssword=***" },
		{ "postgresql://h/db?password=", "postgresql://h/db?password=" },
		/* libpq ends the userinfo at '@' before the first '/', so a '?'
		 * in a password is the password's */
		{ "postgresql://u:pa?ss@h/db", "postgresql://u:***@h/db" },
		{ "postgresql://h?password=x@y", "postgresql://h?password=***" },
		/* a libpq keyword string */
		{ "host=db port=5432 password=SECRET dbname=dw",
		  "host=db port=5432 password=*** dbname=dw" },
		{ "host=db password = 'se cr\\'et' user=etl sslpassword=k",
		  "host=db password = *** user=etl sslpassword=***" },
		/* neither: never shown */
		{ "host=db password='unterminated", "***" },
		{ "db.example.com SECRET", "***" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(sql); i++) {
		char *m = wh_sql_mask(sql[i].in);

		CHECK_EQ_STR(sql[i].want, m);
		free(m);
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(urls); i++) {
		char *m = wh_sql_mask_url(urls[i].in);

		CHECK_EQ_STR(urls[i].want, m);
		free(m);
	}
}

/* A client library's message quoting a part of the url: its secrets
 * masked there too, as written and percent-decoded. */
static void
test_mask_in_message(void)
{
	static const struct { const char *url, *text, *want; } cases[] = {
		{ "postgresql://u:p%zzSECRET@h/db",
		  "invalid percent-encoded token: \"p%zzSECRET\"",
		  "invalid percent-encoded token: \"***\"" },
		{ "postgresql://h/db?password=se%20cret&user=etl",
		  "bad value 'se cret' for user etl",
		  "bad value '***' for user etl" },
		{ "postgresql://u@h/db", "no password supplied for u",
		  "no password supplied for u" },
		{ "sqlite:x.db", "cannot open x.db", "cannot open x.db" },
	};
	struct wh_load load;
	struct sl_err err;
	struct pg_conn *conn;

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		char *m = wh_sql_mask_secrets_in(cases[i].text, cases[i].url);

		CHECK_EQ_STR(cases[i].want, m);
		free(m);
	}
	/* libpq itself: a password with a bad %-escape is quoted whole */
	memset(&load, 0, sizeof load);
	load.backend = WH_POSTGRES;
	load.url = "postgresql://u:p%zzSECRET@127.0.0.1:1/db";
	CHECK(wh_pq_connect(&load, &conn, &err) < 0);
	CHECK_MSG(strstr(err.msg, "SECRET") == NULL, "%s", err.msg);
	CHECK_MSG(strstr(err.msg, "invalid percent-encoded token") != NULL,
		  "%s", err.msg);
}

/* ---- load-time checks --------------------------------------------------- */

static void
test_validate(void)
{
	static const struct {
		const char *options;
		const char *bad_key;	/* NULL: valid */
		const char *msg;	/* a part of the message */
	} cases[] = {
		{ "{\"table\": \"t\", \"from\": \"s3://b/p/\"}", NULL, NULL },
		{ "{\"table\": \"t\", \"from\": \"s3://b/{{ ds }}/\", \"format\": \"json\","
		  " \"mode\": \"replace_partition\", \"partition_column\": \"hour\"}",
		  NULL, NULL },
		{ "{\"from\": \"s3://b/p/\"}", "table", "required" },
		{ "{\"table\": \"t\"}", "from", "required" },
		{ "{\"table\": \"t\", \"from\": \"/data/x.csv\"}", "from",
		  "s3:// or file://" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"format\": \"xml\"}",
		  "format", "csv, json or parquet" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"mode\": \"merge\"}",
		  "mode", "append, replace_partition or upsert" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"mode\": \"replace_partition\"}",
		  "partition_column", "needs partition_column" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"partition_column\": \"h\"}",
		  "partition_column", "replace_partition only" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"mode\": \"upsert\"}",
		  "upsert_keys", "needs upsert_keys" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"mode\": \"upsert\","
		  " \"upsert_keys\": [\"id\"], \"columns\": [\"a\", \"b\"]}",
		  "upsert_keys", "upsert key id is not in columns" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"upsert_keys\": [\"id\"]}",
		  "upsert_keys", "upsert only" },
		{ "{\"table\": \"sluice_stage\", \"from\": \"s3://b/\", \"mode\": \"upsert\","
		  " \"upsert_keys\": \"id\"}", "table", "staging table" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"columns\": [\"a\", \"a\"]}",
		  "columns", "names a twice" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"columns\": []}",
		  "columns", "non-empty list" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"header\": true, \"ignore_header\": 1}",
		  "ignore_header", "not both" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"ignore_header\": -1}",
		  "ignore_header", "0 or more" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"format\": \"json\", \"header\": true}",
		  "header", "format csv only" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"delimiter\": \"ab\"}",
		  "delimiter", "one character" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"delimiter\": \"\\\"\"}",
		  "delimiter", "one character" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"format\": \"parquet\", \"gzip\": true}",
		  "gzip", "parquet" },
		{ "{\"table\": \"t\", \"from\": \"s3://b/\", \"gzip\": \"yes\"}",
		  "gzip", "true or false" },
		{ "{\"table\": 5, \"from\": \"s3://b/\"}", "table", "string" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		json_t *opts = json_loads(cases[i].options, 0, NULL);
		char bad_key[SL_ERR_PATH];
		struct sl_err err;
		int r;

		CHECK(opts != NULL);
		sl_err_clear(&err);
		r = op_check_first(&op_warehouse_copy, opts, bad_key,
				   sizeof bad_key, &err);
		if (cases[i].bad_key == NULL) {
			if (r != 0)
				fprintf(stderr, "case %zu: %s\n", i, err.msg);
			CHECK(r == 0);
		} else {
			CHECK(r < 0);
			CHECK_EQ_STR(cases[i].bad_key, bad_key);
			if (strstr(err.msg, cases[i].msg) == NULL)
				fprintf(stderr, "case %zu: message [%s] lacks [%s]\n",
					i, err.msg, cases[i].msg);
			CHECK(strstr(err.msg, cases[i].msg) != NULL);
		}
		json_decref(opts);
	}
}

/* ---- statements --------------------------------------------------------- */

/* A spec around options, with connection "wh" at url. */
static json_t *
spec_for(const char *url, const char *options)
{
	json_t *spec = json_pack("{s:s, s:s, s:s, s:{s:{s:s, s:s}}, s:s}",
	    "type", "warehouse_copy",
	    "data_interval_start", "2024-01-01T00:00:00+00:00",
	    "data_interval_end", "2024-01-01T01:00:00+00:00",
	    "connections", "wh", "url", url, "password", "pw",
	    "home", "/tmp");
	json_t *opts = json_loads(options, 0, NULL);

	if (opts == NULL)
		sl_fatal("bad options in test: %s", options);
	json_object_set_new(opts, "connection", json_string("wh"));
	json_object_set_new(spec, "options", opts);
	return spec;
}

/* The statements joined by ";\n". */
static char *
render(const struct wh_stmts *st)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < st->n; i++)
		buf_printf(&b, "%s;\n", st->v[i].sql);
	return buf_steal(&b);
}

enum { RS, PG, SQ };

/* Generate the statements of one backend for options. */
static char *
gen(int backend, const char *options, const char **cols, size_t ncols)
{
	static const char *urls[] = { "redshift://etl@c:5439/dw",
				      "postgresql://etl@db/dw", "sqlite:x.db" };
	json_t *spec = spec_for(urls[backend], options);
	struct wh_load load;
	struct wh_stmts st;
	struct sl_err err;
	const char *bad_key;
	char *out;
	int r;

	if (wh_load_from_spec(spec, &load, &bad_key, &err) < 0) {
		out = xasprintf("load error: %s", err.msg);
		goto done;
	}
	if (backend == RS)
		r = wh_redshift_sql(&load, &st, &err);
	else if (backend == PG)
		r = wh_postgres_sql(&load, cols, ncols, &st, &err);
	else
		r = wh_sqlite_sql(&load, cols, ncols, &st, &err);
	if (r < 0) {
		out = xasprintf("error: %s", err.msg);
		goto done;
	}
	out = render(&st);
	wh_stmts_free(&st);
done:
	wh_load_free(&load);
	json_decref(spec);
	return out;
}

#define CHECK_GEN(want, backend, options, cols, ncols) do { \
	char *got_ = gen(backend, options, cols, ncols); \
	CHECK_EQ_STR(want, got_); \
	free(got_); \
} while (0)

static void
test_redshift(void)
{
	const char *role = "\"iam_role\": \"arn:aws:iam::222222222222:role/redshift-copy\"";
	char opts[1024];

	/* The SPEC's Firehose example. */
	snprintf(opts, sizeof opts,
	    "{\"table\": \"public.stock_prices\", \"from\": \"s3://firehose-a/stocks/2024/01/01/00/\","
	    " \"format\": \"json\", %s, \"mode\": \"replace_partition\", \"partition_column\": \"event_hour\"}",
	    role);
	CHECK_GEN(
	    "BEGIN;\n"
	    "DELETE FROM \"public\".\"stock_prices\" WHERE \"event_hour\" >= '2024-01-01T00:00:00+00:00'"
	    " AND \"event_hour\" < '2024-01-01T01:00:00+00:00';\n"
	    "COPY \"public\".\"stock_prices\" FROM 's3://firehose-a/stocks/2024/01/01/00/'"
	    " IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy' FORMAT AS JSON 'auto';\n"
	    "COMMIT;\n", RS, opts, NULL, 0);

	/* append, CSV with every option */
	snprintf(opts, sizeof opts,
	    "{\"table\": \"sales\", \"from\": \"s3://b/sales/2024-01-01/\", %s,"
	    " \"columns\": [\"id\", \"amount\"], \"header\": true, \"delimiter\": \"|\","
	    " \"gzip\": true, \"region\": \"eu-west-1\"}", role);
	CHECK_GEN(
	    "BEGIN;\n"
	    "COPY \"sales\" (\"id\", \"amount\") FROM 's3://b/sales/2024-01-01/'"
	    " IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy'"
	    " FORMAT AS CSV DELIMITER '|' IGNOREHEADER 1 GZIP REGION 'eu-west-1';\n"
	    "COMMIT;\n", RS, opts, NULL, 0);

	/* tab delimiter, ignore_header 2, gzip by the key's suffix */
	snprintf(opts, sizeof opts,
	    "{\"table\": \"t\", \"from\": \"s3://b/one/part-0.csv.gz\", %s,"
	    " \"delimiter\": \"\\t\", \"ignore_header\": 2}", role);
	CHECK_GEN(
	    "BEGIN;\n"
	    "COPY \"t\" FROM 's3://b/one/part-0.csv.gz' IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy'"
	    " FORMAT AS CSV DELIMITER '\\t' IGNOREHEADER 2 GZIP;\n"
	    "COMMIT;\n", RS, opts, NULL, 0);

	/* a manifest: its own name says nothing of the data's compression */
	snprintf(opts, sizeof opts,
	    "{\"table\": \"t\", \"from\": \"s3://b/load.manifest.gz\", %s,"
	    " \"manifest\": true}", role);
	CHECK_GEN(
	    "BEGIN;\n"
	    "COPY \"t\" FROM 's3://b/load.manifest.gz' IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy'"
	    " FORMAT AS CSV MANIFEST;\n"
	    "COMMIT;\n", RS, opts, NULL, 0);
	snprintf(opts, sizeof opts,
	    "{\"table\": \"t\", \"from\": \"s3://b/load.manifest\", %s,"
	    " \"manifest\": true, \"gzip\": true, \"format\": \"json\"}", role);
	CHECK_GEN(
	    "BEGIN;\n"
	    "COPY \"t\" FROM 's3://b/load.manifest' IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy'"
	    " FORMAT AS JSON 'auto' GZIP MANIFEST;\n"
	    "COMMIT;\n", RS, opts, NULL, 0);

	/* parquet */
	snprintf(opts, sizeof opts,
	    "{\"table\": \"lake.events\", \"from\": \"s3://lake/events/dt=2024-01-01/\", %s,"
	    " \"format\": \"parquet\"}", role);
	CHECK_GEN(
	    "BEGIN;\n"
	    "COPY \"lake\".\"events\" FROM 's3://lake/events/dt=2024-01-01/'"
	    " IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy' FORMAT AS PARQUET;\n"
	    "COMMIT;\n", RS, opts, NULL, 0);

	/* upsert, with and without columns */
	snprintf(opts, sizeof opts,
	    "{\"table\": \"public.prices\", \"from\": \"s3://b/p/\", %s,"
	    " \"format\": \"json\", \"mode\": \"upsert\", \"upsert_keys\": [\"sym\", \"day\"],"
	    " \"columns\": [\"sym\", \"day\", \"px\"]}", role);
	CHECK_GEN(
	    "BEGIN;\n"
	    "CREATE TEMP TABLE \"sluice_stage\" (LIKE \"public\".\"prices\");\n"
	    "COPY \"sluice_stage\" (\"sym\", \"day\", \"px\") FROM 's3://b/p/'"
	    " IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy' FORMAT AS JSON 'auto';\n"
	    "DELETE FROM \"public\".\"prices\" USING \"sluice_stage\" WHERE"
	    " \"prices\".\"sym\" = \"sluice_stage\".\"sym\" AND \"prices\".\"day\" = \"sluice_stage\".\"day\";\n"
	    "INSERT INTO \"public\".\"prices\" (\"sym\", \"day\", \"px\") SELECT \"sym\", \"day\", \"px\""
	    " FROM \"sluice_stage\";\n"
	    "DROP TABLE \"sluice_stage\";\n"
	    "COMMIT;\n", RS, opts, NULL, 0);
	snprintf(opts, sizeof opts,
	    "{\"table\": \"prices\", \"from\": \"s3://b/p/\", %s,"
	    " \"mode\": \"upsert\", \"upsert_keys\": \"id\"}", role);
	CHECK_GEN(
	    "BEGIN;\n"
	    "CREATE TEMP TABLE \"sluice_stage\" (LIKE \"prices\");\n"
	    "COPY \"sluice_stage\" FROM 's3://b/p/'"
	    " IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy' FORMAT AS CSV;\n"
	    "DELETE FROM \"prices\" USING \"sluice_stage\" WHERE \"prices\".\"id\" = \"sluice_stage\".\"id\";\n"
	    "INSERT INTO \"prices\" SELECT * FROM \"sluice_stage\";\n"
	    "DROP TABLE \"sluice_stage\";\n"
	    "COMMIT;\n", RS, opts, NULL, 0);

	/* A quote in the url or role is doubled, never closes the literal. */
	CHECK_GEN(
	    "BEGIN;\n"
	    "COPY \"t\" FROM 's3://b/o''brien/' IAM_ROLE 'arn:x'' OR ''1' FORMAT AS CSV;\n"
	    "COMMIT;\n", RS,
	    "{\"table\": \"t\", \"from\": \"s3://b/o'brien/\", \"iam_role\": \"arn:x' OR '1\"}",
	    NULL, 0);

	/* No role and no keys; file:// is not for Redshift. */
	CHECK_GEN("error: a Redshift COPY needs iam_role (or a source_connection with access_key_id and secret_access_key)",
		  RS, "{\"table\": \"t\", \"from\": \"s3://b/\"}", NULL, 0);
	CHECK_GEN("error: Redshift loads from s3:// only, not file:///x/",
		  RS, "{\"table\": \"t\", \"from\": \"file:///x/\", \"iam_role\": \"r\"}",
		  NULL, 0);
}

/* Access keys from the source connection: in the SQL, masked in the log. */
static void
test_redshift_keys(void)
{
	json_t *spec = spec_for("redshift://etl@c/dw",
	    "{\"table\": \"t\", \"from\": \"s3://b/p/\", \"source_connection\": \"aws\"}");
	struct wh_load load;
	struct wh_stmts st;
	struct sl_err err;
	const char *bad_key;
	char *masked;

	json_object_set_new(json_object_get(spec, "connections"), "aws",
	    json_pack("{s:s, s:s, s:s}", "access_key_id", "AKIAEXAMPLE",
		      "secret_access_key", "wJalrXUtnFEMI/K7MDENG",
		      "session_token", "FwoGZXIvYXdzEXAMPLE"));
	CHECK(wh_load_from_spec(spec, &load, &bad_key, &err) == 0);
	CHECK(wh_redshift_sql(&load, &st, &err) == 0);
	CHECK(st.n == 3);
	CHECK_EQ_STR("COPY \"t\" FROM 's3://b/p/' ACCESS_KEY_ID 'AKIAEXAMPLE'"
		  " SECRET_ACCESS_KEY 'wJalrXUtnFEMI/K7MDENG'"
		  " SESSION_TOKEN 'FwoGZXIvYXdzEXAMPLE' FORMAT AS CSV",
		  st.v[1].sql);
	masked = wh_sql_mask(st.v[1].sql);
	CHECK_EQ_STR("COPY \"t\" FROM 's3://b/p/' ACCESS_KEY_ID '***'"
		  " SECRET_ACCESS_KEY '***' SESSION_TOKEN '***' FORMAT AS CSV",
		  masked);
	free(masked);

	/* What the log shows of it. */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		wh_stmt_print(&st.v[1], f);
		fclose(f);
		CHECK(strstr(text, "wJalr") == NULL);
		CHECK(strstr(text, "AKIAEXAMPLE") == NULL);
		CHECK(strstr(text, "SECRET_ACCESS_KEY '***'") != NULL);
		free(text);
	}
	wh_stmts_free(&st);
	wh_load_free(&load);
	json_decref(spec);
}

static void
test_postgres(void)
{
	const char *cols[] = { "id", "name", "hour" };

	CHECK_GEN(
	    "BEGIN;\n"
	    "COPY \"public\".\"events\" FROM STDIN WITH (FORMAT csv);\n"
	    "COMMIT;\n", PG,
	    "{\"table\": \"public.events\", \"from\": \"file:///x/\", \"header\": true}",
	    NULL, 0);
	CHECK_GEN(
	    "BEGIN;\n"
	    "DELETE FROM \"events\" WHERE \"hour\" >= $1 AND \"hour\" < $2;\n"
	    "COPY \"events\" (\"id\", \"name\", \"hour\") FROM STDIN WITH (FORMAT csv, DELIMITER ';');\n"
	    "COMMIT;\n", PG,
	    "{\"table\": \"events\", \"from\": \"file:///x/\", \"delimiter\": \";\","
	    " \"mode\": \"replace_partition\", \"partition_column\": \"hour\"}",
	    cols, 3);
	CHECK_GEN(
	    "BEGIN;\n"
	    "COPY \"t\" FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t');\n"
	    "COMMIT;\n", PG,
	    "{\"table\": \"t\", \"from\": \"file:///x/\", \"delimiter\": \"\\t\"}",
	    NULL, 0);
	CHECK_GEN(
	    "BEGIN;\n"
	    "CREATE TEMP TABLE \"sluice_stage\" AS SELECT \"id\", \"name\", \"hour\" FROM \"s\".\"events\" WITH NO DATA;\n"
	    "COPY \"sluice_stage\" (\"id\", \"name\", \"hour\") FROM STDIN WITH (FORMAT csv);\n"
	    "DELETE FROM \"s\".\"events\" USING \"sluice_stage\" WHERE \"events\".\"id\" = \"sluice_stage\".\"id\";\n"
	    "INSERT INTO \"s\".\"events\" (\"id\", \"name\", \"hour\") SELECT \"id\", \"name\", \"hour\" FROM \"sluice_stage\";\n"
	    "DROP TABLE \"sluice_stage\";\n"
	    "COMMIT;\n", PG,
	    "{\"table\": \"s.events\", \"from\": \"file:///x/\", \"format\": \"json\","
	    " \"mode\": \"upsert\", \"upsert_keys\": [\"id\"]}",
	    cols, 3);

	/* Without columns the stage is shaped LIKE the whole table. */
	CHECK_GEN(
	    "BEGIN;\n"
	    "CREATE TEMP TABLE \"sluice_stage\" (LIKE \"t\");\n"
	    "COPY \"sluice_stage\" FROM STDIN WITH (FORMAT csv);\n"
	    "DELETE FROM \"t\" USING \"sluice_stage\" WHERE \"t\".\"k\" = \"sluice_stage\".\"k\";\n"
	    "INSERT INTO \"t\" SELECT * FROM \"sluice_stage\";\n"
	    "DROP TABLE \"sluice_stage\";\n"
	    "COMMIT;\n", PG,
	    "{\"table\": \"t\", \"from\": \"file:///x/\", \"mode\": \"upsert\", \"upsert_keys\": \"k\"}",
	    NULL, 0);

	/* The interval is bound, never pasted into the text. */
	{
		json_t *spec = spec_for("postgresql://db/dw",
		    "{\"table\": \"t\", \"from\": \"file:///x/\","
		    " \"mode\": \"replace_partition\", \"partition_column\": \"h\"}");
		struct wh_load load;
		struct wh_stmts st;
		struct sl_err err;
		const char *bad_key;

		CHECK(wh_load_from_spec(spec, &load, &bad_key, &err) == 0);
		CHECK(wh_postgres_sql(&load, NULL, 0, &st, &err) == 0);
		CHECK(st.v[1].nparams == 2);
		CHECK_EQ_STR("2024-01-01T00:00:00+00:00", st.v[1].params[0]);
		CHECK_EQ_STR("2024-01-01T01:00:00+00:00", st.v[1].params[1]);
		CHECK(st.v[2].is_copy);
		wh_stmts_free(&st);
		wh_load_free(&load);
		json_decref(spec);
	}
	/* parquet is Redshift's alone */
	CHECK_GEN("load error: format parquet needs a Redshift connection (redshift://)",
		  PG, "{\"table\": \"t\", \"from\": \"s3://b/\", \"format\": \"parquet\"}",
		  NULL, 0);
}

static void
test_sqlite(void)
{
	const char *cols[] = { "id", "v" };

	CHECK_GEN(
	    "BEGIN IMMEDIATE;\n"
	    "INSERT INTO \"t\" (\"id\", \"v\") VALUES (?1, ?2);\n"
	    "COMMIT;\n", SQ, "{\"table\": \"t\", \"from\": \"file:///x/\"}",
	    cols, 2);
	CHECK_GEN(
	    "BEGIN IMMEDIATE;\n"
	    "DELETE FROM \"main\".\"t\" WHERE julianday(\"v\") >= julianday(?1) AND julianday(\"v\") < julianday(?2);\n"
	    "INSERT INTO \"main\".\"t\" (\"id\", \"v\") VALUES (?1, ?2);\n"
	    "COMMIT;\n", SQ,
	    "{\"table\": \"main.t\", \"from\": \"file:///x/\", \"mode\": \"replace_partition\","
	    " \"partition_column\": \"v\"}", cols, 2);
	CHECK_GEN(
	    "BEGIN IMMEDIATE;\n"
	    "CREATE TEMP TABLE temp.\"sluice_stage\" AS SELECT \"id\", \"v\" FROM \"t\" WHERE 0;\n"
	    "INSERT INTO temp.\"sluice_stage\" (\"id\", \"v\") VALUES (?1, ?2);\n"
	    "DELETE FROM \"t\" WHERE (\"id\") IN (SELECT \"id\" FROM temp.\"sluice_stage\");\n"
	    "INSERT INTO \"t\" (\"id\", \"v\") SELECT \"id\", \"v\" FROM temp.\"sluice_stage\";\n"
	    "DROP TABLE temp.\"sluice_stage\";\n"
	    "COMMIT;\n", SQ,
	    "{\"table\": \"t\", \"from\": \"file:///x/\", \"mode\": \"upsert\", \"upsert_keys\": \"id\"}",
	    cols, 2);
}

/* The spec's connection must exist and name a known backend. */
static void
test_spec_errors(void)
{
	/* a connection url that names no backend: the error names the
	 * connection and what to write, never the url (it may hold a
	 * password) */
	static const struct { const char *url, *msg; } bad_urls[] = {
		{ "mysql://u:topsecret@h/db",
		  "connection wh: its url must start with postgresql://, redshift:// or sqlite:, not mysql://" },
		{ "host=db port=5432 password=topsecret dbname=dw",
		  "connection wh: its url must start with postgresql://, redshift:// or sqlite:; it holds keyword=value settings instead: write them as postgresql://USER@HOST:PORT/DBNAME, with the password in the connection's password or password_env" },
		{ "db.example.com:topsecret",
		  "connection wh: its url is not a url: it must start with postgresql://, redshift:// or sqlite:" },
		{ "topsecret://u@h/db",
		  "connection wh: its url must start with postgresql://, redshift:// or sqlite:, not topsecret://" },
	};
	json_t *spec;
	struct wh_load load;
	struct sl_err err;
	const char *bad_key;

	for (size_t i = 0; i < SL_ARRAY_LEN(bad_urls); i++) {
		spec = spec_for(bad_urls[i].url,
				"{\"table\": \"t\", \"from\": \"s3://b/\"}");
		CHECK(wh_load_from_spec(spec, &load, &bad_key, &err) < 0);
		CHECK_EQ_STR(bad_urls[i].msg, err.msg);
		wh_load_free(&load);
		json_decref(spec);
	}
	spec = spec_for("mysql://u:topsecret@h/db",
			"{\"table\": \"t\", \"from\": \"s3://b/\"}");
	json_object_set_new(json_object_get(spec, "options"), "connection",
			    json_string("nope"));
	CHECK(wh_load_from_spec(spec, &load, &bad_key, &err) < 0);
	CHECK_EQ_STR("connection", bad_key);
	CHECK(strstr(err.msg, "connection nope is not defined") != NULL);
	wh_load_free(&load);
	json_decref(spec);
}

int
main(void)
{
	RUN(test_ident);
	RUN(test_literal);
	RUN(test_mask);
	RUN(test_mask_in_message);
	RUN(test_validate);
	RUN(test_redshift);
	RUN(test_redshift_keys);
	RUN(test_postgres);
	RUN(test_sqlite);
	RUN(test_spec_errors);
	return UNIT_END();
}
