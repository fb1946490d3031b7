/*
 * unit_sched_output.c: task outputs, skip_exit_code and branch in the
 * deterministic harness (scheduler/sched_output.c): a fake try writes the
 * file its $SLUICE_OUTPUT names, then ends. The output is stored with the
 * task instance and read by downstream templates; too big an output fails
 * the try; the skip code makes the task skipped and its downstream follow
 * their trigger rules (one table row per rule); a branch task skips the
 * direct downstream tasks it did not name (also when one is cleared
 * alone), and fails naming a task that is not one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scheduler/config.h"
#include "scheduler/output.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define STATE(dag, task, part) h_ti(dag, task, part, "state")
#define CHECK_STATE(want, dag, task, part) \
	CHECK_EQ_STR(want, STATE(dag, task, part))

/* The running try of task writes text to its $SLUICE_OUTPUT. */
static void
write_output(const char *task, const char *text, size_t len)
{
	const char *path = h_env(task, "SLUICE_OUTPUT");
	struct sl_err err;

	CHECK_MSG(path != NULL && *path != '\0', "%s has no SLUICE_OUTPUT", task);
	if (path == NULL || *path == '\0')
		return;
	CHECK_EQ_INT(0, sl_write_file(path, text, len, 0644, &err));
}

/* The stored output of task as compact JSON, "null" when none (static). */
static const char *
output_of(const char *dag, const char *task, const char *partition)
{
	static char out[1024];
	json_t *tis = store_tis_json(h_store(), dag, partition), *ti;
	size_t i;

	snprintf(out, sizeof out, "(no task instance)");
	json_array_foreach(tis, i, ti)
		if (strcmp(json_string_value(json_object_get(ti, "task")), task) == 0) {
			char *s = json_dumps(json_object_get(ti, "output"),
					     JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

			snprintf(out, sizeof out, "%s", s ? s : "?");
			free(s);
		}
	json_decref(tis);
	return out;
}

static const struct h_dag_file out_files[] = {
	{ "o.yaml", "dag: o\ntasks:\n"
		    "  extract: {command: \"true\"}\n"
		    "  load: {after: [extract], command: \"echo {{ tasks.extract.output.rows }} {{ tasks.extract.output.name }}\"}\n"
		    "  report: {after: [load], command: \"echo\", env: {N: \"{{ tasks.extract.output.rows }}\"}}\n" },
	{ NULL, NULL },
};

/* An output is stored with the task instance and inserted downstream as
 * data (one quoted shell word); a try with none stores none. */
static void
test_output_flows_downstream(void)
{
	static const char text[] = "rows=42\nname=it's $(reboot)\n";

	h_open(out_files, NULL);
	h_trigger("o", "p");
	write_output("extract", text, strlen(text));
	CHECK_EQ_INT(0, h_end("extract", "p", 0));
	CHECK_STATE("success", "o", "extract", "p");
	CHECK_EQ_STR("{\"name\":\"it's $(reboot)\",\"rows\":\"42\"}",
		     output_of("o", "extract", "p"));
	CHECK_STATE("running", "o", "load", "p");
	CHECK_EQ_STR("echo '42' 'it'\\''s $(reboot)'", h_argv("load", 2));
	CHECK_EQ_INT(0, h_end("load", "p", 0));
	CHECK_EQ_STR("null", output_of("o", "load", "p"));
	/* two steps down, in an env value (as is: no shell) */
	CHECK_EQ_STR("42", h_env("report", "N"));
	CHECK_EQ_INT(0, h_end("report", "p", 0));
	CHECK_EQ_STR("success", h_run_state("o", "p"));
	h_close();
}

/* Over 64 KiB, or malformed: the try fails saying so. An output key
 * downstream reads that was not written fails that try before it starts. */
static void
test_output_refused(void)
{
	char *big = xmalloc(OUTPUT_MAX + 10);
	const struct {
		const char *partition, *text;
		size_t len;
		const char *extract, *load, *error_of, *error;
	} cases[] = {
		{ "big", big, OUTPUT_MAX + 10, "failed", "upstream_failed",
		  "extract", "$SLUICE_OUTPUT holds 65546 bytes, more than the 65536 (64 KiB) an output may have" },
		{ "bad", "just words\n", 11, "failed", "upstream_failed", "extract",
		  "$SLUICE_OUTPUT line 1: expected key=value (a key of letters, digits, _ - .) or one JSON object" },
		{ "none", "{\"rows\": 5}", 11, "success", "failed", "load",
		  "'tasks.extract.output.name': task extract wrote no output 'name' in this run (to $SLUICE_OUTPUT)" },
	};

	memset(big, 'x', OUTPUT_MAX + 10);
	memcpy(big, "k=", 2);
	h_open(out_files, NULL);
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		const char *p = cases[i].partition;

		h_trigger("o", p);
		write_output("extract", cases[i].text, cases[i].len);
		CHECK_EQ_INT(0, h_end("extract", p, 0));
		CHECK_STATE(cases[i].extract, "o", "extract", p);
		CHECK_STATE(cases[i].load, "o", "load", p);
		CHECK_EQ_STR(cases[i].error, h_ti("o", cases[i].error_of, p, "error"));
	}
	CHECK_EQ_INT(0, h_started("load"));
	h_close();
	free(big);
}

/* A file left by an earlier try with the same number (before a clear)
 * is not the new try's output. */
static void
test_output_cleared(void)
{
	h_open(out_files, NULL);
	h_trigger("o", "p");
	write_output("extract", "rows=1\nname=a\n", 14);
	CHECK_EQ_INT(0, h_end("extract", "p", 0));
	CHECK_EQ_INT(0, h_end("load", "p", 0));
	CHECK_EQ_INT(0, h_end("report", "p", 0));
	CHECK_EQ_STR("{\"name\":\"a\",\"rows\":\"1\"}", output_of("o", "extract", "p"));
	CHECK(h_clear("o", "p", "extract", 0) >= 0);
	CHECK_EQ_INT(1, h_running("extract"));
	/* the new try writes nothing: the task instance has no output */
	CHECK_EQ_INT(0, h_end("extract", "p", 0));
	CHECK_STATE("success", "o", "extract", "p");
	CHECK_EQ_STR("null", output_of("o", "extract", "p"));
	h_close();
}

static void
wide_cfg(struct config *cfg)
{
	cfg->parallelism = 1000;
	json_object_set_new(cfg->pools, "default", json_integer(1000));
}

/*
 * skip exits 99 (the shell default): skipped, no retry. For each rule, a
 * task after [skip, ok] (ok succeeds) and one after [skip] alone: R runs
 * (then succeeds), S skipped, U upstream_failed.
 */
static const struct {
	const char *rule;
	char with_ok, alone;
} skip_table[] = {
	{ "all_success", 'S', 'S' },
	{ "all_failed", 'S', 'S' },
	{ "all_done", 'R', 'R' },
	{ "one_success", 'R', 'S' },
	{ "one_failed", 'S', 'S' },
	{ "none_failed", 'R', 'R' },
	{ "none_skipped", 'S', 'S' },
	{ "none_failed_min_one_success", 'R', 'S' },
	{ "always", 'R', 'R' },
};

static const char *
want_state(char w)
{
	return w == 'R' ? "success" : w == 'S' ? "skipped" : "upstream_failed";
}

static void
test_skip_exit_code_rules(void)
{
	struct buf y;
	struct h_dag_file files[2] = { { "s.yaml", NULL }, { NULL, NULL } };

	buf_init(&y, 0);
	buf_adds(&y, "dag: s\nmax_active_tasks: 1000\ntasks:\n"
		     "  skip: {command: \"exit 99\", retries: 2}\n"
		     "  ok: {command: \"true\"}\n"
		     "  own: {command: \"exit 3\", skip_exit_code: 3}\n"
		     "  off: {command: \"exit 99\", skip_exit_code: 0}\n");
	for (size_t r = 0; r < SL_ARRAY_LEN(skip_table); r++)
		buf_printf(&y, "  w_%s: {after: [skip, ok], trigger_rule: %s, command: \"true\"}\n"
			   "  a_%s: {after: [skip], trigger_rule: %s, command: \"true\"}\n",
			   skip_table[r].rule, skip_table[r].rule,
			   skip_table[r].rule, skip_table[r].rule);
	files[0].yaml = buf_str(&y);
	h_open(files, wide_cfg);
	h_trigger("s", "p");
	CHECK_EQ_INT(0, h_end("skip", "p", 99));
	CHECK_STATE("skipped", "s", "skip", "p");
	CHECK_EQ_STR("1", h_ti("s", "skip", "p", "try_number"));
	CHECK_EQ_STR("", h_ti("s", "skip", "p", "error"));
	CHECK_EQ_INT(0, h_end("ok", "p", 0));
	CHECK_EQ_INT(0, h_end("own", "p", 3));
	CHECK_STATE("skipped", "s", "own", "p");
	CHECK_EQ_INT(0, h_end("off", "p", 99));
	CHECK_STATE("failed", "s", "off", "p");
	h_end_all();
	for (size_t r = 0; r < SL_ARRAY_LEN(skip_table); r++) {
		char task[128];

		snprintf(task, sizeof task, "w_%s", skip_table[r].rule);
		CHECK_MSG(strcmp(want_state(skip_table[r].with_ok), STATE("s", task, "p")) == 0,
			  "%s: want %s, got %s", task, want_state(skip_table[r].with_ok),
			  STATE("s", task, "p"));
		snprintf(task, sizeof task, "a_%s", skip_table[r].rule);
		CHECK_MSG(strcmp(want_state(skip_table[r].alone), STATE("s", task, "p")) == 0,
			  "%s: want %s, got %s", task, want_state(skip_table[r].alone),
			  STATE("s", task, "p"));
	}
	h_close();
	buf_free(&y);
}

static const struct h_dag_file branch_files[] = {
	{ "b.yaml", "dag: b\nmax_active_tasks: 100\ntasks:\n"
		    "  pick: {command: \"true\", branch: true}\n"
		    "  x: {after: [pick], command: \"true\"}\n"
		    "  y: {after: [pick], command: \"true\"}\n"
		    "  after_y: {after: [y], command: \"true\"}\n"
		    "  join: {after: [x, y], trigger_rule: none_failed_min_one_success, command: \"true\"}\n" },
	{ NULL, NULL },
};

/* pick writes branch=...: the named direct downstream tasks run, the
 * others are skipped (and theirs follow their rules). */
static void
test_branch(void)
{
	static const struct {
		const char *partition, *output;
		const char *pick, *x, *y, *after_y, *join;
	} cases[] = {
		{ "one", "branch=x\n", "success", "success", "skipped", "skipped", "success" },
		{ "both", "branch= y , x\n", "success", "success", "success", "success", "success" },
		{ "json", "{\"branch\": \"y\"}", "success", "skipped", "success", "success", "success" },
		{ "none", "", "success", "skipped", "skipped", "skipped", "skipped" },
		{ "bad", "branch=x,after_y\n", "failed", "upstream_failed", "upstream_failed", "upstream_failed", "upstream_failed" },
	};

	h_open(branch_files, wide_cfg);
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		const char *p = cases[i].partition;

		h_trigger("b", p);
		write_output("pick", cases[i].output, strlen(cases[i].output));
		CHECK_EQ_INT(0, h_end("pick", p, 0));
		h_end_all();
		CHECK_MSG(strcmp(cases[i].pick, STATE("b", "pick", p)) == 0, "%s pick: %s", p, STATE("b", "pick", p));
		CHECK_MSG(strcmp(cases[i].x, STATE("b", "x", p)) == 0, "%s x: %s", p, STATE("b", "x", p));
		CHECK_MSG(strcmp(cases[i].y, STATE("b", "y", p)) == 0, "%s y: %s", p, STATE("b", "y", p));
		CHECK_MSG(strcmp(cases[i].after_y, STATE("b", "after_y", p)) == 0, "%s after_y: %s", p, STATE("b", "after_y", p));
		CHECK_MSG(strcmp(cases[i].join, STATE("b", "join", p)) == 0, "%s join: %s", p, STATE("b", "join", p));
	}
	CHECK_EQ_STR("branch: 'after_y' is not a direct downstream task of pick (its direct downstream tasks: x, y)",
		     h_ti("b", "pick", "bad", "error"));
	CHECK_EQ_STR("success", h_run_state("b", "one"));
	CHECK_EQ_STR("failed", h_run_state("b", "bad"));
	/* a clear of y alone: pick still did not choose it */
	{
		int started = h_started("y");

		CHECK(h_clear("b", "one", "y", 0) >= 0);
		CHECK_STATE("skipped", "b", "y", "one");
		CHECK_EQ_INT(started, h_started("y"));
		/* pick again, with its downstream: it now chooses y */
		CHECK(h_clear("b", "one", "pick", 1) >= 0);
		write_output("pick", "branch=y\n", 9);
		CHECK_EQ_INT(0, h_end("pick", "one", 0));
		h_end_all();
		CHECK_STATE("skipped", "b", "x", "one");
		CHECK_STATE("success", "b", "y", "one");
		CHECK_STATE("success", "b", "join", "one");
	}
	h_close();
}

int
main(void)
{
	unsetenv("TZ");
	RUN(test_output_flows_downstream);
	RUN(test_output_refused);
	RUN(test_output_cleared);
	RUN(test_skip_exit_code_rules);
	RUN(test_branch);
	return UNIT_END();
}
