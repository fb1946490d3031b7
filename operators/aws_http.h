/*
 * aws_http.h: HTTP transfers for the AWS client, through libcurl's multi
 * interface driven by a libevent event_base.
 *
 * In the scheduler the base is the scheduler's own loop, so a sensor's poke
 * never blocks it. In an operator process (`sluice operator TYPE`) blocking
 * calls run the same code on a private base until their transfer is done
 * (aws_http_run_until), so there is one implementation of transfers,
 * retries and credential refresh, not two.
 */
#ifndef SLUICE_AWS_HTTP_H
#define SLUICE_AWS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

struct event_base;
struct aws_http_xfer;

/* Largest body kept in memory (errors, listings, JSON answers). Object
 * bodies go to a sink instead and are never held whole. */
#define AWS_HTTP_BODY_LIMIT (64u << 20)

struct aws_http_request {
	const char *method;		/* GET HEAD PUT POST DELETE */
	const char *url;
	const char *const *headers;	/* "Name: value" lines, NULL-ended */
	const void *body;		/* sent with Content-Length; may be NULL */
	size_t body_len;
	long connect_timeout_ms;	/* 0: 5 s */
	long timeout_ms;		/* whole transfer, 0: none (then a
					 * stall of 60 s aborts it instead) */
	/* Optional: a 2xx answer's body goes here chunk by chunk instead of
	 * being buffered; returning -1 aborts the transfer. */
	int (*sink)(void *arg, const void *data, size_t len);
	void *sink_arg;
};

struct aws_http_result {
	long status;			/* 0 when no answer came */
	int curl_code;			/* CURLE_OK (0) or the transport error */
	const char *curl_error;		/* "" or why the transfer failed */
	const char *body;		/* buffered body ("" when streamed) */
	size_t body_len;
	int64_t content_length;		/* from the answer's headers, or -1 */
	const char *request_id;		/* x-amz-request-id / x-amzn-RequestId */
	const char *error_type;		/* x-amzn-ErrorType, or NULL */
	const char *etag;		/* ETag, or NULL */
	const char *function_error;	/* Lambda: X-Amz-Function-Error */
	const char *log_result;		/* Lambda: X-Amz-Log-Result (base64) */
	int streamed;			/* some body bytes went to the sink */
	int sink_aborted;		/* the sink returned -1 */
};

/* Called once when the transfer ends; res is valid during the call only.
 * The transfer is freed after the callback returns. */
typedef void (*aws_http_done_fn)(void *arg, const struct aws_http_result *res);

/* Start a transfer on base. Never blocks; done comes from a later loop
 * iteration. Returns a handle valid until done is called. */
struct aws_http_xfer *aws_http_start(struct event_base *base,
				     const struct aws_http_request *req,
				     aws_http_done_fn done, void *arg);
/* Abort a transfer in flight; done is not called. */
void aws_http_cancel(struct aws_http_xfer *x);

/* The private loop of blocking calls in an operator process. */
struct event_base *aws_http_blocking_base(void);
/* Run base until *flag becomes non-zero. */
void aws_http_run_until(struct event_base *base, const int *flag);

/* Transfers in flight on base (for tests and the bench). */
int aws_http_in_flight(struct event_base *base);

#endif
