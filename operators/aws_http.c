/* aws_http.c: libcurl multi on a libevent loop (one CURLM per event_base),
 * each transfer a small state: buffered or streamed body, captured headers. */
#include "operators/aws_http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "base/lazylib.h"

/* One curl multi handle per event loop. */
struct http_loop {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	int in_flight;
	struct http_loop *next;
};

/* A socket curl asked us to watch. */
struct http_sock {
	struct http_loop *loop;
	struct event *ev;
};

struct aws_http_xfer {
	struct http_loop *loop;
	CURL *easy;
	struct curl_slist *headers;
	struct event *failed;		/* deferred report of a start failure */
	aws_http_done_fn done;
	void *arg;
	int (*sink)(void *, const void *, size_t);
	void *sink_arg;
	int streamed;
	int sink_aborted;
	int over_limit;
	struct buf body;
	char request_id[128];
	char error_type[128];
	char etag[256];
	char function_error[128];
	char log_result[8192];		/* 4 KiB of log, base64 */
	int64_t content_length;
	char curl_error[CURL_ERROR_SIZE];
};

static struct http_loop *loops;
static struct event_base *blocking_base;

static void check_done(struct http_loop *loop);

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop *loop = arg;
	int running;

	curl_multi_socket_action(loop->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(loop);
}

static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_loop *loop = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(loop->timer);
		return 0;
	}
	sl_ms_timeval(timeout_ms, &tv);
	evtimer_add(loop->timer, &tv);
	return 0;
}

static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct http_sock *s = arg;
	struct http_loop *loop = s->loop;	/* s may be freed below */
	int running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(loop->multi, fd, action, &running);
	check_done(loop);
}

static int
multi_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
		void *socketp)
{
	struct http_loop *loop = userp;
	struct http_sock *s = socketp;
	short kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
			curl_multi_assign(loop->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->loop = loop;
		curl_multi_assign(loop->multi, fd, s);
	} else {
		event_free(s->ev);
	}
	s->ev = event_new(loop->base, fd, kind, on_socket, s);
	if (s->ev == NULL)
		sl_fatal("event_new failed");
	event_add(s->ev, NULL);
	return 0;
}

static struct http_loop *
loop_for(struct event_base *base)
{
	struct http_loop *loop;

	/* libcurl is loaded: aws_http_start, the only caller, loads it */
	for (loop = loops; loop != NULL; loop = loop->next)
		if (loop->base == base)
			return loop;
	loop = xcalloc(1, sizeof *loop);
	loop->base = base;
	loop->multi = curl_multi_init();
	loop->timer = evtimer_new(base, on_timer, loop);
	if (loop->multi == NULL || loop->timer == NULL)
		sl_fatal("cannot set up the HTTP loop");
	curl_multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, multi_socket_cb);
	curl_multi_setopt(loop->multi, CURLMOPT_SOCKETDATA, loop);
	curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(loop->multi, CURLMOPT_TIMERDATA, loop);
	/* Thousands of sensors poking at once queue inside curl instead of
	 * opening thousands of sockets; kept-alive connections are reused. */
	curl_multi_setopt(loop->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 16L);
	curl_multi_setopt(loop->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
	curl_multi_setopt(loop->multi, CURLMOPT_MAXCONNECTS, 64L);
	loop->next = loops;
	loops = loop;
	return loop;
}

static void
xfer_free(struct aws_http_xfer *x)
{
	if (x->failed != NULL)
		event_free(x->failed);
	if (x->easy != NULL)	/* NULL: libcurl could not be loaded */
		curl_easy_cleanup(x->easy);
	if (x->headers != NULL)
		curl_slist_free_all(x->headers);
	buf_free(&x->body);
	free(x);
}

static void
xfer_finish(struct aws_http_xfer *x, CURLcode code)
{
	struct aws_http_result res = { 0 };
	long status = 0;

	if (x->easy != NULL)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	res.status = status;
	res.curl_code = code;
	if (code != CURLE_OK && x->curl_error[0] == '\0')
		snprintf(x->curl_error, sizeof x->curl_error, "%s",
			 curl_easy_strerror(code));
	if (x->over_limit)
		snprintf(x->curl_error, sizeof x->curl_error,
			 "answer larger than %u bytes", AWS_HTTP_BODY_LIMIT);
	res.curl_error = code == CURLE_OK ? "" : x->curl_error;
	res.body = buf_str(&x->body);
	res.body_len = x->body.len;
	res.content_length = x->content_length;
	res.request_id = x->request_id[0] ? x->request_id : NULL;
	res.error_type = x->error_type[0] ? x->error_type : NULL;
	res.etag = x->etag[0] ? x->etag : NULL;
	res.function_error = x->function_error[0] ? x->function_error : NULL;
	res.log_result = x->log_result[0] ? x->log_result : NULL;
	res.streamed = x->streamed;
	res.sink_aborted = x->sink_aborted;
	x->done(x->arg, &res);
	xfer_free(x);
}

static void
check_done(struct http_loop *loop)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(loop->multi, &left)) != NULL) {
		struct aws_http_xfer *x;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		CURLcode code = msg->data.result;
		curl_multi_remove_handle(loop->multi, x->easy);
		loop->in_flight--;
		xfer_finish(x, code);
	}
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct aws_http_xfer *x = arg;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (x->sink != NULL && status >= 200 && status < 300) {
		x->streamed = 1;
		if (x->sink(x->sink_arg, data, n) < 0) {
			x->sink_aborted = 1;
			return 0;	/* CURLE_WRITE_ERROR */
		}
		return n;
	}
	if (buf_add(&x->body, data, n) < 0) {
		x->over_limit = 1;
		return 0;
	}
	return n;
}

/* Keep a header's value if its name matches. */
static void
grab_header(const char *line, size_t n, const char *name, char *out,
	    size_t outsz)
{
	size_t nl = strlen(name);

	if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	line += nl + 1;
	n -= nl + 1;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		n--;
	snprintf(out, outsz, "%.*s", (int)n, line);
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct aws_http_xfer *x = arg;
	size_t n = size * nmemb;
	char len[32] = "";

	if (n > 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new answer (after 100 Continue or a retry): start over. */
		x->request_id[0] = x->error_type[0] = x->etag[0] = '\0';
		x->function_error[0] = x->log_result[0] = '\0';
		x->content_length = -1;
		return n;
	}
	grab_header(line, n, "x-amz-request-id", x->request_id,
		    sizeof x->request_id);
	grab_header(line, n, "x-amzn-RequestId", x->request_id,
		    sizeof x->request_id);
	grab_header(line, n, "x-amzn-ErrorType", x->error_type,
		    sizeof x->error_type);
	grab_header(line, n, "ETag", x->etag, sizeof x->etag);
	grab_header(line, n, "X-Amz-Function-Error", x->function_error,
		    sizeof x->function_error);
	grab_header(line, n, "X-Amz-Log-Result", x->log_result,
		    sizeof x->log_result);
	grab_header(line, n, "Content-Length", len, sizeof len);
	if (len[0] != '\0') {
		long long v;

		if (sl_parse_int(len, 0, INT64_MAX, &v) == 0)
			x->content_length = v;
	}
	return n;
}

static void
on_start_failed(evutil_socket_t fd, short what, void *arg)
{
	xfer_finish(arg, CURLE_FAILED_INIT);
}

struct aws_http_xfer *
aws_http_start(struct event_base *base, const struct aws_http_request *req,
	       aws_http_done_fn done, void *arg)
{
	struct aws_http_xfer *x = xcalloc(1, sizeof *x);
	const char *m = req->method;
	struct http_loop *loop;
	struct sl_err err;
	CURLMcode mc;

	x->done = done;
	x->arg = arg;
	x->sink = req->sink;
	x->sink_arg = req->sink_arg;
	x->content_length = -1;
	buf_init(&x->body, AWS_HTTP_BODY_LIMIT);
	if (lazylib_load(LAZYLIB_CURL, &err) < 0) {
		/* done() hears it as a transfer that could not start: the
		 * task fails with the reason, the process goes on */
		snprintf(x->curl_error, sizeof x->curl_error, "%.*s",
			 (int)sizeof x->curl_error - 1, err.msg);
		x->failed = event_new(base, -1, 0, on_start_failed, x);
		event_active(x->failed, 0, 0);
		return x;
	}
	x->loop = loop = loop_for(base);
	x->easy = curl_easy_init();
	if (x->easy == NULL)
		sl_fatal("curl_easy_init failed");
	for (size_t i = 0; req->headers != NULL && req->headers[i]; i++)
		x->headers = curl_slist_append(x->headers, req->headers[i]);
	/* curl would add these on its own; they are not ours to sign. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	x->headers = curl_slist_append(x->headers, "Accept:");

	curl_easy_setopt(x->easy, CURLOPT_URL, req->url);
	/* the path as signed: an S3 key is data, "a/../b.csv" one key
	 * (curl would squash it to /b.csv, or a key's "../../" into
	 * another bucket's path, and the signature no longer matched) */
	curl_easy_setopt(x->easy, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->curl_error);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "sluice");
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms
						     : 5000L);
	if (req->timeout_ms > 0) {
		curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	} else {
		curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME, 60L);
	}
	if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
	} else if (req->body != NULL || strcmp(m, "POST") == 0 ||
		   strcmp(m, "PUT") == 0) {
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)req->body_len);
		curl_easy_setopt(x->easy, CURLOPT_COPYPOSTFIELDS,
				 req->body != NULL ? req->body : "");
		if (strcmp(m, "POST") != 0)
			curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, m);
	} else if (strcmp(m, "GET") != 0) {
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, m);
	}

	mc = curl_multi_add_handle(loop->multi, x->easy);
	if (mc != CURLM_OK) {
		snprintf(x->curl_error, sizeof x->curl_error, "%s",
			 curl_multi_strerror(mc));
		x->failed = event_new(base, -1, 0, on_start_failed, x);
		event_active(x->failed, 0, 0);
		return x;
	}
	loop->in_flight++;
	return x;
}

void
aws_http_cancel(struct aws_http_xfer *x)
{
	if (x == NULL)
		return;
	if (x->failed == NULL) {
		curl_multi_remove_handle(x->loop->multi, x->easy);
		x->loop->in_flight--;
	}
	xfer_free(x);
}

struct event_base *
aws_http_blocking_base(void)
{
	if (blocking_base == NULL) {
		blocking_base = event_base_new();
		if (blocking_base == NULL)
			sl_fatal("event_base_new failed");
	}
	return blocking_base;
}

void
aws_http_run_until(struct event_base *base, const int *flag)
{
	while (!*flag) {
		int rc = event_base_loop(base, EVLOOP_ONCE);

		if (rc < 0)
			sl_fatal("event loop failed");
		if (rc == 1)	/* nothing pending: the flag can never change */
			sl_fatal("blocking AWS call with nothing in flight");
	}
}

int
aws_http_in_flight(struct event_base *base)
{
	for (struct http_loop *loop = loops; loop != NULL; loop = loop->next)
		if (loop->base == base)
			return loop->in_flight;
	return 0;
}
