/*
 * text.h: the one UTF-8 validator, HTML escaper and URL encoder of sluice
 * (the web UI, the REST API and the emails use these, nothing else), and
 * the "did you mean" of error messages.
 */
#ifndef SLUICE_TEXT_H
#define SLUICE_TEXT_H

#include <stddef.h>

struct buf;

/* The length (1-4) of the well-formed UTF-8 sequence at p (n bytes left),
 * or 0 when the bytes there are not one (a stray continuation byte, an
 * overlong or out-of-range lead byte, a sequence cut short). A NUL byte
 * is a sequence of 1: callers that refuse it say so. */
size_t text_utf8_seq(const unsigned char *p, size_t n);
/* Is s (n bytes) well-formed UTF-8? */
int text_utf8_valid(const char *s, size_t n);
/* Append s (n bytes) to out with every byte that is not part of a
 * well-formed sequence, and every NUL, replaced by replacement. */
void text_utf8_clean(struct buf *out, const char *s, size_t n,
		     const char *replacement);

/* Does s hold a control character (C0 such as CR, DEL, C1) or a line or
 * paragraph separator (U+2028, U+2029)? Names (a task's, a group's) may
 * not: a page, a terminal or a log line would show them broken. */
int text_has_control(const char *s);
/* Append s (n bytes) to out with every byte that is not part of a
 * well-formed sequence, and every C0 control (NUL, CR...) and DEL,
 * written as \xHH, and C1 controls, U+2028 and U+2029 as \uXXXX: bytes
 * that are not text (a file name, a value of an old database) or that
 * would break a line, shown so a person can tell them apart and name
 * them. */
void text_utf8_escape(struct buf *out, const char *s, size_t n);
/* The same for the string s, as a new string the caller frees. */
char *text_utf8_escaped(const char *s);

/* Append s HTML-escaped (& < > " ', and CR and the other C0 controls
 * but tab and LF as &#N;: a raw CR in an attribute reads as LF), fit
 * for text and attribute values alike. NULL appends nothing. */
void text_html_escape(struct buf *out, const char *s);

/* Append JSON text (as json_dumps writes it) fit to sit inside a
 * <script type="application/json"> block: every "<" becomes \u003c, so
 * no value can end the block ("</script>") or put the HTML parser in its
 * escaped-script state ("<!--<script>", which swallowed the rest of the
 * page into the block); JSON.parse reads the same values. NULL appends
 * nothing. */
void text_json_script(struct buf *out, const char *json);

/* Append a name (a DAG, task, group or dataset) HTML-escaped, with a
 * line-break chance (<wbr>) after each "_", "." and "-", and every
 * TEXT_NAME_RUN letters of a run without one (never inside a UTF-8
 * sequence): in a heading or a table a long name breaks between its
 * words, never inside one ("postgres_re|plica", "inventoryrollu|ps"),
 * where the CSS lets it break only there (overflow-wrap: break-word in
 * tables, not anywhere, which lets a table squeeze the column); a run of
 * 50 letters cannot widen a table past the window. NULL appends nothing.
 * web/assets/app.js's nameText() is its twin. */
#define TEXT_NAME_RUN 24
void text_html_name(struct buf *out, const char *name);

/* Append s percent-encoded as one URL path segment or query value: the
 * RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) stay, every other
 * byte becomes %XX. NULL appends nothing. */
void text_url_segment(struct buf *out, const char *s);

/* What a URL that a value gave (a config's base_url, a link built on
 * it) is fit to be as a link: TEXT_URL_WEB an absolute http:// or
 * https:// address with a host, TEXT_URL_PATH a path on this site ("/x",
 * never "//host" or "/\\host", which browsers read as another site),
 * TEXT_URL_NONE anything else: another scheme (javascript:, data:), a
 * relative word, or a URL holding a space, a control character or one of
 * " < > \\ ` (which no link sluice builds has, and which a browser may
 * drop or read another way than this check does). NULL is NONE. */
enum text_url_kind { TEXT_URL_NONE, TEXT_URL_PATH, TEXT_URL_WEB };
enum text_url_kind text_url_kind(const char *url);
/* Append a link to url labelled label, both HTML-escaped, when url is a
 * web address or a path (text_url_kind); otherwise the label and the URL
 * as plain text, "label (url)", so a javascript: or data: URL is shown,
 * never followed. */
void text_html_link(struct buf *out, const char *url, const char *label);

/*
 * The name a person most likely meant by a word that is not one (a typo'd
 * key, rule or task name), among candidates offered one at a time:
 *
 *   struct text_near n;
 *   text_near_init(&n, word);
 *   for (each name) text_near_add(&n, name);
 *   if (text_near_best(&n) != NULL) ... "did you mean '%s'?"
 *
 * Close means an edit distance (insert, delete, replace, swap two
 * neighbours; letter case ignored) of at most a third of the word's
 * length, at least 1; a word of one or two letters is close only to
 * itself in another case. The strings are borrowed: they must live as
 * long as n. Ties go to the first candidate offered.
 */
struct text_near {
	const char *word;
	const char *best;
	size_t dist;
};
void text_near_init(struct text_near *n, const char *word);
void text_near_add(struct text_near *n, const char *candidate);
/* The closest candidate when it is close enough, else NULL. */
const char *text_near_best(const struct text_near *n);
/* How a message says it: "did you mean 'NAME'? " into out (size n), or ""
 * when suggestion is NULL; returns out. */
const char *text_hint(const char *suggestion, char *out, size_t n);
/* text_hint for word among the names of a list as messages print it
 * ("a, b, c"): "did you mean 'b'? " or ""; returns out. */
const char *text_hint_list(const char *word, const char *list, char *out,
			   size_t n);

/* A count and its noun in the number it takes, "1 run", "2 runs",
 * "0 tries", into out (size n); returns out. */
const char *text_count(long long count, const char *one, const char *many,
		       char *out, size_t n);

/*
 * Wildcard patterns (an s3_sensor url): '*' matches any run of bytes, '/'
 * included; '?' one byte; everything else, '[' included, itself. A '\'
 * before '*', '?' or '\' makes that one literal (a '\' before anything
 * else is itself), which is how a template's value goes in
 * (text_glob_escape), so a '*' in a param is never a wildcard.
 */
/* Append s with its '*', '?' and '\' escaped. */
void text_glob_escape(struct buf *out, const char *s);
/* Has pattern an unescaped '*' or '?'? */
int text_glob_has_wildcard(const char *pattern);
/* Append the first n bytes of pattern with its escapes removed (the text
 * they stand for; n stops before a wildcard when it is a literal part). */
void text_glob_unescape(struct buf *out, const char *pattern, size_t n);
/* The length of pattern's part before its first unescaped wildcard. */
size_t text_glob_literal_len(const char *pattern);
/* Does s match pattern? 1 or 0. */
int text_glob_match(const char *pattern, const char *s);

#endif
