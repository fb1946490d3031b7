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
	/* ?5 is the mask of fields to set (TIU_* bits); a try that starts
	 * (started_at set) has not ended: the last try's end and duration go */
	st = store_stmt(s,
	    "UPDATE task_instances SET state = ?3, updated_at = ?4, "
	    "next_at = CASE WHEN ?5 & 1 THEN ?6 ELSE next_at END, "
	    "first_poke_at = CASE WHEN ?5 & 2 THEN ?7 ELSE first_poke_at END, "
	    "started_at = CASE WHEN ?5 & 4 THEN ?8 ELSE started_at END, "
	    "ended_at = CASE WHEN ?5 & 8 THEN ?9 WHEN ?5 & 4 THEN NULL ELSE ended_at END, "
	    "duration_ms = CASE WHEN ?5 & 16 THEN ?10 WHEN ?5 & 4 THEN NULL ELSE duration_ms END, "
	    "try_number = CASE WHEN ?5 & 32 THEN ?11 ELSE try_number END, "
	    "exit_code = CASE WHEN ?5 & 64 THEN ?12 ELSE exit_code END, "
	    "signal = CASE WHEN ?5 & 128 THEN ?13 ELSE signal END, "
	    "host = CASE WHEN ?5 & 256 THEN ?14 ELSE host END, "
	    "token = CASE WHEN ?5 & 512 THEN ?15 ELSE token END, "
	    "error = CASE WHEN ?5 & 1024 THEN ?16 ELSE error END, "
	    "executor = CASE WHEN ?5 & 2048 THEN ?17 ELSE executor END, "
	    "ran = CASE WHEN ?5 & 4096 THEN ?19 ELSE ran END, "
	    "dag_hash = CASE WHEN ?5 & 4096 THEN ?20 ELSE dag_hash END "
	    "WHERE id = ?1 AND state = ?2 AND (?18 < 0 OR try_number = ?18)");
	sqlite3_bind_int64(st, 1, ti_id);
	sqlite3_bind_text(st, 2, ti_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ti_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int(st, 5, (int)u->set);
	if (u->next_at != 0)
		sqlite3_bind_int64(st, 6, u->next_at);
	if (u->first_poke_at != 0)
		sqlite3_bind_int64(st, 7, u->first_poke_at);
	sqlite3_bind_int64(st, 8, u->started_at);
	if (u->ended_at != 0)
		sqlite3_bind_int64(st, 9, u->ended_at);
	sqlite3_bind_int64(st, 10, u->duration_ms);
	sqlite3_bind_int(st, 11, u->try_number);
	if (!u->exit_null)
		sqlite3_bind_int(st, 12, u->exit_code);
	sqlite3_bind_int(st, 13, u->signal);
	sqlite3_bind_text(st, 14, u->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, u->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, u->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, u->executor, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 18, expect_try);
	sqlite3_bind_text(st, 19, u->ran, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 20, u->dag_hash, -1, SQLITE_STATIC);
	if (store_step_done(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if (store_ti_state_change(s, ti_id, from, to, u->reason, now) < 0)
		return -1;
	return 1;
}

int
store_ti_state_change(struct store *s, int64_t ti_id, enum ti_state from,
		      enum ti_state to, const char *reason, int64_t at)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state, reason) "
	    "SELECT ?1, run_id, id, ?2, ?3, ?4 FROM task_instances WHERE id = ?5");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, ti_state_name(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ti_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ti_id);
	return store_step_done(s, st);
}

int
store_try_record(struct store *s, int64_t ti_id, int try_number,
		 enum ti_state state, int64_t started_at, int64_t ended_at,
		 int exit_code, int sig, const char *host, const char *error)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT OR REPLACE INTO task_tries (ti_id, try_number, state, started_at, "
	    "ended_at, exit_code, signal, host, error, ran, dag_hash) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "(SELECT ran FROM task_instances WHERE id = ?1), "
	    "(SELECT dag_hash FROM task_instances WHERE id = ?1))");

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

