/* cli_trigger.c: `sluice trigger` and `sluice backfill`: create runs, and
 * optionally wait for them with a progress line. */
#include "scheduler/cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "store/store.h"
#include "scheduler/tz.h"

/* Wait until every run in partitions is done; progress on a terminal.
 * Returns 0 if all succeeded, -1 if one failed, -2 when no scheduler ran
 * on the home for 60 s. */
static int
wait_runs(struct cli *c, const struct dag *d, json_t *partitions)
{
	int tty = isatty(STDERR_FILENO), warned = 0;
	int64_t last_print = 0, alone_since = 0;

	for (;;) {
		int done = 0, failed = 0, running_tis = 0, done_tis = 0, total_tis = 0;
		size_t i;
		json_t *p;
		struct timespec ts = { 0, 200 * 1000000 };

		json_array_foreach(partitions, i, p) {
			sqlite3_stmt *st;

			if (!tty) {
				/* no progress line to draw: the run's state is enough */
				json_t *run = store_run_json(c->store, d->name, json_string_value(p));
				const char *rs = run ? json_string_value(json_object_get(run, "state")) : "";

				if (strcmp(rs, "success") == 0 || strcmp(rs, "failed") == 0)
					done++;
				if (strcmp(rs, "failed") == 0)
					failed++;
				json_decref(run);
				continue;
			}
			st = store_stmt(c->store,
			    "SELECT r.state, count(*), "
			    "sum(ti.state IN ('running', 'queued', 'up_for_reschedule')), "
			    "sum(ti.state IN ('success', 'failed', 'skipped', 'upstream_failed')) "
			    "FROM dag_runs r JOIN task_instances ti ON ti.run_id = r.id "
			    "WHERE r.dag_id = ? AND r.partition = ? GROUP BY r.id");
			const char *state = "?";

			sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, json_string_value(p), -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				state = (const char *)sqlite3_column_text(st, 0);
				if (strcmp(state, "success") == 0 || strcmp(state, "failed") == 0)
					done++;
				if (strcmp(state, "failed") == 0)
					failed++;
				total_tis += sqlite3_column_int(st, 1);
				running_tis += sqlite3_column_int(st, 2);
				done_tis += sqlite3_column_int(st, 3);
			}
			sqlite3_reset(st);
		}
		if (tty && sl_mono_ms() - last_print > 200) {
			fprintf(stderr, "\r\033[K%s: %d/%zu runs done, %d/%d tasks done, %d running",
				d->name, done, json_array_size(partitions), done_tis,
				total_tis, running_tis);
			last_print = sl_mono_ms();
		}
		if ((size_t)done == json_array_size(partitions)) {
			if (tty)
				fputc('\n', stderr);
			return failed ? -1 : 0;
		}
		if (!cli_scheduler_running(c)) {
			if (!warned) {
				fprintf(stderr, "%ssluice: no scheduler is running on %s; the run%s will start when one does (`sluice scheduler`)\n",
					tty ? "\n" : "", c->cfg->home,
					json_array_size(partitions) == 1 ? "" : "s");
				warned = 1;
				alone_since = sl_mono_ms();
			} else if (sl_mono_ms() - alone_since > 60000) {
				fprintf(stderr, "sluice: still no scheduler on %s after 60 s: not waiting any longer (the run stays queued)\n",
					c->cfg->home);
				return -2;
			}
		} else
			alone_since = sl_mono_ms();	/* seen running */
		nanosleep(&ts, NULL);
	}
}

static void
print_run_result(struct cli *c, const struct dag *d, const char *partition)
{
	json_t *tis = store_tis_json(c->store, d->name, partition);
	size_t i;
	json_t *ti;

	json_array_foreach(tis, i, ti) {
		const char *s = json_string_value(json_object_get(ti, "state"));

		if (strcmp(s, "failed") == 0)
			fprintf(stderr, "  %s failed: %s (log: sluice logs %s %s '%s')\n",
				json_string_value(json_object_get(ti, "task")),
				json_string_value(json_object_get(ti, "error")) ?
				json_string_value(json_object_get(ti, "error")) : "",
				d->name, json_string_value(json_object_get(ti, "task")), partition);
	}
	json_decref(tis);
}

static int
trigger_run(struct cli *c, int argc, char **argv)
{
	const char *name = NULL, *partition = NULL;
	json_t *params = json_object(), *parts;
	int wait = 0, r = 0;
	struct dag *d;
	int64_t start, end, now = sl_now_ms() / 1000;
	char key[256];
	struct sl_err err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--partition") == 0 && i + 1 < argc)
			partition = argv[++i];
		else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) {
			char *kv = argv[++i], *eq = strchr(kv, '=');
			json_t *v;

			if (eq == NULL || eq == kv) {
				json_decref(params);
				return cli_usage(&cli_trigger, "--param takes NAME=VALUE, got '%s'", kv);
			}
			v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
			if (v == NULL || json_is_object(v) || json_is_array(v)) {
				json_decref(v);
				v = json_string(eq + 1);
			}
			{
				char *k = xstrndup(kv, (size_t)(eq - kv));

				json_object_set_new(params, k, v);
				free(k);
			}
		} else if (strcmp(argv[i], "--wait") == 0)
			wait = 1;
		else if (argv[i][0] == '-') {
			json_decref(params);
			return cli_usage(&cli_trigger, "unknown option %s", argv[i]);
		} else if (name == NULL)
			name = argv[i];
		else {
			json_decref(params);
			return cli_usage(&cli_trigger, "unexpected argument '%s'", argv[i]);
		}
	}
	if (name == NULL) {
		json_decref(params);
		return cli_usage(&cli_trigger, "which DAG? sluice trigger DAG");
	}
	if (cli_open(c, 1, 1) < 0) {
		json_decref(params);
		return EXIT_HOME;
	}
	if ((d = cli_dag(c, name)) == NULL) {
		json_decref(params);
		return EXIT_FAILED;
	}
	sl_err_clear(&err);
	{
		json_t *checked = dag_params_check(d, params, &err);

		json_decref(params);
		if (checked == NULL) {
			fprintf(stderr, "sluice: %s\n", err.msg);
			return EXIT_USAGE;
		}
		params = checked;
	}
	if (dag_manual_partition(d, partition, now, &start, &end, key, sizeof key, &err) < 0) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		json_decref(params);
		return EXIT_USAGE;
	}
	if (store_run_create(c->store, d, key, start, end, "manual", params, NULL, &err) < 0) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		json_decref(params);
		return EXIT_FAILED;
	}
	json_decref(params);
	{
		json_t *detail = json_pack("{s:s}", "partition", key);

		store_audit(c->store, c->who, "trigger", d->name, detail);
		json_decref(detail);
	}
	if (c->json) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "dag", d->name, "partition", key, "state", "queued");

		cli_print_json(o);
		json_decref(o);
	} else
		printf("triggered %s partition %s\n", d->name, key);
	if (!wait)
		return 0;
	parts = json_pack("[s]", key);
	r = wait_runs(c, d, parts);
	json_decref(parts);
	if (r == -2)
		return EXIT_HOME;
	if (r < 0) {
		fprintf(stderr, "run %s %s failed\n", d->name, key);
		print_run_result(c, d, key);
		return EXIT_FAILED;
	}
	printf("run %s %s succeeded\n", d->name, key);
	return 0;
}

const struct cli_verb cli_trigger = {
	"trigger", "start a run of a DAG now",
	"usage: sluice trigger DAG [--partition P] [--param NAME=VALUE]... [--wait]\n"
	"\n"
	"Creates a run for one partition. For a scheduled DAG the default partition\n"
	"is the latest complete data interval; --partition takes a time (2024-01-05,\n"
	"2024-01-05T07:00, with or without offset; read in the DAG's time zone) or,\n"
	"for unscheduled DAGs, any name. --param overrides a declared param (JSON\n"
	"values are parsed: --param limit=10). --wait waits for the run to finish,\n"
	"showing progress on a terminal; the exit code is then 0 on success and 1\n"
	"on failure. A scheduler must be running on the home to run it.\n",
	trigger_run,
};

static int
backfill_run(struct cli *c, int argc, char **argv)
{
	const char *name = NULL, *from = NULL, *to = NULL;
	int wait = 0, created = 0, skipped = 0;
	struct dag *d;
	int64_t a, b, t;
	struct sl_err err;
	json_t *parts;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--wait") == 0)
			wait = 1;
		else if (argv[i][0] == '-')
			return cli_usage(&cli_backfill, "unknown option %s", argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL || from == NULL || to == NULL)
		return cli_usage(&cli_backfill, "needs DAG, --from and --to");
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if ((d = cli_dag(c, name)) == NULL)
		return EXIT_FAILED;
	if (d->schedule == NULL) {
		fprintf(stderr, "sluice: DAG %s has no schedule; trigger its partitions one by one\n", name);
		return EXIT_FAILED;
	}
	sl_err_clear(&err);
	if (tz_parse_time(d->tz, from, &a, &err) < 0)
		return cli_usage(&cli_backfill, "--from: %s", err.msg);
	if (tz_parse_time(d->tz, to, &b, &err) < 0)
		return cli_usage(&cli_backfill, "--to: %s", err.msg);
	if (b < a)
		return cli_usage(&cli_backfill, "--to is before --from");
	parts = json_array();
	for (t = cron_next(d->schedule, d->tz, a - 1); t >= 0 && t <= b;
	     t = cron_next(d->schedule, d->tz, t)) {
		char key[64];
		int64_t end = cron_next(d->schedule, d->tz, t);

		dag_partition_key(d, t, key, sizeof key);
		if (store_run_create(c->store, d, key, t, end, "backfill", NULL, NULL, &err) < 0) {
			skipped++;
			continue;
		}
		created++;
		json_array_append_new(parts, json_string(key));
	}
	{
		json_t *detail = json_pack("{s:s,s:s,s:i}", "from", from, "to", to, "created", created);

		store_audit(c->store, c->who, "backfill", d->name, detail);
		json_decref(detail);
	}
	if (c->json)
		cli_print_json(parts);
	else {
		printf("backfill %s: %d run%s created", d->name, created, created == 1 ? "" : "s");
		if (skipped)
			printf(", %d partition%s already had a run (clear them to re-run)",
			       skipped, skipped == 1 ? "" : "s");
		printf("\n");
	}
	if (wait && created > 0) {
		int r = wait_runs(c, d, parts);

		if (r < 0) {
			if (r != -2)
				fprintf(stderr, "backfill %s: some runs failed\n", d->name);
			json_decref(parts);
			return r == -2 ? EXIT_HOME : EXIT_FAILED;
		}
	}
	json_decref(parts);
	return 0;
}

const struct cli_verb cli_backfill = {
	"backfill", "create runs for a range of partitions",
	"usage: sluice backfill DAG --from P --to P [--wait]\n"
	"\n"
	"Creates a run for every partition of a scheduled DAG whose start lies in\n"
	"[--from, --to] (times in the DAG's zone unless they carry an offset).\n"
	"Partitions that already have a run are left alone: clear them to re-run.\n"
	"Runs start as max_active_runs allows. --wait waits for all of them.\n",
	backfill_run,
};
