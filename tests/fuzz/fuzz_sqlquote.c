/*
 * fuzz_sqlquote.c: libFuzzer target for values inserted into SQL (the sql
 * task type; scheduler/sqlquote.c through tmpl_check_sql /
 * tmpl_render_sql). Not built by default. From a configured build folder
 * (for libsluice.a; sqlquote.c and template.c are compiled here again so
 * the fuzzer sees their branches):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I/work/main \
 *     /work/main/tests/fuzz/fuzz_sqlquote.c /work/main/scheduler/sqlquote.c \
 *     /work/main/scheduler/template.c libsluice.a $(pkg-config --libs libevent sqlite3 yaml-0.1 libcurl libssh2 libcrypto libpq jansson expat zlib) \
 *     -levent_pthreads -lcrypt -lm -o /tmp/fuzz_sqlquote && /tmp/fuzz_sqlquote -max_len=512
 *
 * The input is a SQL text and a value, split at the first NUL byte. When
 * the text passes the load-time check, rendering with the value either
 * fails (a backslash) or leaves the quoting state at the end of the
 * rendered SQL the same as rendering with a plain value: a value that
 * opened or closed a quote or a comment would change it.
 */
#include <stdlib.h>
#include <string.h>

#include "scheduler/sqlquote.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The quoting state after scanning sql, as a comparable number. */
static int
end_state(const char *sql)
{
	struct sqlquote_scan s;

	sqlquote_scan_init(&s);
	sqlquote_scan_feed(&s, sql, strlen(sql));
	return (int)sqlquote_scan_where(&s) * 1000 + s.depth;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *text, *value;
	char *buf;
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
		p2 = json_pack("{s:s}", "v", "'\"*/--$$\n");
	memset(&c1, 0, sizeof c1);
	c1.tz = utc;
	c1.params = p1;
	c2 = c1;
	c2.params = p2;
	buf_init(&r1, 0);
	buf_init(&r2, 0);
	if (strstr(text, "raw") == NULL && strstr(text, "env.") == NULL &&
	    tmpl_check_sql(text, decls, NULL) == 0) {
		if (tmpl_render_sql(text, &c1, &r1, NULL) < 0)
			abort();
		if (tmpl_render_sql(text, &c2, &r2, NULL) == 0 &&
		    end_state(buf_str(&r1)) != end_state(buf_str(&r2)))
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
