/* man_dag.c: sluice-dag(5), the DAG file format, from the loader's key
 * tables, the task types' keys, the template names and a try's
 * environment (see man.h); docs/DAGS.md is the same in Markdown
 * (scheduler/dag_reference.c). */
#include "man/man.h"

#include <stdio.h>
#include <stdlib.h>

#include "man/roff.h"
#include "operators/operator.h"
#include "scheduler/dag_keys.h"
#include "scheduler/template.h"
#include "scheduler/try.h"

static void
man_values(struct buf *out, const struct dag_key_value *v)
{
	for (size_t i = 0; v[i].name != NULL; i++) {
		roff_tag(out, v[i].name, NULL);
		roff_line(out, v[i].doc);
	}
}

static void
man_keys(struct buf *out, const struct dag_key *tab)
{
	for (const struct dag_key *k = tab; k->name != NULL; k++) {
		struct buf what;

		buf_init(&what, 0);
		buf_printf(&what, " (%s%s", k->required ? "required, " : "",
			   dag_key_type_name(k->type));
		if (k->values != NULL) {
			buf_adds(&what, ":");
			for (size_t i = 0; k->values[i].name != NULL; i++)
				buf_printf(&what, "%s %s", i ? "," : "",
					   k->values[i].name);
		} else if (k->type == DKT_INT)
			buf_printf(&what, " %lld..%lld", k->min, k->max);
		buf_adds(&what, ")");
		roff_key(out, k->name, buf_str(&what), k->doc, k->def);
		buf_free(&what);
		if (k->example != NULL) {
			char *e = xasprintf("Example: %s: %s", k->name, k->example);

			buf_adds(out, ".br\n");
			roff_line(out, e);
			free(e);
		}
	}
}

static void
man_task_types(struct buf *out)
{
	roff_req(out, "SH", 1, "TASK TYPES");
	roff_text(out, "type: picks one; each takes the task keys above and its own:");
	for (size_t i = 0; operators[i] != NULL; i++) {
		const struct operator *op = operators[i];

		roff_req(out, "SS", 1, op->name);
		if (op->summary != NULL) {
			char *s = xasprintf("%s%s", op->summary, operator_is_sensor(op) ?
					    " (a sensor: pokes until its condition is met)" : "");

			roff_line(out, s);
			free(s);
		}
		if (op->keys == NULL || op->keys[0].name == NULL) {
			buf_adds(out, ".PP\n");
			roff_line(out, "No keys of its own.");
			continue;
		}
		for (const struct op_key *k = op->keys; k->name != NULL; k++) {
			char *what = xasprintf(" (%s%s%s)", op_key_kind_name(k->kind),
					       k->required ? ", required" : "",
					       k->templated == OPK_SHELL_LINE ?
					       ", templated shell line" :
					       k->templated ? ", templated" : "");

			roff_tag(out, k->name, what);
			free(what);
			roff_line(out, k->help != NULL ? k->help : "");
		}
	}
}

static void
man_templates(struct buf *out)
{
	struct tmpl_name_info t;

	roff_req(out, "SH", 1, "TEMPLATES");
	roff_text(out,
		  "Keys marked templated (and env: values, on_failure, on_success) "
		  "may hold {{ NAME }} or {{ NAME | FILTER }}, checked when the DAG "
		  "loads and rendered when a try starts. In a shell line each value "
		  "goes in as one quoted word. The names:");
	for (size_t i = 0; tmpl_name_at(i, &t) == 0; i++) {
		roff_tag(out, t.name, t.is_time ? " (takes | FORMAT)" : NULL);
		roff_line(out, t.doc);
	}
	buf_adds(out, ".PP\n");
	roff_line(out, "The filters:");
	for (size_t i = 0; tmpl_filter_at(i, &t) == 0; i++) {
		char *tag = xasprintf("| %s", t.name);

		roff_tag(out, tag, NULL);
		free(tag);
		roff_line(out, t.doc);
	}
}

void
man_dag(struct buf *out)
{
	const struct try_env_var *v = try_env_vars();

	roff_title(out, "sluice-dag", 5, "the DAG files of sluice");
	roff_req(out, "SH", 1, "DESCRIPTION");
	roff_text(out,
		  "A DAG file (HOME/dags/NAME.yaml) is a YAML mapping of the keys "
		  "below; any other key is an error. sluice dags validate checks "
		  "files: each error names FILE:LINE:COLUMN, then the path of the "
		  "field it is about (tasks.load.after, params.day.type, "
		  "needs[0].dag; a value taken from defaults: or through a YAML "
		  "anchor names the place it is written, defaults.retries); "
		  "sluice dags schema prints a JSON Schema of the same for "
		  "editors. Durations are written 500ms, 30s, 10m, 2h, 1d, 1w or "
		  "combined (1h30m), or as a number alone, of seconds "
		  "(retry_delay: 300 is 5m); times are ISO-8601, in the DAG's timezone "
		  "unless they carry an offset.");
	roff_text(out,
		  "The DAG folder holds every *.yaml and *.yml file in it, in "
		  "subfolders too, down to 16 levels below it (hidden files and "
		  "folders left out). What cannot be read is an error naming the "
		  "path and why, listed with the files that do not load (by dags "
		  "validate, which then exits 1, in the scheduler's log and in the "
		  "API): the folder missing or unreadable, a subfolder the user "
		  "sluice runs as cannot read, a *.yaml that is a symbolic link to "
		  "nothing, a folder deeper than 16 levels.");
	roff_req(out, "SH", 1, "DAG KEYS");
	man_keys(out, dag_keys_dag);
	roff_req(out, "SH", 1, "TASK KEYS");
	{
		char only[256], *text;

		text = xasprintf("Every task takes these, whatever its type (in "
				 "defaults: too, except those that belong to one "
				 "task: %s):", dag_key_task_only_names(only, sizeof only));
		roff_text(out, text);
		free(text);
	}
	man_keys(out, dag_keys_task);
	man_task_types(out);
	roff_req(out, "SH", 1, "TRIGGER RULES");
	man_values(out, dag_trigger_rules);
	roff_req(out, "SH", 1, "NOTIFICATIONS");
	roff_text(out, "The events email_on names:");
	man_values(out, dag_email_on_values);
	roff_req(out, "SH", 1, "RETRY BACK-OFF");
	man_values(out, dag_retry_backoffs);
	roff_req(out, "SH", 1, "PARAMS");
	roff_text(out, "params: maps each name to its default, or to a "
		  "declaration with these keys:");
	man_values(out, dag_param_decl_keys);
	buf_adds(out, ".PP\n");
	roff_line(out, "The types:");
	man_values(out, dag_param_types);
	man_templates(out);
	roff_req(out, "SH", 1, "ENVIRONMENT");
	roff_text(out, "Every try, and its on_failure / on_success hook, runs with "
		  "the scheduler's environment (less its SLUICE_* variables), the "
		  "task's env:, and:");
	for (size_t i = 0; v[i].name != NULL; i++) {
		roff_tag(out, v[i].name, NULL);
		roff_line(out, v[i].doc);
	}
	roff_req(out, "SH", 1, "NOTES");
	for (size_t i = 0; dag_key_notes[i].name != NULL; i++) {
		roff_req(out, "SS", 1, dag_key_notes[i].name);
		roff_text(out, dag_key_notes[i].doc);
	}
	roff_req(out, "SH", 1, "EXAMPLE");
	roff_verbatim(out,
		      "dag: hello\n"
		      "schedule: \"0 * * * *\"\n"
		      "timezone: UTC\n"
		      "start: 2024-01-01T00:00:00Z\n"
		      "defaults: {retries: 2, retry_delay: 5m}\n"
		      "tasks:\n"
		      "  extract:\n"
		      "    command: echo extracting {{ ds }}\n"
		      "  load:\n"
		      "    after: extract\n"
		      "    command: echo loading {{ partition }}\n");
	roff_req(out, "SH", 1, "SEE ALSO");
	buf_adds(out, ".BR sluice (1),\n.BR sluice.yaml (5)\n");
}
