/*
 * pages.c: the server-rendered HTML pages. Each page carries its data in
 * escaped text and data-* attributes; web/assets/app.js adds behaviour
 * (the grid, selections, previews, live updates, log tails) through the
 * REST API. No inline script or style: the CSP forbids them.
 *
 * Past 800 lines: the pages' shared pieces (badges, legends, keys, the
 * error pages) sit with the pages that use most of them (the DAG list,
 * the grid, the audit log), which read best next to each other.
 */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>

#include "operators/operator.h"
#include "scheduler/config.h"
#include "store/store.h"
#include "scheduler/tz.h"
#include "web/auth.h"
#include "web/links.h"

void
pages_state_badge(struct buf *b, const char *state)
{
	buf_adds(b, "<span class=\"badge st-");
	text_html_escape(b, state);
	buf_adds(b, "\">");
	text_html_escape(b, state);
	buf_adds(b, "</span>");
}

void
pages_state_legend(struct buf *b, const char *id)
{
	static const char *const states[] = { "none", "scheduled", "queued", "running", "success",
					      "failed", "up_for_retry", "up_for_reschedule", "skipped",
					      "upstream_failed" };

	buf_adds(b, "<div class=\"legend\"");
	if (id != NULL) {
		buf_adds(b, " id=\"");
		text_html_escape(b, id);
		buf_addc(b, '"');
	}
	buf_addc(b, '>');
	for (size_t i = 0; i < SL_ARRAY_LEN(states); i++)
		pages_state_badge(b, states[i]);
	buf_adds(b, "</div>");
}

/* A partition key names a time in the DAG's zone (with its offset); the
 * tooltip gives it in UTC. Keys that are not times get none. */
void
pages_partition_title(struct buf *b, const struct dag *d, const char *key, const char *extra)
{
	int64_t t;
	struct sl_err err;

	buf_adds(b, " title=\"");
	if (extra != NULL)
		text_html_escape(b, extra);
	sl_err_clear(&err);
	if (key != NULL && d != NULL && tz_parse_time(d->tz, key, &t, &err) == 0) {
		char utc[64];

		tz_iso(NULL, t, utc, sizeof utc);
		if (extra != NULL)
			buf_adds(b, " · ");
		text_html_escape(b, utc);
		buf_adds(b, " (UTC)");
	}
	buf_adds(b, "\"");
}

/* An error page: status, its title as the heading, then the paragraph
 * para (HTML, already escaped) with the opening tag p_open. */
static enum web_result
error_page(struct web_req *r, int status, const char *title,
	   const char *p_open, const struct buf *para)
{
	struct buf b;

	buf_init(&b, 0);
	html_begin(r, &b, title, "error");
	buf_printf(&b, "<h1>%s</h1>%s", title, p_open);
	buf_add(&b, para->data, para->len);
	buf_adds(&b, "</p>");
	html_end(&b);
	web_html(r, status, &b);
	buf_free(&b);
	return WEB_DONE;
}

/* Does s start with a date, YYYY-MM-DD? */
static int
starts_with_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";

	for (size_t i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return 0;
	return 1;
}

/* A message escaped, each partition key or time in it that starts with a
 * date (2026-12-06T09:00:00+00:00, as "nearest: ..." lists them) one
 * word (html_partition): never "2026-12-" over "06T09:00:00+00:00". */
void
pages_message_keys(struct buf *b, const char *msg)
{
	struct buf text;
	const char *p = msg != NULL ? msg : "";

	buf_init(&text, 0);
	while (*p != '\0') {
		if (starts_with_date(p) && (p == msg || strchr(" '\"(", p[-1]) != NULL)) {
			size_t n = strspn(p, "0123456789-T:+Z");
			char *key = xstrndup(p, n);

			text_html_escape(b, buf_str(&text));
			buf_reset(&text);
			html_partition(b, key);
			free(key);
			p += n;
		} else
			buf_addc(&text, *p++);
	}
	text_html_escape(b, buf_str(&text));
	buf_free(&text);
}

enum web_result
pages_not_found(struct web_req *r, const char *what)
{
	struct buf p;
	enum web_result res;

	buf_init(&p, 0);
	pages_message_keys(&p, what);
	/* somewhere to go from here */
	buf_adds(&p, "</p><p><a href=\"/\" id=\"to-dags\">All DAGs</a>");
	res = error_page(r, 404, "Not found", "<p>", &p);
	buf_free(&p);
	return res;
}

/* Is s a list of partition keys, "K1, K2", each of the letters a key has
 * (partition_key_ok; a scheduled key's too)? */
static int
key_list(const char *s)
{
	const char *p = s;

	for (;;) {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:+-");

		if (n == 0)
			return 0;
		p += n;
		if (*p == '\0')
			return 1;
		if (strncmp(p, ", ", 2) != 0)
			return 0;
		p += 2;
	}
}

enum web_result
pages_run_not_found(struct web_req *r, const struct dag *d, const char *what,
		    const char *page)
{
	static const char nearest[] = "; nearest: ";
	const char *at = NULL, *list;
	struct buf p;
	enum web_result res;

	/* the last "; nearest: " (the partition asked for comes before it
	 * and may hold the same words) */
	for (const char *q = strstr(what, nearest); q != NULL; q = strstr(q + 1, nearest))
		at = q;
	list = at != NULL ? at + sizeof nearest - 1 : NULL;
	if (list == NULL || !key_list(list))
		return pages_not_found(r, what);
	buf_init(&p, 0);
	{
		char *head = xstrndup(what, (size_t)(at - what));

		pages_message_keys(&p, head);
		free(head);
	}
	text_html_escape(&p, nearest);
	/* each nearest key a link to its run's page */
	while (*list != '\0') {
		size_t n = strcspn(list, ",");
		char *key = xstrndup(list, n);
		const char *values[] = { d->name, key };
		struct buf href;

		buf_init(&href, 0);
		if (strcmp(page, LINK_PAGE_RUN) == 0)
			links_build(&href, NULL, LINK_PAGE_RUN, values);
		else {	/* a DAG's page that takes ?partition= (the graph) */
			links_build(&href, NULL, page, values);
			buf_adds(&href, "?partition=");
			text_url_segment(&href, key);
		}
		buf_adds(&p, "<a class=\"nearest\" href=\"");
		text_html_escape(&p, buf_str(&href));
		buf_adds(&p, "\">");
		html_partition(&p, key);
		buf_adds(&p, "</a>");
		buf_free(&href);
		free(key);
		list += n;
		if (*list == ',') {
			buf_adds(&p, ", ");
			list += 2;
		}
	}
	buf_adds(&p, "</p><p><a href=\"/\" id=\"to-dags\">All DAGs</a>");
	res = error_page(r, 404, "Not found", "<p>", &p);
	buf_free(&p);
	return res;
}

enum web_result
pages_forbidden(struct web_req *r, const char *what)
{
	struct buf p;
	enum web_result res;

	buf_init(&p, 0);
	text_html_escape(&p, what);
	buf_adds(&p, " You are logged in as ");
	text_html_escape(&p, r->user.name);
	buf_adds(&p, " (");
	text_html_escape(&p, auth_role_name(r->user.role));
	buf_adds(&p, "); an admin can give you another role.");
	res = error_page(r, 403, "Forbidden", "<p id=\"forbidden\">", &p);
	buf_free(&p);
	return res;
}


void
pages_login(struct web_req *r, const char *message, int status, const char *next,
	    const char *username)
{
	struct buf b;

	if (next == NULL)
		next = web_query(r, "next");
	/* a page whose session ended while it was open sends here */
	if (message == NULL && web_query(r, "ended") != NULL)
		message = "Your session has ended (logged out, expired, or its password "
			  "changed): an action you had just made was not done. Log in "
			  "again to go on.";

	buf_init(&b, 0);
	buf_adds(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<title>Log in · sluice</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
		     "<link rel=\"icon\" href=\"/favicon.ico\">"
		     "</head><body data-page=\"login\"><main class=\"login\"><h1>sluice</h1>");
	if (message != NULL) {
		buf_adds(&b, "<p class=\"error\" id=\"login-error\">");
		text_html_escape(&b, message);
		buf_adds(&b, "</p>");
	}
	/* a new home (a package's, a `sluice web` before any `users add`):
	 * say how the first person gets in; the home's path stays in the
	 * web's log, not on a page anyone can open */
	if (auth_user_count(r->w->store) == 0)
		buf_adds(&b, "<p class=\"note\" id=\"login-first\">No one can log in yet. On the "
			     "server, add the first user as the user sluice runs as: "
			     "<code>sluice users add NAME --role admin</code> (it prints a "
			     "password), then log in here.</p>");
	/* a failed login keeps the name typed (the password is typed again,
	 * where the cursor is) */
	buf_adds(&b, "<form method=\"post\" action=\"/login\">"
		     "<label>User <input name=\"username\" id=\"username\" autocomplete=\"username\" required");
	if (username != NULL && *username != '\0') {
		buf_adds(&b, " value=\"");
		text_html_escape(&b, username);
		buf_adds(&b, "\"></label><label>Password <input name=\"password\" id=\"password\" type=\"password\" "
			     "autocomplete=\"current-password\" required autofocus></label>");
	} else
		buf_adds(&b, " autofocus></label><label>Password <input name=\"password\" id=\"password\" "
			     "type=\"password\" autocomplete=\"current-password\" required></label>");
	buf_adds(&b, "<input type=\"hidden\" name=\"next\" value=\"");
	text_html_escape(&b, next ? next : "/");
	buf_adds(&b, "\"><button type=\"submit\" id=\"login\">Log in</button></form></main></body></html>\n");
	web_html(r, status, &b);
	buf_free(&b);
}

/* How many of a broken file's errors the DAG list shows before "and N
 * more" (the DAG's page shows them all). */
#define PAGES_ERRORS_SHOWN 3

/* A broken file's errors (errors: its array of "file:line:col: message",
 * or NULL for error alone): the first shown lines, the rest behind "and N
 * more" (shown: 0 for all). */
static void
pages_file_errors(struct buf *b, const json_t *errors, const char *error,
		  size_t shown)
{
	size_t n = json_array_size(errors);

	if (n == 0) {
		buf_adds(b, "<pre class=\"file-errors\">");
		text_html_escape(b, error);
		buf_adds(b, "</pre>");
		return;
	}
	if (shown == 0 || shown >= n)
		shown = n;
	buf_adds(b, "<pre class=\"file-errors\">");
	for (size_t i = 0; i < shown; i++) {
		text_html_escape(b, json_string_value(json_array_get(errors, i)));
		buf_adds(b, i + 1 < shown ? "\n" : "");
	}
	buf_adds(b, "</pre>");
	if (shown == n)
		return;
	buf_printf(b, "<details class=\"more-errors\"><summary>and %zu more</summary>"
		   "<pre class=\"file-errors\">", n - shown);
	for (size_t i = shown; i < n; i++) {
		text_html_escape(b, json_string_value(json_array_get(errors, i)));
		buf_adds(b, i + 1 < n ? "\n" : "");
	}
	buf_adds(b, "</pre></details>");
}

/* --- DAG list --- */

/* A DAG's paused or active state as the button app.js turns into a pause
 * or unpause; for a viewer, who may not, disabled and saying why (it
 * offered a click that ended in a 403 in an alert) */
static void
pause_toggle(struct buf *b, const struct web_req *r, const char *dag, int paused)
{
	buf_adds(b, "<button class=\"pause-toggle\" data-dag=\"");
	text_html_escape(b, dag);
	buf_printf(b, "\" data-paused=\"%d\"", paused);
	if (r->user.role < ROLE_OPERATOR)
		buf_adds(b, " disabled title=\"pausing and unpausing need the operator role\"");
	buf_printf(b, ">%s</button>", paused ? "paused" : "active");
}

enum web_result
pages_dags(struct web_req *r)
{
	const struct dagbag *bag = web_dagbag(r->w);
	json_t *list = api_dags_list_json(r->w, NULL), *dag_list, *errs;
	struct buf b;
	const char *tag = web_query(r, "tag");

	if (tag != NULL && (*tag == '\0' || !api_key_ok(tag)))
		tag = NULL;

	if (list == NULL)
		return api_db_failed(r);
	dag_list = json_object_get(list, "dags");
	errs = json_object_get(list, "errors");
	buf_init(&b, 0);
	html_begin(r, &b, "DAGs", "dags");
	/* ?tag=T shows the DAGs tagged T; the others stay on the page, hidden,
	 * so the filter box can change its mind without a reload */
	buf_adds(&b, "<h1>DAGs</h1><form class=\"toolbar\" id=\"dag-filter-form\" method=\"get\">"
		     "<label>Tag <input name=\"tag\" id=\"dag-filter\" list=\"dag-tags\" "
		     "placeholder=\"any tag\" autocomplete=\"off\" value=\"");
	if (tag != NULL)
		text_html_escape(&b, tag);
	buf_adds(&b, "\"></label><button type=\"submit\">Filter</button>"
		     "<button type=\"button\" id=\"dag-filter-clear\">All DAGs</button>"
		     "<span id=\"dag-count\" class=\"note\"></span><datalist id=\"dag-tags\">");
	{
		json_t *seen = json_object();

		for (size_t i = 0; i < json_array_size(dag_list); i++) {
			size_t k;
			json_t *t;

			json_array_foreach(json_object_get(json_array_get(dag_list, i), "tags"), k, t)
				json_object_set(seen, json_string_value(t), json_true());
		}
		{
			const char *k;
			json_t *v;

			json_object_foreach(seen, k, v) {
				buf_adds(&b, "<option value=\"");
				text_html_escape(&b, k);
				buf_adds(&b, "\">");
			}
		}
		json_decref(seen);
	}
	buf_adds(&b, "</datalist></form>");
	if (json_array_size(dag_list) == 0 && json_array_size(errs) == 0) {
		/* a new home: say where DAGs come from, not just an empty table */
		buf_adds(&b, "<p class=\"note\" id=\"no-dags\">No DAGs yet: put a DAG file "
			     "(<code>NAME.yaml</code>) in the DAG folder, <code>");
		text_html_escape(&b, r->w->cfg->dags_dir);
		buf_adds(&b, "</code>; <code>sluice dags validate</code> checks it.</p>");
	}
	buf_adds(&b, "<table class=\"list\" id=\"dags\"><thead><tr><th>DAG</th>"
		     "<th>Schedule</th><th>Paused</th><th>Last runs</th><th>Next partition</th>"
		     "<th>Tasks</th></tr></thead><tbody>");
	for (size_t i = 0; i < json_array_size(dag_list); i++) {
		json_t *d = json_array_get(dag_list, i), *runs = json_object_get(d, "last_runs");
		json_t *tags = json_object_get(d, "tags");
		const char *name = json_string_value(json_object_get(d, "dag"));
		const char *desc = json_string_value(json_object_get(d, "description"));
		const char *error = json_string_value(json_object_get(d, "error"));
		const char *sched = json_string_value(json_object_get(d, "schedule"));
		const char *zone = json_string_value(json_object_get(d, "timezone"));
		int paused = json_is_true(json_object_get(d, "paused"));
		int loaded = json_is_true(json_object_get(d, "loaded"));
		int shown = tag == NULL;
		const struct dag *dag = dagbag_find(bag, name);

		for (size_t k = 0; !shown && k < json_array_size(tags); k++)
			shown = strcmp(json_string_value(json_array_get(tags, k)), tag) == 0;
		buf_adds(&b, "<tr data-dag=\"");
		text_html_escape(&b, name);
		buf_printf(&b, "\"%s%s><td>", error != NULL ? " class=\"has-error\"" : "",
			   shown ? "" : " hidden");
		if (loaded) {
			/* (a DAG known only from the database has no page) */
			buf_adds(&b, "<a class=\"dag-link\" href=\"/dags/");
			text_url_segment(&b, name);
			buf_adds(&b, "\">");
			text_html_name(&b, name);
			buf_adds(&b, "</a>");
		} else
			text_html_name(&b, name);
		if (json_array_size(tags) > 0) {
			buf_adds(&b, "<span class=\"tags\">");
			for (size_t k = 0; k < json_array_size(tags); k++) {
				const char *t = json_string_value(json_array_get(tags, k));

				buf_adds(&b, "<a class=\"tag\" href=\"/?tag=");
				text_url_segment(&b, t);
				buf_adds(&b, "\" data-tag=\"");
				text_html_escape(&b, t);
				buf_adds(&b, "\" title=\"the DAGs tagged ");
				text_html_escape(&b, t);
				buf_adds(&b, "\">");
				text_html_escape(&b, t);
				buf_adds(&b, "</a>");
			}
			buf_adds(&b, "</span>");
		}
		if (desc != NULL) {
			buf_adds(&b, "<div class=\"desc\">");
			text_html_escape(&b, desc);
			buf_adds(&b, "</div>");
		}
		if (error != NULL) {
			buf_adds(&b, "<div class=\"dag-error error\">");
			buf_adds(&b, json_is_true(json_object_get(d, "file_missing")) ?
				 "file gone" : loaded ? "file broken: running its last good version" :
				 "file broken");
			pages_file_errors(&b, json_object_get(d, "errors"), error,
					  PAGES_ERRORS_SHOWN);
			buf_adds(&b, "</div>");
		}
		buf_adds(&b, "</td><td><code>");
		text_html_escape(&b, sched ? sched : "-");
		buf_adds(&b, "</code> <small>");
		text_html_escape(&b, zone ? zone : "");
		buf_adds(&b, "</small></td><td>");
		pause_toggle(&b, r, name, paused);
		buf_adds(&b, "</td><td class=\"last-runs\">");
		for (size_t k = json_array_size(runs); k-- > 0;) {
			json_t *run = json_array_get(runs, k);

			const char *key = json_string_value(json_object_get(run, "partition"));
			char *what = xasprintf("%s: %s", key,
					       json_string_value(json_object_get(run, "state")));

			buf_adds(&b, "<span class=\"dot st-");
			text_html_escape(&b, json_string_value(json_object_get(run, "state")));
			buf_adds(&b, "\"");
			pages_partition_title(&b, dag, key, what);
			buf_adds(&b, "></span>");
			free(what);
		}
		buf_adds(&b, "</td><td class=\"next-partition\">");
		if (json_is_string(json_object_get(d, "next_partition"))) {
			const char *next = json_string_value(json_object_get(d, "next_partition"));

			if (paused)
				buf_adds(&b, "paused; next would be ");
			buf_adds(&b, "<span");
			pages_partition_title(&b, dag, next, NULL);
			buf_adds(&b, ">");
			text_html_escape(&b, next);
			buf_adds(&b, "</span>");
			if (paused)
				buf_adds(&b, " when unpaused");
		} else
			buf_adds(&b, "-");
		buf_printf(&b, "</td><td>%lld</td></tr>",
			   (long long)json_integer_value(json_object_get(d, "tasks")));
	}
	buf_adds(&b, "</tbody></table>");
	if (json_array_size(errs) > 0)
		buf_adds(&b, "<h2>DAG files with errors</h2><table class=\"list\" id=\"dag-errors\">"
			     "<thead><tr><th>File</th><th>DAG</th><th>Error</th></tr></thead><tbody>");
	for (size_t i = 0; i < json_array_size(errs); i++) {
		json_t *e = json_array_get(errs, i);
		const char *dag = json_string_value(json_object_get(e, "dag"));

		buf_adds(&b, "<tr><td><code>");
		text_html_escape(&b, json_string_value(json_object_get(e, "file")));
		buf_adds(&b, "</code></td><td>");
		text_html_escape(&b, dag ? dag : "-");
		buf_adds(&b, "</td><td class=\"error\">");
		pages_file_errors(&b, json_object_get(e, "errors"),
				  json_string_value(json_object_get(e, "error")),
				  PAGES_ERRORS_SHOWN);
		buf_adds(&b, "</td></tr>");
	}
	if (json_array_size(errs) > 0)
		buf_adds(&b, "</tbody></table>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	json_decref(list);
	return WEB_DONE;
}

/* --- DAG page: the partition grid --- */

void
pages_dag_header(struct web_req *r, struct buf *b, const struct dag *d, const char *tab)
{
	buf_adds(b, "<div class=\"dag-head\"><h1>");
	text_html_name(b, d->name);
	buf_adds(b, "</h1>");
	if (d->description != NULL) {
		buf_adds(b, "<p class=\"desc\" id=\"dag-description\">");
		text_html_escape(b, d->description);
		buf_adds(b, "</p>");
	}
	{
		const struct dagbag_entry *e =
		    dagbag_find_entry(web_dagbag(r->w), d->name);

		if (e != NULL && e->error != NULL) {
			buf_adds(b, "<div class=\"dag-error error\" id=\"dag-error\">");
			buf_adds(b, e->missing ?
				 "The DAG file is gone: the runs in progress finish, no new runs are created." :
				 "The DAG file is broken: this DAG goes on with its last good version (below) until the file is fixed.");
			pages_file_errors(b, e->errors, e->error, 0);
			buf_adds(b, "</div>");
		}
	}
	buf_adds(b, "<p class=\"meta\">schedule <code>");
	text_html_escape(b, d->schedule_text);
	buf_adds(b, "</code> · ");
	text_html_escape(b, tz_name(d->tz));
	buf_printf(b, " · %d task%s · ", d->ntasks, d->ntasks == 1 ? "" : "s");
	pause_toggle(b, r, d->name, store_dag_paused(r->w->store, d->name,
						     r->w->cfg->dags_paused_at_creation));
	buf_adds(b, "</p>");
	buf_adds(b, "<nav class=\"tabs\"><a href=\"/dags/");
	text_url_segment(b, d->name);
	buf_printf(b, "\"%s>Grid</a><a href=\"/dags/", strcmp(tab, "grid") == 0 ? " class=\"on\"" : "");
	text_url_segment(b, d->name);
	buf_printf(b, "/graph\"%s>Graph</a>", strcmp(tab, "graph") == 0 ? " class=\"on\"" : "");
	if (d->schedule != NULL) {
		buf_adds(b, "<a id=\"map-tab\" href=\"/dags/");
		text_url_segment(b, d->name);
		buf_printf(b, "/map\"%s>Partition map</a>", strcmp(tab, "map") == 0 ? " class=\"on\"" : "");
	}
	buf_adds(b, "</nav></div>");
}

/* A value as the Trigger form shows it: a string as is, anything else as
 * JSON (the caller frees). */
static char *
param_text(const json_t *v)
{
	return json_is_string(v) ? xstrdup(json_string_value(v)) :
	       json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* One declared param of the Trigger form: one without a default is
 * required (an empty box), a secret one's default is not shown (an empty
 * box keeps it), one with an enum is a list of its values, and a
 * description is shown beside it. */
static void
trigger_param_field(struct buf *b, const char *k, json_t *decl)
{
	json_t *v = json_object_get(decl, "default");
	json_t *choices = json_object_get(decl, "enum");
	const char *desc = json_string_value(json_object_get(decl, "description"));
	const char *type = json_string_value(json_object_get(decl, "type"));
	int secret = json_is_true(json_object_get(decl, "secret"));
	char *text = v == NULL || secret ? NULL : param_text(v);
	json_t *bools = NULL;
	size_t i;
	json_t *c;

	if (!json_is_array(choices) || json_array_size(choices) == 0 || secret)
		choices = NULL;
	/* a boolean is one of two words, not a box to type "yes" in */
	if (choices == NULL && !secret && type != NULL && strcmp(type, "boolean") == 0)
		choices = bools = json_pack("[bb]", 1, 0);
	buf_adds(b, "<label>");
	text_html_escape(b, k);
	buf_adds(b, choices != NULL ? " <select class=\"param\" data-param=\"" :
				      " <input class=\"param\" data-param=\"");
	text_html_escape(b, k);
	if (secret)
		buf_adds(b, "\" data-secret=\"1\" type=\"password\" autocomplete=\"off");
	else if (choices == NULL && type != NULL && strcmp(type, "integer") == 0)
		buf_adds(b, "\" type=\"number\" step=\"1");
	else if (choices == NULL && type != NULL && strcmp(type, "number") == 0)
		buf_adds(b, "\" type=\"number\" step=\"any");
	if (v == NULL)
		buf_adds(b, choices != NULL ? "\" data-required=\"1" :
			    "\" data-required=\"1\" placeholder=\"required");
	else if (secret)
		/* short enough for the box at every width; the rest in its title */
		buf_adds(b, "\" placeholder=\"empty: the default\" "
			    "title=\"a secret: what you type is not shown; left empty, the default is used");
	if (choices != NULL) {
		/* a required one starts on an empty choice, so the server
		 * names it when none is made */
		buf_adds(b, v == NULL ? "\"><option value=\"\">choose…</option>" : "\">");
		json_array_foreach(choices, i, c) {
			char *ct = param_text(c);

			buf_adds(b, "<option value=\"");
			text_html_escape(b, ct);
			buf_adds(b, text != NULL && strcmp(text, ct) == 0 ?
				    "\" selected>" : "\">");
			text_html_escape(b, ct);
			buf_adds(b, "</option>");
			free(ct);
		}
		buf_adds(b, "</select>");
	} else {
		buf_adds(b, "\" value=\"");
		text_html_escape(b, text ? text : "");
		buf_adds(b, "\">");
	}
	if (desc != NULL) {
		buf_adds(b, " <small class=\"param-desc\">");
		text_html_escape(b, desc);
		buf_adds(b, "</small>");
	}
	buf_adds(b, "</label>");
	json_decref(bools);
	free(text);
}

enum web_result
pages_dag(struct web_req *r)
{
	struct dag *d = r->dag;
	struct buf b;
	int can_change = r->user.role >= ROLE_OPERATOR;

	buf_init(&b, 0);
	html_begin(r, &b, d->name, "dag");
	pages_dag_header(r, &b, d, "grid");
	buf_adds(&b, "<section class=\"toolbar\" id=\"toolbar\">");
	/* jump and filter: for everyone who may look */
	/* an unscheduled DAG's keys are free text: no date to suggest */
	buf_printf(&b, "<form class=\"group\" id=\"grid-jump\"><label>Go to <input id=\"grid-at\" size=\"28\" "
		     "placeholder=\"%s\" title=\"a partition key, a time "
		     "(the partition holding it) or a date (the partitions starting that day), in the "
		     "DAG's zone\"></label><button type=\"submit\" id=\"grid-go\">Go</button></form>",
		   d->schedule != NULL ? "a date, a time or a key" : "a partition key");
	buf_adds(&b, "<label class=\"group\">Show <select id=\"grid-filter\">"
		     "<option value=\"\">every run</option>"
		     "<option value=\"state=failed\">failed runs</option>"
		     "<option value=\"state=running\">running runs</option>"
		     "<option value=\"state=queued\">queued runs</option>"
		     "<option value=\"state=success\">successful runs</option>"
		     "<option value=\"task_state=failed\">runs with a failed task</option>"
		     "<option value=\"task_state=upstream_failed\">runs with an upstream_failed task</option>"
		     "<option value=\"task_state=running\">runs with a running task</option>"
		     "<option value=\"stale=1\">stale runs (an input changed since)</option>"
		     "</select></label>");
	if (can_change) {
		buf_adds(&b, "<div class=\"group\"><span id=\"selection-count\">nothing selected</span>"
			     "<button id=\"select-none\" type=\"button\">Clear selection</button></div>"
			     "<div class=\"group\" id=\"grid-actions\"><label><input type=\"checkbox\" id=\"opt-downstream\"> downstream</label>"
			     "<label><input type=\"checkbox\" id=\"opt-upstream\"> upstream</label>"
			     "<label><input type=\"checkbox\" id=\"opt-only-failed\"> only failed</label>"
			     "<button id=\"clear-btn\" type=\"button\" disabled>Clear…</button>"
			     "<button id=\"mark-success-btn\" type=\"button\" disabled>Mark success</button>"
			     "<button id=\"mark-failed-btn\" type=\"button\" disabled>Mark failed</button></div>");
		/* trigger with a params form from the DAG's declared params;
		 * a box for a partition holds a whole key, as Go to's does
		 * (size 28: 2026-12-03T10:00:00+01:00 and the cursor) */
		buf_adds(&b, "<details class=\"group\" id=\"trigger\"><summary>Trigger</summary>"
			     "<form id=\"trigger-form\"><label>Partition <input name=\"partition\" id=\"trigger-partition\" "
			     "size=\"28\" placeholder=\"");
		/* the partition an empty box runs (sluice trigger's default) */
		buf_adds(&b, d->schedule != NULL ? "latest complete" : "a new key: now");
		buf_adds(&b, "\"></label>");
		if (d->param_decls != NULL) {
			const char *k;
			json_t *decl;

			/* every declared param: one without a default is
			 * required (an empty box), a secret one's default is
			 * not shown (an empty box keeps it), a description is
			 * shown beside the box */
			json_object_foreach(d->param_decls, k, decl)
				trigger_param_field(&b, k, decl);
		}
		/* a partition outside the DAG's start..end is refused (a
		 * likely typo) unless this is ticked */
		if (d->schedule != NULL)
			buf_adds(&b, "<label><input type=\"checkbox\" id=\"trigger-outside\"> "
				     "even before start: or past end:</label>");
		buf_adds(&b, "<button type=\"submit\" id=\"trigger-btn\">Trigger</button></form></details>");
		if (d->schedule != NULL)
			buf_adds(&b, "<details class=\"group\" id=\"backfill\"><summary>Backfill</summary>"
				     "<form id=\"backfill-form\"><label>From <input name=\"from\" id=\"backfill-from\" "
				     "size=\"28\" placeholder=\"a date, time or key\" required></label><label>To <input name=\"to\" "
				     "id=\"backfill-to\" size=\"28\" placeholder=\"the latest complete one\" "
				     "title=\"empty: up to the latest partition whose interval has ended\"></label>"
				     "<label>Which <select id=\"backfill-only\"><option value=\"missing\">missing "
				     "partitions</option><option value=\"failed\">failed runs</option><option "
				     "value=\"all\">all (re-run finished runs)</option></select></label>"
				     "<label><input type=\"checkbox\" id=\"backfill-newest-first\"> newest first</label>"
				     "<label><input type=\"checkbox\" id=\"backfill-outside\"> "
				     "even before start: or past end:</label>"
				     "<label>At most <input id=\"backfill-max-active\" type=\"number\" min=\"1\" "
				     "size=\"4\" placeholder=\"any\"> at once</label>"
				     "<button type=\"submit\" id=\"backfill-btn\">Backfill</button></form></details>");
	} else
		buf_adds(&b, "<p class=\"note\">You can look; clearing, marking and triggering need the operator role.</p>");
	buf_adds(&b, "<p class=\"status\" id=\"status\" role=\"status\"></p></section>");
	pages_backfills_section(r, &b, d);
	/* a grid widget (app.js): one tab stop, arrows between cells */
	buf_adds(&b, "<div class=\"grid-wrap\"><table class=\"grid\" id=\"grid\" role=\"grid\" "
		     "aria-label=\"partitions by tasks\" aria-describedby=\"grid-keys\" data-dag=\"");
	text_html_escape(&b, d->name);
	buf_adds(&b, "\" data-tz=\"");
	if (!tz_is_utc(d->tz))
		text_html_escape(&b, tz_name(d->tz));
	/* data-scheduled: only a scheduled DAG has a partition map, so only
	 * its grid asks for the never-run partitions between its runs */
	buf_printf(&b, "\" data-scheduled=\"%d\" data-can-change=\"%d\"><thead></thead><tbody></tbody></table></div>"
		       "<div class=\"pager\"><button id=\"newer\" type=\"button\">◀ newer</button>"
		       "<span id=\"page-info\"></span><button id=\"older\" type=\"button\">older ▶</button></div>",
		   d->schedule != NULL, can_change);
	pages_state_legend(&b, NULL);
	buf_printf(&b, "<p class=\"note\" id=\"grid-keys\">Keyboard: Tab into the grid, arrow keys move, "
		       "Enter opens a task instance%s.</p>",
		   can_change ? ", Space selects it (Shift+Space: the range from the last one)" : "");
	buf_adds(&b, "<div class=\"modal\" id=\"preview\" hidden><div class=\"dialog\"><h2 id=\"preview-title\"></h2>"
		     "<p id=\"preview-summary\"></p><div class=\"preview-list\"><table id=\"preview-table\"><thead><tr>"
		     "<th>Partition</th><th>Task</th><th>Now</th></tr></thead><tbody></tbody></table></div>"
		     "<label id=\"preview-mark-option\" class=\"option\" hidden><input type=\"checkbox\" "
		     "id=\"mark-clear-downstream\"> also clear the downstream tasks that are upstream_failed "
		     "because of these, so they run again</label><div id=\"preview-extra\" class=\"note\"></div>"
		     "<div class=\"buttons\"><button id=\"preview-cancel\" type=\"button\">Cancel</button>"
		     "<button id=\"preview-confirm\" type=\"button\" class=\"primary\">Confirm</button></div></div></div>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	return WEB_DONE;
}

/* --- task instance page --- */

/* Would string s, shown as it is, read as something else: inside a
 * list or braces (nested) a ",", "{" or "}" in it or a space at an end
 * looks like more items or keys ({x: a, token: ***} from one param's
 * "a, token: ***"), and anywhere a line
 * break (collapsed on the page) or an empty string reads as nothing. */
static int
audit_string_ambiguous(const char *s, int nested)
{
	if (*s == '\0' || strpbrk(s, "\r\n") != NULL)
		return 1;
	return nested && (strpbrk(s, ",{}") != NULL || s[0] == ' ' ||
			  s[strlen(s) - 1] == ' ');
}

/* A value of an audit entry's detail as text: a string as it is (a
 * partition key or time one word) unless that could read as something
 * else, then in JSON quotes (audit_string_ambiguous), a list with
 * commas, yes or no, none, an object's keys and values in braces. */
static void
audit_value_in(struct buf *b, json_t *v, int nested);

static void
audit_value(struct buf *b, json_t *v)
{
	audit_value_in(b, v, 0);
}

static void
audit_value_in(struct buf *b, json_t *v, int nested)
{
	const char *k;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (audit_string_ambiguous(json_string_value(v), nested)) {
			char *q = json_dumps(v, JSON_ENCODE_ANY);

			text_html_escape(b, q != NULL ? q : "");
			free(q);
		} else if (starts_with_date(json_string_value(v)))
			html_partition(b, json_string_value(v));
		else
			text_html_escape(b, json_string_value(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		buf_printf(b, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		buf_adds(b, "yes");
		break;
	case JSON_FALSE:
		buf_adds(b, "no");
		break;
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			buf_adds(b, "none");
		json_array_foreach(v, i, x) {
			if (i > 0)
				buf_adds(b, ", ");
			audit_value_in(b, x, 1);
		}
		break;
	case JSON_OBJECT:
		i = 0;
		buf_addc(b, '{');
		json_object_foreach(v, k, x) {
			if (i++ > 0)
				buf_adds(b, ", ");
			text_html_escape(b, k);
			buf_adds(b, ": ");
			audit_value_in(b, x, 1);
		}
		buf_addc(b, '}');
		break;
	default:
		buf_adds(b, "none");
		break;
	}
}

/* An audit entry's detail (JSON text) as a line per key, "key: value";
 * a detail that is not a JSON object as its text. */
static void
audit_detail(struct buf *b, const char *text)
{
	json_t *o = text != NULL ? json_loads(text, 0, NULL) : NULL;
	const char *k;
	json_t *v;

	if (!json_is_object(o)) {
		buf_adds(b, "<code>");
		text_html_escape(b, text);
		buf_adds(b, "</code>");
		json_decref(o);
		return;
	}
	json_object_foreach(o, k, v) {
		buf_adds(b, "<div class=\"kv\"><span class=\"k\">");
		text_html_escape(b, k);
		buf_adds(b, ":</span> ");
		audit_value(b, v);
		buf_adds(b, "</div>");
	}
	json_decref(o);
}

enum web_result
pages_audit(struct web_req *r)
{
	long long offset = 0;
	const char *o = web_query(r, "offset");
	json_t *rows;
	struct buf b;

	if (o != NULL && sl_parse_int(o, 0, INT_MAX, &offset) < 0)
		offset = 0;
	if ((rows = store_audit_json(r->w->store, 100, (int)offset)) == NULL)
		return api_db_failed(r);
	buf_init(&b, 0);
	html_begin(r, &b, "Audit", "audit");
	buf_adds(&b, "<h1>Audit log</h1><p class=\"note\">Every action a person took, newest first; times in UTC.</p>"
		     "<table class=\"list\" id=\"audit\"><thead><tr><th>When</th><th>Who</th><th>Action</th>"
		     "<th>DAG</th><th>Detail</th></tr></thead><tbody>");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i);


		buf_adds(&b, "<tr><td>");
		/* one zone for the whole timeline (each DAG's own would put
		 * 04:51+05:30 between two 23:21+00:00), as the log's lines */
		html_time(&b, NULL, json_object_get(row, "at"));
		buf_adds(&b, "</td><td>");
		text_html_escape(&b, json_string_value(json_object_get(row, "who")));
		buf_adds(&b, "</td><td>");
		text_html_escape(&b, json_string_value(json_object_get(row, "action")));
		buf_adds(&b, "</td><td>");
		text_html_name(&b, json_string_value(json_object_get(row, "dag")));
		buf_adds(&b, "</td><td>");
		audit_detail(&b, json_string_value(json_object_get(row, "detail")));
		buf_adds(&b, "</td></tr>");
	}
	buf_adds(&b, "</tbody></table><div class=\"pager\">");
	if (offset > 0)
		buf_printf(&b, "<a href=\"/audit?offset=%lld\">◀ newer</a>", offset >= 100 ? offset - 100 : 0);
	if (json_array_size(rows) == 100)
		buf_printf(&b, "<a href=\"/audit?offset=%lld\">older ▶</a>", offset + 100);
	buf_adds(&b, "</div>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	json_decref(rows);
	return WEB_DONE;
}

void
pages_to_login(struct web_req *r)
{
	struct buf loc;
	const char *target;

	buf_init(&loc, 0);
	buf_adds(&loc, "/login?next=");
	target = web_app_target(r);
	if (target[0] != '/')
		text_url_segment(&loc, "/");
	text_url_segment(&loc, target);
	web_redirect(r, buf_str(&loc));
	buf_free(&loc);
}
