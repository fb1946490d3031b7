/* text.c: UTF-8, HTML and URL text helpers (see text.h). */
#include "base/text.h"

#include <string.h>

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

void
text_html_escape(struct buf *out, const char *s)
{
	const char *run = s;

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
		default: continue;
		}
		buf_add(out, run, (size_t)(s - run));
		buf_adds(out, ent);
		run = s + 1;
	}
	buf_add(out, run, (size_t)(s - run));
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
