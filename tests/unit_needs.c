/*
 * unit_needs.c: the interval rules of needs: (scheduler/needs.c) as a
 * table of consumer shape x upstream shape x consumer partition x need ->
 * how many upstream partitions, the first and the last; the words for a
 * wait (needs_describe); and the checks across a DAG folder
 * (dag_needs_check_bag through dagbag_load).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/dag.h"
#include "scheduler/needs.h"
#include "scheduler/tz.h"
#include "tests/dag_shapes.h"
#include "tests/unit.h"

static const struct unit_dag_shape shapes[] = {
	{ "hourly_utc", "schedule: \"0 * * * *\"\nstart: 2026-01-01T00:00:00Z\n" },
	{ "daily_ny", "schedule: \"0 0 * * *\"\ntimezone: America/New_York\nstart: 2026-01-01\n" },
	{ "daily_utc", "schedule: \"0 0 * * *\"\nstart: 2026-01-01\n" },
	{ "weekly_utc", "schedule: \"0 0 * * 1\"\nstart: 2026-01-01\n" },
	{ "hourly_late", "schedule: \"0 * * * *\"\nstart: 2026-12-03T06:00:00Z\n" },
	{ "none", "schedule: none\n" },
	{ "hourly_kolkata", "schedule: \"0 * * * *\"\ntimezone: Asia/Kolkata\nstart: 2026-01-01\n" },
	{ "hourly_phoenix", "schedule: \"0 * * * *\"\ntimezone: America/Phoenix\nstart: 2026-01-01\n" },
	{ "hourly_ny", "schedule: \"0 * * * *\"\ntimezone: America/New_York\nstart: 2026-01-01\n" },
	{ "daily_0005", "schedule: \"5 0 * * *\"\nstart: 2026-01-01\n" },
	{ "daily_kolkata", "schedule: \"0 0 * * *\"\ntimezone: Asia/Kolkata\nstart: 2026-01-01\n" },
};

static const struct {
	const char *consumer, *up;
	const char *partition;	/* the consumer partition's start */
	int offset, latest;
	enum needs_mode mode;
	int n;			/* NEEDS_INTERVALS: how many */
	const char *first, *last;	/* their starts, in the upstream's zone */
} cases[] = {
	/* a plain day over hours */
	{ "daily_utc", "hourly_utc", "2026-12-03T00:00:00Z", 0, 0, NEEDS_INTERVALS, 24,
	  "2026-12-03T00:00:00+00:00", "2026-12-03T23:00:00+00:00" },
	/* New York days over UTC hours: DST starts (23 h), ends (25 h) */
	{ "daily_ny", "hourly_utc", "2026-03-08T00:00:00-05:00", 0, 0, NEEDS_INTERVALS, 23,
	  "2026-03-08T05:00:00+00:00", "2026-03-09T03:00:00+00:00" },
	{ "daily_ny", "hourly_utc", "2026-11-01T00:00:00-04:00", 0, 0, NEEDS_INTERVALS, 25,
	  "2026-11-01T04:00:00+00:00", "2026-11-02T04:00:00+00:00" },
	{ "daily_ny", "hourly_utc", "2026-12-03T00:00:00-05:00", 0, 0, NEEDS_INTERVALS, 24,
	  "2026-12-03T05:00:00+00:00", "2026-12-04T04:00:00+00:00" },
	/* offset -1: yesterday's hours */
	{ "daily_utc", "hourly_utc", "2026-12-03T00:00:00Z", -1, 0, NEEDS_INTERVALS, 24,
	  "2026-12-02T00:00:00+00:00", "2026-12-02T23:00:00+00:00" },
	/* offset -1 across the DST start: the 23-hour day before */
	{ "daily_ny", "hourly_utc", "2026-03-09T00:00:00-04:00", -1, 0, NEEDS_INTERVALS, 23,
	  "2026-03-08T05:00:00+00:00", "2026-03-09T03:00:00+00:00" },
	/* weekly over daily: 7 */
	{ "weekly_utc", "daily_utc", "2026-11-30T00:00:00Z", 0, 0, NEEDS_INTERVALS, 7,
	  "2026-11-30T00:00:00+00:00", "2026-12-06T00:00:00+00:00" },
	/* coarser upstream: the one containing */
	{ "hourly_utc", "daily_utc", "2026-12-03T13:00:00Z", 0, 0, NEEDS_INTERVALS, 1,
	  "2026-12-03T00:00:00+00:00", "2026-12-03T00:00:00+00:00" },
	{ "daily_utc", "weekly_utc", "2026-12-03T00:00:00Z", 0, 0, NEEDS_INTERVALS, 1,
	  "2026-11-30T00:00:00+00:00", "2026-11-30T00:00:00+00:00" },
	/* a day over a straddling NY day: the two overlapping */
	{ "daily_utc", "daily_ny", "2026-12-03T00:00:00Z", 0, 0, NEEDS_INTERVALS, 2,
	  "2026-12-02T00:00:00-05:00", "2026-12-03T00:00:00-05:00" },
	/* misaligned: every upstream partition overlapping the consumer's
	 * interval, the two straddling its ends too. A Monday week over days
	 * at 00:05: the Sunday before (ends Mon 00:05) to this week's Sunday
	 * (starts Sun 00:05), 8; before, the Sundays belonged to no week */
	{ "weekly_utc", "daily_0005", "2026-11-30T00:00:00Z", 0, 0, NEEDS_INTERVALS, 8,
	  "2026-11-29T00:05:00+00:00", "2026-12-06T00:05:00+00:00" },
	/* a Kolkata day (18:30Z to 18:30Z) over UTC hours: 18:00Z to 18:00Z,
	 * 25; before, 23, and the 18:00Z hours belonged to no day */
	{ "daily_kolkata", "hourly_utc", "2026-12-03T00:00:00+05:30", 0, 0, NEEDS_INTERVALS, 25,
	  "2026-12-02T18:00:00+00:00", "2026-12-03T18:00:00+00:00" },
	/* aligned weeks over aligned hours: 168 */
	{ "weekly_utc", "hourly_utc", "2026-11-30T00:00:00Z", 0, 0, NEEDS_INTERVALS, 168,
	  "2026-11-30T00:00:00+00:00", "2026-12-06T23:00:00+00:00" },
	/* the upstream starts mid-day: only the partitions it defines */
	{ "daily_utc", "hourly_late", "2026-12-03T00:00:00Z", 0, 0, NEEDS_INTERVALS, 18,
	  "2026-12-03T06:00:00+00:00", "2026-12-03T23:00:00+00:00" },
	/* latest, unscheduled consumer, unscheduled upstream */
	{ "daily_utc", "hourly_utc", "2026-12-03T00:00:00Z", 0, 1, NEEDS_LATEST, 0, NULL, NULL },
	{ "none", "hourly_utc", "2026-12-03T00:00:00Z", 0, 0, NEEDS_SAME_KEY, 0, NULL, NULL },
	{ "daily_utc", "none", "2026-12-03T00:00:00Z", 0, 0, NEEDS_INSIDE, 0, NULL, NULL },
};

static struct dag *loaded[SL_ARRAY_LEN(shapes)];

static struct dag *
find(const char *name)
{
	return unit_dags_find(shapes, SL_ARRAY_LEN(shapes), loaded, name);
}

static void
setup(void)
{
	unit_dags_load(shapes, SL_ARRAY_LEN(shapes), loaded);
}

static void
test_map(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct dag *c = find(cases[i].consumer), *up = find(cases[i].up);
		struct need nd;
		struct needs_range r;
		int64_t cs, ce;
		char a[96] = "-", b[96] = "-";
		struct sl_err err;

		memset(&nd, 0, sizeof nd);
		nd.offset = cases[i].offset;
		nd.latest = cases[i].latest;
		if (tz_parse_time(c->tz, cases[i].partition, &cs, &err) < 0) {
			fprintf(stderr, "case %zu: %s\n", i, err.msg);
			unit_case_failed = 1;
			continue;
		}
		if (c->schedule == NULL || dag_interval_at(c, cs, &cs, &ce) < 0)
			ce = cs;
		if (needs_map(c, up, &nd, cs, ce, &r, &err) < 0) {
			fprintf(stderr, "case %zu: %s\n", i, err.msg);
			unit_case_failed = 1;
			continue;
		}
		if (r.n > 0) {
			dag_partition_key(up, r.parts[0].start, a, sizeof a);
			dag_partition_key(up, r.parts[r.n - 1].start, b, sizeof b);
		}
		CHECK_MSG(r.mode == cases[i].mode && (int)r.n == cases[i].n &&
			  (cases[i].first == NULL ||
			   (strcmp(a, cases[i].first) == 0 &&
			    strcmp(b, cases[i].last) == 0)),
			  "case %zu (%s over %s, %s, offset %d): want mode %d, %d from %s to %s; got mode %d, %zu from %s to %s",
			  i, cases[i].consumer, cases[i].up, cases[i].partition,
			  cases[i].offset, cases[i].mode, cases[i].n,
			  cases[i].first ? cases[i].first : "-",
			  cases[i].last ? cases[i].last : "-", r.mode, r.n, a, b);
		/* contiguous, each an upstream interval */
		for (size_t k = 1; k < r.n; k++)
			CHECK(r.parts[k].start == r.parts[k - 1].end);
		needs_range_free(&r);
	}
}

static void
test_describe(void)
{
	struct dag *up = find("hourly_utc");
	struct needs_part parts[24];
	unsigned char missing[24];
	char out[512];
	int64_t t0;
	struct sl_err err;

	CHECK(tz_parse_time(up->tz, "2026-12-03T00:00:00Z", &t0, &err) == 0);
	for (int i = 0; i < 24; i++) {
		parts[i].start = t0 + i * 3600;
		parts[i].end = t0 + (i + 1) * 3600;
		missing[i] = i >= 13;
	}
	CHECK_EQ_STR("trades_hourly.load: 13 of 24 partitions, missing 2026-12-03T13:00+00:00\xe2\x80\x93" "23:00",
		     needs_describe(up, "trades_hourly.load", parts, 24, missing,
				    out, sizeof out));
	memset(missing, 0, sizeof missing);
	missing[2] = missing[5] = missing[6] = 1;
	CHECK_EQ_STR("u: 21 of 24 partitions, missing 2026-12-03T02:00+00:00, 2026-12-03T05:00+00:00\xe2\x80\x93" "06:00",
		     needs_describe(up, "u", parts, 24, missing, out, sizeof out));
	memset(missing, 1, sizeof missing);
	for (int i = 0; i < 24; i += 2)
		missing[i] = 0;
	CHECK_EQ_STR("u: 12 of 24 partitions, missing 2026-12-03T01:00+00:00, 2026-12-03T03:00+00:00, 2026-12-03T05:00+00:00, ...",
		     needs_describe(up, "u", parts, 24, missing, out, sizeof out));
	memset(missing, 0, sizeof missing);
	CHECK_EQ_STR("u: 24 of 24 partitions",
		     needs_describe(up, "u", parts, 24, missing, out, sizeof out));
}

/* Upstreams in other zones: each range starts with the zone's offset; its
 * end is short on the same local day at the same offset, else whole. */
static const struct {
	const char *up, *first;		/* parts: hourly from first */
	int n, miss_from, miss_to;	/* missing: [miss_from, miss_to] */
	const char *want;
} describe_zones[] = {
	{ "hourly_kolkata", "2026-12-03T10:00:00+05:30", 8, 3, 5,
	  "u: 5 of 8 partitions, missing 2026-12-03T13:00+05:30\xe2\x80\x93" "15:00" },
	{ "hourly_kolkata", "2026-12-03T10:00:00+05:30", 8, 7, 7,
	  "u: 7 of 8 partitions, missing 2026-12-03T17:00+05:30" },
	/* past local midnight: the end has its date and offset too */
	{ "hourly_phoenix", "2026-12-03T20:00:00-07:00", 8, 2, 5,
	  "u: 4 of 8 partitions, missing 2026-12-03T22:00-07:00\xe2\x80\x93" "2026-12-04T01:00-07:00" },
	/* New York falls back on 2026-11-01: 01:00 happens twice, so an end
	 * at another offset keeps it */
	{ "hourly_ny", "2026-11-01T00:00:00-04:00", 6, 0, 3,
	  "u: 2 of 6 partitions, missing 2026-11-01T00:00-04:00\xe2\x80\x93" "2026-11-01T02:00-05:00" },
	{ "hourly_ny", "2026-11-01T00:00:00-04:00", 6, 2, 2,
	  "u: 5 of 6 partitions, missing 2026-11-01T01:00-05:00" },
};

static void
test_describe_zones(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(describe_zones); i++) {
		struct dag *up = find(describe_zones[i].up);
		struct needs_part parts[24];
		unsigned char missing[24];
		char out[512];
		int64_t t0;
		struct sl_err err;

		CHECK(tz_parse_time(up->tz, describe_zones[i].first, &t0, &err) == 0);
		for (int k = 0; k < describe_zones[i].n; k++) {
			parts[k].start = t0 + k * 3600;
			parts[k].end = t0 + (k + 1) * 3600;
			missing[k] = k >= describe_zones[i].miss_from &&
				     k <= describe_zones[i].miss_to;
		}
		CHECK_EQ_STR(describe_zones[i].want,
			     needs_describe(up, "u", parts,
					    (size_t)describe_zones[i].n, missing,
					    out, sizeof out));
	}
}

/* A folder of DAG files -> which load and the errors of the others. */
static const struct {
	const char *files[4][2];	/* {name, yaml} */
	const char *want[4];		/* per file: NULL (loads) or an error
					 * substring with its position */
} folders[] = {
	{ { { "up.yaml", "dag: up\nschedule: \"0 * * * *\"\nstart: 2026-01-01\ntasks:\n  load: {command: x, produces: [lake.t]}\n" },
	    { "down.yaml", "dag: down\nschedule: \"0 0 * * *\"\nstart: 2026-01-01\nneeds: [{dag: up, task: load}, {dataset: lake.t, offset: -1}]\ntasks:\n  a: {command: x}\n" } },
	  { NULL, NULL } },
	/* a typo: the nearest name of the folder */
	{ { { "up.yaml", "dag: up\ntasks:\n  load: {command: x, produces: [lake.trades]}\n" },
	    { "down.yaml", "dag: down\nneeds: [{dag: upp}]\ntasks:\n  a: {command: x, needs: [{dataset: lake.trade}]}\n" },
	    { "side.yaml", "dag: side\nneeds: [{dag: up, task: laod}]\ntasks:\n  a: {command: x}\n" } },
	  { NULL, "down.yaml:2:15: needs[0].dag: no DAG 'upp' in the DAG folder (did you mean 'up'?)",
	    "side.yaml:2:25: needs[0].task: DAG 'up' has no task 'laod' (did you mean 'load'?)" } },
	{ { { "up.yaml", "dag: up\ntasks:\n  load: {command: x, produces: [lake.trades]}\n" },
	    { "down.yaml", "dag: down\ntasks:\n  a: {command: x, needs: [{dataset: lake.trade}]}\n" } },
	  { NULL, "down.yaml:3:37: tasks.a.needs[0].dataset: no task of the DAG folder produces dataset 'lake.trade' (did you mean 'lake.trades'?)" } },
	{ { { "down.yaml", "dag: down\nneeds:\n  - dag: nope\ntasks:\n  a: {command: x}\n" },
	    { "other.yaml", "dag: other\ntasks:\n  a: {command: x}\n" } },
	  { "down.yaml:3:10: needs[0].dag: no DAG 'nope' in the DAG folder", NULL } },
	{ { { "up.yaml", "dag: up\ntasks:\n  load: {command: x}\n" },
	    { "down.yaml", "dag: down\ntasks:\n  a: {command: x, needs: [{dag: up, task: lod}]}\n" } },
	  { NULL, "down.yaml:3:43: tasks.a.needs[0].task: DAG 'up' has no task 'lod'" } },
	{ { { "down.yaml", "dag: down\ntasks:\n  a: {command: x, needs: [{dataset: s3://b/p/}]}\n" } },
	  { "no task of the DAG folder produces dataset 's3://b/p/'" } },
	{ { { "a.yaml", "dag: a\nneeds: [{dag: b}]\ntasks:\n  x: {command: x}\n" },
	    { "b.yaml", "dag: b\nneeds: [{dag: c}]\ntasks:\n  x: {command: x}\n" },
	    { "c.yaml", "dag: c\nneeds: [{dag: a}]\ntasks:\n  x: {command: x}\n" },
	    { "d.yaml", "dag: d\nneeds: [{dag: a}]\ntasks:\n  x: {command: x}\n" } },
	  { "a.yaml:2:15: needs[0].dag: a cycle across DAGs: a -> b -> c -> a",
	    "b.yaml:2:15: needs[0].dag: a cycle across DAGs: a -> b -> c -> a",
	    "c.yaml:2:15: needs[0].dag: a cycle across DAGs: a -> b -> c -> a", NULL } },
	/* its own earlier partitions: no cycle */
	{ { { "a.yaml", "dag: a\nschedule: \"@daily\"\nstart: 2026-01-01\nneeds: [{dag: a, offset: -1}]\ntasks:\n  x: {command: x}\n" } },
	  { NULL } },
	{ { { "a.yaml", "dag: a\ntasks:\n  x: {command: x, produces: [t]}\n" },
	    { "b.yaml", "dag: b\ntasks:\n  y: {command: x, produces: [u, t]}\n" } },
	  { NULL, "b.yaml:3:33: tasks.y.produces: dataset 't' is already produced by a.x" } },
};

static void
test_folder(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(folders); i++) {
		char d[] = "/tmp/unit_needs_bag.XXXXXX";
		struct dagbag bag;
		struct sl_err err;

		CHECK(mkdtemp(d) != NULL);
		for (int f = 0; f < 4 && folders[i].files[f][0]; f++) {
			char *p = xasprintf("%s/%s", d, folders[i].files[f][0]);

			sl_write_file(p, folders[i].files[f][1],
				      strlen(folders[i].files[f][1]), 0644, &err);
			free(p);
		}
		CHECK(dagbag_load(d, NULL, NULL, &bag, &err) == 0);
		for (int f = 0; f < 4 && folders[i].files[f][0]; f++) {
			const struct dagbag_entry *e = NULL;
			const char *want = folders[i].want[f];

			for (int k = 0; k < bag.n; k++)
				if (sl_str_ends(bag.entries[k].file,
						folders[i].files[f][0]))
					e = &bag.entries[k];
			CHECK(e != NULL);
			if (e == NULL)
				continue;
			if (want == NULL)
				CHECK_MSG(e->dag != NULL && e->error == NULL,
					  "folder %zu %s: %s", i,
					  folders[i].files[f][0],
					  e->error ? e->error : "not loaded");
			else
				CHECK_MSG(e->dag == NULL && e->error != NULL &&
					  strstr(e->error, want) != NULL,
					  "folder %zu %s: want %s, got %s", i,
					  folders[i].files[f][0], want,
					  e->error ? e->error : "(loads)");
			{
				char *p = xasprintf("%s/%s", d,
						    folders[i].files[f][0]);

				unlink(p);
				free(p);
			}
		}
		dagbag_free(&bag);
		rmdir(d);
	}
}

int
main(void)
{
	setup();
	RUN(test_map);
	RUN(test_describe);
	RUN(test_describe_zones);
	RUN(test_folder);
	unit_dags_free(loaded, SL_ARRAY_LEN(shapes));
	return UNIT_END();
}
