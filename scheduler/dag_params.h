/*
 * dag_params.h: loading a DAG file's `params:` (for dag.c only; the checks
 * callers use are in dag.h).
 */
#ifndef SLUICE_DAG_PARAMS_H
#define SLUICE_DAG_PARAMS_H

#include "base/ydoc.h"
#include "scheduler/dag.h"

/* Fill dag->params (NAME -> default) and dag->param_decls from the
 * params: node v (NULL when absent). dag->schedule must be set already. */
int dag_params_load(struct ydoc *yd, ynode_t *v, struct dag *dag,
		    struct sl_err *err);

#endif
