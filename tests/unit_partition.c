/*
 * unit_partition.c: the partition-argument resolver, as a table of DAG x
 * scope x argument(s) -> the keys it resolves to, or the error it must give.
 * DAGs: hourly in UTC, daily in America/New_York (with its DST days), a
 * daily schedule at an offset ("5 0 * * *", whose keys are 00:05), an
 * unscheduled one and an hourly one past its end; an hourly one in New
 * York with a start and an end (arguments outside them, DST days);
 * unscheduled ones that need it (the key a trigger makes); an unscheduled
 * one whose runs were all made in one second (burst); runs are made in a
 * temporary database. DIR in an expected text is the DAG folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/dag.h"
#include "scheduler/partition.h"
#include "scheduler/tz.h"
#include "store/store.h"
#include "tests/unit.h"

static const struct {
	const char *name, *yaml;
	const char *runs[8];	/* keys (times, or free keys when unscheduled) */
} dags[] = {
	{ "hourly", "dag: hourly\nschedule: \"0 * * * *\"\ntimezone: UTC\nstart: 2026-01-01T00:00:00Z\n",
	  { "2026-12-03T00:00Z", "2026-12-03T01:00Z", "2026-12-03T02:00Z",
	    "2026-12-03T03:00Z", "2026-12-03T04:00Z", "2026-12-03T05:00Z" } },
	{ "ny", "dag: ny\nschedule: \"0 0 * * *\"\ntimezone: America/New_York\nstart: 2026-01-01\n",
	  { "2026-11-01", "2026-11-02", "2026-03-08" } },
	{ "offset", "dag: offset\nschedule: \"5 0 * * *\"\ntimezone: UTC\nstart: 2026-01-01T00:00:00Z\n",
	  { "2026-12-02T00:05Z", "2026-12-03T00:05Z" } },
	{ "free", "dag: free\nschedule: none\n",
	  { "p1", "2026-12-03" } },
	{ "ended", "dag: ended\nschedule: \"0 * * * *\"\ntimezone: UTC\nstart: 2026-01-01T00:00:00Z\nend: 2026-12-01T00:00:00Z\n",
	  { NULL } },
	/* start: on line 4, end: on line 5 */
	{ "win", "dag: win\nschedule: \"0 * * * *\"\ntimezone: America/New_York\n"
	  "start: 2024-01-01T00:00\nend: 2027-01-01T00:00\n", { "2026-11-01T06:30Z" } },
	{ "freeny", "dag: freeny\ntimezone: America/New_York\n", { NULL } },
	{ "future", "dag: future\nschedule: \"0 0 * * *\"\nstart: 2030-01-01\n", { NULL } },
	/* needs on line 2 */
	{ "adhoc", "dag: adhoc\nneeds: [{dag: win}]\n", { "adhoc-old" } },
	{ "adhoc2", "dag: adhoc2\nneeds: [{dag: win}]\ntimezone: America/New_York\n"
	  "tasks:\n  b: {command: \"true\", needs: [{dag: ny}]}\n", { NULL } },
	{ "latest", "dag: latest\nneeds: [{dag: win, latest: true}]\n", { NULL } },
	/* its first partitions are in 1970; local midnight of 1970-01-01
	 * is before the epoch (start: on line 4) */
	{ "berlin", "dag: berlin\nschedule: \"0 * * * *\"\ntimezone: Europe/Berlin\n"
	  "start: 1970-01-01T03:00\n", { NULL } },
	/* made in this order, all at 2025-12-01T00:00:00Z: not the keys' */
	{ "burst", "dag: burst\nschedule: none\n", { "jan", "feb", "mar" } },
};

enum mode { ONE, ALL, RANGE, TRIGGER };

struct pcase {
	const char *dag;
	enum partition_scope scope;	/* TRIGGER: T allows outside */
	enum mode mode;
	const char *arg;	/* ONE/ALL/TRIGGER; RANGE: from */
	const char *to;		/* RANGE */
	const char *want;	/* keys joined by spaces; or "!" + error text
				 * ("~": the error is PARTITION_OUTSIDE) */
	const char *note;	/* in the notes; NULL: no note at all */
};

#define R PARTITION_RUNS
#define S PARTITION_SCHEDULE
#define T PARTITION_TICKS

static const struct pcase cases[] = {
	/* hourly UTC: the spellings a person types */
	{ "hourly", R, ONE, "2026-12-03T05:00:00+00:00", NULL, "2026-12-03T05:00:00+00:00" },
	{ "hourly", R, ONE, "2026-12-03 05:00", NULL, "2026-12-03T05:00:00+00:00" },
	{ "hourly", R, ONE, "2026-12-03T05", NULL, "2026-12-03T05:00:00+00:00" },
	{ "hourly", R, ONE, "2026-12-03T05:30Z", NULL, "2026-12-03T05:00:00+00:00" },
	{ "hourly", R, ONE, "2026-12-03 05:59:59", NULL, "2026-12-03T05:00:00+00:00" },
	{ "hourly", R, ONE, "2026-12-03T06:30+01:00", NULL, "2026-12-03T05:00:00+00:00" },
	{ "hourly", R, ALL, "2026-12-03", NULL,
	  "2026-12-03T00:00:00+00:00 2026-12-03T01:00:00+00:00 2026-12-03T02:00:00+00:00 "
	  "2026-12-03T03:00:00+00:00 2026-12-03T04:00:00+00:00 2026-12-03T05:00:00+00:00" },
	{ "hourly", R, ONE, "2026-12-03", NULL, "!'2026-12-03' names 6 partitions of DAG hourly; name one: 2026-12-03T00:00:00+00:00, " },
	{ "hourly", R, ONE, "2026-12-03T07", NULL,
	  "!DAG hourly has no run for partition '2026-12-03T07'; nearest: 2026-12-03T01:00:00+00:00, "
	  "2026-12-03T02:00:00+00:00, 2026-12-03T03:00:00+00:00, 2026-12-03T04:00:00+00:00, 2026-12-03T05:00:00+00:00" },
	{ "hourly", R, ONE, "2026-12-04", NULL, "!DAG hourly has no run for partition '2026-12-04'; nearest: " },
	/* neither a key nor a time: why it is not a time, not "no run" */
	{ "hourly", R, ONE, "yesterday", NULL, "!'yesterday' is neither a partition of DAG hourly nor a time: bad time 'yesterday'" },
	{ "hourly", R, ONE, "2026-12-03T05:00:00.000Z", NULL,
	  "!'2026-12-03T05:00:00.000Z' is neither a partition of DAG hourly nor a time: bad time '2026-12-03T05:00:00.000Z': unexpected text at the end" },
	{ "hourly", R, RANGE, "2026-12-03T01", "2026-12-03 03:00",
	  "2026-12-03T01:00:00+00:00 2026-12-03T02:00:00+00:00 2026-12-03T03:00:00+00:00" },
	{ "hourly", R, RANGE, "2026-12-03T01:30", "2026-12-03T02:59Z",
	  "2026-12-03T01:00:00+00:00 2026-12-03T02:00:00+00:00" },
	{ "hourly", R, RANGE, "2026-12-03T04:00:00+00:00", NULL,
	  "2026-12-03T04:00:00+00:00 2026-12-03T05:00:00+00:00" },
	{ "hourly", R, RANGE, "2026-12-03", "2026-12-03",
	  "2026-12-03T00:00:00+00:00 2026-12-03T01:00:00+00:00 2026-12-03T02:00:00+00:00 "
	  "2026-12-03T03:00:00+00:00 2026-12-03T04:00:00+00:00 2026-12-03T05:00:00+00:00" },
	{ "hourly", R, RANGE, "2026-12-03T03", "2026-12-03T01", "!the range ends (to 2026-12-03T01) before it starts (from 2026-12-03T03)" },
	{ "hourly", R, RANGE, "2026-12-05", "2026-12-06", "!no run of DAG hourly from 2026-12-05 to 2026-12-06; nearest: " },
	{ "hourly", R, RANGE, "soon", "2026-12-06", "!'soon' is neither a partition of DAG hourly nor a time: " },
	{ "hourly", S, ONE, "2026-12-04T07:15", NULL, "2026-12-04T07:00:00+00:00" },
	{ "hourly", S, ONE, "p1", NULL, "!'p1' is neither a partition of DAG hourly nor a time: bad time 'p1'" },
	{ "hourly", S, RANGE, "2026-12-04T22", "2026-12-05T01:00",
	  "2026-12-04T22:00:00+00:00 2026-12-04T23:00:00+00:00 2026-12-05T00:00:00+00:00 2026-12-05T01:00:00+00:00" },
	/* daily in New York, across its DST days */
	{ "ny", R, ONE, "2026-11-01", NULL, "2026-11-01T00:00:00-04:00" },
	{ "ny", R, ONE, "2026-11-01 01:30", NULL, "2026-11-01T00:00:00-04:00" },	/* twice that day */
	{ "ny", R, ONE, "2026-11-01 23:30", NULL, "2026-11-01T00:00:00-04:00" },	/* EST by then */
	{ "ny", R, ONE, "2026-11-02T04:59Z", NULL, "2026-11-01T00:00:00-04:00" },
	{ "ny", R, ONE, "2026-11-02T05:00Z", NULL, "2026-11-02T00:00:00-05:00" },
	{ "ny", R, ONE, "2026-03-08 02:30", NULL, "2026-03-08T00:00:00-05:00" },	/* skipped hour */
	{ "ny", R, ONE, "2026-03-08T23:59", NULL, "2026-03-08T00:00:00-05:00" },
	{ "ny", R, RANGE, "2026-11-01", "2026-11-02", "2026-11-01T00:00:00-04:00 2026-11-02T00:00:00-05:00" },
	{ "ny", R, RANGE, "2026-03-01", "2026-11-01", "2026-03-08T00:00:00-05:00 2026-11-01T00:00:00-04:00" },
	{ "ny", S, ONE, "2026-03-09", NULL, "2026-03-09T00:00:00-04:00" },
	{ "ny", S, RANGE, "2026-03-07", "2026-03-09",
	  "2026-03-07T00:00:00-05:00 2026-03-08T00:00:00-05:00 2026-03-09T00:00:00-04:00" },
	/* a schedule at an offset: the date finds the partition starting
	 * that day, a time the one that holds it */
	{ "offset", R, ONE, "2026-12-03", NULL, "2026-12-03T00:05:00+00:00" },
	{ "offset", R, ALL, "2026-12-03", NULL, "2026-12-03T00:05:00+00:00" },
	{ "offset", R, RANGE, "2026-12-03", "2026-12-03", "2026-12-03T00:05:00+00:00" },
	{ "offset", R, ONE, "2026-12-03 00:00", NULL, "2026-12-02T00:05:00+00:00" },
	{ "offset", R, ONE, "2026-12-03T00:05", NULL, "2026-12-03T00:05:00+00:00" },
	{ "offset", S, ONE, "2026-11-30", NULL, "2026-11-30T00:05:00+00:00" },
	{ "offset", S, RANGE, "2026-11-28", "2026-11-30",
	  "2026-11-28T00:05:00+00:00 2026-11-29T00:05:00+00:00 2026-11-30T00:05:00+00:00" },
	{ "offset", R, ONE, "2026-11-30", NULL,
	  "!DAG offset has no run for partition '2026-11-30'; nearest: 2026-12-02T00:05:00+00:00, 2026-12-03T00:05:00+00:00" },
	{ "offset", S, RANGE, "2026-11-28", NULL, "!a range needs a start (from) and an end (to)" },
	/* unscheduled: keys of its own */
	{ "free", R, ONE, "p1", NULL, "p1" },
	{ "free", R, ONE, "2026-12-03", NULL, "2026-12-03" },
	{ "free", R, ONE, "p2", NULL, "!DAG free has no run for partition 'p2'; nearest: " },
	{ "free", S, ONE, "p2", NULL, "p2" },
	{ "free", S, ONE, "p1", NULL, "p1" },
	{ "free", S, ONE, "load.v2:2026+retry-1_x", NULL, "load.v2:2026+retry-1_x" },
	{ "free", S, ONE, "2026-12-05 10:00", NULL, "2026-12-05T10:00:00+00:00" },
	{ "free", S, ONE, "a/b", NULL, "!'a/b' cannot be a partition key: a key is 1 to 128 letters, digits and . _ : + -" },
	{ "free", S, ONE, "a b", NULL, "!'a b' cannot be a partition key" },
	{ "free", S, ONE,
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	  NULL, "!cannot be a partition key" },
	{ "free", S, RANGE, "p1", "p2", "!DAG free has no schedule" },

	/* outside the DAG's start and end: one partition refused, naming
	 * where the file says so; a range cut, saying how much; runs
	 * (existing facts) and PARTITION_TICKS unaffected */
	{ "win", S, ONE, "2023-12-03T05", NULL,
	  "~partition 2023-12-03T05:00:00-05:00 is before the start of DAG win, 2024-01-01T00:00:00-05:00 "
	  "(DIR/win.yaml:4); its first partition is 2024-01-01T00:00:00-05:00" },
	{ "win", S, ONE, "2027-06-01T05", NULL,
	  "~partition 2027-06-01T05:00:00-04:00 is past the end of DAG win, 2027-01-01T00:00:00-05:00 "
	  "(DIR/win.yaml:5); its last partition is 2026-12-31T23:00:00-05:00" },
	{ "win", S, ONE, "2027-01-01T00:00", NULL, "~partition 2027-01-01T00:00:00-05:00 is past the end of DAG win" },
	{ "win", S, ONE, "2026-12-31 23:59", NULL, "2026-12-31T23:00:00-05:00" },
	{ "win", S, ONE, "2024-01-01T00:00", NULL, "2024-01-01T00:00:00-05:00" },
	{ "win", S, ONE, "2023-12-31", NULL, "~partition 2023-12-31T00:00:00-05:00 is before the start of DAG win" },
	{ "win", S, ALL, "2023-12-31", NULL, "~partition 2023-12-31T00:00:00-05:00 is before the start of DAG win" },
	{ "win", T, ONE, "2023-12-03T05", NULL, "2023-12-03T05:00:00-05:00",
	  "partition 2023-12-03T05:00:00-05:00 is before the start of DAG win, 2024-01-01T00:00:00-05:00 (DIR/win.yaml:4)" },
	{ "win", R, ONE, "2023-12-03T05", NULL, "!DAG win has no run for partition '2023-12-03T05'" },
	{ "win", S, RANGE, "2023-12-31T22:00", "2024-01-01T01:00",
	  "2024-01-01T00:00:00-05:00 2024-01-01T01:00:00-05:00",
	  "left out 2 partitions before the start of DAG win, 2024-01-01T00:00:00-05:00 (DIR/win.yaml:4); "
	  "its first partition is 2024-01-01T00:00:00-05:00" },
	{ "win", S, RANGE, "2026-12-31T22:00", "2027-01-01 01:00",
	  "2026-12-31T22:00:00-05:00 2026-12-31T23:00:00-05:00",
	  "left out 2 partitions past the end of DAG win, 2027-01-01T00:00:00-05:00 (DIR/win.yaml:5); "
	  "its last partition is 2026-12-31T23:00:00-05:00" },
	{ "win", S, RANGE, "2023-12-01", "2023-12-02",
	  "~the range from 2023-12-01 to 2023-12-02 is before the start of DAG win, 2024-01-01T00:00:00-05:00 "
	  "(DIR/win.yaml:4); its first partition is 2024-01-01T00:00:00-05:00" },
	{ "win", S, RANGE, "2027-01-01", "2027-02-01", "~the range from 2027-01-01 to 2027-02-01 is past the end of DAG win" },
	{ "win", T, RANGE, "2023-12-31T23:00", "2024-01-01T00:00",
	  "2023-12-31T23:00:00-05:00 2024-01-01T00:00:00-05:00",
	  "1 partition of the range is before the start of DAG win, 2024-01-01T00:00:00-05:00 (DIR/win.yaml:4)" },
	{ "win", T, RANGE, "2023-12-01T00:00", "2023-12-01T01:00",
	  "2023-12-01T00:00:00-05:00 2023-12-01T01:00:00-05:00", "the range from 2023-12-01T00:00 to 2023-12-01T01:00 is before" },
	/* a local time that happens twice: read as the first, saying how
	 * to name the second; with an offset or in UTC, no question */
	{ "win", S, ONE, "2026-11-01T01:30", NULL, "2026-11-01T01:00:00-04:00",
	  "'2026-11-01T01:30' happens twice in America/New_York (on 2026-11-01 the clocks go back from "
	  "02:00 to 01:00, -04:00 to -05:00): read as 2026-11-01T01:30:00-04:00, partition "
	  "2026-11-01T01:00:00-04:00; 2026-11-01T01:30:00-05:00 names the other (partition 2026-11-01T01:00:00-05:00)" },
	{ "win", S, ONE, "2026-11-01T01:30-05:00", NULL, "2026-11-01T01:00:00-05:00" },
	{ "win", S, ONE, "2026-11-01T06:30Z", NULL, "2026-11-01T01:00:00-05:00" },
	{ "win", S, ONE, "2026-11-01T01:00:00-05:00", NULL, "2026-11-01T01:00:00-05:00" },
	/* runs: the reading that has a run (only the second here) */
	{ "win", R, ONE, "2026-11-01 01:30", NULL, "2026-11-01T01:00:00-05:00",
	  "read as 2026-11-01T01:30:00-05:00, partition 2026-11-01T01:00:00-05:00; 2026-11-01T01:30:00-04:00 names the other" },
	/* a range holds both: its start reads the first, its end the second */
	{ "win", S, RANGE, "2026-11-01T00:30", "2026-11-01T01:30",
	  "2026-11-01T00:00:00-04:00 2026-11-01T01:00:00-04:00 2026-11-01T01:00:00-05:00",
	  "as the range's end (to) it is read as 2026-11-01T01:30:00-05:00, partition 2026-11-01T01:00:00-05:00" },
	{ "win", S, RANGE, "2026-11-01T01:30", "2026-11-01T02:00",
	  "2026-11-01T01:00:00-04:00 2026-11-01T01:00:00-05:00 2026-11-01T02:00:00-05:00",
	  "as the range's start (from) it is read as 2026-11-01T01:30:00-04:00" },
	/* a local time the clocks skip: an error naming the gap */
	{ "win", S, ONE, "2026-03-08T02:30", NULL,
	  "!'2026-03-08T02:30' does not exist in America/New_York: on 2026-03-08 the clocks go forward "
	  "from 02:00 to 03:00, -05:00 to -04:00; the partition before the gap is "
	  "2026-03-08T01:00:00-05:00, after it 2026-03-08T03:00:00-04:00" },
	{ "win", R, ONE, "2026-03-08 02:00", NULL, "!'2026-03-08 02:00' does not exist in America/New_York" },
	{ "win", S, RANGE, "2026-03-08T02:30", "2026-03-08T05:00", "!'2026-03-08T02:30' does not exist" },
	{ "win", S, ONE, "2026-03-08T03:00", NULL, "2026-03-08T03:00:00-04:00" },
	/* an unscheduled DAG's key is the instant */
	{ "freeny", S, ONE, "2026-11-01 01:30", NULL, "2026-11-01T01:30:00-04:00",
	  "read as 2026-11-01T01:30:00-04:00; 2026-11-01T01:30:00-05:00 names the other" },
	{ "freeny", S, ONE, "2026-03-08 02:30", NULL,
	  "!the last instant before the gap is 2026-03-08T01:59:59-05:00, after it 2026-03-08T03:00:00-04:00" },

	/* the key of a new run: a scheduled DAG's as ONE in its range (T:
	 * outside too); an unscheduled DAG that needs a scheduled one takes
	 * that DAG's key, a time read in its own zone (adhoc: UTC) */
	{ "win", S, TRIGGER, "2023-12-03T05", NULL, "~partition 2023-12-03T05:00:00-05:00 is before the start of DAG win" },
	{ "win", T, TRIGGER, "2023-12-03T05", NULL, "2023-12-03T05:00:00-05:00", "is before the start of DAG win" },
	{ "free", S, TRIGGER, "p9", NULL, "p9" },
	{ "adhoc", S, TRIGGER, "adhoc-1", NULL,
	  "!DAG adhoc needs DAG win (DIR/adhoc.yaml:2): a run of adhoc waits for the partition of win "
	  "with its own key, so its key must be one of win's partitions: 'adhoc-1' is neither a "
	  "partition of DAG win nor a time: " },
	{ "adhoc", S, TRIGGER, "adhoc-1", NULL, "!; nearest: 2026-12-05T06:00:00-05:00, " },
	{ "adhoc", S, TRIGGER, "2026-12-03T05", NULL, "2026-12-03T00:00:00-05:00" },
	{ "adhoc", S, TRIGGER, "2026-12-03 05:59", NULL, "2026-12-03T00:00:00-05:00" },
	{ "adhoc", S, TRIGGER, "2026-12-03T00:00:00-05:00", NULL, "2026-12-03T00:00:00-05:00" },
	{ "adhoc", S, TRIGGER, NULL, NULL, "2026-12-05T06:00:00-05:00" },
	{ "adhoc", S, TRIGGER, "2026-12-03", NULL, "!'2026-12-03' names 24 partitions of DAG win" },
	{ "adhoc", S, TRIGGER, "2023-12-03T05", NULL, "~partition 2023-12-03T00:00:00-05:00 is before the start of DAG win" },
	{ "adhoc", T, TRIGGER, "2023-12-03T05", NULL, "2023-12-03T00:00:00-05:00", "is before the start of DAG win" },
	{ "adhoc", S, TRIGGER, "adhoc-old", NULL, "adhoc-old" },	/* its run: trigger says so */
	/* two upstreams: a key both have (midnight), or an error */
	{ "adhoc2", S, TRIGGER, "2026-12-03T00:00", NULL, "2026-12-03T00:00:00-05:00" },
	{ "adhoc2", S, TRIGGER, "2026-12-03T06:00", NULL,
	  "!DAG adhoc2 needs DAG win (DIR/adhoc2.yaml:2) and DAG ny (DIR/adhoc2.yaml:5), each by a run's "
	  "own key, and '2026-12-03T06:00' names 2026-12-03T06:00:00-05:00 of win but "
	  "2026-12-03T00:00:00-05:00 of ny: no key is a partition of both" },
	/* latest: needs no key of its own */
	{ "latest", S, TRIGGER, "adhoc-1", NULL, "adhoc-1" },

	/* a range starting before the epoch: from the first partition
	 * sluice can make (1970-01-01T00:00Z), not none */
	{ "berlin", T, RANGE, "1970-01-01", "1970-01-01T02",
	  "1970-01-01T01:00:00+01:00 1970-01-01T02:00:00+01:00",
	  "the range from 1970-01-01 to 1970-01-01T02 is before the start of DAG berlin" },
	{ "berlin", S, RANGE, "1970-01-01", "1970-01-01T04",
	  "1970-01-01T03:00:00+01:00 1970-01-01T04:00:00+01:00",
	  "left out 2 partitions before the start of DAG berlin" },

	/* runs that share a start: a range between keys holds the runs from
	 * the one to the other in the order they were made, not every run of
	 * that second (clear and delete took all three) */
	{ "burst", R, RANGE, "feb", "feb", "feb" },
	{ "burst", R, RANGE, "jan", "jan", "jan" },
	{ "burst", R, RANGE, "jan", "feb", "jan feb" },
	{ "burst", R, RANGE, "feb", "mar", "feb mar" },
	{ "burst", R, RANGE, "feb", NULL, "feb mar" },
	{ "burst", R, RANGE, NULL, "feb", "jan feb" },
	{ "burst", R, RANGE, "mar", "jan", "!the range ends (to jan) before it starts (from mar)" },
	/* a time of that second names them all, in the order made */
	{ "burst", R, ALL, "2025-12-01T00:00:00Z", NULL, "jan feb mar" },
	{ "burst", R, RANGE, "2025-12-01T00:00:00Z", "feb", "jan feb" },
	{ "burst", R, RANGE, "feb", "2025-12-01T00:00:00Z", "feb mar" },
};

static struct store *store;
static struct dagbag bag;
static struct dag *loaded[sizeof dags / sizeof dags[0]];
static char dir[] = "/tmp/unit_partition.XXXXXX";

static struct dag *
find(const char *name)
{
	for (size_t i = 0; i < sizeof dags / sizeof dags[0]; i++)
		if (strcmp(dags[i].name, name) == 0)
			return loaded[i];
	return NULL;
}

static void
setup(void)
{
	struct sl_err err;
	char *db;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	db = xasprintf("%s/sluice.db", dir);
	if (store_open(db, &store, &err) < 0) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		exit(1);
	}
	free(db);
	/* one folder, loaded as the CLI does: needs across DAGs resolve */
	for (size_t i = 0; i < sizeof dags / sizeof dags[0]; i++) {
		char *path = xasprintf("%s/%s.yaml", dir, dags[i].name);
		char *yaml = strstr(dags[i].yaml, "tasks:") != NULL ? xstrdup(dags[i].yaml) :
			xasprintf("%stasks:\n  a: {command: \"true\"}\n", dags[i].yaml);

		if (sl_write_file(path, yaml, strlen(yaml), 0644, &err) < 0) {
			fprintf(stderr, "%s: %s\n", path, err.msg);
			exit(1);
		}
		free(path);
		free(yaml);
	}
	if (dagbag_load(dir, NULL, NULL, &bag, &err) < 0) {
		fprintf(stderr, "%s: %s\n", dir, err.msg);
		exit(1);
	}
	for (int i = 0; i < bag.n; i++)
		if (bag.entries[i].error != NULL) {
			fprintf(stderr, "%s\n", bag.entries[i].error);
			exit(1);
		}
	for (size_t i = 0; i < sizeof dags / sizeof dags[0]; i++) {
		struct dag *d = loaded[i] = dagbag_find(&bag, dags[i].name);

		for (int k = 0; k < 8 && dags[i].runs[k] != NULL; k++) {
			const char *r = dags[i].runs[k];
			char key[PARTITION_KEY_MAX];
			int64_t t, start, end;

			if (d->schedule != NULL) {
				if (tz_parse_time(d->tz, r, &t, &err) < 0 ||
				    dag_interval_at(d, t, &start, &end) < 0) {
					fprintf(stderr, "run %s: %s\n", r, err.msg);
					exit(1);
				}
				dag_partition_key(d, start, key, sizeof key);
			} else {
				snprintf(key, sizeof key, "%s", r);
				start = end = 1764547200 + (strcmp(d->name, "burst") == 0 ? 0 : k);
			}
			if (store_run_create(store, d, key, start, end, "manual",
					     NULL, NULL, &err) < 0) {
				fprintf(stderr, "run %s: %s\n", key, err.msg);
				exit(1);
			}
		}
	}
}

/* text with DIR replaced by the DAG folder (a static buffer) */
static const char *
with_dir(const char *text)
{
	static char out[4096];
	const char *p = text, *at;
	size_t n = 0;

	out[0] = '\0';
	while ((at = strstr(p, "DIR")) != NULL && n < sizeof out) {
		n += (size_t)snprintf(out + n, sizeof out - n, "%.*s%s", (int)(at - p), p, dir);
		p = at + 3;
	}
	if (n < sizeof out)
		snprintf(out + n, sizeof out - n, "%s", p);
	return out;
}

static void
test_table(void)
{
	/* now: 2026-12-05T12:00Z */
	const int64_t now = 1796472000;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct pcase *c = &cases[i];
		struct dag *d = find(c->dag);
		struct partition_set set = { NULL, 0 };
		struct partition_notes notes;
		struct partition one;
		struct sl_err err;
		struct buf got, said;
		int r;

		sl_err_clear(&err);
		partition_notes_init(&notes);
		buf_init(&got, 0);
		buf_init(&said, 0);
		if (c->mode == ONE || c->mode == TRIGGER) {
			r = c->mode == ONE ?
				partition_resolve_one(store, d, c->arg, now, c->scope, &one, &notes, &err) :
				partition_resolve_trigger(store, &bag, d, c->arg, now, c->scope == T,
							  &one, &notes, &err);
			if (r == 0)
				buf_adds(&got, one.key);
		} else {
			r = c->mode == ALL ?
				partition_resolve(store, d, c->arg, now, c->scope, &set, &notes, &err) :
				partition_resolve_range(store, d, c->arg, c->to, now, c->scope, &set,
							&notes, &err);
			for (size_t k = 0; r == 0 && k < set.n; k++)
				buf_printf(&got, "%s%s", k ? " " : "", set.v[k].key);
			partition_set_free(&set);
		}
		for (int k = 0; k < notes.n; k++)
			buf_printf(&said, "%s%s", k ? " | " : "", notes.v[k]);
		if (c->want[0] == '!' || c->want[0] == '~') {
			if (r == 0 || strstr(err.msg, with_dir(c->want + 1)) == NULL ||
			    (c->want[0] == '~') != (r == PARTITION_OUTSIDE)) {
				fprintf(stderr, "case %zu %s '%s': want error (%d) containing\n  %s\ngot %s (%d)\n  %s\n",
					i, c->dag, c->arg, c->want[0] == '~' ? PARTITION_OUTSIDE : -1,
					with_dir(c->want + 1), r == 0 ? "success" : "error", r,
					r == 0 ? buf_str(&got) : err.msg);
				unit_case_failed = 1;
			}
		} else if (r != 0 || strcmp(buf_str(&got), c->want) != 0) {
			fprintf(stderr, "case %zu %s '%s': want\n  %s\ngot\n  %s\n", i, c->dag,
				c->arg, c->want, r == 0 ? buf_str(&got) : err.msg);
			unit_case_failed = 1;
		} else if (c->note == NULL ? notes.n != 0 :
			   strstr(buf_str(&said), with_dir(c->note)) == NULL) {
			fprintf(stderr, "case %zu %s '%s': want note\n  %s\ngot\n  %s\n", i, c->dag,
				c->arg, c->note ? with_dir(c->note) : "(none)", buf_str(&said));
			unit_case_failed = 1;
		}
		buf_free(&got);
		buf_free(&said);
	}
}

/* Resolved partitions say whether their run exists (backfill reports
 * created vs already there from it). */
static void
test_exists(void)
{
	struct partition_set set;
	struct sl_err err;

	CHECK(partition_resolve_range(store, find("offset"), "2026-12-02", "2026-12-04",
				      1796472000, PARTITION_SCHEDULE, &set, NULL, &err) == 0);
	CHECK_EQ_INT(3, set.n);
	if (set.n == 3) {
		CHECK_EQ_INT(1, set.v[0].exists);
		CHECK_EQ_INT(1, set.v[1].exists);
		CHECK_EQ_INT(0, set.v[2].exists);
		CHECK_EQ_INT(1796169900, set.v[0].start_s);	/* 2026-12-02T00:05Z */
		CHECK_EQ_INT(1796169900 + 86400, set.v[0].end_s);
	}
	partition_set_free(&set);
}

/* With no argument, a schedule's latest complete partition; an unscheduled
 * DAG's key is now. */
static void
test_default(void)
{
	struct partition p;
	struct sl_err err;

	CHECK(partition_resolve_one(store, find("offset"), NULL, 1796472000,
				    PARTITION_SCHEDULE, &p, NULL, &err) == 0);
	CHECK_EQ_STR("2026-12-04T00:05:00+00:00", p.key);
	/* past its end: the last partition before the end, not one after */
	CHECK(partition_resolve_one(store, find("ended"), NULL, 1796472000,
				    PARTITION_SCHEDULE, &p, NULL, &err) == 0);
	CHECK_EQ_STR("2026-11-30T23:00:00+00:00", p.key);
	CHECK(partition_resolve_one(store, find("free"), "", 1796472000,
				    PARTITION_SCHEDULE, &p, NULL, &err) == 0);
	CHECK_EQ_STR("2026-12-05T12:00:00+00:00", p.key);
	CHECK(partition_resolve_one(store, find("free"), NULL, 1796472000,
				    PARTITION_RUNS, &p, NULL, &err) < 0);
	CHECK_EQ_STR("which partition of DAG free?", err.msg);
	/* a DAG before its start has no partition to trigger yet (the
	 * latest complete one is before its start); a test may take it */
	CHECK_EQ_INT(PARTITION_OUTSIDE, partition_resolve_one(store, find("future"), NULL,
				1796472000, PARTITION_SCHEDULE, &p, NULL, &err));
	CHECK(strstr(err.msg, "DAG future has no complete partition yet: the latest, partition "
		     "2026-12-04T00:00:00+00:00 is before the start of DAG future, 2030-01-01T00:00:00+00:00 (") != NULL);
	CHECK(partition_resolve_one(store, find("future"), NULL, 1796472000,
				    PARTITION_TICKS, &p, NULL, &err) == 0);
	CHECK_EQ_STR("2026-12-04T00:00:00+00:00", p.key);
}

/* The keys an error suggests for a new run are the DAG's own: none past
 * its end or before its start (a trigger would refuse them); any tick
 * for PARTITION_TICKS. */
static void
test_nearest(void)
{
	static const struct {
		const char *dag;
		enum partition_scope scope;
		const char *arg;
		const char *want;	/* what follows "; nearest: " */
	} cases[] = {
		{ "ended", S, "soon", "2026-11-30T22:00:00+00:00, 2026-11-30T23:00:00+00:00" },
		{ "future", S, "soon", "2030-01-01T00:00:00+00:00, 2030-01-02T00:00:00+00:00, "
		  "2030-01-03T00:00:00+00:00, 2030-01-04T00:00:00+00:00" },
		{ "ended", T, "soon", "2026-12-05T11:00:00+00:00, 2026-12-05T12:00:00+00:00, "
		  "2026-12-05T13:00:00+00:00, 2026-12-05T14:00:00+00:00" },
		/* a month or an ISO week: the keys where it starts (they
		 * were those of now), in the DAG's zone */
		{ "ny", S, "2026-03", "2026-02-28T00:00:00-05:00, 2026-03-01T00:00:00-05:00, "
		  "2026-03-02T00:00:00-05:00, 2026-03-03T00:00:00-05:00" },
		{ "ended", S, "2026-W10", "2026-03-01T23:00:00+00:00, 2026-03-02T00:00:00+00:00, "
		  "2026-03-02T01:00:00+00:00, 2026-03-02T02:00:00+00:00" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct partition p;
		struct sl_err err;
		const char *near;

		sl_err_clear(&err);
		CHECK(partition_resolve_one(store, find(cases[i].dag), cases[i].arg, 1796472000,
					    cases[i].scope, &p, NULL, &err) < 0);
		near = strstr(err.msg, "; nearest: ");
		CHECK_MSG(near != NULL && strcmp(near + 11, cases[i].want) == 0,
			  "%s: %s", cases[i].dag, err.msg);
	}
}

int
main(void)
{
	char *cmd;

	setup();
	RUN(test_table);
	RUN(test_exists);
	RUN(test_default);
	RUN(test_nearest);
	store_close(store);
	dagbag_free(&bag);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	return UNIT_END();
}
