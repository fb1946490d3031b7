/* aws_client.c: signed AWS calls with retries, over aws_http. */
#include "operators/aws_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "base/lazylib.h"
#include "operators/aws_creds.h"
#include "operators/aws_http.h"
#include "operators/aws_sigv4.h"
#include "operators/aws_xml.h"

int64_t (*aws_clock_ms)(void) = sl_now_ms;
int aws_retry_base_ms = 100;

/* Longest back-off between two attempts. */
#define RETRY_CAP_MS 20000

struct aws_client {
	char *service;		/* "s3", "glue", "emr", "sts", "athena", ... */
	const char *signing_name; /* "elasticmapreduce" for emr */
	char *region;
	char *scheme;		/* "https" */
	char *host;		/* host[:port] as it goes in Host: */
	char *base_path;	/* "" or "/prefix" of a custom endpoint */
	int custom_endpoint;	/* S3: path-style addressing */
	char *describe;
	struct aws_creds_provider *creds; /* process-wide cache, not owned */
};

struct aws_call {
	struct aws_client *client;
	struct event_base *base;
	char *method;
	char *host;
	char *path;		/* encoded, with the bucket when path-style */
	char *query;
	char *target;
	char *content_type;
	char *extra[2 * AWS_CALL_MAX_HEADERS];	/* name, value pairs */
	size_t nextra;
	char *body;
	size_t body_len;
	char payload_hash[65];
	int (*sink)(void *, const void *, size_t);
	void *sink_arg;
	long timeout_ms;
	char *what;
	int attempts;
	int max_attempts;
	int refreshed;
	struct aws_creds_wait *wait;
	struct aws_http_xfer *xfer;
	struct event *timer;	/* back-off, or a deferred failure */
	struct sl_err pending;	/* failure to report from the timer */
	aws_call_done_fn done;
	void *arg;
};

static const char *
signing_name(const char *service)
{
	if (strcmp(service, "emr") == 0)
		return "elasticmapreduce";
	return service;
}

/* Split an endpoint URL into scheme, Host: value and base path. */
static int
client_set_endpoint(struct aws_client *c, const char *url, struct sl_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	int rc = -1;

	if (u == NULL)
		sl_fatal("curl_url failed");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		sl_err_set(err, "bad AWS endpoint URL '%s'", url);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		sl_err_set(err, "AWS endpoint '%s' is not http(s)", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	c->scheme = xstrdup(scheme);
	c->host = port ? xasprintf("%s:%s", host, port) : xstrdup(host);
	c->base_path = xstrdup(path && strcmp(path, "/") != 0 ? path : "");
	if (sl_str_ends(c->base_path, "/"))
		c->base_path[strlen(c->base_path) - 1] = '\0';
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

static struct aws_client *
client_alloc(const char *service, const char *region,
	     struct aws_creds_provider *creds)
{
	struct aws_client *c = xcalloc(1, sizeof *c);

	c->service = xstrdup(service);
	c->signing_name = signing_name(service);
	c->region = xstrdup(region);
	c->creds = creds;
	return c;
}

static int
client_endpoint(struct aws_client *c, const char *endpoint_url,
		struct sl_err *err)
{
	char *def;
	int rc;

	/* every AWS call goes through libcurl (base/lazylib.h): a client
	 * that could not make one is refused here, with the reason */
	if (lazylib_load(LAZYLIB_CURL, err) < 0)
		return -1;
	if (endpoint_url != NULL && *endpoint_url != '\0') {
		c->custom_endpoint = 1;
		return client_set_endpoint(c, endpoint_url, err);
	}
	def = xasprintf("https://%s.%s.amazonaws.com", c->signing_name,
			c->region);
	rc = client_set_endpoint(c, def, err);
	free(def);
	return rc;
}

struct aws_client *
aws_client_with(const char *service, const char *region,
		const char *endpoint_url, struct aws_creds_provider *creds)
{
	struct aws_client *c = client_alloc(service, region, creds);
	struct sl_err err;

	if (client_endpoint(c, endpoint_url, &err) < 0)
		sl_fatal("%s", err.msg);
	c->describe = xasprintf("%s at %s://%s%s (%s)", service, c->scheme,
				c->host, c->base_path, region);
	return c;
}

int
aws_client_new(const json_t *conn, const char *service,
	       struct aws_client **out, struct sl_err *err)
{
	struct aws_settings s;
	struct aws_client *c;

	*out = NULL;
	if (strcmp(service, "s3") != 0 && strcmp(service, "glue") != 0 &&
	    strcmp(service, "emr") != 0 && strcmp(service, "sts") != 0 &&
	    strcmp(service, "athena") != 0 && strcmp(service, "lambda") != 0)
		return sl_err_set(err, "unknown AWS service '%s'", service);
	if (aws_settings_resolve(conn, service, &s, err) < 0)
		return -1;
	c = client_alloc(service, s.region, s.creds);
	if (client_endpoint(c, s.endpoint_url, err) < 0) {
		aws_settings_free(&s);
		aws_client_free(c);
		return -1;
	}
	c->describe = xasprintf("%s at %s://%s%s (%s, credentials from %s)",
				service, c->scheme, c->host, c->base_path,
				c->region, s.source);
	aws_settings_free(&s);
	*out = c;
	return 0;
}

void
aws_client_free(struct aws_client *c)
{
	if (c == NULL)
		return;
	free(c->service);
	free(c->region);
	free(c->scheme);
	free(c->host);
	free(c->base_path);
	free(c->describe);
	free(c);
}

const char *
aws_client_region(const struct aws_client *c)
{
	return c->region;
}

const char *
aws_client_describe(const struct aws_client *c)
{
	return c->describe;
}

void
aws_reply_free(struct aws_reply *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->error_code);
	free(r->error_message);
	free(r->request_id);
	free(r->etag);
	free(r->function_error);
	free(r->log_result);
	memset(r, 0, sizeof *r);
}

/* A bucket name usable as a DNS label under the S3 endpoint. */
static int
bucket_dns_ok(const char *b)
{
	for (const char *p = b; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return 0;
	return *b != '\0';
}

static void call_send(struct aws_call *call);
static void call_get_creds(struct aws_call *call);

static void
call_free(struct aws_call *call)
{
	if (call->timer != NULL)
		event_free(call->timer);
	free(call->method);
	free(call->host);
	free(call->path);
	free(call->query);
	free(call->target);
	free(call->content_type);
	for (size_t i = 0; i < call->nextra; i++)
		free(call->extra[i]);
	free(call->body);
	free(call->what);
	free(call);
}

void
aws_call_cancel(struct aws_call *call)
{
	if (call == NULL)
		return;
	aws_creds_wait_cancel(call->wait);
	aws_http_cancel(call->xfer);
	call_free(call);
}

static void
call_fail_now(struct aws_call *call, const struct sl_err *err)
{
	struct aws_reply r = { 0 };

	r.content_length = -1;
	r.body = "";
	r.attempts = call->attempts;
	call->done(call->arg, &r, err);
	call_free(call);
}

static void
on_pending_failure(evutil_socket_t fd, short what, void *arg)
{
	struct aws_call *call = arg;

	call_fail_now(call, &call->pending);
}

/* Report a failure from a later loop iteration (done is never called from
 * inside aws_call_start). */
static void
call_fail_later(struct aws_call *call)
{
	if (call->timer != NULL)
		event_free(call->timer);
	call->timer = event_new(call->base, -1, 0, on_pending_failure, call);
	event_active(call->timer, 0, 0);
}

static void
on_creds(void *arg, const struct aws_creds *creds, const struct sl_err *err)
{
	struct aws_call *call = arg;
	struct sl_err e;

	call->wait = NULL;
	if (err != NULL) {
		sl_err_set(&e, "%s: %s", call->what, err->msg);
		call_fail_now(call, &e);
		return;
	}
	call_send(call);
}

static void
call_get_creds(struct aws_call *call)
{
	if (aws_creds_current(call->client->creds) != NULL) {
		call_send(call);
		return;
	}
	call->wait = aws_creds_refresh(call->client->creds, call->base,
				       on_creds, call);
}

/* The error code AWS puts in the body (XML or JSON) or headers. */
static void
parse_error(const struct aws_http_result *res, char **code, char **message)
{
	*code = *message = NULL;
	if (res->body_len > 0 && res->body[0] == '<') {
		*code = aws_xml_find(res->body, res->body_len, "Error/Code");
		*message = aws_xml_find(res->body, res->body_len,
					"Error/Message");
	} else if (res->body_len > 0 && res->body[0] == '{') {
		json_t *j = json_loadb(res->body, res->body_len, 0, NULL);
		const char *t = json_string_value(json_object_get(j, "__type"));
		const char *m = json_string_value(json_object_get(j, "message"));

		if (m == NULL)
			m = json_string_value(json_object_get(j, "Message"));
		if (t != NULL)
			*code = xstrdup(t);
		if (m != NULL)
			*message = xstrdup(m);
		json_decref(j);
	}
	if (*code == NULL && res->error_type != NULL)
		*code = xstrdup(res->error_type);
	if (*code != NULL) {
		/* "aws.protocol#CrawlerRunningException:http://..." */
		char *hash = strrchr(*code, '#'), *colon;

		if (hash != NULL)
			memmove(*code, hash + 1, strlen(hash + 1) + 1);
		if ((colon = strchr(*code, ':')) != NULL)
			*colon = '\0';
	}
	if (*code == NULL) {
		switch (res->status) {
		case 301: *code = xstrdup("PermanentRedirect"); break;
		case 400: *code = xstrdup("BadRequest"); break;
		case 403: *code = xstrdup("Forbidden"); break;
		case 404: *code = xstrdup("NotFound"); break;
		case 503: *code = xstrdup("ServiceUnavailable"); break;
		default: *code = xasprintf("HTTP%ld", res->status); break;
		}
	}
}

static int
code_is_throttling(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException", "RequestLimitExceeded",
		"BandwidthLimitExceeded", "LimitExceededException",
		"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException", "TransactionInProgressException",
		"RequestTimeout", "RequestTimeoutException", "InternalError",
		"ServiceUnavailable",
	};

	for (size_t i = 0; code != NULL && i < SL_ARRAY_LEN(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
code_is_expired(const char *code)
{
	return code != NULL && (strcmp(code, "ExpiredToken") == 0 ||
				strcmp(code, "ExpiredTokenException") == 0 ||
				strcmp(code, "RequestExpired") == 0 ||
				strcmp(code, "InvalidToken") == 0);
}

static int
curl_code_retryable(int code)
{
	return code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT ||
	       code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR ||
	       code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE ||
	       code == CURLE_COULDNT_RESOLVE_HOST;
}

static void
on_backoff(evutil_socket_t fd, short what, void *arg)
{
	call_get_creds(arg);
}

/* Full jitter: a random delay up to base * 2^attempt, capped. */
static void
call_retry_later(struct aws_call *call)
{
	int64_t cap = (int64_t)aws_retry_base_ms << SL_MIN(call->attempts, 16);
	int64_t delay;
	struct timeval tv;

	if (cap > RETRY_CAP_MS)
		cap = RETRY_CAP_MS;
	delay = cap > 0 ? (int64_t)(random() % cap) : 0;
	sl_ms_timeval(delay, &tv);
	if (call->timer != NULL)
		event_free(call->timer);
	call->timer = evtimer_new(call->base, on_backoff, call);
	evtimer_add(call->timer, &tv);
}

static void
on_http_done(void *arg, const struct aws_http_result *res)
{
	struct aws_call *call = arg;
	struct aws_reply r = { 0 };
	struct sl_err err;
	char *code = NULL, *message = NULL;
	int retry = 0;

	call->xfer = NULL;
	r.status = res->status;
	r.body = (char *)res->body;
	r.body_len = res->body_len;
	r.content_length = res->content_length;
	r.request_id = (char *)res->request_id;
	r.etag = (char *)res->etag;
	r.function_error = (char *)res->function_error;
	r.log_result = (char *)res->log_result;
	r.attempts = call->attempts;

	if (res->curl_code == CURLE_OK && res->status >= 200 &&
	    res->status < 300) {
		call->done(call->arg, &r, NULL);
		call_free(call);
		return;
	}
	if (res->sink_aborted) {
		sl_err_set(&err, "%s: stopped by its reader", call->what);
		call->done(call->arg, &r, &err);
		call_free(call);
		return;
	}
	if (res->curl_code != CURLE_OK) {
		retry = curl_code_retryable(res->curl_code);
		sl_err_set(&err, "%s: %s (%s://%s)", call->what,
			   res->curl_error, call->client->scheme, call->host);
	} else {
		parse_error(res, &code, &message);
		retry = res->status >= 500 || res->status == 429 ||
			code_is_throttling(code);
		if (code_is_expired(code) && !call->refreshed &&
		    aws_creds_invalidate(call->client->creds)) {
			call->refreshed = 1;
			free(code);
			free(message);
			call_get_creds(call);
			return;
		}
		sl_err_set(&err, "%s: %s%s%s (HTTP %ld%s%s)", call->what, code,
			   message ? ": " : "", message ? message : "",
			   res->status, res->request_id ? ", request id " : "",
			   res->request_id ? res->request_id : "");
	}
	if (retry && !res->streamed && call->attempts < call->max_attempts) {
		free(code);
		free(message);
		call_retry_later(call);
		return;
	}
	r.error_code = code;
	r.error_message = message;
	call->done(call->arg, &r, &err);
	free(code);
	free(message);
	call_free(call);
}

/* Sign and send one attempt with the current credentials. */
static void
call_send(struct aws_call *call)
{
	const struct aws_creds *cr = aws_creds_current(call->client->creds);
	struct aws_header h[8 + AWS_CALL_MAX_HEADERS];
	const char *lines[12 + AWS_CALL_MAX_HEADERS];
	char *owned[12 + AWS_CALL_MAX_HEADERS];
	size_t nh = 0, nl = 0;
	struct aws_sigv4_request sr = { 0 };
	struct aws_sigv4_result sig;
	struct aws_http_request hr = { 0 };
	struct sl_err err;
	char *url;

	if (cr == NULL) {	/* expired between refresh and send */
		call_get_creds(call);
		return;
	}
	call->attempts++;
	h[nh++] = (struct aws_header){ "host", call->host };
	h[nh++] = (struct aws_header){ "x-amz-date", "" };	/* below */
	h[nh++] = (struct aws_header){ "x-amz-content-sha256",
				       call->payload_hash };
	if (cr->session_token != NULL)
		h[nh++] = (struct aws_header){ "x-amz-security-token",
					       cr->session_token };
	if (call->target != NULL)
		h[nh++] = (struct aws_header){ "x-amz-target", call->target };
	if (call->content_type != NULL)
		h[nh++] = (struct aws_header){ "content-type",
					       call->content_type };
	for (size_t i = 0; i + 1 < call->nextra; i += 2)
		h[nh++] = (struct aws_header){ call->extra[i],
					       call->extra[i + 1] };

	/* The date is known only once signed; sign with the clock's time,
	 * then put the same string in the header. */
	char amz_date[17];
	{
		time_t t = (time_t)(aws_clock_ms() / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
		h[1].value = amz_date;
		sr.time_s = (int64_t)t;
	}
	sr.method = call->method;
	sr.path = call->path;
	sr.query = call->query;
	sr.headers = h;
	sr.nheaders = nh;
	sr.payload_sha256 = call->payload_hash;
	sr.region = call->client->region;
	sr.service = call->client->signing_name;
	sr.access_key_id = cr->access_key_id;
	sr.secret_access_key = cr->secret_access_key;
	if (aws_sigv4_sign(&sr, &sig, &err) < 0) {
		call->pending = err;
		call_fail_later(call);
		return;
	}
	for (size_t i = 0; i < nh; i++) {
		owned[nl] = xasprintf("%s: %s", h[i].name, h[i].value);
		lines[nl] = owned[nl];
		nl++;
	}
	owned[nl] = xasprintf("Authorization: %s", sig.authorization);
	lines[nl] = owned[nl];
	nl++;
	lines[nl] = NULL;
	aws_sigv4_result_free(&sig);

	url = xasprintf("%s://%s%s%s%s", call->client->scheme, call->host,
			call->path, call->query && *call->query ? "?" : "",
			call->query ? call->query : "");
	hr.method = call->method;
	hr.url = url;
	hr.headers = lines;
	hr.body = call->body;
	hr.body_len = call->body_len;
	hr.sink = call->sink;
	hr.sink_arg = call->sink_arg;
	hr.timeout_ms = call->timeout_ms;
	call->xfer = aws_http_start(call->base, &hr, on_http_done, call);
	free(url);
	for (size_t i = 0; i < nl; i++) {
		/* the Authorization and token lines were copied by curl */
		explicit_bzero(owned[i], strlen(owned[i]));
		free(owned[i]);
	}
}

struct aws_call *
aws_call_start(struct aws_client *c, struct event_base *base,
	       const struct aws_call_opts *o, aws_call_done_fn done, void *arg)
{
	struct aws_call *call = xcalloc(1, sizeof *call);
	const char *env = getenv("AWS_MAX_ATTEMPTS");
	long long attempts = 5;
	struct buf path;

	call->client = c;
	call->base = base;
	call->done = done;
	call->arg = arg;
	call->method = xstrdup(o->method ? o->method : "GET");
	if (env != NULL && sl_parse_int(env, 1, 20, &attempts) < 0)
		attempts = 5;
	call->max_attempts = (int)attempts;
	buf_init(&path, 0);
	buf_adds(&path, c->base_path);
	if (o->bucket != NULL && !c->custom_endpoint &&
	    bucket_dns_ok(o->bucket)) {
		/* virtual-hosted style: bucket.s3.region.amazonaws.com/key */
		call->host = xasprintf("%s.%s", o->bucket, c->host);
		buf_addc(&path, '/');
	} else if (o->bucket != NULL) {
		call->host = xstrdup(c->host);
		buf_addc(&path, '/');
		aws_uri_encode(&path, o->bucket, 0);
		buf_addc(&path, '/');
	} else {
		call->host = xstrdup(c->host);
		buf_adds(&path, o->path ? o->path : "/");
	}
	if (o->bucket != NULL && o->key != NULL)
		aws_uri_encode(&path, o->key, 1);
	else if (o->bucket != NULL && path.len > 1)
		path.data[--path.len] = '\0';	/* "/bucket", no slash after */
	call->path = buf_steal(&path);
	call->query = o->query ? xstrdup(o->query) : NULL;
	call->target = o->target ? xstrdup(o->target) : NULL;
	call->content_type = o->content_type ? xstrdup(o->content_type) : NULL;
	for (size_t i = 0; o->headers != NULL && o->headers[i] != NULL &&
	     o->headers[i + 1] != NULL && i < 2 * AWS_CALL_MAX_HEADERS; i += 2) {
		call->extra[call->nextra++] = xstrdup(o->headers[i]);
		call->extra[call->nextra++] = xstrdup(o->headers[i + 1]);
	}
	if (o->body != NULL) {
		call->body = xmalloc(o->body_len + 1);
		memcpy(call->body, o->body, o->body_len);
		call->body[o->body_len] = '\0';
		call->body_len = o->body_len;
	}
	aws_sha256_hex(call->body ? call->body : "", call->body_len,
		       call->payload_hash);
	call->sink = o->sink;
	call->sink_arg = o->sink_arg;
	call->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms
			 : o->sink != NULL ? 0 : 60000;
	call->what = xstrdup(o->what ? o->what : call->method);
	call_get_creds(call);
	return call;
}

struct blocking_call {
	int finished;
	int failed;
	struct aws_reply *reply;
	struct sl_err *err;
};

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
on_blocking_done(void *arg, const struct aws_reply *r, const struct sl_err *err)
{
	struct blocking_call *bc = arg;

	bc->finished = 1;
	bc->failed = err != NULL;
	if (err != NULL && bc->err != NULL)
		*bc->err = *err;
	if (bc->reply != NULL) {
		bc->reply->status = r->status;
		bc->reply->body = xmalloc(r->body_len + 1);
		memcpy(bc->reply->body, r->body ? r->body : "", r->body_len);
		bc->reply->body[r->body_len] = '\0';
		bc->reply->body_len = r->body_len;
		bc->reply->content_length = r->content_length;
		bc->reply->error_code = dup_or_null(r->error_code);
		bc->reply->error_message = dup_or_null(r->error_message);
		bc->reply->request_id = dup_or_null(r->request_id);
		bc->reply->etag = dup_or_null(r->etag);
		bc->reply->function_error = dup_or_null(r->function_error);
		bc->reply->log_result = dup_or_null(r->log_result);
		bc->reply->attempts = r->attempts;
	}
}

int
aws_call(struct aws_client *c, const struct aws_call_opts *o,
	 struct aws_reply *reply, struct sl_err *err)
{
	struct blocking_call bc = { 0, 0, reply, err };
	struct event_base *base = aws_http_blocking_base();

	if (reply != NULL)
		memset(reply, 0, sizeof *reply);
	aws_call_start(c, base, o, on_blocking_done, &bc);
	aws_http_run_until(base, &bc.finished);
	return bc.failed ? -1 : 0;
}
