/* cli_dags.c: `sluice dags list|show|validate|pause|unpause|next|schema|
 * reference`. */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag_reference.h"
#include "scheduler/dag_schema.h"
#include "store/store.h"
#include "scheduler/tz.h"
#include "operators/operator.h"

/*
 * Every DAG: those the folder loads, then those the database knows whose
 * file is broken or gone (listed with their error: their history stays),
 * then the folder's files in error.
 */
static int
dags_list(struct cli *c)
{
	json_t *out = json_array(), *unloaded, *o;
	size_t i;
	int broken = 0, gone = 0;

	for (int k = 0; k < c->bag.n; k++) {
		struct dagbag_entry *e = &c->bag.entries[k];

		if (e->dag != NULL) {
			int64_t now = sl_now_ms() / 1000, next = -1;
			char iso[64] = "-";

			if (e->dag->schedule != NULL) {
				next = cron_next(e->dag->schedule, e->dag->tz, now);
				if (next >= 0)
					tz_iso(e->dag->tz, next, iso, sizeof iso);
			}
			o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:s}", "dag", e->dag->name,
				      "file", e->file, "schedule", e->dag->schedule_text,
				      "timezone", tz_name(e->dag->tz), "paused",
				      store_dag_paused(c->store, e->dag->name),
				      "tasks", e->dag->ntasks, "next_tick", iso);
			json_array_append_new(out, o);
		}
	}
	/* a DAG whose file broke or went keeps its row, history and error */
	if ((unloaded = store_dags_unloaded_json(c->store, &c->bag)) == NULL) {
		json_decref(out);
		fprintf(stderr, "sluice: cannot read the DAGs: %s\n",
			store_errmsg(c->store));
		return EXIT_FAILED;
	}
	json_array_foreach(unloaded, i, o) {
		json_object_set_new(o, "loaded", json_false());
		json_array_append(out, o);
		if (json_is_true(json_object_get(o, "file_missing")))
			gone++;
	}
	json_decref(unloaded);
	for (int k = 0; k < c->bag.n; k++) {
		struct dagbag_entry *e = &c->bag.entries[k];

		if (e->dag != NULL)
			continue;
		o = json_pack("{s:n,s:s,s:s}", "dag", "file", e->file, "error",
			      e->error);
		json_array_append_new(out, o);
		broken++;
	}
	if (c->json) {
		cli_print_json(out);
	} else {
		printf("%-28s %-14s %-18s %-6s %-6s %s\n", "DAG", "SCHEDULE",
		       "TIMEZONE", "TASKS", "PAUSED", "NEXT TICK");
		json_array_foreach(out, i, o) {
			const char *name = json_string_value(json_object_get(o, "dag"));
			const char *sched = json_string_value(json_object_get(o, "schedule"));
			const char *zone = json_string_value(json_object_get(o, "timezone"));
			const char *next = json_string_value(json_object_get(o, "next_tick"));
			char tasks[32] = "-";

			if (name == NULL)
				continue;
			if (json_is_integer(json_object_get(o, "tasks")))
				snprintf(tasks, sizeof tasks, "%lld", (long long)
					 json_integer_value(json_object_get(o, "tasks")));
			if (json_object_get(o, "loaded") != NULL)
				next = json_is_true(json_object_get(o, "file_missing")) ?
				    "! file gone" : "! file broken";
			printf("%-28s %-14s %-18s %-6s %-6s %s\n", name,
			       sched ? sched : "-", zone ? zone : "-", tasks,
			       json_is_true(json_object_get(o, "paused")) ? "yes" : "no",
			       next ? next : "-");
		}
		if (broken > 0) {
			printf("\nDAG files with errors (not loaded):\n");
			json_array_foreach(out, i, o)
				if (json_object_get(o, "dag") != NULL &&
				    json_is_null(json_object_get(o, "dag")))
					printf("  %s\n", json_string_value(json_object_get(o, "error")));
		}
		if (gone > 0) {
			printf("\nDAGs whose file is gone (history kept, no new runs):\n");
			json_array_foreach(out, i, o)
				if (json_is_true(json_object_get(o, "file_missing")))
					printf("  %s\n", json_string_value(json_object_get(o, "error")));
		}
	}
	json_decref(out);
	return 0;
}

static int
dags_show(struct cli *c, const char *name)
{
	struct dag *d = cli_dag(c, name);
	json_t *o, *tasks;
	char a[64], b[64];

	if (d == NULL)
		return EXIT_FAILED;
	tasks = json_array();
	for (int i = 0; i < d->ntasks; i++) {
		struct task *t = &d->tasks[i];
		json_t *after = json_array();

		for (int k = 0; k < t->nupstream; k++)
			json_array_append_new(after, json_string(d->tasks[t->upstream[k]].name));
		json_array_append_new(tasks, json_pack("{s:s,s:s,s:o,s:s,s:i,s:s,s:s,s:O}",
		    "task", t->name, "type", t->op->name, "after", after,
		    "trigger_rule", trigger_rule_name(t->trigger_rule),
		    "retries", t->retries, "executor", t->executor, "pool", t->pool,
		    "options", t->options));
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:i,s:O,s:o}", "dag", d->name,
		      "file", d->file, "schedule", d->schedule_text, "timezone",
		      tz_name(d->tz), "catchup", d->catchup, "max_active_runs",
		      d->max_active_runs, "max_active_tasks", d->max_active_tasks,
		      "params", d->params, "tasks", tasks);
	if (d->description)
		json_object_set_new(o, "description", json_string(d->description));
	if (d->start != INT64_MIN)
		json_object_set_new(o, "start", json_string(tz_iso(d->tz, d->start, a, sizeof a)));
	if (d->end != INT64_MAX)
		json_object_set_new(o, "end", json_string(tz_iso(d->tz, d->end, b, sizeof b)));
	if (c->json) {
		cli_print_json(o);
	} else {
		printf("DAG %s (%s)\n", d->name, d->file);
		if (d->description)
			printf("  %s\n", d->description);
		printf("  schedule %s, timezone %s, catchup %s, max_active_runs %d, max_active_tasks %d\n",
		       d->schedule_text, tz_name(d->tz), d->catchup ? "yes" : "no",
		       d->max_active_runs, d->max_active_tasks);
		if (d->start != INT64_MIN)
			printf("  start %s\n", a);
		printf("\n%-24s %-16s %-14s %s\n", "TASK", "TYPE", "RULE", "AFTER");
		for (int i = 0; i < d->ntasks; i++) {
			struct task *t = &d->tasks[i];
			struct buf after;

			buf_init(&after, 0);
			for (int k = 0; k < t->nupstream; k++)
				buf_printf(&after, "%s%s", k ? ", " : "", d->tasks[t->upstream[k]].name);
			printf("%-24s %-16s %-14s %s\n", t->name, t->op->name,
			       trigger_rule_name(t->trigger_rule),
			       after.len ? buf_str(&after) : "-");
			buf_free(&after);
		}
	}
	json_decref(o);
	return 0;
}

/* Print one error of a file being validated. */
static void
dags_validate_print(const struct sl_err *e, void *arg)
{
	char msg[2048];

	(void)arg;
	fprintf(stderr, "%s\n", sl_err_str(e, msg, sizeof msg));
}

/* Every error of one file of a loaded folder; 1 if it has any. */
static int
dags_validate_entry(struct cli *c, const struct dagbag_entry *e)
{
	if (e->error == NULL)
		return 0;
	/* a file that loads alone but names a DAG another file defines */
	if (dag_validate(e->file, c->cfg, dags_validate_print, NULL) == 0)
		fprintf(stderr, "%s\n", e->error);
	return 1;
}

static int
dags_validate(struct cli *c, int argc, char *const *argv)
{
	int bad = 0, n = 0;

	if (argc == 0) {
		for (int i = 0; i < c->bag.n; i++) {
			n++;
			bad += dags_validate_entry(c, &c->bag.entries[i]);
		}
	}
	for (int i = 0; i < argc; i++) {
		struct dagbag bag;
		struct sl_err err;

		/* a folder: every file in it; a file: just it */
		sl_err_clear(&err);
		if (dagbag_load(argv[i], c->cfg, NULL, &bag, &err) == 0 && bag.n > 0) {
			for (int k = 0; k < bag.n; k++) {
				n++;
				bad += dags_validate_entry(c, &bag.entries[k]);
			}
			dagbag_free(&bag);
			continue;
		}
		n++;
		if (dag_validate(argv[i], c->cfg, dags_validate_print, NULL) > 0)
			bad++;
	}
	if (bad == 0)
		printf("%d DAG file%s OK\n", n, n == 1 ? "" : "s");
	else
		fprintf(stderr, "%d of %d DAG file%s with errors\n", bad, n, n == 1 ? "" : "s");
	return bad ? EXIT_FAILED : 0;
}

static int
dags_next(struct cli *c, const struct cli_args *args)
{
	const char *name = args->npos == 2 ? args->pos[1] : NULL;
	const char *after = cli_opt_str(args, "after");
	long long count = 5;
	struct dag *d;
	int64_t t;

	if (cli_opt_str(args, "count") != NULL &&
	    sl_parse_int(cli_opt_str(args, "count"), 1, 100000, &count) < 0)
		return cli_usage(&cli_dags, "-n takes a number from 1 to 100000");
	if (name == NULL)
		return cli_usage(&cli_dags, "dags next needs a DAG name");
	if ((d = cli_dag(c, name)) == NULL)
		return EXIT_FAILED;
	if (d->schedule == NULL) {
		fprintf(stderr, "sluice: DAG %s has no schedule (schedule: none)\n", name);
		return EXIT_FAILED;
	}
	t = sl_now_ms() / 1000;
	if (after != NULL) {
		struct sl_err err;

		sl_err_clear(&err);
		if (tz_parse_time(d->tz, after, &t, &err) < 0)
			return cli_usage(&cli_dags, "--after: %s", err.msg);
	}
	if (d->start != INT64_MIN && t < d->start - 1)
		t = d->start - 1;
	for (long long i = 0; i < count; i++) {
		int64_t s = cron_next(d->schedule, d->tz, t), e;
		char a[64], b[64];

		if (s == -1 || s >= d->end)
			break;
		e = cron_next(d->schedule, d->tz, s);
		if (e == -1)
			break;
		printf("%s %s\n", tz_iso(d->tz, s, a, sizeof a), tz_iso(d->tz, e, b, sizeof b));
		t = s;
	}
	return 0;
}

static int
dags_run(struct cli *c, const struct cli_args *args)
{
	const char *sub = args->npos > 0 ? args->pos[0] : "list";
	int argc = args->npos + 1;
	char *const *pos = args->pos;

	/* generated from the key tables: no home needed */
	if (strcmp(sub, "schema") == 0) {
		json_t *schema = dag_schema_json();
		char *text = json_dumps(schema, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
		json_decref(schema);
		return 0;
	}
	if (strcmp(sub, "reference") == 0) {
		struct buf b;

		buf_init(&b, 0);
		dag_reference_md(&b);
		fputs(buf_str(&b), stdout);
		buf_free(&b);
		return 0;
	}
	if (strcmp(sub, "validate") == 0) {
		if (cli_open(c, 0, argc <= 2) < 0)
			return EXIT_HOME;
		return dags_validate(c, argc - 2, pos + 1);
	}
	if ((cli_opt_str(args, "count") != NULL || cli_opt_str(args, "after") != NULL) &&
	    strcmp(sub, "next") != 0)
		return cli_usage(&cli_dags, "-n and --after go with `dags next`");
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if (strcmp(sub, "list") == 0)
		return dags_list(c);
	if (strcmp(sub, "show") == 0) {
		if (argc < 3)
			return cli_usage(&cli_dags, "dags show needs a DAG name");
		return dags_show(c, pos[1]);
	}
	if (strcmp(sub, "next") == 0)
		return dags_next(c, args);
	if (strcmp(sub, "pause") == 0 || strcmp(sub, "unpause") == 0) {
		struct sl_err err;
		int paused = strcmp(sub, "pause") == 0;

		if (argc < 3)
			return cli_usage(&cli_dags, "dags %s needs a DAG name", sub);
		if (cli_dag(c, pos[1]) == NULL)
			return EXIT_FAILED;
		sl_err_clear(&err);
		if (store_dag_set_paused(c->store, pos[1], paused, c->who, &err) < 0) {
			fprintf(stderr, "sluice: %s\n", err.msg);
			return EXIT_FAILED;
		}
		printf("DAG %s %s\n", pos[1], paused ? "paused" : "unpaused");
		return 0;
	}
	return cli_usage(&cli_dags, "unknown subcommand '%s'", sub);
}

static const struct cli_opt dags_opts[] = {
	{ "count", 'n', "N", "dags next: how many partitions (default 5)" },
	{ "after", 0, "TIME", "dags next: the partitions after TIME (default now)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_dags = {
	"dags", "list, show, check, pause DAGs; preview a schedule; the DAG file schema",
	"list\n"
	"show DAG\n"
	"validate [PATH...]\n"
	"pause DAG\n"
	"unpause DAG\n"
	"next DAG [-n N] [--after TIME]\n"
	"schema\n"
	"reference",
	"  list       every DAG, its schedule, next tick; broken files\n"
	"  show       tasks, their types and dependencies\n"
	"  validate   check DAG files (default: the DAG folder); exits 1 if any\n"
	"             has an error\n"
	"  pause      no new runs or tasks until unpaused\n"
	"  next       the next N partitions (data intervals), one per line:\n"
	"             START END, ISO-8601 with offsets\n"
	"  schema     the JSON Schema of a DAG file, for editors (draft-07)\n"
	"  reference  the DAG file reference in Markdown (docs/DAGS.md)\n"
	"Add --json for JSON output.\n",
	dags_opts,
	dags_run,
};
