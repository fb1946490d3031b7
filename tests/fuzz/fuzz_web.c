/*
 * fuzz_web.c: libFuzzer target for the web part's request handling: the
 * request target (path segments, percent-decoding, query strings), the
 * router of pages and /api/v1, headers (cookies, bearer tokens, CSRF,
 * Origin) and request bodies (JSON bodies of trigger, backfill, clear,
 * mark, users; the login form), all through web_handle() without a socket.
 * Not built by default. From a configured build folder (libsluice.a; the
 * web sources are compiled again here so the sanitizers see them):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I/work/main -I. \
 *     /work/main/tests/fuzz/fuzz_web.c $(ls /work/main/web/[!c]*.c) web/assets_embedded.c libsluice.a $(pkg-config --libs libevent sqlite3 yaml-0.1 libcurl libssh2 libcrypto libpq jansson expat zlib) \
 *     -levent_pthreads -lcrypt -lm -o /tmp/fuzz_web && /tmp/fuzz_web -max_len=8192 -dict=/work/main/tests/fuzz/web.dict
 *
 * An input is: one byte choosing the method (bits 0-1: GET, POST, DELETE,
 * HEAD) and the caller (bits 2-3: nobody, an operator's bearer token, a
 * viewer's bearer token, an operator's session cookie with its CSRF
 * token); then the request target up to a newline; then "Name: value"
 * header lines up to an empty line; the rest is the body. The server runs
 * on a temporary home with one small scheduled DAG, as `sluice web` would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "scheduler/config.h"
#include "store/store.h"
#include "base/util.h"
#include "web/auth.h"
#include "web/web_internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static struct web *web;
static char *operator_token, *viewer_token;
static char session_cookie[160], session_csrf[72];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static void
setup(void)
{
	static char home[] = "/tmp/fuzz_web.XXXXXX";
	char path[256], cookie[72];
	struct config *cfg;
	struct store *st;
	struct sl_err err;
	int64_t id;
	int applied, role;

	if (mkdtemp(home) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/dags", home);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/dags/hourly.yaml", home);
	write_file(path,
	    "dag: hourly\n"
	    "description: \"<b>fuzz</b>\"\n"
	    "schedule: \"@hourly\"\n"
	    "start: 2024-01-01T00:00:00Z\n"
	    "end: 2024-01-03T00:00:00Z\n"
	    "params: {table: events, n: 3}\n"
	    "tasks:\n"
	    "  extract: {command: \"echo {{ params.table }}\"}\n"
	    "  load: {command: \"true\", after: [extract], retries: 1}\n"
	    "  report: {command: \"true\", after: [load], trigger_rule: all_done}\n");
	snprintf(path, sizeof path, "%s/dags/broken.yaml", home);
	write_file(path, "dag: broken\ntasks: [\n");
	sl_err_clear(&err);
	if (config_load(home, &cfg, &err) < 0 || store_open(cfg->db_path, &st, &err) < 0 ||
	    store_migrate(st, &applied, &err) < 0 ||
	    auth_user_add(st, "ops", 2, "fuzz-password-1", "fuzz", &err) < 0 ||
	    auth_user_add(st, "look", 1, "fuzz-password-2", "fuzz", &err) < 0 ||
	    auth_token_new(st, "ops", "fuzz", &operator_token, &err) < 0 ||
	    auth_token_new(st, "look", "fuzz", &viewer_token, &err) < 0 ||
	    auth_check_password(st, "ops", "fuzz-password-1", &id, &role) != 1 ||
	    auth_session_new(st, id, 3600 * 1000, cookie, session_csrf) < 0) {
		fprintf(stderr, "fuzz_web: setup: %s\n", err.msg);
		abort();
	}
	store_close(st);
	snprintf(session_cookie, sizeof session_cookie, "sluice_session=%s", cookie);
	if (web_open(event_base_new(), cfg, NULL, &web, &err) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const enum evhttp_cmd_type methods[] = {
		EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_DELETE, EVHTTP_REQ_HEAD
	};
	struct evkeyvalq headers;
	struct buf reply;
	char auth[300], *text, *target, *line, *next;
	size_t used;

	if (web == NULL)
		setup();
	if (size < 1)
		return 0;
	text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	/* the body keeps its NUL bytes; target and headers end at the first */
	TAILQ_INIT(&headers);
	switch ((data[0] >> 2) & 3) {
	case 1:
		snprintf(auth, sizeof auth, "Bearer %s", operator_token);
		evhttp_add_header(&headers, "Authorization", auth);
		break;
	case 2:
		snprintf(auth, sizeof auth, "Bearer %s", viewer_token);
		evhttp_add_header(&headers, "Authorization", auth);
		break;
	case 3:
		evhttp_add_header(&headers, "Cookie", session_cookie);
		evhttp_add_header(&headers, "X-CSRF-Token", session_csrf);
		break;
	}
	target = text;
	next = memchr(text, '\n', size - 1);
	used = size - 1;
	if (next != NULL) {
		*next++ = '\0';
		/* header lines up to an empty one */
		for (line = next; line < text + size - 1; line = next) {
			char *end = memchr(line, '\n', (size_t)(text + size - 1 - line));
			char *colon;

			if (end == NULL)
				end = text + size - 1;
			*end = '\0';
			next = end + 1;
			if (line[0] == '\0')
				break;
			colon = strchr(line, ':');
			if (colon != NULL) {
				*colon = '\0';
				evhttp_add_header(&headers, line, colon[1] == ' ' ? colon + 2 : colon + 1);
			}
		}
		used = next < text + size - 1 ? (size_t)(next - text) : size - 1;
	}
	buf_init(&reply, 0);
	{
		int status = web_handle(web, methods[data[0] & 3], target, &headers,
					text + used, size - 1 - used, &reply);

		/* every request gets exactly one reply, with an HTTP status */
		if (status < 200 || status > 599)
			abort();
	}
	buf_free(&reply);
	evhttp_clear_headers(&headers);
	free(text);
	return 0;
}
