/* dag_outputs.c: tasks.NAME.output.KEY must name an upstream task (see
 * dag_outputs.h). */
#include "scheduler/dag_outputs.h"

#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "operators/operator.h"
#include "scheduler/template.h"

/* Is task up upstream of task t, directly or through others? */
static int
is_upstream(const struct dag *dag, int t, int up, char *seen)
{
	const struct task *task = &dag->tasks[t];

	for (int i = 0; i < task->nupstream; i++) {
		int u = task->upstream[i];

		if (u == up)
			return 1;
		if (!seen[u]) {
			seen[u] = 1;
			if (is_upstream(dag, u, up, seen))
				return 1;
		}
	}
	return 0;
}

int
dag_outputs_is_upstream(const struct dag *dag, int t, int up)
{
	char *seen;
	int ok;

	if (t == up)
		return 0;
	seen = xcalloc((size_t)dag->ntasks, 1);
	ok = is_upstream(dag, t, up, seen);
	free(seen);
	return ok;
}

struct refs_walk {
	struct ydoc *d;
	struct dag *dag;
	struct task *t;
	ynode_t *v;
	struct sl_err *err;
};

static int
ref_check(void *arg, const char *name, size_t off)
{
	struct refs_walk *w = arg;
	struct task *up = dag_task(w->dag, name);
	const ynode_t *v = w->v;

	w->t->uses_outputs = 1;
	if (up == NULL) {
		struct text_near near;

		text_near_init(&near, name);
		for (int k = 0; k < w->dag->ntasks; k++)
			text_near_add(&near, w->dag->tasks[k].name);
		ynode_err(w->d, v, w->err,
			  "'{{ tasks.%s.output... }}': the DAG has no task '%s'%s%s%s",
			  name, name, text_near_best(&near) ? " (did you mean '" : "",
			  text_near_best(&near) ? text_near_best(&near) : "",
			  text_near_best(&near) ? "'?)" : "");
	} else if (up == w->t) {
		ynode_err(w->d, v, w->err,
			  "'{{ tasks.%s.output... }}': '%s' is this task: its output is read by the tasks after it, not by itself",
			  name, name);
	} else {
		if (dag_outputs_is_upstream(w->dag, w->t->index, up->index))
			return 0;
		ynode_err(w->d, v, w->err,
			  "'{{ tasks.%s.output... }}': '%s' is not upstream of '%s' (its output is read only by tasks that run after it: add it to after:)",
			  name, name, w->t->name);
	}
	/* point at the name in a one-line scalar */
	if (w->err != NULL && v->start_mark.line == v->end_mark.line) {
		if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			w->err->col += (int)off;
		else if (v->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
			 v->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE)
			w->err->col += (int)off + 1;
	}
	return -1;
}

static int
walk(struct refs_walk *w, ynode_t *v)
{
	if (v == NULL)
		return 0;
	if (v->type == YAML_SCALAR_NODE) {
		const char *text = ynode_str(v);

		if (!tmpl_has(text))
			return 0;
		w->v = v;
		return tmpl_output_refs(text, ref_check, w);
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = yseq_begin(v); i < yseq_end(v); i++)
			if (walk(w, ydoc_node(w->d, *i)) < 0)
				return -1;
	} else if (v->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = ymap_begin(v); p < ymap_end(v); p++)
			if (walk(w, ydoc_node(w->d, p->value)) < 0)
				return -1;
	}
	return 0;
}

int
dag_outputs_check(struct ydoc *d, struct dag *dag, struct task *t,
		  ynode_t *node, struct sl_err *err)
{
	struct refs_walk w = { d, dag, t, NULL, err };

	return walk(&w, node);
}

int
dag_outputs_load_task(struct ydoc *d, struct task *t, ynode_t *skip,
		      ynode_t *branch, struct sl_err *err)
{
	long long code;

	t->skip_exit_code = strcmp(t->op->name, "shell") == 0 ? 99 : 0;
	if (skip != NULL && !ynode_is_null(skip)) {
		if (ynode_get_int(d, skip, NULL, 0, 255, &code,
				  err) < 0)
			return -1;
		t->skip_exit_code = (int)code;
	}
	if (branch != NULL && !ynode_is_null(branch) &&
	    ynode_get_bool(d, branch, NULL, &t->branch, err) < 0)
		return -1;
	return 0;
}
