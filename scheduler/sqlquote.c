/* sqlquote.c: following the quoting of SQL text, and inserting values
 * into it as data (see sqlquote.h). */
#include "scheduler/sqlquote.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void
sqlquote_scan_init(struct sqlquote_scan *s)
{
	memset(s, 0, sizeof *s);
	s->where = SQLQ_PLAIN;
}

/* May c be part of an identifier (where a $ does not open a tag)? */
static int
ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' ||
	       (unsigned char)c >= 0x80;
}

/* One byte of PLAIN text. */
static void
scan_plain(struct sqlquote_scan *s, char c)
{
	if (s->pending_len > 0) {
		/* reading "$tag": a tag is $ [A-Za-z_][A-Za-z0-9_]* $ */
		if (c == '$') {
			memcpy(s->tag, s->pending, s->pending_len);
			s->tag[s->pending_len] = '$';
			s->tag_len = s->pending_len + 1;
			s->tag_match = 0;
			s->pending_len = 0;
			s->where = SQLQ_DOLLAR;
			s->prev = 0;
			return;
		}
		if ((isalpha((unsigned char)c) || c == '_' ||
		     (isdigit((unsigned char)c) && s->pending_len > 1)) &&
		    s->pending_len + 2 < sizeof s->pending) {
			s->pending[s->pending_len++] = c;
			s->prev = c;
			return;
		}
		s->pending_len = 0;	/* $1, or a $ in a name: not a tag */
	}
	switch (c) {
	case '$':
		if (!ident_char(s->prev)) {
			s->pending[0] = '$';
			s->pending_len = 1;
		}
		break;
	case '\'':
		s->where = (s->prev == 'E' || s->prev == 'e') &&
			   !ident_char(s->prev2) ? SQLQ_ELITERAL : SQLQ_LITERAL;
		c = 0;
		break;
	case '"':
		s->where = SQLQ_IDENT;
		c = 0;
		break;
	case '-':
		if (s->prev == '-') {
			s->where = SQLQ_LINE_COMMENT;
			c = 0;
		}
		break;
	case '*':
		if (s->prev == '/') {
			s->where = SQLQ_BLOCK_COMMENT;
			s->depth = 1;
			c = 0;
		}
		break;
	}
	s->prev2 = s->prev;
	s->prev = c;
}

void
sqlquote_scan_feed(struct sqlquote_scan *s, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		switch (s->where) {
		case SQLQ_PLAIN:
		case SQLQ_AFTER_DOLLAR:
			scan_plain(s, c);
			continue;
		case SQLQ_LITERAL:
			if (c == '\'')
				s->where = SQLQ_PLAIN;
			c = 0;
			break;
		case SQLQ_ELITERAL:
			if (s->prev == '\\')
				c = 0;		/* the escaped byte */
			else if (c == '\'') {
				s->where = SQLQ_PLAIN;
				c = 0;
			}
			break;
		case SQLQ_IDENT:
			if (c == '"')
				s->where = SQLQ_PLAIN;
			c = 0;
			break;
		case SQLQ_LINE_COMMENT:
			if (c == '\n')
				s->where = SQLQ_PLAIN;
			c = 0;
			break;
		case SQLQ_BLOCK_COMMENT:
			if (s->prev == '/' && c == '*') {
				s->depth++;
				c = 0;
			} else if (s->prev == '*' && c == '/') {
				if (--s->depth == 0)
					s->where = SQLQ_PLAIN;
				c = 0;
			}
			break;
		case SQLQ_DOLLAR:
			if (c == s->tag[s->tag_match]) {
				if (++s->tag_match == s->tag_len)
					s->where = SQLQ_PLAIN;
			} else
				s->tag_match = c == s->tag[0] ? 1 : 0;
			c = 0;
			break;
		}
		s->prev2 = s->prev;
		s->prev = c;
	}
}

enum sqlquote_where
sqlquote_scan_where(const struct sqlquote_scan *s)
{
	if (s->where == SQLQ_PLAIN && s->pending_len > 0)
		return SQLQ_AFTER_DOLLAR;
	return s->where;
}

const char *
sqlquote_where_name(enum sqlquote_where w)
{
	switch (w) {
	case SQLQ_PLAIN: return "SQL text";
	case SQLQ_LITERAL: return "a '...' string";
	case SQLQ_IDENT: return "a \"...\" identifier";
	case SQLQ_ELITERAL: return "an E'...' string (backslash escapes)";
	case SQLQ_LINE_COMMENT: return "a -- comment";
	case SQLQ_BLOCK_COMMENT: return "a /* */ comment";
	case SQLQ_DOLLAR: return "a $$ dollar-quoted body";
	case SQLQ_AFTER_DOLLAR: return "a $ tag or parameter";
	}
	return "?";
}

int
sqlquote_scan_closed(const struct sqlquote_scan *s)
{
	return s->where == SQLQ_PLAIN || s->where == SQLQ_LINE_COMMENT;
}

/* The value as the inside of a quoted token: quote doubled; backslashes
 * refused inside '...' (literal). */
static int
add_doubled(struct buf *out, const char *v, size_t n, char quote,
	    int literal, struct sl_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\0')
			return sl_err_set(err, "the value holds a NUL byte");
		if (literal && v[i] == '\\')
			return sl_err_set(err,
			    "the value holds a backslash, which PostgreSQL, Redshift and SQLite read differently inside a SQL string; it is not inserted (use | raw for a trusted value)");
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] == quote)
			buf_addc(out, quote);
		buf_addc(out, v[i]);
	}
	return 0;
}

/* Is v (n bytes) a JSON number's text? */
static int
number_text(const char *v, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)v[i]) && v[i] != '-' &&
		    v[i] != '+' && v[i] != '.' && v[i] != 'e' && v[i] != 'E')
			return 0;
	return 1;
}

int
sqlquote_literal(struct buf *out, const char *value, size_t n,
		 struct sl_err *err)
{
	size_t mark = out->len;

	buf_addc(out, '\'');
	if (add_doubled(out, value, n, '\'', 1, err) < 0) {
		out->len = mark;
		out->data[mark] = '\0';
		return -1;
	}
	buf_addc(out, '\'');
	return 0;
}

void
sqlquote_ident_part(struct buf *out, const char *name)
{
	buf_addc(out, '"');
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '"')
			buf_addc(out, '"');
		buf_addc(out, *p);
	}
	buf_addc(out, '"');
}

/*
 * Split name at dots outside double quotes and quote each part. A part
 * written in quotes ("a""b") is unescaped first, so it is quoted again
 * exactly once.
 */
void
sqlquote_ident(struct buf *out, const char *name, int last_only)
{
	struct buf part;
	const char *p = name;

	buf_init(&part, 0);
	for (;;) {
		buf_reset(&part);
		if (*p == '"') {
			for (p++; *p != '\0'; p++) {
				if (*p == '"' && p[1] == '"') {
					buf_addc(&part, '"');
					p++;
				} else if (*p == '"') {
					p++;
					break;
				} else
					buf_addc(&part, *p);
			}
			/* Anything up to the next dot belongs to this part. */
			while (*p != '\0' && *p != '.')
				buf_addc(&part, *p++);
		} else {
			while (*p != '\0' && *p != '.')
				buf_addc(&part, *p++);
		}
		if (!last_only || *p == '\0') {
			sqlquote_ident_part(out, buf_str(&part));
			if (*p == '.' && !last_only)
				buf_addc(out, '.');
		}
		if (*p != '.')
			break;
		p++;
	}
	buf_free(&part);
}

int
sqlquote_insert(const struct sqlquote_scan *s, enum sqlquote_as as,
		struct buf *out, const char *value, size_t n,
		struct sl_err *err)
{
	enum sqlquote_where w = sqlquote_scan_where(s);

	switch (w) {
	case SQLQ_PLAIN:
		if (as == SQLQ_AS_IDENT) {
			char *name;

			if (memchr(value, '\0', n) != NULL)
				return sl_err_set(err,
				    "an identifier cannot hold a NUL byte");
			name = xstrndup(value, n);
			sqlquote_ident(out, name, 0);
			free(name);
			return 0;
		}
		if (as == SQLQ_AS_NUMBER && number_text(value, n)) {
			buf_add(out, value, n);
			return 0;
		}
		return sqlquote_literal(out, value, n, err);
	case SQLQ_LITERAL:
		if (as == SQLQ_AS_IDENT)
			return sl_err_set(err,
			    "| ident stands inside a '...' string; write it outside the quotes");
		return add_doubled(out, value, n, '\'', 1, err);
	case SQLQ_IDENT:
		return add_doubled(out, value, n, '"', 0, err);
	case SQLQ_ELITERAL:
	case SQLQ_LINE_COMMENT:
	case SQLQ_BLOCK_COMMENT:
	case SQLQ_DOLLAR:
	case SQLQ_AFTER_DOLLAR:
		break;
	}
	return sl_err_set(err,
	    "it stands inside %s, where sluice cannot insert a value as data",
	    sqlquote_where_name(w));
}
