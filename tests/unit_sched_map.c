/*
 * unit_sched_map.c: mapped tasks (foreach:, scheduler/sched_map.c) in the
 * deterministic harness. A mapped task expands into items NAME[i] when it
 * may run; each item is a task instance with its own tries; the parent
 * takes the aggregate state; downstream trigger rules count the items
 * (one table row per rule with one failing item); zero items skip the
 * parent; max_active bounds the items running; max_map refuses a longer
 * list; the list comes from a literal, a param or an upstream output;
 * one item retries, is cleared alone; a restart in the middle of a map
 * runs no item twice; a clear of the parent makes the items again; a
 * mapped sensor pokes once per item; an edit that makes a task mapped,
 * or no longer mapped, in the middle of a run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scheduler/config.h"
#include "scheduler/dag_map.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define STATE(dag, task, part) h_ti(dag, task, part, "state")
#define CHECK_STATE(want, dag, task, part) \
	CHECK_EQ_STR(want, STATE(dag, task, part))

/* The running try of task writes text to its $SLUICE_OUTPUT. */
static void
write_output(const char *task, const char *text)
{
	const char *path = h_env(task, "SLUICE_OUTPUT");
	struct sl_err err;

	CHECK_MSG(path != NULL && *path != '\0', "%s has no SLUICE_OUTPUT", task);
	if (path == NULL || *path == '\0')
		return;
	CHECK_EQ_INT(0, sl_write_file(path, text, strlen(text), 0644, &err));
}

/* How many items of the mapped task m (m[0] .. m[n-1]) run now. */
static int
items_running(int n)
{
	int running = 0;

	for (int i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof name, "m[%d]", i);
		running += h_running(name);
	}
	return running;
}

static const struct h_dag_file list_files[] = {
	{ "l.yaml", "dag: l\ntasks:\n"
		    "  m:\n"
		    "    foreach: [AAPL, \"it's\", {name: x, n: 2}]\n"
		    "    command: echo {{ item }}\n"
		    "  after_m: {after: [m], command: \"true\"}\n" },
	{ NULL, NULL },
};

/* A literal list: one item per element, each its own try with its item
 * quoted as data; the parent runs until the last item ends, then
 * succeeds, and its downstream runs. */
static void
test_literal_list(void)
{
	h_open(list_files, NULL);
	h_trigger("l", "p");
	CHECK_STATE("running", "l", "m", "p");
	CHECK_EQ_STR("3", h_ti("l", "m", "p", "map_count"));
	CHECK_EQ_STR("1", h_ti("l", "m[1]", "p", "map_index"));
	CHECK_EQ_INT(3, items_running(3));
	CHECK_EQ_STR("echo 'AAPL'", h_argv("m[0]", 2));
	CHECK_EQ_STR("echo 'it'\\''s'", h_argv("m[1]", 2));
	CHECK_EQ_STR("echo '{\"name\":\"x\",\"n\":2}'", h_argv("m[2]", 2));
	CHECK_EQ_STR("m[2]", h_env("m[2]", "SLUICE_TASK"));
	CHECK_EQ_INT(0, h_end("m[0]", "p", 0));
	CHECK_EQ_INT(0, h_end("m[1]", "p", 0));
	CHECK_STATE("running", "l", "m", "p");
	CHECK_STATE("none", "l", "after_m", "p");
	CHECK_EQ_INT(0, h_end("m[2]", "p", 0));
	CHECK_STATE("success", "l", "m", "p");
	CHECK_STATE("running", "l", "after_m", "p");
	CHECK_EQ_INT(0, h_end("after_m", "p", 0));
	CHECK_EQ_STR("success", h_run_state("l", "p"));
	h_close();
}

static const struct h_dag_file zero_files[] = {
	{ "z.yaml", "dag: z\ntasks:\n"
		    "  m: {foreach: [], command: \"echo {{ item }}\"}\n"
		    "  all_success: {after: [m], command: \"true\"}\n"
		    "  none_failed: {after: [m], trigger_rule: none_failed, command: \"true\"}\n"
		    "  all_done: {after: [m], trigger_rule: all_done, command: \"true\"}\n"
		    "  one_success: {after: [m], trigger_rule: one_success, command: \"true\"}\n"
		    "  none_skipped: {after: [m], trigger_rule: none_skipped, command: \"true\"}\n" },
	{ NULL, NULL },
};

/* Zero items: the parent is skipped and counts downstream as one skipped
 * upstream. */
static void
test_zero_items(void)
{
	h_open(zero_files, NULL);
	h_trigger("z", "p");
	h_end_all();
	CHECK_STATE("skipped", "z", "m", "p");
	CHECK_EQ_STR("0", h_ti("z", "m", "p", "map_count"));
	CHECK_STATE("skipped", "z", "all_success", "p");
	CHECK_STATE("success", "z", "none_failed", "p");
	CHECK_STATE("success", "z", "all_done", "p");
	CHECK_STATE("skipped", "z", "one_success", "p");
	CHECK_STATE("skipped", "z", "none_skipped", "p");
	CHECK_EQ_STR("success", h_run_state("z", "p"));
	h_close();
}

static const struct h_dag_file one_item_files[] = {
	{ "o.yaml", "dag: o\ntasks:\n"
		    "  m: {foreach: [a], command: \"echo {{ item }}\"}\n" },
	{ NULL, NULL },
};

/* A map of one item: its error counts it in the singular. */
static void
test_one_item(void)
{
	h_open(one_item_files, NULL);
	h_trigger("o", "p");
	CHECK_EQ_INT(0, h_end("m[0]", "p", 1));
	h_end_all();
	CHECK_STATE("failed", "o", "m", "p");
	CHECK_EQ_STR("1 of its 1 item failed", h_ti("o", "m", "p", "error"));
	h_close();
}

static const struct h_dag_file rule_files[] = {
	{ "r.yaml", "dag: r\ntasks:\n"
		    "  m: {foreach: [a, b, c], command: \"echo {{ item }}\"}\n"
		    "  all_success: {after: [m], trigger_rule: all_success, command: \"true\"}\n"
		    "  all_failed: {after: [m], trigger_rule: all_failed, command: \"true\"}\n"
		    "  all_done: {after: [m], trigger_rule: all_done, command: \"true\"}\n"
		    "  one_success: {after: [m], trigger_rule: one_success, command: \"true\"}\n"
		    "  one_failed: {after: [m], trigger_rule: one_failed, command: \"true\"}\n"
		    "  none_failed: {after: [m], trigger_rule: none_failed, command: \"true\"}\n"
		    "  none_skipped: {after: [m], trigger_rule: none_skipped, command: \"true\"}\n"
		    "  none_failed_min_one_success: {after: [m], trigger_rule: none_failed_min_one_success, command: \"true\"}\n"
		    "  always: {after: [m], trigger_rule: always, command: \"true\"}\n" },
	{ NULL, NULL },
};

/* One failing item among three, each trigger rule downstream: the rule
 * counts the items (m[0] succeeds first, then m[1] fails, then m[2]
 * succeeds): what each task is after the first item, after the failure,
 * and at the end. */
static void
test_one_failing_item_rules(void)
{
	static const struct {
		const char *task;
		const char *after_success, *after_failure, *end;
	} rules[] = {
		{ "all_success", "none", "upstream_failed", "upstream_failed" },
		{ "all_failed", "skipped", "skipped", "skipped" },
		{ "all_done", "none", "none", "success" },
		{ "one_success", "running", "success", "success" },
		{ "one_failed", "none", "running", "success" },
		{ "none_failed", "none", "upstream_failed", "upstream_failed" },
		{ "none_skipped", "none", "none", "success" },
		{ "none_failed_min_one_success", "none", "upstream_failed", "upstream_failed" },
		{ "always", "running", "success", "success" },
	};

	h_open(rule_files, NULL);
	h_trigger("r", "p");
	CHECK_EQ_INT(0, h_end("m[0]", "p", 0));
	for (size_t i = 0; i < SL_ARRAY_LEN(rules); i++)
		CHECK_MSG(strcmp(rules[i].after_success,
				 STATE("r", rules[i].task, "p")) == 0,
			  "%s after m[0]: want %s, got %s", rules[i].task,
			  rules[i].after_success, STATE("r", rules[i].task, "p"));
	/* what started so far ends first */
	if (h_running("one_success"))
		CHECK_EQ_INT(0, h_end("one_success", "p", 0));
	if (h_running("always"))
		CHECK_EQ_INT(0, h_end("always", "p", 0));
	CHECK_EQ_INT(0, h_end("m[1]", "p", 1));
	CHECK_STATE("failed", "r", "m[1]", "p");
	CHECK_STATE("running", "r", "m", "p");
	for (size_t i = 0; i < SL_ARRAY_LEN(rules); i++)
		CHECK_MSG(strcmp(rules[i].after_failure,
				 STATE("r", rules[i].task, "p")) == 0,
			  "%s after m[1] failed: want %s, got %s", rules[i].task,
			  rules[i].after_failure, STATE("r", rules[i].task, "p"));
	if (h_running("one_failed"))
		CHECK_EQ_INT(0, h_end("one_failed", "p", 0));
	CHECK_EQ_INT(0, h_end("m[2]", "p", 0));
	h_end_all();
	CHECK_STATE("failed", "r", "m", "p");
	/* its error says how many items failed (trigger --wait prints it) */
	CHECK_EQ_STR("1 of its 3 items failed", h_ti("r", "m", "p", "error"));
	for (size_t i = 0; i < SL_ARRAY_LEN(rules); i++)
		CHECK_MSG(strcmp(rules[i].end, STATE("r", rules[i].task, "p")) == 0,
			  "%s at the end: want %s, got %s", rules[i].task,
			  rules[i].end, STATE("r", rules[i].task, "p"));
	CHECK_EQ_STR("failed", h_run_state("r", "p"));
	h_close();
}

static const struct h_dag_file active_files[] = {
	{ "a.yaml", "dag: a\ntasks:\n"
		    "  m: {foreach: [a, b, c, d, e], max_active: 2, command: \"echo {{ item }}\"}\n" },
	{ NULL, NULL },
};

/* max_active: 2: never more than two items hold a try, and every item
 * runs once. */
static void
test_max_active(void)
{
	int most = 0, ended = 0;

	h_open(active_files, NULL);
	h_trigger("a", "p");
	while (items_running(5) > 0) {
		int n = items_running(5);

		if (n > most)
			most = n;
		CHECK_EQ_INT(0, h_end_one(0));
		ended++;
	}
	CHECK_EQ_INT(2, most);
	CHECK_EQ_INT(5, ended);
	for (int i = 0; i < 5; i++) {
		char name[32];

		snprintf(name, sizeof name, "m[%d]", i);
		CHECK_EQ_INT(1, h_started(name));
		CHECK_STATE("success", "a", name, "p");
	}
	CHECK_STATE("success", "a", "m", "p");
	CHECK_EQ_STR("success", h_run_state("a", "p"));
	h_close();
}

static void
max_map_3(struct config *cfg)
{
	cfg->max_map = 3;
}

static const struct h_dag_file many_files[] = {
	{ "n.yaml", "dag: n\ntasks:\n"
		    "  m: {foreach: [a, b, c, d], command: \"echo {{ item }}\"}\n"
		    "  own: {foreach: [a, b, c, d], max_map: 4, command: \"echo {{ item }}\"}\n"
		    "  down: {after: [m], command: \"true\"}\n" },
	{ NULL, NULL },
};

/* More items than max_map (sluice.yaml's, or the task's own): the parent
 * fails naming the count and the limit; no item is made. */
static void
test_max_map(void)
{
	h_open(many_files, max_map_3);
	h_trigger("n", "p");
	CHECK_STATE("failed", "n", "m", "p");
	CHECK_EQ_STR("foreach gave 4 items, more than max_map (3)",
		     h_ti("n", "m", "p", "error"));
	CHECK_EQ_STR("", STATE("n", "m[0]", "p"));
	CHECK_STATE("upstream_failed", "n", "down", "p");
	/* the task's own max_map wins */
	CHECK_STATE("running", "n", "own", "p");
	CHECK_EQ_INT(4, h_end_all());
	CHECK_STATE("success", "n", "own", "p");
	CHECK_EQ_STR("failed", h_run_state("n", "p"));
	h_close();
}

static const struct h_dag_file source_files[] = {
	{ "s.yaml", "dag: s\n"
		    "params:\n  symbols: [x, y]\n  csv: \"u, v,w\"\n"
		    "tasks:\n"
		    "  by_param: {foreach: \"{{ params.symbols }}\", command: \"echo {{ item }}\"}\n"
		    "  by_csv: {foreach: \"{{ params.csv }}\", command: \"echo {{ item }}\"}\n"
		    "  list_symbols: {command: \"true\"}\n"
		    "  by_output:\n"
		    "    after: [list_symbols]\n"
		    "    foreach: {output: list_symbols, key: symbols}\n"
		    "    command: echo {{ item.sym }}\n"
		    "  by_text:\n"
		    "    after: [list_symbols]\n"
		    "    foreach: {output: list_symbols, key: names}\n"
		    "    command: echo {{ item }}\n"
		    "  by_tmpl:\n"
		    "    after: [list_symbols]\n"
		    "    foreach: \"{{ tasks.list_symbols.output.names }}\"\n"
		    "    command: echo {{ item }}\n"
		    "  by_bad:\n"
		    "    after: [list_symbols]\n"
		    "    foreach: {output: list_symbols, key: bad}\n"
		    "    command: echo {{ item }}\n" },
	{ NULL, NULL },
};

/* The list from a param (a list, or a comma-separated text) and from an
 * upstream task's output (a JSON array of objects, a comma-separated
 * text; a JSON value that is not a list fails the parent). */
static void
test_sources(void)
{
	h_open(source_files, NULL);
	h_trigger("s", "p");
	CHECK_EQ_STR("2", h_ti("s", "by_param", "p", "map_count"));
	CHECK_EQ_STR("echo 'y'", h_argv("by_param[1]", 2));
	CHECK_EQ_STR("3", h_ti("s", "by_csv", "p", "map_count"));
	CHECK_EQ_STR("echo 'v'", h_argv("by_csv[1]", 2));
	CHECK_STATE("none", "s", "by_output", "p");
	write_output("list_symbols",
		     "{\"symbols\": [{\"sym\": \"AAPL\"}, {\"sym\": \"MSFT\"}], "
		     "\"names\": \"a,b\", \"bad\": {\"x\": 1}}");
	CHECK_EQ_INT(0, h_end("list_symbols", "p", 0));
	CHECK_EQ_STR("2", h_ti("s", "by_output", "p", "map_count"));
	CHECK_EQ_STR("echo 'MSFT'", h_argv("by_output[1]", 2));
	CHECK_EQ_STR("2", h_ti("s", "by_text", "p", "map_count"));
	CHECK_EQ_STR("echo 'b'", h_argv("by_text[1]", 2));
	CHECK_EQ_STR("2", h_ti("s", "by_tmpl", "p", "map_count"));
	CHECK_EQ_STR("echo 'a'", h_argv("by_tmpl[0]", 2));
	CHECK_STATE("failed", "s", "by_bad", "p");
	CHECK_EQ_STR("foreach: output list_symbols.bad is neither a list nor a text",
		     h_ti("s", "by_bad", "p", "error"));
	h_end_all();
	CHECK_STATE("success", "s", "by_output", "p");
	h_close();
}

static const struct h_dag_file retry_files[] = {
	{ "t.yaml", "dag: t\ntasks:\n"
		    "  m: {foreach: [a, b, c], retries: 1, retry_delay: 10s, command: \"echo {{ item }}\"}\n"
		    "  down: {after: [m], command: \"true\"}\n" },
	{ NULL, NULL },
};

/* One item fails its first try and is retried alone; clearing one item
 * later re-runs it alone (the parent runs again until it ends). */
static void
test_retry_and_clear_item(void)
{
	h_open(retry_files, NULL);
	h_trigger("t", "p");
	CHECK_EQ_INT(0, h_end("m[1]", "p", 1));
	CHECK_STATE("up_for_retry", "t", "m[1]", "p");
	CHECK_EQ_INT(0, h_end("m[0]", "p", 0));
	CHECK_EQ_INT(0, h_end("m[2]", "p", 0));
	CHECK_STATE("running", "t", "m", "p");
	h_advance(10000);
	CHECK_EQ_INT(1, h_running("m[1]"));
	CHECK_EQ_INT(0, h_end("m[1]", "p", 0));
	CHECK_EQ_STR("2", h_ti("t", "m[1]", "p", "try_number"));
	CHECK_EQ_STR("1", h_ti("t", "m[0]", "p", "try_number"));
	CHECK_STATE("success", "t", "m", "p");
	CHECK_EQ_INT(0, h_end("down", "p", 0));
	CHECK_EQ_STR("success", h_run_state("t", "p"));

	/* clear m[2] alone */
	CHECK_EQ_INT(1, h_clear("t", "p", "m[2]", 0));
	CHECK_STATE("running", "t", "m", "p");
	CHECK_EQ_INT(1, h_running("m[2]"));
	CHECK_EQ_INT(0, h_running("m[0]") + h_running("m[1]") + h_running("down"));
	CHECK_EQ_INT(0, h_end("m[2]", "p", 0));
	CHECK_STATE("success", "t", "m", "p");
	CHECK_EQ_INT(2, h_started("m[2]"));
	CHECK_EQ_INT(1, h_started("m[0]"));
	CHECK_EQ_INT(1, h_started("down"));
	CHECK_EQ_STR("success", h_run_state("t", "p"));

	/* an item that does not exist */
	{
		struct clear_spec spec;
		struct sl_err err;
		char *tasks[] = { "m[x]", NULL };

		memset(&spec, 0, sizeof spec);
		spec.dag_id = "t";
		spec.tasks = tasks;
		spec.from_s = INT64_MIN;
		spec.to_s = INT64_MAX;
		CHECK_EQ_INT(-1, store_clear(h_store(), h_dag("t"), &spec,
					     "harness", NULL, &err));
	}

	/* clear the parent with its downstream: the items are made again,
	 * each with its tries kept (its next try follows its last, so the
	 * earlier tries' logs stay) */
	CHECK(h_clear("t", "p", "m", 1) >= 0);
	CHECK_STATE("running", "t", "m", "p");
	CHECK_EQ_STR("2", h_ti("t", "m[0]", "p", "try_number"));
	CHECK_EQ_STR("3", h_ti("t", "m[1]", "p", "try_number"));
	CHECK_EQ_STR("3", h_ti("t", "m[2]", "p", "try_number"));
	CHECK_EQ_STR("3", h_ti("t", "m[0]", "p", "max_tries"));
	CHECK_EQ_INT(3, h_end_all() - 1);
	CHECK_STATE("success", "t", "m", "p");
	CHECK_EQ_STR("success", h_run_state("t", "p"));
	h_close();
}

static const struct h_dag_file restart_files[] = {
	{ "k.yaml", "dag: k\ntasks:\n"
		    "  m: {foreach: [a, b, c, d], max_active: 2, command: \"echo {{ item }}\"}\n"
		    "  down: {after: [m], command: \"true\"}\n" },
	{ NULL, NULL },
};

/* The scheduler dies in the middle of a map: the new one reads the items
 * back (no second expansion), follows the tries that run and starts the
 * rest: no item runs twice. */
static void
test_restart_mid_map(void)
{
	h_open(restart_files, NULL);
	h_trigger("k", "p");
	CHECK_EQ_INT(2, items_running(4));
	CHECK_EQ_INT(0, h_end("m[0]", "p", 0));
	CHECK_EQ_INT(2, items_running(4));
	h_restart();
	CHECK_STATE("running", "k", "m", "p");
	CHECK_EQ_STR("4", h_ti("k", "m", "p", "map_count"));
	CHECK_EQ_INT(2, items_running(4));
	h_end_all();
	for (int i = 0; i < 4; i++) {
		char name[32];

		snprintf(name, sizeof name, "m[%d]", i);
		CHECK_EQ_INT(1, h_started(name));
		CHECK_STATE("success", "k", name, "p");
	}
	CHECK_STATE("success", "k", "m", "p");
	CHECK_STATE("success", "k", "down", "p");
	CHECK_EQ_STR("success", h_run_state("k", "p"));
	h_close();
}

/* A person marks one item: the mark counts as the item's end. */
static void
test_mark_item(void)
{
	h_open(list_files, NULL);
	h_trigger("l", "p");
	CHECK_EQ_INT(0, h_end("m[0]", "p", 0));
	CHECK_EQ_INT(0, h_end("m[1]", "p", 0));
	CHECK(h_mark("l", "m[2]", "p", "success", 0) >= 0);
	CHECK_STATE("success", "l", "m[2]", "p");
	CHECK_STATE("success", "l", "m", "p");
	CHECK_STATE("running", "l", "after_m", "p");
	CHECK_EQ_INT(0, h_end("after_m", "p", 0));
	CHECK_EQ_STR("success", h_run_state("l", "p"));
	/* after the run ended: the task settles from its items again */
	CHECK(h_mark("l", "m[0]", "p", "failed", 0) >= 0);
	CHECK_STATE("failed", "l", "m", "p");
	CHECK_EQ_STR("failed", h_run_state("l", "p"));
	h_close();
}

static const struct h_dag_file sensor_files[] = {
	{ "w.yaml", "dag: w\ntasks:\n"
		    "  land:\n"
		    "    type: fake_sensor\n"
		    "    poke_interval: 10s\n"
		    "    timeout: 25s\n"
		    "    foreach: [stores, sales, returns, stock, prices]\n"
		    "  load: {after: [land], command: \"true\"}\n" },
	{ NULL, NULL },
};

/* A mapped sensor (five extracts): each item pokes on its own rhythm;
 * the ones met end, the others poke again; one timing out fails its item
 * alone, and the task with it once the rest ended. */
static void
test_mapped_sensor(void)
{
	char name[32];

	h_open(sensor_files, NULL);
	h_trigger("w", "p");
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "land[%d]", i);
		CHECK_EQ_INT(1, h_pokes(name));
	}
	CHECK_EQ_INT(0, h_poke("land[0]", "p", OP_POKE_DONE));
	CHECK_EQ_INT(0, h_poke("land[1]", "p", OP_POKE_DONE));
	for (int i = 2; i < 5; i++) {
		snprintf(name, sizeof name, "land[%d]", i);
		CHECK_EQ_INT(0, h_poke(name, "p", OP_POKE_NOT_YET));
		CHECK_STATE("up_for_reschedule", "w", name, "p");
	}
	CHECK_STATE("success", "w", "land[0]", "p");
	CHECK_STATE("running", "w", "land", "p");
	h_advance(10000);
	CHECK_EQ_INT(0, h_pokes("land[0]"));
	CHECK_EQ_INT(1, h_pokes("land[2]"));
	CHECK_EQ_INT(0, h_poke("land[2]", "p", OP_POKE_DONE));
	CHECK_EQ_INT(0, h_poke("land[3]", "p", OP_POKE_DONE));
	CHECK_EQ_INT(0, h_poke("land[4]", "p", OP_POKE_NOT_YET));
	CHECK_STATE("none", "w", "load", "p");
	h_advance(10000);
	CHECK_EQ_INT(0, h_poke("land[4]", "p", OP_POKE_NOT_YET));
	h_advance(10000);
	/* the last poke, cut to the timeout (25s after the first) */
	CHECK_EQ_INT(0, h_poke("land[4]", "p", OP_POKE_NOT_YET));
	CHECK_STATE("failed", "w", "land[4]", "p");
	CHECK_STATE("failed", "w", "land", "p");
	CHECK_STATE("upstream_failed", "w", "load", "p");
	CHECK_EQ_STR("failed", h_run_state("w", "p"));
	h_close();
}

/*
 * An edit makes a task mapped, or no longer mapped, while a run has it
 * unfinished. Mapped now, its instance waiting for a retry (or to start,
 * or for a sensor's next poke): it is made into items, not run once (its
 * retry ran the new command as one task, and `{{ item }}` failed it).
 * No longer mapped while its items run: the items end with the run as a
 * removed task's instances do (one waiting for a retry and one running,
 * stopped: failed), and the task runs once as the file now says (the
 * parent stayed running for ever, the run with it, also across a
 * restart). With and without a restart of the scheduler after the edit.
 */
#define RS_HEAD "dag: g\ntasks:\n  a: {command: \"true\"}\n"
#define RS_PLAIN "  x: {command: \"true\", retries: 2, retry_delay: 5m}\n"
#define RS_MAPPED "  x: {foreach: [a, b], command: \"echo {{ item }}\", retries: 1, retry_delay: 5m}\n"
static const struct {
	const char *what;
	const char *before, *after;	/* x's line */
	int restart;			/* the scheduler restarts after the edit */
	const char *x;			/* x's state at the end */
	int items;			/* x[0] and x[1] made (and their end) */
	const char *item_state;
	int x_tries;			/* x's own tries in all */
} rs_rows[] = {
	{ "plain to mapped", RS_PLAIN, RS_MAPPED, 0, "success", 1, "success", 1 },
	{ "plain to mapped, restart", RS_PLAIN, RS_MAPPED, 1, "success", 1, "success", 1 },
	{ "mapped to plain", RS_MAPPED, RS_PLAIN, 0, "success", 0, "failed", 1 },
	{ "mapped to plain, restart", RS_MAPPED, RS_PLAIN, 1, "success", 0, "failed", 1 },
};

static void
test_reshaped(void)
{
	for (size_t k = 0; k < sizeof rs_rows / sizeof rs_rows[0]; k++) {
		char f1[512], f2[512];
		struct h_dag_file files[] = { { "g.yaml", f1 }, { NULL, NULL } };
		int mapped_before = strstr(rs_rows[k].before, "foreach") != NULL;

		fprintf(stderr, "  %s\n", rs_rows[k].what);
		snprintf(f1, sizeof f1, RS_HEAD "%s", rs_rows[k].before);
		snprintf(f2, sizeof f2, RS_HEAD "%s", rs_rows[k].after);
		h_open(files, NULL);
		h_trigger("g", "p");
		if (mapped_before) {
			/* one item waits for its retry, the other runs */
			CHECK_EQ_INT(0, h_end("x[0]", "p", 1));
			CHECK_STATE("up_for_retry", "g", "x[0]", "p");
			CHECK_STATE("running", "g", "x[1]", "p");
			CHECK_STATE("running", "g", "x", "p");
		} else {
			CHECK_EQ_INT(0, h_end("x", "p", 1));
			CHECK_STATE("up_for_retry", "g", "x", "p");
		}
		h_dag_file("g.yaml", f2);
		if (rs_rows[k].restart)
			h_restart();
		CHECK_EQ_INT(0, h_end("a", "p", 0));
		h_advance(5 * 60 * 1000);
		h_end_all();
		CHECK_STATE(rs_rows[k].x, "g", "x", "p");
		CHECK_STATE(rs_rows[k].item_state, "g", "x[0]", "p");
		CHECK_STATE(rs_rows[k].item_state, "g", "x[1]", "p");
		CHECK_EQ_STR(rs_rows[k].items ? "2" : "", h_ti("g", "x", "p", "map_count"));
		CHECK_EQ_INT(rs_rows[k].x_tries, h_started("x"));
		if (rs_rows[k].items) {
			CHECK_EQ_INT(1, h_started("x[0]"));
			CHECK_EQ_INT(1, h_started("x[1]"));
		} else {
			/* the items say why they ended: the one running was
			 * stopped, its log says so */
			for (int i = 0; i < 2; i++)
				CHECK_EQ_STR("the task is no longer mapped (foreach: left the DAG file) before this item ended",
					     h_ti("g", i ? "x[1]" : "x[0]", "p", "error"));
			CHECK_EQ_INT(1, h_lines_with(h_log_path("x[1]"),
						     "the task is no longer mapped (foreach: left the DAG file): stopping this try"));
		}
		CHECK_EQ_STR("success", h_run_state("g", "p"));
		h_close();
	}
}

/* A comma-separated list: each part trimmed of blanks, and an empty part
 * dropped wherever it is (a trailing one was dropped, a leading or middle
 * one kept as ''); a JSON array is taken as written. */
static const struct {
	const char *text, *want;
} parse_cases[] = {
	{ "a,b,c", "[\"a\",\"b\",\"c\"]" },
	{ " a , b ,c ", "[\"a\",\"b\",\"c\"]" },
	{ "a,,b", "[\"a\",\"b\"]" },
	{ "a,", "[\"a\"]" },
	{ ",a", "[\"a\"]" },
	{ " , ", "[]" },
	{ ",,", "[]" },
	{ "", "[]" },
	{ "[\"\", \"a\"]", "[\"\",\"a\"]" },
};

static void
test_parse_list(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(parse_cases); i++) {
		struct sl_err err;
		json_t *v;
		char *got;

		sl_err_clear(&err);
		v = dag_map_parse_list(parse_cases[i].text, &err);
		got = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
		CHECK_MSG(got != NULL && strcmp(got, parse_cases[i].want) == 0,
			  "'%s': want %s, got %s", parse_cases[i].text,
			  parse_cases[i].want, got != NULL ? got : err.msg);
		free(got);
		json_decref(v);
	}
}

int
main(void)
{
	unsetenv("TZ");
	RUN(test_parse_list);
	RUN(test_literal_list);
	RUN(test_zero_items);
	RUN(test_one_item);
	RUN(test_one_failing_item_rules);
	RUN(test_max_active);
	RUN(test_max_map);
	RUN(test_sources);
	RUN(test_retry_and_clear_item);
	RUN(test_restart_mid_map);
	RUN(test_mark_item);
	RUN(test_mapped_sensor);
	RUN(test_reshaped);
	return UNIT_END();
}
