/*
 * unit_dag_groups.c: groups and setup/teardown in the DAG model
 * (scheduler/dag_groups.h, scheduler/dag_scope.h): `after: group:NAME`
 * resolves to every task of the group at load, load errors name
 * file:line:column, a teardown gets its setup and scope as upstream, and
 * the aggregate state a collapsed group shows.
 */
#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"
#include "scheduler/dag.h"
#include "scheduler/dag_groups.h"
#include "scheduler/dag_scope.h"
#include "tests/unit.h"

/* Load text as d.yaml; NULL with the error in msg. */
static struct dag *
load(const char *text, char *msg, size_t n)
{
	struct dag *d = NULL;
	struct sl_err err;

	sl_err_clear(&err);
	msg[0] = '\0';
	if (dag_load_text("d.yaml", text, strlen(text), NULL, &d, &err) < 0) {
		sl_err_str(&err, msg, n);
		return NULL;
	}
	return d;
}

/* The upstream of task as "a,b" in the DAG's task order. */
static const char *
ups(const struct dag *d, const char *task)
{
	static char out[512];
	const struct task *t = dag_task(d, task);
	size_t off = 0;

	out[0] = '\0';
	for (int i = 0; t != NULL && i < d->ntasks; i++)
		for (int k = 0; k < t->nupstream; k++)
			if (t->upstream[k] == i)
				off += (size_t)snprintf(out + off, sizeof out - off,
							"%s%s", off ? "," : "",
							d->tasks[i].name);
	return out;
}

static const char groups_dag[] =
	"dag: d\n"
	"tasks:\n"
	"  x1: {command: x, group: extract}\n"
	"  x2: {command: x, group: extract}\n"
	"  other: {command: x}\n"
	"  load: {command: x, after: [\"group:extract\", other]}\n"
	"  both: {command: x, after: [x1, \"group:extract\"]}\n"
	"  y: {command: x, group: report, after: [load]}\n"
	"  end: {command: x, after: \"group:report\"}\n";

static void
test_group_after(void)
{
	char msg[1024];
	struct dag *d = load(groups_dag, msg, sizeof msg);

	CHECK_MSG(d != NULL, "%s", msg);
	if (d == NULL)
		return;
	CHECK_EQ_STR("x1,x2,other", ups(d, "load"));
	/* named alone and through its group: once */
	CHECK_EQ_STR("x1,x2", ups(d, "both"));
	CHECK_EQ_STR("y", ups(d, "end"));
	CHECK_EQ_INT(2, dag_task(d, "x1")->ndownstream);
	CHECK_EQ_STR("extract", dag_task(d, "x2")->group);
	CHECK(dag_task(d, "other")->group == NULL);
	{
		int n;
		const char **names = dag_groups_names(d, &n);

		CHECK_EQ_INT(2, n);
		CHECK_EQ_STR("extract", names[0]);
		CHECK_EQ_STR("report", names[1]);
		CHECK(names[2] == NULL);
		free(names);
	}
	dag_free(d);
}

/* load errors, each at the node that is wrong */
static void
test_errors(void)
{
	static const struct {
		const char *yaml, *err;
	} cases[] = {
		{ "dag: d\ntasks:\n  a: {command: x}\n  b: {command: x, after: [a, \"group:nope\"]}\n",
		  "d.yaml:4:30: tasks.b.after: unknown group 'nope' (no task has group: nope)" },
		{ "dag: d\ntasks:\n  a: {command: x, group: g}\n  b: {command: x, group: g, after: \"group:g\"}\n",
		  "d.yaml:4:36: tasks.b.after: a task cannot run after its own group 'g'" },
		{ "dag: d\ntasks:\n  a: {command: x, group: \"a b\"}\n",
		  "d.yaml:3:26: tasks.a.group: 'a b' is not a valid group name (no spaces, commas, slashes or control characters, at most 200)" },
		{ "dag: d\ndefaults: {group: g}\ntasks:\n  a: {command: x}\n",
		  "d.yaml:2:12: defaults: 'group' belongs to one task, not to defaults" },
		{ "dag: d\ntasks:\n  a: {command: x}\n  t: {command: x, teardown_of: nope}\n",
		  "d.yaml:4:32: tasks.t.teardown_of: unknown task 'nope' (a teardown names a task with "
		  "setup: true, and no task has it)" },
		{ "dag: d\ntasks:\n  a: {command: x}\n  t: {command: x, teardown_of: a}\n",
		  "d.yaml:4:32: tasks.t.teardown_of: 'a' is not a setup task (it needs setup: true)" },
		{ "dag: d\ntasks:\n  s: {command: x, setup: true, teardown_of: s}\n",
		  "d.yaml:3:45: tasks.s.teardown_of: a task cannot be its own teardown" },
		{ "dag: d\ntasks:\n  s: {command: x, setup: true}\n  t: {command: x, teardown_of: s, trigger_rule: all_done}\n",
		  "d.yaml:4:49: tasks.t.trigger_rule: a teardown runs once its setup succeeded and its scope ended, whatever their states; it takes no trigger_rule" },
		{ "dag: d\ntasks:\n  a: {command: x, on_teardown_failure: ignore}\n",
		  "d.yaml:3:40: tasks.a.on_teardown_failure: only a teardown (teardown_of:) takes it" },
		{ "dag: d\ntasks:\n  s: {command: x, setup: true}\n  t: {command: x, teardown_of: s, on_teardown_failure: maybe}\n",
		  "d.yaml:4:56: tasks.t.on_teardown_failure: unknown value 'maybe' (known: fail, ignore)" },
		/* the setup after its own teardown: a cycle */
		{ "dag: d\ntasks:\n  s: {command: x, setup: true, after: [t]}\n  t: {command: x, teardown_of: s}\n",
		  "d.yaml:3:40: tasks: cycle: s -> t -> s" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		char msg[1024];
		struct dag *d = load(cases[i].yaml, msg, sizeof msg);

		CHECK_MSG(d == NULL, "case %zu loaded", i);
		dag_free(d);
		CHECK_EQ_STR(cases[i].err, msg);
	}
}

/* the scope: downstream of the setup and upstream of the teardown */
static void
test_scope(void)
{
	static const char yaml[] =
		"dag: d\n"
		"tasks:\n"
		"  before: {command: x}\n"
		"  create: {command: x, setup: true, after: [before]}\n"
		"  step1: {command: x, after: [create]}\n"
		"  step2: {command: x, after: [step1]}\n"
		"  side: {command: x, after: [create]}\n"
		"  terminate: {command: x, teardown_of: create, after: [step2], on_teardown_failure: ignore}\n"
		"  report: {command: x, after: [terminate]}\n"
		"  lone_setup: {command: x, setup: true}\n"
		"  lone_teardown: {command: x, teardown_of: lone_setup}\n";
	char msg[1024], *set;
	struct dag *d = load(yaml, msg, sizeof msg);
	struct task *t;

	CHECK_MSG(d != NULL, "%s", msg);
	if (d == NULL)
		return;
	t = dag_task(d, "terminate");
	CHECK(t->is_teardown);
	CHECK(t->teardown_ignore);
	CHECK_EQ_INT(dag_task(d, "create")->index, t->teardown_of);
	CHECK(dag_task(d, "create")->setup);
	CHECK(!dag_task(d, "step1")->is_teardown);
	/* its setup and every task of the scope: it waits for them all */
	CHECK_EQ_STR("create,step1,step2", ups(d, "terminate"));
	set = xcalloc((size_t)d->ntasks, 1);
	dag_scope_of(d, t->index, set);
	CHECK(set[dag_task(d, "step1")->index]);
	CHECK(set[dag_task(d, "step2")->index]);
	CHECK(!set[dag_task(d, "side")->index]);	/* not upstream of it */
	CHECK(!set[dag_task(d, "before")->index]);	/* not downstream */
	CHECK(!set[dag_task(d, "create")->index]);
	CHECK(!set[dag_task(d, "report")->index]);
	free(set);
	/* a teardown written with no after: waits for its setup */
	CHECK_EQ_STR("lone_setup", ups(d, "lone_teardown"));
	dag_free(d);
}

static void
test_group_state(void)
{
	static const struct {
		const char *states[4];
		int n;
		const char *want;
	} cases[] = {
		{ { "success", "success" }, 2, "success" },
		{ { "success", "skipped" }, 2, "success" },
		{ { "skipped", "skipped" }, 2, "skipped" },
		{ { "success", "failed", "running" }, 3, "running" },
		{ { "success", "up_for_retry" }, 2, "running" },
		{ { "success", "upstream_failed" }, 2, "failed" },
		{ { "failed", NULL }, 2, "failed" },
		{ { NULL, NULL }, 2, "none" },
		{ { "none", "none" }, 2, "none" },
		{ { "success", "none" }, 2, "running" },
		{ { NULL }, 0, "none" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].want,
			     dag_group_state(cases[i].states, cases[i].n));
}

int
main(void)
{
	operators_register();
	RUN(test_group_after);
	RUN(test_errors);
	RUN(test_scope);
	RUN(test_group_state);
	return UNIT_END();
}
