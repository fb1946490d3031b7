/* cli_trigger.c: `sluice trigger`: create a run, and optionally wait for
 * it with a progress line (cli_wait_runs, also `sluice backfill --wait`). */
#include "scheduler/cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/partition.h"
#include "scheduler/shquote.h"
#include "store/store.h"
#include "scheduler/tz.h"

/* How far the runs being waited for are. */
struct wait_progress {
	int runs, done, running, failed;
	int removed;	/* deleted before they ended: no end to wait for */
	int tasks, tasks_done, tasks_running;
};

static void
wait_progress_read(struct cli *c, const struct dag *d, json_t *partitions,
		   struct wait_progress *w)
{
	size_t i;
	json_t *p;

	memset(w, 0, sizeof *w);
	w->runs = (int)json_array_size(partitions);
	json_array_foreach(partitions, i, p) {
		struct run_progress rp;
		int found = store_run_progress(c->store, d->name, json_string_value(p), &rp);

		/* a cancelled backfill's queued runs, `runs delete`, db clean */
		if (found == 0)
			w->removed++;
		if (found <= 0)
			continue;
		if (strcmp(rp.state, "success") == 0 || strcmp(rp.state, "failed") == 0)
			w->done++;
		if (strcmp(rp.state, "failed") == 0)
			w->failed++;
		if (strcmp(rp.state, "running") == 0)
			w->running++;
		w->tasks += rp.tasks;
		w->tasks_running += rp.running;
		w->tasks_done += rp.done;
	}
}

/* The progress line: "DAG: 2/5 runs done, 1 running, 1 failed; tasks
 * 7/15 done, 2 running". */
static void
wait_progress_line(const struct dag *d, const struct wait_progress *w,
		   char *out, size_t n)
{
	int len = snprintf(out, n, "%s: %d/%d run%s done, %d running, %d failed",
			   d->name, w->done, w->runs, w->runs == 1 ? "" : "s",
			   w->running, w->failed);

	if (len >= 0 && (size_t)len < n && w->removed > 0)
		len += snprintf(out + len, n - (size_t)len, ", %d removed", w->removed);
	if (len >= 0 && (size_t)len < n)
		snprintf(out + len, n - (size_t)len, "; tasks %d/%d done, %d running",
			 w->tasks_done, w->tasks, w->tasks_running);
}

/* Say which of the runs waited for were removed before they ended. */
static void
wait_removed_report(struct cli *c, const struct dag *d, json_t *partitions,
		    int removed)
{
	struct run_progress rp;
	size_t i;
	json_t *p;
	int shown = 0;

	fprintf(stderr, "sluice: %d run%s of %s %s removed before %s ended (a backfill cancelled, "
		"`sluice runs delete` or `sluice db clean`):", removed, removed == 1 ? "" : "s",
		d->name, removed == 1 ? "was" : "were", removed == 1 ? "it" : "they");
	json_array_foreach(partitions, i, p) {
		if (store_run_progress(c->store, d->name, json_string_value(p), &rp) != 0)
			continue;
		if (shown++ == 5) {
			fprintf(stderr, " ...");
			break;
		}
		fprintf(stderr, "%s %s", shown > 1 ? "," : "", json_string_value(p));
	}
	fprintf(stderr, "\n");
}

/* Wait until every run in partitions is done, with a progress line on
 * stderr: on a terminal one line updated in place; otherwise (lines: for
 * a backfill) a line when the progress changed, at most every
 * SLUICE_PROGRESS_SECONDS (default 10), and a last one at the end.
 * Returns 0 if all succeeded, -1 if one failed, -2 when no scheduler ran
 * on the home for 60 s, -3 when none failed but some were removed before
 * they ended (said on stderr). */
int
cli_wait_runs(struct cli *c, const struct dag *d, json_t *partitions, int lines)
{
	int tty = isatty(STDERR_FILENO), warned = 0;
	int64_t last_print = 0, alone_since = 0, every_ms = 10000;
	long long alone_s = 60;
	char line[512], printed[512] = "";
	const char *env = getenv("SLUICE_PROGRESS_SECONDS");
	long long secs;

	if (env != NULL && sl_parse_int(env, 0, 3600, &secs) == 0)
		every_ms = secs * 1000;
	/* for tests only (tests/cli_wait_alone.sh): how long to wait with no
	 * scheduler before giving up, instead of 60 s */
	env = getenv("SLUICE_NO_SCHEDULER_SECONDS");
	if (env != NULL && sl_parse_int(env, 0, 3600, &secs) == 0)
		alone_s = secs;
	for (;;) {
		struct wait_progress w;
		struct timespec ts = { 0, 200 * 1000000 };
		int finished;

		wait_progress_read(c, d, partitions, &w);
		wait_progress_line(d, &w, line, sizeof line);
		finished = w.done + w.removed >= w.runs;
		if (tty && (finished || sl_mono_ms() - last_print > 200)) {
			fprintf(stderr, "\r\033[K%s", line);
			last_print = sl_mono_ms();
		} else if (!tty && lines && strcmp(line, printed) != 0 &&
			   (finished || last_print == 0 || sl_mono_ms() - last_print >= every_ms)) {
			fprintf(stderr, "%s\n", line);
			snprintf(printed, sizeof printed, "%s", line);
			last_print = sl_mono_ms();
		}
		if (finished) {
			if (tty)
				fputc('\n', stderr);
			if (w.removed > 0)
				wait_removed_report(c, d, partitions, w.removed);
			return w.failed ? -1 : w.removed ? -3 : 0;
		}
		if (!cli_scheduler_running(c)) {
			if (!warned) {
				fprintf(stderr, "%ssluice: no scheduler is running on the database %s; the run%s will start when one does (`sluice scheduler`)\n",
					tty ? "\n" : "", c->cfg->db_path,
					json_array_size(partitions) == 1 ? "" : "s");
				warned = 1;
				alone_since = sl_mono_ms();
			} else if (sl_mono_ms() - alone_since > alone_s * 1000) {
				fprintf(stderr, "sluice: still no scheduler on the database %s after %lld s: not waiting any longer (the run%s stay%s queued)\n",
					c->cfg->db_path, alone_s,
					json_array_size(partitions) == 1 ? "" : "s",
					json_array_size(partitions) == 1 ? "s" : "");
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

		const char *task = json_string_value(json_object_get(ti, "task"));
		const char *error = json_string_value(json_object_get(ti, "error"));
		char *qtask, *qpart;

		if (strcmp(s, "failed") != 0)
			continue;
		/* a mapped task has no log of its own: its failed items
		 * follow, each with theirs */
		if (json_object_get(ti, "map_count") != NULL &&
		    !json_is_null(json_object_get(ti, "map_count"))) {
			fprintf(stderr, "  %s failed: %s\n", task, error ? error : "");
			continue;
		}
		/* one that failed before any try (a foreach over max_map)
		 * has no log to point at */
		if (json_integer_value(json_object_get(ti, "try_number")) == 0) {
			fprintf(stderr, "  %s failed: %s\n", task, error ? error : "");
			continue;
		}
		/* the command is pasted into a shell: a task name may hold
		 * ; $ ' and the brackets of a mapped item */
		qtask = shquote_arg(task);
		qpart = shquote_arg(partition);
		fprintf(stderr, "  %s failed: %s (log: sluice logs %s %s %s)\n",
			task, error ? error : "", d->name, qtask, qpart);
		free(qtask);
		free(qpart);
	}
	json_decref(tis);
}

void
cli_print_failed_runs(struct cli *c, const struct dag *d, json_t *partitions)
{
	size_t i, shown = 0, failed = 0;
	json_t *p;

	json_array_foreach(partitions, i, p) {
		struct run_progress rp;

		if (store_run_progress(c->store, d->name, json_string_value(p), &rp) <= 0 ||
		    strcmp(rp.state, "failed") != 0)
			continue;
		failed++;
		/* a long backfill's failures: the first few, then where
		 * the rest are */
		if (shown == 10)
			continue;
		shown++;
		fprintf(stderr, "run %s %s failed\n", d->name, json_string_value(p));
		print_run_result(c, d, json_string_value(p));
	}
	if (failed > shown)
		fprintf(stderr, "... and %zu more failed run%s (sluice runs %s --state failed)\n",
			failed - shown, failed - shown == 1 ? "" : "s", d->name);
}

static int
trigger_run(struct cli *c, const struct cli_args *args)
{
	const char *name = args->npos > 0 ? args->pos[0] : NULL;
	const char *partition = cli_opt_str(args, "partition");
	json_t *params, *parts;
	int wait = cli_opt_flag(args, "wait"), r = 0, rc;
	int outside_ok = cli_opt_flag(args, "allow-outside-range");
	struct dag *d;
	int dag_rc;
	int64_t start, end, now = sl_now_ms() / 1000;
	char key[PARTITION_KEY_MAX];
	struct partition p;
	struct partition_notes notes;
	struct sl_err err;

	if (cli_opt_params(&cli_trigger, args, &params) < 0)
		return EXIT_USAGE;
	if (params == NULL)
		params = json_object();
	if (args->npos > 1) {
		json_decref(params);
		return cli_usage(&cli_trigger, "unexpected argument '%s'", args->pos[1]);
	}
	if (name == NULL) {
		json_decref(params);
		return cli_usage(&cli_trigger, "which DAG? sluice trigger DAG");
	}
	if (cli_open(c, 1, 1) < 0) {
		json_decref(params);
		return EXIT_HOME;
	}
	if ((dag_rc = cli_dag(c, name, &d)) != 0 || cli_dag_no_new_runs(c, d)) {
		json_decref(params);
		return dag_rc != 0 ? dag_rc : EXIT_FAILED;
	}
	sl_err_clear(&err);
	{
		json_t *checked = dag_params_check(d, params, &err);

		json_decref(params);
		if (checked == NULL) {
			cli_params_error(&err);
			return EXIT_USAGE;
		}
		params = checked;
	}
	partition_notes_init(&notes);
	if ((rc = partition_resolve_trigger(c->store, &c->bag, d, partition, now,
					    outside_ok, &p, &notes, &err)) < 0) {
		fprintf(stderr, "sluice: %s%s\n", err.msg, rc == PARTITION_OUTSIDE ?
			" (--allow-outside-range runs it anyway)" : "");
		json_decref(params);
		return EXIT_USAGE;
	}
	if (!c->json)	/* --json: they are its "notes" */
		cli_partition_notes(&notes);
	snprintf(key, sizeof key, "%s", p.key);
	start = p.start_s;
	end = p.end_s;
	if (!p.exists &&
	    store_run_create(c->store, d, key, start, end, "manual", params, NULL, &err) < 0) {
		/* the scheduler may have made it meanwhile */
		json_t *run = store_run_json(c->store, d->name, key);

		json_decref(run);
		if (run == NULL || !wait) {
			cli_error(err.msg);
			json_decref(params);
			return EXIT_FAILED;
		}
		p.exists = 1;
	}
	if (p.exists && !wait) {
		fprintf(stderr, "sluice: DAG %s already has a run for partition %s "
			"(--wait follows it; `sluice clear` re-runs it%s)%s\n", d->name, key,
			json_object_size(params) > 0 ? ", `sluice clear --param` with new "
			"params, or `sluice runs delete` then trigger again" : "",
			d->schedule == NULL && p.start_s == p.end_s &&
			(partition == NULL || *partition == '\0') ?
			"; without --partition the key is the current second: "
			"--partition names a new one" : "");
		json_decref(params);
		return EXIT_FAILED;
	}
	if (p.exists && json_object_size(params) > 0) {
		fprintf(stderr, "sluice: DAG %s already has a run for partition %s; "
			"its params stay as they are (--param applies to new runs; "
			"`sluice clear %s --partition %s --param K=V` re-runs it with new "
			"params)\n", d->name, key, d->name, key);
		json_decref(params);
		return EXIT_USAGE;
	}
	if (!p.exists) {
		json_t *detail = json_pack("{s:s,s:o}", "partition", key, "params",
					   dag_params_masked(d, params));

		if (outside_ok)
			json_object_set_new(detail, "allow_outside_range", json_true());

		store_audit(c->store, c->who, "trigger", d->name, detail);
		json_decref(detail);
	}
	json_decref(params);
	if (c->json) {
		json_t *run = store_run_json(c->store, d->name, key);
		json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:o}", "dag", d->name, "partition", key,
				      "state", run ? json_string_value(json_object_get(run, "state")) : "queued",
				      "existing", p.exists, "notes", partition_notes_json(&notes));

		cli_print_json(o);
		json_decref(o);
		json_decref(run);
	} else if (p.exists)
		printf("%s partition %s already has a run: following it\n", d->name, key);
	else
		printf("triggered %s partition %s\n", d->name, key);
	cli_say_paused(c, d);
	cli_say_unloaded(c, d);
	if (!wait)
		return 0;
	parts = json_pack("[s]", key);
	r = cli_wait_runs(c, d, parts, 0);
	json_decref(parts);
	if (r == -2)
		return EXIT_HOME;
	if (r == -3)
		return EXIT_FAILED;	/* it was removed: said */
	if (r < 0) {
		parts = json_pack("[s]", key);
		cli_print_failed_runs(c, d, parts);
		json_decref(parts);
		return EXIT_FAILED;
	}
	printf("run %s %s succeeded\n", d->name, key);
	return 0;
}

static const struct cli_opt trigger_opts[] = {
	{ "partition", 'p', "P", "the partition to run (default: the latest complete one)" },
	{ "allow-outside-range", 0, NULL, "run a partition before the DAG's start: or past its end: (refused otherwise, as a likely typo)" },
	{ "param", 0, "NAME=VALUE", "override a declared param (read as its declared type)" },
	{ "wait", 'w', NULL, "wait for the run to finish; exit 1 if it fails" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_trigger = {
	"trigger", "start a run of a DAG now",
	"DAG [--partition P] [--allow-outside-range] [--param NAME=VALUE]... [--wait]",
	"Creates a run for one partition. The default partition is, for a\n"
	"scheduled DAG, the latest complete data interval; for an unscheduled\n"
	"one, a new key made of the current time in the DAG's zone\n"
	"(2024-01-05T07:12:30+00:00). --partition takes a key, a time\n"
	"(2024-01-05T07, 2024-01-05 07:00, with or without offset; read in the\n"
	"DAG's time zone) naming the partition that holds it, a date naming the\n"
	"one partition starting that day or, for unscheduled DAGs, a new key (at\n"
	"most 128 ASCII letters, digits and . _ : + -; not . or .., not starting\n"
	"with -). A partition before the DAG's start: or past its end: is\n"
	"refused unless --allow-outside-range. One whose interval has not ended\n"
	"runs now, with a note: the scheduler does not run it again when it\n"
	"ends (sluice clear does). A local time that\n"
	"happens twice (clocks going back) reads as its first occurrence, and a\n"
	"note says how to name the second; one the clocks skip is an error. An\n"
	"unscheduled DAG that needs a scheduled one takes that DAG's partition\n"
	"keys (a time names the one holding it; the default is its latest\n"
	"complete one). --param overrides a declared param, the value read as\n"
	"its declared type (--param limit=10 for an integer; a string param\n"
	"keeps the text as typed). --wait waits for the run to finish, showing\n"
	"progress on a terminal; the exit code is then 0 on success, 1 on\n"
	"failure, 3 when no scheduler ran on the home for 60 s (the run stays\n"
	"queued). With --wait, a partition that already has a run is followed\n"
	"instead of refused. A scheduler must be running on the home to run it.\n",
	trigger_opts,
	trigger_run,
};
