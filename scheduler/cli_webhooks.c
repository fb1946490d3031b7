/* cli_webhooks.c: `sluice webhooks`: the webhook deliveries the scheduler
 * recorded (notify: in DAG files), newest first, with their state, so a
 * person can see what reached a receiver, what waits for a next round and
 * what failed. The URL is never stored, so never shown: a row names its
 * webhook. */
#include "scheduler/cli.h"

#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "store/store.h"

static const char *
wh_str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "-";
}

static int64_t
wh_int(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static int
webhooks_run(struct cli *c, const struct cli_args *args)
{
	long long limit = 50;
	json_t *list, *d;
	size_t i;
	int rc;

	if (args->npos > 0)
		return cli_usage(&cli_webhooks, "unexpected argument '%s'", args->pos[0]);
	if ((rc = cli_opt_int(args, "limit", 1, 1000000, &limit)) != 0)
		return rc;
	if (cli_open(c, 1, 0) < 0)
		return EXIT_HOME;
	if ((list = store_webhooks_json(c->store, (int)limit)) == NULL) {
		fprintf(stderr, "sluice: database: %s\n", store_errmsg(c->store));
		return EXIT_HOME;
	}
	if (c->json) {
		cli_print_json(list);
		json_decref(list);
		return 0;
	}
	if (json_array_size(list) == 0)
		printf("no webhook or email deliveries\n");
	else
		printf("%-6s %-16s %-10s %-8s %-8s %-25s %s\n", "ID", "WEBHOOK", "EVENT",
		       "STATE", "ATTEMPTS", "CREATED", "ABOUT");
	json_array_foreach(list, i, d) {
		char created[64], next[64];
		const char *state = wh_str(d, "state");
		const char *err = json_string_value(json_object_get(d, "last_error"));

		printf("%-6lld %-16s %-10s %-8s %-8lld %-25s %s%s%s%s%s\n",
		       (long long)wh_int(d, "id"), wh_str(d, "hook"), wh_str(d, "event"),
		       state, (long long)wh_int(d, "attempts"),
		       cli_time(NULL, wh_int(d, "created_at"), created, sizeof created),
		       wh_str(d, "dag"), json_is_string(json_object_get(d, "task")) ? "." : "",
		       json_is_string(json_object_get(d, "task")) ? wh_str(d, "task") : "",
		       json_is_string(json_object_get(d, "partition")) ? " " : "",
		       json_is_string(json_object_get(d, "partition")) ? wh_str(d, "partition") : "");
		/* why it has not landed, and when it goes again */
		if (err != NULL && strcmp(state, "sent") != 0)
			printf("       last error: %s%s%s\n", err,
			       strcmp(state, "pending") == 0 && wh_int(d, "claimed_until") > 0 ?
			       "; next attempt at " : "",
			       strcmp(state, "pending") == 0 && wh_int(d, "claimed_until") > 0 ?
			       cli_time(NULL, wh_int(d, "claimed_until"), next, sizeof next) : "");
	}
	json_decref(list);
	return 0;
}

static const struct cli_opt webhooks_opts[] = {
	{ "limit", 0, "N", "the N newest deliveries (default 50)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_webhooks = {
	"webhooks", "list webhook and email deliveries: sent, pending, failed",
	"[--limit N] [--json]",
	"Lists the webhook deliveries the scheduler recorded (one per event\n"
	"and webhook named by notify:), newest first: id, webhook, event,\n"
	"state (pending: being sent, or waiting for its next round while the\n"
	"receiver is down; sent; failed: refused, or a day went by), attempts,\n"
	"when the event happened and what it was about. A delivery not sent\n"
	"shows its last error and, pending, when it goes again. The URL is a\n"
	"secret and is never stored: a delivery names its webhook.\n"
	"Notification emails (email_on:) are listed too, as webhook (email):\n"
	"each is recorded with its event and sent again by the scheduler if\n"
	"its sender was killed before it ended.\n",
	webhooks_opts,
	webhooks_run,
};
