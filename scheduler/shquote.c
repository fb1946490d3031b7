/* shquote.c: the quoting context of a shell command text, and values
 * inserted into it as one word. */
#include "scheduler/shquote.h"

#include <string.h>

static const char *const where_names[] = {
	[SHQ_PLAIN] = "plain text",
	[SHQ_DOUBLE] = "double quotes",
	[SHQ_SINGLE] = "single quotes",
	[SHQ_BACKTICK] = "backticks (`...`)",
	[SHQ_COMMENT] = "a shell comment",
	[SHQ_HEREDOC] = "a here-document (<<)",
	[SHQ_ARITH] = "arithmetic ($((...)))",
	[SHQ_BRACE] = "a parameter expansion (${...})",
	[SHQ_ANSI] = "$'...' quotes",
	[SHQ_ESCAPED] = "a position right after a backslash",
	[SHQ_DOLLAR] = "a position right after a $ (write \\$ for a literal dollar sign)",
	[SHQ_UNSURE] = "a command substitution holding `case` (whose patterns' ')' sluice cannot tell from the substitution's end)",
};

const char *
shquote_where_name(enum shquote_where w)
{
	return where_names[w];
}

int
shquote_where_ok(enum shquote_where w)
{
	return w == SHQ_PLAIN || w == SHQ_DOUBLE || w == SHQ_SINGLE;
}

void
shquote_scan_init(struct shquote_scan *s)
{
	memset(s, 0, sizeof *s);
	s->depth = 1;
	s->frames[0].where = SHQ_PLAIN;
}

static struct shquote_frame *
top(struct shquote_scan *s)
{
	return &s->frames[s->depth - 1];
}

static struct shquote_frame *
push(struct shquote_scan *s, enum shquote_where w)
{
	struct shquote_frame *f;

	if (s->depth == SHQUOTE_MAX_DEPTH) {
		s->broken = 1;
		return top(s);
	}
	f = &s->frames[s->depth++];
	memset(f, 0, sizeof *f);
	f->where = w;
	return f;
}

static void
pop(struct shquote_scan *s)
{
	if (s->depth > 1)
		s->depth--;
	else
		s->broken = 1;
}

static int
is_meta(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' ||
	       c == '|' || c == '(' || c == ')' || c == '<' || c == '>';
}

/* The next pending here-document's body starts (after a newline). */
static void
heredoc_start(struct shquote_scan *s)
{
	struct shquote_frame *f;

	if (s->npending == 0)
		return;
	f = push(s, SHQ_HEREDOC);
	if (f->where != SHQ_HEREDOC)
		return;
	*f = s->pending[0];
	f->where = SHQ_HEREDOC;
	f->match = 0;
	f->leading = 1;
	memmove(&s->pending[0], &s->pending[1],
		(size_t)(s->npending - 1) * sizeof s->pending[0]);
	s->npending--;
}

static void
heredoc_char(struct shquote_scan *s, struct shquote_frame *f, char c)
{
	size_t len = strlen(f->delim);

	if (c == '\n') {
		if (f->match >= 0 && (size_t)f->match == len) {
			pop(s);
			heredoc_start(s);
			return;
		}
		f->match = 0;
		f->leading = 1;
		return;
	}
	if (f->leading && f->strip_tabs && c == '\t')
		return;
	f->leading = 0;
	if (f->match >= 0 && (size_t)f->match < len && f->delim[f->match] == c)
		f->match++;
	else
		f->match = -1;
}

/* The delimiter word after <<; returns 1 when c was consumed. */
static int
heredoc_word_char(struct shquote_scan *s, char c)
{
	struct shquote_frame *n = &s->hd_next;

	if (s->hd_reading == 1) {
		if (c == '<' && s->hd_len == 0 && !n->strip_tabs) {
			s->hd_reading = 0;	/* <<< here-string */
			return 1;
		}
		if (c == '-' && !n->strip_tabs) {
			n->strip_tabs = 1;
			return 1;
		}
		if (c == ' ' || c == '\t')
			return 1;
		s->hd_reading = 2;
	}
	if (s->hd_quote != 0) {
		if (c == s->hd_quote)
			s->hd_quote = 0;
		else if (s->hd_len + 1 < sizeof n->delim)
			n->delim[s->hd_len++] = c;
		return 1;
	}
	if (c == '\'' || c == '"') {
		s->hd_quote = c;
		return 1;
	}
	if (c == '\\')
		return 1;
	if (!is_meta(c)) {
		if (s->hd_len + 1 < sizeof n->delim)
			n->delim[s->hd_len++] = c;
		return 1;
	}
	/* the word ends at c, which is read as usual */
	s->hd_reading = 0;
	n->delim[s->hd_len] = '\0';
	if (s->hd_len > 0) {
		if (s->npending == SHQUOTE_MAX_HEREDOCS)
			s->broken = 1;
		else
			s->pending[s->npending++] = *n;
	}
	return 0;
}

/* Inside $(...) or `...`? */
static int
in_substitution(const struct shquote_scan *s)
{
	for (int i = 0; i < s->depth; i++)
		if (s->frames[i].closes_paren ||
		    s->frames[i].where == SHQ_BACKTICK)
			return 1;
	return 0;
}

/* Follow words: `case` inside a substitution makes the scan unsure. */
static void
word_char(struct shquote_scan *s, char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_') {
		if (s->wlen < sizeof s->word - 1)
			s->word[s->wlen++] = c;
		else
			s->wlen = sizeof s->word;
		return;
	}
	if (s->wlen == 4 && memcmp(s->word, "case", 4) == 0 &&
	    in_substitution(s))
		s->unsure = 1;
	s->wlen = 0;
}

/* Plain text, $(...), `...`, $((...)) and ${...}: the code-like frames. */
static void
code_char(struct shquote_scan *s, struct shquote_frame *f, char c)
{
	enum shquote_where w = f->where;
	int opened = s->just_opened;

	s->just_opened = 0;
	if (!s->escaped)
		word_char(s, c);
	if (s->escaped) {
		s->escaped = 0;
		s->prev = 'a';
		return;
	}
	switch (c) {
	case '\\':
		s->escaped = 1;
		break;
	case '\'':
		if (s->prev == '$')
			push(s, SHQ_ANSI);
		else if (w != SHQ_BRACE || s->depth < 2 ||
			 s->frames[s->depth - 2].where != SHQ_DOUBLE)
			push(s, SHQ_SINGLE);
		break;
	case '"':
		push(s, SHQ_DOUBLE);
		break;
	case '`':
		if (w == SHQ_BACKTICK)
			pop(s);
		else
			push(s, SHQ_BACKTICK);
		break;
	case '(':
		if (opened && w == SHQ_PLAIN && f->closes_paren) {
			f->where = SHQ_ARITH;	/* the second ( of $(( */
			f->parens = 0;
		} else if (s->prev == '$') {
			push(s, SHQ_PLAIN)->closes_paren = 1;
			s->just_opened = 1;
		} else if (f->closes_paren || w == SHQ_ARITH)
			f->parens++;
		break;
	case ')':
		if (w == SHQ_ARITH) {
			if (f->parens > 0)
				f->parens--;
			else if (f->parens == 0)
				f->parens = -1;	/* the first of )) */
			else
				pop(s);
		} else if (f->closes_paren) {
			if (f->parens > 0)
				f->parens--;
			else
				pop(s);
		}
		break;
	case '{':
		if (s->prev == '$')
			push(s, SHQ_BRACE);
		break;
	case '}':
		if (w == SHQ_BRACE)
			pop(s);
		break;
	case '#':
		if ((w == SHQ_PLAIN || w == SHQ_BACKTICK) &&
		    (s->prev == '\0' || is_meta(s->prev)))
			push(s, SHQ_COMMENT);
		break;
	case '<':
		if ((w == SHQ_PLAIN || w == SHQ_BACKTICK) && s->prev == '<') {
			s->hd_reading = 1;
			s->hd_quote = 0;
			s->hd_len = 0;
			memset(&s->hd_next, 0, sizeof s->hd_next);
			s->prev = 'a';	/* a third < is a here-string */
			return;
		}
		break;
	case '\n':
		if (w == SHQ_PLAIN || w == SHQ_BACKTICK)
			heredoc_start(s);
		break;
	}
	s->prev = c;
}

static void
feed_char(struct shquote_scan *s, char c)
{
	struct shquote_frame *f;

	if (s->hd_reading && heredoc_word_char(s, c))
		return;
	f = top(s);
	switch (f->where) {
	case SHQ_SINGLE:
		if (c == '\'')
			pop(s);
		s->prev = 'a';
		return;
	case SHQ_ANSI:
		if (s->escaped)
			s->escaped = 0;
		else if (c == '\\')
			s->escaped = 1;
		else if (c == '\'')
			pop(s);
		s->prev = 'a';
		return;
	case SHQ_COMMENT:
		if (c == '\n') {
			pop(s);
			feed_char(s, c);
		}
		return;
	case SHQ_HEREDOC:
		heredoc_char(s, f, c);
		return;
	case SHQ_DOUBLE:
		if (s->escaped) {
			s->escaped = 0;
			s->prev = 'a';
			return;
		}
		if (c == '\\')
			s->escaped = 1;
		else if (c == '"')
			pop(s);
		else if (c == '`')
			push(s, SHQ_BACKTICK);
		else if (c == '(' && s->prev == '$') {
			push(s, SHQ_PLAIN)->closes_paren = 1;
			s->just_opened = 1;
		} else if (c == '{' && s->prev == '$')
			push(s, SHQ_BRACE);
		s->prev = c;
		return;
	default:
		code_char(s, f, c);
		return;
	}
}

void
shquote_scan_feed(struct shquote_scan *s, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++)
		feed_char(s, text[i]);
}

enum shquote_where
shquote_scan_where(const struct shquote_scan *s)
{
	if (s->hd_reading)
		return SHQ_HEREDOC;
	if (s->unsure || (s->wlen == 4 && memcmp(s->word, "case", 4) == 0 &&
			  in_substitution(s)))
		return SHQ_UNSURE;
	/* a frame below decides when it changes how its inside is read */
	for (int i = 0; i < s->depth; i++)
		switch (s->frames[i].where) {
		case SHQ_BACKTICK:
		case SHQ_COMMENT:
		case SHQ_HEREDOC:
		case SHQ_ARITH:
		case SHQ_BRACE:
		case SHQ_ANSI:
			return s->frames[i].where;
		default:
			break;
		}
	if (s->escaped)
		return SHQ_ESCAPED;
	/* $'...' would be read as ANSI-C quotes, escapes and all */
	if (s->prev == '$')
		return SHQ_DOLLAR;
	return s->frames[s->depth - 1].where;
}

int
shquote_scan_closed(const struct shquote_scan *s)
{
	const struct shquote_frame *f = &s->frames[s->depth - 1];

	if (s->broken || s->hd_reading || s->npending > 0)
		return 0;
	if (s->depth == 2 && f->where == SHQ_COMMENT)
		return 1;
	if (s->depth == 2 && f->where == SHQ_HEREDOC && f->match >= 0 &&
	    (size_t)f->match == strlen(f->delim))
		return 1;
	return s->depth == 1;
}

void
shquote_word(struct buf *out, const char *v, size_t n)
{
	buf_addc(out, '\'');
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\'')
			buf_adds(out, "'\\''");
		else
			buf_addc(out, v[i]);
	}
	buf_addc(out, '\'');
}

int
shquote_plain_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("-_./:,+=@%", c) != NULL);
}

char *
shquote_arg(const char *s)
{
	struct buf b;
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (!shquote_plain_char((unsigned char)*p))
			break;
	if (*s != '\0' && *p == '\0')
		return xstrdup(s);
	buf_init(&b, 0);
	shquote_word(&b, s, strlen(s));
	return buf_steal(&b);
}

int
shquote_insert(struct shquote_scan *s, struct buf *out, const char *v,
	       size_t n)
{
	enum shquote_where w = shquote_scan_where(s);

	if (!shquote_where_ok(w) || s->broken)
		return -1;
	if (w == SHQ_DOUBLE)
		buf_addc(out, '"');
	else if (w == SHQ_SINGLE)
		buf_addc(out, '\'');
	shquote_word(out, v, n);
	if (w == SHQ_DOUBLE)
		buf_addc(out, '"');
	else if (w == SHQ_SINGLE)
		buf_addc(out, '\'');
	s->prev = 'a';
	s->just_opened = 0;
	s->wlen = sizeof s->word;	/* the value is part of a word */
	return 0;
}
