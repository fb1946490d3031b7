/*
 * unit_sched_recheck.c: rechecks of partitions a sensor passed
 * (scheduler/sched_recheck.c), in the deterministic harness: the fake
 * sensor answers each poke with a fingerprint. The window ends at the
 * partition's end + recheck; checks come every recheck_interval within a
 * tenth either way; an unchanged fingerprint re-runs nothing; a changed
 * one re-runs exactly that partition's tasks downstream of the sensor,
 * once, and says which objects changed; a restart keeps the schedule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/config.h"
#include "scheduler/sched_internal.h"
#include "scheduler/try.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define INTERVAL_MS (10 * 60 * 1000LL)
#define WINDOW_MS (60 * 60 * 1000LL)

static const struct h_dag_file lake_files[] = {
	{ "lake.yaml", "dag: lake\ntasks:\n"
		       "  wait: {type: fake_sensor, poke_interval: 10s, recheck: 1h, recheck_interval: 10m}\n"
		       "  load: {after: [wait], command: \"true\"}\n"
		       "  report: {after: [load], command: \"true\"}\n"
		       "  side: {command: \"true\"}\n" },
	{ NULL, NULL },
};

static const char FP1[] = "file:///lake/p/a.csv\t10\tmtime=1\n";
static const char FP2[] = "file:///lake/p/a.csv\t10\tmtime=1\n"
			  "file:///lake/p/late.csv\t7\tmtime=5\n";

/* The sensor's recorded fingerprint of partition, "" when none. */
struct fp_seen {
	const char *partition;
	char objects[1024];
	int64_t ti_id;
};

static void
fp_row(void *arg, const struct store_recheck_row *row)
{
	struct fp_seen *f = arg;

	snprintf(f->objects, sizeof f->objects, "%s", row->objects);
}

static void
id_row(void *arg, const struct store_recheck_row *row)
{
	struct fp_seen *f = arg;

	if (f->ti_id == 0)
		f->ti_id = row->ti_id;
}

/* The first partition's sensor task instance (p's). */
static int64_t
sensor_ti(void)
{
	struct fp_seen f = { 0 };

	store_recheck_each(h_store(), id_row, &f);
	return f.ti_id;
}

static const char *
fingerprint(int64_t ti_id)
{
	static struct fp_seen f;

	f.objects[0] = '\0';
	store_recheck_get(h_store(), ti_id, fp_row, &f);
	return f.objects;
}

static char *
sensor_log(const char *partition)
{
	char *path = try_log_path(h_sched()->cfg->logs_dir, "lake", partition,
				  "wait", 1);
	FILE *f = fopen(path, "r");
	char *text = xcalloc(1, 65536);

	if (f != NULL) {
		size_t n = fread(text, 1, 65535, f);

		text[n] = '\0';
		fclose(f);
	}
	free(path);
	return text;
}

/* Trigger partition and let it run: the sensor passes with FP1. */
static void
run_partition(const char *partition)
{
	h_trigger("lake", partition);
	CHECK_EQ_INT(0, h_poke_fp("wait", partition, OP_POKE_DONE, FP1));
	h_end_all();
	CHECK_EQ_STR("success", h_run_state("lake", partition));
}

/* Jitter: every delay within a tenth of the interval either way, the
 * same for the same partition and check, and spread. */
static void
test_jitter_bounds(void)
{
	static const int64_t intervals[] = { 1000, 60000, 15 * 60000, 86400000 };
	int distinct = 0;
	int64_t prev = -1;

	for (size_t k = 0; k < SL_ARRAY_LEN(intervals); k++) {
		int64_t iv = intervals[k];

		for (int64_t id = 1; id <= 200; id++)
			for (uint64_t n = 0; n < 5; n++) {
				int64_t d = sched_recheck_next_delay(id, n, iv);

				CHECK_MSG(d >= iv - iv / 10 && d <= iv + iv / 10,
					  "interval %lld: %lld", (long long)iv,
					  (long long)d);
				CHECK_EQ_INT(d, sched_recheck_next_delay(id, n, iv));
				if (iv == 15 * 60000 && d != prev)
					distinct++;
				prev = d;
			}
	}
	CHECK_MSG(distinct > 900, "only %d distinct delays of 1000", distinct);
}

/* The first check comes one jittered interval after the sensor passed;
 * the same fingerprint re-runs nothing; a new object re-runs exactly the
 * sensor's downstream of that partition, once; other partitions and the
 * sensor itself do not run again. */
static void
test_change_reruns_downstream_once(void)
{
	int64_t ti, d0, d1;
	char *log;
	json_t *audit;
	char *audit_text;

	h_open(lake_files, NULL);
	run_partition("p");
	run_partition("q");
	CHECK_EQ_INT(2, h_started("load"));
	CHECK_EQ_INT(2, sched_recheck_waiting(h_sched()));
	h_order_reset();
	ti = sensor_ti();
	CHECK_EQ_STR(FP1, fingerprint(ti));
	d0 = sched_recheck_next_delay(ti, 0, INTERVAL_MS);
	d1 = sched_recheck_next_delay(ti, 1, INTERVAL_MS);
	/* q's first check may come first: answer it unchanged */
	h_advance(d0 - 1);
	if (h_pokes("wait") > 0)
		CHECK_EQ_INT(0, h_poke_fp("wait", "q", OP_POKE_DONE, FP1));
	CHECK_EQ_INT(0, h_pokes("wait"));
	h_advance(1);
	CHECK_EQ_INT(1, h_pokes("wait"));
	CHECK_EQ_INT(0, h_running(NULL));	/* a check holds no slot */
	/* unchanged: nothing */
	CHECK_EQ_INT(0, h_poke_fp("wait", "p", OP_POKE_DONE, FP1));
	CHECK_EQ_INT(0, h_running(NULL));
	CHECK_EQ_INT(2, h_started("load"));
	CHECK_EQ_STR("success", h_run_state("lake", "p"));
	/* the next check: a late file */
	h_advance(d1 - 1);
	if (h_pokes("wait") > 0 && h_poke_fp("wait", "q", OP_POKE_DONE, FP1) < 0)
		CHECK(0);
	CHECK_EQ_INT(0, h_pokes("wait"));
	h_advance(1);
	CHECK_EQ_INT(1, h_pokes("wait"));
	CHECK_EQ_INT(0, h_poke_fp("wait", "p", OP_POKE_DONE, FP2));
	CHECK_EQ_STR(FP2, fingerprint(ti));
	CHECK_EQ_INT(1, h_running("load"));
	CHECK_EQ_STR("none", h_ti("lake", "report", "p", "state"));
	CHECK_EQ_STR("success", h_ti("lake", "wait", "p", "state"));
	CHECK_EQ_INT(2, h_end_all());
	CHECK_EQ_STR("load,report", h_order());
	CHECK_EQ_INT(3, h_started("load"));
	CHECK_EQ_INT(3, h_started("report"));
	CHECK_EQ_INT(2, h_started("side"));
	CHECK_EQ_STR("1", h_ti("lake", "wait", "p", "try_number"));
	CHECK_EQ_STR("2", h_ti("lake", "load", "p", "try_number"));
	CHECK_EQ_STR("1", h_ti("lake", "load", "q", "try_number"));
	CHECK_EQ_STR("success", h_run_state("lake", "p"));
	/* the sensor's log names the object; the audit names the recheck */
	log = sensor_log("p");
	CHECK_MSG(strstr(log, "1 added, 0 removed, 0 changed; 2 downstream task instances cleared") != NULL,
		  "%s", log);
	CHECK_MSG(strstr(log, "added file:///lake/p/late.csv\t7\tmtime=5") != NULL,
		  "%s", log);
	free(log);
	audit = store_audit_json(h_store(), 10, 0);
	audit_text = json_dumps(audit, JSON_COMPACT);
	CHECK_MSG(strstr(audit_text, "\"who\":\"recheck:wait\"") != NULL, "%s",
		  audit_text);
	free(audit_text);
	json_decref(audit);
	/* the same new fingerprint again: nothing more */
	h_advance(sched_recheck_next_delay(ti, 2, INTERVAL_MS) + 1);
	while (h_pokes("wait") > 0)
		if (h_poke_fp("wait", "p", OP_POKE_DONE, FP2) < 0)
			h_poke_fp("wait", "q", OP_POKE_DONE, FP1);
	CHECK_EQ_INT(0, h_running(NULL));
	CHECK_EQ_INT(3, h_started("load"));
	h_close();
}

/* Checks come every interval within its jitter until the partition's
 * end + recheck, the last one at that end; then none. */
static void
test_window_end(void)
{
	int64_t until, last = 0, prev, gap_min = INT64_MAX, gap_max = 0;
	int checks = 0;

	h_open(lake_files, NULL);
	/* h_trigger's interval ends 60 s after now */
	until = h_now() + 60000 + WINDOW_MS;
	run_partition("p");
	prev = h_now();
	for (int64_t t = 0; t < 2 * WINDOW_MS; t += 1000) {
		h_advance(1000);
		if (h_pokes("wait") == 0)
			continue;
		CHECK_EQ_INT(0, h_poke_fp("wait", "p", OP_POKE_DONE, FP1));
		checks++;
		last = h_now();
		if (last < until) {
			gap_min = SL_MIN(gap_min, last - prev);
			gap_max = SL_MAX(gap_max, last - prev);
		}
		prev = last;
	}
	CHECK_MSG(checks >= 5 && checks <= 7, "%d checks", checks);
	CHECK_EQ_INT(until, last);
	CHECK_MSG(gap_min >= INTERVAL_MS - INTERVAL_MS / 10 - 1000 &&
		  gap_max <= INTERVAL_MS + INTERVAL_MS / 10 + 1000,
		  "gaps %lld..%lld ms", (long long)gap_min, (long long)gap_max);
	CHECK_EQ_INT(0, sched_recheck_waiting(h_sched()));
	CHECK_EQ_INT(1, h_started("load"));
	h_close();
}

/* A restart reads the partitions still in their window back and spreads
 * their first checks over one interval; a change still re-runs. A
 * condition no longer met re-runs nothing. */
static void
test_restart_and_unmet(void)
{
	char *log;

	h_open(lake_files, NULL);
	run_partition("p");
	h_restart();
	CHECK_EQ_INT(1, sched_recheck_waiting(h_sched()));
	h_advance(INTERVAL_MS);
	CHECK_EQ_INT(1, h_pokes("wait"));
	CHECK_EQ_INT(0, h_poke("wait", "p", OP_POKE_NOT_YET));
	CHECK_EQ_INT(0, h_running(NULL));
	log = sensor_log("p");
	CHECK_MSG(strstr(log, "recheck: the condition is no longer met") != NULL,
		  "%s", log);
	free(log);
	h_advance(INTERVAL_MS + INTERVAL_MS / 10);
	CHECK_EQ_INT(1, h_pokes("wait"));
	CHECK_EQ_INT(0, h_poke_fp("wait", "p", OP_POKE_DONE, FP2));
	CHECK_EQ_INT(2, h_end_all());
	CHECK_EQ_INT(2, h_started("load"));
	h_close();
}

/* A person clearing the sensor stops its rechecks until it passes again. */
static void
test_sensor_cleared(void)
{
	h_open(lake_files, NULL);
	run_partition("p");
	CHECK(h_mark("lake", "wait", "p", "failed", 0) >= 0);
	CHECK_EQ_STR("failed", h_ti("lake", "wait", "p", "state"));
	h_advance(INTERVAL_MS + INTERVAL_MS / 10);
	CHECK_EQ_INT(0, h_pokes("wait"));
	CHECK_EQ_INT(0, sched_recheck_waiting(h_sched()));
	h_close();
}

/* Checks are capped like the pokes: at most half of SCHED_MAX_POKES in
 * flight, counted in the pokes; a check that ends lets the next due one
 * start at once; sensors still poke meanwhile. */
static void
test_capped_like_pokes(void)
{
	static const struct h_dag_file files[] = {
		{ "cap.yaml", "dag: cap\ntasks:\n"
			      "  wait: {type: fake_sensor, poke_interval: 10s, recheck: 1d, recheck_interval: 10m}\n" },
		{ NULL, NULL },
	};
	int n = SCHED_MAX_POKES / 2 + 40;
	char key[32];

	h_open(files, NULL);
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "p%03d", i);
		h_trigger("cap", key);
		CHECK_EQ_INT(0, h_poke_fp("wait", key, OP_POKE_DONE, FP1));
	}
	CHECK_EQ_INT(n, sched_recheck_waiting(h_sched()));
	/* every partition is due after 1.1 intervals; none is answered */
	h_advance(INTERVAL_MS + INTERVAL_MS / 10);
	CHECK_EQ_INT(SCHED_MAX_POKES / 2, h_pokes("wait"));
	CHECK_EQ_INT(SCHED_MAX_POKES / 2, sched_recheck_in_flight(h_sched()));
	CHECK_EQ_INT(SCHED_MAX_POKES / 2, h_sched()->pokes);
	h_advance(5000);
	CHECK_EQ_INT(SCHED_MAX_POKES / 2, h_pokes("wait"));
	/* a sensor still pokes beside them */
	h_trigger("cap", "new");
	CHECK_EQ_INT(SCHED_MAX_POKES / 2 + 1, h_pokes("wait"));
	CHECK_EQ_INT(0, h_poke("wait", "new", OP_POKE_NOT_YET));
	/* one check ends: the next due one starts in the same turn */
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "p%03d", i);
		if (h_poke_fp("wait", key, OP_POKE_DONE, FP1) == 0)
			break;
	}
	CHECK_EQ_INT(SCHED_MAX_POKES / 2, h_pokes("wait"));
	CHECK_EQ_INT(SCHED_MAX_POKES / 2, sched_recheck_in_flight(h_sched()));
	h_close();
}

int
main(void)
{
	unsetenv("TZ");
	RUN(test_jitter_bounds);
	RUN(test_change_reruns_downstream_once);
	RUN(test_window_end);
	RUN(test_restart_and_unmet);
	RUN(test_sensor_cleared);
	RUN(test_capped_like_pokes);
	return UNIT_END();
}
