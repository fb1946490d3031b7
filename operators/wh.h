/*
 * wh.h: internals of the warehouse_copy task type, shared by its files.
 * Nothing outside operators/warehouse_copy.c, operators/wh_*.c and their
 * unit tests includes this; the rest of sluice sees op_warehouse_copy only.
 *
 *   warehouse_copy.c  the operator: keys, load-time checks, run()
 *   wh_load.c         a try's options, read and checked once (struct wh_load)
 *   wh_sql.c          quoting identifiers and literals, masking secrets,
 *                     statement lists
 *   wh_source.c       the objects of a partition: file:// folders, s3://
 *   wh_gunzip.c       gzip inflated on the fly
 *   wh_csv.c          CSV records, streamed
 *   wh_jsonl.c        JSON lines, streamed
 *   wh_stream.c       a partition's objects, decoded, fed to a backend
 *   wh_pq.c           libpq connection and statements (PostgreSQL, Redshift)
 *   wh_postgres.c     PostgreSQL: COPY ... FROM STDIN
 *   wh_redshift.c     Redshift: COPY ... FROM 's3://...'
 *   wh_sqlite.c       SQLite: INSERTs into a file
 *
 * Data flow of a streamed load (PostgreSQL, SQLite):
 *   wh_source_get → [wh_gunzip] → wh_csv | wh_jsonl → backend callback
 * Every stage works on bounded chunks; no object is held whole in memory.
 */
#ifndef SLUICE_WH_H
#define SLUICE_WH_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "base/util.h"

/* Longest CSV record or JSON line accepted (bytes). */
#define WH_RECORD_MAX (16u * 1024 * 1024)
/* The staging table of mode upsert (a TEMP table, dropped before commit). */
#define WH_STAGE_TABLE "sluice_stage"

/* ---- wh_load.c: one try's options --------------------------------- */

enum wh_format { WH_FORMAT_CSV, WH_FORMAT_JSON, WH_FORMAT_PARQUET };
enum wh_mode { WH_MODE_APPEND, WH_MODE_REPLACE_PARTITION, WH_MODE_UPSERT };
enum wh_backend { WH_POSTGRES, WH_REDSHIFT, WH_SQLITE };

/*
 * Strings point into the options/spec JSON, which must outlive the load;
 * the two arrays are owned by the load (wh_load_free).
 */
struct wh_load {
	const char *table;
	const char **columns;		/* NULL when not given */
	size_t ncolumns;
	const char *from;
	enum wh_format format;
	int header_lines;		/* CSV lines to skip at each object's start */
	char delimiter;			/* CSV field delimiter */
	int gzip;			/* 1 all, 0 none, -1 by the ".gz" suffix */
	int manifest;			/* from names a manifest, not a prefix */
	const char *region;		/* NULL when not given */
	const char *iam_role;		/* NULL when not given */
	enum wh_mode mode;
	const char *partition_column;	/* replace_partition */
	const char **upsert_keys;	/* upsert */
	size_t nupsert_keys;
	int dry_run;			/* print the SQL, connect to nothing */
	int create_table;		/* SQLite: create file and table if missing */

	/* From the rest of the spec (wh_load_from_spec only). */
	enum wh_backend backend;
	const char *url;		/* the connection's url */
	const char *password;		/* or NULL */
	const char *password_env;	/* the variable it came from, or NULL */
	const char *interval_start;	/* data_interval_start, or NULL */
	const char *interval_end;
	const json_t *source_conn;	/* AWS connection for s3://, or NULL */
	const char *home;		/* spec.home, or NULL */
};

/*
 * Read and check the task's options (templates may be unrendered). On
 * error *bad_key names the key at fault (NULL: the task as a whole).
 */
int wh_load_parse(const json_t *options, struct wh_load *load,
		  const char **bad_key, struct sl_err *err);
/* The same checks at DAG load (warehouse_copy's check): every error
 * added to c, each at its key; a check that depends on a key in error
 * (format, mode, columns) is left out. */
struct op_check;
void wh_load_check(struct op_check *c);
/* Which backend the url of connection conn_name names (postgresql://,
 * redshift://, sqlite:); the `sql` task type uses it too. An error names
 * the connection and never quotes the url (it may hold a password). */
int wh_backend_of(const char *conn_name, const char *url,
		  enum wh_backend *out, struct sl_err *err);
/* The database file of a sqlite: url (caller frees): sqlite:PATH, with a
 * relative PATH under home; sqlite:///abs/path also works. */
char *wh_sqlite_path(const char *url, const char *home);
/* wh_load_parse on spec.options, plus the connection, the data interval
 * and the home. */
int wh_load_from_spec(const json_t *spec, struct wh_load *load,
		      const char **bad_key, struct sl_err *err);
void wh_load_free(struct wh_load *load);
const char *wh_mode_name(enum wh_mode mode);
const char *wh_format_name(enum wh_format format);
/* Is this object gzip'd, by the gzip option or else by its name? */
int wh_load_gzipped(const struct wh_load *load, const char *url);

/* ---- wh_sql.c: quoting, masking, statement lists ------------------ */

/* "schema.table" → "schema"."table"; a part already in double quotes is
 * kept as one part ("my.table" stays one identifier). */
void wh_sql_ident(struct buf *b, const char *name);
/* One identifier, never split: a column. */
void wh_sql_ident_part(struct buf *b, const char *name);
/* The last part of a possibly qualified name, quoted: how statements
 * refer to a target table's columns ("t"."id"). */
void wh_sql_ident_last(struct buf *b, const char *name);
/* ("a", "b") */
void wh_sql_column_list(struct buf *b, const char **cols, size_t n);
struct wh_stmts;
/* Upsert's last steps on PostgreSQL and Redshift: delete the target's rows
 * whose upsert keys appear in stage, insert stage's rows (columns, or all
 * when NULL), drop stage. */
void wh_sql_upsert_from_stage(struct wh_stmts *out, const struct wh_load *load,
			      const char *stage, const char **columns,
			      size_t ncolumns);
/* A string literal 'it''s'. Refuses backslashes and control characters,
 * whose meaning differs between servers (Redshift, PostgreSQL). */
int wh_sql_literal(struct buf *b, const char *s, struct sl_err *err);
/* A copy of sql with the values of ACCESS_KEY_ID, SECRET_ACCESS_KEY,
 * SESSION_TOKEN, CREDENTIALS, PASSWORD replaced by '***' (caller frees). */
char *wh_sql_mask(const char *sql);
/* A copy of a connection string to show, every secret in it masked
 * (caller frees): a url's userinfo password and secret query parameters
 * (password=, sslpassword=, ...: postgresql://u:pw@h/db?password=x →
 * postgresql://u:***@h/db?password=***), the same keys of a libpq
 * keyword string (host=h password=***); a string that is neither, all of
 * it (***). A sqlite:PATH is shown as it is. */
char *wh_sql_mask_url(const char *url);
/* A copy of text (a client library's message about url) with every
 * secret of url that wh_sql_mask_url masks replaced by *** wherever it
 * appears, also percent-decoded (caller frees). */
char *wh_sql_mask_secrets_in(const char *text, const char *url);

/* One statement to run; params are bound ($1, $2 / ?1, ?2), never
 * pasted into the text. */
struct wh_stmt {
	char *sql;
	const char *params[2];	/* point into the load; not owned */
	int nparams;
	int is_copy;		/* PostgreSQL: the COPY ... FROM STDIN */
	int is_insert;		/* SQLite: the row INSERT, run once per record */
};

struct wh_stmts {
	struct wh_stmt *v;
	size_t n, cap;
};

/* Append a statement; takes ownership of sql. Returns the new entry. */
struct wh_stmt *wh_stmts_add(struct wh_stmts *s, char *sql);
void wh_stmts_free(struct wh_stmts *s);
/* Print one statement for the log, masked, with its parameters. */
void wh_stmt_print(const struct wh_stmt *st, FILE *out);

/* ---- wh_source.c: objects of a partition -------------------------- */

/* Bytes of an object, in order; return -1 (with err set) to stop. */
typedef int (*wh_bytes_fn)(void *arg, const void *data, size_t len,
			   struct sl_err *err);

struct wh_object {
	char *url;
	int64_t size;	/* -1 when unknown */
};

struct wh_objects {
	struct wh_object *v;
	size_t n, cap;
};

struct wh_source;

/* A source for file:// and s3:// urls. aws_conn (may be NULL: the default
 * credential chain) and region are used for s3://; home resolves relative
 * file:// paths. Borrowed: they must outlive the source. */
struct wh_source *wh_source_new(const json_t *aws_conn, const char *region,
				const char *home);
void wh_source_free(struct wh_source *src);
/*
 * The objects a url names, sorted by url: every object under a prefix
 * (file://: a folder's regular files, recursively; names starting with
 * '.' or '_' are skipped, as Hadoop-style writers leave markers there),
 * or, with manifest, the entries of a Redshift manifest file
 * ({"entries": [{"url": "...", "mandatory": bool}]}). Fails when nothing
 * is found, or a mandatory entry is missing.
 */
int wh_source_list(struct wh_source *src, const char *url, int manifest,
		   struct wh_objects *out, struct sl_err *err);
/* Stream one object's bytes to fn in bounded chunks. */
int wh_source_get(struct wh_source *src, const char *url, wh_bytes_fn fn,
		  void *arg, struct sl_err *err);
void wh_objects_free(struct wh_objects *objs);

/* ---- wh_gunzip.c ---------------------------------------------------- */

struct wh_gunzip;

/* Inflate gzip (also several concatenated members) to fn. */
struct wh_gunzip *wh_gunzip_new(wh_bytes_fn fn, void *arg);
int wh_gunzip_write(struct wh_gunzip *g, const void *data, size_t len,
		    struct sl_err *err);
/* End of one object: fails if the stream was cut short. Ready for the
 * next object afterwards. */
int wh_gunzip_finish(struct wh_gunzip *g, struct sl_err *err);
void wh_gunzip_free(struct wh_gunzip *g);

/* ---- wh_csv.c ------------------------------------------------------- */

/* A parsed field; data is not NUL-terminated. quoted: the field had
 * quotes, so an empty one is '' rather than NULL (as PostgreSQL reads it). */
struct wh_field {
	const char *data;
	size_t len;
	int quoted;
};

typedef int (*wh_csv_record_fn)(void *arg, const struct wh_field *fields,
				size_t n, struct sl_err *err);

struct wh_csv;

/*
 * A streamed CSV reader (RFC 4180: quotes, doubled quotes, LF or CRLF).
 * Blank lines are skipped; skip_lines records are skipped at the start of
 * every object (headers). Exactly one of span / record is set:
 *   span:   passthrough; gets the bytes of the kept records unchanged, and
 *           a final newline when an object lacks one (COPY FROM STDIN);
 *   record: gets each record split into fields.
 */
struct wh_csv *wh_csv_new(char delimiter, int skip_lines, wh_bytes_fn span,
			  wh_csv_record_fn record, void *arg);
int wh_csv_write(struct wh_csv *c, const void *data, size_t len,
		 struct sl_err *err);
/* End of one object: fails on an unterminated quoted field. */
int wh_csv_finish(struct wh_csv *c, struct sl_err *err);
/* Records kept (passed on) since wh_csv_new. */
uint64_t wh_csv_records(const struct wh_csv *c);
/* Line of the current object being read (for messages). */
uint64_t wh_csv_line(const struct wh_csv *c);
void wh_csv_free(struct wh_csv *c);

/* ---- wh_jsonl.c ----------------------------------------------------- */

/* One JSON object per line; row is borrowed for the call. */
typedef int (*wh_jsonl_row_fn)(void *arg, json_t *row, struct sl_err *err);

struct wh_jsonl;

struct wh_jsonl *wh_jsonl_new(wh_jsonl_row_fn row, void *arg);
int wh_jsonl_write(struct wh_jsonl *j, const void *data, size_t len,
		   struct sl_err *err);
int wh_jsonl_finish(struct wh_jsonl *j, struct sl_err *err);
uint64_t wh_jsonl_rows(const struct wh_jsonl *j);
void wh_jsonl_free(struct wh_jsonl *j);
/* row[column]: the exact key, else a key equal ignoring case; NULL when
 * absent. */
json_t *wh_jsonl_get(json_t *row, const char *column);
/* Append row's values for columns as one CSV record (',' delimited, LF),
 * the way COPY ... (FORMAT csv) reads it: missing or null → empty
 * (NULL), strings always quoted, true/false → t/f, objects and arrays
 * as compact JSON text. */
void wh_jsonl_to_csv(struct buf *out, json_t *row, const char **columns,
		     size_t n);

/* ---- wh_stream.c ------------------------------------------------------ */

/* What a backend takes from a streamed partition; set the one that fits
 * the load's format (CSV: csv_bytes or csv_record; JSON: json_row). */
struct wh_stream_sink {
	wh_bytes_fn csv_bytes;
	wh_csv_record_fn csv_record;
	wh_jsonl_row_fn json_row;
	void *arg;
};

struct wh_stream_stats {
	size_t objects;
	uint64_t rows;		/* records passed on */
	uint64_t bytes;		/* bytes read from the source */
	uint64_t decoded;	/* bytes after gunzip */
};

/* Feed every object to sink, printing progress to out. On failure err
 * names the object and line. */
int wh_stream_run(const struct wh_load *load, struct wh_source *src,
		  const struct wh_objects *objs,
		  const struct wh_stream_sink *sink, FILE *out,
		  struct wh_stream_stats *stats, struct sl_err *err);
/* "12.3 MB" */
const char *wh_stream_size(uint64_t bytes, char *out, size_t n);
/* The load's closing line: objects, rows, bytes, table, mode, time since
 * t0 (sl_mono_ms). */
void wh_stream_report(FILE *out, const struct wh_stream_stats *stats,
		      const struct wh_load *load, int64_t t0);

/* ---- backends --------------------------------------------------------- */

/* The statements of a load, in order, BEGIN to COMMIT. For PostgreSQL and
 * SQLite columns is the resolved column list (may be NULL for PostgreSQL
 * CSV: all columns). */
int wh_postgres_sql(const struct wh_load *load, const char **columns,
		    size_t ncolumns, struct wh_stmts *out, struct sl_err *err);
int wh_redshift_sql(const struct wh_load *load, struct wh_stmts *out,
		    struct sl_err *err);
int wh_sqlite_sql(const struct wh_load *load, const char **columns,
		  size_t ncolumns, struct wh_stmts *out, struct sl_err *err);

/* Run a load; progress and statements to out. */
int wh_postgres_run(const struct wh_load *load, FILE *out,
		    struct sl_err *err);
int wh_redshift_run(const struct wh_load *load, FILE *out,
		    struct sl_err *err);
int wh_sqlite_run(const struct wh_load *load, FILE *out, struct sl_err *err);

/* ---- wh_pq.c: libpq for PostgreSQL and Redshift ----------------------- */

struct pg_conn;

/* Connect to load->url with load->password (Redshift: port 5439 unless
 * the url names one). On failure err says "cannot connect to URL" (the
 * url masked), the server's message, and password_env when set. */
int wh_pq_connect(const struct wh_load *load, struct pg_conn **out,
		  struct sl_err *err);
/* Run one statement (not a COPY FROM STDIN), printing it first. */
int wh_pq_exec(struct pg_conn *conn, const struct wh_stmt *st, FILE *out,
	       struct sl_err *err);
/* ROLLBACK after a failure, keeping the first error. */
void wh_pq_rollback(struct pg_conn *conn, FILE *out);
/* The server's message of the last failure, trimmed, into err. */
int wh_pq_error(struct pg_conn *conn, const char *what, struct sl_err *err);

#endif
