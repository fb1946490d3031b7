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
 *   must be at most 128 ASCII letters, digits and . _ : + -, neither
 *   "." nor ".." and not starting with "-").
 *
 * Runs are in order of start, then of making (their run id): a range
 * from one run's key to another's holds those runs and the ones between
 * them, not every run sharing their starts (runs of an unscheduled DAG
 * made in one second share one).
 *
 * Scope says where partitions come from: PARTITION_RUNS only those that
 * have a run (tasks, logs, mark, clear, runs); PARTITION_SCHEDULE those the
 * DAG's schedule defines, with or without a run yet (trigger, backfill):
 * the ticks from its start: to before its end:; PARTITION_TICKS every
 * tick of its schedule, before its start or after its end too (trigger
 * --allow-outside-range, test). Matching nothing is an error whose
 * message lists the nearest keys; so is a verb that needs one partition
 * getting several.
 *
 * Outside [start, end) in PARTITION_SCHEDULE: one partition without a run
 * is refused with PARTITION_OUTSIDE, the message naming the DAG's start
 * or end and where its file says so (a typo such as 2023 for 2024 is the
 * likely cause); a range is cut to the DAG's partitions, a note saying
 * how many were left out, and one wholly outside is refused the same way.
 * PARTITION_TICKS takes them, with a note.
 *
 * Local times where clocks change: a wall time that happens twice (fall
 * back) is read as its first occurrence (the end of a range: its second,
 * so the range holds both) and a note says which partition that is and
 * how to name the other; a wall time the zone skips (spring forward) is
 * an error naming the gap, unless both sides of the gap lie in one
 * partition (a daily DAG). A time with an offset or Z is never either.
 */
#ifndef SLUICE_PARTITION_H
#define SLUICE_PARTITION_H

#include <jansson.h>
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
	PARTITION_TICKS,
};

/* The code a resolver returns for a partition (or range) outside the
 * DAG's [start, end) in PARTITION_SCHEDULE scope; the caller may add how
 * to confirm it (its flag or field). */
#define PARTITION_OUTSIDE (-2)

/* A resolved set holds at most this many partitions (more is a
 * mistake): a set this large may have been cut there, its count is a
 * lower bound ("100000 or more"). */
#define PARTITION_RUNS_MAX 100000

#define PARTITION_NOTES_MAX 4
/* What the person should hear besides the answer: each a sentence, for
 * stderr (CLI) or a "notes" array (API). Wherever taken, it may be NULL;
 * the caller sets n = 0 before the first call (partition_notes_init). */
struct partition_notes {
	int n;
	char v[PARTITION_NOTES_MAX][1024];	/* each cut to fit */
	/* partitions a range lost to the DAG's start: and end: (a range
	 * cut in PARTITION_SCHEDULE scope; the notes say which side) */
	size_t left_out;
};

void partition_notes_init(struct partition_notes *notes);
/* Add a sentence to notes (NULL, or full: nothing). */
void partition_note(struct partition_notes *notes, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The notes as a JSON array of strings (a new reference). */
json_t *partition_notes_json(const struct partition_notes *notes);
/*
 * The note for n partitions of scheduled d run by hand (a trigger, a
 * backfill) whose intervals have not ended: the one keyed key (n 1), or
 * n of a range (key NULL), the last ending at end_s. What happens to
 * them: tasks with needs: wait for the interval's end and their needs
 * (needs_eval_interval_open); the others run now, on the data so far.
 */
void partition_note_open(struct partition_notes *notes, const struct dag *d,
			 size_t n, const char *key, int64_t end_s);

struct partition {
	char key[PARTITION_KEY_MAX];
	int64_t start_s;	/* data interval [start_s, end_s) */
	int64_t end_s;
	int exists;		/* a run of it is in the store */
	int64_t run_id;		/* that run's id, else 0 */
};

/* Resolved partitions in the runs' order: by start, then by run id (the
 * order runs were made: runs of an unscheduled DAG made in one second
 * share a start). Free with partition_set_free. */
struct partition_set {
	struct partition *v;
	size_t n;
};

void partition_set_free(struct partition_set *set);

/* Every partition arg names (at least one, else -1 or PARTITION_OUTSIDE
 * with err). store may be NULL (nothing exists then). now is the current
 * time (seconds). */
int partition_resolve(struct store *s, const struct dag *d, const char *arg,
		      int64_t now, enum partition_scope scope,
		      struct partition_set *out, struct partition_notes *notes,
		      struct sl_err *err);

/* Exactly one partition, else -1 (or PARTITION_OUTSIDE) with err listing
 * the candidates or the nearest keys. arg NULL or "" means, outside
 * PARTITION_RUNS, the latest complete partition of a scheduled DAG, or a
 * key made of now for an unscheduled one. */
int partition_resolve_one(struct store *s, const struct dag *d,
			  const char *arg, int64_t now,
			  enum partition_scope scope, struct partition *out,
			  struct partition_notes *notes, struct sl_err *err);

/* The partitions from the first that from names to the last that to
 * names, both inclusive, in the order of partition_cmp (NULL: open end;
 * outside PARTITION_RUNS both are needed): a bound that is a run's key
 * is that run, not every run sharing its start. At least one, else -1
 * (or PARTITION_OUTSIDE) with err. */
int partition_resolve_range(struct store *s, const struct dag *d,
			    const char *from, const char *to, int64_t now,
			    enum partition_scope scope,
			    struct partition_set *out,
			    struct partition_notes *notes, struct sl_err *err);

/* The runs of set (resolved in PARTITION_RUNS, at least one) as the
 * store's range from its first to its last, for a store verb that takes
 * one: the same runs, in the store's order. */
struct store_run_range;
void partition_set_range(const struct partition_set *set,
			 struct store_run_range *out);

/* The bounds a range names without listing its partitions (for a range
 * too long to list): *lo the lowest partition start from can name, *hi
 * the highest to can name (each NULL: left as given), with the notes
 * partition_resolve_range gives (a time that happens twice). -1 with err
 * when one names nothing or to is before from. */
int partition_resolve_bounds(struct store *s, const struct dag *d,
			     const char *from, const char *to, int64_t *lo,
			     int64_t *hi, struct partition_notes *notes,
			     struct sl_err *err);

/* The error for a range that holds no partition (scope: PARTITION_RUNS
 * no run), from and to as the person named them (or what an open end
 * stands for), listing the keys nearest instant t: -1. */
int partition_range_none(struct store *s, const struct dag *d,
			 const char *from, const char *to, int64_t t,
			 enum partition_scope scope, struct sl_err *err);

/*
 * The partition a new run of d is for (`sluice trigger`, POST
 * /dags/{dag}/runs): partition_resolve_one in PARTITION_SCHEDULE scope
 * (outside_ok: PARTITION_TICKS). An unscheduled d that needs a scheduled
 * DAG waits for that DAG's partition with its own key (docs/DAGS.md,
 * Needs), so its key must be one of that DAG's: arg is read as a
 * partition of each such upstream (these rules, a time read in d's zone,
 * in the upstream's start..end unless outside_ok; NULL or "": the latest
 * complete one) and *out is that partition (its key and data interval);
 * a key that no upstream partition has, or two upstreams that read arg
 * as different keys, is an error saying which keys would do. bag finds
 * the upstream DAGs (may be NULL: no such check). Returns as
 * partition_resolve_one.
 */
struct dagbag;
int partition_resolve_trigger(struct store *s, const struct dagbag *bag,
			      const struct dag *d, const char *arg,
			      int64_t now, int outside_ok,
			      struct partition *out,
			      struct partition_notes *notes,
			      struct sl_err *err);

/* A range [lo, hi] of scheduled d that reaches before its start: or past
 * its end: (but not wholly): how many of its partitions that leaves out
 * and where the file sets the edge, a note each side ("left out 24
 * partitions before the start of DAG x, ... (FILE:LINE); its first
 * partition is K"), as a backfill of that range says. */
void partition_range_cut_notes(const struct dag *d, int64_t lo, int64_t hi,
			       struct partition_notes *notes);

/* Does the range [lo, hi] (partition starts, as from and to name them)
 * lie wholly before scheduled d's start or at or past its end? 1 and the
 * sentence saying so, naming where the file says so, appended to out;
 * else 0. */
struct buf;
int partition_range_outside(const struct dag *d, const char *from,
			    const char *to, int64_t lo, int64_t hi,
			    struct buf *out);

/* An instant a person types for d, not a partition (`dags next
 * --after`): read in d's zone as a partition argument's time is, with
 * the same note for a wall time that happens twice (its first occurrence)
 * and the same error for one the zone skips. 0 and *t, or -1 with err. */
int partition_read_time(const struct dag *d, const char *arg, int64_t *t,
			struct partition_notes *notes, struct sl_err *err);

/* May key name a new partition of an unscheduled DAG? (-1 with err) */
int partition_key_ok(const char *key, struct sl_err *err);
/* qsort order of struct partition: by start, then run id (a partition
 * without a run first), then key. */
int partition_cmp(const void *a, const void *b);

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
