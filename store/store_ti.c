/* store_ti.c: task instances and tries, as the scheduler moves them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag.h"
#include "scheduler/tz.h"
#include "store/store_internal.h"

/* --- task instances --- */

int
store_ti_transition(struct store *s, int64_t ti_id, enum ti_state from,
		    int expect_try, enum ti_state to, const struct ti_update *u)
{
	sqlite3_stmt *st;
	int64_t now = sl_now_ms();

	if (!ti_transition_ok(from, to))
		sl_fatal("bad task instance transition %s -> %s",
			 ti_state_name(from), ti_state_name(to));
	st = store_stmt(s,
	    "UPDATE task_instances SET state = ?3, updated_at = ?4, "
	    "next_at = CASE WHEN ?5 = -1 THEN next_at WHEN ?5 = 0 THEN NULL ELSE ?5 END, "
	    "first_poke_at = CASE WHEN ?6 = -1 THEN first_poke_at WHEN ?6 = 0 THEN NULL ELSE ?6 END, "
	    "started_at = CASE WHEN ?7 = -1 THEN started_at ELSE ?7 END, "
	    "ended_at = CASE WHEN ?8 = -1 THEN ended_at WHEN ?8 = 0 THEN NULL ELSE ?8 END, "
	    "duration_ms = CASE WHEN ?9 = -1 THEN duration_ms ELSE ?9 END, "
	    "try_number = CASE WHEN ?10 = -1 THEN try_number ELSE ?10 END, "
	    "exit_code = CASE WHEN ?11 IS NULL AND ?16 = 1 THEN NULL WHEN ?11 IS NULL THEN exit_code ELSE ?11 END, "
	    "signal = CASE WHEN ?12 = -1 THEN signal ELSE ?12 END, "
	    "host = coalesce(?13, host), executor = coalesce(?18, executor), "
	    "token = CASE WHEN ?14 IS NULL THEN token WHEN ?14 = '' THEN NULL ELSE ?14 END, "
	    "error = CASE WHEN ?15 IS NULL THEN error WHEN ?15 = '' THEN NULL ELSE ?15 END "
	    "WHERE id = ?1 AND state = ?2 AND (?17 < 0 OR try_number = ?17)");
	sqlite3_bind_int64(st, 1, ti_id);
	sqlite3_bind_text(st, 2, ti_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ti_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, u->next_at);
	sqlite3_bind_int64(st, 6, u->first_poke_at);
	sqlite3_bind_int64(st, 7, u->started_at);
	sqlite3_bind_int64(st, 8, u->ended_at);
	sqlite3_bind_int64(st, 9, u->duration_ms);
	sqlite3_bind_int(st, 10, u->try_number);
	if (u->exit_code > INT_MIN + 1)
		sqlite3_bind_int(st, 11, u->exit_code);
	sqlite3_bind_int(st, 16, u->exit_code == INT_MIN + 1);
	sqlite3_bind_int(st, 12, u->signal);
	sqlite3_bind_text(st, 13, u->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, u->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, u->error, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 17, expect_try);
	sqlite3_bind_text(st, 18, u->executor, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	st = store_stmt(s,
	    "INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state, reason) "
	    "SELECT ?1, run_id, id, ?2, ?3, ?4 FROM task_instances WHERE id = ?5");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, ti_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ti_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ti_id);
	if (store_step_done(s, st) < 0)
		return -1;
	return 1;
}

int
store_try_record(struct store *s, int64_t ti_id, int try_number,
		 enum ti_state state, int64_t started_at, int64_t ended_at,
		 int exit_code, int sig, const char *host, const char *error)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT OR REPLACE INTO task_tries (ti_id, try_number, state, started_at, "
	    "ended_at, exit_code, signal, host, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");

	sqlite3_bind_int64(st, 1, ti_id);
	sqlite3_bind_int(st, 2, try_number);
	sqlite3_bind_text(st, 3, ti_state_name(state), -1, SQLITE_STATIC);
	if (started_at > 0)
		sqlite3_bind_int64(st, 4, started_at);
	if (ended_at > 0)
		sqlite3_bind_int64(st, 5, ended_at);
	if (exit_code != INT_MIN)
		sqlite3_bind_int(st, 6, exit_code);
	if (sig > 0)
		sqlite3_bind_int(st, 7, sig);
	sqlite3_bind_text(st, 8, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, error, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

int
store_ti_sla_notified(struct store *s, int64_t ti_id)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE task_instances SET sla_notified = 1 WHERE id = ?");

	sqlite3_bind_int64(st, 1, ti_id);
	return store_step_done(s, st);
}

