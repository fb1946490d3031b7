/* wh_pq.c: libpq for warehouse_copy's PostgreSQL and Redshift loads:
 * connecting with the connection's url and password, running a logged
 * statement, and the server's messages as errors. */
#include "operators/wh.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/lazylib.h"

int
wh_pq_error(PGconn *conn, const char *what, struct sl_err *err)
{
	char msg[SL_ERR_MSG];
	size_t n = 0;

	/* The server's message may span lines (ERROR, DETAIL, CONTEXT): one
	 * line for the log and the try's error, with no tab in it. */
	for (const char *p = PQerrorMessage(conn); *p != '\0' &&
	     n + 3 < sizeof msg; p++) {
		if (*p == '\n') {
			/* libpq indents its hint lines with a tab */
			while (p[1] == '\t' || p[1] == ' ')
				p++;
			if (p[1] != '\0') {
				msg[n++] = ';';
				msg[n++] = ' ';
			}
		} else
			msg[n++] = *p;
	}
	msg[n] = '\0';
	return sl_err_set(err, "%s: %s", what, n > 0 ? msg : "unknown error");
}

int
wh_pq_connect(const struct wh_load *load, PGconn **out,
	      struct sl_err *err)
{
	const char *kw[8], *val[8];
	char *url, *masked;
	PGconn *conn;
	int n = 0;

	*out = NULL;
	kw[n] = "connect_timeout", val[n++] = "30";
	kw[n] = "fallback_application_name", val[n++] = "sluice warehouse_copy";
	if (load->backend == WH_REDSHIFT) {
		/* Redshift speaks the PostgreSQL protocol on 5439. The url's
		 * own port, processed after, wins. */
		kw[n] = "port", val[n++] = "5439";
		url = xasprintf("postgresql://%s",
				load->url + strlen("redshift://"));
	} else
		url = xstrdup(load->url);
	kw[n] = "dbname", val[n++] = url;
	if (load->password != NULL)
		kw[n] = "password", val[n++] = load->password;
	kw[n] = NULL, val[n] = NULL;

	if (lazylib_load(LAZYLIB_PQ, err) < 0) {
		free(url);
		return -1;
	}
	conn = PQconnectdbParams(kw, val, 1);
	free(url);
	if (conn == NULL)
		sl_fatal("libpq: out of memory");
	if (PQstatus(conn) != CONNECTION_OK) {
		char what[SL_ERR_MSG], msg[SL_ERR_MSG];

		masked = wh_sql_mask_url(load->url);
		snprintf(what, sizeof what, "cannot connect to %s", masked);
		wh_pq_error(conn, what, err);
		free(masked);
		/* libpq quotes a part of a url it cannot read, a password's
		 * bad %-escape included */
		masked = wh_sql_mask_secrets_in(err->msg, load->url);
		snprintf(err->msg, sizeof err->msg, "%s", masked);
		free(masked);
		PQfinish(conn);
		/* which variable to look at when the password is refused */
		if (load->password_env != NULL) {
			snprintf(msg, sizeof msg, "%s", err->msg);
			sl_err_set(err, "%s (the password is from the environment variable %s)",
				   msg, load->password_env);
		}
		return -1;
	}
	*out = conn;
	return 0;
}

int
wh_pq_exec(PGconn *conn, const struct wh_stmt *st, FILE *out,
	   struct sl_err *err)
{
	PGresult *res;
	ExecStatusType status;
	const char *tuples;

	wh_stmt_print(st, out);
	res = PQexecParams(conn, st->sql, st->nparams, NULL, st->params,
			   NULL, NULL, 0);
	status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		PQclear(res);
		return wh_pq_error(conn, "the server refused the statement",
				   err);
	}
	tuples = PQcmdTuples(res);
	if (tuples[0] != '\0') {
		fprintf(out, "  → %s\n", PQcmdStatus(res));
		fflush(out);
	}
	PQclear(res);
	return 0;
}

void
wh_pq_rollback(PGconn *conn, FILE *out)
{
	PGresult *res;

	if (PQstatus(conn) != CONNECTION_OK)
		return;
	fprintf(out, "SQL: ROLLBACK;\n");
	fflush(out);
	res = PQexec(conn, "ROLLBACK");
	PQclear(res);
}
