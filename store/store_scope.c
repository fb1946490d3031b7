/*
 * store_scope.c: a clear inside a setup's scope (scheduler/dag_scope.h)
 * also clears the setup and its teardown, in the same runs: the resource
 * exists again while the cleared tasks re-run, and is removed after.
 */
#include <stdlib.h>

#include "scheduler/dag_scope.h"
#include "store/store_internal.h"

struct scope_pull {
	struct store *s;
	int added;			/* rows this round added */
	int failed;
};

/* In every run where clear_set holds a task of pulled_by (the setup or a
 * task of its scope), add the setup and the teardown. */
static void
scope_pull_one(void *arg, const struct task *setup,
	       const struct task *teardown, const json_t *pulled_by)
{
	struct scope_pull *p = arg;
	sqlite3_stmt *st;
	char *by;

	if (p->failed)
		return;
	by = json_dumps(pulled_by, JSON_COMPACT);
	st = store_stmt(p->s,
	    "INSERT OR IGNORE INTO clear_set (ti_id, run_id) "
	    "SELECT ti.id, ti.run_id FROM task_instances ti "
	    "WHERE ti.task_id IN (?1, ?2) AND ti.run_id IN ("
	    " SELECT c.run_id FROM clear_set c JOIN task_instances x ON x.id = c.ti_id "
	    " WHERE x.task_id IN (SELECT value FROM json_each(?3)))");
	sqlite3_bind_text(st, 1, setup->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, teardown->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, by, -1, SQLITE_TRANSIENT);
	free(by);
	if (store_step_done(p->s, st) < 0)
		p->failed = 1;
	else
		p->added += sqlite3_changes(store_db(p->s));
}

int
store_clear_scope(struct store *s, const struct dag *dag, struct sl_err *err)
{
	struct scope_pull p = { s, 0, 0 };

	/* a teardown pulled in may sit in another setup's scope: again
	 * until nothing is added (at most once per task) */
	for (int round = 0; round <= dag->ntasks; round++) {
		p.added = 0;
		dag_scope_each(dag, scope_pull_one, &p);
		if (p.failed)
			return store_db_err(s, err, "clearing setups and teardowns");
		if (p.added == 0)
			break;
	}
	return 0;
}
