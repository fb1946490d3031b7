/*
 * unit_expected.c: the expected partitions of a scheduled DAG and their
 * states (scheduler/expected.c), as tables: DAG shape x range -> how many
 * partitions, the first and last key, the step; and run x interval end x
 * now -> state; stale runs (needs:) -> stale. DST days in America/New_York and Europe/Berlin: an hourly
 * DAG has 23 or 25 partitions on them, a daily one a 23- or 25-hour
 * partition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/dag.h"
#include "scheduler/expected.h"
#include "scheduler/tz.h"
#include "tests/unit.h"
#include "tests/dag_shapes.h"

/* now: 2026-12-05T12:00:00Z */
#define NOW 1796472000LL

static const struct unit_dag_shape shapes[] = {
	{ "hourly", "schedule: \"@hourly\"\nstart: 2026-12-01\n" },
	{ "hourly_ny", "schedule: \"0 * * * *\"\ntimezone: America/New_York\nstart: 2026-01-01\n" },
	{ "hourly_be", "schedule: \"0 * * * *\"\ntimezone: Europe/Berlin\nstart: 2026-01-01\n" },
	{ "daily_ny", "schedule: \"0 0 * * *\"\ntimezone: America/New_York\nstart: 2026-01-01\n" },
	{ "daily_be", "schedule: \"30 2 * * *\"\ntimezone: Europe/Berlin\nstart: 2026-01-01\n" },
	{ "ended", "schedule: \"0 0 * * *\"\nstart: 2026-11-01\nend: 2026-11-10\n" },
	{ "none", "schedule: none\n" },
};

/* A range of a DAG -> the partitions it expects. */
static const struct {
	const char *dag, *from, *to;	/* times in the DAG's zone */
	long count;			/* -1: an error */
	const char *first, *last;	/* keys */
	long step;			/* expected_step */
} ranges[] = {
	{ "hourly", "2026-12-01T00:00", "2026-12-01T23:00", 24,
	  "2026-12-01T00:00:00+00:00", "2026-12-01T23:00:00+00:00", 3600 },
	/* before start: the map begins at start */
	{ "hourly", "2026-11-30T00:00", "2026-12-01T02:00", 3,
	  "2026-12-01T00:00:00+00:00", "2026-12-01T02:00:00+00:00", 3600 },
	/* New York springs forward on 2026-03-08 (02:00 does not exist) */
	{ "hourly_ny", "2026-03-08T00:00", "2026-03-08T23:59", 23,
	  "2026-03-08T00:00:00-05:00", "2026-03-08T23:00:00-04:00", 3600 },
	/* and falls back on 2026-11-01 (01:00 twice) */
	{ "hourly_ny", "2026-11-01T00:00", "2026-11-01T23:59", 25,
	  "2026-11-01T00:00:00-04:00", "2026-11-01T23:00:00-05:00", 3600 },
	/* Berlin: 2026-03-29 has 23 hours, 2026-10-25 has 25 */
	{ "hourly_be", "2026-03-29T00:00", "2026-03-29T23:59", 23,
	  "2026-03-29T00:00:00+01:00", "2026-03-29T23:00:00+02:00", 3600 },
	{ "hourly_be", "2026-10-25T00:00", "2026-10-25T23:59", 25,
	  "2026-10-25T00:00:00+02:00", "2026-10-25T23:00:00+01:00", 3600 },
	/* a daily DAG across the change: steps of 23 and 25 hours */
	{ "daily_ny", "2026-03-07", "2026-03-09", 3,
	  "2026-03-07T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 0 },
	{ "daily_ny", "2026-11-01", "2026-11-01", 1,
	  "2026-11-01T00:00:00-04:00", "2026-11-01T00:00:00-04:00", 0 },
	/* 02:30 is skipped in Berlin on 2026-03-29: the tick is the end of
	 * the gap (03:00 local): both steps are 23.5 hours */
	{ "daily_be", "2026-03-28T02:30", "2026-03-30T02:30", 3,
	  "2026-03-28T02:30:00+01:00", "2026-03-30T02:30:00+02:00", 84600 },
	{ "daily_ny", "2026-01-01", "2026-12-31", 365,
	  "2026-01-01T00:00:00-05:00", "2026-12-31T00:00:00-05:00", 0 },
	/* end: nothing at or after it */
	{ "ended", "2026-11-01", "2026-12-01", 9,
	  "2026-11-01T00:00:00+00:00", "2026-11-09T00:00:00+00:00", 86400 },
	{ "ended", "2026-11-20", "2026-12-01", 0, "-", "-", 0 },
	{ "none", "2026-11-01", "2026-11-03", -1, "-", "-", 0 },
	/* more than max (100 here) is an error */
	{ "hourly", "2026-12-01T00:00", "2026-12-06T00:00", -1, "-", "-", 0 },
};

/* A run (or none) and an interval end at now -> the state. */
static const struct {
	int has_run;
	enum run_state run;
	int active;
	long end_from_now;		/* end_s - now */
	enum expected_state want;
} states[] = {
	{ 0, RUN_QUEUED, 0, -1, EXPECTED_MISSING },
	{ 0, RUN_QUEUED, 0, 0, EXPECTED_MISSING },	/* ends now: due */
	{ 0, RUN_QUEUED, 0, 1, EXPECTED_FUTURE },
	{ 1, RUN_QUEUED, 0, -3600, EXPECTED_WAITING },	/* behind max_active_runs */
	{ 1, RUN_RUNNING, 0, -3600, EXPECTED_WAITING },	/* upstream, sensor, retry, slot */
	{ 1, RUN_RUNNING, 2, -3600, EXPECTED_RUNNING },
	{ 1, RUN_SUCCESS, 0, -3600, EXPECTED_SUCCESS },
	{ 1, RUN_FAILED, 0, -3600, EXPECTED_FAILED },
	/* a run of a partition whose interval has not ended (triggered early) */
	{ 1, RUN_SUCCESS, 0, 3600, EXPECTED_SUCCESS },
	{ 1, RUN_RUNNING, 1, 3600, EXPECTED_RUNNING },
};

static struct dag *loaded[SL_ARRAY_LEN(shapes)];

static struct dag *
find(const char *name)
{
	return unit_dags_find(shapes, SL_ARRAY_LEN(shapes), loaded, name);
}

static void
test_ranges(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(ranges); i++) {
		struct dag *d = find(ranges[i].dag);
		struct expected_partition *v = NULL;
		size_t n = 0;
		int64_t from, to;
		struct sl_err err;
		char first[96] = "-", last[96] = "-";
		int rc;

		if (tz_parse_time(d->tz, ranges[i].from, &from, &err) < 0 ||
		    tz_parse_time(d->tz, ranges[i].to, &to, &err) < 0) {
			fprintf(stderr, "case %zu: %s\n", i, err.msg);
			unit_case_failed = 1;
			continue;
		}
		sl_err_clear(&err);
		rc = expected_map(d, from, to, NOW, NULL, 0, ranges[i].count == -1 ? 100 : 100000,
				  &v, &n, &err);
		if (ranges[i].count == -1) {
			CHECK_MSG(rc < 0 && err.msg[0] != '\0', "case %zu (%s): want an error, got %zu",
				  i, ranges[i].dag, n);
			free(v);
			continue;
		}
		CHECK_MSG(rc == 0, "case %zu (%s): %s", i, ranges[i].dag, err.msg);
		if (n > 0) {
			dag_partition_key(d, v[0].start_s, first, sizeof first);
			dag_partition_key(d, v[n - 1].start_s, last, sizeof last);
		}
		CHECK_MSG((long)n == ranges[i].count && strcmp(first, ranges[i].first) == 0 &&
			  strcmp(last, ranges[i].last) == 0 && expected_step(v, n) == ranges[i].step,
			  "case %zu (%s %s..%s): want %ld %s..%s step %ld, got %zu %s..%s step %lld",
			  i, ranges[i].dag, ranges[i].from, ranges[i].to, ranges[i].count,
			  ranges[i].first, ranges[i].last, ranges[i].step, n, first, last,
			  (long long)expected_step(v, n));
		/* the partitions tile the range: each ends where the next starts */
		for (size_t k = 1; k < n; k++)
			CHECK_MSG(v[k - 1].end_s == v[k].start_s, "case %zu: gap at %zu", i, k);
		free(v);
	}
}

static void
test_states(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(states); i++) {
		struct expected_run run = { 0, states[i].run, states[i].active, 0, 0 };
		enum expected_state got = expected_classify(states[i].has_run ? &run : NULL,
							    NOW + states[i].end_from_now, NOW);

		CHECK_MSG(got == states[i].want, "case %zu: want %s, got %s", i,
			  expected_state_name(states[i].want), expected_state_name(got));
	}
}

/* expected_freshness: a successful run needs: made stale (1 marked, 2 a
 * re-run pending) is stale; a run re-running or failed says that
 * instead; no run is never stale. */
static const struct {
	int has_run;
	enum run_state run;
	int active, stale;
	enum expected_state want;
} stale_cases[] = {
	{ 1, RUN_SUCCESS, 0, 0, EXPECTED_SUCCESS },
	{ 1, RUN_SUCCESS, 0, 1, EXPECTED_STALE },
	{ 1, RUN_SUCCESS, 0, 2, EXPECTED_STALE },
	{ 1, RUN_RUNNING, 1, 1, EXPECTED_RUNNING },
	{ 1, RUN_QUEUED, 0, 2, EXPECTED_WAITING },
	{ 1, RUN_FAILED, 0, 1, EXPECTED_FAILED },
	{ 0, RUN_QUEUED, 0, 0, EXPECTED_MISSING },
};

static void
test_stale(void)
{
	struct dag *d = find("hourly");

	for (size_t i = 0; i < SL_ARRAY_LEN(stale_cases); i++) {
		struct expected_run run = { 0, stale_cases[i].run, stale_cases[i].active, 0,
					    stale_cases[i].stale };
		const struct expected_run *r = stale_cases[i].has_run ? &run : NULL;
		struct expected_partition p = { NOW - 7200, NOW - 3600, EXPECTED_MISSING, r ? 0 : -1 };
		enum expected_state got = expected_freshness(d, &p, r, NOW,
							     expected_classify(r, p.end_s, NOW));

		CHECK_MSG(got == stale_cases[i].want, "case %zu: want %s, got %s", i,
			  expected_state_name(stale_cases[i].want), expected_state_name(got));
	}
}

/* Runs are matched to partitions by start; a run off the schedule's ticks
 * is not on the map. */
static void
test_runs_matched(void)
{
	struct dag *d = find("hourly");
	int64_t t0 = 1796083200LL;	/* 2026-12-01T00:00:00Z */
	struct expected_run runs[] = {
		{ t0 - 3600, RUN_SUCCESS, 0, 0, 0 },	/* before the range */
		{ t0 + 3600, RUN_FAILED, 0, 1, 0 },
		{ t0 + 3600 + 60, RUN_SUCCESS, 0, 0, 0 },	/* no tick */
		{ t0 + 3 * 3600, RUN_RUNNING, 1, 0, 0 },
		{ t0 + 4 * 3600, RUN_SUCCESS, 0, 0, 1 },	/* stale */
	};
	struct expected_partition *v;
	size_t n;
	struct sl_err err;
	const char *want = ".F.ro";

	CHECK(expected_map(d, t0, t0 + 4 * 3600, NOW, runs, SL_ARRAY_LEN(runs), 1000, &v, &n, &err) == 0);
	CHECK_EQ_INT(5, n);
	for (size_t k = 0; k < n && k < 5; k++)
		CHECK_MSG(expected_state_code(v[k].state) == want[k], "partition %zu: want %c, got %c",
			  k, want[k], expected_state_code(v[k].state));
	CHECK_EQ_INT(1, v[1].run);
	CHECK_EQ_INT(3, v[3].run);
	CHECK_EQ_INT(-1, v[0].run);
	free(v);
}

/* Names and codes: one each, and both ways. */
static void
test_names(void)
{
	for (int s = 0; s < EXPECTED_NSTATES; s++) {
		CHECK_EQ_INT(s, expected_state_parse(expected_state_name(s)));
		for (int t = 0; t < s; t++)
			CHECK(expected_state_code(s) != expected_state_code(t));
	}
	CHECK_EQ_INT(-1, expected_state_parse("nope"));
	CHECK_EQ_STR("stale", expected_state_name(EXPECTED_STALE));
	CHECK_EQ_STR("late", expected_state_name(EXPECTED_LATE));
}

int
main(void)
{
	unit_dags_load(shapes, SL_ARRAY_LEN(shapes), loaded);
	RUN(test_ranges);
	RUN(test_states);
	RUN(test_stale);
	RUN(test_runs_matched);
	RUN(test_names);
	unit_dags_free(loaded, SL_ARRAY_LEN(shapes));
	return UNIT_END();
}
