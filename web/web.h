/*
 * web.h: the HTTP server (libevent evhttp) for the web UI, the REST API,
 * /health and /metrics. It runs on the scheduler's event loop in
 * `sluice standalone`, or alone in `sluice web`.
 */
#ifndef SLUICE_WEB_H
#define SLUICE_WEB_H

#include "base/util.h"

struct config;
struct event_base;
struct sched;
struct web;

/* Serve on cfg->web_bind:cfg->web_port. s is the scheduler in the same
 * process (may be NULL for `sluice web`). cfg stays owned by the caller
 * and must outlive the server. */
int web_start(struct event_base *base, struct config *cfg, struct sched *s,
	      struct web **out, struct sl_err *err);
void web_stop(struct web *w);

#endif
