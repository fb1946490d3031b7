/*
 * shquote.h: putting values into a /bin/sh command line as data.
 *
 * A value is inserted as ONE shell word in POSIX single quotes ('...' with
 * '\'' for an embedded quote), whatever it holds. Because the command text
 * around a value was written by a person, the scanner follows the text's
 * own quoting (plain, "...", '...', $(...), `...`, $((...)), ${...},
 * comments, here-documents) so the value can be inserted safely where it
 * stands:
 *   plain or $(...)   'value'
 *   inside "..."      "'value'"   (closes and reopens the double quotes)
 *   inside '...'      ''value''   (closes and reopens the single quotes)
 * Where no quoting makes a value one word (inside backticks, a comment, a
 * here-document, $((...)), ${...}, $'...', right after a backslash or a
 * $, or after a `case` inside $(...)), insertion is refused: DAG loading
 * reports it, and rendering fails instead of running the command.
 */
#ifndef SLUICE_SHQUOTE_H
#define SLUICE_SHQUOTE_H

#include <stddef.h>

#include "base/util.h"

#define SHQUOTE_MAX_DEPTH 32
#define SHQUOTE_MAX_HEREDOCS 8
#define SHQUOTE_MAX_DELIM 64

enum shquote_where {
	SHQ_PLAIN,		/* top level or inside $(...) / (...) */
	SHQ_DOUBLE,		/* "..." */
	SHQ_SINGLE,		/* '...' */
	SHQ_BACKTICK,		/* `...` */
	SHQ_COMMENT,		/* # ... to the end of the line */
	SHQ_HEREDOC,		/* the body of a << here-document */
	SHQ_ARITH,		/* $((...)) */
	SHQ_BRACE,		/* ${...} */
	SHQ_ANSI,		/* $'...' (backslash escapes inside) */
	SHQ_ESCAPED,		/* right after a backslash */
	SHQ_DOLLAR,		/* right after a $ ($'...' is another quoting) */
	SHQ_UNSURE,		/* after a `case` inside $(...) or `...`,
				 * whose pattern's ')' the scanner cannot
				 * tell from the substitution's end */
};

struct shquote_frame {
	enum shquote_where where;
	int parens;		/* PLAIN from $( / ARITH: open parens inside */
	int closes_paren;	/* PLAIN opened by $( (ends at its ')') */
	/* HEREDOC: */
	char delim[SHQUOTE_MAX_DELIM];
	int strip_tabs;
	int match;		/* chars of this line matching delim, -1 none */
	int leading;		/* still in the line's leading tabs */
};

/* The quoting state of a command text read so far. Plain data: init
 * with shquote_scan_init, no free. */
struct shquote_scan {
	struct shquote_frame frames[SHQUOTE_MAX_DEPTH];
	int depth;			/* frames in use, >= 1 */
	int escaped;			/* the previous char was a backslash */
	char prev;			/* the previous char ('\0' at start) */
	int just_opened;		/* a $( frame was just pushed */
	/* reading the delimiter word after << */
	int hd_reading;			/* 0 none, 1 before the word, 2 in it */
	char hd_quote;			/* quote char open inside the word */
	struct shquote_frame hd_next;	/* the here-document being named */
	size_t hd_len;
	struct shquote_frame pending[SHQUOTE_MAX_HEREDOCS];
	int npending;
	int broken;			/* nesting too deep or too many << */
	char word[8];			/* the word being read (code frames) */
	size_t wlen;			/* sizeof word: too long to matter */
	int unsure;			/* saw `case` in a command substitution */
};

void shquote_scan_init(struct shquote_scan *s);
/* Follow n chars of literal command text. */
void shquote_scan_feed(struct shquote_scan *s, const char *text, size_t n);
/* Where a value inserted now would stand. */
enum shquote_where shquote_scan_where(const struct shquote_scan *s);
/* Is the text complete (all quotes, substitutions and here-documents
 * closed)? */
int shquote_scan_closed(const struct shquote_scan *s);
/* "a comment", "backticks"... for messages. */
const char *shquote_where_name(enum shquote_where w);
/* Can a value be inserted at w? */
int shquote_where_ok(enum shquote_where w);

/* Append v[0..n) to out as one single-quoted shell word. */
void shquote_word(struct buf *out, const char *v, size_t n);
/* s as one shell word for a command printed for a person to paste
 * (malloc'd): as it is when it has only letters, digits and . _ - : + , @ % = /,
 * else single-quoted. */
char *shquote_arg(const char *s);
/* A character that means itself in a shell word, unquoted anywhere in
 * it: a letter, a digit or one of - _ . / : , + = @ %. */
int shquote_plain_char(int c);
/*
 * Append v[0..n) to out for where s stands (see above), and tell s a word
 * was inserted. Returns -1 (out unchanged) where a value cannot be
 * inserted safely.
 */
int shquote_insert(struct shquote_scan *s, struct buf *out, const char *v,
		   size_t n);

#endif
