/*
 * wh_csv.c: a streamed CSV reader for warehouse_copy.
 *
 * Quotes follow PostgreSQL's CSV reader (RFC 4180, leniently): a quote
 * anywhere in a field opens quoted text, "" inside it is one quote, and
 * newlines and delimiters inside quotes are data. Lines end with LF or
 * CRLF; a carriage return elsewhere must be quoted (PostgreSQL refuses it
 * too). Blank lines are skipped, and `skip_lines` records at the start of
 * each object (its header).
 *
 * Passthrough (span) mode is the hot path of a PostgreSQL load: it only
 * tracks quotes and line ends and hands on long runs of the input
 * unchanged, cutting out headers, blank lines and the CR of CRLF (so
 * objects with different line endings can share one COPY).
 */
#include "operators/wh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most fields a record may have. */
#define CSV_FIELDS_MAX 10000

struct csv_field_pos {
	size_t off, len;
	int quoted;
};

struct wh_csv {
	char delimiter;
	int skip_lines;
	wh_bytes_fn span;
	wh_csv_record_fn record;
	void *arg;

	/* Per object. */
	int skip_left;		/* header records still to skip */
	uint64_t line;		/* 1-based line of the object being read */

	/* Scanner state (carried across chunks). */
	int at_start;		/* no byte of the current record seen yet */
	int in_quote;
	int quote_pending;	/* record mode: a '"' inside quotes, undecided */
	int cr_held;		/* a '\r' outside quotes, not passed on yet */
	int dropping;		/* span mode: inside a skipped header record */

	/* Record mode: the current record's unescaped bytes and fields. */
	struct buf rec;
	struct csv_field_pos *fields;
	size_t nfields, capfields;
	size_t field_off;
	int field_quoted;
	struct wh_field *out;	/* fields handed to the callback */
	size_t capout;

	uint64_t records;
};

struct wh_csv *
wh_csv_new(char delimiter, int skip_lines, wh_bytes_fn span,
	   wh_csv_record_fn record, void *arg)
{
	struct wh_csv *c = xcalloc(1, sizeof *c);

	c->delimiter = delimiter;
	c->skip_lines = skip_lines;
	c->span = span;
	c->record = record;
	c->arg = arg;
	c->skip_left = skip_lines;
	c->line = 1;
	c->at_start = 1;
	buf_init(&c->rec, WH_RECORD_MAX);
	return c;
}

void
wh_csv_free(struct wh_csv *c)
{
	if (c == NULL)
		return;
	buf_free(&c->rec);
	free(c->fields);
	free(c->out);
	free(c);
}

uint64_t
wh_csv_records(const struct wh_csv *c)
{
	return c->records;
}

uint64_t
wh_csv_line(const struct wh_csv *c)
{
	return c->line;
}

/* ---- passthrough ------------------------------------------------------ */

static int
csv_emit(struct wh_csv *c, const char *p, size_t n, struct sl_err *err)
{
	if (n == 0)
		return 0;
	return c->span(c->arg, p, n, err);
}

/* Bytes that need a look outside quotes. */
static const unsigned char csv_special[256] = {
	['"'] = 1, ['\r'] = 1, ['\n'] = 1,
};

static int
csv_span_write(struct wh_csv *c, const char *data, size_t len,
	       struct sl_err *err)
{
	const char *p = data, *end = data + len;
	const char *keep = data;	/* [keep, p) is to be passed on */

	while (p < end) {
		if (c->in_quote) {
			const char *q = memchr(p, '"', (size_t)(end - p));

			if (q == NULL) {
				p = end;
				break;
			}
			c->in_quote = 0;
			p = q + 1;
			continue;
		}
		if (c->cr_held && *p != '\n') {
			/* A lone CR is data: it starts the record if need be. */
			c->cr_held = 0;
			if (c->at_start) {
				c->at_start = 0;
				if (c->skip_left > 0)
					c->dropping = 1;
			}
			if (!c->dropping && csv_emit(c, "\r", 1, err) < 0)
				return -1;
		}
		if (!c->at_start) {
			/* Inside a record: run to the next special byte. */
			while (p < end && !csv_special[(unsigned char)*p])
				p++;
			if (p == end)
				break;
		}
		switch (*p) {
		case '\r':
			if (!c->dropping &&
			    csv_emit(c, keep, (size_t)(p - keep), err) < 0)
				return -1;
			c->cr_held = 1;
			keep = ++p;
			break;
		case '\n':
			c->cr_held = 0;
			c->line++;
			if (c->at_start) {
				/* A blank line: pass on what came before it. */
				if (!c->dropping &&
				    csv_emit(c, keep, (size_t)(p - keep), err) < 0)
					return -1;
				keep = ++p;
				break;
			}
			c->at_start = 1;
			if (c->dropping) {
				c->dropping = 0;
				c->skip_left--;
				keep = ++p;
				break;
			}
			c->records++;
			/* After a held CR, keep was moved past it: the LF
			 * alone ends the record. */
			p++;
			break;
		default:
			if (c->at_start) {
				c->at_start = 0;
				if (c->skip_left > 0) {
					if (csv_emit(c, keep,
						     (size_t)(p - keep), err) < 0)
						return -1;
					c->dropping = 1;
				}
			}
			if (*p == '"')
				c->in_quote = 1;
			p++;
			break;
		}
	}
	/* A CR held at the very end left keep == end: nothing of it goes. */
	if (!c->dropping)
		return csv_emit(c, keep, (size_t)(end - keep), err);
	return 0;
}

/* ---- records ------------------------------------------------------------ */

static int
csv_add(struct wh_csv *c, char ch, struct sl_err *err)
{
	if (buf_addc(&c->rec, ch) < 0)
		return sl_err_set(err, "line %llu: record longer than %u bytes",
				  (unsigned long long)c->line, WH_RECORD_MAX);
	return 0;
}

static int
csv_end_field(struct wh_csv *c, struct sl_err *err)
{
	struct csv_field_pos *f;

	if (c->nfields == CSV_FIELDS_MAX)
		return sl_err_set(err, "line %llu: more than %d fields",
				  (unsigned long long)c->line, CSV_FIELDS_MAX);
	SL_GROW(c->fields, c->capfields, c->nfields + 1);
	f = &c->fields[c->nfields++];
	f->off = c->field_off;
	f->len = c->rec.len - c->field_off;
	f->quoted = c->field_quoted;
	c->field_off = c->rec.len;
	c->field_quoted = 0;
	return 0;
}

static int
csv_end_record(struct wh_csv *c, struct sl_err *err)
{
	int r = 0;

	if (csv_end_field(c, err) < 0)
		return -1;
	if (c->skip_left > 0) {
		c->skip_left--;
	} else {
		SL_GROW(c->out, c->capout, c->nfields);
		for (size_t i = 0; i < c->nfields; i++) {
			c->out[i].data = buf_str(&c->rec) + c->fields[i].off;
			c->out[i].len = c->fields[i].len;
			c->out[i].quoted = c->fields[i].quoted;
		}
		c->records++;
		r = c->record(c->arg, c->out, c->nfields, err);
		if (r < 0 && err != NULL) {
			char msg[SL_ERR_MSG];

			snprintf(msg, sizeof msg, "%s", err->msg);
			sl_err_set(err, "line %llu: %s",
				   (unsigned long long)c->line, msg);
		}
	}
	buf_reset(&c->rec);
	c->nfields = 0;
	c->field_off = 0;
	c->field_quoted = 0;
	c->at_start = 1;
	return r;
}

static int
csv_record_write(struct wh_csv *c, const char *data, size_t len,
		 struct sl_err *err)
{
	for (size_t i = 0; i < len; i++) {
		char ch = data[i];

		if (c->in_quote) {
			if (c->quote_pending) {
				c->quote_pending = 0;
				if (ch == '"') {
					if (csv_add(c, '"', err) < 0)
						return -1;
					continue;
				}
				c->in_quote = 0;	/* then read ch unquoted */
			} else if (ch == '"') {
				c->quote_pending = 1;
				continue;
			} else {
				if (ch == '\n')
					c->line++;
				if (csv_add(c, ch, err) < 0)
					return -1;
				continue;
			}
		}
		if (c->cr_held && ch != '\n')
			return sl_err_set(err,
			    "line %llu: a carriage return outside quotes (quote the field, or end lines with LF or CRLF)",
			    (unsigned long long)c->line);
		if (ch == '\r') {
			c->cr_held = 1;
			continue;
		}
		if (ch == '\n') {
			c->cr_held = 0;
			if (!c->at_start && csv_end_record(c, err) < 0)
				return -1;
			c->line++;
			continue;
		}
		c->at_start = 0;
		if (ch == '"') {
			c->in_quote = 1;
			c->field_quoted = 1;
		} else if (ch == c->delimiter) {
			if (csv_end_field(c, err) < 0)
				return -1;
		} else if (csv_add(c, ch, err) < 0) {
			return -1;
		}
	}
	return 0;
}

int
wh_csv_write(struct wh_csv *c, const void *data, size_t len,
	     struct sl_err *err)
{
	if (c->span != NULL)
		return csv_span_write(c, data, len, err);
	return csv_record_write(c, data, len, err);
}

int
wh_csv_finish(struct wh_csv *c, struct sl_err *err)
{
	int r = 0;

	if (c->quote_pending) {
		c->quote_pending = 0;
		c->in_quote = 0;
	}
	if (c->in_quote)
		return sl_err_set(err,
		    "line %llu: the object ends inside a quoted field",
		    (unsigned long long)c->line);
	c->cr_held = 0;
	if (!c->at_start) {
		/* The last record had no line end. */
		if (c->span != NULL) {
			if (c->dropping)
				c->skip_left--;
			else {
				c->records++;
				r = csv_emit(c, "\n", 1, err);
			}
		} else
			r = csv_end_record(c, err);
	}
	c->at_start = 1;
	c->dropping = 0;
	c->skip_left = c->skip_lines;
	c->line = 1;
	buf_reset(&c->rec);
	c->nfields = 0;
	c->field_off = 0;
	c->field_quoted = 0;
	return r;
}
