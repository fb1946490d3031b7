/*
 * sched_webhook.c: webhook deliveries (notify: in a DAG file, webhooks: in
 * sluice.yaml; operators/WEBHOOKS.md).
 *
 * An event a DAG or task notifies about becomes one row per webhook in
 * webhook_deliveries, written in the transaction that records the event
 * (store_notify.c), claimed for the sender about to start. Once it
 * commits, `sluice operator webhook` (operators/webhook.c) posts it with
 * its retries and back-off and marks the row sent or failed: the loop
 * never waits on the network. A row still pending when its claim runs out
 * (the sender died, the scheduler was down, or the sender gave up a round
 * on a receiver that was down and set the next) is claimed and sent again,
 * at the start and by webhook_timer; a sender that outlives a restarted
 * scheduler keeps its claim, so nothing is sent twice.
 *
 * A notification email is one such row too (kind email, hook "(email)"):
 * its payload is the sender's spec without the smtp: block, which is added
 * from sluice.yaml at each start (the password is never stored); `sluice
 * operator email` marks it sent or failed (kept in the outbox), and the
 * same sweep sends again one whose sender is gone (operators/EMAIL.md).
 *
 * The URL is a secret: never logged, never stored (rows name the webhook).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/json.h"
#include "base/util.h"
#include "operators/notify.h"
#include "operators/smtp.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/try.h"
#include "store/store.h"
#include "web/links.h"

/* Slack for the sender's start and its last write, past its retries. */
#define WEBHOOK_CLAIM_SLACK_MS 5000
#define WEBHOOK_MAX_BACKOFF_MS 60000

/* How long a sender may take with every try of hook: its claim. */
static int64_t
webhook_claim_ms(const json_t *hook)
{
	int tries = (int)json_integer_value(json_object_get(hook, "tries"));
	int64_t timeout = json_integer_value(json_object_get(hook, "timeout_ms"));
	int64_t delay = json_integer_value(json_object_get(hook, "retry_delay_ms"));
	int64_t total = WEBHOOK_CLAIM_SLACK_MS;

	for (int i = 0; i < tries; i++) {
		total += timeout;
		if (i + 1 < tries) {
			total += delay;
			delay = delay * 2 > WEBHOOK_MAX_BACKOFF_MS ?
				WEBHOOK_MAX_BACKOFF_MS : delay * 2;
		}
	}
	return total;
}

/* What went wrong (or right), in words. */
static char *
webhook_reason(const struct notify_event *ev)
{
	struct buf b;
	size_t i;
	json_t *ti;

	buf_init(&b, 0);
	if (ev->fresh_digest != NULL) {
		size_t n = json_array_size(ev->fresh_digest);

		/* one reason for all (a paused DAG, catchup off): said here */
		const char *why = json_shared_string(ev->fresh_digest, "why");

		buf_printf(&b, "%zu partitions %s, %s to %s", n,
			   strcmp(ev->kind, "late") == 0 ? "late" : "landed after being late",
			   json_string_value(json_object_get(json_array_get(ev->fresh_digest, 0),
							     "partition")),
			   json_string_value(json_object_get(json_array_get(ev->fresh_digest, n - 1),
							     "partition")));
		/* landed: the reason is what it was, not what holds now */
		if (why != NULL)
			buf_printf(&b, strcmp(ev->kind, "late") == 0 ? ": %s" : " (was: %s)", why);
	} else if (strcmp(ev->kind, "late") == 0 || strcmp(ev->kind, "recovered") == 0)
		/* why it was late */
		buf_adds(&b, ev->error ? ev->error : "");
	else if (strcmp(ev->kind, "sla_miss") == 0)
		buf_printf(&b, "missed its SLA (deadline %s)",
			   ev->sla_deadline ? ev->sla_deadline : "?");
	else if (ev->task == NULL) {
		/* a run: the tasks that failed */
		json_array_foreach(ev->task_instances, i, ti) {
			const char *st = json_string_value(json_object_get(ti, "state"));

			if (st == NULL || (strcmp(st, "failed") != 0 &&
					   strcmp(st, "upstream_failed") != 0))
				continue;
			buf_printf(&b, "%s%s %s", b.len ? ", " : "",
				   json_string_value(json_object_get(ti, "task")), st);
		}
		if (b.len == 0)
			buf_adds(&b, strcmp(ev->kind, "success") == 0 ?
				 "every task succeeded" : ev->kind);
	} else if (ev->error != NULL && ev->error[0] != '\0')
		/* the recorded error: "exit code 1: the task's last line" as
		 * it is, an executor's after "error: " */
		buf_printf(&b, "%s%s", try_reason_says_end(ev->error, ev->exit_code,
			   ev->signal) > 0 ? "" : "error: ", ev->error);
	else {
		char end[96];

		buf_adds(&b, try_reason_end(ev->exit_code, ev->signal, end, sizeof end));
	}
	return buf_steal(&b);
}

/* A freshness digest's partitions, each with its link: [{partition,
 * due, reason, url}]. */
static json_t *
webhook_digest_partitions(const struct notify_event *ev)
{
	json_t *out = json_array(), *p;
	size_t i;

	json_array_foreach(ev->fresh_digest, i, p) {
		const char *key = json_string_value(json_object_get(p, "partition"));
		char *url = json_is_true(json_object_get(p, "no_run")) ?
			    links_dag_at(ev->base_url, ev->dag, key) :
			    links_run(ev->base_url, ev->dag, key);

		json_array_append_new(out, json_pack("{s:s?,s:O?,s:O?,s:s}",
		    "partition", key, "due", json_object_get(p, "due"),
		    "reason", json_object_get(p, "why"), "url", url));
		free(url);
	}
	return out;
}

json_t *
sched_webhook_payload(const struct notify_event *ev, const char *state)
{
	size_t n = json_array_size(ev->fresh_digest);
	char *url = links_event(ev);
	char *reason = webhook_reason(ev);
	/* a freshness event is about a partition, not a try */
	int fresh = strcmp(ev->kind, "late") == 0 || strcmp(ev->kind, "recovered") == 0;
	char when[32];
	time_t now = (time_t)(sl_now_ms() / 1000);
	struct tm tm;
	json_t *p;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* values are data: jansson escapes them */
	p = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s,s:s}",
		      "event", ev->kind, "dag", ev->dag, "task", ev->task,
		      "partition", ev->partition, "run_id", ev->run_id,
		      "state", state, "url", url, "reason", reason, "time", when);
	if (n > 0) {
		/* a freshness digest: the map over its partitions, each listed */
		json_object_set_new(p, "count", json_integer((json_int_t)n));
		json_object_set_new(p, "partitions", webhook_digest_partitions(ev));
	}
	/* try 0: no try has started (an SLA missed before the task ran);
	 * "try 0 of 1" said a try that never was */
	if (ev->task != NULL && n == 0 && !fresh && ev->try_number > 0) {
		json_object_set_new(p, "try", json_integer(ev->try_number));
		json_object_set_new(p, "max_tries", json_integer(ev->max_tries));
	} else {
		json_object_set_new(p, "try", json_null());
		json_object_set_new(p, "max_tries", json_null());
	}
	free(url);
	free(reason);
	return p;
}

/* Start a sender for delivery id (claimed) after the commit. */
static void
webhook_send(struct sched *s, const json_t *hook, int64_t id, int attempts,
	     const char *payload_text, const char *event, const char *about)
{
	json_t *payload = json_loads(payload_text, 0, NULL);
	json_t *spec;
	char *text;

	if (payload == NULL) {
		sched_log("webhook %s delivery %lld: its payload is not JSON",
			  json_string_value(json_object_get(hook, "name")), (long long)id);
		return;
	}
	/* the spec holds the URL and the secret header: stdin only */
	/* attempts: made so far, in earlier rounds (the next round's wait) */
	spec = json_pack("{s:s,s:O,s:o,s:I,s:s,s:i}", "type", "webhook",
			 "webhook", hook, "payload", payload,
			 "delivery_id", (json_int_t)id, "db", s->cfg->db_path,
			 "attempts", attempts);
	text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	if (text == NULL)
		return;
	sched_notify_operator(s, "webhook", text,
			      xasprintf("%s webhook %s for %s (delivery %lld)", event,
					json_string_value(json_object_get(hook, "name")),
					about, (long long)id));
}

/* Wake up when the claim ending at wall time until_ms runs out. */
static void webhook_fire(struct sched *s, struct sched_timer *t);

static void
webhook_arm(struct sched *s, int64_t until_ms)
{
	int64_t at = sched_mono(s) + (until_ms - sched_now(s)) + 100;

	if (s->webhook_timer.slot != 0 && s->webhook_timer.at <= at)
		return;
	sched_timer_set(s, &s->webhook_timer, at, webhook_fire);
}

void
sched_webhook_event(struct sched *s, const struct notify_event *ev,
		    const char *state, char *const *hooks)
{
	json_t *payload;
	char *text, about[600];

	if (hooks == NULL || hooks[0] == NULL)
		return;
	payload = sched_webhook_payload(ev, state);
	text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	/* "DAG TASK PARTITION", "DAG (run) PARTITION", "DAG (digest)" */
	snprintf(about, sizeof about, "%s %s%s%s", ev->dag,
		 ev->task ? ev->task : ev->sla_misses || ev->fresh_digest ? "(digest)" : "(run)",
		 ev->partition ? " " : "", ev->partition ? ev->partition : "");
	for (size_t i = 0; text != NULL && hooks[i] != NULL; i++) {
		struct sl_err err;
		json_t *hook;
		int64_t id, until;

		sl_err_clear(&err);
		if ((hook = config_webhook(s->cfg, hooks[i], &err)) == NULL) {
			sched_log("%s webhook for %s not sent: %s", ev->kind, about, err.msg);
			continue;
		}
		until = sched_now(s) + webhook_claim_ms(hook);
		if (sched_tx_begin(s) < 0) {
			json_decref(hook);
			continue;	/* held: the event is not recorded either */
		}
		if (store_webhook_add(s->store, "webhook", hooks[i], ev->kind, ev->dag, ev->task,
				      ev->partition, text, until, &id) < 0) {
			sched_db_failed(s, "recording a webhook delivery");
			json_decref(hook);
			continue;
		}
		webhook_send(s, hook, id, 0, text, ev->kind, about);
		webhook_arm(s, until);
		json_decref(hook);
	}
	free(text);
}

/* A duration of the smtp: block ("2s", or a number of seconds), else def. */
static int64_t
email_duration_ms(const json_t *smtp, const char *key, int64_t def)
{
	json_t *v = json_object_get(smtp, key);
	int64_t ms;

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (int64_t)json_integer_value(v) * 1000;
	if (json_is_string(v) && sl_parse_duration(json_string_value(v), &ms) == 0 &&
	    ms > 0)
		return ms;
	return def;
}

/* How long an email's sender may take with every SMTP attempt: its claim
 * (operators/smtp.c: tries, each bounded by timeout, the delay doubled). */
static int64_t
email_claim_ms(const json_t *smtp)
{
	json_t *t = json_object_get(smtp, "tries");
	int tries = json_is_integer(t) && json_integer_value(t) > 0 ?
		    (int)SL_MIN(json_integer_value(t), 100) : SMTP_DEFAULT_TRIES;
	int64_t timeout = email_duration_ms(smtp, "timeout", SMTP_DEFAULT_TIMEOUT_MS);
	int64_t delay = email_duration_ms(smtp, "retry_delay", SMTP_DEFAULT_RETRY_DELAY_MS);
	int64_t total = WEBHOOK_CLAIM_SLACK_MS;

	for (int i = 0; i < tries; i++) {
		total += timeout;
		if (i + 1 < tries) {
			total += delay;
			delay = SL_MIN(delay * 2, (int64_t)SMTP_MAX_RETRY_DELAY_MS);
		}
	}
	return total;
}

/* Start the sender of email delivery id (claimed) after the commit: its
 * stored spec with the smtp: block of sluice.yaml as it is now (the
 * password is never stored). */
static void
email_send(struct sched *s, int64_t id, const char *payload_text,
	   const char *what)
{
	const struct notifier *n = notifier_get();
	json_t *spec = json_loads(payload_text, 0, NULL), *smtp;
	char *text;

	if (spec == NULL || n == NULL) {
		sched_log("email delivery %lld: %s", (long long)id, spec == NULL ?
			  "its spec is not JSON" : "this program has no notifier");
		json_decref(spec);
		return;
	}
	if ((smtp = config_smtp(s->cfg)) != NULL)
		json_object_set_new(spec, "smtp", smtp);
	json_object_set_new(spec, "delivery_id", json_integer((json_int_t)id));
	json_object_set_new(spec, "db", json_string(s->cfg->db_path));
	text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	if (text == NULL)
		return;
	/* the spec holds the SMTP password: stdin only */
	sched_notify_email_child(s, n->op, text, xstrdup(what));
}

void
sched_email_event(struct sched *s, const char *event, const char *dag,
		  const char *task, const char *partition, const char *spec_text,
		  const char *what)
{
	json_t *smtp = config_smtp(s->cfg);
	int64_t until = sched_now(s) + email_claim_ms(smtp), id;

	json_decref(smtp);
	if (sched_tx_begin(s) < 0)
		return;		/* held: the event is not recorded either */
	if (store_webhook_add(s->store, "email", "(email)", event, dag, task,
			      partition, spec_text, until, &id) < 0) {
		sched_db_failed(s, "recording an email delivery");
		return;
	}
	email_send(s, id, spec_text, what);
	webhook_arm(s, until);
}

/* A pending delivery read at a sweep. */
struct webhook_pending {
	int64_t id, claimed_until;
	int attempts, email;
	char *hook, *event, *payload;
};

struct webhook_sweep {
	struct webhook_pending *v;
	int n, cap;
};

static void
webhook_collect(void *arg, const struct store_webhook_delivery *d)
{
	struct webhook_sweep *w = arg;

	SL_GROW(w->v, w->cap, w->n + 1);
	w->v[w->n].id = d->id;
	w->v[w->n].claimed_until = d->claimed_until;
	w->v[w->n].attempts = d->attempts;
	w->v[w->n].email = d->kind != NULL && strcmp(d->kind, "email") == 0;
	w->v[w->n].hook = xstrdup(d->hook);
	w->v[w->n].event = xstrdup(d->event);
	w->v[w->n].payload = xstrdup(d->payload);
	w->n++;
}

/* Claim and send again what no sender holds; wake up for the rest. */
static void
webhook_sweep(struct sched *s)
{
	struct webhook_sweep w = { NULL, 0, 0 };
	int64_t now = sched_now(s), next = INT64_MAX;

	if (store_webhook_pending(s->store, webhook_collect, &w) < 0) {
		sched_log("webhooks: cannot read the pending deliveries: %s",
			  store_errmsg(s->store));
		/* try again later */
		next = now + 60000;
	}
	for (int i = 0; i < w.n; i++) {
		struct webhook_pending *p = &w.v[i];
		struct sl_err err;
		json_t *hook;
		int64_t until;

		if (p->claimed_until > now) {
			if (p->claimed_until < next)
				next = p->claimed_until;
			continue;
		}
		if (p->email) {
			json_t *smtp = config_smtp(s->cfg);

			until = now + email_claim_ms(smtp);
			json_decref(smtp);
			if (sched_tx_begin(s) == 0 &&
			    store_webhook_claim(s->store, p->id, until) == 1) {
				char *what = xasprintf("%s email (delivery %lld)", p->event,
						       (long long)p->id);

				sched_log("email delivery %lld (%s): sending again (its sender is gone)",
					  (long long)p->id, p->event);
				email_send(s, p->id, p->payload, what);
				free(what);
				if (until < next)
					next = until;
			}
			continue;
		}
		sl_err_clear(&err);
		if ((hook = config_webhook(s->cfg, p->hook, &err)) == NULL) {
			/* the webhook left sluice.yaml: it stays pending */
			sched_log("webhook delivery %lld not sent: %s", (long long)p->id,
				  err.msg);
			continue;
		}
		until = now + webhook_claim_ms(hook);
		if (sched_tx_begin(s) == 0 &&
		    store_webhook_claim(s->store, p->id, until) == 1) {
			if (p->attempts > 0)
				sched_log("webhook %s delivery %lld (%s): sending again (%d attempts "
					  "failed so far)", p->hook, (long long)p->id, p->event,
					  p->attempts);
			else
				sched_log("webhook %s delivery %lld (%s): sending again (its sender is gone)",
					  p->hook, (long long)p->id, p->event);
			webhook_send(s, hook, p->id, p->attempts, p->payload, p->event,
				     "a pending delivery");
			if (until < next)
				next = until;
		}
		json_decref(hook);
	}
	sched_tx_commit(s);
	for (int i = 0; i < w.n; i++) {
		free(w.v[i].hook);
		free(w.v[i].event);
		free(w.v[i].payload);
	}
	free(w.v);
	if (next != INT64_MAX)
		webhook_arm(s, next);
}

static void
webhook_fire(struct sched *s, struct sched_timer *t)
{
	(void)t;
	webhook_sweep(s);
}

void
sched_webhook_start(struct sched *s)
{
	webhook_sweep(s);
}
