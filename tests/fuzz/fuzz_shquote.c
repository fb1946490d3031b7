/*
 * fuzz_shquote.c: libFuzzer target for values inserted into shell lines
 * (scheduler/shquote.c through tmpl_check_shell / tmpl_render_shell) and
 * into SQL (scheduler/sqlquote.c through tmpl_check_sql /
 * tmpl_render_sql: the text starts with "SQL:"). Not built by default.
 * From a configured build folder (for libsluice.a): (shquote.c, sqlquote.c
 * and template.c are compiled here again so the fuzzer sees their branches)
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I/work/main \
 *     /work/main/tests/fuzz/fuzz_shquote.c /work/main/scheduler/shquote.c \
 *     /work/main/scheduler/sqlquote.c /work/main/scheduler/template.c libsluice.a $(pkg-config --libs libevent sqlite3 yaml-0.1 libcurl libssh2 libcrypto libpq jansson expat zlib) \
 *     -levent_pthreads -lcrypt -lm -o /tmp/fuzz_shquote && /tmp/fuzz_shquote -max_len=512
 *
 * The input is a command text and a value, split at the first NUL byte.
 * When the text passes the load-time check, rendering must succeed (in
 * SQL: with a plain value; a value holding a backslash is refused), and
 * the quoting state at the end of the rendered line must be the same
 * whatever the value: a value that opened or closed a quote, a
 * substitution or a comment would change it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/shquote.h"
#include "scheduler/sqlquote.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The quoting state after scanning line, as a comparable string. */
static void
end_state(const char *line, char *out, size_t n)
{
	struct shquote_scan s;
	size_t off = 0;

	shquote_scan_init(&s);
	shquote_scan_feed(&s, line, strlen(line));
	for (int i = 0; i < s.depth && off + 2 < n; i++)
		out[off++] = (char)('A' + s.frames[i].where);
	out[off++] = s.escaped ? 'e' : '-';
	out[off++] = s.hd_reading ? 'h' : '-';
	out[off] = '\0';
}

/* The same for SQL. */
static void
sql_end_state(const char *sql, char *out, size_t n)
{
	struct sqlquote_scan s;

	sqlquote_scan_init(&s);
	sqlquote_scan_feed(&s, sql, strlen(sql));
	snprintf(out, n, "%d.%d", (int)sqlquote_scan_where(&s), s.depth);
}

/* Check and render text as SQL with the two contexts. */
static void
fuzz_sql(const char *text, const json_t *decls, const struct tmpl_ctx *c1,
	 const struct tmpl_ctx *c2)
{
	struct buf r1, r2;
	char a[32], b[32];

	buf_init(&r1, 0);
	buf_init(&r2, 0);
	if (tmpl_check_sql(text, decls, NULL) == 0) {
		if (tmpl_render_sql(text, c1, &r1, NULL) < 0)
			abort();
		if (tmpl_render_sql(text, c2, &r2, NULL) == 0) {
			sql_end_state(buf_str(&r1), a, sizeof a);
			sql_end_state(buf_str(&r2), b, sizeof b);
			if (strcmp(a, b) != 0)
				abort();
		}
	}
	buf_free(&r1);
	buf_free(&r2);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *text = (const char *)data, *value;
	char *buf, a[SHQUOTE_MAX_DEPTH + 8], b[SHQUOTE_MAX_DEPTH + 8];
	json_t *decls = json_pack("{s:{}}", "v"), *p1, *p2;
	struct tmpl_ctx c1, c2;
	struct buf r1, r2;
	size_t tlen;
	static struct tz *utc;

	if (utc == NULL && tz_load("UTC", &utc, NULL) < 0)
		abort();

	buf = malloc(size + 2);
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	text = buf;
	tlen = strlen(text);
	value = tlen < size ? buf + tlen + 1 : "";
	p1 = json_pack("{s:s}", "v", "x");
	p2 = json_pack("{s:s#}", "v", value, strlen(value));
	if (p2 == NULL)		/* not UTF-8 */
		p2 = json_pack("{s:s}", "v", "'\"$(`\n#");
	memset(&c1, 0, sizeof c1);
	c1.tz = utc;
	c1.params = p1;
	c2 = c1;
	c2.params = p2;
	buf_init(&r1, 0);
	buf_init(&r2, 0);
	if (strstr(text, "raw") != NULL || strstr(text, "env.") != NULL)
		;
	else if (strncmp(text, "SQL:", 4) == 0)
		fuzz_sql(text + 4, decls, &c1, &c2);
	else if (tmpl_check_shell(text, decls, NULL) == 0) {
		if (tmpl_render_shell(text, &c1, &r1, NULL) < 0 ||
		    tmpl_render_shell(text, &c2, &r2, NULL) < 0)
			abort();
		end_state(buf_str(&r1), a, sizeof a);
		end_state(buf_str(&r2), b, sizeof b);
		if (strcmp(a, b) != 0)
			abort();
	}
	buf_free(&r1);
	buf_free(&r2);
	json_decref(p1);
	json_decref(p2);
	json_decref(decls);
	free(buf);
	return 0;
}
