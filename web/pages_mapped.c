/* pages_mapped.c: mapped tasks (foreach:) on the task page: a parent
 * lists its items (index, value, state, tries, duration, a link to each);
 * an item shows its value and links to its parent. Rows follow the
 * storage contract (migration 0013): an item is the task instance NAME[i]
 * with map_index i and map_item its JSON text; the parent's map_count is
 * its number of items once expanded. */
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag_map.h"
#include "store/store.h"
#include "web/links.h"

/* Is ti (a row of store_tis_json) the item NAME[map_index] of parent?
 * Its index or -1. */
static long long
item_of(json_t *ti, const char *parent)
{
	json_t *ix = json_object_get(ti, "map_index");
	const char *task = json_string_value(json_object_get(ti, "task"));
	size_t pl = strlen(parent);
	char tail[32];

	if (!json_is_integer(ix) || task == NULL || strncmp(task, parent, pl) != 0)
		return -1;
	snprintf(tail, sizeof tail, "[%lld]", (long long)json_integer_value(ix));
	return strcmp(task + pl, tail) == 0 ? (long long)json_integer_value(ix) : -1;
}

/* An item's value as the page shows it (map_item: the item as JSON,
 * store_tis_json): a string as its text, anything else as compact JSON. */
static void
item_value(struct buf *b, json_t *ti)
{
	json_t *v = json_object_get(ti, "map_item");
	char *text;

	if (json_is_string(v)) {
		text_html_escape(b, json_string_value(v));
		return;
	}
	text = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	text_html_escape(b, text ? text : "");
	free(text);
}

/* The items in index order (pointers into tis). */
static int
cmp_index(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "map_index"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "map_index"));

	return x < y ? -1 : x > y;
}

void
pages_mapped_section(struct buf *b, const struct dag *d, const char *partition,
		     const char *task, json_t *ti, json_t *tis)
{
	json_t *count = json_object_get(ti, "map_count");
	struct task *parent = dag_task((struct dag *)d, task) == NULL ?
			      dag_map_item_task(d, task, NULL) : NULL;
	json_t **items;
	size_t n = 0;

	if (parent != NULL) {
		/* an item: its value and its parent */
		const char *values[] = { d->name, partition, parent->name };

		buf_printf(b, "<p class=\"meta\" id=\"item-of\">Item %lld of the mapped task <a id=\"item-parent\" href=\"",
			   (long long)json_integer_value(json_object_get(ti, "map_index")));
		links_build(b, NULL, LINK_PAGE_TASK, values);
		buf_adds(b, "\">");
		text_html_escape(b, parent->name);
		buf_adds(b, "</a>: <code id=\"item-value\">");
		item_value(b, ti);
		buf_adds(b, "</code> (<code>{{ item }}</code> in its templates)</p>");
		return;
	}
	items = xcalloc(json_array_size(tis) + 1, sizeof *items);
	for (size_t i = 0; i < json_array_size(tis); i++)
		if (item_of(json_array_get(tis, i), task) >= 0)
			items[n++] = json_array_get(tis, i);
	if (n == 0 && !json_is_integer(count)) {
		free(items);
		return;	/* not a mapped task, or not expanded yet */
	}
	qsort(items, n, sizeof *items, cmp_index);
	buf_printf(b, "<h2>Items <small id=\"items-count\">%zu</small></h2>", n);
	if (n == 0) {
		buf_adds(b, "<p class=\"note\" id=\"items-none\">Its list had no item: the task was skipped.</p>");
		free(items);
		return;
	}
	buf_adds(b, "<table class=\"list\" id=\"items\"><thead><tr><th>Index</th><th>Item</th>"
		    "<th>State</th><th>Try</th><th>Duration</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		json_t *it = items[i], *dur = json_object_get(it, "duration_ms");
		const char *name = json_string_value(json_object_get(it, "task"));
		const char *values[] = { d->name, partition, name };
		char text[32];

		buf_printf(b, "<tr data-item=\"%lld\"><td><a href=\"",
			   (long long)json_integer_value(json_object_get(it, "map_index")));
		links_build(b, NULL, LINK_PAGE_TASK, values);
		buf_adds(b, "\">");
		text_html_escape(b, name);
		buf_adds(b, "</a></td><td><code>");
		item_value(b, it);
		buf_adds(b, "</code></td><td>");
		pages_state_badge(b, json_string_value(json_object_get(it, "state")));
		buf_printf(b, "</td><td>%lld of %lld</td><td>",
			   (long long)json_integer_value(json_object_get(it, "try_number")),
			   (long long)json_integer_value(json_object_get(it, "max_tries")));
		if (json_is_integer(dur))
			text_html_escape(b, sl_format_duration(json_integer_value(dur), text, sizeof text));
		buf_adds(b, "</td></tr>");
	}
	buf_adds(b, "</tbody></table>");
	free(items);
}
