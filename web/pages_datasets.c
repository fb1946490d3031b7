/*
 * pages_datasets.c: datasets in the UI. /datasets lists every dataset a
 * task `produces:`, with its producing DAG and task and the DAGs (and
 * tasks) that need it; /datasets/{name} shows one with its partition map
 * (the producing task's, drawn by map.js from the dataset's endpoint).
 * Names are free text (`s3://bucket/prefix/`): escaped in HTML, one
 * percent-encoded segment in links.
 */
#include "web/web_internal.h"

#include <string.h>

#include "web/links.h"

/* <a href="/dags/D">D</a>, then ".task" when task is given. */
static void
ds_dag_link(struct buf *b, const char *dag, const char *task)
{
	buf_adds(b, "<a href=\"");
	links_build(b, NULL, LINK_PAGE_DAG, (const char *const[]){ dag });
	buf_adds(b, "\">");
	text_html_escape(b, dag);
	buf_adds(b, "</a>");
	if (task != NULL) {
		buf_addc(b, '.');
		text_html_escape(b, task);
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

/* A dataset's name as a link to its page. */
static void
ds_name_link(struct buf *b, json_t *ds)
{
	buf_adds(b, "<a class=\"ds-name\" href=\"");
	text_html_escape(b, json_string_value(json_object_get(ds, "page")));
	buf_adds(b, "\">");
	text_html_escape(b, json_string_value(json_object_get(ds, "name")));
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
	buf_adds(&b, "<h1>Datasets</h1><p class=\"note\">What tasks declare with <code>produces:</code>: "
		     "a partition of a dataset exists when its producing task instance succeeds. "
		     "DAGs that name it in <code>needs:</code> wait for its partitions. Open a "
		     "dataset for its partition map.</p>");
	if (json_array_size(list) == 0)
		buf_adds(&b, "<p class=\"note\" id=\"no-datasets\">No task declares <code>produces:</code> "
			     "yet.</p>");
	buf_adds(&b, "<table class=\"list datasets\" id=\"datasets\"><thead><tr><th>Dataset</th>"
		     "<th>Produced by</th><th>Needed by</th></tr></thead><tbody>");
	json_array_foreach(list, i, ds) {
		buf_adds(&b, "<tr class=\"dataset\" data-name=\"");
		text_html_escape(&b, json_string_value(json_object_get(ds, "name")));
		buf_adds(&b, "\"><td>");
		ds_name_link(&b, ds);
		buf_adds(&b, "</td>");
		ds_producers(&b, ds);
		ds_consumers(&b, ds);
		buf_adds(&b, "</tr>");
	}
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
	text_html_escape(&b, r->arg.name);
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
