/*
 * dag_map.h: mapped tasks in a DAG file. `foreach:` on a task makes it a
 * mapped task: one task instance NAME[i] per item of a list known when
 * the task may run (sched_map.c expands it). The list is
 *   - a literal YAML list (scalars or objects),
 *   - a template that renders to a JSON array ("{{ params.symbols }}"),
 *   - {output: TASK, key: KEY}: the value KEY of an upstream task's output,
 *     a JSON array or a comma-separated string.
 * `max_active: N` bounds the items of one task instance running at once;
 * `max_map: N` the items (default: sluice.yaml's max_map). `{{ item }}`
 * and `{{ item.FIELD }}` are allowed only in a mapped task's templates.
 */
#ifndef SLUICE_DAG_MAP_H
#define SLUICE_DAG_MAP_H

#include <jansson.h>

#include "base/util.h"
#include "base/ydoc.h"
#include "scheduler/dag.h"

/* Read a task's own foreach, max_active and max_map (node: its mapping)
 * into t. -1 with err at the bad node, naming its path. */
int dag_map_load_task(struct ydoc *d, ynode_t *node, const struct dag *dag,
		      struct task *t, struct sl_err *err);
/* Once the tasks are linked: foreach's output TASK is upstream of t, and
 * item is used only in a mapped task. -1 with err at file:line:column. */
int dag_map_check(struct ydoc *d, struct dag *dag, struct task *t,
		  ynode_t *node, struct sl_err *err);
void dag_map_free_task(struct task *t);
/* A task's foreach, max_active and max_map, when set, into o (its object
 * in `sluice dags show --json` and the API). */
void dag_map_task_json(const struct dag *d, const struct task *t, json_t *o);
/*
 * The items of a list given as text (a template's rendering, an output's
 * value): a JSON array, or else a comma-separated string (each part
 * trimmed of blanks; an empty part is no item, wherever it is: "a,,b",
 * "a,b," and ",a,b" are two, "" and " , " none). A new reference, or NULL
 * with err when the text is JSON but not an array.
 */
json_t *dag_map_parse_list(const char *text, struct sl_err *err);

/* The task NAME of name NAME[...], mapped or not; NULL when name has no
 * '[' or d has no task NAME. */
struct task *dag_map_item_base(const struct dag *d, const char *name);
/* name as an item of a mapped task, NAME[i] (i decimal, no sign or
 * leading zero): the task, and i into *index (may be NULL); NULL when
 * name is not of that form or NAME is not a mapped task of d. */
struct task *dag_map_item_task(const struct dag *d, const char *name,
			       int *index);

#endif
