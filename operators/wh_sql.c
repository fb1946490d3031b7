/* wh_sql.c: quoting of identifiers and literals, masking of secrets in
 * statements and urls, and statement lists for warehouse_copy. */
#include "operators/wh.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scheduler/sqlquote.h"

void
wh_sql_ident_part(struct buf *b, const char *name)
{
	sqlquote_ident_part(b, name);
}

void
wh_sql_ident(struct buf *b, const char *name)
{
	sqlquote_ident(b, name, 0);
}

void
wh_sql_ident_last(struct buf *b, const char *name)
{
	sqlquote_ident(b, name, 1);
}

void
wh_sql_column_list(struct buf *b, const char **cols, size_t n)
{
	buf_addc(b, '(');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(b, ", ");
		wh_sql_ident_part(b, cols[i]);
	}
	buf_addc(b, ')');
}

int
wh_sql_literal(struct buf *b, const char *s, struct sl_err *err)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\\')
			return sl_err_set(err,
			    "backslash in a SQL string literal: %s", s);
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return sl_err_set(err,
			    "control character in a SQL string literal");
	}
	buf_addc(b, '\'');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\'')
			buf_addc(b, '\'');
		buf_addc(b, *p);
	}
	buf_addc(b, '\'');
	return 0;
}

/* Keywords whose following string literal is a secret. */
static const char *const sql_secret_words[] = {
	"ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "CREDENTIALS",
	"PASSWORD", "MASTER_SYMMETRIC_KEY",
};

/* Does a secret keyword end just before position i of sql? */
static int
sql_after_secret_word(const char *sql, size_t i)
{
	size_t end = i;

	while (end > 0 && (sql[end - 1] == ' ' || sql[end - 1] == '\t' ||
			   sql[end - 1] == '\n' || sql[end - 1] == '='))
		end--;
	if (end == i)
		return 0;
	for (size_t k = 0; k < SL_ARRAY_LEN(sql_secret_words); k++) {
		size_t n = strlen(sql_secret_words[k]);

		if (end < n || strncasecmp(sql + end - n, sql_secret_words[k],
					   n) != 0)
			continue;
		if (end > n && (isalnum((unsigned char)sql[end - n - 1]) ||
				sql[end - n - 1] == '_'))
			continue;
		return 1;
	}
	return 0;
}

char *
wh_sql_mask(const char *sql)
{
	struct buf b;
	size_t i = 0, len = strlen(sql);

	buf_init(&b, 0);
	while (i < len) {
		if (sql[i] != '\'') {
			buf_addc(&b, sql[i++]);
			continue;
		}
		/* A literal: find its end (doubled quotes stay inside). */
		size_t j = i + 1;
		while (j < len) {
			if (sql[j] == '\'' && j + 1 < len && sql[j + 1] == '\'')
				j += 2;
			else if (sql[j] == '\'')
				break;
			else
				j++;
		}
		if (sql_after_secret_word(sql, i))
			buf_adds(&b, "'***'");
		else
			buf_add(&b, sql + i, (j < len ? j + 1 : len) - i);
		i = j < len ? j + 1 : len;
	}
	return buf_steal(&b);
}

char *
wh_sql_mask_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *auth, *end, *at = NULL, *colon;

	if (scheme == NULL)
		return xstrdup(url);
	auth = scheme + 3;
	end = auth + strcspn(auth, "/?#");
	/* The userinfo ends at the last '@' of the authority. */
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return xstrdup(url);
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon == NULL)
		return xstrdup(url);
	return xasprintf("%.*s:***%s", (int)(colon - url), url, at);
}

struct wh_stmt *
wh_stmts_add(struct wh_stmts *s, char *sql)
{
	struct wh_stmt *st;

	SL_GROW(s->v, s->cap, s->n + 1);
	st = &s->v[s->n++];
	memset(st, 0, sizeof *st);
	st->sql = sql;
	return st;
}

void
wh_stmts_free(struct wh_stmts *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].sql);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

void
wh_stmt_print(const struct wh_stmt *st, FILE *out)
{
	char *masked = wh_sql_mask(st->sql);

	fprintf(out, "SQL: %s;", masked);
	for (int i = 0; i < st->nparams; i++)
		fprintf(out, "%s'%s'", i == 0 ? "  -- bound: " : ", ",
			st->params[i] != NULL ? st->params[i] : "NULL");
	fputc('\n', out);
	fflush(out);
	free(masked);
}

void
wh_sql_upsert_from_stage(struct wh_stmts *out, const struct wh_load *load,
			 const char *stage, const char **columns, size_t ncolumns)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "DELETE FROM ");
	wh_sql_ident(&b, load->table);
	buf_adds(&b, " USING ");
	buf_adds(&b, stage);
	buf_adds(&b, " WHERE ");
	for (size_t i = 0; i < load->nupsert_keys; i++) {
		if (i > 0)
			buf_adds(&b, " AND ");
		wh_sql_ident_last(&b, load->table);
		buf_addc(&b, '.');
		wh_sql_ident_part(&b, load->upsert_keys[i]);
		buf_adds(&b, " = ");
		buf_adds(&b, stage);
		buf_addc(&b, '.');
		wh_sql_ident_part(&b, load->upsert_keys[i]);
	}
	wh_stmts_add(out, buf_steal(&b));

	buf_adds(&b, "INSERT INTO ");
	wh_sql_ident(&b, load->table);
	if (columns != NULL) {
		buf_addc(&b, ' ');
		wh_sql_column_list(&b, columns, ncolumns);
		buf_adds(&b, " SELECT ");
		for (size_t i = 0; i < ncolumns; i++) {
			if (i > 0)
				buf_adds(&b, ", ");
			wh_sql_ident_part(&b, columns[i]);
		}
	} else
		buf_adds(&b, " SELECT *");
	buf_adds(&b, " FROM ");
	buf_adds(&b, stage);
	wh_stmts_add(out, buf_steal(&b));

	buf_adds(&b, "DROP TABLE ");
	buf_adds(&b, stage);
	wh_stmts_add(out, buf_steal(&b));
	buf_free(&b);
}
