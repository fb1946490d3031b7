/*
 * cli_backfill.c: `sluice backfill` (make a backfill, or cancel one) and
 * `sluice backfills` (list them with their progress). What a backfill
 * selects and records is scheduler/backfill.c's, shared with the API.
 */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/backfill.h"
#include "scheduler/config.h"
#include "scheduler/partition.h"
#include "store/store.h"

static const char *
bf_str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "";
}

/* Print one list of partitions, each as "WORD KEY". */
static void
bf_print_keys(const json_t *keys, const char *word)
{
	size_t i;
	json_t *k;

	json_array_foreach(keys, i, k)
		printf("%s %s\n", word, json_string_value(k));
}

/* Print the partitions a backfill left alone: "missing KEY" for those
 * without a run (of skip_missing: --only failed creates no run), "exists
 * KEY" for the others. Both lists are in the range's order. */
static void
bf_print_skipped(const json_t *skip, const json_t *missing)
{
	size_t i, j = 0;
	json_t *k;

	json_array_foreach(skip, i, k) {
		const char *key = json_string_value(k);
		const char *m = json_string_value(json_array_get(missing, j));
		int lacks = m != NULL && strcmp(m, key) == 0;

		j += (size_t)lacks;
		printf("%s %s\n", lacks ? "missing" : "exists", key);
	}
}

static int
backfill_cancel(struct cli *c, const struct cli_args *args)
{
	int kill = cli_opt_flag(args, "kill"), dry_run = cli_opt_flag(args, "dry-run");
	int yes = cli_opt_flag(args, "yes"), r;
	long long id;
	json_t *preview = NULL;
	struct sl_err err;
	size_t nremove, nrunning;

	if (args->npos != 2 || sl_parse_int(args->pos[1], 1, INT64_MAX, &id) < 0)
		return cli_usage(&cli_backfill, "cancel needs the backfill's id (sluice backfills lists them)");
	if (cli_open(c, 1, 0) < 0)
		return EXIT_HOME;
	sl_err_clear(&err);
	/* the preview first (a dry run), then the change when confirmed */
	r = store_backfill_cancel(c->store, id, kill, 1, c->who, &preview, &err);
	if (r <= 0 || r == -2) {
		cli_error(err.msg);
		json_decref(preview);
		/* an id that names no backfill is an input error, as an
		 * unknown DAG is; one already ended cannot be cancelled */
		return r == -1 ? EXIT_HOME : r == 0 ? EXIT_USAGE : EXIT_FAILED;
	}
	nremove = json_array_size(json_object_get(preview, "remove"));
	nrunning = json_array_size(json_object_get(preview, "running"));
	if (!c->json || dry_run) {
		if (c->json)
			cli_print_json(preview);
		else {
			bf_print_keys(json_object_get(preview, "remove"), "remove");
			bf_print_keys(json_object_get(preview, "running"), kill ? "kill" : "finish");
			printf("backfill %lld of %s: %zu queued run%s %s removed, %zu running run%s %s\n",
			       id, bf_str(preview, "dag"), nremove, nremove == 1 ? "" : "s",
			       dry_run ? "would be" : "to be", nrunning, nrunning == 1 ? "" : "s",
			       kill ? (dry_run ? "would be killed" : "to be killed") :
			       (dry_run ? "would finish" : "to finish"));
		}
	}
	if (dry_run) {
		json_decref(preview);
		return 0;
	}
	if (!yes) {
		char answer[16];

		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "sluice: this would cancel backfill %lld; add --yes to do it, or --dry-run to see what it does\n",
				id);
			json_decref(preview);
			return EXIT_USAGE;
		}
		printf("Cancel backfill %lld? [y/N] ", id);
		fflush(stdout);
		if (fgets(answer, sizeof answer, stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y')) {
			printf("nothing cancelled\n");
			json_decref(preview);
			return 0;
		}
	}
	json_decref(preview);
	r = store_backfill_cancel(c->store, id, kill, 0, c->who, &preview, &err);
	if (r <= 0) {
		cli_error(err.msg);
		json_decref(preview);
		return r == -1 ? EXIT_HOME : EXIT_FAILED;
	}
	if (c->json)
		cli_print_json(preview);
	else
		printf("cancelled backfill %lld of %s: %zu queued run%s removed, %zu running run%s %s\n",
		       id, bf_str(preview, "dag"),
		       json_array_size(json_object_get(preview, "remove")),
		       json_array_size(json_object_get(preview, "remove")) == 1 ? "" : "s",
		       json_array_size(json_object_get(preview, "running")),
		       json_array_size(json_object_get(preview, "running")) == 1 ? "" : "s",
		       kill ? "killed" : "left to finish");
	json_decref(preview);
	return 0;
}

static int
backfill_run(struct cli *c, const struct cli_args *args)
{
	const char *name = args->npos > 0 ? args->pos[0] : NULL;
	struct backfill_req req;
	int wait = cli_opt_flag(args, "wait"), status, found;
	long long max_active = 0;
	size_t ncreate, nrerun, nskip, nmissing;
	struct dag *d;
	struct sl_err err;
	json_t *out, *parts;
	int rc;

	if (name != NULL && strcmp(name, "cancel") == 0 && cli_opt_str(args, "from") == NULL)
		return backfill_cancel(c, args);
	if (cli_opt_flag(args, "kill") || cli_opt_flag(args, "yes"))
		return cli_usage(&cli_backfill, "--kill and --yes go with `backfill cancel ID`");
	if (args->npos > 1)
		return cli_usage(&cli_backfill, "unexpected argument '%s'", args->pos[1]);
	memset(&req, 0, sizeof req);
	req.from = cli_opt_str(args, "from");
	req.to = cli_opt_str(args, "to");
	req.only = cli_opt_str(args, "only");
	req.newest_first = cli_opt_flag(args, "newest-first");
	req.dry_run = cli_opt_flag(args, "dry-run");
	req.outside_ok = cli_opt_flag(args, "allow-outside-range");
	if (name == NULL || req.from == NULL)
		return cli_usage(&cli_backfill, "needs DAG and --from (--to defaults to the latest complete partition)");
	if (req.only != NULL && !backfill_only_valid(req.only))
		return cli_bad_choice(&cli_backfill, "only", req.only, "missing, failed, all");
	if ((rc = cli_opt_int(args, "max-active", 1, 100000, &max_active)) != 0)
		return rc;
	req.max_active = (int)max_active;
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if ((found = cli_dag(c, name, &d)) != 0)
		return found;
	if (cli_dag_no_new_runs(c, d))
		return EXIT_FAILED;
	if ((rc = cli_dag_scheduled(d, "it has no range of partitions to backfill; "
				    "trigger its partitions one by one (sluice "
				    "trigger %s --partition KEY)", d->name)) != 0)
		return rc;
	sl_err_clear(&err);
	if ((rc = backfill_create(c->store, d, &req, c->who, &out, &status, &err)) < 0) {
		fprintf(stderr, "sluice: %s%s\n", err.msg, rc == PARTITION_OUTSIDE ?
			" (--allow-outside-range backfills it anyway)" : "");
		return status == 400 ? EXIT_USAGE : EXIT_HOME;
	}
	ncreate = json_array_size(json_object_get(out, "create"));
	nrerun = json_array_size(json_object_get(out, "rerun"));
	nmissing = json_array_size(json_object_get(out, "skip_missing"));
	nskip = json_array_size(json_object_get(out, "skip")) - nmissing;
	if (c->json)
		cli_print_json(out);
	else {
		json_t *note;
		size_t i;

		/* a range cut to the DAG's start and end says so */
		json_array_foreach(json_object_get(out, "notes"), i, note)
			fprintf(stderr, "sluice: note: %s\n", json_string_value(note));
		bf_print_keys(json_object_get(out, "create"), req.dry_run ? "would create" : "created");
		bf_print_keys(json_object_get(out, "rerun"), req.dry_run ? "would re-run" : "re-run");
		bf_print_skipped(json_object_get(out, "skip"), json_object_get(out, "skip_missing"));
		printf("backfill %s: %zu run%s %s", d->name, ncreate, ncreate == 1 ? "" : "s",
		       req.dry_run ? "would be created (dry run)" : "created");
		if (nrerun)
			printf(", %zu %s", nrerun, req.dry_run ? "would re-run" : "re-run");
		if (nskip)
			printf(", %zu partition%s already had a run (%s)", nskip,
			       nskip == 1 ? "" : "s",
			       req.only == NULL || strcmp(req.only, "missing") == 0 ?
			       "clear them to re-run" : "not in --only, or not ended");
		if (nmissing)
			printf(", %zu without a run left out (--only failed creates none: "
			       "--only missing or all does)", nmissing);
		printf("\n");
	}
	if (!req.dry_run && !c->json && json_is_integer(json_object_get(out, "id")))
		fprintf(stderr, "sluice: backfill %lld of %s: `sluice backfills %s` shows its progress, `sluice backfill cancel %lld` stops it\n",
			(long long)json_integer_value(json_object_get(out, "id")), d->name,
			d->name, (long long)json_integer_value(json_object_get(out, "id")));
	if (!req.dry_run && ncreate + nrerun > 0) {
		cli_say_paused(c, d);
		cli_say_unloaded(c, d);
	}
	parts = json_array();
	json_array_extend(parts, json_object_get(out, "create"));
	json_array_extend(parts, json_object_get(out, "rerun"));
	json_decref(out);
	if (wait && !req.dry_run && json_array_size(parts) > 0) {
		int r = cli_wait_runs(c, d, parts, 1);

		if (r < 0) {
			if (r == -1)
				cli_print_failed_runs(c, d, parts);
			json_decref(parts);
			return r == -2 ? EXIT_HOME : EXIT_FAILED;
		}
	}
	json_decref(parts);
	return 0;
}

static const struct cli_opt backfill_opts[] = {
	{ "from", 0, "P", "the first partition (inclusive)" },
	{ "to", 0, "P", "the last partition (inclusive; default: the latest complete one)" },
	{ "only", 0, "missing|failed|all", "missing (default: partitions without a run), failed (re-run failed runs' failed tasks) or all (both, and re-run finished runs whole)" },
	{ "newest-first", 0, NULL, "start the newest partitions first" },
	{ "max-active", 0, "N", "at most N runs of this backfill running at once (and the DAG's max_active_runs)" },
	{ "dry-run", 'n', NULL, "list what it would create or re-run, change nothing" },
	{ "allow-outside-range", 0, NULL, "run partitions before the DAG's start: or past its end: too (else the range is cut to them)" },
	{ "wait", 'w', NULL, "wait for every run to finish" },
	{ "kill", 0, NULL, "cancel: kill the running runs' tries (default: let them finish)" },
	{ "yes", 'y', NULL, "cancel: do not ask (needed when stdin is not a terminal)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_backfill = {
	"backfill", "run a range of partitions, as a backfill with progress",
	"DAG --from P [--to P] [--only missing|failed|all] [--newest-first] [--max-active N] [--allow-outside-range] [--dry-run] [--wait]\n"
	"cancel ID [--kill] [--dry-run] [--yes]",
	"Runs the partitions of a scheduled DAG from the one --from names to the\n"
	"one --to names (without --to, the latest partition whose interval has\n"
	"ended), both included: a date names the partitions starting that day,\n"
	"a time the partition holding it (in the DAG's zone unless it carries an\n"
	"offset). The range is cut to the DAG's start: and end:, saying how many\n"
	"partitions were left out; one wholly outside them is an error.\n"
	"Partitions whose interval has not ended run now, with a note: the\n"
	"scheduler does not run them again when they end (sluice clear does).\n"
	"--allow-outside-range takes the range as given (history from before the\n"
	"DAG's start, say). --only says which: missing (the default) creates runs\n"
	"for partitions without one and lists the others as existing; failed\n"
	"re-runs the failed tasks of failed runs (and what they held back) and\n"
	"lists the partitions without a run as missing; all does both and\n"
	"re-runs finished runs whole. Runs queued or running are left alone.\n"
	"The backfill gets an id, a state (queued, running, done, failed,\n"
	"cancelled) and progress: `sluice backfills` lists them. Its runs are in\n"
	"the backfill lane: they hold at most backfill_share of the slots\n"
	"(sluice.yaml, default 50%), so live partitions never wait for them.\n"
	"They start oldest first (--newest-first: newest first), as the DAG's\n"
	"max_active_runs and --max-active allow.\n"
	"--wait waits for all of them, with a progress line on stderr (runs\n"
	"done/total, running, failed): updated in place on a terminal, else a\n"
	"line when it changes, at most every SLUICE_PROGRESS_SECONDS (default\n"
	"10), and one at the end; it exits 1 if a run failed, or was removed\n"
	"before it ended (the backfill cancelled), 3 if no scheduler ran on the\n"
	"home for 60 s (the runs stay queued).\n"
	"`backfill cancel ID` removes its queued runs that never ran; its running\n"
	"runs (and any a clear re-opened after it ran) finish, or with --kill\n"
	"their tries are stopped and their unfinished tasks fail; --kill of a\n"
	"backfill cancelled already stops the runs it let finish.\n"
	"It shows what it does first (--dry-run only shows it) and asks, unless\n"
	"--yes.\n",
	backfill_opts,
	backfill_run,
};

/* "4m10s" or "-" */
static const char *
bf_eta(const json_t *b, char *out, size_t n)
{
	json_t *eta = json_object_get(b, "eta_s");

	if (!json_is_integer(eta))
		return "-";
	return sl_format_duration(json_integer_value(eta) * 1000, out, n);
}

static int
backfills_run(struct cli *c, const struct cli_args *args)
{
	const char *dag = args->npos > 0 ? args->pos[0] : NULL;
	long long limit = 50;
	json_t *list, *b;
	size_t i;
	int rc;

	/* `sluice backfills cancel 3`: the cancel is backfill's (it acts on
	 * one; this verb lists) */
	if (dag != NULL && strcmp(dag, "cancel") == 0)
		return cli_usage(&cli_backfills, "backfills lists; a backfill is cancelled with "
				 "`sluice backfill cancel ID`");
	if (args->npos > 1)
		return cli_usage(&cli_backfills, "unexpected argument '%s'", args->pos[1]);
	if ((rc = cli_opt_int(args, "limit", 1, 1000000, &limit)) != 0)
		return rc;
	if (cli_open(c, 1, dag != NULL) < 0)
		return EXIT_HOME;
	if ((list = store_backfills_json(c->store, dag, 0, (int)limit)) == NULL) {
		fprintf(stderr, "sluice: database: %s\n", store_errmsg(c->store));
		return EXIT_HOME;
	}
	if (dag != NULL && json_array_size(list) == 0) {
		struct store_dag_row row;

		/* a misspelt DAG is an error, not "no backfills of" it; a
		 * DAG whose file is gone is still known to the database */
		if (dagbag_find(&c->bag, dag) == NULL &&
		    store_dag_get(c->store, dag, &row) == 0) {
			struct dag *d;
			int r = cli_dag(c, dag, &d);	/* says which, and why */

			json_decref(list);
			return r != 0 ? r : EXIT_FAILED;
		}
	}
	if (c->json) {
		cli_print_json(list);
		json_decref(list);
		return 0;
	}
	if (json_array_size(list) == 0)
		printf("no backfills%s%s\n", dag ? " of " : "", dag ? dag : "");
	else
		printf("%-5s %-20s %-9s %-11s %-7s %-8s %-8s %s\n", "ID", "DAG", "STATE",
		       "DONE", "FAILED", "RUNNING", "ETA", "RANGE");
	json_array_foreach(list, i, b) {
		long long left_out = json_integer_value(json_object_get(b, "left_out"));
		char done[32], eta[32];

		snprintf(done, sizeof done, "%lld/%lld",
			 (long long)json_integer_value(json_object_get(b, "done")),
			 (long long)json_integer_value(json_object_get(b, "total")));
		printf("%-5lld %-20s %-9s %-11s %-7lld %-8lld %-8s %s .. %s (%s%s",
		       (long long)json_integer_value(json_object_get(b, "id")),
		       bf_str(b, "dag"), bf_str(b, "state"), done,
		       (long long)json_integer_value(json_object_get(b, "failed")),
		       (long long)json_integer_value(json_object_get(b, "running")),
		       bf_eta(b, eta, sizeof eta), bf_str(b, "from"), bf_str(b, "to"),
		       bf_str(b, "only"),
		       json_is_true(json_object_get(b, "newest_first")) ? ", newest first" : "");
		/* a range cut to the DAG's start: and end: shows what was asked */
		if (left_out > 0)
			printf("; asked %s .. %s, %lld partition%s outside start:/end: left out",
			       bf_str(b, "asked_from"), bf_str(b, "asked_to"), left_out,
			       left_out == 1 ? "" : "s");
		if (json_integer_value(json_object_get(b, "removed")) > 0)
			printf("; %lld queued run%s removed by the cancel",
			       (long long)json_integer_value(json_object_get(b, "removed")),
			       json_integer_value(json_object_get(b, "removed")) == 1 ? "" : "s");
		printf(")\n");
	}
	json_decref(list);
	return 0;
}

static const struct cli_opt backfills_opts[] = {
	{ "limit", 0, "N", "the N newest backfills (default 50)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_backfills = {
	"backfills", "list backfills with their state and progress",
	"[DAG] [--limit N] [--json]",
	"Lists backfills, newest first (of one DAG when given): id, state\n"
	"(queued, running, done, failed, cancelled), runs done of total, failed\n"
	"and running, the time left at the pace so far (ETA) and the range: its\n"
	"first and last partition, and, when the range given was cut to the\n"
	"DAG's start: and end:, the range asked and how many were left out;\n"
	"of a cancelled one, how many queued runs the cancel removed (total\n"
	"still counts them). An ended backfill keeps the counts it ended with,\n"
	"even when a later backfill re-runs some of its runs.\n",
	backfills_opts,
	backfills_run,
};
