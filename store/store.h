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
 *
 * Past 800 lines: the one list of the store's verbs, each with what it
 * promises; the code behind them is split by concern (store_*.c).
 *
 * Past 800 lines on purpose: the store exports verbs, never statements,
 * so this one header is the whole interface to the tables that every
 * store/store_*.c implements (a section per file below); a reader who
 * wants to know what may touch a table reads it here.
 */
#ifndef SLUICE_STORE_H
#define SLUICE_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "scheduler/state.h"
#include "base/util.h"

struct store;
struct dag;
struct dagbag;

/* Open (creating if needed) and apply pending migrations. A database
 * whose schema is newer than this binary is refused. */
int store_open(const char *path, struct store **out, struct sl_err *err);
/* Open without migrating (for `db backup`: the copy is the database as
 * it is, whatever its version); only the maintenance verbs use it. */
int store_open_as_is(const char *path, struct store **out, struct sl_err *err);
void store_close(struct store *s);
/* The schema version of the database file at path, read only (nothing
 * is migrated): *have its highest applied migration (0: none), *pending
 * how many of this binary's migrations it lacks. */
int store_file_version(const char *path, int *have, int *pending,
		       struct sl_err *err);
/* The newest migration this binary carries, and the database's. */
int store_schema_version(struct store *s);
int store_binary_version(void);
/* Apply pending migrations; *applied gets how many. */
int store_migrate(struct store *s, int *applied, struct sl_err *err);

/* Take the database's scheduler lock (held until store_close or the
 * process ends); -1 with a message naming the holder when another
 * scheduler has it. */
int store_lock_scheduler(struct store *s, struct sl_err *err);
/* Does a scheduler (of this process or another) hold the database's
 * scheduler lock now? 1 or 0; reads no database. */
int store_scheduler_held(struct store *s);
/* The same question of the database at path, which need not exist (a
 * scheduler's file deleted under it): the one answer every verb asks for
 * "is a scheduler running on this database"; *pid (may be NULL) the
 * holder's pid, 0 when unknown. */
int store_scheduler_running(const char *path, long *pid);
/* Take the scheduler lock of the database at path for this process
 * (`db restore` while it replaces the file: no scheduler starts on it):
 * the descriptor, held until closed or exit; -1 with err naming the
 * holder. */
int store_lock_db(const char *path, struct sl_err *err);
/* Does s's path still name the file it opened? 1 (why says "PATH was
 * deleted" or "... replaced by another file") or 0; a stat, no read. */
int store_file_gone(struct store *s, char *why, size_t n);

/*
 * Transactions nest: only the outermost begin and commit reach SQLite.
 * When a statement fails and SQLite rolls the transaction back by
 * itself, or a nested part calls store_rollback, the whole transaction is
 * lost: nested begins fail, nothing commits (not even statements run in
 * the autocommit mode SQLite fell back to), and the outermost
 * store_commit returns -1. store_commit rolls back whatever it cannot
 * commit.
 */
int store_begin(struct store *s);
int store_commit(struct store *s);
/* store_commit, saying a failure into err as every verb that commits
 * says it: "PATH: commit: SQLite's message". 0 or -1. */
int store_commit_err(struct store *s, struct sl_err *err);
void store_rollback(struct store *s);
/* Did the last successful outermost commit change rows? */
int store_last_commit_wrote(struct store *s);
/* Hold writes: while held, store_begin fails and nothing commits (the
 * scheduler, between a failed write and its next attempt). */
void store_hold(struct store *s, int held);
/* Changes when another connection commits (PRAGMA data_version). */
int64_t store_data_version(struct store *s);

/* --- DAGs --- */
/*
 * Record the DAG folder's state: one row per DAG. A DAG seen for the
 * first time starts paused when paused_at_creation is set. A broken file
 * attaches its error to its DAG's row (the DAG its last good version
 * names, else the row recording that file); a loaded file clears it. A
 * gone file (a missing entry) changes nothing: its row keeps its file.
 * A file that loaded stores its text as its DAG's last good source (only
 * when the text or the file changed). now_ms (the scheduler's clock) is
 * when a DAG new to the database was first seen.
 */
int store_dags_sync(struct store *s, const struct dagbag *bag,
		    int paused_at_creation, int64_t now_ms);
/* Why the scheduler did not load file (recorded by store_dags_sync for a
 * file it loaded no DAG of), into buf: 1, 0 when it loaded it (or never
 * read it), -1 on a database error. The CLI, which reads the file
 * against sluice.yaml as it is now, says it as the API does. */
int store_dag_file_error(struct store *s, const char *file, char *buf,
			 size_t n);
/* Does the database record file as the file of dag (1), or not (0)?
 * Fits dagbag_owner_fn: store is the struct store. */
int store_dag_owns(void *store, const char *dag, const char *file);
/* The last good source of the DAG the database records file holds (the
 * text store_dags_sync stored when that file last loaded): 1 with *text
 * (malloc'd, *len bytes), 0 when none, -1 on a database error. Fits
 * dagbag_source_fn: store is the struct store. */
int store_dag_last_good(void *store, const char *file, char **text,
			size_t *len);
/* Is the DAG paused (1) or not (0)? A DAG no scheduler has recorded yet
 * (a file added since) gets if_new: pass the config's
 * dags_paused_at_creation, the state the scheduler will record it in. */
int store_dag_paused(struct store *s, const char *dag_id, int if_new);
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
/* Which fields of a struct ti_update a transition sets (u.set). */
enum {
	TIU_NEXT_AT = 1 << 0,		/* next_at; 0 sets NULL */
	TIU_FIRST_POKE_AT = 1 << 1,	/* first_poke_at; 0 sets NULL */
	TIU_STARTED_AT = 1 << 2,
	TIU_ENDED_AT = 1 << 3,		/* ended_at; 0 sets NULL */
	TIU_DURATION = 1 << 4,
	TIU_TRY_NUMBER = 1 << 5,
	TIU_EXIT_CODE = 1 << 6,		/* exit_code; exit_null sets NULL */
	TIU_SIGNAL = 1 << 7,
	TIU_HOST = 1 << 8,
	TIU_TOKEN = 1 << 9,		/* token; NULL sets NULL */
	TIU_ERROR = 1 << 10,		/* error; NULL sets NULL */
	TIU_EXECUTOR = 1 << 11,
	TIU_RAN = 1 << 12,		/* ran and dag_hash: what the try runs */
};

/* The fields a transition sets besides the state; only those whose TIU_
 * bit is in `set` (start from TI_UPDATE_INIT). */
struct ti_update {
	unsigned set;			/* TIU_* */
	int64_t next_at;
	int64_t first_poke_at;
	int64_t started_at;
	int64_t ended_at;
	int64_t duration_ms;
	int try_number;
	int exit_code;
	int exit_null;			/* with TIU_EXIT_CODE: store NULL */
	int signal;
	const char *host;
	const char *token;
	const char *error;
	const char *executor;
	const char *ran;			/* JSON text, secrets masked */
	const char *dag_hash;		/* sha256 of the DAG file */
	const char *reason;		/* for the state change log */
};
#define TI_UPDATE_INIT { 0 }
/*
 * Move a task instance from expected state/try to `to`. Returns 1 when
 * done, 0 when the row no longer matches (a person cleared or marked it
 * meanwhile: the caller drops its result), -1 on a database error.
 */
int store_ti_transition(struct store *s, int64_t ti_id, enum ti_state from,
			int expect_try, enum ti_state to,
			const struct ti_update *u);
/* Record a try's end in task_tries, with what it ran (the task
 * instance's ran and dag_hash). */
int store_try_record(struct store *s, int64_t ti_id, int try_number,
		     enum ti_state state, int64_t started_at,
		     int64_t ended_at, int exit_code, int sig,
		     const char *host, const char *error);
int store_ti_sla_notified(struct store *s, int64_t ti_id);
/* Forget the token of a try that no longer runs (recovery, the end of a
 * try whose task instance was cleared or marked); a task instance queued
 * or running again keeps the token of its new try. */
int store_ti_forget_token(struct store *s, int64_t ti_id);
/* Why ti_id's try was stopped by a person or a backfill's cancel: the
 * reason of its newest state change (1 found, 0 none, -1 a failed read). */
int store_ti_stop_reason(struct store *s, int64_t ti_id, char *buf, size_t n);
/*
 * Task outputs (store_outputs.c): set what a try wrote to $SLUICE_OUTPUT
 * as a JSON object text (NULL: none); read a run's as a new object
 * {TASK: {KEY: value}} into *out (tasks without one left out); in rows
 * of task instances (store_tis_json), turn each "output" text into its
 * object (or null).
 */
int store_ti_output_set(struct store *s, int64_t ti_id, const char *output);
int store_run_outputs(struct store *s, int64_t run_id, json_t **out);
void store_outputs_parse(json_t *rows);

/* Test hook: the next n commits that change something fail (and roll
 * back) as a full disk would make them. */
void store_test_fail_commits(struct store *s, int n);
/* Test hook: the n-th begin, commit, or read of the runs or their task
 * instances (the scheduler's reload) from now fails, and the count - 1
 * such operations after it, as a lock held too long would make them;
 * store_test_fault_fired says whether the first came. */
void store_test_fail_nth(struct store *s, int n, int count);
int store_test_fault_fired(struct store *s);

/* --- the scheduler's reads (store_sched.c); -1 on a database error --- */

struct store_dag_row {
	int paused;
	int has_cursor;		/* the catch-up cursor is set */
	int64_t cursor;		/* start of the next partition to create */
	int64_t first_seen_ms;	/* when it was first loaded; 0: not known */
};
/* 1 and *out filled when the DAG has a row, 0 when not, -1 on error. */
int store_dag_get(struct store *s, const char *dag_id,
		  struct store_dag_row *out);

/* One row per call; strings valid during the call only. */
struct store_run_row {
	int64_t id;
	const char *dag_id, *partition, *run_type;
	int64_t start_s, end_s;
	enum run_state state;
	const char *params;	/* JSON text, or NULL */
	int backfill_lane;	/* in the backfill lane (else live) */
	int64_t backfill_id;	/* the backfill that made it, or 0 */
	int bf_max_active;	/* that backfill's max_active (0: none) */
	int bf_newest_first;	/* ... and its order */
};
typedef void (*store_run_fn)(void *arg, const struct store_run_row *row);
/* Every queued or running run, by partition start. */
int store_sched_runs(struct store *s, store_run_fn fn, void *arg);

struct store_ti_row {
	int64_t id;
	const char *task_id;
	enum ti_state state;
	int try_number, max_tries;
	int64_t next_at, first_poke_at;	/* ms; 0 when NULL */
	int sla_notified;
	int map_index;			/* a mapped task's item: i; else -1 */
	int map_count;			/* a mapped parent: its items; -1 when
					 * not expanded (or not mapped) */
	const char *map_item;		/* an item's JSON text, or NULL */
};
/* fn returns 1 when it took the row (counted in the result). */
typedef int (*store_ti_fn)(void *arg, const struct store_ti_row *row);
/* The task instances of a run (every parent and ordinary one before the
 * items of mapped tasks, which come by map_index); returns how many fn
 * took, or -1. */
int store_sched_tis(struct store *s, int64_t run_id, store_ti_fn fn,
		    void *arg);

struct store_lost_row {
	int64_t id, run_id;
	enum ti_state state;
	const char *token;		/* NULL when none */
	const char *executor;		/* NULL when none */
	int try_number, max_tries;
	int64_t started_at;
	const char *task_id, *dag_id, *partition;
};
typedef void (*store_lost_fn)(void *arg, const struct store_lost_row *row);
/* Task instances queued or running, or holding a token: what a previous
 * scheduler left behind. */
int store_sched_lost(struct store *s, store_lost_fn fn, void *arg);
/*
 * needs: the upstream runs a consumer partition waits for (store_needs.c).
 * With task, success is that task instance's; with task NULL, the run's.
 * Rows go to fn in start order; strings valid only during the call.
 */
struct store_need_row {
	int64_t run_id, start_s, end_s;
	const char *partition;
	int success;
	int64_t ti_id;		/* 0 without a task (or no such task) */
	int try_number;
	int run_tries;		/* the sum of its task instances' tries */
};
typedef void (*store_need_fn)(void *arg, const struct store_need_row *row);
/* The runs of dag whose interval starts in [from_start, to_start]. */
int store_needs_range(struct store *s, const char *dag, const char *task,
		      int64_t from_start, int64_t to_start, store_need_fn fn,
		      void *arg);
/* The run of dag with key partition. */
int store_needs_key(struct store *s, const char *dag, const char *task,
		    const char *partition, store_need_fn fn, void *arg);
/* The newest successful run of dag ending at or before end_le (of two
 * starting in the same second, the one made last). */
int store_needs_latest(struct store *s, const char *dag, const char *task,
		       int64_t end_le, store_need_fn fn, void *arg);
/* Lineage: try try_number of consumer task instance ti_id consumed
 * up_try of upstream run up_run_id (its task instance up_ti_id, or 0
 * for the whole run: up_try is then the sum of its tries). */
/* Forget what try try_number of ti_id recorded (before recording it
 * again). */
int store_needs_lineage_clear(struct store *s, int64_t ti_id, int try_number);
int store_needs_lineage_add(struct store *s, int64_t ti_id, int try_number,
			    int64_t up_run_id, int64_t up_ti_id, int up_try,
			    const char *on_change, int64_t now);
/* A consumer run, with the strongest on_change of its needs (2 rerun,
 * 1 mark, 0 ignore) and its stale flag (0, 1 stale, 2 re-run pending). */
struct store_stale_row {
	int64_t run_id;
	const char *dag_id, *partition;
	int stale;
	int on_change;
};
typedef void (*store_stale_fn)(void *arg, const struct store_stale_row *r);
/* The consumer runs whose latest recorded try consumed an older try of
 * up_run_id than it has now (it succeeded again). */
int store_needs_stale(struct store *s, int64_t up_run_id, store_stale_fn fn,
		      void *arg);
int store_needs_set_stale(struct store *s, int64_t run_id, int stale);
/* Runs with a re-run pending (stale 2) none of whose consumed upstream
 * runs is queued or running. */
int store_needs_settled(struct store *s, store_stale_fn fn, void *arg);
/* What the tries of task in (dag_id, partition) consumed, newest try
 * first: [{try, dag, task, partition, upstream_try, on_change,
 * recorded_at, upstream_state, changed}] (task null: the whole run;
 * changed: it succeeded again since); NULL on a database error. */
json_t *store_needs_lineage_json(struct store *s, const char *dag_id,
				 const char *partition, const char *task);
/* The consumer partitions in other DAGs that re-run (on_change: rerun)
 * after the runs of dag_id starting in [from_s, to_s] (partition: only
 * that key, may be NULL) succeed again, and theirs in turn:
 * [{dag, partition}]; NULL on a database error. */
json_t *store_needs_consequences(struct store *s, const char *dag_id,
				 int64_t from_s, int64_t to_s,
				 const char *partition);
/* The state of task_id in the DAG's latest run before before_start_s:
 * 1 and *state when there is one, 0 when not, -1 on error. */
int store_ti_past_state(struct store *s, const char *dag_id,
			const char *task_id, int64_t before_start_s,
			enum ti_state *state);
/* The same, with the partition key of that run in partition (n bytes;
 * partition may be NULL). */
int store_ti_past(struct store *s, const char *dag_id, const char *task_id,
		  int64_t before_start_s, enum ti_state *state,
		  char *partition, size_t n);

/* --- sensor fingerprints (store_recheck.c; scheduler/sched_recheck.c) ---
 * What a sensor matched when it passed: one text per sensor task
 * instance (s3_sensor: "name<TAB>size<TAB>version" lines, sorted). */
/* Record (or replace) ti_id's fingerprint; changed counts a recheck that
 * found it changed. Inside the caller's transaction. 0 or -1. */
int store_recheck_record(struct store *s, int64_t ti_id, const char *objects,
			 int count, int64_t now_ms, int changed);
/* One fingerprint row; store_recheck_each fills the first five fields. */
struct store_recheck_row {
	int64_t ti_id;
	const char *dag_id, *task_id;
	int64_t end_s;			/* the partition's end */
	int64_t recorded_at;		/* ms */
	const char *partition, *run_type;
	int64_t start_s;
	const char *params;		/* the run's, JSON text or NULL */
	int state;			/* enum ti_state of the sensor */
	int try_number;
	const char *objects;
	int count;
};
typedef void (*store_recheck_fn)(void *arg, const struct store_recheck_row *r);
/* Every fingerprint whose sensor task instance is in success (what a
 * scheduler start may recheck): how many, or -1. */
int store_recheck_each(struct store *s, store_recheck_fn fn, void *arg);
/* ti_id's fingerprint with its run and task instance: 1 (fn called), 0
 * when there is none, -1 on an error. */
int store_recheck_get(struct store *s, int64_t ti_id, store_recheck_fn fn,
		      void *arg);

/* --- external jobs (store_external.c; migrations/0012) ---
 * The job outside sluice a try submitted (an EMR step or cluster, a Slurm
 * job, a command backend's job), recorded by the try's own process
 * (operators/op_external.h) before it waits, so a later try follows it
 * instead of submitting again. A task instance is named by (dag,
 * partition, task). */
struct store_external {
	int try_number;			/* the try that recorded it */
	char kind[32];			/* emr_step, emr_cluster, slurm, command */
	char job_id[512];
	char state[16];			/* running | ended */
	int64_t recorded_at;		/* ms, when it was submitted */
	int cleared_since;		/* the task instance was cleared after */
};
/* 1 and *out when the task instance has a record, 0 when not, -1 on an
 * error. */
int store_external_get(struct store *s, const char *dag, const char *partition,
		       const char *task, struct store_external *out);
/* Record job_id (state running, submitted at recorded_at) for try
 * try_number, replacing the task instance's record, only while the task
 * instance is at that try: 1 recorded, 0 not (it moved on, or there is no
 * such task instance), -1 on an error. */
int store_external_record(struct store *s, const char *dag,
			  const char *partition, const char *task,
			  int try_number, const char *kind, const char *job_id,
			  int64_t recorded_at, int64_t now_ms);
/* The job's end was seen (or it was cancelled) by try try_number, which
 * recorded it: state ended. 1, 0 (not that try's record, or the task
 * instance moved on), -1. */
int store_external_end(struct store *s, const char *dag, const char *partition,
		       const char *task, int try_number, int64_t now_ms);

/* --- person actions --- */
struct clear_spec {
	const char *dag_id;
	char **tasks;		/* NULL-terminated; NULL or empty = all */
	int64_t from_s;		/* partition range by start, inclusive */
	int64_t to_s;
	int64_t from_id;	/* and by run id at those starts, as in */
	int64_t to_id;		/* store_runs_range_json (0: any) */
	const char *partition;	/* non-NULL: only the run of this key */
	int downstream;
	int upstream;
	int only_failed;
	int only_stale;		/* only runs an upstream change made stale */
	int dry_run;
	int no_audit;		/* the caller writes one audit row for an
				 * action made of several clears */
	const json_t *params;	/* the cleared runs' params from now on
				 * (checked by dag_params_check; replace
				 * the old ones), or NULL: unchanged */
};
/* Reset the selected task instances to none so they run again, give
 * their runs spec->params when set, and (but with no_audit) record it in
 * the audit log by partition keys, with the new params masked. Returns the
 * list of affected task instances as a JSON array of {partition, task,
 * state} (also for a dry run) in *out (may be NULL). */
int store_clear(struct store *s, const struct dag *dag,
		const struct clear_spec *spec, const char *who, json_t **out,
		struct sl_err *err);
/* What a clear's list of task instances (store_clear's *out) touches, as
 * its audit row and every caller's reply name it: the partition keys,
 * each once, in the list's order; the tasks, each once, in the DAG's
 * order (an item of a mapped task by its own name unless its task is
 * there too). New arrays the caller owns. */
json_t *store_clear_list_partitions(const json_t *tis);
json_t *store_clear_list_tasks(const struct dag *dag, const json_t *tis);
/* Set a task instance to state by hand (audited, the run settled again):
 * 0; 1 when it already was in state (nothing written); -1 with err. */
int store_mark(struct store *s, const struct dag *dag, const char *task,
	       const char *partition, enum ti_state state, const char *who,
	       struct sl_err *err);
/*
 * What marking task success in partition's run means for its downstream:
 * the downstream task instances that are upstream_failed because of it
 * (with task taken as success, none of their upstream stays failed or
 * upstream_failed; worked out down the chain) go to *freed, and those
 * still held by another failed upstream to *stay, as JSON arrays of task
 * names in the DAG's order (each may be NULL). When clear, the freed ones
 * are cleared (store_clear: reset to none, audited) so the scheduler runs
 * them again. Returns how many are freed, or -1 with err.
 */
int store_mark_downstream(struct store *s, const struct dag *dag,
			  const char *task, const char *partition, int clear,
			  const char *who, json_t **freed, json_t **stay,
			  struct sl_err *err);
/*
 * Mapped tasks (store_map_items.c). Expand parent parent_id (task task of
 * run run_id) into one row task[i] per element of items (a JSON array),
 * state scheduled with max_tries more tries, and set its map_count; ids
 * and tries (n entries, the caller's) get the rows' ids and the tries
 * they already had (an item made again after its parent was cleared
 * keeps its row and tries). In the caller's transaction.
 */
int store_map_expand(struct store *s, int64_t run_id, const char *dag_id,
		     const char *task, int64_t parent_id, const json_t *items,
		     int max_tries, int64_t *ids, int *tries);
/* A parent's own transition (no try): 1 done, 0 the row moved on, -1. */
int store_map_set_parent(struct store *s, int64_t parent_id,
			 enum ti_state from, enum ti_state to,
			 const char *reason);
/* Inside store_clear, after the selection is reset: the items of cleared
 * parents are removed (map_count NULL again), and the parent of an item
 * cleared alone runs again. -1 with err. */
int store_map_clear(struct store *s, struct sl_err *err);
/* Inside store_clear with --only-failed, on the selection: a mapped
 * task's parent is replaced by its failed items, so only they run again
 * (a parent with none stays, and is made again whole). -1 with err. */
int store_map_only_failed(struct store *s, struct sl_err *err);
/* Item item_id was marked: its parent, if it had ended, runs again (the
 * scheduler settles it from its items). */
int store_map_reopen(struct store *s, int64_t item_id);
/* Parent parent_id's task is no longer mapped (an edit of its DAG file):
 * it forgets its items' count (its items stay, rows of a task the file no
 * longer has). */
int store_map_forget(struct store *s, int64_t parent_id);
/* The items of mapped task in partition's run: n, -1 not expanded yet,
 * -2 no such task instance, -3 a database error. */
int store_map_count(struct store *s, const char *dag_id, const char *task,
		    const char *partition);
int store_audit(struct store *s, const char *who, const char *action,
		const char *dag_id, const json_t *detail);

/* --- reads, as JSON for the CLI and the API; NULL on a database error
 * (store_busy() tells a lock from the rest) --- */
/* Runs of a DAG, newest partition first; from/to by start (INT64_MIN/MAX
 * for open ends); state NULL = any. */
json_t *store_runs_json(struct store *s, const char *dag_id, int64_t from_s,
			int64_t to_s, const char *state, int limit,
			int offset);
/*
 * A range of a DAG's runs in their order: by start, then by id (the order
 * they were made, so runs of an unscheduled DAG made in one second keep
 * theirs). From the run (from_s, from_id) to the run (to_s, to_id), both
 * inclusive; an id of 0 takes every run at that start (a range bound that
 * is a time, not a run).
 */
struct store_run_range {
	int64_t from_s, from_id;
	int64_t to_s, to_id;
};
/* The runs of range, newest first, as store_runs_json. */
json_t *store_runs_range_json(struct store *s, const char *dag_id,
			      const struct store_run_range *range,
			      const char *state, int limit, int offset);
/* One run by partition, or NULL. */
json_t *store_run_json(struct store *s, const char *dag_id,
		       const char *partition);
/* Task instances of one partition. */
json_t *store_tis_json(struct store *s, const char *dag_id,
		       const char *partition);
/* Tries of one task instance. */
json_t *store_tries_json(struct store *s, const char *dag_id,
			 const char *task, const char *partition);
/* Tries holding slots (queued or running task instances), grouped:
 * cb(arg, dag, task, executor or NULL, whether their runs are in the
 * backfill lane, count). -1 on error. */
int store_tries_holding(struct store *s,
			void (*cb)(void *arg, const char *dag, const char *task,
				   const char *executor, int backfill_lane,
				   int64_t n),
			void *arg);
/* Task instances queued or running, grouped for the executors listing:
 * cb(arg, dag, task, executor or NULL, host or NULL, running (1) or
 * queued (0), count). -1 on error. */
int store_tis_on_executors(struct store *s,
			   void (*cb)(void *arg, const char *dag, const char *task,
				      const char *executor, const char *host,
				      int running, int64_t n),
			   void *arg);
/* Runs of a DAG in state running, or -1. */
int64_t store_dag_running_runs(struct store *s, const char *dag_id);
json_t *store_audit_json(struct store *s, int limit, int offset);
/* Last `n` runs' states per DAG: {"dag": ["success", ...]}. */
json_t *store_dags_json(struct store *s);
/*
 * The DAGs the database knows (they loaded once) of which bag holds no
 * version: [{dag, file, schedule, timezone, description, paused, error,
 * file_missing}], by name. error is the file's error now when the file is
 * in bag (broken), else a line saying the file is gone (file_missing
 * true). A DAG listed this way keeps its history; its runs wait until a
 * file declares it again. NULL on a database error.
 */
json_t *store_dags_unloaded_json(struct store *s, const struct dagbag *bag);

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
	/* task instances cleared or marked while a try ran, whose try no
	 * scheduler has stopped yet (their token is still set) */
	int stopping;
};
/* 1 and *out filled when the run exists, 0 when not, -1 on an error. */
int store_run_progress(struct store *s, const char *dag_id,
		       const char *partition, struct run_progress *out);
/* Delete the run of partition with its task instances, their tries and
 * state log (log files stay), audited as delete_run with who, the
 * partition and the run's params (secret ones masked). Returns 1 when deleted, 0 when there is
 * no such run (err says so), -1 with err on an error or when a task
 * instance of the run is queued or running, or has a try still to be
 * stopped (cleared or marked while it ran: its token is still set). */
int store_run_delete(struct store *s, const struct dag *dag,
		     const char *partition, const char *who,
		     struct sl_err *err);

/* --- the connection, for the web's event loop --- */
/* Did the last call on s fail because another writer held the lock? */
int store_busy(struct store *s);
/* sqlite's message for the last failed call on s. */
const char *store_errmsg(struct store *s);
/* How long a call waits on another writer's lock (0: not at all). */
void store_set_busy_timeout(struct store *s, int ms);
/* The same wait (ms in all), and note(arg, ms) called once when a wait
 * for another process's lock has lasted a second: for a command a
 * person waits on. store_set_busy_timeout ends it. */
void store_busy_note(struct store *s, int ms, void (*note)(void *arg, int wait_ms),
		     void *arg);
/* Failed statements are not written to stderr: the owner (the scheduler)
 * reports them itself, once per outage. */
void store_set_quiet(struct store *s, int quiet);
/* A mark that changes whenever anything is committed, by another
 * connection or by this one; -1 when it cannot be read. */
int64_t store_change_mark(struct store *s);

/* --- users, API tokens and login sessions (store_users.c) ---
 * Only hashes are stored; web/auth.c hashes and checks names, roles and
 * passwords (its auth_* verbs are what the CLI and the web call). Roles
 * are their names. Each change is one transaction with its audit row
 * (who: "cli:USER" or "web:USER"; never a secret in it), and returns 0,
 * -1 on a database error (store_busy() tells a lock held by another
 * writer, met before anything changed), or a refusal, said in err: */
enum store_user_refusal {
	STORE_USER_NONE = -3,		/* no user by that name */
	STORE_USER_TAKEN = -4,		/* a user by that name exists */
	STORE_USER_LAST_ADMIN = -5,	/* it would leave no admin */
};
/* Audited as user_add {user, role}. */
int store_user_add(struct store *s, const char *name, const char *role,
		   const char *password_hash, const char *who,
		   struct sl_err *err);
/* Also ends the user's sessions but keep_session (a session's id hash;
 * NULL: all of them). Audited as user_password {user, sessions_ended}. */
int store_user_set_password(struct store *s, const char *name,
			    const char *password_hash, const char *keep_session,
			    const char *who, struct sl_err *err);
/* Audited as user_role {user, role, was}; the same role changes nothing. */
int store_user_set_role(struct store *s, const char *name, const char *role,
			const char *who, struct sl_err *err);
/* Removing a user ends its sessions and revokes its tokens (cascade).
 * Audited as user_remove {user, role}. */
int store_user_remove(struct store *s, const char *name, const char *who,
		      struct sl_err *err);
/* Is name the last admin? STORE_USER_LAST_ADMIN (err says so, as the
 * verbs above do), 0 not (or no such user), -1 on a database error. */
int store_user_last_admin(struct store *s, const char *name, struct sl_err *err);
/* [{name, role, created_at, tokens, sessions, last_login_at,
 * last_token_used_at}] (sessions: live ones; the two last: epoch ms of
 * the last login through the form and the last recorded use of one of
 * the user's API tokens, null for never), or NULL on a database error. */
json_t *store_users_json(struct store *s);
/* How many users exist, -1 on a database error. */
int store_user_count(struct store *s);
/* A user's id, role and password hash (*password_hash: caller frees):
 * 1 found, 0 no such user, -1 database error. */
int store_user_password(struct store *s, const char *name, int64_t *id,
			char *role, size_t role_n, char **password_hash);
/* Audited as user_token {user} (not the token, nor its prefix). */
int store_token_add(struct store *s, const char *user, const char *token_hash,
		    const char *prefix, const char *who, struct sl_err *err);
/* The user of a token hash and when the token was last recorded used
 * (*last_used_ms, 0: never): 1 found, 0 not, -1 database error. */
int store_token_user(struct store *s, const char *token_hash, int64_t *id,
		     char *name, size_t name_n, char *role, size_t role_n,
		     int64_t *last_used_ms);
/* Record a use of the token at now_ms unless one within grain_ms of it
 * is recorded: 1 written, 0 not, -1 database error (store_busy() tells a
 * lock). Not audited: it is no change anyone made. */
int store_token_used(struct store *s, const char *token_hash, int64_t now_ms,
		     int64_t grain_ms);
/* A session after a successful login (expired ones are deleted first),
 * and the user's last login, in one transaction; 0 or -1. */
int store_session_add(struct store *s, const char *id_hash, int64_t user_id,
		      const char *csrf, int64_t ttl_ms);
/* The user of a live session: 1 found, 0 not, -1 database error. */
int store_session_user(struct store *s, const char *id_hash, int64_t *id,
		       char *name, size_t name_n, char *role, size_t role_n,
		       char *csrf, size_t csrf_n);
int store_session_delete(struct store *s, const char *id_hash);

/* --- views for the web (store_views.c) --- */
/* The last n runs of a DAG, newest first: [{partition, state}]; NULL on
 * a database error. */
json_t *store_dag_last_runs_json(struct store *s, const char *dag_id, int n);
/* A run as the grid shows it. */
struct store_grid_run {
	int64_t id, start_s, end_s;
	char *partition, *state, *run_type;
};
/* Which runs the grid shows: start in [from_s, to_s] (and by run id at
 * those starts, as in store_runs_range_json: from_id, to_id, 0 any);
 * run_state (NULL: any) the run's state; ti_state (NULL: any) a state one
 * of the run's task instances is in ("failed": runs with a failed task). */
struct store_grid_query {
	int64_t from_s, to_s;
	int64_t from_id, to_id;
	const char *run_state;
	const char *ti_state;
	int only_stale;		/* only runs needs: made stale */
};
/* A page of the runs q matches, newest first: *runs (caller frees with
 * store_grid_runs_free) and *total matching. */
int store_grid_runs(struct store *s, const char *dag_id,
		    const struct store_grid_query *q, int limit, int offset,
		    struct store_grid_run **runs, int *nruns, int64_t *total);
/* How many runs q matches come before (are newer than) the run starting
 * at start_s, in the grid's order: the row the run is on. 0 or -1. */
int store_grid_position(struct store *s, const char *dag_id,
			const struct store_grid_query *q, int64_t start_s,
			int64_t *pos);
void store_grid_runs_free(struct store_grid_run *runs, int n);
/* Call cb for each task instance of a run; duration_ms < 0: none. The
 * strings live until cb returns. 0 or -1 on a database error. */
int store_grid_tis(struct store *s, int64_t run_id,
		   void (*cb)(void *arg, const char *task, const char *state,
			      int64_t duration_ms, int try_number),
		   void *arg);
/* Metrics: cb(dag, state, count) for runs (tis == 0) or task instances
 * by DAG and state. 0 or -1. */
int store_counts_by_state(struct store *s, int tis,
			  void (*cb)(void *arg, const char *dag,
				     const char *state, int64_t n),
			  void *arg);
/* Metrics: per DAG, the durations of the tries that ended (every try,
 * retries and those before a clear included): count, sum (ms) and how
 * many are <= each of the nbounds bounds (ms, at most 9). */
int store_durations(struct store *s, const int64_t *bounds_ms, int nbounds,
		    void (*cb)(void *arg, const char *dag, int64_t count,
			       int64_t sum_ms, const int64_t *le),
		    void *arg);

/* --- the partition map (store_map.c) --- */
/* A run as the partition map sees it. */
struct store_map_run {
	int64_t start_s, end_s;
	char *partition;	/* its key (owned by the array) */
	enum run_state state;
	int active;		/* running runs: task instances queued or running */
	int failed;		/* running runs: task instances failed or
				 * upstream_failed */
	int stale;		/* dag_runs.stale: 0 fresh, 1 stale, 2 stale
				 * with a re-run pending (needs:) */
};
/* Every run of dag_id whose start is in [from_s, to_s], by start, in one
 * query: *out (free with store_map_runs_free), *n of them. 0 or -1. */
int store_map_runs(struct store *s, const char *dag_id, int64_t from_s,
		   int64_t to_s, struct store_map_run **out, size_t *n);
/* The same, each run as task_id's instance in it makes it: success when
 * it succeeded, failed when it failed or its run ended without it,
 * running (active 1) while queued or running, else queued or running
 * (active 0) as its run; the map of a dataset task_id produces. */
int store_map_task_runs(struct store *s, const char *dag_id,
			const char *task_id, int64_t from_s, int64_t to_s,
			struct store_map_run **out, size_t *n);
void store_map_runs_free(struct store_map_run *runs, size_t n);
/* --- backfills (store_backfill.c; what one selects: scheduler/backfill.c) --- */
struct store_backfill_spec {
	const char *dag_id;
	const char *from, *to;		/* the first and last partition keys
					 * it covers (after any cut) */
	const char *asked_from, *asked_to;	/* as the person gave them */
	long long left_out;		/* partitions of the asked range cut
					 * for lying outside start:/end: */
	const char *only;		/* missing | failed | all */
	int newest_first;
	int max_active;			/* runs of it running at once; 0: no
					 * limit of its own */
};
/* Record a new backfill (state queued, total 0) in the caller's
 * transaction; *id gets its id. */
int store_backfill_add(struct store *s, const struct store_backfill_spec *b,
		       const char *who, int64_t *id, struct sl_err *err);
/* Put a run in the backfill lane (backfill_lane) or the live one, and
 * when backfill_id > 0 make it that backfill's. */
int store_run_set_lane(struct store *s, int64_t run_id, int backfill_lane,
		       int64_t backfill_id);
/* How many runs the backfill made or re-ran; then settle its state. */
int store_backfill_set_total(struct store *s, int64_t id, int total);
/* Move a queued or running backfill's state after its runs' (running
 * once one started; done or failed once none is queued or running). */
int store_backfill_settle(struct store *s, int64_t id);
/* Backfills, newest first: of dag_id (NULL: all), or the one id (0: all),
 * at most limit (0: no limit), as [{id, dag, from, to, asked_from,
 * asked_to, left_out, only, newest_first, max_active, state, total, done,
 * failed, running, queued, created_by, created_at, started_at, ended_at,
 * eta_s}] (from, to: the partitions it covers; asked_*: as typed;
 * left_out: how many the cut to start:/end: dropped); NULL on a
 * database error. */
json_t *store_backfills_json(struct store *s, const char *dag_id, int64_t id,
			     int limit);
/* Cancel a queued or running backfill: its queued runs are removed, its
 * running runs finish or (kill) every task instance of them not ended
 * fails now (the scheduler stops their tries); audited as
 * backfill_cancel. *preview gets {id, dag, state, remove: [partition],
 * running: [partition], kill, dry_run} (also for a dry run, which
 * changes nothing). 1 done, 0 no such backfill, -2 it has ended already,
 * -1 a database error (err says which). */
int store_backfill_cancel(struct store *s, int64_t id, int kill, int dry_run,
			  const char *who, json_t **preview,
			  struct sl_err *err);

/* --- maintenance (store/store_maint.c; `sluice db`) --- */
/* Copy the database to dest (a new file) with SQLite's online backup, in
 * steps of pages_per_step pages, all read from one snapshot (the database
 * as it was when the backup began) under a read transaction, so writers
 * (the scheduler) go on meanwhile. *pages gets the page count. */
int store_backup(struct store *s, const char *dest, int pages_per_step,
		 int64_t *pages, struct sl_err *err);
/* Replace the database at db_path (made if missing) with the whole of
 * src, a backup, through SQLite's backup API under the write lock. src
 * must pass quick_check and be a sluice database no newer than this
 * binary; pending migrations are the caller's (store_open). When keep is
 * not NULL, an existing db_path is first copied there (a failed copy
 * restores nothing). *pages gets the page count. */
int store_restore(const char *src, const char *db_path, const char *keep,
		  int64_t *pages, struct sl_err *err);
/* PRAGMA integrity_check and foreign_key_check, and the references the
 * schema does not declare: an array of problem strings (empty when
 * sound), or NULL with err. */
json_t *store_check(struct store *s, struct sl_err *err);
/* VACUUM, then fold the WAL into the file. Holds the write lock for the
 * whole rewrite. */
int store_vacuum(struct store *s, struct sl_err *err);
/* The database's size in bytes (pages x page size), -1 on an error. */
int64_t store_file_size(struct store *s);
/*
 * Retention. A run is old when its partition ended before before_s
 * (end_s) AND it last ended (or, never started, was created) before
 * before_s too, and it is done (success or failed): a run re-run
 * yesterday for an old partition is recent; queued and running runs are
 * never old. store_clean_runs lists up to limit old runs with id >
 * after_id (of dag, or of every DAG when NULL), by id, as objects {id,
 * dag_id, partition, end_s, state, tis, tries}; NULL on an error.
 * store_clean_run deletes one (its tries, task instances, state changes,
 * its partition's ended webhook and email deliveries, and the run) if it
 * is still old: 1 deleted, 0 not old any more, -1 an
 * error. The caller holds the transaction (a few runs per transaction).
 * store_clean_audit deletes up to limit audit rows older than before_ms
 * (or, dry_run, counts them all): how many, or -1.
 */
json_t *store_clean_runs(struct store *s, const char *dag, int64_t before_s,
			 int64_t after_id, int limit);
int store_clean_run(struct store *s, int64_t run_id, int64_t before_s);
int64_t store_clean_audit(struct store *s, const char *dag, int64_t before_ms,
			  int limit, int dry_run);

/* --- webhook deliveries (store_notify.c, migrations/0010_webhooks.sql,
 * 0020_email_deliveries.sql) ---
 * One row per event and webhook, or per notification email (kind
 * "email"); the URL and the SMTP password are never stored (hook is the
 * webhook's name, "(email)" for an email). All times in ms since the
 * epoch. */
struct store_webhook_delivery {
	int64_t id;
	const char *kind;			/* webhook | email */
	const char *hook, *event, *payload;	/* borrowed for the callback */
	int64_t claimed_until;
	int attempts;
};
/* Record a pending delivery, claimed until claimed_until (the sender about
 * to start), in the caller's transaction; *id gets its id. */
int store_webhook_add(struct store *s, const char *kind, const char *hook,
		      const char *event,
		      const char *dag, const char *task, const char *partition,
		      const char *payload, int64_t claimed_until, int64_t *id);
/* Claim a pending delivery until claimed_until for a new sender. Returns
 * 1 when claimed, 0 when it is no longer pending, -1 on error. */
int store_webhook_claim(struct store *s, int64_t id, int64_t claimed_until);
/* The sender's end: sent, or failed for good with error (NULL when sent);
 * attempts is added to the row's count. Returns 1 when the row was
 * pending, 0 when another sender ended it first, -1 on error. */
int store_webhook_end(struct store *s, int64_t id, int sent, int attempts,
		      const char *error);
/* The sender gave up a round on a failure that may pass (no answer, a
 * 5xx): the row stays pending, attempts added and error noted, claimed
 * until claimed_until (the next round), if it was created at or after
 * created_after. Returns 1 when deferred, 0 when not (ended, or too old:
 * the caller ends it failed), -1 on error. */
int store_webhook_defer(struct store *s, int64_t id, int attempts,
			const char *error, int64_t claimed_until,
			int64_t created_after);
/* Call fn for every pending delivery, oldest first. 0 or -1. */
int store_webhook_pending(struct store *s,
			  void (*fn)(void *arg, const struct store_webhook_delivery *d),
			  void *arg);
/* Deliveries, newest first, at most limit, as [{id, kind, hook, event, dag,
 * task, partition, state, attempts, created_at, ended_at, last_error,
 * claimed_until (a pending one's next attempt)}];
 * NULL on a database error. */
json_t *store_webhooks_json(struct store *s, int limit);

/* --- freshness alerts (store_notify.c, sched_fresh.c) --- */
/* Record that partition key of dag became late (why), once: 1 when this
 * records it (alert now), 0 when it was recorded before, -1 on error. */
int store_fresh_late(struct store *s, const char *dag, const char *key,
		     int64_t start_s, const char *why);
/* Call fn for every late partition of dag (NULL: of every DAG) not yet
 * recovered. 0 or -1. */
int store_fresh_open(struct store *s, const char *dag,
		     void (*fn)(void *arg, const char *dag, const char *key,
				int64_t start_s, const char *why),
		     void *arg);
/* The same for the DAGs dags[0..n) in one query, in no order: of each
 * only the partitions starting at from_s[i] or later. */
int store_fresh_open_of(struct store *s, const char *const *dags,
			const int64_t *from_s, size_t n,
			void (*fn)(void *arg, const char *dag, const char *key,
				   int64_t start_s, const char *why),
			void *arg);
/* It landed: 1 when this records it (send the notice), 0, -1. */
int store_fresh_recovered(struct store *s, const char *dag, const char *key);
/* How many runs of dag whose start is in [from_s, to_s] succeeded, and
 * the sum of their starts (from an index alone: the freshness check's
 * test that a settled range has not changed). 0 or -1. */
int store_fresh_settled(struct store *s, const char *dag, int64_t from_s,
			int64_t to_s, int64_t *count, int64_t *sum);
/* Call fn for each DAG whose runs ever changed, in the order of their
 * names, with its change counter (dag_run_changes: it moves on whenever
 * one of its runs is made, deleted or changes state, by any process; a
 * DAG not listed has 0). 0 or -1. */
int store_fresh_versions(struct store *s,
			 void (*fn)(void *arg, const char *dag, int64_t version),
			 void *arg);

#endif
