/* store_map_items.c: the items of mapped tasks (foreach:, migration
 * 0013): a parent row NAME with map_count, one row NAME[i] per item with
 * map_index and map_item. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store_internal.h"

/* rows of items of parent p (same run, task_id NAME[...]) */
#define ITEM_OF(ti, p) \
	ti ".run_id = " p ".run_id AND " ti ".map_index IS NOT NULL AND " \
	"substr(" ti ".task_id, 1, length(" p ".task_id) + 1) = " p ".task_id || '['"

int
store_map_expand(struct store *s, int64_t run_id, const char *dag_id,
		 const char *task, int64_t parent_id, const json_t *items,
		 int max_tries, int64_t *ids, int *tries)
{
	sqlite3_stmt *st;
	int64_t now = sl_now_ms();
	size_t n = json_array_size(items);

	/* the items of an earlier expansion (a cleared parent) past the new
	 * list go; those within it are made again below, keeping their tries
	 * (the next try of NAME[i] follows the last, so earlier logs stay) */
	st = store_stmt(s,
	    "DELETE FROM task_instances AS ti WHERE ti.map_index >= ?2 AND "
	    "EXISTS (SELECT 1 FROM task_instances p WHERE p.id = ?1 AND "
	    ITEM_OF("ti", "p") ")");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, parent_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
	if (store_step_done(s, st) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char name[1024];
		char *text = json_dumps(json_array_get(items, i),
					JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(name, sizeof name, "%s[%zu]", task, i);
		st = store_stmt(s,
		    "INSERT INTO task_instances (run_id, dag_id, task_id, state, "
		    "try_number, max_tries, updated_at, map_index, map_item) "
		    "VALUES (?1, ?2, ?3, 'scheduled', 0, ?4, ?5, ?6, ?7) "
		    "ON CONFLICT (run_id, task_id) DO UPDATE SET state = 'scheduled', "
		    "max_tries = try_number + excluded.max_tries, "
		    "updated_at = excluded.updated_at, map_index = excluded.map_index, "
		    "map_item = excluded.map_item, next_at = NULL, first_poke_at = NULL, "
		    "error = NULL, exit_code = NULL, signal = NULL, sla_notified = 0 "
		    "RETURNING id, try_number");
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, dag_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, max_tries);
		sqlite3_bind_int64(st, 5, now);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)i);
		sqlite3_bind_text(st, 7, text ? text : "null", -1, SQLITE_TRANSIENT);
		free(text);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			store_log_failure(s);
			return -1;
		}
		ids[i] = sqlite3_column_int64(st, 0);
		tries[i] = sqlite3_column_int(st, 1);
		if (store_step_done(s, st) < 0)
			return -1;
	}
	st = store_stmt(s,
	    "UPDATE task_instances SET map_count = ?2, updated_at = ?3 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, parent_id);
	sqlite3_bind_int(st, 2, (int)n);
	sqlite3_bind_int64(st, 3, now);
	return store_step_done(s, st);
}

int
store_map_set_parent(struct store *s, int64_t parent_id, enum ti_state from,
		     enum ti_state to, const char *reason)
{
	/* a parent runs while its items do: none -> running and running ->
	 * ended, which no try takes (store_ti_transition's table) */
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE task_instances SET state = ?3, updated_at = ?4, "
	    "started_at = CASE WHEN ?3 = 'running' THEN ?4 ELSE started_at END, "
	    "ended_at = CASE WHEN ?5 THEN ?4 ELSE NULL END, "
	    "error = CASE WHEN ?3 = 'failed' THEN ?6 ELSE NULL END "
	    "WHERE id = ?1 AND state = ?2");
	int64_t now = sl_now_ms();

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, parent_id);
	sqlite3_bind_text(st, 2, ti_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ti_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int(st, 5, ti_state_done(to));
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	if (sqlite3_changes(store_db(s)) == 0)
		return 0;
	if (store_ti_state_change(s, parent_id, from, to, reason, now) < 0)
		return -1;
	return 1;
}

int
store_map_only_failed(struct store *s, struct sl_err *err)
{
	sqlite3_stmt *st;

	/* clearing a parent makes every item again, the ones that
	 * succeeded too; only the failed ones are asked for */
	st = store_stmt(s,
	    "INSERT OR IGNORE INTO clear_set (ti_id, run_id) "
	    "SELECT ti.id, ti.run_id FROM clear_set c "
	    "JOIN task_instances p ON p.id = c.ti_id "
	    "JOIN task_instances ti ON " ITEM_OF("ti", "p") " "
	    "WHERE p.map_count IS NOT NULL AND p.map_index IS NULL "
	    "AND ti.state IN ('failed', 'upstream_failed')");
	if (st == NULL || store_step_done(s, st) < 0)
		return store_db_err(s, err, "selecting the failed items of mapped tasks");
	st = store_stmt(s,
	    "DELETE FROM clear_set WHERE ti_id IN (SELECT p.id FROM clear_set c "
	    "JOIN task_instances p ON p.id = c.ti_id "
	    "WHERE p.map_count IS NOT NULL AND p.map_index IS NULL "
	    "AND EXISTS (SELECT 1 FROM clear_set c2 JOIN task_instances ti "
	    "ON ti.id = c2.ti_id WHERE " ITEM_OF("ti", "p") "))");
	if (st == NULL || store_step_done(s, st) < 0)
		return store_db_err(s, err, "selecting the failed items of mapped tasks");
	return 0;
}

int
store_map_clear(struct store *s, struct sl_err *err)
{
	sqlite3_stmt *st;

	/* a parent cleared: its items are cleared with it and made again at
	 * the next expansion (the list may have changed: store_map_expand
	 * removes those past it); their rows and tries stay, so the next try
	 * of NAME[i] follows its last and earlier tries' logs stay */
	st = store_stmt(s,
	    "UPDATE task_instances AS ti SET state = 'none', next_at = NULL, "
	    "first_poke_at = NULL, error = NULL, exit_code = NULL, signal = NULL, "
	    "sla_notified = 0, updated_at = ?1 WHERE ti.map_index IS NOT NULL "
	    "AND ti.id NOT IN (SELECT ti_id FROM clear_set) "
	    "AND EXISTS (SELECT 1 FROM clear_set c JOIN task_instances p "
	    "ON p.id = c.ti_id WHERE p.map_index IS NULL AND " ITEM_OF("ti", "p") ")");
	if (st == NULL)
		return store_db_err(s, err, "clearing the items of mapped tasks");
	sqlite3_bind_int64(st, 1, sl_now_ms());
	if (store_step_done(s, st) < 0)
		return store_db_err(s, err, "clearing the items of mapped tasks");
	st = store_stmt(s,
	    "UPDATE task_instances SET map_count = NULL "
	    "WHERE id IN (SELECT ti_id FROM clear_set) AND map_index IS NULL "
	    "AND map_count IS NOT NULL");
	if (store_step_done(s, st) < 0)
		return store_db_err(s, err, "clearing mapped tasks");
	/* an item cleared alone: its parent runs again until it ends */
	st = store_stmt(s,
	    "UPDATE task_instances AS p SET state = 'running', ended_at = NULL, "
	    "updated_at = ?1 WHERE p.map_count IS NOT NULL AND p.map_index IS NULL "
	    "AND p.id NOT IN (SELECT ti_id FROM clear_set) "
	    "AND EXISTS (SELECT 1 FROM clear_set c JOIN task_instances ti "
	    "ON ti.id = c.ti_id WHERE " ITEM_OF("ti", "p") ")");
	sqlite3_bind_int64(st, 1, sl_now_ms());
	if (store_step_done(s, st) < 0)
		return store_db_err(s, err, "re-opening mapped tasks");
	return 0;
}

int
store_map_forget(struct store *s, int64_t parent_id)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE task_instances SET map_count = NULL, updated_at = ?2 "
	    "WHERE id = ?1 AND map_index IS NULL");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, parent_id);
	sqlite3_bind_int64(st, 2, sl_now_ms());
	return store_step_done(s, st);
}

int
store_map_reopen(struct store *s, int64_t item_id)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE task_instances AS p SET state = 'running', ended_at = NULL, "
	    "updated_at = ?2 WHERE p.map_count IS NOT NULL AND p.map_index IS NULL "
	    "AND p.state IN ('success', 'failed', 'skipped') "
	    "AND EXISTS (SELECT 1 FROM task_instances ti WHERE ti.id = ?1 AND "
	    ITEM_OF("ti", "p") ")");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_int64(st, 2, sl_now_ms());
	return store_step_done(s, st);
}

int
store_map_count(struct store *s, const char *dag_id, const char *task,
		const char *partition)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT ti.map_count FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id "
	    "WHERE r.dag_id = ?1 AND r.partition = ?2 AND ti.task_id = ?3");
	int rc, n = -2;

	if (st == NULL)
		return -3;
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 0);
	else if (rc != SQLITE_DONE)
		n = -3;
	sqlite3_reset(st);
	return n;
}

void
store_map_items_parse(json_t *rows)
{
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		json_t *text = json_object_get(row, "map_item");
		json_t *v;

		if (!json_is_string(text))
			continue;
		v = json_loads(json_string_value(text), JSON_DECODE_ANY, NULL);
		if (v != NULL)
			json_object_set_new(row, "map_item", v);
	}
}
