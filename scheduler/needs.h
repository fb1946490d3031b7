/*
 * needs.h: which upstream partitions a consumer partition needs (the
 * interval rules of `needs:`, docs/DAGS.md "Needs"). Pure functions over
 * two loaded DAGs and a consumer interval: the intervals come from the
 * DAGs' own schedules (cron.c in their zones), the same ticks the
 * scheduler creates runs at, so there is one interval calculator.
 *
 * - a scheduled upstream: every upstream partition whose interval
 *   overlaps the consumer's (starts before its end, ends after its
 *   start), one rule for every cadence: aligned, the ones inside (a daily
 *   NY partition over an hourly UTC upstream: 24, 23 or 25 hours; a week
 *   over days: 7); coarser, the one containing it; misaligned, the ones
 *   straddling its ends too (a Monday week over days at 00:05: 8; a
 *   Kolkata day over UTC hours: 25);
 * - offset -N: the consumer's interval is first shifted back N of its
 *   own periods;
 * - latest: the newest successful upstream partition ending at or before
 *   the consumer's end (the store answers; here only the bound);
 * - an unscheduled consumer: the upstream partition with its own key; an
 *   unscheduled upstream under a scheduled consumer: its runs whose
 *   interval lies inside the consumer's (at least one).
 */
#ifndef SLUICE_NEEDS_H
#define SLUICE_NEEDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

struct dag;
struct need;

/* At most this many upstream partitions for one need. */
#define NEEDS_MAX_PARTS 200000

enum needs_mode {
	NEEDS_INTERVALS,	/* exactly parts[] */
	NEEDS_SAME_KEY,		/* the upstream run with the consumer's key */
	NEEDS_LATEST,		/* the newest success ending <= hi */
	NEEDS_INSIDE,		/* every run inside [lo, hi), at least one */
};

struct needs_part {
	int64_t start, end;	/* an upstream data interval */
};

struct needs_range {
	enum needs_mode mode;
	int64_t lo, hi;		/* the consumer's interval after the offset */
	struct needs_part *parts;	/* NEEDS_INTERVALS, by start */
	size_t n;
};

/* Shift [*start, *end) back by -offset periods of d's schedule (an
 * unscheduled d: unchanged). -1 when there is no such interval. */
int needs_shift(const struct dag *d, int offset, int64_t *start,
		int64_t *end);

/* The upstream partitions of up that consumer partition [cs, ce) of c
 * needs through nd. out->parts is malloc'd (needs_range_free). -1 with
 * err when there are too many. */
int needs_map(const struct dag *c, const struct dag *up,
	      const struct need *nd, int64_t cs, int64_t ce,
	      struct needs_range *out, struct sl_err *err);
void needs_range_free(struct needs_range *r);

/*
 * NEEDS_SAME_KEY over a scheduled up: can up ever have a partition keyed
 * key? 1 yes; 0 never (a free key like "adhoc-1", or a time that is not
 * how up spells its partition's start), with why: "'K' is never a
 * partition key of up: ..." naming the key that would be (the partition
 * of up holding the time key spells, else the one holding at).
 */
int needs_key_possible(const struct dag *up, const char *key, int64_t at,
		       char *why, size_t n);

/*
 * What a waiting partition waits for, in words: "UP: D of N partitions,
 * missing A–B, C" where missing[i] is set for the parts not done yet
 * (contiguous missing parts are one range; at most three ranges, then
 * "..."). Times are in up's zone with its offset,
 * "2026-12-03T13:00+00:00", the second of a range on the same day (at
 * the same offset) "23:00". Returns out.
 */
const char *needs_describe(const struct dag *up, const char *what,
			   const struct needs_part *parts, size_t n,
			   const unsigned char *missing, char *out,
			   size_t size);

#endif
