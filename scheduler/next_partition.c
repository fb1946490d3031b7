/* next_partition.c: the next partition the scheduler creates for a DAG
 * (see next_partition.h). */
#include "scheduler/next_partition.h"

#include <stdint.h>

#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "store/store.h"

/* The start of the latest interval that has ended by now, or -1. */
static int64_t
next_partition_latest(const struct dag *d, int64_t now)
{
	int64_t p1 = cron_prev(d->schedule, d->tz, now);

	return p1 == -1 ? -1 : cron_prev(d->schedule, d->tz, p1 - 1);
}

int64_t
next_partition_first(const struct dag *d, int64_t now)
{
	int64_t cursor;

	if (d->schedule == NULL || d->start == INT64_MIN)
		return -1;
	if (d->catchup)
		return cron_next(d->schedule, d->tz, d->start - 1);
	cursor = next_partition_latest(d, now);
	if (cursor < d->start)
		cursor = cron_next(d->schedule, d->tz, d->start - 1);
	return cursor;
}

int64_t
next_partition_skip(const struct dag *d, int64_t cursor, int64_t now)
{
	int64_t p0;

	if (d->catchup || d->schedule == NULL)
		return cursor;
	p0 = next_partition_latest(d, now);
	if (p0 > cursor && p0 >= d->start)
		return p0;
	return cursor;
}

int
next_partition_get(const struct dag *d, int has_cursor, int64_t cursor,
		   int64_t now, struct next_partition *np)
{
	int64_t end;

	if (d->schedule == NULL)
		return 0;
	if (!has_cursor)
		cursor = next_partition_first(d, now);
	if (cursor == -1)
		return 0;
	cursor = next_partition_skip(d, cursor, now);
	if (cursor >= d->end)
		return 0;
	if ((end = cron_next(d->schedule, d->tz, cursor)) == -1)
		return 0;
	np->start = cursor;
	np->end = end;
	np->due = end <= now;
	return 1;
}

int
next_partition_of(struct store *st, const struct dag *d, int64_t now,
		  struct next_partition *np)
{
	int64_t cursor = -1;
	int has = d->schedule != NULL && store_dag_cursor(st, d->name, &cursor);

	return next_partition_get(d, has, cursor, now, np);
}
