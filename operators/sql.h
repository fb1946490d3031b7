/*
 * sql.h: internals of the `sql` task type, shared by its files. Nothing
 * outside operators/sql_*.c and their unit tests includes this.
 *
 *   sql_step.c   the operator: keys, load-time checks, run(), the warning
 *                email of a check with warn: true
 *   sql_check.c  the checks: reading them from the options, judging a value
 *   sql_exec.c   running statements and check queries on PostgreSQL,
 *                Redshift (libpq) and SQLite, cancelled when the try stops
 *
 * The SQL arrives rendered: the scheduler inserted every template value as
 * a SQL literal (scheduler/sqlquote.h) before the try started.
 */
#ifndef SLUICE_SQL_H
#define SLUICE_SQL_H

#include <stdio.h>

#include <jansson.h>

#include "base/util.h"

/* ---- sql_check.c ---------------------------------------------------- */

enum sql_rule {
	SQL_RULE_EQUALS,	/* equals: X (numbers as numbers, else text) */
	SQL_RULE_RANGE,		/* min:, max:, or between: [a, b] (inclusive) */
	SQL_RULE_NOT_EMPTY,	/* a row with a value that is not NULL or '' */
	SQL_RULE_IS_TRUE,	/* t, true, yes, on, or a non-zero number */
};

struct sql_check {
	const char *name;	/* borrowed from the options */
	const char *query;
	int warn;		/* a failure is a warning, the task succeeds */
	enum sql_rule rule;
	const char *equals;
	double lo, hi;
	int has_lo, has_hi;
	char rule_text[160];	/* "between [1, 100]", for the log */
};

struct sql_checks {
	struct sql_check *v;
	size_t n;
};

/*
 * Read options.checks (absent: none). On error the place at fault goes
 * into path as "checks.I[.KEY]" (see struct op_check).
 * Strings are borrowed: options must outlive out.
 */
int sql_checks_parse(const json_t *options, struct sql_checks *out,
		     char *path, size_t n, struct sl_err *err);
void sql_checks_free(struct sql_checks *c);
/* The load-time checks of options.checks (struct operator's check): one
 * error for each check in error, at its place. */
struct op_check;
void sql_checks_check(struct op_check *c);

/* What a check's query returned: its row count, and the first column of
 * the first row (text NULL when SQL NULL or no row). */
struct sql_value {
	long rows;
	int columns;
	const char *text;
};

/* Judge a value: 1 passed, 0 failed; the value as the log shows it into
 * shown (size n). */
int sql_check_judge(const struct sql_check *c, const struct sql_value *v,
		    char *shown, size_t n);

/* ---- sql_exec.c ------------------------------------------------------- */

struct sql_conn;

/* Connect to a warehouse url (postgresql://, redshift://, sqlite:PATH with
 * a relative PATH under home), connection conn_name's (named in errors);
 * password may be NULL, password_env (the variable it came from, named in
 * a failure) too. */
int sql_conn_open(const char *conn_name, const char *url,
		  const char *password,
		  const char *password_env, const char *home,
		  struct sql_conn **out, struct sl_err *err);
void sql_conn_close(struct sql_conn *c);
/* "PostgreSQL", "Redshift", "SQLite" */
const char *sql_conn_backend(const struct sql_conn *c);
/*
 * Run sql (one or more statements) in order in one transaction: all of
 * it commits, or none. Each statement's result and then the row count of
 * the last go to out. When the try is asked to stop (SIGTERM), the query
 * in flight is cancelled (PostgreSQL: a cancel request; SQLite: an
 * interrupt) and the transaction rolled back. A statement the warehouse
 * refuses is named in err by its number and, when known, its place in
 * sql: "source:LINE:COL" (source: the file: path the SQL came from), or
 * "line L, column C of the SQL" (source NULL).
 */
int sql_conn_run(struct sql_conn *c, const char *sql, const char *source,
		 FILE *out, struct sl_err *err);
/* Run a check's query (outside any transaction); *v is valid until the
 * next call on c. */
int sql_conn_value(struct sql_conn *c, const char *query,
		   struct sql_value *v, struct sl_err *err);

#endif
