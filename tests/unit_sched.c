/*
 * unit_sched.c: scheduling rules, driven through the real scheduler by the
 * deterministic harness (tests/sched_harness.h): a fake clock, a fake
 * executor, a temporary database; no sleeps, no processes. These pin down
 * today's behaviour; a change that breaks a rule fails here. Long on
 * purpose: one table-driven case per rule of the core scheduler; newer
 * concerns have files of their own (unit_sched_<topic>.c).
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "executors/executor.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/next_partition.h"
#include "scheduler/sched_internal.h"
#include "scheduler/try.h"
#include "scheduler/wait.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define STATE(dag, task, part) h_ti(dag, task, part, "state")
#define CHECK_STATE(want, dag, task, part) \
	CHECK_EQ_STR(want, STATE(dag, task, part))

/* --- trigger rules × upstream states --- */

/*
 * Upstreams (two of each): okN succeeds, badN fails, skpN is skipped
 * (all_failed after okN), upfN is upstream_failed (all_success after
 * badN). Each downstream task d_RULE_A_B waits on A1 and B2; what it ends as (a task that runs is then
 * ended with exit 0): R = runs (success), S = skipped, U = upstream_failed.
 * Rules decide as early as they can, so the order matters: here the bad
 * tasks end first (see test_trigger_early for the other order).
 */
static const char *const tr_mixes[][2] = {
	{ "ok", "ok" }, { "ok", "bad" }, { "ok", "skp" }, { "ok", "upf" },
	{ "bad", "bad" }, { "bad", "skp" }, { "bad", "upf" },
	{ "skp", "skp" }, { "skp", "upf" }, { "upf", "upf" },
};

static const struct {
	const char *rule;
	const char *want;	/* one letter per mix above */
} tr_table[] = {
	{ "all_success",                 "RUSUUUUSUU" },
	{ "all_failed",                  "SSSSRSRSSR" },
	{ "all_done",                    "RRRRRRRRRR" },
	{ "one_success",                 "RRRRUUUSUU" },
	{ "one_failed",                  "SRSRRRRSRR" },
	{ "none_failed",                 "RURUUUURUU" },
	{ "none_skipped",                "RRSRRSRSSR" },
	{ "none_failed_min_one_success", "RURUUUUSUU" },
	{ "always",                      "RRRRRRRRRR" },
};

static void
tr_cfg(struct config *cfg)
{
	cfg->parallelism = 1000;
	json_object_set_new(cfg->pools, "default", json_integer(1000));
}

static void
test_trigger_rules(void)
{
	struct buf y;
	struct h_dag_file files[2] = { { "tr.yaml", NULL }, { NULL, NULL } };

	buf_init(&y, 0);
	buf_adds(&y, "dag: tr\nmax_active_tasks: 1000\ntasks:\n");
	for (int i = 1; i <= 2; i++)
		buf_printf(&y, "  ok%d: {command: \"true\"}\n"
			   "  bad%d: {command: \"false\"}\n"
			   "  skp%d: {after: [ok%d], trigger_rule: all_failed, command: \"true\"}\n"
			   "  upf%d: {after: [bad%d], command: \"true\"}\n",
			   i, i, i, i, i, i);
	for (size_t r = 0; r < SL_ARRAY_LEN(tr_table); r++)
		for (size_t m = 0; m < SL_ARRAY_LEN(tr_mixes); m++)
			buf_printf(&y, "  d_%s_%s_%s: {after: [%s1, %s2], trigger_rule: %s, command: \"true\"}\n",
				   tr_table[r].rule, tr_mixes[m][0], tr_mixes[m][1],
				   tr_mixes[m][0], tr_mixes[m][1], tr_table[r].rule);
	files[0].yaml = buf_str(&y);
	h_open(files, tr_cfg);
	h_trigger("tr", "p");
	/* failures first: rules that decide early see them before skips */
	CHECK_EQ_INT(0, h_end("bad1", "p", 1));
	CHECK_EQ_INT(0, h_end("bad2", "p", 1));
	CHECK_EQ_INT(0, h_end("ok1", "p", 0));
	CHECK_EQ_INT(0, h_end("ok2", "p", 0));
	h_end_all();
	CHECK_STATE("success", "tr", "ok1", "p");
	CHECK_STATE("failed", "tr", "bad2", "p");
	CHECK_STATE("skipped", "tr", "skp1", "p");
	CHECK_STATE("upstream_failed", "tr", "upf2", "p");
	for (size_t r = 0; r < SL_ARRAY_LEN(tr_table); r++)
		for (size_t m = 0; m < SL_ARRAY_LEN(tr_mixes); m++) {
			char task[128];
			char w = tr_table[r].want[m];
			const char *want = w == 'R' ? "success" :
			    w == 'S' ? "skipped" : "upstream_failed";

			snprintf(task, sizeof task, "d_%s_%s_%s", tr_table[r].rule,
				 tr_mixes[m][0], tr_mixes[m][1]);
			if (strcmp(want, STATE("tr", task, "p")) != 0) {
				fprintf(stderr, "%s: want %s, got %s\n", task, want,
					STATE("tr", task, "p"));
				unit_case_failed = 1;
			}
		}
	/* the run failed: some task instances failed */
	CHECK_EQ_STR("failed", h_run_state("tr", "p"));
	h_close();
	buf_free(&y);
}

/* --- retries, back-off, timeouts --- */

static const struct h_dag_file retry_files[] = {
	{ "r.yaml",
	  "dag: r\ntasks:\n"
	  "  expo: {command: \"false\", retries: 3, retry_delay: 10s,"
	  " retry_backoff: exponential, max_retry_delay: 25s}\n"
	  "  flat: {command: \"false\", retries: 2, retry_delay: 7s}\n"
	  "  after: {after: [expo], command: \"true\"}\n" },
	{ NULL, NULL },
};

/* Exponential back-off doubles from retry_delay up to max_retry_delay;
 * each retry waits exactly its delay on the scheduler's clock. */
static void
test_retry_backoff(void)
{
	static const int64_t delays[] = { 10000, 20000, 25000 };

	h_open(retry_files, NULL);
	h_trigger("r", "p");
	h_end("flat", "p", 1);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(0, h_end("expo", "p", 1));
		CHECK_STATE("up_for_retry", "r", "expo", "p");
		h_advance(delays[i] - 1);
		CHECK_STATE("up_for_retry", "r", "expo", "p");
		CHECK_EQ_INT(0, h_running("expo"));
		h_advance(1);
		CHECK_STATE("running", "r", "expo", "p");
		CHECK_EQ_INT(i + 2, atoi(h_ti("r", "expo", "p", "try_number")));
	}
	CHECK_EQ_STR("4", h_env("expo", "SLUICE_TRY"));
	CHECK_EQ_INT(0, h_end("expo", "p", 1));
	CHECK_STATE("failed", "r", "expo", "p");
	CHECK_STATE("upstream_failed", "r", "after", "p");
	CHECK_EQ_STR("exit code 1", h_ti("r", "expo", "p", "error"));
	/* constant delay: flat retried after 7 s */
	CHECK_STATE("running", "r", "flat", "p");
	CHECK_EQ_INT(0, h_end("flat", "p", 1));
	h_advance(6999);
	CHECK_STATE("up_for_retry", "r", "flat", "p");
	h_advance(1);
	CHECK_EQ_INT(0, h_end("flat", "p", 1));
	CHECK_STATE("failed", "r", "flat", "p");
	CHECK_EQ_INT(3, h_started("flat"));
	CHECK_EQ_STR("failed", h_run_state("r", "p"));
	h_close();
}

/* A signal and an executor error are failed tries too. */
static void
test_end_kinds(void)
{
	static const struct h_dag_file files[] = {
		{ "k.yaml", "dag: k\ntasks:\n  sig: {command: \"true\"}\n"
			    "  err: {command: \"true\"}\n  ok: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	h_trigger("k", "p");
	h_end_signal("sig", "p", SIGKILL);
	h_end_error("err", "p", "connection lost");
	h_end("ok", "p", 0);
	CHECK_STATE("failed", "k", "sig", "p");
	CHECK_EQ_STR("killed by signal 9 (Killed)", h_ti("k", "sig", "p", "error"));
	CHECK_EQ_STR("9", h_ti("k", "sig", "p", "signal"));
	CHECK_STATE("failed", "k", "err", "p");
	CHECK_EQ_STR("connection lost", h_ti("k", "err", "p", "error"));
	CHECK_EQ_STR("", h_ti("k", "err", "p", "exit_code"));
	CHECK_STATE("success", "k", "ok", "p");
	CHECK_EQ_STR("0", h_ti("k", "ok", "p", "exit_code"));
	CHECK_EQ_STR("", h_ti("k", "ok", "p", "error"));
	CHECK_EQ_STR("fakehost", h_ti("k", "ok", "p", "host"));
	h_close();
}

/* The timeout kills the try at exactly timeout; it counts as a failed
 * try and is retried. */
static void
test_timeout(void)
{
	static const struct h_dag_file files[] = {
		{ "t.yaml", "dag: t\ntasks:\n"
			    "  slow: {command: \"sleep 100\", timeout: 30s, retries: 1, retry_delay: 5s}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	h_trigger("t", "p");
	h_advance(29999);
	CHECK_EQ_INT(0, h_killed("slow", "p"));
	CHECK_STATE("running", "t", "slow", "p");
	h_advance(1);
	CHECK_STATE("up_for_retry", "t", "slow", "p");
	CHECK_EQ_STR("timed out after 30s", h_ti("t", "slow", "p", "error"));
	CHECK(h_ti("t", "slow", "p", "ended_at")[0] != '\0');
	h_advance(5000);
	CHECK_STATE("running", "t", "slow", "p");
	/* the running try has neither ended nor a duration: not the last
	 * try's (sluice tasks showed its duration beside "running") */
	CHECK_EQ_STR("", h_ti("t", "slow", "p", "ended_at"));
	CHECK_EQ_STR("", h_ti("t", "slow", "p", "duration_ms"));
	h_advance(30000);
	CHECK_STATE("failed", "t", "slow", "p");
	CHECK_EQ_INT(2, h_started("slow"));
	/* the same after a clear of the ended instance */
	CHECK_EQ_INT(1, h_clear("t", "p", "slow", 0));
	h_settle();
	CHECK_STATE("running", "t", "slow", "p");
	CHECK_EQ_STR("", h_ti("t", "slow", "p", "ended_at"));
	CHECK_EQ_STR("", h_ti("t", "slow", "p", "duration_ms"));
	h_close();
}

/* --- slots: pools, priority, max_active_tasks --- */

static void
pool_cfg(struct config *cfg)
{
	json_object_set_new(cfg->pools, "small", json_integer(2));
}

static void
test_pools(void)
{
	static const struct h_dag_file files[] = {
		{ "pl.yaml", "dag: pl\ntasks:\n"
			     "  a: {command: \"true\", pool: small, priority: 3}\n"
			     "  b: {command: \"true\", pool: small, priority: 2}\n"
			     "  c: {command: \"true\", pool: small, pool_slots: 2, priority: 1}\n"
			     "  free: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, pool_cfg);
	h_trigger("pl", "p");
	CHECK_EQ_INT(1, h_running("a"));
	CHECK_EQ_INT(1, h_running("b"));
	CHECK_EQ_INT(0, h_running("c"));
	CHECK_EQ_INT(1, h_running("free"));
	CHECK_STATE("scheduled", "pl", "c", "p");
	h_end("a", "p", 0);
	CHECK_EQ_INT(0, h_running("c"));	/* needs 2, 1 free */
	h_end("b", "p", 0);
	CHECK_EQ_INT(1, h_running("c"));
	h_end_all();
	CHECK_EQ_STR("success", h_run_state("pl", "p"));
	h_close();
}

static void
one_slot_cfg(struct config *cfg)
{
	cfg->parallelism = 1;
}

/* With one slot, tries start by priority, then older partition first. */
static void
test_priority(void)
{
	static const struct h_dag_file files[] = {
		{ "pr.yaml", "dag: pr\ntasks:\n"
			     "  low: {command: \"true\", priority: 1}\n"
			     "  high: {command: \"true\", priority: 5}\n"
			     "  mid: {command: \"true\", priority: 3}\n" },
		{ NULL, NULL },
	};

	h_open(files, one_slot_cfg);
	h_trigger("pr", "p1");
	h_advance(1000);
	h_trigger("pr", "p2");
	for (int i = 0; i < 6; i++) {
		CHECK_EQ_INT(1, h_running(NULL));
		CHECK_EQ_INT(0, h_end_one(0));
	}
	CHECK_EQ_STR("high,high,mid,mid,low,low", h_order());
	CHECK_EQ_STR("success", h_run_state("pr", "p1"));
	CHECK_EQ_STR("success", h_run_state("pr", "p2"));
	h_close();
}

static void
test_max_active_tasks(void)
{
	static const struct h_dag_file files[] = {
		{ "mt.yaml", "dag: mt\nmax_active_tasks: 2\ntasks:\n"
			     "  a: {command: \"true\"}\n  b: {command: \"true\"}\n"
			     "  c: {command: \"true\"}\n  d: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	h_trigger("mt", "p");
	CHECK_EQ_INT(2, h_running(NULL));
	/* equal priority: the later task in the file goes first (the trigger
	 * rules are applied last-in first-out) */
	CHECK_EQ_STR("d,c", h_order());
	h_end_one(0);
	CHECK_EQ_INT(2, h_running(NULL));
	CHECK_EQ_INT(3, h_started(NULL));
	h_end_all();
	CHECK_EQ_INT(4, h_started(NULL));
	CHECK_EQ_STR("success", h_run_state("mt", "p"));
	h_close();
}

/* --- runs: catch-up, max_active_runs, depends_on_past --- */

/* Catch-up creates every due partition, at most max_active_runs running
 * at once; the next starts as one finishes. */
static void
test_catchup_max_active_runs(void)
{
	static const struct h_dag_file files[] = {
		{ "cu.yaml", "dag: cu\nschedule: \"0 0 * * *\"\nstart: 2024-01-01\n"
			     "max_active_runs: 2\ntasks:\n  t: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	/* now is 2024-01-10T00:30Z: partitions 01..09 are due */
	CHECK_EQ_INT(2, h_running("t"));
	CHECK_EQ_STR("running", h_run_state("cu", "2024-01-01T00:00:00+00:00"));
	CHECK_EQ_STR("running", h_run_state("cu", "2024-01-02T00:00:00+00:00"));
	CHECK_EQ_STR("", h_run_state("cu", "2024-01-03T00:00:00+00:00"));
	h_end("t", "2024-01-01T00:00:00+00:00", 0);
	CHECK_EQ_STR("success", h_run_state("cu", "2024-01-01T00:00:00+00:00"));
	/* the next partition's run is created and started at once */
	CHECK_EQ_STR("running", h_run_state("cu", "2024-01-03T00:00:00+00:00"));
	CHECK_EQ_INT(2, h_running("t"));
	CHECK_EQ_INT(8, h_end_all());	/* the rest, two at a time */
	CHECK_EQ_INT(9, h_runs("cu"));
	CHECK_EQ_STR("success", h_run_state("cu", "2024-01-09T00:00:00+00:00"));
	h_close();
}

/* Without catch-up only the latest due partition runs; the next one is
 * created the tick its interval ends. */
static void
test_no_catchup(void)
{
	static const struct h_dag_file files[] = {
		{ "nc.yaml", "dag: nc\nschedule: \"0 0 * * *\"\nstart: 2024-01-01\n"
			     "catchup: false\ntasks:\n  t: {command: \"true\"}\n" },
		{ "hr.yaml", "dag: hr\nschedule: \"0 * * * *\"\nstart: 2024-01-01\n"
			     "catchup: false\ntasks:\n  t: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	CHECK_EQ_INT(1, h_runs("nc"));
	CHECK_EQ_STR("running", h_run_state("nc", "2024-01-09T00:00:00+00:00"));
	CHECK_EQ_INT(1, h_runs("hr"));
	CHECK_EQ_STR("running", h_run_state("hr", "2024-01-09T23:00:00+00:00"));
	h_advance(30 * 60 * 1000LL - 1);	/* 01:00Z - 1 ms */
	CHECK_EQ_INT(1, h_runs("hr"));
	h_advance(1000);
	CHECK_EQ_INT(2, h_runs("hr"));
	CHECK_EQ_STR("running", h_run_state("hr", "2024-01-10T00:00:00+00:00"));
	h_close();
}

/* The scheduler creates what scheduler/next_partition.c predicts (the
 * CLI, API and UI show that): for each DAG shape, the first partition of
 * a DAG that never ran, then the one after it when its interval ends. */
static void
test_next_partition_agrees(void)
{
	static const char *const shapes[] = {
		"schedule: \"0 0 * * *\"\nstart: 2024-01-05\n",
		"schedule: \"0 0 * * *\"\nstart: 2024-01-01\ncatchup: false\n",
		"schedule: \"0 * * * *\"\ntimezone: America/New_York\nstart: 2024-01-01\ncatchup: false\n",
		"schedule: \"0 0 * * 1\"\nstart: 2023-10-01\ncatchup: false\n",
		"schedule: \"0 0 * * *\"\nstart: 2024-01-12\ncatchup: false\n",
		"schedule: \"*/20 * * * *\"\nstart: 2024-01-09T23:00:00Z\n",
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(shapes); i++) {
		char *yaml = xasprintf("dag: np\n%smax_active_runs: 1\n"
				       "tasks:\n  t: {command: \"true\"}\n", shapes[i]);
		struct h_dag_file files[] = { { "np.yaml", yaml }, { NULL, NULL } };
		struct next_partition first, next;
		char key[96];
		int ok;

		h_open(files, NULL);
		/* what a DAG that never ran creates first, at the same now */
		ok = next_partition_get(h_dag("np"), 0, -1, h_now() / 1000, &first);
		CHECK_MSG(ok, "shape %zu: no first partition", i);
		dag_partition_key(h_dag("np"), first.start, key, sizeof key);
		if (first.due) {
			CHECK_MSG(h_run_state("np", key)[0] != '\0',
				  "shape %zu: %s predicted, not created", i, key);
			CHECK_EQ_INT(1, h_runs("np"));
			h_end_all();
		} else {
			CHECK_EQ_INT(0, h_runs("np"));
		}
		/* then what the store's cursor says comes next */
		ok = next_partition_of(h_store(), h_dag("np"), h_now() / 1000, &next);
		CHECK_MSG(ok, "shape %zu: no next partition", i);
		CHECK_MSG(!first.due || next.start > first.start,
			  "shape %zu: next does not move on", i);
		dag_partition_key(h_dag("np"), next.start, key, sizeof key);
		if (!next.due) {
			/* up to two weeks on: one step, not every timer on the
			 * way (the check is what the scheduler does at the
			 * last millisecond before the end, and at the end) */
			h_jump((next.end - h_now() / 1000) * 1000 - 1);
			CHECK_MSG(h_run_state("np", key)[0] == '\0',
				  "shape %zu: %s created before its end", i, key);
			h_advance(1);
		}
		CHECK_MSG(h_run_state("np", key)[0] != '\0',
			  "shape %zu: %s predicted next, not created", i, key);
		h_close();
		free(yaml);
	}
}

/* depends_on_past: a task waits for its own previous partition to
 * succeed; a person's mark releases it. */
static void
test_depends_on_past(void)
{
	static const struct h_dag_file files[] = {
		{ "dp.yaml", "dag: dp\nschedule: \"0 0 * * *\"\nstart: 2024-01-08\n"
			     "tasks:\n  t: {command: \"true\", depends_on_past: true}\n"
			     "  free: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct sl_err err;
	const char *p8 = "2024-01-08T00:00:00+00:00", *p9 = "2024-01-09T00:00:00+00:00";

	h_open(files, NULL);
	CHECK_EQ_INT(1, h_running("t"));
	CHECK_STATE("running", "dp", "t", p8);
	CHECK_STATE("none", "dp", "t", p9);
	CHECK_STATE("running", "dp", "free", p9);
	h_end("t", p8, 1);
	CHECK_STATE("failed", "dp", "t", p8);
	CHECK_STATE("none", "dp", "t", p9);
	sl_err_clear(&err);
	CHECK_EQ_INT(0, store_mark(h_store(), h_dag("dp"), "t", p8, TI_SUCCESS,
				   "harness", &err));
	h_poke_db();
	CHECK_STATE("running", "dp", "t", p9);
	h_close();
}

/* depends_on_past looks at the latest earlier partition that has a run,
 * not at the partition just before: with no run for 2024-01-09, a run of
 * 2024-01-10 waits on the failed 2024-01-08 (docs/DAGS.md says so). */
static void
test_depends_on_past_gap(void)
{
	static const struct h_dag_file files[] = {
		{ "dg.yaml", "dag: dg\nschedule: \"0 0 * * *\"\nstart: 2024-01-08\n"
			     "end: 2024-01-09\n"
			     "tasks:\n  t: {command: \"true\", depends_on_past: true}\n" },
		{ NULL, NULL },
	};
	struct sl_err err;
	const char *p8 = "2024-01-08T00:00:00+00:00", *p10 = "2024-01-10T00:00:00+00:00";
	int64_t d10 = 1704844800;	/* 2024-01-10T00:00:00Z */

	h_open(files, NULL);
	CHECK_STATE("running", "dg", "t", p8);
	h_end("t", p8, 1);
	CHECK_STATE("failed", "dg", "t", p8);
	sl_err_clear(&err);
	CHECK_EQ_INT(0, store_run_create(h_store(), h_dag("dg"), p10, d10,
					 d10 + 86400, "manual", NULL, NULL, &err) < 0);
	h_poke_db();
	CHECK_STATE("none", "dg", "t", p10);
	CHECK_EQ_INT(0, store_mark(h_store(), h_dag("dg"), "t", p8, TI_SUCCESS,
				   "harness", &err));
	h_poke_db();
	CHECK_STATE("running", "dg", "t", p10);
	h_close();
}

/* --- person actions --- */

/* Clearing a running task instance stops its try (the result is dropped)
 * and runs it again. */
static void
test_clear_while_running(void)
{
	static const struct h_dag_file files[] = {
		{ "cl.yaml", "dag: cl\ntasks:\n  a: {command: \"true\"}\n"
			     "  b: {after: [a], command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct clear_spec spec;
	struct sl_err err;
	char *tasks[] = { "a", NULL };

	h_open(files, NULL);
	h_trigger("cl", "p");
	CHECK_EQ_INT(1, h_running("a"));
	memset(&spec, 0, sizeof spec);
	spec.dag_id = "cl";
	spec.tasks = tasks;
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	sl_err_clear(&err);
	CHECK(store_clear(h_store(), h_dag("cl"), &spec, "harness", NULL,
			  &err) >= 0);
	h_poke_db();
	/* the old try was killed and ended; a new one runs */
	CHECK_EQ_INT(2, h_started("a"));
	CHECK_EQ_INT(1, h_running("a"));
	CHECK_STATE("running", "cl", "a", "p");
	h_end("a", "p", 0);
	h_end("b", "p", 0);
	CHECK_EQ_STR("success", h_run_state("cl", "p"));
	h_close();
}

/* Marking a running task instance success stops its try and releases
 * its downstream. */
static void
test_mark_running(void)
{
	static const struct h_dag_file files[] = {
		{ "mk.yaml", "dag: mk\ntasks:\n  a: {command: \"true\"}\n"
			     "  b: {after: [a], command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct sl_err err;

	h_open(files, NULL);
	h_trigger("mk", "p");
	sl_err_clear(&err);
	CHECK_EQ_INT(0, store_mark(h_store(), h_dag("mk"), "a", "p", TI_SUCCESS,
				   "harness", &err));
	h_poke_db();
	CHECK_EQ_INT(0, h_running("a"));
	CHECK_STATE("success", "mk", "a", "p");
	CHECK_EQ_INT(1, h_running("b"));
	h_end("b", "p", 0);
	CHECK_EQ_STR("success", h_run_state("mk", "p"));
	h_close();
}

/* A failed try's line says when the retry comes: "retrying in 1m", or
 * "retrying now" for retry_delay: 0s (it read "retrying in 0ms"). */
static void
test_retry_when(void)
{
	static const struct h_dag_file files[] = {
		{ "rw.yaml", "dag: rw\ntasks:\n"
			     "  now: {command: \"true\", retries: 1, retry_delay: 0s}\n"
			     "  later: {command: \"true\", retries: 1, retry_delay: 1m}\n" },
		{ NULL, NULL },
	};
	char log1[1024];

	h_open(files, NULL);
	h_trigger("rw", "p");
	snprintf(log1, sizeof log1, "%s", h_log_path("now"));
	CHECK_EQ_INT(0, h_end("now", "p", 1));
	CHECK_EQ_INT(1, h_lines_with(log1, "; retrying now"));
	CHECK_EQ_INT(0, h_lines_with(log1, "retrying in"));
	snprintf(log1, sizeof log1, "%s", h_log_path("later"));
	CHECK_EQ_INT(0, h_end("later", "p", 1));
	CHECK_EQ_INT(1, h_lines_with(log1, "; retrying in 1m"));
	h_close();
}

/*
 * A mark (or clear) lands while a try runs, and the try ends before the
 * scheduler has read the change: its end cannot be recorded on the task
 * instance (the store says success now), but the try's token must go
 * all the same. It stayed: `sluice runs delete` then refused the run
 * ("1 try still to be stopped ... within seconds") until a restart.
 */
static void
test_mark_running_end_first(void)
{
	static const struct h_dag_file files[] = {
		{ "mr.yaml", "dag: mr\ntasks:\n  a: {command: \"true\", retries: 1}\n"
			     "  b: {after: [a], command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct sl_err err;
	struct run_progress prog;
	char log1[1024];

	for (int clear = 0; clear <= 1; clear++) {
		h_open(files, NULL);
		h_trigger("mr", "p");
		CHECK_EQ_INT(1, h_running("a"));
		sl_err_clear(&err);
		if (clear) {
			struct clear_spec spec;
			char *tasks[] = { "a", NULL };

			memset(&spec, 0, sizeof spec);
			spec.dag_id = "mr";
			spec.tasks = tasks;
			spec.partition = "p";
			spec.from_s = INT64_MIN;
			spec.to_s = INT64_MAX;
			CHECK_EQ_INT(1, store_clear(h_store(), h_dag("mr"), &spec,
						    "harness", NULL, &err));
		} else
			CHECK_EQ_INT(0, store_mark(h_store(), h_dag("mr"), "a", "p",
						   TI_SUCCESS, "harness", &err));
		/* the try fails before the scheduler reloads */
		snprintf(log1, sizeof log1, "%s", h_log_path("a"));
		CHECK_EQ_INT(0, h_end("a", "p", 1));
		CHECK_EQ_INT(1, h_lines_with(log1, clear ?
			     "cleared by harness meanwhile: this end changes nothing" :
			     "marked success by harness meanwhile: this end changes nothing"));
		h_poke_db();
		if (clear) {
			/* cleared: it runs again, with a token of its own */
			CHECK_EQ_INT(2, h_started("a"));
			CHECK_STATE("running", "mr", "a", "p");
			h_end("a", "p", 0);
		} else {
			CHECK_EQ_INT(1, h_started("a"));
			CHECK_STATE("success", "mr", "a", "p");
		}
		h_end("b", "p", 0);
		CHECK_EQ_STR("success", h_run_state("mr", "p"));
		CHECK_EQ_INT(1, store_run_progress(h_store(), "mr", "p", &prog));
		CHECK_EQ_INT(0, prog.stopping);
		h_close();
	}
}

/*
 * Marking a failed task success, with and without clearing its downstream.
 * a fails; b (after a) and c (after b) are upstream_failed because of a
 * only; y (after a and x) also because of x, which failed too. Marking a
 * success frees b and c (y stays held by x). Without clear_downstream they
 * stay upstream_failed; with it they are cleared and run in order. A
 * second run q, made at the same moment (the same start: an unscheduled
 * DAG's manual runs), failed alike and its a marked success without
 * clearing, is left as it is: its b does not run.
 */
static const struct {
	int clear;
	int freed;		/* what h_mark returns */
	const char *b, *c, *y;	/* right after the mark */
	const char *b_end, *c_end;	/* after the runnable tries end (exit 0) */
	int started_b;		/* tries of b in all */
} mark_table[] = {
	{ 0, 2, "upstream_failed", "upstream_failed", "upstream_failed",
	  "upstream_failed", "upstream_failed", 0 },
	{ 1, 2, "running", "none", "upstream_failed",
	  "success", "success", 1 },
};

static void
test_mark_clear_downstream(void)
{
	static const struct h_dag_file files[] = {
		{ "md.yaml", "dag: md\ntasks:\n  a: {command: \"true\"}\n"
			     "  x: {command: \"true\"}\n"
			     "  b: {after: [a], command: \"true\"}\n"
			     "  c: {after: [b], command: \"true\"}\n"
			     "  y: {after: [a, x], command: \"true\"}\n" },
		{ NULL, NULL },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(mark_table); i++) {
		h_open(files, NULL);
		h_trigger("md", "p");
		h_trigger("md", "q");
		CHECK_EQ_INT(0, h_end("a", "p", 1));
		CHECK_EQ_INT(0, h_end("x", "p", 1));
		CHECK_EQ_INT(0, h_end("a", "q", 1));
		CHECK_EQ_INT(0, h_end("x", "q", 1));
		CHECK_STATE("upstream_failed", "md", "b", "q");
		CHECK_EQ_INT(2, h_mark("md", "a", "q", "success", 0));
		CHECK_STATE("upstream_failed", "md", "b", "q");
		CHECK_STATE("upstream_failed", "md", "b", "p");
		CHECK_STATE("upstream_failed", "md", "c", "p");
		CHECK_STATE("upstream_failed", "md", "y", "p");
		CHECK_EQ_STR("failed", h_run_state("md", "p"));
		CHECK_EQ_INT(mark_table[i].freed, h_mark("md", "a", "p", "success", mark_table[i].clear));
		CHECK_STATE("success", "md", "a", "p");
		CHECK_STATE(mark_table[i].b, "md", "b", "p");
		CHECK_STATE(mark_table[i].c, "md", "c", "p");
		CHECK_STATE(mark_table[i].y, "md", "y", "p");
		h_end_all();
		CHECK_STATE(mark_table[i].b_end, "md", "b", "p");
		CHECK_STATE(mark_table[i].c_end, "md", "c", "p");
		CHECK_STATE("upstream_failed", "md", "y", "p");
		CHECK_EQ_INT(mark_table[i].started_b, h_started("b"));
		/* x still failed: the run ends failed either way */
		CHECK_EQ_STR("failed", h_run_state("md", "p"));
		/* the other run is untouched */
		CHECK_STATE("success", "md", "a", "q");
		CHECK_STATE("upstream_failed", "md", "b", "q");
		CHECK_STATE("upstream_failed", "md", "c", "q");
		h_close();
	}
}

/* Marking failed frees nothing and clears nothing downstream. */
static void
test_mark_failed_downstream(void)
{
	static const struct h_dag_file files[] = {
		{ "mf.yaml", "dag: mf\ntasks:\n  a: {command: \"true\"}\n"
			     "  b: {after: [a], command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	h_trigger("mf", "p");
	CHECK_EQ_INT(0, h_mark("mf", "a", "p", "failed", 0));
	CHECK_STATE("failed", "mf", "a", "p");
	CHECK_STATE("upstream_failed", "mf", "b", "p");
	CHECK_EQ_INT(0, h_started("b"));
	CHECK_EQ_STR("failed", h_run_state("mf", "p"));
	h_close();
}

/* --- sensors --- */

static const struct h_dag_file sensor_files[] = {
	{ "sn.yaml", "dag: sn\ntasks:\n"
		     "  hard: {type: fake_sensor, poke_interval: 10s, timeout: 35s}\n"
		     "  soft: {type: fake_sensor, poke_interval: 10s, timeout: 35s, soft_fail: true}\n"
		     "  met: {type: fake_sensor, poke_interval: 10s}\n"
		     "  backoff: {type: fake_sensor, poke_interval: 10s, exponential_backoff: true,"
		     " max_poke_interval: 30s}\n"
		     "  after_soft: {after: [soft], command: \"true\"}\n" },
	{ NULL, NULL },
};

/* Pokes come every poke_interval from the loop (no slot); the timeout
 * fails the sensor, or skips it with soft_fail; a met condition succeeds. */
static void
test_sensor_reschedule(void)
{
	h_open(sensor_files, NULL);
	h_trigger("sn", "p");
	CHECK_EQ_INT(0, h_running(NULL));	/* no executor slot */
	CHECK_EQ_INT(1, h_pokes("hard"));
	/* t = 0 */
	CHECK_EQ_INT(0, h_poke("met", "p", OP_POKE_NOT_YET));
	CHECK_EQ_INT(0, h_poke("hard", "p", OP_POKE_NOT_YET));
	CHECK_EQ_INT(0, h_poke("soft", "p", OP_POKE_NOT_YET));
	CHECK_STATE("up_for_reschedule", "sn", "met", "p");
	h_advance(9999);
	CHECK_EQ_INT(0, h_pokes("met"));
	CHECK_EQ_INT(0, h_pokes("hard"));
	h_advance(1);
	/* t = 10 s */
	CHECK_EQ_INT(1, h_pokes("met"));
	CHECK_EQ_INT(0, h_poke("met", "p", OP_POKE_DONE));
	CHECK_STATE("success", "sn", "met", "p");
	CHECK_EQ_STR("1", h_ti("sn", "met", "p", "try_number"));
	/* hard and soft: not yet at 10, 20, 30 s; the 35 s timeout caps
	 * the last wait */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(0, h_poke("hard", "p", OP_POKE_NOT_YET));
		CHECK_EQ_INT(0, h_poke("soft", "p", OP_POKE_NOT_YET));
		CHECK_STATE("up_for_reschedule", "sn", "hard", "p");
		h_advance(i < 2 ? 10000 : 4999);
	}
	CHECK_EQ_INT(0, h_pokes("hard"));
	h_advance(1);
	/* t = 35 s */
	CHECK_EQ_INT(1, h_pokes("hard"));
	CHECK_EQ_INT(0, h_poke("hard", "p", OP_POKE_NOT_YET));
	CHECK_EQ_INT(0, h_poke("soft", "p", OP_POKE_NOT_YET));
	CHECK_STATE("failed", "sn", "hard", "p");
	CHECK_EQ_STR("sensor timed out", h_ti("sn", "hard", "p", "error"));
	CHECK_STATE("skipped", "sn", "soft", "p");
	CHECK_STATE("skipped", "sn", "after_soft", "p");
	h_close();
}

/* Exponential back-off: the interval doubles for every interval already
 * waited, up to max_poke_interval. */
static void
test_sensor_backoff(void)
{
	static const int64_t waits[] = { 10000, 10000, 20000, 30000, 30000 };

	h_open(sensor_files, NULL);
	h_trigger("sn", "p");
	for (size_t i = 0; i < SL_ARRAY_LEN(waits); i++) {
		CHECK_EQ_INT(0, h_poke("backoff", "p", OP_POKE_NOT_YET));
		h_advance(waits[i] - 1);
		CHECK_EQ_INT(0, h_pokes("backoff"));
		h_advance(1);
		CHECK_EQ_INT(1, h_pokes("backoff"));
	}
	h_close();
}

/* deadline: on the clock, from the partition's end, whenever the first
 * poke was: the daily partition 2024-01-09 ends 01-10T00:00Z, deadline
 * 1h -> 01:00Z; now is 00:30Z. A long timeout does not extend it; a
 * sensor whose first poke comes after the deadline pokes once and fails;
 * soft_fail skips; deadline: 0s is the partition's end itself (it was
 * read as no deadline). A sensor deadline on a shell task is an error. */
static void
test_sensor_deadline(void)
{
	static const struct h_dag_file files[] = {
		{ "dl.yaml", "dag: dl\nschedule: \"0 0 * * *\"\nstart: 2024-01-09\n"
			     "defaults: {deadline: 1h}\n"
			     "tasks:\n"
			     "  hard: {type: fake_sensor, poke_interval: 20m, timeout: 1d}\n"
			     "  soft: {type: fake_sensor, poke_interval: 20m, soft_fail: true}\n"
			     "  at_end: {type: fake_sensor, poke_interval: 20m, deadline: 0s}\n"
			     "  gate: {command: \"true\"}\n"
			     "  late: {type: fake_sensor, poke_interval: 1m, after: [gate]}\n"
			     "  late_met: {type: fake_sensor, poke_interval: 1m, after: [gate]}\n" },
		{ NULL, NULL },
	};
	const char *p = "2024-01-09T00:00:00+00:00";

	h_open(files, NULL);
	/* 00:30 */
	CHECK_EQ_INT(0, h_poke("hard", p, OP_POKE_NOT_YET));
	CHECK_EQ_INT(0, h_poke("soft", p, OP_POKE_NOT_YET));
	CHECK_EQ_INT(0, h_poke("at_end", p, OP_POKE_NOT_YET));
	CHECK_STATE("failed", "dl", "at_end", p);
	CHECK_EQ_STR("sensor deadline passed", h_ti("dl", "at_end", p, "error"));
	h_advance(20 * 60000LL);
	/* 00:50: the next wait is cut to the deadline */
	CHECK_EQ_INT(0, h_poke("hard", p, OP_POKE_NOT_YET));
	CHECK_EQ_INT(0, h_poke("soft", p, OP_POKE_NOT_YET));
	h_advance(10 * 60000LL - 1);
	CHECK_EQ_INT(0, h_pokes("hard"));
	h_advance(1);
	/* 01:00 */
	CHECK_EQ_INT(1, h_pokes("hard"));
	CHECK_EQ_INT(0, h_poke("hard", p, OP_POKE_NOT_YET));
	CHECK_EQ_INT(0, h_poke("soft", p, OP_POKE_NOT_YET));
	CHECK_STATE("failed", "dl", "hard", p);
	CHECK_EQ_STR("sensor deadline passed", h_ti("dl", "hard", p, "error"));
	CHECK_STATE("skipped", "dl", "soft", p);
	/* 02:00: the gate lets the late sensors start after the deadline */
	h_advance(3600 * 1000LL);
	CHECK_EQ_INT(0, h_end("gate", p, 0));
	CHECK_EQ_INT(0, h_poke("late_met", p, OP_POKE_DONE));
	CHECK_STATE("success", "dl", "late_met", p);
	CHECK_EQ_INT(0, h_poke("late", p, OP_POKE_NOT_YET));
	CHECK_STATE("failed", "dl", "late", p);
	CHECK_EQ_STR("sensor deadline passed", h_ti("dl", "late", p, "error"));
	h_close();
}

/* A shell task cannot take a deadline of its own. */
static void
test_sensor_deadline_shell(void)
{
	char dir[] = "/tmp/unit_sched_dl.XXXXXX", *path;
	const char *yaml = "dag: x\ntasks:\n  a: {command: \"true\", deadline: 1h}\n";
	struct dag *d = NULL;
	struct sl_err err;

	CHECK(mkdtemp(dir) != NULL);
	path = xasprintf("%s/x.yaml", dir);
	sl_err_clear(&err);
	CHECK(sl_write_file(path, yaml, strlen(yaml), 0644, &err) == 0);
	CHECK(dag_load(path, NULL, &d, &err) < 0);
	CHECK_MSG(strstr(err.msg, "tasks.a.deadline: only sensors take a deadline") != NULL,
		  "%s", err.msg);
	if (d != NULL)
		dag_free(d);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* --- SLA --- */

/* A task not done by partition end + sla is flagged once. */
static void
test_sla(void)
{
	static const struct h_dag_file files[] = {
		{ "sl.yaml", "dag: sl\nschedule: \"0 0 * * *\"\nstart: 2024-01-09\n"
			     "tasks:\n  t: {command: \"true\", sla: 1h}\n"
			     "  quick: {command: \"true\", sla: 1h}\n" },
		{ NULL, NULL },
	};
	const char *p = "2024-01-09T00:00:00+00:00";

	h_open(files, NULL);
	/* partition ends 2024-01-10T00:00Z; now is 00:30Z */
	h_end("quick", p, 0);
	CHECK_EQ_INT(0, h_sla_notified("sl", "t", p));
	h_advance(30 * 60 * 1000LL - 1000);
	CHECK_EQ_INT(0, h_sla_notified("sl", "t", p));
	h_advance(1000);
	CHECK_EQ_INT(1, h_sla_notified("sl", "t", p));
	CHECK_EQ_INT(0, h_sla_notified("sl", "quick", p));
	h_close();
}

/* Many SLA misses of one DAG in one pass go out as one digest per set
 * of recipients; a miss alone is the usual email. Catch-up made five
 * daily runs (01-05 .. 01-09) whose 1m SLAs all passed before the
 * first pass; t and u mail the same people, w others. */
static void
test_sla_digest(void)
{
	static const struct h_dag_file files[] = {
		{ "dg.yaml", "dag: dg\nschedule: \"0 0 * * *\"\nstart: 2024-01-05\n"
			     "defaults: {sla: 1m, email_on: [sla_miss], email: [a@example.com]}\n"
			     "tasks:\n  t: {command: \"true\"}\n  u: {command: \"true\"}\n"
			     "  w: {command: \"true\", email: [b@example.com]}\n" },
		{ "one.yaml", "dag: one\nschedule: \"0 0 * * *\"\nstart: 2024-01-09\n"
			      "tasks:\n  t: {command: \"true\", sla: 40m, email_on: [sla_miss],"
			      " email: [a@example.com]}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	CHECK_EQ_INT(5, h_runs("dg"));
	CHECK_EQ_STR("sla_miss digest 10\nsla_miss digest 5\n", h_notifications());
	CHECK_EQ_INT(1, h_sla_notified("dg", "w", "2024-01-07T00:00:00+00:00"));
	/* one's 40m SLA passes at 00:40, alone */
	h_advance(10 * 60000LL);
	CHECK_EQ_STR("sla_miss digest 10\nsla_miss digest 5\n"
		     "sla_miss t 2024-01-09T00:00:00+00:00\n", h_notifications());
	h_close();
}

/* An SLA miss of a task that has not started says why it waits, as
 * sluice tasks does: report waits for load, which runs on; a digest says
 * it of each. */
static void
test_sla_not_started_why(void)
{
	static const struct h_dag_file files[] = {
		{ "sw.yaml", "dag: sw\nschedule: \"0 0 * * *\"\nstart: 2024-01-09\n"
			     "tasks:\n  load: {command: \"true\"}\n"
			     "  report: {command: \"true\", after: [load], sla: 20m,"
			     " email_on: [sla_miss], email: [a@example.com]}\n" },
		{ "sd.yaml", "dag: sd\nschedule: \"0 0 * * *\"\nstart: 2024-01-08\n"
			     "defaults: {sla: 1m, email_on: [sla_miss], email: [a@example.com]}\n"
			     "tasks:\n  load: {command: \"true\"}\n"
			     "  report: {command: \"true\", after: [load]}\n" },
		{ NULL, NULL },
	};

	/* 00:30: sd's misses (two runs, load running) are one digest */
	h_open(files, NULL);
	CHECK(strstr(h_notifications(), "sla_miss digest 4\n"
		     "  report waiting: waits for upstream load (running)\n"
		     "  report waiting: waits for upstream load (running)\n") != NULL);
	/* sw's 20m SLA passed at 00:20, before the start: alone */
	CHECK(strstr(h_notifications(), "sla_miss report 2024-01-09T00:00:00+00:00\n"
		     "  waiting: waits for upstream load (running)\n") != NULL);
	h_close();
}

/* A task's email_on without an email of its own mails its DAG's email
 * (its retries, failures and SLA misses went nowhere, silently). One
 * with no email anywhere does not load (tests/dag-errors/
 * email-on-no-address.yaml). */
static void
test_task_email_dag_fallback(void)
{
	static const struct h_dag_file files[] = {
		{ "em.yaml", "dag: em\nemail: [ops@example.com]\ntasks:\n"
			     "  r: {command: \"false\", retries: 1, retry_delay: 1m, email_on: [retry, failure]}\n"
			     "  q: {command: \"false\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	h_trigger("em", "p");
	CHECK_EQ_INT(0, h_end("q", "p", 1));
	CHECK_EQ_INT(0, h_end("r", "p", 1));
	CHECK(strstr(h_notifications(), "retry r p\n") != NULL);
	h_advance(60 * 1000LL);
	CHECK_EQ_INT(0, h_end("r", "p", 1));
	CHECK(strstr(h_notifications(), "failure r p\n") != NULL);
	/* q has no email_on: nothing of it */
	CHECK(strstr(h_notifications(), " q p") == NULL);
	h_close();
}

/* --- the try model as the executor sees it --- */

static void
test_try_command_env(void)
{
	static const struct h_dag_file files[] = {
		{ "tm.yaml", "dag: tm\ntasks:\n"
			     "  s: {command: \"echo {{ task }} {{ try_number }}\","
			     " env: {GREETING: \"hi {{ partition }}\"}}\n"
			     "  v: {command: [\"/bin/echo\", \"{{ dag }}\"]}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	h_trigger("tm", "p1");
	CHECK_EQ_STR("/bin/sh", h_argv("s", 0));
	CHECK_EQ_STR("-c", h_argv("s", 1));
	/* a template in a /bin/sh line is one quoted word (SECURITY.md) */
	CHECK_EQ_STR("echo 's' '1'", h_argv("s", 2));
	CHECK_EQ_STR("/bin/echo", h_argv("v", 0));
	CHECK_EQ_STR("tm", h_argv("v", 1));
	CHECK_EQ_STR("hi p1", h_env("s", "GREETING"));
	CHECK_EQ_STR("tm", h_env("s", "SLUICE_DAG"));
	CHECK_EQ_STR("s", h_env("s", "SLUICE_TASK"));
	CHECK_EQ_STR("p1", h_env("s", "SLUICE_PARTITION"));
	CHECK_EQ_STR("manual__p1", h_env("s", "SLUICE_RUN_ID"));
	CHECK_EQ_STR("1", h_env("s", "SLUICE_TRY"));
	CHECK(sl_str_ends(h_env("v", "SLUICE_TRY_ID"), ".1"));
	/* exactly the scheduler's own environment (its SLUICE_* replaced),
	 * the ten SLUICE_* of the try, and the task's env: no TZ or
	 * anything else the scheduler did not have */
	{
		extern char **environ;
		int own = 0;

		for (int i = 0; environ[i] != NULL; i++)
			if (strncmp(environ[i], "SLUICE_", 7) != 0)
				own++;
		CHECK_EQ_INT(own + 10 + 1, h_env_count("s"));
		CHECK_EQ_INT(own + 10, h_env_count("v"));
	}
	CHECK(h_env("s", "TZ") == NULL);
	h_close();
}

/* A command string that is a plain list of words runs without the shell
 * (make's rule); anything the shell would read differently goes to
 * /bin/sh -c as written. */
static void
test_try_plain_command(void)
{
	static const struct {
		const char *command;	/* as the YAML holds it */
		const char *argv;	/* the words, joined by | */
	} cases[] = {
		{ "true", "true" },
		{ "  true  ", "true" },
		{ "true --version", "true|--version" },
		{ "/usr/bin/env -i A=1 B=x/y:z,w@h%1 +x", "/usr/bin/env|-i|A=1|B=x/y:z,w@h%1|+x" },
		{ "python3\tload.py  --day 2024-01-05", "python3|load.py|--day|2024-01-05" },
		/* the shell's syntax, words and builtins keep the shell */
		{ "A=1 env", "/bin/sh|-c|A=1 env" },
		{ "echo -e x", "/bin/sh|-c|echo -e x" },
		{ "cd /tmp", "/bin/sh|-c|cd /tmp" },
		{ "exit 3", "/bin/sh|-c|exit 3" },
		{ "if", "/bin/sh|-c|if" },
		{ "ls /etc/host*", "/bin/sh|-c|ls /etc/host*" },
		{ "ls ~", "/bin/sh|-c|ls ~" },
		{ "echo $HOME", "/bin/sh|-c|echo $HOME" },
		{ "cat a > b", "/bin/sh|-c|cat a > b" },
		{ "a && b", "/bin/sh|-c|a && b" },
		{ "a; b", "/bin/sh|-c|a; b" },
		{ "grep 'x y' f", "/bin/sh|-c|grep 'x y' f" },
		{ "grep x\\ y f", "/bin/sh|-c|grep x\\ y f" },
		{ "ls # note", "/bin/sh|-c|ls # note" },
		{ "a\nb", "/bin/sh|-c|a\nb" },
		{ "sort -k1,1 {{ partition }}.csv", "/bin/sh|-c|sort -k1,1 '2024-01-05'.csv" },
	};
	char yaml[8192];
	size_t off, i;

	off = (size_t)snprintf(yaml, sizeof yaml, "dag: pw\nmax_active_tasks: 64\ntasks:\n");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf q;

		/* the command as a double-quoted YAML string */
		buf_init(&q, 0);
		for (const char *p = cases[i].command; *p; p++) {
			if (*p == '\t')
				buf_adds(&q, "\\t");
			else if (*p == '\n')
				buf_adds(&q, "\\n");
			else {
				if (*p == '"' || *p == '\\')
					buf_addc(&q, '\\');
				buf_addc(&q, *p);
			}
		}
		off += (size_t)snprintf(yaml + off, sizeof yaml - off,
					"  c%zu: {command: \"%s\"}\n", i,
					buf_str(&q));
		buf_free(&q);
	}
	{
		const struct h_dag_file files[] = {
			{ "pw.yaml", yaml },
			{ NULL, NULL },
		};

		h_open(files, NULL);
	}
	h_trigger("pw", "2024-01-05");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char task[16];
		struct buf got;

		snprintf(task, sizeof task, "c%zu", i);
		buf_init(&got, 0);
		for (int k = 0; h_argv(task, k) != NULL; k++)
			buf_printf(&got, "%s%s", k ? "|" : "", h_argv(task, k));
		if (strcmp(buf_str(&got), cases[i].argv) != 0)
			fprintf(stderr, "  command \"%s\"\n", cases[i].command);
		CHECK_EQ_STR(cases[i].argv, buf_str(&got));
		buf_free(&got);
	}
	h_close();
}

/* --- the DAG folder --- */

/* A run another process made from the DAG file as it read it: as
 * `sluice trigger` does, the file's DAG created with its tasks. */
static void
trigger_as_read(const char *file, const char *partition)
{
	char path[PATH_MAX];
	struct dag *d = NULL;
	struct sl_err err;

	snprintf(path, sizeof path, "%s/%s", h_sched()->cfg->dags_dir, file);
	sl_err_clear(&err);
	CHECK_EQ_INT(0, dag_load(path, h_sched()->cfg, &d, &err));
	CHECK_EQ_INT(0, store_run_create(h_store(), d, partition, h_now() / 1000,
					 h_now() / 1000 + 60, "manual", NULL,
					 NULL, &err));
	dag_free(d);
	h_poke_db();
}

/* A trigger that beat the folder scan (made from a DAG file the
 * scheduler has not read yet, or from a newer version of one it has):
 * the scheduler reads the files that changed when it sees the run, so
 * the run starts at once and runs the tasks it was made with. Before,
 * a new file's run waited for the next scan, and a run triggered right
 * after an edit ran the old file's tasks (a task removed by the edit
 * ran, the added one stayed `none` in a run said to succeed). */
static void
test_trigger_before_scan(void)
{
	static const struct h_dag_file files[] = {
		{ "a.yaml", "dag: a\ntasks:\n  t: {command: \"true\"}\n" },
		{ "r.yaml", "dag: r\ntasks:\n  x: {command: \"true\"}\n"
			    "  old: {after: [x], command: \"true\"}\n" },
		{ NULL, NULL },
	};
	uint64_t reloads;

	h_open(files, NULL);
	h_dag_file_unseen("late.yaml", "dag: late\ntasks:\n  t: {command: \"true\"}\n");
	trigger_as_read("late.yaml", "p");
	CHECK_EQ_STR("running", h_run_state("late", "p"));
	CHECK_EQ_INT(1, h_running("t"));
	/* an edit: old goes, new comes; the trigger reads the new file
	 * (and the runs, p1's among them, are rebuilt once for both: they
	 * were twice) */
	h_trigger("r", "p1");
	CHECK_EQ_INT(1, h_running("x"));
	h_dag_file_unseen("r.yaml", "dag: r\ntasks:\n  x: {command: \"true\"}\n"
			  "  new: {after: [x], command: \"true\"}\n");
	reloads = h_sched()->reloads;
	trigger_as_read("r.yaml", "p2");
	CHECK_EQ_INT(reloads + 1, h_sched()->reloads);
	CHECK_EQ_INT(0, h_end("x", "p2", 0));
	CHECK_EQ_INT(0, h_running("old"));
	CHECK_EQ_INT(1, h_running("new"));
	CHECK_EQ_INT(0, h_end("new", "p2", 0));
	CHECK_EQ_STR("success", h_run_state("r", "p2"));
	CHECK_STATE("success", "r", "new", "p2");
	CHECK_EQ_STR("", h_ti("r", "old", "p2", "state"));
	CHECK_EQ_INT(0, h_started("old"));
	h_close();
}

/* A task removed from the DAG file while a run had it unfinished: the run
 * ends on the tasks the file has, and that task instance ends with it
 * (skipped if it was waiting to start or for its sensor's next poke,
 * failed if a try had failed or was running: that try is stopped, and
 * its log says why). Before, it stayed up_for_retry (or none, running) in
 * a run said to succeed, and when the task came back to the file nothing
 * ever moved it. Put back before the run ends, it carries on there. */
#define RM_BASE "dag: g\ntasks:\n  a: {command: \"true\"}\n"
#define RM_SENSOR "  extra: {type: fake_sensor, poke_interval: 10m}\n"
enum rm_how { RM_WAIT, RM_FAIL, RM_RUN, RM_POKING, RM_POKED };
static const struct {
	const char *name;
	const char *extra;	/* the task's line */
	enum rm_how how;	/* how it gets to `from` */
	const char *from;	/* its state when the edit removes it */
	const char *to;		/* when the run ends */
} rm_rows[] = {
	{ "waiting for upstream", "  extra: {after: [a], command: \"true\"}\n",
	  RM_WAIT, "none", "skipped" },
	{ "waiting for its retry",
	  "  extra: {command: \"true\", retries: 1, retry_delay: 5m}\n",
	  RM_FAIL, "up_for_retry", "failed" },
	{ "running", "  extra: {command: \"true\"}\n", RM_RUN, "running", "failed" },
	{ "sensor poking", RM_SENSOR, RM_POKING, "running", "skipped" },
	{ "sensor between pokes", RM_SENSOR, RM_POKED, "up_for_reschedule", "skipped" },
};

/* Open g with row k's task, bring it to its state, and remove it. */
static void
rm_open(size_t k, char *full, size_t size)
{
	struct h_dag_file files[] = {
		{ "g.yaml", full },
		{ NULL, NULL },
	};

	snprintf(full, size, "%s%s", RM_BASE, rm_rows[k].extra);
	h_open(files, NULL);
	h_trigger("g", "p");
	if (rm_rows[k].how == RM_FAIL)
		CHECK_EQ_INT(0, h_end("extra", "p", 1));
	if (rm_rows[k].how == RM_POKING)
		CHECK_EQ_INT(1, h_pokes("extra"));
	if (rm_rows[k].how == RM_POKED)
		CHECK_EQ_INT(0, h_poke("extra", "p", OP_POKE_NOT_YET));
	CHECK_STATE(rm_rows[k].from, "g", "extra", "p");
	h_dag_file("g.yaml", RM_BASE);
	CHECK_EQ_INT(0, h_running("extra"));
	CHECK_EQ_INT(0, h_pokes("extra"));
}

static void
test_task_removed_while_open(void)
{
	char full[512];

	for (size_t k = 0; k < SL_ARRAY_LEN(rm_rows); k++) {
		int started;

		fprintf(stderr, "  %s\n", rm_rows[k].name);
		rm_open(k, full, sizeof full);
		started = h_started("extra");
		if (rm_rows[k].how == RM_RUN) {
			const char *log = h_log_path("extra");

			CHECK_EQ_INT(1, h_lines_with(log, "its task was removed from the DAG file: stopping this try"));
			CHECK_EQ_INT(1, h_lines_with(log, "stopped: its task was removed from the DAG file"));
		}
		CHECK_EQ_STR("running", h_run_state("g", "p"));
		CHECK_EQ_INT(0, h_end("a", "p", 0));
		CHECK_EQ_STR("success", h_run_state("g", "p"));
		CHECK_STATE(rm_rows[k].to, "g", "extra", "p");
		if (strcmp(rm_rows[k].to, "failed") == 0)
			CHECK_EQ_STR("its task was removed from the DAG file before it ended",
				     h_ti("g", "extra", "p", "error"));
		/* back in the file: the ended run stays as it is */
		h_dag_file("g.yaml", full);
		CHECK_EQ_STR("success", h_run_state("g", "p"));
		CHECK_STATE(rm_rows[k].to, "g", "extra", "p");
		CHECK_EQ_INT(started, h_started("extra"));
		CHECK_EQ_INT(0, h_pokes("extra"));
		h_close();
	}
	for (size_t k = 0; k < SL_ARRAY_LEN(rm_rows); k++) {
		fprintf(stderr, "  %s, put back\n", rm_rows[k].name);
		rm_open(k, full, sizeof full);
		h_dag_file("g.yaml", full);
		CHECK_EQ_INT(0, h_end("a", "p", 0));
		CHECK_EQ_STR("running", h_run_state("g", "p"));
		h_advance(10 * 60 * 1000);
		if (rm_rows[k].how == RM_POKING || rm_rows[k].how == RM_POKED)
			CHECK_EQ_INT(0, h_poke("extra", "p", OP_POKE_DONE));
		else
			CHECK_EQ_INT(0, h_end("extra", "p", 0));
		CHECK_STATE("success", "g", "extra", "p");
		CHECK_EQ_STR("success", h_run_state("g", "p"));
		h_close();
	}
}

/*
 * A restart after a DAG's file went, or one of its tasks, while a try of
 * it ran (a `kill -9` and a new scheduler): the run goes on as with a
 * scheduler that ran all along. The gone file's DAG is its last good
 * version from the database: its try is adopted, not killed as lost, and
 * the run finishes on it, creating no new runs. A removed task's try is
 * stopped saying why and ends with the run.
 */
enum gr_how { GR_FILE_SEEN, GR_FILE_UNSEEN, GR_TASK_UNSEEN };
static const struct {
	const char *what;
	enum gr_how how;
} gr_rows[] = {
	{ "file gone while the scheduler ran, then a restart", GR_FILE_SEEN },
	{ "file gone while no scheduler ran", GR_FILE_UNSEEN },
	{ "task removed while no scheduler ran", GR_TASK_UNSEEN },
};

static void
test_gone_restart(void)
{
	static const struct h_dag_file files[] = {
		{ "gr.yaml", "dag: gr\nschedule: \"@hourly\"\nstart: 2024-01-10T00:00:00Z\n"
			     "end: 2024-01-10T01:00:00Z\ntasks:\n"
			     "  a: {command: \"true\"}\n  x: {command: \"true\"}\n"
			     "  b: {after: [a], command: \"true\"}\n" },
		{ NULL, NULL },
	};
	static const char *no_x = "dag: gr\nschedule: \"@hourly\"\nstart: 2024-01-10T00:00:00Z\n"
				  "end: 2024-01-10T01:00:00Z\ntasks:\n"
				  "  a: {command: \"true\"}\n  b: {after: [a], command: \"true\"}\n";

	for (size_t k = 0; k < SL_ARRAY_LEN(gr_rows); k++) {
		const struct dagbag_entry *e;
		int runs;

		fprintf(stderr, "  %s\n", gr_rows[k].what);
		h_open(files, NULL);
		h_trigger("gr", "p1");
		CHECK_EQ_INT(1, h_running("a"));
		CHECK_EQ_INT(1, h_running("x"));
		runs = h_runs("gr");
		if (gr_rows[k].how == GR_FILE_SEEN)
			h_dag_file("gr.yaml", NULL);
		else
			h_dag_file_unseen("gr.yaml", gr_rows[k].how == GR_TASK_UNSEEN ? no_x : NULL);
		h_restart();
		/* a's try was adopted: still running, never started again */
		CHECK_EQ_INT(1, h_running("a"));
		CHECK_EQ_INT(1, h_started("a"));
		CHECK_EQ_INT(0, h_killed("a", "p1"));
		CHECK_STATE("running", "gr", "a", "p1");
		if (gr_rows[k].how == GR_TASK_UNSEEN) {
			const char *log = h_log_path("x");

			/* x's try stopped, saying why, and not retried */
			CHECK_EQ_INT(0, h_running("x"));
			CHECK_EQ_INT(1, h_started("x"));
			CHECK_EQ_INT(1, h_lines_with(log, "its task was removed from the DAG file: stopping this try"));
			CHECK_EQ_INT(1, h_lines_with(log, "stopped: its task was removed from the DAG file"));
		} else {
			e = dagbag_find_entry(sched_dagbag(h_sched()), "gr");
			CHECK(e != NULL && e->missing && e->dag->ntasks == 3);
			CHECK_EQ_INT(0, h_end("x", "p1", 0));
		}
		/* the run finishes (on the last good version) */
		CHECK_EQ_INT(0, h_end("a", "p1", 0));
		CHECK_EQ_INT(1, h_running("b"));
		CHECK_EQ_INT(0, h_end("b", "p1", 0));
		CHECK_EQ_STR("success", h_run_state("gr", "p1"));
		if (gr_rows[k].how == GR_TASK_UNSEEN) {
			CHECK_STATE("failed", "gr", "x", "p1");
			CHECK_EQ_STR("its task was removed from the DAG file before it ended",
				     h_ti("gr", "x", "p1", "error"));
		} else {
			/* and a gone file's DAG creates no new runs */
			h_advance(2 * 3600 * 1000);
			CHECK_EQ_INT(runs, h_runs("gr"));
		}
		h_close();
	}
}

/* A try that ends in a pass whose commit fails: its end is lost with the
 * transaction; the scheduler reads the store again and records it then
 * (once), its downstream starts once, nothing else starts twice. */
static void
test_failed_commit_keeps_ends(void)
{
	static const struct h_dag_file files[] = {
		{ "fe.yaml", "dag: fe\ntasks:\n  a: {command: \"true\"}\n"
			     "  b: {command: \"true\", retries: 1, retry_delay: 5s}\n"
			     "  c: {after: [a], command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	h_trigger("fe", "p");
	CHECK_EQ_INT(1, h_running("a"));
	CHECK_EQ_INT(1, h_running("b"));
	store_test_fail_commits(h_store(), 1);
	/* a succeeds and b fails in the pass whose commit fails */
	CHECK_EQ_INT(0, h_end("a", "p", 0));
	CHECK_EQ_INT(0, h_end("b", "p", 1));
	/* read again, ends recorded again: c starts once, b is retried
	 * after its delay, once */
	CHECK_STATE("success", "fe", "a", "p");
	CHECK_STATE("up_for_retry", "fe", "b", "p");
	CHECK_EQ_INT(1, h_started("c"));
	CHECK_EQ_INT(1, h_started("a"));
	h_advance(5000);
	CHECK_EQ_INT(2, h_started("b"));
	CHECK_STATE("running", "fe", "b", "p");
	h_end_all();
	CHECK_EQ_STR("success", h_run_state("fe", "p"));
	CHECK_EQ_INT(1, h_started("a"));
	CHECK_EQ_INT(1, h_started("c"));
	CHECK_EQ_INT(2, h_started("b"));
	/* every try recorded once: a 1, b 2, c 1 */
	CHECK_EQ_STR("2", h_ti("fe", "b", "p", "try_number"));
	h_close();
}

/* --- two clocks: waits are monotonic, schedules follow the wall --- */

enum step_wait { STEP_RETRY, STEP_TIMEOUT, STEP_POKE, STEP_SENSOR_TIMEOUT };

/*
 * A step of the wall clock (NTP, a person setting the date) in the middle
 * of a wait changes nothing: the retry delay, the task's timeout, the
 * poke interval and a sensor's timeout each end exactly when their
 * duration has passed on the monotonic clock.
 */
static const struct {
	const char *what;
	enum step_wait wait;
	int64_t step_ms;
} wall_steps[] = {
	{ "retry delay, wall back 1 h",      STEP_RETRY,          -3600000 },
	{ "retry delay, wall forward 1 h",   STEP_RETRY,           3600000 },
	{ "timeout, wall back 1 h",          STEP_TIMEOUT,        -3600000 },
	{ "timeout, wall forward 1 h",       STEP_TIMEOUT,         3600000 },
	{ "poke interval, wall back 1 h",    STEP_POKE,           -3600000 },
	{ "poke interval, wall forward 1 h", STEP_POKE,            3600000 },
	{ "sensor timeout, wall back 1 h",   STEP_SENSOR_TIMEOUT, -3600000 },
	{ "sensor timeout, wall forward 1 h", STEP_SENSOR_TIMEOUT, 3600000 },
};

static void
test_wall_steps(void)
{
	static const struct h_dag_file files[] = {
		{ "w.yaml", "dag: w\ntasks:\n"
			    "  flaky: {command: \"false\", retries: 1, retry_delay: 10s}\n"
			    "  slow: {command: \"sleep 100\", timeout: 30s}\n"
			    "  sense: {type: fake_sensor, poke_interval: 10s, timeout: 35s}\n" },
		{ NULL, NULL },
	};

	for (size_t i = 0; i < sizeof wall_steps / sizeof wall_steps[0]; i++) {
		int64_t step = wall_steps[i].step_ms;
		int before = unit_case_failed;

		unit_case_failed = 0;	/* to name the rows that fail */

		h_open(files, NULL);
		h_trigger("w", "p");
		switch (wall_steps[i].wait) {
		case STEP_RETRY:
			CHECK_EQ_INT(0, h_end("flaky", "p", 1));
			CHECK_STATE("up_for_retry", "w", "flaky", "p");
			h_advance(4000);
			h_wall_step(step);
			h_advance(5999);
			CHECK_STATE("up_for_retry", "w", "flaky", "p");
			h_advance(1);
			CHECK_STATE("running", "w", "flaky", "p");
			CHECK_EQ_INT(2, h_started("flaky"));
			break;
		case STEP_TIMEOUT:
			h_advance(10000);
			h_wall_step(step);
			h_advance(19999);
			CHECK_EQ_INT(0, h_killed("slow", "p"));
			CHECK_STATE("running", "w", "slow", "p");
			h_advance(1);
			CHECK_STATE("failed", "w", "slow", "p");
			CHECK_EQ_STR("timed out after 30s", h_ti("w", "slow", "p", "error"));
			break;
		case STEP_POKE:
			CHECK_EQ_INT(0, h_poke("sense", "p", OP_POKE_NOT_YET));
			h_advance(4000);
			h_wall_step(step);
			h_advance(5999);
			CHECK_EQ_INT(0, h_pokes("sense"));
			h_advance(1);
			CHECK_EQ_INT(1, h_pokes("sense"));
			break;
		case STEP_SENSOR_TIMEOUT:
			/* pokes at 0, 10, 20, 30 s (the step after the first),
			 * the last at the 35 s timeout */
			for (int k = 0; k < 4; k++) {
				CHECK_EQ_INT(0, h_poke("sense", "p", OP_POKE_NOT_YET));
				CHECK_STATE("up_for_reschedule", "w", "sense", "p");
				if (k == 0)
					h_wall_step(step);
				h_advance(k < 3 ? 10000 : 4999);
			}
			CHECK_EQ_INT(0, h_pokes("sense"));
			h_advance(1);
			CHECK_EQ_INT(1, h_pokes("sense"));
			CHECK_EQ_INT(0, h_poke("sense", "p", OP_POKE_NOT_YET));
			CHECK_STATE("failed", "w", "sense", "p");
			CHECK_EQ_STR("sensor timed out", h_ti("w", "sense", "p", "error"));
			break;
		}
		if (unit_case_failed)
			fprintf(stderr, "  in row: %s\n", wall_steps[i].what);
		unit_case_failed |= before;
		h_close();
	}
}

/*
 * A DAG file that loaded changes while a try of its DAG runs: broken
 * (syntax, unknown key, cycle), another file declaring its name (sorting
 * before it or after), or gone. Nothing running stops: the try ends as
 * it would, the run finishes on the last good version. A broken DAG goes
 * on being scheduled from that version; a gone one creates no new runs.
 * The error is on the DAG (and in the store) until the file is restored.
 */
#define FB_YAML "dag: fb\nschedule: \"@hourly\"\nstart: 2024-01-10T00:00:00Z\n" \
		"tasks:\n  a: {command: \"true\"}\n  b: {after: [a], command: \"true\"}\n"
static const struct {
	const char *what;
	const char *file;	/* the file written (NULL: fb.yaml deleted) */
	const char *yaml;
	const char *error;	/* in the error of `file`'s entry */
	int dag_error;		/* the DAG (and its row) carries it */
	int new_runs;		/* the schedule goes on */
} fb_rows[] = {
	{ "syntax", "fb.yaml", "dag: fb\ntasks: [a, \n", "fb.yaml:", 1, 1 },
	{ "unknown key", "fb.yaml", FB_YAML "bogus: 1\n", "fb.yaml:7:1: unknown key 'bogus'", 1, 1 },
	{ "cycle", "fb.yaml", "dag: fb\ntasks:\n  a: {after: [b], command: \"true\"}\n"
	  "  b: {after: [a], command: \"true\"}\n", "cycle", 1, 1 },
	{ "duplicate after", "zz.yaml", "dag: fb\ntasks:\n  x: {command: \"true\"}\n",
	  "zz.yaml:1:6: dag 'fb' is already defined in", 0, 1 },
	{ "duplicate before", "00.yaml", "dag: fb\ntasks:\n  x: {command: \"true\"}\n",
	  "00.yaml:1:6: dag 'fb' is already defined in", 0, 1 },
	{ "deleted", NULL, NULL, "the DAG file is gone", 1, 0 },
};

/* The stored load error of dag ("" when none). */
static const char *
fb_row_error(const char *dag)
{
	static char text[1024];
	json_t *rows = store_dags_json(h_store()), *o;
	size_t i;

	text[0] = '\0';
	json_array_foreach(rows, i, o)
		if (strcmp(json_string_value(json_object_get(o, "dag")), dag) == 0 &&
		    json_is_string(json_object_get(o, "error")))
			snprintf(text, sizeof text, "%s",
				 json_string_value(json_object_get(o, "error")));
	json_decref(rows);
	return text;
}

static const struct dagbag_entry *
fb_file_entry(const char *file)
{
	const struct dagbag *bag = sched_dagbag(h_sched());

	for (int i = 0; i < bag->n; i++)
		if (sl_str_ends(bag->entries[i].file, file))
			return &bag->entries[i];
	return NULL;
}

static void
test_dag_file_breaks(void)
{
	static const struct h_dag_file files[] = {
		{ "fb.yaml", FB_YAML },
		{ NULL, NULL },
	};

	for (size_t k = 0; k < SL_ARRAY_LEN(fb_rows); k++) {
		const struct dagbag_entry *e;
		const char *file = fb_rows[k].file ? fb_rows[k].file : "fb.yaml";
		int runs;

		fprintf(stderr, "  %s\n", fb_rows[k].what);
		h_open(files, NULL);
		h_trigger("fb", "p1");
		CHECK_EQ_INT(1, h_running("a"));
		h_dag_file(file, fb_rows[k].yaml);
		/* the try goes on */
		CHECK_EQ_INT(1, h_running("a"));
		CHECK_EQ_INT(0, h_killed("a", "p1"));
		e = fb_file_entry(file);
		CHECK(e != NULL && e->error != NULL &&
		      strstr(e->error, fb_rows[k].error) != NULL);
		if (e != NULL && e->error != NULL && strstr(e->error, fb_rows[k].error) == NULL)
			fprintf(stderr, "    error: %s\n", e->error);
		/* the DAG keeps its version (and its file) */
		e = dagbag_find_entry(sched_dagbag(h_sched()), "fb");
		CHECK(e != NULL && sl_str_ends(e->file, "/fb.yaml") &&
		      e->dag->ntasks == 2);
		CHECK(e != NULL && (e->error != NULL) == fb_rows[k].dag_error);
		CHECK(e != NULL && e->missing == (fb_rows[k].file == NULL));
		if (fb_rows[k].file != NULL && fb_rows[k].dag_error)
			CHECK(strstr(fb_row_error("fb"), fb_rows[k].error) != NULL);
		else
			CHECK_EQ_STR("", fb_row_error("fb"));
		/* the run finishes on the last good version */
		CHECK_EQ_INT(0, h_end("a", "p1", 0));
		CHECK_STATE("success", "fb", "a", "p1");
		CHECK_EQ_INT(1, h_running("b"));
		CHECK_EQ_INT(0, h_end("b", "p1", 0));
		CHECK_EQ_STR("success", h_run_state("fb", "p1"));
		/* an hour on: the partition of 00:00 is due */
		runs = h_runs("fb");
		h_advance(3600 * 1000LL);
		CHECK_EQ_INT(runs + fb_rows[k].new_runs, h_runs("fb"));
		/* restored: the error goes, the file's DAG is current */
		if (fb_rows[k].file == NULL || strcmp(fb_rows[k].file, "fb.yaml") == 0)
			h_dag_file("fb.yaml", FB_YAML);
		else
			h_dag_file(fb_rows[k].file, NULL);
		e = dagbag_find_entry(sched_dagbag(h_sched()), "fb");
		CHECK(e != NULL && e->error == NULL && !e->stale && !e->missing);
		CHECK_EQ_STR("", fb_row_error("fb"));
		for (int i = 0; i < sched_dagbag(h_sched())->n; i++)
			CHECK(sched_dagbag(h_sched())->entries[i].error == NULL);
		h_close();
	}
}

/* A try adopted after a restart gets the secret values its start got
 * (its executor masks its log with them from then on), inside
 * sched_start(): before any loop turn, so before an executor could have
 * copied any of its output. */
static void
test_adopted_secrets(void)
{
	static const struct h_dag_file files[] = {
		{ "hush.yaml", "dag: hush\n"
		  "params:\n"
		  "  pw: {type: string, secret: true, default: pw-param-4321}\n"
		  "tasks:\n"
		  "  a:\n"
		  "    env: {API_TOKEN: pw-env-1234}\n"
		  "    command: \"echo {{ params.pw }}\"\n" },
		{ NULL, NULL },
	};
	char at_start[512];

	h_open(files, NULL);
	h_trigger("hush", "p1");
	CHECK_EQ_INT(1, h_running("a"));
	snprintf(at_start, sizeof at_start, "%s", h_secrets("a", 0));
	CHECK(strstr(at_start, "pw-param-4321") != NULL);
	CHECK(strstr(at_start, "pw-env-1234") != NULL);
	CHECK(h_secrets("a", 1) == NULL);
	h_restart();
	CHECK_EQ_INT(1, h_running("a"));
	CHECK_EQ_INT(1, h_started("a"));
	CHECK(h_secrets("a", 1) != NULL);
	CHECK_EQ_STR(at_start, h_secrets("a", 1));
	CHECK_EQ_INT(1, h_secrets_in_start("a"));
	CHECK_EQ_INT(0, h_end("a", "p1", 0));
	CHECK_STATE("success", "hush", "a", "p1");
	h_close();
}

/* A scheduler that starts while a DAG file is broken runs the last good
 * version the database stored: the try the previous one left running is
 * adopted, the run finishes, the DAG carries the file's error; fixing
 * the file brings the new version. (NULL yaml: the file stays good.) */
static const struct {
	const char *what;
	const char *yaml;	/* fb.yaml before the restart */
	const char *error;	/* in fb's error after it */
} fr_rows[] = {
	{ "unchanged", NULL, NULL },
	{ "syntax", "dag: fb\ntasks: [a, \n", "fb.yaml:" },
	{ "unknown key", FB_YAML "bogus: 1\n", "fb.yaml:7:1: unknown key 'bogus'" },
	{ "cycle", "dag: fb\ntasks:\n  a: {after: [b], command: \"true\"}\n"
	  "  b: {after: [a], command: \"true\"}\n", "cycle" },
};

static void
test_dag_file_broken_restart(void)
{
	static const struct h_dag_file files[] = {
		{ "fb.yaml", FB_YAML },
		{ NULL, NULL },
	};
	static const struct h_dag_file never[] = {
		{ "nv.yaml", "dag: nv\ntasks: [a, \n" },
		{ NULL, NULL },
	};
	const struct dagbag_entry *e;

	for (size_t k = 0; k < SL_ARRAY_LEN(fr_rows); k++) {
		fprintf(stderr, "  %s\n", fr_rows[k].what);
		h_open(files, NULL);
		h_trigger("fb", "p1");
		CHECK_EQ_INT(1, h_running("a"));
		if (fr_rows[k].yaml != NULL)
			h_dag_file("fb.yaml", fr_rows[k].yaml);
		h_restart();
		/* the try was adopted: still running, not started again */
		CHECK_EQ_INT(1, h_running("a"));
		CHECK_EQ_INT(1, h_started("a"));
		CHECK_EQ_INT(0, h_killed("a", "p1"));
		CHECK_STATE("running", "fb", "a", "p1");
		e = dagbag_find_entry(sched_dagbag(h_sched()), "fb");
		CHECK(e != NULL && e->dag->ntasks == 2 &&
		      sl_str_ends(e->file, "/fb.yaml"));
		if (fr_rows[k].error == NULL) {
			CHECK(e != NULL && e->error == NULL && !e->stale);
			CHECK_EQ_STR("", fb_row_error("fb"));
		} else {
			CHECK(e != NULL && e->stale && e->error != NULL &&
			      strstr(e->error, fr_rows[k].error) != NULL);
			CHECK(strstr(fb_row_error("fb"), fr_rows[k].error) != NULL);
		}
		/* the run finishes on the stored version */
		CHECK_EQ_INT(0, h_end("a", "p1", 0));
		CHECK_STATE("success", "fb", "a", "p1");
		CHECK_EQ_INT(1, h_running("b"));
		CHECK_EQ_INT(0, h_end("b", "p1", 0));
		CHECK_EQ_STR("success", h_run_state("fb", "p1"));
		/* fixed with a new version: it takes over */
		h_dag_file("fb.yaml", FB_YAML "  c: {after: [b], command: \"true\"}\n");
		e = dagbag_find_entry(sched_dagbag(h_sched()), "fb");
		CHECK(e != NULL && e->error == NULL && !e->stale &&
		      e->dag->ntasks == 3);
		CHECK_EQ_STR("", fb_row_error("fb"));
		/* and is the one a restart with a broken file runs */
		h_dag_file("fb.yaml", "dag: fb\ntasks: [a, \n");
		h_restart();
		e = dagbag_find_entry(sched_dagbag(h_sched()), "fb");
		CHECK(e != NULL && e->stale && e->dag->ntasks == 3);
		h_close();
	}
	/* a file that never loaded has nothing stored: it stays an error */
	fprintf(stderr, "  never loaded\n");
	h_open(never, NULL);
	h_restart();
	CHECK(dagbag_find_entry(sched_dagbag(h_sched()), "nv") == NULL);
	CHECK(sched_dagbag(h_sched())->n == 1 &&
	      sched_dagbag(h_sched())->entries[0].error != NULL &&
	      sched_dagbag(h_sched())->entries[0].dag == NULL);
	h_close();
}

/* Schedules follow the wall clock: a forward step makes the partitions
 * it passes due at the next tick; a backward one makes none twice. */
static void
test_wall_step_schedule(void)
{
	static const struct h_dag_file files[] = {
		{ "hr.yaml", "dag: hr\nschedule: \"0 * * * *\"\nstart: 2024-01-01\n"
			     "catchup: false\ntasks:\n  t: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	CHECK_EQ_INT(1, h_runs("hr"));
	h_advance(1000);
	CHECK_EQ_INT(1, h_runs("hr"));		/* 00:30Z: nothing due */
	h_wall_step(-3600000);
	h_advance(2000);
	CHECK_EQ_INT(1, h_runs("hr"));		/* back to 23:30Z: none again */
	h_wall_step(2 * 3600000);
	CHECK_EQ_INT(1, h_runs("hr"));		/* the tick decides */
	h_advance(1000);			/* 01:30Z: 00:00 is due */
	CHECK_EQ_INT(2, h_runs("hr"));
	CHECK_EQ_STR("running", h_run_state("hr", "2024-01-10T00:00:00+00:00"));
	h_close();
}

/* New DAGs start paused unless the config says otherwise: at start and
 * when a file appears later. */
static void
paused_cfg(struct config *cfg)
{
	cfg->dags_paused_at_creation = 1;
}

static void
test_paused_at_creation(void)
{
	static const struct h_dag_file files[] = {
		{ "pc.yaml", "dag: pc\nschedule: \"@hourly\"\nstart: 2024-01-09T00:00:00Z\n"
			     "tasks:\n  t: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, paused_cfg);
	CHECK_EQ_INT(1, store_dag_paused(h_store(), "pc", 0));
	CHECK_EQ_INT(0, h_runs("pc"));
	h_dag_file("pc2.yaml", "dag: pc2\nschedule: \"@hourly\"\n"
		   "start: 2024-01-09T00:00:00Z\ntasks:\n  t: {command: \"true\"}\n");
	CHECK_EQ_INT(1, store_dag_paused(h_store(), "pc2", 0));
	h_advance(3600 * 1000LL);
	CHECK_EQ_INT(0, h_runs("pc"));
	CHECK_EQ_INT(0, h_runs("pc2"));
	h_close();
	/* the harness's config: active at once, catching up */
	h_open(files, NULL);
	CHECK_EQ_INT(0, store_dag_paused(h_store(), "pc", 0));
	CHECK(h_runs("pc") > 0);
	h_dag_file("pc2.yaml", "dag: pc2\nschedule: \"@hourly\"\n"
		   "start: 2024-01-09T00:00:00Z\ntasks:\n  t: {command: \"true\"}\n");
	CHECK_EQ_INT(0, store_dag_paused(h_store(), "pc2", 0));
	h_advance(3600 * 1000LL);
	CHECK(h_runs("pc2") > 0);
	h_close();
}

/* --- a failed commit --- */

/* When the commit of a pass fails, none of the tries it queued start;
 * the scheduler reads the store again and starts them after a commit
 * that holds. */
static void
test_failed_commit_starts_nothing(void)
{
	static const struct h_dag_file files[] = {
		{ "fc.yaml", "dag: fc\ntasks:\n  a: {command: \"true\"}\n"
			     "  b: {after: [a], command: \"true\"}\n" },
		{ NULL, NULL },
	};
	struct sl_err err;

	h_open(files, NULL);
	sl_err_clear(&err);
	CHECK_EQ_INT(0, store_run_create(h_store(), h_dag("fc"), "p",
					 h_now() / 1000, h_now() / 1000 + 60,
					 "manual", NULL, NULL, &err));
	store_test_fail_commits(h_store(), 1);
	sched_poke(h_sched());
	/* the pass that queues a: its commit fails */
	while (sched_timers_next(h_sched()) <= h_mono() &&
	       h_started("a") == 0)
		sched_timers_run(h_sched());
	sched_pass_flush(h_sched());
	CHECK_EQ_INT(0, h_started("a"));
	h_settle();
	/* read again, queued again, committed, started once */
	CHECK_EQ_INT(1, h_started("a"));
	CHECK_EQ_INT(0, h_killed("a", "p"));
	CHECK_STATE("running", "fc", "a", "p");
	h_end("a", "p", 0);
	h_end("b", "p", 0);
	CHECK_EQ_STR("success", h_run_state("fc", "p"));
	h_close();
}

/* Writes begin to fail while a turn starts the tries it queued (a lock
 * another process holds, a full disk): the first try has started, the
 * others' queued state is committed but they never started. After the
 * back-off each of them starts exactly once; none stays queued. */
static void
hold_writes_at_first_start(const char *task)
{
	(void)task;
	h_on_start(NULL);
	store_hold(h_store(), 1);
}

static void
test_failed_write_while_starting(void)
{
	static const struct h_dag_file files[] = {
		{ "fs.yaml", "dag: fs\ntasks:\n  a: {command: \"true\"}\n"
			     "  b: {command: \"true\"}\n  c: {command: \"true\"}\n"
			     "  d: {after: [a, b, c], command: \"true\"}\n" },
		{ NULL, NULL },
	};
	static const char *const tasks[] = { "a", "b", "c" };

	h_open(files, NULL);
	h_on_start(hold_writes_at_first_start);
	h_trigger("fs", "p");
	h_advance(60 * 1000);
	for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++) {
		CHECK_EQ_INT(1, h_started(tasks[i]));
		CHECK_STATE("running", "fs", tasks[i], "p");
	}
	CHECK_EQ_INT(4, h_end_all());
	for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++)
		CHECK_EQ_INT(1, h_started(tasks[i]));
	CHECK_EQ_STR("success", h_run_state("fs", "p"));
	h_close();
}

/* A try ends while writes fail, and a person clears its task instance
 * before the scheduler writes again: its result is dropped (the task runs
 * again, once), but the try it was stays in the task's tries, recorded
 * as one cleared while running (saying who cleared it), with its exit
 * code, and its executor is
 * told its end was recorded. Before, the held end was dropped whole: the
 * try had a log and no row. */
static void
test_failed_write_then_clear(void)
{
	static const struct h_dag_file files[] = {
		{ "wc.yaml", "dag: wc\ntasks:\n  a: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	json_t *tries;

	h_open(files, NULL);
	h_trigger("wc", "p");
	h_advance(1000);
	CHECK_STATE("running", "wc", "a", "p");
	/* the write of the end fails, and the first attempt again (after
	 * 0 ms: its read of the store) */
	store_test_fail_nth(h_store(), 1, 2);
	CHECK_EQ_INT(0, h_end("a", "p", 3));
	CHECK(store_test_fault_fired(h_store()));
	CHECK_STATE("running", "wc", "a", "p");
	/* another process (the CLI; the harness shares the scheduler's
	 * connection, which holds its writes) clears it before the
	 * scheduler's next attempt */
	store_hold(h_store(), 0);
	CHECK_EQ_INT(1, h_clear("wc", "p", "a", 0));
	h_advance(5000);
	CHECK_EQ_INT(2, h_started("a"));
	CHECK_EQ_INT(1, h_recorded("a"));
	tries = store_tries_json(h_store(), "wc", "a", "p");
	CHECK_EQ_INT(1, (int)json_array_size(tries));	/* try 2 runs */
	if (json_array_size(tries) > 0) {
		json_t *t1 = json_array_get(tries, 0);

		CHECK_EQ_INT(1, (int)json_integer_value(json_object_get(t1, "try_number")));
		CHECK_EQ_STR("failed", json_string_value(json_object_get(t1, "state")));
		CHECK_EQ_INT(3, (int)json_integer_value(json_object_get(t1, "exit_code")));
		CHECK_EQ_STR("cleared by harness while running",
			     json_string_value(json_object_get(t1, "error")));
	}
	json_decref(tries);
	CHECK_EQ_INT(0, h_end("a", "p", 0));
	CHECK_EQ_STR("success", h_run_state("wc", "p"));
	CHECK_EQ_INT(2, h_started("a"));
	h_close();
}

/* How many times the log of try 1 of task in partition says text. */
static int
try1_log_count(const char *dag, const char *task, const char *partition,
	       const char *text)
{
	char *path = try_log_path(h_sched()->cfg->logs_dir, dag, partition,
				  task, 1);
	int n = h_lines_with(path, text);

	free(path);
	return n;
}

/* A try ends while writes are held (after another's end failed to be
 * written): when they succeed again its end is recorded, and the line
 * closing its log ("try 1 of 1 failed: ...") is written once, as for an
 * end that came while writes succeeded. Before, a replayed end never
 * wrote it. */
static void
test_end_while_held_closes_log(void)
{
	static const struct h_dag_file files[] = {
		{ "wl.yaml", "dag: wl\ntasks:\n  a: {command: \"true\"}\n"
			     "  b: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, NULL);
	h_trigger("wl", "p");
	h_advance(1000);
	CHECK_STATE("running", "wl", "a", "p");
	/* b's end fails to be written, and the first attempt again */
	store_test_fail_nth(h_store(), 1, 2);
	CHECK_EQ_INT(0, h_end("b", "p", 0));
	CHECK(store_test_fault_fired(h_store()));
	/* a ends while writes are held */
	CHECK_EQ_INT(0, h_end_saying("a", "p", 3, "what went wrong\n"));
	CHECK_STATE("running", "wl", "a", "p");
	h_advance(5000);
	CHECK_STATE("failed", "wl", "a", "p");
	CHECK_EQ_STR("exit code 3: what went wrong", h_ti("wl", "a", "p", "error"));
	CHECK_EQ_INT(1, try1_log_count("wl", "a", "p", "try 1 of 1 failed: exit code 3"));
	CHECK_STATE("success", "wl", "b", "p");
	h_close();
}

/* --- why a task instance waits (scheduler/wait.c) --- */

/* The slot rule, as a table: the first reason in the dispatcher's order. */
#define FREE { .max_pokes = 1, .parallelism = 1, .max_active_tasks = 1, .pool_size = 1, \
	       .pool_slots = 1, .exec_found = 1, .exec_slots = 1 }
static void
test_wait_slots_rule(void)
{
	static const struct {
		struct wait_slots w;
		enum wait_kind want;
	} rows[] = {
		/* a free slot everywhere */
		{ FREE, WAIT_GO },
		{ { .paused = 1, .max_pokes = 1, .parallelism = 1, .max_active_tasks = 1,
		    .pool_size = 1, .pool_slots = 1, .exec_found = 1, .exec_slots = 1 }, WAIT_PAUSED },
		{ { .paused = 1, .in_loop = 1, .max_pokes = 1 }, WAIT_PAUSED },
		/* an in-loop poke needs a poke slot only */
		{ { .in_loop = 1, .pokes = 1, .max_pokes = 1 }, WAIT_POKES },
		{ { .in_loop = 1, .pokes = 0, .max_pokes = 1, .running = 5, .parallelism = 5 }, WAIT_GO },
		{ { .running = 4, .parallelism = 4, .max_active_tasks = 9, .pool_size = 9,
		    .pool_slots = 1, .exec_found = 1, .exec_slots = 9 }, WAIT_PARALLELISM },
		{ { .parallelism = 9, .active_tasks = 2, .max_active_tasks = 2, .pool_size = 9,
		    .pool_slots = 1, .exec_found = 1, .exec_slots = 9 }, WAIT_MAX_ACTIVE_TASKS },
		{ { .parallelism = 9, .max_active_tasks = 9, .pool_used = 1, .pool_size = 1,
		    .pool_slots = 1, .exec_found = 1, .exec_slots = 9 }, WAIT_POOL },
		/* two slots wanted, one free */
		{ { .parallelism = 9, .max_active_tasks = 9, .pool_used = 1, .pool_size = 2,
		    .pool_slots = 2, .exec_found = 1, .exec_slots = 9 }, WAIT_POOL },
		{ { .parallelism = 9, .max_active_tasks = 9, .pool_used = 0, .pool_size = 2,
		    .pool_slots = 2, .exec_found = 1, .exec_slots = 9 }, WAIT_GO },
		{ { .parallelism = 9, .max_active_tasks = 9, .pool_size = 9, .pool_slots = 1,
		    .exec_found = 1, .exec_busy = 3, .exec_slots = 3 }, WAIT_EXECUTOR },
		/* an executor that is not configured */
		{ { .parallelism = 9, .max_active_tasks = 9, .pool_size = 9, .pool_slots = 1,
		    .exec_found = 0, .exec_slots = 9 }, WAIT_EXECUTOR },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(rows); i++)
		CHECK_MSG(wait_slots_check(&rows[i].w) == rows[i].want, "row %zu: %s, want %s", i,
			  wait_kind_name(wait_slots_check(&rows[i].w)), wait_kind_name(rows[i].want));
	CHECK(wait_run_check(1, 0, 1) == WAIT_PAUSED);
	CHECK(wait_run_check(0, 1, 1) == WAIT_MAX_ACTIVE_RUNS);
	CHECK(wait_run_check(0, 0, 1) == WAIT_GO);
}

static void
wait_cfg(struct config *cfg)
{
	json_object_set_new(cfg->pools, "one", json_integer(1));
}

/* The reasons wait_explain_ti gives from the store agree with what the
 * dispatcher did: each row's task instance is held, for that reason. */
static void
test_wait_reasons(void)
{
	static const struct h_dag_file files[] = {
		{ "wp.yaml", "dag: wp\ntasks:\n"
			     "  a: {command: \"true\", pool: one, priority: 2}\n"
			     "  b: {command: \"true\", pool: one}\n"
			     "  c: {command: \"true\", after: [a]}\n"
			     "  r: {command: \"false\", retries: 1, retry_delay: 1m}\n"
			     "  s: {type: fake_sensor, poke_interval: 10s}\n" },
		{ "wm.yaml", "dag: wm\nmax_active_tasks: 1\nmax_active_runs: 1\ntasks:\n"
			     "  x: {command: \"true\", priority: 2}\n"
			     "  y: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	static const struct {
		const char *dag, *partition, *task, *state, *kind, *text;
	} rows[] = {
		{ "wp", "p", "a", "running", NULL, NULL },
		{ "wp", "p", "b", "scheduled", "pool", "pool one is full (1 of 1 slots; this task needs 1)" },
		{ "wp", "p", "c", "none", "upstream", "waits for upstream a (running)" },
		{ "wp", "p", "r", "up_for_retry", "retry", "retry at 2024-01-10T00:31:00+00:00 (try 2 of 2)" },
		{ "wp", "p", "s", "up_for_reschedule", "next_poke", "next poke at 2024-01-10T00:30:10+00:00" },
		{ "wm", "p", "x", "running", NULL, NULL },
		{ "wm", "p", "y", "scheduled", "max_active_tasks", "max_active_tasks of DAG wm: 1 of 1 tasks running" },
		{ "wm", "q", "x", "none", "max_active_runs", "the run is queued: max_active_runs 1 of 1 runs running" },
	};
	struct sched *s;

	h_open(files, wait_cfg);
	s = h_sched();
	h_trigger("wp", "p");
	h_trigger("wm", "p");
	h_trigger("wm", "q");
	CHECK_EQ_INT(0, h_end("r", "p", 1));
	CHECK_EQ_INT(0, h_poke("s", "p", OP_POKE_NOT_YET));
	h_settle();
	for (size_t i = 0; i < SL_ARRAY_LEN(rows); i++) {
		json_t *why = NULL;
		struct sl_err err;

		CHECK_EQ_STR(rows[i].state, h_ti(rows[i].dag, rows[i].task, rows[i].partition, "state"));
		sl_err_clear(&err);
		CHECK_EQ_INT(0, wait_explain_ti(h_store(), s->cfg, &s->execs, &s->bag, h_dag(rows[i].dag),
						rows[i].partition, rows[i].task, h_now(), &why, &err));
		if (rows[i].kind == NULL) {
			CHECK_MSG(json_is_null(why), "row %zu waits", i);
		} else {
			CHECK_EQ_STR(rows[i].kind, json_string_value(json_object_get(why, "kind")));
			CHECK_EQ_STR(rows[i].text, json_string_value(json_object_get(why, "text")));
		}
		json_decref(why);
	}
	/* pausing holds the ready ones first */
	{
		json_t *why = NULL;
		struct sl_err err;

		sl_err_clear(&err);
		CHECK_EQ_INT(0, store_dag_set_paused(h_store(), "wp", 1, "harness", &err));
		CHECK_EQ_INT(0, wait_explain_ti(h_store(), s->cfg, &s->execs, &s->bag, h_dag("wp"), "p", "b",
						h_now(), &why, &err));
		CHECK_EQ_STR("paused", json_string_value(json_object_get(why, "kind")));
		json_decref(why);
	}
	h_close();
}

/* A task instance whose upstream ended so that its trigger rule will not
 * run it (a mark made while no scheduler ran, before a pass settled it)
 * is explained as what the next pass makes of it, not as "dependencies
 * met". */
static void
test_wait_settles(void)
{
	static const struct h_dag_file files[] = {
		{ "wu.yaml", "dag: wu\ntasks:\n"
			     "  first: {command: \"true\"}\n"
			     "  second: {command: \"true\", after: [first]}\n"
			     "  rescue: {command: \"true\", after: [first], trigger_rule: all_failed}\n" },
		{ NULL, NULL },
	};
	static const struct {
		const char *partition, *mark, *task, *text;
	} rows[] = {
		{ "p", "failed", "second",
		  "upstream first (failed) under trigger rule all_success: it becomes upstream_failed at the next pass, without running" },
		{ "p", "failed", "rescue", "dependencies met: scheduled at the next pass" },
		{ "q", "success", "rescue",
		  "upstream first (success) under trigger rule all_failed: it becomes skipped at the next pass, without running" },
	};
	struct sched *s;

	h_open(files, NULL);
	s = h_sched();
	h_trigger("wu", "p");
	h_trigger("wu", "q");
	h_settle();
	for (size_t i = 0; i < SL_ARRAY_LEN(rows); i++) {
		json_t *why = NULL;
		struct sl_err err;

		sl_err_clear(&err);
		/* marked behind the scheduler's back: no pass has run since */
		if (strcmp(h_ti("wu", "first", rows[i].partition, "state"), rows[i].mark) != 0)
			CHECK_EQ_INT(0, store_mark(h_store(), h_dag("wu"), "first", rows[i].partition,
						   ti_state_parse(rows[i].mark), "harness", &err));
		CHECK_EQ_STR("none", h_ti("wu", rows[i].task, rows[i].partition, "state"));
		CHECK_EQ_INT(0, wait_explain_ti(h_store(), s->cfg, &s->execs, &s->bag, h_dag("wu"),
						rows[i].partition, rows[i].task, h_now(), &why, &err));
		CHECK_EQ_STR(rows[i].text, json_string_value(json_object_get(why, "text")));
		json_decref(why);
	}
	h_close();
}

int
main(void)
{
	unsetenv("TZ");
	RUN(test_trigger_rules);
	RUN(test_wait_settles);
	RUN(test_retry_backoff);
	RUN(test_end_kinds);
	RUN(test_timeout);
	RUN(test_pools);
	RUN(test_priority);
	RUN(test_max_active_tasks);
	RUN(test_catchup_max_active_runs);
	RUN(test_no_catchup);
	RUN(test_next_partition_agrees);
	RUN(test_depends_on_past);
	RUN(test_depends_on_past_gap);
	RUN(test_clear_while_running);
	RUN(test_mark_running);
	RUN(test_mark_running_end_first);
	RUN(test_mark_clear_downstream);
	RUN(test_mark_failed_downstream);
	RUN(test_sensor_reschedule);
	RUN(test_sensor_backoff);
	RUN(test_sensor_deadline);
	RUN(test_sensor_deadline_shell);
	RUN(test_sla);
	RUN(test_sla_digest);
	RUN(test_retry_when);
	RUN(test_sla_not_started_why);
	RUN(test_try_command_env);
	RUN(test_try_plain_command);
	RUN(test_trigger_before_scan);
	RUN(test_task_removed_while_open);
	RUN(test_task_email_dag_fallback);
	RUN(test_gone_restart);
	RUN(test_dag_file_breaks);
	RUN(test_dag_file_broken_restart);
	RUN(test_paused_at_creation);
	RUN(test_failed_commit_starts_nothing);
	RUN(test_failed_write_while_starting);
	RUN(test_failed_write_then_clear);
	RUN(test_end_while_held_closes_log);
	RUN(test_failed_commit_keeps_ends);
	RUN(test_wall_steps);
	RUN(test_wall_step_schedule);
	RUN(test_wait_slots_rule);
	RUN(test_wait_reasons);
	RUN(test_adopted_secrets);
	return UNIT_END();
}
