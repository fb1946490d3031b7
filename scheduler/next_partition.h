/*
 * next_partition.h: the next partition the scheduler creates for a DAG.
 * One rule for the scheduler's run creation, `sluice dags next`, `sluice
 * dags list`, the API's DAG JSON and the UI's "Next partition", so they
 * cannot disagree: paused DAGs show what they would create when unpaused,
 * and a DAG that never ran starts at its first tick (catchup: true) or at
 * the latest finished interval (catchup: false), not at `start`.
 */
#ifndef SLUICE_NEXT_PARTITION_H
#define SLUICE_NEXT_PARTITION_H

#include <stdint.h>

struct dag;
struct store;

struct next_partition {
	int64_t start, end;	/* the data interval, epoch seconds */
	int due;		/* its end has passed: the scheduler creates
				 * it on its next tick (when unpaused and
				 * under max_active_runs); else at `end` */
};

/* Where the catch-up cursor starts for a DAG that has none yet: the first
 * tick at or after start (catchup: true), or the start of the latest
 * interval that has ended by now (catchup: false; start when that is
 * earlier). -1 when there is none. */
int64_t next_partition_first(const struct dag *d, int64_t now);

/* The cursor the scheduler creates from: with catchup: false, what was
 * missed is skipped up to the latest interval that has ended by now. */
int64_t next_partition_skip(const struct dag *d, int64_t cursor, int64_t now);

/* The next partition of d given its stored cursor (has_cursor 0: never
 * ran). 1 with *np set; 0 when there is none (unscheduled, past end). */
int next_partition_get(const struct dag *d, int has_cursor, int64_t cursor,
		       int64_t now, struct next_partition *np);

/* next_partition_get() with the cursor the store keeps for d. */
int next_partition_of(struct store *st, const struct dag *d, int64_t now,
		      struct next_partition *np);

#endif
