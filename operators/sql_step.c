/*
 * sql_step.c: the `sql` task type. Runs statements (sql: or file:) on a
 * warehouse connection (PostgreSQL, Redshift, SQLite) in order in one
 * transaction, then its checks: queries whose single value must satisfy a
 * rule. A failed check fails the task; with warn: true it is a warning
 * line and an email to the task's (or DAG's) email recipients, and the
 * task succeeds. See operators/WAREHOUSE.md; the pieces are in sql.h.
 */
#include "operators/operator.h"

#include <stdlib.h>
#include <string.h>

#include "operators/notify.h"
#include "operators/op_stop.h"
#include "operators/sql.h"
#include "operators/wh.h"

extern const struct operator op_email;
extern const struct operator op_sql;

static const struct op_key sql_keys[] = {
	{ "connection", OPK_CONNECTION, 1, 0,
	  "the warehouse: url postgresql://, redshift:// or sqlite:PATH" },
	{ "sql", OPK_STRING, 0, OPK_SQL_TEXT,
	  "statements, run in order in one transaction; template values go in as SQL literals ('O''Brien'), | ident as identifiers" },
	{ "file", OPK_FILE, 0, OPK_SQL_TEXT,
	  "a SQL file instead of sql: (relative to the DAG file, inside the DAG folder; read when the DAG loads)" },
	{ "checks", OPK_ANY, 0, OPK_SQL_TEXT,
	  "list of {name, query, one rule of equals/min/max/between/not_empty/is_true, warn}; run after the statements" },
	{ NULL, 0, 0, 0, NULL },
};

/* The statements to run: sql:, or the text of file:; NULL for none. */
static const char *
sql_text(const json_t *options)
{
	json_t *v = json_object_get(options, "sql");

	if (json_is_string(v))
		return json_string_value(v);
	v = json_object_get(json_object_get(options, "file"), "text");
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The checks of sql and file (into c); c->in_error: the keys already
 * reported. */
static void
sql_check_text(struct op_check *c)
{
	const json_t *sql = op_check_get(c, "sql");

	if (op_check_has(c, "sql") && op_check_has(c, "file"))
		op_check_add(c, "file", "give sql or file, not both");
	if (sql != NULL && (!json_is_string(sql) ||
			    strspn(json_string_value(sql), " \t\r\n") ==
			    json_string_length(sql)))
		op_check_add(c, "sql", "sql is empty");
	if (!op_check_has(c, "sql") && !op_check_has(c, "file") &&
	    !op_check_has(c, "checks"))
		op_check_add(c, "", "a sql task needs sql:, file: or checks:");
}

static void
sql_check(struct op_check *c)
{
	sql_check_text(c);
	sql_checks_check(c);
}

/* Mail the warnings to spec.email (the task's or the DAG's recipients),
 * as the scheduler's notifications are: the email task type, the smtp
 * block of the config (or the outbox). */
static void
sql_warn_email(const json_t *spec, const char *summary)
{
	const json_t *to = json_object_get(spec, "email");
	struct notify_event ev;
	char **rcpt;
	json_t *mail, *v;
	size_t i;
	int rc;

	if (!json_is_array(to) || json_array_size(to) == 0) {
		printf("no warning email: the task and its DAG set no email recipients\n");
		return;
	}
	rcpt = xcalloc(json_array_size(to) + 1, sizeof *rcpt);
	json_array_foreach(to, i, v)
		rcpt[i] = xstrdup(json_is_string(v) ? json_string_value(v) : "");
	memset(&ev, 0, sizeof ev);
	ev.kind = "warning";
	ev.dag = json_string_value(json_object_get(spec, "dag"));
	ev.task = json_string_value(json_object_get(spec, "task"));
	ev.partition = json_string_value(json_object_get(spec, "partition"));
	ev.run_id = json_string_value(json_object_get(spec, "run_id"));
	ev.try_number = (int)json_integer_value(json_object_get(spec,
								"try_number"));
	ev.error = summary;
	ev.base_url = json_string_value(json_object_get(spec, "base_url"));
	ev.to = rcpt;
	mail = notify_spec(&ev, json_object_get(spec, "smtp"),
			   json_string_value(json_object_get(spec, "home")));
	printf("sending the warning email\n");
	fflush(stdout);
	rc = op_email.run(mail);
	fflush(stdout);
	if (rc != 0)
		printf("the warning email could not be sent (the task still succeeds)\n");
	json_decref(mail);
	strv_free(rcpt);
}

/* Run every check; the names of the failed ones go to failed, the
 * warnings (name, value, rule) to warned. A query that fails is a failed
 * check, warn or not. */
static void
sql_run_checks(struct sql_conn *conn, const struct sql_checks *checks,
	       struct buf *failed, struct buf *warned)
{
	for (size_t i = 0; i < checks->n && !op_stop_requested(); i++) {
		const struct sql_check *c = &checks->v[i];
		struct sql_value v;
		struct sl_err err;
		char shown[256];
		char *masked = wh_sql_mask(c->query);
		int ok;

		printf("check %s: %s\n", c->name, masked);
		free(masked);
		fflush(stdout);
		sl_err_clear(&err);
		if (sql_conn_value(conn, c->query, &v, &err) < 0) {
			printf("check %s FAILED: the query failed: %s\n",
			       c->name, err.msg);
			buf_printf(failed, "%s%s", failed->len ? ", " : "",
				   c->name);
			continue;
		}
		ok = sql_check_judge(c, &v, shown, sizeof shown);
		if (ok)
			printf("check %s passed: value %s, rule %s\n", c->name,
			       shown, c->rule_text);
		else if (c->warn) {
			printf("WARNING: check %s failed: value %s, rule %s (warn: true, the task goes on)\n",
			       c->name, shown, c->rule_text);
			buf_printf(warned, "%scheck %s: value %s, rule %s",
				   warned->len ? "; " : "", c->name, shown,
				   c->rule_text);
		} else {
			printf("check %s FAILED: value %s, rule %s\n", c->name,
			       shown, c->rule_text);
			buf_printf(failed, "%s%s", failed->len ? ", " : "",
				   c->name);
		}
		fflush(stdout);
	}
}

static int
sql_run(const json_t *spec)
{
	const json_t *options = json_object_get(spec, "options");
	const json_t *conn_spec = op_connection(spec, "connection");
	const char *url, *password, *text, *file;
	struct sql_checks checks;
	struct sql_conn *conn = NULL;
	struct buf failed, warned;
	struct sl_err err;
	char path[256];
	char *masked;
	int rc = 1;

	op_stop_catch(0);
	sl_err_clear(&err);
	buf_init(&failed, 0);
	buf_init(&warned, 0);
	memset(&checks, 0, sizeof checks);
	if (conn_spec == NULL) {
		fprintf(stderr, "sql: connection %s is not defined (config file connections, or SLUICE_CONN_<NAME>)\n",
			op_opt_str(spec, "connection", "(none)"));
		return 1;
	}
	url = json_string_value(json_object_get(conn_spec, "url"));
	password = json_string_value(json_object_get(conn_spec, "password"));
	if (url == NULL) {
		fprintf(stderr, "sql: connection %s has no url\n",
			op_opt_str(spec, "connection", ""));
		return 1;
	}
	if (op_check_first(&op_sql, options, path, sizeof path, &err) < 0 ||
	    sql_checks_parse(options, &checks, path, sizeof path, &err) < 0) {
		fprintf(stderr, "sql: %s%s%s\n", path, path[0] ? ": " : "",
			err.msg);
		return 1;
	}
	text = sql_text(options);
	file = json_string_value(json_object_get(json_object_get(options,
								 "file"),
						 "path"));
	masked = wh_sql_mask_url(url);
	if (sql_conn_open(op_opt_str(spec, "connection", ""), url, password,
			  json_string_value(json_object_get(conn_spec,
							    "password_env")),
			  json_string_value(json_object_get(spec, "home")),
			  &conn, &err) < 0) {
		fprintf(stderr, "sql: %s\n", err.msg);
		free(masked);
		goto out;
	}
	printf("sql: %s at %s%s%s; %zu check%s\n", sql_conn_backend(conn),
	       masked, file ? ", statements from " : "", file ? file : "",
	       checks.n, checks.n == 1 ? "" : "s");
	free(masked);
	if (text != NULL) {
		masked = wh_sql_mask(text);
		printf("statements (in order, one transaction):\n%s%s",
		       masked, masked[0] && masked[strlen(masked) - 1] == '\n' ?
		       "" : "\n");
		free(masked);
		fflush(stdout);
		if (sql_conn_run(conn, text, file, stdout, &err) < 0) {
			fprintf(stderr, "sql failed: %s\n", err.msg);
			goto out;
		}
	}
	sql_run_checks(conn, &checks, &failed, &warned);
	if (op_stop_requested()) {
		fprintf(stderr, "sql: the try was stopped\n");
		goto out;
	}
	if (failed.len > 0) {
		fprintf(stderr, "sql failed: check%s %s failed\n",
			strchr(buf_str(&failed), ',') ? "s" : "",
			buf_str(&failed));
		goto out;
	}
	if (warned.len > 0)
		sql_warn_email(spec, buf_str(&warned));
	rc = 0;
out:
	fflush(stdout);
	sql_conn_close(conn);
	sql_checks_free(&checks);
	buf_free(&failed);
	buf_free(&warned);
	return rc;
}

const struct operator op_sql = {
	.name = "sql",
	.summary = "run SQL on a warehouse (PostgreSQL, Redshift, SQLite) in one transaction, then data-quality checks",
	.keys = sql_keys,
	.check = sql_check,
	.run = sql_run,
};
