/* pages_graph.c: the DAG's graph page: its tasks as boxes in columns by
 * depth, edges as curves, each box in the state of the chosen
 * partition's task instance (SVG written by the server). A group
 * (group: on tasks) is one box in the aggregate state of its tasks
 * (dag_group_state) until a click expands it (?expand=G,H). */
#include "web/links.h"
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"
#include "scheduler/dag_groups.h"
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

/* Is group g in the ?expand= list (names separated by commas)? */
static int
graph_expanded(const char *expand, const char *g)
{
	size_t n = strlen(g);

	for (const char *p = expand; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, g, n) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The graph's address with group toggle expanded or collapsed (NULL: as
 * it is), HTML-escaped into b. */
static void
graph_href(struct buf *b, const struct dag *d, const char *partition,
	   const char *expand, const char *toggle)
{
	struct buf u;
	int first = 1, n;
	const char **groups = dag_groups_names(d, &n);

	buf_init(&u, 0);
	links_build(&u, NULL, LINK_PAGE_GRAPH, (const char *[]){ d->name });
	if (partition != NULL) {
		buf_adds(&u, "?partition=");
		text_url_segment(&u, partition);
	}
	for (int i = 0; i < n; i++) {
		int on = graph_expanded(expand, groups[i]);

		if (toggle != NULL && strcmp(toggle, groups[i]) == 0)
			on = !on;
		if (!on)
			continue;
		buf_adds(&u, first ? (partition ? "&expand=" : "?expand=") : ",");
		text_url_segment(&u, groups[i]);
		first = 0;
	}
	text_html_escape(b, buf_str(&u));
	buf_free(&u);
	free(groups);
}

static int
pair_cmp(const void *a, const void *b)
{
	const int *x = a, *y = b;

	return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0]) :
			      (x[1] > y[1]) - (x[1] < y[1]);
}

enum web_result
pages_graph(struct web_req *r)
{
	struct dag *d = r->dag;
	enum { W = 170, H = 34, GX = 60, GY = 18, PAD = 10 };
	const char *partition = web_query(r, "partition");
	const char *expand = web_query(r, "expand");
	json_t *runs = store_runs_json(r->w->store, d->name, INT64_MIN, INT64_MAX, NULL, 50, 0);
	json_t *tis = NULL, *reps = json_object();
	int *depth = xmalloc((size_t)d->ntasks * sizeof *depth);
	int *row = xcalloc((size_t)d->ntasks, sizeof *row), *count;
	int *node = xmalloc((size_t)d->ntasks * sizeof *node);
	int *members = xcalloc((size_t)d->ntasks, sizeof *members);
	const char **state = xcalloc((size_t)d->ntasks, sizeof *state);
	int (*edges)[2] = NULL;
	size_t nedges = 0, capedges = 0;
	int maxd = 0, maxrow = 0, collapsed = 0, ngroups;
	const char **groups = dag_groups_names(d, &ngroups);
	struct buf b;
	struct partition named;

	if (partition != NULL && *partition != '\0') {
		/* ?partition= as the CLI reads it: a key, a time, a date */
		struct sl_err err;

		sl_err_clear(&err);
		if (partition_resolve_one(r->w->store, d, partition, sl_now_ms() / 1000,
					  PARTITION_RUNS, &named, NULL, &err) < 0) {
			json_decref(runs);
			json_decref(reps);
			free(depth);
			free(row);
			free(node);
			free(members);
			free(state);
			free(groups);
			if (web_store_busy(r->w))
				return WEB_BUSY;
			return pages_run_not_found(r, d, err.msg, LINK_PAGE_GRAPH);
		}
		partition = named.key;
	} else
		partition = NULL;
	if (partition == NULL && json_array_size(runs) > 0)
		partition = json_string_value(json_object_get(json_array_get(runs, 0), "partition"));
	if (partition != NULL)
		tis = store_tis_json(r->w->store, d->name, partition);
	for (size_t k = 0; tis != NULL && k < json_array_size(tis); k++) {
		json_t *ti = json_array_get(tis, k);
		struct task *t = dag_task(d, json_string_value(json_object_get(ti, "task")));

		if (t != NULL)
			state[t->index] = json_string_value(json_object_get(ti, "state"));
	}
	/* a collapsed group is one node: its first task stands for it */
	for (int i = 0; i < d->ntasks; i++) {
		const char *g = d->tasks[i].group;
		json_t *rep;

		node[i] = i;
		if (g == NULL || graph_expanded(expand, g))
			continue;
		if ((rep = json_object_get(reps, g)) == NULL) {
			json_object_set_new(reps, g, json_integer(i));
			collapsed = 1;
		} else
			node[i] = (int)json_integer_value(rep);
		members[node[i]]++;
	}
	for (int i = 0; i < d->ntasks; i++)
		depth[i] = -1;
	if (!collapsed) {
		for (int i = 0; i < d->ntasks; i++)
			task_depth(d, i, depth);
	} else {
		/* longest path over the nodes; a group that is not contiguous
		 * may make a loop: at most one round per task */
		for (int i = 0; i < d->ntasks; i++)
			depth[i] = node[i] == i ? 0 : -1;
		for (int round = 0, moved = 1; moved && round <= d->ntasks; round++) {
			moved = 0;
			for (int i = 0; i < d->ntasks; i++)
				for (int k = 0; k < d->tasks[i].nupstream; k++) {
					int u = node[d->tasks[i].upstream[k]], v = node[i];

					if (u != v && depth[v] < depth[u] + 1 &&
					    depth[u] + 1 <= d->ntasks) {
						depth[v] = depth[u] + 1;
						moved = 1;
					}
				}
		}
	}
	for (int i = 0; i < d->ntasks; i++)
		if (node[i] == i && depth[i] > maxd)
			maxd = depth[i];
	count = xcalloc((size_t)maxd + 1, sizeof *count);
	for (int i = 0; i < d->ntasks; i++) {
		if (node[i] != i)
			continue;
		row[i] = count[depth[i]]++;
		if (row[i] > maxrow)
			maxrow = row[i];
	}
	/* edges between nodes, once each */
	for (int i = 0; i < d->ntasks; i++)
		for (int k = 0; k < d->tasks[i].nupstream; k++) {
			int u = node[d->tasks[i].upstream[k]], v = node[i];

			if (u == v)
				continue;
			SL_GROW(edges, capedges, nedges + 1);
			edges[nedges][0] = u;
			edges[nedges++][1] = v;
		}
	if (nedges > 0)
		qsort(edges, nedges, sizeof *edges, pair_cmp);
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
	buf_adds(&b, "</select></label>");
	if (expand != NULL && *expand != '\0') {
		buf_adds(&b, "<input type=\"hidden\" name=\"expand\" value=\"");
		text_html_escape(&b, expand);
		buf_adds(&b, "\">");
	}
	buf_adds(&b, "<button type=\"submit\">Show</button></form>");
	if (ngroups > 0) {
		buf_adds(&b, "<p class=\"graph-groups\" id=\"graph-groups\">Groups (click to expand or collapse):");
		for (int i = 0; i < ngroups; i++) {
			int on = graph_expanded(expand, groups[i]);

			buf_adds(&b, " <a class=\"group-toggle\" href=\"");
			graph_href(&b, d, partition, expand, groups[i]);
			buf_adds(&b, "\" data-group=\"");
			text_html_escape(&b, groups[i]);
			buf_printf(&b, "\" data-expanded=\"%d\">%s ", on, on ? "▾" : "▸");
			text_html_escape(&b, groups[i]);
			buf_adds(&b, "</a>");
		}
		buf_adds(&b, "</p>");
	}
	/* a wide DAG scrolls in its own box, not the page; app.js shades
	 * the side with more to see and shows the line under it */
	buf_adds(&b, "<div class=\"graph-box\" id=\"graph-box\"><div class=\"graph-wrap\" id=\"graph-wrap\">");
	buf_printf(&b, "<svg class=\"graph\" id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" data-dag=\"",
		   2 * PAD + (maxd + 1) * (W + GX), 2 * PAD + (maxrow + 1) * (H + GY));
	text_html_escape(&b, d->name);
	buf_adds(&b, "\" data-partition=\"");
	text_html_escape(&b, partition ? partition : "");
	buf_adds(&b, "\">");
	for (size_t e = 0; e < nedges; e++) {
		int u = edges[e][0], i = edges[e][1];
		int x1 = PAD + depth[u] * (W + GX) + W, y1 = PAD + row[u] * (H + GY) + H / 2;
		int x2 = PAD + depth[i] * (W + GX), y2 = PAD + row[i] * (H + GY) + H / 2;

		if (e > 0 && edges[e - 1][0] == u && edges[e - 1][1] == i)
			continue;
		buf_printf(&b, "<path class=\"edge\" d=\"M%d %d C%d %d %d %d %d %d\"/>",
			   x1, y1, x1 + GX / 2, y1, x2 - GX / 2, y2, x2, y2);
	}
	for (int i = 0; i < d->ntasks; i++) {
		const char *st = state[i] ? state[i] : "none";
		int x = PAD + depth[i] * (W + GX), y = PAD + row[i] * (H + GY);

		if (node[i] != i)
			continue;
		if (members[i] > 0) {
			/* a collapsed group: its tasks' aggregate state */
			const char *g = d->tasks[i].group;
			const char **sts = xcalloc((size_t)members[i], sizeof *sts);
			int n = 0;

			for (int k = 0; k < d->ntasks; k++)
				if (node[k] == i)
					sts[n++] = state[k];
			st = dag_group_state(sts, n);
			free(sts);
			buf_adds(&b, "<a href=\"");
			graph_href(&b, d, partition, expand, g);
			buf_adds(&b, "\"><g class=\"node group st-");
			text_html_escape(&b, st);
			buf_adds(&b, "\" data-group=\"");
			text_html_escape(&b, g);
			buf_printf(&b, "\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"9\"/>"
				       "<text x=\"%d\" y=\"%d\">▸ ", x, y, W, H, x + 8, y + 21);
			text_html_escape(&b, g);
			buf_printf(&b, " (%d)</text><title>group ", n);
			text_html_escape(&b, g);
			buf_printf(&b, ": %d tasks, %s (click to expand)</title></g></a>", n, st);
			continue;
		}
		/* a node links to its task instance; without a run there is
		 * none, and no link (not a dead "#") */
		if (partition != NULL) {
			buf_adds(&b, "<a href=\"/dags/");
			text_url_segment(&b, d->name);
			buf_adds(&b, "/runs/");
			text_url_segment(&b, partition);
			buf_adds(&b, "/tasks/");
			text_url_segment(&b, d->tasks[i].name);
			buf_adds(&b, "\">");
		}
		buf_adds(&b, "<g class=\"node st-");
		text_html_escape(&b, st);
		buf_adds(&b, "\" data-task=\"");
		text_html_escape(&b, d->tasks[i].name);
		if (d->tasks[i].group != NULL) {
			buf_adds(&b, "\" data-group=\"");
			text_html_escape(&b, d->tasks[i].group);
		}
		buf_printf(&b, "\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\"/>"
			       "<text x=\"%d\" y=\"%d\">", x, y, W, H, x + 8, y + 21);
		text_html_escape(&b, d->tasks[i].name);
		buf_adds(&b, "</text><title>");
		text_html_escape(&b, d->tasks[i].name);
		buf_adds(&b, " (");
		text_html_escape(&b, d->tasks[i].op->name);
		buf_adds(&b, "): ");
		text_html_escape(&b, st);
		buf_adds(&b, partition != NULL ? "</title></g></a>" : "</title></g>");
	}
	buf_adds(&b, "</svg></div></div><p class=\"note\" id=\"graph-more\" hidden>The graph is wider than the "
		     "window: scroll it sideways.</p>");
	/* what the boxes' colours say */
	pages_state_legend(&b, "graph-legend");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	free(depth);
	free(row);
	free(count);
	free(node);
	free(members);
	free(state);
	free(edges);
	free(groups);
	json_decref(reps);
	json_decref(runs);
	json_decref(tis);
	return WEB_DONE;
}
