/*
 * dag.h: a DAG as loaded from its YAML file (SPEC §3), and the folder of
 * DAG files (the dag bag).
 *
 * Loading checks everything it can: unknown keys, types, durations, cron,
 * time zone, unknown upstream tasks, cycles, template names, pools and
 * executors against the config. Every error names file:line:column.
 */
#ifndef SLUICE_DAG_H
#define SLUICE_DAG_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "base/util.h"

struct config;
struct cron;
struct tz;
struct operator;

enum trigger_rule {
	TR_ALL_SUCCESS,
	TR_ALL_FAILED,
	TR_ALL_DONE,
	TR_ONE_SUCCESS,
	TR_ONE_FAILED,
	TR_NONE_FAILED,
	TR_NONE_SKIPPED,
	TR_NONE_FAILED_MIN_ONE_SUCCESS,
	TR_ALWAYS,
};

/* What a consumer partition does when an upstream partition it used
 * succeeds again (needs: on_change). */
enum need_on_change {
	NEED_RERUN,		/* run it again once its upstream settled */
	NEED_MARK,		/* only mark it stale */
	NEED_IGNORE,
};

/*
 * One entry of `needs:` (a DAG's or a task's): the partitions of another
 * DAG (all its tasks, or one task) or of a dataset some task `produces:`
 * that a partition waits for (scheduler/needs.h maps the intervals;
 * docs/DAGS.md says the rules).
 */
struct need {
	char *dag;			/* another DAG, or NULL (a dataset) */
	char *task;			/* one of its tasks; NULL: the run */
	char *dataset;			/* a dataset name, or NULL */
	int offset;			/* <= 0: own periods to shift back */
	int latest;			/* the newest successful partition */
	enum need_on_change on_change;
	int line, col;			/* where it is written */
	char *path;			/* its field as written: "needs[0]",
					 * "defaults.needs[1]" */
	int dag_line, dag_col;		/* where dag:, task: and dataset: */
	int task_line, task_col;	/* give their names (0: not written), */
	int dataset_line, dataset_col;	/* where an error about one points */
	char *res_dag, *res_task;	/* a dataset's producer, as the folder
					 * check resolved it (dag_needs.c) */
};

/* email_on flags */
#define EMAIL_ON_FAILURE 0x1
#define EMAIL_ON_RETRY 0x2
#define EMAIL_ON_SUCCESS 0x4
#define EMAIL_ON_SLA_MISS 0x8

struct task {
	char *name;
	int index;			/* position in dag->tasks */
	const struct operator *op;
	json_t *options;		/* the type's own keys (see operator.h) */
	int *upstream;			/* indexes into dag->tasks */
	int nupstream;
	int *downstream;
	int ndownstream;
	enum trigger_rule trigger_rule;
	int depends_on_past;
	int retries;
	int64_t retry_delay_ms;
	int retry_exponential;
	int64_t max_retry_delay_ms;
	int64_t timeout_ms;		/* 0 = none */
	int64_t deadline_ms;		/* sensors: fail once the clock passes
					 * the partition's end + this (0: at
					 * its end); -1 = none */
	int64_t recheck_ms;		/* sensors that fingerprint: check a
					 * passed partition again until its
					 * end + this; 0 = never */
	int64_t recheck_interval_ms;	/* between rechecks (jittered) */
	int keep_children;		/* leftovers outlive the main process */
	int64_t log_max;		/* log cap in bytes: 0 for the config's,
					 * -1 for none */
	char *executor;
	int executor_explicit;		/* executor: given (sensors then poke
					 * through it instead of the loop) */
	char *pool;
	int pool_slots;
	int priority;
	json_t *env;			/* {"NAME": "value (templated)"} */
	int email_on;			/* EMAIL_ON_* */
	char **email;			/* recipients, NULL-terminated */
	int notify_on;			/* EMAIL_ON_* bits, for webhooks */
	char **notify;			/* webhook names (sluice.yaml), or NULL */
	int64_t sla_ms;			/* 0 = none; after the partition's end */
	int64_t freshness_ms;		/* 0 = none: its own freshness:, the
					 * instance must succeed this long after
					 * the partition's end (sched_fresh.c) */
	char *on_failure;		/* commands, or NULL */
	char *on_success;
	char *description;
	struct need *needs;		/* the task's own needs: (the DAG's
					 * come first, in dag->needs) */
	int nneeds;
	char **produces;		/* datasets, NULL-terminated, or NULL */
	int *produces_at;		/* line, col of each, or NULL */
	char *group;			/* group: NAME, or NULL (dag_groups.c) */
	int setup;			/* setup: true (dag_scope.c) */
	int is_teardown;		/* teardown_of: given; then */
	int teardown_of;		/* the setup's index */
	int teardown_ignore;		/* on_teardown_failure: ignore */
	int *setups;			/* the setups whose scope holds it */
	int nsetups;
	int skip_exit_code;		/* this exit status: skipped; 0 none */
	int branch;			/* picks its downstream tasks (output
					 * key branch) */
	int uses_outputs;		/* its templates read tasks.*.output */
	int mapped;			/* foreach: given (dag_map.c); then one
					 * of these says where the items come
					 * from */
	json_t *foreach_list;		/* a literal list (JSON array) */
	char *foreach_tmpl;		/* a template rendering to a JSON array */
	char *foreach_task;		/* {output: TASK, key: KEY}: TASK, */
	int foreach_output;		/* its index (once linked), and */
	char *foreach_key;		/* KEY */
	int max_active;			/* items running at once; 0: no bound */
	int max_map;			/* most items; 0: the config's max_map */
	int line, col;			/* where the task is defined */
};

struct dag {
	char *name;
	int name_line, name_col;	/* where dag: gives it */
	char *file;
	char *description;
	struct cron *schedule;		/* NULL: unscheduled (schedule: none) */
	char *schedule_text;		/* as written, "none" when unscheduled */
	struct tz *tz;
	int64_t start;			/* epoch seconds; INT64_MIN when unset */
	int64_t end;			/* INT64_MAX when unset */
	int start_line, end_line;	/* where start: and end: are written
					 * (from 1; 0 when not) */
	int catchup;
	int sla_on_backfill;		/* SLAs also for manual and backfill runs */
	int64_t freshness_ms;		/* 0: none (sched_fresh.c) */
	int freshness_when_paused;	/* alert while paused (default 1) */
	int max_active_runs;
	int max_active_tasks;
	json_t *params;			/* NAME -> default (declared ones that
					 * have a default) */
	json_t *param_decls;		/* NAME -> {type, enum, pattern,
					 * description, default, secret} */
	int email_on;			/* DAG-run notifications */
	char **email;
	int notify_on;			/* DAG-run events for the webhooks */
	char **notify;			/* webhook names, or NULL */
	char **tags;			/* NULL-terminated, or NULL */
	struct need *needs;		/* every task's needs (DAG level) */
	int nneeds;
	struct task *tasks;
	int ntasks;
	json_t *task_index;		/* task name -> index, for dag_task() */
	time_t mtime;			/* of the file when loaded */
	off_t size;
	char sha256[65];		/* of the file's bytes as loaded (hex) */
	char *source;			/* the text it loaded from (the
					 * scheduler stores it: the last good
					 * version outlives a restart) */
	size_t source_len;
};

/* The name a DAG file declares (its dag: key) into out (size n), read
 * even when the file does not load as a DAG (a bad task, an unknown
 * key), so a verb given that name can say the file is broken; 0, or -1
 * when the file has no readable dag: (a YAML error, not a mapping). */
int dag_file_declares(const char *path, char *out, size_t n);

/* Load one DAG file. cfg (may be NULL) is used to check pools and
 * executors exist. On error, err is the file's first error in file order
 * (line, then column), the first dag_validate() gives. */
int dag_load(const char *path, const struct config *cfg, struct dag **out,
	     struct sl_err *err);
/* The same, and *errors (when it fails; else NULL; caller decrefs) a new
 * array of strings, each "file:line:col: message": the errors in file
 * order, err's first, at most DAG_VALIDATE_MAX_ERRORS, then "file: and N
 * more errors" when there are more. */
int dag_load_errors(const char *path, const struct config *cfg,
		    struct dag **out, struct sl_err *err, json_t **errors);
/* Load a DAG from text (len bytes) as if it were the content of the file
 * path: a version stored when that file last loaded. */
int dag_load_text(const char *path, const char *text, size_t len,
		  const struct config *cfg, struct dag **out,
		  struct sl_err *err);
/* At most this many errors of one file go to dag_validate()'s cb; past
 * it, one more, "and N more errors" (its file set, no line). */
#define DAG_VALIDATE_MAX_ERRORS 20

/* Check a DAG file and give every error found to cb (file:line:col set),
 * going on after an error as far as the loader can: every unknown key and
 * bad value of the file and of each of its tasks. The errors come in file
 * order (line, then column; errors about no place first); the first is
 * the one dag_load() reports. Returns the number of errors (0: it loads),
 * all of them, past DAG_VALIDATE_MAX_ERRORS too. */
int dag_validate(const char *path, const struct config *cfg,
		 void (*cb)(const struct sl_err *e, void *arg), void *arg);
/* The same, and warn (may be NULL) hears what may fail where this
 * process's environment differs from the scheduler's: a connection
 * neither sluice.yaml nor a SLUICE_CONN_NAME here defines. A warning is
 * not an error: it is not counted. */
int dag_validate_warn(const char *path, const struct config *cfg,
		      void (*cb)(const struct sl_err *e, void *arg),
		      void (*warn)(const struct sl_err *e, void *arg),
		      void *arg);
void dag_free(struct dag *d);
struct task *dag_task(const struct dag *d, const char *name);
const char *trigger_rule_name(enum trigger_rule r);

/*
 * Check the params a person gives a run (trigger, API, web) against the
 * DAG's declarations: each declared, a scalar of its type (strings are
 * converted: "20" for an integer), in its enum, matching its pattern; every
 * param without a default given. Returns the params as they will be stored
 * (a new reference), or NULL with err naming the param and why. params may
 * be NULL (none given).
 */
json_t *dag_params_check(const struct dag *d, const json_t *params,
			 struct sl_err *err);
/* Is param name declared `secret: true`? Its value is then shown as ***
 * wherever people see it (rendered commands, the API, the audit log). */
int dag_param_is_secret(const struct dag *d, const char *name);
/* A copy of params with secret values replaced by "***" (new reference). */
json_t *dag_params_masked(const struct dag *d, const json_t *params);

/* The partition (data interval) containing or starting at t: for a
 * scheduled DAG [tick <= t, next tick). Returns -1 if unscheduled. */
int dag_interval_at(const struct dag *d, int64_t t, int64_t *start,
		    int64_t *end);

/* Partition key of an interval start: ISO-8601 with the zone's offset. */
const char *dag_partition_key(const struct dag *d, int64_t start, char *out,
			      size_t n);

/*
 * The DAG folder: every *.yaml / *.yml file, loaded or with its error.
 * A file that loaded before (in prev) and is now broken keeps its last
 * good version: dag and error are both set, and stale is 1. A file that
 * loaded before and is gone keeps its last version too, as an entry with
 * missing set (no file on disk; its DAG creates no new runs), until
 * another file declares that DAG.
 */
struct dagbag_entry {
	char *file;
	struct dag *dag;		/* NULL when it never loaded */
	char *error;			/* "file:line:col: message" or NULL */
	json_t *errors;			/* when the file does not load:
					 * every error as dag_load_errors()
					 * gives them, error first; else
					 * NULL (error alone, if any) */
	time_t mtime;
	long mtime_nsec;		/* two edits within a second differ */
	off_t size;
	int reused;			/* taken over from prev, not parsed */
	int stale;			/* broken now: dag is the last good
					 * version (taken over from prev) */
	int missing;			/* the file is gone: dag is its last
					 * version (taken over from prev) */
	int duplicate;			/* declares a DAG another file holds */
	int folder_error;		/* not a file read: a path of the DAG
					 * folder the walk could not read (the
					 * folder, a subfolder, a broken link,
					 * a folder too deep); error says why */
	int needs_error;		/* error is about its needs: (an
					 * unknown DAG, task or dataset, a
					 * cycle across DAGs); checked again
					 * at every load of the folder */
	int name_not_text;		/* the path is not UTF-8: not read;
					 * file is it escaped (\xHH), and
					 * error says so */
};

struct dagbag {
	struct dagbag_entry *entries;
	int n;
};

/*
 * Load every file of dir (missing dir = empty bag). When prev is given,
 * files whose mtime and size did not change are taken over from it
 * instead of being parsed again (their entries in prev are emptied, and
 * marked reused in out: the same struct dag, at the same address); the
 * last good version of a file now broken, and of a file now gone, are
 * taken over the same way (stale, missing); what prev still holds
 * afterwards is what changed or disappeared.
 *
 * Two files declaring one DAG: the one that held it in prev keeps it;
 * else the one owner (may be NULL) says held it before (the file the
 * database records); else the first by path. The other file is in error,
 * naming both files.
 */
typedef int (*dagbag_owner_fn)(void *arg, const char *dag, const char *file);
/*
 * The last good text of file, as stored when it last loaded (1: *text, a
 * malloc'd copy of *len bytes; 0: none stored; -1: cannot tell).
 */
typedef int (*dagbag_source_fn)(void *arg, const char *file, char **text,
				size_t *len);
int dagbag_load(const char *dir, const struct config *cfg,
		struct dagbag *prev, struct dagbag *out, struct sl_err *err);
int dagbag_load_owned(const char *dir, const struct config *cfg,
		      struct dagbag *prev, dagbag_owner_fn owner,
		      void *owner_arg, struct dagbag *out, struct sl_err *err);
/*
 * As dagbag_load_owned, and a file that is broken with no last good
 * version in prev (a process that starts while it is broken) gets the
 * one last_good (may be NULL) gives, when that still loads and declares
 * a DAG no other file holds: its entry is stale, as if prev had held it.
 * owner and last_good both get arg.
 */
int dagbag_load_stored(const char *dir, const struct config *cfg,
		       struct dagbag *prev, dagbag_owner_fn owner,
		       dagbag_source_fn last_good, void *arg,
		       struct dagbag *out, struct sl_err *err);
/* Add dag, whose file is gone, to b as such an entry (no new runs; the
 * runs it has finish on it), as a load after the file went does; b takes
 * dag. A scheduler started after the file went uses it for the DAGs of
 * its unfinished runs, from their last good text. */
void dagbag_add_gone(struct dagbag *b, const char *file, struct dag *dag);
void dagbag_free(struct dagbag *b);
/* Did any file of dir appear, disappear or change (mtime, size) since b
 * was loaded (its missing entries aside)? Only stats the files. */
int dagbag_changed(const char *dir, const struct config *cfg, const struct dagbag *b);
/* Make the next load read every file of b again, changed or not (the
 * config a DAG file is checked against changed: pools, webhooks). */
void dagbag_reread_all(struct dagbag *b);
/* The DAG named name: loaded, or its last good version (stale or
 * missing entries too). */
struct dag *dagbag_find(const struct dagbag *b, const char *name);
/* The entry holding the DAG named name, or NULL. */
const struct dagbag_entry *dagbag_find_entry(const struct dagbag *b,
					     const char *name);

#endif
