/* dag_groups.c: task groups: `group:` on tasks, `after: group:NAME`, and
 * the aggregate state a collapsed group shows (see dag_groups.h). */
#include "scheduler/dag_groups.h"

#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "scheduler/state.h"

int
dag_groups_load_task(struct ydoc *d, ynode_t *node, struct task *t,
		     struct sl_err *err)
{
	ynode_t *v = ymap_get(d, node, "group");
	const char *s;

	if (v == NULL || ynode_is_null(v))
		return 0;
	if (ynode_get_str(d, v, NULL, &s, err) < 0)
		return -1;
	if (*s == '\0' || strlen(s) > 200 || strpbrk(s, "/\\ \t\n,") != NULL ||
	    text_has_control(s)) {
		char *shown = text_utf8_escaped(s);	/* one line */

		ynode_err(d, v, err, "'%s' is not a valid group name (no spaces, commas, "
			  "slashes or control characters, at most 200)", shown);
		free(shown);
		return -1;
	}
	t->group = xstrdup(s);
	return 0;
}

int
dag_groups_is_ref(const char *after)
{
	return strncmp(after, DAG_GROUP_REF, strlen(DAG_GROUP_REF)) == 0;
}

int
dag_groups_link(struct dag *dag, struct task *t, const char *ref,
		struct sl_err *err)
{
	const char *name = ref + strlen(DAG_GROUP_REF);
	int members = 0;

	for (int i = 0; i < dag->ntasks; i++)
		if (dag->tasks[i].group != NULL &&
		    strcmp(dag->tasks[i].group, name) == 0)
			members++;
	if (members == 0) {
		struct text_near near;
		char hint[128];

		text_near_init(&near, name);
		for (int i = 0; i < dag->ntasks; i++)
			text_near_add(&near, dag->tasks[i].group);
		return sl_err_set(err, "unknown group '%s' (%sno task has group: %s)",
				  name, text_hint(text_near_best(&near), hint,
						  sizeof hint), name);
	}
	if (t->group != NULL && strcmp(t->group, name) == 0)
		return sl_err_set(err, "a task cannot run after its own group '%s'",
				  name);
	/* room for the group and every entry after it (the caller sized
	 * the array for one slot per entry) */
	t->upstream = xreallocarray(t->upstream,
				    (size_t)t->nupstream + (size_t)members +
				    (size_t)dag->ntasks + 1, sizeof(int));
	for (int i = 0; i < dag->ntasks; i++) {
		struct task *u = &dag->tasks[i];
		int seen = 0;

		if (u->group == NULL || strcmp(u->group, name) != 0)
			continue;
		for (int m = 0; m < t->nupstream && !seen; m++)
			seen = t->upstream[m] == i;
		if (seen)
			continue;
		t->upstream[t->nupstream++] = i;
		u->downstream = xreallocarray(u->downstream,
					      (size_t)u->ndownstream + 1,
					      sizeof(int));
		u->downstream[u->ndownstream++] = t->index;
	}
	return 0;
}

const char **
dag_groups_names(const struct dag *dag, int *n)
{
	const char **names = xcalloc((size_t)dag->ntasks + 1, sizeof *names);

	*n = 0;
	for (int i = 0; i < dag->ntasks; i++) {
		const char *g = dag->tasks[i].group;
		int seen = 0;

		if (g == NULL)
			continue;
		for (int k = 0; k < *n && !seen; k++)
			seen = strcmp(names[k], g) == 0;
		if (!seen)
			names[(*n)++] = g;
	}
	return names;
}

void
dag_groups_task_json(const struct dag *d, const struct task *t, json_t *o)
{
	if (t->group != NULL)
		json_object_set_new(o, "group", json_string(t->group));
	if (t->setup)
		json_object_set_new(o, "setup", json_true());
	if (t->is_teardown) {
		json_object_set_new(o, "teardown_of",
				    json_string(d->tasks[t->teardown_of].name));
		json_object_set_new(o, "on_teardown_failure",
				    json_string(t->teardown_ignore ? "ignore" : "fail"));
	}
}

const char *
dag_group_state(const char *const *states, int n)
{
	int failed = 0, open = 0, success = 0, skipped = 0;

	for (int i = 0; i < n; i++) {
		int s = states[i] != NULL ? ti_state_parse(states[i]) : TI_NONE;

		switch (s) {
		case TI_SCHEDULED: case TI_QUEUED: case TI_RUNNING:
		case TI_UP_FOR_RETRY: case TI_UP_FOR_RESCHEDULE:
			return "running";
		case TI_FAILED: case TI_UPSTREAM_FAILED:
			failed = 1;
			break;
		case TI_SUCCESS:
			success = 1;
			break;
		case TI_SKIPPED:
			skipped = 1;
			break;
		default:
			open = 1;
			break;
		}
	}
	if (failed)
		return "failed";
	if (open || n == 0)
		return success || skipped ? "running" : "none";
	return success ? "success" : "skipped";
}
