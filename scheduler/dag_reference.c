/* dag_reference.c: docs/DAGS.md from the key tables (see dag_reference.h). */
#include "scheduler/dag_reference.h"

#include <string.h>

#include "operators/operator.h"
#include "scheduler/dag_keys.h"
#include "scheduler/template.h"
#include "scheduler/try.h"

/* Text inside a table cell: `|` escaped, line breaks as spaces. */
static void
cell(struct buf *out, const char *s)
{
	if (s == NULL || *s == '\0') {
		buf_adds(out, " ");
		return;
	}
	for (; *s != '\0'; s++) {
		if (*s == '|')
			buf_adds(out, "\\|");
		else if (*s == '\n')
			buf_addc(out, ' ');
		else
			buf_addc(out, *s);
	}
}

/* `text` in a cell, or a blank cell for NULL. */
static void
code_cell(struct buf *out, const char *s)
{
	if (s == NULL) {
		buf_adds(out, " ");
		return;
	}
	buf_addc(out, '`');
	cell(out, s);
	buf_addc(out, '`');
}

static void
values_line(struct buf *out, const struct dag_key_value *v)
{
	for (size_t i = 0; v[i].name != NULL; i++)
		buf_printf(out, "%s`%s`", i ? ", " : "", v[i].name);
}

static void
keys_table(struct buf *out, const struct dag_key *tab)
{
	buf_adds(out, "| Key | Type | Default | Description | Example |\n"
		      "|---|---|---|---|---|\n");
	for (const struct dag_key *k = tab; k->name != NULL; k++) {
		buf_printf(out, "| `%s`%s | %s", k->name,
			   k->required ? " (required)" : "",
			   dag_key_type_name(k->type));
		if (k->values != NULL) {
			buf_addc(out, ' ');
			values_line(out, k->values);
		} else if (k->type == DKT_INT)
			buf_printf(out, " %lld..%lld", k->min, k->max);
		buf_adds(out, " | ");
		code_cell(out, k->def);
		buf_adds(out, " | ");
		cell(out, k->doc);
		buf_adds(out, " | ");
		code_cell(out, k->example);
		buf_adds(out, " |\n");
	}
	buf_addc(out, '\n');
}

static void
values_table(struct buf *out, const char *head,
	     const struct dag_key_value *v)
{
	buf_printf(out, "| %s | Meaning |\n|---|---|\n", head);
	for (size_t i = 0; v[i].name != NULL; i++) {
		buf_adds(out, "| ");
		code_cell(out, v[i].name);
		buf_adds(out, " | ");
		cell(out, v[i].doc);
		buf_adds(out, " |\n");
	}
	buf_addc(out, '\n');
}

static void
task_types(struct buf *out)
{
	buf_adds(out, "## Task types\n\n"
		      "`type:` picks one; each takes the keys every task takes "
		      "(above) and its own:\n\n");
	for (size_t i = 0; operators[i] != NULL; i++) {
		const struct operator *op = operators[i];

		buf_printf(out, "### `%s`\n\n", op->name);
		if (op->summary != NULL)
			buf_printf(out, "%s%s\n\n", op->summary,
				   operator_is_sensor(op) ?
				   " (a sensor: pokes until its condition is met)" : "");
		if (op->keys == NULL || op->keys[0].name == NULL) {
			buf_adds(out, "No keys of its own.\n\n");
			continue;
		}
		buf_adds(out, "| Key | Type | Required | Templated | Description |\n"
			      "|---|---|---|---|---|\n");
		for (const struct op_key *k = op->keys; k->name != NULL; k++) {
			buf_printf(out, "| `%s` | %s | %s | %s | ", k->name,
				   op_key_kind_name(k->kind),
				   k->required ? "yes" : "no",
				   k->templated == OPK_SHELL_LINE ?
				   "yes (shell line)" :
				   k->templated == OPK_SQL_TEXT ? "yes (SQL)" :
				   k->templated == OPK_HTML_TEXT ? "yes (HTML)" :
				   k->templated == OPK_GLOB_TEXT ?
				   "yes (wildcard, values literal)" :
				   k->templated ? "yes" : "no");
			cell(out, k->help);
			buf_adds(out, " |\n");
		}
		buf_addc(out, '\n');
	}
}

static void
templates(struct buf *out)
{
	struct tmpl_name_info t;

	buf_adds(out, "## Templates\n\n"
		      "Keys marked templated (and `env:` values, `on_failure`, "
		      "`on_success`) may hold `{{ NAME }}` or `{{ NAME | FILTER }}`, "
		      "checked when the DAG loads and rendered when a try starts. "
		      "In a shell line each value goes in as one quoted word; "
		      "in SQL as one SQL literal (`| ident`: a quoted identifier); "
		      "in HTML (the email task's `html`) HTML-escaped (`| raw`: as written). "
		      "`add` and a FORMAT apply to the time names, in that order.\n\n"
		      "| Name | Takes add / a FORMAT | Value |\n|---|---|---|\n");
	for (size_t i = 0; tmpl_name_at(i, &t) == 0; i++) {
		buf_printf(out, "| `%s` | %s | ", t.name, t.is_time ? "yes" : "no");
		cell(out, t.doc);
		buf_adds(out, " |\n");
	}
	buf_adds(out, "\n| Filter | Meaning |\n|---|---|\n");
	for (size_t i = 0; tmpl_filter_at(i, &t) == 0; i++) {
		buf_printf(out, "| `| %s` | ", t.name);
		cell(out, t.doc);
		buf_adds(out, " |\n");
	}
	buf_addc(out, '\n');
}

static void
environment(struct buf *out)
{
	const struct try_env_var *v = try_env_vars();

	buf_adds(out, "## Environment\n\n"
		      "Every try, and its `on_failure` / `on_success` hook, runs "
		      "with the scheduler's environment (less its `SLUICE_*` "
		      "variables), the task's `env:`, and:\n\n"
		      "| Variable | Value |\n|---|---|\n");
	for (size_t i = 0; v[i].name != NULL; i++) {
		buf_printf(out, "| `%s` | ", v[i].name);
		cell(out, v[i].doc);
		buf_adds(out, " |\n");
	}
	buf_addc(out, '\n');
}

void
dag_reference_md(struct buf *out)
{
	buf_adds(out,
	    "# DAG file reference\n\n"
	    "<!-- Generated by `sluice dags reference` from the loader's own "
	    "key tables; do not edit (tests/dags_reference.sh checks it). -->\n\n"
	    "A DAG file is a YAML mapping of the keys below; any other key is "
	    "an error. `sluice dags schema` prints the same as a JSON Schema "
	    "for editors: save it (`sluice dags schema > dag.schema.json`) and "
	    "point the editor at it, e.g. for the YAML language server a first "
	    "line `# yaml-language-server: $schema=./dag.schema.json`. Durations are written `500ms`, `30s`, `10m`, `2h`, "
	    "`1d`, `1w` or combined (`1h30m`), or as a number alone, of seconds "
	    "(`retry_delay: 300` is `5m`); times are ISO-8601, in the "
	    "DAG's `timezone` unless they carry an offset.\n\n"
	    "## DAG keys\n\n");
	keys_table(out, dag_keys_dag);
	buf_adds(out, "## Task keys\n\nEvery task takes these, whatever its type "
		      "(in `defaults:` too, except `after` and `description`):\n\n");
	keys_table(out, dag_keys_task);
	task_types(out);
	buf_adds(out, "## Trigger rules\n\n");
	values_table(out, "`trigger_rule`", dag_trigger_rules);
	buf_adds(out, "## Notifications (`email_on`)\n\n");
	values_table(out, "`email_on`", dag_email_on_values);
	buf_adds(out, "## Retry back-off\n\n");
	values_table(out, "`retry_backoff`", dag_retry_backoffs);
	buf_adds(out, "## Params\n\n"
		      "`params:` maps each name to its default, or to a "
		      "declaration with these keys:\n\n");
	values_table(out, "Key", dag_param_decl_keys);
	values_table(out, "`type`", dag_param_types);
	templates(out);
	environment(out);
	for (size_t i = 0; dag_key_notes[i].name != NULL; i++)
		buf_printf(out, "%s## %s\n\n%s\n", i ? "\n" : "",
			   dag_key_notes[i].name, dag_key_notes[i].doc);
}
