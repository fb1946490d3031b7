/* needs.c: the interval rules of `needs:` (see needs.h). */
#include "scheduler/needs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/tz.h"

int
needs_shift(const struct dag *d, int offset, int64_t *start, int64_t *end)
{
	int64_t s = *start, e = *end;

	if (d->schedule == NULL)
		return 0;
	for (int i = 0; i < -offset; i++) {
		int64_t p = cron_prev(d->schedule, d->tz, s - 1);

		if (p == -1)
			return -1;
		e = s;
		s = p;
	}
	*start = s;
	*end = e;
	return 0;
}

void
needs_range_free(struct needs_range *r)
{
	free(r->parts);
	r->parts = NULL;
	r->n = 0;
}

static int
parts_add(struct needs_range *r, size_t *cap, int64_t s, int64_t e,
	  struct sl_err *err)
{
	if (r->n >= NEEDS_MAX_PARTS)
		return sl_err_set(err,
				  "more than %d upstream partitions for one partition",
				  NEEDS_MAX_PARTS);
	SL_GROW(r->parts, *cap, r->n + 1);
	r->parts[r->n].start = s;
	r->parts[r->n].end = e;
	r->n++;
	return 0;
}

/* Does the upstream define a partition starting at t (start..end)? */
static int
up_defines(const struct dag *up, int64_t t)
{
	return (up->start == INT64_MIN || t >= up->start) &&
	       (up->end == INT64_MAX || t < up->end);
}

int
needs_map(const struct dag *c, const struct dag *up, const struct need *nd,
	  int64_t cs, int64_t ce, struct needs_range *out, struct sl_err *err)
{
	size_t cap = 0;
	int64_t t, e;

	memset(out, 0, sizeof *out);
	out->lo = cs;
	out->hi = ce;
	if (nd->latest) {
		out->mode = NEEDS_LATEST;
		return 0;
	}
	if (c->schedule == NULL) {
		out->mode = NEEDS_SAME_KEY;
		return 0;
	}
	if (needs_shift(c, nd->offset, &out->lo, &out->hi) < 0)
		return sl_err_set(err, "no partition %d before this one",
				  -nd->offset);
	cs = out->lo;
	ce = out->hi;
	if (up->schedule == NULL) {
		out->mode = NEEDS_INSIDE;
		return 0;
	}
	out->mode = NEEDS_INTERVALS;
	/* every upstream interval overlapping [cs, ce): from the one holding
	 * cs (cron_next of it is > cs) to the last starting before ce */
	t = cron_prev(up->schedule, up->tz, cs);
	if (t == -1)
		t = cron_next(up->schedule, up->tz, cs - 1);
	for (; t != -1 && t < ce; t = e) {
		e = cron_next(up->schedule, up->tz, t);
		if (e == -1)
			break;
		if (e > cs && up_defines(up, t) &&
		    parts_add(out, &cap, t, e, err) < 0)
			goto fail;
	}
	return 0;
fail:
	needs_range_free(out);
	return -1;
}

int
needs_key_possible(const struct dag *up, const char *key, int64_t at,
		   char *why, size_t n)
{
	char want[96];
	int64_t t, s, e;

	if (up->schedule == NULL)
		return 1;
	if (tz_parse_time(up->tz, key, &t, NULL) == 0 &&
	    dag_interval_at(up, t, &s, &e) == 0) {
		dag_partition_key(up, s, want, sizeof want);
		if (strcmp(want, key) == 0)
			return 1;
		snprintf(why, n, "'%s' is never a partition key of %s: the partition "
			 "of %s holding that time is %s", key, up->name, up->name, want);
		return 0;
	}
	if (dag_interval_at(up, at, &s, &e) == 0)
		snprintf(why, n, "'%s' is never a partition key of %s: its keys are "
			 "the starts of its partitions, like %s", key, up->name,
			 dag_partition_key(up, s, want, sizeof want));
	else
		snprintf(why, n, "'%s' is never a partition key of %s: its keys are "
			 "the starts of its partitions, with their offset", key,
			 up->name);
	return 0;
}

/* "2026-12-03T13:00+05:30" in up's zone (the offset says which 13:00 to a
 * reader in another zone); with first (the start of the range t ends)
 * only "15:00" when t falls on first's local date at first's offset. */
static void
short_time(const struct dag *up, int64_t t, int64_t first, char *out,
	   size_t n)
{
	struct tm a, b;
	char off[16];

	tz_local(up->tz, t, &a);
	if (first != INT64_MIN) {
		tz_local(up->tz, first, &b);
		if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday &&
		    a.tm_gmtoff == b.tm_gmtoff) {
			snprintf(out, n, "%02d:%02d", a.tm_hour, a.tm_min);
			return;
		}
	}
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d%s", a.tm_year + 1900,
		 a.tm_mon + 1, a.tm_mday, a.tm_hour, a.tm_min,
		 tz_offset_iso(a.tm_gmtoff, off, sizeof off));
}

const char *
needs_describe(const struct dag *up, const char *what,
	       const struct needs_part *parts, size_t n,
	       const unsigned char *missing, char *out, size_t size)
{
	size_t done = 0, off, ranges = 0;
	char a[64], b[64];

	for (size_t i = 0; i < n; i++)
		done += !missing[i];
	off = (size_t)snprintf(out, size, "%s: %zu of %zu partition%s", what,
			       done, n, n == 1 ? "" : "s");
	if (done == n || off >= size)
		return out;
	off += (size_t)snprintf(out + off, size - off, ", missing ");
	for (size_t i = 0; i < n && off < size; i++) {
		size_t j = i;

		if (!missing[i])
			continue;
		while (j + 1 < n && missing[j + 1])
			j++;
		if (ranges++ == 3) {
			snprintf(out + off, size - off, ", ...");
			return out;
		}
		short_time(up, parts[i].start, INT64_MIN, a, sizeof a);
		if (j > i) {
			short_time(up, parts[j].start, parts[i].start, b,
				   sizeof b);
			off += (size_t)snprintf(out + off, size - off,
						"%s%s\xe2\x80\x93%s",
						ranges > 1 ? ", " : "", a, b);
		} else
			off += (size_t)snprintf(out + off, size - off, "%s%s",
						ranges > 1 ? ", " : "", a);
		i = j;
	}
	return out;
}
