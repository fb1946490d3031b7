/*
 * dag_groups.h: task groups in a DAG file. `group: NAME` on a task puts it
 * in a group; `after:` may name `group:NAME`, meaning every task of the
 * group. The grid and the graph show a group as one column or box whose
 * state is the aggregate of its tasks' (dag_group_state).
 */
#ifndef SLUICE_DAG_GROUPS_H
#define SLUICE_DAG_GROUPS_H

#include "base/util.h"
#include "base/ydoc.h"
#include "scheduler/dag.h"

/* The prefix of an `after:` entry that names a group. */
#define DAG_GROUP_REF "group:"

/* Read a task's own `group:` (node: the task's mapping) into t->group.
 * -1 with err at the bad node, naming its path. */
int dag_groups_load_task(struct ydoc *d, ynode_t *node, struct task *t,
			 struct sl_err *err);
/* Is an `after:` entry a group reference? */
int dag_groups_is_ref(const char *after);
/*
 * Make every task of group an upstream of t (ref: "group:NAME"), skipping
 * those already upstream. -1 with err's message (no position: the caller
 * places it) when no task is in the group, or t is in it.
 */
int dag_groups_link(struct dag *dag, struct task *t, const char *ref,
		    struct sl_err *err);
/* The group names of the DAG in the order their first task comes, as a
 * NULL-terminated array of pointers into the tasks (free the array only);
 * *n gets how many. */
const char **dag_groups_names(const struct dag *dag, int *n);
/* A task's group, setup, teardown_of and on_teardown_failure, when set,
 * into o (its object in `sluice dags show --json` and the API). */
void dag_groups_task_json(const struct dag *d, const struct task *t,
			  json_t *o);
/*
 * The one state a group shows for its task instances' states (names, n
 * of them; NULL entries: no task instance yet): running when any is
 * scheduled, queued, running or waiting for a retry or a reschedule;
 * else failed when any failed or is upstream_failed; else, when some have
 * not started, none if none ended and running if some did; else success
 * when any succeeded; else skipped.
 */
const char *dag_group_state(const char *const *states, int n);

#endif
