/*
 * pages_run.c: the run page and the task page (its tries, what each
 * ran, why it waits), server-rendered as pages.c's others; app.js keeps
 * the task page live through the REST API.
 */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>

#include "operators/operator.h"
#include "store/store.h"
#include "scheduler/sched.h"
#include "scheduler/shquote.h"
#include "scheduler/try.h"
#include "scheduler/tz.h"
#include "scheduler/wait.h"
#include "web/auth.h"
#include "web/links.h"

static void
pre_json(struct buf *b, const char *id, json_t *v)
{
	char *text;

	if (v == NULL || json_is_null(v))
		return;
	text = json_is_string(v) ? xstrdup(json_string_value(v)) :
	       json_dumps(v, JSON_ENCODE_ANY | JSON_INDENT(2));
	buf_printf(b, "<pre class=\"command\" id=\"%s\">", id);
	text_html_escape(b, text);
	buf_adds(b, "</pre>");
	free(text);
}

/* A run's params (secret ones as ***), when it has any. */
static void
run_params_section(struct buf *b, const struct dag *d, json_t *run)
{
	json_t *params = json_object_get(run, "params"), *shown;

	if (!json_is_object(params) || json_object_size(params) == 0)
		return;
	buf_adds(b, "<h2>Params of this run</h2>");
	shown = dag_params_masked(d, params);
	pre_json(b, "run-params", shown);
	json_decref(shown);
}

/* A try's result in words: exit code, signal or the executor's error.
 * An exit code or signal reads as one word (class "exit": never "exit
 * code" over "0"); an error wraps. A failed try's error that only says
 * its exit code ("exit code 3") is shown as the exit code, not as
 * "error: exit code 3". app.js's resultText is its twin. */
static void
result_text(struct buf *b, json_t *ti)
{
	json_t *ec = json_object_get(ti, "exit_code"), *sig = json_object_get(ti, "signal");
	const char *error = json_string_value(json_object_get(ti, "error"));
	int signal = json_integer_value(sig) > 0 ? (int)json_integer_value(sig) : 0;
	size_t said = 0;

	if (error != NULL && (json_is_integer(ec) || signal > 0))
		said = try_reason_says_end(error, (int)json_integer_value(ec), signal);
	if (said > 0 && signal == 0) {
		buf_printf(b, "<span class=\"exit\">exit code %lld</span>",
			   (long long)json_integer_value(ec));
		text_html_escape(b, error + said);
	} else if (said > 0)
		text_html_escape(b, error);
	else if (error != NULL && error[0] != '\0') {
		buf_adds(b, "error: ");
		text_html_escape(b, error);
	} else if (signal > 0)
		buf_printf(b, "<span class=\"exit\">signal %d</span>", signal);
	else if (json_is_integer(ec))
		buf_printf(b, "<span class=\"exit\">exit code %lld</span>",
			   (long long)json_integer_value(ec));
}

/* A run: its state and every task instance, each linked to its page. */
enum web_result
pages_run(struct web_req *r)
{
	struct dag *d = r->dag;
	const char *partition = r->arg.partition;
	json_t *run = store_run_json(r->w->store, d->name, partition), *tis;
	struct buf b;

	if (run == NULL && web_store_busy(r->w))
		return WEB_BUSY;
	if (run == NULL)
		return pages_not_found(r, "no run of this DAG for that partition");
	if ((tis = store_tis_json(r->w->store, d->name, partition)) == NULL) {
		json_decref(run);
		return api_db_failed(r);
	}
	buf_init(&b, 0);
	html_begin(r, &b, partition, "run");
	buf_adds(&b, "<p class=\"crumbs\"><a href=\"");
	{
		const char *values[] = { d->name };

		links_build(&b, NULL, LINK_PAGE_DAG, values);
	}
	buf_adds(&b, "\">");
	text_html_name(&b, d->name);
	buf_adds(&b, "</a></p><h1>");
	text_html_escape(&b, partition);
	buf_adds(&b, " <span id=\"run-state\" class=\"badge st-");
	text_html_escape(&b, json_string_value(json_object_get(run, "state")));
	buf_adds(&b, "\">");
	text_html_escape(&b, json_string_value(json_object_get(run, "state")));
	buf_adds(&b, "</span></h1><p class=\"meta\">");
	text_html_escape(&b, json_string_value(json_object_get(run, "run_type")));
	buf_adds(&b, " run · started ");
	html_time(&b, d->tz, json_object_get(run, "started_at"));
	buf_adds(&b, " · ended ");
	html_time(&b, d->tz, json_object_get(run, "ended_at"));
	buf_adds(&b, "</p>");
	run_params_section(&b, d, run);
	buf_adds(&b, "<h2>Task instances</h2><table class=\"list\" id=\"run-tis\"><thead><tr>"
		     "<th>Task</th><th>State</th><th>Try</th><th>Result</th><th>Started</th>"
		     "<th>Ended</th></tr></thead><tbody>");
	for (size_t i = 0; i < json_array_size(tis); i++) {
		json_t *ti = json_array_get(tis, i);
		const char *task = json_string_value(json_object_get(ti, "task"));
		const char *values[] = { d->name, partition, task };

		buf_adds(&b, "<tr><td><a href=\"");
		links_build(&b, NULL, LINK_PAGE_TASK, values);
		buf_adds(&b, "\">");
		text_html_name(&b, task);
		buf_adds(&b, "</a>");
		/* its tries stay; the file no longer has it (pages_task) */
		if (partition_task(d, task) == NULL)
			buf_adds(&b, " <small class=\"note ti-removed\">no longer in the DAG file</small>");
		buf_adds(&b, "</td><td>");
		pages_state_badge(&b, json_string_value(json_object_get(ti, "state")));
		if (json_integer_value(json_object_get(ti, "try_number")) > 0)
			buf_printf(&b, "</td><td class=\"ti-try\">%lld of %lld</td><td>",
				   (long long)json_integer_value(json_object_get(ti, "try_number")),
				   (long long)json_integer_value(json_object_get(ti, "max_tries")));
		else	/* not tried yet: "0 of 3" read as a count of failures */
			buf_printf(&b, "</td><td class=\"ti-try\" title=\"not tried yet; at most %lld tr%s\">-</td><td>",
				   (long long)json_integer_value(json_object_get(ti, "max_tries")),
				   json_integer_value(json_object_get(ti, "max_tries")) == 1 ? "y" : "ies");
		result_text(&b, ti);
		buf_adds(&b, "</td><td>");
		html_time(&b, d->tz, json_object_get(ti, "started_at"));
		buf_adds(&b, "</td><td>");
		html_time(&b, d->tz, json_object_get(ti, "ended_at"));
		buf_adds(&b, "</td></tr>");
	}
	buf_adds(&b, "</tbody></table>");
	if (r->user.role >= ROLE_OPERATOR) {
		/* delete the run (DELETE /api/v1/dags/DAG/runs/PARTITION) after
		 * a confirmation; app.js sends it */
		buf_adds(&b, "<section class=\"actions\" id=\"run-actions\" data-dag=\"");
		text_html_escape(&b, d->name);
		buf_adds(&b, "\" data-partition=\"");
		text_html_escape(&b, partition);
		buf_adds(&b, "\" data-dag-href=\"");
		{
			const char *values[] = { d->name };

			links_build(&b, NULL, LINK_PAGE_DAG, values);
		}
		buf_adds(&b, "\"><button id=\"run-delete\" type=\"button\" class=\"danger\">Delete run</button>"
			     "<p class=\"status\" id=\"status\" role=\"status\"></p></section>"
			     "<div class=\"modal\" id=\"run-delete-dialog\" hidden><div class=\"dialog\">"
			     "<h2>Delete this run?</h2><p id=\"run-delete-summary\">The run of ");
		text_html_escape(&b, partition);
		buf_adds(&b, " and its task instances and tries are deleted; their log files stay. "
			     "The partition can then be triggered again.</p>"
			     "<div class=\"buttons\"><button id=\"run-delete-cancel\" type=\"button\">Cancel</button>"
			     "<button id=\"run-delete-confirm\" type=\"button\" class=\"danger\">Delete</button>"
			     "</div></div></div>");
	}
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	json_decref(tis);
	json_decref(run);
	return WEB_DONE;
}

/* Is key a duration of task type op (kept in milliseconds)? */
static int
op_duration_key(const struct operator *op, const char *key)
{
	for (const struct op_key *k = op != NULL ? op->keys : NULL; k != NULL && k->name != NULL; k++)
		if (k->kind == OPK_DURATION && strcmp(k->name, key) == 0)
			return 1;
	return 0;
}

/* A task type's options as JSON for a person: each duration as a DAG
 * file writes it ("1m", not 60000). A new reference. */
static json_t *
options_for_people(const struct operator *op, json_t *o)
{
	json_t *copy, *v;
	const char *key;
	char text[64];

	if (!json_is_object(o))
		return json_incref(o);
	copy = json_copy(o);
	json_object_foreach(o, key, v) {
		if (json_is_integer(v) && op_duration_key(op, key))
			json_object_set_new(copy, key, json_string(sl_format_duration(json_integer_value(v), text,
										    sizeof text)));
	}
	return copy;
}

/* What a try ran, as recorded when it started: an argv (shown as a
 * shell would read it) or a spec of task type op (its durations as a
 * person writes them); "not recorded" for tries from before sluice
 * recorded it. */
static void
ran_text(struct buf *b, json_t *ran, const struct operator *op)
{
	char *text;
	json_t *shown;

	if (ran == NULL || json_is_null(ran)) {
		buf_adds(b, "not recorded");
		return;
	}
	if (json_is_array(ran)) {
		size_t i;
		json_t *a;
		struct buf line;

		buf_init(&line, 0);
		json_array_foreach(ran, i, a) {
			const char *w = json_string_value(a) ? json_string_value(a) : "";

			const char *prev = i > 0 ? json_string_value(json_array_get(ran, i - 1)) : NULL;

			/* a shell script (after -c) on its own lines as written;
			 * plain words as they are, others single-quoted */
			if (prev != NULL && strcmp(prev, "-c") == 0) {
				buf_adds(&line, "\n");
				buf_adds(&line, w);
				continue;
			}
			if (i > 0)
				buf_adds(&line, " ");
			if (*w != '\0' && w[strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						   "0123456789_./:=+,@%-")] == '\0')
				buf_adds(&line, w);
			else
				shquote_word(&line, w, strlen(w));
		}
		text_html_escape(b, buf_str(&line));
		buf_free(&line);
		return;
	}
	shown = options_for_people(op, ran);
	text = json_dumps(shown, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(shown);
	text_html_escape(b, text ? text : "");
	free(text);
}

/* One try: a row of the tries table and a row with what it ran. app.js
 * (renderTries) draws the same rows from the API as the page follows. */
static void
try_rows(struct buf *b, const struct dag *d, const struct operator *op, json_t *t)
{
	long long n = (long long)json_integer_value(json_object_get(t, "try_number"));
	const char *hash = json_string_value(json_object_get(t, "dag_hash"));

	buf_printf(b, "<tr class=\"try\" data-try=\"%lld\"><td>%lld</td><td>", n, n);
	pages_state_badge(b, json_string_value(json_object_get(t, "state")));
	buf_adds(b, "</td><td>");
	text_html_escape(b, json_string_value(json_object_get(t, "host")));
	buf_adds(b, "</td><td>");
	html_time(b, d->tz, json_object_get(t, "started_at"));
	buf_adds(b, "</td><td>");
	html_time(b, d->tz, json_object_get(t, "ended_at"));
	buf_adds(b, "</td><td>");
	result_text(b, t);
	buf_adds(b, "</td><td>");
	if (hash != NULL) {
		buf_adds(b, "<code class=\"hash\" title=\"sha256 ");
		text_html_escape(b, hash);
		buf_adds(b, "\">");
		buf_add(b, hash, strlen(hash) < 12 ? strlen(hash) : 12);
		buf_adds(b, "</code>");
	}
	buf_printf(b, "</td><td><button type=\"button\" class=\"show-log\" data-try=\"%lld\">log</button></td></tr>"
		      "<tr class=\"ran\" data-try=\"%lld\"><td></td><td colspan=\"7\">ran: <code>", n, n);
	ran_text(b, json_object_get(t, "ran"), op);
	buf_adds(b, "</code></td></tr>");
}

/* needs: the upstream partitions the tries consumed (lineage), and
 * whether an upstream change made the run stale. */
static void
needs_section(struct web_req *r, struct buf *b, const struct dag *d,
	      json_t *run, const char *partition, const char *task)
{
	json_t *lin = store_needs_lineage_json(r->w->store, d->name, partition,
					       task);
	json_int_t stale = json_integer_value(json_object_get(run, "stale"));

	if (stale != 0)
		buf_printf(b, "<p class=\"waiting\" id=\"ti-stale\">Stale: %s</p>",
			   stale == 2 ? "an upstream partition it used succeeded again; it re-runs once its upstream settles" :
			   "an upstream partition it used succeeded again (on_change: mark; sluice clear --only-stale re-runs it)");
	if (lin != NULL && json_array_size(lin) > 0) {
		buf_adds(b, "<h2>Consumed (needs)</h2><table class=\"list\" id=\"lineage\"><thead><tr>"
			    "<th>Try</th><th>DAG</th><th>Task</th><th>Partition</th><th>Its try</th><th>Now</th>"
			    "</tr></thead><tbody>");
		for (size_t i = 0; i < json_array_size(lin); i++) {
			json_t *o = json_array_get(lin, i);
			const char *ut = json_string_value(json_object_get(o, "task"));
			const char *values[] = { json_string_value(json_object_get(o, "dag")),
						 json_string_value(json_object_get(o, "partition")) };

			buf_printf(b, "<tr><td>%lld</td><td>",
				   (long long)json_integer_value(json_object_get(o, "try")));
			text_html_escape(b, values[0]);
			buf_adds(b, "</td><td>");
			text_html_escape(b, ut ? ut : "(every task)");
			buf_adds(b, "</td><td><a href=\"");
			links_build(b, NULL, LINK_PAGE_RUN, values);
			buf_adds(b, "\">");
			text_html_escape(b, values[1]);
			buf_printf(b, "</a></td><td>%lld</td><td>%s</td></tr>",
				   (long long)json_integer_value(json_object_get(o, "upstream_try")),
				   json_integer_value(json_object_get(o, "changed")) ?
				   "succeeded again since" : "unchanged");
		}
		buf_adds(b, "</tbody></table>");
	}
	json_decref(lin);
}

/* What the latest try wrote to $SLUICE_OUTPUT (secrets masked). */
static void
output_section(struct buf *b, json_t *ti)
{
	json_t *out = json_object_get(ti, "output"), *shown, *v;
	const char *k;

	if (!json_is_object(out))
		return;
	shown = mask_json(out);
	buf_adds(b, "<h2>Output</h2><table class=\"list\" id=\"output\"><thead><tr>"
		    "<th>Key</th><th>Value</th></tr></thead><tbody>");
	json_object_foreach(shown, k, v) {
		char *text = json_is_string(v) ? NULL :
		    json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		buf_adds(b, "<tr><td><code>");
		text_html_escape(b, k);
		buf_adds(b, "</code></td><td><code>");
		text_html_escape(b, text ? text : json_string_value(v));
		buf_adds(b, "</code></td></tr>");
		free(text);
	}
	buf_adds(b, "</tbody></table><p class=\"note\">What the latest try wrote to "
		    "$SLUICE_OUTPUT; tasks downstream read it as "
		    "{{ tasks.TASK.output.KEY }}.</p>");
	json_decref(shown);
}

/* The Clear button of one task instance (an item of a mapped task is
 * cleared alone) and its preview: app.js asks the clear API for a dry
 * run, lists what it names, then clears. */
static void
task_clear_section(struct buf *b)
{
	buf_adds(b, "<section class=\"actions\" id=\"ti-actions\">"
		    "<button id=\"ti-clear\" type=\"button\">Clear…</button> "
		    "<label><input type=\"checkbox\" id=\"ti-clear-downstream\"> and its downstream</label>"
		    "<p class=\"status\" id=\"status\" role=\"status\"></p></section>"
		    "<div class=\"modal\" id=\"ti-clear-dialog\" hidden><div class=\"dialog\">"
		    "<h2 id=\"ti-clear-title\">Clear?</h2>"
		    "<p>These task instances will be reset and run again:</p>"
		    "<table class=\"list\" id=\"ti-clear-preview\"><thead><tr><th>Task</th><th>State</th>"
		    "</tr></thead><tbody></tbody></table>"
		    "<div class=\"buttons\"><button id=\"ti-clear-cancel\" type=\"button\">Cancel</button>"
		    "<button id=\"ti-clear-confirm\" type=\"button\" class=\"danger\">Clear</button>"
		    "</div></div></div>");
}

enum web_result
pages_task(struct web_req *r)
{
	struct dag *d = r->dag;
	const char *partition = r->arg.partition, *task = r->arg.task;
	json_t *run = store_run_json(r->w->store, d->name, partition);
	json_t *tis = run ? store_tis_json(r->w->store, d->name, partition) : NULL, *ti = NULL;
	json_t *tries, *why = NULL;
	/* NULL: the task was removed from the DAG file; its instance in
	 * this run stays, with its tries and logs */
	const struct task *dt = partition_task(d, task);
	const struct operator *op = dt != NULL ? dt->op : NULL;
	struct buf b;
	struct sl_err err;

	for (size_t i = 0; tis != NULL && i < json_array_size(tis); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(tis, i), "task")), task) == 0)
			ti = json_array_get(tis, i);
	if (ti == NULL) {
		char *msg = run != NULL && dt != NULL ?
		    xasprintf("the run of partition %s has no %s: the task was added to the DAG "
			      "file after the run was made (clearing it there runs it)", partition, task) :
		    xstrdup("no such task instance");

		json_decref(run);
		json_decref(tis);
		if (web_store_busy(r->w)) {
			free(msg);
			return WEB_BUSY;
		}
		pages_not_found(r, msg);
		free(msg);
		return WEB_DONE;
	}
	sl_err_clear(&err);
	if ((tries = api_ti_tries(r->w, ti, d->name, partition, task)) == NULL ||
	    wait_explain_ti(r->w->store, r->w->cfg,
			    r->w->sched ? sched_executors(r->w->sched) : NULL,
			    web_dagbag(r->w), d, partition, task,
			    sl_now_ms(), &why, &err) < 0) {
		json_decref(tries);
		json_decref(run);
		json_decref(tis);
		return api_db_failed(r);
	}
	buf_init(&b, 0);
	html_begin(r, &b, task, "task");
	buf_adds(&b, "<p class=\"crumbs\"><a href=\"/dags/");
	text_url_segment(&b, d->name);
	buf_adds(&b, "\">");
	text_html_name(&b, d->name);
	buf_adds(&b, "</a> › <a id=\"run-link\" href=\"");
	{
		const char *values[] = { d->name, partition };

		links_build(&b, NULL, LINK_PAGE_RUN, values);
	}
	buf_adds(&b, "\">");
	text_html_escape(&b, partition);
	buf_adds(&b, "</a></p><h1>");
	text_html_name(&b, task);
	buf_adds(&b, " <span id=\"ti-state\" class=\"badge st-");
	text_html_escape(&b, json_string_value(json_object_get(ti, "state")));
	buf_adds(&b, "\">");
	text_html_escape(&b, json_string_value(json_object_get(ti, "state")));
	buf_adds(&b, "</span></h1>");
	/* the task's description: DAGS.md says it is shown here (an item,
	 * NAME[i], has its task's) */
	if (dt != NULL && dt->description != NULL) {
		buf_adds(&b, "<p class=\"desc\" id=\"task-description\">");
		text_html_escape(&b, dt->description);
		buf_adds(&b, "</p>");
	}
	if (dt == NULL) {
		buf_adds(&b, "<p class=\"note\" id=\"task-removed\">Task ");
		text_html_name(&b, task);
		buf_adds(&b, " is no longer in the DAG file of ");
		text_html_name(&b, d->name);
		buf_adds(&b, ": what it did in this run stays here (its tries and logs); "
			     "to run it again, put it back in the file.</p>");
	}
	buf_adds(&b, "<div id=\"ti\" data-dag=\"");
	text_html_escape(&b, d->name);
	buf_adds(&b, "\" data-partition=\"");
	text_html_escape(&b, partition);
	buf_adds(&b, "\" data-task=\"");
	text_html_escape(&b, task);
	buf_adds(&b, "\" data-tz=\"");
	if (!tz_is_utc(d->tz))
		text_html_escape(&b, tz_name(d->tz));
	/* the task type's duration keys: app.js shows them as a person
	 * writes them, as ran_text does */
	buf_adds(&b, "\" data-durations=\"");
	{
		const char *sep = "";

		for (const struct op_key *k = op != NULL ? op->keys : NULL; k != NULL && k->name != NULL; k++)
			if (k->kind == OPK_DURATION) {
				buf_adds(&b, sep);
				text_html_escape(&b, k->name);
				sep = " ";
			}
	}
	buf_printf(&b, "\" data-try=\"%lld\"",
		   (long long)json_integer_value(json_object_get(ti, "try_number")));
	{
		/* ?try=N (an alert's link): the log shown is try N's, not the
		 * latest one's; a try that is not there is said, naming the
		 * tries there are (as sluice logs --try does), and the latest
		 * shown */
		const char *want = web_query(r, "try");
		long long latest = (long long)json_integer_value(json_object_get(ti, "try_number"));
		char *end = NULL;
		long long n = want != NULL ? strtoll(want, &end, 10) : 0;

		if (want != NULL && end != want && *end == '\0' && n >= 1 && n <= latest)
			buf_printf(&b, " data-open-try=\"%lld\"></div>", n);
		else if (want != NULL && *want != '\0') {
			buf_adds(&b, "></div><p class=\"error\" id=\"try-notice\" role=\"status\">");
			text_html_escape(&b, task);
			buf_adds(&b, " has no try ");
			text_html_escape(&b, want);
			if (latest > 0)
				buf_printf(&b, ": it has had %lld tr%s (try 1 to %lld); the latest, try %lld, "
					   "is shown.</p>", latest, latest == 1 ? "y" : "ies", latest, latest);
			else
				buf_adds(&b, ": it has had none yet.</p>");
		} else
			buf_adds(&b, "></div>");
	}
	/* why it is not running (wait.c), kept current by app.js */
	buf_printf(&b, "<p class=\"waiting\" id=\"ti-waiting\" data-kind=\"%s\"%s>",
		   json_is_object(why) ? json_string_value(json_object_get(why, "kind")) : "",
		   json_is_object(why) ? "" : " hidden");
	if (json_is_object(why)) {
		buf_adds(&b, "Not running: ");
		text_html_escape(&b, json_string_value(json_object_get(why, "text")));
	}
	buf_adds(&b, "</p>");
	pages_mapped_section(&b, d, partition, task, ti, tis);
	if (r->user.role >= ROLE_OPERATOR && dt != NULL)
		task_clear_section(&b);
	needs_section(r, &b, d, run, partition, task);
	run_params_section(&b, d, run);
	{
		/* a mapped task runs as its items: it has no try or log of
		 * its own (the elements stay, hidden, for app.js) */
		const struct task *mt = dag_task((struct dag *)d, task);

		if (mt != NULL && mt->mapped)
			buf_adds(&b, "<p class=\"note\" id=\"mapped-note\">A mapped task runs as its items: "
				     "each item's page has its tries and its log.</p><div hidden>");
		else
			buf_adds(&b, "<div>");
	}
	buf_adds(&b, "<h2>Tries</h2><table class=\"list\" id=\"tries\"><thead><tr><th>Try</th><th>State</th>"
		     "<th>Host</th><th>Started</th><th>Ended</th><th>Result</th><th>DAG file version</th><th>Log</th>"
		     "</tr></thead><tbody>");
	for (size_t i = 0; i < json_array_size(tries); i++)
		try_rows(&b, d, op, json_array_get(tries, i));
	buf_adds(&b, "</tbody></table>");
	output_section(&b, ti);
	buf_adds(&b, "<h2>Log <span id=\"log-try\"></span> <small id=\"log-state\"></small></h2>"
		     "<pre class=\"log\" id=\"log\"></pre>");
	/* a removed task has no command the DAG file renders today */
	buf_adds(&b, dt != NULL ? "<details>" : "<details hidden>");
	buf_adds(&b, "<summary>The command as the DAG file renders it today (the next try runs this)</summary>"
		     "<p class=\"note\">Secrets are masked. Each try above shows what it ran.</p>"
		     "<pre class=\"command\" id=\"command\"></pre>"
		     "<p class=\"note\">As written in the DAG file:</p><pre class=\"command\" id=\"template\"></pre></details>"
		     "</div>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	json_decref(why);
	json_decref(tries);
	json_decref(run);
	json_decref(tis);
	return WEB_DONE;
}

/* --- audit --- */
