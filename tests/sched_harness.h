/*
 * sched_harness.h: a deterministic harness around the real scheduler
 * (scheduler/sched*.c): a fake clock, a fake executor (type "fake",
 * registered through executors/registry), a fake in-loop sensor (type
 * "fake_sensor", registered through operators/operator) and a temporary
 * home with its own SQLite database. No sleeps, no processes: the
 * harness fires the scheduler's timers as its clock passes them, runs
 * the pending passes, and ends tries when a scenario says so.
 *
 * A scenario: h_open(dag files...), h_trigger(), then steps (h_advance,
 * h_end, h_poke, person actions through the store followed by h_poke_db),
 * checking h_state()/h_try() and the order tries started in; h_close().
 * After every step the scheduler's invariants are checked
 * (sched_dispatch_check aborts on a broken one).
 */
#ifndef SLUICE_SCHED_HARNESS_H
#define SLUICE_SCHED_HARNESS_H

#include <stdint.h>

#include "operators/operator.h"

struct sched;
struct store;
struct dag;
struct config;

/* The fake wall clock starts here: 2024-01-10T00:30:00Z; the fake
 * monotonic clock at H_MONO0_MS. h_advance moves both; h_wall_step only
 * the wall clock (an NTP step, a person setting the date). */
#define H_T0_MS 1704846600000LL
#define H_MONO0_MS 5000000LL

struct h_dag_file {
	const char *name;	/* file name under dags/ */
	const char *yaml;
};

/* Open a fresh home with these DAG files (NULL-terminated by name) and
 * start the scheduler. The harness's config starts new DAGs active
 * (dags_paused_at_creation false); cfg_fn (may be NULL) adjusts the
 * config then (parallelism, pools, executor slots). */
void h_open(const struct h_dag_file *files,
	    void (*cfg_fn)(struct config *cfg));
void h_close(void);
/* The scheduler dies (as kill -9: nothing is stopped or recorded) and a
 * new one starts on the same home and database; the fake executor
 * adopts the tries the old one left running (by token), and settles. */
void h_restart(void);
struct sched *h_sched(void);
struct store *h_store(void);
struct dag *h_dag(const char *name);
int64_t h_now(void);		/* the wall clock */
int64_t h_mono(void);		/* the monotonic clock */

/* Create a manual run of dag for partition key (interval = now) and let
 * the scheduler see it. */
void h_trigger(const char *dag, const char *partition);
/* Run passes, fire due timers and end killed tries until nothing moves. */
void h_settle(void);
/* Move the clock by ms, firing every timer at its own time. */
void h_advance(int64_t ms);
/* Move both clocks by ms at once, as over a stalled or suspended
 * machine: the timers that fell due meanwhile fire once, late, in the
 * settle that follows. For spans of days, which h_advance walks timer by
 * timer. */
void h_jump(int64_t ms);
/* Step the wall clock alone by ms (negative: back); then settle. */
void h_wall_step(int64_t ms);
/* Tell the scheduler the database changed (after a person's action). */
void h_poke_db(void);
/* Write (yaml) or delete (yaml NULL) a file of the DAG folder, with an
 * mtime of its own, then let the scheduler scan the folder as its timer
 * would, and settle. */
void h_dag_file(const char *name, const char *yaml);
/* The same write, not scanned: a person's edit the scheduler's folder
 * scan has not come to yet. */
void h_dag_file_unseen(const char *name, const char *yaml);
/* A person marks task success or failed in partition, as `sluice mark`
 * does (with clear_downstream: --clear-downstream), and the scheduler
 * sees it. Returns how many downstream task instances the mark frees
 * (cleared when clear_downstream), -1 on an error. */
int h_mark(const char *dag, const char *task, const char *partition,
	   const char *state, int clear_downstream);
/* A person clears task (NAME, or NAME[i] an item) in partition's run
 * (with its downstream), as `sluice clear` does, and the scheduler sees
 * it. Returns how many task instances were cleared, -1 on an error. */
int h_clear(const char *dag, const char *partition, const char *task,
	    int downstream);

/* End the running fake try of task in partition: exit code, signal, or
 * an executor error. Returns 0, -1 when no such try runs. */
int h_end(const char *task, const char *partition, int exit_code);
int h_end_signal(const char *task, const char *partition, int sig);
/* h_end after the try wrote output to its log (as a task would). */
int h_end_saying(const char *task, const char *partition, int exit_code,
		 const char *output);
int h_end_error(const char *task, const char *partition, const char *error);
/* End the oldest running fake try; -1 when none runs. */
int h_end_one(int exit_code);
/* End running fake tries with exit 0 (and those they start) until none
 * runs; returns how many. */
int h_end_all(void);
/* How many fake tries of task (NULL: any) run now. */
int h_running(const char *task);
/* Call fn(task) in every fake start, after the try is made (NULL: no
 * more calls); h_close() forgets it. For faults in the middle of a pass. */
void h_on_start(void (*fn)(const char *task));
/* How many fake tries of task were started in all. */
int h_started(const char *task);
/* How many times the scheduler said a try of task had its end committed
 * (the executor's recorded()), over all its tries. */
int h_recorded(const char *task);
/* Why the running try of task was killed (SL_KILL_*), 0 if not. */
int h_killed(const char *task, const char *partition);
/* The tasks in the order their tries started: "a,b,c" (static buffer). */
const char *h_order(void);
void h_order_reset(void);
/* A value of the try's environment ("NAME"), of the latest start of task. */
const char *h_env(const char *task, const char *name);
/* The secret values the latest try of task got, comma-separated: at
 * start() (adopted 0), or through adopted_secrets() after a restart
 * (adopted 1; NULL when it was not called). Static buffer. */
const char *h_secrets(const char *task, int adopted);
/* Did adopted_secrets() come inside sched_start(), before the loop? */
int h_secrets_in_start(const char *task);
/* How many variables that environment holds. */
int h_env_count(const char *task);
/* The log file of the latest start of task (NULL: none started). */
const char *h_log_path(const char *task);
/* argv[i] of the latest start of task. */
const char *h_argv(const char *task, int i);

/* In-loop fake sensor pokes in flight, and their answer. */
int h_pokes(const char *task);
int h_poke(const char *task, const char *partition,
	   enum op_poke_result result);
/* The same, the poke having matched what fingerprint says (a fake
 * sensor's poke_fingerprint: "name<TAB>size<TAB>version" lines; NULL:
 * none). */
int h_poke_fp(const char *task, const char *partition,
	      enum op_poke_result result, const char *fingerprint);

/* Task instance fields from the store ("state", "try_number", "error"...),
 * as text; "" when absent (static buffer, valid until the next call). */
const char *h_ti(const char *dag, const char *task, const char *partition,
		 const char *field);
/* The run's state, "" when there is no such run. */
const char *h_run_state(const char *dag, const char *partition);
/* How many runs the DAG has. */
int h_runs(const char *dag);
/* The notifications the scheduler sent (a fake notifier records them and
 * starts no process), one per line: "KIND TASK PARTITION", or for an SLA
 * digest "sla_miss digest N" (N misses), or for a freshness digest "KIND
 * digest N" followed by a "KIND TASK PARTITION" line for each of its N
 * partitions; static buffer. */
const char *h_notifications(void);

/* ti->sla_notified as the scheduler holds it (-1: no such ti loaded). */
int h_sla_notified(const char *dag, const char *task, const char *partition);

/* How many lines of the file at path hold text (0 when it cannot be read). */
int h_lines_with(const char *path, const char *text);

#endif
