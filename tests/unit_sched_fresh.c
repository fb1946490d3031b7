/*
 * unit_sched_fresh.c: freshness alerts (scheduler/sched_fresh.c) in the
 * deterministic harness. An hourly DAG with freshness: 45m: at the start
 * the partition whose deadline passed while no scheduler ran is late at
 * once (its run running: why names the task), the next one once its
 * deadline passes on the clock, each alerted exactly once (also across a
 * restart), then a recovery notice each when they land. A paused DAG's
 * partitions without runs are late too, saying the DAG is paused, unless
 * freshness_when_paused: false. A DAG whose upstream never arrives is
 * late saying which need it waits for. A task's own freshness: makes
 * that task late (not the DAG), alerted once naming it, then recovered.
 * (This file links the email composer: a run's failure email's count of
 * tasks is checked here too.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "operators/notify.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/expected_store.h"
#include "scheduler/sched_internal.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define P22 "2024-01-09T22:00:00+00:00"
#define P23 "2024-01-09T23:00:00+00:00"

/* How many times line occurs in the notifications. */
static int
notes(const char *line)
{
	const char *p = h_notifications();
	size_t n = strlen(line);
	int count = 0;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == h_notifications() || p[-1] == '\n') && p[n] == '\n')
			count++;
		p += n;
	}
	return count;
}

/* How many notifications begin with prefix. */
static int
notes_prefix(const char *prefix)
{
	const char *p = h_notifications();
	size_t n = strlen(prefix);
	int count = 0;

	for (; *p != '\0'; p++)
		if ((p == h_notifications() || p[-1] == '\n') &&
		    strncmp(p, prefix, n) == 0)
			count++;
	return count;
}

struct why_seen {
	char key[64], why[256], last_why[256];	/* the first, the last */
	int n;
};

static void
why_row(void *arg, const char *dag, const char *key, int64_t start_s,
	const char *why)
{
	struct why_seen *w = arg;

	(void)dag;
	(void)start_s;
	snprintf(w->last_why, sizeof w->last_why, "%s", why ? why : "");
	if (w->n++ == 0) {
		snprintf(w->key, sizeof w->key, "%s", key);
		snprintf(w->why, sizeof w->why, "%s", why ? why : "");
	}
}

static void
test_late_then_recovered(void)
{
	static const struct h_dag_file files[] = {
		{ "fr.yaml", "dag: fr\nschedule: \"@hourly\"\nstart: 2024-01-09T22:00:00Z\n"
			     "freshness: 45m\nemail: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n"
			     "  publish: {command: \"true\", after: [load]}\n" },
		{ NULL, NULL },
	};
	struct why_seen w = { "", "", "", 0 };

	/* 00:30: 22:00's deadline (23:45) passed before the start */
	h_open(files, NULL);
	CHECK_EQ_INT(1, notes("late - " P22));
	CHECK_EQ_INT(0, notes("late - " P23));
	CHECK(store_fresh_open(h_store(), "fr", why_row, &w) == 0);
	CHECK_EQ_INT(1, w.n);
	CHECK_EQ_STR(P22, w.key);
	/* the first check follows the first tick, which gave 22:00 its run:
	 * why is what that run waits on */
	CHECK_EQ_STR("its run: load running, publish: waits for upstream load (running)", w.why);
	/* 23:00's deadline is 00:45 */
	h_advance(14 * 60 * 1000LL);
	CHECK_EQ_INT(0, notes("late - " P23));
	h_advance(2 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("late - " P23));
	/* 23:00 has a run, and its notice names it (as 22:00's did) */
	CHECK_EQ_INT(1, notes("  run scheduled__" P23));
	CHECK_EQ_INT(2, notes_prefix("  run "));
	w.n = 0;
	CHECK(store_fresh_open(h_store(), "fr", why_row, &w) == 0);
	CHECK_EQ_INT(2, w.n);
	CHECK_EQ_STR("its run: load running, publish: waits for upstream load (running)", w.last_why);
	CHECK_EQ_INT(1, notes("late - " P22));
	/* a restart alerts nothing again */
	while (waitpid(-1, NULL, 0) > 0)
		;
	h_restart();
	h_advance(5 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("late - " P22));
	CHECK_EQ_INT(1, notes("late - " P23));
	/* they land: a recovery notice each, once */
	CHECK(h_end_all() >= 4);
	h_advance(61 * 1000LL);
	CHECK_EQ_INT(1, notes("recovered - " P22));
	CHECK_EQ_INT(1, notes("recovered - " P23));
	/* landed in one pass: one notice names both */
	CHECK_EQ_INT(1, notes("recovered digest 2"));
	h_advance(5 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("recovered - " P22));
	w.n = 0;
	CHECK(store_fresh_open(h_store(), "fr", why_row, &w) == 0);
	CHECK_EQ_INT(0, w.n);
	h_close();
}

/*
 * The look-back window holds every partition that ended inside it, not
 * only those that started there: a week, a day, or a 10-minute partition
 * that began before the window's edge and ended after it is late when
 * its deadline passed (a weekly DAG never alerted with the default 7d).
 * The clock is Wednesday 2024-01-10 00:30 UTC.
 */
static int64_t lookback_ms;

static void
lookback_cfg(struct config *cfg)
{
	cfg->freshness_lookback_ms = lookback_ms;
	cfg->dags_paused_at_creation = 1;
}

static const struct {
	const char *what, *schedule, *freshness;
	int64_t lookback_ms;
	const char *late, *not_late;	/* a partition late, one ended before */
} lb_rows[] = {
	{ "weekly, the default 7d", "@weekly", "1m", 7 * 86400000LL,
	  "2023-12-31T00:00:00+00:00", "2023-12-24T00:00:00+00:00" },
	{ "daily, 1d", "@daily", "10m", 86400000LL,
	  "2024-01-09T00:00:00+00:00", "2024-01-08T00:00:00+00:00" },
	{ "every 10 minutes, 55m", "*/10 * * * *", "1m", 55 * 60000LL,
	  "2024-01-09T23:30:00+00:00", "2024-01-09T23:20:00+00:00" },
};

static void
test_lookback_window(void)
{
	for (size_t k = 0; k < SL_ARRAY_LEN(lb_rows); k++) {
		char yaml[512], late[128], not_late[128];
		struct h_dag_file files[] = { { "lb.yaml", yaml }, { NULL, NULL } };

		fprintf(stderr, "  %s\n", lb_rows[k].what);
		snprintf(yaml, sizeof yaml, "dag: lb\nschedule: \"%s\"\n"
			 "start: 2023-12-01T00:00:00Z\nfreshness: %s\n"
			 "email: [oncall@example.com]\n"
			 "tasks:\n  load: {command: \"true\"}\n",
			 lb_rows[k].schedule, lb_rows[k].freshness);
		snprintf(late, sizeof late, "late - %s", lb_rows[k].late);
		snprintf(not_late, sizeof not_late, "late - %s", lb_rows[k].not_late);
		lookback_ms = lb_rows[k].lookback_ms;
		h_open(files, lookback_cfg);
		/* paused at creation: no runs; a missing partition is late */
		h_advance(61 * 1000LL);
		CHECK_EQ_INT(1, notes(late));
		CHECK_EQ_INT(0, notes(not_late));
		h_close();
	}
}

static void
paused_cfg(struct config *cfg)
{
	cfg->dags_paused_at_creation = 1;
}

static void
test_paused(void)
{
	static const struct h_dag_file files[] = {
		{ "pz.yaml", "dag: pz\nschedule: \"@hourly\"\nstart: 2024-01-09T22:00:00Z\n"
			     "freshness: 45m\nemail: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ "quiet.yaml", "dag: quiet\nschedule: \"@hourly\"\nstart: 2024-01-09T22:00:00Z\n"
			     "freshness: 45m\nfreshness_when_paused: false\n"
			     "email: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct why_seen w = { "", "", "", 0 };

	h_open(files, paused_cfg);
	CHECK_EQ_INT(0, h_runs("pz"));
	CHECK_EQ_INT(1, notes("late - " P22));
	CHECK(store_fresh_open(h_store(), "pz", why_row, &w) == 0);
	CHECK_EQ_INT(1, w.n);
	CHECK_EQ_STR("no run: the DAG is paused", w.why);
	w.n = 0;
	CHECK(store_fresh_open(h_store(), "quiet", why_row, &w) == 0);
	CHECK_EQ_INT(0, w.n);
	h_advance(20 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("late - " P22));
	CHECK_EQ_INT(1, notes("late - " P23));
	w.n = 0;
	CHECK(store_fresh_open(h_store(), "quiet", why_row, &w) == 0);
	CHECK_EQ_INT(0, w.n);
	h_close();
}

/* The upstream never arrives: the late partition's run waits on its
 * needs, and the alert says for what. */
static void
test_upstream_never_arrived(void)
{
	static const struct h_dag_file files[] = {
		{ "up.yaml", "dag: up\nschedule: \"@hourly\"\nstart: 2024-01-10T00:00:00Z\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ "down.yaml", "dag: down\nschedule: \"@hourly\"\nstart: 2024-01-10T00:00:00Z\n"
			       "freshness: 45m\nemail: [oncall@example.com]\n"
			       "needs: [{dag: up, task: load}]\n"
			       "tasks:\n  report: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct why_seen w = { "", "", "", 0 };

	h_open(files, NULL);
	/* up's tries never end; down's 00:00 is due at 01:45 */
	h_advance(74 * 60 * 1000LL);
	CHECK_EQ_INT(0, notes("late - 2024-01-10T00:00:00+00:00"));
	h_advance(2 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("late - 2024-01-10T00:00:00+00:00"));
	CHECK(store_fresh_open(h_store(), "down", why_row, &w) == 0);
	CHECK_EQ_INT(1, w.n);
	CHECK_EQ_STR("its run: report waits for its needs: up.load: 0 of 1 partition, missing 2024-01-10T00:00+00:00",
		     w.why);
	h_close();
}

/* Deployed with a past start, its upstream missing: late at the first
 * check, which says which need it waits for (the run the first tick
 * created), not that the scheduler was not running. */
static void
test_past_start_waits_on_upstream(void)
{
	static const struct h_dag_file files[] = {
		{ "up.yaml", "dag: up\nschedule: \"@hourly\"\nstart: 2024-01-09T22:00:00Z\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ "down.yaml", "dag: down\nschedule: \"@hourly\"\nstart: 2024-01-09T22:00:00Z\n"
			       "freshness: 45m\nemail: [oncall@example.com]\n"
			       "needs: [{dag: up, task: load}]\n"
			       "tasks:\n  report: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct why_seen w = { "", "", "", 0 };

	/* 00:30: down's 22:00 was due at 23:45; up's tries never end */
	h_open(files, NULL);
	CHECK_EQ_INT(1, notes("late - " P22));
	CHECK(store_fresh_open(h_store(), "down", why_row, &w) == 0);
	CHECK_EQ_INT(1, w.n);
	CHECK_EQ_STR(P22, w.key);
	CHECK(strstr(w.why, "report waits for its needs: up.load") != NULL);
	CHECK(strstr(w.why, "not running") == NULL);
	h_close();
}

/* freshness: on a task: publish must succeed 2h after the interval ends;
 * the DAG has none of its own. */
static void
test_task_level(void)
{
	static const struct h_dag_file files[] = {
		{ "tk.yaml", "dag: tk\nschedule: \"@hourly\"\nstart: 2024-01-09T22:00:00Z\n"
			     "email: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n"
			     "  publish: {command: \"true\", after: [load], freshness: 2h}\n" },
		{ NULL, NULL },
	};
	struct why_seen w = { "", "", "", 0 };

	/* 00:30: 22:00's publish is due at 01:00 */
	h_open(files, NULL);
	CHECK(h_dag("tk")->freshness_ms == 0);
	CHECK(dag_task(h_dag("tk"), "publish")->freshness_ms == 2 * 3600 * 1000LL);
	CHECK_EQ_INT(0, notes("late publish " P22));
	h_advance(29 * 60 * 1000LL);
	CHECK_EQ_INT(0, notes("late publish " P22));
	h_advance(2 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("late publish " P22));
	CHECK_EQ_INT(0, notes("late publish " P23));
	CHECK_EQ_INT(0, notes("late - " P22));
	CHECK(store_fresh_open(h_store(), "tk", why_row, &w) == 0);
	CHECK_EQ_INT(1, w.n);
	CHECK_EQ_STR(P22 " publish", w.key);
	CHECK_EQ_STR("its run: publish: waits for upstream load (running)", w.why);
	h_advance(5 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("late publish " P22));
	/* it lands: one recovery notice naming the task */
	CHECK(h_end("load", P22, 0) == 0);
	CHECK(h_end("publish", P22, 0) == 0);
	h_advance(61 * 1000LL);
	CHECK_EQ_INT(1, notes("recovered publish " P22));
	h_advance(5 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("recovered publish " P22));
	w.n = 0;
	CHECK(store_fresh_open(h_store(), "tk", why_row, &w) == 0);
	CHECK_EQ_INT(0, w.n);
	h_close();
}

/* The email of a task's late partition names the task. */
static void
test_task_email(void)
{
	static char *to[] = { "oncall@example.com", NULL };
	struct notify_event ev;
	json_t *o;

	memset(&ev, 0, sizeof ev);
	ev.kind = "late";
	ev.dag = "tk";
	ev.task = "publish";
	ev.partition = P22;
	ev.error = "its run: publish: waits for upstream load (running)";
	ev.sla_deadline = "2024-01-10T01:00:00+00:00";
	ev.to = to;
	o = notify_compose(&ev);
	CHECK_EQ_STR("[sluice] LATE: tk.publish " P22 " (due 2024-01-10T01:00:00+00:00)",
		     json_string_value(json_object_get(o, "subject")));
	CHECK(strstr(json_string_value(json_object_get(o, "body")),
		     "Task publish of partition " P22 " of DAG tk has not landed") != NULL);
	json_decref(o);
	ev.task = NULL;
	o = notify_compose(&ev);
	CHECK_EQ_STR("[sluice] LATE: tk " P22 " (due 2024-01-10T01:00:00+00:00)",
		     json_string_value(json_object_get(o, "subject")));
	json_decref(o);
}

/* A DAG deployed with catchup: false and a past start: what ended before
 * it was first loaded is skipped by design, so it is never late (the map
 * calls it missing) and nothing is alerted; the newest ended one gets its
 * run. A partition skipped once the DAG is running (the scheduler was
 * down three hours) is late, in one notice that says why (catchup is
 * off) and how to run it. */
static void
test_catchup_off(void)
{
	static const struct h_dag_file files[] = {
		{ "co.yaml", "dag: co\nschedule: \"@hourly\"\nstart: 2024-01-09T20:00:00Z\n"
			     "catchup: false\nfreshness: 45m\nemail: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct why_seen w = { "", "", "", 0 };
	struct expected_store_map m;
	struct sl_err err;

	/* 00:30, first loaded: 20:00 to 22:00 ended before, 23:00 is run */
	h_open(files, NULL);
	CHECK_EQ_INT(1, h_runs("co"));
	CHECK_EQ_INT(0, notes_prefix("late "));
	CHECK(store_fresh_open(h_store(), "co", why_row, &w) == 0);
	CHECK_EQ_INT(0, w.n);
	sl_err_clear(&err);
	CHECK(expected_store_load(h_store(), h_dag("co"), "2024-01-09T20:00:00Z", NULL,
				  h_now() / 1000, 100, &m, &err) == 0);
	CHECK_EQ_INT(5, (int)m.n);	/* 20:00 to 00:00 */
	CHECK_EQ_INT(3, (int)m.counts[EXPECTED_MISSING]);
	CHECK_EQ_INT(0, (int)m.counts[EXPECTED_LATE]);
	expected_store_free(&m);
	CHECK(h_end("load", P23, 0) == 0);

	/* 03:30 after the scheduler was down: 00:00 and 01:00 are skipped
	 * (02:00 is run), and are late */
	h_wall_step(3 * 3600 * 1000);
	h_restart();
	CHECK_EQ_INT(2, h_runs("co"));
	CHECK_EQ_INT(1, notes("late digest 2"));
	CHECK_EQ_INT(1, notes("late - 2024-01-10T00:00:00+00:00"));
	CHECK_EQ_INT(1, notes("late - 2024-01-10T01:00:00+00:00"));
	CHECK_EQ_INT(0, notes("late - 2024-01-09T20:00:00+00:00"));
	CHECK(store_fresh_open(h_store(), "co", why_row, &w) == 0);
	CHECK_EQ_INT(2, w.n);
	CHECK_EQ_STR("no run: catchup is off, so the scheduler skips a missed "
		     "partition (sluice backfill runs it)", w.why);
	CHECK_EQ_STR(w.why, w.last_why);
	h_close();
}

/* A digest of late partitions: one email naming how many and the range,
 * each partition with its deadline, why and link (a never-run one's is the
 * grid at it, one with a run its run page), names escaped in the HTML, and
 * the partition map over them. The webhook's payload lists the same. */
static void
test_digest_email(void)
{
	static char *to[] = { "oncall@example.com", NULL };
	struct notify_event ev;
	json_t *list = json_pack("[{s:s,s:s,s:s,s:b},{s:s,s:s,s:s,s:b}]",
	    "partition", P22, "due", "2024-01-09T23:45:00+00:00",
	    "why", "no run: the DAG is paused", "no_run", 1,
	    "partition", P23, "due", "2024-01-10T00:45:00+00:00",
	    "why", "its run: load <running>", "no_run", 0);
	const char *body, *html;
	json_t *o, *hook;

	memset(&ev, 0, sizeof ev);
	ev.kind = "late";
	ev.dag = "fr";
	ev.base_url = "http://sluice.example:8080/";
	ev.fresh_digest = list;
	ev.to = to;
	o = notify_compose(&ev);
	CHECK_EQ_STR("[sluice] LATE: fr, 2 partitions, " P22 " to " P23,
		     json_string_value(json_object_get(o, "subject")));
	body = json_string_value(json_object_get(o, "body"));
	CHECK(strstr(body, "2 partitions of DAG fr have not landed by their "
			   "freshness deadlines.") != NULL);
	CHECK(strstr(body, "  " P22 ": due 2024-01-09T23:45:00+00:00; no run: "
			   "the DAG is paused\n    http://sluice.example:8080/dags/fr"
			   "?at=2024-01-09T22%3A00%3A00%2B00%3A00\n") != NULL);
	CHECK(strstr(body, "    http://sluice.example:8080/dags/fr/runs/"
			   "2024-01-09T23%3A00%3A00%2B00%3A00\n") != NULL);
	CHECK(strstr(body, "http://sluice.example:8080/dags/fr/map?from="
			   "2024-01-09T22%3A00%3A00%2B00%3A00&to="
			   "2024-01-09T23%3A00%3A00%2B00%3A00") != NULL);
	html = json_string_value(json_object_get(o, "html"));
	CHECK(strstr(html, "load &lt;running&gt;") != NULL);
	CHECK(strstr(html, "<running>") == NULL);
	json_decref(o);
	/* one reason for every partition: said once, above the list */
	json_object_set_new(json_array_get(list, 1), "why",
			    json_string("no run: the DAG is paused"));
	o = notify_compose(&ev);
	body = json_string_value(json_object_get(o, "body"));
	CHECK(strstr(body, "\n\nWhy: no run: the DAG is paused\n\n") != NULL);
	CHECK(strstr(body, "  " P22 ": due 2024-01-09T23:45:00+00:00\n") != NULL);
	CHECK(strstr(body, "due 2024-01-09T23:45:00+00:00; ") == NULL);
	json_decref(o);
	hook = sched_webhook_payload(&ev, "late");
	CHECK_EQ_STR("2 partitions late, " P22 " to " P23 ": no run: the DAG is paused",
		     json_string_value(json_object_get(hook, "reason")));
	json_decref(hook);
	/* landed: the shared reason is what it was (the DAG may be active now) */
	ev.kind = "recovered";
	hook = sched_webhook_payload(&ev, "success");
	CHECK_EQ_STR("2 partitions landed after being late, " P22 " to " P23
		     " (was: no run: the DAG is paused)",
		     json_string_value(json_object_get(hook, "reason")));
	json_decref(hook);
	ev.kind = "late";
	json_object_set_new(json_array_get(list, 1), "why",
			    json_string("its run: load <running>"));
	ev.kind = "recovered";
	o = notify_compose(&ev);
	CHECK_EQ_STR("[sluice] recovered: fr, 2 partitions, " P22 " to " P23,
		     json_string_value(json_object_get(o, "subject")));
	json_decref(o);
	ev.kind = "late";
	hook = sched_webhook_payload(&ev, "late");
	CHECK(json_is_null(json_object_get(hook, "partition")) ||
	      json_object_get(hook, "partition") == NULL);
	CHECK_EQ_INT(2, (int)json_integer_value(json_object_get(hook, "count")));
	CHECK_EQ_STR("2 partitions late, " P22 " to " P23,
		     json_string_value(json_object_get(hook, "reason")));
	CHECK_EQ_STR(P23, json_string_value(json_object_get(
		json_array_get(json_object_get(hook, "partitions"), 1), "partition")));
	CHECK_EQ_STR("http://sluice.example:8080/dags/fr/runs/2024-01-09T23%3A00%3A00%2B00%3A00",
		     json_string_value(json_object_get(
			json_array_get(json_object_get(hook, "partitions"), 1), "url")));
	json_decref(hook);
	json_decref(list);
}

/* A partition that landed on time and was checked many times, then marked
 * failed long after its deadline: late at the next check (the pass skips
 * checked partitions only while their successful runs stay the same). */
static void
test_landed_then_failed(void)
{
	static const struct h_dag_file files[] = {
		{ "lf.yaml", "dag: lf\nschedule: \"@hourly\"\nstart: 2024-01-10T00:00:00Z\n"
			     "freshness: 45m\nemail: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	/* 01:01: 00:00's run starts; it lands at once */
	h_advance(31 * 60 * 1000LL);
	CHECK(h_end_all() >= 1);
	/* 03:01: checked every minute since, never late */
	h_advance(120 * 60 * 1000LL);
	CHECK(h_end_all() >= 0);
	h_advance(60 * 1000LL);
	CHECK_EQ_INT(0, notes("late - 2024-01-10T00:00:00+00:00"));
	CHECK_EQ_STR("success", h_run_state("lf", "2024-01-10T00:00:00+00:00"));
	CHECK(h_mark("lf", "load", "2024-01-10T00:00:00+00:00", "failed", 0) >= 0);
	CHECK_EQ_STR("failed", h_run_state("lf", "2024-01-10T00:00:00+00:00"));
	h_advance(61 * 1000LL);
	CHECK_EQ_INT(1, notes("late - 2024-01-10T00:00:00+00:00"));
	h_advance(5 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("late - 2024-01-10T00:00:00+00:00"));
	h_close();
}

/* How many partitions the digests of kind named (the sum of their N). */
static int
digested(const char *kind)
{
	const char *p = h_notifications();
	char prefix[64];
	size_t n;
	int sum = 0;

	snprintf(prefix, sizeof prefix, "%s digest ", kind);
	n = strlen(prefix);
	for (; *p != '\0'; p++)
		if ((p == h_notifications() || p[-1] == '\n') &&
		    strncmp(p, prefix, n) == 0)
			sum += atoi(p + n);
	return sum;
}

/* Mark ce's load of partition key as state through the connection
 * other, in a transaction of its own (the scheduler is not told). */
static int
mark_elsewhere(struct store *other, const char *key, enum ti_state state)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (store_begin(other) < 0)
		return -1;
	if (store_mark(other, h_dag("ce"), "load", key, state, "elsewhere",
		       &err) < 0) {
		store_rollback(other);
		return -1;
	}
	return store_commit(other);
}

/* A run changed by another process (its own connection; the scheduler
 * is not told): a partition checked and settled long ago, marked failed
 * there, is late at the next pass (its DAG's change counter moved), and
 * once marked success there again, recovered at the next pass. */
static void
test_changed_elsewhere(void)
{
	static const struct h_dag_file files[] = {
		{ "ce.yaml", "dag: ce\nschedule: \"@hourly\"\nstart: 2024-01-10T00:00:00Z\n"
			     "freshness: 45m\nemail: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	const char *key = "2024-01-10T00:00:00+00:00";
	struct store *other = NULL;
	struct sl_err err;

	h_open(files, NULL);
	/* 01:01: 00:00's run starts and lands; then 03:01, checked since */
	h_advance(31 * 60 * 1000LL);
	CHECK(h_end_all() >= 1);
	for (int i = 0; i < 3; i++) {
		h_advance(60 * 60 * 1000LL);
		CHECK(h_end_all() >= 0);
	}
	CHECK_EQ_STR("success", h_run_state("ce", key));
	CHECK_EQ_INT(0, notes("late - 2024-01-10T00:00:00+00:00"));
	sl_err_clear(&err);
	CHECK(store_open(h_sched()->cfg->db_path, &other, &err) == 0);
	CHECK(mark_elsewhere(other, key, TI_FAILED) == 0);
	h_advance(61 * 1000LL);
	CHECK_EQ_INT(1, notes("late - 2024-01-10T00:00:00+00:00"));
	CHECK(mark_elsewhere(other, key, TI_SUCCESS) == 0);
	h_advance(61 * 1000LL);
	CHECK_EQ_INT(1, notes("recovered - 2024-01-10T00:00:00+00:00"));
	h_advance(5 * 60 * 1000LL);
	CHECK_EQ_INT(1, notes("late - 2024-01-10T00:00:00+00:00"));
	CHECK_EQ_INT(1, notes("recovered - 2024-01-10T00:00:00+00:00"));
	store_close(other);
	h_close();
}

/* More late partitions at the start than one pass records (three paused
 * DAGs x 167 hours of the look-back week): each is alerted exactly once, the rest
 * in the passes that follow; then their runs are written at once (as by
 * another process): a recovery notice each, exactly once. */
static void
test_mass_late_then_landed(void)
{
	static const struct h_dag_file files[] = {
		{ "m1.yaml", "dag: m1\nschedule: \"@hourly\"\nstart: 2024-01-03T00:00:00Z\n"
			     "freshness: 45m\nemail: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ "m2.yaml", "dag: m2\nschedule: \"@hourly\"\nstart: 2024-01-03T00:00:00Z\n"
			     "freshness: 45m\nemail: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ "m3.yaml", "dag: m3\nschedule: \"@hourly\"\nstart: 2024-01-03T00:00:00Z\n"
			     "freshness: 45m\nemail: [oncall@example.com]\n"
			     "tasks:\n  load: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	/* in the week back from 00:30 on the 10th, 2024-01-03T00:00 (it
	 * ended inside the week) to 2024-01-09T22:00 are due */
	const int per_dag = 6 * 24 + 23, total = 3 * per_dag;
	struct sl_err err;

	h_open(files, paused_cfg);
	CHECK(notes_prefix("late - ") > 0);
	CHECK(notes_prefix("late - ") < total);
	h_advance(61 * 1000LL);
	h_advance(61 * 1000LL);
	CHECK_EQ_INT(total, notes_prefix("late - "));
	CHECK_EQ_INT(3, notes("late - 2024-01-03T00:00:00+00:00"));
	CHECK_EQ_INT(3, notes("late - 2024-01-09T22:00:00+00:00"));
	/* not an email per hour: a digest per DAG and pass (the first DAG's
	 * week in one; one cut by the pass's budget in two) */
	CHECK_EQ_INT(total, digested("late"));
	CHECK(notes_prefix("late digest ") >= 3);
	CHECK(notes_prefix("late digest ") <= 5);
	CHECK_EQ_INT(1, notes("late digest 167"));
	/* every run lands at once */
	sl_err_clear(&err);
	CHECK(store_begin(h_store()) == 0);
	for (int i = 1; i <= 3; i++) {
		char dag[8];
		const struct dag *d;

		snprintf(dag, sizeof dag, "m%d", i);
		d = h_dag(dag);
		for (int64_t t = INT64_C(1704240000), k = 0; k < per_dag; k++, t += 3600) {
			char key[64];
			int64_t id;

			dag_partition_key(d, t, key, sizeof key);
			CHECK(store_run_create(h_store(), d, key, t, t + 3600,
					       "scheduled", NULL, &id, &err) == 0);
			CHECK(store_run_set_state(h_store(), id, RUN_QUEUED,
						  RUN_RUNNING) >= 0);
			CHECK(store_run_set_state(h_store(), id, RUN_RUNNING,
						  RUN_SUCCESS) >= 0);
		}
	}
	CHECK(store_commit(h_store()) == 0);
	h_advance(61 * 1000LL);
	CHECK(notes_prefix("recovered - ") > 0);
	CHECK(notes_prefix("recovered - ") < total);
	for (int i = 0; i < 5; i++)
		h_advance(61 * 1000LL);
	CHECK_EQ_INT(total, notes_prefix("recovered - "));
	CHECK_EQ_INT(3, notes("recovered - 2024-01-03T00:00:00+00:00"));
	CHECK_EQ_INT(3, notes("recovered - 2024-01-09T22:00:00+00:00"));
	CHECK_EQ_INT(total, digested("recovered"));
	CHECK(notes_prefix("recovered digest ") <= 5);
	CHECK_EQ_INT(total, notes_prefix("late - "));
	h_close();
}

/* A run's failure email counts the DAG's tasks, not a mapped task's
 * items ("3 of its 6 tasks failed" for a DAG of 3 tasks). */
static void
test_run_email_counts(void)
{
	static char *to[] = { "oncall@example.com", NULL };
	struct notify_event ev;
	json_t *tis = json_loads("["
	    "{\"task\": \"a\", \"state\": \"success\", \"map_index\": null},"
	    "{\"task\": \"m\", \"state\": \"failed\", \"map_index\": null, \"error\": \"1 of its 2 items failed\"},"
	    "{\"task\": \"m[0]\", \"state\": \"success\", \"map_index\": 0},"
	    "{\"task\": \"m[1]\", \"state\": \"failed\", \"map_index\": 1, \"error\": \"exit code 1\"},"
	    "{\"task\": \"z\", \"state\": \"upstream_failed\", \"map_index\": null}]", 0, NULL);
	json_t *o;

	memset(&ev, 0, sizeof ev);
	ev.kind = "failure";
	ev.dag = "d";
	ev.partition = "p1";
	ev.to = to;
	ev.task_instances = tis;
	o = notify_compose(&ev);
	CHECK(o != NULL && strstr(json_string_value(json_object_get(o, "body")),
				  "Run p1 of DAG d failed: 1 of its 3 tasks failed.") != NULL);
	json_decref(o);
	json_decref(tis);
}

int
main(int argc, char **argv)
{
	/* started by the scheduler as a sender: send nothing */
	if (argc > 3 && strcmp(argv[3], "operator") == 0)
		return 0;
	unsetenv("TZ");
	RUN(test_late_then_recovered);
	RUN(test_paused);
	RUN(test_upstream_never_arrived);
	RUN(test_past_start_waits_on_upstream);
	RUN(test_task_level);
	RUN(test_landed_then_failed);
	RUN(test_task_email);
	RUN(test_changed_elsewhere);
	RUN(test_mass_late_then_landed);
	RUN(test_digest_email);
	RUN(test_catchup_off);
	RUN(test_lookback_window);
	RUN(test_run_email_counts);
	return UNIT_END();
}
