/* cli_runs.c: `sluice runs`, `sluice tasks`, `sluice logs`. */
#include "scheduler/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "store/store.h"
#include "scheduler/partition.h"
#include "scheduler/shquote.h"
#include "scheduler/state.h"
#include "scheduler/try.h"
#include "scheduler/wait.h"

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static int64_t
jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* --json of runs delete: [{partition, deleted}] of the runs named, deleted
 * true for the first ndeleted (none in a dry run). */
static void
runs_delete_json(const struct partition_set *all, size_t ndeleted, int dry_run)
{
	json_t *list = json_array();

	for (size_t i = 0; i < all->n; i++)
		json_array_append_new(list, json_pack("{s:s,s:b}", "partition",
						      all->v[i].key, "deleted",
						      !dry_run && i < ndeleted));
	cli_print_json(list);
	json_decref(list);
}

/* `sluice runs delete DAG PARTITION... [--from P] [--to P]`: each
 * argument, and the range, resolves to the
 * runs it names; all of them are checked before any is deleted. */
static int
runs_delete(struct cli *c, const struct cli_args *args)
{
	int dry_run = cli_opt_flag(args, "dry-run"), yes = cli_opt_flag(args, "yes");
	struct partition_set all = { NULL, 0 };
	struct sl_err err;
	struct dag *d;
	int dag_rc;
	size_t i;
	int deleted = 0;

	const char *from = cli_opt_str(args, "from"), *to = cli_opt_str(args, "to");

	if (args->npos < 3 && from == NULL && to == NULL)
		return cli_usage(&cli_runs, "delete needs DAG and the runs: PARTITION... or --from/--to");
	if (args->npos < 2)
		return cli_usage(&cli_runs, "delete needs DAG");
	if (cli_opt_str(args, "state") || cli_opt_str(args, "limit"))
		return cli_usage(&cli_runs, "delete takes partitions or --from/--to, not --state/--limit");
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if ((dag_rc = cli_dag(c, args->pos[1], &d)) != 0)
		return dag_rc;
	/* each PARTITION, then the range --from/--to names (its runs) */
	for (int k = 2; k <= args->npos; k++) {
		struct partition_notes notes;
		struct partition_set set;
		int rc;

		if (k == args->npos && from == NULL && to == NULL)
			break;
		sl_err_clear(&err);
		partition_notes_init(&notes);
		rc = k < args->npos ?
		    partition_resolve(c->store, d, args->pos[k], sl_now_ms() / 1000,
				      PARTITION_RUNS, &set, &notes, &err) :
		    partition_resolve_range(c->store, d, from, to, sl_now_ms() / 1000,
					    PARTITION_RUNS, &set, &notes, &err);
		if (rc < 0) {
			cli_error(err.msg);
			partition_set_free(&all);
			return EXIT_USAGE;
		}
		cli_partition_notes(&notes);
		for (i = 0; i < set.n; i++) {
			size_t j;

			for (j = 0; j < all.n && strcmp(all.v[j].key, set.v[i].key) != 0; j++)
				;
			if (j == all.n) {
				all.v = xreallocarray(all.v, all.n + 1, sizeof *all.v);
				all.v[all.n++] = set.v[i];
			}
		}
		partition_set_free(&set);
	}
	/* a run with task instances queued or running, or a try still to
	 * be stopped, is refused (by store_run_delete too): say so before
	 * deleting any, and in the dry run, instead of deleting the ones
	 * before it and stopping there */
	for (i = 0; i < all.n; i++) {
		struct run_progress p;
		int has = store_run_progress(c->store, d->name, all.v[i].key, &p);

		if (has < 0) {
			fprintf(stderr, "sluice: cannot read the runs of %s\n", d->name);
			partition_set_free(&all);
			return EXIT_FAILED;
		}
		if (has > 0 && p.running > 0) {
			fprintf(stderr, "sluice: run %s %s has %d task instance%s queued or "
				"running: mark or clear %s first (nothing deleted)\n",
				d->name, all.v[i].key, p.running, p.running == 1 ? "" : "s",
				p.running == 1 ? "it" : "them");
			partition_set_free(&all);
			return EXIT_FAILED;
		}
		if (has > 0 && p.stopping > 0) {
			fprintf(stderr, "sluice: run %s %s has %d tr%s still to be stopped "
				"(cleared or marked while it ran): a running scheduler "
				"stops it within seconds, else the next one to start "
				"does; delete the run after that (nothing deleted)\n",
				d->name, all.v[i].key, p.stopping,
				p.stopping == 1 ? "y" : "ies");
			partition_set_free(&all);
			return EXIT_FAILED;
		}
	}
	if (c->json && !dry_run && !yes) {
		/* JSON is for scripts: no question asked */
		fprintf(stderr, "sluice: this would delete %zu run%s; add --yes to do it, or --dry-run to list them\n",
			all.n, all.n == 1 ? "" : "s");
		partition_set_free(&all);
		return EXIT_USAGE;
	}
	if (c->json && dry_run) {
		runs_delete_json(&all, 0, 1);
		partition_set_free(&all);
		return 0;
	}
	if (dry_run || !yes) {
		for (i = 0; i < all.n; i++)
			printf("%s %s\n", dry_run ? "would delete" : "delete", all.v[i].key);
		if (dry_run) {
			printf("%zu run%s would be deleted with %s task instances (dry run; logs stay)\n",
			       all.n, all.n == 1 ? "" : "s", all.n == 1 ? "its" : "their");
			partition_set_free(&all);
			return 0;
		}
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "sluice: this would delete %zu run%s; add --yes to do it, or --dry-run to list them\n",
				all.n, all.n == 1 ? "" : "s");
			partition_set_free(&all);
			return EXIT_USAGE;
		}
		{
			char answer[16];

			printf("Delete these %zu run%s and their task instances? [y/N] ",
			       all.n, all.n == 1 ? "" : "s");
			fflush(stdout);
			if (fgets(answer, sizeof answer, stdin) == NULL ||
			    (answer[0] != 'y' && answer[0] != 'Y')) {
				printf("nothing deleted\n");
				partition_set_free(&all);
				return 0;
			}
		}
	}
	for (i = 0; i < all.n; i++) {
		sl_err_clear(&err);
		if (store_run_delete(c->store, d, all.v[i].key, c->who, &err) <= 0) {
			cli_error(err.msg);
			if (c->json)
				runs_delete_json(&all, (size_t)deleted, 0);
			else
				printf("deleted %d run%s of %s\n", deleted,
				       deleted == 1 ? "" : "s", d->name);
			partition_set_free(&all);
			return EXIT_FAILED;
		}
		if (!c->json)
			printf("deleted %s\n", all.v[i].key);
		deleted++;
	}
	if (c->json)
		runs_delete_json(&all, all.n, 0);
	else
		printf("deleted %d run%s of %s (logs stay in %s/%s)\n", deleted,
		       deleted == 1 ? "" : "s", d->name, c->cfg->logs_dir, d->name);
	partition_set_free(&all);
	return 0;
}

static int
runs_run(struct cli *c, const struct cli_args *args)
{
	const char *name = args->npos > 0 ? args->pos[0] : NULL;
	const char *state = cli_opt_str(args, "state");
	const char *from = cli_opt_str(args, "from"), *to = cli_opt_str(args, "to");
	long long limit = 50;
	int more, rc;
	struct store_run_range range = { INT64_MIN, 0, INT64_MAX, 0 };
	struct dag *d;
	int dag_rc;
	json_t *runs, *r;
	size_t i;
	struct sl_err err;

	if (args->npos >= 2 && strcmp(args->pos[0], "delete") == 0)
		return runs_delete(c, args);
	if (cli_opt_flag(args, "dry-run") || cli_opt_flag(args, "yes"))
		return cli_usage(&cli_runs, "--dry-run and --yes go with `runs delete`");
	if ((rc = cli_opt_int(args, "limit", 1, 1000000, &limit)) != 0)
		return rc;
	if (args->npos > 1)
		return cli_usage(&cli_runs, "unexpected argument '%s'", args->pos[1]);
	if (name == NULL)
		return cli_usage(&cli_runs, "which DAG? sluice runs DAG");
	if (state != NULL && run_state_parse(state) < 0)
		return cli_bad_choice(&cli_runs, "state", state, "queued, running, success, failed");
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if ((dag_rc = cli_dag(c, name, &d)) != 0)
		return dag_rc;
	sl_err_clear(&err);
	if (from != NULL || to != NULL) {
		struct partition_notes notes;
		struct partition_set set;

		partition_notes_init(&notes);
		if (partition_resolve_range(c->store, d, from, to, sl_now_ms() / 1000,
					    PARTITION_RUNS, &set, &notes, &err) < 0) {
			cli_error(err.msg);
			return EXIT_USAGE;
		}
		cli_partition_notes(&notes);
		partition_set_range(&set, &range);
		partition_set_free(&set);
	}
	/* one more than shown, to say when the list is cut */
	runs = store_runs_range_json(c->store, d->name, &range, state, (int)limit + 1, 0);
	if (runs == NULL) {
		fprintf(stderr, "sluice: cannot read the runs of %s\n", d->name);
		return EXIT_FAILED;
	}
	more = json_array_size(runs) > (size_t)limit;
	if (more)
		json_array_remove(runs, json_array_size(runs) - 1);
	if (c->json) {
		/* a secret param's value is *** wherever people see it, as
		 * in the API (SECURITY.md) */
		json_array_foreach(runs, i, r)
			if (json_is_object(json_object_get(r, "params")))
				json_object_set_new(r, "params",
				    dag_params_masked(d, json_object_get(r, "params")));
		cli_print_json(runs);
	} else if (json_array_size(runs) == 0) {
		/* a bare header read as a list that failed to load */
		const char *adj = state == NULL ? "" :
		    strcmp(state, "success") == 0 ? "successful " :
		    strcmp(state, "queued") == 0 ? "queued " :
		    strcmp(state, "running") == 0 ? "running " : "failed ";

		printf("no %sruns of %s%s\n", adj,
		       d->name, from || to ? " in that range" :
		       state ? "" : " yet (sluice trigger, or its schedule, makes one)");
	} else {
		printf("%-27s %-8s %-10s %-25s %s\n", "PARTITION", "STATE", "TYPE", "STARTED", "DURATION");
		json_array_foreach(runs, i, r) {
			char t[64], dur[32] = "-";

			if (jint(r, "ended_at") > 0 && jint(r, "started_at") > 0)
				sl_format_duration(jint(r, "ended_at") - jint(r, "started_at"), dur, sizeof dur);
			printf("%-27s %-8s %-10s %-25s %s%s\n", jstr(r, "partition"), jstr(r, "state"),
			       jstr(r, "run_type"), cli_time(d->tz, jint(r, "started_at"), t, sizeof t), dur,
			       jint(r, "stale") == 2 ? "  stale: re-runs when its upstream settles" :
			       jint(r, "stale") == 1 ? "  stale: an upstream partition it used changed" : "");
		}
		if (more)
			fprintf(stderr, "sluice: %lld run%s shown (newest partitions "
				"first); there are more: --limit N, or --from/--to\n",
				limit, limit == 1 ? "" : "s");
	}
	json_decref(runs);
	return 0;
}

static const struct cli_opt runs_opts[] = {
	{ "state", 's', "queued|running|success|failed", "only runs in that state" },
	{ "from", 0, "P", "only partitions from P on (inclusive)" },
	{ "to", 0, "P", "only partitions up to P (inclusive)" },
	{ "limit", 0, "N", "at most N runs (default 50)" },
	{ "dry-run", 'n', NULL, "delete: list the runs it would delete, change nothing" },
	{ "yes", 'y', NULL, "delete: do not ask (needed when stdin is not a terminal)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_runs = {
	"runs", "list (or delete) the runs (partitions) of a DAG",
	"DAG [--state queued|running|success|failed] [--from P] [--to P] [--limit N]\n"
	"delete DAG PARTITION... [--from P] [--to P] [--dry-run] [--yes]",
	"Lists the runs, newest partition first. Times are shown in the DAG's\n"
	"zone with their offset. P is a partition key, a time (the partition\n"
	"holding it) or a date (the partitions starting that day); --from and\n"
	"--to are inclusive.\n"
	"\n"
	"`runs delete` deletes runs with their task instances, so a partition can\n"
	"be triggered afresh (with new params): those the PARTITION arguments\n"
	"name and the runs --from/--to names (either end may be left open;\n"
	"with a range the PARTITION arguments may be left out).\n"
	"Without --yes it lists them and asks (off a terminal: lists them and\n"
	"stops); --dry-run only lists them. Their logs stay on disk; each\n"
	"deletion is audited with the run's params. A run with a queued or\n"
	"running task instance is refused: mark or clear it first; so is one\n"
	"whose try a mark or clear has not stopped yet (no scheduler ran since:\n"
	"the next one to start stops it). With --json it prints the runs as\n"
	"[{partition, deleted}] and never asks (--yes or --dry-run).\n",
	runs_opts,
	runs_run,
};

/* Do lineage rows a and b name the same upstream (DAG, and task or the
 * whole run)? */
static int
same_upstream(json_t *a, json_t *b)
{
	const char *ta = json_string_value(json_object_get(a, "task"));
	const char *tb = json_string_value(json_object_get(b, "task"));

	return strcmp(jstr(a, "dag"), jstr(b, "dag")) == 0 &&
	       (ta == NULL ? tb == NULL : tb != NULL && strcmp(ta, tb) == 0);
}

/* The upstream partitions the latest try of a task consumed (needs:), one
 * line per upstream DAG (and task): how many, the first and the last,
 * and those that succeeded again since. lin: store_needs_lineage_json's
 * rows, the newest try first. */
static void
tasks_print_lineage(json_t *lin)
{
	int64_t latest = jint(json_array_get(lin, 0), "try");
	size_t i, j, n = json_array_size(lin);

	for (i = 0; i < n && jint(json_array_get(lin, i), "try") == latest; i++) {
		json_t *o = json_array_get(lin, i);
		const char *task = json_string_value(json_object_get(o, "task"));
		const char *first = NULL, *last = NULL;
		size_t count = 0, changed = 0;
		struct buf again;
		int seen = 0;

		/* one line per upstream: skip one printed with an earlier row */
		for (j = 0; j < i && !seen; j++)
			seen = same_upstream(json_array_get(lin, j), o);
		if (seen)
			continue;
		buf_init(&again, 0);
		for (j = i; j < n && jint(json_array_get(lin, j), "try") == latest; j++) {
			json_t *x = json_array_get(lin, j);

			if (!same_upstream(x, o))
				continue;
			if (first == NULL)
				first = jstr(x, "partition");
			last = jstr(x, "partition");
			count++;
			if (jint(x, "changed") && changed++ < 3)
				buf_printf(&again, "%s%s", changed > 1 ? ", " : "",
					   jstr(x, "partition"));
		}
		printf("  %-22s consumed (needs, try %lld): %s%s%s: %zu partition%s %s%s%s",
		       "", (long long)latest, jstr(o, "dag"), task ? "." : "",
		       task ? task : "", count, count == 1 ? "" : "s", first,
		       count > 1 ? " .. " : "", count > 1 ? last : "");
		if (changed > 0)
			printf("; succeeded again since: %s%s", buf_str(&again),
			       changed > 3 ? ", ..." : "");
		printf("\n");
		buf_free(&again);
	}
}

static int
tasks_run(struct cli *c, const struct cli_args *args)
{
	char *const *argv = args->pos;
	struct dag *d;
	int dag_rc;
	json_t *tis, *t;
	size_t i;
	char key[PARTITION_KEY_MAX];

	if (args->npos != 2)
		return cli_usage(&cli_tasks, "needs DAG and PARTITION");
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if ((dag_rc = cli_dag(c, argv[0], &d)) != 0)
		return dag_rc;
	if (cli_partition(c, d, argv[1], key, sizeof key) < 0)
		return EXIT_USAGE;
	tis = store_tis_json(c->store, d->name, key);
	if (json_array_size(tis) == 0) {
		fprintf(stderr, "sluice: DAG %s has no run for partition %s (see `sluice runs %s`)\n",
			d->name, key, d->name);
		json_decref(tis);
		return EXIT_FAILED;
	}
	/* why each task instance that is not running waits (wait.c); one
	 * of a task removed from the DAG file says so (it waits for nothing) */
	json_array_foreach(tis, i, t) {
		json_t *why;
		struct sl_err err;

		json_object_set_new(t, "removed",
				    json_boolean(partition_task(d, jstr(t, "task")) == NULL));
		sl_err_clear(&err);
		if (wait_explain_ti(c->store, c->cfg, NULL, &c->bag, d, key, jstr(t, "task"),
				    sl_now_ms(), &why, &err) < 0) {
			cli_error(err.msg);
			json_decref(tis);
			return EXIT_FAILED;
		}
		json_object_set_new(t, "waiting_for", why);
		/* needs: what its tries consumed (as the API's task) */
		if (!json_is_integer(json_object_get(t, "map_index")))
			json_object_set_new(t, "lineage",
					    store_needs_lineage_json(c->store, d->name, key,
								     jstr(t, "task")));
	}
	if (c->json) {
		cli_print_json(tis);
	} else {
		int in_flight = 0;

		printf("%-24s %-17s %-5s %-9s %-5s %s\n", "TASK", "STATE", "TRY", "DURATION", "EXIT", "ERROR");
		json_array_foreach(tis, i, t) {
			char dur[32] = "-", tr[16], ex[16] = "-";

			if (json_is_integer(json_object_get(t, "duration_ms")))
				sl_format_duration(jint(t, "duration_ms"), dur, sizeof dur);
			snprintf(tr, sizeof tr, "%lld/%lld", (long long)jint(t, "try_number"),
				 (long long)jint(t, "max_tries"));
			/* a mapped task runs its items, not tries of its own:
			 * "0/1" there read as a try still to come */
			if (json_is_integer(json_object_get(t, "map_count")) &&
			    !json_is_integer(json_object_get(t, "map_index")) &&
			    jint(t, "try_number") == 0)
				snprintf(tr, sizeof tr, "-");
			if (json_is_integer(json_object_get(t, "exit_code")))
				snprintf(ex, sizeof ex, "%lld", (long long)jint(t, "exit_code"));
			char name[64];

			/* a mapped task's items under it, indented */
			snprintf(name, sizeof name, "%s%s",
				 json_is_integer(json_object_get(t, "map_index")) ? "  " : "",
				 jstr(t, "task"));
			printf("%-24s %-17s %-5s %-9s %-5s %s\n", name, jstr(t, "state"),
			       tr, dur, ex, json_is_string(json_object_get(t, "error")) ? jstr(t, "error") : "");
			if (json_is_object(json_object_get(t, "waiting_for")))
				printf("  %-22s not running: %s\n", "",
				       jstr(json_object_get(t, "waiting_for"), "text"));
			if (json_is_true(json_object_get(t, "removed")))
				printf("  %-22s no longer in the DAG file (its tries and logs stay)\n", "");
			if (json_array_size(json_object_get(t, "lineage")) > 0)
				tasks_print_lineage(json_object_get(t, "lineage"));
			in_flight |= strcmp(jstr(t, "state"), "running") == 0 ||
				     strcmp(jstr(t, "state"), "queued") == 0;
		}
		/* after a crash a running row may be a try that has ended
		 * since: say whose word it is */
		if (in_flight && !cli_scheduler_running(c))
			fprintf(stderr, "sluice: no scheduler is running on this home's database: "
				"running and queued are as the last one recorded them (a try may "
				"have ended since); the next scheduler follows or ends them\n");
	}
	json_decref(tis);
	return 0;
}

const struct cli_verb cli_tasks = {
	"tasks", "the task instances of one partition",
	"DAG PARTITION",
	"Lists the task instances of one run (PARTITION: its key, or a time or\n"
	"date naming exactly one partition) with their state, try, duration,\n"
	"exit code and error (a failed try's: its exit code or signal and the\n"
	"last line the task wrote, `exit code 1: column \"x\" does not exist`,\n"
	"secrets masked). Under each one that waits (neither running nor\n"
	"done), a line says why (`not running: ...`): the upstream tasks it\n"
	"waits for, depends_on_past, needs, a full pool, max_active_tasks or\n"
	"max_active_runs, the executor's slots, the next poke of a sensor, the\n"
	"time of a retry, a paused DAG. --json gives the same as `waiting_for`\n"
	"(see web/API.md). Under one whose latest try consumed upstream\n"
	"partitions (needs:), a line per upstream DAG says how many, the first\n"
	"and the last, and those that succeeded again since (a stale run:\n"
	"`sluice runs`); --json gives each as `lineage`, as the API's task.\n"
	"While no scheduler runs on the database, a running or queued row is\n"
	"as the last one recorded it (its try may have ended since): a note on\n"
	"stderr says so.\n",
	NULL,
	tasks_run,
};

static char *
log_path(struct cli *c, const char *dag, const char *task, const char *partition, int try_number)
{
	return try_log_path(c->cfg->logs_dir, dag, partition, task, try_number);
}

static int
ti_lookup(struct cli *c, const char *dag, const char *task, const char *partition,
	  int *try_number, char *state, size_t n)
{
	json_t *tis = store_tis_json(c->store, dag, partition), *t;
	size_t i;
	int found = 0;

	json_array_foreach(tis, i, t)
		if (strcmp(jstr(t, "task"), task) == 0) {
			*try_number = (int)jint(t, "try_number");
			snprintf(state, n, "%s", jstr(t, "state"));
			found = 1;
		}
	json_decref(tis);
	return found;
}

/* Is task (not in the DAG file: removed from it) one with an instance in
 * the run partition_arg names? Then its key goes to key: the tries and
 * logs of a removed task stay readable in the runs that had it. Says
 * nothing otherwise (the usual checks then say what is wrong). */
static int
removed_task_ti(struct cli *c, const struct dag *d, const char *task,
		const char *partition_arg, char *key, size_t n)
{
	struct partition_notes notes;
	struct partition p;
	struct sl_err err;
	char state[32];
	int latest;

	sl_err_clear(&err);
	partition_notes_init(&notes);
	if (partition_task_check(NULL, d, task, NULL, &err) == 0 ||
	    partition_resolve_one(c->store, d, partition_arg, sl_now_ms() / 1000,
				  PARTITION_RUNS, &p, &notes, &err) < 0 ||
	    !ti_lookup(c, d->name, task, p.key, &latest, state, sizeof state))
		return 0;
	cli_partition_notes(&notes);
	snprintf(key, n, "%s", p.key);
	return 1;
}

/* "waiting for its first try" with the reason it has not started, for
 * logs --follow of a task instance no try of which has started. */
static void
logs_say_waiting(struct cli *c, const struct dag *d, const char *task,
		 const char *key, const char *state)
{
	json_t *why = NULL;
	struct sl_err err;

	sl_err_clear(&err);
	if (wait_explain_ti(c->store, c->cfg, NULL, &c->bag, d, key, task,
			    sl_now_ms(), &why, &err) == 0 && json_is_object(why))
		fprintf(stderr, "sluice: %s %s %s has not started yet (%s; not running: %s); "
			"waiting for its first try...\n", d->name, task, key, state,
			json_string_value(json_object_get(why, "text")));
	else
		fprintf(stderr, "sluice: %s %s %s has not started yet (%s); waiting for its "
			"first try...\n", d->name, task, key, state);
	json_decref(why);
}

/* Is state (a task instance's, by name) one no further try follows? */
static int
ti_ended(const char *state)
{
	int s = ti_state_parse(state);

	return s >= 0 && ti_state_done((enum ti_state)s);
}

static int
logs_run(struct cli *c, const struct cli_args *a)
{
	char *const *args = a->pos;
	int nargs = a->npos, follow = cli_opt_flag(a, "follow"), try_number = 0, latest;
	long long tn = 0;
	size_t printed = 0;
	char state[32], *path, key[PARTITION_KEY_MAX];
	FILE *f;
	struct dag *d;
	const struct task *named;
	int dag_rc;

	if ((dag_rc = cli_opt_int(a, "try", 1, 100000, &tn)) != 0)
		return dag_rc;
	if (nargs != 3)
		return cli_usage(&cli_logs, "needs DAG, TASK and PARTITION");
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if ((dag_rc = cli_dag(c, args[0], &d)) != 0)
		return dag_rc;
	if (!removed_task_ti(c, d, args[1], args[2], key, sizeof key)) {
		struct sl_err err;

		sl_err_clear(&err);
		if (cli_task_arg(&cli_logs, d, args[1], args[2]) != 0)
			return EXIT_USAGE;
		if (cli_partition(c, d, args[2], key, sizeof key) < 0)
			return EXIT_USAGE;
		if (partition_task_check(c->store, d, args[1], key, &err) < 0) {
			cli_error(err.msg);
			return EXIT_USAGE;
		}
	}
	if (!ti_lookup(c, d->name, args[1], key, &latest, state, sizeof state)) {
		/* the run is there (the partition resolved to it): the task
		 * came into the DAG file after the run was made */
		char *qtask = shquote_arg(args[1]), *qkey = shquote_arg(key);

		fprintf(stderr, "sluice: the run of DAG %s for partition %s has no %s: the task was "
			"added to the DAG file after the run was made (`sluice clear %s --task %s "
			"--partition %s` runs it there)\n", d->name, key, args[1], d->name, qtask, qkey);
		free(qtask);
		free(qkey);
		return EXIT_USAGE;
	}
	try_number = tn > 0 ? (int)tn : latest;
	/* a try that has not happened: an error, unless --follow may see it
	 * start (the instance is still queued, running or to be retried) */
	named = dag_task(d, args[1]);	/* NULL for an item, NAME[i] */
	if (try_number > latest && !(named != NULL && named->mapped) &&
	    (!follow || ti_ended(state))) {
		if (latest > 0)
			fprintf(stderr, "sluice: %s %s %s has no try %d: it has had %d tr%s (%s; --try 1 to %d)\n",
				d->name, args[1], key, try_number, latest,
				latest == 1 ? "y" : "ies", state, latest);
		else
			fprintf(stderr, "sluice: %s %s %s has no try %d: it has had none (%s)\n",
				d->name, args[1], key, try_number, state);
		return EXIT_USAGE;
	}
	if (try_number == 0) {
		const struct task *t = dag_task(d, args[1]);

		/* a mapped task's tries are its items' */
		if (t != NULL && t->mapped) {
			char *item = xasprintf("%s[0]", args[1]);
			char *qitem = shquote_arg(item), *qkey = shquote_arg(key);

			fprintf(stderr, "sluice: %s is a mapped task: each item has its own log "
				"(sluice logs %s %s %s)\n", args[1], d->name, qitem, qkey);
			free(item);
			free(qitem);
			free(qkey);
			return EXIT_FAILED;
		}
		/* wait for the first try, unless it ended without one
		 * (skipped, upstream_failed, failed before it could start):
		 * then none will come */
		/* a wait with no word reads as a hang: say why it has not
		 * started (wait.c), once, on a terminal */
		if (try_number == 0 && follow &&
		    (ti_state_parse(state) < 0 ||
		     !ti_state_done((enum ti_state)ti_state_parse(state)))) {
			if (isatty(STDERR_FILENO))
				logs_say_waiting(c, d, args[1], key, state);
			/* a paused DAG's wait lasts until the unpause: said
			 * on and off a terminal, as trigger says it */
			cli_say_paused(c, d);
		}
		while (try_number == 0) {
			struct timespec ts = { 0, 200 * 1000000 };

			if (ti_state_parse(state) >= 0 &&
			    ti_state_done((enum ti_state)ti_state_parse(state))) {
				fprintf(stderr, "sluice: %s %s %s ended %s without a try: it has no log\n",
					d->name, args[1], key, state);
				return EXIT_FAILED;
			}
			if (!follow) {
				fprintf(stderr, "sluice: %s %s %s has not started yet (%s)\n",
					d->name, args[1], key, state);
				return EXIT_FAILED;
			}
			nanosleep(&ts, NULL);
			if (!ti_lookup(c, d->name, args[1], key, &try_number, state,
				       sizeof state)) {
				fprintf(stderr, "sluice: the run of %s %s was deleted before %s started\n",
					d->name, key, args[1]);
				return EXIT_FAILED;
			}
		}
	}
	path = log_path(c, d->name, args[1], key, try_number);
	for (;;) {
		int cur = 0;

		f = fopen(path, "re");
		if (f != NULL || !follow)
			break;
		/* no file yet: wait while the try may still write one; one
		 * that is over (or a log removed since) will not appear */
		if (!ti_lookup(c, d->name, args[1], key, &cur, state, sizeof state) ||
		    cur > try_number || ti_ended(state)) {
			f = fopen(path, "re");	/* written just before it ended */
			break;
		}
		{
			struct timespec ts = { 0, 100 * 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	if (f == NULL) {
		fprintf(stderr, "sluice: no log for try %d: %s: %s\n", try_number, path, strerror(errno));
		free(path);
		return EXIT_FAILED;
	}
	for (;;) {
		char chunk[65536];
		size_t n;
		int cur = 0;

		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
			fwrite(chunk, 1, n, stdout);
			printed += n;
		}
		fflush(stdout);
		if (!follow)
			break;
		/* done when this try is over and nothing more was written,
		 * or its run was deleted */
		if (!ti_lookup(c, d->name, args[1], key, &cur, state, sizeof state) ||
		    cur != try_number || (strcmp(state, "running") != 0 &&
		    strcmp(state, "queued") != 0 && strcmp(state, "up_for_reschedule") != 0)) {
			while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
				fwrite(chunk, 1, n, stdout);
				printed += n;
			}
			break;
		}
		clearerr(f);
		{
			struct timespec ts = { 0, 200 * 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	fclose(f);
	/* an empty log is not an error, but nothing at all on the terminal
	 * reads as one: say so (on stderr, so a pipe still gets the log) */
	if (printed == 0) {
		if (ti_lookup(c, d->name, args[1], key, &latest, state, sizeof state) && latest == try_number)
			fprintf(stderr, "sluice: %s %s %s: try %d wrote nothing (its log is empty; %s)\n",
				d->name, args[1], key, try_number, state);
		else
			fprintf(stderr, "sluice: %s %s %s: try %d wrote nothing (its log is empty)\n",
				d->name, args[1], key, try_number);
	}
	free(path);
	return 0;
}

static const struct cli_opt logs_opts[] = {
	{ "try", 0, "N", "try N (default: the latest)" },
	{ "follow", 'f', NULL, "keep printing until that try ends" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_logs = {
	"logs", "print (or follow) a task instance's log",
	"DAG TASK PARTITION [--try N] [--follow]",
	"Prints the log of the latest try (--try N: of try N). PARTITION is a\n"
	"key, or a time or date naming exactly one partition. --follow keeps\n"
	"printing until that try ends (and waits for a try not started yet while\n"
	"the instance may still make it). A try that did not happen, or whose log\n"
	"is gone, is an error. Logs live in LOGS/DAG/PARTITION/TASK/try-N.log,\n"
	"LOGS being logs: of sluice.yaml (default: the home's logs/).\n",
	logs_opts,
	logs_run,
};
