/* pages_graph.c: the DAG's graph page: its tasks as boxes in columns by
 * depth, edges as curves, each box in the state of the chosen
 * partition's task instance (SVG written by the server). */
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"
#include "store/store.h"

static int
task_depth(const struct dag *d, int i, int *depth)
{
	if (depth[i] >= 0)
		return depth[i];
	depth[i] = 0;	/* DAGs have no cycles (checked at load) */
	for (int k = 0; k < d->tasks[i].nupstream; k++) {
		int up = task_depth(d, d->tasks[i].upstream[k], depth) + 1;

		if (up > depth[i])
			depth[i] = up;
	}
	return depth[i];
}

enum web_result
pages_graph(struct web_req *r)
{
	struct dag *d = r->dag;
	enum { W = 170, H = 34, GX = 60, GY = 18, PAD = 10 };
	const char *partition = web_query(r, "partition");
	json_t *runs = store_runs_json(r->w->store, d->name, INT64_MIN, INT64_MAX, NULL, 50, 0);
	json_t *tis = NULL;
	int *depth = xmalloc((size_t)d->ntasks * sizeof *depth);
	int *row = xcalloc((size_t)d->ntasks, sizeof *row), *count;
	int maxd = 0, maxrow = 0;
	struct buf b;
	struct partition named;

	if (partition != NULL && *partition != '\0') {
		/* ?partition= as the CLI reads it: a key, a time, a date */
		struct sl_err err;

		sl_err_clear(&err);
		if (partition_resolve_one(r->w->store, d, partition, sl_now_ms() / 1000,
					  PARTITION_RUNS, &named, &err) < 0) {
			json_decref(runs);
			free(depth);
			free(row);
			if (web_store_busy(r->w))
				return WEB_BUSY;
			return pages_not_found(r, err.msg);
		}
		partition = named.key;
	} else
		partition = NULL;
	if (partition == NULL && json_array_size(runs) > 0)
		partition = json_string_value(json_object_get(json_array_get(runs, 0), "partition"));
	if (partition != NULL)
		tis = store_tis_json(r->w->store, d->name, partition);
	for (int i = 0; i < d->ntasks; i++)
		depth[i] = -1;
	for (int i = 0; i < d->ntasks; i++)
		if (task_depth(d, i, depth) > maxd)
			maxd = depth[i];
	count = xcalloc((size_t)maxd + 1, sizeof *count);
	for (int i = 0; i < d->ntasks; i++) {
		row[i] = count[depth[i]]++;
		if (row[i] > maxrow)
			maxrow = row[i];
	}
	buf_init(&b, 0);
	html_begin(r, &b, d->name, "graph");
	pages_dag_header(r, &b, d, "graph");
	buf_adds(&b, "<form class=\"toolbar\" method=\"get\"><label>Partition <select name=\"partition\" id=\"graph-partition\">");
	for (size_t i = 0; i < json_array_size(runs); i++) {
		const char *p = json_string_value(json_object_get(json_array_get(runs, i), "partition"));

		buf_adds(&b, "<option value=\"");
		text_html_escape(&b, p);
		buf_printf(&b, "\"%s>", partition && strcmp(p, partition) == 0 ? " selected" : "");
		text_html_escape(&b, p);
		buf_adds(&b, "</option>");
	}
	buf_adds(&b, "</select></label><button type=\"submit\">Show</button></form>");
	buf_printf(&b, "<svg class=\"graph\" id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" data-dag=\"",
		   2 * PAD + (maxd + 1) * (W + GX), 2 * PAD + (maxrow + 1) * (H + GY));
	text_html_escape(&b, d->name);
	buf_adds(&b, "\" data-partition=\"");
	text_html_escape(&b, partition ? partition : "");
	buf_adds(&b, "\">");
	for (int i = 0; i < d->ntasks; i++)
		for (int k = 0; k < d->tasks[i].nupstream; k++) {
			int u = d->tasks[i].upstream[k];
			int x1 = PAD + depth[u] * (W + GX) + W, y1 = PAD + row[u] * (H + GY) + H / 2;
			int x2 = PAD + depth[i] * (W + GX), y2 = PAD + row[i] * (H + GY) + H / 2;

			buf_printf(&b, "<path class=\"edge\" d=\"M%d %d C%d %d %d %d %d %d\"/>",
				   x1, y1, x1 + GX / 2, y1, x2 - GX / 2, y2, x2, y2);
		}
	for (int i = 0; i < d->ntasks; i++) {
		const char *state = "none";
		int x = PAD + depth[i] * (W + GX), y = PAD + row[i] * (H + GY);

		for (size_t k = 0; tis != NULL && k < json_array_size(tis); k++) {
			json_t *ti = json_array_get(tis, k);

			if (strcmp(json_string_value(json_object_get(ti, "task")), d->tasks[i].name) == 0)
				state = json_string_value(json_object_get(ti, "state"));
		}
		buf_adds(&b, "<a href=\"");
		if (partition != NULL) {
			buf_adds(&b, "/dags/");
			text_url_segment(&b, d->name);
			buf_adds(&b, "/runs/");
			text_url_segment(&b, partition);
			buf_adds(&b, "/tasks/");
			text_url_segment(&b, d->tasks[i].name);
		} else
			buf_adds(&b, "#");
		buf_adds(&b, "\"><g class=\"node st-");
		text_html_escape(&b, state);
		buf_adds(&b, "\" data-task=\"");
		text_html_escape(&b, d->tasks[i].name);
		buf_printf(&b, "\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\"/>"
			       "<text x=\"%d\" y=\"%d\">", x, y, W, H, x + 8, y + 21);
		text_html_escape(&b, d->tasks[i].name);
		buf_adds(&b, "</text><title>");
		text_html_escape(&b, d->tasks[i].name);
		buf_adds(&b, " (");
		text_html_escape(&b, d->tasks[i].op->name);
		buf_adds(&b, "): ");
		text_html_escape(&b, state);
		buf_adds(&b, "</title></g></a>");
	}
	buf_adds(&b, "</svg>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	free(depth);
	free(row);
	free(count);
	json_decref(runs);
	json_decref(tis);
	return WEB_DONE;
}
