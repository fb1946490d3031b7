/* web.c: the HTTP server: routes for /health (more come with the UI). */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "../scheduler/config.h"
#include "../scheduler/sched.h"

struct web {
	struct evhttp *http;
	struct config *cfg;
	struct sched *sched;
};

static void
web_health(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evbuffer_add_printf(out, "{\"status\":\"ok\"}\n");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

int
web_start(struct event_base *base, struct config *cfg, struct sched *s,
	  struct web **out, struct sl_err *err)
{
	struct web *w = xcalloc(1, sizeof *w);

	w->cfg = cfg;
	w->sched = s;
	w->http = evhttp_new(base);
	evhttp_set_max_body_size(w->http, 1024 * 1024);
	evhttp_set_cb(w->http, "/health", web_health, w);
	if (evhttp_bind_socket(w->http, cfg->web_bind, (ev_uint16_t)cfg->web_port) != 0) {
		evhttp_free(w->http);
		free(w);
		return sl_err_set(err, "cannot listen on %s:%d (in use, or not an address of this machine)",
				  cfg->web_bind, cfg->web_port);
	}
	fprintf(stderr, "web UI on http://%s:%d/\n", cfg->web_bind, cfg->web_port);
	*out = w;
	return 0;
}

void
web_stop(struct web *w)
{
	if (w == NULL)
		return;
	evhttp_free(w->http);
	free(w);
}
