/* text.c: UTF-8, HTML and URL text helpers (see text.h). */
#include "base/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

size_t
text_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c;
	size_t len;

	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

int
text_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	while (i < n) {
		if ((len = text_utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += len;
	}
	return 1;
}

void
text_utf8_clean(struct buf *out, const char *s, size_t n,
		const char *replacement)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	while (i < n) {
		len = text_utf8_seq(p + i, n - i);
		if (len == 0 || p[i] == 0) {
			buf_adds(out, replacement);
			i++;
			continue;
		}
		buf_add(out, s + i, len);
		i += len;
	}
}

/* Is the well-formed sequence at p (len bytes) a control character
 * (C0, DEL, C1) or a line or paragraph separator (U+2028, U+2029)? */
static int
text_control_at(const unsigned char *p, size_t len)
{
	if (len == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	if (len == 2)
		return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
	return len == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	       (p[2] == 0xa8 || p[2] == 0xa9);
}

int
text_has_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, len;

	while (i < n) {
		if ((len = text_utf8_seq(p + i, n - i)) == 0)
			len = 1;
		else if (text_control_at(p + i, len))
			return 1;
		i += len;
	}
	return 0;
}

void
text_utf8_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	char hex[8];

	while (i < n) {
		len = text_utf8_seq(p + i, n - i);
		if (len == 0 || p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(hex, sizeof hex, "\\x%02x", p[i]);
			buf_adds(out, hex);
			i++;
			continue;
		}
		if (text_control_at(p + i, len)) {
			/* C1 controls, U+2028 and U+2029 as \uXXXX */
			snprintf(hex, sizeof hex, "\\u%04x", len == 2 ?
				 (unsigned)(p[i + 1] & 0x3f) | 0x80 :
				 0x2000u | (p[i + 2] & 0x3f));
			buf_adds(out, hex);
			i += len;
			continue;
		}
		buf_add(out, s + i, len);
		i += len;
	}
}

char *
text_utf8_escaped(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	text_utf8_escape(&b, s, strlen(s));
	return buf_steal(&b);
}

void
text_html_escape(struct buf *out, const char *s)
{
	const char *run = s;
	char num[8];

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		/* a raw CR in an attribute reads as LF (the parser folds
		 * line ends): data-task="a\rb" named another task; the
		 * other controls go as references too, tab and LF stay */
		case '\r': ent = "&#13;"; break;
		default:
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				continue;
			if (*s == '\t' || *s == '\n')
				continue;
			snprintf(num, sizeof num, "&#%d;", (unsigned char)*s);
			ent = num;
			break;
		}
		buf_add(out, run, (size_t)(s - run));
		buf_adds(out, ent);
		run = s + 1;
	}
	buf_add(out, run, (size_t)(s - run));
}

void
text_html_name(struct buf *b, const char *name)
{
	struct buf word;
	size_t letters = 0;

	buf_init(&word, 0);
	for (const char *p = name != NULL ? name : ""; *p != '\0'; p++) {
		buf_addc(&word, *p);
		if (((unsigned char)*p & 0xC0) != 0x80)
			letters++;
		/* a break after a separator, or inside a run of letters too
		 * long for a table's column; never inside a UTF-8 sequence */
		if (p[1] == '\0' || ((unsigned char)p[1] & 0xC0) == 0x80)
			continue;
		if (strchr("_.-", *p) != NULL || letters >= TEXT_NAME_RUN) {
			text_html_escape(b, buf_str(&word));
			buf_adds(b, "<wbr>");
			buf_reset(&word);
			letters = 0;
		}
	}
	text_html_escape(b, buf_str(&word));
	buf_free(&word);
}

void
text_json_script(struct buf *out, const char *json)
{
	const char *run = json;

	if (json == NULL)
		return;
	/* "<" is only ever inside a string in JSON text, where \u003c
	 * stands for it */
	for (; *json != '\0'; json++) {
		if (*json != '<')
			continue;
		buf_add(out, run, (size_t)(json - run));
		buf_adds(out, "\\u003c");
		run = json + 1;
	}
	buf_add(out, run, (size_t)(json - run));
}

void
text_url_segment(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (s == NULL)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			buf_addc(out, (char)*p);
		} else {
			char pct[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			buf_add(out, pct, 3);
		}
	}
}

enum text_url_kind
text_url_kind(const char *url)
{
	const char *host;

	if (url == NULL)
		return TEXT_URL_NONE;
	for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"<>\\`", *p) != NULL)
			return TEXT_URL_NONE;
	if (url[0] == '/')
		return url[1] == '/' ? TEXT_URL_NONE : TEXT_URL_PATH;
	if (strncasecmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else
		return TEXT_URL_NONE;
	return host[0] != '\0' && strchr("/?#@:", host[0]) == NULL ?
	       TEXT_URL_WEB : TEXT_URL_NONE;
}

void
text_html_link(struct buf *out, const char *url, const char *label)
{
	if (text_url_kind(url) == TEXT_URL_NONE) {
		text_html_escape(out, label);
		if (url != NULL) {
			buf_adds(out, " (");
			text_html_escape(out, url);
			buf_addc(out, ')');
		}
		return;
	}
	buf_adds(out, "<a href=\"");
	text_html_escape(out, url);
	buf_adds(out, "\">");
	text_html_escape(out, label);
	buf_adds(out, "</a>");
}

/* Longer words are not typos of a key: no suggestion (and a bounded
 * table below). */
#define TEXT_NEAR_MAX 64

void
text_near_init(struct text_near *n, const char *word)
{
	n->word = word;
	n->best = NULL;
	n->dist = SIZE_MAX;
}

static int
text_near_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The optimal string alignment distance of a and b (lengths at most
 * TEXT_NEAR_MAX), letter case ignored. */
static size_t
text_near_distance(const char *a, size_t la, const char *b, size_t lb)
{
	/* distances are at most TEXT_NEAR_MAX: a byte each keeps it 4 KiB */
	unsigned char d[TEXT_NEAR_MAX + 1][TEXT_NEAR_MAX + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int ca = text_near_lower((unsigned char)a[i - 1]);
			int cb = text_near_lower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ca != cb);

			if ((size_t)d[i - 1][j] + 1 < best)
				best = (size_t)d[i - 1][j] + 1;
			if ((size_t)d[i][j - 1] + 1 < best)
				best = (size_t)d[i][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == text_near_lower((unsigned char)b[j - 2]) &&
			    text_near_lower((unsigned char)a[i - 2]) == cb &&
			    (size_t)d[i - 2][j - 2] + 1 < best)
				best = (size_t)d[i - 2][j - 2] + 1;
			d[i][j] = (unsigned char)best;
		}
	return d[la][lb];
}

/* How far a candidate may be from word (length lw): a third of it, at
 * least 1; a word of one or two letters is near only to itself in another
 * case ("c" is no typo of "a"). */
static size_t
text_near_allowance(size_t lw)
{
	return lw < 3 ? 0 : lw / 3 > 1 ? lw / 3 : 1;
}

void
text_near_add(struct text_near *n, const char *candidate)
{
	size_t lw, lc, dist;

	if (n->word == NULL || candidate == NULL)
		return;
	lw = strlen(n->word);
	lc = strlen(candidate);
	if (lw == 0 || lw > TEXT_NEAR_MAX || lc > TEXT_NEAR_MAX ||
	    strcmp(n->word, candidate) == 0)
		return;
	/* more than the allowance apart in length alone: not close */
	if ((lw > lc ? lw - lc : lc - lw) > text_near_allowance(lw))
		return;
	dist = text_near_distance(n->word, lw, candidate, lc);
	if (dist < n->dist) {
		n->dist = dist;
		n->best = candidate;
	}
}

const char *
text_near_best(const struct text_near *n)
{
	if (n->best == NULL)
		return NULL;
	return n->dist <= text_near_allowance(strlen(n->word)) ? n->best : NULL;
}

const char *
text_hint(const char *suggestion, char *out, size_t n)
{
	if (suggestion == NULL)
		snprintf(out, n, "%s", "");
	else
		snprintf(out, n, "did you mean '%s'? ", suggestion);
	return out;
}

const char *
text_hint_list(const char *word, const char *list, char *out, size_t n)
{
	struct text_near near;
	char *copy = xstrdup(list != NULL ? list : ""), *save = NULL;

	text_near_init(&near, word);
	for (char *item = strtok_r(copy, ", ", &save); item != NULL;
	     item = strtok_r(NULL, ", ", &save))
		text_near_add(&near, item);
	/* the best is one of copy's words: format it before freeing */
	text_hint(text_near_best(&near), out, n);
	free(copy);
	return out;
}

const char *
text_count(long long count, const char *one, const char *many, char *out,
	   size_t n)
{
	snprintf(out, n, "%lld %s", count, count == 1 ? one : many);
	return out;
}

/* Is pattern[i] a '\\' that escapes the next byte? */
static int
glob_escapes(const char *pattern, size_t i)
{
	return pattern[i] == '\\' && (pattern[i + 1] == '*' ||
				       pattern[i + 1] == '?' ||
				       pattern[i + 1] == '\\');
}

void
text_glob_escape(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '*' || *s == '?' || *s == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *s);
	}
}

size_t
text_glob_literal_len(const char *pattern)
{
	size_t i = 0;

	while (pattern[i] != '\0') {
		if (glob_escapes(pattern, i))
			i += 2;
		else if (pattern[i] == '*' || pattern[i] == '?')
			break;
		else
			i++;
	}
	return i;
}

int
text_glob_has_wildcard(const char *pattern)
{
	return pattern[text_glob_literal_len(pattern)] != '\0';
}

void
text_glob_unescape(struct buf *out, const char *pattern, size_t n)
{
	for (size_t i = 0; i < n && pattern[i] != '\0'; i++) {
		if (glob_escapes(pattern, i) && i + 1 < n)
			i++;
		buf_addc(out, pattern[i]);
	}
}

int
text_glob_match(const char *pattern, const char *s)
{
	/* the last '*' seen and where its run ended: on a mismatch, let
	 * that star take one more byte (no recursion, linear-ish) */
	const char *star = NULL, *star_s = NULL;
	const char *p = pattern;

	while (*s != '\0') {
		if (*p == '*') {
			star = ++p;
			star_s = s;
			continue;
		}
		if (*p == '?') {
			p++;
			s++;
			continue;
		}
		if (*p != '\0') {
			const char *lit = p;
			size_t step = 1;

			if (glob_escapes(pattern, (size_t)(p - pattern))) {
				lit = p + 1;
				step = 2;
			}
			if (*lit == *s) {
				p += step;
				s++;
				continue;
			}
		}
		if (star == NULL)
			return 0;
		p = star;
		s = ++star_s;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
