/*
 * sched_internal.h: what the scheduler's own files share (scheduler/sched*.c).
 * Nothing else includes it except the scheduler harness (tests/unit_sched*).
 *
 * The scheduler by concern:
 *   sched.c           the loop and its timers, transactions, life cycle
 *   sched_dispatch.c  trigger rules, the ready heap, slots and pools
 *   sched_lane.c      the live and backfill lanes: shares, run order
 *   sched_try.c       a try's start and end: retries, timeouts, sensors
 *   sched_sync.c      reload from the store, recovery, the DAG folder
 *   sched_runs.c      runs: creation, promotion, completion, SLA
 *   sched_notify.c    emails and on_success / on_failure hooks
 *   sched_test.c      `sluice test`
 *   sched_recheck.c   late data: rechecks of partitions sensors passed
 *   sched_teardown.c  setup and teardown tasks: when a teardown runs, what
 *                     its failure does to the run, scopes waiting on setups
 *   sched_map.c       mapped tasks: expansion into items, max_active, the
 *                     parent's aggregate state
 */
#ifndef SLUICE_SCHED_INTERNAL_H
#define SLUICE_SCHED_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#include "base/log.h"
#include "executors/registry.h"
#include "operators/operator.h"
#include "scheduler/dag.h"
#include "scheduler/sched.h"
#include "scheduler/state.h"
#include "scheduler/wait.h"
#include "store/store.h"

struct notify_event;
struct sched_child;
struct sched_recheck;
struct try_ctx;
struct sched;

/*
 * A scheduler timer: retry and reschedule wake-ups, try timeouts, the
 * tick and the poll. They sit in one heap keyed on the scheduler's
 * monotonic clock (durations never follow a step of the wall clock;
 * schedules read the wall clock when the tick fires);
 * one libevent timer points at the earliest, so a harness with a fake
 * clock fires exactly what is due (sched_timers_run). Zeroed = not armed.
 */
struct sched_timer;
typedef void (*sched_timer_fn)(struct sched *s, struct sched_timer *t);
struct sched_timer {
	int64_t at;		/* monotonic ms (sched_mono) */
	uint64_t seq;		/* first armed fires first among equals */
	int slot;		/* 1 + index in s->timers; 0: not armed */
	sched_timer_fn fire;
};

/* Where the scheduler reads time (the real clocks unless a harness sets
 * its own before sched_start). */
struct sched_clock {
	int64_t (*now_ms)(void *arg);	/* wall clock, ms since the epoch */
	int64_t (*mono_ms)(void *arg);	/* monotonic ms */
	void *arg;
};

#define SCHED_CONTAINER(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define SCHED_POLL_MS 100		/* other processes' changes */
#define SCHED_TICK_MS 1000		/* due partitions, DAG folder */
#define SCHED_DAG_SCAN_MS 2000
#define SENSOR_DEFAULT_POKE_MS 60000
/* In-loop pokes in flight at once: each holds an HTTP request (a libcurl
 * handle and its buffers); pokes take milliseconds, so a few hundred at a
 * time keep thousands of sensors current with bounded memory. */
#define SCHED_MAX_POKES 256
/*
 * The loop never waits on the database: a write waits at most
 * SCHED_DB_BUSY_MS for another process's lock. A failed write (a lock
 * held longer, a full disk, a read-only file, an I/O error) rolls the
 * pass back and holds every write; the scheduler tries again after a
 * back-off from SCHED_DB_RETRY_MIN_MS doubling to SCHED_DB_RETRY_MAX_MS.
 */
#define SCHED_DB_BUSY_MS 20
#define SCHED_DB_RETRY_MIN_MS 100
#define SCHED_DB_RETRY_MAX_MS 2000
/* A lock is logged once it has failed writes this long (other errors at
 * once). */
#define SCHED_DB_QUIET_MS 1000

struct run;
struct live;

struct ti {
	int64_t id;
	struct run *run;
	int task;			/* index in run->dag->tasks */
	enum ti_state state;
	int try_number;
	int max_tries;
	int64_t next_at;		/* ms */
	int64_t first_poke_at;		/* ms */
	int64_t first_poke_mono;	/* the same on the monotonic clock */
	int first_poke_mono_set;	/* (else derived from first_poke_at) */
	struct live *live;		/* the try in flight, if any (or an old
					 * try still ending after a clear) */
	struct sched_timer timer;	/* retry / reschedule wake-up */
	int heap_pos;			/* index in the ready heap, -1 if not */
	int sla_notified;
	int in_eval;
	int needs_waits;		/* entries in the needs waiters
					 * (sched_needs.c) */
	char *needs_note;		/* needs met with nothing to wait
					 * for, said in the next try's log */
	uint64_t seq;			/* FIFO order among equals */
	/* mapped tasks (sched_map.c) */
	struct ti *parent;		/* an item: its mapped task instance */
	struct ti *items;		/* a parent: its items, once expanded */
	int nitems;
	int expanded;			/* a parent: the items exist */
	int map_index;			/* an item: i */
	json_t *map_item;		/* an item: its value */
	char *name;			/* an item: NAME[i] */
	int unmapped;			/* read as a mapped task's parent, not
					 * ended, its task no longer mapped:
					 * sched_map_reshape */
};

/* Why a task instance's task is no longer in its DAG file, as the logs
 * and the store say it: removed (or renamed), or an item of a task that
 * is no longer mapped (defined in sched_runs.c). */
struct gone_words {
	const char *why;
	const char *error;		/* when the run ends it failed */
};
extern const struct gone_words sched_gone_removed, sched_gone_unmapped;

struct run {
	int64_t id;
	struct dag *dag;
	char *dag_name;
	char *partition;
	char *run_id;			/* "scheduled__<partition>" */
	int64_t start_s, end_s;
	enum run_state state;
	json_t *params;			/* DAG params merged with the run's */
	int backfill_lane;		/* a backfill's or catch-up (else live) */
	int by_hand;			/* a trigger's or a backfill's run */
	int64_t backfill_id;		/* the backfill that made it, or 0 */
	int bf_max_active;		/* that backfill's limit (0: none) */
	int bf_newest_first;		/* ... and its order */
	struct ti *tis;
	int ntis;
	int nopen;			/* task instances not done, or with a
					 * try still ending */
	/* task instances of tasks the DAG file no longer has, not ended:
	 * they end with the run (sched_runs_check_done) */
	struct gone_ti {
		int64_t id;
		enum ti_state state;
		int try_number;
		const struct gone_words *words;
	} *gone;
	int ngone, capgone;
	struct run *next;
};

/* While this many tries run, tries ending within SCHED_BATCH_US share a
 * pass and its commit. */
#define SCHED_BATCH_US 1000
#define SCHED_BATCH_MIN_RUNNING 4

/* A try in flight: a process through an executor, or an in-loop poke. */
struct live {
	struct sched *s;
	struct ti *ti;			/* NULL once detached (cleared) */
	struct ti *blocked;		/* detached, but this task instance
					 * waits for it to end */
	int64_t ti_id;
	int try_number;
	enum ti_state from;		/* state the try runs in (running) */
	struct executor *ex;		/* NULL for in-loop pokes */
	void *handle;
	void *poke;
	const struct operator *poke_op;
	char *dag_name;
	char *pool;
	int pool_slots;
	int counts;			/* holds slots (not an in-loop poke) */
	int backfill;			/* its run is in the backfill lane */
	int in_loop;			/* an in-loop poke (counted in pokes) */
	int is_poke;
	int timed_out;
	int adopted;			/* followed after a restart: its log
					 * path is set when a task instance
					 * takes it */
	int followed;			/* adopted from a scheduler that
					 * stopped: it may have written the
					 * try's closing line before it could
					 * commit the end */
	int64_t started_ms;		/* wall ms (an adopted try: when its
					 * process started) */
	int64_t started_mono;		/* mono ms, for its timeout */
	int replay;			/* an end replayed after a failed
					 * write */
	int end_logged;			/* a replayed end whose lines were
					 * written when it came (not while
					 * writes were held): not again */
	int unread;			/* its task instance could not be read
					 * (a failed reload): its end is held
					 * for the next reload */
	const struct gone_words *gone;	/* stopped: its task left the DAG
					 * file (NULL: it did not) */
	char *log_path;
	json_t *outputs;		/* the run's outputs for its templates
					 * (sched_output_start), or NULL */
	struct sched_timer timeout;
	struct live *next;
};

/* Per-DAG counters kept in step with the live tries and runs. */
struct dag_load_state {
	char *name;
	int active_runs;		/* running runs */
	int active_backfill;		/* of which in the backfill lane */
	int active_tasks;		/* tries holding slots */
	int paused;
	/* sched_fresh.c: the settled start of the DAG's freshness map: at
	 * its last full check every partition starting in [fresh_from,
	 * fresh_to] had succeeded with no open alert, and fresh_count runs
	 * (starts summing to fresh_sum) had succeeded there; fresh_dag NULL:
	 * none known. fresh_version: the DAG's run change counter then
	 * (store_fresh_versions); fresh_due: when the next partition's
	 * deadline passes (epoch s) */
	const struct dag *fresh_dag;
	int64_t fresh_from, fresh_to, fresh_count, fresh_sum;
	int64_t fresh_version, fresh_due;
	struct dag_load_state *next;
};

/* A try's end recorded in a transaction not committed yet: after a failed
 * write the store forgets it, and the scheduler records it again. */
struct sched_end {
	int64_t ti_id;
	int try_number;
	int exit_code, sig;
	char *error, *host;
	int64_t duration_ms;
	int64_t started_ms;
	int timed_out;
	int is_poke;
	int logged;		/* the lines saying how it ended (the try's
				 * log, the scheduler's) are written */
	/* the executor to tell once the end is committed, and the try's
	 * token for it (NULL: nobody to tell) */
	struct executor *ex;
	char *token;
};

/* A child the scheduler waits for: a hook also reports a failed exit in
 * its try's log. */
struct sched_helper {
	pid_t pid;
	char *hook;			/* "on_success" ..., NULL: not a hook */
	char *log_path;			/* a hook's try log */
	char *what;			/* an email sender's "KIND email for ...":
					 * said in the log if it exits non-zero */
	int webhook;			/* a webhook sender: its row may wait for
					 * a next round (sched_webhook_start) */
};

struct sched {
	struct config *cfg;
	struct config *cfg_file;	/* sluice.yaml as read at the start
					 * (what needs a restart is compared
					 * with it on SIGHUP) */
	struct event *sighup_ev;
	struct event_base *base;
	struct store *store;
	struct executor_set execs;
	struct dagbag bag;
	struct run *runs;
	struct live *lives;
	struct dag_load_state *dstates;
	json_t *pool_used;		/* pool name → slots in use */
	int running;			/* tries holding slots */
	struct ti **heap;		/* ready to start, best first */
	int nheap, capheap;
	int nheap_loop;			/* of which in-loop sensor pokes */
	int pokes;			/* in-loop pokes in flight (the
					 * sensors', and rechecks) */
	struct sched_recheck *recheck;	/* sched_recheck.c */
	struct ti **eval;		/* to evaluate against trigger rules */
	int neval, capeval;
	struct ti **startq;		/* queued, to start after commit */
	int nstart, capstart;
	uint64_t seq;
	int in_tx;
	int64_t data_version;
	int64_t last_dag_scan;
	int shutting_down;
	int drain;			/* --drain: SIGTERM waits for the tries */
	int db_gone;			/* the database file was deleted or
					 * replaced under it: stopped, exit 1 */
	int serves_web;			/* standalone: the web UI is ours */
	int draining;			/* stopping, waiting for them */
	uint64_t reloads;		/* times the runs were rebuilt from the
					 * store (for the harness) */
	int runs_without_dag;		/* the last reload met runs whose DAG
					 * is not loaded (yet) */
	int bag_config_changed;		/* SIGHUP changed what DAG files are
					 * checked against: read them again */
	int runs_finished;
	char self_exe[PATH_MAX];
	struct event *pass_ev;
	struct sched_clock clock;
	struct sched_timer **timers;	/* heap, earliest first */
	int ntimers, captimers;
	uint64_t timer_seq;
	struct event *timer_ev;		/* at the earliest timer */
	int64_t timer_ev_at;		/* what timer_ev is armed for */
	struct sched_timer tick_timer, poll_timer;
	int64_t tick_expected;		/* mono ms of the next tick (lag) */
	int pass_pending;
	int started;
	struct event *sigchld_ev;
	struct event *sigterm_ev;
	struct event *sigint_ev;
	struct event *grace_ev;
	struct sched_helper *helpers;	/* on_success / on_failure / email /
					 * retention children */
	struct sched_child *children;	/* to start after the commit */
	struct sched_child **children_tail;
	json_t *children_held;		/* whats of the children failed
					 * commits held back in this write
					 * outage (each said once) */
	/* test hook: takes a notification child (its what and stdin)
	 * instead of starting it; NULL: started */
	void (*test_child)(const char *what, const char *stdin_text);
	int nhelpers, caphelpers;
	struct sched_timer retention_timer;	/* sched_retention.c */
	struct sched_timer webhook_timer;	/* sched_webhook.c: a claim
						 * runs out */
	struct sched_timer fresh_timer;		/* sched_fresh.c: every minute */
	int fresh_passes;			/* how many it ran */
	int fresh_turn;				/* where the next pass starts in
						 * the bag (DAGs left over take
						 * their turn first) */
	int fresh_caught_up;			/* a pass left nothing over */
	pid_t retention_pid;		/* its `db clean` child, or 0 */
	int retention_logs_turn;	/* the next clean is the logs one */
	int64_t loop_lag_ms;
	int64_t tries_started, tries_ended;
	int db_down;			/* a write failed: writes held until
					 * db_timer tries again */
	int db_failing;			/* since the last write that held */
	int db_logged;			/* this failure was logged (once) */
	int64_t db_failing_since;	/* mono ms */
	int64_t db_backoff_ms;
	struct sched_timer db_timer;
	struct sched_end *ends;		/* tries ended since the last commit */
	int nends, capends;
	struct sched_end *held_ends;	/* ends a failed write lost, or that
					 * came while writes were held */
	int nheld_ends, capheld_ends;
	struct sched_needs *needs;	/* waiters on other DAGs (NULL: none) */
};

static inline struct task *
ti_task(const struct ti *ti)
{
	return &ti->run->dag->tasks[ti->task];
}

/* What the store says of a task instance, into ti (a reload). */
static inline void
ti_from_row(struct ti *ti, const struct store_ti_row *row)
{
	ti->id = row->id;
	ti->state = row->state;
	ti->try_number = row->try_number;
	ti->max_tries = row->max_tries;
	ti->next_at = row->next_at;
	ti->first_poke_at = row->first_poke_at;
	ti->sla_notified = row->sla_notified;
}

/* The task instance's task id: NAME, or NAME[i] for an item. */
static inline const char *
ti_name(const struct ti *ti)
{
	return ti->name != NULL ? ti->name : ti_task(ti)->name;
}

/* A sensor that pokes from the loop: it needs no slot. */
static inline int
ti_task_in_loop(const struct task *t)
{
	return t->op->poke_start != NULL && !t->executor_explicit;
}

static inline int
ti_in_loop(const struct ti *ti)
{
	return ti_task_in_loop(ti_task(ti));
}

/* sched.c: the loop, its timers, transactions and shared counters */
void sched_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line about a task instance: its DAG, task and partition (and the try,
 * when try_number > 0) go with it as fields (in the JSON format). */
void sched_log_ti(enum log_level lv, const struct ti *ti, int try_number,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same with the fields given one by one (NULL, 0: none). */
void sched_log_at(enum log_level lv, const char *dag, const char *task,
		  const char *partition, int try_number, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The same, said once the open transaction commits (at once when none
 * is open), and never when the commit fails: a line about a state the
 * pass records is said when the state is. */
void sched_log_committed(struct sched *s, enum log_level lv, const char *dag,
			 const char *task, const char *partition,
			 const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
int sched_tx_begin(struct sched *s);
int sched_tx_commit(struct sched *s);
/* A write failed: log it (once per outage), roll the transaction back,
 * hold writes and try again after the back-off. */
void sched_db_failed(struct sched *s, const char *what);
struct dag_load_state *sched_dstate(struct sched *s, const char *name);
int sched_pool_used(struct sched *s, const char *pool);
void sched_pool_add(struct sched *s, const char *pool, int n);
/* Move ti to `to` in memory and in the store (inside the pass's
 * transaction). -1 when the store no longer agrees (a reload follows). */
int sched_ti_set(struct sched *s, struct ti *ti, enum ti_state to,
		 const struct ti_update *u);
/* Ask for a pass soon (same loop turn, or batched while many run). */
void sched_pass_schedule(struct sched *s);
/* One pass: promote runs, apply trigger rules, queue what fits, commit,
 * start the queued tries. */
void sched_pass(struct sched *s);
/* Run the pending pass now (the harness); 1 if there was one. */
int sched_pass_flush(struct sched *s);
/* The wall clock (what is recorded, schedules) and the monotonic one
 * (every wait: retry delays, timeouts, poke intervals, the tick). */
int64_t sched_now(const struct sched *s);
int64_t sched_mono(const struct sched *s);
/* The monotonic time at which the wall clock will read wall_ms if it
 * does not step (a wall deadline from the store, as a wait). */
int64_t sched_mono_at(const struct sched *s, int64_t wall_ms);
void sched_set_clock(struct sched *s, const struct sched_clock *c);
/* Arm (or move) t to fire at `at`, a time of the monotonic clock
 * (sched_mono; sched_mono_at converts a wall time); cancel it. */
void sched_timer_set(struct sched *s, struct sched_timer *t, int64_t at,
		     sched_timer_fn fire);
void sched_timer_cancel(struct sched *s, struct sched_timer *t);
/* Fire every timer due by the clock; when the next one is due. */
void sched_timers_run(struct sched *s);
int64_t sched_timers_next(const struct sched *s);

/* sched_dispatch.c: trigger rules, the ready heap, slots and pools */
void sched_dispatch_push(struct sched *s, struct ti *ti);
void sched_dispatch_remove(struct sched *s, struct ti *ti);
void sched_dispatch_eval(struct sched *s, struct ti *ti);
void sched_dispatch_evaluate(struct sched *s, struct ti *ti);
/* Queue every ready task instance that fits (after the pass commits,
 * sched_dispatch_start_queued starts them). */
void sched_dispatch(struct sched *s);
void sched_dispatch_start_queued(struct sched *s);
void sched_dispatch_drop_queued(struct sched *s);
/* Abort unless every invariant of the heap and the tries in flight holds. */
void sched_dispatch_check(struct sched *s);

/* sched_lane.c: the live and backfill lanes */
/* backfill_share of capacity: percent of it, rounded down, at least 1. */
int sched_lane_share(int capacity, int percent);
/* Is the partition ending at end_s the newest one of dag that has ended
 * by now_s (no later interval has ended): a run made for it is live. */
int sched_lane_newest(const struct dag *dag, int64_t end_s, int64_t now_s);
/* What backfill-lane tries hold now (counted from the tries in flight at
 * the start of a dispatch, then kept by sched_lane_take). */
struct sched_lane_use {
	int running;
	json_t *pools;		/* pool → slots */
	json_t *execs;		/* executor name → tries */
};
void sched_lane_count(struct sched *s, struct sched_lane_use *u);
void sched_lane_free(struct sched_lane_use *u);
/* The backfill lane holds its share of parallelism. */
int sched_lane_full(struct sched *s, const struct sched_lane_use *u);
/* The backfill lane's part of the slot rule for ti (on executor ex;
 * NULL: none found or in the loop): its lane, what the lane holds and
 * its shares, into w (wait.c's wait_slots_check decides). */
struct wait_slots;
void sched_lane_slots(struct sched *s, const struct sched_lane_use *u,
		      const struct ti *ti, const struct executor *ex,
		      struct wait_slots *w);
void sched_lane_take(struct sched_lane_use *u, const struct ti *ti,
		     const struct executor *ex);
/* Queued runs in the order they start (live first, then each backfill in
 * its order), with the running runs of each backfill that has a limit. */
struct sched_lane_runs {
	struct run **queued;
	int nqueued;
	struct { int64_t id; int running; } *bf;
	int nbf;
	size_t capbf;
};
void sched_lane_runs_begin(struct sched *s, struct sched_lane_runs *lr);
void sched_lane_runs_end(struct sched_lane_runs *lr);
/* May queued run r start (d: its DAG's counts)? */
enum wait_kind sched_lane_run_check(struct sched_lane_runs *lr,
				    const struct run *r,
				    const struct dag_load_state *d);
void sched_lane_run_started(struct sched_lane_runs *lr, const struct run *r);

/* sched_try.c: a try's start and end (retries, timeouts, sensor reschedules) */
void sched_try_arm(struct sched *s, struct ti *ti, int64_t at_ms);
void sched_try_disarm(struct sched *s, struct ti *ti);
char *sched_try_log_path(struct sched *s, struct ti *ti, int try_number,
			 int mkdirs);
/* What try.c needs to build try_number of ti (points into ti and s). */
void sched_try_ctx(struct sched *s, struct ti *ti, int try_number,
		   struct try_ctx *c);
void sched_try_log(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Why a try still running was stopped by a person or a backfill's cancel
 * ("cleared by NAME", "killed: backfill N cancelled by NAME"...). */
void sched_stop_why(struct sched *s, int64_t ti_id, char *buf, size_t n);
struct live *sched_try_live_new(struct sched *s, struct ti *ti,
				int try_number);
void sched_try_live_free(struct sched *s, struct live *l);
void sched_try_start(struct sched *s, struct ti *ti);
/* An adopted try (recover_adopt) has its task instance again: its log
 * path, and its secret values for its executor (adopted_secrets). */
void sched_try_adopted(struct sched *s, struct live *l);
/* The executor's done callback (arg: the struct live), for start() and
 * adopt(). */
void sched_try_exec_done(void *arg, const struct sl_exec_result *res);
/* Stop l at at_ms (monotonic) unless it ended before: the task's timeout. */
void sched_try_timeout_arm(struct sched *s, struct live *l, int64_t at_ms);
/* Record the running state of l's try (started, its token); 0, or -1
 * when the store refused. */
int sched_try_record_running(struct sched *s, struct ti *ti, struct live *l,
			     int64_t started_at);
/* A sensor's first poke on the monotonic clock. */
int64_t sched_try_first_poke_mono(struct sched *s, struct ti *ti);
/* Forget the ends kept for a replay (their commit held), or record them
 * again after a failed one. */
void sched_try_ends_clear(struct sched *s);
/* After a commit: tell the executors whose tries' ends it recorded. */
void sched_try_ends_recorded(struct sched *s);
void sched_try_ends_hold(struct sched *s);
void sched_try_ends_replay(struct sched *s);
void sched_try_ends_free(struct sched *s);
int64_t sched_try_retry_delay(const struct task *t, int tries);
/* A try ended (process exit, executor error, or poke result). */
void sched_try_end(struct sched *s, struct live *l, int exit_code, int sig,
		   const char *error, int64_t duration_ms, const char *host);

/* sched_output.c: task outputs, skip_exit_code, branch */
/* Before try_number of ti starts: remove an old output file; the run's
 * outputs for its templates (a new reference) when the task reads them,
 * else NULL. */
json_t *sched_output_start(struct sched *s, struct ti *ti, int try_number);
/* The run's outputs for ti's templates (a new reference), or NULL when
 * its task reads none. */
json_t *sched_output_load(struct sched *s, struct ti *ti);
/* l's process ended: read and store its output; a bad output or branch
 * choice fills why (size n) when it is empty. Returns 1 when the exit
 * status is the task's skip_exit_code (why emptied: the task is skipped),
 * else 0. */
int sched_output_end(struct sched *s, struct live *l, int exit_code, int sig,
		     const char *error, char *why, size_t n);
/* A branch task directly upstream of ti that has not ended holds ti,
 * whatever its trigger rule: -1. Once they all ended: 1 when one that
 * succeeded did not name ti (then ti is skipped whatever its trigger rule
 * says, also after a clear of ti alone), else 0 (its rule decides). */
int sched_output_unchosen(struct sched *s, struct ti *ti);

/* sched_sync.c: the picture from the store: reload, DAG folder */
void sched_sync_reload(struct sched *s, int at_start);
int sched_sync_scan_dags(struct sched *s);
/* sched_recover.c: at start, what the scheduler before left behind */
int sched_recover_tries(struct sched *s);
int sched_recover_gone_dags(struct sched *s);

/* sched_runs.c: runs: creation, promotion, completion, SLA */
void sched_runs_free_one(struct sched *s, struct run *r);
/* Take ti out of the heap, its timer, the needs waiters and its try's
 * links (before it is freed). */
void sched_runs_forget_ti(struct sched *s, struct ti *ti);
void sched_runs_check_sla(struct sched *s);
void sched_runs_check_done(struct sched *s, struct run *r);
void sched_runs_create(struct sched *s);
void sched_runs_promote(struct sched *s);
void sched_runs_free_done(struct sched *s);

/* sched_needs.c: task instances waiting for other DAGs' partitions */
/* 1 when ti's needs are not met (it is filed as a waiter), else 0. */
int sched_needs_blocked(struct sched *s, struct ti *ti);
/* An upstream task instance or run of dag, partition starting at
 * start_s, succeeded: evaluate its waiters again in this pass. */
void sched_needs_released(struct sched *s, const char *dag,
			  int64_t start_s);
void sched_needs_forget(struct sched *s, struct ti *ti);
/* Run r ended: a success releases its waiters and makes the consumers
 * that used an older try of it stale (on_change); stale runs to re-run
 * whose upstream has settled are cleared, once. */
void sched_needs_run_done(struct sched *s, struct run *r);
/* Waiter entries held (one per task instance and upstream DAG). */
size_t sched_needs_waiting(const struct sched *s);
/* How many times needs were evaluated (each a read of the store). */
int64_t sched_needs_evals(const struct sched *s);
void sched_needs_free(struct sched *s);

/* sched_notify.c: emails and on_success / on_failure hooks */
void sched_notify_hook(struct sched *s, struct ti *ti, const char *hook,
		       const char *command,
		       const char *log_path, int try_number);
void sched_notify_reap(evutil_socket_t sig, short what, void *arg);
void sched_notify_send(struct sched *s, const struct notify_event *ev);
/* `sluice operator OP` with spec_text on stdin, after the commit; takes
 * spec_text and what (the log's name for it, never a secret). */
void sched_notify_operator(struct sched *s, const char *op, char *spec_text,
			   char *what);
/* The same for an email's sender: an exit other than 0 is logged with
 * what. */
void sched_notify_email_child(struct sched *s, const char *op, char *spec_text,
			      char *what);
/* The EMAIL_ON_* bit of an event kind ("failure"...), 0 for others. */
/* Who gets a task's emails: its email, else its DAG's (as an Airflow
 * default_args email reaches every task), for the events its email_on
 * names. */
char *const *sched_task_email(const struct task *t, const struct dag *d);
int sched_notify_bit(const char *kind);
void sched_notify_ti(struct sched *s, struct ti *ti, const char *kind,
		     int exit_code, int sig, const char *error,
		     int64_t duration_ms, const char *host,
		     const char *log_path);
void sched_notify_run(struct sched *s, struct run *r);
/* Start (committed) or drop the children queued during the transaction
 * that just ended. */
void sched_notify_flush(struct sched *s, int committed);
/* The SLA misses one pass found: one email per DAG and recipients (a
 * digest when there are several; `SLA missed: DAG.TASK PARTITION` alone). */
struct sched_sla_miss {
	struct ti *ti;
	int64_t deadline;	/* ms */
};
void sched_notify_sla(struct sched *s, const struct sched_sla_miss *m,
		      size_t n);
/* sched_teardown.c: setup and teardown tasks (dag_scope.h). What to do
 * with teardown ti given its upstream counts (it runs once they all ended,
 * whatever their states, if its setup succeeded); does task instance i of
 * r count for the run's state (not a failed teardown that says
 * on_teardown_failure: ignore)? */
enum trigger_decision sched_teardown_decide(const struct ti *ti,
					    const struct upstream_counts *c);
int sched_teardown_counts(const struct run *r, int i);
/* Has a setup whose scope holds ti not ended yet (ti then waits)? A
 * setup ti ended: evaluate the task instances of its scope again. */
int sched_teardown_setup_pending(const struct ti *ti);
void sched_teardown_setup_ended(struct sched *s, struct ti *ti);
/* sched_webhook.c: webhooks (notify:). One delivery per webhook of hooks
 * for this event, recorded in the open transaction (begun if none) and
 * sent by `sluice operator webhook` once it commits; state is the task
 * instance's or run's state in words. */
void sched_webhook_event(struct sched *s, const struct notify_event *ev,
			 const char *state, char *const *hooks);
/* One notification email: its delivery row (kind email, the sender's
 * spec_text without the smtp: block) recorded in the open transaction
 * (begun if none), its sender started once it commits, with sluice.yaml's
 * smtp: block; what names it in the log (never a secret). */
void sched_email_event(struct sched *s, const char *event, const char *dag,
		       const char *task, const char *partition,
		       const char *spec_text, const char *what);
/* At the start, and when a claim runs out: send again every pending
 * delivery whose sender is gone (its claim ran out). */
void sched_webhook_start(struct sched *s);
/* The event as the JSON object a webhook gets (format json; the slack
 * text is made from it): event, dag, task, partition, run_id, try,
 * max_tries, state, url, reason, time. A new reference. */
json_t *sched_webhook_payload(const struct notify_event *ev,
			      const char *state);

/* sched_map.c: mapped tasks (foreach:). Items live in their parent's
 * items array (not in run->tis); sched_ti_next walks a run's task
 * instances with the items after their parent. */
struct ti *sched_ti_next(struct run *r, struct ti *prev);
#define SCHED_RUN_TIS(r, var) \
	for (struct ti *var = sched_ti_next((r), NULL); var != NULL; \
	     var = sched_ti_next((r), var))
/* Add upstream task instance up to c: each item of an expanded mapped
 * task counts as one upstream (zero items: the parent, skipped). */
void sched_map_count(const struct ti *up, struct upstream_counts *c);
/* Mapped ti may run: make its items (or skip or fail it) in the pass's
 * transaction. */
void sched_map_expand(struct sched *s, struct ti *ti);
/* An item in state none (cleared): schedule it again. */
void sched_map_item_evaluate(struct sched *s, struct ti *ti);
/* Are max_active items of item ti's parent running? */
int sched_map_full(const struct ti *ti);
/* Item ti ended: when every item has, the parent takes its aggregate
 * state and its downstream is evaluated. */
void sched_map_item_ended(struct sched *s, struct ti *ti);
/* A row of the store for r: an item goes to its parent (read after the
 * parents); a parent's expansion. 1 when taken. */
int sched_map_read_row(struct run *r, struct ti *parent,
		       const struct store_ti_row *row);
/* An edit changed whether ti's task is mapped while its run had not
 * ended it: fix ti's state (scheduler/STATES.md). 1 when it changed
 * ti's state, 0 when nothing applied, -1 when a write failed. */
int sched_map_reshape(struct sched *s, struct ti *ti);
/* The reload reset the heap: forget item positions and timers. */
void sched_map_reset(struct sched *s, struct ti *ti);
/* After a reload: settle parents whose items all ended meanwhile. */
void sched_map_settle(struct sched *s, struct run *r);
void sched_map_free(struct sched *s, struct ti *ti);
/* The task of a task id (NAME or NAME[i]), or NULL. */
struct task *sched_map_task(const struct dag *d, const char *task_id);

/* sched_fresh.c: freshness: alerts, checked at the start and every
 * minute on the monotonic timer. */
void sched_fresh_start(struct sched *s);
/* One pass over every DAG with freshness: (the timer's; bench/fresh_eval). */
void sched_fresh_pass(struct sched *s);

/* sched_retention.c: with retention: in the config, `db clean` as a child
 * 10 s after the start and hourly. */
void sched_retention_start(struct sched *s);
/* sched_reload.c: SIGHUP: reopen the log file, reload sluice.yaml. */
void sched_reload(struct sched *s);

/* sched_recheck.c: late data. Read the partitions to recheck (at the
 * start); a sensor's met poke (its handle, during the done callback):
 * record its fingerprint in the pass's transaction and, with recheck:,
 * schedule its partition; free everything (cancelling checks in flight). */
void sched_recheck_start(struct sched *s);
void sched_recheck_passed(struct sched *s, struct ti *ti, void *poke);
void sched_recheck_free(struct sched *s);
/* Checks in flight (each counted in s->pokes); partitions waiting. */
int sched_recheck_in_flight(const struct sched *s);
int sched_recheck_waiting(const struct sched *s);
/* The delay before check n of a partition: interval_ms jittered by up to
 * a tenth either way, the same for the same (ti_id, n). */
int64_t sched_recheck_next_delay(int64_t ti_id, uint64_t n,
				 int64_t interval_ms);

#endif
