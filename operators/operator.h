/*
 * operator.h: task types. Each operators/<type>.c exports one
 * `const struct operator op_<type>`, which registers itself (below).
 *
 * How a task type runs (SPEC §2): every try of a non-shell task runs as its
 * own process, `sluice operator TYPE`, started by the task's executor
 * (locally or over SSH). That process reads its spec, a JSON object, from
 * standard input, writes progress to stdout/stderr (the task's log), and
 * exits 0 on success. A sensor instead pokes from the scheduler's event
 * loop through poke_start(), holding no process and no executor slot;
 * with an explicit `executor:` on the task each poke is a short
 * `sluice operator TYPE --poke` process instead.
 *
 * The spec (stdin, and the argument of run/poke_start):
 *   {
 *     "type": "warehouse_copy", "dag": "...", "task": "...",
 *     "partition": "...", "run_id": "...", "try_number": 1,
 *     "data_interval_start": "2024-01-01T00:00:00+00:00",
 *     "data_interval_end":   "2024-01-02T00:00:00+00:00",
 *     "options": { the task's own keys, templates rendered },
 *     "connections": { "name": {"type": "...", "url": "...",
 *                               "password": "...", ...}, ... },
 *     "smtp": { the config's smtp block, password resolved } | absent,
 *     "base_url": "http://127.0.0.1:8080", "home": "/path/to/home",
 *     "database": "/path/to/home/sluice.db"  (tries of a task instance
 *                  only: where operators/op_external.h records the
 *                  external job the try follows)
 *   }
 * Only the connections the task names (keys of kind OPK_CONNECTION) are
 * included. The spec holds secrets: never print it.
 */
#ifndef SLUICE_OPERATOR_H
#define SLUICE_OPERATOR_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"

struct event_base;
struct operator;
struct tmpl_ctx;

/* The kind of value a task key takes; the DAG loader checks it and
 * reports file:line:col on a mismatch, then stores it in the options
 * object as shown. */
enum op_key_kind {
	OPK_STRING,	/* scalar → JSON string */
	OPK_STRINGS,	/* a string or a list of strings → JSON array */
	OPK_INT,	/* integer → JSON integer */
	OPK_BOOL,	/* true/false → JSON true/false */
	OPK_DURATION,	/* "30s", "10m" → JSON integer milliseconds */
	OPK_MAP,	/* mapping of strings → JSON object of strings */
	OPK_CONNECTION,	/* a connection name → JSON string; the connection
			 * is resolved into spec.connections at try start */
	OPK_ANY,	/* any YAML → JSON (scalars as strings) */
	OPK_FILE,	/* a path relative to the DAG file, inside the DAG
			 * folder → {"path": as written, "text": the
			 * file's text, read when the DAG loads} */
};

/* What a person types for a key of kind k ("duration", ...), as the DAG
 * reference and the man page say it. */
const char *op_key_kind_name(enum op_key_kind k);

#define OPK_SHELL_LINE 2
/* templated: every string inside is SQL text; values go in as SQL
 * literals (`| ident`: identifiers), see scheduler/sqlquote.h */
#define OPK_SQL_TEXT 3
/* templated: every string inside is HTML; values go in HTML-escaped
 * (`| raw`: as they are), see base/text.h */
#define OPK_HTML_TEXT 4
/* templated: a wildcard pattern (s3_sensor's url); values go in with
 * their '*', '?' and '\\' escaped, so they match only themselves (`| raw`:
 * as they are), see base/text.h text_glob_* */
#define OPK_GLOB_TEXT 5

struct op_key {
	const char *name;
	enum op_key_kind kind;
	int required;
	int templated;		/* render {{ }} in strings at try start;
				 * OPK_SHELL_LINE: a string is a /bin/sh
				 * line, values go in as quoted words;
				 * OPK_SQL_TEXT: SQL, values as literals;
				 * OPK_HTML_TEXT: HTML, values escaped;
				 * OPK_GLOB_TEXT: a wildcard pattern,
				 * values literal */
	const char *help;	/* one line, for `sluice dags show` and docs */
};

/* Result of a poke. */
enum op_poke_result {
	OP_POKE_ERROR = -1,	/* the poke itself failed (counts as a failed try) */
	OP_POKE_NOT_YET = 0,	/* condition not met: poke again later */
	OP_POKE_DONE = 1,	/* condition met: the task succeeded */
};

/* Exit status of `sluice operator TYPE --poke` when not met yet. */
#define OP_POKE_NOT_YET_EXIT 99

/* The rhythm of a sensor's pokes, from its options (the scheduler keeps
 * the rhythm; the task's own timeout: bounds the whole wait). */
struct op_poke_policy {
	int64_t interval_ms;		/* between pokes; <= 0: 60 s */
	int exponential_backoff;	/* double the interval as time passes */
	int64_t max_interval_ms;	/* cap with back-off; 0: one hour */
	int soft_fail;			/* on timeout: skipped, not failed */
};

/* msg is a line for the task log ("3 objects under s3://b/p/, need 5");
 * owned by the operator, valid during the call. */
typedef void (*op_poke_done_fn)(void *arg, enum op_poke_result result,
				const char *msg);

/*
 * The load-time checks of a task's options (struct operator's check):
 * the operator adds every mistake it finds with op_check_add(), each at
 * its place, so `sluice dags validate` lists them all at once, each at
 * its file:line:col. A place is a path under the task: keys and 0-based
 * list indexes joined by dots ("checks.1.between", "to"), or "" for the
 * task as a whole.
 */
struct op_check_err {
	char path[SL_ERR_PATH];
	char msg[SL_ERR_MSG];
};

struct op_check {
	const json_t *options;	/* the keys that loaded (templates not
				 * rendered yet) */
	const json_t *in_error;	/* key → true: keys the loader already
				 * reported (missing though required, or
				 * a value in error); absent from options;
				 * NULL: none */
	int unscheduled;	/* the task's DAG has no schedule (schedule:
				 * none): each run's data interval is empty,
				 * [start, start) */
	struct op_check_err *errs;	/* in the order added */
	size_t n, cap;
};

void op_check_init(struct op_check *c, const json_t *options,
		   const json_t *in_error);
void op_check_free(struct op_check *c);
/* Add an error at path (printf-style message); returns -1. */
int op_check_add(struct op_check *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add err's message at path; returns -1. */
int op_check_add_err(struct op_check *c, const char *path,
		     const struct sl_err *err);
/* options[key], or NULL. */
const json_t *op_check_get(const struct op_check *c, const char *key);
/* options[key] as a string, or NULL. */
const char *op_check_str(const struct op_check *c, const char *key);
/* Is key there, or already reported by the loader? A check that a key
 * is given ("backend glue needs name") asks this, so a key whose value is
 * in error is not also called missing. */
int op_check_has(const struct op_check *c, const char *key);
/* Did the loader already report key (in_error)? Checks that depend on
 * its value ("which backend") are skipped then. */
int op_check_in_error(const struct op_check *c, const char *key);
/*
 * For tools and tests: run op's check on options (none: every key
 * loaded). 0 when it found nothing; else -1 with the first error added in
 * err and its path in path (size n).
 */
int op_check_first(const struct operator *op, const json_t *options,
		   char *path, size_t n, struct sl_err *err);

struct operator {
	const char *name;
	const char *summary;		/* one line for `--help` and errors */
	const struct op_key *keys;	/* ends with {NULL} */

	/*
	 * The load-time checks of the options object built from the keys
	 * above: every error, each added at its place with op_check_add().
	 * Called for every task, also when some of its keys are in error
	 * (absent from c->options, named in c->in_error). May be NULL.
	 */
	void (*check)(struct op_check *c);
	/* Run one try in this process; returns the exit status.
	 * NULL for shell, which the executor runs directly. */
	int (*run)(const json_t *spec);

	/*
	 * Types the executor runs directly (shell): the argv of one try from
	 * the task's options, templates rendered with ctx (NULL-terminated,
	 * caller frees with strv_free), or NULL with err. NULL for types that
	 * run as `sluice operator TYPE`.
	 */
	char **(*argv)(const json_t *options, const struct tmpl_ctx *ctx,
		       struct sl_err *err);
	/* The working directory of a try (rendered; caller frees), or NULL
	 * for the executor's default. May be NULL. */
	char *(*cwd)(const json_t *options, const struct tmpl_ctx *ctx);

	/*
	 * Sensors only (NULL otherwise): start one poke on the scheduler's
	 * loop. Never blocks; calls done exactly once, from a later loop
	 * iteration, unless cancelled first. Returns a handle.
	 */
	void *(*poke_start)(struct event_base *base, const json_t *spec,
			    op_poke_done_fn done, void *arg);
	/* Cancel a poke in flight; done is then not called. */
	void (*poke_cancel)(void *poke);
	/* Sensors: one poke in a process, for `--poke` (blocking is fine
	 * there). Returns OP_POKE_*; writes its message to stdout. */
	enum op_poke_result (*poke_once)(const json_t *spec);
	/* Sensors: the rhythm of pokes from the task's options (templates
	 * not rendered). NULL: every 60 s, no back-off, no soft_fail. */
	void (*poke_policy)(const json_t *options, struct op_poke_policy *out);
	/*
	 * Sensors that record what they matched, so `recheck:` can tell a
	 * change (s3_sensor): the fingerprint of a poke whose done callback
	 * is running, met (OP_POKE_DONE), else NULL. One line per object,
	 * "name<TAB>size<TAB>version\n" (version: an ETag, an mtime), sorted
	 * by name; *count gets how many objects matched. Owned by the poke.
	 * NULL member: the type cannot be rechecked.
	 */
	const char *(*poke_fingerprint)(void *poke, int *count);
};

/*
 * The registry (operator.c): shell is built in; the other task types live
 * in the operators library (libsluice_ops.a) and join through
 * operator_register(), called for each by operators_register() in
 * operators/operators.c, which main() calls first (before any thread
 * starts: the registry has no lock). A program that links only the core
 * knows shell alone.
 *
 * operators is the NULL-terminated list, in registration order: the task
 * types a DAG file may name, and the list every error, reference, schema
 * and man page shows.
 */
extern const struct operator *const *operators;

/* Add a task type (kept by pointer; registering a name twice is a no-op). */
void operator_register(const struct operator *op);
/*
 * Add a process the scheduler starts as `sluice operator NAME` that is
 * not a task type (the webhook sender): runnable by name, never in
 * operators. instead says a DAG author what to write instead of
 * `type: NAME` (static text). Kept by pointer.
 */
void operator_register_process(const struct operator *op, const char *instead);
/* Register every task type of the operators library (operators.c), and
 * its notifier. */
void operators_register(void);

/*
 * The notifier: what turns a scheduler event (a failed try, a missed SLA,
 * a run's end) into the spec of a task type's process that sends it. The
 * email module registers one; the core has none of its own, so a program
 * that links only the core sends nothing (and the scheduler says so).
 */
struct notify_event;
struct notifier {
	const char *name;	/* "email" */
	const char *op;		/* the task type that sends: `sluice operator OP` */
	/* The spec for that process (a new reference; holds secrets), or
	 * NULL to send nothing. */
	json_t *(*spec)(const struct notify_event *ev, const json_t *smtp,
			const char *home);
};
void notifier_register(const struct notifier *n);
/* The registered notifier, or NULL. */
const struct notifier *notifier_get(void);

/* The task type named name, or NULL. */
const struct operator *operator_find(const char *name);
/* A task type or a process of operator_register_process(): what
 * `sluice operator NAME` runs; NULL when neither. */
const struct operator *operator_find_process(const char *name);
/* For a process that is not a task type: what to write instead of
 * `type: name` in a DAG file (static); NULL for any other name. */
const char *operator_process_instead(const char *name);
/* "shell, s3_sensor, ..." for error messages; into out (size n). */
const char *operator_names(char *out, size_t n);
/* Is this type a sensor (pokes from the loop)? */
int operator_is_sensor(const struct operator *op);

/* Helpers for operators reading their spec. */
const char *op_opt_str(const json_t *spec, const char *key, const char *def);
long long op_opt_int(const json_t *spec, const char *key, long long def);
int op_opt_bool(const json_t *spec, const char *key, int def);
/* spec.connections[spec.options[key]], or NULL. */
const json_t *op_connection(const json_t *spec, const char *key);

#endif
