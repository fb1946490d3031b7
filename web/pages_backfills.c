/*
 * pages_backfills.c: backfills in the UI: the list page (/backfills, every
 * DAG's, newest first, each with its state, progress bar and ETA, and a
 * cancel button for operators) and the DAG page's section of its active
 * ones. app.js refreshes both from GET /api/v1/backfills while the page
 * is open.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <string.h>

#include "store/store.h"

/* One backfill as a table row; can_change: a cancel button while it is
 * queued or running. */
static void
bf_row(struct web_req *r, struct buf *b, json_t *bf, int with_dag, int can_change)
{
	const char *state = json_string_value(json_object_get(bf, "state"));
	const char *dag = json_string_value(json_object_get(bf, "dag"));
	const struct dag *d = dag ? dagbag_find(web_dagbag(r->w), dag) : NULL;
	long long id = json_integer_value(json_object_get(bf, "id"));
	long long total = json_integer_value(json_object_get(bf, "total"));
	long long done = json_integer_value(json_object_get(bf, "done"));
	long long left_out = json_integer_value(json_object_get(bf, "left_out"));
	int active = state != NULL && (strcmp(state, "queued") == 0 ||
				       strcmp(state, "running") == 0);

	buf_printf(b, "<tr class=\"backfill\" data-id=\"%lld\"><td>%lld</td>", id, id);
	if (with_dag) {
		buf_adds(b, "<td><a href=\"/dags/");
		text_url_segment(b, dag ? dag : "");
		buf_adds(b, "\">");
		text_html_name(b, dag);
		buf_adds(b, "</a></td>");
	}
	buf_adds(b, "<td class=\"bf-state\">");
	pages_state_badge(b, state ? state : "");
	buf_printf(b, "</td><td><progress class=\"bf-progress\" value=\"%lld\" max=\"%lld\"></progress> "
		   "<span class=\"bf-done\">%lld/%lld</span> <span class=\"bf-detail note\">"
		   "%lld&nbsp;failed, %lld&nbsp;running",
		   done, total > 0 ? total : 1, done, total,
		   (long long)json_integer_value(json_object_get(bf, "failed")),
		   (long long)json_integer_value(json_object_get(bf, "running")));
	/* a cancelled one: the queued runs the cancel removed (app.js too) */
	if (json_integer_value(json_object_get(bf, "removed")) > 0)
		buf_printf(b, ", %lld&nbsp;removed",
			   (long long)json_integer_value(json_object_get(bf, "removed")));
	buf_adds(b, "</span></td><td class=\"bf-eta\">");
	if (json_is_integer(json_object_get(bf, "eta_s"))) {
		char eta[32];

		text_html_escape(b, sl_format_duration(
		    json_integer_value(json_object_get(bf, "eta_s")) * 1000, eta, sizeof eta));
	} else
		buf_adds(b, "-");
	buf_adds(b, "</td><td class=\"bf-range\">");
	/* the range's ellipsis keeps to its first key: a narrow column
	 * breaks the range after it (app.js's backfillRow too) */
	html_partition(b, json_string_value(json_object_get(bf, "from")));
	buf_adds(b, "&nbsp;… ");
	html_partition(b, json_string_value(json_object_get(bf, "to")));
	if (left_out > 0) {
		/* cut to the DAG's start: and end: (app.js's backfillRow too) */
		buf_adds(b, "<span class=\"bf-asked note\">asked ");
		html_partition(b, json_string_value(json_object_get(bf, "asked_from")));
		buf_adds(b, "&nbsp;… ");
		html_partition(b, json_string_value(json_object_get(bf, "asked_to")));
		buf_printf(b, ": %lld partition%s outside start:/end: left out</span>",
			   left_out, left_out == 1 ? "" : "s");
	}
	buf_adds(b, "</td><td>");
	text_html_escape(b, json_string_value(json_object_get(bf, "only")));
	if (json_is_true(json_object_get(bf, "newest_first")))
		buf_adds(b, ", newest first");
	if (json_is_integer(json_object_get(bf, "max_active")))
		buf_printf(b, ", at most %lld at once",
			   (long long)json_integer_value(json_object_get(bf, "max_active")));
	buf_adds(b, "</td><td class=\"bf-by\">");
	text_html_escape(b, json_string_value(json_object_get(bf, "created_by")));
	buf_adds(b, ", ");
	html_time(b, d ? d->tz : NULL, json_object_get(bf, "created_at"));
	buf_adds(b, "</td><td>");
	if (can_change && active)
		buf_printf(b, "<button type=\"button\" class=\"bf-cancel\" data-id=\"%lld\">Cancel…</button>", id);
	buf_adds(b, "</td></tr>");
}

static void
bf_table(struct web_req *r, struct buf *b, json_t *list, int with_dag, const char *dag)
{
	int can_change = r->user.role >= ROLE_OPERATOR;
	size_t i;
	json_t *bf;

	buf_adds(b, "<table class=\"list backfills\" id=\"backfills\" data-dag=\"");
	text_html_escape(b, dag ? dag : "");
	buf_printf(b, "\" data-can-change=\"%d\"><thead><tr><th>ID</th>%s<th>State</th><th>Progress</th>"
		   "<th>ETA</th><th>Range</th><th>Which</th><th>By</th><th></th></tr></thead><tbody>",
		   can_change, with_dag ? "<th>DAG</th>" : "");
	json_array_foreach(list, i, bf)
		bf_row(r, b, bf, with_dag, can_change);
	buf_adds(b, "</tbody></table>");
	/* Cancel…'s dialog: what the cancel does to each of its runs (the
	 * server's dry run), and whether the running ones are killed */
	if (can_change)
		buf_adds(b, "<div class=\"modal\" id=\"bf-cancel-dialog\" hidden><div class=\"dialog\">"
			    "<h2 id=\"bf-cancel-title\">Cancel the backfill?</h2>"
			    "<p id=\"bf-cancel-summary\"></p>"
			    "<div class=\"preview-list\"><table id=\"bf-cancel-runs\"><thead><tr><th>Partition</th>"
			    "<th>Now</th><th>Then</th></tr></thead><tbody></tbody></table></div>"
			    "<label class=\"option\"><input type=\"checkbox\" id=\"bf-cancel-kill\"> "
			    "kill the running runs' tries (their unfinished tasks fail)</label>"
			    "<div class=\"buttons\"><button id=\"bf-cancel-cancel\" type=\"button\">Keep it</button>"
			    "<button id=\"bf-cancel-confirm\" type=\"button\" class=\"danger\">Cancel the backfill</button>"
			    "</div></div></div>");
}

enum web_result
pages_backfills(struct web_req *r)
{
	json_t *list = store_backfills_json(r->w->store, NULL, 0, 200);
	struct buf b;

	if (list == NULL)
		return api_db_failed(r);
	buf_init(&b, 0);
	html_begin(r, &b, "Backfills", "backfills");
	buf_adds(&b, "<h1>Backfills</h1><p class=\"note\">Runs of a range of partitions, newest "
		     "first. Their runs are in the backfill lane: they hold at most backfill_share "
		     "of the slots, so live partitions never wait for them. Cancelling removes the "
		     "queued runs; running ones finish, or are killed.</p>");
	if (json_array_size(list) == 0)
		buf_adds(&b, "<p class=\"note\" id=\"no-backfills\">No backfills yet: "
			     "<code>sluice backfill DAG --from P --to P</code>, or a DAG page's "
			     "Backfill.</p>");
	bf_table(r, &b, list, 1, NULL);
	buf_adds(&b, "<p class=\"status\" id=\"status\" role=\"status\"></p>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	json_decref(list);
	return WEB_DONE;
}

void
pages_backfills_section(struct web_req *r, struct buf *b, const struct dag *d)
{
	json_t *list = store_backfills_json(r->w->store, d->name, 0, 20);
	json_t *active = json_array();
	size_t i;
	json_t *bf;

	json_array_foreach(list, i, bf) {
		const char *state = json_string_value(json_object_get(bf, "state"));

		if (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0)
			json_array_append(active, bf);
	}
	buf_adds(b, "<section class=\"dag-backfills\" id=\"dag-backfills\"");
	if (json_array_size(active) == 0)
		buf_adds(b, " hidden");
	buf_adds(b, "><h2>Active backfills <a class=\"note\" href=\"/backfills\">all backfills</a></h2>");
	bf_table(r, b, active, 0, d->name);
	buf_adds(b, "</section>");
	json_decref(active);
	json_decref(list);
}
