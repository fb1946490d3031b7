/* store_outputs.c: task outputs, the JSON object a try wrote to
 * $SLUICE_OUTPUT, kept with its task instance (task_instances.output,
 * migration 0011). */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

int
store_ti_output_set(struct store *s, int64_t ti_id, const char *output)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE task_instances SET output = ?2 WHERE id = ?1");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ti_id);
	if (output != NULL)
		sqlite3_bind_text(st, 2, output, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	return store_step_done(s, st);
}

int
store_run_outputs(struct store *s, int64_t run_id, json_t **out)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT task_id, output FROM task_instances "
	    "WHERE run_id = ? AND output IS NOT NULL");
	json_t *all;
	int rc;

	*out = NULL;
	if (st == NULL)
		return -1;
	all = json_object();
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *task = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		json_t *v = text ? json_loads(text, 0, NULL) : NULL;

		if (task != NULL && json_is_object(v))
			json_object_set_new(all, task, v);
		else
			json_decref(v);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_log_failure(s);
		json_decref(all);
		return -1;
	}
	*out = all;
	return 0;
}

void
store_outputs_parse(json_t *rows)
{
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		const char *text = json_string_value(json_object_get(row, "output"));
		json_t *v = text ? json_loads(text, 0, NULL) : NULL;

		json_object_set_new(row, "output", json_is_object(v) ?
				    v : (json_decref(v), json_null()));
	}
}
