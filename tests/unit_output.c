/*
 * unit_output.c: task outputs: parsing what a try writes to
 * $SLUICE_OUTPUT (scheduler/output.c), {{ tasks.NAME.output.KEY }} in
 * templates (values as data: one quoted word in a shell line), and the
 * load-time checks (NAME upstream, at file:line:column; skip_exit_code,
 * branch).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/dag.h"
#include "scheduler/output.h"
#include "scheduler/template.h"
#include "tests/unit.h"

/* What output_parse makes of a text: its object as compact sorted JSON,
 * or "error: ..." (static buffer). */
static const char *
parsed(const char *text)
{
	static char out[2048];
	struct sl_err err;
	json_t *o = output_parse(text, strlen(text), &err);
	char *s;

	if (o == NULL) {
		snprintf(out, sizeof out, "error: %s", err.msg);
		return out;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(out, sizeof out, "%s", s);
	free(s);
	json_decref(o);
	return out;
}

static void
test_parse(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "rows=42\n", "{\"rows\":\"42\"}" },
		{ "a=1\nb=x=y\n", "{\"a\":\"1\",\"b\":\"x=y\"}" },
		{ "# comment\n\n  \nk=v\r\n", "{\"k\":\"v\"}" },
		{ "k=1\nk=2", "{\"k\":\"2\"}" },
		{ "k=it's; rm -rf /", "{\"k\":\"it's; rm -rf /\"}" },
		{ "branch=x,y\n", "{\"branch\":\"x,y\"}" },
		{ "k=", "{\"k\":\"\"}" },
		{ "  {\"rows\": 7, \"list\": [1, 2]}\n", "{\"list\":[1,2],\"rows\":7}" },
		{ "no equals here\n", "error: $SLUICE_OUTPUT line 1: expected key=value (a key of letters, digits, _ - .) or one JSON object" },
		{ "a=1\n=2\n", "error: $SLUICE_OUTPUT line 2: expected key=value (a key of letters, digits, _ - .) or one JSON object" },
		{ "bad key=1\n", "error: $SLUICE_OUTPUT line 1: expected key=value (a key of letters, digits, _ - .) or one JSON object" },
		{ "{\"a\": 1", "error: $SLUICE_OUTPUT: not a JSON object (line 1: '}' expected near end of file)" },
		{ "{\"a\": 1, \"a\": 2}", "error: $SLUICE_OUTPUT: not a JSON object (line 1: duplicate object key near '\"a\"')" },
		{ "{\"bad key\": 1}", "error: $SLUICE_OUTPUT: bad key 'bad key' (letters, digits, _ - . only)" },
		{ "k=\xff\n", "error: $SLUICE_OUTPUT line 1: the value of 'k' is not valid UTF-8" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].want, parsed(cases[i].text));
}

static void
test_read_limits(void)
{
	char path[] = "/tmp/unit_output.XXXXXX";
	int fd = mkstemp(path);
	char *big = xmalloc(OUTPUT_MAX + 2);
	struct sl_err err;
	json_t *o = (json_t *)1;

	CHECK(fd >= 0);
	close(fd);
	/* an empty file: no output */
	CHECK_EQ_INT(0, output_read(path, &o, &err));
	CHECK(o == NULL);
	/* exactly the cap: read */
	memset(big, 'x', OUTPUT_MAX);
	memcpy(big, "k=", 2);
	CHECK_EQ_INT(0, sl_write_file(path, big, OUTPUT_MAX, 0600, &err));
	CHECK_EQ_INT(0, output_read(path, &o, &err));
	CHECK_EQ_INT(OUTPUT_MAX - 2, json_string_length(json_object_get(o, "k")));
	json_decref(o);
	/* one byte more: refused, saying so */
	big[OUTPUT_MAX] = 'x';
	CHECK_EQ_INT(0, sl_write_file(path, big, OUTPUT_MAX + 1, 0600, &err));
	CHECK_EQ_INT(-1, output_read(path, &o, &err));
	CHECK(o == NULL);
	CHECK_MSG(strstr(err.msg, "65537 bytes, more than the 65536 (64 KiB)") != NULL,
		  "%s", err.msg);
	unlink(path);
	/* no file: no output */
	CHECK_EQ_INT(0, output_read(path, &o, &err));
	CHECK(o == NULL);
	free(big);
}

static const char *
render_shell(const char *text, const json_t *outputs)
{
	static char out[2048];
	struct tmpl_ctx c;
	struct sl_err err;
	char *line;

	memset(&c, 0, sizeof c);
	c.dag = "d";
	c.task = "load";
	c.outputs = outputs;
	line = tmpl_shell_line(text, &c, &err);
	snprintf(out, sizeof out, "%s%s", line ? "" : "error: ",
		 line ? line : err.msg);
	free(line);
	return out;
}

static void
test_templates(void)
{
	json_t *outs = json_pack("{s:{s:s,s:i,s:s}}", "extract", "rows", "42",
				 "n", 7, "name", "it's $(rm -rf /)");
	struct sl_err err;

	CHECK_EQ_STR("echo '42'", render_shell("echo {{ tasks.extract.output.rows }}", outs));
	CHECK_EQ_STR("echo '7'", render_shell("echo {{ tasks.extract.output.n }}", outs));
	/* a value is one quoted word, whatever it holds */
	CHECK_EQ_STR("echo 'it'\\''s $(rm -rf /)'",
		     render_shell("echo {{ tasks.extract.output.name }}", outs));
	CHECK_EQ_STR("error: 'tasks.extract.output.nope': task extract wrote no output 'nope' in this run (to $SLUICE_OUTPUT)",
		     render_shell("echo {{ tasks.extract.output.nope }}", outs));
	CHECK_EQ_STR("error: 'tasks.other.output.rows': task other wrote no output 'rows' in this run (to $SLUICE_OUTPUT)",
		     render_shell("echo {{ tasks.other.output.rows }}", outs));
	CHECK_EQ_STR("error: 'tasks.extract.output.rows': task outputs are not available here",
		     render_shell("echo {{ tasks.extract.output.rows }}", NULL));
	/* the form is checked at load time */
	CHECK_EQ_INT(0, tmpl_check("{{ tasks.a.output.k }}", NULL, &err));
	CHECK_EQ_INT(-1, tmpl_check("{{ tasks.a.k }}", NULL, &err));
	CHECK_MSG(strstr(err.msg, "write tasks.NAME.output.KEY") != NULL, "%s", err.msg);
	CHECK_EQ_INT(-1, tmpl_check("{{ tasks.a.output. }}", NULL, &err));
	CHECK_EQ_INT(-1, tmpl_check("{{ tasks.a.output.k | %Y }}", NULL, &err));
	json_decref(outs);
}

/* dag_load's message for yaml, or "ok" (static buffer). */
static const char *
load(const char *yaml, struct dag **out)
{
	static char msg[2048];
	struct sl_err err;
	struct dag *d = NULL;

	sl_err_clear(&err);
	if (dag_load_text("/dags/o.yaml", yaml, strlen(yaml), NULL, &d, &err) < 0) {
		snprintf(msg, sizeof msg, "%d:%d: %s", err.line, err.col, err.msg);
		return msg;
	}
	if (out != NULL)
		*out = d;
	else
		dag_free(d);
	return "ok";
}

static void
test_load_checks(void)
{
	struct dag *d = NULL;

	CHECK_EQ_STR("ok", load("dag: o\ntasks:\n"
				"  a: {command: \"true\"}\n"
				"  b: {after: [a], command: \"true\"}\n"
				"  c: {after: [b], command: \"echo {{ tasks.a.output.k }}\", env: {X: \"{{ tasks.b.output.k }}\"}}\n",
				&d));
	if (d != NULL) {
		CHECK(!dag_task(d, "a")->uses_outputs);
		CHECK(dag_task(d, "c")->uses_outputs);
		/* shell tasks skip on 99 */
		CHECK_EQ_INT(99, dag_task(d, "a")->skip_exit_code);
		CHECK(!dag_task(d, "a")->branch);
		dag_free(d);
	}
	/* not upstream: the name's line and column */
	CHECK_EQ_STR("5:22: tasks.b.command: '{{ tasks.a.output... }}': 'a' is not upstream of 'b' (its output is read only by tasks that run after it: add it to after:)",
		     load("dag: o\ntasks:\n"
			  "  a: {command: \"true\"}\n"
			  "  b:\n    command: echo {{ tasks.a.output.k }}\n", NULL));
	CHECK_EQ_STR("5:23: tasks.b.command: '{{ tasks.c.output... }}': 'c' is not upstream of 'b' (its output is read only by tasks that run after it: add it to after:)",
		     load("dag: o\ntasks:\n"
			  "  a: {command: \"true\"}\n"
			  "  b:\n    command: \"echo {{ tasks.c.output.k }}\"\n"
			  "  c: {after: [b], command: \"true\"}\n", NULL));
	CHECK_EQ_STR("4:25: tasks.b.command: '{{ tasks.zz.output... }}': the DAG has no task 'zz'",
		     load("dag: o\ntasks:\n"
			  "  a: {command: \"true\"}\n"
			  "  b: {command: \"echo {{ tasks.zz.output.k }}\"}\n", NULL));
	CHECK_EQ_STR("3:37: tasks.a.env.X: '{{ tasks.a.output... }}': 'a' is this task: its output is read by the tasks after it, not by itself",
		     load("dag: o\ntasks:\n"
			  "  a: {command: \"true\", env: {X: \"{{ tasks.a.output.k }}\"}}\n", NULL));
	/* skip_exit_code and branch */
	CHECK_EQ_STR("ok", load("dag: o\ntasks:\n"
				"  a: {command: \"true\", skip_exit_code: 3, branch: true}\n"
				"  b: {command: \"true\", skip_exit_code: 0}\n", &d));
	if (d != NULL) {
		CHECK_EQ_INT(3, dag_task(d, "a")->skip_exit_code);
		CHECK(dag_task(d, "a")->branch);
		CHECK_EQ_INT(0, dag_task(d, "b")->skip_exit_code);
		dag_free(d);
	}
	CHECK_MSG(strstr(load("dag: o\ntasks:\n  a: {command: \"true\", skip_exit_code: 300}\n", NULL),
			 "skip_exit_code") != NULL, "%s", load("dag: o\ntasks:\n  a: {command: \"true\", skip_exit_code: 300}\n", NULL));
	CHECK_MSG(strstr(load("dag: o\ntasks:\n  a: {command: \"true\", branch: maybe}\n", NULL),
			 "branch") != NULL, "%s", load("dag: o\ntasks:\n  a: {command: \"true\", branch: maybe}\n", NULL));
}

int
main(void)
{
	RUN(test_parse);
	RUN(test_read_limits);
	RUN(test_templates);
	RUN(test_load_checks);
	return UNIT_END();
}
