/* dag_schema.c: the JSON Schema of a DAG file from the key tables (see
 * dag_schema.h). */
#include "scheduler/dag_schema.h"

#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"
#include "scheduler/dag_keys.h"

#define REF(name) json_pack("{s:s}", "$ref", "#/definitions/" name)

/* The schema of a value list: {"enum": [names...]}. */
static json_t *
values_enum(const struct dag_key_value *v)
{
	json_t *e = json_array();

	for (size_t i = 0; v[i].name != NULL; i++)
		json_array_append_new(e, json_string(v[i].name));
	return json_pack("{s:o}", "enum", e);
}

/* The default of a key as a JSON value of its type, or NULL. */
static json_t *
key_default(const struct dag_key *k)
{
	if (k->def == NULL)
		return NULL;
	switch (k->type) {
	case DKT_INT: {
		/* a default that depends ("99 (shell tasks), 0 (others)",
		 * "sluice.yaml's max_map (1024)") has no one value */
		char *end;
		long long n = strtoll(k->def, &end, 10);

		return end != k->def && *end == '\0' ? json_integer(n) : NULL;
	}
	case DKT_BOOL:
		return json_boolean(strcmp(k->def, "true") == 0);
	case DKT_STRINGS:
	case DKT_ENUMS:
	case DKT_NEEDS:
		/* a list as the reference writes it, "[]" or "[failure]":
		 * an editor offers the list, not that text */
		if (k->def[0] == '[' && k->def[strlen(k->def) - 1] == ']') {
			json_t *list = json_array();
			const char *p = k->def + 1, *end = k->def + strlen(k->def) - 1;

			while (p < end) {
				size_t n = strcspn(p, ",]");

				json_array_append_new(list, json_stringn(p, n));
				p += n;
				p += strspn(p, ", ");
			}
			return list;
		}
		return json_string(k->def);
	default:
		return json_string(k->def);
	}
}

/* A key's schema ready for its description: null allowed when null_ok (the
 * loader reads `key: null` as absent); a $ref stands alone in draft-07, so
 * it goes inside allOf. */
static json_t *
wrap(json_t *s, int null_ok)
{
	if (null_ok)
		return json_pack("{s:[o,{s:s}]}", "anyOf", s, "type", "null");
	if (json_object_get(s, "$ref") != NULL)
		return json_pack("{s:[o]}", "allOf", s);
	return s;
}

static json_t *
key_schema(const struct dag_key *k)
{
	json_t *s, *def;

	switch (k->type) {
	case DKT_NAME:
		s = json_pack("{s:s,s:s}", "type", "string", "pattern",
			      "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$");
		break;
	case DKT_STRING:
	case DKT_TIME:
	case DKT_CRON:
	case DKT_COMMAND:
		s = REF("scalar");
		break;
	case DKT_STRINGS:
		s = REF("strings");
		break;
	case DKT_INT:
		s = json_pack("{s:s,s:I,s:I}", "type", "integer", "minimum",
			      (json_int_t)k->min, "maximum", (json_int_t)k->max);
		break;
	case DKT_BOOL:
		s = json_pack("{s:s}", "type", "boolean");
		break;
	case DKT_DURATION:
		s = REF("duration");
		break;
	case DKT_ENUM:
		s = values_enum(k->values);
		break;
	case DKT_ENUMS:
		s = json_pack("{s:[o,{s:s,s:o}]}", "anyOf", values_enum(k->values),
			      "type", "array", "items", values_enum(k->values));
		break;
	case DKT_ENV:
		s = REF("env");
		break;
	case DKT_PARAMS:
		s = REF("params");
		break;
	case DKT_DEFAULTS:
		s = REF("defaults");
		break;
	case DKT_TASKS:
		s = REF("tasks");
		break;
	case DKT_FOREACH:
		s = json_pack("{s:[{s:s},{s:s},{s:s,s:{s:{s:s},s:{s:s}},s:[s,s],s:b}]}",
			      "anyOf", "type", "array", "type", "string",
			      "type", "object", "properties",
			      "output", "type", "string", "key", "type", "string",
			      "required", "output", "key",
			      "additionalProperties", 0);
		break;
	case DKT_NEEDS:
		s = json_pack("{s:s,s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s,s:i},s:{s:s},s:o},s:b}}",
			      "type", "array", "items", "type", "object",
			      "properties", "dag", "type", "string",
			      "task", "type", "string", "dataset", "type", "string",
			      "offset", "type", "integer", "maximum", 0,
			      "latest", "type", "boolean",
			      "on_change", values_enum(dag_need_on_change),
			      "additionalProperties", 0);
		break;
	default:
		s = json_object();
	}
	s = wrap(s, k->null_ok);
	json_object_set_new(s, "description", json_string(k->doc));
	if ((def = key_default(k)) != NULL)
		json_object_set_new(s, "default", def);
	return s;
}

static json_t *
op_key_schema(const struct op_key *k)
{
	json_t *s;

	switch (k->kind) {
	case OPK_STRING:
	case OPK_CONNECTION:
	case OPK_FILE:
		s = REF("scalar");
		break;
	case OPK_STRINGS:
		s = REF("strings");
		break;
	case OPK_INT:
		s = json_pack("{s:s}", "type", "integer");
		break;
	case OPK_BOOL:
		s = json_pack("{s:s}", "type", "boolean");
		break;
	case OPK_DURATION:
		s = REF("duration");
		break;
	case OPK_MAP:
		s = REF("env");
		break;
	default:
		s = json_object();
	}
	s = wrap(s, !k->required);
	json_object_set_new(s, "description",
			    json_sprintf("%s%s", k->help ? k->help : "",
					 k->required ? " (required)" : ""));
	return s;
}

/* The keys of a task: the common ones, then every type's own (a name two
 * types share keeps the first type's schema); skip: keys left out. */
static json_t *
task_properties(int for_defaults)
{
	json_t *props = json_object();

	for (const struct dag_key *k = dag_keys_task; k->name != NULL; k++) {
		if (for_defaults && dag_key_task_only(k->name))
			continue;
		json_object_set_new(props, k->name, key_schema(k));
	}
	/* type: one of the registered task types */
	{
		json_t *names = json_array(), *t = json_object_get(props, "type");

		for (size_t i = 0; operators[i] != NULL; i++)
			json_array_append_new(names, json_string(operators[i]->name));
		json_object_set_new(t, "enum", names);
	}
	for (size_t i = 0; operators[i] != NULL; i++)
		for (const struct op_key *k = operators[i]->keys;
		     k != NULL && k->name != NULL; k++)
			if (json_object_get(props, k->name) == NULL)
				json_object_set_new(props, k->name,
						    op_key_schema(k));
	return props;
}

/* What a task of type op may hold: the common keys and op's own. */
static json_t *
type_rule(const struct operator *op)
{
	json_t *names = json_array(), *props = json_object();

	for (const struct dag_key *k = dag_keys_task; k->name != NULL; k++)
		json_array_append_new(names, json_string(k->name));
	for (const struct op_key *k = op->keys; k != NULL && k->name != NULL; k++) {
		json_array_append_new(names, json_string(k->name));
		json_object_set_new(props, k->name, op_key_schema(k));
	}
	return json_pack("{s:s,s:s,s:o,s:{s:o}}", "type", "object",
			 "description", op->summary ? op->summary : op->name,
			 "properties", props, "propertyNames", "enum", names);
}

/* In a task: if type == X then type_rule(X). */
static json_t *
task_type_rules(void)
{
	json_t *rules = json_array();

	for (size_t i = 0; operators[i] != NULL; i++)
		json_array_append_new(rules, json_pack(
		    "{s:{s:{s:{s:s}},s:[s]},s:o}",
		    "if", "properties", "type", "const", operators[i]->name,
		    "required", "type", "then", type_rule(operators[i])));
	return rules;
}

/* At the top: a task without type: has the type defaults: gives, else
 * the type key's default (shell). */
static json_t *
untyped_task_rules(void)
{
	json_t *rules = json_array();
	const struct dag_key *tk = dag_key_find(dag_keys_task, "type");

	for (size_t i = 0; operators[i] != NULL; i++) {
		const struct operator *op = operators[i];
		json_t *when, *untyped;

		untyped = json_pack("{s:{s:{s:s,s:{s:{s:{s:{s:{}},s:[s]}},s:o}}}}",
				    "properties", "tasks", "type", "object",
				    "additionalProperties",
				    "if", "not", "properties", "type",
				    "required", "type", "then", type_rule(op));
		when = json_pack("{s:{s:{s:s,s:{s:{s:s}},s:[s]}},s:[s]}",
				 "properties", "defaults", "type", "object",
				 "properties", "type", "const", op->name,
				 "required", "type", "required", "defaults");
		if (tk != NULL && tk->def != NULL && strcmp(op->name, tk->def) == 0)
			/* defaults: without a type: too */
			when = json_pack("{s:[o,{s:{s:{s:{s:s,s:{s:{}},s:[s]}},s:[s]}}]}",
					 "anyOf", when, "not", "properties",
					 "defaults", "type", "object", "properties",
					 "type", "required", "type", "required",
					 "defaults");
		json_array_append_new(rules, json_pack("{s:o,s:o}", "if", when,
						       "then", untyped));
	}
	return rules;
}

static json_t *
params_schema(void)
{
	json_t *decl = json_object(), *props = json_object();

	for (size_t i = 0; dag_param_decl_keys[i].name != NULL; i++) {
		const char *n = dag_param_decl_keys[i].name;
		json_t *s;

		if (strcmp(n, "type") == 0)
			s = values_enum(dag_param_types);
		else if (strcmp(n, "enum") == 0)
			s = json_pack("{s:s,s:o}", "type", "array", "items",
				      REF("scalar"));
		else if (strcmp(n, "secret") == 0)
			s = json_pack("{s:s}", "type", "boolean");
		else if (strcmp(n, "default") == 0)
			s = REF("scalar");
		else
			s = json_pack("{s:s}", "type", "string");
		if (json_object_get(s, "$ref") != NULL)
			s = json_pack("{s:[o]}", "allOf", s);
		json_object_set_new(s, "description",
				    json_string(dag_param_decl_keys[i].doc));
		json_object_set_new(props, n, s);
	}
	json_object_set_new(decl, "type", json_string("object"));
	json_object_set_new(decl, "properties", props);
	json_object_set_new(decl, "additionalProperties", json_false());
	return json_pack("{s:s,s:{s:[o,o]}}", "type", "object",
			 "additionalProperties", "anyOf", REF("scalar"), decl);
}

json_t *
dag_schema_json(void)
{
	json_t *root, *props = json_object(), *defs, *required = json_array();

	for (const struct dag_key *k = dag_keys_dag; k->name != NULL; k++) {
		json_object_set_new(props, k->name, key_schema(k));
		if (k->required)
			json_array_append_new(required, json_string(k->name));
	}
	defs = json_pack(
	    "{s:{s:[s,s,s]},"
	    "s:{s:[o,{s:s,s:o}]},"
	    "s:{s:[s,s],s:i,s:s,s:s},"
	    "s:{s:s,s:{s:s}}}",
	    "scalar", "type", "string", "number", "boolean",
	    "strings", "anyOf", REF("scalar"), "type", "array", "items",
	    REF("scalar"),
	    "duration", "type", "string", "integer", "minimum", 0, "pattern",
	    "^([0-9]+|([0-9]+(ms|s|m|h|d|w))+)$", "description",
	    "a duration: 500ms, 30s, 10m, 2h, 1d, 1w, combined like 1h30m, or a number of seconds",
	    "env", "type", "object", "additionalProperties", "type", "string");
	json_object_set_new(defs, "params", params_schema());
	json_object_set_new(defs, "task", json_pack(
	    "{s:s,s:o,s:b,s:o}", "type", "object",
	    "properties", task_properties(0), "additionalProperties", 0,
	    "allOf", task_type_rules()));
	json_object_set_new(defs, "defaults", json_pack(
	    "{s:s,s:o,s:b}", "type", "object",
	    "properties", task_properties(1), "additionalProperties", 0));
	json_object_set_new(defs, "tasks", json_pack(
	    "{s:s,s:i,s:o}", "type", "object", "minProperties", 1,
	    "additionalProperties", REF("task")));
	root = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:o,s:o}",
			 "$schema", "http://json-schema.org/draft-07/schema#",
			 "$id", "https://sluice.dev/schema/dag.json",
			 "title", "sluice DAG file",
			 "type", "object",
			 "required", required,
			 "properties", props,
			 "additionalProperties", 0,
			 "allOf", untyped_task_rules(),
			 "definitions", defs);
	return root;
}
