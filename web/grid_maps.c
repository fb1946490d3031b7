/* grid_maps.c: mapped tasks (foreach:) in the grid. A mapped task is one
 * column in its parent's aggregate state; its items (task instances
 * NAME[0], NAME[1]...) come in the same rows the grid already reads for
 * the run (no query of their own) and go out per partition as
 * "items":{"NAME":[cell...]}, which the UI counts ("3/5") and shows as
 * columns when the task is expanded. */
#include "web/web_internal.h"

#include "scheduler/dag_map.h"

#include <stdlib.h>
#include <string.h>

#define GRID_MAP_ITEMS_MAX 100000	/* an index past this is not an item */

/* One task's items in the run being written. */
struct grid_map_task {
	struct grid_cell *cells;	/* by item index */
	char **slow;			/* escaped cells (grid_cell_put) */
	int n, cap;			/* indexes seen: 0..n-1 */
	int on_page;			/* mapped: foreach:, or had items in
					 * a run of the page */
};

struct grid_maps {
	const struct dag *d;
	struct grid_map_task *t;	/* by task index */
	int any;			/* the run being written has items */
};

struct grid_maps *
grid_maps_new(const struct dag *d)
{
	struct grid_maps *m = xcalloc(1, sizeof *m);

	m->d = d;
	m->t = xcalloc((size_t)d->ntasks + 1, sizeof *m->t);
	for (int i = 0; i < d->ntasks; i++)
		m->t[i].on_page = d->tasks[i].mapped;	/* a column even before it expands */
	return m;
}

int
grid_maps_item(struct grid_maps *m, const char *task, const char *state,
	       int64_t duration_ms, int try_number)
{
	struct grid_map_task *mt;
	struct task *t;
	int idx;

	/* NAME[i] of a mapped task NAME (dag_map.c reads the form) */
	if (task[0] == '\0' || task[strlen(task) - 1] != ']' ||
	    (t = dag_map_item_task(m->d, task, &idx)) == NULL || idx >= GRID_MAP_ITEMS_MAX)
		return 0;
	mt = &m->t[t->index];
	if (idx >= mt->cap) {
		int cap = mt->cap ? mt->cap : 8;

		while (cap <= idx)
			cap *= 2;
		mt->cells = xrealloc(mt->cells, (size_t)cap * sizeof *mt->cells);
		mt->slow = xrealloc(mt->slow, (size_t)cap * sizeof *mt->slow);
		for (int k = mt->cap; k < cap; k++) {
			mt->cells[k].len = 0;
			mt->slow[k] = NULL;
		}
		mt->cap = cap;
	}
	if (idx >= mt->n)
		mt->n = (int)idx + 1;
	grid_cell_put(&mt->cells[idx], &mt->slow[idx], state, duration_ms, try_number);
	mt->on_page = 1;
	m->any = 1;
	return 1;
}

void
grid_maps_cells(struct grid_maps *m, struct buf *out)
{
	int first = 1;

	if (!m->any)
		return;
	buf_adds(out, ",\"items\":{");
	for (int i = 0; i < m->d->ntasks; i++) {
		struct grid_map_task *mt = &m->t[i];

		if (mt->n == 0)
			continue;
		if (!first)
			buf_addc(out, ',');
		first = 0;
		grid_json_str(out, m->d->tasks[i].name);
		buf_adds(out, ":[");
		for (int k = 0; k < mt->n; k++) {
			struct grid_cell *c = &mt->cells[k];

			if (k > 0)
				buf_addc(out, ',');
			if (c->len > 0)
				buf_add(out, c->text, (size_t)c->len);
			else if (c->len < 0)
				buf_adds(out, mt->slow[k]);
			else
				buf_add(out, "null", 4);
			c->len = 0;
		}
		buf_addc(out, ']');
		mt->n = 0;
	}
	buf_addc(out, '}');
	m->any = 0;
}

void
grid_maps_head(struct grid_maps *m, struct buf *out)
{
	int first = 1;

	buf_adds(out, ",\"mapped\":[");
	for (int i = 0; i < m->d->ntasks; i++)
		if (m->t[i].on_page) {
			if (!first)
				buf_addc(out, ',');
			first = 0;
			grid_json_str(out, m->d->tasks[i].name);
		}
	buf_addc(out, ']');
}

void
grid_maps_free(struct grid_maps *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < m->d->ntasks; i++) {
		for (int k = 0; k < m->t[i].cap; k++)
			free(m->t[i].slow[k]);
		free(m->t[i].cells);
		free(m->t[i].slow);
	}
	free(m->t);
	free(m);
}
