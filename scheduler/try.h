/*
 * try.h: the try model: everything that names or builds one try of a task
 * instance, in one place for the scheduler, `sluice test`, `sluice logs`,
 * the web and the email notifier.
 *
 * On-disk layout of logs: LOGS_DIR/DAG/PARTITION-DIR/TASK/try-N.log, where
 * PARTITION-DIR encodes the partition key injectively (no two keys share a
 * folder): '%', '/', '\\' and control characters become %XX, and a leading
 * '.' becomes %2E (so "." and ".." are never path steps). Keys made of
 * letters, digits and "-:+_T." (every scheduled key) are kept as they are.
 */
#ifndef SLUICE_TRY_H
#define SLUICE_TRY_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"

struct config;
struct dag;
struct task;
struct tmpl_ctx;

/*
 * What one try is made from: the scheduler fills it from a task instance,
 * `sluice test` from its arguments. Nothing here is owned: every pointer
 * must outlive the calls that use the struct.
 */
struct try_ctx {
	const struct config *cfg;
	const struct dag *dag;
	const struct task *task;
	const char *task_name;		/* a mapped task's item: NAME[i] (its
					 * logs, $SLUICE_TASK, {{ task }});
					 * NULL: task->name */
	const json_t *item;		/* the item, for {{ item }}; or NULL */
	const char *partition;
	const char *run_id;		/* try_run_id() */
	int64_t start_s, end_s;		/* the data interval */
	const json_t *params;		/* DAG params merged with the run's */
	int try_number;
	int64_t ti_id;			/* for SLUICE_TRY_ID (0 in `sluice test`) */
	const char *self_exe;		/* the sluice binary, for operators */
	const json_t *outputs;		/* {TASK: {KEY: value}} of the run's
					 * tasks, or NULL (not read) */
	const char *output_path;	/* $SLUICE_OUTPUT; NULL: the try's
					 * file (try_output_path) */
};

/* LOGS_DIR/DAG/PARTITION-DIR/TASK/try-N.output: the try's
 * $SLUICE_OUTPUT (caller frees). */
char *try_output_path(const char *logs_dir, const char *dag,
		      const char *partition, const char *task, int try_number);
/* The id of a run: RUN-TYPE__PARTITION (caller frees). */
char *try_run_id(const char *run_type, const char *partition);
/* The template names of a try (points into c). */
void try_tmpl_ctx(const struct try_ctx *c, struct tmpl_ctx *out);
/*
 * The environment of a try: the scheduler's own (without SLUICE_*), plus
 * SLUICE_DAG, _TASK, _PARTITION, _RUN_ID, _TRY, _DATA_INTERVAL_START/END,
 * _HOME, _TRY_ID, _OUTPUT, plus the task's env (rendered); nothing else. NULL with
 * err on a template error. Free with try_env_free (the strings inherited
 * from environ are shared, not copied).
 */
char **try_env(const struct try_ctx *c, struct sl_err *err);
void try_env_free(char **env);
/* The SLUICE_* variables try_env sets, {NULL}-terminated, for the DAG
 * reference. */
struct try_env_var {
	const char *name;
	const char *doc;
};
const struct try_env_var *try_env_vars(void);
/*
 * The secret values of a try, to be masked in its log: the values of its
 * params declared `secret: true`, of env entries whose names look secret
 * (base/secret.h), and the passwords of the connections the task names
 * (a secret-looking key's value, a URL's user:PASSWORD@). NULL when there
 * are none, else NULL-terminated (free with strv_free).
 */
char **try_secrets(const struct try_ctx *c, char *const *env);
/* The spec an operator process reads on stdin, or an in-loop poke gets
 * (operators/operator.h): a new reference, or NULL with err. */
json_t *try_spec(const struct try_ctx *c, struct sl_err *err);
/*
 * The command of a try (NULL-terminated, free with strv_free): the task
 * type's own argv (shell), else `SELF --home HOME operator TYPE [--poke]`
 * with the spec text for its stdin in *stdin_text (caller frees; NULL for
 * the task type's own argv). NULL with err on a template error.
 */
char **try_argv(const struct try_ctx *c, int poke, char **stdin_text,
		struct sl_err *err);
/*
 * What a try runs, as sluice shows and records it (secret params as ***,
 * then web/mask.h's rule): the argv of a task type that has one (shell),
 * else the options the task type's process or poke gets, rendered. A new
 * reference, or NULL with err on a template error.
 */
json_t *try_shown(const struct try_ctx *c, struct sl_err *err);
/* Does argv[0] of try_argv run the sluice binary itself? */
int try_argv_is_sluice(const struct try_ctx *c);
/* The working directory of a try (rendered; caller frees), or NULL. */
char *try_cwd(const struct try_ctx *c);

/*
 * Why a failed try failed, in the task's own words (try_reason.c): the
 * last line the task wrote to its log, which the scheduler records after
 * "exit code 1: " or "killed by signal 9 (Killed): ". sluice's own
 * lines (the scheduler's and the executors', executors/try_note.h:
 * "[TIME sluice] ...") and blank lines are passed over. The line has
 * the values of secrets (NULL-terminated, or NULL) as ***, as the log
 * has them, then web/mask.h's rule applied; malformed UTF-8 and control
 * characters as '?', a tab as a space; at most TRY_REASON_MAX bytes (cut
 * on a character's first byte, then "..."). Only the last TRY_REASON_READ
 * bytes of the log are read: a line that began before them is not
 * quoted. NULL when there is no such line or the log cannot be read;
 * else caller frees.
 */
#define TRY_REASON_MAX 300
#define TRY_REASON_READ (16 * 1024)
char *try_reason_read(const char *log_path, char *const *secrets);
/* The same from the last n bytes of a log (tail; whole: they are all of
 * it, so the first line is a whole line). */
char *try_reason_from(const char *tail, size_t n, int whole,
		      char *const *secrets);

/* What ended a try that exited or was killed, as its recorded error
 * begins: "exit code 1", or (sig not 0) "killed by signal 9 (Killed)",
 * into out (size n); returns out. */
const char *try_reason_end(int exit_code, int sig, char *out, size_t n);
/* When a recorded error begins with what try_reason_end says (alone, or
 * followed by ": " and the task's line), the length of that beginning:
 * it needs no "error: " before it; else 0. */
size_t try_reason_says_end(const char *error, int exit_code, int sig);

/* The folder name of a partition key (caller frees). */
char *try_partition_dir(const char *partition);
/* LOGS_DIR/DAG/PARTITION-DIR/TASK (caller frees). */
char *try_log_dir(const char *logs_dir, const char *dag, const char *partition,
		  const char *task);
/* LOGS_DIR/DAG/PARTITION-DIR/TASK/try-N.log (caller frees). */
char *try_log_path(const char *logs_dir, const char *dag,
		   const char *partition, const char *task, int try_number);

#endif
