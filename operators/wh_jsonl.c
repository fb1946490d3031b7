/* wh_jsonl.c: JSON lines (one object per line) for warehouse_copy, parsed
 * by jansson one line at a time, and a row's values as a CSV record for
 * COPY ... FROM STDIN. */
#include "operators/wh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct wh_jsonl {
	wh_jsonl_row_fn row;
	void *arg;
	struct buf line;	/* the line being assembled, bounded */
	uint64_t lineno;	/* of the object being read, 1-based */
	uint64_t rows;
};

struct wh_jsonl *
wh_jsonl_new(wh_jsonl_row_fn row, void *arg)
{
	struct wh_jsonl *j = xcalloc(1, sizeof *j);

	j->row = row;
	j->arg = arg;
	j->lineno = 1;
	buf_init(&j->line, WH_RECORD_MAX);
	return j;
}

void
wh_jsonl_free(struct wh_jsonl *j)
{
	if (j == NULL)
		return;
	buf_free(&j->line);
	free(j);
}

uint64_t
wh_jsonl_rows(const struct wh_jsonl *j)
{
	return j->rows;
}

/* Parse one complete line (without its LF) and hand the object on. */
static int
jsonl_line(struct wh_jsonl *j, const char *p, size_t n, struct sl_err *err)
{
	json_error_t jerr;
	json_t *row;
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			break;
	if (i == n)
		return 0;	/* a blank line */
	row = json_loadb(p, n, 0, &jerr);
	if (row == NULL)
		return sl_err_set(err, "line %llu: invalid JSON: %s (column %d)",
				  (unsigned long long)j->lineno, jerr.text,
				  jerr.column);
	if (!json_is_object(row)) {
		json_decref(row);
		return sl_err_set(err, "line %llu: expected a JSON object",
				  (unsigned long long)j->lineno);
	}
	j->rows++;
	r = j->row(j->arg, row, err);
	json_decref(row);
	if (r < 0 && err != NULL) {
		char msg[SL_ERR_MSG];

		snprintf(msg, sizeof msg, "%s", err->msg);
		sl_err_set(err, "line %llu: %s", (unsigned long long)j->lineno,
			   msg);
	}
	return r;
}

int
wh_jsonl_write(struct wh_jsonl *j, const void *data, size_t len,
	       struct sl_err *err)
{
	const char *p = data, *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (nl != NULL && j->line.len == 0) {
			/* The whole line is in this chunk: no copy. */
			if (jsonl_line(j, p, n, err) < 0)
				return -1;
		} else {
			if (buf_add(&j->line, p, n) < 0)
				return sl_err_set(err,
				    "line %llu: longer than %u bytes",
				    (unsigned long long)j->lineno,
				    WH_RECORD_MAX);
			if (nl != NULL) {
				if (jsonl_line(j, j->line.data, j->line.len,
					       err) < 0)
					return -1;
				buf_reset(&j->line);
			}
		}
		if (nl == NULL)
			break;
		j->lineno++;
		p = nl + 1;
	}
	return 0;
}

int
wh_jsonl_finish(struct wh_jsonl *j, struct sl_err *err)
{
	int r = 0;

	if (j->line.len > 0)
		r = jsonl_line(j, j->line.data, j->line.len, err);
	buf_reset(&j->line);
	j->lineno = 1;
	return r;
}

json_t *
wh_jsonl_get(json_t *row, const char *column)
{
	json_t *v = json_object_get(row, column);
	const char *key;

	if (v != NULL)
		return v;
	json_object_foreach(row, key, v)
		if (strcasecmp(key, column) == 0)
			return v;
	return NULL;
}

/* A quoted CSV field: "..." with quotes doubled. */
static void
jsonl_csv_quoted(struct buf *out, const char *s, size_t n)
{
	const char *q;

	buf_addc(out, '"');
	while ((q = memchr(s, '"', n)) != NULL) {
		buf_add(out, s, (size_t)(q - s) + 1);
		buf_addc(out, '"');
		n -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	buf_add(out, s, n);
	buf_addc(out, '"');
}

/* The shortest of %.15g and %.17g that reads back as the same double, so
 * 0.1 stays 0.1. */
static void
jsonl_csv_real(struct buf *out, double d)
{
	char text[64];

	snprintf(text, sizeof text, "%.15g", d);
	if (strtod(text, NULL) != d)
		snprintf(text, sizeof text, "%.17g", d);
	buf_adds(out, text);
}

void
wh_jsonl_to_csv(struct buf *out, json_t *row, const char **columns,
		size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = wh_jsonl_get(row, columns[i]);

		if (i > 0)
			buf_addc(out, ',');
		switch (v != NULL ? json_typeof(v) : JSON_NULL) {
		case JSON_NULL:
			break;
		case JSON_STRING:
			jsonl_csv_quoted(out, json_string_value(v),
					 json_string_length(v));
			break;
		case JSON_INTEGER:
			buf_printf(out, "%" JSON_INTEGER_FORMAT,
				   json_integer_value(v));
			break;
		case JSON_REAL:
			jsonl_csv_real(out, json_real_value(v));
			break;
		case JSON_TRUE:
			buf_addc(out, 't');
			break;
		case JSON_FALSE:
			buf_addc(out, 'f');
			break;
		case JSON_OBJECT:
		case JSON_ARRAY: {
			char *text = json_dumps(v, JSON_COMPACT |
						JSON_ENCODE_ANY);

			if (text != NULL)
				jsonl_csv_quoted(out, text, strlen(text));
			free(text);
			break;
		}
		}
	}
	buf_addc(out, '\n');
}
