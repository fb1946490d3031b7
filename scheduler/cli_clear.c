/* cli_clear.c: `sluice clear` and `sluice mark`: a person re-runs or
 * settles task instances. Both are audited with who did it. */
#include "scheduler/cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "store/store.h"

static int
clear_run(struct cli *c, int argc, char **argv)
{
	const char *name = NULL, *from = NULL, *to = NULL;
	char **tasks = xcalloc((size_t)argc + 1, sizeof *tasks);
	int ntasks = 0, yes = 0, r;
	struct clear_spec spec;
	struct dag *d;
	struct sl_err err;
	json_t *list = NULL;

	memset(&spec, 0, sizeof spec);
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--task") == 0 || strcmp(argv[i], "-t") == 0) && i + 1 < argc)
			tasks[ntasks++] = argv[++i];
		else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--partition") == 0 && i + 1 < argc)
			from = to = argv[++i];
		else if (strcmp(argv[i], "--downstream") == 0 || strcmp(argv[i], "-d") == 0)
			spec.downstream = 1;
		else if (strcmp(argv[i], "--upstream") == 0 || strcmp(argv[i], "-u") == 0)
			spec.upstream = 1;
		else if (strcmp(argv[i], "--only-failed") == 0 || strcmp(argv[i], "-f") == 0)
			spec.only_failed = 1;
		else if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-n") == 0)
			spec.dry_run = 1;
		else if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
			yes = 1;
		else if (argv[i][0] == '-') {
			free(tasks);
			return cli_usage(&cli_clear, "unknown option %s", argv[i]);
		} else if (name == NULL)
			name = argv[i];
		else {
			free(tasks);
			return cli_usage(&cli_clear, "unexpected argument '%s' (tasks go with --task)", argv[i]);
		}
	}
	if (name == NULL) {
		free(tasks);
		return cli_usage(&cli_clear, "which DAG? sluice clear DAG ...");
	}
	if (cli_open(c, 1, 1) < 0 || (d = cli_dag(c, name)) == NULL) {
		free(tasks);
		return EXIT_FAILED;
	}
	spec.dag_id = d->name;
	spec.tasks = tasks;
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	sl_err_clear(&err);
	if ((from && store_partition_start(c->store, d, from, &spec.from_s, &err) < 0) ||
	    (to && store_partition_start(c->store, d, to, &spec.to_s, &err) < 0)) {
		free(tasks);
		return cli_usage(&cli_clear, "%s", err.msg);
	}
	if (!spec.dry_run && !yes) {
		/* show what would re-run, then ask */
		struct clear_spec dry = spec;

		dry.dry_run = 1;
		r = store_clear(c->store, d, &dry, c->who, &list, &err);
		if (r < 0) {
			fprintf(stderr, "sluice: %s\n", err.msg);
			free(tasks);
			return EXIT_FAILED;
		}
		if (r == 0) {
			printf("nothing to clear\n");
			json_decref(list);
			free(tasks);
			return 0;
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
			printf("Clear these %d task instance%s so they run again? [y/N] ", r, r == 1 ? "" : "s");
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
		fprintf(stderr, "sluice: %s\n", err.msg);
		return EXIT_FAILED;
	}
	if (c->json) {
		cli_print_json(list);
	} else {
		size_t i;
		json_t *o;

		if (spec.dry_run) {
			json_array_foreach(list, i, o)
				printf("%s %s %s\n",
				       json_string_value(json_object_get(o, "partition")),
				       json_string_value(json_object_get(o, "task")),
				       json_string_value(json_object_get(o, "state")));
			printf("%d task instance%s would be cleared (dry run)\n", r, r == 1 ? "" : "s");
		} else
			printf("cleared %d task instance%s of %s\n", r, r == 1 ? "" : "s", d->name);
	}
	json_decref(list);
	return 0;
}

const struct cli_verb cli_clear = {
	"clear", "re-run task instances over a range of partitions",
	"usage: sluice clear DAG [--task T]... [--from P --to P | --partition P]\n"
	"                        [--downstream] [--upstream] [--only-failed]\n"
	"                        [--dry-run] [--yes]\n"
	"\n"
	"Resets the selected task instances to `none` so the scheduler runs them\n"
	"again (each gets its retries back; earlier tries' logs stay). Without\n"
	"--task every task is selected; without --from/--to every partition.\n"
	"P is a partition key or a time in the DAG's zone; the range is inclusive.\n"
	"  -d, --downstream   also everything downstream of the selected tasks\n"
	"  -u, --upstream     also everything upstream\n"
	"  -f, --only-failed  only instances that failed or whose upstream failed\n"
	"  -n, --dry-run      list what would be cleared, change nothing\n"
	"  -y, --yes          do not ask (needed when stdin is not a terminal)\n"
	"A running instance that is cleared is stopped.\n",
	clear_run,
};

static int
mark_run(struct cli *c, int argc, char **argv)
{
	struct dag *d;
	struct sl_err err;
	int state;

	if (argc != 5)
		return cli_usage(&cli_mark, "usage: sluice mark DAG TASK PARTITION success|failed");
	state = ti_state_parse(argv[4]);
	if (state != TI_SUCCESS && state != TI_FAILED)
		return cli_usage(&cli_mark, "state must be success or failed, got '%s'", argv[4]);
	if (cli_open(c, 1, 1) < 0 || (d = cli_dag(c, argv[1])) == NULL)
		return EXIT_FAILED;
	sl_err_clear(&err);
	if (store_mark(c->store, d, argv[2], argv[3], state, c->who, &err) < 0) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		return EXIT_FAILED;
	}
	printf("marked %s %s %s %s\n", d->name, argv[2], argv[3], argv[4]);
	return 0;
}

const struct cli_verb cli_mark = {
	"mark", "set a task instance to success or failed",
	"usage: sluice mark DAG TASK PARTITION success|failed\n"
	"\n"
	"Settles one task instance by hand (a running one is stopped). Its\n"
	"downstream tasks then follow their trigger rules.\n",
	mark_run,
};
