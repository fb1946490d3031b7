/*
 * dag_needs.h: `needs:` and `produces:` in a DAG file, and the checks
 * across the DAG folder once every file is loaded: each need names a DAG,
 * task or dataset that exists, a dataset has one producing task, and the
 * DAGs do not need each other in a cycle. The interval rules that map a
 * consumer partition to upstream partitions are needs.h's.
 */
#ifndef SLUICE_DAG_NEEDS_H
#define SLUICE_DAG_NEEDS_H

#include "base/util.h"
#include "base/ydoc.h"
#include "scheduler/dag.h"

/* Read a `needs:` list (what: "needs" or "tasks.NAME.needs") into *out
 * (*n entries; the caller frees with dag_needs_free). -1 with err at the
 * bad node. With note, each need's error is given to note(note_arg)
 * (which takes it from err) and the next need is read (none is kept);
 * -1 then only for an error left in err. */
int dag_needs_parse(struct ydoc *d, ynode_t *v, const char *what,
		    struct need **out, int *n, struct sl_err *err,
		    int (*note)(void *), void *note_arg);
void dag_needs_free(struct need *v, int n);

/* The DAG and task (NULL: every task) a need waits for; a dataset need
 * gives its producer as the last dag_needs_check_bag resolved it (NULL
 * before). */
const char *dag_needs_up_dag(const struct need *nd);
const char *dag_needs_up_task(const struct need *nd);

/*
 * Check the needs of every DAG of the folder against the others: the
 * DAG, task or dataset exists (one task produces a dataset), and no cycle
 * runs across DAGs. A DAG whose needs do not resolve is in error
 * ("file:line:col: message", needs_error set): a DAG that loads for the
 * first time does not load (the others do); a DAG the folder held before
 * (taken over from prev, or its last good version in prev) keeps that
 * version, stale, as with a broken file. prev may be NULL. Entries whose
 * needs resolve again lose their needs error. Returns the number of DAGs
 * in error.
 */
int dag_needs_check_bag(struct dagbag *b, struct dagbag *prev);

/* The effective needs of task t: the DAG's, then the task's own (index i
 * of 0 .. d->nneeds + t->nneeds - 1). */
static inline const struct need *
dag_needs_of(const struct dag *d, const struct task *t, int i)
{
	return i < d->nneeds ? &d->needs[i] : &t->needs[i - d->nneeds];
}

#endif
