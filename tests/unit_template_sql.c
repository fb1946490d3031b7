/* unit_template_sql.c: templates in SQL (values as literals, | ident,
 * refused places) and the date helpers (prev_ds, next_ds, prev_partition,
 * | add: N<unit>, across a DST change). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/operator.h"
#include "scheduler/cron.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"
#include "tests/unit.h"

static json_t *params;

/* Render text (sql: as SQL) for the interval [start, end) in zone, with
 * the schedule cron (NULL: unscheduled). */
static const char *
render_at(const char *text, int sql, const char *zone, int64_t start,
	  int64_t end, const char *cron)
{
	static char out[2048];
	struct tmpl_ctx c;
	struct tz *tz;
	struct cron *sched = NULL;
	struct buf b;
	struct sl_err err;
	int rc;

	if (tz_load(zone, &tz, &err) < 0)
		return "tz error";
	if (cron != NULL && cron_parse(cron, &sched, &err) < 0) {
		tz_free(tz);
		return "cron error";
	}
	memset(&c, 0, sizeof c);
	c.dag = "d";
	c.task = "t";
	c.run_id = "r";
	c.partition = "p";
	c.try_number = 2;
	c.start = start;
	c.end = end;
	c.tz = tz;
	c.schedule = sched;
	c.params = params;
	buf_init(&b, 0);
	rc = sql ? tmpl_render_sql(text, &c, &b, &err) :
		   tmpl_render(text, &c, &b, &err);
	if (rc < 0)
		snprintf(out, sizeof out, "error: %s", err.msg);
	else
		snprintf(out, sizeof out, "%s", buf_str(&b));
	buf_free(&b);
	cron_free(sched);
	tz_free(tz);
	return out;
}

/* 2024-03-10T05:00:00Z .. +1h, UTC */
static const char *
sql(const char *text)
{
	return render_at(text, 1, "UTC", 1710046800, 1710050400, NULL);
}

static void
test_sql_values(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "SELECT {{ params.name }}", "SELECT 'O''Brien'" },
		{ "WHERE ds = '{{ ds }}'", "WHERE ds = '2024-03-10'" },
		{ "WHERE ds = {{ ds }}", "WHERE ds = '2024-03-10'" },
		{ "SELECT 'x {{ params.name }} y'", "SELECT 'x O''Brien y'" },
		{ "SELECT * FROM {{ params.table | ident }}",
		  "SELECT * FROM \"analytics\".\"events\"" },
		{ "SELECT \"{{ params.name }}\"", "SELECT \"O'Brien\"" },
		{ "SELECT {{ params.quoted | ident }}", "SELECT \"a\"\"b\"" },
		{ "WHERE name = {{ params.evil }}",
		  "WHERE name = 'x''; DROP TABLE t; --'" },
		{ "LIMIT {{ params.n }}", "LIMIT 5" },
		{ "SELECT {{ try_number }}", "SELECT 2" },
		{ "SELECT {{ params.name | raw }}", "SELECT O'Brien" },
		{ "SELECT '--', {{ ds }} -- {{ ds | raw }}",
		  "SELECT '--', '2024-03-10' -- 2024-03-10" },
		{ "SELECT $1, {{ ds }}", "SELECT $1, '2024-03-10'" },
		{ "SELECT $$a$$, {{ ds }}", "SELECT $$a$$, '2024-03-10'" },
		{ "SELECT $x$ ' $x$, {{ ds }}", "SELECT $x$ ' $x$, '2024-03-10'" },
		{ "SELECT /* a /* b */ ' */ {{ ds }}",
		  "SELECT /* a /* b */ ' */ '2024-03-10'" },
		{ "SELECT {{ params.empty }}", "SELECT ''" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++)
		CHECK_EQ_STR(cases[i].want, sql(cases[i].text));
	/* a backslash is read differently by the servers: refused */
	CHECK_EQ_STR("error: '{{ params.backslash }}': the value holds a backslash, which PostgreSQL, Redshift and SQLite read differently inside a SQL string; it is not inserted (use | raw for a trusted value)",
		     sql("SELECT {{ params.backslash }}"));
	CHECK(strncmp(sql("SELECT '{{ params.backslash }}'"), "error: ", 7) == 0);
	/* an identifier may hold a backslash */
	CHECK_EQ_STR("SELECT \"a\\b\"", sql("SELECT {{ params.backslash | ident }}"));
}

/* Load-time checks of SQL text: (text, 0 ok / the start of the error). */
static void
test_sql_check(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "SELECT {{ ds }}, '{{ ds }}', \"{{ ds }}\", {{ dag | ident }}", NULL },
		{ "SELECT 1 -- {{ ds | raw }}", NULL },
		{ "SELECT 1 -- {{ ds }}", "'{{ ds }}' (line 1, column 16 of the SQL): it stands inside a -- comment" },
		{ "SELECT 1 /* {{ ds }} */", "'{{ ds }}' (line 1, column 16 of the SQL): it stands inside a /* */ comment" },
		{ "SELECT $$ {{ ds }} $$", "'{{ ds }}' (line 1, column 14 of the SQL): it stands inside a $$ dollar-quoted body" },
		{ "SELECT E'{{ ds }}'", "'{{ ds }}' (line 1, column 13 of the SQL): it stands inside an E'...' string" },
		{ "SELECT '{{ dag | ident }}'", "'{{ dag }}' (line 1, column 12 of the SQL): | ident stands inside a '...' string" },
		{ "SELECT {{ ds }}, 'open", "the SQL leaves a quote, comment or $$ body open" },
		{ "SELECT\n  $x{{ ds }}", "'{{ ds }}' (line 2, column 8 of the SQL): it stands inside a $ tag" },
		{ "SELECT {{ ds | add: 1d | ident }}", NULL },
		{ "SELECT {{ ds | ident | raw }}", "'ds': | ident must be the last filter" },
		{ "SELECT {{ ds | %Y\\%m }}", "'{{ ds }}' (line 1, column 11 of the SQL): its format holds a backslash, which cannot go into SQL as a literal, or write" },
		{ "SELECT {{ ds | %Y\\%m | raw }}", NULL },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct sl_err err;
		int rc;

		sl_err_clear(&err);
		rc = tmpl_check_sql(cases[i].text, params, &err);
		if (cases[i].want == NULL) {
			CHECK_MSG(rc == 0, "%s: %s", cases[i].text, err.msg);
		} else {
			CHECK_MSG(rc < 0 && strncmp(err.msg, cases[i].want,
			    strlen(cases[i].want)) == 0, "%s:\n  want: %s...\n  got:  %s",
			    cases[i].text, cases[i].want, err.msg);
		}
	}
	/* | ident belongs to SQL */
	{
		struct sl_err err;

		CHECK(tmpl_check("{{ dag | ident }}", params, &err) < 0);
		CHECK(tmpl_check_shell("echo {{ dag | ident }}", params, &err) < 0);
	}
}

/* The date helpers and add; (text, want) rendered plain. */
static void
test_dates(void)
{
	/* hourly partition 2024-03-10T05:00Z, UTC, unscheduled */
	static const struct {
		const char *text, *want;
	} utc[] = {
		{ "{{ data_interval_start | add: -1d | %Y-%m-%d }}", "2024-03-09" },
		{ "{{ ds | add: 1w }}", "2024-03-17" },
		{ "{{ ds | add:-2d | %Y%m%d }}", "20240308" },
		{ "{{ ts | add: 90m }}", "2024-03-10T06:30:00+00:00" },
		{ "{{ data_interval_end | add: -3600s | %H }}", "05" },
		{ "{{ data_interval_start | add: 1d | add: -1h }}", "2024-03-11T04:00:00+00:00" },
		{ "{{ prev_ds }}", "2024-03-10" },	/* the hour before */
		{ "{{ next_ds | %H }}", "06" },
		{ "{{ prev_ds | add: -1d }}", "2024-03-09" },
	};
	struct sl_err err;

	for (size_t i = 0; i < SL_ARRAY_LEN(utc); i++)
		CHECK_EQ_STR(utc[i].want, render_at(utc[i].text, 0, "UTC",
			     1710046800, 1710050400, NULL));
	CHECK_EQ_STR("error: prev_partition: the DAG is unscheduled, so its partitions have no order",
		     render_at("{{ prev_partition }}", 0, "UTC", 1710046800,
			       1710050400, NULL));

	/* a daily schedule: 2024-03-10 in UTC */
	CHECK_EQ_STR("2024-03-09 2024-03-11 2024-03-09T00:00:00+00:00",
		     render_at("{{ prev_ds }} {{ next_ds }} {{ prev_partition }}", 0,
			       "UTC", 1710028800, 1710115200, "0 0 * * *"));
	/* weekdays only: the partition before Monday 2024-03-11 is Friday */
	CHECK_EQ_STR("2024-03-08 2024-03-08T00:00:00+00:00",
		     render_at("{{ prev_ds }} {{ prev_partition }}", 0, "UTC",
			       1710115200, 1710201600, "0 0 * * 1-5"));

	/*
	 * DST in America/New_York (clocks go 02:00 → 03:00 on 2024-03-10):
	 * add: 1d is the same wall time on the next calendar day (23 hours
	 * here), add: 24h exactly 24 hours; a wall time in the gap becomes
	 * the first instant after it.
	 */
	CHECK_EQ_STR("2024-03-10T12:00:00-04:00",	/* from 03-09 12:00 EST */
		     render_at("{{ data_interval_start | add: 1d }}", 0,
			       "America/New_York", 1710003600, 1710007200, NULL));
	CHECK_EQ_STR("2024-03-10T13:00:00-04:00",
		     render_at("{{ data_interval_start | add: 24h }}", 0,
			       "America/New_York", 1710003600, 1710007200, NULL));
	CHECK_EQ_STR("2024-03-10T03:00:00-04:00",	/* from 03-09 02:30 EST */
		     render_at("{{ data_interval_start | add: 1d }}", 0,
			       "America/New_York", 1709969400, 1709973000, NULL));
	/* so a day forward and back is not the identity across a gap */
	CHECK_EQ_STR("2024-03-09T03:00:00-05:00",
		     render_at("{{ data_interval_start | add: 1d | add: -1d }}", 0,
			       "America/New_York", 1709969400, 1709973000, NULL));
	/* the daily partition of 2024-03-10 local is 23 hours long; the day
	 * before is the previous tick in the zone */
	CHECK_EQ_STR("2024-03-09 2024-03-11",
		     render_at("{{ prev_ds }} {{ next_ds }}", 0, "America/New_York",
			       1710046800, 1710129600, "0 0 * * *"));

	/* load-time errors */
	CHECK(tmpl_check("{{ dag | add: 1d }}", params, &err) < 0);
	CHECK_EQ_STR("'dag | add': add applies only to times (ds, ts, data_interval_start, data_interval_end, prev_ds, next_ds)", err.msg);
	CHECK_EQ_INT(10, err.col);	/* at the filter */
	CHECK(tmpl_check("{{ ds | add: 1y }}", params, &err) < 0);
	CHECK_EQ_STR("'ds | add: ...' needs a whole number and a unit, like add: -1d (units s m h d w)", err.msg);
	CHECK(tmpl_check("{{ ds | add: d }}", params, &err) < 0);
	CHECK(tmpl_check("{{ ds | %Y | add: 1d }}", params, &err) < 0);
	CHECK_EQ_STR("'ds': add must come before the format", err.msg);
	CHECK(tmpl_check("{{ ds | %Y | %m }}", params, &err) < 0);
	CHECK(tmpl_check("{{ prev_partition | %Y }}", params, &err) < 0);
	CHECK(tmpl_check("{{ next_ds | add: -2w | %Y }} {{ prev_partition }}", params, &err) == 0);
}

int
main(void)
{
	params = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s}", "name", "O'Brien",
			   "table", "analytics.events", "quoted", "a\"b",
			   "evil", "x'; DROP TABLE t; --", "n", 5,
			   "backslash", "a\\b", "empty", "");
	RUN(test_sql_values);
	RUN(test_sql_check);
	RUN(test_dates);
	json_decref(params);
	return UNIT_END();
}
