/*
 * partition.h: what a person means by a partition argument. One resolver
 * for every CLI verb and API endpoint that takes a partition, so the same
 * spelling means the same partitions everywhere:
 *
 * - an exact key of an existing run names that run's partition;
 * - a date-time ("2026-12-03T05:00", "2026-12-03 05:00", "2026-12-03T05",
 *   seconds optional, with or without "Z" or an offset; read in the DAG's
 *   zone when it has none) names the partition whose data interval holds it;
 * - a bare date ("2026-12-03") names the partitions that start on that
 *   local date in the DAG's zone;
 * - for an unscheduled DAG, any other text is a key of its own (a new one
 *   must be at most 128 letters, digits and . _ : + -).
 *
 * Scope says where partitions come from: PARTITION_RUNS only those that
 * have a run (tasks, logs, mark, clear, runs); PARTITION_SCHEDULE those the
 * DAG's schedule defines, with or without a run yet (trigger, test,
 * backfill). Matching nothing is an error whose message lists the nearest
 * keys; so is a verb that needs one partition getting several.
 */
#ifndef SLUICE_PARTITION_H
#define SLUICE_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

struct dag;
struct store;

#define PARTITION_KEY_MAX 256
/* A new key of an unscheduled DAG: at most this long. */
#define PARTITION_NEW_KEY_MAX 128

enum partition_scope {
	PARTITION_RUNS,
	PARTITION_SCHEDULE,
};

struct partition {
	char key[PARTITION_KEY_MAX];
	int64_t start_s;	/* data interval [start_s, end_s) */
	int64_t end_s;
	int exists;		/* a run of it is in the store */
};

/* Resolved partitions, ordered by start. Free with partition_set_free. */
struct partition_set {
	struct partition *v;
	size_t n;
};

void partition_set_free(struct partition_set *set);

/* Every partition arg names (at least one, else -1 with err). store may
 * be NULL (nothing exists then). now is the current time (seconds). */
int partition_resolve(struct store *s, const struct dag *d, const char *arg,
		      int64_t now, enum partition_scope scope,
		      struct partition_set *out, struct sl_err *err);

/* Exactly one partition, else -1 with err listing the candidates or the
 * nearest keys. arg NULL or "" means, in PARTITION_SCHEDULE scope, the
 * latest complete partition of a scheduled DAG, or a key made of now for
 * an unscheduled one. */
int partition_resolve_one(struct store *s, const struct dag *d,
			  const char *arg, int64_t now,
			  enum partition_scope scope, struct partition *out,
			  struct sl_err *err);

/* The partitions from the first that from names to the last that to
 * names, both inclusive (NULL: open end; PARTITION_SCHEDULE needs both).
 * At least one, else -1 with err. */
int partition_resolve_range(struct store *s, const struct dag *d,
			    const char *from, const char *to, int64_t now,
			    enum partition_scope scope,
			    struct partition_set *out, struct sl_err *err);

/* The bounds a range names without listing its partitions (for a range
 * too long to list): *lo the lowest partition start from can name, *hi
 * the highest to can name (each NULL: left as given). -1 with err when
 * one names nothing or to is before from. */
int partition_resolve_bounds(struct store *s, const struct dag *d,
			     const char *from, const char *to, int64_t *lo,
			     int64_t *hi, struct sl_err *err);

/* May key name a new partition of an unscheduled DAG? (-1 with err) */
int partition_key_ok(const char *key, struct sl_err *err);

/*
 * What a person means by a task argument (every CLI verb and API
 * endpoint that takes one): a task of d, or NAME[i], item i of the mapped
 * task NAME. The task (an item's: its mapped task), or NULL.
 */
struct task *partition_task(const struct dag *d, const char *arg);
/* The same, with the message when it names nothing; with a partition key
 * (may be NULL) and a store, an item must also exist in that run: -1
 * with err saying how many items the task has there. */
int partition_task_check(struct store *s, const struct dag *d,
			 const char *arg, const char *partition,
			 struct sl_err *err);

#endif
