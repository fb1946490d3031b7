/* cli_clear.c: `sluice clear` and `sluice mark`: a person re-runs or
 * settles task instances. Both are audited with who did it. */
#include "scheduler/cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"
#include "scheduler/config.h"
#include "scheduler/partition.h"
#include "scheduler/shquote.h"
#include "store/store.h"

/* clear_run's work; *held keeps the checked params for the caller to
 * free on every way out. */
/* The consumer partitions in other DAGs (needs:) that re-run once the
 * cleared partitions succeed again. */
static void
clear_consequences(struct cli *c, const struct clear_spec *spec)
{
	json_t *cons = store_needs_consequences(c->store, spec->dag_id,
						spec->from_s, spec->to_s,
						spec->partition);
	size_t i;
	json_t *o;

	if (cons != NULL && json_array_size(cons) > 0) {
		printf("then, in other DAGs (needs:), these partitions re-run:\n");
		json_array_foreach(cons, i, o)
			printf("  %s %s\n",
			       json_string_value(json_object_get(o, "dag")),
			       json_string_value(json_object_get(o, "partition")));
	}
	json_decref(cons);
}

static int
clear_exec(struct cli *c, const struct cli_args *args, json_t **held)
{
	const char *name = args->npos > 0 ? args->pos[0] : NULL;
	const char *from = cli_opt_str(args, "from"), *to = cli_opt_str(args, "to");
	const char *partition = cli_opt_str(args, "partition");
	int ntasks = 0, yes = cli_opt_flag(args, "yes"), r;
	char *const *given = cli_opt_all(args, "task", &ntasks);
	char **tasks;
	struct clear_spec spec;
	struct dag *d;
	int dag_rc = 0;
	struct sl_err err;
	json_t *list = NULL, *given_params = NULL, *params = NULL;
	char one_key[PARTITION_KEY_MAX];
	int ranged;

	memset(&spec, 0, sizeof spec);
	spec.downstream = cli_opt_flag(args, "downstream") > 0;
	spec.upstream = cli_opt_flag(args, "upstream") > 0;
	spec.only_failed = cli_opt_flag(args, "only-failed") > 0;
	spec.only_stale = cli_opt_flag(args, "only-stale") > 0;
	spec.dry_run = cli_opt_flag(args, "dry-run") > 0;
	if (args->npos > 1)
		return cli_usage(&cli_clear, "unexpected argument '%s' (tasks go with --task)", args->pos[1]);
	if (partition != NULL && (from != NULL || to != NULL))
		return cli_usage(&cli_clear, "--partition or --from/--to, not both");
	if (partition != NULL)
		from = to = partition;
	tasks = xcalloc((size_t)ntasks + 1, sizeof *tasks);
	for (int i = 0; i < ntasks; i++)
		tasks[i] = given[i];
	if (name == NULL) {
		free(tasks);
		return cli_usage(&cli_clear, "which DAG? sluice clear DAG ...");
	}
	if (cli_opt_params(&cli_clear, args, &given_params) < 0) {
		free(tasks);
		return EXIT_USAGE;
	}
	if (cli_open(c, 1, 1) < 0 || (dag_rc = cli_dag(c, name, &d)) != 0) {
		free(tasks);
		json_decref(given_params);
		return dag_rc != 0 ? dag_rc : EXIT_HOME;
	}
	if (given_params != NULL) {
		/* the runs' params from now on, checked as a trigger's */
		sl_err_clear(&err);
		params = dag_params_check(d, given_params, &err);
		json_decref(given_params);
		if (params == NULL) {
			free(tasks);
			cli_params_error(&err);
			return EXIT_USAGE;
		}
	}
	*held = params;
	spec.params = params;
	spec.dag_id = d->name;
	spec.tasks = tasks;
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	sl_err_clear(&err);
	ranged = partition != NULL || from != NULL || to != NULL;
	if (ranged) {
		struct partition_set set;
		int64_t now = sl_now_ms() / 1000;
		struct partition_notes notes;
		int rr;

		partition_notes_init(&notes);
		rr = partition != NULL ?
			partition_resolve(c->store, d, partition, now, PARTITION_RUNS, &set, &notes, &err) :
			partition_resolve_range(c->store, d, from, to, now, PARTITION_RUNS, &set, &notes, &err);
		if (rr == 0)
			cli_partition_notes(&notes);

		if (rr < 0) {
			free(tasks);
			cli_params_error(&err);
			return EXIT_USAGE;
		}
		/* the runs resolved are exactly those of this range */
		{
			struct store_run_range range;

			partition_set_range(&set, &range);
			spec.from_s = range.from_s;
			spec.from_id = range.from_id;
			spec.to_s = range.to_s;
			spec.to_id = range.to_id;
		}
		if (partition != NULL && set.n == 1) {
			/* that run only: two runs of an unscheduled DAG
			 * triggered within a second share their start */
			snprintf(one_key, sizeof one_key, "%s", set.v[0].key);
			spec.partition = one_key;
		}
		partition_set_free(&set);
	}
	/* NAME[i]: an item of a mapped task (in that run, when one) */
	for (int i = 0; tasks[i] != NULL; i++)
		if (partition_task_check(c->store, d, tasks[i], spec.partition,
					 &err) < 0) {
			free(tasks);
			cli_params_error(&err);
			return EXIT_USAGE;
		}
	if (!spec.dry_run && !yes) {
		/* show what would re-run, then ask */
		struct clear_spec dry = spec;

		dry.dry_run = 1;
		r = store_clear(c->store, d, &dry, c->who, &list, &err);
		if (r < 0) {
			cli_error(err.msg);
			free(tasks);
			return EXIT_FAILED;
		}
		if (r == 0) {
			fprintf(stderr, "sluice: nothing to clear: no task instance matches\n");
			json_decref(list);
			free(tasks);
			return EXIT_USAGE;
		}
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "sluice: this would clear %d task instance%s; add --yes to do it, or --dry-run to list them\n",
				r, r == 1 ? "" : "s");
			json_decref(list);
			free(tasks);
			return EXIT_USAGE;
		}
		{
			size_t i;
			json_t *o;
			char answer[16];

			json_array_foreach(list, i, o) {
				if (i == 50) {
					printf("  ... and %zu more\n", json_array_size(list) - 50);
					break;
				}
				printf("  %s  %-24s (%s)\n",
				       json_string_value(json_object_get(o, "partition")),
				       json_string_value(json_object_get(o, "task")),
				       json_string_value(json_object_get(o, "state")));
			}
			clear_consequences(c, &spec);
			if (r == 1)
				printf("Clear this task instance so it runs again? [y/N] ");
			else
				printf("Clear these %d task instances so they run again? [y/N] ", r);
			fflush(stdout);
			if (fgets(answer, sizeof answer, stdin) == NULL ||
			    (answer[0] != 'y' && answer[0] != 'Y')) {
				printf("nothing cleared\n");
				json_decref(list);
				free(tasks);
				return 0;
			}
		}
		json_decref(list);
		list = NULL;
	}
	/* the list is only printed for --json and --dry-run */
	r = store_clear(c->store, d, &spec, c->who,
			c->json || spec.dry_run ? &list : NULL, &err);
	free(tasks);
	if (r < 0) {
		cli_error(err.msg);
		return EXIT_FAILED;
	}
	if (r == 0) {
		/* matching nothing is never a quiet success */
		fprintf(stderr, "sluice: no task instance matches: nothing %s cleared\n",
			spec.dry_run ? "would be" : "was");
		json_decref(list);
		return EXIT_USAGE;
	}
	if (c->json) {
		cli_print_json(list);
	} else {
		size_t i;
		json_t *o;

		if (spec.dry_run) {
			/* the runs with task instances to clear, not every
			 * run of the range (--only-failed skips the others) */
			json_t *keys = store_clear_list_partitions(list);
			size_t n = json_array_size(keys);

			if (n > 0 && ranged) {
				fprintf(stderr, "partitions: %s", json_string_value(json_array_get(keys, 0)));
				if (n > 1)
					fprintf(stderr, " .. %s (%zu)",
						json_string_value(json_array_get(keys, n - 1)), n);
				fputc('\n', stderr);
			}
			json_decref(keys);
			json_array_foreach(list, i, o)
				printf("%s %s %s\n",
				       json_string_value(json_object_get(o, "partition")),
				       json_string_value(json_object_get(o, "task")),
				       json_string_value(json_object_get(o, "state")));
			printf("%d task instance%s would be cleared (dry run)\n", r, r == 1 ? "" : "s");
			clear_consequences(c, &spec);
		} else
			printf("cleared %d task instance%s of %s\n", r, r == 1 ? "" : "s", d->name);
	}
	json_decref(list);
	return 0;
}

static int
clear_run(struct cli *c, const struct cli_args *args)
{
	json_t *params = NULL;
	int rc = clear_exec(c, args, &params);

	json_decref(params);
	return rc;
}

static const struct cli_opt clear_opts[] = {
	{ "param", 0, "NAME=VALUE", "the cleared runs' params from now on (repeat; replace their old params)" },
	{ "task", 't', "T", "a task to clear (repeat for more; default: every task)" },
	{ "from", 0, "P", "the first partition of the range (inclusive)" },
	{ "to", 0, "P", "the last partition of the range (inclusive)" },
	{ "partition", 'p', "P", "one partition (instead of --from/--to)" },
	{ "downstream", 'd', NULL, "also everything downstream of the selected tasks" },
	{ "upstream", 'u', NULL, "also everything upstream" },
	{ "only-failed", 'f', NULL, "only instances that failed or whose upstream failed" },
	{ "only-stale", 0, NULL, "only runs an upstream change made stale (needs: with on_change: mark)" },
	{ "dry-run", 'n', NULL, "list what would be cleared, change nothing" },
	{ "yes", 'y', NULL, "do not ask (needed when stdin is not a terminal)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_clear = {
	"clear", "re-run task instances over a range of partitions",
	"DAG [--task T]... [--from P --to P | --partition P] [--param NAME=VALUE]... [-d] [-u] [-f] [--only-stale] [-n] [-y]",
	"Resets the selected task instances to `none` so the scheduler runs them\n"
	"again (each gets its retries back; earlier tries' logs stay). Without\n"
	"--task every task is selected; without --from/--to or --partition every\n"
	"partition. It lists what it would clear and asks first, unless --yes.\n"
	"P is a partition key, a time in the DAG's zone (the partition holding\n"
	"it: 2026-12-03T05, 2026-12-03 05:00, 2026-12-03T05:00Z) or a date (the\n"
	"partitions starting that day); the range is inclusive at both ends.\n"
	"Selecting nothing is an error (exit 2), also with --dry-run.\n"
	"A running instance that is cleared is stopped.\n"
	"--param gives the cleared runs new params (all of them, checked as a\n"
	"trigger's; they replace the old ones): the re-run renders them, and the\n"
	"audit log records them (secret ones masked). A run with a bad param is\n"
	"repaired so; `sluice runs delete` removes one instead.\n",
	clear_opts,
	clear_run,
};

/* The names of a JSON array of strings, joined by ", " (at most n bytes). */
static const char *
name_list(json_t *a, char *out, size_t n)
{
	size_t i, len = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(a, i, v) {
		int w = snprintf(out + len, n - len, "%s%s", i > 0 ? ", " : "", json_string_value(v));

		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
	return out;
}

/* The tail of a clear command naming these tasks: " --task a --task b". */
static void
task_flags(json_t *a, char *out, size_t n)
{
	size_t i, len = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(a, i, v) {
		char *q = shquote_arg(json_string_value(v));
		int w = snprintf(out + len, n - len, " --task %s", q);

		free(q);

		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}

/* What a mark did (or would do) to the downstream, for a person. */
static void
mark_report(const struct dag *d, const char *task, const char *key, int clear,
	    int dry_run, json_t *freed, json_t *stay)
{
	char names[2048], flags[2048];

	if (json_array_size(freed) > 0) {
		if (clear)
			printf("%s downstream task instance%s (upstream_failed, now free to run): %s\n",
			       dry_run ? "would clear" : "cleared", json_array_size(freed) == 1 ? "" : "s",
			       name_list(freed, names, sizeof names));
		else {
			/* commands to paste: task names may hold shell
			 * characters (; $ ' and a mapped item's brackets) */
			char *qtask = shquote_arg(task), *qkey = shquote_arg(key);

			task_flags(freed, flags, sizeof flags);
			printf("downstream task instance%s that %s upstream_failed: %s\n"
			       "to run %s again: sluice mark %s %s %s success --clear-downstream\n"
			       "             or: sluice clear %s --partition %s%s --yes\n",
			       json_array_size(freed) == 1 ? "" : "s", dry_run ? "would stay" :
			       json_array_size(freed) == 1 ? "stays" : "stay",
			       name_list(freed, names, sizeof names),
			       json_array_size(freed) == 1 ? "it" : "them", d->name, qtask, qkey,
			       d->name, qkey, flags);
			free(qtask);
			free(qkey);
		}
	}
	if (json_array_size(stay) > 0)
		printf("still upstream_failed (another upstream failed): %s\n",
		       name_list(stay, names, sizeof names));
}

/* Is task (or item) of partition's run in state already? */
static int
mark_already(struct cli *c, const struct dag *d, const char *task,
	     const char *key, const char *state)
{
	json_t *tis = store_tis_json(c->store, d->name, key), *t;
	size_t i;
	int same = 0;

	json_array_foreach(tis, i, t)
		if (strcmp(json_string_value(json_object_get(t, "task")), task) == 0)
			same = strcmp(json_string_value(json_object_get(t, "state")), state) == 0;
	json_decref(tis);
	return same;
}

static int
mark_run(struct cli *c, const struct cli_args *args)
{
	struct dag *d;
	int dag_rc;
	struct sl_err err;
	char *const *pos = args->pos;
	char key[PARTITION_KEY_MAX];
	int state, clear = cli_opt_flag(args, "clear-downstream") > 0;
	int dry_run = cli_opt_flag(args, "dry-run") > 0, marked;
	json_t *freed = NULL, *stay = NULL;

	if (args->npos != 4)
		return cli_usage(&cli_mark, "needs DAG, TASK, PARTITION and a state");
	state = ti_state_parse(pos[3]);
	if (state != TI_SUCCESS && state != TI_FAILED &&
	    (strcmp(pos[2], "success") == 0 || strcmp(pos[2], "failed") == 0)) {
		/* mark DAG TASK STATE PARTITION */
		char *qdag = shquote_arg(pos[0]), *qtask = shquote_arg(pos[1]);
		char *qkey = shquote_arg(pos[3]);
		int rc = cli_usage(&cli_mark, "the partition comes before the state: "
				   "sluice mark %s %s %s %s", qdag, qtask, qkey, pos[2]);

		free(qdag);
		free(qtask);
		free(qkey);
		return rc;
	}
	if (state != TI_SUCCESS && state != TI_FAILED) {
		/* "succes", "fail", "succeeded": the one meant */
		const char *meant = strncmp(pos[3], "fail", 4) == 0 ? "failed" :
				    strncmp(pos[3], "succe", 5) == 0 ? "success" : NULL;
		char hint[160];

		if (meant != NULL)
			text_hint(meant, hint, sizeof hint);
		else
			text_hint_list(pos[3], "success, failed", hint, sizeof hint);
		return cli_usage(&cli_mark, "state must be success or failed, got '%s'%s%.*s%s",
				 pos[3], hint[0] ? " (" : "",
				 (int)(hint[0] ? strlen(hint) - 1 : 0), hint, hint[0] ? ")" : "");
	}
	if (clear && state != TI_SUCCESS)
		return cli_usage(&cli_mark, "--clear-downstream goes with success");
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if ((dag_rc = cli_dag(c, pos[0], &d)) != 0)
		return dag_rc;
	sl_err_clear(&err);
	if (cli_task_arg(&cli_mark, d, pos[1], pos[2]) != 0)
		return EXIT_USAGE;
	if (cli_partition(c, d, pos[2], key, sizeof key) < 0)
		return EXIT_USAGE;
	if (partition_task_check(c->store, d, pos[1], key, &err) < 0) {
		cli_error(err.msg);
		return EXIT_USAGE;
	}
	sl_err_clear(&err);
	if (dry_run) {
		if (state == TI_SUCCESS &&
		    store_mark_downstream(c->store, d, pos[1], key, 0, c->who, &freed, &stay, &err) < 0) {
			cli_error(err.msg);
			return EXIT_FAILED;
		}
		marked = !mark_already(c, d, pos[1], key, ti_state_name((enum ti_state)state));
		if (c->json) {
			json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:O*,s:O*}", "dag", d->name,
			    "task", pos[1], "partition", key, "state", pos[3], "dry_run", 1,
			    "changed", marked,
			    clear ? "clear_downstream" : "downstream_upstream_failed", freed,
			    "still_upstream_failed", stay);

			cli_print_json(o);
			json_decref(o);
		} else {
			if (marked)
				printf("would mark %s %s %s %s (dry run)\n", d->name, pos[1], key, pos[3]);
			else
				printf("%s %s %s is already %s (unchanged; dry run)\n",
				       d->name, pos[1], key, pos[3]);
			mark_report(d, pos[1], key, clear, 1, freed, stay);
		}
		json_decref(freed);
		json_decref(stay);
		return 0;
	}
	/* the mark and the downstream it frees, in one transaction */
	if (store_begin(c->store) < 0) {
		fprintf(stderr, "sluice: database: %s\n", store_errmsg(c->store));
		return EXIT_FAILED;
	}
	/* one already in that state is left as it is (its run too); what
	 * an earlier mark left upstream_failed is still freed below */
	if ((marked = store_mark(c->store, d, pos[1], key, state, c->who, &err)) < 0 ||
	    (state == TI_SUCCESS &&
	     store_mark_downstream(c->store, d, pos[1], key, clear, c->who, &freed, &stay, &err) < 0)) {
		store_rollback(c->store);
		cli_error(err.msg);
		return EXIT_FAILED;
	}
	if (store_commit_err(c->store, &err) < 0) {
		cli_error(err.msg);
		json_decref(freed);
		json_decref(stay);
		return EXIT_FAILED;
	}
	if (c->json) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:O*,s:O*}", "dag", d->name,
		    "task", pos[1], "partition", key, "state", pos[3], "changed", marked == 0,
		    clear ? "cleared_downstream" : "downstream_upstream_failed", freed,
		    "still_upstream_failed", stay);

		cli_print_json(o);
		json_decref(o);
	} else {
		if (marked == 0)
			printf("marked %s %s %s %s\n", d->name, pos[1], key, pos[3]);
		else
			printf("%s %s %s is already %s (unchanged)\n", d->name, pos[1],
			       key, pos[3]);
		mark_report(d, pos[1], key, clear, 0, freed, stay);
	}
	json_decref(freed);
	json_decref(stay);
	return 0;
}

static const struct cli_opt mark_opts[] = {
	{ "clear-downstream", 'd', NULL, "with success: also clear the downstream tasks it left upstream_failed, so the scheduler runs them" },
	{ "dry-run", 'n', NULL, "say what would change, change nothing" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_mark = {
	"mark", "set a task instance to success or failed",
	"DAG TASK PARTITION success|failed [--clear-downstream] [--dry-run]",
	"PARTITION is a key, or a time or date naming exactly one partition.\n"
	"Settles one task instance by hand (a running one is stopped). Marked\n"
	"success it shows no error any more (its tries keep theirs: `sluice\n"
	"logs`); marked failed without one, its error says who marked it. One\n"
	"already in that state is left as it is, and so is its run. Its\n"
	"downstream tasks that have not run yet then follow their trigger rules\n"
	"(marking success lets them start).\n"
	"Downstream tasks already set to upstream_failed stay so: marking a\n"
	"failed task success does not run them again unless --clear-downstream\n"
	"is given, which clears those that were upstream_failed because of this\n"
	"task (and no other failed upstream) so the scheduler runs them; without\n"
	"it, mark lists them and the command that clears them. --dry-run shows\n"
	"both lists first.\n",
	mark_opts,
	mark_run,
};
