/*
 * unit_partition.c: the partition-argument resolver, as a table of DAG x
 * scope x argument(s) -> the keys it resolves to, or the error it must give.
 * DAGs: hourly in UTC, daily in America/New_York (with its DST days), a
 * daily schedule at an offset ("5 0 * * *", whose keys are 00:05), an
 * unscheduled one and an hourly one past its end; runs are made in a
 * temporary database.
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
};

enum mode { ONE, ALL, RANGE };

struct pcase {
	const char *dag;
	enum partition_scope scope;
	enum mode mode;
	const char *arg;	/* ONE/ALL; RANGE: from */
	const char *to;		/* RANGE */
	const char *want;	/* keys joined by spaces; or "!" + error text */
};

#define R PARTITION_RUNS
#define S PARTITION_SCHEDULE

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
};

static struct store *store;
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
	for (size_t i = 0; i < sizeof dags / sizeof dags[0]; i++) {
		char *path = xasprintf("%s/%s.yaml", dir, dags[i].name);
		char *yaml = xasprintf("%stasks:\n  a: {command: \"true\"}\n", dags[i].yaml);
		struct dag *d;

		if (sl_write_file(path, yaml, strlen(yaml), 0644, &err) < 0 ||
		    dag_load(path, NULL, &loaded[i], &err) < 0) {
			fprintf(stderr, "%s: %s\n", path, err.msg);
			exit(1);
		}
		d = loaded[i];
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
				start = end = 1764547200 + k;
			}
			if (store_run_create(store, d, key, start, end, "manual",
					     NULL, NULL, &err) < 0) {
				fprintf(stderr, "run %s: %s\n", key, err.msg);
				exit(1);
			}
		}
		free(path);
		free(yaml);
	}
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
		struct partition one;
		struct sl_err err;
		struct buf got;
		int r;

		sl_err_clear(&err);
		buf_init(&got, 0);
		if (c->mode == ONE) {
			r = partition_resolve_one(store, d, c->arg, now, c->scope, &one, &err);
			if (r == 0)
				buf_adds(&got, one.key);
		} else {
			r = c->mode == ALL ?
				partition_resolve(store, d, c->arg, now, c->scope, &set, &err) :
				partition_resolve_range(store, d, c->arg, c->to, now, c->scope, &set, &err);
			for (size_t k = 0; r == 0 && k < set.n; k++)
				buf_printf(&got, "%s%s", k ? " " : "", set.v[k].key);
			partition_set_free(&set);
		}
		if (c->want[0] == '!') {
			if (r == 0 || strstr(err.msg, c->want + 1) == NULL) {
				fprintf(stderr, "case %zu %s '%s': want error containing\n  %s\ngot %s\n  %s\n",
					i, c->dag, c->arg, c->want + 1, r == 0 ? "success" : "error",
					r == 0 ? buf_str(&got) : err.msg);
				unit_case_failed = 1;
			}
		} else if (r != 0 || strcmp(buf_str(&got), c->want) != 0) {
			fprintf(stderr, "case %zu %s '%s': want\n  %s\ngot\n  %s\n", i, c->dag,
				c->arg, c->want, r == 0 ? buf_str(&got) : err.msg);
			unit_case_failed = 1;
		}
		buf_free(&got);
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
				      1796472000, PARTITION_SCHEDULE, &set, &err) == 0);
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
				    PARTITION_SCHEDULE, &p, &err) == 0);
	CHECK_EQ_STR("2026-12-04T00:05:00+00:00", p.key);
	/* past its end: the last partition before the end, not one after */
	CHECK(partition_resolve_one(store, find("ended"), NULL, 1796472000,
				    PARTITION_SCHEDULE, &p, &err) == 0);
	CHECK_EQ_STR("2026-11-30T23:00:00+00:00", p.key);
	CHECK(partition_resolve_one(store, find("free"), "", 1796472000,
				    PARTITION_SCHEDULE, &p, &err) == 0);
	CHECK_EQ_STR("2026-12-05T12:00:00+00:00", p.key);
	CHECK(partition_resolve_one(store, find("free"), NULL, 1796472000,
				    PARTITION_RUNS, &p, &err) < 0);
	CHECK_EQ_STR("which partition of DAG free?", err.msg);
}

int
main(void)
{
	char *cmd;

	setup();
	RUN(test_table);
	RUN(test_exists);
	RUN(test_default);
	store_close(store);
	for (size_t i = 0; i < sizeof dags / sizeof dags[0]; i++)
		dag_free(loaded[i]);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	return UNIT_END();
}
