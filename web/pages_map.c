/*
 * pages_map.c: the partition map page of a scheduled DAG: every expected
 * partition of a range (a year by default) on one screen, coloured by
 * state (scheduler/expected.h). The page carries the compact form of
 * GET /api/v1/dags/{dag}/partitions as a JSON data block; web/assets/map.js
 * (inline, with the page's stylesheets: a fresh browser draws the year
 * without fetching anything, web/inline.c) draws it at once and then
 * polls the API, so cells change without a reload: an hourly DAG as days x 24
 * hours, a daily one as a calendar of weeks x 7 days, any other cadence
 * as a strip. Selecting a range offers Backfill missing, Clear failed and
 * Clear range, each previewed first through the same endpoints the grid
 * uses (backfill, clear with dry_run).
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/expected.h"
#include "scheduler/tz.h"

/* One legend entry per map state, in the enum's order. */
static void
map_legend(struct buf *b)
{
	buf_adds(b, "<div class=\"map-legend\" id=\"map-legend\">");
	for (int i = 0; i < EXPECTED_NSTATES; i++) {
		const char *name = expected_state_name(i);

		buf_printf(b, "<span class=\"map-key\" data-state=\"%s\"><i class=\"mc m-%s\"></i>%s "
			   "<b class=\"map-count\" data-count=\"%s\"></b></span>", name, name, name, name);
	}
	buf_adds(b, "</div>");
}

/* A query value as an attribute value ("" when absent). */
static void
map_attr(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, " %s=\"", name);
	text_html_escape(b, value != NULL ? value : "");
	buf_addc(b, '"');
}

void
pages_map_body(struct web_req *r, struct buf *b, const struct dag *d,
	       const char *task, const char *dataset, int can_change)
{
	const char *from = web_query(r, "from"), *to = web_query(r, "to");
	json_t *map, *notes;
	struct sl_err err;
	size_t i;

	/* the first map in the page itself: map.js draws it without waiting
	 * for a request (it polls the API after); a range that names nothing
	 * is left to the script, which says why */
	sl_err_clear(&err);
	map = api_partitions_compact(r->w, d, task, dataset, from, to, &err);
	inline_asset(r, b, "map.css");
	buf_adds(b, "<section class=\"toolbar\" id=\"map-toolbar\">"
		     "<form class=\"group\" id=\"map-range\" method=\"get\"><label>From <input name=\"from\" "
		     "id=\"map-from\" size=\"26\" placeholder=\"the start, or a year back\" title=\"empty: the DAG's start, at most a year back and the newest 200000 partitions\"");
	map_attr(b, "value", from);
	buf_adds(b, "></label><label>To <input name=\"to\" id=\"map-to\" size=\"26\" placeholder=\"now\"");
	map_attr(b, "value", to);
	buf_adds(b, " title=\"partition keys, times or dates, in the DAG's zone\"></label>"
		     "<button type=\"submit\">Show</button></form>");
	if (can_change)
		buf_adds(b, "<div class=\"group\" id=\"map-actions\"><button id=\"map-backfill\" type=\"button\" disabled>Backfill missing…</button>"
			     "<button id=\"map-clear-failed\" type=\"button\" disabled>Clear failed…</button>"
			     "<button id=\"map-clear-range\" type=\"button\" disabled>Clear range…</button></div>");
	else if (dataset == NULL)
		buf_adds(b, "<p class=\"note\">You can look; backfilling and clearing need the operator role.</p>");
	/* a range asked past start: or end: is cut to them, one without
	 * from to its newest partitions: say so, as sluice status and the
	 * API do */
	notes = map != NULL ? json_object_get(map, "notes") : NULL;
	if (json_array_size(notes) > 0) {
		buf_adds(b, "<p class=\"note\" id=\"map-notes\">");
		for (i = 0; i < json_array_size(notes); i++) {
			if (i > 0)
				buf_adds(b, "<br>");
			pages_message_keys(b, json_string_value(json_array_get(notes, i)));
		}
		buf_adds(b, "</p>");
	}
	buf_adds(b, "<p class=\"status\" id=\"status\" role=\"status\"></p></section>");
	buf_adds(b, "<div class=\"map-wrap\"><div id=\"map\" class=\"map\"");
	map_attr(b, "data-dag", d->name);
	if (dataset != NULL) {
		/* the dataset's map comes from its own endpoint */
		struct buf api;

		buf_init(&api, 0);
		buf_adds(&api, "/datasets/");
		text_url_segment(&api, dataset);
		buf_adds(&api, "/partitions");
		map_attr(b, "data-api", buf_str(&api));
		buf_free(&api);
	}
	map_attr(b, "data-tz", tz_is_utc(d->tz) ? "" : tz_name(d->tz));
	map_attr(b, "data-from", from);
	map_attr(b, "data-to", to);
	buf_printf(b, " data-can-change=\"%d\">", can_change);
	/* the first frame's map, before any script runs (map_image.c) */
	if (map != NULL)
		map_image(r, b, map);
	buf_adds(b, "</div><div id=\"map-tip\" class=\"map-tip\" hidden></div></div>");
	/* what is selected, under the map: above it, the line grew as a drag
	 * reached a second cell (a phone wraps it onto three lines) and moved
	 * the map under the pointer, the drag ending on another cell */
	if (can_change)
		buf_adds(b, "<p class=\"note\" id=\"map-selection\">drag over cells to select a range</p>");
	if (map != NULL) {
		char *text = json_dumps(map, JSON_COMPACT | JSON_ESCAPE_SLASH);

		if (text == NULL)
			sl_fatal("out of memory");
		buf_adds(b, "<script type=\"application/json\" id=\"map-data\">");
		text_json_script(b, text);
		buf_adds(b, "</script>");
		free(text);
		json_decref(map);
	}
	map_legend(b);
	/* selecting a range is for the actions, which only an operator of
	 * a DAG's map has */
	buf_printf(b, "<p class=\"note\" id=\"map-note\">Click a cell to open the grid at that partition%s. "
		   "The map follows the scheduler without a reload. Keyboard: Tab to the map, "
		   "arrow keys move, Enter opens%s.</p>",
		   can_change ? " (one without a run is selected instead, for a backfill); "
				"drag over cells to select a range" :
				" (a missing one as a row without a run; a future one has nothing to show yet)",
		   can_change ? ", Space selects (Shift+Space: the range from the first)" : "");
	buf_adds(b, "<div class=\"modal\" id=\"map-preview\" hidden><div class=\"dialog\">"
		     "<h2 id=\"map-preview-title\"></h2><p id=\"map-preview-summary\"></p>"
		     "<div class=\"preview-list\"><table id=\"map-preview-table\"><thead><tr>"
		     "<th>Partition</th><th>Task</th><th>Now</th></tr></thead><tbody></tbody></table></div>"
		     "<div id=\"map-preview-extra\" class=\"note\"></div>"
		     "<div class=\"buttons\"><button id=\"map-preview-cancel\" type=\"button\">Cancel</button>"
		     "<button id=\"map-preview-confirm\" type=\"button\" class=\"primary\">Confirm</button>"
		     "</div></div></div>");
	/* last, not deferred, and inline on the map page (the CSP allows it by
	 * its hash, inline.c): with nothing to fetch first, the script draws
	 * its canvas over the picture once the first frame is out, or at
	 * once on a map without one */
	inline_asset(r, b, "map.js");
	/* the first frame waits for this (pages_map): map.js has scrolled
	 * a map wider than its box to its newest end by then */
	buf_adds(b, "<i id=\"map-end\" hidden></i>");
}

enum web_result
pages_map(struct web_req *r)
{
	struct dag *d = r->dag;
	struct buf b;

	if (d->schedule == NULL)
		return pages_not_found(r, "this DAG has no schedule, so it has no partition map: see its grid");
	buf_init(&b, 0);
	/* drawn on the first frame: nothing to fetch before it (inline.c) */
	r->inline_assets = 1;
	/* and not before the map's picture is parsed (a frame of the page
	 * without its map first would be a blank map), nor before map.js
	 * has scrolled it to its newest end (a frame at the oldest end
	 * first would jump): the mark after the script */
	r->paint_after = "map-end";
	html_begin(r, &b, d->name, "map");
	pages_dag_header(r, &b, d, "map");
	pages_map_body(r, &b, d, NULL, NULL, r->user.role >= ROLE_OPERATOR);
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	return WEB_DONE;
}
