/*
 * unit_sched_lane.c: the live and backfill lanes (scheduler/sched_lane.c)
 * and backfills as objects, driven through the real scheduler by the
 * deterministic harness (tests/sched_harness.h): backfill_share of
 * parallelism, of a pool and of an executor's slots; live tasks first; a
 * catch-up is in the backfill lane and the newest scheduled partition is
 * live; a backfill's --max-active, --newest-first and cancel; the wait
 * explanation of a task the share holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scheduler/backfill.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/wait.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

/* bf: backfilled only (its schedule starts after the harness's now, so
 * the scheduler creates nothing of it); lv: an unscheduled DAG whose
 * manual runs are live. Both have max_active_runs high enough to be no
 * limit; tasks of both can be put in a pool. */
#define BF_YAML(pool) \
	"dag: bf\nschedule: \"@hourly\"\nstart: 2024-02-01T00:00:00Z\n" \
	"max_active_runs: 1000\nmax_active_tasks: 1000\ntasks:\n" \
	"  b: {command: \"true\"" pool "}\n"
#define LV_YAML(pool) \
	"dag: lv\nmax_active_tasks: 1000\ntasks:\n" \
	"  l0: {command: \"true\"" pool "}\n  l1: {command: \"true\"" pool "}\n" \
	"  l2: {command: \"true\"" pool "}\n  l3: {command: \"true\"" pool "}\n" \
	"  l4: {command: \"true\"" pool "}\n  l5: {command: \"true\"" pool "}\n" \
	"  l6: {command: \"true\"" pool "}\n  l7: {command: \"true\"" pool "}\n" \
	"  l8: {command: \"true\"" pool "}\n  l9: {command: \"true\"" pool "}\n"

static const struct h_dag_file lane_files[] = {
	{ "bf.yaml", BF_YAML("") },
	{ "lv.yaml", LV_YAML("") },
	{ NULL, NULL },
};

static const struct h_dag_file pool_files[] = {
	{ "bf.yaml", BF_YAML(", pool: small") },
	{ "lv.yaml", LV_YAML(", pool: small") },
	{ NULL, NULL },
};

#define HOUR(h) "2024-01-02T" #h ":00:00+00:00"

/* Make a backfill of bf (20 hours of 2024-01-02 unless to says) as the
 * CLI and the API do; returns its id. */
static int64_t
bf_make(const char *only, int newest_first, int max_active)
{
	struct backfill_req req;
	struct sl_err err;
	json_t *out = NULL;
	int status;
	int64_t id;

	memset(&req, 0, sizeof req);
	req.from = "2024-01-02T00:00:00Z";
	req.to = "2024-01-02T19:00:00Z";
	req.only = only;
	req.newest_first = newest_first;
	req.max_active = max_active;
	/* bf starts after these hours (so the scheduler makes none of its
	 * own): the history before it is confirmed, as
	 * --allow-outside-range does */
	req.outside_ok = 1;
	if (backfill_create(h_store(), h_dag("bf"), &req, "harness", &out,
			    &status, &err) < 0) {
		fprintf(stderr, "backfill: %s\n", err.msg);
		abort();
	}
	id = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	h_poke_db();
	return id;
}

/* A field of the backfill id as the API shows it (static buffer). */
static const char *
bf_field(int64_t id, const char *field)
{
	static char v[64];
	json_t *l = store_backfills_json(h_store(), NULL, id, 1);
	json_t *f = json_object_get(json_array_get(l, 0), field);

	if (json_is_string(f))
		snprintf(v, sizeof v, "%s", json_string_value(f));
	else if (json_is_integer(f))
		snprintf(v, sizeof v, "%lld", (long long)json_integer_value(f));
	else
		snprintf(v, sizeof v, "%s", f == NULL ? "" : "null");
	json_decref(l);
	return v;
}

/* The lane of a run as the store holds it ("" when no such run). */
static const char *
run_lane(const char *dag, const char *partition)
{
	static char v[16];
	json_t *r = store_run_json(h_store(), dag, partition);

	snprintf(v, sizeof v, "%s", r ? json_string_value(json_object_get(r, "lane")) : "");
	json_decref(r);
	return v;
}

static int
live_running(void)
{
	return h_running(NULL) - h_running("b");
}

/* --- the share arithmetic --- */

static void
test_share_arithmetic(void)
{
	static const struct { int capacity, percent, want; } t[] = {
		{ 1, 50, 1 }, { 2, 50, 1 }, { 3, 50, 1 }, { 10, 50, 5 },
		{ 10, 30, 3 }, { 10, 100, 10 }, { 7, 1, 1 }, { 128, 50, 64 },
		{ 100000, 99, 99000 },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++)
		CHECK_MSG(sched_lane_share(t[i].capacity, t[i].percent) == t[i].want,
			  "share(%d, %d%%) = %d, want %d", t[i].capacity, t[i].percent,
			  sched_lane_share(t[i].capacity, t[i].percent), t[i].want);
}

/* --- shares of parallelism, a pool, an executor --- */

static const struct {
	int parallelism, percent;
	int want_bf;		/* backfill tries running */
	int want_live;		/* then live tries (10 ready) */
} parallelism_table[] = {
	{ 1, 50, 1, 0 },
	{ 2, 50, 1, 1 },
	{ 3, 50, 1, 2 },
	{ 10, 50, 5, 5 },
	{ 10, 30, 3, 7 },
	{ 10, 100, 10, 0 },
};

static int cfg_parallelism, cfg_percent;

static void
parallelism_cfg(struct config *cfg)
{
	cfg->parallelism = cfg_parallelism;
	cfg->backfill_share = cfg_percent;
}

/* A 20-partition backfill holds its share of parallelism and no more,
 * even with slots free; a live run then takes what is left. */
static void
test_share_parallelism(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(parallelism_table); i++) {
		cfg_parallelism = parallelism_table[i].parallelism;
		cfg_percent = parallelism_table[i].percent;
		h_open(lane_files, parallelism_cfg);
		bf_make(NULL, 0, 0);
		CHECK_MSG(h_running("b") == parallelism_table[i].want_bf,
			  "parallelism %d, %d%%: %d backfill tries, want %d",
			  cfg_parallelism, cfg_percent, h_running("b"),
			  parallelism_table[i].want_bf);
		h_trigger("lv", "now");
		CHECK_MSG(live_running() == parallelism_table[i].want_live,
			  "parallelism %d, %d%%: %d live tries, want %d",
			  cfg_parallelism, cfg_percent, live_running(),
			  parallelism_table[i].want_live);
		CHECK_EQ_INT(parallelism_table[i].want_bf, h_running("b"));
		h_close();
	}
}

static void
pool_cfg(struct config *cfg)
{
	cfg->parallelism = 100;
	json_object_set_new(cfg->pools, "small", json_integer(4));
}

/* A pool of 4: the backfill holds 2 of its slots, live tasks get 2. */
static void
test_share_pool(void)
{
	h_open(pool_files, pool_cfg);
	bf_make(NULL, 0, 0);
	CHECK_EQ_INT(2, h_running("b"));
	h_trigger("lv", "now");
	CHECK_EQ_INT(2, live_running());
	/* a live try ends: the next live task takes its pool slot, not a
	 * backfill one */
	CHECK_EQ_INT(0, h_end("l9", "now", 0));
	CHECK_EQ_INT(2, live_running());
	CHECK_EQ_INT(2, h_running("b"));
	h_close();
}

static void
exec_cfg(struct config *cfg)
{
	cfg->parallelism = 100;
	json_object_set_new(cfg->executors, "local",
			    json_pack("{s:s,s:i}", "type", "fake", "slots", 6));
}

/* An executor of 6 slots: the backfill holds 3, live tasks get 3. */
static void
test_share_executor(void)
{
	h_open(lane_files, exec_cfg);
	bf_make(NULL, 0, 0);
	CHECK_EQ_INT(3, h_running("b"));
	h_trigger("lv", "now");
	CHECK_EQ_INT(3, live_running());
	h_close();
}

/* --- live first --- */

static void
all_share_cfg(struct config *cfg)
{
	cfg->parallelism = 2;
	cfg->backfill_share = 100;
}

/* Even when the backfill may hold every slot, the next free slot goes to
 * a ready live task, not to the backfill tasks that were ready first. */
static void
test_live_preferred(void)
{
	h_open(lane_files, all_share_cfg);
	bf_make(NULL, 0, 0);
	CHECK_EQ_INT(2, h_running("b"));
	h_trigger("lv", "now");
	CHECK_EQ_INT(0, live_running());
	h_order_reset();
	CHECK_EQ_INT(0, h_end("b", HOUR(00), 0));
	CHECK_EQ_INT(1, live_running());
	CHECK_EQ_INT(0, h_end("b", HOUR(01), 0));
	CHECK_EQ_INT(2, live_running());
	CHECK_EQ_STR("l9,l8", h_order());
	CHECK_EQ_INT(0, h_running("b"));
	h_close();
}

/* --- catch-up and the newest partition --- */

static void
two_slots_cfg(struct config *cfg)
{
	cfg->parallelism = 2;
}

/*
 * A DAG that starts 4 hours back catches up 20:00, 21:00 and 22:00 (the
 * backfill lane: one slot of two) while 23:00, the newest partition, is
 * live and runs at once; the partition created at the next tick is live
 * too, and starts ahead of the catch-up left.
 */
static void
test_catchup_lane(void)
{
	static const struct h_dag_file files[] = {
		{ "cu.yaml", "dag: cu\nschedule: \"@hourly\"\nstart: 2024-01-09T20:00:00Z\n"
			     "tasks:\n  t: {command: \"true\"}\n" },
		{ NULL, NULL },
	};

	h_open(files, two_slots_cfg);
	CHECK_EQ_INT(4, h_runs("cu"));
	CHECK_EQ_STR("backfill", run_lane("cu", "2024-01-09T20:00:00+00:00"));
	CHECK_EQ_STR("backfill", run_lane("cu", "2024-01-09T22:00:00+00:00"));
	CHECK_EQ_STR("live", run_lane("cu", "2024-01-09T23:00:00+00:00"));
	CHECK_EQ_STR("running", h_ti("cu", "t", "2024-01-09T23:00:00+00:00", "state"));
	CHECK_EQ_STR("running", h_ti("cu", "t", "2024-01-09T20:00:00+00:00", "state"));
	CHECK_EQ_STR("scheduled", h_ti("cu", "t", "2024-01-09T21:00:00+00:00", "state"));
	CHECK_EQ_INT(2, h_running("t"));
	/* the live run ends; the free slot is not the backfill lane's */
	CHECK_EQ_INT(0, h_end("t", "2024-01-09T23:00:00+00:00", 0));
	CHECK_EQ_INT(1, h_running("t"));
	/* 01:00Z: 2024-01-10T00:00 is the newest partition: live */
	h_advance(30 * 60 * 1000LL);
	CHECK_EQ_INT(5, h_runs("cu"));
	CHECK_EQ_STR("live", run_lane("cu", "2024-01-10T00:00:00+00:00"));
	CHECK_EQ_STR("running", h_ti("cu", "t", "2024-01-10T00:00:00+00:00", "state"));
	CHECK_EQ_STR("scheduled", h_ti("cu", "t", "2024-01-09T21:00:00+00:00", "state"));
	/* 20:00 and 00:00 running, 21:00 and 22:00 after them */
	CHECK_EQ_INT(4, h_end_all());
	CHECK_EQ_STR("success", h_run_state("cu", "2024-01-09T22:00:00+00:00"));
	h_close();
}

/* --- backfills as objects --- */

static void
wide_cfg(struct config *cfg)
{
	cfg->parallelism = 20;
}

/* max_active: at most 3 runs of the backfill at once (the share would
 * allow 10); the state and progress follow its runs. */
static void
test_backfill_max_active(void)
{
	int64_t id;

	h_open(lane_files, wide_cfg);
	id = bf_make(NULL, 0, 3);
	CHECK_EQ_INT(3, h_running("b"));
	CHECK_EQ_STR("running", bf_field(id, "state"));
	CHECK_EQ_STR("20", bf_field(id, "total"));
	CHECK_EQ_STR("3", bf_field(id, "running"));
	CHECK_EQ_STR("17", bf_field(id, "queued"));
	CHECK_EQ_INT(0, h_end("b", HOUR(00), 0));
	CHECK_EQ_INT(3, h_running("b"));
	CHECK_EQ_STR("1", bf_field(id, "done"));
	CHECK_EQ_STR("running", h_ti("bf", "b", HOUR(03), "state"));
	CHECK_EQ_INT(19, h_end_all());
	CHECK_EQ_STR("done", bf_field(id, "state"));
	CHECK_EQ_STR("20", bf_field(id, "done"));
	h_close();
}

static void
one_slot_cfg(struct config *cfg)
{
	cfg->parallelism = 1;
}

/* --newest-first: the newest partition runs first, then back in time,
 * whether runs (max_active 1) or tasks (one slot, every run running)
 * hold it back. */
static void
test_backfill_newest_first(void)
{
	for (int max_active = 1; max_active >= 0; max_active--) {
		h_open(lane_files, one_slot_cfg);
		bf_make(NULL, 1, max_active);
		CHECK_EQ_STR("running", h_ti("bf", "b", HOUR(19), "state"));
		CHECK_EQ_INT(0, h_end("b", HOUR(19), 0));
		CHECK_EQ_STR("running", h_ti("bf", "b", HOUR(18), "state"));
		CHECK_EQ_INT(0, h_end("b", HOUR(18), 0));
		CHECK_EQ_STR("running", h_ti("bf", "b", HOUR(17), "state"));
		CHECK_EQ_STR("0", h_ti("bf", "b", HOUR(00), "try_number"));
		h_close();
	}
}

/*
 * --only: failed re-runs the failed runs only (their failed tasks), all
 * every finished run and the missing ones; a failed backfill says so;
 * missing with nothing missing makes no backfill.
 */
static void
test_backfill_only(void)
{
	int64_t a, b, c;

	h_open(lane_files, wide_cfg);
	a = bf_make(NULL, 0, 0);
	CHECK_EQ_INT(0, h_end("b", HOUR(00), 1));
	CHECK_EQ_INT(0, h_end("b", HOUR(01), 1));
	h_end_all();
	CHECK_EQ_STR("failed", bf_field(a, "state"));
	CHECK_EQ_STR("2", bf_field(a, "failed"));
	/* every partition has a run: no backfill is made (it would stay
	 * listed "done 0/0" for good) */
	CHECK_EQ_INT(0, bf_make("missing", 0, 0));
	{
		json_t *all = store_backfills_json(h_store(), "bf", 0, 0);

		CHECK_EQ_INT(1, json_array_size(all));
		json_decref(all);
	}
	b = bf_make("failed", 0, 0);
	CHECK_EQ_STR("2", bf_field(b, "total"));
	CHECK_EQ_INT(2, h_running("b"));
	CHECK_EQ_STR("running", h_ti("bf", "b", HOUR(01), "state"));
	CHECK_EQ_STR("success", h_ti("bf", "b", HOUR(02), "state"));
	h_end_all();
	CHECK_EQ_STR("done", bf_field(b, "state"));
	CHECK_EQ_STR("success", h_run_state("bf", HOUR(00)));
	c = bf_make("all", 0, 0);
	CHECK_EQ_STR("20", bf_field(c, "total"));
	CHECK_EQ_INT(10, h_running("b"));
	h_end_all();
	CHECK_EQ_STR("done", bf_field(c, "state"));
	h_close();
}

/* Cancel: queued runs go, running ones finish; with kill they stop. */
static void
test_backfill_cancel(void)
{
	static const struct { int kill; const char *after; } t[] = {
		{ 0, "running" }, { 1, "failed" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++) {
		struct sl_err err;
		json_t *preview = NULL;
		int64_t id;

		h_open(lane_files, wide_cfg);
		id = bf_make(NULL, 0, 2);
		CHECK_EQ_INT(2, h_running("b"));
		sl_err_clear(&err);
		CHECK_EQ_INT(1, store_backfill_cancel(h_store(), id, t[i].kill, 0,
						      "harness", &preview, &err));
		CHECK_EQ_INT(18, json_array_size(json_object_get(preview, "remove")));
		CHECK_EQ_INT(2, json_array_size(json_object_get(preview, "running")));
		json_decref(preview);
		h_poke_db();
		CHECK_EQ_STR("cancelled", bf_field(id, "state"));
		CHECK_EQ_INT(2, h_runs("bf"));
		CHECK_EQ_STR(t[i].after, h_ti("bf", "b", HOUR(00), "state"));
		CHECK_EQ_INT(t[i].kill ? 0 : 2, h_running("b"));
		h_end_all();
		CHECK_EQ_STR(t[i].kill ? "failed" : "success", h_run_state("bf", HOUR(01)));
		/* a cancelled backfill stays cancelled */
		CHECK_EQ_STR("cancelled", bf_field(id, "state"));
		CHECK_EQ_INT(-2, store_backfill_cancel(h_store(), id, 0, 0, "harness",
						       &preview, &err));
		json_decref(preview);
		h_close();
	}
}

/* A cancel that let the running runs finish, then one with kill: the
 * second stops them (it said "is cancelled already"); a third finds
 * nothing left to stop. */
static void
test_backfill_cancel_then_kill(void)
{
	struct sl_err err;
	json_t *preview = NULL;
	int64_t id;
	char ended_at[64];

	h_open(lane_files, wide_cfg);
	id = bf_make(NULL, 0, 2);
	CHECK_EQ_INT(2, h_running("b"));
	sl_err_clear(&err);
	CHECK_EQ_INT(1, store_backfill_cancel(h_store(), id, 0, 0, "harness", &preview, &err));
	json_decref(preview);
	h_poke_db();
	CHECK_EQ_INT(2, h_running("b"));
	snprintf(ended_at, sizeof ended_at, "%s", bf_field(id, "ended_at"));
	/* without kill: cancelled already, with what --kill would do */
	CHECK_EQ_INT(-2, store_backfill_cancel(h_store(), id, 0, 0, "harness", &preview, &err));
	CHECK_EQ_STR("backfill 1 is cancelled already; its 2 running runs finish (a cancel with kill stops them)", err.msg);
	json_decref(preview);
	/* the dry run and the kill name the running runs */
	CHECK_EQ_INT(1, store_backfill_cancel(h_store(), id, 1, 1, "harness", &preview, &err));
	CHECK_EQ_INT(2, json_array_size(json_object_get(preview, "running")));
	CHECK_EQ_INT(0, json_array_size(json_object_get(preview, "remove")));
	json_decref(preview);
	CHECK_EQ_INT(2, h_running("b"));
	CHECK_EQ_INT(1, store_backfill_cancel(h_store(), id, 1, 0, "harness", &preview, &err));
	json_decref(preview);
	h_poke_db();
	CHECK_EQ_INT(0, h_running("b"));
	CHECK_EQ_STR("failed", h_ti("bf", "b", HOUR(00), "state"));
	CHECK_EQ_STR("cancelled", bf_field(id, "state"));
	CHECK_EQ_STR(ended_at, bf_field(id, "ended_at"));
	h_end_all();
	/* nothing runs any more: cancelled already, with or without kill */
	CHECK_EQ_INT(-2, store_backfill_cancel(h_store(), id, 1, 0, "harness", &preview, &err));
	CHECK_EQ_STR("backfill 1 is cancelled already", err.msg);
	json_decref(preview);
	h_close();
}

/* --- the wait explanation (scheduler/wait.c) --- */

static void
wait_share_cfg(struct config *cfg)
{
	cfg->parallelism = 4;
	json_object_set_new(cfg->pools, "small", json_integer(8));
	json_object_set_new(cfg->executors, "local",
			    json_pack("{s:s,s:i}", "type", "fake", "slots", 6));
}

static void
wait_pool_cfg(struct config *cfg)
{
	cfg->parallelism = 100;
	json_object_set_new(cfg->pools, "small", json_integer(4));
}

/* Why a task instance waits, as the API, the task page and `sluice
 * tasks` say it (the store's picture; kind and text into *kind, *text). */
static void
why(const char *dag, const char *task, const char *partition, char *kind,
    char *text, size_t n)
{
	struct sched *s = h_sched();
	json_t *w = NULL;
	struct sl_err err;

	sl_err_clear(&err);
	CHECK_EQ_INT(0, wait_explain_ti(h_store(), s->cfg, &s->execs, &s->bag, h_dag(dag),
					partition, task, h_now(), &w, &err));
	snprintf(kind, n, "%s", json_is_object(w) ? json_string_value(json_object_get(w, "kind")) : "-");
	snprintf(text, n, "%s", json_is_object(w) ? json_string_value(json_object_get(w, "text")) : "-");
	json_decref(w);
}

/* A backfill task held because its lane holds its share says so, with
 * the share in use, whether of parallelism, of a pool or of an executor;
 * the live tasks waiting beside it wait for something else. */
static void
test_wait_reason_share(void)
{
	static const struct {
		const struct h_dag_file *files;
		void (*cfg)(struct config *);
		int running;
		const char *text;
	} cases[] = {
		{ lane_files, wait_share_cfg, 2, "held: backfill share 2 of 2 slots in use "
		  "(backfill_share 50 % of parallelism 4; live partitions go first)" },
		{ pool_files, wait_pool_cfg, 2, "held: backfill share of pool small 2 of 2 slots in "
		  "use (backfill_share 50 % of 4; this task needs 1)" },
		{ lane_files, exec_cfg, 3, "held: backfill share of executor local 3 of 3 slots in "
		  "use (backfill_share 50 % of 6)" },
	};
	char kind[256], text[512];

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		h_open(cases[i].files, cases[i].cfg);
		bf_make(NULL, 0, 0);
		CHECK_EQ_INT(cases[i].running, h_running("b"));
		CHECK_EQ_STR("scheduled", h_ti("bf", "b", HOUR(05), "state"));
		why("bf", "b", HOUR(05), kind, text, sizeof kind);
		CHECK_EQ_STR("backfill_share", kind);
		CHECK_MSG(strcmp(text, cases[i].text) == 0, "case %zu: %s", i, text);
		/* a running backfill task does not wait */
		why("bf", "b", HOUR(00), kind, text, sizeof kind);
		CHECK_EQ_STR("-", kind);
		h_close();
	}
	/* parallelism 4, two backfill tries: a live run takes the other two
	 * slots, and its third task waits for parallelism, not the share */
	h_open(lane_files, wait_share_cfg);
	bf_make(NULL, 0, 0);
	h_trigger("lv", "now");
	CHECK_EQ_INT(2, live_running());
	why("lv", "l0", "now", kind, text, sizeof kind);
	CHECK_EQ_STR("parallelism", kind);
	why("bf", "b", HOUR(05), kind, text, sizeof kind);
	CHECK_EQ_STR("backfill_share", kind);
	h_close();
}

int
main(void)
{
	RUN(test_share_arithmetic);
	RUN(test_share_parallelism);
	RUN(test_share_pool);
	RUN(test_share_executor);
	RUN(test_live_preferred);
	RUN(test_catchup_lane);
	RUN(test_backfill_max_active);
	RUN(test_backfill_newest_first);
	RUN(test_backfill_only);
	RUN(test_backfill_cancel);
	RUN(test_backfill_cancel_then_kill);
	RUN(test_wait_reason_share);
	return UNIT_END();
}
