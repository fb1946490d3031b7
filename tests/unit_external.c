/*
 * unit_external.c: the record of the external job a try follows
 * (store/store_external.c through operators/op_external.c), in the
 * deterministic harness, as a try's process would use it: what a try
 * decides about the job an earlier try recorded (submit, follow, cancel)
 * for each state of the record, and that a try which is no longer the
 * task instance's cannot write; op_external_resume (glue_job,
 * athena_query) and the end op_follow_run records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operators/op_external.h"
#include "operators/op_follow.h"
#include "scheduler/config.h"
#include "scheduler/sched_internal.h"
#include "store/store.h"
#include "tests/sched_harness.h"
#include "tests/unit.h"

static const struct h_dag_file ext_files[] = {
	{ "ext.yaml", "dag: ext\ntasks:\n"
		      "  job: {command: \"true\", retries: 3, retry_delay: 1s}\n" },
	{ NULL, NULL },
};

/* The spec a try of job in partition p gets, as far as op_external reads
 * it (database NULL: a try of no task instance). */
static json_t *
spec_of(const char *p, int try_number, int with_db)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:i}", "dag", "ext", "task",
			      "job", "partition", p, "try_number", try_number);

	if (with_db)
		json_object_set_new(s, "database",
				    json_string(h_sched()->cfg->db_path));
	return s;
}

/* The record of job in p: "kind job_id state try" or "". */
static const char *
record(const char *p)
{
	static char out[700];
	struct store_external r;

	out[0] = '\0';
	if (store_external_get(h_store(), "ext", p, "job", &r) == 1)
		snprintf(out, sizeof out, "%s %s %s %d%s", r.kind, r.job_id,
			 r.state, r.try_number, r.cleared_since ? " cleared" : "");
	return out;
}

/* The try's decision about an earlier job, and the job it names. */
static enum op_external_prior
prior(const char *p, int try_number, const char *kind, int reattach,
      char *job, size_t n)
{
	json_t *spec = spec_of(p, try_number, 1);
	struct op_external *x = op_external_open(spec);
	enum op_external_prior d;
	char *id = NULL;

	CHECK(x != NULL);
	d = op_external_prior(x, kind, reattach, &id);
	snprintf(job, n, "%s", id ? id : "");
	free(id);
	op_external_close(x);
	json_decref(spec);
	return d;
}

static void
record_as(const char *p, int try_number, const char *kind, const char *id)
{
	json_t *spec = spec_of(p, try_number, 1);
	struct op_external *x = op_external_open(spec);

	op_external_record(x, kind, id);
	op_external_close(x);
	json_decref(spec);
}

static void
ended_as(const char *p, int try_number)
{
	json_t *spec = spec_of(p, try_number, 1);
	struct op_external *x = op_external_open(spec);

	op_external_ended(x);
	op_external_close(x);
	json_decref(spec);
}

/* The running try of job in p fails; its retry starts (try + 1). */
static void
retry(const char *p)
{
	CHECK(h_end("job", p, 1) == 0);
	h_settle();
	h_advance(1000);
	CHECK_EQ_INT(1, h_running("job"));
}

/* Clear job in partition p (as `sluice clear` does). */
static void
clear_job(const char *p)
{
	struct clear_spec cs;
	char *tasks[] = { "job", NULL };
	struct sl_err err;

	memset(&cs, 0, sizeof cs);
	cs.dag_id = "ext";
	cs.tasks = tasks;
	cs.partition = p;
	cs.from_s = INT64_MIN;
	cs.to_s = INT64_MAX;
	sl_err_clear(&err);
	CHECK_EQ_INT(1, store_clear(h_store(), h_dag("ext"), &cs, "test", NULL,
				    &err));
}

static void
test_follow_lost_job(void)
{
	char job[600];

	h_open(ext_files, NULL);
	h_trigger("ext", "p1");
	h_settle();
	CHECK_EQ_INT(1, h_running("job"));
	CHECK_EQ_INT(OP_EXT_SUBMIT, prior("p1", 1, "slurm", 1, job, sizeof job));
	record_as("p1", 1, "slurm", "4242");
	CHECK_EQ_STR("slurm 4242 running 1", record("p1"));
	/* try 1 is lost with the job running: try 2 follows it, and owns it */
	retry("p1");
	CHECK_EQ_INT(OP_EXT_FOLLOW, prior("p1", 2, "slurm", 1, job, sizeof job));
	CHECK_EQ_STR("4242", job);
	CHECK_EQ_STR("slurm 4242 running 2", record("p1"));
	/* try 1, late, can no longer write */
	record_as("p1", 1, "slurm", "9999");
	ended_as("p1", 1);
	CHECK_EQ_STR("slurm 4242 running 2", record("p1"));
	/* try 2 sees it end: try 3 submits anew */
	ended_as("p1", 2);
	CHECK_EQ_STR("slurm 4242 ended 2", record("p1"));
	retry("p1");
	CHECK_EQ_INT(OP_EXT_SUBMIT, prior("p1", 3, "slurm", 1, job, sizeof job));
	CHECK_EQ_STR("", job);
	h_close();
}

static void
test_decisions(void)
{
	char job[600];

	h_open(ext_files, NULL);
	h_trigger("ext", "p2");
	h_settle();
	record_as("p2", 1, "emr_step", "j-1/s-1");
	retry("p2");
	/* another kind of job (the DAG changed): submit */
	CHECK_EQ_INT(OP_EXT_SUBMIT, prior("p2", 2, "slurm", 1, job, sizeof job));
	/* reattach: false: submit, and leave the record */
	CHECK_EQ_INT(OP_EXT_SUBMIT, prior("p2", 2, "emr_step", 0, job, sizeof job));
	CHECK_EQ_STR("", job);
	CHECK_EQ_STR("emr_step j-1/s-1 running 1", record("p2"));
	/* a record of this try itself (or of a later one) is never followed */
	record_as("p2", 2, "emr_step", "j-1/s-2");
	CHECK_EQ_INT(OP_EXT_SUBMIT, prior("p2", 2, "emr_step", 1, job, sizeof job));
	h_close();
}

static void
test_clear_cancels(void)
{
	char job[600];

	h_open(ext_files, NULL);
	h_trigger("ext", "p3");
	h_settle();
	record_as("p3", 1, "command", "app_7");
	clear_job("p3");
	CHECK_EQ_STR("command app_7 running 1 cleared", record("p3"));
	h_poke_db();
	h_settle();	/* try 1 is stopped, try 2 starts */
	CHECK_EQ_INT(1, h_running("job"));
	CHECK_EQ_INT(OP_EXT_CANCEL, prior("p3", 2, "command", 1, job, sizeof job));
	CHECK_EQ_STR("app_7", job);
	/* a job submitted after the clear is followed again when lost */
	record_as("p3", 2, "command", "app_8");
	CHECK_EQ_STR("command app_8 running 2", record("p3"));
	h_close();
}

/* A remote job whose looks answer states[] in turn (op_follow). */
struct fake_job {
	const enum op_follow_state *states;
	int looks;
	int cancelled;		/* cancel calls (op_external_resume) */
	char cancelled_id[64];
};

static enum op_follow_state
fake_look(void *arg)
{
	struct fake_job *j = arg;

	return j->states[j->looks++];
}

static void
fake_stop(void *arg)
{
	(void)arg;
}

static void
fake_cancel(void *arg, const char *id)
{
	struct fake_job *j = arg;

	j->cancelled++;
	snprintf(j->cancelled_id, sizeof j->cancelled_id, "%s", id);
}

/* Follow a job whose looks answer states[] with try_number's record. */
static int
follow_as(const char *p, int try_number, const enum op_follow_state *states)
{
	json_t *spec = spec_of(p, try_number, 1);
	struct fake_job j = { .states = states };
	struct op_follow f = { .poll_ms = 0, .look = fake_look,
			       .stop = fake_stop, .arg = &j };
	int rc;

	f.external = op_external_open(spec);
	rc = op_follow_run(&f);
	op_external_close(f.external);
	json_decref(spec);
	return rc;
}

/* What op_follow_run leaves in the record after each way a job ends. */
static void
test_follow_records_end(void)
{
	static const enum op_follow_state ok[] = { OP_FOLLOW_RUNNING,
		OP_FOLLOW_SUCCEEDED }, failed[] = { OP_FOLLOW_FAILED },
		lost_sight[] = { OP_FOLLOW_RUNNING, OP_FOLLOW_ERROR };
	static const struct {
		const char *p;
		const enum op_follow_state *states;
		int rc;
		const char *record;
	} cases[] = {
		{ "f1", ok, 0, "glue_job_run jr_1 ended 1" },
		{ "f2", failed, 1, "glue_job_run jr_1 ended 1" },
		/* a look that failed: the job may run on; a retry follows */
		{ "f3", lost_sight, 1, "glue_job_run jr_1 running 1" },
	};

	h_open(ext_files, NULL);
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		h_trigger("ext", cases[i].p);
		h_settle();
		record_as(cases[i].p, 1, "glue_job_run", "jr_1");
		CHECK_EQ_INT(cases[i].rc, follow_as(cases[i].p, 1,
						    cases[i].states));
		CHECK_EQ_STR(cases[i].record, record(cases[i].p));
	}
	h_close();
}

/* op_external_resume: the id to follow, or NULL after a cancel. */
static void
test_resume(void)
{
	char *id;
	struct fake_job j = { 0 };
	struct op_external *x;
	json_t *spec;

	h_open(ext_files, NULL);
	h_trigger("ext", "r1");
	h_settle();
	record_as("r1", 1, "athena_query", "q-1");
	retry("r1");
	spec = spec_of("r1", 2, 1);
	x = op_external_open(spec);
	CHECK(op_external_resume(x, "glue_job_run", 1, fake_cancel, &j) == NULL);
	CHECK(op_external_resume(x, "athena_query", 0, fake_cancel, &j) == NULL);
	id = op_external_resume(x, "athena_query", 1, fake_cancel, &j);
	CHECK_EQ_STR("q-1", id ? id : "");
	free(id);
	CHECK_EQ_INT(0, j.cancelled);
	op_external_close(x);
	json_decref(spec);
	/* lost again, then cleared: the next try cancels q-1 and submits */
	clear_job("r1");
	h_poke_db();
	h_settle();
	spec = spec_of("r1", 3, 1);
	x = op_external_open(spec);
	CHECK(op_external_resume(x, "athena_query", 1, fake_cancel, &j) == NULL);
	CHECK_EQ_INT(1, j.cancelled);
	CHECK_EQ_STR("q-1", j.cancelled_id);
	op_external_close(x);
	json_decref(spec);
	h_close();
}

static void
test_no_store(void)
{
	json_t *spec = spec_of("p", 1, 0);
	char *id = NULL;

	/* a try of no task instance (sluice test) records and follows
	 * nothing; every call takes the NULL */
	CHECK(op_external_open(spec) == NULL);
	CHECK_EQ_INT(OP_EXT_SUBMIT, op_external_prior(NULL, "slurm", 1, &id));
	CHECK(id == NULL);
	op_external_record(NULL, "slurm", "1");
	op_external_ended(NULL);
	CHECK(op_external_of_task(NULL, "create", "emr_cluster") == NULL);
	json_object_set_new(spec, "database", json_string("/nonexistent/sluice.db"));
	CHECK(op_external_open(spec) == NULL);
	json_decref(spec);
}

int
main(void)
{
	RUN(test_follow_lost_job);
	RUN(test_decisions);
	RUN(test_clear_cancels);
	RUN(test_follow_records_end);
	RUN(test_resume);
	RUN(test_no_store);
	return UNIT_END();
}
