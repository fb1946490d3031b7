/*
 * dag_keys.h: the keys of a DAG file, as tables (SPEC §3). The loader
 * (dag.c) checks unknown keys against them; `sluice dags schema` and
 * `sluice dags reference` (docs/DAGS.md) are generated from them, so the
 * reference cannot drift from what the loader accepts.
 *
 * A task type's own keys are its operator's `struct op_key` table
 * (operators/operator.h); the template names are template.h's.
 */
#ifndef SLUICE_DAG_KEYS_H
#define SLUICE_DAG_KEYS_H

#include <stddef.h>

/* The kind of value a DAG or common task key takes. */
enum dag_key_type {
	DKT_STRING,		/* a scalar */
	DKT_NAME,		/* letters, digits, _ - . */
	DKT_STRINGS,		/* a string or a list of strings */
	DKT_INT,		/* an integer in [min, max] */
	DKT_BOOL,		/* true / false */
	DKT_DURATION,		/* 30s, 10m, 2h, 1d (or a number of seconds) */
	DKT_TIME,		/* ISO-8601, in the DAG's zone without offset */
	DKT_CRON,		/* a cron line, @daily..., or none */
	DKT_ENUM,		/* one of values */
	DKT_ENUMS,		/* one or a list of values */
	DKT_ENV,		/* mapping NAME: string (templated) */
	DKT_COMMAND,		/* a /bin/sh line (templated) */
	DKT_PARAMS,		/* params: NAME: default | {type, ...} */
	DKT_DEFAULTS,		/* defaults: any task key but after, description */
	DKT_TASKS,		/* tasks: NAME: {task keys} */
	DKT_NEEDS,		/* needs: [{dag, task | dataset, offset,
				 * latest, on_change}] */
	DKT_FOREACH,		/* a list, a template, or {output, key} */
};

/* A value of an enumerated key, with what it means. */
struct dag_key_value {
	const char *name;
	const char *doc;
};

struct dag_key {
	const char *name;
	enum dag_key_type type;
	int required;
	const char *def;			/* the default, as text; NULL: none */
	const char *doc;			/* one line */
	const char *example;			/* a YAML value */
	const struct dag_key_value *values;	/* DKT_ENUM(S); ends with {NULL} */
	long long min, max;			/* DKT_INT */
	int null_ok;				/* `key: null` is the same as leaving
						 * it out (else an error) */
};

/* The top-level keys of a DAG file and the keys every task takes, whatever
 * its type; each ends with {NULL}. */
extern const struct dag_key dag_keys_dag[];
extern const struct dag_key dag_keys_task[];

/* Values of the enumerated keys, indexed as the loader's enums
 * (trigger rules: enum trigger_rule; email_on: bit i is EMAIL_ON_* 1<<i). */
extern const struct dag_key_value dag_trigger_rules[];
extern const struct dag_key_value dag_email_on_values[];
extern const struct dag_key_value dag_retry_backoffs[];
/* A param declaration's keys and types (dag_params.c checks them). */
extern const struct dag_key_value dag_param_decl_keys[];
extern const struct dag_key_value dag_param_types[];
/* A need's keys, and its on_change values (enum need_on_change). */
extern const struct dag_key_value dag_need_keys[];
extern const struct dag_key_value dag_need_on_change[];
/* on_teardown_failure values (dag_scope.c). */
extern const struct dag_key_value dag_teardown_failure_values[];

/* How partitions, SLAs, timeouts and hooks are counted: {topic, text}
 * paragraphs for the reference. */
extern const struct dag_key_value dag_key_notes[];

const struct dag_key *dag_key_find(const struct dag_key *tab,
				   const char *name);
/* Is this common task key for sensors only (a sensor's deadline)? A
 * task of another type that sets it is an error; from defaults: only the
 * sensors get it. */
int dag_key_sensor_only(const char *name);
/* Is this common task key for mapped tasks only (max_active)? */
int dag_key_mapped_only(const char *name);
/* Is this task key one task's own (after, description, group, setup,
 * ...)? defaults: may not give it. dag_key_task_only_names: all of them,
 * "after, description, ...", into out (returned). */
int dag_key_task_only(const char *name);
const char *dag_key_task_only_names(char *out, size_t n);
/* Index of name in a {NULL}-terminated value list, or -1. */
int dag_key_value_index(const struct dag_key_value *v, const char *name);
/* "a, b, c" of a table's names into out (size n). */
const char *dag_keys_names(const struct dag_key *tab, char *out, size_t n);
const char *dag_key_values_names(const struct dag_key_value *v, char *out,
				 size_t n);
/* The name of a key type as the reference shows it ("duration"). */
const char *dag_key_type_name(enum dag_key_type t);

/*
 * "Did you mean": the name a person most likely meant by a word the
 * loader does not know, or NULL. First another tool's name for the same
 * thing (Airflow's start_date is start, execution_timeout is timeout,
 * trigger rule none_failed_or_skipped is none_failed_min_one_success),
 * then a near spelling (base/text.h). The result points into the tables.
 */
struct op_key;
/* Among the keys of tab and, when not NULL, a task type's op_keys. */
const char *dag_key_suggest(const struct dag_key *tab,
			    const struct op_key *op_keys, const char *word);
/* Among the values of an enumerated key (trigger rules, email_on...). */
const char *dag_key_value_suggest(const struct dag_key_value *v,
				  const char *word);
/* (A message says it with text_hint(), base/text.h.) */

#endif
