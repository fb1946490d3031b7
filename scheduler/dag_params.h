/*
 * dag_params.h: loading a DAG file's `params:` (for dag.c only; the checks
 * callers use are in dag.h).
 */
#ifndef SLUICE_DAG_PARAMS_H
#define SLUICE_DAG_PARAMS_H

#include "base/ydoc.h"
#include "scheduler/dag.h"

/* Fill dag->params (NAME -> default) and dag->param_decls from the
 * params: node v (NULL when absent). dag->schedule must be set already.
 * With note, each param's error is given to note(note_arg) (which takes
 * it from err) and the next param is read: a file's every param error
 * is said at once; -1 then only for an error left in err. */
int dag_params_load(struct ydoc *yd, ynode_t *v, struct dag *dag,
		    struct sl_err *err, int (*note)(void *), void *note_arg);

#endif
