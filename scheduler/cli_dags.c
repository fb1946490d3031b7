/* cli_dags.c: `sluice dags list|show|validate|pause|unpause|next|schema|
 * reference`. */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag_reference.h"
#include "scheduler/dag_schema.h"
#include "scheduler/next_partition.h"
#include "scheduler/partition.h"
#include "store/store.h"
#include "scheduler/tz.h"

/* Does d carry tag? */
static int
dags_has_tag(const struct dag *d, const char *tag)
{
	for (char **t = d->tags; t != NULL && *t != NULL; t++)
		if (strcmp(*t, tag) == 0)
			return 1;
	return 0;
}

/* The next partition of d as the list shows it: its key, and when it is
 * created (due now, at its end, or when unpaused). */
static void
dags_next_json(struct cli *c, const struct dag *d, int paused, json_t *o)
{
	struct next_partition np;
	char key[96], at[64];

	if (!next_partition_of(c->store, d, sl_now_ms() / 1000, &np)) {
		json_object_set_new(o, "next_partition", json_null());
		return;
	}
	json_object_set_new(o, "next_partition",
			    json_string(dag_partition_key(d, np.start, key, sizeof key)));
	json_object_set_new(o, "next_partition_end",
			    json_string(tz_iso(d->tz, np.end, at, sizeof at)));
	json_object_set_new(o, "next_created", json_string(paused ? "when unpaused" :
			    np.due ? "now" : "at its end"));
}

/* The rows of `dags list`, one function for the table and --json: a row
 * per DAG (tag: only those carrying it; "scheduler_error": the error the
 * scheduler recorded for its file, when it cannot load what this process
 * loaded), then one per DAG the database
 * knows whose file is broken or gone ("loaded": false, "error",
 * "file_missing"), then one per file that failed to load ("dag": null,
 * "error"); the last two are left out when filtering by tag. NULL on a
 * database error. */
static json_t *
dags_list_rows(struct cli *c, const char *tag)
{
	json_t *rows = json_array();

	for (int i = 0; i < c->bag.n; i++) {
		struct dagbag_entry *e = &c->bag.entries[i];
		json_t *o, *tags;
		int paused;

		if (e->dag == NULL || (tag != NULL && !dags_has_tag(e->dag, tag)))
			continue;
		paused = store_dag_paused(c->store, e->dag->name,
					  c->cfg->dags_paused_at_creation);
		tags = json_array();
		for (char **t = e->dag->tags; t != NULL && *t != NULL; t++)
			json_array_append_new(tags, json_string(*t));
		o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:o}", "dag", e->dag->name,
			      "file", e->file, "schedule", e->dag->schedule_text,
			      "timezone", tz_name(e->dag->tz), "paused", paused,
			      "tasks", e->dag->ntasks, "tags", tags);
		dags_next_json(c, e->dag, paused, o);
		{
			char why[2048];

			if (store_dag_file_error(c->store, e->file, why,
						 sizeof why) == 1)
				json_object_set_new(o, "scheduler_error",
						    json_string(why));
		}
		json_array_append_new(rows, o);
	}
	if (tag == NULL) {
		/* a DAG whose file broke or went keeps its row, history and
		 * error ("loaded": false) */
		json_t *unloaded = store_dags_unloaded_json(c->store, &c->bag), *o;
		size_t i;

		if (unloaded == NULL) {
			json_decref(rows);
			return NULL;
		}
		json_array_foreach(unloaded, i, o) {
			json_object_set_new(o, "loaded", json_false());
			json_array_append(rows, o);
		}
		json_decref(unloaded);
	}
	for (int i = 0; tag == NULL && i < c->bag.n; i++) {
		struct dagbag_entry *e = &c->bag.entries[i];

		if (e->dag == NULL)
			json_array_append_new(rows, json_pack("{s:n,s:s,s:s}", "dag",
			    "file", e->file, "error", e->error));
	}
	return rows;
}

/* A row for a file that failed to load (no DAG of it is known). */
static int
dags_row_is_file_error(const json_t *o)
{
	return json_is_null(json_object_get(o, "dag"));
}

/* Columns of the table: header, the most a cell may take (longer ones
 * are cut with "~"), and the cell of a row. */
enum { DL_DAG, DL_SCHEDULE, DL_TZ, DL_TASKS, DL_PAUSED, DL_TAGS, DL_NEXT, DL_NCOLS };
static const struct {
	const char *head;
	int max;
} dags_list_cols[DL_NCOLS] = {
	{ "DAG", 40 }, { "SCHEDULE", 20 }, { "TIMEZONE", 20 }, { "TASKS", 5 },
	{ "PAUSED", 6 }, { "TAGS", 24 }, { "NEXT PARTITION", 0 },
};

/* Columns a UTF-8 string takes (one per character). */
static int
dags_width(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void
dags_list_cell(const json_t *o, int col, struct buf *out)
{
	const json_t *v;
	size_t i;

	buf_init(out, 0);
	switch (col) {
	case DL_DAG:
		buf_adds(out, json_string_value(json_object_get(o, "dag")));
		break;
	case DL_SCHEDULE:
	case DL_TZ:
		v = json_object_get(o, col == DL_SCHEDULE ? "schedule" : "timezone");
		buf_adds(out, json_is_string(v) ? json_string_value(v) : "-");
		break;
	case DL_TASKS:
		if (json_is_integer(json_object_get(o, "tasks")))
			buf_printf(out, "%lld", (long long)json_integer_value(json_object_get(o, "tasks")));
		else
			buf_adds(out, "-");
		break;
	case DL_PAUSED:
		buf_adds(out, json_is_true(json_object_get(o, "paused")) ? "yes" : "no");
		break;
	case DL_TAGS:
		json_array_foreach(json_object_get(o, "tags"), i, v)
			buf_printf(out, "%s%s", i ? "," : "", json_string_value(v));
		if (out->len == 0)
			buf_adds(out, "-");
		break;
	case DL_NEXT:
		if (json_is_false(json_object_get(o, "loaded"))) {
			buf_adds(out, json_is_true(json_object_get(o, "file_missing")) ?
				 "! file gone" : "! file broken");
			break;
		}
		if (!json_is_string(json_object_get(o, "next_partition"))) {
			buf_adds(out, "-");
			break;
		}
		buf_adds(out, json_string_value(json_object_get(o, "next_partition")));
		if (json_is_true(json_object_get(o, "paused")))
			buf_adds(out, " when unpaused");
		else if (strcmp(json_string_value(json_object_get(o, "next_created")), "now") == 0)
			buf_adds(out, " (due)");
		break;
	}
}

/* Cut s to at most max columns, the last one "~" when cut. */
static void
dags_fit(struct buf *b, int max)
{
	int n = 0;

	if (max <= 0 || dags_width(buf_str(b)) <= max)
		return;
	for (size_t i = 0; i < b->len; i++) {
		if (((unsigned char)b->data[i] & 0xC0) == 0x80)
			continue;
		if (++n == max) {
			b->len = i;
			buf_adds(b, "~");
			return;
		}
	}
}

static void
dags_list_print(const json_t *rows)
{
	int width[DL_NCOLS];
	size_t i, n = json_array_size(rows);
	struct buf *cells = xcalloc(n * DL_NCOLS + 1, sizeof *cells);
	const json_t *o;
	int broken = 0, gone = 0, refused = 0;

	for (int k = 0; k < DL_NCOLS; k++)
		width[k] = dags_width(dags_list_cols[k].head);
	json_array_foreach(rows, i, o) {
		gone += json_is_true(json_object_get(o, "file_missing"));
		refused += json_object_get(o, "scheduler_error") != NULL;
		if (dags_row_is_file_error(o)) {
			broken++;
			continue;
		}
		for (int k = 0; k < DL_NCOLS; k++) {
			struct buf *b = &cells[i * DL_NCOLS + k];
			int w;

			dags_list_cell(o, k, b);
			dags_fit(b, dags_list_cols[k].max);
			if ((w = dags_width(buf_str(b))) > width[k])
				width[k] = w;
		}
	}
	for (int k = 0; k < DL_NCOLS; k++)
		printf(k + 1 < DL_NCOLS ? "%s%*s  " : "%s\n", dags_list_cols[k].head,
		       width[k] - dags_width(dags_list_cols[k].head), "");
	json_array_foreach(rows, i, o) {
		if (dags_row_is_file_error(o))
			continue;
		for (int k = 0; k < DL_NCOLS; k++) {
			const char *t = buf_str(&cells[i * DL_NCOLS + k]);

			printf(k + 1 < DL_NCOLS ? "%s%*s  " : "%s\n", t,
			       width[k] - dags_width(t), "");
			buf_free(&cells[i * DL_NCOLS + k]);
		}
	}
	free(cells);
	if (broken > 0) {
		printf("\nDAG files with errors (not loaded):\n");
		json_array_foreach(rows, i, o)
			if (dags_row_is_file_error(o))
				printf("  %s\n", json_string_value(json_object_get(o, "error")));
	}
	if (refused > 0) {
		printf("\nDAG files the scheduler cannot load (it runs with the configuration it read; their runs do not start):\n");
		json_array_foreach(rows, i, o)
			if (json_object_get(o, "scheduler_error") != NULL)
				printf("  %s\n", json_string_value(json_object_get(o, "scheduler_error")));
	}
	if (gone > 0) {
		printf("\nDAGs whose file is gone (history kept, no new runs):\n");
		json_array_foreach(rows, i, o)
			if (json_is_true(json_object_get(o, "file_missing")))
				printf("  %s\n", json_string_value(json_object_get(o, "error")));
	}
}

static int
dags_list(struct cli *c, const struct cli_args *args)
{
	json_t *rows = dags_list_rows(c, cli_opt_str(args, "tag"));

	if (rows == NULL) {
		fprintf(stderr, "sluice: cannot read the DAGs: %s\n", store_errmsg(c->store));
		return EXIT_FAILED;
	}
	if (c->json)
		cli_print_json(rows);
	else
		dags_list_print(rows);
	json_decref(rows);
	return 0;
}

static int
dags_next(struct cli *c, const struct cli_args *args, long long count)
{
	const char *name = args->npos == 2 ? args->pos[1] : NULL;
	const char *after = cli_opt_str(args, "after");
	struct dag *d;
	int64_t t, s;
	int paused = 0, dag_rc;
	json_t *out;

	if (name == NULL)
		return cli_usage(&cli_dags, "dags next needs a DAG name");
	if ((dag_rc = cli_dag(c, name, &d)) != 0)
		return dag_rc;
	if ((dag_rc = cli_dag_scheduled(d, "it has no next partitions; it runs "
					"when triggered (sluice trigger %s)", d->name)) != 0)
		return dag_rc;
	if (after != NULL) {
		struct partition_notes notes;
		struct sl_err err;
		char at[64], a[64], b[64];
		int64_t held;

		/* a preview of the schedule after a time: when the list does
		 * not start at the next tick after the time typed, say where
		 * it starts and why, rather than move silently; a local time
		 * the clocks skip or repeat read as every verb reads it */
		sl_err_clear(&err);
		partition_notes_init(&notes);
		if (partition_read_time(d, after, &t, &notes, &err) < 0)
			return cli_usage(&cli_dags, "--after: %s", err.msg);
		cli_partition_notes(&notes);
		tz_iso(d->tz, t, at, sizeof at);
		if (d->start != INT64_MIN && t < d->start - 1) {
			fprintf(stderr, "sluice: note: --after %s is before the start of DAG %s, "
				"%s: listing from its first partition\n", at, d->name,
				tz_iso(d->tz, d->start, a, sizeof a));
			t = d->start - 1;
		}
		s = cron_next(d->schedule, d->tz, t);
		held = cron_prev(d->schedule, d->tz, t);
		if (t >= d->start && s != -1 && s < d->end && held != t) {
			fprintf(stderr, "sluice: note: --after %s is not on the schedule of DAG %s "
				"(%s): listing from the first partition after it, %s", at,
				d->name, d->schedule_text, tz_iso(d->tz, s, a, sizeof a));
			if (held != -1 && held >= d->start)
				fprintf(stderr, " (the partition holding it starts at %s)",
					tz_iso(d->tz, held, b, sizeof b));
			fputc('\n', stderr);
		}
	} else {
		/* what the scheduler creates next, as the list and the UI say */
		struct next_partition np;

		s = next_partition_of(c->store, d, sl_now_ms() / 1000, &np) ? np.start : -1;
		paused = store_dag_paused(c->store, d->name,
					  c->cfg->dags_paused_at_creation);
		if (paused && !c->json)
			fprintf(stderr, "DAG %s is paused: the partitions it would create when unpaused\n",
				d->name);
	}
	out = json_array();
	if (!c->json && (s == -1 || s >= d->end)) {
		/* past its end: say so, rather than print nothing */
		char e[64] = "";

		if (d->end != INT64_MAX)
			tz_iso(d->tz, d->end, e, sizeof e);
		fprintf(stderr, "sluice: DAG %s has no partition %s: %s%s\n",
			d->name, after != NULL ? "after that time" : "to create",
			e[0] ? "no partition starts at or after its end, " :
			"its schedule has no further tick", e);
	}
	for (long long i = 0; i < count && s != -1 && s < d->end; i++) {
		int64_t e = cron_next(d->schedule, d->tz, s);
		char a[64], b[64];

		if (e == -1)
			break;
		tz_iso(d->tz, s, a, sizeof a);
		tz_iso(d->tz, e, b, sizeof b);
		if (c->json)
			json_array_append_new(out, json_pack("{s:s,s:s}", "start", a, "end", b));
		else
			printf("%s %s\n", a, b);
		s = e;
	}
	if (c->json) {
		json_t *o = json_pack("{s:s,s:o}", "dag", d->name, "partitions", out);

		if (after == NULL)
			json_object_set_new(o, "paused", json_boolean(paused));
		cli_print_json(o);
		json_decref(o);
	} else
		json_decref(out);
	return 0;
}

static int
dags_run(struct cli *c, const struct cli_args *args)
{
	const char *sub = args->npos > 0 ? args->pos[0] : "list";
	int argc = args->npos + 1;
	char *const *pos = args->pos;
	long long count = 5;
	int rc;
	static const char *const subs[] = {
		"list", "show", "validate", "pause", "unpause", "next", "schema",
		"reference", NULL,
	};
	/* other tools' words for them */
	static const char *const synonyms[] = {
		"ls", "list", "check", "validate", "lint", "validate",
		"enable", "unpause", "disable", "pause", "resume", "unpause",
		"describe", "show", "info", "show", NULL,
	};
	size_t k;

	for (k = 0; subs[k] != NULL && strcmp(sub, subs[k]) != 0; k++)
		;
	if (subs[k] != NULL)
		;
	else if (strcmp(sub, "delete") == 0 || strcmp(sub, "remove") == 0 ||
		 strcmp(sub, "rm") == 0)
		return cli_usage(&cli_dags, "unknown subcommand '%s': a DAG goes when its file "
				 "leaves the DAG folder (its runs stay, listed by the UI and "
				 "`sluice runs`; `sluice runs delete` removes runs)", sub);
	else
		return cli_unknown_sub(&cli_dags, sub, subs, synonyms);
	/* an argument too many is a mistake to say, not to drop: `dags
	 * pause a b` paused a alone */
	{
		static const struct { const char *sub; int max; } takes[] = {
			{ "list", 1 }, { "schema", 1 }, { "reference", 1 },
			{ "show", 3 }, { "next", 2 },
		};

		for (size_t i = 0; i < sizeof takes / sizeof takes[0]; i++)
			if (strcmp(sub, takes[i].sub) == 0 && args->npos > takes[i].max)
				return cli_usage(&cli_dags, "unexpected argument '%s' (dags %s takes %s)",
						 pos[takes[i].max], sub,
						 takes[i].max == 1 ? "no argument" :
						 takes[i].max == 2 ? "one DAG" : "a DAG and a task");
	}
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
		int stored;

		if (cli_open(c, 0, 0) < 0)
			return EXIT_HOME;
		/* two files with one DAG: the file the database records
		 * keeps it, as in the scheduler and `dags list`, so the one
		 * said not to be loaded is the one that is not; a home
		 * without a database yet (a checkout in CI) goes by path */
		stored = argc <= 2 && access(c->cfg->db_path, F_OK) == 0;
		if (cli_open(c, stored, argc <= 2) < 0)
			return EXIT_HOME;
		return dags_validate(c, argc - 2, pos + 1);
	}
	if ((cli_opt_str(args, "count") != NULL || cli_opt_str(args, "after") != NULL) &&
	    strcmp(sub, "next") != 0)
		return cli_usage(&cli_dags, "-n and --after go with `dags next`");
	if (cli_opt_str(args, "tag") != NULL && strcmp(sub, "list") != 0)
		return cli_usage(&cli_dags, "--tag goes with `dags list`");
	if ((rc = cli_opt_int(args, "count", 1, 100000, &count)) != 0)
		return rc;
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if (strcmp(sub, "list") == 0)
		return dags_list(c, args);
	if (strcmp(sub, "show") == 0) {
		if (argc < 3)
			return cli_usage(&cli_dags, "dags show needs a DAG name");
		return dags_show(c, pos[1], args->npos > 2 ? pos[2] : NULL);
	}
	if (strcmp(sub, "next") == 0)
		return dags_next(c, args, count);
	if (strcmp(sub, "pause") == 0 || strcmp(sub, "unpause") == 0) {
		struct sl_err err;
		int paused = strcmp(sub, "pause") == 0, dag_rc;
		struct dag *d;

		if (argc < 3)
			return cli_usage(&cli_dags, "dags %s needs a DAG name", sub);
		/* every DAG named exists, or none changes */
		for (int i = 1; i < args->npos; i++)
			if ((dag_rc = cli_dag(c, pos[i], &d)) != 0)
				return dag_rc;
		json_t *done = json_array();

		for (int i = 1; i < args->npos; i++) {
			sl_err_clear(&err);
			if (store_dag_set_paused(c->store, pos[i], paused, c->who, &err) < 0) {
				cli_error(err.msg);
				json_decref(done);
				return EXIT_FAILED;
			}
			if (c->json)
				json_array_append_new(done, json_pack("{s:s,s:b}", "dag", pos[i],
								      "paused", paused));
			else
				printf("DAG %s %s\n", pos[i], paused ? "paused" : "unpaused");
		}
		if (c->json)
			cli_print_json(done);
		json_decref(done);
		return 0;
	}
	return cli_unknown_sub(&cli_dags, sub, subs, synonyms);
}

static const struct cli_opt dags_opts[] = {
	{ "count", 'n', "N", "dags next: how many partitions (default 5)" },
	{ "after", 0, "TIME", "dags next: the partitions after TIME (default: from the next one the scheduler creates)" },
	{ "tag", 0, "T", "dags list: only the DAGs tagged T" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_dags = {
	"dags", "list, show, validate, pause DAGs; preview a schedule; file schema",
	"list [--tag T]\n"
	"show DAG [TASK]\n"
	"validate [PATH...]\n"
	"pause DAG...\n"
	"unpause DAG...\n"
	"next DAG [-n N] [--after TIME]\n"
	"schema\n"
	"reference",
	"  list       every DAG, its schedule, tags, the partition the scheduler\n"
	"             creates next; broken files, and files the scheduler\n"
	"             cannot load with the configuration it runs with (an\n"
	"             executor added since its start), with its error (--tag\n"
	"             T: the DAGs tagged T)\n"
	"  show       tasks, their types and dependencies, the partitions of\n"
	"             other DAGs or datasets it needs:, its params; with TASK,\n"
	"             every setting of that task as the scheduler runs it (the\n"
	"             DAG's defaults applied, durations as a DAG file writes\n"
	"             them; --json: under the keys a DAG file gives them)\n"
	"  validate   check DAG files (default: the DAG folder): every error as\n"
	"             FILE:LINE:COL: PATH: message (--json: {file, line, column,\n"
	"             path, message}), at most 20 a file, then FILE: and N\n"
	"             more errors; exits 1 if any has an error. A file\n"
	"             of the DAG folder given by path is also checked as\n"
	"             the folder loads it (its needs:, its DAG's name);\n"
	"             one outside it, as if deployed there: its needs:\n"
	"             against the folder's DAGs and the files given, and\n"
	"             the folder's DAGs it would break (a task or a\n"
	"             produces: their needs: name) are errors of their\n"
	"             files. A\n"
	"             connection defined neither in sluice.yaml nor by a\n"
	"             SLUICE_CONN_NAME here is a warning (FILE:LINE:COL:\n"
	"             warning: ...; --json: warnings), not an error: the\n"
	"             scheduler's environment may define it\n"
	"  pause      no new runs or tasks until unpaused (running tries go on);\n"
	"             several DAGs at once: all must exist, or none changes\n"
	"  unpause    runs and tasks start again; a DAG seen for the first time\n"
	"             starts paused unless dags_paused_at_creation: false\n"
	"  next       the next N partitions (data intervals), one per line:\n"
	"             START END, ISO-8601 with offsets; the first is the one\n"
	"             the scheduler creates next (for a paused DAG: when\n"
	"             unpaused), or the first that starts after --after\n"
	"             TIME (a TIME off the schedule or before the start:\n"
	"             a note on stderr says where the list starts); TIME is\n"
	"             read in the DAG's zone as a partition argument's time:\n"
	"             one the clocks repeat is its first reading, with a\n"
	"             note, one they skip an error\n"
	"  schema     the JSON Schema of a DAG file, for editors (draft-07)\n"
	"  reference  the DAG file reference in Markdown (docs/DAGS.md)\n"
	"Add --json for JSON output.\n",
	dags_opts,
	dags_run,
};
