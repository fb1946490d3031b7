/*
 * unit_next_partition.c: the next partition the scheduler creates
 * (scheduler/next_partition.c), as a table of DAG shape x stored cursor x
 * now -> the partition key and whether it is due. The scheduler's run
 * creation, `dags next`, `dags list`, the API and the UI all read it;
 * unit_sched.c checks the scheduler creates what it predicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/dag.h"
#include "scheduler/next_partition.h"
#include "scheduler/tz.h"
#include "tests/unit.h"
#include "tests/dag_shapes.h"

/* now: 2026-12-05T12:00:00Z, a Saturday */
#define NOW 1796472000LL

static const struct unit_dag_shape shapes[] = {
	{ "daily_cu", "schedule: \"0 0 * * *\"\nstart: 2026-12-01\n" },
	{ "daily_nc", "schedule: \"0 0 * * *\"\nstart: 2026-01-01\ncatchup: false\n" },
	{ "future", "schedule: \"0 0 * * *\"\nstart: 2026-12-10\ncatchup: false\n" },
	{ "future_cu", "schedule: \"0 0 * * *\"\nstart: 2026-12-10\n" },
	{ "ended", "schedule: \"0 0 * * *\"\nstart: 2026-01-01\nend: 2026-06-01\n" },
	{ "ended_nc", "schedule: \"0 0 * * *\"\nstart: 2026-01-01\nend: 2026-06-01\ncatchup: false\n" },
	{ "hourly_ny", "schedule: \"0 * * * *\"\ntimezone: America/New_York\nstart: 2026-01-01\ncatchup: false\n" },
	{ "weekly_nc", "schedule: \"0 0 * * 1\"\nstart: 2026-01-01\ncatchup: false\n" },
	{ "late_start_nc", "schedule: \"0 0 * * *\"\nstart: 2026-12-05T06:00:00Z\ncatchup: false\n" },
	{ "none", "schedule: none\n" },
};

static const struct {
	const char *dag;
	const char *cursor;	/* the stored cursor; NULL: never ran */
	const char *want;	/* key, or "-" for none */
	int due;
} cases[] = {
	/* catchup: true starts at the first tick, then follows the cursor */
	{ "daily_cu", NULL, "2026-12-01T00:00:00+00:00", 1 },
	{ "daily_cu", "2026-12-03T00:00:00Z", "2026-12-03T00:00:00+00:00", 1 },
	{ "daily_cu", "2026-12-05T00:00:00Z", "2026-12-05T00:00:00+00:00", 0 },
	/* catchup: false: the latest finished interval, never `start` */
	{ "daily_nc", NULL, "2026-12-04T00:00:00+00:00", 1 },
	{ "daily_nc", "2026-11-01T00:00:00Z", "2026-12-04T00:00:00+00:00", 1 },
	{ "daily_nc", "2026-12-05T00:00:00Z", "2026-12-05T00:00:00+00:00", 0 },
	/* start in the future: its first tick, not yet due */
	{ "future", NULL, "2026-12-10T00:00:00+00:00", 0 },
	{ "future_cu", NULL, "2026-12-10T00:00:00+00:00", 0 },
	/* past end: none */
	{ "ended", "2026-06-01T00:00:00Z", "-", 0 },
	{ "ended", NULL, "2026-01-01T00:00:00+00:00", 1 },
	{ "ended_nc", NULL, "-", 0 },
	/* in the DAG's zone; an interval ending right now is due */
	{ "hourly_ny", NULL, "2026-12-05T06:00:00-05:00", 1 },
	{ "hourly_ny", "2026-12-05T12:00:00Z", "2026-12-05T07:00:00-05:00", 0 },
	/* weekly: the latest finished week */
	{ "weekly_nc", NULL, "2026-11-23T00:00:00+00:00", 1 },
	/* the latest finished interval starts before start: start's tick */
	{ "late_start_nc", NULL, "2026-12-06T00:00:00+00:00", 0 },
	{ "none", NULL, "-", 0 },
};

static struct dag *loaded[SL_ARRAY_LEN(shapes)];

static struct dag *
find(const char *name)
{
	return unit_dags_find(shapes, SL_ARRAY_LEN(shapes), loaded, name);
}

static void
test_table(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct dag *d = find(cases[i].dag);
		struct next_partition np;
		int64_t cursor = -1;
		char key[96] = "-";
		struct sl_err err;

		if (cases[i].cursor != NULL &&
		    tz_parse_time(d->tz, cases[i].cursor, &cursor, &err) < 0) {
			fprintf(stderr, "case %zu: %s\n", i, err.msg);
			unit_case_failed = 1;
			continue;
		}
		if (next_partition_get(d, cases[i].cursor != NULL, cursor, NOW, &np))
			dag_partition_key(d, np.start, key, sizeof key);
		else
			np.due = 0;
		CHECK_MSG(strcmp(key, cases[i].want) == 0 && np.due == cases[i].due,
			  "case %zu (%s, cursor %s): want %s due %d, got %s due %d", i,
			  cases[i].dag, cases[i].cursor ? cases[i].cursor : "none",
			  cases[i].want, cases[i].due, key, np.due);
	}
}

int
main(void)
{
	unit_dags_load(shapes, SL_ARRAY_LEN(shapes), loaded);
	RUN(test_table);
	unit_dags_free(loaded, SL_ARRAY_LEN(shapes));
	return UNIT_END();
}
