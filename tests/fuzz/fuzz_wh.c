/*
 * fuzz_wh.c: libFuzzer target for warehouse_copy's streamed readers
 * (operators/wh_csv.c, wh_jsonl.c, wh_gunzip.c). Not built by default.
 * From the source tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. -I. $(pkg-config --cflags jansson) tests/fuzz/fuzz_wh.c operators/wh_csv.c operators/wh_jsonl.c operators/wh_gunzip.c base/util.c -ljansson -lz -o /tmp/fuzz_wh && /tmp/fuzz_wh
 *
 * The first byte picks a chunk size and how many header lines to skip;
 * the rest is one object. Checked: CSV passthrough (what PostgreSQL gets)
 * read back as fields gives exactly the records the field reader gives on
 * the original, however the object is cut into chunks, whenever the
 * field reader accepts it; what passthrough refuses, the field reader
 * refuses too; the JSON-lines and gzip readers never crash or overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "operators/wh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
collect(void *arg, const void *p, size_t n, struct sl_err *err)
{
	buf_add(arg, p, n);
	return 0;
}

/* Records as "len:bytes,quoted;" items, one record per line. */
static int
render(void *arg, const struct wh_field *f, size_t n, struct sl_err *err)
{
	struct buf *out = arg;

	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "%zu:", f[i].len);
		buf_add(out, f[i].data, f[i].len);
		buf_printf(out, ",%d;", f[i].len == 0 ? f[i].quoted : 0);
	}
	buf_addc(out, '\n');
	return 0;
}

static int
row(void *arg, json_t *r, struct sl_err *err)
{
	static const char *cols[] = { "a", "b" };

	wh_jsonl_to_csv(arg, r, cols, 2);
	return 0;
}

/* Feed p in chunks of step to a reader. */
#define FEED(write, finish, obj, p, n, step, err) ({ \
	int r_ = 0; \
	for (size_t i_ = 0; i_ < (n) && r_ == 0; i_ += (step)) \
		r_ = write(obj, (p) + i_, SL_MIN((step), (n) - i_), err); \
	r_ == 0 ? finish(obj, err) : r_; })

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf span, direct, reparsed, json, gz;
	struct wh_csv *c;
	struct wh_jsonl *j;
	struct wh_gunzip *g;
	struct sl_err err;
	const char *p;
	size_t n, step;
	int skip, r1, r2, r3;

	if (size < 1)
		return 0;
	step = (data[0] & 0x0f) + 1;
	skip = (data[0] >> 4) & 3;
	p = (const char *)data + 1;
	n = size - 1;
	buf_init(&span, 0);
	buf_init(&direct, 0);
	buf_init(&reparsed, 0);
	buf_init(&json, 0);
	buf_init(&gz, 0);

	c = wh_csv_new(',', skip, collect, NULL, &span);
	r1 = FEED(wh_csv_write, wh_csv_finish, c, p, n, step, &err);
	wh_csv_free(c);
	c = wh_csv_new(',', skip, NULL, render, &direct);
	r2 = FEED(wh_csv_write, wh_csv_finish, c, p, n, n ? n : 1, &err);
	wh_csv_free(c);
	/* Passthrough leaves some faults to PostgreSQL (a stray CR), so it
	 * may accept what the field reader refuses, never the reverse. */
	if (r1 < 0 && r2 == 0)
		abort();
	if (r2 == 0) {
		c = wh_csv_new(',', 0, NULL, render, &reparsed);
		r3 = FEED(wh_csv_write, wh_csv_finish, c, span.data,
			  span.len, span.len ? span.len : 1, &err);
		wh_csv_free(c);
		if (r3 < 0 || reparsed.len != direct.len ||
		    memcmp(buf_str(&reparsed), buf_str(&direct), direct.len))
			abort();
	}

	j = wh_jsonl_new(row, &json);
	FEED(wh_jsonl_write, wh_jsonl_finish, j, p, n, step, &err);
	wh_jsonl_free(j);

	g = wh_gunzip_new(collect, &gz);
	FEED(wh_gunzip_write, wh_gunzip_finish, g, p, n, step, &err);
	wh_gunzip_free(g);

	buf_free(&span);
	buf_free(&direct);
	buf_free(&reparsed);
	buf_free(&json);
	buf_free(&gz);
	return 0;
}
