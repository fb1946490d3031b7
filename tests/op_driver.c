/* op_driver: runs one task type the way sluice does, for the operator
 * tests, with the spec (operator.h) on standard input:
 *
 *   op_driver run TYPE     run() in this process; exit status is its result
 *   op_driver poke TYPE    poke_once() (the `--poke` path): 0 met,
 *                          99 not yet, 1 error
 *   op_driver wait TYPE    a sensor waiting as in the scheduler: poke_start()
 *                          on a libevent loop every options.poke_interval
 *                          (exponential_backoff / max_poke_interval honoured)
 *                          until met, an error, or options.timeout (ms);
 *                          prints "state: success|failed|skipped" (skipped
 *                          on timeout with soft_fail)
 *
 * It stands in for `sluice operator TYPE` and the scheduler's poke timers in
 * the tests of the AWS operators; both end in the same operator calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "operators/operator.h"

struct waiter {
	struct event_base *base;
	const struct operator *op;
	const json_t *spec;
	struct event *timer;
	int64_t interval, max_interval, deadline;
	int backoff, soft_fail, pokes;
	const char *state;
};

static void poke(evutil_socket_t fd, short what, void *arg);

static void
schedule(struct waiter *w)
{
	int64_t now = sl_mono_ms(), delay = w->interval;
	struct timeval tv;

	if (now + delay > w->deadline)
		delay = SL_MAX(w->deadline - now, 0);
	sl_ms_timeval(delay, &tv);
	evtimer_add(w->timer, &tv);
}

static void
on_poke_done(void *arg, enum op_poke_result r, const char *msg)
{
	struct waiter *w = arg;

	printf("poke %d: %s\n", w->pokes, msg);
	fflush(stdout);
	if (r == OP_POKE_DONE) {
		w->state = "success";
	} else if (r == OP_POKE_ERROR) {
		w->state = "failed";
	} else if (sl_mono_ms() >= w->deadline) {
		printf("sensor timed out\n");
		w->state = w->soft_fail ? "skipped" : "failed";
	} else {
		if (w->backoff && w->pokes > 1)
			w->interval = SL_MIN(w->interval * 2, w->max_interval);
		schedule(w);
		return;
	}
	event_base_loopbreak(w->base);
}

static void
poke(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	w->pokes++;
	w->op->poke_start(w->base, w->spec, on_poke_done, w);
}

int
main(int argc, char **argv)
{
	const struct operator *op;
	json_error_t jerr;
	json_t *spec;
	int rc;

	operators_register();
	if (argc != 3) {
		fprintf(stderr, "usage: op_driver run|poke|wait TYPE < spec.json\n");
		return 2;
	}
	if ((op = operator_find(argv[2])) == NULL) {
		fprintf(stderr, "op_driver: no task type %s\n", argv[2]);
		return 2;
	}
	if ((spec = json_loadf(stdin, 0, &jerr)) == NULL) {
		fprintf(stderr, "op_driver: spec: %s\n", jerr.text);
		return 2;
	}
	{
		char path[SL_ERR_PATH];
		struct sl_err err;

		if (op_check_first(op, json_object_get(spec, "options"), path,
				   sizeof path, &err) < 0) {
			fprintf(stderr, "op_driver: invalid %s: %s\n",
				path[0] != '\0' ? path : "task", err.msg);
			return 2;
		}
	}
	if (strcmp(argv[1], "run") == 0) {
		rc = op->run(spec);
	} else if (strcmp(argv[1], "poke") == 0) {
		enum op_poke_result r = op->poke_once(spec);

		rc = r == OP_POKE_DONE ? 0 : r == OP_POKE_NOT_YET
		     ? OP_POKE_NOT_YET_EXIT : 1;
	} else if (strcmp(argv[1], "wait") == 0) {
		struct waiter w = { 0 };

		w.base = event_base_new();
		w.op = op;
		w.spec = spec;
		w.interval = op_opt_int(spec, "poke_interval", 60000);
		w.max_interval = op_opt_int(spec, "max_poke_interval", 3600000);
		w.backoff = op_opt_bool(spec, "exponential_backoff", 0);
		w.soft_fail = op_opt_bool(spec, "soft_fail", 0);
		w.deadline = sl_mono_ms() + op_opt_int(spec, "timeout", 60000);
		w.timer = evtimer_new(w.base, poke, &w);
		event_active(w.timer, 0, 0);
		event_base_dispatch(w.base);
		printf("state: %s after %d pokes\n", w.state ? w.state : "?",
		       w.pokes);
		event_free(w.timer);
		event_base_free(w.base);
		rc = w.state != NULL && strcmp(w.state, "failed") != 0 ? 0 : 1;
	} else {
		fprintf(stderr, "op_driver: unknown mode %s\n", argv[1]);
		rc = 2;
	}
	json_decref(spec);
	return rc;
}
