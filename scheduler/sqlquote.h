/*
 * sqlquote.h: putting values into SQL text as data (the `sql` task type's
 * templates; see scheduler/TEMPLATES.md).
 *
 * A value is inserted as ONE SQL string literal ('O''Brien'), or with
 * `| ident` as one quoted identifier ("my table"; a dotted name becomes
 * "schema"."table"). The text around a value was written by a person, so
 * the scanner follows the text's own quoting and the value goes in where
 * it stands:
 *   plain text        'value'         ("name" with ident)
 *   inside '...'      value, ' doubled   (the author's literal)
 *   inside "..."      value, " doubled   (the author's identifier)
 * Inside a comment, a $tag$ dollar-quoted body or an E'...' string (whose
 * backslashes escape) no quoting keeps a value data, so insertion is
 * refused there: the DAG load reports it. A value holding a backslash or
 * a NUL is refused as a literal: servers read a backslash differently
 * (Redshift as an escape, PostgreSQL and SQLite as itself). Numbers from
 * params go in bare (LIMIT {{ params.n }}): their text is digits, sign,
 * point and exponent only.
 */
#ifndef SLUICE_SQLQUOTE_H
#define SLUICE_SQLQUOTE_H

#include <stddef.h>

#include "base/util.h"

#define SQLQUOTE_MAX_TAG 64

enum sqlquote_where {
	SQLQ_PLAIN,		/* SQL text */
	SQLQ_LITERAL,		/* '...' */
	SQLQ_IDENT,		/* "..." */
	SQLQ_ELITERAL,		/* E'...' (backslash escapes) */
	SQLQ_LINE_COMMENT,	/* -- to the end of the line */
	SQLQ_BLOCK_COMMENT,	/* / * ... * / (nested, as PostgreSQL) */
	SQLQ_DOLLAR,		/* $tag$ ... $tag$ */
	SQLQ_AFTER_DOLLAR,	/* right after a $ (a tag or $1 being read) */
};

/* How a value is to be inserted. */
enum sqlquote_as {
	SQLQ_AS_LITERAL,	/* the default */
	SQLQ_AS_NUMBER,		/* a JSON number: bare in plain text */
	SQLQ_AS_IDENT,		/* `| ident` */
};

/* The quoting state of SQL text read so far. Plain data: init with
 * sqlquote_scan_init, no free. */
struct sqlquote_scan {
	enum sqlquote_where where;
	int depth;			/* BLOCK_COMMENT nesting */
	char prev;			/* the byte before, for -- / * E' $ */
	char prev2;			/* the byte before prev (E' needs it) */
	char tag[SQLQUOTE_MAX_TAG];	/* DOLLAR: the tag, "$x$" */
	size_t tag_len;
	size_t tag_match;		/* DOLLAR: bytes of the closing tag seen */
	char pending[SQLQUOTE_MAX_TAG];	/* PLAIN: an opening $tag being read */
	size_t pending_len;
};

void sqlquote_scan_init(struct sqlquote_scan *s);
/* Read n more bytes of the author's text. */
void sqlquote_scan_feed(struct sqlquote_scan *s, const char *text, size_t n);
enum sqlquote_where sqlquote_scan_where(const struct sqlquote_scan *s);
/* "a comment", "a dollar-quoted body"... for messages. */
const char *sqlquote_where_name(enum sqlquote_where w);
/* Is the text read so far closed (no quote or comment left open)? A line
 * comment closes at the end of the text. */
int sqlquote_scan_closed(const struct sqlquote_scan *s);

/*
 * Append value (n bytes) as data where the scan stands. Returns -1 with
 * err when it cannot be (see above); n == 0 with an empty value checks
 * only the place.
 */
int sqlquote_insert(const struct sqlquote_scan *s, enum sqlquote_as as,
		    struct buf *out, const char *value, size_t n,
		    struct sl_err *err);

/* A string literal 'it''s' (the rules above), appended. */
int sqlquote_literal(struct buf *out, const char *value, size_t n,
		     struct sl_err *err);
/* One quoted identifier part, never split: "a""b". Appended. */
void sqlquote_ident_part(struct buf *out, const char *name);
/* A quoted identifier: "a"."b" for a.b; a part already in double quotes
 * stays one part ("my.table" is one name). last_only: only the last
 * part ("t" of s.t). Appended. */
void sqlquote_ident(struct buf *out, const char *name, int last_only);

#endif
