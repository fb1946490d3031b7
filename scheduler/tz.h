/*
 * tz.h: IANA time zones for schedules and for the times users type.
 *
 * A struct tz names a zone of the system's tz database (a TZif file under
 * $TZDIR or /usr/share/zoneinfo). tz.c reads the file itself, its table of
 * transitions and the POSIX rule of its footer for instants past the
 * table: no function here reads or sets the process TZ, so converting a
 * time in one zone never changes what another part of the process (or a
 * child it starts) sees. Zone objects are not thread-safe (each keeps a
 * cache).
 *
 * Instants are int64_t seconds since the Unix epoch (UTC). Supported
 * instants lie in [TZ_T_MIN, TZ_T_MAX] (years 0001 to 9999).
 *
 * Ownership: tz_load returns a reference to a shared, cached object; every
 * successful tz_load is matched by one tz_free.
 */
#ifndef SLUICE_TZ_H
#define SLUICE_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/util.h"

#define TZ_T_MIN INT64_C(-62135596800)	/* 0001-01-01T00:00:00Z */
#define TZ_T_MAX INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */

struct tz;

/* Load a zone by IANA name ("UTC", "Europe/Berlin"). Unknown names and
 * names that are not plain zone paths ("..", leading '/') are errors. */
int tz_load(const char *name, struct tz **out, struct sl_err *err);

/* For a name tz_load refused: the zone meant in out, or "" when none is
 * near: a fixed offset's Etc/ zone ("Etc/GMT-2" for "UTC+2" or "+02:00"),
 * the name in its letter case ("America/New_York" for
 * "america/new_york"), or the nearest zone of its region's folder
 * ("America/Edmonton" for "America/Edmunton"). */
void tz_suggest(const char *name, char *out, size_t n);
void tz_free(struct tz *tz);
const char *tz_name(const struct tz *tz);
int tz_is_utc(const struct tz *tz);

/* Wall time of instant t in the zone (NULL: UTC), with tm_gmtoff and
 * tm_zone set. */
void tz_local(const struct tz *tz, int64_t t, struct tm *out);

/* Wall time (year, mon, mday, hour, min, sec of *wall; out-of-range fields
 * are normalised as timegm does) to instant. Returns 0 when the wall time
 * exists once (*t), 1 when it is ambiguous (fall back: *t is the first
 * occurrence, *t2 the second), 2 when it does not exist (spring forward:
 * *t is the first instant after the gap, the transition). t2 may be NULL. */
int tz_wall_to_instant(const struct tz *tz, const struct tm *wall, int64_t *t,
		       int64_t *t2);

/* "2024-03-10T00:05:00-07:00" ("+00:00" for UTC, also when tz is NULL;
 * seconds are added to the offset only for historical offsets that have
 * them). Returns out. Every time shown to a person (the CLI, the reasons a
 * task waits) is written so, like a partition key: never "Z" beside
 * "+00:00". */
const char *tz_iso(const struct tz *tz, int64_t t, char *out, size_t n);

/* A UTC offset in seconds as tz_iso writes it: "+05:30", "-07:00",
 * "+00:00" (seconds added only when it has them). Returns out. */
const char *tz_offset_iso(long gmtoff, char *out, size_t n);

/* strftime of t in the zone; %s gives the epoch seconds of t. Returns what
 * strftime returns (0 when it did not fit). */
size_t tz_strftime(const struct tz *tz, int64_t t, const char *fmt, char *out,
		   size_t n);

/* Parse "2024-01-05", "2024-01-05T07", "2024-01-05T07:30",
 * "2024-01-05 07:30:00", each optionally followed by "Z", "+02:00", "+0200"
 * or "+02". Without an offset the wall time is read in tz (a repeated wall
 * time gives its first occurrence, a skipped one the end of the gap). */
int tz_parse_time(const struct tz *tz, const char *s, int64_t *t,
		  struct sl_err *err);
/* The same, saying what the wall time was, as tz_naive_to_instant does: 0
 * when it names one instant (an offset or Z given, or a wall time that
 * exists once), 1 when it happens twice (*t the first, *t2 the second),
 * 2 when the zone skips it (*t = *t2 = the end of the gap); -1 with err
 * when s is not a time. t2 may be NULL. */
int tz_parse_wall(const struct tz *tz, const char *s, int64_t *t, int64_t *t2,
		  struct sl_err *err);

/*
 * For cron.c: the zone's UTC offset as a piecewise-constant function of
 * the instant, read from a per-year cache built from the zone's file.
 */

/* UTC offset in seconds (local = t + offset) at instant t. */
int tz_offset_at(const struct tz *tz, int64_t t);
/* The span [*start, *end) around t over which the offset stays *offset.
 * *start is INT64_MIN and *end INT64_MAX when the offset does not change
 * for at least six years on that side. */
void tz_span(const struct tz *tz, int64_t t, int64_t *start, int64_t *end,
	     int *offset);
/* tz_wall_to_instant for a wall time given as seconds since
 * 1970-01-01T00:00:00 on the wall clock ("naive" local seconds). */
int tz_naive_to_instant(const struct tz *tz, int64_t naive, int64_t *t,
			int64_t *t2);

/* A month (2026-12) or an ISO 8601 week (2026-W49): 1 and the days
 * (since 1970-01-01) of its first and last day; 0 when s is neither. */
int tz_month_or_week(const char *s, int64_t *first, int64_t *last);

/* Proleptic Gregorian calendar helpers. */
int64_t tz_days_from_civil(int64_t y, int m, int d);
void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int tz_days_in_month(int64_t y, int m);

#endif
