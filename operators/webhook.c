/*
 * webhook.c: the sender of webhook notifications, `sluice operator
 * webhook`, started by the scheduler (scheduler/sched_webhook.c) with its
 * spec on stdin:
 *   {"type": "webhook", "delivery_id": N, "db": "/home/sluice.db",
 *    "webhook": {name, url, format, secret_header, secret, tries,
 *                retry_delay_ms, timeout_ms},
 *    "payload": {event, dag, task, partition, run_id, try, max_tries,
 *                state, url, reason, time}}
 * It POSTs the payload (format json) or {"text": ...} made from it (format
 * slack), tries again after a 5xx, 408, 429 or a failed connection with a
 * doubling back-off, and marks the delivery sent or failed in the store
 * (store_webhook_end), so a restarted scheduler neither sends it again nor
 * forgets it. The URL and the secret header's value are secrets: the output
 * names the webhook and shows the URL's host only. See WEBHOOKS.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "base/json.h"
#include "base/lazylib.h"
#include "base/secret.h"
#include "base/util.h"
#include "operators/operator.h"
#include "store/store.h"

#define WEBHOOK_MAX_BACKOFF_MS 60000
/* A receiver that is down longer than a round's tries: the delivery
 * stays pending and the scheduler sends it again after a wait that goes
 * on doubling (at most 10 minutes), for a day after the event. */
#define WEBHOOK_MAX_ROUND_WAIT_MS (10 * 60 * 1000)
#define WEBHOOK_GIVE_UP_MS (24LL * 3600 * 1000)
#define WEBHOOK_CONNECT_MS 10000

/* A freshness digest's partitions listed in a Slack message; the rest
 * are on the partition map it links. */
#define SLACK_DIGEST_LINES 10

/* Slack's text: &, < and > are its markup, so they are escaped. */
static void
slack_char(struct buf *b, char c)
{
	switch (c) {
	case '&': buf_adds(b, "&amp;"); break;
	case '<': buf_adds(b, "&lt;"); break;
	case '>': buf_adds(b, "&gt;"); break;
	default: buf_addc(b, c);
	}
}

static void
slack_escaped(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		slack_char(b, *s);
}

/* A link's address in Slack's <address|label>: escaped as its text is,
 * and a | or a space (which would end the address) percent-encoded; a
 * base_url may hold either in its path. */
static void
slack_url(struct buf *b, const char *url)
{
	for (const char *s = url; *s != '\0'; s++)
		if (*s == '|')
			buf_adds(b, "%7C");
		else if (*s == ' ')
			buf_adds(b, "%20");
		else
			slack_char(b, *s);
}

/* The line a Slack channel shows for the event, with the link. */
static char *
webhook_slack_text(const json_t *p)
{
	const char *event = json_string_value(json_object_get(p, "event"));
	const char *task = json_string_value(json_object_get(p, "task"));
	const char *partition = json_string_value(json_object_get(p, "partition"));
	const char *url = json_string_value(json_object_get(p, "url"));
	const char *reason = json_string_value(json_object_get(p, "reason"));
	int recovered = event != NULL && strcmp(event, "recovered") == 0;
	const json_t *parts = json_object_get(p, "partitions"), *part;
	size_t i;
	int same;
	const char *word = event == NULL ? "event" :
		strcmp(event, "failure") == 0 ? "FAILED" :
		strcmp(event, "retry") == 0 ? "retrying" :
		strcmp(event, "success") == 0 ? "succeeded" :
		strcmp(event, "sla_miss") == 0 ? "SLA missed" :
		strcmp(event, "late") == 0 ? "LATE" : event;
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "[sluice] ");
	slack_escaped(&b, word);
	buf_adds(&b, ": ");
	slack_escaped(&b, json_string_value(json_object_get(p, "dag")));
	if (task != NULL) {
		buf_adds(&b, ".");
		slack_escaped(&b, task);
	} else if (parts == NULL)
		buf_adds(&b, " run");
	if (partition != NULL) {
		buf_adds(&b, " ");
		slack_escaped(&b, partition);
	}
	if (json_is_integer(json_object_get(p, "try")))
		buf_printf(&b, " (try %lld of %lld)",
			   (long long)json_integer_value(json_object_get(p, "try")),
			   (long long)json_integer_value(json_object_get(p, "max_tries")));
	buf_adds(&b, ": ");
	if (recovered && parts == NULL) {
		/* one partition landed: its reason is why it was late, not
		 * what holds now (the email's "Was:") */
		buf_adds(&b, "landed after being late");
		if (reason != NULL && reason[0] != '\0') {
			buf_adds(&b, " (was: ");
			slack_escaped(&b, reason);
			buf_adds(&b, ")");
		}
	} else
		slack_escaped(&b, reason);
	if (url != NULL) {
		buf_adds(&b, " <");
		slack_url(&b, url);
		buf_adds(&b, parts != NULL ? "|partition map>" :
			 task != NULL ? "|task page>" : "|run page>");
	}
	/* a freshness digest: its first partitions, one line each (with
	 * its reason, unless the summary said the one they share) */
	same = json_shared_string(parts, "reason") != NULL;
	json_array_foreach(parts, i, part) {
		const char *why = same ? NULL :
				  json_string_value(json_object_get(part, "reason"));
		const char *link = json_string_value(json_object_get(part, "url"));

		if (i == SLACK_DIGEST_LINES) {
			buf_printf(&b, "\n... and %zu more",
				   json_array_size(parts) - SLACK_DIGEST_LINES);
			break;
		}
		buf_adds(&b, "\n\u2022 ");
		slack_escaped(&b, json_string_value(json_object_get(part, "partition")));
		if (why != NULL && why[0] != '\0') {
			buf_adds(&b, recovered ? ": was: " : ": ");
			slack_escaped(&b, why);
		}
		if (link != NULL) {
			buf_adds(&b, " <");
			slack_url(&b, link);
			buf_adds(&b, "|open>");
		}
	}
	return buf_steal(&b);
}

/* The body for the webhook's format (caller frees). */
static char *
webhook_body(const char *format, const json_t *payload)
{
	json_t *o;
	char *text, *body;

	if (format == NULL || strcmp(format, "slack") != 0)
		return json_dumps(payload, JSON_COMPACT);
	text = webhook_slack_text(payload);
	o = json_pack("{s:s}", "text", text);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(text);
	return body;
}

static size_t
webhook_discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

/* One POST: 0 sent (2xx), 1 may pass (try again), -1 permanent; why
 * gets the reason (never the URL). */
static int
webhook_post(const json_t *hook, const char *body, const char *const *headers,
	     char *why, size_t n)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	int64_t timeout = json_integer_value(json_object_get(hook, "timeout_ms"));
	CURLcode rc;
	long status = 0;
	int r;

	if (c == NULL) {
		snprintf(why, n, "cannot start an HTTP transfer");
		return -1;
	}
	for (size_t i = 0; headers[i] != NULL; i++)
		h = curl_slist_append(h, headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, json_string_value(json_object_get(hook, "url")));
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout > 0 ? timeout : 10000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(timeout > 0 && timeout < WEBHOOK_CONNECT_MS ? timeout : WEBHOOK_CONNECT_MS));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, webhook_discard);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		/* curl_easy_strerror names no URL */
		snprintf(why, n, "%s", curl_easy_strerror(rc));
		r = 1;
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		snprintf(why, n, "HTTP %ld", status);
		r = status >= 200 && status < 300 ? 0 :
		    status >= 500 || status == 408 || status == 429 ? 1 : -1;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}

/* Record the end in the store: sent, or failed with why. */
static void
webhook_record(const json_t *spec, const char *name, int64_t id, int sent,
	       int attempts, const char *why)
{
	const char *db = json_string_value(json_object_get(spec, "db"));
	struct store *st;
	struct sl_err err;
	int r;

	if (db == NULL || id <= 0)
		return;
	sl_err_clear(&err);
	if (store_open(db, &st, &err) < 0) {
		fprintf(stderr, "webhook %s delivery %lld: cannot record it: %s\n",
			name, (long long)id, err.msg);
		return;
	}
	r = store_webhook_end(st, id, sent, attempts, sent ? NULL : why);
	if (r < 0)
		fprintf(stderr, "webhook %s delivery %lld: cannot record it: %s\n",
			name, (long long)id, store_errmsg(st));
	store_close(st);
}

/* A round ended on a failure that may pass: keep the row pending for a
 * next round after wait_ms (the scheduler claims it then). 1: deferred,
 * 0: not (a day old, or ended by another sender), -1: not recorded. */
static int
webhook_defer(const json_t *spec, const char *name, int64_t id, int attempts,
	      const char *why, int64_t wait_ms)
{
	const char *db = json_string_value(json_object_get(spec, "db"));
	int64_t now = sl_now_ms();
	struct store *st;
	struct sl_err err;
	int r;

	if (db == NULL || id <= 0)
		return 0;
	sl_err_clear(&err);
	if (store_open(db, &st, &err) < 0) {
		fprintf(stderr, "webhook %s delivery %lld: cannot record it: %s\n",
			name, (long long)id, err.msg);
		return -1;
	}
	r = store_webhook_defer(st, id, attempts, why, now + wait_ms,
				now - WEBHOOK_GIVE_UP_MS);
	if (r < 0)
		fprintf(stderr, "webhook %s delivery %lld: cannot record it: %s\n",
			name, (long long)id, store_errmsg(st));
	store_close(st);
	return r;
}

/* The wait before the next round: the back-off doubled once per attempt
 * made so far (total), at most WEBHOOK_MAX_ROUND_WAIT_MS. */
static int64_t
webhook_round_wait(int64_t first_delay, int total)
{
	int64_t wait = first_delay > 0 ? first_delay : 1000;

	for (int i = 1; i < total && wait < WEBHOOK_MAX_ROUND_WAIT_MS; i++)
		wait *= 2;
	return wait > WEBHOOK_MAX_ROUND_WAIT_MS ? WEBHOOK_MAX_ROUND_WAIT_MS : wait;
}

static void
webhook_wait(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	/* this process is the sender, not the loop: waiting here is its job */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int
webhook_run(const json_t *spec)
{
	const json_t *hook = json_object_get(spec, "webhook");
	const json_t *payload = json_object_get(spec, "payload");
	const char *name = json_string_value(json_object_get(hook, "name"));
	const char *header = json_string_value(json_object_get(hook, "secret_header"));
	const char *secret = json_string_value(json_object_get(hook, "secret"));
	const char *event = json_string_value(json_object_get(payload, "event"));
	int64_t id = json_integer_value(json_object_get(spec, "delivery_id"));
	int tries = (int)json_integer_value(json_object_get(hook, "tries"));
	int64_t delay = json_integer_value(json_object_get(hook, "retry_delay_ms"));
	int64_t first_delay = delay;
	int before = (int)json_integer_value(json_object_get(spec, "attempts"));
	char shown[256], why[256], *body;
	struct sl_err lerr;
	char *headers[6];
	int nh = 0, attempt, r = 1;

	if (!json_is_object(hook) || !json_is_object(payload) || name == NULL ||
	    json_string_value(json_object_get(hook, "url")) == NULL) {
		fprintf(stderr, "webhook: the spec has no webhook or payload\n");
		return 1;
	}
	secret_url_shown(json_string_value(json_object_get(hook, "url")), shown, sizeof shown);
	if (secret != NULL && strpbrk(secret, "\r\n") != NULL) {
		fprintf(stderr, "webhook %s: the value of its secret header contains a line break (CR or LF): refused\n",
			name);
		webhook_record(spec, name, id, 0, 0, "the secret header's value contains a line break");
		return 1;
	}
	if (lazylib_load(LAZYLIB_CURL, &lerr) < 0) {
		fprintf(stderr, "webhook %s: %s\n", name, lerr.msg);
		webhook_record(spec, name, id, 0, 0, lerr.msg);
		return 1;
	}
	body = webhook_body(json_string_value(json_object_get(hook, "format")), payload);
	headers[nh++] = xstrdup("Content-Type: application/json; charset=utf-8");
	headers[nh++] = xstrdup("User-Agent: sluice");
	headers[nh++] = xasprintf("X-Sluice-Delivery: %lld", (long long)id);
	headers[nh++] = xasprintf("X-Sluice-Event: %s", event ? event : "");
	if (header != NULL && secret != NULL)
		headers[nh++] = xasprintf("%s: %s", header, secret);
	headers[nh] = NULL;
	if (tries < 1)
		tries = 1;
	for (attempt = 1; attempt <= tries; attempt++) {
		r = webhook_post(hook, body, (const char *const *)headers, why, sizeof why);
		if (r == 0) {
			printf("webhook %s (%s) delivery %lld: %s sent (%s) after %d attempt%s\n",
			       name, shown, (long long)id, event ? event : "event", why,
			       attempt, attempt == 1 ? "" : "s");
			break;
		}
		if (r < 0 || attempt == tries)
			break;
		fprintf(stderr, "webhook %s (%s) delivery %lld: attempt %d of %d failed: %s; trying again in %lldms\n",
			name, shown, (long long)id, attempt, tries, why, (long long)delay);
		fflush(stderr);
		webhook_wait(delay);
		delay = delay * 2 > WEBHOOK_MAX_BACKOFF_MS ? WEBHOOK_MAX_BACKOFF_MS : delay * 2;
	}
	if (r > 0) {
		/* the receiver may come back: a next round, not lost */
		int64_t wait = webhook_round_wait(first_delay, before + attempt);
		int d = webhook_defer(spec, name, id, attempt, why, wait);

		if (d != 0) {
			if (d > 0)
				fprintf(stderr, "webhook %s (%s) delivery %lld: not sent yet: %s "
					"(%d attempts so far); sending again in %lldms\n",
					name, shown, (long long)id, why, before + attempt,
					(long long)wait);
			fflush(stdout);
			goto out;
		}
	}
	if (r != 0)
		fprintf(stderr, "webhook %s (%s) delivery %lld: not sent: %s (%s after %d attempt%s)\n",
			name, shown, (long long)id, why, r < 0 ? "refused" :
			"gave up a day after the event", before + attempt,
			before + attempt == 1 ? "" : "s");
	fflush(stdout);
	webhook_record(spec, name, id, r == 0, attempt, why);
out:
	for (int i = 0; i < nh; i++)
		free(headers[i]);
	free(body);
	return r == 0 ? 0 : 1;
}

/* Not a task type for DAG files: the scheduler's sender of notify:. */
static void
webhook_check(struct op_check *c)
{
	op_check_add(c, "", "type webhook is how the scheduler sends the events of notify: "
		     "(webhooks: in sluice.yaml); a task posts to one with notify:, not as its type");
}

static const struct op_key webhook_keys[] = {
	{ NULL, 0, 0, 0, NULL },
};

const struct operator op_webhook = {
	.name = "webhook",
	.summary = "the scheduler's sender of notify: events to webhooks (not for DAG files)",
	.keys = webhook_keys,
	.check = webhook_check,
	.run = webhook_run,
};
