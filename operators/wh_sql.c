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

/* Does a connection parameter's name (len bytes, percent-decoded when
 * from a url) hold a secret: password, sslpassword, a token...? */
static int
conn_key_secret(const char *key, size_t len)
{
	static const char *const words[] = {
		"password", "passwd", "pwd", "secret", "token",
	};

	for (size_t w = 0; w < SL_ARRAY_LEN(words); w++) {
		size_t wl = strlen(words[w]);

		for (size_t i = 0; i + wl <= len; i++)
			if (strncasecmp(key + i, words[w], wl) == 0)
				return 1;
	}
	return 0;
}

static int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A url query parameter's name s[0..len) holds a secret (libpq decodes
 * names too: p%61ssword is password). */
static int
url_key_secret(const char *s, size_t len)
{
	char key[64];
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < sizeof key; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len &&
		    (hi = hex_digit((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_digit((unsigned char)s[i + 2])) >= 0) {
			key[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			key[n++] = s[i];
	}
	return conn_key_secret(key, n);
}

/* Mark hidden[from..to) in a url: the password of its userinfo and the
 * value of every secret query parameter. Read both ways libpq might:
 * the userinfo ends at an '@' before the first '/', and the query
 * starts at the first '?'. */
static void
mask_url_marks(const char *url, const char *auth, char *hidden)
{
	size_t len = strlen(url), a = (size_t)(auth - url);
	size_t slash = a + strcspn(auth, "/"), at = len, q;

	for (size_t i = a; i < slash; i++)
		if (url[i] == '@')
			at = i;
	if (at < len) {
		const char *colon = memchr(auth, ':', at - a);

		if (colon != NULL)
			memset(hidden + (colon - url) + 1, 1,
			       at - (size_t)(colon - url) - 1);
	}
	q = a + strcspn(auth, "?");
	while (q < len) {
		size_t k = q + 1, eq, amp;

		amp = k + strcspn(url + k, "&");
		eq = k + strcspn(url + k, "=&");
		if (eq < amp && url_key_secret(url + k, eq - k))
			memset(hidden + eq + 1, 1, amp - eq - 1);
		q = amp;
	}
}

/* Mark the values of secret keys in a libpq keyword string (key = value,
 * value bare or '...' with backslash escapes); 0, or -1 when it is not
 * one (then all of it is marked: a string we cannot read is never shown,
 * whatever part of it is a password). */
static int
mask_keyword_marks(const char *s, char *hidden)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		size_t key, keylen, val;

		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i == len)
			break;
		key = i;
		while (i < len && s[i] != '=' && !isspace((unsigned char)s[i]))
			i++;
		keylen = i - key;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i == len || s[i] != '=' || keylen == 0)
			goto unparsed;
		i++;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		val = i;
		if (i < len && s[i] == '\'') {
			for (i++; i < len && s[i] != '\''; i++)
				if (s[i] == '\\' && i + 1 < len)
					i++;
			if (i == len)
				goto unparsed;
			i++;
		} else {
			for (; i < len && !isspace((unsigned char)s[i]); i++)
				if (s[i] == '\\' && i + 1 < len)
					i++;
		}
		if (conn_key_secret(s + key, keylen))
			memset(hidden + val, 1, i - val);
	}
	return 0;
unparsed:
	memset(hidden, 1, len);
	return -1;
}

/* The secrets of a connection string: hidden[i] set for each byte to
 * mask (caller frees); NULL for a sqlite:PATH, which holds none. */
static char *
conn_string_marks(const char *url)
{
	const char *scheme = strstr(url, "://");
	char *hidden;

	if (sl_str_starts(url, "sqlite:") && scheme == NULL)
		return NULL;	/* a file's path */
	hidden = xcalloc(strlen(url) + 1, 1);
	if (scheme != NULL)
		mask_url_marks(url, scheme + 3, hidden);
	else
		mask_keyword_marks(url, hidden);
	return hidden;
}

char *
wh_sql_mask_url(const char *url)
{
	size_t len = strlen(url);
	char *hidden = conn_string_marks(url);
	struct buf b;

	if (hidden == NULL)
		return xstrdup(url);
	buf_init(&b, len + 8);
	for (size_t i = 0; i < len; i++) {
		if (!hidden[i])
			buf_addc(&b, url[i]);
		else if (i == 0 || !hidden[i - 1])
			buf_adds(&b, "***");
	}
	free(hidden);
	return buf_steal(&b);
}

/* Replace every copy of secret[0..n) in *text by "***". */
static void
mask_copies(char **text, const char *secret, size_t n)
{
	struct buf b;
	const char *p = *text, *hit;

	if (n == 0 || memmem(p, strlen(p), secret, n) == NULL)
		return;
	buf_init(&b, 0);
	while ((hit = memmem(p, strlen(p), secret, n)) != NULL) {
		buf_add(&b, p, (size_t)(hit - p));
		buf_adds(&b, "***");
		p = hit + n;
	}
	buf_adds(&b, p);
	free(*text);
	*text = buf_steal(&b);
}

char *
wh_sql_mask_secrets_in(const char *text, const char *url)
{
	char *out = xstrdup(text), *hidden = conn_string_marks(url);
	size_t len = strlen(url);

	if (hidden == NULL)
		return out;
	for (size_t i = 0; i < len; ) {
		size_t j = i, n = 0;
		char decoded[256];

		if (!hidden[i]) {
			i++;
			continue;
		}
		while (j < len && hidden[j])
			j++;
		mask_copies(&out, url + i, j - i);
		/* and as libpq may quote it: percent-decoded */
		for (size_t k = i; k < j && n + 1 < sizeof decoded; k++) {
			int hi, lo;

			if (url[k] == '%' && k + 2 < j &&
			    (hi = hex_digit((unsigned char)url[k + 1])) >= 0 &&
			    (lo = hex_digit((unsigned char)url[k + 2])) >= 0) {
				decoded[n++] = (char)(hi * 16 + lo);
				k += 2;
			} else
				decoded[n++] = url[k];
		}
		if (n != j - i)
			mask_copies(&out, decoded, n);
		i = j;
	}
	free(hidden);
	return out;
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
