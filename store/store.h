/*
 * store.h: the SQLite state store (SPEC §4; schema in migrations/, notes
 * in scheduler/STATES.md).
 *
 * One connection per process, WAL mode, synchronous=NORMAL: a commit is
 * durable against the process being killed at any instant. Several
 * processes (scheduler, CLI, web) share the file; the scheduler notices
 * other processes' commits through store_data_version().
 *
 * Person actions (trigger, clear, mark, pause) are functions here so the
 * CLI and the web UI do exactly the same thing, each recorded in the audit
 * log with who did it.
 */
#ifndef SLUICE_STORE_H
#define SLUICE_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "scheduler/state.h"
#include "base/util.h"

struct store;
struct dag;
struct dagbag;

/* Open (creating if needed) and apply pending migrations. A database
 * whose schema is newer than this binary is refused. */
int store_open(const char *path, struct store **out, struct sl_err *err);
void store_close(struct store *s);
sqlite3 *store_db(struct store *s);
/* The newest migration this binary carries, and the database's. */
int store_schema_version(struct store *s);
int store_binary_version(void);
/* Apply pending migrations; *applied gets how many. */
int store_migrate(struct store *s, int *applied, struct sl_err *err);

int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* Changes when another connection commits (PRAGMA data_version). */
int64_t store_data_version(struct store *s);

/* Prepared statement cache: the statement for sql, reset and ready. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* --- DAGs --- */
/* Record the DAG folder's state: one row per DAG (or per broken file). */
int store_dags_sync(struct store *s, const struct dagbag *bag);
int store_dag_paused(struct store *s, const char *dag_id);
int store_dag_set_paused(struct store *s, const char *dag_id, int paused,
			 const char *who, struct sl_err *err);
/* Catch-up cursor: the start of the next partition to create. */
int store_dag_cursor(struct store *s, const char *dag_id, int64_t *start_s);
int store_dag_set_cursor(struct store *s, const char *dag_id, int64_t start_s);

/* --- runs --- */
/* Create a run and a task instance per task (state none). Fails with a
 * clear message when the partition already has a run. */
int store_run_create(struct store *s, const struct dag *dag,
		     const char *partition, int64_t start_s, int64_t end_s,
		     const char *run_type, const json_t *params,
		     int64_t *run_id, struct sl_err *err);
/* Make sure every task of dag has an instance in run (a DAG that gained
 * tasks). */
int store_run_add_missing(struct store *s, const struct dag *dag,
			  int64_t run_id);
int store_run_set_state(struct store *s, int64_t run_id, enum run_state from,
			enum run_state to);

/* --- task instances, for the scheduler --- */
struct ti_update {
	int64_t next_at;	/* -1: leave; 0: NULL */
	int64_t first_poke_at;	/* -1: leave; 0: NULL */
	int64_t started_at;	/* -1: leave */
	int64_t ended_at;	/* -1: leave */
	int64_t duration_ms;	/* -1: leave */
	int try_number;		/* -1: leave */
	int exit_code;		/* INT_MIN: leave; INT_MIN+1: NULL */
	int signal;		/* -1: leave */
	const char *host;	/* NULL: leave */
	const char *token;	/* NULL: leave; "" → NULL */
	const char *error;	/* NULL: leave; "" → NULL */
	const char *reason;	/* for the state change log */
	const char *executor;	/* NULL: leave */
};
#define TI_UPDATE_INIT { -1, -1, -1, -1, -1, -1, -2147483647 - 1, -1, \
			 NULL, NULL, NULL, NULL, NULL }
/*
 * Move a task instance from expected state/try to `to`. Returns 1 when
 * done, 0 when the row no longer matches (a person cleared or marked it
 * meanwhile: the caller drops its result), -1 on a database error.
 */
int store_ti_transition(struct store *s, int64_t ti_id, enum ti_state from,
			int expect_try, enum ti_state to,
			const struct ti_update *u);
/* Record a try's end in task_tries. */
int store_try_record(struct store *s, int64_t ti_id, int try_number,
		     enum ti_state state, int64_t started_at,
		     int64_t ended_at, int exit_code, int sig,
		     const char *host, const char *error);
int store_ti_sla_notified(struct store *s, int64_t ti_id);

/* --- person actions --- */
struct clear_spec {
	const char *dag_id;
	char **tasks;		/* NULL-terminated; NULL or empty = all */
	int64_t from_s;		/* partition range by start, inclusive */
	int64_t to_s;
	int downstream;
	int upstream;
	int only_failed;
	int dry_run;
};
/* Reset the selected task instances to none so they run again. Returns the
 * list of affected task instances as a JSON array of {partition, task,
 * state} (also for a dry run) in *out (may be NULL). */
int store_clear(struct store *s, const struct dag *dag,
		const struct clear_spec *spec, const char *who, json_t **out,
		struct sl_err *err);
int store_mark(struct store *s, const struct dag *dag, const char *task,
	       const char *partition, enum ti_state state, const char *who,
	       struct sl_err *err);
int store_audit(struct store *s, const char *who, const char *action,
		const char *dag_id, const json_t *detail);

/* --- reads, as JSON for the CLI and the API --- */
/* Runs of a DAG, newest partition first; from/to by start (INT64_MIN/MAX
 * for open ends); state NULL = any. */
json_t *store_runs_json(struct store *s, const char *dag_id, int64_t from_s,
			int64_t to_s, const char *state, int limit,
			int offset);
/* One run by partition, or NULL. */
json_t *store_run_json(struct store *s, const char *dag_id,
		       const char *partition);
/* Task instances of one partition. */
json_t *store_tis_json(struct store *s, const char *dag_id,
		       const char *partition);
/* Tries of one task instance. */
json_t *store_tries_json(struct store *s, const char *dag_id,
			 const char *task, const char *partition);
json_t *store_audit_json(struct store *s, int limit, int offset);
/* Last `n` runs' states per DAG: {"dag": ["success", ...]}. */
json_t *store_dags_json(struct store *s);

/* --- runs for the command line (store_runs.c) --- */
/* The n runs whose start is nearest t, as [{partition, start_s, end_s}]
 * ordered by start (for "nearest keys" in errors). */
json_t *store_runs_near(struct store *s, const char *dag_id, int64_t t, int n);
/* A run's state and how many of its task instances are active or done. */
struct run_progress {
	char state[16];
	int tasks;
	int running;
	int done;
};
/* 1 and *out filled when the run exists, 0 when not, -1 on an error. */
int store_run_progress(struct store *s, const char *dag_id,
		       const char *partition, struct run_progress *out);
/* Delete the run of partition with its task instances, their tries and
 * state log (log files stay), audited as delete_run with who, the
 * partition and the run's params. Returns 1 when deleted, 0 when there is
 * no such run (err says so), -1 with err on an error or when a task
 * instance of the run is queued or running. */
int store_run_delete(struct store *s, const char *dag_id,
		     const char *partition, const char *who,
		     struct sl_err *err);
/* Resolve a partition argument: an exact key of an existing run, else a
 * time (parsed in the DAG's zone) → start_s. */
int store_partition_start(struct store *s, const struct dag *dag,
			  const char *arg, int64_t *start_s,
			  struct sl_err *err);

#endif
