/* unit_dag.c: DAG files and the exact error each bad one produces. */
#include <stdlib.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "operators/operator.h"
#include "tests/unit.h"

static char dir[] = "/tmp/sluice-unit-dag.XXXXXX";
static struct config *cfg;

/* Load text as a DAG file; the message with the path replaced by "F". */
static const char *
load(const char *text, struct dag **out)
{
	static char msg[2048];
	char path[256], full[2048];
	struct sl_err err;
	struct dag *d = NULL;
	FILE *f;

	snprintf(path, sizeof path, "%s/dag.yaml", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	sl_err_clear(&err);
	if (dag_load(path, cfg, &d, &err) == 0) {
		if (out != NULL)
			*out = d;
		else
			dag_free(d);
		return "ok";
	}
	sl_err_str(&err, full, sizeof full);
	if (strncmp(full, path, strlen(path)) == 0)
		snprintf(msg, sizeof msg, "F%s", full + strlen(path));
	else
		snprintf(msg, sizeof msg, "%s", full);
	return msg;
}

#define HEAD "dag: d\nschedule: \"@daily\"\nstart: 2024-01-01\n"

static const struct {
	const char *yaml;
	const char *want;
} cases[] = {
	{ HEAD "tasks:\n  a: {command: \"true\"}\n", "ok" },
	{ "dag: d\nschedul: \"@daily\"\ntasks:\n  a: {command: x}\n",
	  "F:2:1: unknown key 'schedul' (known: dag, description, schedule, timezone, start, end, catchup, max_active_runs, max_active_tasks, params, defaults, tasks, email, email_on, tags)" },
	{ "schedule: none\ntasks:\n  a: {command: x}\n",
	  "F:1:1: missing required key 'dag' (the DAG's name)" },
	{ "dag: d\ntasks:\n  a:\n    command: x\n    retrys: 3\n",
	  "F:5:5: tasks.a: unknown key 'retrys' for a shell task (known: command, cwd, type, after, trigger_rule, depends_on_past, retries, retry_delay, retry_backoff, max_retry_delay, timeout, executor, pool, pool_slots, priority, env, email_on, email, sla, on_failure, on_success, description, keep_children, log_max)" },
	{ "dag: d\ntasks:\n  a: {command: x, retries: many}\n",
	  "F:3:28: retries: expected a whole number from 0 to 1000, got 'many'" },
	{ "dag: d\ntasks:\n  a: {command: x, timeout: 10 minutes}\n",
	  "F:3:28: timeout: bad duration '10 minutes' (use a number with a unit: 500ms, 30s, 10m, 2h, 1d, or combined like 1h30m)" },
	{ "dag: d\ntasks:\n  a: {command: x}\n  b: {command: y, after: [a, c]}\n",
	  "F:4:30: tasks.b.after: unknown task 'c'" },
	{ "dag: d\ntasks:\n  a: {command: x, after: [c]}\n  b: {command: y, after: [a]}\n  c: {command: z, after: [b]}\n",
	  "F:3:3: tasks: cycle: a -> b -> c -> a" },
	{ "dag: d\ntasks:\n  a: {command: \"echo {{ dss }}\"}\n",
	  "F:3:25: tasks.a.command: unknown template name 'dss' (known: dag, task, run_id, partition, ds, ds_nodash, ts, ts_nodash, data_interval_start, data_interval_end, try_number, params.NAME, env.NAME)" },
	{ "dag: d\nschedule: \"61 * * * *\"\nstart: 2024-01-01\ntasks:\n  a: {command: x}\n",
	  "F:2:11: schedule: cron '61 * * * *': minute field: 61 is out of range 0-59" },
	{ "dag: d\ntimezone: Mars/Olympus\ntasks:\n  a: {command: x}\n",
	  "F:2:11: timezone: unknown time zone 'Mars/Olympus'" },
	{ "dag: d\ntasks:\n  a: {type: spark, command: x}\n",
	  "F:3:13: tasks.a.type: unknown task type 'spark' (known: " },
	{ "dag: d\ntasks:\n  a: {command: x, trigger_rule: any_success}\n",
	  "F:3:33: tasks.a.trigger_rule: unknown rule 'any_success' (known: all_success, all_failed, all_done, one_success, one_failed, none_failed, none_skipped, none_failed_min_one_success, always)" },
	{ "dag: d\ntasks:\n  a: {command: x, pool: redshift}\n",
	  "F:3:25: tasks.a.pool: no pool 'redshift' in " },
	{ "dag: d\ntasks:\n  a: {command: x, executor: bastion}\n",
	  "F:3:29: tasks.a.executor: no executor 'bastion' in " },
	{ "dag: d\ntasks:\n  a: {retries: 1}\n",
	  "F:3:6: tasks.a: missing required key 'command' for a shell task" },
	{ "dag: d\ntasks:\n  a: {command: []}\n",
	  "F:3:16: tasks.a.command: command must be a string or a non-empty list of strings" },
	{ "dag: d\nschedule: \"@daily\"\ntasks:\n  a: {command: x}\n",
	  "F:1:1: start: required for a scheduled DAG (the first partition), e.g. start: 2024-01-01T00:00:00Z" },
	{ "dag: d\ntasks:\n  a: {command: x}\n  a: {command: y}\n",
	  "F:4:3: a: key given twice (first at line 3)" },
	{ "dag: d\ntasks: [a, b]\n",
	  "F:2:8: tasks: expected a mapping of task name to task, got a list" },
	{ "dag: d\ntasks:\n  a: {command: x\n",
	  "F:4:1: YAML syntax: did not find expected ',' or '}' while parsing a flow mapping" },
	{ "dag: d\ncatchup: maybe\ntasks:\n  a: {command: x}\n",
	  "F:2:10: catchup: expected true or false, got 'maybe'" },
	{ "dag: d\ndefaults: {retries: 2, colour: red}\ntasks:\n  a: {command: x}\n",
	  "F:2:24: defaults: unknown key 'colour' (known: the keys of any task, except after and description)" },
	{ "dag: d e\ntasks:\n  a: {command: x}\n",
	  "F:1:6: dag: 'd e' is not a valid name (letters, digits, _ - . only, at most 200)" },
	{ "dag: d\nschedule: \"@daily\"\nstart: 2024-13-01\ntasks:\n  a: {command: x}\n",
	  "F:3:8: start: " },
	{ "dag: d\nparams: {table: t}\ntasks:\n  a: {command: \"copy {{ params.tabel }}\"}\n",
	  "F:4:25: tasks.a.command: unknown template name 'params.tabel': the DAG has no param 'tabel' (declare it under params:)" },
	{ "dag: d\ntasks:\n  a: {command: x, email_on: [failure, crash]}\n",
	  "F:3:29: email_on: unknown event 'crash' (known: failure, retry, success, sla_miss)" },
	{ "dag: d\ntasks:\n  a: {command: x, env: {A: [1]}}\n",
	  "F:3:28: tasks.a.env.A: expected a string, got a list" },
	{ "", "F:1:1: a DAG file is a mapping with dag:, schedule:, tasks: ...; got nothing" },
	/* values are data: a template where it cannot be one quoted word */
	{ "dag: d\ntasks:\n  a: {command: \"echo `{{ ds }}`\"}\n",
	  "F:3:26: tasks.a.command: '{{ ds }}' (line 1, column 10 of the command) stands inside backticks (`...`), where sluice cannot insert a value as one quoted shell word; move it out (e.g. X={{ ds }} on a line before, then \"$X\"), or write {{ ds | raw }} if the value is trusted" },
	{ "dag: d\ntasks:\n  a:\n    command: |\n      echo hi\n      cat <<EOF\n      {{ ds }}\n      EOF\n",
	  "F:7:14: tasks.a.command: '{{ ds }}' (line 3, column 4 of the command) stands inside a here-document (<<)" },
	{ "dag: d\ntasks:\n  a: {command: x, on_failure: \"echo failed # {{ partition }}\"}\n",
	  "F:3:49: on_failure: '{{ partition }}' (line 1, column 18 of the command) stands inside a shell comment" },
	{ "dag: d\ntasks:\n  a: {command: x, on_success: \"echo {{ nope }}\"}\n",
	  "F:3:40: on_success: unknown template name 'nope'" },
	{ "dag: d\ntasks:\n  a: {type: cluster_job, backend: command, submit: \"sub $(( {{ try_number }} ))\", status: s, cancel: c}\n",
	  "F:3:64: tasks.a.submit: '{{ try_number }}' (line 1, column 12 of the command) stands inside arithmetic" },
	{ "dag: d\ntasks:\n  a: {command: \"echo '{{ ds }}\"}\n",
	  "F:3:16: tasks.a.command: the command leaves a quote, $(, backtick or here-document open" },
	{ "dag: d\ntasks:\n  a: {command: \"echo `{{ ds | raw }}` \\\"{{ ds }}\\\" '{{ ds }}'\"}\n", "ok" },
	{ "dag: d\ntasks:\n  a: {command: [echo, \"`{{ ds }}`\"]}\n", "ok" },
	/* declared params */
	{ "dag: d\nparams:\n  n: {type: integr}\ntasks:\n  a: {command: x}\n",
	  "F:3:13: params.n.type: 'integr' is not a type (known: string, integer, number, boolean)" },
	{ "dag: d\nparams:\n  n: {type: integer, default: abc}\ntasks:\n  a: {command: x}\n",
	  "F:3:31: params.n.default: param 'n' must be an integer, got 'abc'" },
	{ "dag: d\nparams:\n  m: {enum: [full, delta], default: half}\ntasks:\n  a: {command: x}\n",
	  "F:3:37: params.m.default: param 'm' must be one of full, delta, got 'half'" },
	{ "dag: d\nparams:\n  m: {type: integer, enum: [1, two]}\ntasks:\n  a: {command: x}\n",
	  "F:3:28: params.m.enum: param 'm' must be an integer, got 'two'" },
	{ "dag: d\nparams:\n  s: {pattern: \"[a-z\", default: x}\ntasks:\n  a: {command: x}\n",
	  "F:3:16: params.s.pattern '[a-z' is not a POSIX extended regular expression" },
	{ "dag: d\nparams:\n  s: {pattern: \"[a-z]+\", default: abc1}\ntasks:\n  a: {command: x}\n",
	  "F:3:35: params.s.default: param 's' must match the pattern [a-z]+, got 'abc1'" },
	{ "dag: d\nparams:\n  s: {type: string, colour: red}\ntasks:\n  a: {command: x}\n",
	  "F:3:21: params.s: unknown key 'colour' (known: type, enum, pattern, description, default, secret)" },
	{ "dag: d\nparams:\n  s: {secret: maybe}\ntasks:\n  a: {command: x}\n",
	  "F:3:15: secret: expected true or false, got 'maybe'" },
	{ HEAD "params:\n  s: {type: string}\ntasks:\n  a: {command: x}\n",
	  "F:5:6: params.s: needs a default (the scheduler starts this DAG's runs with no params given)" },
	{ "dag: d\nparams:\n  token: {type: string, secret: true}\ntasks:\n  a: {command: \"curl -H {{ params.token }}\"}\n", "ok" },
};

/* Params a person gives a run, against the declarations of one DAG. */
static const char params_dag[] =
	"dag: p\n"
	"params:\n"
	"  table: public.prices\n"
	"  limit: {type: integer, default: 10}\n"
	"  ratio: {type: number, default: 0.5}\n"
	"  full: {type: boolean, default: false}\n"
	"  mode: {enum: [full, delta], default: delta}\n"
	"  symbols: {pattern: \"[A-Z]+( [A-Z]+)*\", default: ACME}\n"
	"  token: {type: string, secret: true}\n"
	"tasks:\n"
	"  a: {command: \"echo {{ params.table }} {{ params.token }}\"}\n";

static const struct {
	const char *given;	/* JSON */
	const char *want;	/* stored params (JSON) or the error */
} params_cases[] = {
	{ "{\"token\": \"t\"}", "{\"token\": \"t\"}" },
	{ "{\"token\": \"t\", \"limit\": \"25\", \"ratio\": \"2\", \"full\": \"true\", \"table\": 7}",
	  "{\"full\": true, \"limit\": 25, \"ratio\": 2, \"table\": 7, \"token\": \"t\"}" },
	{ "{\"token\": \"t\", \"limit\": 3, \"mode\": \"full\", \"symbols\": \"AB CD\"}",
	  "{\"limit\": 3, \"mode\": \"full\", \"symbols\": \"AB CD\", \"token\": \"t\"}" },
	{ "{}", "param 'token' is required (it has no default)" },
	{ "{\"token\": \"t\", \"colour\": \"red\"}", "DAG p has no param 'colour' (declare it under params: in " },
	{ "{\"token\": \"t\", \"limit\": \"ten\"}", "param 'limit' must be an integer, got 'ten'" },
	{ "{\"token\": \"t\", \"limit\": \"1; id\"}", "param 'limit' must be an integer, got '1; id'" },
	{ "{\"token\": \"t\", \"limit\": 2.5}", "param 'limit' must be an integer, got '2.5'" },
	{ "{\"token\": \"t\", \"ratio\": \"1e999\"}", "param 'ratio' must be a number, got '1e999'" },
	{ "{\"token\": \"t\", \"full\": \"yes\"}", "param 'full' must be a boolean, got 'yes'" },
	{ "{\"token\": \"t\", \"mode\": \"half\"}", "param 'mode' must be one of full, delta, got 'half'" },
	{ "{\"token\": \"t\", \"symbols\": \"ACME; id\"}", "param 'symbols' must match the pattern [A-Z]+( [A-Z]+)*, got 'ACME; id'" },
	{ "{\"token\": \"t\", \"symbols\": \"ACME\\nid\"}", "param 'symbols' must match the pattern [A-Z]+( [A-Z]+)*, got 'ACME id'" },
	{ "{\"token\": [1]}", "param 'token' must be a string, number or boolean" },
	{ "{\"token\": 5}", "{\"token\": \"5\"}" },
	{ "[1]", "params must be an object of NAME: value" },
};

static void
test_params(void)
{
	struct dag *d = NULL;
	json_t *masked, *given;

	CHECK_EQ_STR("ok", load(params_dag, &d));
	if (d == NULL)
		return;
	for (size_t i = 0; i < SL_ARRAY_LEN(params_cases); i++) {
		struct sl_err err;
		json_t *out;
		char *text = NULL;
		const char *got;

		given = json_loads(params_cases[i].given, JSON_DECODE_ANY, NULL);
		sl_err_clear(&err);
		out = dag_params_check(d, given, &err);
		if (out != NULL)
			got = text = json_dumps(out, JSON_SORT_KEYS);
		else
			got = err.msg;
		if (strncmp(got, params_cases[i].want, strlen(params_cases[i].want)) != 0) {
			fprintf(stderr, "params %s:\n  want: %s\n  got:  %s\n",
				params_cases[i].given, params_cases[i].want, got);
			unit_case_failed = 1;
		}
		free(text);
		json_decref(out);
		json_decref(given);
	}
	/* a secret's value never appears in a message */
	{
		struct sl_err err;
		json_t *bad = json_pack("{s:[s]}", "token", "hunter2");

		given = json_pack("{s:s,s:s}", "token", "hunter2", "limit", "x");
		sl_err_clear(&err);
		CHECK(dag_params_check(d, given, &err) == NULL);
		CHECK(strstr(err.msg, "hunter2") == NULL);
		json_decref(given);
		json_decref(bad);
	}
	CHECK(dag_param_is_secret(d, "token"));
	CHECK(!dag_param_is_secret(d, "table"));
	CHECK(!dag_param_is_secret(d, "nope"));
	given = json_pack("{s:s,s:i}", "token", "hunter2", "limit", 3);
	masked = dag_params_masked(d, given);
	CHECK_EQ_STR("***", json_string_value(json_object_get(masked, "token")));
	CHECK_EQ_INT(3, json_integer_value(json_object_get(masked, "limit")));
	CHECK_EQ_STR("hunter2", json_string_value(json_object_get(given, "token")));
	/* defaults for runs: only the declared params that have one */
	CHECK_EQ_INT(10, json_integer_value(json_object_get(d->params, "limit")));
	CHECK(json_object_get(d->params, "token") == NULL);
	json_decref(given);
	json_decref(masked);
	dag_free(d);
}

static void
test_errors(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = load(cases[i].yaml, NULL);

		if (strncmp(got, cases[i].want, strlen(cases[i].want)) != 0 ||
		    (strcmp(cases[i].want, "ok") == 0 && strcmp(got, "ok") != 0)) {
			fprintf(stderr, "case %zu:\n  want: %s\n  got:  %s\n", i, cases[i].want, got);
			unit_case_failed = 1;
		}
	}
}

static void
test_model(void)
{
	struct dag *d = NULL;
	const char *r = load(
	    "dag: pipeline\n"
	    "description: two steps\n"
	    "schedule: \"5 * * * *\"\n"
	    "timezone: America/Edmonton\n"
	    "start: 2024-01-01T00:00:00Z\n"
	    "catchup: false\n"
	    "max_active_runs: 2\n"
	    "params: {table: t1}\n"
	    "defaults: {retries: 3, retry_delay: 30s, retry_backoff: exponential, max_retry_delay: 10m, timeout: 1h}\n"
	    "tasks:\n"
	    "  extract: {command: [echo, \"{{ ds }}\"], priority: 5}\n"
	    "  load:\n"
	    "    after: extract\n"
	    "    command: \"load {{ params.table }}\"\n"
	    "    retries: 0\n"
	    "    trigger_rule: all_done\n"
	    "    env: {TABLE: \"{{ params.table }}\"}\n"
	    "    depends_on_past: true\n", &d);

	CHECK_EQ_STR("ok", r);
	if (d == NULL)
		return;
	CHECK_EQ_STR("pipeline", d->name);
	CHECK_EQ_STR("5 * * * *", d->schedule_text);
	CHECK_EQ_INT(0, d->catchup);
	CHECK_EQ_INT(2, d->max_active_runs);
	CHECK_EQ_INT(1704067200, d->start);
	CHECK_EQ_INT(2, d->ntasks);
	CHECK_EQ_INT(3, d->tasks[0].retries);
	CHECK_EQ_INT(30000, d->tasks[0].retry_delay_ms);
	CHECK_EQ_INT(1, d->tasks[0].retry_exponential);
	CHECK_EQ_INT(600000, d->tasks[0].max_retry_delay_ms);
	CHECK_EQ_INT(3600000, d->tasks[0].timeout_ms);
	CHECK_EQ_INT(5, d->tasks[0].priority);
	CHECK_EQ_INT(0, d->tasks[1].retries);
	CHECK_EQ_INT(1, d->tasks[1].nupstream);
	CHECK_EQ_INT(0, d->tasks[1].upstream[0]);
	CHECK_EQ_INT(1, d->tasks[0].ndownstream);
	CHECK_EQ_INT(TR_ALL_DONE, d->tasks[1].trigger_rule);
	CHECK_EQ_INT(1, d->tasks[1].depends_on_past);
	CHECK_EQ_STR("local", d->tasks[1].executor);
	CHECK_EQ_STR("default", d->tasks[1].pool);
	CHECK_EQ_STR("{{ params.table }}", json_string_value(json_object_get(d->tasks[1].env, "TABLE")));
	dag_free(d);
}

static void
test_bag(void)
{
	/* a broken file next to good ones: the good ones load */
	char sub[512], path[600];
	struct dagbag bag;
	struct sl_err err;
	FILE *f;

	snprintf(sub, sizeof sub, "%s/bag", dir);
	CHECK(sl_mkdirs(sub, 0755, &err) == 0);
	snprintf(path, sizeof path, "%s/good.yaml", sub);
	f = fopen(path, "w");
	fputs("dag: good\ntasks:\n  a: {command: x}\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/bad.yaml", sub);
	f = fopen(path, "w");
	fputs("dag: bad\ntasks:\n  a: {comand: x}\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/dup.yml", sub);
	f = fopen(path, "w");
	fputs("dag: good\ntasks:\n  a: {command: x}\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/notes.txt", sub);
	f = fopen(path, "w");
	fputs("not a DAG", f);
	fclose(f);
	CHECK(dagbag_load(sub, cfg, NULL, &bag, &err) == 0);
	CHECK_EQ_INT(3, bag.n);
	CHECK(dagbag_find(&bag, "good") != NULL);
	CHECK(dagbag_find(&bag, "bad") == NULL);
	for (int i = 0; i < bag.n; i++) {
		if (strstr(bag.entries[i].file, "bad.yaml"))
			CHECK(bag.entries[i].error != NULL &&
			      strstr(bag.entries[i].error, "bad.yaml:3:7: tasks.a: unknown key 'comand'") != NULL);
		/* dup.yml sorts first, so good.yaml is the second definition */
		if (strstr(bag.entries[i].file, "good.yaml"))
			CHECK(bag.entries[i].error != NULL &&
			      strstr(bag.entries[i].error, "dag 'good' is already defined in") != NULL &&
			      strstr(bag.entries[i].error, "dup.yml") != NULL);
		if (strstr(bag.entries[i].file, "dup.yml"))
			CHECK(bag.entries[i].dag != NULL);
	}
	dagbag_free(&bag);
}

int
main(void)
{
	struct sl_err err;
	int r;

	operators_register();	/* the cases use every task type */
	if (mkdtemp(dir) == NULL)
		return 99;
	if (config_load(dir, &cfg, &err) < 0)
		return 99;
	RUN(test_errors);
	RUN(test_model);
	RUN(test_bag);
	RUN(test_params);
	config_free(cfg);
	r = UNIT_END();
	{
		char cmd[600];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return r;
}
