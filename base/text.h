/*
 * text.h: the one UTF-8 validator, HTML escaper and URL encoder of sluice
 * (the web UI, the REST API and the emails use these, nothing else).
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

/* Append s HTML-escaped (& < > " '), fit for text and attribute values
 * alike. NULL appends nothing. */
void text_html_escape(struct buf *out, const char *s);

/* Append s percent-encoded as one URL path segment or query value: the
 * RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) stay, every other
 * byte becomes %XX. NULL appends nothing. */
void text_url_segment(struct buf *out, const char *s);

#endif
