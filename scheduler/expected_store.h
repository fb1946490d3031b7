/*
 * expected_store.h: the partition map of a DAG as the API, `sluice status`
 * and the map page read it: a range named the way every verb names
 * partitions (scheduler/partition.h), the runs of that range from the
 * store in one query, and their states (scheduler/expected.h).
 */
#ifndef SLUICE_EXPECTED_STORE_H
#define SLUICE_EXPECTED_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "scheduler/expected.h"
#include "scheduler/partition.h"

struct dag;
struct store;
struct store_map_run;

/* How far back a map reaches when no from is named: the DAG's start, but
 * at most this long before to. */
#define EXPECTED_STORE_DEFAULT_SPAN (366 * INT64_C(86400))

struct expected_store_map {
	int64_t from_s, to_s;		/* the range of starts it covers */
	struct expected_partition *v;	/* by start */
	size_t n;
	struct store_map_run *runs;	/* v[i].run indexes these */
	size_t nruns;
	size_t counts[EXPECTED_NSTATES];
	/* what the person should hear about the range asked (load only):
	 * how its bounds were read (a time that happens twice), what the
	 * DAG's start: and end: left out of it, that a range without from
	 * was cut to its newest partitions */
	struct partition_notes notes;
};

/*
 * The map of d for the partitions from (NULL: the DAG's start, at most
 * EXPECTED_STORE_DEFAULT_SPAN before to, and at most the newest max
 * partitions, with a note saying so: a DAG that runs every minute has
 * 200,000 in under five months) to to (NULL: now, or the DAG's
 * end: once that has passed), both named as
 * any verb names a partition, inclusive, with the notes any verb gives
 * (out->notes). At most max partitions: a range named by from holding
 * more is an error. 0; or -1 with err (store_busy()
 * tells a locked database from the rest). A range named (from or to
 * given) that holds no partition is an error too, saying so (before the
 * DAG's start:, past its end:, after now) in the words of the other
 * verbs (partition_range_none).
 */
int expected_store_load(struct store *s, const struct dag *d,
			const char *from, const char *to, int64_t now,
			size_t max, struct expected_store_map *out,
			struct sl_err *err);
/* The same map as task's instances make it (store_map_task_runs): the
 * map of a dataset task produces. task NULL: the runs'. */
int expected_store_load_task(struct store *s, const struct dag *d,
			     const char *task, const char *from,
			     const char *to, int64_t now, size_t max,
			     struct expected_store_map *out,
			     struct sl_err *err);
/* The same for the partitions whose start is in [lo_s, hi_s] (seconds). */
int expected_store_range(struct store *s, const struct dag *d, int64_t lo_s,
			 int64_t hi_s, int64_t now, size_t max,
			 struct expected_store_map *out, struct sl_err *err);
/* Both: the partitions whose start is in [lo_s, hi_s], as task's
 * instances make them (task NULL: the runs'). */
int expected_store_range_task(struct store *s, const struct dag *d,
			      const char *task, int64_t lo_s, int64_t hi_s,
			      int64_t now, size_t max,
			      struct expected_store_map *out,
			      struct sl_err *err);
void expected_store_free(struct expected_store_map *m);
/* The key of map partition i: its run's, else the DAG's key of its start
 * (buf of n bytes). */
const char *expected_store_key(const struct dag *d,
			       const struct expected_store_map *m, size_t i,
			       char *buf, size_t n);

#endif
