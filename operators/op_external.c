/* op_external.c: the record of a try's external job, from the try's own
 * process (see op_external.h; the rows: store/store_external.c). */
#include "operators/op_external.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "operators/op_log.h"
#include "store/store.h"

struct op_external {
	struct store *store;
	char *dag, *partition, *task;
	int try_number;
};

static const char *
spec_str(const json_t *spec, const char *key)
{
	return json_string_value(json_object_get(spec, key));
}

struct op_external *
op_external_open(const json_t *spec)
{
	const char *db = spec_str(spec, "database");
	const char *dag = spec_str(spec, "dag"), *task = spec_str(spec, "task");
	const char *partition = spec_str(spec, "partition");
	json_t *tn = json_object_get(spec, "try_number");
	struct op_external *x;
	struct sl_err err;
	char msg[1024];

	if (db == NULL || dag == NULL || task == NULL || partition == NULL ||
	    !json_is_integer(tn)) {
		op_log("external job: not recorded (this try belongs to no "
			"task instance): a lost try would submit again");
		return NULL;
	}
	/* Never create a database: on a host without it, record nothing. */
	if (access(db, R_OK | W_OK) != 0) {
		op_log("external job: not recorded (no database %s on this "
			"host): a lost try would submit again", db);
		return NULL;
	}
	x = xcalloc(1, sizeof *x);
	sl_err_clear(&err);
	if (store_open(db, &x->store, &err) < 0) {
		op_log("external job: not recorded (%s)",
			sl_err_str(&err, msg, sizeof msg));
		free(x);
		return NULL;
	}
	x->dag = xstrdup(dag);
	x->partition = xstrdup(partition);
	x->task = xstrdup(task);
	x->try_number = (int)json_integer_value(tn);
	return x;
}

void
op_external_close(struct op_external *x)
{
	if (x == NULL)
		return;
	store_close(x->store);
	free(x->dag);
	free(x->partition);
	free(x->task);
	free(x);
}

enum op_external_prior
op_external_prior(struct op_external *x, const char *kind, int reattach,
		  char **job_id)
{
	struct store_external r;
	int found;

	*job_id = NULL;
	if (x == NULL)
		return OP_EXT_SUBMIT;
	found = store_external_get(x->store, x->dag, x->partition, x->task, &r);
	if (found < 0) {
		op_log("external job: cannot read the record of an earlier "
			"try: submitting");
		return OP_EXT_SUBMIT;
	}
	if (found == 0 || strcmp(r.state, "running") != 0 ||
	    r.try_number >= x->try_number)
		return OP_EXT_SUBMIT;
	if (strcmp(r.kind, kind) != 0) {
		op_log("external job: try %d left %s %s, not a %s: submitting",
			r.try_number, r.kind, r.job_id, kind);
		return OP_EXT_SUBMIT;
	}
	*job_id = xstrdup(r.job_id);
	if (r.cleared_since) {
		op_log("external job: %s %s of try %d: the task was cleared "
			"since: cancelling it, then submitting", kind, r.job_id,
			r.try_number);
		return OP_EXT_CANCEL;
	}
	if (!reattach) {
		op_log("external job: %s %s of try %d may still run; "
			"reattach: false: submitting a new one", kind, r.job_id,
			r.try_number);
		free(*job_id);
		*job_id = NULL;
		return OP_EXT_SUBMIT;
	}
	/* It is this try's job now: a loss of this try hands it on. */
	if (store_external_record(x->store, x->dag, x->partition, x->task,
				  x->try_number, kind, r.job_id, r.recorded_at,
				  sl_now_ms()) < 0)
		op_log("external job: cannot take over the record of %s",
			r.job_id);
	op_log("external job: following %s %s, submitted by try %d (not "
		"submitting again)", kind, r.job_id, r.try_number);
	return OP_EXT_FOLLOW;
}

char *
op_external_resume(struct op_external *x, const char *kind, int reattach,
		   void (*cancel)(void *arg, const char *job_id), void *arg)
{
	char *job = NULL;

	switch (op_external_prior(x, kind, reattach, &job)) {
	case OP_EXT_FOLLOW:
		return job;
	case OP_EXT_CANCEL:
		cancel(arg, job);
		break;
	case OP_EXT_SUBMIT:
		break;
	}
	free(job);
	return NULL;
}

void
op_external_record(struct op_external *x, const char *kind, const char *job_id)
{
	int r;

	if (x == NULL)
		return;
	r = store_external_record(x->store, x->dag, x->partition, x->task,
				  x->try_number, kind, job_id, sl_now_ms(),
				  sl_now_ms());
	if (r < 0)
		op_log("external job: cannot record %s %s: a lost try would "
			"submit again", kind, job_id);
	else if (r == 0)
		op_log("external job: %s %s not recorded: the task instance "
			"is no longer at try %d", kind, job_id, x->try_number);
	else
		op_log("external job: recorded %s %s with try %d", kind,
			job_id, x->try_number);
}

void
op_external_ended(struct op_external *x)
{
	if (x == NULL)
		return;
	if (store_external_end(x->store, x->dag, x->partition, x->task,
			       x->try_number, sl_now_ms()) < 0)
		op_log("external job: cannot record its end: a later try "
			"may follow it again");
}

char *
op_external_of_task(struct op_external *x, const char *task, const char *kind)
{
	struct store_external r;
	int found;

	if (x == NULL) {
		op_log("cluster_from: %s: this try reaches no store to read "
			"what %s recorded", task, task);
		return NULL;
	}
	found = store_external_get(x->store, x->dag, x->partition, task, &r);
	if (found < 0) {
		op_log("cluster_from: %s: cannot read its record", task);
		return NULL;
	}
	if (found == 0) {
		op_log("cluster_from: task %s recorded no cluster in "
			"partition %s (is it upstream of this task, and did it "
			"run?)", task, x->partition);
		return NULL;
	}
	if (strcmp(r.kind, kind) != 0) {
		op_log("cluster_from: task %s recorded %s %s, not a %s", task,
			r.kind, r.job_id, kind);
		return NULL;
	}
	return xstrdup(r.job_id);
}
