/*
 * unit_sched_needs.c: needs: across DAGs in the deterministic harness
 * (tests/sched_harness.h): a consumer partition waits, holding no process
 * and no slot, until every upstream partition it needs has succeeded, and
 * the last one's success starts it in the same pass; DST days, offset,
 * latest, weekly over daily, an unscheduled consumer; a partition
 * triggered by hand waits for its interval's end too; DAGs whose needs
 * do not resolve are refused at load, the others load.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/tz.h"
#include "scheduler/wait.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define STATE(dag, task, part) h_ti(dag, task, part, "state")

static const char up_hourly[] =
	"dag: up\nschedule: \"0 * * * *\"\nstart: 2026-01-01T00:00:00Z\n"
	"tasks:\n  load: {command: x, produces: [lake.trades]}\n";
static const char up_daily[] =
	"dag: upd\nschedule: \"0 0 * * *\"\nstart: 2026-01-01\n"
	"tasks:\n  extract: {command: x}\n";

/* Create a run of type `type` of dag's partition holding `at` (a
 * scheduled DAG) or keyed `at` (unscheduled); its key into key (may be
 * NULL). */
static void
run_typed(const char *dag, const char *at, const char *type, char *key,
	  size_t n)
{
	struct dag *d = h_dag(dag);
	int64_t t, s, e;
	char k[96];
	struct sl_err err;

	sl_err_clear(&err);
	if (d == NULL) {
		fprintf(stderr, "no DAG %s\n", dag);
		abort();
	}
	if (d->schedule != NULL) {
		if (tz_parse_time(d->tz, at, &t, &err) < 0 ||
		    dag_interval_at(d, t, &s, &e) < 0) {
			fprintf(stderr, "%s: %s\n", at, err.msg);
			abort();
		}
		dag_partition_key(d, s, k, sizeof k);
	} else {
		snprintf(k, sizeof k, "%s", at);
		s = e = h_now() / 1000;
	}
	if (store_run_create(h_store(), d, k, s, e, type, NULL, NULL,
			     &err) < 0) {
		fprintf(stderr, "run %s %s: %s\n", dag, k, err.msg);
		abort();
	}
	if (key != NULL)
		snprintf(key, n, "%s", k);
}

/* The same, a run as the scheduler makes it (no interval-end wait: it
 * makes them once their interval has ended). */
static void
run_at(const char *dag, const char *at, char *key, size_t n)
{
	run_typed(dag, at, "scheduled", key, n);
}

/* The hourly upstream runs from..to (UTC, to excluded); their keys. */
static int
hours(const char *from, int count, char keys[][96])
{
	struct dag *d = h_dag("up");
	int64_t t;
	struct sl_err err;

	if (tz_parse_time(d->tz, from, &t, &err) < 0)
		abort();
	for (int i = 0; i < count; i++) {
		char at[96];

		dag_partition_key(d, t + i * 3600, at, sizeof at);
		run_at("up", at, keys[i], 96);
	}
	h_poke_db();
	return count;
}

/* A NY day over UTC hours: n - 1 done, the consumer waits; the last one
 * starts it in the pass that records its success. */
static void
day_over_hours(const char *day, const char *first_hour, int n)
{
	static char keys[30][96];
	struct h_dag_file files[] = {
		{ "up.yaml", up_hourly },
		{ "down.yaml",
		  "dag: down\nschedule: \"0 0 * * *\"\ntimezone: America/New_York\n"
		  "start: 2026-01-01\nneeds: [{dag: up, task: load}]\n"
		  "tasks:\n  compute: {command: x}\n" },
		{ NULL, NULL },
	};
	char dkey[96];
	int64_t evals;

	h_open(files, NULL);
	run_at("down", day, dkey, sizeof dkey);
	hours(first_hour, n + 1, keys);	/* and the hour after the day */
	CHECK_EQ_INT(0, h_running("compute"));
	for (int i = 0; i < n - 1; i++)
		CHECK_EQ_INT(0, h_end("load", keys[i], 0));
	CHECK_EQ_STR("success", STATE("up", "load", keys[n - 2]));
	CHECK_EQ_STR("none", STATE("down", "compute", dkey));
	CHECK_EQ_INT(0, h_started("compute"));
	/* the hour after the day does not count */
	CHECK_EQ_INT(0, h_end("load", keys[n], 0));
	CHECK_EQ_INT(0, h_started("compute"));
	evals = sched_needs_evals(h_sched());
	CHECK_EQ_INT(0, h_end("load", keys[n - 1], 0));
	CHECK_EQ_INT(1, h_running("compute"));
	/* one evaluation: the last hour released it */
	CHECK_EQ_INT(evals + 1, sched_needs_evals(h_sched()));
	h_close();
}

static void
test_dst_23_hours(void)
{
	day_over_hours("2026-03-08", "2026-03-08T05:00:00Z", 23);
}

static void
test_dst_25_hours(void)
{
	day_over_hours("2026-11-01", "2026-11-01T04:00:00Z", 25);
}

static void
test_plain_day(void)
{
	day_over_hours("2026-12-03", "2026-12-03T05:00:00Z", 24);
}

/* offset -1: yesterday's hours; today's do not start it */
static void
test_offset(void)
{
	static char today[24][96], yday[24][96];
	struct h_dag_file files[] = {
		{ "up.yaml", up_hourly },
		{ "down.yaml",
		  "dag: down\nschedule: \"0 0 * * *\"\nstart: 2026-01-01\n"
		  "needs: [{dataset: lake.trades, offset: -1}]\n"
		  "tasks:\n  compute: {command: x}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	run_at("down", "2026-12-03", NULL, 0);
	hours("2026-12-03T00:00:00Z", 24, today);
	hours("2026-12-02T00:00:00Z", 24, yday);
	for (int i = 0; i < 24; i++)
		h_end("load", today[i], 0);
	CHECK_EQ_INT(0, h_started("compute"));
	for (int i = 0; i < 23; i++)
		h_end("load", yday[i], 0);
	CHECK_EQ_INT(0, h_started("compute"));
	h_end("load", yday[23], 0);
	CHECK_EQ_INT(1, h_running("compute"));
	h_close();
}

/* latest: the newest successful upstream partition ending by the end */
static void
test_latest(void)
{
	struct h_dag_file files[] = {
		{ "upd.yaml", up_daily },
		{ "down.yaml",
		  "dag: down\nschedule: \"0 0 * * *\"\nstart: 2026-01-01\n"
		  "needs: [{dag: upd, latest: true}]\n"
		  "tasks:\n  compute: {command: x}\n" },
		{ NULL, NULL },
	};
	char k_late[96], k_old[96], dkey[96];

	h_open(files, NULL);
	run_at("down", "2026-12-03", dkey, sizeof dkey);
	/* a partition ending after the consumer's end does not count */
	run_at("upd", "2026-12-05", k_late, sizeof k_late);
	run_at("upd", "2026-11-20", k_old, sizeof k_old);
	h_poke_db();
	h_end("extract", k_late, 0);
	CHECK_EQ_STR("success", STATE("upd", "extract", k_late));
	CHECK_EQ_INT(0, h_started("compute"));
	h_end("extract", k_old, 0);
	CHECK_EQ_INT(1, h_running("compute"));
	h_close();
}

/* weekly over daily: seven days, the whole run of each (no task:) */
static void
test_weekly_over_daily(void)
{
	struct h_dag_file files[] = {
		{ "upd.yaml", up_daily },
		{ "week.yaml",
		  "dag: week\nschedule: \"0 0 * * 1\"\nstart: 2026-01-01\n"
		  "tasks:\n  fact: {command: x, needs: [{dag: upd}]}\n"
		  "  report: {command: x, after: fact}\n" },
		{ NULL, NULL },
	};
	char keys[7][96], at[32];

	h_open(files, NULL);
	run_at("week", "2026-11-30", NULL, 0);
	for (int i = 0; i < 7; i++) {
		snprintf(at, sizeof at, "2026-%02d-%02d", i == 0 ? 11 : 12,
			 i == 0 ? 30 : i);
		run_at("upd", at, keys[i], sizeof keys[i]);
	}
	h_poke_db();
	for (int i = 0; i < 6; i++)
		h_end("extract", keys[i], 0);
	CHECK_EQ_INT(0, h_started("fact"));
	h_end("extract", keys[6], 0);
	CHECK_EQ_INT(1, h_running("fact"));
	h_close();
}

/* an unscheduled consumer: the upstream partition with its own key */
static void
test_unscheduled_consumer(void)
{
	struct h_dag_file files[] = {
		{ "upd.yaml", up_daily },
		{ "adhoc.yaml",
		  "dag: adhoc\nneeds: [{dag: upd, task: extract}]\n"
		  "tasks:\n  report: {command: x}\n" },
		{ NULL, NULL },
	};
	char k1[96], k2[96];

	h_open(files, NULL);
	run_at("upd", "2026-12-03", k1, sizeof k1);
	run_at("upd", "2026-12-04", k2, sizeof k2);
	run_at("adhoc", k2, NULL, 0);
	h_poke_db();
	h_end("extract", k1, 0);
	CHECK_EQ_INT(0, h_started("report"));
	h_end("extract", k2, 0);
	CHECK_EQ_INT(1, h_running("report"));
	h_close();
}

/* a consumer waiting on 1,000 upstream partitions: no process, no slot,
 * no timer, and no evaluation while nothing changes */
static void
test_idle_waiting(void)
{
	struct h_dag_file files[] = {
		{ "up.yaml", up_hourly },
		{ "big.yaml",
		  "dag: big\nschedule: \"0 0 1 */2 *\"\nstart: 2026-01-01\n"
		  "needs: [{dag: up}]\n"
		  "tasks:\n  a: {command: x}\n  b: {command: x}\n" },
		{ NULL, NULL },
	};
	char key[96];
	int64_t evals;

	h_open(files, NULL);
	run_at("big", "2026-01-01", key, sizeof key);
	h_poke_db();
	CHECK_EQ_INT(0, h_started(NULL));
	CHECK_EQ_INT(0, h_sched()->running);
	CHECK_EQ_INT(2, (int)sched_needs_waiting(h_sched()));
	CHECK_EQ_STR("none", STATE("big", "a", key));
	evals = sched_needs_evals(h_sched());
	h_advance(3600 * 1000);
	CHECK_EQ_INT(evals, sched_needs_evals(h_sched()));
	CHECK_EQ_INT(0, h_started(NULL));
	h_close();
}

/* A person clears upstream partitions (as `sluice clear` does). */
static void
clear_part(const char *dag, const char *partition)
{
	struct clear_spec spec;
	struct sl_err err;

	memset(&spec, 0, sizeof spec);
	spec.dag_id = dag;
	spec.partition = partition;
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	sl_err_clear(&err);
	if (store_clear(h_store(), h_dag(dag), &spec, "test", NULL, &err) < 0) {
		fprintf(stderr, "clear %s %s: %s\n", dag, partition, err.msg);
		abort();
	}
}

static int
run_stale(const char *dag, const char *partition)
{
	json_t *r = store_run_json(h_store(), dag, partition);
	int v = r ? (int)json_integer_value(json_object_get(r, "stale")) : -1;

	json_decref(r);
	return v;
}

/* hourly -> daily -> report (a third DAG, over the whole daily run) */
static char st_hours[24][96], st_day[96], st_rep[96];

static void
stale_open(const char *on_change)
{
	char down[512];
	struct h_dag_file files[] = {
		{ "up.yaml", up_hourly },
		{ "down.yaml", down },
		{ "rep.yaml",
		  "dag: rep\nschedule: \"0 0 * * *\"\nstart: 2026-01-01\n"
		  "needs: [{dag: down}]\ntasks:\n  report: {command: x}\n" },
		{ NULL, NULL },
	};

	snprintf(down, sizeof down,
		 "dag: down\nschedule: \"0 0 * * *\"\nstart: 2026-01-01\n"
		 "needs: [{dag: up, task: load, on_change: %s}]\n"
		 "tasks:\n  compute: {command: x}\n  publish: {command: x, after: compute}\n",
		 on_change);
	h_open(files, NULL);
	run_at("down", "2026-12-03", st_day, sizeof st_day);
	run_at("rep", "2026-12-03", st_rep, sizeof st_rep);
	hours("2026-12-03T00:00:00Z", 24, st_hours);
	for (int i = 0; i < 24; i++)
		h_end("load", st_hours[i], 0);
	h_end("compute", st_day, 0);
	h_end("publish", st_day, 0);
	h_end("report", st_rep, 0);
	CHECK_EQ_STR("success", h_run_state("down", st_day));
	CHECK_EQ_STR("success", h_run_state("rep", st_rep));
	CHECK_EQ_INT(1, h_started("compute"));
	CHECK_EQ_INT(1, h_started("report"));
	CHECK_EQ_INT(0, run_stale("down", st_day));
}

/* clear one upstream hour: once it succeeds, the day re-runs exactly
 * once, and the report downstream of it once too */
static void
test_stale_rerun(void)
{
	stale_open("rerun");
	clear_part("up", st_hours[13]);
	h_poke_db();
	CHECK_EQ_INT(1, h_running("load"));
	CHECK_EQ_INT(1, h_started("compute"));
	h_end("load", st_hours[13], 0);
	CHECK_EQ_INT(2, h_started("compute"));
	CHECK_EQ_INT(0, run_stale("down", st_day));
	CHECK_EQ_INT(1, h_started("report"));
	h_end_all();
	CHECK_EQ_INT(2, h_started("compute"));
	CHECK_EQ_INT(2, h_started("publish"));
	CHECK_EQ_INT(2, h_started("report"));
	CHECK_EQ_STR("success", h_run_state("rep", st_rep));
	/* nothing more: the new tries consumed the new upstream tries */
	h_advance(3600 * 1000);
	CHECK_EQ_INT(2, h_started("compute"));
	CHECK_EQ_INT(2, h_started("report"));
	h_close();
}

/* two hours cleared: the day waits until both settled, then re-runs once */
static void
test_stale_settle(void)
{
	stale_open("rerun");
	clear_part("up", st_hours[5]);
	clear_part("up", st_hours[6]);
	h_poke_db();
	h_end("load", st_hours[5], 0);
	CHECK_EQ_INT(1, h_started("compute"));
	CHECK_EQ_INT(2, run_stale("down", st_day));
	h_end("load", st_hours[6], 0);
	CHECK_EQ_INT(2, h_started("compute"));
	h_end_all();
	CHECK_EQ_INT(2, h_started("compute"));
	CHECK_EQ_INT(2, h_started("report"));
	h_close();
}

/* on_change: mark only marks the day; nothing re-runs */
static void
test_stale_mark(void)
{
	stale_open("mark");
	clear_part("up", st_hours[13]);
	h_poke_db();
	h_end("load", st_hours[13], 0);
	h_end_all();
	CHECK_EQ_INT(1, h_started("compute"));
	CHECK_EQ_INT(1, h_started("report"));
	CHECK_EQ_INT(1, run_stale("down", st_day));
	CHECK_EQ_INT(0, run_stale("rep", st_rep));
	h_close();
}

/* a retry consumes what its first try did: still stale after a change */
static void
test_stale_after_retry(void)
{
	static char hrs[24][96];
	char day[96];
	struct h_dag_file files[] = {
		{ "up.yaml", up_hourly },
		{ "down.yaml",
		  "dag: down\nschedule: \"0 0 * * *\"\nstart: 2026-01-01\n"
		  "needs: [{dag: up, task: load}]\n"
		  "tasks:\n  compute: {command: x, retries: 1, retry_delay: 1m}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	run_at("down", "2026-12-03", day, sizeof day);
	hours("2026-12-03T00:00:00Z", 24, hrs);
	for (int i = 0; i < 24; i++)
		h_end("load", hrs[i], 0);
	h_end("compute", day, 1);
	CHECK_EQ_STR("up_for_retry", STATE("down", "compute", day));
	h_advance(61 * 1000);
	CHECK_EQ_INT(2, h_started("compute"));
	h_end("compute", day, 0);
	CHECK_EQ_STR("success", h_run_state("down", day));
	clear_part("up", hrs[3]);
	h_poke_db();
	h_end("load", hrs[3], 0);
	CHECK_EQ_INT(3, h_started("compute"));
	h_end_all();
	CHECK_EQ_INT(3, h_started("compute"));
	h_close();
}

/* unknown names and cycles: those DAGs do not load, the others do */
static void
test_refused(void)
{
	struct h_dag_file files[] = {
		{ "up.yaml", up_hourly },
		{ "c1.yaml", "dag: c1\nneeds: [{dag: c2}]\ntasks:\n  a: {command: x}\n" },
		{ "c2.yaml", "dag: c2\nneeds: [{dag: c1}]\ntasks:\n  a: {command: x}\n" },
		{ "u.yaml", "dag: u\nneeds: [{dag: up, task: nope}]\ntasks:\n  a: {command: x}\n" },
		{ "ok.yaml", "dag: ok\nneeds: [{dag: up}]\ntasks:\n  a: {command: x}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	CHECK(h_dag("up") != NULL);
	CHECK(h_dag("ok") != NULL);
	CHECK(h_dag("c1") == NULL);
	CHECK(h_dag("c2") == NULL);
	CHECK(h_dag("u") == NULL);
	/* fixed: it loads at the next scan */
	h_dag_file("u.yaml", "dag: u\nneeds: [{dag: up, task: load}]\ntasks:\n  a: {command: x}\n");
	CHECK(h_dag("u") != NULL);
	/* its upstream goes: it keeps its version, in error */
	h_dag_file("up.yaml", NULL);
	h_dag_file("ok.yaml", "dag: ok\nneeds: [{dag: gone}]\ntasks:\n  a: {command: x}\n");
	CHECK(h_dag("ok") != NULL);
	h_close();
}

static void
wide_cfg(struct config *cfg)
{
	cfg->parallelism = 100;
}

/* Why compute of dag waits in partition key, in words (static). */
static const char *
waits_for(const char *dag, const char *key)
{
	static char text[512];
	struct sched *s = h_sched();
	json_t *w = NULL;
	struct sl_err err;

	sl_err_clear(&err);
	if (wait_explain_ti(h_store(), s->cfg, &s->execs, &s->bag, h_dag(dag), key, "compute",
			    h_now(), &w, &err) < 0)
		snprintf(text, sizeof text, "error: %.480s", err.msg);
	else
		snprintf(text, sizeof text, "%s", json_is_object(w) ?
			 json_string_value(json_object_get(w, "text")) : "-");
	json_decref(w);
	return text;
}

/* An unscheduled consumer's run whose key no partition of its scheduled
 * upstream can have (a free key, or a time spelled otherwise than the
 * upstream's key) waits for good: its waiting reason says so and names a
 * key that would do; a key the upstream has waits as usual, and starts. */
static void
test_unscheduled_never(void)
{
	struct h_dag_file files[] = {
		{ "upd.yaml", up_daily },
		{ "adhoc.yaml",
		  "dag: adhoc\nneeds: [{dag: upd, task: extract}]\n"
		  "tasks:\n  compute: {command: x}\n" },
		{ NULL, NULL },
	};
	char k1[96];

	h_open(files, NULL);
	run_at("upd", "2026-12-03", k1, sizeof k1);
	run_at("adhoc", "adhoc-1", NULL, 0);
	run_at("adhoc", "2026-12-03T00:00:00-05:00", NULL, 0);
	run_at("adhoc", k1, NULL, 0);
	h_poke_db();
	/* the harness's now, 2024-01-10T00:30Z, is when adhoc-1 was made */
	CHECK_EQ_STR("upd.extract: never met: 'adhoc-1' is never a partition key of upd: its keys "
		     "are the starts of its partitions, like 2024-01-10T00:00:00+00:00 (delete this "
		     "run and trigger adhoc with such a key)", waits_for("adhoc", "adhoc-1"));
	CHECK_EQ_STR("upd.extract: never met: '2026-12-03T00:00:00-05:00' is never a partition key "
		     "of upd: the partition of upd holding that time is 2026-12-03T00:00:00+00:00 "
		     "(delete this run and trigger adhoc with such a key)",
		     waits_for("adhoc", "2026-12-03T00:00:00-05:00"));
	CHECK_EQ_STR("upd.extract: partition 2026-12-03T00:00:00+00:00 has not succeeded",
		     waits_for("adhoc", k1));
	CHECK_EQ_INT(0, h_end("extract", k1, 0));
	CHECK_EQ_STR("running", STATE("adhoc", "compute", k1));
	CHECK_EQ_STR("none", STATE("adhoc", "compute", "adhoc-1"));
	CHECK_EQ_INT(1, h_started("compute"));
	h_close();
}

/* A partition triggered by hand starts when its interval has ended and
 * its needs are met, whichever comes last (the harness's now is
 * 2024-01-10T00:30Z): today's, with every hour it needs done early,
 * waits for midnight, across a restart, and starts at it; with offset -1
 * (yesterday's hours) the needs come last and the last hour's success
 * starts it; tomorrow's waits for its own end, and so does a backfill's
 * run of it (a backfill is run by hand too). Waiting costs no process. */
static void
test_manual_interval_end(void)
{
	static char today[24][96], yday[24][96];
	/* the scheduler itself makes up's runs of yesterday (catch-up) and
	 * none of down and prev before midnight (their first day) */
	struct h_dag_file files[] = {
		{ "up.yaml",
		  "dag: up\nschedule: \"0 * * * *\"\nstart: 2024-01-09T00:00:00Z\n"
		  "max_active_runs: 100\nmax_active_tasks: 100\n"
		  "tasks:\n  load: {command: x}\n" },
		{ "down.yaml",
		  "dag: down\nschedule: \"0 0 * * *\"\nstart: 2024-01-10\n"
		  "needs: [{dag: up, task: load}]\n"
		  "tasks:\n  compute: {command: x}\n" },
		{ "prev.yaml",
		  "dag: prev\nschedule: \"0 0 * * *\"\nstart: 2024-01-10\n"
		  "needs: [{dag: up, task: load, offset: -1}]\n"
		  "tasks:\n  compute: {command: x}\n" },
		{ NULL, NULL },
	};
	const char *day = "2024-01-10T00:00:00+00:00", *next = "2024-01-11T00:00:00+00:00";

	h_open(files, wide_cfg);
	run_typed("down", "2024-01-10", "manual", NULL, 0);
	run_typed("down", "2024-01-11", "manual", NULL, 0);
	run_typed("prev", "2024-01-10", "manual", NULL, 0);
	run_typed("prev", "2024-01-11", "backfill", NULL, 0);
	hours("2024-01-10T00:00:00Z", 24, today);
	for (int i = 0; i < 24; i++)
		snprintf(yday[i], sizeof yday[i], "2024-01-09T%02d:00:00+00:00", i);
	for (int i = 0; i < 24; i++)
		CHECK_EQ_INT(0, h_end("load", today[i], 0));
	for (int i = 0; i < 23; i++)
		CHECK_EQ_INT(0, h_end("load", yday[i], 0));
	/* every need of down's day is met; its day has not ended */
	CHECK_EQ_INT(0, h_started("compute"));
	CHECK_EQ_STR("none", STATE("down", "compute", day));
	CHECK_EQ_STR("waits for its interval to end at 2024-01-11T00:00:00+00:00; then its needs are met",
		     waits_for("down", day));
	CHECK_EQ_STR("waits for its interval to end at 2024-01-11T00:00:00+00:00; then "
		     "up.load: 23 of 24 partitions, missing 2024-01-09T23:00+00:00", waits_for("prev", day));
	h_restart();
	CHECK_EQ_INT(0, h_started("compute"));
	/* a second before midnight: still waiting; at midnight: started */
	h_advance((int64_t)(23 * 3600 + 29 * 60 + 59) * 1000);
	CHECK_EQ_INT(0, h_started("compute"));
	h_advance(1000);
	CHECK_EQ_INT(1, h_running("compute"));
	CHECK_EQ_STR("running", STATE("down", "compute", day));
	/* prev's day has ended too; its needs come last */
	CHECK_EQ_STR("none", STATE("prev", "compute", day));
	CHECK_EQ_STR("up.load: 23 of 24 partitions, missing 2024-01-09T23:00+00:00", waits_for("prev", day));
	CHECK_EQ_INT(0, h_end("load", yday[23], 0));
	CHECK_EQ_STR("running", STATE("prev", "compute", day));
	/* tomorrow's waits for its own end */
	CHECK_EQ_STR("none", STATE("down", "compute", next));
	CHECK_MSG(strncmp(waits_for("down", next), "waits for its interval to end at 2024-01-12T00:00:00+00:00",
			  58) == 0, "%s", waits_for("down", next));
	CHECK_EQ_STR("none", STATE("prev", "compute", next));
	CHECK_MSG(strncmp(waits_for("prev", next), "waits for its interval to end at 2024-01-12T00:00:00+00:00",
			  58) == 0, "%s", waits_for("prev", next));
	CHECK_EQ_INT(2, h_running("compute"));
	h_close();
}

/* A need whose upstream has no partition in the interval (before its
 * start:) is met, and said so: in the wait text while the interval is
 * open, in the try's log when it starts. An unscheduled upstream with no
 * run in the interval is not met, and the wait text says what it waits
 * for (it read "0 of 0 runs in this interval succeeded"). */
static void
test_nothing_to_wait_for(void)
{
	struct h_dag_file files[] = {
		{ "hl.yaml",
		  "dag: hl\nschedule: \"0 * * * *\"\nstart: 2024-01-12T00:00:00Z\n"
		  "tasks:\n  load: {command: x}\n" },
		{ "dn.yaml",
		  "dag: dn\nschedule: \"0 0 * * *\"\nstart: 2024-01-01\n"
		  "needs: [{dag: hl, task: load}]\n"
		  "tasks:\n  compute: {command: x}\n" },
		{ "un.yaml", "dag: un\ntasks:\n  load: {command: x}\n" },
		{ "dc.yaml",
		  "dag: dc\nschedule: \"0 0 * * *\"\nstart: 2024-01-01\n"
		  "needs: [{dag: un}]\n"
		  "tasks:\n  compute: {command: x}\n" },
		{ NULL, NULL },
	};
	const char *none = "hl.load has no partition in this interval (it starts "
			   "2024-01-12T00:00:00+00:00): nothing to wait for";
	char want[512], line[512] = "";
	FILE *f;

	h_open(files, wide_cfg);
	/* today's, by hand: its interval is open */
	run_typed("dn", "2024-01-10", "manual", NULL, 0);
	h_poke_db();
	snprintf(want, sizeof want, "waits for its interval to end at 2024-01-11T00:00:00+00:00; "
		 "then its needs are met: %s", none);
	CHECK_EQ_STR(want, waits_for("dn", "2024-01-10T00:00:00+00:00"));
	/* the days the scheduler caught up on start at once, the log of
	 * each saying why */
	CHECK_EQ_INT(9, h_running("compute"));
	CHECK_EQ_STR("running", STATE("dn", "compute", "2024-01-05T00:00:00+00:00"));
	CHECK(h_log_path("compute") != NULL);
	if (h_log_path("compute") != NULL && (f = fopen(h_log_path("compute"), "r")) != NULL) {
		if (fgets(line, sizeof line, f) == NULL)
			line[0] = '\0';
		fclose(f);
	}
	snprintf(want, sizeof want, "sluice] needs: %s\n", none);
	CHECK_MSG(strstr(line, want) != NULL, "log: %s", line);
	/* an unscheduled upstream with no run in the interval */
	CHECK_EQ_STR("none", STATE("dc", "compute", "2024-01-05T00:00:00+00:00"));
	CHECK_EQ_STR("waits for a successful run of un in this interval; none yet",
		     waits_for("dc", "2024-01-05T00:00:00+00:00"));
	h_close();
}

int
main(void)
{
	RUN(test_dst_23_hours);
	RUN(test_dst_25_hours);
	RUN(test_plain_day);
	RUN(test_offset);
	RUN(test_latest);
	RUN(test_weekly_over_daily);
	RUN(test_unscheduled_consumer);
	RUN(test_unscheduled_never);
	RUN(test_idle_waiting);
	RUN(test_refused);
	RUN(test_stale_rerun);
	RUN(test_stale_settle);
	RUN(test_stale_mark);
	RUN(test_stale_after_retry);
	RUN(test_manual_interval_end);
	RUN(test_nothing_to_wait_for);
	return UNIT_END();
}
