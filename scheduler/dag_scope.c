/* dag_scope.c: setup and teardown tasks and their scope (see
 * dag_scope.h). */
#include "scheduler/dag_scope.h"

#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "scheduler/dag_keys.h"

int
dag_scope_load_task(struct ydoc *d, ynode_t *node, struct task *t,
		    struct sl_err *err)
{
	ynode_t *v;
	const char *s;

	if ((v = ymap_get(d, node, "setup")) != NULL && !ynode_is_null(v) &&
	    ynode_get_bool(d, v, NULL, &t->setup, err) < 0)
		return -1;
	if ((v = ymap_get(d, node, "on_teardown_failure")) != NULL &&
	    !ynode_is_null(v)) {
		char known[128];

		if (ynode_get_str(d, v, NULL, &s, err) < 0)
			return -1;
		if (dag_key_value_index(dag_teardown_failure_values, s) < 0)
			return ynode_err(d, v, err,
					 "unknown value '%s' (known: %s)", s,
					dag_key_values_names(dag_teardown_failure_values,
							     known, sizeof known));
		t->teardown_ignore = strcmp(s, "ignore") == 0;
	}
	return 0;
}

void
dag_scope_reach(const struct dag *dag, int i, char *seen, int down)
{
	const struct task *t = &dag->tasks[i];
	int n = down ? t->ndownstream : t->nupstream;
	const int *next = down ? t->downstream : t->upstream;

	for (int k = 0; k < n; k++)
		if (!seen[next[k]]) {
			seen[next[k]] = 1;
			dag_scope_reach(dag, next[k], seen, down);
		}
}

void
dag_scope_of(const struct dag *dag, int teardown, char *set)
{
	const struct task *td = &dag->tasks[teardown];
	char *down, *up;

	if (!td->is_teardown)
		return;
	down = xcalloc((size_t)dag->ntasks, 1);
	up = xcalloc((size_t)dag->ntasks, 1);
	dag_scope_reach(dag, td->teardown_of, down, 1);
	dag_scope_reach(dag, teardown, up, 0);
	for (int x = 0; x < dag->ntasks; x++)
		if (down[x] && up[x] && x != teardown && x != td->teardown_of)
			set[x] = 1;
	free(down);
	free(up);
}

/* Make u an upstream of t unless it is one. */
static void
add_edge(struct task *u, struct task *t)
{
	for (int m = 0; m < t->nupstream; m++)
		if (t->upstream[m] == u->index)
			return;
	t->upstream = xreallocarray(t->upstream, (size_t)t->nupstream + 1,
				    sizeof(int));
	t->upstream[t->nupstream++] = u->index;
	u->downstream = xreallocarray(u->downstream,
				      (size_t)u->ndownstream + 1, sizeof(int));
	u->downstream[u->ndownstream++] = t->index;
}

int
dag_scope_link(struct ydoc *d, struct dag *dag, int i, ynode_t *node,
	       struct sl_err *err)
{
	struct task *t = &dag->tasks[i], *setup;
	ynode_t *v = ymap_get(d, node, "teardown_of");
	const char *s;
	char *scope;

	if (v == NULL || ynode_is_null(v)) {
		ynode_t *f = ymap_get(d, node, "on_teardown_failure");

		if (f != NULL && !ynode_is_null(f))
			return ynode_err(d, f, err,
					 "only a teardown (teardown_of:) takes it");
		return 0;
	}
	if (ynode_get_str(d, v, NULL, &s, err) < 0)
		return -1;
	setup = dag_task(dag, s);
	if (setup == NULL) {
		struct text_near near;
		int nsetup = 0;

		/* the setup tasks: those a teardown can name */
		text_near_init(&near, s);
		for (int k = 0; k < dag->ntasks; k++)
			if (dag->tasks[k].setup) {
				text_near_add(&near, dag->tasks[k].name);
				nsetup++;
			}
		if (text_near_best(&near) != NULL)
			return ynode_err(d, v, err,
					 "unknown task '%s' (did you mean '%s'?)",
					 s, text_near_best(&near));
		return ynode_err(d, v, err, "unknown task '%s'%s", s,
				 nsetup == 0 ? " (a teardown names a task with "
				 "setup: true, and no task has it)" : "");
	}
	if (setup == t)
		return ynode_err(d, v, err,
				 "a task cannot be its own teardown");
	if (!setup->setup)
		return ynode_err(d, v, err,
				 "'%s' is not a setup task (it needs setup: true)",
				 s);
	if (t->setup)
		return ynode_err(d, v, err,
				 "a setup task cannot also be a teardown");
	if ((v = ymap_get(d, node, "trigger_rule")) != NULL)
		return ynode_err(d, v, err,
				 "a teardown runs once its setup succeeded and its scope ended, whatever their states; it takes no trigger_rule");
	t->is_teardown = 1;
	t->teardown_of = setup->index;
	/* the scope as the file draws it, then every task of it (and the
	 * setup) upstream of the teardown: its end re-evaluates it */
	scope = xcalloc((size_t)dag->ntasks, 1);
	dag_scope_of(dag, i, scope);
	add_edge(setup, t);
	for (int x = 0; x < dag->ntasks; x++) {
		struct task *m = &dag->tasks[x];

		if (!scope[x])
			continue;
		add_edge(m, t);
		/* its setup runs (again) before it does */
		m->setups = xreallocarray(m->setups, (size_t)m->nsetups + 1,
					  sizeof(int));
		m->setups[m->nsetups++] = setup->index;
	}
	free(scope);
	return 0;
}

void
dag_scope_each(const struct dag *dag,
	       void (*fn)(void *arg, const struct task *setup,
			  const struct task *teardown, const json_t *pulled_by),
	       void *arg)
{
	for (int i = 0; i < dag->ntasks; i++) {
		const struct task *td = &dag->tasks[i];
		json_t *names;
		char *scope;

		if (!td->is_teardown)
			continue;
		scope = xcalloc((size_t)dag->ntasks, 1);
		dag_scope_of(dag, i, scope);
		names = json_array();
		json_array_append_new(names,
				      json_string(dag->tasks[td->teardown_of].name));
		for (int x = 0; x < dag->ntasks; x++)
			if (scope[x])
				json_array_append_new(names,
						      json_string(dag->tasks[x].name));
		fn(arg, &dag->tasks[td->teardown_of], td, names);
		json_decref(names);
		free(scope);
	}
}
