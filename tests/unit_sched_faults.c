/*
 * unit_sched_faults.c: one failed database operation at every point of a
 * run, driven through the real scheduler by the deterministic harness
 * (tests/sched_harness.h). For n = 1, 2, ... the n-th begin, commit or
 * reload read after the run is created fails once, as a lock held past
 * the scheduler's wait makes it; nothing else writes to the database
 * afterwards (a `sluice db clean` that has ended), so only the
 * scheduler's own back-off can bring it back. Each time the run must
 * finish by itself with every task started exactly once and nothing left
 * queued or running, and its executor told once, after the commit that
 * held, that each try's end is recorded. The sweep ends at the first n that no longer fails
 * anything: every operation of the run has then failed once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "scheduler/dag.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

#define SWEEP_MAX 400

/* Create a manual run as `sluice trigger` does, without the harness's
 * settle (the fault is armed between the two). */
static void
create_run(const char *dag, const char *partition)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (store_run_create(h_store(), h_dag(dag), partition, h_now() / 1000,
			     h_now() / 1000 + 60, "manual", NULL, NULL,
			     &err) < 0) {
		fprintf(stderr, "create_run %s %s: %s\n", dag, partition, err.msg);
		abort();
	}
}

/* End what runs, let back-offs pass, until the run is over (at most
 * rounds times). */
static void
drive(const char *dag, const char *partition, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		const char *st = h_run_state(dag, partition);

		if (strcmp(st, "success") == 0 || strcmp(st, "failed") == 0)
			return;
		h_end_all();
		h_advance(3000);
	}
}

static const struct {
	const char *name;
	const char *yaml;
	const char *tasks[8];
} shapes[] = {
	/* a chain with a fan-out, a fan-in and two starts in one pass */
	{ "chain",
	  "dag: f\nmax_active_tasks: 8\ntasks:\n"
	  "  a: {command: \"true\"}\n"
	  "  b: {after: [a], command: \"true\"}\n"
	  "  c: {after: [a], command: \"true\"}\n"
	  "  d: {after: [b, c], command: \"true\"}\n"
	  "  e: {command: \"true\"}\n",
	  { "a", "b", "c", "d", "e", NULL } },
	/* one slot: the tries start one per pass, queued ones wait */
	{ "one slot",
	  "dag: f\nmax_active_tasks: 1\ntasks:\n"
	  "  a: {command: \"true\"}\n  b: {command: \"true\"}\n"
	  "  c: {command: \"true\"}\n  d: {after: [a, b, c], command: \"true\"}\n",
	  { "a", "b", "c", "d", NULL } },
};

/* count consecutive operations fail, from the n-th on, for every n */
static void
sweep(int count)
{
	for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
		const struct h_dag_file files[] = {
			{ "f.yaml", shapes[k].yaml },
			{ NULL, NULL },
		};
		int n, covered = 0;

		for (n = 1; n <= SWEEP_MAX; n++) {
			int fired;

			h_open(files, NULL);
			create_run("f", "p");
			store_test_fail_nth(h_store(), n, count);
			h_poke_db();
			drive("f", "p", 50);
			fired = store_test_fault_fired(h_store());
			CHECK_MSG(strcmp(h_run_state("f", "p"), "success") == 0,
				  "%s: %d fault(s) from operation %d: the run is %s",
				  shapes[k].name, count, n, h_run_state("f", "p"));
			for (int t = 0; shapes[k].tasks[t] != NULL; t++) {
				const char *task = shapes[k].tasks[t];

				CHECK_MSG(h_started(task) == 1,
					  "%s: %d fault(s) from operation %d: %s started %d times",
					  shapes[k].name, count, n, task, h_started(task));
				CHECK_MSG(strcmp(h_ti("f", task, "p", "state"), "success") == 0,
					  "%s: %d fault(s) from operation %d: %s is %s",
					  shapes[k].name, count, n, task, h_ti("f", task, "p", "state"));
				/* its executor heard once that the end is
				 * committed: never for an end a failed commit
				 * lost, once for the commit that held */
				CHECK_MSG(h_recorded(task) == 1,
					  "%s: %d fault(s) from operation %d: %s's end recorded %d times",
					  shapes[k].name, count, n, task, h_recorded(task));
			}
			CHECK_EQ_INT(0, h_running(NULL));
			h_close();
			if (!fired) {
				covered = 1;
				break;
			}
		}
		/* the sweep reached the end of the run's operations */
		CHECK(covered);
		printf("%s: %d failed operation(s) from each of %d\n",
		       shapes[k].name, count, n - 1);
		CHECK(n > 5);
	}
}

static void
test_one_fault_anywhere(void)
{
	sweep(1);
}

/* the reload after a failed write fails too, while tries run */
static void
test_faults_in_a_row(void)
{
	sweep(2);
	sweep(3);
	sweep(6);
}

/* How many times text occurs in s. */
static int
count_in(const char *s, const char *text)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, text)) != NULL; p += strlen(text))
		n++;
	return n;
}

/* Open the harness on files with the scheduler's log in a new file made
 * from path (a mkstemp template): 0, or -1 (checked) when it cannot. */
static int
open_logging(const struct h_dag_file *files, char *path)
{
	struct sl_err err;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return -1;
	close(fd);
	h_open(files, NULL);
	/* (after the scheduler opened its own log) */
	sl_err_clear(&err);
	CHECK_EQ_INT(0, log_open(path, LOG_FORMAT_TEXT, &err));
	return 0;
}

/* Close the harness and the log open_logging made, and remove it. */
static void
close_logging(const char *path)
{
	struct sl_err err;

	h_close();
	sl_err_clear(&err);
	log_open(NULL, LOG_FORMAT_TEXT, &err);
	unlink(path);
}

/*
 * The commit that records a run's end fails, and so do the next three
 * attempts after the back-off (a full disk): each attempt records the end
 * again in a transaction that is lost. The scheduler's log says the run
 * failed once, when the end is committed, and its email goes out once,
 * after that commit; the email held back by the failed commits is said
 * once, not at every attempt. Before, each attempt said "run ... failed"
 * and "not started (the commit failed)" again.
 */
static void
test_outage_says_run_end_once(void)
{
	static const struct h_dag_file files[] = {
		{ "ro.yaml", "dag: ro\nemail: [a@example.com]\n"
			     "email_on: [failure]\n"
			     "tasks:\n  a: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	char path[] = "/tmp/unit_sched_faults.log.XXXXXX";

	if (open_logging(files, path) < 0)
		return;
	h_trigger("ro", "p");
	h_advance(1000);
	CHECK_EQ_STR("running", h_ti("ro", "a", "p", "state"));
	store_test_fail_commits(h_store(), 4);
	CHECK_EQ_INT(0, h_end("a", "p", 3));
	h_advance(120 * 1000);
	CHECK_EQ_STR("failed", h_run_state("ro", "p"));
	CHECK_EQ_INT(1, h_lines_with(path, "run ro p: failed"));
	CHECK_EQ_INT(1, h_lines_with(path, "a p: try 1 of 1 failed"));
	CHECK_EQ_INT(1, h_lines_with(path, "database: commit failed"));
	CHECK_EQ_INT(1, h_lines_with(path, "writes succeed again"));
	/* the email, sent once after the end's commit held */
	CHECK_EQ_INT(1, count_in(h_notifications(), "failure - p"));
	CHECK_EQ_INT(1, h_lines_with(path, "failure email for ro (run) p: sending"));
	CHECK(h_lines_with(path, "failure email for ro (run) p: held back") <= 1);
	CHECK_EQ_INT(0, h_lines_with(path, "not started"));
	close_logging(path);
}

/*
 * A partition becomes late (freshness:) while the commits fail (a full
 * disk): each pass records it late again in a transaction that is lost.
 * The log says it is late once, when the record commits, with the
 * freshness as written (45m, not 2700s); so does its landing.
 */
static void
test_outage_says_late_once(void)
{
	static const struct h_dag_file files[] = {
		{ "fl.yaml", "dag: fl\nschedule: \"@hourly\"\nstart: 2024-01-09T23:00:00Z\n"
			     "freshness: 45m\ntasks:\n  a: {command: \"true\"}\n" },
		{ NULL, NULL },
	};
	char path[] = "/tmp/unit_sched_faults.log.XXXXXX";

	/* 00:30: the 23:00 partition is due at 00:45 */
	if (open_logging(files, path) < 0)
		return;
	h_advance(10 * 60 * 1000LL);
	CHECK_EQ_INT(0, h_lines_with(path, "late (freshness"));
	store_test_fail_commits(h_store(), 4);
	/* due at 00:45, the commits back off past 00:50 */
	for (int i = 0; i < 12; i++)
		h_advance(60 * 1000LL);
	CHECK_EQ_INT(1, h_lines_with(path, "writes succeed again"));
	CHECK_EQ_INT(1, h_lines_with(path, ": late (freshness "));
	CHECK_EQ_INT(1, h_lines_with(path, "fl 2024-01-09T23:00:00+00:00: late (freshness 45m after its interval)"));
	CHECK_EQ_INT(1, h_lines_with(path, "database: commit failed"));
	/* it lands: said once */
	CHECK(h_end_all() >= 1);
	h_advance(61 * 1000LL);
	CHECK_EQ_INT(1, h_lines_with(path, "fl 2024-01-09T23:00:00+00:00: landed after being late"));
	close_logging(path);
}

int
main(void)
{
	RUN(test_one_fault_anywhere);
	RUN(test_outage_says_late_once);
	RUN(test_faults_in_a_row);
	RUN(test_outage_says_run_end_once);
	return UNIT_END();
}
