/*
 * web.c: the HTTP server: one evhttp on the caller's event loop, the
 * router, replies with the security headers every response carries, the
 * compiled-in assets, and requests that wait for a busy database. A
 * little past 800 lines: the listener's start (bind errors, the bound
 * port) belongs with the server it starts.
 */
#include "web/web.h"
#include "web/web_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "base/log.h"
#include "base/text.h"
#include "scheduler/config.h"
#include "scheduler/sched.h"
#include "store/store.h"

#define WEB_BUSY_RETRY_MS 10
/* A request that meets a lock tries again every WEB_BUSY_RETRY_MS (never
 * waiting inside the loop); after WEB_BUSY_GIVE_UP_MS it is answered 503,
 * well within the 5 s a client may wait. */
#define WEB_BUSY_GIVE_UP_MS 3000
#define WEB_BAG_RELOAD_MS 2000
#define WEB_ADMIT_WINDOW_MS 10

/* Every response: no sniffing, no framing, scripts and styles only from
 * this server; nothing inline but the blocks of web/assets/ this reply
 * carries (inline.c), each allowed by its hash. */
static void
add_security_headers(struct web_req *r, struct evkeyvalq *h)
{
	struct buf csp;

	buf_init(&csp, 0);
	buf_adds(&csp, "default-src 'self'; script-src 'self'");
	inline_csp_sources(r, 1, &csp);
	buf_adds(&csp, "; style-src 'self'");
	inline_csp_sources(r, 0, &csp);
	buf_adds(&csp, "; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
		       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
	evhttp_add_header(h, "Content-Security-Policy", buf_str(&csp));
	buf_free(&csp);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
}

static const char *
status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static void
send_reply(struct web_req *r, int status, const char *type, const void *data,
	   size_t len)
{
	struct evkeyvalq *h = r->out_headers;
	struct evbuffer *out;

	add_security_headers(r, h);
	if (type != NULL)
		evhttp_add_header(h, "Content-Type", type);
	if (evhttp_find_header(h, "Cache-Control") == NULL)
		evhttp_add_header(h, "Cache-Control", "no-store");
	if (r->req == NULL) {
		r->reply_status = status;
		if (r->reply != NULL)
			buf_add(r->reply, data, len);
		return;
	}
	out = evbuffer_new();
	if (r->method == EVHTTP_REQ_HEAD) {
		/* a HEAD reply has the GET reply's headers and no body:
		 * libevent writes whatever buffer it is given, and a body
		 * after a HEAD reply would be read as the start of the next
		 * reply on the connection */
		char n[32];

		snprintf(n, sizeof n, "%zu", len);
		evhttp_add_header(h, "Content-Length", n);
	} else
		evbuffer_add(out, data, len);
	evhttp_send_reply(r->req, status, status_reason(status), out);
	evbuffer_free(out);
}

void
web_add_header(struct web_req *r, const char *name, const char *value)
{
	evhttp_add_header(r->out_headers, name, value);
}

void
web_json(struct web_req *r, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	size_t n = text ? strlen(text) : 0;

	send_reply(r, status, "application/json", text ? text : "null", text ? n : 4);
	free(text);
	json_decref(body);
}

int
web_error(struct web_req *r, int status, const char *fmt, ...)
{
	char msg[1024];
	struct buf clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* the message may echo what was asked (a path segment, a query
	 * value: any bytes) or be cut inside a character: JSON takes only
	 * UTF-8, and anything else made the body "null" */
	buf_init(&clean, 0);
	text_utf8_clean(&clean, msg, strlen(msg), "\xef\xbf\xbd");
	web_json(r, status, json_pack("{s:s,s:i}", "error", buf_str(&clean), "status", status));
	buf_free(&clean);
	return -1;
}

void
web_html(struct web_req *r, int status, const struct buf *html)
{
	struct buf rooted;

	if (r->w->root_len == 0) {
		send_reply(r, status, "text/html; charset=utf-8", buf_str(html), html->len);
		return;
	}
	buf_init(&rooted, html->len + 256);
	web_root_page(r->w, html, &rooted);
	send_reply(r, status, "text/html; charset=utf-8", buf_str(&rooted), rooted.len);
	buf_free(&rooted);
}

void
web_text(struct web_req *r, int status, const char *type, const char *data,
	 size_t len)
{
	send_reply(r, status, type, data, len);
}

void
web_redirect(struct web_req *r, const char *location)
{
	char *rooted = NULL;

	/* a path of this site: under the proxy's path too */
	if (location[0] == '/' && r->w->root_len > 0)
		location = rooted = xasprintf("%s%s", r->w->root, location);
	evhttp_add_header(r->out_headers, "Location", location);
	free(rooted);
	send_reply(r, 303, "text/plain; charset=utf-8", "", 0);
}

const char *
web_query(struct web_req *r, const char *name)
{
	return evhttp_find_header(&r->query, name);
}

const char *
web_header(struct web_req *r, const char *name)
{
	return evhttp_find_header(r->in_headers, name);
}

char *
web_body_text(struct web_req *r)
{
	struct evbuffer *in = r->body;
	size_t n = evbuffer_get_length(in);
	char *text;

	if (n > WEB_MAX_BODY)
		return NULL;
	text = xmalloc(n + 1);
	evbuffer_copyout(in, text, n);
	text[n] = '\0';
	return text;
}

const struct dagbag *
web_dagbag(struct web *w)
{
	if (w->sched != NULL)
		return sched_dagbag(w->sched);
	if (w->bag_loaded_ms == 0 || sl_mono_ms() - w->bag_loaded_ms >= WEB_BAG_RELOAD_MS) {
		struct dagbag fresh;
		struct sl_err err;

		sl_err_clear(&err);
		/* unchanged files are taken over, not parsed again */
		if (dagbag_load_stored(w->cfg->dags_dir, w->cfg, &w->bag,
				       store_dag_owns, store_dag_last_good,
				       w->store, &fresh, &err) == 0) {
			dagbag_free(&w->bag);
			w->bag = fresh;
		}
		w->bag_loaded_ms = sl_mono_ms();
	}
	return &w->bag;
}

struct dag *
web_dag(struct web *w, const char *name)
{
	return dagbag_find(web_dagbag(w), name);
}

void
web_poke(struct web *w)
{
	if (w->sched != NULL)
		sched_poke(w->sched);
}

int64_t
web_db_mark(struct web_req *r)
{
	if (r->db_mark_read)
		return r->db_mark;
	r->db_mark_read = 1;
	r->db_mark = store_change_mark(r->w->store);
	return r->db_mark;
}

uint64_t
web_bag_mark(const struct dagbag *bag)
{
	/* FNV-1a over what tells one folder load from another: the same
	 * files with the same times and sizes hold the same DAGs */
	uint64_t h = 1469598103934665603ULL;
#define MIX(v) do { h ^= (uint64_t)(v); h *= 1099511628211ULL; } while (0)
	MIX((uintptr_t)bag->entries);
	MIX(bag->n);
	for (int i = 0; i < bag->n; i++) {
		const struct dagbag_entry *e = &bag->entries[i];

		MIX((uintptr_t)e->dag);
		MIX(e->mtime);
		MIX(e->size);
		for (const char *p = e->file; p != NULL && *p != '\0'; p++)
			MIX((unsigned char)*p);
	}
#undef MIX
	return h;
}

#define WEB_CACHE_MAX_AGE_MS 1000
/* Other processes' commits (the scheduler commits hundreds of times a
 * second while it runs) make the body stale only after this long; this
 * connection's own writes (a person's action here) do at once. */
#define WEB_CACHE_FRESH_MS 200

int
web_cached_reply(struct web_req *r, struct web_cached_body *c, const char *type)
{
	int64_t mark = web_db_mark(r), age;

	if (c->text == NULL || mark < 0 ||
	    c->bag_mark != web_bag_mark(web_dagbag(r->w)))
		return 0;
	age = sl_mono_ms() - c->built_ms;
	if (age >= WEB_CACHE_MAX_AGE_MS)
		return 0;
	if (c->db_mark != mark &&
	    ((uint32_t)c->db_mark != (uint32_t)mark || age >= WEB_CACHE_FRESH_MS))
		return 0;
	send_reply(r, 200, type, c->text, c->len);
	return 1;
}

void
web_cache_and_reply(struct web_req *r, struct web_cached_body *c,
		    const char *type, char *text, size_t len)
{
	free(c->text);
	c->text = text;
	c->len = len;
	/* the mark read before the build: a commit during it only costs a
	 * rebuild next time */
	c->db_mark = web_db_mark(r);
	c->bag_mark = web_bag_mark(web_dagbag(r->w));
	c->built_ms = sl_mono_ms();
	send_reply(r, 200, type, text, len);
}

int
web_store_busy(struct web *w)
{
	return store_busy(w->store);
}

const char *
web_who(struct web_req *r, char *out, size_t n)
{
	snprintf(out, n, "web:%s", r->user.name);
	return out;
}

/* --- requests --- */

static void
req_free(struct web_req *r)
{
	if (r->retry_ev != NULL)
		event_free(r->retry_ev);
	if (r->seg != NULL)
		for (int i = 0; i < r->nseg; i++)
			free(r->seg[i]);
	free(r->seg);
	free(r->path);
	evhttp_clear_headers(&r->query);
	if (r->own_uri != NULL)
		evhttp_uri_free(r->own_uri);
	free(r);
}

/* Split and percent-decode the path, parse the query; -1 when either
 * holds a NUL byte (a query value was cut there: "?at=KEY%00junk"
 * read as KEY) or the path is not absolute. */
static int
req_parse(struct web_req *r)
{
	const struct evhttp_uri *uri;
	const char *path, *query;
	const char *p;
	size_t cap = 8;

	if (r->req != NULL)
		uri = evhttp_request_get_evhttp_uri(r->req);
	else	/* as evhttp parses a request line's target */
		uri = r->own_uri = evhttp_uri_parse_with_flags(r->target,
							       EVHTTP_URI_NONCONFORMANT);
	path = uri ? evhttp_uri_get_path(uri) : NULL;
	query = uri ? evhttp_uri_get_query(uri) : NULL;
	if (path == NULL || path[0] != '/')
		return -1;
	path = web_root_path(r->w, path);
	if (query != NULL && (strstr(query, "%00") != NULL ||
			      evhttp_parse_query_str(query, &r->query) < 0))
		return -1;
	r->seg = xcalloc(cap, sizeof *r->seg);
	for (p = path + 1; *p != '\0';) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *raw = xstrndup(p, n), *dec;
		size_t len = 0;

		dec = evhttp_uridecode(raw, 0, &len);
		free(raw);
		if (dec == NULL)
			return -1;
		if (strlen(dec) != len) {
			free(dec);
			return -1;
		}
		if (r->nseg + 1 >= (int)cap) {
			cap *= 2;
			r->seg = xreallocarray(r->seg, cap, sizeof *r->seg);
		}
		if (n > 0 || e == NULL)
			r->seg[r->nseg++] = dec;
		else
			free(dec);
		if (e == NULL)
			break;
		p = e + 1;
	}
	r->path = xstrdup(path);
	return 0;
}

/* Headers that make the request ambiguous: more than one Content-Length
 * (which body does a proxy in front see?). Replies 400; -1. */
static int
req_headers_ok(struct web_req *r)
{
	int lengths = 0;

	for (struct evkeyval *h = r->in_headers->tqh_first; h != NULL; h = h->next.tqe_next)
		if (strcasecmp(h->key, "Content-Length") == 0)
			lengths++;
	if (lengths > 1) {
		web_add_header(r, "Connection", "close");
		web_error(r, 400, "more than one Content-Length header");
		return -1;
	}
	return 0;
}

enum web_result
web_serve_asset(struct web_req *r)
{
	for (const struct web_asset *a = web_assets; a->name != NULL; a++)
		if (strcmp(a->name, r->arg.file) == 0) {
			evhttp_add_header(r->out_headers, "Cache-Control", "max-age=60");
			send_reply(r, 200, a->type, a->data, a->len);
			return WEB_DONE;
		}
	web_error(r, 404, "no such file");
	return WEB_DONE;
}

enum web_result
web_serve_favicon(struct web_req *r)
{
	r->arg.file = "favicon.ico";
	return web_serve_asset(r);
}

enum web_result
web_serve_health(struct web_req *r)
{
	json_t *o = json_pack("{s:s}", "status", "ok");
	char why[PATH_MAX + 64];
	int gone = store_file_gone(r->w->store, why, sizeof why);

	json_object_set_new(o, "scheduler", json_boolean(r->w->sched != NULL));
	/* whether one runs on the home at all: `sluice web` beside a
	 * scheduler service says so too (a lock check, no database read) */
	json_object_set_new(o, "scheduler_running",
			    json_boolean(r->w->sched != NULL ||
					 store_scheduler_held(r->w->store)));
	/* a stat: the database deleted under the web is a failure to see */
	if (gone) {
		json_object_set_new(o, "status", json_string("error"));
		json_object_set_new(o, "error", json_pack("s++", "the database ", why,
			" while the web ran on it: what it shows and records is lost; restart it"));
	}
	web_json(r, gone ? 503 : 200, o);
	return WEB_DONE;
}

static enum web_result
route(struct web_req *r)
{
	r->db_mark_read = 0;	/* a retried request looks again */
	r->inline_assets = 0;
	r->inlined = 0;
	r->inline_style_src[0] = '\0';
	r->paint_after = NULL;
	session_identify(r);
	return routes_dispatch(r);
}

static void run_request(struct web_req *r);

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run_request(arg);
}

static void
closed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct web_req *r = arg;

	(void)evcon;
	r->closed = 1;
}

/* Note a client that goes away while its request waits. */
static void
watch_close(struct web_req *r)
{
	struct evhttp_connection *evcon;

	if (r->watch_close || r->req == NULL)
		return;
	evcon = evhttp_request_get_connection(r->req);
	if (evcon != NULL) {
		evhttp_connection_set_closecb(evcon, closed_cb, r);
		r->watch_close = 1;
	}
}

static void
run_request(struct web_req *r)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->req);
	enum web_result res;

	if (r->closed) {
		req_free(r);
		return;
	}
	res = route(r);
	if (res == WEB_BUSY) {
		struct timeval tv = { 0, WEB_BUSY_RETRY_MS * 1000 };

		if (r->busy_since == 0)
			r->busy_since = sl_mono_ms();
		if (sl_mono_ms() - r->busy_since < WEB_BUSY_GIVE_UP_MS) {
			/* the scheduler commits its batch on its next poll */
			web_poke(r->w);
			if (r->retry_ev == NULL)
				r->retry_ev = evtimer_new(r->w->base, retry_cb, r);
			watch_close(r);
			evtimer_add(r->retry_ev, &tv);
			return;
		}
		web_add_header(r, "Retry-After", "1");
		web_error(r, 503, "the database is busy: another process has held its lock for %d s; try again",
			  WEB_BUSY_GIVE_UP_MS / 1000);
	}
	if (r->watch_close && evcon != NULL)
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	req_free(r);
}

/*
 * The scheduler comes first. While it has tries running, the web answers
 * at most web.busy_max_rps requests a second: a client that asks faster
 * waits (its request is queued, never refused), so a UI or a script
 * polling hard cannot take the CPU the tries need. /health is never held.
 */
static int
admit_limited(struct web *w)
{
	return w->sched != NULL && w->cfg->web_busy_max_rps > 0 &&
	       sched_running_tries(w->sched) > 0;
}

/* The admission window: WEB_ADMIT_WINDOW_MS, or longer for rates below
 * one request per window. */
static int64_t
admit_window(const struct web *w)
{
	int rps = w->cfg->web_busy_max_rps;

	return rps * WEB_ADMIT_WINDOW_MS >= 1000 ? WEB_ADMIT_WINDOW_MS : 1000 / rps;
}

/* One more request in this window? */
static int
admit_take(struct web *w)
{
	int64_t now = sl_mono_ms(), win = admit_window(w);
	int budget = (int)(w->cfg->web_busy_max_rps * win / 1000);

	if (now - w->admit_window_ms >= win) {
		w->admit_window_ms = now;
		w->admitted = 0;
	}
	if (w->admitted >= (budget > 0 ? budget : 1))
		return 0;
	w->admitted++;
	return 1;
}

static void
admit_arm(struct web *w)
{
	int64_t left = w->admit_window_ms + admit_window(w) - sl_mono_ms();
	struct timeval tv;

	if (left < 1)
		left = 1;
	sl_ms_timeval(left, &tv);
	evtimer_add(w->admit_ev, &tv);
}

/* A new window: answer the waiting requests it has room for. */
static void
admit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;

	(void)fd;
	(void)what;
	while (w->waiting != NULL) {
		struct web_req *r = w->waiting;

		if (admit_limited(w) && !admit_take(w)) {
			admit_arm(w);
			return;
		}
		w->waiting = r->wait_next;
		if (w->waiting == NULL)
			w->waiting_tail = &w->waiting;
		run_request(r);
	}
}

static void
admit(struct web_req *r)
{
	struct web *w = r->w;

	if (!admit_limited(w) || strcmp(r->path, "/health") == 0 ||
	    (w->waiting == NULL && admit_take(w))) {
		run_request(r);
		return;
	}
	w->held_total++;
	watch_close(r);
	r->wait_next = NULL;
	*w->waiting_tail = r;
	w->waiting_tail = &r->wait_next;
	if (w->admit_ev == NULL)
		w->admit_ev = evtimer_new(w->base, admit_cb, w);
	if (!evtimer_pending(w->admit_ev, NULL))
		admit_arm(w);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct web_req *r = xcalloc(1, sizeof *r);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);

	r->w = arg;
	r->req = req;
	r->method = evhttp_request_get_command(req);
	r->target = evhttp_request_get_uri(req);
	r->in_headers = evhttp_request_get_input_headers(req);
	r->out_headers = evhttp_request_get_output_headers(req);
	r->body = evhttp_request_get_input_buffer(req);
	TAILQ_INIT(&r->query);
	if (evcon != NULL) {
		char *addr = NULL;
		ev_uint16_t port = 0;

		evhttp_connection_get_peer(evcon, &addr, &port);
		snprintf(r->peer, sizeof r->peer, "%s", addr ? addr : "?");
	}
	if (req_headers_ok(r) < 0) {
		req_free(r);
		return;
	}
	if (req_parse(r) < 0) {
		web_error(r, 400, "bad request path or query");
		req_free(r);
		return;
	}
	admit(r);
}

int
web_open(struct event_base *base, struct config *cfg, struct sched *s,
	 struct web **out, struct sl_err *err)
{
	struct web *w = xcalloc(1, sizeof *w);

	w->base = base;
	w->cfg = cfg;
	w->sched = s;
	w->secure_cookies = cfg->base_url != NULL && sl_str_starts(cfg->base_url, "https:");
	if ((w->root = config_web_root(cfg)) == NULL)
		w->root = xstrdup("");	/* warned of at start */
	w->root_len = strlen(w->root);
	w->cookie = web_root_cookie(w->root);
	/* its own connection: the scheduler's may hold an open batch */
	if (store_open(cfg->db_path, &w->store, err) < 0) {
		free(w->root);
		free(w->cookie);
		free(w);
		return -1;
	}
	/* never wait on a lock inside the loop: WEB_BUSY retries instead */
	store_set_busy_timeout(w->store, 0);
	w->limiter = limiter_new();
	w->waiting_tail = &w->waiting;
	inline_open(w);
	*out = w;
	return 0;
}

int
web_handle(struct web *w, enum evhttp_cmd_type method, const char *target,
	   struct evkeyvalq *headers, const void *body, size_t body_len,
	   struct buf *reply)
{
	struct web_req *r = xcalloc(1, sizeof *r);
	struct evkeyvalq no_headers, out_headers;
	int status;

	TAILQ_INIT(&no_headers);
	TAILQ_INIT(&out_headers);
	TAILQ_INIT(&r->query);
	r->w = w;
	r->method = method;
	r->target = target;
	r->in_headers = headers != NULL ? headers : &no_headers;
	r->out_headers = &out_headers;
	r->body = evbuffer_new();
	r->reply = reply;
	snprintf(r->peer, sizeof r->peer, "127.0.0.1");
	evbuffer_add(r->body, body, body_len);
	/* what evhttp refuses before the route callback */
	if (body_len > WEB_MAX_BODY)
		web_error(r, 413, "the request body is larger than %d bytes", WEB_MAX_BODY);
	else if (req_headers_ok(r) < 0)
		;
	else if (req_parse(r) < 0)
		web_error(r, 400, "bad request path or query");
	else if (route(r) == WEB_BUSY)
		web_error(r, 503, "the database is busy: another process holds its lock; try again");
	status = r->reply_status;
	evbuffer_free(r->body);
	evhttp_clear_headers(&out_headers);
	req_free(r);
	return status;
}

int
web_start(struct event_base *base, struct config *cfg, struct sched *s,
	  struct web **out, struct sl_err *err)
{
	struct web *w;
	struct evhttp_bound_socket *bound;

	if (web_open(base, cfg, s, &w, err) < 0)
		return -1;
	w->http = evhttp_new(base);
	evhttp_set_max_body_size(w->http, WEB_MAX_BODY);
	evhttp_set_max_headers_size(w->http, 16 * 1024);
	evhttp_set_timeout(w->http, 60);
	/* PUT, PATCH and OPTIONS reach the router too, which answers them
	 * 405 with Allow as API.md says (libevent would answer a 501 page) */
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
				   EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(w->http, on_request, w);
	if ((bound = evhttp_bind_socket_with_handle(w->http, cfg->web_bind,
						    (ev_uint16_t)cfg->web_port)) == NULL) {
		int e = errno;

		evhttp_free(w->http);
		w->http = NULL;
		web_stop(w);
		return sl_err_set(err, "cannot listen on %s:%d (in use, or not an address of "
				  "this machine%s%s): web.bind and web.port in %s (or --bind and "
				  "--port) say where the UI listens",
				  cfg->web_bind, cfg->web_port,
				  e == EADDRINUSE || e == EADDRNOTAVAIL || e == EACCES ? ": " : "",
				  e == EADDRINUSE || e == EADDRNOTAVAIL || e == EACCES ? strerror(e) : "",
				  cfg->file);
	}
	/* port 0: the kernel chose one; the log and the default base_url
	 * (the links of emails and webhooks) name it */
	if (cfg->web_port == 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		evutil_socket_t fd = evhttp_bound_socket_get_fd(bound);

		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			cfg->web_port = ntohs(ss.ss_family == AF_INET6 ?
					      ((struct sockaddr_in6 *)&ss)->sin6_port :
					      ((struct sockaddr_in *)&ss)->sin_port);
		if (cfg->base_url_default) {
			free(cfg->base_url);
			cfg->base_url = NULL;
			config_default_base_url(cfg);
		}
	}
	log_emit(LOG_LEVEL_INFO, NULL, "web UI on http://%s:%d/", cfg->web_bind,
		 cfg->web_port);
	if (w->root_len > 0)
		log_emit(LOG_LEVEL_INFO, NULL, "web: served under %s/ as %s (web.base_url: "
			 "a reverse proxy sends that path here)", w->root, cfg->base_url);
	if (store_user_count(w->store) == 0)
		log_emit(LOG_LEVEL_WARN, NULL, "web: no one can log in yet: add the first "
			 "user with `sluice --home %s users add NAME --role admin`",
			 cfg->home);
	*out = w;
	return 0;
}

void
web_stop(struct web *w)
{
	if (w == NULL)
		return;
	if (w->http != NULL)
		evhttp_free(w->http);
	/* evhttp_free closed every connection: waiting requests are gone */
	while (w->waiting != NULL) {
		struct web_req *r = w->waiting;

		w->waiting = r->wait_next;
		req_free(r);
	}
	if (w->admit_ev != NULL)
		event_free(w->admit_ev);
	store_close(w->store);
	free(w->root);
	free(w->cookie);
	dagbag_free(&w->bag);
	limiter_free(w->limiter);
	free(w->dags_body.text);
	free(w);
}
