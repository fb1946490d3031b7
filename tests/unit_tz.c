/*
 * unit_tz.c: time zones: loading and its errors, wall time <-> instant
 * across DST changes, ISO and strftime output, parsing typed times.
 *
 * Expected instants were worked out by hand from the zones' rules (checked
 * against `zdump -v`), with the UTC and local time in a comment per case.
 */
#include "scheduler/tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit.h"

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

static void
test_load_errors(void)
{
	static const char *const bad[] = {
		"Mars/Base", "../etc/passwd", "/etc/passwd", "",
		"America/../UTC", "America//New_York", "America/",
		"zone.tab", "right/UTC", "America", "localtime",
		"America/New York", "Europe/Berlin;rm",
	};
	struct sl_err err;
	struct tz *tz;
	char want[300];
	size_t i;

	for (i = 0; i < SL_ARRAY_LEN(bad); i++) {
		tz = (struct tz *)1;
		CHECK_MSG(tz_load(bad[i], &tz, &err) < 0 && tz == NULL,
		      "tz_load('%s') should fail", bad[i]);
		snprintf(want, sizeof(want), "unknown time zone '%s'", bad[i]);
		CHECK_MSG(strcmp(err.msg, want) == 0, "message '%s', want '%s'",
		      err.msg, want);
	}
}

static void
test_load(void)
{
	struct tz *a = load("UTC"), *b = load("Etc/UTC");
	struct tz *ny = load("America/New_York"), *ny2 = load("America/New_York");

	CHECK_MSG(tz_is_utc(a) && tz_is_utc(b) && !tz_is_utc(ny), "utc flags");
	CHECK_MSG(strcmp(tz_name(ny), "America/New_York") == 0, "name %s",
	      tz_name(ny));
	CHECK_MSG(ny == ny2, "the same zone loaded twice is shared");
	tz_free(ny2);
	CHECK_MSG(strcmp(tz_name(ny), "America/New_York") == 0,
	      "still usable after one of two frees");
	tz_free(ny);
	tz_free(a);
	tz_free(b);
}

struct wall_case {
	const char *zone;
	int y, mo, d, h, mi;
	int want_kind;		/* 0 once, 1 ambiguous, 2 gap */
	int64_t want_t, want_t2;
};

static void
test_wall_to_instant(void)
{
	static const struct wall_case cases[] = {
		/* NY 2024-03-10 02:30 skipped: transition 07:00Z (03:00 EDT) */
		{ "America/New_York", 2024, 3, 10, 2, 30, 2, 1710054000, 0 },
		/* 01:59 EST = 06:59Z */
		{ "America/New_York", 2024, 3, 10, 1, 59, 0, 1710053940, 0 },
		/* 03:00 EDT = 07:00Z */
		{ "America/New_York", 2024, 3, 10, 3, 0, 0, 1710054000, 0 },
		/* NY 2024-11-03 01:30 twice: 05:30Z (EDT), 06:30Z (EST) */
		{ "America/New_York", 2024, 11, 3, 1, 30, 1, 1730611800,
		  1730615400 },
		/* Berlin 2024-03-31 02:30 skipped: transition 01:00Z */
		{ "Europe/Berlin", 2024, 3, 31, 2, 30, 2, 1711846800, 0 },
		/* Berlin 2024-10-27 02:30 twice: 00:30Z (CEST), 01:30Z (CET) */
		{ "Europe/Berlin", 2024, 10, 27, 2, 30, 1, 1729989000,
		  1729992600 },
		/* Lord Howe 2024-04-07 01:45 twice: 2024-04-06 14:45Z (+11),
		 * 15:15Z (+10:30) */
		{ "Australia/Lord_Howe", 2024, 4, 7, 1, 45, 1, 1712414700,
		  1712416500 },
		/* Lord Howe 2024-10-06 02:15 skipped: 2024-10-05 15:30Z */
		{ "Australia/Lord_Howe", 2024, 10, 6, 2, 15, 2, 1728142200, 0 },
		/* Kathmandu 2024-01-01 00:00 +05:45 = 2023-12-31 18:15Z */
		{ "Asia/Kathmandu", 2024, 1, 1, 0, 0, 0, 1704046500, 0 },
		/* UTC 2024-01-01 00:00 */
		{ "UTC", 2024, 1, 1, 0, 0, 0, 1704067200, 0 },
		/* normalised: 2024-02-30 00:00 UTC = 2024-03-01 00:00Z */
		{ "UTC", 2024, 2, 30, 0, 0, 0, 1709251200, 0 },
		/* Lord Howe 2026-10-04 02:15 skipped (half-hour jump):
		 * 2026-10-03 15:30Z */
		{ "Australia/Lord_Howe", 2026, 10, 4, 2, 15, 2, 1791041400, 0 },
		/* Past 2038 (64-bit table or the footer rule): NY 2038-03-14
		 * 02:30 skipped, transition 07:00Z */
		{ "America/New_York", 2038, 3, 14, 2, 30, 2, 2152162800, 0 },
		/* Berlin 2100-03-28 02:30 skipped: 01:00Z */
		{ "Europe/Berlin", 2100, 3, 28, 2, 30, 2, 4109878800, 0 },
		/* Far future, from the POSIX rule of the file's footer only:
		 * NY 2299-03-12 02:30 skipped: 07:00Z */
		{ "America/New_York", 2299, 3, 12, 2, 30, 2, 10388329200, 0 },
		/* NY 2299-11-05 01:30 twice: 05:30Z (EDT), 06:30Z (EST) */
		{ "America/New_York", 2299, 11, 5, 1, 30, 1, 10408887000,
		  10408890600 },
		/* Berlin 2299-03-26 02:30 skipped: 01:00Z */
		{ "Europe/Berlin", 2299, 3, 26, 2, 30, 2, 10389517200, 0 },
		/* Berlin 2299-10-29 02:30 twice: 00:30Z, 01:30Z */
		{ "Europe/Berlin", 2299, 10, 29, 2, 30, 1, 10408264200,
		  10408267800 },
		/* Lord Howe 2299-04-02 01:45 twice: 2299-04-01 14:45Z (+11),
		 * 15:15Z (+10:30) */
		{ "Australia/Lord_Howe", 2299, 4, 2, 1, 45, 1, 10390085100,
		  10390086900 },
		/* Lord Howe 2299-10-01 02:15 skipped: 2299-09-30 15:30Z */
		{ "Australia/Lord_Howe", 2299, 10, 1, 2, 15, 2, 10405812600, 0 },
	};
	size_t i;

	for (i = 0; i < SL_ARRAY_LEN(cases); i++) {
		const struct wall_case *c = &cases[i];
		struct tz *tz = load(c->zone);
		struct tm wall;
		int64_t t = -1, t2 = -1;
		int kind;

		memset(&wall, 0, sizeof(wall));
		wall.tm_year = c->y - 1900;
		wall.tm_mon = c->mo - 1;
		wall.tm_mday = c->d;
		wall.tm_hour = c->h;
		wall.tm_min = c->mi;
		kind = tz_wall_to_instant(tz, &wall, &t, &t2);
		CHECK_MSG(kind == c->want_kind && t == c->want_t &&
		      (c->want_kind != 1 || t2 == c->want_t2),
		      "%s %04d-%02d-%02d %02d:%02d: got %d %" PRId64 " %" PRId64
		      ", want %d %" PRId64 " %" PRId64, c->zone, c->y, c->mo,
		      c->d, c->h, c->mi, kind, t, t2, c->want_kind, c->want_t,
		      c->want_t2);
		CHECK_MSG(tz_wall_to_instant(tz, &wall, &t, NULL) == kind,
		      "t2 may be NULL");
		tz_free(tz);
	}
}

struct iso_case {
	const char *zone;
	int64_t t;
	const char *want;
};

static void
test_iso_and_local(void)
{
	static const struct iso_case cases[] = {
		{ "America/New_York", 1710054000, "2024-03-10T03:00:00-04:00" },
		{ "America/New_York", 1710053940, "2024-03-10T01:59:00-05:00" },
		{ "UTC", 0, "1970-01-01T00:00:00+00:00" },
		{ "Asia/Kathmandu", 1704046500, "2024-01-01T00:00:00+05:45" },
		/* 2024-03-10 07:05Z = 00:05 MST */
		{ "America/Edmonton", 1710054300, "2024-03-10T00:05:00-07:00" },
		{ "Europe/Berlin", 1729989000, "2024-10-27T02:30:00+02:00" },
		{ "Europe/Berlin", 1729992600, "2024-10-27T02:30:00+01:00" },
		{ "Australia/Lord_Howe", 1712416500,
		  "2024-04-07T01:45:00+10:30" },
		/* New York local mean time until 1883: -4:56:02 */
		{ "America/New_York", -2840140800 + 17762,
		  "1880-01-01T00:00:00-04:56:02" },
		/* Far future, from the footer rule */
		{ "America/New_York", 10397952000,
		  "2299-07-01T12:00:00-04:00" },
		{ "Australia/Lord_Howe", 253402257600,
		  "9999-12-31T23:00:00+11:00" },
		{ "America/New_York", 253402257600,
		  "9999-12-31T07:00:00-05:00" },
	};
	char out[64];
	struct tm tm;
	size_t i;

	for (i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct tz *tz = load(cases[i].zone);

		tz_iso(tz, cases[i].t, out, sizeof(out));
		CHECK_MSG(strcmp(out, cases[i].want) == 0, "tz_iso %s %" PRId64
		      ": %s, want %s", cases[i].zone, cases[i].t, out,
		      cases[i].want);
		tz_free(tz);
	}
	{
		struct tz *ny = load("America/New_York");
		struct tz *utc = load("UTC");

		tz_local(ny, 1710054000, &tm);
		CHECK_MSG(tm.tm_hour == 3 && tm.tm_gmtoff == -14400 &&
		      strcmp(tm.tm_zone, "EDT") == 0 && tm.tm_isdst == 1,
		      "tz_local NY %d %ld %s", tm.tm_hour, tm.tm_gmtoff,
		      tm.tm_zone);
		tz_local(utc, 1710054000, &tm);
		CHECK_MSG(tm.tm_hour == 7 && tm.tm_gmtoff == 0 &&
		      strcmp(tm.tm_zone, "UTC") == 0, "tz_local UTC");
		tz_free(ny);
		tz_free(utc);
	}
}

static void
test_strftime(void)
{
	struct tz *ny = load("America/New_York"), *utc = load("UTC");
	char out[128];
	size_t n;

	n = tz_strftime(ny, 1710054000, "%Y-%m-%d %H:%M:%S %z %Z %j %a %s",
			out, sizeof(out));
	CHECK_MSG(n > 0 && strcmp(out, "2024-03-10 03:00:00 -0400 EDT 070 Sun "
			      "1710054000") == 0, "strftime NY: %s", out);
	tz_strftime(utc, 1710054000, "%Y/%m/%d/%H %Z %z %s %%s", out,
		    sizeof(out));
	CHECK_MSG(strcmp(out, "2024/03/10/07 UTC +0000 1710054000 %s") == 0,
	      "strftime UTC: %s", out);
	n = tz_strftime(utc, 0, "%Y-%m-%d", out, 4);
	CHECK_MSG(n == 0 && out[0] == '\0', "strftime too small");
	tz_free(ny);
	tz_free(utc);
}

struct parse_case {
	const char *zone;
	const char *s;
	int64_t want;
};

static void
test_parse(void)
{
	static const struct parse_case ok[] = {
		/* 2024-01-05 00:00Z */
		{ "UTC", "2024-01-05", 1704412800 },
		{ "UTC", "2024-01-05T07", 1704438000 },
		{ "UTC", "2024-01-05T07:30", 1704439800 },
		{ "UTC", "2024-01-05 07:30:00", 1704439800 },
		{ "UTC", "2024-01-05T07:30:00Z", 1704439800 },
		/* 07:30+02:00 = 05:30Z */
		{ "UTC", "2024-01-05T07:30:00+02:00", 1704432600 },
		/* 07:30-07:00 = 14:30Z */
		{ "America/New_York", "2024-01-05T07:30-0700", 1704465000 },
		/* 07:30:15+05:45 = 01:45:15Z */
		{ "UTC", "2024-01-05T07:30:15+05:45", 1704419115 },
		{ "UTC", "2024-01-05T07+01", 1704434400 },
		/* NY midnight EST = 05:00Z */
		{ "America/New_York", "2024-01-05", 1704430800 },
		/* skipped 02:30 -> the transition 07:00Z */
		{ "America/New_York", "2024-03-10T02:30", 1710054000 },
		/* repeated 01:30 -> first, 05:30Z */
		{ "America/New_York", "2024-11-03 01:30", 1730611800 },
		{ "Asia/Kathmandu", "2024-01-01", 1704046500 },
	};
	static const struct parse_case bad[] = {
		{ "UTC", "2024-13-01", 0 },
		{ "UTC", "2023-02-29", 0 },
		{ "UTC", "yesterday", 0 },
		{ "UTC", "2024-01-05T25", 0 },
		{ "UTC", "2024-01-05T07:60", 0 },
		{ "UTC", "2024-01-05T07:30:00+2", 0 },
		{ "UTC", "2024-01-05T07:30:00 junk", 0 },
		{ "UTC", "2024-1-5", 0 },
		{ "UTC", "2024-01-05T", 0 },
		{ "UTC", "", 0 },
		{ "UTC", "0000-01-01", 0 },
		/* a key pasted into a URL's query string: its + is a space */
		{ "UTC", "2024-01-05T07:30:00 01:00", 0 },
		{ "UTC", "2024-01-05 07 0100", 0 },
		/* dates written other common ways: the one meant is named */
		{ "UTC", "20240105", 0 },
		{ "UTC", "2024/01/05 07:00", 0 },
		{ "UTC", "2024.01.05", 0 },
		{ "UTC", "2024/1/5", 0 },
		{ "UTC", "abc", 0 },
		/* a month, an ISO week (2026 has 53; 2025 52): its days */
		{ "UTC", "2024-02", 0 },
		{ "UTC", "2026-W49", 0 },
		{ "UTC", "2026-w01", 0 },
		{ "UTC", "2026-W53", 0 },
		{ "UTC", "2025-W53", 0 },
		{ "UTC", "2026-13", 0 },
	};
	static const char *const why[] = {
		"month 13 is out of range 1-12", "day 29 is out of range 1-28",
		"not a date", "hour 25 is out of range 0-23",
		"minute 60 is out of range 0-59", "bad offset",
		"unexpected text at the end", "not a date",
		"no hour after the date", "not a date",
		"year 0 is out of range 1-9999",
		"a space where an offset's + would be (a + in a URL's query "
		"string reads as a space: write it %2B)",
		"a space where an offset's + would be (a + in a URL's query "
		"string reads as a space: write it %2B)",
		"not a date (did you mean 2024-01-05?)",
		"not a date (did you mean 2024-01-05...?)",
		"not a date (did you mean 2024-01-05?)",
		"not a date", "not a date",
		"not a date (month 2024-02 is 2024-02-01 to 2024-02-29: name one "
		"of its days)",
		"not a date (ISO week 2026-W49 is 2026-11-30 to 2026-12-06: name one "
		"of its days)",
		"not a date (ISO week 2026-w01 is 2025-12-29 to 2026-01-04: name one "
		"of its days)",
		"not a date (ISO week 2026-W53 is 2026-12-28 to 2027-01-03: name one "
		"of its days)",
		"not a date", "not a date",
	};
	struct sl_err err;
	char want[512];
	size_t i;
	int64_t t;

	for (i = 0; i < SL_ARRAY_LEN(ok); i++) {
		struct tz *tz = load(ok[i].zone);

		t = -1;
		CHECK_MSG(tz_parse_time(tz, ok[i].s, &t, &err) == 0 &&
		      t == ok[i].want, "parse %s in %s: %" PRId64 ", want %"
		      PRId64, ok[i].s, ok[i].zone, t, ok[i].want);
		tz_free(tz);
	}
	for (i = 0; i < SL_ARRAY_LEN(bad); i++) {
		struct tz *tz = load(bad[i].zone);

		snprintf(want, sizeof(want), "bad time '%s': %s; expected "
			 "YYYY-MM-DD, YYYY-MM-DDTHH, YYYY-MM-DDTHH:MM or "
			 "YYYY-MM-DDTHH:MM:SS ('T' or a space), optionally "
			 "followed by Z or an offset like +02:00 or -0700",
			 bad[i].s, why[i]);
		CHECK_MSG(tz_parse_time(tz, bad[i].s, &t, &err) < 0 &&
		      strcmp(err.msg, want) == 0, "parse '%s': %s", bad[i].s,
		      err.msg);
		tz_free(tz);
	}
}

/* tz_parse_wall says what a typed wall time was: once, twice (both
 * instants), skipped (the end of the gap); an offset or Z is always
 * once. */
static void
test_parse_wall(void)
{
	static const struct {
		const char *zone, *s;
		int kind;
		int64_t t, t2;
	} cases[] = {
		{ "America/New_York", "2026-11-01T01:30", 1, 1793511000, 1793514600 },
		{ "America/New_York", "2026-11-01 01:59:59", 1, 1793512799, 1793516399 },
		{ "America/New_York", "2026-11-01T02:00", 0, 1793516400, 1793516400 },
		{ "America/New_York", "2026-11-01T01:30-05:00", 0, 1793514600, 1793514600 },
		{ "America/New_York", "2026-11-01T05:30Z", 0, 1793511000, 1793511000 },
		{ "America/New_York", "2026-03-08T02:30", 2, 1772953200, 1772953200 },
		{ "America/New_York", "2026-03-08T03:00", 0, 1772953200, 1772953200 },
		{ "Europe/Berlin", "2026-10-25 02:15", 1, 1792887300, 1792890900 },
		{ "UTC", "2026-11-01T01:30", 0, 1793496600, 1793496600 },
	};
	struct sl_err err;

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct tz *tz = load(cases[i].zone);
		int64_t t = -1, t2 = -1;
		int kind = tz_parse_wall(tz, cases[i].s, &t, &t2, &err);

		CHECK_MSG(kind == cases[i].kind && t == cases[i].t && t2 == cases[i].t2,
			  "%s in %s: kind %d, %" PRId64 " %" PRId64 "; want %d, %" PRId64
			  " %" PRId64, cases[i].s, cases[i].zone, kind, t, t2,
			  cases[i].kind, cases[i].t, cases[i].t2);
		tz_free(tz);
	}
	{
		struct tz *tz = load("UTC");
		int64_t t;

		CHECK(tz_parse_wall(tz, "soon", &t, NULL, &err) < 0);
		tz_free(tz);
	}
}

/* tz_iso output parses back to the same instant; local wall time without
 * the offset parses back unless it is the second copy of a repeated hour. */
static void
test_round_trip(void)
{
	static const char *const zones[] = {
		"UTC", "America/New_York", "Europe/Berlin", "America/Edmonton",
		"Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia",
	};
	struct sl_err err;
	char iso[64], wall[64];
	size_t z;
	int i, bad_iso = 0, bad_wall = 0;
	uint64_t seed = 12345;

	for (z = 0; z < SL_ARRAY_LEN(zones); z++) {
		struct tz *tz = load(zones[z]);

		for (i = 0; i < 3000; i++) {
			int64_t t, back = 0, first;
			int kind;
			struct tm tm;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* 1990..2040 */
			t = 631152000 + (int64_t)((seed >> 20) % 1577836800);
			tz_iso(tz, t, iso, sizeof(iso));
			if (tz_parse_time(tz, iso, &back, &err) < 0 || back != t)
				bad_iso++;
			tz_strftime(tz, t, "%Y-%m-%dT%H:%M:%S", wall,
				    sizeof(wall));
			tz_local(tz, t, &tm);
			kind = tz_wall_to_instant(tz, &tm, &first, NULL);
			if (tz_parse_time(tz, wall, &back, &err) < 0 ||
			    back != first || (kind == 0 && back != t))
				bad_wall++;
			if (kind == 2)
				bad_wall++;	/* a shown wall time exists */
		}
		tz_free(tz);
	}
	CHECK_MSG(bad_iso == 0, "%d ISO round trips failed", bad_iso);
	CHECK_MSG(bad_wall == 0, "%d wall round trips failed", bad_wall);
}

/* Converting times never touches the process environment: a child the
 * scheduler starts inherits no TZ from the zones it formatted. */
static void
test_no_process_tz(void)
{
	static const char *const zones[] = {
		"America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
	};
	char out[128];
	struct tm tm;
	int64_t t;
	size_t i;

	CHECK_MSG(getenv("TZ") == NULL, "no TZ after the tests above");
	for (i = 0; i < SL_ARRAY_LEN(zones); i++) {
		struct tz *tz = load(zones[i]);

		tz_local(tz, 1710054000, &tm);
		tz_iso(tz, 1710054000, out, sizeof(out));
		tz_strftime(tz, 1710054000, "%Y %Z", out, sizeof(out));
		tz_parse_time(tz, "2024-03-10 02:30", &t, NULL);
		tz_offset_at(tz, 1710054000);
		CHECK_MSG(getenv("TZ") == NULL, "TZ set after using %s: %s",
		      zones[i], getenv("TZ"));
		tz_free(tz);
	}
}

int
main(void)
{
	/* The harness may run with TZ set; what matters is that tz.c adds
	 * none. */
	unsetenv("TZ");
	RUN(test_load_errors);
	RUN(test_load);
	RUN(test_wall_to_instant);
	RUN(test_iso_and_local);
	RUN(test_strftime);
	RUN(test_parse);
	RUN(test_parse_wall);
	RUN(test_round_trip);
	RUN(test_no_process_tz);
	return UNIT_END();
}
