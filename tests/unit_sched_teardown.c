/*
 * unit_sched_teardown.c: setup and teardown tasks in the deterministic
 * harness (tests/sched_harness.h): the teardown runs once every task of
 * its scope has ended, whatever their states, provided the setup
 * succeeded; the run's state follows the scope's tasks; a failed teardown
 * fails the run unless on_teardown_failure: ignore; a failed setup keeps
 * the teardown from running; clearing a task of the scope clears the
 * setup and the teardown too (and the clear's preview lists them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/wait.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define STATE(task) h_ti("cl", task, "p", "state")

/* create -> step1 -> step2 -> terminate, with side (create -> side ->
 * terminate) running beside the steps; after: report runs after the
 * teardown. IGNORE is the teardown's on_teardown_failure. */
#define CLUSTER_DAG(IGNORE) \
	"dag: cl\n" \
	"tasks:\n" \
	"  create: {command: x, setup: true}\n" \
	"  step1: {command: x, after: [create]}\n" \
	"  step2: {command: x, after: [step1]}\n" \
	"  side: {command: x, after: [create]}\n" \
	"  terminate: {command: x, teardown_of: create, after: [step2, side]" IGNORE "}\n"

static const struct h_dag_file cluster[] = {
	{ "cl.yaml", CLUSTER_DAG("") },
	{ NULL, NULL },
};
static const struct h_dag_file cluster_ignore[] = {
	{ "cl.yaml", CLUSTER_DAG(", on_teardown_failure: ignore") },
	{ NULL, NULL },
};

/* a step fails: the teardown waits for the rest of the scope, then runs;
 * the run fails though the teardown succeeded */
static void
test_scope_failure(void)
{
	h_open(cluster, NULL);
	h_trigger("cl", "p");
	CHECK_EQ_INT(1, h_running("create"));
	CHECK_EQ_INT(0, h_end("create", "p", 0));
	CHECK_EQ_INT(1, h_running("step1"));
	CHECK_EQ_INT(1, h_running("side"));
	CHECK_EQ_INT(0, h_end("step1", "p", 1));
	CHECK_EQ_STR("failed", STATE("step1"));
	CHECK_EQ_STR("upstream_failed", STATE("step2"));
	/* side still runs: the teardown waits for it */
	CHECK_EQ_INT(0, h_running("terminate"));
	CHECK_EQ_STR("none", STATE("terminate"));
	CHECK_EQ_STR("running", h_run_state("cl", "p"));
	CHECK_EQ_INT(0, h_end("side", "p", 0));
	CHECK_EQ_INT(1, h_running("terminate"));
	CHECK_EQ_INT(0, h_end("terminate", "p", 0));
	CHECK_EQ_STR("success", STATE("terminate"));
	CHECK_EQ_STR("failed", h_run_state("cl", "p"));
	CHECK_EQ_STR("create,side,step1,terminate", h_order());
	h_close();
}

/* the run's state with a failing teardown, with and without
 * on_teardown_failure: ignore, and a failing step beside it */
static void
test_teardown_failure(void)
{
	static const struct {
		const struct h_dag_file *files;
		int side_exit, terminate_exit;
		const char *run;
	} cases[] = {
		{ cluster, 0, 1, "failed" },		/* the teardown fails it */
		{ cluster_ignore, 0, 1, "success" },	/* ... unless ignored */
		{ cluster_ignore, 1, 1, "failed" },	/* a step still fails it */
		{ cluster_ignore, 1, 0, "failed" },
		{ cluster, 0, 0, "success" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		h_open(cases[i].files, NULL);
		h_trigger("cl", "p");
		h_end("create", "p", 0);
		h_end("step1", "p", 0);
		h_end("side", "p", cases[i].side_exit);
		CHECK_EQ_INT(0, h_running("terminate"));
		h_end("step2", "p", 0);
		CHECK_EQ_INT(1, h_running("terminate"));
		h_end("terminate", "p", cases[i].terminate_exit);
		CHECK_EQ_STR(cases[i].terminate_exit ? "failed" : "success",
			     STATE("terminate"));
		CHECK_MSG(strcmp(h_run_state("cl", "p"), cases[i].run) == 0,
			  "case %zu: run %s, want %s", i,
			  h_run_state("cl", "p"), cases[i].run);
		h_close();
	}
}

/* the setup fails: nothing of the scope runs, nor the teardown */
static void
test_setup_failure(void)
{
	h_open(cluster, NULL);
	h_trigger("cl", "p");
	h_end("create", "p", 1);
	CHECK_EQ_STR("failed", STATE("create"));
	CHECK_EQ_STR("upstream_failed", STATE("step1"));
	CHECK_EQ_STR("upstream_failed", STATE("side"));
	CHECK_EQ_STR("upstream_failed", STATE("terminate"));
	CHECK_EQ_INT(0, h_started("terminate"));
	CHECK_EQ_STR("failed", h_run_state("cl", "p"));
	h_close();
}

/* Clear tasks of the cl run p (dry_run: the preview); the list of
 * "task=state" it names, in task order, into out. */
static int
clear(char **tasks, int dry_run, char *out, size_t n)
{
	struct clear_spec spec;
	struct sl_err err;
	json_t *list = NULL, *o;
	size_t i, off = 0;
	int count;

	memset(&spec, 0, sizeof spec);
	spec.dag_id = "cl";
	spec.tasks = tasks;
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	spec.dry_run = dry_run;
	sl_err_clear(&err);
	count = store_clear(h_store(), h_dag("cl"), &spec, "harness", &list, &err);
	if (count < 0)
		fprintf(stderr, "clear: %s\n", err.msg);
	out[0] = '\0';
	json_array_foreach(list, i, o)
		off += (size_t)snprintf(out + off, n - off, "%s%s", off ? "," : "",
					json_string_value(json_object_get(o, "task")));
	json_decref(list);
	return count;
}

/* clearing a step clears the setup and the teardown: the cluster is
 * created again, the step re-runs, the cluster is terminated again */
static void
test_clear_in_scope(void)
{
	char *step[] = { "step1", NULL }, *setup[] = { "create", NULL };
	char *after[] = { "terminate", NULL };
	char names[512];

	h_open(cluster, NULL);
	h_trigger("cl", "p");
	h_end_all();
	CHECK_EQ_STR("success", h_run_state("cl", "p"));
	/* the preview names them (the list is by task name) */
	CHECK_EQ_INT(3, clear(step, 1, names, sizeof names));
	CHECK_EQ_STR("create,step1,terminate", names);
	CHECK_EQ_STR("success", STATE("create"));
	/* the setup alone brings its teardown; the teardown alone is alone */
	CHECK_EQ_INT(2, clear(setup, 1, names, sizeof names));
	CHECK_EQ_STR("create,terminate", names);
	CHECK_EQ_INT(1, clear(after, 1, names, sizeof names));
	CHECK_EQ_STR("terminate", names);

	h_order_reset();
	CHECK_EQ_INT(3, clear(step, 0, names, sizeof names));
	h_poke_db();
	CHECK_EQ_STR("none", STATE("step1"));
	CHECK_EQ_STR("success", STATE("step2"));
	CHECK_EQ_INT(1, h_running("create"));
	CHECK_EQ_INT(0, h_running("step1"));
	h_end("create", "p", 0);
	CHECK_EQ_INT(1, h_running("step1"));
	CHECK_EQ_INT(0, h_running("terminate"));
	h_end("step1", "p", 0);
	CHECK_EQ_INT(1, h_running("terminate"));
	h_end("terminate", "p", 0);
	CHECK_EQ_STR("create,step1,terminate", h_order());
	CHECK_EQ_INT(2, h_started("create"));
	CHECK_EQ_INT(1, h_started("step2"));
	CHECK_EQ_STR("success", h_run_state("cl", "p"));
	h_close();
}

/* a cleared step whose own upstream stays done still waits for its
 * setup to run again: it never runs without its cluster */
static void
test_clear_waits_for_setup(void)
{
	char *step[] = { "step2", NULL };
	char names[512];

	h_open(cluster, NULL);
	h_trigger("cl", "p");
	h_end_all();
	CHECK_EQ_INT(3, clear(step, 0, names, sizeof names));
	CHECK_EQ_STR("create,step2,terminate", names);
	h_poke_db();
	CHECK_EQ_STR("success", STATE("step1"));
	CHECK_EQ_INT(1, h_running("create"));
	CHECK_EQ_INT(0, h_running("step2"));
	CHECK_EQ_STR("none", STATE("step2"));
	{
		/* what the API and sluice tasks say it waits for */
		struct sched *s = h_sched();
		json_t *why = NULL;
		struct sl_err err;

		sl_err_clear(&err);
		CHECK_EQ_INT(0, wait_explain_ti(h_store(), s->cfg, &s->execs, &s->bag,
						h_dag("cl"), "p", "step2", h_now(), &why, &err));
		CHECK_EQ_STR("waits for its setup create (running)",
			     json_string_value(json_object_get(why, "text")));
		json_decref(why);
	}
	h_end("create", "p", 0);
	CHECK_EQ_INT(1, h_running("step2"));
	h_end("step2", "p", 0);
	h_end("terminate", "p", 0);
	CHECK_EQ_STR("success", h_run_state("cl", "p"));
	h_close();
}

/* only_failed: a failed step pulls in its setup and teardown, which
 * succeeded */
static void
test_clear_only_failed(void)
{
	struct clear_spec spec;
	struct sl_err err;
	json_t *list = NULL;

	h_open(cluster, NULL);
	h_trigger("cl", "p");
	h_end("create", "p", 0);
	h_end("step1", "p", 0);
	h_end("side", "p", 1);
	h_end("step2", "p", 0);
	h_end("terminate", "p", 0);
	CHECK_EQ_STR("failed", h_run_state("cl", "p"));
	memset(&spec, 0, sizeof spec);
	spec.dag_id = "cl";
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	spec.only_failed = 1;
	sl_err_clear(&err);
	CHECK_EQ_INT(3, store_clear(h_store(), h_dag("cl"), &spec, "harness",
				    &list, &err));
	json_decref(list);
	h_poke_db();
	h_end("create", "p", 0);
	h_end("side", "p", 0);
	h_end("terminate", "p", 0);
	CHECK_EQ_STR("success", h_run_state("cl", "p"));
	CHECK_EQ_INT(1, h_started("step1"));
	h_close();
}

int
main(void)
{
	RUN(test_scope_failure);
	RUN(test_teardown_failure);
	RUN(test_setup_failure);
	RUN(test_clear_in_scope);
	RUN(test_clear_waits_for_setup);
	RUN(test_clear_only_failed);
	return UNIT_END();
}
