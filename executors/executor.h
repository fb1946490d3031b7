/*
 * executor.h: the interface between the sluice scheduler and an executor,
 * the thing that starts a task's process somewhere and reports its end.
 *
 * This header is the stable plug-in interface. Built-in executors (local,
 * ssh) and out-of-tree plug-ins implement it the same way. A plug-in is a
 * shared object that exports
 *
 *     const struct sl_executor_ops *sluice_executor_entry(void);
 *
 * and is named in the config file:
 *
 *     executors:
 *       mine: {type: plugin, path: /usr/lib/sluice/my_exec.so, ...}
 *
 * sluice refuses a plug-in whose ops->abi_version is not between
 * SL_EXECUTOR_ABI_OLDEST and SL_EXECUTOR_ABI (a plug-in built against
 * another version of this header).
 *
 * Threading and the event loop: every callback is called on the
 * scheduler's thread, from its libevent loop (the event_base handed to
 * create()). An executor must never block: use non-blocking I/O and events
 * on that base. It must call `done` exactly once for every successful
 * start(), from a later loop iteration (never from inside start()).
 *
 * Ownership: everything the scheduler passes in (task, config strings) is
 * owned by the scheduler and valid only during the call; copy what you
 * keep. Everything an executor returns (instances, handles, tokens) is
 * owned by the executor and freed by it.
 *
 * Version history:
 *   1  first version.
 *   2  adopt() and detach() at the end of sl_executor_ops (tries that
 *      survive a scheduler restart); keep_children and log_max at the
 *      end of sl_exec_task. A version-1 plug-in still loads: its
 *      descriptor ends at destroy, so read the version-2 fields only
 *      through SL_EXEC_OP(), and it never reads the new task fields.
 *   3  task outputs: an executor leaves what the try wrote to its
 *      $SLUICE_OUTPUT at task->output_path before it calls done (the
 *      field is the same as in version 2; version 3 makes it a promise,
 *      see output_path below). No field or callback moved: a version-1
 *      or version-2 plug-in still loads, and its tries' outputs are read
 *      from output_path all the same (they arrive when the try ran on
 *      this machine with task->env as given, and are lost otherwise).
 *   4  recorded() at the end of sl_executor_ops: the scheduler says when
 *      a try's end is committed, so what the executor kept to report
 *      that end to a later scheduler can go then rather than after a
 *      guess. Older plug-ins load; they never hear it.
 *   5  adopted_secrets() at the end of sl_executor_ops: an adopted try
 *      gets its secret values too, so its output stays masked after a
 *      scheduler restart. Older plug-ins load; they never get it (read
 *      it with SL_EXEC_OP(ops, 5, ...)).
 *   6  where() at the end of sl_executor_ops: the host a try runs on,
 *      recorded with its running state, so a running try shows where it
 *      runs before it ends. Older plug-ins load; their tries' hosts come
 *      with their ends, as before.
 */
#ifndef SLUICE_EXECUTOR_H
#define SLUICE_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SL_EXECUTOR_ABI 6
/* The oldest version this sluice still loads. */
#define SL_EXECUTOR_ABI_OLDEST 1

/* ops->field when the executor was built against version `since` or
 * later, else NULL (its descriptor ends before that field). */
#define SL_EXEC_OP(ops, since, field) \
	((ops)->abi_version >= (since) ? (ops)->field : NULL)

struct event_base;

/* One try of a task, fully rendered. */
struct sl_exec_task {
	const char *dag;
	const char *task;
	const char *partition;
	const char *run_id;
	int try_number;

	/* The command: argv[0] is looked up in PATH when it has no '/'.
	 * NULL-terminated. */
	char *const *argv;
	/* Nonzero when argv[0] is the sluice binary itself running an
	 * operator (`sluice operator TYPE`): a remote executor replaces
	 * argv[0] with the path of sluice on its hosts. */
	int argv0_is_sluice;
	/* The complete environment of the process, "NAME=VALUE" strings,
	 * NULL-terminated. Already holds SLUICE_DAG, SLUICE_TASK, ... */
	char *const *env;
	/* Working directory, or NULL for the executor's default. */
	const char *cwd;
	/* Bytes to feed to the process's standard input (may hold secrets:
	 * never log them), or NULL for an empty stdin. */
	const char *stdin_data;
	size_t stdin_len;
	/* Where stdout and stderr go: a local file the executor appends to
	 * (for remote executors: stream the remote output into it). */
	const char *log_path;
	/* When the scheduler asks for a kill, wait this long after SIGTERM
	 * before SIGKILL. */
	int64_t kill_grace_ms;

	/* --- since version 2 (zero from a caller that does not know them) */
	/* Nonzero: processes the try leaves behind when its main process
	 * exits keep running (the task's keep_children: true). Zero: they
	 * get SIGTERM, then SIGKILL after kill_grace_ms. */
	int keep_children;
	/* The most bytes of output the try's log keeps (the first and the
	 * last half, and a line saying how much was dropped between them):
	 * 0 for the executor's default (100 MB for local), -1 for no cap. */
	int64_t log_max;
	/* Values that must never reach the log (secret params, connection
	 * passwords, secret-looking env values): each occurrence in the
	 * output is written as ***, also one split across reads (local and
	 * ssh share executors/out_mask.c for it). NULL-terminated, or NULL
	 * for none (then the output goes the direct way). Executors that
	 * cannot mask ignore it; a try followed after a restart gets the
	 * same values through adopted_secrets() (version 5). Added within
	 * version 2: the scheduler is its only caller. */
	char *const *secrets;
	/* The try's output (docs/DAGS.md, Task outputs): the local file the
	 * try's $SLUICE_OUTPUT names (env holds it). The scheduler removes
	 * it before start() and reads it when done comes, so an executor
	 * of version 3 or later must have the try's output there by the
	 * time it calls done:
	 *  - a try that runs on this machine with env as given writes it
	 *    there itself: nothing to do;
	 *  - a try that runs elsewhere (another host, a container, a batch
	 *    system) gets $SLUICE_OUTPUT pointed at a file of its own there
	 *    (replace the variable in the env it runs with); when the try
	 *    ends, copy that file here (at least its first 65,537 bytes: the
	 *    scheduler refuses an output past 64 KiB, saying so), remove it
	 *    there, then call done. No file here means the try wrote none.
	 * NULL: the try has no output file (nothing to copy). It is always
	 * log_path with ".output" for its ".log" ending, so a try followed
	 * after a restart (adopt) copies its output there. In the struct
	 * since version 2 (as secrets); a promise since version 3. */
	const char *output_path;
};

/* How a try ended. */
struct sl_exec_result {
	int exit_code;		/* valid when signal == 0 and error == NULL */
	int signal;		/* terminating signal, 0 if none */
	const char *host;	/* where it ran ("localhost" for local) */
	int64_t duration_ms;
	/* Set when the executor could not run the command at all, or lost
	 * it (connection dropped): the try counts as failed. */
	const char *error;
};

typedef void (*sl_exec_done_fn)(void *arg, const struct sl_exec_result *res);

/* Why kill() was called; executors may log it. */
enum sl_exec_kill_reason {
	SL_KILL_TIMEOUT = 1,
	SL_KILL_CLEARED = 2,
	SL_KILL_SHUTDOWN = 3,
};

struct sl_executor_ops {
	int abi_version;	/* SL_EXECUTOR_ABI */
	const char *type;	/* "local", "ssh", or the plug-in's name */

	/*
	 * Make an executor instance named `name` from its config entry, given
	 * as a JSON object text (the entry from the config file, e.g.
	 * {"type":"ssh","hosts":[...],"slots_per_host":4}). Returns the
	 * instance, or NULL with a message in err (size errlen). A message
	 * that names the key at fault, quoted ("unknown key 'slot'") or as
	 * a word ("slots must be ..."), is reported at that key's line and
	 * column of sluice.yaml.
	 */
	void *(*create)(struct event_base *base, const char *name,
			const char *config_json, char *err, size_t errlen);

	/* How many tasks this instance runs at once (all hosts together). */
	int (*slots)(void *inst);

	/*
	 * Start one try. Returns a handle, or NULL with a message in err when
	 * it could not start (the try then fails; done is not called).
	 * done(arg, result) is called exactly once when the try ends.
	 */
	void *(*start)(void *inst, const struct sl_exec_task *task,
		       sl_exec_done_fn done, void *arg, char *err,
		       size_t errlen);

	/*
	 * Stop a running try: SIGTERM to its whole process group, then
	 * SIGKILL after task->kill_grace_ms. done is still called once.
	 */
	void (*kill)(void *inst, void *handle, enum sl_exec_kill_reason why);

	/*
	 * A short text that identifies the running process well enough to
	 * kill it after the scheduler itself was restarted (e.g.
	 * "pgid=1234 start=56789"). The scheduler stores it with the try.
	 * Valid until done is called. May be NULL (no recovery possible).
	 */
	const char *(*token)(void *inst, void *handle);

	/*
	 * After a scheduler restart: kill whatever is left of a try that was
	 * running under a previous scheduler, given its token. Best effort,
	 * must not block for long. May be NULL.
	 */
	void (*kill_orphan)(void *inst, const char *token);

	/* One line of health for `sluice executors` (hosts, free slots...).
	 * Writes into out (size n). May be NULL. */
	void (*describe)(void *inst, char *out, size_t n);

	/* Free the instance. Called with no try running (every try ended
	 * or was detached). */
	void (*destroy)(void *inst);

	/* --- since version 2: read them with SL_EXEC_OP(ops, 2, field) --- */

	/*
	 * After a scheduler restart: follow a try that an earlier scheduler
	 * process started, given the token stored with it. Returns a handle
	 * that behaves like one from start() (kill() and token() work on it;
	 * done(arg, result) is called exactly once, from a later loop turn,
	 * with the try's real result, also when the try ended while no
	 * scheduler ran), or NULL with a message in err when this executor
	 * cannot follow that token (a token of an older version, another
	 * executor type): then call kill_orphan() and count the try as lost.
	 * A try whose end could not be recorded (its supervisor was killed,
	 * the machine rebooted) is reported through done with an error
	 * starting with "lost:". A try whose process never started (the
	 * scheduler that started it stopped first) is reported with an
	 * error starting with "not started:": the scheduler runs it again
	 * without counting it. The adopted try takes a slot.
	 *
	 * How a scheduler uses it: in recovery, for every try recorded as
	 * running with a token, call adopt() instead of kill_orphan(); keep
	 * the row running (its token stays valid: token() on the new handle
	 * gives the same text), count it against its slots and pools, arm
	 * its timeout for what is left of it, and record the result when
	 * done comes, exactly as for a try it started; give the new handle
	 * the try's secret values (adopted_secrets, version 5) once its
	 * task instance is read. Only when adopt() returns NULL:
	 * kill_orphan() and the "lost" path. May be NULL (no adoption:
	 * kill_orphan).
	 *
	 * An executor with adopt() also promises that start() starts no
	 * process before the loop turn it was called in has ended (the
	 * scheduler records the try as running, with its token, in that
	 * turn): a try a scheduler still finds queued after a restart
	 * never started, and is run again without counting it.
	 */
	void *(*adopt)(void *inst, const char *token, sl_exec_done_fn done,
		       void *arg, char *err, size_t errlen);

	/*
	 * Let go of a try without stopping it: a scheduler that stops (and
	 * is not draining) detaches every running try instead of killing
	 * it, then calls destroy(); the next scheduler adopts them. done is
	 * never called for the handle after this, and the handle is freed.
	 * May be NULL (the executor cannot leave tries running: kill them).
	 */
	void (*detach)(void *inst, void *handle);

	/* --- since version 4: read it with SL_EXEC_OP(ops, 4, recorded) --- */

	/*
	 * The end of the try whose token() was `token` is committed in the
	 * scheduler's store: no later scheduler will adopt it, so whatever
	 * the executor kept to report that end across a restart (a status
	 * file) may be reused or removed now. Called after the commit, on
	 * the loop's thread, at most once per try, and only for tries whose
	 * done was called; never for a try whose end was lost with a failed
	 * write. The handle is gone by then: only the token names the try.
	 * May be NULL.
	 */
	void (*recorded)(void *inst, const char *token);

	/* --- since version 5: read it with SL_EXEC_OP(ops, 5, adopted_secrets) */

	/*
	 * The secret values of the try adopt() returned `handle` for, as
	 * start() got them in task->secrets (NULL-terminated, or NULL for
	 * none; valid only during the call): mask them in what the try
	 * writes to its log from now on. The scheduler calls it at most
	 * once per adopted handle, as soon as it has the try's task
	 * instance again, before done and never after detach() or done.
	 * At start-up that is before the loop turn adopt() was called in
	 * ends, so before any output can have been copied; only when the
	 * scheduler's first read of its runs fails does it come at a later
	 * read. So an executor that copies a try's output into the log
	 * itself holds that copy from adopt() until the values come, or
	 * until kill() (a try stopped before its values are known: write
	 * nothing of it unmasked; the ssh executor leaves it on the host).
	 * adopt()'s own error messages cannot hold the values (they come
	 * only after it). An executor whose tries mask their own output
	 * with the values start() gave (the local one: its supervisor
	 * keeps them) needs nothing here. May be NULL.
	 */
	void (*adopted_secrets)(void *inst, void *handle,
				char *const *secrets);

	/* --- since version 6: read it with SL_EXEC_OP(ops, 6, where) --- */

	/*
	 * Where the try of handle runs, as its result's host will say
	 * ("localhost", "10.1.2.3:22"), or NULL while that is not known (a
	 * try still waiting for a host): the scheduler records it with the
	 * try's running state, right after start() or adopt(), on the
	 * loop's thread. The string stays the executor's. May be NULL.
	 */
	const char *(*where)(void *inst, void *handle);
};

/* The symbol a plug-in exports. */
typedef const struct sl_executor_ops *(*sl_executor_entry_fn)(void);
#define SL_EXECUTOR_ENTRY "sluice_executor_entry"

#ifdef __cplusplus
}
#endif
#endif
