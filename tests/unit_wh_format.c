/*
 * unit_wh_format.c: warehouse_copy's streamed readers: CSV (passthrough
 * and fields), JSON lines, gzip. Every case is fed whole and in chunks of
 * 1, 2, 3 and 7 bytes, and must give the same result each way, since
 * objects arrive in arbitrary pieces.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "operators/wh.h"
#include "tests/unit.h"

static const size_t chunk_sizes[] = { 0 /* whole */, 1, 2, 3, 7 };

/* ---- CSV passthrough -------------------------------------------------- */

static int
collect(void *arg, const void *data, size_t len, struct sl_err *err)
{
	return buf_add(arg, data, len) < 0 ? sl_err_set(err, "full") : 0;
}

/* Feed each object of objs (NULL-terminated) through one reader, chunked;
 * the passed-on bytes into out. Returns the reader's result. */
static int
span_run(const char *const *objs, int skip, size_t chunk, struct buf *out,
	 uint64_t *records, struct sl_err *err)
{
	struct wh_csv *c = wh_csv_new(',', skip, collect, NULL, out);
	int r = 0;

	for (size_t o = 0; objs[o] != NULL && r == 0; o++) {
		const char *p = objs[o];
		size_t len = strlen(p), step = chunk ? chunk : len;

		for (size_t i = 0; i < len && r == 0; i += step)
			r = wh_csv_write(c, p + i, SL_MIN(step, len - i), err);
		if (r == 0)
			r = wh_csv_finish(c, err);
	}
	*records = wh_csv_records(c);
	wh_csv_free(c);
	return r;
}

struct span_case {
	const char *objs[4];
	int skip;
	const char *want;
	uint64_t records;
};

static const struct span_case span_cases[] = {
	/* headers skipped in every object; a missing final newline added */
	{ { "id,name\n1,a\n2,b\n", "id,name\n3,c", NULL }, 1,
	  "1,a\n2,b\n3,c\n", 3 },
	/* no header */
	{ { "1,a\n", "2,b\n", NULL }, 0, "1,a\n2,b\n", 2 },
	/* blank lines dropped, also CRLF ones and a trailing one */
	{ { "\n1,a\n\n\r\n2,b\n\n", NULL }, 0, "1,a\n2,b\n", 2 },
	/* CRLF line ends become LF (objects may differ in line ends) */
	{ { "h\r\n1,a\r\n2,b\r\n", "h\n3,c\n", NULL }, 1,
	  "1,a\n2,b\n3,c\n", 3 },
	/* quoted newlines, CRs and quotes stay data; a quoted header with
	 * a newline is one record */
	{ { "\"h\n1\",h2\n\"x\r\ny\",\"q\"\"\"\n", NULL }, 1,
	  "\"x\r\ny\",\"q\"\"\"\n", 1 },
	/* a lone CR inside a record is passed on (PostgreSQL judges it) */
	{ { "a\rb,c\n", NULL }, 0, "a\rb,c\n", 1 },
	/* skip 2 header lines; an object of headers only gives nothing */
	{ { "h1\nh2\n1\n", "h1\nh2\n", "h1\nh2", NULL }, 2, "1\n", 1 },
	/* empty objects */
	{ { "", "", NULL }, 1, "", 0 },
};

static void
test_csv_span(void)
{
	for (size_t k = 0; k < SL_ARRAY_LEN(span_cases); k++) {
		const struct span_case *tc = &span_cases[k];

		for (size_t s = 0; s < SL_ARRAY_LEN(chunk_sizes); s++) {
			struct buf out;
			struct sl_err err;
			uint64_t records = 0;
			int r;

			buf_init(&out, 0);
			r = span_run(tc->objs, tc->skip, chunk_sizes[s], &out,
				     &records, &err);
			CHECK(r == 0);
			if (strcmp(tc->want, buf_str(&out)) != 0)
				fprintf(stderr, "span case %zu, chunk %zu:\n",
					k, chunk_sizes[s]);
			CHECK_EQ_STR(tc->want, buf_str(&out));
			CHECK(records == tc->records);
			buf_free(&out);
		}
	}
}

static void
test_csv_span_unterminated(void)
{
	const char *objs[] = { "1,\"abc\n2,x\n", NULL };

	for (size_t s = 0; s < SL_ARRAY_LEN(chunk_sizes); s++) {
		struct buf out;
		struct sl_err err;
		uint64_t records;

		buf_init(&out, 0);
		CHECK(span_run(objs, 0, chunk_sizes[s], &out, &records,
			       &err) < 0);
		CHECK(strstr(err.msg, "inside a quoted field") != NULL);
		buf_free(&out);
	}
}

/* ---- CSV fields ------------------------------------------------------- */

/* Records rendered as [a|b|<NULL>] lines, to compare as a string. */
static int
render_record(void *arg, const struct wh_field *f, size_t n,
	      struct sl_err *err)
{
	struct buf *out = arg;

	buf_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(out, '|');
		if (f[i].len == 0 && !f[i].quoted)
			buf_adds(out, "<NULL>");
		else
			buf_add(out, f[i].data, f[i].len);
	}
	buf_adds(out, "]\n");
	return 0;
}

static int
fields_run(const char *text, char delim, int skip, size_t chunk,
	   struct buf *out, struct sl_err *err)
{
	struct wh_csv *c = wh_csv_new(delim, skip, NULL, render_record, out);
	size_t len = strlen(text), step = chunk ? chunk : len;
	int r = 0;

	for (size_t i = 0; i < len && r == 0; i += step)
		r = wh_csv_write(c, text + i, SL_MIN(step, len - i), err);
	if (r == 0)
		r = wh_csv_finish(c, err);
	wh_csv_free(c);
	return r;
}

struct fields_case {
	const char *text;
	char delim;
	int skip;
	const char *want;
};

static const struct fields_case fields_cases[] = {
	{ "a,b,c\n", ',', 0, "[a|b|c]\n" },
	/* empty unquoted is NULL, empty quoted is '' */
	{ "1,,\"\"\n", ',', 0, "[1|<NULL>|]\n" },
	/* doubled quotes, delimiter and newline inside quotes */
	{ "\"say \"\"hi\"\"\",\"a,b\",\"l1\nl2\"\n", ',', 0,
	  "[say \"hi\"|a,b|l1\nl2]\n" },
	/* CRLF, header, blank lines, no final newline */
	{ "h1,h2\r\n\r\n1,2\r\n\n3,4", ',', 1, "[1|2]\n[3|4]\n" },
	/* another delimiter; commas are data then */
	{ "a;b,c;\"d;e\"\n", ';', 0, "[a|b,c|d;e]\n" },
	{ "a\tb\n", '\t', 0, "[a|b]\n" },
	/* a quote closing mid-field, then more text (PostgreSQL's way) */
	{ "\"ab\"cd,e\n", ',', 0, "[abcd|e]\n" },
	/* a quoted CR survives, a lone CR before LF does not */
	{ "\"a\r\",b\r\n", ',', 0, "[a\r|b]\n" },
	/* a record that ends the object with a closing quote */
	{ "x,\"y\"", ',', 0, "[x|y]\n" },
	/* UTF-8 passes untouched */
	{ "caf\xc3\xa9,\xe2\x82\xac\n", ',', 0, "[caf\xc3\xa9|\xe2\x82\xac]\n" },
};

static void
test_csv_fields(void)
{
	for (size_t k = 0; k < SL_ARRAY_LEN(fields_cases); k++) {
		const struct fields_case *tc = &fields_cases[k];

		for (size_t s = 0; s < SL_ARRAY_LEN(chunk_sizes); s++) {
			struct buf out;
			struct sl_err err;

			buf_init(&out, 0);
			CHECK(fields_run(tc->text, tc->delim, tc->skip,
					 chunk_sizes[s], &out, &err) == 0);
			if (strcmp(tc->want, buf_str(&out)) != 0)
				fprintf(stderr, "fields case %zu, chunk %zu:\n",
					k, chunk_sizes[s]);
			CHECK_EQ_STR(tc->want, buf_str(&out));
			buf_free(&out);
		}
	}
}

static int
refuse_second(void *arg, const struct wh_field *f, size_t n,
	      struct sl_err *err)
{
	int *count = arg;

	if (++*count == 2)
		return sl_err_set(err, "2 fields, expected 3");
	return 0;
}

static void
test_csv_fields_errors(void)
{
	struct buf out;
	struct sl_err err;
	struct wh_csv *c;
	int count = 0;

	buf_init(&out, 0);
	CHECK(fields_run("a,b\n1\r2,c\n", ',', 0, 0, &out, &err) < 0);
	CHECK_EQ_STR("line 2: a carriage return outside quotes (quote the field, or end lines with LF or CRLF)",
		  err.msg);
	CHECK(fields_run("a,\"b\n", ',', 0, 0, &out, &err) < 0);
	CHECK(strstr(err.msg, "line 2: the object ends inside a quoted field")
	      != NULL);
	buf_free(&out);

	/* A callback's error gets the line of the record. */
	c = wh_csv_new(',', 1, NULL, refuse_second, &count);
	CHECK(wh_csv_write(c, "h\n1,2,3\n\n4,5\n", 13, &err) < 0);
	CHECK_EQ_STR("line 4: 2 fields, expected 3", err.msg);
	wh_csv_free(c);
}

/* ---- JSON lines ---------------------------------------------------------- */

static int
render_json(void *arg, json_t *row, struct sl_err *err)
{
	static const char *cols[] = { "id", "name", "score", "ok", "tags",
				      "missing" };

	wh_jsonl_to_csv(arg, row, cols, SL_ARRAY_LEN(cols));
	return 0;
}

static int
jsonl_run(const char *text, size_t chunk, struct buf *out,
	  struct sl_err *err)
{
	struct wh_jsonl *j = wh_jsonl_new(render_json, out);
	size_t len = strlen(text), step = chunk ? chunk : len;
	int r = 0;

	for (size_t i = 0; i < len && r == 0; i += step)
		r = wh_jsonl_write(j, text + i, SL_MIN(step, len - i), err);
	if (r == 0)
		r = wh_jsonl_finish(j, err);
	wh_jsonl_free(j);
	return r;
}

static void
test_jsonl(void)
{
	const char *text =
	    "{\"id\": 1, \"name\": \"plain\", \"score\": 0.1, \"ok\": true}\n"
	    "\n"
	    "{\"ID\": 2, \"Name\": \"with \\\"quotes\\\", commas\\nand a newline\","
	    " \"score\": null, \"ok\": false, \"tags\": [\"a\", {\"b\": 1}]}\r\n"
	    "   \n"
	    "{\"id\": 3, \"name\": \"\", \"score\": -12345678901234, \"extra\": 1}";
	const char *want =
	    "1,\"plain\",0.1,t,,\n"
	    "2,\"with \"\"quotes\"\", commas\nand a newline\",,f,"
	    "\"[\"\"a\"\",{\"\"b\"\":1}]\",\n"
	    "3,\"\",-12345678901234,,,\n";

	for (size_t s = 0; s < SL_ARRAY_LEN(chunk_sizes); s++) {
		struct buf out;
		struct sl_err err;

		buf_init(&out, 0);
		CHECK(jsonl_run(text, chunk_sizes[s], &out, &err) == 0);
		CHECK_EQ_STR(want, buf_str(&out));
		buf_free(&out);
	}
}

static void
test_jsonl_errors(void)
{
	struct buf out;
	struct sl_err err;

	buf_init(&out, 0);
	CHECK(jsonl_run("{\"id\": 1}\n{\"id\": 2,}\n", 3, &out, &err) < 0);
	CHECK(strncmp(err.msg, "line 2: invalid JSON", 20) == 0);
	CHECK(jsonl_run("{\"id\": 1}\n\n[1, 2]\n", 0, &out, &err) < 0);
	CHECK_EQ_STR("line 3: expected a JSON object", err.msg);
	/* Two objects on one line is not JSON lines. */
	CHECK(jsonl_run("{\"id\": 1} {\"id\": 2}\n", 0, &out, &err) < 0);
	CHECK(strncmp(err.msg, "line 1: invalid JSON", 20) == 0);
	buf_free(&out);
}

/* ---- gzip ------------------------------------------------------------- */

/* text gzip'd as one member, appended to out. */
static void
gzip_member(const char *text, struct buf *out)
{
	z_stream z;
	unsigned char tmp[4096];
	int zr;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
		     Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)text;
	z.avail_in = (uInt)strlen(text);
	do {
		z.next_out = tmp;
		z.avail_out = sizeof tmp;
		zr = deflate(&z, Z_FINISH);
		buf_add(out, tmp, sizeof tmp - z.avail_out);
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
}

static int
gunzip_run(const struct buf *in, size_t len, size_t chunk, struct buf *out,
	   struct sl_err *err)
{
	struct wh_gunzip *g = wh_gunzip_new(collect, out);
	size_t step = chunk ? chunk : len;
	int r = 0;

	for (size_t i = 0; i < len && r == 0; i += step)
		r = wh_gunzip_write(g, in->data + i, SL_MIN(step, len - i), err);
	if (r == 0)
		r = wh_gunzip_finish(g, err);
	wh_gunzip_free(g);
	return r;
}

static void
test_gunzip(void)
{
	struct buf big, gz, out;
	struct sl_err err;

	/* 1 MB of text: more than the inflate buffer, several times. */
	buf_init(&big, 0);
	for (int i = 0; big.len < 1024 * 1024; i++)
		buf_printf(&big, "%d,row number %d,%x\n", i, i * 7, i * 13);
	buf_init(&gz, 0);
	gzip_member(big.data, &gz);
	gzip_member("tail,1\n", &gz);	/* a second member */

	for (size_t s = 0; s < SL_ARRAY_LEN(chunk_sizes); s++) {
		if (chunk_sizes[s] == 1)
			continue;	/* too slow for 1 MB; 2 covers it */
		buf_init(&out, 0);
		CHECK(gunzip_run(&gz, gz.len, chunk_sizes[s], &out, &err) == 0);
		CHECK(out.len == big.len + 7);
		CHECK(out.len >= big.len &&
		      memcmp(out.data, big.data, big.len) == 0);
		CHECK(out.len == big.len + 7 &&
		      memcmp(out.data + big.len, "tail,1\n", 7) == 0);
		buf_free(&out);
	}

	/* Cut short: an error, not a silent partial load. */
	buf_init(&out, 0);
	CHECK(gunzip_run(&gz, gz.len / 2, 0, &out, &err) < 0);
	CHECK(strstr(err.msg, "ends in the middle") != NULL);
	buf_free(&out);

	/* Not gzip at all. */
	buf_init(&out, 0);
	{
		struct buf plain;

		buf_init(&plain, 0);
		buf_adds(&plain, "id,name\n1,a\n");
		CHECK(gunzip_run(&plain, plain.len, 0, &out, &err) < 0);
		CHECK(strncmp(err.msg, "gzip: ", 6) == 0);
		buf_free(&plain);
	}
	buf_free(&out);
	buf_free(&gz);
	buf_free(&big);
}

int
main(void)
{
	RUN(test_csv_span);
	RUN(test_csv_span_unterminated);
	RUN(test_csv_fields);
	RUN(test_csv_fields_errors);
	RUN(test_jsonl);
	RUN(test_jsonl_errors);
	RUN(test_gunzip);
	return UNIT_END();
}
