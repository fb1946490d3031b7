/*
 * sched.h: the scheduler: one libevent loop that creates runs for due
 * partitions, decides which task instances may start, starts them through
 * their executors, and records every change in the state store.
 *
 * Event-driven: a try's end (SIGCHLD for local tries) releases its
 * downstream tasks in the same loop iteration. Other processes' changes
 * (CLI clear/trigger/mark/pause) are noticed within 100 ms.
 */
#ifndef SLUICE_SCHED_H
#define SLUICE_SCHED_H

#include "base/util.h"

struct config;
struct event_base;
struct sched;
struct store;

/* The scheduler takes cfg (freed by sched_free) and runs on base. */
int sched_new(struct config *cfg, struct event_base *base, struct sched **out,
	      struct sl_err *err);
/* Load DAGs, recover tries lost by a previous scheduler, start timers. */
int sched_start(struct sched *s, struct sl_err *err);
/* Ask the scheduler to look at the database again now (the web server in
 * the same process calls this after a person's action). */
void sched_poke(struct sched *s);
/* Stop (SIGTERM, SIGINT): start no new tries; leave every running try
 * whose executor can let it go running for the next scheduler (which
 * adopts it), kill the others and record them; then leave the loop. With
 * drain set: wait for the running tries to end and record them first; a
 * second call while waiting stops without waiting. */
void sched_shutdown(struct sched *s);
/* Nonzero: sched_shutdown drains (`--drain`). */
void sched_set_drain(struct sched *s, int drain);
/* Did the scheduler stop because its database file was deleted or
 * replaced under it (checked every second)? Its exit is then a failure. */
int sched_db_gone(const struct sched *s);
/* This process serves the web UI too (`sluice standalone`): a change of
 * web.* in sluice.yaml then needs its restart; else `sluice web`'s. */
void sched_set_serves_web(struct sched *s, int serves);
void sched_free(struct sched *s);
struct store *sched_store(struct sched *s);
/* Tries holding executor slots now. */
int sched_running_tries(const struct sched *s);
const struct dagbag *sched_dagbag(struct sched *s);
/* The executors the scheduler runs tries through (their slots). */
struct executor_set;
struct executor_set *sched_executors(struct sched *s);
/* Loop lag and counters for /metrics: fills a JSON object. */
struct json_t;
void sched_metrics(struct sched *s, struct json_t *out);



struct dag;
struct task;
/* `sluice test`: run one try of task in the foreground (output to this
 * terminal, nothing recorded) with params (the DAG's defaults merged with
 * those given, as a run's; borrowed). A mapped task's one item: item (for
 * {{ item }}) and task_name (NAME[i]); NULL and NULL otherwise. outputs:
 * {TASK: {KEY: value}} for {{ tasks.TASK.output.KEY }} (NULL: none).
 * Returns its exit status, or -1 with err. */
int sched_test_task(struct config *cfg, struct dag *dag, struct task *t,
		    const char *partition, int64_t start_s, int64_t end_s,
		    const struct json_t *params, const struct json_t *item,
		    const char *task_name, const struct json_t *outputs,
		    struct sl_err *err);
#endif
