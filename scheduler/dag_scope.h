/*
 * dag_scope.h: setup and teardown tasks. `setup: true` on a task makes it
 * a setup; `teardown_of: SETUP` on another makes that one its teardown.
 * The scope is every task downstream of the setup and upstream of the
 * teardown. At load the teardown gets the setup and every task of the
 * scope as upstream, so it is evaluated whenever one of them ends; the
 * scheduler runs it once all have ended, whatever their states, provided
 * the setup succeeded, and a task of the scope waits for its setup to
 * have ended (after a clear, the setup runs again first)
 * (scheduler/sched_teardown.c). Clearing a task of the
 * scope (or the setup) clears the setup and the teardown too.
 */
#ifndef SLUICE_DAG_SCOPE_H
#define SLUICE_DAG_SCOPE_H

#include "base/util.h"
#include "base/ydoc.h"
#include "scheduler/dag.h"

/* Read a task's own setup: and on_teardown_failure: (node: the task's
 * mapping). -1 with err at the bad node, naming its path. */
int dag_scope_load_task(struct ydoc *d, ynode_t *node, struct task *t,
			struct sl_err *err);
/*
 * Resolve task i's teardown_of: (node: its mapping) once every task is
 * known, and give the teardown its setup and scope as upstream. -1 with
 * err at the bad node: an unknown task, a task that is not a setup, a
 * teardown of itself, a teardown that is also a setup, or
 * on_teardown_failure on a task that is no teardown.
 */
int dag_scope_link(struct ydoc *d, struct dag *dag, int i, ynode_t *node,
		   struct sl_err *err);
/* seen[x] = 1 for every task reachable from task i (down: by downstream
 * edges, else by upstream ones); i itself only if reached again. */
void dag_scope_reach(const struct dag *dag, int i, char *seen, int down);
/* set[x] = 1 for every task x of the scope of teardown (an index of a
 * teardown task); set holds dag->ntasks bytes, zeroed by the caller. */
void dag_scope_of(const struct dag *dag, int teardown, char *set);
/*
 * For every teardown of the DAG, call fn with its setup, itself and the
 * names (a JSON array of strings, borrowed) of the tasks whose clear
 * clears both: the setup and every task of the scope.
 */
void dag_scope_each(const struct dag *dag,
		    void (*fn)(void *arg, const struct task *setup,
			       const struct task *teardown,
			       const json_t *pulled_by),
		    void *arg);

#endif
