/*
 * needs_eval.h: are a task instance's needs met, read from the store. One
 * rule for the scheduler (which starts a waiting partition when they are)
 * and for the CLI, API and task page (which say what it waits for): the
 * upstream partitions come from needs.h's interval rules, their states
 * from the store's runs.
 */
#ifndef SLUICE_NEEDS_EVAL_H
#define SLUICE_NEEDS_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

struct dag;
struct dagbag;
struct store;
struct task;

struct need;
struct store_need_row;

/* What an evaluation tells its caller (each may be NULL): on_wait, an
 * unmet need: the upstream DAG and the interval starts [lo, hi] whose
 * success may release it (INT64_MIN..INT64_MAX: any of its runs); on_used,
 * each successful upstream run a need counts (the lineage, when all are
 * met). */
struct needs_eval_cb {
	void (*on_wait)(void *arg, const char *up_dag, int64_t lo,
			int64_t hi);
	void (*on_used)(void *arg, const struct need *nd,
			const struct store_need_row *row);
	void *arg;
};

/*
 * The needs of task t (the DAG's and its own) in partition (key, [start,
 * end)) of d. 1: every need is met; 0: some are not: why says what is
 * missing, one need after another ("up.task: 11 of 24 partitions,
 * missing ..."; "; " between them), and cb (may be NULL) hears of each
 * unmet need and each upstream run used; -1 with err on a database error
 * or a need that does not resolve (its DAG not in bag). A task with no
 * needs: 1. A need met because the upstream has no partition in the
 * interval (before its start:, after its end:) is said in why too, met
 * or not ("up.task has no partition in this interval (it starts ...):
 * nothing to wait for"): with 1, why is "" unless such a need is there.
 */
int needs_eval_ti(struct store *st, const struct dagbag *bag,
		  const struct dag *d, const struct task *t,
		  const char *partition, int64_t start, int64_t end,
		  const struct needs_eval_cb *cb, char *why, size_t whyn,
		  struct sl_err *err);

/*
 * A consumer partition starts when its interval has ended and all its
 * needs are met, whichever comes last. The scheduler creates a scheduled
 * partition's run once its interval has ended; a partition run by hand
 * (a trigger or a backfill) may be the current or a future one: 1 when
 * task t of d (a scheduled DAG with needs) in such a run whose interval
 * ends at end_s must still wait for that end at now_s; else 0.
 */
int needs_eval_interval_open(const struct dag *d, const struct task *t,
			     int by_hand, int64_t end_s, int64_t now_s);

/* Was a run of this run_type ("scheduled", "manual", "backfill") made by
 * hand (anything but the schedule)? 0 for NULL. */
int needs_eval_by_hand(const char *run_type);

#endif
