/* grid_groups.c: the grid's groups (group: on tasks): which tasks each
 * group holds, and per partition the aggregate state its collapsed
 * column shows (dag_group_state). */
#include "web/web_internal.h"

#include <stdlib.h>
#include <string.h>

#include "scheduler/dag_groups.h"

/* s as a JSON string into out. */
static void
put_str(struct buf *out, const char *s)
{
	json_t *v = json_string(s);
	char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	buf_adds(out, text ? text : "\"\"");
	free(text);
	json_decref(v);
}

void
grid_groups_head(const struct dag *d, struct buf *out)
{
	int n;
	const char **names = dag_groups_names(d, &n);

	buf_adds(out, ",\"groups\":[");
	for (int g = 0; g < n; g++) {
		int first = 1;

		buf_adds(out, g ? ",{\"name\":" : "{\"name\":");
		put_str(out, names[g]);
		buf_adds(out, ",\"tasks\":[");
		for (int i = 0; i < d->ntasks; i++)
			if (d->tasks[i].group != NULL &&
			    strcmp(d->tasks[i].group, names[g]) == 0) {
				buf_printf(out, first ? "%d" : ",%d", i);
				first = 0;
			}
		buf_adds(out, "]}");
	}
	buf_addc(out, ']');
	free(names);
}

void
grid_groups_cells(const struct dag *d, const char *const *states,
		  struct buf *out)
{
	int n;
	const char **names = dag_groups_names(d, &n);
	const char **sts;

	if (n == 0) {
		free(names);
		return;
	}
	sts = xcalloc((size_t)d->ntasks + 1, sizeof *sts);
	buf_adds(out, ",\"group_cells\":[");
	for (int g = 0; g < n; g++) {
		int m = 0;

		for (int i = 0; i < d->ntasks; i++)
			if (d->tasks[i].group != NULL &&
			    strcmp(d->tasks[i].group, names[g]) == 0)
				sts[m++] = states[i] != NULL && states[i][0] != '\0' ?
					   states[i] : NULL;
		if (g > 0)
			buf_addc(out, ',');
		put_str(out, dag_group_state(sts, m));
	}
	buf_addc(out, ']');
	free(sts);
	free(names);
}
