/* store_actions.c: person actions (clear, mark) and the audit log. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag.h"
#include "scheduler/dag_map.h"
#include "scheduler/dag_scope.h"
#include "scheduler/tz.h"
#include "store/store_internal.h"

/* --- person actions --- */

int
store_audit(struct store *s, const char *who, const char *action,
	    const char *dag_id, const json_t *detail)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO audit (at, who, action, dag_id, detail) VALUES (?, ?, ?, ?, ?)");
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	int r;

	sqlite3_bind_int64(st, 1, sl_now_ms());
	sqlite3_bind_text(st, 2, who ? who : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
	r = store_step_done(s, st);
	free(text);
	return r;
}

json_t *
store_clear_list_partitions(const json_t *tis)
{
	json_t *keys = json_array(), *seen = json_object(), *ti;
	size_t i;

	json_array_foreach(tis, i, ti) {
		const char *k = json_string_value(json_object_get(ti, "partition"));

		if (k != NULL && json_object_get(seen, k) == NULL) {
			json_object_set_new(seen, k, json_true());
			json_array_append_new(keys, json_string(k));
		}
	}
	json_decref(seen);
	return keys;
}

json_t *
store_clear_list_tasks(const struct dag *dag, const json_t *tis)
{
	json_t *names = json_array(), *seen = json_object(), *ti;
	size_t i;

	json_array_foreach(tis, i, ti) {
		const char *t = json_string_value(json_object_get(ti, "task"));

		if (t != NULL)
			json_object_set_new(seen, t, json_true());
	}
	for (int k = 0; k < dag->ntasks; k++)
		if (json_object_get(seen, dag->tasks[k].name) != NULL) {
			json_array_append_new(names, json_string(dag->tasks[k].name));
			json_object_set_new(seen, dag->tasks[k].name, json_false());
		}
	/* an item of a mapped task not cleared whole: by its own name */
	json_array_foreach(tis, i, ti) {
		const char *t = json_string_value(json_object_get(ti, "task"));
		const char *bracket = t != NULL ? strchr(t, '[') : NULL;
		json_t *was = t != NULL ? json_object_get(seen, t) : NULL;
		char base[256];

		if (bracket == NULL || !json_is_true(was))
			continue;
		snprintf(base, sizeof base, "%.*s", (int)(bracket - t), t);
		if (json_object_get(seen, base) == NULL)
			json_array_append_new(names, json_string(t));
		json_object_set_new(seen, t, json_false());
	}
	json_decref(seen);
	return names;
}

/* The partition keys of the runs in clear_set, oldest first (at most
 * 1000); NULL on a database error. */
static json_t *
store_clear_partitions(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT r.partition FROM dag_runs r "
	    "WHERE r.id IN (SELECT run_id FROM clear_set) ORDER BY r.start_s LIMIT 1000");
	json_t *keys = json_array();
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(keys, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(keys);
		return NULL;
	}
	return keys;
}

/*
 * A task added to the DAG file after a run was made has no instance in
 * it: a clear that names it (tasks, a JSON array of task names) first
 * gives each run of the selection that lacks one of them the instances
 * it lacks, as the scheduler does for a run it loads, so they run. In
 * the caller's transaction; *first_new is the id the added instances
 * start after (the caller lists them with the cleared ones).
 */
static int
store_clear_add_missing(struct store *s, const struct dag *dag,
			const struct clear_spec *spec, const char *tasks,
			int64_t *first_new, struct sl_err *err)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT r.id FROM dag_runs r "
	    "WHERE r.dag_id = ?1 AND " STORE_RUN_IN_RANGE("r", "?2", "?6", "?3", "?7")
	    "AND (?4 IS NULL OR r.partition = ?4) "
	    "AND EXISTS (SELECT 1 FROM json_each(?5) n WHERE NOT EXISTS "
	    "(SELECT 1 FROM task_instances ti WHERE ti.run_id = r.id AND ti.task_id = n.value))");
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*first_new = INT64_MAX;
	sqlite3_bind_text(st, 1, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, spec->from_s);
	sqlite3_bind_int64(st, 3, spec->to_s);
	if (spec->partition != NULL)
		sqlite3_bind_text(st, 4, spec->partition, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, tasks, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, spec->from_id);
	sqlite3_bind_int64(st, 7, spec->to_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		SL_GROW(ids, cap, n + 1);
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE && n > 0) {
		st = store_stmt(s, "SELECT coalesce(max(id), 0) FROM task_instances");
		rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_DONE : SQLITE_ERROR;
		*first_new = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	for (size_t i = 0; rc == SQLITE_DONE && i < n; i++)
		if (store_run_add_missing(s, dag, ids[i]) < 0)
			rc = SQLITE_ERROR;
	free(ids);
	return rc == SQLITE_DONE ? 0 : store_db_err(s, err, "adding the task instances a run lacks");
}

int
store_clear(struct store *s, const struct dag *dag,
	    const struct clear_spec *spec, const char *who, json_t **out,
	    struct sl_err *err)
{
	char *sel = xcalloc((size_t)dag->ntasks, 1);
	char *base = xcalloc((size_t)dag->ntasks, 1);
	json_t *names = json_array(), *list = json_array(), *detail;
	json_t *items = json_array();
	char *names_text, *tasks_text;
	sqlite3_stmt *st;
	int64_t now = sl_now_ms(), first_new = INT64_MAX;
	int count = 0;

	if (spec->tasks == NULL || spec->tasks[0] == NULL) {
		memset(sel, 1, (size_t)dag->ntasks);
	} else {
		for (size_t i = 0; spec->tasks[i] != NULL; i++) {
			struct task *t = dag_task(dag, spec->tasks[i]);

			if (t == NULL &&
			    (t = dag_map_item_task(dag, spec->tasks[i], NULL)) != NULL) {
				/* one item of a mapped task: itself, and
				 * what is reached from its task */
				json_array_append_new(items,
						      json_string(spec->tasks[i]));
				base[t->index] = 1;
				continue;
			}
			if (t == NULL) {
				free(sel);
				free(base);
				json_decref(names);
				json_decref(list);
				json_decref(items);
				return sl_err_set(err, "DAG %s has no task '%s'",
						  dag->name, spec->tasks[i]);
			}
			sel[t->index] = 1;
		}
	}
	for (int i = 0; i < dag->ntasks; i++)
		base[i] |= sel[i];
	for (int i = 0; i < dag->ntasks; i++) {
		if (!base[i])
			continue;
		if (spec->downstream)
			dag_scope_reach(dag, i, sel, 1);
		if (spec->upstream)
			dag_scope_reach(dag, i, sel, 0);
	}
	for (int i = 0; i < dag->ntasks; i++)
		if (sel[i])
			json_array_append_new(names, json_string(dag->tasks[i].name));
	/* the tasks without the items: those a run may lack */
	tasks_text = json_dumps(names, JSON_COMPACT);
	json_array_extend(names, items);
	json_decref(items);
	free(sel);
	free(base);
	names_text = json_dumps(names, JSON_COMPACT);

	if (store_begin(s) < 0) {
		free(names_text);
		free(tasks_text);
		json_decref(names);
		json_decref(list);
		return store_db_err(s, err, "begin");
	}
	/* a failed or stale instance is one that exists: nothing to add */
	if (!spec->only_failed && !spec->only_stale &&
	    store_clear_add_missing(s, dag, spec, tasks_text, &first_new, err) < 0)
		goto fail;
	/* the selection, once, into a temp table */
	if (store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS clear_set "
			"(ti_id INTEGER PRIMARY KEY, run_id INTEGER)", err) < 0 ||
	    store_exec(s, "DELETE FROM clear_set", err) < 0)
		goto fail;
	st = store_stmt(s,
	    "INSERT INTO clear_set (ti_id, run_id) "
	    "SELECT ti.id, ti.run_id FROM dag_runs r JOIN task_instances ti ON ti.run_id = r.id "
	    "WHERE r.dag_id = ?1 AND " STORE_RUN_IN_RANGE("r", "?2", "?8", "?3", "?9")
	    "AND ti.task_id IN (SELECT value FROM json_each(?4)) "
	    "AND (?5 = 0 OR ti.state IN ('failed', 'upstream_failed')) "
	    "AND (?6 IS NULL OR r.partition = ?6) "
	    "AND (?7 = 0 OR r.stale <> 0)");
	sqlite3_bind_text(st, 1, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, spec->from_s);
	sqlite3_bind_int64(st, 3, spec->to_s);
	sqlite3_bind_text(st, 4, names_text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, spec->only_failed);
	if (spec->partition != NULL)
		sqlite3_bind_text(st, 6, spec->partition, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int(st, 7, spec->only_stale);
	sqlite3_bind_int64(st, 8, spec->from_id);
	sqlite3_bind_int64(st, 9, spec->to_id);
	if (store_step_done(s, st) < 0) {
		store_db_err(s, err, "selecting task instances");
		goto fail;
	}
	/* the instances a run lacked run too (the scheduler gives a run it
	 * loads every task of the DAG): listed with the cleared ones */
	if (first_new != INT64_MAX) {
		st = store_stmt(s, "INSERT OR IGNORE INTO clear_set (ti_id, run_id) "
				   "SELECT id, run_id FROM task_instances WHERE id > ?1");
		sqlite3_bind_int64(st, 1, first_new);
		if (store_step_done(s, st) < 0) {
			store_db_err(s, err, "selecting task instances");
			goto fail;
		}
	}
	/* the scope's setups and teardowns follow from the tasks selected,
	 * a mapped one's parent included, before it gives way to its
	 * failed items */
	if (store_clear_scope(s, dag, err) < 0 ||
	    (spec->only_failed && store_map_only_failed(s, err) < 0))
		goto fail;
	/* the audit names the tasks cleared from the list */
	if (out != NULL || !spec->no_audit) {
		st = store_stmt(s,
		    "SELECT r.partition, ti.task_id, ti.state FROM clear_set c "
		    "JOIN task_instances ti ON ti.id = c.ti_id JOIN dag_runs r ON r.id = c.run_id "
		    "ORDER BY r.start_s, ti.task_id");
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(list, json_pack("{s:s,s:s,s:s}",
			    "partition", (const char *)sqlite3_column_text(st, 0),
			    "task", (const char *)sqlite3_column_text(st, 1),
			    "state", (const char *)sqlite3_column_text(st, 2)));
		sqlite3_reset(st);
	}
	st = store_stmt(s, "SELECT count(*) FROM clear_set");
	if (sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (spec->dry_run) {
		store_rollback(s);
		goto done;
	}
	st = store_stmt(s,
	    "INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state, reason) "
	    "SELECT ?1, c.run_id, c.ti_id, ti.state, 'none', ?2 FROM clear_set c "
	    "JOIN task_instances ti ON ti.id = c.ti_id");
	sqlite3_bind_int64(st, 1, now);
	{
		char reason[256];

		snprintf(reason, sizeof reason, "cleared by %s", who ? who : "unknown");
		sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
		if (store_step_done(s, st) < 0) {
			store_db_err(s, err, "logging the clear");
			goto fail;
		}
	}
	/* Each task gets its retries again; try numbers keep counting so
	 * earlier tries' logs stay. */
	/* each task's retries, for max_tries, in one set-based update */
	if (store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS clear_tasks "
			"(task_id TEXT PRIMARY KEY, tries INTEGER)", err) < 0 ||
	    store_exec(s, "DELETE FROM clear_tasks", err) < 0)
		goto fail;
	for (int i = 0; i < dag->ntasks; i++) {
		st = store_stmt(s, "INSERT INTO clear_tasks VALUES (?, ?)");
		sqlite3_bind_text(st, 1, dag->tasks[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, dag->tasks[i].retries + 1);
		if (store_step_done(s, st) < 0) {
			store_db_err(s, err, "clearing");
			goto fail;
		}
	}
	st = store_stmt(s,
	    "UPDATE task_instances SET state = 'none', next_at = NULL, first_poke_at = NULL, "
	    "error = NULL, exit_code = NULL, signal = NULL, sla_notified = 0, updated_at = ?1, max_tries = try_number + "
	    "coalesce((SELECT tries FROM clear_tasks WHERE clear_tasks.task_id = task_instances.task_id), "
	    "(SELECT tries FROM clear_tasks WHERE task_instances.map_index IS NOT NULL AND "
	    "task_instances.task_id = clear_tasks.task_id || '[' || task_instances.map_index || ']'), 1) "
	    "FROM clear_set WHERE task_instances.id = clear_set.ti_id");
	sqlite3_bind_int64(st, 1, now);
	if (store_step_done(s, st) < 0) {
		store_db_err(s, err, "clearing");
		goto fail;
	}
	if (store_map_clear(s, err) < 0)
		goto fail;
	/* an ended run runs again: its start and end are the new run's
	 * (its tries keep their own times) */
	st = store_stmt(s,
	    "UPDATE dag_runs SET state = 'queued', started_at = NULL, ended_at = NULL "
	    "WHERE id IN (SELECT DISTINCT run_id FROM clear_set) AND state IN ('success', 'failed')");
	if (store_step_done(s, st) < 0) {
		store_db_err(s, err, "re-opening runs");
		goto fail;
	}
	/* a run that re-runs is no longer stale (needs:) */
	st = store_stmt(s,
	    "UPDATE dag_runs SET stale = 0 "
	    "WHERE id IN (SELECT DISTINCT run_id FROM clear_set) AND stale <> 0");
	if (store_step_done(s, st) < 0) {
		store_db_err(s, err, "re-opening runs");
		goto fail;
	}
	if (spec->params != NULL) {
		/* the re-run renders these (the scheduler reads a run's params
		 * when it loads the re-opened run) */
		char *text = json_dumps(spec->params, JSON_COMPACT);

		st = store_stmt(s,
		    "UPDATE dag_runs SET params = ?1 "
		    "WHERE id IN (SELECT DISTINCT run_id FROM clear_set)");
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
		free(text);
		if (store_step_done(s, st) < 0) {
			store_db_err(s, err, "setting the runs' params");
			goto fail;
		}
	}
	if (!spec->no_audit) {
		/* the audit names partitions by their keys */
		json_t *keys = store_clear_partitions(s);

		if (keys == NULL) {
			store_db_err(s, err, "reading the cleared partitions");
			goto fail;
		}
		detail = json_pack("{s:o,s:o,s:b,s:b,s:b,s:i}", "tasks",
				   store_clear_list_tasks(dag, list),
				   "partitions", keys, "downstream", spec->downstream,
				   "upstream", spec->upstream, "only_failed",
				   spec->only_failed, "count", count);
		if (spec->params != NULL)
			json_object_set_new(detail, "params",
					    dag_params_masked(dag, spec->params));
		store_audit(s, who, "clear", dag->name, detail);
		json_decref(detail);
	}
	if (store_commit_err(s, err) < 0)
		goto fail;
done:
	free(names_text);
	free(tasks_text);
	json_decref(names);
	if (out != NULL)
		*out = list;
	else
		json_decref(list);
	return count;
fail:
	store_rollback(s);
	free(names_text);
	free(tasks_text);
	json_decref(names);
	json_decref(list);
	return -1;
}

int
store_mark(struct store *s, const struct dag *dag, const char *task,
	   const char *partition, enum ti_state state, const char *who,
	   struct sl_err *err)
{
	sqlite3_stmt *st;
	int64_t now = sl_now_ms(), ti_id = 0, run_id = 0;
	char from[32] = "", why[256];
	json_t *detail;

	int item = dag_task(dag, task) == NULL &&
	    dag_map_item_task(dag, task, NULL) != NULL;

	if (dag_task(dag, task) == NULL && !item)
		return sl_err_set(err, "DAG %s has no task '%s'", dag->name, task);
	if (store_begin(s) < 0)
		return store_db_err(s, err, "begin");
	st = store_stmt(s,
	    "SELECT ti.id, ti.run_id, ti.state FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE r.dag_id = ? AND r.partition = ? AND ti.task_id = ?");
	sqlite3_bind_text(st, 1, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ti_id = sqlite3_column_int64(st, 0);
		run_id = sqlite3_column_int64(st, 1);
		snprintf(from, sizeof from, "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (ti_id == 0) {
		store_rollback(s);
		if (item)
			return sl_err_set(err, "DAG %s has no item %s in partition %s (not expanded yet, or fewer items)",
					  dag->name, task, partition);
		return sl_err_set(err, "DAG %s has no run for partition %s",
				  dag->name, partition);
	}
	/* already so: nothing to record, and the run is not opened to be
	 * settled again (it kept its end, and said its end once) */
	if (strcmp(from, ti_state_name(state)) == 0) {
		if (store_commit_err(s, err) < 0)
			return -1;
		return 1;
	}
	/* the error shown beside the state is the task instance's: marked
	 * success it has none (the tries keep theirs); marked failed
	 * without one, it says who failed it */
	st = store_stmt(s,
	    "UPDATE task_instances SET state = ?1, next_at = NULL, updated_at = ?2, "
	    "ended_at = coalesce(ended_at, ?2), "
	    "error = CASE WHEN ?1 = 'success' THEN NULL ELSE coalesce(error, ?3) END "
	    "WHERE id = ?4");
	sqlite3_bind_text(st, 1, ti_state_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	snprintf(why, sizeof why, "marked %s by %s", ti_state_name(state),
		 who ? who : "unknown");
	sqlite3_bind_text(st, 3, why, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, ti_id);
	store_step_done(s, st);
	if (item)
		store_map_reopen(s, ti_id);
	st = store_stmt(s,
	    "INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state, reason) "
	    "VALUES (?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, run_id);
	sqlite3_bind_int64(st, 3, ti_id);
	sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ti_state_name(state), -1, SQLITE_STATIC);
	/* the same words as the error: a try it stops says them */
	sqlite3_bind_text(st, 6, why, -1, SQLITE_TRANSIENT);
	store_step_done(s, st);
	/* let the scheduler settle the run's state again */
	st = store_stmt(s,
	    "UPDATE dag_runs SET state = 'queued', ended_at = NULL "
	    "WHERE id = ? AND state IN ('success', 'failed')");
	sqlite3_bind_int64(st, 1, run_id);
	store_step_done(s, st);
	detail = json_pack("{s:s,s:s,s:s,s:s}", "task", task, "partition",
			   partition, "from", from, "to", ti_state_name(state));
	store_audit(s, who, "mark", dag->name, detail);
	json_decref(detail);
	if (store_commit_err(s, err) < 0)
		return -1;
	return 0;
}


/* Is a state one that holds a downstream task back as upstream_failed? */
static int
holds_downstream(int state)
{
	return state == TI_FAILED || state == TI_UPSTREAM_FAILED;
}

int
store_mark_downstream(struct store *s, const struct dag *dag,
		      const char *task, const char *partition, int clear,
		      const char *who, json_t **freed, json_t **stay,
		      struct sl_err *err)
{
	struct task *t = dag_task(dag, task);
	sqlite3_stmt *st;
	int *state, nfreed = 0, changed, rc, found = 0;
	char *down, *free_set;
	char **names;
	int64_t start_s = 0;
	json_t *freed_list = json_array(), *stay_list = json_array();

	if (freed != NULL)
		*freed = NULL;
	if (stay != NULL)
		*stay = NULL;
	if (t == NULL && dag_map_item_task(dag, task, NULL) != NULL) {
		/* one item: its mapped task's state is the scheduler's to
		 * settle from all its items; nothing downstream is freed here */
		json_decref(freed_list);
		json_decref(stay_list);
		return 0;
	}
	if (t == NULL) {
		json_decref(freed_list);
		json_decref(stay_list);
		return sl_err_set(err, "DAG %s has no task '%s'", dag->name, task);
	}
	state = xcalloc((size_t)dag->ntasks, sizeof *state);
	down = xcalloc((size_t)dag->ntasks, 1);
	free_set = xcalloc((size_t)dag->ntasks, 1);
	names = xcalloc((size_t)dag->ntasks + 1, sizeof *names);
	for (int i = 0; i < dag->ntasks; i++)
		state[i] = -1;	/* no task instance */
	st = store_stmt(s,
	    "SELECT r.start_s, ti.task_id, ti.state FROM dag_runs r "
	    "JOIN task_instances ti ON ti.run_id = r.id "
	    "WHERE r.dag_id = ? AND r.partition = ?");
	sqlite3_bind_text(st, 1, dag->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct task *u = dag_task(dag, (const char *)sqlite3_column_text(st, 1));

		found = 1;
		start_s = sqlite3_column_int64(st, 0);
		if (u != NULL)
			state[u->index] = ti_state_parse((const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_db_err(s, err, "reading the run's task instances");
		nfreed = -1;
		goto out;
	}
	if (!found) {
		nfreed = sl_err_set(err, "DAG %s has no run for partition %s", dag->name, partition);
		goto out;
	}
	state[t->index] = TI_SUCCESS;
	dag_scope_reach(dag, t->index, down, 1);
	/* free from the top: a task freed lets its own downstream go */
	do {
		changed = 0;
		for (int i = 0; i < dag->ntasks; i++) {
			const struct task *u = &dag->tasks[i];
			int held = 0;

			if (!down[i] || state[i] != TI_UPSTREAM_FAILED)
				continue;
			for (int k = 0; k < u->nupstream && !held; k++)
				held = holds_downstream(state[u->upstream[k]]);
			if (held)
				continue;
			state[i] = TI_NONE;
			free_set[i] = 1;
			changed = 1;
		}
	} while (changed);
	for (int i = 0; i < dag->ntasks; i++) {
		if (free_set[i]) {
			names[nfreed++] = dag->tasks[i].name;
			json_array_append_new(freed_list, json_string(dag->tasks[i].name));
		} else if (down[i] && state[i] == TI_UPSTREAM_FAILED)
			json_array_append_new(stay_list, json_string(dag->tasks[i].name));
	}
	if (clear && nfreed > 0) {
		struct clear_spec spec;

		memset(&spec, 0, sizeof spec);
		spec.dag_id = dag->name;
		spec.tasks = names;
		spec.from_s = spec.to_s = start_s;
		spec.partition = partition;	/* runs of an unscheduled DAG
						 * may share a start */
		if (store_clear(s, dag, &spec, who, NULL, err) < 0)
			nfreed = -1;
	}
out:
	if (nfreed >= 0 && freed != NULL)
		*freed = json_incref(freed_list);
	if (nfreed >= 0 && stay != NULL)
		*stay = json_incref(stay_list);
	json_decref(freed_list);
	json_decref(stay_list);
	free(names);
	free(free_set);
	free(down);
	free(state);
	return nfreed;
}
