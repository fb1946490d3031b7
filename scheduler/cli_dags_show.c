/* cli_dags_show.c: `sluice dags show DAG [TASK]`: a DAG's tasks, their
 * types and dependencies, its params; or one task with every setting as
 * the scheduler runs it. */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "scheduler/dag_groups.h"
#include "scheduler/dag_keys.h"
#include "scheduler/dag_map.h"
#include "scheduler/tz.h"
#include "operators/operator.h"

/* A param value as `dags show` prints it: a string as is (the empty
 * one as "", which printed as nothing), else JSON. */
static void
dags_show_value(struct buf *b, const json_t *v)
{
	char *t;

	if (json_is_string(v) && json_string_length(v) > 0) {
		buf_adds(b, json_string_value(v));
		return;
	}
	t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	buf_adds(b, t != NULL ? t : "?");
	free(t);
}

/* The declared params, one line each: what a trigger may give and what
 * it must (TEMPLATES.md: the description is shown here); a secret
 * param's default is ***. */
static void
dags_show_params(const struct dag *d)
{
	const char *k;
	json_t *decl;

	if (json_object_size(d->param_decls) == 0)
		return;
	printf("\nPARAMS\n");
	json_object_foreach(d->param_decls, k, decl) {
		const char *type = json_string_value(json_object_get(decl, "type"));
		const char *pattern = json_string_value(json_object_get(decl, "pattern"));
		const char *desc = json_string_value(json_object_get(decl, "description"));
		json_t *def = json_object_get(decl, "default");
		json_t *choices = json_object_get(decl, "enum"), *x;
		struct buf line;
		size_t i;

		buf_init(&line, 0);
		if (type != NULL)
			buf_printf(&line, "%s, ", type);
		if (json_is_array(choices)) {
			buf_adds(&line, "one of ");
			json_array_foreach(choices, i, x) {
				if (i > 0)
					buf_adds(&line, " | ");
				dags_show_value(&line, x);
			}
			buf_adds(&line, ", ");
		}
		if (pattern != NULL)
			buf_printf(&line, "pattern %s, ", pattern);
		if (dag_param_is_secret(d, k))
			buf_adds(&line, "secret, ");
		if (def == NULL)
			buf_adds(&line, "required");
		else if (dag_param_is_secret(d, k))
			buf_adds(&line, "default ***");
		else {
			buf_adds(&line, "default ");
			dags_show_value(&line, def);
		}
		printf("  %-22s %s%s%s\n", k, buf_str(&line), desc ? ": " : "",
		       desc ? desc : "");
		buf_free(&line);
	}
}

/* The declarations as `dags show --json` gives them, a secret's default
 * masked as the API masks it. */
static json_t *
dags_show_param_decls(const struct dag *d)
{
	json_t *out = json_deep_copy(d->param_decls ? d->param_decls : json_object());
	const char *k;
	json_t *decl;

	if (out == NULL)
		return json_object();
	json_object_foreach(out, k, decl)
		if (dag_param_is_secret(d, k) && json_object_get(decl, "default") != NULL)
			json_object_set_new(decl, "default", json_string("***"));
	return out;
}

/* One "  key  value" line of `dags show DAG TASK`; a value of several
 * lines goes on under the first, indented. */
static void
show_line(const char *key, const char *value)
{
	const char *nl;

	printf("  %-16s ", key);
	while ((nl = strchr(value, '\n')) != NULL && nl[1] != '\0') {
		printf("%.*s\n%19s", (int)(nl - value), value, "");
		value = nl + 1;
	}
	printf("%s%s", value, (nl != NULL) ? "" : "\n");
}

/* An option as a DAG file writes it: a duration as "1m30s", a list as
 * "a, b", text as it is. */
static void
show_option(struct buf *b, const struct op_key *k, const json_t *v)
{
	char d[32];

	if (k != NULL && k->kind == OPK_DURATION && json_is_integer(v)) {
		buf_adds(b, sl_format_duration(json_integer_value(v), d, sizeof d));
		return;
	}
	if (json_is_array(v) && k != NULL && k->kind == OPK_STRINGS) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x) {
			if (i > 0)
				buf_adds(b, ", ");
			dags_show_value(b, x);
		}
		return;
	}
	dags_show_value(b, v);
}

/* The EMAIL_ON_* bits by the names email_on: and notify_on: give them. */
static const struct { int bit; const char *name; } show_event_names[] = {
	{ EMAIL_ON_FAILURE, "failure" }, { EMAIL_ON_RETRY, "retry" },
	{ EMAIL_ON_SUCCESS, "success" }, { EMAIL_ON_SLA_MISS, "sla_miss" },
};

/* The names of the EMAIL_ON_* bits in on: "failure, sla_miss". */
static void
show_events(struct buf *b, int on)
{
	int n = 0;

	for (size_t i = 0; i < SL_ARRAY_LEN(show_event_names); i++)
		if (on & show_event_names[i].bit)
			buf_printf(b, "%s%s", n++ ? ", " : "", show_event_names[i].name);
	if (n == 0)
		buf_adds(b, "nothing");
}

/* "  key  a, b (on failure, retry)" for recipients (NULL-terminated) and
 * the events they hear of; nothing when there are none. */
static void
show_recipients(const char *key, char *const *to, int on)
{
	struct buf b;

	if (to == NULL || to[0] == NULL)
		return;
	buf_init(&b, 0);
	for (int i = 0; to[i] != NULL; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", to[i]);
	buf_adds(&b, " (on ");
	show_events(&b, on);
	buf_adds(&b, ")");
	show_line(key, buf_str(&b));
	buf_free(&b);
}

/* A NULL-terminated list as a JSON array of strings. */
static json_t *
show_strv_json(char *const *v)
{
	json_t *a = json_array();

	for (int i = 0; v != NULL && v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* A duration as a DAG file writes it ("1m30s"). */
static json_t *
show_duration_json(int64_t ms)
{
	char x[32];

	return json_string(sl_format_duration(ms, x, sizeof x));
}

/* Recipients and the events they hear of into o as KEY and KEY_on (the
 * DAG file's email/email_on, notify/notify_on); nothing when there are
 * none, as the text form. */
static void
show_recipients_json(json_t *o, const char *key, char *const *to, int on)
{
	json_t *events = json_array();
	char on_key[32];

	if (to == NULL || to[0] == NULL) {
		json_decref(events);
		return;
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(show_event_names); i++)
		if (on & show_event_names[i].bit)
			json_array_append_new(events, json_string(show_event_names[i].name));
	snprintf(on_key, sizeof on_key, "%s_on", key);
	json_object_set_new(o, key, show_strv_json(to));
	json_object_set_new(o, on_key, events);
}

/* One entry of needs: as a person reads it: "dataset S (produced by
 * D.T)", "DAG D" or "DAG D task T", then its offset, latest and
 * on_change when not the defaults. */
static void
show_need(struct buf *b, const struct need *n)
{
	if (n->dataset != NULL) {
		buf_printf(b, "dataset %s", n->dataset);
		if (n->res_dag != NULL)
			buf_printf(b, " (produced by %s%s%s)", n->res_dag,
				   n->res_task != NULL ? "." : "",
				   n->res_task != NULL ? n->res_task : "");
	} else {
		buf_printf(b, "DAG %s", n->dag != NULL ? n->dag : "?");
		if (n->task != NULL)
			buf_printf(b, " task %s", n->task);
	}
	if (n->offset != 0)
		buf_printf(b, ", offset %d", n->offset);
	if (n->latest)
		buf_adds(b, ", latest");
	if (n->on_change != NEED_RERUN)
		buf_printf(b, ", on_change %s", dag_need_on_change[n->on_change].name);
}

/* needs: as a JSON array, each entry with the keys a DAG file gives it
 * (and the producer a dataset resolved to). */
static json_t *
show_needs_json(const struct need *needs, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++) {
		const struct need *x = &needs[i];
		json_t *o = json_object();

		if (x->dataset != NULL) {
			json_object_set_new(o, "dataset", json_string(x->dataset));
			if (x->res_dag != NULL)
				json_object_set_new(o, "produced_by", json_string(x->res_dag));
			if (x->res_task != NULL)
				json_object_set_new(o, "produced_by_task", json_string(x->res_task));
		} else if (x->dag != NULL) {
			json_object_set_new(o, "dag", json_string(x->dag));
			if (x->task != NULL)
				json_object_set_new(o, "task", json_string(x->task));
		}
		json_object_set_new(o, "offset", json_integer(x->offset));
		json_object_set_new(o, "latest", json_boolean(x->latest));
		json_object_set_new(o, "on_change",
				    json_string(dag_need_on_change[x->on_change].name));
		json_array_append_new(a, o);
	}
	return a;
}

/* The DAG's needs: (every task waits for them), one line each. */
static void
dags_show_needs(const struct dag *d)
{
	struct buf b;

	buf_init(&b, 0);
	if (d->nneeds > 0)
		printf("\nNEEDS (every task waits for these partitions)\n");
	for (int i = 0; i < d->nneeds; i++) {
		buf_reset(&b);
		show_need(&b, &d->needs[i]);
		printf("  %s\n", buf_str(&b));
	}
	/* a task's own, after the DAG's: a DAG whose needs are all its
	 * tasks' showed none */
	for (int t = 0, head = 0; t < d->ntasks; t++)
		for (int i = 0; i < d->tasks[t].nneeds; i++) {
			if (!head++)
				printf("\nTASK NEEDS (each task waits for these too)\n");
			buf_reset(&b);
			show_need(&b, &d->tasks[t].needs[i]);
			printf("  %-22s %s\n", d->tasks[t].name, buf_str(&b));
		}
	buf_free(&b);
}

/* `dags show --json DAG TASK`: the settings the text form shows, added
 * to the task's object of the DAG's listing (o), under the keys a DAG
 * file gives them: durations as a DAG file writes them, a setting the
 * text leaves out when unset left out here too (timeout: null for none,
 * skip_exit_code 0 for none, as a DAG file says them). */
static void
dags_show_task_json(const struct dag *d, const struct task *t, json_t *o)
{
	json_object_set_new(o, "file", json_string(d->file));
	json_object_set_new(o, "line", json_integer(t->line));
	if (t->description != NULL)
		json_object_set_new(o, "description", json_string(t->description));
	json_object_set_new(o, "pool_slots", json_integer(t->pool_slots));
	json_object_set_new(o, "priority", json_integer(t->priority));
	json_object_set_new(o, "retry_delay", show_duration_json(t->retry_delay_ms));
	json_object_set_new(o, "retry_backoff",
			    json_string(t->retry_exponential ? "exponential" : "constant"));
	if (t->retry_exponential)
		json_object_set_new(o, "max_retry_delay",
				    show_duration_json(t->max_retry_delay_ms));
	json_object_set_new(o, "timeout", t->timeout_ms > 0 ?
			    show_duration_json(t->timeout_ms) : json_null());
	if (t->sla_ms > 0)
		json_object_set_new(o, "sla", show_duration_json(t->sla_ms));
	if (t->deadline_ms >= 0)
		json_object_set_new(o, "deadline", show_duration_json(t->deadline_ms));
	if (t->recheck_ms > 0) {
		json_object_set_new(o, "recheck", show_duration_json(t->recheck_ms));
		json_object_set_new(o, "recheck_interval",
				    show_duration_json(t->recheck_interval_ms));
	}
	if (t->freshness_ms > 0)
		json_object_set_new(o, "freshness", show_duration_json(t->freshness_ms));
	json_object_set_new(o, "skip_exit_code", json_integer(t->skip_exit_code));
	/* bytes; 0 no cap, as log_max: 0 in a DAG file (t->log_max 0 is
	 * sluice.yaml's, which the text leaves out too) */
	if (t->log_max != 0)
		json_object_set_new(o, "log_max", json_integer(t->log_max < 0 ? 0 : t->log_max));
	json_object_set_new(o, "keep_children", json_boolean(t->keep_children));
	json_object_set_new(o, "branch", json_boolean(t->branch));
	json_object_set_new(o, "depends_on_past", json_boolean(t->depends_on_past));
	if (t->produces != NULL && t->produces[0] != NULL)
		json_object_set_new(o, "produces", show_strv_json(t->produces));
	if (t->nneeds > 0)
		json_object_set_new(o, "needs", show_needs_json(t->needs, t->nneeds));
	if (t->on_failure != NULL)
		json_object_set_new(o, "on_failure", json_string(t->on_failure));
	if (t->on_success != NULL)
		json_object_set_new(o, "on_success", json_string(t->on_success));
	show_recipients_json(o, "email", t->email, t->email_on);
	show_recipients_json(o, "notify", t->notify, t->notify_on);
	if (json_object_size(t->env) > 0)
		json_object_set(o, "env", t->env);
}

/* A task's foreach: as a DAG file writes it (it said "list" for
 * {output: list, key: symbols}, and "a list" for the items themselves). */
static void
show_foreach(const struct task *t, struct buf *b)
{
	if (t->foreach_task != NULL) {
		buf_printf(b, "{output: %s, key: %s}", t->foreach_task, t->foreach_key);
	} else if (t->foreach_tmpl != NULL) {
		buf_adds(b, t->foreach_tmpl);
	} else {
		char *list = json_dumps(t->foreach_list, JSON_COMPACT);
		size_t n = json_array_size(t->foreach_list);

		if (list != NULL && strlen(list) > 200)
			buf_printf(b, "%.200s... (%zu items)", list, n);
		else
			buf_adds(b, list != NULL ? list : "[]");
		free(list);
	}
}

/* Under the table: the setups with their teardowns, and the mapped tasks
 * with what they map over (the table's columns have no room for them). */
static void
show_roles(const struct dag *d)
{
	struct buf b;
	int said = 0;

	buf_init(&b, 0);
	for (int i = 0; i < d->ntasks; i++) {
		const struct task *t = &d->tasks[i];
		int n = 0;

		if (!t->setup && !t->mapped)
			continue;
		if (!said++)
			printf("\nSETUPS AND MAPPED TASKS\n");
		buf_reset(&b);
		if (t->mapped) {
			show_foreach(t, &b);
			printf("  %-22s mapped: one instance per item of %s\n", t->name, buf_str(&b));
			if (!t->setup)
				continue;
			buf_reset(&b);
		}
		for (int k = 0; k < d->ntasks; k++)
			if (d->tasks[k].is_teardown && d->tasks[k].teardown_of == i)
				buf_printf(&b, "%s%s", n++ ? ", " : "", d->tasks[k].name);
		printf("  %-22s setup: %s%s\n", t->name,
		       n ? "torn down by " : "no teardown_of names it", buf_str(&b));
	}
	buf_free(&b);
}

/* `dags show DAG TASK`: one task as the scheduler will run it, every
 * setting with the DAG's defaults applied. */
static int
dags_show_task(const struct dag *d, const char *name, json_t *tasks, int json)
{
	const struct task *t = dag_task((struct dag *)d, name);
	const char *k;
	json_t *v;
	struct buf b;
	char x[32], y[32];

	if (t == NULL) {
		struct text_near near;
		char hint[256];

		text_near_init(&near, name);
		for (int i = 0; i < d->ntasks; i++)
			text_near_add(&near, d->tasks[i].name);
		cli_errorf("DAG %s has no task '%s' (%ssee `sluice dags show %s`)",
			d->name, name, text_hint(text_near_best(&near), hint, sizeof hint), d->name);
		return EXIT_USAGE;
	}
	if (json) {
		json_t *o = json_array_get(tasks, (size_t)t->index);

		dags_show_task_json(d, t, o);
		cli_print_json(o);
		return 0;
	}
	buf_init(&b, 0);
	printf("TASK %s of DAG %s (%s:%d)\n", t->name, d->name, d->file, t->line);
	show_line("type", t->op->name);
	if (t->description != NULL)
		show_line("description", t->description);
	for (int i = 0; i < t->nupstream; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", d->tasks[t->upstream[i]].name);
	show_line("after", b.len ? buf_str(&b) : "-");
	/* a teardown's rule is its own (dag_scope.h): it takes none */
	show_line("trigger_rule", t->is_teardown ?
		  "teardown (runs once its setup succeeded and every task "
		  "between them ended, whatever their states)" :
		  trigger_rule_name(t->trigger_rule));
	if (t->group != NULL)
		show_line("group", t->group);
	show_line("executor", t->executor);
	buf_reset(&b);
	buf_printf(&b, "%s, %d slot%s", t->pool, t->pool_slots, t->pool_slots == 1 ? "" : "s");
	show_line("pool", buf_str(&b));
	buf_reset(&b);
	buf_printf(&b, "%d", t->priority);
	show_line("priority", buf_str(&b));
	buf_reset(&b);
	if (t->retries > 0)
		buf_printf(&b, "%d, %s apart%s%s", t->retries,
			   sl_format_duration(t->retry_delay_ms, x, sizeof x),
			   t->retry_exponential ? ", doubling up to " : "",
			   t->retry_exponential ? sl_format_duration(t->max_retry_delay_ms, y, sizeof y) : "");
	else
		buf_adds(&b, "0");
	show_line("retries", buf_str(&b));
	show_line("timeout", t->timeout_ms > 0 ? sl_format_duration(t->timeout_ms, x, sizeof x) : "none");
	if (t->sla_ms > 0) {
		buf_reset(&b);
		buf_printf(&b, "%s after the partition's end", sl_format_duration(t->sla_ms, x, sizeof x));
		show_line("sla", buf_str(&b));
	}
	if (t->deadline_ms >= 0) {
		buf_reset(&b);
		buf_printf(&b, "%s after the partition's end", sl_format_duration(t->deadline_ms, x, sizeof x));
		show_line("deadline", buf_str(&b));
	}
	if (t->recheck_ms > 0) {
		buf_reset(&b);
		buf_printf(&b, "until %s after the partition's end, every %s",
			   sl_format_duration(t->recheck_ms, x, sizeof x),
			   sl_format_duration(t->recheck_interval_ms, y, sizeof y));
		show_line("recheck", buf_str(&b));
	}
	if (t->freshness_ms > 0) {
		buf_reset(&b);
		buf_printf(&b, "%s after the partition's end", sl_format_duration(t->freshness_ms, x, sizeof x));
		show_line("freshness", buf_str(&b));
	}
	buf_reset(&b);
	if (t->skip_exit_code > 0)
		buf_printf(&b, "%d", t->skip_exit_code);
	show_line("skip_exit_code", t->skip_exit_code > 0 ? buf_str(&b) : "none");
	/* 0 is sluice.yaml's log_max (the scheduler's own), -1 no cap */
	if (t->log_max != 0) {
		buf_reset(&b);
		buf_printf(&b, "%lld bytes", (long long)t->log_max);
		show_line("log_max", t->log_max < 0 ? "no cap" : buf_str(&b));
	}
	if (t->keep_children)
		show_line("keep_children", "yes");
	if (t->setup)
		show_line("setup", "yes");
	if (t->is_teardown) {
		buf_reset(&b);
		buf_printf(&b, "%s (on_teardown_failure: %s)", d->tasks[t->teardown_of].name,
			   t->teardown_ignore ? "ignore" : "fail");
		show_line("teardown_of", buf_str(&b));
	}
	if (t->branch)
		show_line("branch", "yes");
	if (t->depends_on_past)
		show_line("depends_on_past", "yes");
	if (t->mapped) {
		buf_reset(&b);
		show_foreach(t, &b);
		show_line("foreach", buf_str(&b));
	}
	if (t->max_active > 0) {
		buf_reset(&b);
		buf_printf(&b, "%d", t->max_active);
		show_line("max_active", buf_str(&b));
	}
	if (t->max_map > 0) {
		buf_reset(&b);
		buf_printf(&b, "%d", t->max_map);
		show_line("max_map", buf_str(&b));
	}
	if (t->produces != NULL && t->produces[0] != NULL) {
		buf_reset(&b);
		for (int i = 0; t->produces[i] != NULL; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", t->produces[i]);
		show_line("produces", buf_str(&b));
	}
	/* its own needs: and the DAG's, which it waits for as well */
	for (int i = 0; i < d->nneeds + t->nneeds; i++) {
		buf_reset(&b);
		show_need(&b, i < d->nneeds ? &d->needs[i] : &t->needs[i - d->nneeds]);
		if (i < d->nneeds)
			buf_adds(&b, " (the DAG's)");
		show_line("needs", buf_str(&b));
	}
	if (t->on_failure != NULL)
		show_line("on_failure", t->on_failure);
	if (t->on_success != NULL)
		show_line("on_success", t->on_success);
	show_recipients("email", t->email, t->email_on);
	show_recipients("notify", t->notify, t->notify_on);
	if (json_object_size(t->env) > 0) {
		buf_reset(&b);
		json_object_foreach(t->env, k, v)
			buf_printf(&b, "%s%s=%s", b.len ? "\n" : "", k, json_string_value(v) ? json_string_value(v) : "");
		show_line("env", buf_str(&b));
	}
	if (json_object_size(t->options) > 0) {
		printf("\n%s OPTIONS\n", t->op->name);
		json_object_foreach(t->options, k, v) {
			const struct op_key *key = NULL;

			for (const struct op_key *o = t->op->keys; o != NULL && o->name != NULL; o++)
				if (strcmp(o->name, k) == 0)
					key = o;
			buf_reset(&b);
			show_option(&b, key, v);
			show_line(k, buf_str(&b));
		}
	}
	buf_free(&b);
	return 0;
}

int
dags_show(struct cli *c, const char *name, const char *task)
{
	struct dag *d;
	json_t *o, *tasks;
	char a[64], b[64];
	int dag_rc, groups = 0;

	if ((dag_rc = cli_dag(c, name, &d)) != 0)
		return dag_rc;
	tasks = json_array();
	for (int i = 0; i < d->ntasks; i++) {
		struct task *t = &d->tasks[i];
		json_t *after = json_array();

		for (int k = 0; k < t->nupstream; k++)
			json_array_append_new(after, json_string(d->tasks[t->upstream[k]].name));
		json_array_append_new(tasks, json_pack("{s:s,s:s,s:o,s:s,s:i,s:s,s:s,s:O}",
		    "task", t->name, "type", t->op->name, "after", after,
		    "trigger_rule", trigger_rule_name(t->trigger_rule),
		    "retries", t->retries, "executor", t->executor, "pool", t->pool,
		    "options", t->options));
		dag_groups_task_json(d, t, json_array_get(tasks, (size_t)i));
		dag_map_task_json(d, t, json_array_get(tasks, (size_t)i));
		if (t->nneeds > 0)	/* its own, after the DAG's */
			json_object_set_new(json_array_get(tasks, (size_t)i), "needs",
					    show_needs_json(t->needs, t->nneeds));
	}
	if (task != NULL) {
		int rc = dags_show_task(d, task, tasks, c->json);

		json_decref(tasks);
		return rc;
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:i,s:o,s:o}", "dag", d->name,
		      "file", d->file, "schedule", d->schedule_text, "timezone",
		      tz_name(d->tz), "catchup", d->catchup, "max_active_runs",
		      d->max_active_runs, "max_active_tasks", d->max_active_tasks,
		      "params", json_object(), "tasks", tasks);
	json_object_set_new(o, "params", d->params ? dag_params_masked(d, d->params) :
						    json_object());
	json_object_set_new(o, "param_decls", dags_show_param_decls(d));
	if (d->description)
		json_object_set_new(o, "description", json_string(d->description));
	if (d->start != INT64_MIN)
		json_object_set_new(o, "start", json_string(tz_iso(d->tz, d->start, a, sizeof a)));
	if (d->end != INT64_MAX)
		json_object_set_new(o, "end", json_string(tz_iso(d->tz, d->end, b, sizeof b)));
	json_object_set_new(o, "needs", show_needs_json(d->needs, d->nneeds));
	show_recipients_json(o, "email", d->email, d->email_on);
	show_recipients_json(o, "notify", d->notify, d->notify_on);
	if (c->json) {
		cli_print_json(o);
	} else {
		printf("DAG %s (%s)\n", d->name, d->file);
		if (d->description)
			printf("  %s\n", d->description);
		printf("  schedule %s, timezone %s, catchup %s, max_active_runs %d, max_active_tasks %d\n",
		       d->schedule_text, tz_name(d->tz), d->catchup ? "yes" : "no",
		       d->max_active_runs, d->max_active_tasks);
		if (d->start != INT64_MIN || d->end != INT64_MAX)
			printf("  %s%s%s%s%s\n", d->start != INT64_MIN ? "start " : "",
			       d->start != INT64_MIN ? a : "",
			       d->start != INT64_MIN && d->end != INT64_MAX ? ", " : "",
			       d->end != INT64_MAX ? "end " : "",
			       d->end != INT64_MAX ? b : "");
		/* the DAG-run notifications (email:, notify:) */
		show_recipients("email", d->email, d->email_on);
		show_recipients("notify", d->notify, d->notify_on);
		/* a GROUP column when the DAG has groups (group:) */
		for (int i = 0; i < d->ntasks && !groups; i++)
			groups = d->tasks[i].group != NULL;
		printf("\n%-24s %-16s %-14s %s%s\n", "TASK", "TYPE", "RULE",
		       groups ? "GROUP          " : "", "AFTER");
		for (int i = 0; i < d->ntasks; i++) {
			struct task *t = &d->tasks[i];
			struct buf after, group;

			buf_init(&after, 0);
			buf_init(&group, 0);
			for (int k = 0; k < t->nupstream; k++)
				buf_printf(&after, "%s%s", k ? ", " : "", d->tasks[t->upstream[k]].name);
			if (groups)
				buf_printf(&group, "%-14s ", t->group ? t->group : "-");
			/* a teardown's rule is its own (dag_scope.h) */
			printf("%-24s %-16s %-14s %s%s\n", t->name, t->op->name,
			       t->is_teardown ? "teardown" : trigger_rule_name(t->trigger_rule),
			       buf_str(&group), after.len ? buf_str(&after) : "-");
			buf_free(&after);
			buf_free(&group);
		}
		show_roles(d);
		dags_show_needs(d);
		dags_show_params(d);
	}
	json_decref(o);
	return 0;
}
