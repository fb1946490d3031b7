/*
 * unit_dag_keys.c: the key tables (dag_keys.h) against the loader and the
 * schema generated from them: every key the loader knows is in
 * `sluice dags schema`, every example of the reference loads, `key: null`
 * loads exactly when the table says so, and the enumerations the loader
 * checks are the schema's.
 */
#include <stdlib.h>
#include <unistd.h>

#include "operators/operator.h"
#include "scheduler/dag.h"
#include "scheduler/dag_keys.h"
#include "scheduler/dag_schema.h"
#include "scheduler/template.h"
#include "tests/unit.h"

static char dir[] = "/tmp/sluice-unit-dag-keys.XXXXXX";
static json_t *schema;

/* Load text as a DAG file (no config: pools and executors unchecked);
 * 0 when it loads, else -1 with the message printed. */
static int
load(const char *text, int quiet)
{
	char path[256], msg[2048];
	struct sl_err err;
	struct dag *d = NULL;
	FILE *f;

	snprintf(path, sizeof path, "%s/dag.yaml", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	sl_err_clear(&err);
	if (dag_load(path, NULL, &d, &err) == 0) {
		dag_free(d);
		return 0;
	}
	if (!quiet)
		fprintf(stderr, "%s\n---\n%s\n", sl_err_str(&err, msg, sizeof msg),
			text);
	return -1;
}

/* email_on: and notify_on: choose events for someone to get: the key
 * that names who ("" for other keys); without it they do not load. */
static const char *
alert_target(const char *key)
{
	if (strcmp(key, "email_on") == 0)
		return "email: [data-eng@example.com]\n";
	if (strcmp(key, "notify_on") == 0)
		return "notify: [team_slack]\n";
	return "";
}

/* A DAG with key: value at the top (replacing the base's own). */
static int
load_dag_key(const char *key, const char *value, int quiet)
{
	static const char *const base[][2] = {
		{ "dag", "d" },
		{ "start", "2024-01-01T00:00:00Z" },
		{ "tasks", "{a: {command: \"true\"}, extract: {command: \"true\"}}" },
	};
	char text[4096];
	size_t off = 0;

	for (size_t i = 0; i < SL_ARRAY_LEN(base); i++)
		if (strcmp(base[i][0], key) != 0)
			off += (size_t)snprintf(text + off, sizeof text - off,
						"%s: %s\n", base[i][0], base[i][1]);
	/* freshness: is a scheduled DAG's */
	if (strcmp(key, "freshness") == 0)
		off += (size_t)snprintf(text + off, sizeof text - off,
					"schedule: \"@daily\"\n");
	off += (size_t)snprintf(text + off, sizeof text - off, "%s",
				alert_target(key));
	snprintf(text + off, sizeof text - off, "%s: %s\n", key, value);
	return load(text, quiet);
}

/* A DAG whose task a has key: value (besides its command). */
static int
load_task_key(const char *key, const char *value, int quiet)
{
	char text[4096];

	/* a teardown's keys are tried on a teardown (the examples name the
	 * setup create_cluster) */
	snprintf(text, sizeof text,
		 "dag: d\n%s%s"
		 "tasks:\n"
		 "  extract: {command: \"true\"}\n"
		 "  check: {command: \"true\"}\n"
		 "  create_cluster: {command: \"true\", setup: true}\n"
		 "  a:\n"
		 "    command: \"true\"\n%s"
		 "    %s: %s\n",
		 /* freshness: is a scheduled DAG's */
		 strcmp(key, "freshness") == 0 ?
		 "schedule: \"@daily\"\nstart: 2024-01-01T00:00:00Z\n" : "",
		 alert_target(key), strcmp(key, "on_teardown_failure") == 0 ?
		 "    teardown_of: create_cluster\n" : "", key, value);
	return load(text, quiet);
}

static json_t *
path(json_t *o, const char *a, const char *b, const char *c)
{
	o = json_object_get(o, a);
	if (b != NULL)
		o = json_object_get(o, b);
	if (c != NULL)
		o = json_object_get(o, c);
	return o;
}

static void
test_keys_in_schema(void)
{
	json_t *top = path(schema, "properties", NULL, NULL);
	json_t *task = path(schema, "definitions", "task", "properties");
	json_t *defaults = path(schema, "definitions", "defaults", "properties");
	json_t *rules = path(schema, "definitions", "task", "allOf");
	int n = 0;

	CHECK(json_is_false(json_object_get(schema, "additionalProperties")));
	for (const struct dag_key *k = dag_keys_dag; k->name != NULL; k++, n++) {
		CHECK(json_object_get(top, k->name) != NULL);
		CHECK(k->doc != NULL && k->example != NULL);
	}
	CHECK_EQ_INT(n, json_object_size(top));
	for (const struct dag_key *k = dag_keys_task; k->name != NULL; k++) {
		CHECK(json_object_get(task, k->name) != NULL);
		CHECK(k->doc != NULL && k->example != NULL);
		if (strcmp(k->name, "after") != 0 &&
		    strcmp(k->name, "description") != 0 &&
		    !dag_key_task_only(k->name))
			CHECK(json_object_get(defaults, k->name) != NULL);
		else
			CHECK(json_object_get(defaults, k->name) == NULL);
	}
	/* every type's keys, and one if/then per type naming exactly them */
	CHECK_EQ_INT(0, json_array_size(rules) == 0);
	for (size_t i = 0; operators[i] != NULL; i++) {
		const struct operator *op = operators[i];
		json_t *rule = json_array_get(rules, i), *names;
		size_t nk = 0, nc = 0;

		CHECK_EQ_STR(op->name, json_string_value(
		    path(rule, "if", "properties", "type") ?
		    json_object_get(path(rule, "if", "properties", "type"), "const") : NULL));
		names = path(rule, "then", "propertyNames", "enum");
		for (const struct op_key *k = op->keys; k != NULL && k->name != NULL; k++, nk++) {
			size_t j;
			json_t *x;
			int found = 0;

			CHECK(json_object_get(task, k->name) != NULL);
			CHECK(json_object_get(defaults, k->name) != NULL);
			CHECK(k->help != NULL);
			json_array_foreach(names, j, x)
				found |= strcmp(json_string_value(x), k->name) == 0;
			if (!found)
				fprintf(stderr, "%s.%s not in its if/then\n",
					op->name, k->name);
			CHECK(found);
		}
		for (const struct dag_key *k = dag_keys_task; k->name != NULL; k++)
			nc++;
		CHECK_EQ_INT(nk + nc, json_array_size(names));
	}
}

/* The enumerations of the schema are the loader's. */
static void
test_enums(void)
{
	json_t *tr = path(schema, "definitions", "task", "properties");
	json_t *e = json_object_get(json_object_get(tr, "trigger_rule"), "enum");
	size_t i;

	for (i = 0; dag_trigger_rules[i].name != NULL; i++) {
		CHECK_EQ_STR(trigger_rule_name((enum trigger_rule)i),
			     json_string_value(json_array_get(e, i)));
		CHECK_EQ_INT(0, load_task_key("trigger_rule",
					      dag_trigger_rules[i].name, 0));
	}
	CHECK_EQ_INT(i, json_array_size(e));
	CHECK_EQ_INT(i, TR_ALWAYS + 1);
	CHECK_EQ_INT(-1, load_task_key("trigger_rule", "most_success", 1));
	/* email_on: bit i of the flags is the i-th value */
	CHECK_EQ_INT(EMAIL_ON_FAILURE, 1 << dag_key_value_index(dag_email_on_values, "failure"));
	CHECK_EQ_INT(EMAIL_ON_RETRY, 1 << dag_key_value_index(dag_email_on_values, "retry"));
	CHECK_EQ_INT(EMAIL_ON_SUCCESS, 1 << dag_key_value_index(dag_email_on_values, "success"));
	CHECK_EQ_INT(EMAIL_ON_SLA_MISS, 1 << dag_key_value_index(dag_email_on_values, "sla_miss"));
	for (i = 0; dag_email_on_values[i].name != NULL; i++) {
		CHECK_EQ_INT(0, load_task_key("email_on", dag_email_on_values[i].name, 0));
		CHECK_EQ_INT(0, load_dag_key("email_on", dag_email_on_values[i].name, 0));
	}
	CHECK_EQ_INT(-1, load_task_key("email_on", "[failure, sla]", 1));
	for (i = 0; dag_retry_backoffs[i].name != NULL; i++)
		CHECK_EQ_INT(0, load_task_key("retry_backoff", dag_retry_backoffs[i].name, 0));
	CHECK_EQ_INT(-1, load_task_key("retry_backoff", "linear", 1));
	for (i = 0; dag_param_types[i].name != NULL; i++) {
		char v[128];

		snprintf(v, sizeof v, "{p: {type: %s}}", dag_param_types[i].name);
		CHECK_EQ_INT(0, load_dag_key("params", v, 0));
	}
	CHECK_EQ_INT(-1, load_dag_key("params", "{p: {type: date}}", 1));
	for (i = 0; dag_param_decl_keys[i].name != NULL; i++) {
		char v[128];

		snprintf(v, sizeof v, "{p: {%s: %s}}", dag_param_decl_keys[i].name,
			 strcmp(dag_param_decl_keys[i].name, "enum") == 0 ? "[x]" :
			 strcmp(dag_param_decl_keys[i].name, "secret") == 0 ? "true" :
			 strcmp(dag_param_decl_keys[i].name, "type") == 0 ? "string" : "x");
		CHECK_EQ_INT(0, load_dag_key("params", v, 0));
	}
	CHECK_EQ_INT(-1, load_dag_key("params", "{p: {defualt: x}}", 1));
}

/* Every example in the reference loads; null loads when the table says;
 * an unknown key does not. */
static void
test_examples_and_null(void)
{
	for (const struct dag_key *k = dag_keys_dag; k->name != NULL; k++) {
		CHECK_EQ_INT(0, load_dag_key(k->name, k->example, 0));
		if (load_dag_key(k->name, "null", 1) != (k->null_ok ? 0 : -1)) {
			fprintf(stderr, "%s: null_ok is %d\n", k->name, k->null_ok);
			CHECK(0);
		}
	}
	for (const struct dag_key *k = dag_keys_task; k->name != NULL; k++) {
		if (dag_key_sensor_only(k->name)) {
			/* a sensor's (a shell task refuses it) */
			char v[512];

			snprintf(v, sizeof v, "dag: d\ntasks:\n  a:\n    type: s3_sensor\n"
				 "    url: s3://b/k\n    %s: %s\n", k->name, k->example);
			CHECK_EQ_INT(0, load(v, 0));
			CHECK_EQ_INT(-1, load_task_key(k->name, k->example, 1));
			continue;
		}
		if (dag_key_mapped_only(k->name)) {
			/* a mapped task's (a task without foreach refuses it) */
			char v[512];

			snprintf(v, sizeof v, "dag: d\ntasks:\n  a:\n    command: x\n"
				 "    foreach: [x]\n    %s: %s\n", k->name, k->example);
			CHECK_EQ_INT(0, load(v, 0));
			CHECK_EQ_INT(-1, load_task_key(k->name, k->example, 1));
			continue;
		}
		CHECK_EQ_INT(0, load_task_key(k->name, k->example, 0));
		if (load_task_key(k->name, "null", 1) != (k->null_ok ? 0 : -1)) {
			fprintf(stderr, "tasks.a.%s: null_ok is %d\n", k->name,
				k->null_ok);
			CHECK(0);
		}
	}
	CHECK_EQ_INT(-1, load_dag_key("owner", "me", 1));
	CHECK_EQ_INT(-1, load_task_key("owner", "me", 1));
	/* a key of another type */
	CHECK_EQ_INT(-1, load_task_key("url", "s3://b/k", 1));
	/* tags are kept */
	{
		struct dag *d = NULL;
		struct sl_err err;
		char p[256];

		CHECK_EQ_INT(0, load_dag_key("tags", "[finance, hourly]", 0));
		snprintf(p, sizeof p, "%s/dag.yaml", dir);
		sl_err_clear(&err);
		CHECK_EQ_INT(0, dag_load(p, NULL, &d, &err));
		if (d != NULL) {
			CHECK(d->tags != NULL && d->tags[0] && d->tags[1] && !d->tags[2]);
			CHECK_EQ_STR("finance", d->tags[0]);
			CHECK_EQ_STR("hourly", d->tags[1]);
			dag_free(d);
		}
	}
}

/* A default the schema gives an editor is a value the loader takes for
 * that key, and a default that depends on something (skip_exit_code's on
 * the type, max_map's on sluice.yaml) is not given as one number: an
 * editor that offers max_map: 0 offers a value the loader refuses. */
static void
test_schema_defaults(void)
{
	json_t *task = path(schema, "definitions", "task", "properties");
	json_t *top = path(schema, "properties", NULL, NULL);

	for (int pass = 0; pass < 2; pass++) {
		const struct dag_key *tab = pass == 0 ? dag_keys_dag : dag_keys_task;
		json_t *props = pass == 0 ? top : task;

		for (const struct dag_key *k = tab; k->name != NULL; k++) {
			json_t *def = json_object_get(json_object_get(props, k->name),
						      "default");
			char *text;

			if (k->type == DKT_INT && k->def != NULL &&
			    strspn(k->def, "-0123456789") != strlen(k->def)) {
				if (def != NULL)
					fprintf(stderr, "%s: schema default %lld for \"%s\"\n",
						k->name, (long long)json_integer_value(def), k->def);
				CHECK(def == NULL);
				continue;
			}
			if (def == NULL || dag_key_mapped_only(k->name) ||
			    dag_key_sensor_only(k->name) ||
			    strcmp(k->name, "on_teardown_failure") == 0)
				continue;
			text = json_dumps(def, JSON_ENCODE_ANY | JSON_COMPACT);
			if ((pass == 0 ? load_dag_key(k->name, text, 1) :
					 load_task_key(k->name, text, 1)) != 0) {
				fprintf(stderr, "%s: the schema's default %s does not load\n",
					k->name, text);
				CHECK(0);
			}
			free(text);
		}
	}
	/* the mapped-only ones, on a mapped task */
	{
		json_t *def = json_object_get(json_object_get(task, "max_map"), "default");

		CHECK(def == NULL);
	}
}

/* The keys defaults: refuses are the ones its help names, all of them
 * (it named after and description only), and its schema leaves out. */
static void
test_defaults_task_only(void)
{
	const struct dag_key *k = dag_key_find(dag_keys_dag, "defaults");
	char names[256], want[300];

	CHECK(k != NULL && k->doc != NULL);
	snprintf(want, sizeof want, "any task key but those that belong to one task: %s)",
		 dag_key_task_only_names(names, sizeof names));
	CHECK_MSG(k != NULL && k->doc != NULL && strstr(k->doc, want) != NULL,
		  "defaults doc: %s; want: %s", k && k->doc ? k->doc : "-", want);
	CHECK(dag_key_task_only("after") && dag_key_task_only("description") &&
	      dag_key_task_only("max_map") && !dag_key_task_only("retries"));
}

/* Every template name the reference lists passes the loader's check. */
static void
test_template_names(void)
{
	struct tmpl_name_info t;
	json_t *params = json_pack("{s:{}}", "NAME");
	size_t n = 0;

	for (size_t i = 0; tmpl_name_at(i, &t) == 0; i++, n++) {
		char text[128];
		struct sl_err err;

		snprintf(text, sizeof text, "x {{ %s }}", t.name);
		sl_err_clear(&err);
		CHECK_EQ_INT(0, tmpl_check(text, params, &err));
		if (t.is_time) {
			snprintf(text, sizeof text, "{{ %s | %%Y }}", t.name);
			CHECK_EQ_INT(0, tmpl_check(text, params, &err));
		}
	}
	CHECK(n >= 13);
	CHECK_EQ_INT(0, tmpl_filter_at(0, &t));
	CHECK_EQ_STR("raw", t.name);
	json_decref(params);
}

/* The webhook sender runs as `sluice operator webhook` but is no task
 * type: not in the list every error, reference and schema shows, not
 * found as a type, found as a process, with what to write instead. */
static void
test_processes_not_types(void)
{
	json_t *types = path(schema, "definitions", "task", "properties");
	json_t *e = json_object_get(json_object_get(types, "type"), "enum");
	size_t i;
	json_t *x;
	char names[1024];

	for (i = 0; operators[i] != NULL; i++)
		CHECK_MSG(strcmp(operators[i]->name, "webhook") != 0,
			  "webhook is listed as task type %zu", i);
	CHECK(operator_find("webhook") == NULL);
	CHECK(operator_find_process("webhook") != NULL);
	CHECK(operator_find_process("s3_sensor") == operator_find("s3_sensor"));
	CHECK(operator_find_process("spark") == NULL);
	CHECK(strstr(operator_process_instead("webhook"), "notify:") != NULL);
	CHECK(operator_process_instead("s3_sensor") == NULL);
	CHECK(strstr(operator_names(names, sizeof names), "webhook") == NULL);
	CHECK(strstr(names, "s3_sensor") != NULL);
	CHECK(json_array_size(e) > 1);
	json_array_foreach(e, i, x)
		CHECK_MSG(strcmp(json_string_value(x), "webhook") != 0,
			  "the schema's type enum names webhook");
}

int
main(void)
{
	int r;
	char cmd[600];

	operators_register();
	if (mkdtemp(dir) == NULL)
		return 99;
	schema = dag_schema_json();
	RUN(test_keys_in_schema);
	RUN(test_enums);
	RUN(test_examples_and_null);
	RUN(test_schema_defaults);
	RUN(test_template_names);
	RUN(test_defaults_task_only);
	RUN(test_processes_not_types);
	json_decref(schema);
	r = UNIT_END();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		r = 1;
	return r;
}
