/*
 * pages_datasets.c: datasets in the UI. /datasets lists every dataset a
 * task `produces:`, with its producing DAG and task and the DAGs (and
 * tasks) that need it; /datasets/{name} shows one with its partition map
 * (the producing task's, drawn by map.js from the dataset's endpoint).
 * The list shows each dataset's recent partitions as a strip of state
 * cells (a scheduled producer's last 7 days of hours, by local day; its
 * last 30 days, or partitions, at a daily or longer cadence; at most
 * DS_STRIP_MAX partitions of a shorter one), each a link to the
 * producer's grid at that partition: one store read per dataset, written
 * as HTML (no script, no request per cell).
 * Names are free text (`s3://bucket/prefix/`): escaped in HTML, one
 * percent-encoded segment in links.
 */
#include "web/web_internal.h"

#include <string.h>
#include <time.h>

#include "scheduler/expected_store.h"
#include "scheduler/partition.h"
#include "scheduler/tz.h"
#include "web/links.h"

#define DS_STRIP_DAYS 7		/* of an hourly (or shorter) cadence */
#define DS_STRIP_LONG 30	/* partitions of a daily or longer one */
#define DS_STRIP_MAX 168	/* cells of a cadence shorter than a day */

/* <a href="/dags/D">D</a>, then ".task" when task is given. */
static void
ds_dag_link(struct buf *b, const char *dag, const char *task)
{
	buf_adds(b, "<a href=\"");
	links_build(b, NULL, LINK_PAGE_DAG, (const char *const[]){ dag });
	buf_adds(b, "\">");
	text_html_name(b, dag);
	buf_adds(b, "</a>");
	if (task != NULL) {
		buf_adds(b, ".<wbr>");
		text_html_name(b, task);
	}
}

static void
ds_producers(struct buf *b, json_t *ds)
{
	size_t i;
	json_t *p;

	buf_adds(b, "<td class=\"ds-producers\">");
	json_array_foreach(json_object_get(ds, "producers"), i, p) {
		if (i > 0)
			buf_adds(b, "<br>");
		ds_dag_link(b, json_string_value(json_object_get(p, "dag")),
			    json_string_value(json_object_get(p, "task")));
		if (!json_is_true(json_object_get(p, "scheduled")))
			buf_adds(b, " <span class=\"note\">(unscheduled: no map)</span>");
	}
	buf_adds(b, "</td>");
}

static void
ds_consumers(struct buf *b, json_t *ds)
{
	json_t *list = json_object_get(ds, "consumers"), *c;
	size_t i;

	buf_adds(b, "<td class=\"ds-consumers\">");
	if (json_array_size(list) == 0)
		buf_adds(b, "<span class=\"note\">none</span>");
	json_array_foreach(list, i, c) {
		long long offset = json_integer_value(json_object_get(c, "offset"));

		if (i > 0)
			buf_adds(b, "<br>");
		ds_dag_link(b, json_string_value(json_object_get(c, "dag")),
			    json_string_value(json_object_get(c, "task")));
		buf_adds(b, " <span class=\"note\">");
		if (json_is_true(json_object_get(c, "latest")))
			buf_adds(b, "latest, ");
		else if (offset != 0)
			buf_printf(b, "offset %lld, ", offset);
		buf_adds(b, "on change: ");
		text_html_escape(b, json_string_value(json_object_get(c, "on_change")));
		buf_adds(b, "</span>");
	}
	buf_adds(b, "</td>");
}

/* Where a strip starts: the first partition start it shows, from the
 * producer's interval holding now (its start cs, its length step). */
static int64_t
ds_strip_from(const struct dag *d, int64_t now, int64_t cs, int64_t step)
{
	int64_t n, lo;
	struct tm tm;

	if (step >= 86400 - 3600)	/* daily and longer: a DST day is 23 h */
		return cs - (DS_STRIP_LONG - 1) * step - step / 2;
	if (step == 3600) {
		/* hourly: whole local days, the 7th today */
		tz_local(d->tz, now, &tm);
		tm.tm_mday -= DS_STRIP_DAYS - 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		if (tz_wall_to_instant(d->tz, &tm, &lo, NULL) >= 0)
			return lo;
	}
	n = DS_STRIP_DAYS * 86400 / (step > 0 ? step : 1);
	if (n > DS_STRIP_MAX)
		n = DS_STRIP_MAX;
	return cs - (n - 1) * step - step / 2;
}

/* A partition key as a query value: '+' and anything outside
 * [A-Za-z0-9-.:_~] percent-encoded (a key's ':' stays readable and short). */
static void
ds_query_value(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-.:_~", c) != NULL)
			buf_addc(b, (char)c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

/* One cell: its state's colour, a link to the producer's grid at it
 * (dag_href: "/dags/D?at=", escaped), a title naming it (the hour alone
 * in a row of a day). A future partition is no link, as on the map: the
 * grid has nothing to show of it yet (it answered "no run for
 * partition"); its key is in data-partition. Lean: a hundred hourly
 * datasets are 16,000 cells. */
static void
ds_cell(struct buf *b, const char *dag_href, const char *key, int hourly,
	enum expected_state st)
{
	size_t n = strlen(key);
	const char *tag = st == EXPECTED_FUTURE ? "span" : "a";

	if (st == EXPECTED_FUTURE) {
		buf_printf(b, "<span class=\"mc m-%s\" data-partition=\"", expected_state_name(st));
		text_html_escape(b, key);
	} else {
		buf_printf(b, "<a class=\"mc m-%s\" href=\"%s", expected_state_name(st), dag_href);
		ds_query_value(b, key);
	}
	buf_adds(b, "\" title=\"");
	if (hourly && n >= 16 && key[10] == 'T') {
		char hhmm[6];

		memcpy(hhmm, key + 11, 5);
		hhmm[5] = '\0';
		text_html_escape(b, hhmm);
	} else
		text_html_escape(b, key);
	buf_printf(b, " %s\"></%s>", expected_state_name(st), tag);
}

/* The cells of m: an hourly map as a row per local day (label MM-DD),
 * a gap in the hours as blank cells; any other as one wrapping line. */
static void
ds_cells(struct buf *b, const struct dag *d, const struct expected_store_map *m,
	 int hourly)
{
	char key[PARTITION_KEY_MAX];
	struct buf link, href;
	int day = -1, next_hour = 0;

	buf_init(&link, 0);
	buf_init(&href, 0);
	links_build(&link, NULL, LINK_PAGE_DAG, (const char *const[]){ d->name });
	buf_adds(&link, "?at=");
	text_html_escape(&href, buf_str(&link));
	buf_adds(b, hourly ? "<div class=\"ds-strip ds-hourly\">" : "<div class=\"ds-strip ds-line\">");
	for (size_t i = 0; i < m->n; i++) {
		if (hourly) {
			struct tm tm;

			tz_local(d->tz, m->v[i].start_s, &tm);
			if (tm.tm_yday != day) {
				buf_printf(b, "%s<div class=\"ds-day\"><span class=\"ds-day-label\">%02d-%02d</span>",
					   day >= 0 ? "</div>" : "", tm.tm_mon + 1, tm.tm_mday);
				day = tm.tm_yday;
				next_hour = 0;
			}
			for (; next_hour < tm.tm_hour; next_hour++)
				buf_adds(b, "<i class=\"ds-pad\"></i>");
			next_hour = tm.tm_hour + 1;
		}
		ds_cell(b, buf_str(&href), expected_store_key(d, m, i, key, sizeof key), hourly,
			m->v[i].state);
	}
	buf_adds(b, hourly && day >= 0 ? "</div></div>" : "</div>");
	buf_free(&link);
	buf_free(&href);
}

/* The dataset's recent partitions (its producing task's map) as a strip
 * of cells, then what it spans and its counts; one store read. */
static void
ds_strip(struct web_req *r, struct buf *b, const char *name)
{
	const struct dag *d;
	const char *task;
	int64_t now = sl_now_ms() / 1000, cs, ce;
	struct expected_store_map m;
	struct sl_err err;
	int first = 1;

	buf_adds(b, "<td class=\"ds-map\">");
	if (api_dataset_producer(web_dagbag(r->w), name, &d, &task) < 0 || d->schedule == NULL ||
	    dag_interval_at(d, now, &cs, &ce) < 0) {
		buf_adds(b, "<span class=\"note\">no schedule: no map</span></td>");
		return;
	}
	sl_err_clear(&err);
	if (expected_store_range_task(r->w->store, d, task, ds_strip_from(d, now, cs, ce - cs), now, now,
				      4 * DS_STRIP_MAX, &m, &err) < 0) {
		buf_adds(b, "<span class=\"note\">");
		text_html_escape(b, err.msg);
		buf_adds(b, "</span></td>");
		return;
	}
	ds_cells(b, d, &m, ce - cs == 3600);
	buf_adds(b, "<span class=\"ds-strip-note note\">");
	if (m.n == 0)
		buf_adds(b, "no partitions yet");
	else
		buf_adds(b, ce - cs == 3600 ? "last 7 days: " : ce - cs >= 86400 - 3600 &&
			 ce - cs <= 86400 + 3600 ? "last 30 days: " : "last partitions: ");
	for (int s = 0; s < EXPECTED_NSTATES; s++)
		if (m.counts[s] > 0) {
			buf_printf(b, "%s<span class=\"ds-count\" data-state=\"%s\">%zu %s</span>",
				   first ? "" : ", ", expected_state_name(s), m.counts[s],
				   expected_state_name(s));
			first = 0;
		}
	buf_adds(b, "</span></td>");
	expected_store_free(&m);
}

/* A dataset's name as a link to its page. */
static void
ds_name_link(struct buf *b, json_t *ds)
{
	buf_adds(b, "<a class=\"ds-name\" href=\"");
	text_html_escape(b, json_string_value(json_object_get(ds, "page")));
	buf_adds(b, "\">");
	text_html_name(b, json_string_value(json_object_get(ds, "name")));
	buf_adds(b, "</a>");
}

enum web_result
pages_datasets(struct web_req *r)
{
	json_t *list = api_datasets_json(web_dagbag(r->w), NULL), *ds;
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	html_begin(r, &b, "Datasets", "datasets");
	buf_adds(&b, "<link rel=\"stylesheet\" href=\"/static/map.css\"><h1>Datasets</h1><p class=\"note\">The datasets tasks declare with <code>produces:</code>. "
		     "A partition of a dataset exists when its producing task instance succeeds. "
		     "DAGs that name it in <code>needs:</code> wait for its partitions. Each row shows "
		     "its recent partitions (a cell opens the producer's grid at it); open a "
		     "dataset for its whole partition map.</p>");
	/* none: the sentence says so, without an empty table's header under it */
	if (json_array_size(list) == 0)
		buf_adds(&b, "<p class=\"note\" id=\"no-datasets\">No task declares <code>produces:</code> "
			     "yet.</p>");
	else
		buf_adds(&b, "<table class=\"list datasets\" id=\"datasets\"><thead><tr><th>Dataset</th>"
			     "<th>Produced by</th><th>Needed by</th><th>Recent partitions</th></tr></thead><tbody>");
	json_array_foreach(list, i, ds) {
		buf_adds(&b, "<tr class=\"dataset\" data-name=\"");
		text_html_escape(&b, json_string_value(json_object_get(ds, "name")));
		buf_adds(&b, "\"><td>");
		ds_name_link(&b, ds);
		buf_adds(&b, "</td>");
		ds_producers(&b, ds);
		ds_consumers(&b, ds);
		ds_strip(r, &b, json_string_value(json_object_get(ds, "name")));
		buf_adds(&b, "</tr>");
	}
	if (json_array_size(list) > 0)
		buf_adds(&b, "</tbody></table>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	json_decref(list);
	return WEB_DONE;
}

enum web_result
pages_dataset(struct web_req *r)
{
	json_t *list = api_datasets_json(web_dagbag(r->w), r->arg.name), *ds;
	const struct dag *d = NULL;
	const char *task = NULL;
	struct buf b;

	if (json_array_size(list) == 0 ||
	    api_dataset_producer(web_dagbag(r->w), r->arg.name, &d, &task) < 0) {
		json_decref(list);
		return pages_not_found(r, "no task produces this dataset");
	}
	ds = json_array_get(list, 0);
	buf_init(&b, 0);
	html_begin(r, &b, r->arg.name, "dataset");
	buf_adds(&b, "<p class=\"crumbs\"><a href=\"" LINK_PAGE_DATASETS "\">Datasets</a></p><h1 id=\"ds-title\">");
	text_html_name(&b, r->arg.name);
	buf_adds(&b, "</h1><table class=\"list datasets\" id=\"dataset\"><thead><tr><th>Produced by</th>"
		     "<th>Needed by</th></tr></thead><tbody><tr>");
	ds_producers(&b, ds);
	ds_consumers(&b, ds);
	buf_adds(&b, "</tr></tbody></table>");
	if (d->schedule != NULL) {
		buf_adds(&b, "<h2>Partitions</h2><p class=\"note\">The partitions of ");
		ds_dag_link(&b, d->name, task);
		buf_adds(&b, " (a partition of the dataset exists once that task instance succeeds). "
			     "Backfill and clear on <a href=\"");
		links_build(&b, NULL, LINK_PAGE_MAP, (const char *const[]){ d->name });
		buf_adds(&b, "\">its DAG's map</a>.</p>");
		pages_map_body(r, &b, d, task, r->arg.name, 0);
	} else
		buf_adds(&b, "<p class=\"note\" id=\"ds-no-map\">Its producing DAG has no schedule, so the "
			     "dataset has no expected partitions: see the DAG's grid.</p>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	json_decref(list);
	return WEB_DONE;
}
