/*
 * notify.h: the email sluice sends about a task (email_on: failure, retry,
 * success, sla_miss).
 *
 * The scheduler describes what happened in a struct notify_event, turns it
 * into the spec of an `email` task with notify_spec() (or just the options
 * with notify_compose()), and runs `sluice operator email` with that spec
 * on its standard input, as a child process: sending may block or fail,
 * the scheduler never waits on it.
 *
 * Both functions only read files (the log tail, bounded); they never
 * touch the network, so the scheduler may call them from its loop.
 */
#ifndef SLUICE_NOTIFY_H
#define SLUICE_NOTIFY_H

#include <stdint.h>

#include <jansson.h>

/* Lines of the try's log quoted in the message, and the most bytes read
 * from its end to find them. */
#define NOTIFY_LOG_LINES 50
#define NOTIFY_LOG_BYTES (64 * 1024)

/* All strings are borrowed for the call; any may be NULL when unknown. */
struct notify_event {
	const char *kind;	/* "failure" | "retry" | "success" | "sla_miss"
				 * | "late" | "recovered" (a partition of a
				 * DAG with freshness:, task NULL, or of a
				 * task's own freshness:, task set; why in
				 * error, the deadline in sla_deadline) */
	const char *dag, *task, *partition, *run_id;
	int try_number, max_tries;	/* try n of m */
	int exit_code, signal;		/* signal 0 = exited normally */
	const char *error;		/* the try's recorded error (its exit
					 * code or signal and the last line
					 * it wrote, a timeout, an executor's
					 * error), or NULL */
	int64_t duration_ms;
	const char *host;
	const char *log_path;		/* the try's log file; may be NULL */
	const char *base_url;		/* the UI's base url from config */
	char *const *to;		/* NULL-terminated recipients */
	const char *sla_deadline;	/* ISO time, for sla_miss */
	const char *sla_waiting;	/* sla_miss of a task not started: why
					 * it waits (as sluice tasks says), or NULL */
	/* "late" only: the partition has no run (its link is then the
	 * grid at that partition, which shows it as a never-run row: a run
	 * page would be a 404) */
	int no_run;
	/* An event about a whole run has task NULL and may carry the run's
	 * task instances (an array of objects as store_tis_json() gives
	 * them: task, state, try_number, max_tries, exit_code, signal,
	 * error); the message names the failed ones and their results. */
	const json_t *task_instances;
	/* An SLA digest (kind "sla_miss", task NULL): the misses of one DAG
	 * found in one pass, an array of {task, partition, deadline, state,
	 * waiting} (state in words: "not started", "running"...; waiting:
	 * why one not started waits, when known); the message lists
	 * each with the link to its page. */
	const json_t *sla_misses;
	/* A freshness digest (kind "late" or "recovered", partition NULL):
	 * the partitions of one DAG (task set: of that task's freshness:)
	 * that became late, or landed after being late, in one pass, oldest
	 * first, an array of {partition, due, why, no_run}; the message lists
	 * each with its link and links the partition map over them. One
	 * partition alone is the usual message. */
	const json_t *fresh_digest;
};

/*
 * The options object of an `email` task for this event: to, subject, body
 * (text) and html. They name DAG, task, partition, run, try n of m, exit
 * code or signal (or the executor's error), duration, host, the last
 * NOTIFY_LOG_LINES lines of the log, and the link to the task instance's
 * page (web/links.h: the pattern the web's router matches, each segment
 * URL-encoded). About a run (task NULL): DAG, partition, run, the failed
 * task instances with their results and links, and the link to the run's
 * page.
 * Returns a new reference.
 */
json_t *notify_compose(const struct notify_event *ev);

/*
 * The whole spec for `sluice operator email`: type, dag, task, partition,
 * run_id, options (notify_compose()), smtp (a copy of the config's smtp
 * block, password resolved; NULL: none, the message goes to the outbox)
 * and home. Returns a new reference. It holds the SMTP password: hand it
 * to the child on a pipe, never log it.
 */
json_t *notify_spec(const struct notify_event *ev, const json_t *smtp,
		    const char *home);

#endif
