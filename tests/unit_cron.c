/*
 * unit_cron.c: cron parsing (every error and its exact message) and ticks
 * (a table of expression x zone x instant -> next and previous tick,
 * worked out by hand from the zones' rules, DST days included), then
 * properties over random instants: next/prev are inverse, and agree with
 * a brute-force walk minute by minute that uses the C library's
 * localtime (not the offset cache cron uses).
 * (Past 800 lines: most of it is the hand-worked table of ticks.)
 */
#include "scheduler/cron.h"

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tests/unit.h"

static struct tz *utc;

static struct tz *
load(const char *name)
{
	struct sl_err err;
	struct tz *tz;

	if (tz_load(name, &tz, &err) < 0) {
		printf("cannot load %s: %s\n", name, err.msg);
		exit(1);
	}
	return tz;
}

static struct cron *
parse(const char *expr)
{
	struct sl_err err;
	struct cron *c;

	if (cron_parse(expr, &c, &err) < 0) {
		printf("FAIL cannot parse '%s': %s\n", expr, err.msg);
		return NULL;
	}
	return c;
}

/* A UTC instant written "2024-03-10T07:00Z"-style; "-" is none (-1). */
static int64_t
at(const char *s)
{
	struct sl_err err;
	int64_t t;

	if (strcmp(s, "-") == 0)
		return -1;
	if (tz_parse_time(utc, s, &t, &err) < 0) {
		printf("bad instant in table: %s\n", err.msg);
		exit(1);
	}
	return t;
}

static const char *
show(int64_t t, char *out, size_t n)
{
	if (t == -1)
		return "-";
	return tz_iso(utc, t, out, n);
}

struct tick_case {
	const char *expr;
	const char *zone;
	const char *at;		/* UTC */
	const char *next;	/* smallest tick > at (UTC) */
	const char *prev;	/* largest tick <= at (UTC) */
};

/* Local times in the comments; 2024-01-01 was a Monday. */
static const struct tick_case tick_cases[] = {
	/* ---- UTC: every field form ---- */
	{ "*/15 * * * *", "UTC", "2024-01-01T00:07:30Z",
	  "2024-01-01T00:15Z", "2024-01-01T00:00Z" },
	{ "*/15 * * * *", "UTC", "2024-01-01T00:15Z",
	  "2024-01-01T00:30Z", "2024-01-01T00:15Z" },
	{ "* * * * *", "UTC", "2024-01-01T00:00:30Z",
	  "2024-01-01T00:01Z", "2024-01-01T00:00Z" },
	{ "5 * * * *", "UTC", "2024-01-01T10:05Z",
	  "2024-01-01T11:05Z", "2024-01-01T10:05Z" },
	/* 10,30,50 */
	{ "10-50/20 * * * *", "UTC", "2024-01-01T10:51Z",
	  "2024-01-01T11:10Z", "2024-01-01T10:50Z" },
	/* 5,20,35,50 */
	{ "5/15 * * * *", "UTC", "2024-01-01T10:36Z",
	  "2024-01-01T10:50Z", "2024-01-01T10:35Z" },
	{ "1,5,7 3 * * *", "UTC", "2024-01-01T03:05Z",
	  "2024-01-01T03:07Z", "2024-01-01T03:05Z" },
	{ "0 */6 * * *", "UTC", "2024-01-01T19:00Z",
	  "2024-01-02T00:00Z", "2024-01-01T18:00Z" },
	/* Friday 17:30 -> Monday 09:00 */
	{ "0 9-17 * * 1-5", "UTC", "2024-01-05T17:30Z",
	  "2024-01-08T09:00Z", "2024-01-05T17:00Z" },
	/* Saturday -> Monday, Friday before */
	{ "0 0 * * MON-FRI", "UTC", "2024-01-06T12:00Z",
	  "2024-01-08T00:00Z", "2024-01-05T00:00Z" },
	/* Sundays of January and July: Jan 28 2024, then Jul 7 2024 */
	{ "0 12 * JAN,jul sun", "UTC", "2024-01-29T00:00Z",
	  "2024-07-07T12:00Z", "2024-01-28T12:00Z" },
	/* Saturday and Sunday: "sat-sun" wraps to 6,7 */
	{ "0 0 * * sat-sun", "UTC", "2024-01-03T00:00Z",
	  "2024-01-06T00:00Z", "2023-12-31T00:00Z" },
	{ "0 0 * * 7", "UTC", "2024-01-01T00:00Z",
	  "2024-01-07T00:00Z", "2023-12-31T00:00Z" },
	{ "0 0 * * 0", "UTC", "2024-01-01T00:00Z",
	  "2024-01-07T00:00Z", "2023-12-31T00:00Z" },
	{ "0 0 1 mar-May *", "UTC", "2024-06-15T00:00Z",
	  "2025-03-01T00:00Z", "2024-05-01T00:00Z" },
	/* dom OR dow: 13th or Friday. 2024-09-01 is a Sunday; Friday
	 * Sep 6 comes first; before it Friday Aug 30 */
	{ "0 0 13 * FRI", "UTC", "2024-09-01T00:00Z",
	  "2024-09-06T00:00Z", "2024-08-30T00:00Z" },
	/* dom starts with '*': AND. Odd-day Fridays: Sep 13, Aug 23 */
	{ "0 0 */2 * FRI", "UTC", "2024-09-01T00:00Z",
	  "2024-09-13T00:00Z", "2024-08-23T00:00Z" },
	/* dow '*': only the 13th */
	{ "0 0 13 * *", "UTC", "2024-09-01T00:00Z",
	  "2024-09-13T00:00Z", "2024-08-13T00:00Z" },
	/* 1st, 15th or Friday: Thu Feb 15 next, Fri Feb 9 before */
	{ "30 4 1,15 * 5", "UTC", "2024-02-10T00:00Z",
	  "2024-02-15T04:30Z", "2024-02-09T04:30Z" },
	/* Feb 29: 2024, then 2028 */
	{ "0 0 29 2 *", "UTC", "2024-03-01T00:00Z",
	  "2028-02-29T00:00Z", "2024-02-29T00:00Z" },
	{ "0 0 30 2 *", "UTC", "2024-01-01T00:00Z", "-", "-" },
	/* end of month: May 31, Mar 31 (April has 30 days) */
	{ "0 0 31 * *", "UTC", "2024-04-01T00:00Z",
	  "2024-05-31T00:00Z", "2024-03-31T00:00Z" },
	{ "59 23 31 12 *", "UTC", "2024-06-01T00:00Z",
	  "2024-12-31T23:59Z", "2023-12-31T23:59Z" },
	{ "0 0 1 1 *", "UTC", "2024-12-31T23:59:59Z",
	  "2025-01-01T00:00Z", "2024-01-01T00:00Z" },
	/* ---- macros ---- */
	{ "@hourly", "UTC", "2024-01-01T10:30Z",
	  "2024-01-01T11:00Z", "2024-01-01T10:00Z" },
	{ "@daily", "UTC", "2024-01-01T10:30Z",
	  "2024-01-02T00:00Z", "2024-01-01T00:00Z" },
	{ "@midnight", "UTC", "2024-01-01T10:30Z",
	  "2024-01-02T00:00Z", "2024-01-01T00:00Z" },
	{ "@weekly", "UTC", "2024-01-03T00:00Z",
	  "2024-01-07T00:00Z", "2023-12-31T00:00Z" },
	{ "@monthly", "UTC", "2024-02-15T00:00Z",
	  "2024-03-01T00:00Z", "2024-02-01T00:00Z" },
	{ "@yearly", "UTC", "2024-02-15T00:00Z",
	  "2025-01-01T00:00Z", "2024-01-01T00:00Z" },
	{ "@ANNUALLY", "UTC", "2024-02-15T00:00Z",
	  "2025-01-01T00:00Z", "2024-01-01T00:00Z" },

	/* ---- America/New_York, spring forward 2024-03-10 02:00 EST ->
	 * 03:00 EDT (07:00Z) ---- */
	/* 02:30 does not exist: fires at 03:00 EDT = 07:00Z; before: Mar 9
	 * 02:30 EST = 07:30Z */
	{ "30 2 * * *", "America/New_York", "2024-03-10T00:00Z",
	  "2024-03-10T07:00Z", "2024-03-09T07:30Z" },
	/* then Mar 11 02:30 EDT = 06:30Z */
	{ "30 2 * * *", "America/New_York", "2024-03-10T07:00Z",
	  "2024-03-11T06:30Z", "2024-03-10T07:00Z" },
	/* at 01:30 EST: no 02:00, next 03:00 EDT = 07:00Z; 01:00 EST = 06Z */
	{ "0 * * * *", "America/New_York", "2024-03-10T06:30Z",
	  "2024-03-10T07:00Z", "2024-03-10T06:00Z" },
	{ "0 * * * *", "America/New_York", "2024-03-10T07:00Z",
	  "2024-03-10T08:00Z", "2024-03-10T07:00Z" },
	/* at 01:45 EST: next wall :00 is 03:00 EDT */
	{ "*/15 * * * *", "America/New_York", "2024-03-10T06:45Z",
	  "2024-03-10T07:00Z", "2024-03-10T06:45Z" },
	/* 02:00 skipped -> 07:00Z; Mar 9 02:00 EST = 07:00Z */
	{ "0 2 * * *", "America/New_York", "2024-03-10T06:59:59Z",
	  "2024-03-10T07:00Z", "2024-03-09T07:00Z" },
	/* 02:00 (skipped) and 03:00 both at 07:00Z: one tick; then Mar 11
	 * 02:00 EDT = 06:00Z */
	{ "0 2,3 * * *", "America/New_York", "2024-03-10T06:00Z",
	  "2024-03-10T07:00Z", "2024-03-09T08:00Z" },
	{ "0 2,3 * * *", "America/New_York", "2024-03-10T07:00Z",
	  "2024-03-11T06:00Z", "2024-03-10T07:00Z" },
	/* ---- New York fall back 2024-11-03 02:00 EDT -> 01:00 EST
	 * (06:00Z); 01:xx happens at 05:xxZ (EDT) and 06:xxZ (EST) ---- */
	/* fixed 01:30 fires once, at 01:30 EDT = 05:30Z; Nov 2 01:30 EDT
	 * = 05:30Z */
	{ "30 1 * * *", "America/New_York", "2024-11-03T00:00Z",
	  "2024-11-03T05:30Z", "2024-11-02T05:30Z" },
	/* not again at 06:30Z: next is Nov 4 01:30 EST = 06:30Z */
	{ "30 1 * * *", "America/New_York", "2024-11-03T05:30Z",
	  "2024-11-04T06:30Z", "2024-11-03T05:30Z" },
	/* from 01:45 EST (second copy) */
	{ "30 1 * * *", "America/New_York", "2024-11-03T06:45Z",
	  "2024-11-04T06:30Z", "2024-11-03T05:30Z" },
	/* 01:00 EST (second copy) -> prev is 01:00 EDT = 05:00Z */
	{ "0 1 * * *", "America/New_York", "2024-11-03T06:00Z",
	  "2024-11-04T06:00Z", "2024-11-03T05:00Z" },
	/* wildcard :30 fires in both copies: 05:30Z and 06:30Z */
	{ "30 * * * *", "America/New_York", "2024-11-03T05:30Z",
	  "2024-11-03T06:30Z", "2024-11-03T05:30Z" },
	{ "30 * * * *", "America/New_York", "2024-11-03T06:00Z",
	  "2024-11-03T06:30Z", "2024-11-03T05:30Z" },
	/* after 01:30 EST comes 02:30 EST = 07:30Z */
	{ "30 * * * *", "America/New_York", "2024-11-03T06:30Z",
	  "2024-11-03T07:30Z", "2024-11-03T06:30Z" },

	/* ---- Europe/Berlin: 2024-03-31 02:00 CET -> 03:00 CEST (01:00Z);
	 * 2024-10-27 03:00 CEST -> 02:00 CET (01:00Z) ---- */
	/* 02:30 skipped -> 01:00Z; Mar 30 02:30 CET = 01:30Z */
	{ "30 2 * * *", "Europe/Berlin", "2024-03-30T12:00Z",
	  "2024-03-31T01:00Z", "2024-03-30T01:30Z" },
	/* Oct 27 02:30 twice -> first, CEST = 00:30Z; Oct 26 02:30 CEST =
	 * 00:30Z */
	{ "30 2 * * *", "Europe/Berlin", "2024-10-26T12:00Z",
	  "2024-10-27T00:30Z", "2024-10-26T00:30Z" },
	/* then Oct 28 02:30 CET = 01:30Z */
	{ "30 2 * * *", "Europe/Berlin", "2024-10-27T00:30Z",
	  "2024-10-28T01:30Z", "2024-10-27T00:30Z" },
	/* wildcard minute: 02:00, 02:30 CEST (00:00Z, 00:30Z), then 02:00,
	 * 02:30 CET (01:00Z, 01:30Z) */
	{ "*/30 2 * * *", "Europe/Berlin", "2024-10-27T00:00Z",
	  "2024-10-27T00:30Z", "2024-10-27T00:00Z" },
	{ "*/30 2 * * *", "Europe/Berlin", "2024-10-27T00:45Z",
	  "2024-10-27T01:00Z", "2024-10-27T00:30Z" },
	/* then Oct 28 02:00 CET = 01:00Z */
	{ "*/30 2 * * *", "Europe/Berlin", "2024-10-27T01:30Z",
	  "2024-10-28T01:00Z", "2024-10-27T01:30Z" },
	/* no hour 2 on Mar 31: Apr 1 02:00 CEST = 00:00Z; Mar 30 02:30 CET
	 * = 01:30Z */
	{ "*/30 2 * * *", "Europe/Berlin", "2024-03-31T00:00Z",
	  "2024-04-01T00:00Z", "2024-03-30T01:30Z" },

	/* ---- America/Edmonton, 00:05 daily (MST -7, MDT -6) ---- */
	/* Jan 16 00:05 MST = 07:05Z; Jan 15 00:05 MST = 07:05Z */
	{ "5 0 * * *", "America/Edmonton", "2024-01-15T12:00Z",
	  "2024-01-16T07:05Z", "2024-01-15T07:05Z" },
	/* Mar 10 00:05 MST = 07:05Z; Mar 11 00:05 MDT = 06:05Z */
	{ "5 0 * * *", "America/Edmonton", "2024-03-10T07:05Z",
	  "2024-03-11T06:05Z", "2024-03-10T07:05Z" },
	/* Nov 3 00:05 MDT = 06:05Z; Nov 4 00:05 MST = 07:05Z */
	{ "5 0 * * *", "America/Edmonton", "2024-11-03T06:05Z",
	  "2024-11-04T07:05Z", "2024-11-03T06:05Z" },

	/* ---- Australia/Lord_Howe: 30-minute shifts. 2024-04-07 02:00
	 * (+11) -> 01:30 (+10:30) at 2024-04-06 15:00Z; 2024-10-06 02:00
	 * (+10:30) -> 02:30 (+11) at 2024-10-05 15:30Z ---- */
	/* 01:45 twice: first (+11) = 14:45Z; Apr 6 01:45 +11 = Apr 5
	 * 14:45Z */
	{ "45 1 * * *", "Australia/Lord_Howe", "2024-04-06T12:00Z",
	  "2024-04-06T14:45Z", "2024-04-05T14:45Z" },
	/* then Apr 8 01:45 +10:30 = Apr 7 15:15Z */
	{ "45 1 * * *", "Australia/Lord_Howe", "2024-04-06T14:45Z",
	  "2024-04-07T15:15Z", "2024-04-06T14:45Z" },
	/* wildcard: both copies, 14:45Z and 15:15Z, then 02:45 = 16:15Z */
	{ "45 * * * *", "Australia/Lord_Howe", "2024-04-06T14:45Z",
	  "2024-04-06T15:15Z", "2024-04-06T14:45Z" },
	{ "45 * * * *", "Australia/Lord_Howe", "2024-04-06T15:15Z",
	  "2024-04-06T16:15Z", "2024-04-06T15:15Z" },
	/* 02:15 skipped -> 15:30Z; Oct 5 02:15 +10:30 = Oct 4 15:45Z */
	{ "15 2 * * *", "Australia/Lord_Howe", "2024-10-05T12:00Z",
	  "2024-10-05T15:30Z", "2024-10-04T15:45Z" },
	/* at 01:59 +10:30: next :30 is 02:30 +11 = 15:30Z; prev 01:45 =
	 * 15:15Z */
	{ "*/15 * * * *", "Australia/Lord_Howe", "2024-10-05T15:29Z",
	  "2024-10-05T15:30Z", "2024-10-05T15:15Z" },

	/* ---- Asia/Kathmandu +05:45 ---- */
	/* Jan 2 00:00 = Jan 1 18:15Z; Jan 1 00:00 = Dec 31 18:15Z */
	{ "0 0 * * *", "Asia/Kathmandu", "2024-01-01T00:00Z",
	  "2024-01-01T18:15Z", "2023-12-31T18:15Z" },
	/* 05:45 local: next 06:00 = 00:15Z, prev 05:30 = 23:45Z */
	{ "*/30 * * * *", "Asia/Kathmandu", "2024-01-01T00:00Z",
	  "2024-01-01T00:15Z", "2023-12-31T23:45Z" },
};

static void
test_ticks(void)
{
	char a[64], b[64];
	size_t i;

	for (i = 0; i < SL_ARRAY_LEN(tick_cases); i++) {
		const struct tick_case *k = &tick_cases[i];
		struct cron *c = parse(k->expr);
		struct tz *tz = load(k->zone);
		int64_t t = at(k->at), next, prev;

		if (c == NULL) {
			unit_case_failed = 1;
			tz_free(tz);
			continue;
		}
		next = cron_next(c, tz, t);
		prev = cron_prev(c, tz, t);
		CHECK_MSG(next == at(k->next), "'%s' %s next after %s: %s, want %s",
		      k->expr, k->zone, k->at, show(next, a, sizeof(a)),
		      k->next);
		CHECK_MSG(prev == at(k->prev), "'%s' %s prev at %s: %s, want %s",
		      k->expr, k->zone, k->at, show(prev, b, sizeof(b)),
		      k->prev);
		cron_free(c);
		tz_free(tz);
	}
}

struct error_case {
	const char *expr;
	const char *msg;
};

static const struct error_case error_cases[] = {
	{ "x 1 * * *",
	  "cron 'x 1 * * *': minute field: 'x' is not a number or name" },
	{ "0 24 * * *",
	  "cron '0 24 * * *': hour field: 24 is out of range 0-23" },
	{ "0 0 * *", "cron '0 0 * *': expected 5 fields, got 4" },
	{ "0 0 * * * *", "cron '0 0 * * * *': expected 5 fields, got 6 (minute "
	  "hour day-of-month month day-of-week: there is no seconds or year field)" },
	{ "", "cron '': expected 5 fields, got 0" },
	{ "none", "cron 'none': expected 5 fields, got 1" },
	{ "60 * * * *",
	  "cron '60 * * * *': minute field: 60 is out of range 0-59" },
	{ "0 0 0 * *",
	  "cron '0 0 0 * *': day-of-month field: 0 is out of range 1-31" },
	{ "0 0 32 * *",
	  "cron '0 0 32 * *': day-of-month field: 32 is out of range 1-31" },
	{ "0 0 * 13 *",
	  "cron '0 0 * 13 *': month field: 13 is out of range 1-12" },
	{ "0 0 * 0 *",
	  "cron '0 0 * 0 *': month field: 0 is out of range 1-12" },
	{ "0 0 * * 8",
	  "cron '0 0 * * 8': day-of-week field: 8 is out of range 0-7" },
	{ "0 0 * FOO *",
	  "cron '0 0 * FOO *': month field: 'FOO' is not a number or name" },
	{ "0 0 * * MONDAY",
	  "cron '0 0 * * MONDAY': day-of-week field: 'MONDAY' is not a "
	  "number or name" },
	{ "MON 0 * * *",
	  "cron 'MON 0 * * *': minute field: 'MON' is not a number or name" },
	{ "0 0 * JAN-FOO *",
	  "cron '0 0 * JAN-FOO *': month field: 'FOO' is not a number or "
	  "name" },
	{ "*/0 * * * *",
	  "cron '*/0 * * * *': minute field: step 0 is out of range 1-60" },
	{ "*/61 * * * *",
	  "cron '*/61 * * * *': minute field: step 61 is out of range 1-60" },
	{ "*/x * * * *",
	  "cron '*/x * * * *': minute field: step 'x' is not a number" },
	{ "*/ * * * *",
	  "cron '*/ * * * *': minute field: '*/' has no step after '/'" },
	{ "30-10 * * * *",
	  "cron '30-10 * * * *': minute field: range '30-10' ends before "
	  "it starts" },
	{ "0 0 * * FRI-MON",
	  "cron '0 0 * * FRI-MON': day-of-week field: range 'FRI-MON' ends "
	  "before it starts" },
	{ "1,,2 * * * *",
	  "cron '1,,2 * * * *': minute field: empty list item in '1,,2'" },
	{ "1, * * * *",
	  "cron '1, * * * *': minute field: empty list item in '1,'" },
	{ "-5 * * * *",
	  "cron '-5 * * * *': minute field: '-5' is not a number or name" },
	{ "5- * * * *",
	  "cron '5- * * * *': minute field: '' is not a number or name" },
	{ "1-2-3 * * * *",
	  "cron '1-2-3 * * * *': minute field: '2-3' is not a number or "
	  "name" },
	{ "** * * * *",
	  "cron '** * * * *': minute field: '**' is not a number or name" },
	{ "99999999999 * * * *",
	  "cron '99999999999 * * * *': minute field: 99999999999 is out of "
	  "range 0-59" },
	{ "@reboot",
	  "cron '@reboot': unknown macro '@reboot' (known: @hourly, @daily, "
	  "@midnight, @weekly, @monthly, @yearly, @annually)" },
	{ "@once",
	  "cron '@once': unknown macro '@once' (known: @hourly, @daily, "
	  "@midnight, @weekly, @monthly, @yearly, @annually)" },
	{ "@daily 5", "cron '@daily 5': nothing may follow '@daily'" },
	{ "@dayly",
	  "cron '@dayly': unknown macro '@dayly' (did you mean '@daily'? "
	  "known: @hourly, @daily, @midnight, @weekly, @monthly, @yearly, "
	  "@annually)" },
	{ "@every 5m",
	  "cron '@every 5m': unknown macro '@every' (known: @hourly, @daily, "
	  "@midnight, @weekly, @monthly, @yearly, @annually) (a schedule is a "
	  "cron line, not an interval: every hour is @hourly or '0 * * * *', "
	  "every 15 minutes '*/15 * * * *')" },
	{ "1h", "cron '1h': expected 5 fields, got 1 (a schedule is a cron line, "
	  "not an interval: every hour is @hourly or '0 * * * *', every 15 "
	  "minutes '*/15 * * * *')" },
};

/* Lines that parse but never tick: the DAG loader refuses them. */
static void
test_never_ticks(void)
{
	static const struct {
		const char *expr;
		int never;
	} cases[] = {
		{ "0 0 31 4 *", 1 },		/* April 31 */
		{ "0 0 30,31 2 *", 1 },	/* February 30, 31 */
		{ "0 0 31 apr,jun,sep,nov *", 1 },
		{ "0 0 29 2 *", 0 },		/* leap years */
		{ "0 0 31 4,5 *", 0 },		/* May 31 */
		{ "0 0 31 4 mon", 0 },		/* or any Monday of April */
		{ "0 0 31 * *", 0 },
		{ "0 0 * 2 *", 0 },
		{ "@daily", 0 },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct cron *c = parse(cases[i].expr);

		if (c == NULL)
			continue;
		CHECK_MSG(cron_never_ticks(c) == cases[i].never, "'%s': want %d",
			  cases[i].expr, cases[i].never);
		cron_free(c);
	}
}

static void
test_errors(void)
{
	struct sl_err err;
	struct cron *c;
	size_t i;

	for (i = 0; i < SL_ARRAY_LEN(error_cases); i++) {
		c = (struct cron *)1;
		memset(&err, 0, sizeof(err));
		CHECK_MSG(cron_parse(error_cases[i].expr, &c, &err) < 0 &&
		      c == NULL && strcmp(err.msg, error_cases[i].msg) == 0,
		      "'%s': got '%s', want '%s'", error_cases[i].expr,
		      err.msg, error_cases[i].msg);
	}
}

static void
test_parse_ok(void)
{
	static const struct {
		const char *expr;
		int wildcard;
	} ok[] = {
		{ "*/15 * * * *", 1 }, { "5 * * * *", 1 }, { "0 */2 * * *", 1 },
		{ "30 2 * * *", 0 }, { "5 0 * * *", 0 }, { "@hourly", 1 },
		{ "@daily", 0 }, { "  0  0\t* * *  ", 0 },
		{ "0-59 0-23 * * *", 0 }, { "0 0 * * 0-7", 0 },
		{ "0 0 ? * *", -1 },
	};
	struct sl_err err;
	struct cron *c;
	size_t i;

	for (i = 0; i < SL_ARRAY_LEN(ok); i++) {
		int r = cron_parse(ok[i].expr, &c, &err);

		if (ok[i].wildcard < 0) {
			/* Quartz's '?' is not cron syntax */
			CHECK_MSG(r < 0, "'%s' should fail", ok[i].expr);
			continue;
		}
		CHECK_MSG(r == 0, "'%s': %s", ok[i].expr, err.msg);
		if (r < 0)
			continue;
		CHECK_MSG(cron_is_wildcard(c) == ok[i].wildcard, "'%s' wildcard",
		      ok[i].expr);
		CHECK_MSG(strcmp(cron_text(c), ok[i].expr) == 0, "text '%s'",
		      cron_text(c));
		cron_free(c);
	}
}

static const char *const prop_zones[] = {
	"UTC", "America/New_York", "Europe/Berlin", "America/Edmonton",
	"Australia/Lord_Howe", "Asia/Kathmandu", "America/Santiago",
	"Pacific/Apia",
};

static const char *const prop_exprs[] = {
	"*/15 * * * *", "5 * * * *", "0 */2 * * *", "30 2 * * *",
	"30 1 * * *", "5 0 * * *", "0 0 * * *", "0,30 0-3 * * *",
	"0 9-17 * * 1-5", "0 0 13 * 5", "0 0 29 2 *", "@weekly",
	"@monthly", "45 * * * *", "*/7 2 * * *", "0 0 * * *",
	"15 2 * 3,10 0",
};

static uint64_t seed = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* Inverse properties at random instants 1995..2045. */
static void
test_properties(void)
{
	size_t z, e;
	int i, bad = 0;

	for (z = 0; z < SL_ARRAY_LEN(prop_zones); z++) {
		struct tz *tz = load(prop_zones[z]);

		for (e = 0; e < SL_ARRAY_LEN(prop_exprs); e++) {
			struct cron *c = parse(prop_exprs[e]);

			if (c == NULL) {
				unit_case_failed = 1;
				continue;
			}
			for (i = 0; i < 150; i++) {
				int64_t t = 788918400 +
					(int64_t)(rnd() % 1577836800);
				int64_t n = cron_next(c, tz, t);
				int64_t p = cron_prev(c, tz, t);

				if (n <= t || p > t || p == -1 ||
				    cron_prev(c, tz, n) != n ||
				    cron_prev(c, tz, n - 1) != p ||
				    cron_next(c, tz, p) != n ||
				    cron_next(c, tz, p - 1) != p) {
					if (bad++ < 10)
						printf("FAIL property '%s' %s "
						       "at %" PRId64 ": next %"
						       PRId64 " prev %" PRId64
						       "\n", prop_exprs[e],
						       prop_zones[z], t, n, p);
				}
			}
			cron_free(c);
		}
		tz_free(tz);
	}
	CHECK_MSG(bad == 0, "%d property failures", bad);
}

/* Does wall time tm match c? The test's own reading of the fields. */
struct brute {
	uint64_t min, hour, dom, mon, dow;
	int dom_star, dow_star;
};

static int
brute_matches(const struct brute *b, const struct tm *tm)
{
	int dom_ok = (b->dom >> tm->tm_mday) & 1;
	int dow_ok = (b->dow >> tm->tm_wday) & 1;
	int day = (b->dom_star || b->dow_star) ? dom_ok && dow_ok
		: dom_ok || dow_ok;

	return tm->tm_sec == 0 && ((b->min >> tm->tm_min) & 1) &&
		((b->hour >> tm->tm_hour) & 1) &&
		((b->mon >> (tm->tm_mon + 1)) & 1) && day;
}

struct brute_case {
	const char *expr;
	struct brute b;
	int wildcard;
};

#define ALL60 ((UINT64_C(1) << 60) - 1)
#define ALL24 ((UINT64_C(1) << 24) - 1)
#define ALLDOM (((UINT64_C(1) << 32) - 1) & ~UINT64_C(1))
#define ALLMON (((UINT64_C(1) << 13) - 1) & ~UINT64_C(1))
#define ALLDOW ((UINT64_C(1) << 7) - 1)

static const struct brute_case brute_cases[] = {
	{ "*/15 * * * *", { 0x0000000000000000ULL | (1ULL << 0) | (1ULL << 15)
	  | (1ULL << 30) | (1ULL << 45), ALL24, ALLDOM, ALLMON, ALLDOW, 1, 1 },
	  1 },
	{ "30 * * * *", { 1ULL << 30, ALL24, ALLDOM, ALLMON, ALLDOW, 1, 1 },
	  1 },
	{ "30 2 * * *", { 1ULL << 30, 1ULL << 2, ALLDOM, ALLMON, ALLDOW, 1,
	  1 }, 0 },
	{ "0 1,2 * * *", { 1ULL, (1ULL << 1) | (1ULL << 2), ALLDOM, ALLMON,
	  ALLDOW, 1, 1 }, 0 },
	{ "45 1 * * *", { 1ULL << 45, 1ULL << 1, ALLDOM, ALLMON, ALLDOW, 1,
	  1 }, 0 },
	{ "0 0 * * *", { 1ULL, 1ULL, ALLDOM, ALLMON, ALLDOW, 1, 1 }, 0 },
	{ "15 0-3 * * 0", { 1ULL << 15, 0xfULL, ALLDOM, ALLMON, 1ULL, 1, 0 },
	  0 },
};

/*
 * Walk instants minute by minute (minute-aligned offsets only) over
 * [from, to) and list ticks from the definition, with localtime: a
 * wildcard tick is any minute whose wall time matches; a fixed tick is the
 * first time a matching wall time is seen, or, right after a jump forward,
 * the jump's instant if a skipped wall time matched. Compare with
 * cron_next chained from the start, and cron_prev at each tick. Adds to
 * *bad and *compared.
 */
static void
brute_window(struct tz *tz, const char *zone, int64_t from, int64_t to,
	     int *bad, int *compared)
{
	size_t k;

	for (k = 0; k < SL_ARRAY_LEN(brute_cases); k++) {
		const struct brute_case *bc = &brute_cases[k];
		struct cron *c = parse(bc->expr);
		int64_t t, prev_wall = INT64_MIN, max_wall = INT64_MIN;
		int64_t got = from - 1;
		int seen_first = 0;

		if (c == NULL) {
			(*bad)++;
			continue;
		}
		for (t = from; t < to; t += 60) {
			struct tm tm;
			int64_t wall, g;
			int tick = 0;

			tz_local(tz, t, &tm);
			wall = t + tm.tm_gmtoff;
			if (bc->wildcard) {
				tick = brute_matches(&bc->b, &tm);
			} else {
				if (brute_matches(&bc->b, &tm) &&
				    wall > max_wall)
					tick = 1;
				for (g = prev_wall + 60; prev_wall != INT64_MIN
				     && g < wall; g += 60) {
					struct tm gm;
					time_t gt = (time_t)g;

					gmtime_r(&gt, &gm);
					if (brute_matches(&bc->b, &gm))
						tick = 1;
				}
			}
			prev_wall = wall;
			if (wall > max_wall)
				max_wall = wall;
			if (!tick)
				continue;
			got = cron_next(c, tz, seen_first ? got : t - 1);
			seen_first = 1;
			(*compared)++;
			if (got != t || cron_prev(c, tz, t) != t) {
				if ((*bad)++ < 10)
					printf("FAIL brute '%s' %s: tick %"
					       PRId64 ", cron_next gives %"
					       PRId64 ", cron_prev %" PRId64
					       "\n", bc->expr, zone, t, got,
					       cron_prev(c, tz, t));
				got = t;
			}
		}
		/* and nothing more before the window's end */
		if (seen_first && cron_next(c, tz, got) < to &&
		    cron_next(c, tz, got) != -1) {
			(*bad)++;
			printf("FAIL brute '%s' %s: extra tick %" PRId64 "\n",
			       bc->expr, zone, cron_next(c, tz, got));
		}
		cron_free(c);
	}
}

static void
test_brute_force(void)
{
	static const struct {
		const char *zone;
		const char *from;
	} windows[] = {
		{ "America/New_York", "2024-03-09T00:00Z" },
		{ "America/New_York", "2024-11-02T00:00Z" },
		{ "Europe/Berlin", "2024-03-30T00:00Z" },
		{ "Europe/Berlin", "2024-10-26T00:00Z" },
		{ "Australia/Lord_Howe", "2024-04-05T00:00Z" },
		{ "Australia/Lord_Howe", "2024-10-04T00:00Z" },
		/* midnight DST changes: 2024-04-07 00:00 -> Apr 6 23:00,
		 * 2024-09-08 00:00 -> 01:00 */
		{ "America/Santiago", "2024-04-05T00:00Z" },
		{ "America/Santiago", "2024-09-06T00:00Z" },
		/* Samoa skipped 2011-12-30 entirely */
		{ "Pacific/Apia", "2011-12-28T00:00Z" },
	};
	size_t w;
	int bad = 0, compared = 0;

	for (w = 0; w < SL_ARRAY_LEN(windows); w++) {
		struct tz *tz = load(windows[w].zone);
		int64_t from = at(windows[w].from);

		brute_window(tz, windows[w].zone, from, from + 4 * 86400, &bad,
			     &compared);
		tz_free(tz);
	}
	CHECK_MSG(bad == 0 && compared > 500, "%d brute-force mismatches in %d "
	      "ticks", bad, compared);
}

/* `unit_cron --all-zones`: the brute-force walk around every offset
 * change from 2015 to 2030 of every zone the system has (minutes, not
 * seconds: run it after changing the search or the offset cache). */
static int
all_zones_visit(const char *path, const struct stat *st, int type,
		struct FTW *ftw)
{
	static size_t dir_len;
	static int bad, compared, windows;
	const char *name;
	struct tz *tz;
	int64_t t, start = at("2015-01-01T00:00Z"), stop = at("2030-01-01T00:00Z");
	int off, prev_off;

	(void)st;
	if (path == NULL) {	/* the final report */
		printf("%d windows, %d ticks, %d mismatches\n", windows,
		       compared, bad);
		CHECK_MSG(bad == 0 && windows > 0, "all zones");
		return 0;
	}
	if (ftw->level == 0) {
		dir_len = strlen(path);
		return 0;
	}
	if (type != FTW_F)
		return 0;
	name = path + dir_len + 1;
	if (sl_str_starts(name, "posix/") || sl_str_starts(name, "right/") ||
	    tz_load(name, &tz, NULL) < 0)
		return 0;
	prev_off = tz_offset_at(tz, start);
	for (t = start; t < stop; t += 3600) {
		off = tz_offset_at(tz, t);
		if (off == prev_off)
			continue;
		prev_off = off;
		windows++;
		brute_window(tz, name, (t / 86400 - 2) * 86400,
			     (t / 86400 + 2) * 86400, &bad, &compared);
	}
	tz_free(tz);
	return 0;
}

/* A year of hourly and daily ticks, and far searches, stay cheap. */
static void
test_speed(void)
{
	struct tz *tz = load("America/New_York");
	struct cron *hourly = parse("0 * * * *"), *never = parse("0 0 30 2 *");
	struct cron *rare = parse("0 0 29 2 1");
	int64_t t = at("2024-01-01T00:00Z"), start_ms = sl_mono_ms();
	int n = 0;

	if (hourly == NULL || never == NULL || rare == NULL) {
		unit_case_failed = 1;
		return;
	}
	while (t < at("2025-01-01T00:00Z")) {
		t = cron_next(hourly, tz, t);
		n++;
	}
	/* every UTC hour is a tick: 02:00 skipped in March and 01:00 twice
	 * in November still leave one :00 wall time per hour of instants */
	CHECK_MSG(n == 366 * 24, "hourly ticks in 2024: %d", n);
	for (n = 0; n < 200; n++) {
		cron_next(never, tz, t + n * 86400);
		cron_prev(never, tz, t + n * 86400);
		cron_next(rare, tz, t + n * 86400);
	}
	CHECK_MSG(sl_mono_ms() - start_ms < 2000, "took %" PRId64 " ms",
	      sl_mono_ms() - start_ms);
	cron_free(hourly);
	cron_free(never);
	cron_free(rare);
	tz_free(tz);
}

/* The ends of the supported range, and the 5-year horizon. */
static void
test_edges(void)
{
	struct cron *daily = parse("@daily"), *minute = parse("* * * * *");
	struct cron *leap = parse("0 0 29 2 *");
	struct tz *ny = load("America/New_York");

	if (daily == NULL || minute == NULL || leap == NULL) {
		unit_case_failed = 1;
		return;
	}
	/* 0001-01-01T00:00Z is the first supported instant and a tick */
	CHECK_MSG(cron_next(daily, utc, TZ_T_MIN - 1) == TZ_T_MIN, "first tick");
	CHECK_MSG(cron_prev(daily, utc, TZ_T_MIN) == TZ_T_MIN, "prev first");
	CHECK_MSG(cron_prev(daily, utc, TZ_T_MIN + 10) == TZ_T_MIN, "prev near");
	CHECK_MSG(cron_prev(daily, utc, TZ_T_MIN - 1) == -1, "before range");
	/* 9999-12-31T23:59Z is the last tick; 10000-01-01 is out */
	CHECK_MSG(cron_next(minute, utc, TZ_T_MAX - 30) == -1, "after last");
	CHECK_MSG(cron_prev(minute, utc, TZ_T_MAX) == TZ_T_MAX - 59, "last");
	CHECK_MSG(cron_next(minute, ny, TZ_T_MAX) == -1, "at the end");
	CHECK_MSG(cron_next(daily, utc, INT64_MAX) == -1 &&
	      cron_prev(daily, utc, INT64_MIN) == -1 &&
	      cron_next(daily, ny, INT64_MIN) == -1 &&
	      cron_prev(daily, ny, INT64_MAX) == -1, "far outside");
	/* 2096-02-29, then 2104-02-29: 8 years, beyond the horizon */
	CHECK_MSG(cron_next(leap, utc, at("2096-03-01T00:00Z")) == -1,
	      "leap day beyond the horizon");
	CHECK_MSG(cron_prev(leap, utc, at("2103-01-01T00:00Z")) == -1,
	      "leap day beyond the horizon, backwards");
	CHECK_MSG(cron_next(leap, utc, at("2099-03-01T00:00Z")) ==
	      at("2104-02-29T00:00Z"), "2104-02-29");
	cron_free(daily);
	cron_free(minute);
	cron_free(leap);
	tz_free(ny);
}

/* Every zone of the system's database (--all-zones: a few minutes). */
static void
test_all_zones(void)
{
	const char *dir = getenv("TZDIR");

	nftw(dir != NULL && dir[0] != '\0' ? dir : "/usr/share/zoneinfo",
	     all_zones_visit, 16, FTW_PHYS);
	all_zones_visit(NULL, NULL, 0, NULL);
}

int
main(int argc, char **argv)
{
	utc = load("UTC");
	if (argc == 2 && strcmp(argv[1], "--all-zones") == 0) {
		RUN(test_all_zones);
		tz_free(utc);
		return UNIT_END();
	}
	RUN(test_errors);
	RUN(test_never_ticks);
	RUN(test_parse_ok);
	RUN(test_ticks);
	RUN(test_properties);
	RUN(test_brute_force);
	RUN(test_speed);
	RUN(test_edges);
	tz_free(utc);
	return UNIT_END();
}
