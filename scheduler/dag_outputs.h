/*
 * dag_outputs.h: the load-time checks of task outputs in a DAG file
 * (output.h): every {{ tasks.NAME.output.KEY }} in a task names a task
 * upstream of it (directly or through others); skip_exit_code and branch.
 */
#ifndef SLUICE_DAG_OUTPUTS_H
#define SLUICE_DAG_OUTPUTS_H

#include "base/util.h"
#include "base/ydoc.h"
#include "scheduler/dag.h"

/* Read skip_exit_code and branch (their nodes, each may be NULL) into
 * t; shell tasks skip on 99 unless told otherwise. -1 with err. */
int dag_outputs_load_task(struct ydoc *d, struct task *t, ynode_t *skip,
			  ynode_t *branch, struct sl_err *err);
/* Check task t (its YAML mapping node) once the DAG's tasks are linked;
 * sets t->uses_outputs when its templates read outputs. -1 with err at
 * file:line:column of the bad name. */
int dag_outputs_check(struct ydoc *d, struct dag *dag, struct task *t,
		      ynode_t *node, struct sl_err *err);

/* Is task index up upstream of task index t, directly or through others? */
int dag_outputs_is_upstream(const struct dag *dag, int t, int up);

#endif
