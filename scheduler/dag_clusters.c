/* dag_clusters.c: cluster_from: names an upstream task that makes a
 * cluster (see dag_clusters.h). */
#include "scheduler/dag_clusters.h"

#include <stdio.h>
#include <string.h>

#include "operators/operator.h"
#include "scheduler/dag_outputs.h"

/* Does task t make a cluster whose id a task after it can take? */
static int
makes_cluster(const struct task *t)
{
	const char *backend = json_string_value(json_object_get(t->options,
								"backend"));

	return strcmp(t->op->name, "cluster_job") == 0 && backend != NULL &&
	       strcmp(backend, "emr") == 0 &&
	       json_object_get(t->options, "create_cluster") != NULL;
}

int
dag_clusters_check(struct ydoc *d, struct dag *dag, struct task *t,
		   ynode_t *node, struct sl_err *err)
{
	const char *from = json_string_value(json_object_get(t->options,
							     "cluster_from"));
	const struct task *up;
	char path[SL_ERR_PATH];
	ynode_t *v;

	if (from == NULL)
		return 0;
	/* the task's own key, or the task where it takes it from defaults */
	v = node != NULL ? ymap_get(d, node, "cluster_from") : NULL;
	if (v != NULL)
		ynode_path(d, v, path, sizeof path);
	else {
		snprintf(path, sizeof path, "tasks.%s.cluster_from", t->name);
		v = node;
	}
	up = dag_task(dag, from);
	if (up == NULL)
		return ydoc_err_path(d, v, path, err,
				     "the DAG has no task '%s'", from);
	if (!dag_outputs_is_upstream(dag, t->index, up->index))
		return ydoc_err_path(d, v, path, err,
				     "'%s' is not upstream of '%s' (the cluster must exist before this task runs: add it to after:)",
				     from, t->name);
	if (!makes_cluster(up))
		return ydoc_err_path(d, v, path, err,
				     "'%s' makes no cluster (a cluster_job with backend: emr and create_cluster: does)",
				     from);
	return 0;
}
