/*
 * unit_sched_webhook.c: webhook deliveries decided by the scheduler
 * (scheduler/sched_webhook.c), in the deterministic harness: which events
 * of notify_on record a delivery for which webhooks of notify (a task's,
 * the DAG's run), the payload (state, try, reason, the link), nothing for
 * events notify_on leaves out, and the claim: a pending delivery whose
 * sender is gone is claimed and sent again once its claim ran out, not
 * before, also across a restart; a sent one never again.
 *
 * The sender is this program started as `--home H operator webhook`: it
 * exits at once (main below), so rows stay as the scheduler wrote them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "operators/notify.h"
#include "scheduler/config.h"
#include "scheduler/sched_internal.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"
#include "web/links.h"

/* webhook_claim_ms() of the hooks below: 2 tries of 1 s, a back-off of
 * 100 ms, 5 s of slack */
#define CLAIM_MS (1000 + 100 + 1000 + 5000)

static void
hooks_cfg(struct config *cfg)
{
	cfg->webhooks = json_pack("{s:{s:s,s:s,s:i,s:I,s:I},s:{s:s,s:s,s:i,s:I,s:I}}",
	    "ops", "url", "http://127.0.0.1:9/secret-path", "format", "json",
	    "tries", 2, "retry_delay_ms", (json_int_t)100, "timeout_ms", (json_int_t)1000,
	    "chat", "url", "http://127.0.0.1:9/other-secret", "format", "slack",
	    "tries", 2, "retry_delay_ms", (json_int_t)100, "timeout_ms", (json_int_t)1000);
	free(cfg->base_url);
	cfg->base_url = xstrdup("http://ui.example");
}

static const struct h_dag_file files[] = {
	{ "hooks.yaml", "dag: hooks\nnotify: chat\n"
		"tasks:\n"
		"  breaks: {command: \"false\", retries: 1, retry_delay: 1m,\n"
		"           notify: [ops, chat], notify_on: [retry, failure]}\n"
		"  fine: {command: \"true\", notify: [ops]}\n"
		"  mailed: {command: \"true\", email: [a@example.com], email_on: [failure]}\n" },
	{ NULL, NULL },
};

struct row {
	int64_t id, claimed_until;
	char hook[32], event[32];
	json_t *payload;
};

struct rows {
	struct row v[32];
	int n;
};

static void
row_add(void *arg, const struct store_webhook_delivery *d)
{
	struct rows *r = arg;

	if (r->n >= 32)
		return;
	r->v[r->n].id = d->id;
	r->v[r->n].claimed_until = d->claimed_until;
	snprintf(r->v[r->n].hook, sizeof r->v[r->n].hook, "%s", d->hook);
	snprintf(r->v[r->n].event, sizeof r->v[r->n].event, "%s", d->event);
	r->v[r->n].payload = json_loads(d->payload, 0, NULL);
	r->n++;
}

static void
rows_read(struct rows *r)
{
	for (int i = 0; i < r->n; i++)
		json_decref(r->v[i].payload);
	r->n = 0;
	CHECK(store_webhook_pending(h_store(), row_add, r) == 0);
}

static const char *
pstr(const struct row *r, const char *k)
{
	const char *v = json_string_value(json_object_get(r->payload, k));

	return v ? v : "(null)";
}

/* "hook event task" of every pending row, by id */
static const char *
rows_text(struct rows *r)
{
	static char out[1024];
	size_t len = 0;

	out[0] = '\0';
	rows_read(r);
	for (int i = 0; i < r->n; i++)
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%s %s %s",
					i ? "; " : "", r->v[i].hook, r->v[i].event,
					pstr(&r->v[i], "task"));
	return out;
}

static void
test_events_and_payload(void)
{
	struct rows r = { .n = 0 };

	h_open(files, hooks_cfg);
	h_trigger("hooks", "p1");
	CHECK_EQ_INT(0, h_end("fine", "p1", 0));
	CHECK_EQ_INT(0, h_end("mailed", "p1", 0));
	/* fine's notify_on is the default [failure]: its success posts nothing */
	CHECK_EQ_STR("", rows_text(&r));
	CHECK_EQ_INT(0, h_end("breaks", "p1", 3));
	CHECK_EQ_STR("ops retry breaks; chat retry breaks", rows_text(&r));
	CHECK_EQ_STR("up_for_retry", pstr(&r.v[0], "state"));
	CHECK_EQ_INT(1, (int)json_integer_value(json_object_get(r.v[0].payload, "try")));
	CHECK_EQ_INT(2, (int)json_integer_value(json_object_get(r.v[0].payload, "max_tries")));
	CHECK_EQ_STR("exit code 3", pstr(&r.v[0], "reason"));
	CHECK_EQ_STR("p1", pstr(&r.v[0], "partition"));
	/* the try it is about: its page shows that try's log */
	CHECK_EQ_STR("http://ui.example/dags/hooks/runs/p1/tasks/breaks?try=1", pstr(&r.v[0], "url"));
	/* the URL is not in the row */
	{
		char *text = json_dumps(r.v[0].payload, 0);

		CHECK(text != NULL && strstr(text, "secret") == NULL);
		free(text);
	}
	CHECK(r.v[0].claimed_until == h_now() + CLAIM_MS);
	h_advance(60 * 1000);
	/* the recorded error as it is: the exit code and the task's last
	 * line, not after "error: " */
	CHECK_EQ_INT(0, h_end_saying("breaks", "p1", 3, "loading\nno such bucket: raw\n"));
	CHECK_EQ_STR("failed", h_ti("hooks", "breaks", "p1", "state"));
	CHECK_EQ_STR("failed", h_run_state("hooks", "p1"));
	/* the failure to both of the task's webhooks; the run's to the DAG's */
	rows_text(&r);
	CHECK_EQ_INT(5, r.n);
	CHECK_EQ_STR("ops", r.v[2].hook);
	CHECK_EQ_STR("failure", r.v[2].event);
	CHECK_EQ_STR("failed", pstr(&r.v[2], "state"));
	CHECK_EQ_INT(2, (int)json_integer_value(json_object_get(r.v[2].payload, "try")));
	CHECK_EQ_STR("exit code 3: no such bucket: raw", pstr(&r.v[2], "reason"));
	CHECK_EQ_STR("chat", r.v[3].hook);
	CHECK_EQ_STR("breaks", pstr(&r.v[3], "task"));
	CHECK_EQ_STR("chat", r.v[4].hook);
	CHECK_EQ_STR("failure", r.v[4].event);
	CHECK(json_is_null(json_object_get(r.v[4].payload, "task")));
	CHECK(json_is_null(json_object_get(r.v[4].payload, "try")));
	CHECK_EQ_STR("failed", pstr(&r.v[4], "state"));
	CHECK_EQ_STR("breaks failed", pstr(&r.v[4], "reason"));
	CHECK_EQ_STR("http://ui.example/dags/hooks/runs/p1", pstr(&r.v[4], "url"));
	for (int i = 0; i < r.n; i++)
		json_decref(r.v[i].payload);
	h_close();
}

/* A task whose notify_on: names events but which names no webhook
 * posts them to the DAG's (before, they were dropped without a word);
 * a task left at the default notify_on: does not, or each failure
 * would be posted beside its run's. */
static const struct h_dag_file fallback_files[] = {
	{ "fb.yaml", "dag: fb\nnotify: [chat]\n"
		"tasks:\n"
		"  retried: {command: \"false\", retries: 1, retry_delay: 1m,\n"
		"            notify_on: [retry]}\n"
		"  plain: {command: \"false\"}\n" },
	{ NULL, NULL },
};

static void
test_task_events_to_dag_webhooks(void)
{
	struct rows r = { .n = 0 };

	h_open(fallback_files, hooks_cfg);
	h_trigger("fb", "p1");
	CHECK_EQ_INT(0, h_end("retried", "p1", 3));
	CHECK_EQ_STR("chat retry retried", rows_text(&r));
	CHECK_EQ_INT(0, h_end("plain", "p1", 1));
	h_advance(60 * 1000);
	CHECK_EQ_INT(0, h_end("retried", "p1", 3));
	CHECK_EQ_STR("failed", h_run_state("fb", "p1"));
	/* retried's failure is not among its notify_on; plain's is, by
	 * default, but plain has no webhook of its own: the run's failure */
	CHECK_EQ_STR("chat retry retried; chat failure (null)", rows_text(&r));
	for (int i = 0; i < r.n; i++)
		json_decref(r.v[i].payload);
	h_close();
}

static void
test_claims(void)
{
	struct rows r = { .n = 0 };
	int64_t first;

	h_open(files, hooks_cfg);
	h_trigger("hooks", "p1");
	h_end("fine", "p1", 0);
	h_end("mailed", "p1", 0);
	h_end("breaks", "p1", 3);
	rows_read(&r);
	CHECK_EQ_INT(2, r.n);
	first = r.v[0].claimed_until;
	/* the sender died without a word: nothing before the claim ends */
	h_advance(CLAIM_MS - 1000);
	rows_read(&r);
	CHECK(r.v[0].claimed_until == first);
	/* then claimed again and sent again */
	h_advance(2000);
	rows_read(&r);
	CHECK_MSG(r.v[0].claimed_until > first, "claimed again: %lld > %lld",
		  (long long)r.v[0].claimed_until, (long long)first);
	/* one is sent: it stays sent; the other goes on being re-sent */
	CHECK_EQ_INT(1, store_webhook_end(h_store(), r.v[0].id, 1, 1, NULL));
	CHECK_EQ_INT(0, store_webhook_end(h_store(), r.v[0].id, 1, 1, NULL));
	first = r.v[1].claimed_until;
	/* a restart within the claim: a sender may still be at work (the
	 * senders started so far have exited first: a forked child holds
	 * the scheduler's lock until it execs) */
	while (waitpid(-1, NULL, 0) > 0)
		;
	h_restart();
	rows_read(&r);
	CHECK_EQ_INT(1, r.n);
	CHECK(r.v[0].claimed_until == first);
	/* the new scheduler wakes up when that claim runs out */
	h_advance(CLAIM_MS + 1000);
	rows_read(&r);
	CHECK_EQ_INT(1, r.n);
	CHECK(r.v[0].claimed_until > first);
	for (int i = 0; i < r.n; i++)
		json_decref(r.v[i].payload);
	h_close();
}

/* The one link of an event, for its email and its payload: a task's
 * page at the try for a try's events, the page alone for a freshness or
 * SLA event (no try), the grid at a partition without a run, the run's
 * page for the run; a freshness event has no try in its payload, nor an
 * SLA missed before a try started ("try 0 of 1" named none). */
static void
test_event_links(void)
{
	static const struct {
		const char *kind, *task;
		int try_number, no_run;
		const char *url;
		int has_try;
	} rows[] = {
		{ "failure", "load", 2, 0, "http://ui.example/dags/d/runs/p1/tasks/load?try=2", 1 },
		{ "sla_miss", "load", 1, 0, "http://ui.example/dags/d/runs/p1/tasks/load", 1 },
		/* missed before any try started: no try to name */
		{ "sla_miss", "load", 0, 0, "http://ui.example/dags/d/runs/p1/tasks/load", 0 },
		{ "late", "load", 0, 0, "http://ui.example/dags/d/runs/p1/tasks/load", 0 },
		{ "recovered", "load", 0, 0, "http://ui.example/dags/d/runs/p1/tasks/load", 0 },
		{ "late", NULL, 0, 0, "http://ui.example/dags/d/runs/p1", 0 },
		{ "late", NULL, 0, 1, "http://ui.example/dags/d?at=p1", 0 },
		{ "failure", NULL, 0, 0, "http://ui.example/dags/d/runs/p1", 0 },
	};

	for (size_t k = 0; k < SL_ARRAY_LEN(rows); k++) {
		struct notify_event ev;
		char *link;
		json_t *p;

		memset(&ev, 0, sizeof ev);
		ev.kind = rows[k].kind;
		ev.dag = "d";
		ev.task = rows[k].task;
		ev.partition = "p1";
		ev.try_number = rows[k].try_number;
		ev.max_tries = 3;
		ev.no_run = rows[k].no_run;
		ev.base_url = "http://ui.example/";
		link = links_event(&ev);
		p = sched_webhook_payload(&ev, "failed");
		fprintf(stderr, "  %s %s\n", rows[k].kind, rows[k].task ? rows[k].task : "(run)");
		CHECK_EQ_STR(rows[k].url, link);
		CHECK_EQ_STR(rows[k].url, json_string_value(json_object_get(p, "url")));
		CHECK_EQ_INT(rows[k].has_try, !json_is_null(json_object_get(p, "try")));
		free(link);
		json_decref(p);
	}
}

int
main(int argc, char **argv)
{
	/* started by the scheduler as the sender: send nothing */
	if (argc > 3 && strcmp(argv[3], "operator") == 0)
		return 0;
	unsetenv("TZ");
	RUN(test_events_and_payload);
	RUN(test_task_events_to_dag_webhooks);
	RUN(test_claims);
	RUN(test_event_links);
	return UNIT_END();
}
