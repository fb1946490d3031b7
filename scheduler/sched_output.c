/*
 * sched_output.c: a try's output ($SLUICE_OUTPUT, output.h) in the
 * scheduler: cleared before the try starts, read and stored with the task
 * instance when it ends, given to the templates of downstream tasks; and
 * what follows from a try's end besides success and failure: a
 * skip_exit_code makes the task skipped, a branch task's choice skips the
 * direct downstream tasks it did not name (see sched_internal.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "scheduler/output.h"
#include "scheduler/sched_internal.h"
#include "scheduler/try.h"

static char *
output_path(struct sched *s, struct ti *ti, int try_number)
{
	return try_output_path(s->cfg->logs_dir, ti->run->dag_name,
			       ti->run->partition, ti_name(ti),
			       try_number);
}

json_t *
sched_output_load(struct sched *s, struct ti *ti)
{
	json_t *outputs = NULL;

	if (ti_task(ti)->uses_outputs &&
	    store_run_outputs(s->store, ti->run->id, &outputs) < 0)
		outputs = NULL;		/* the render says which is missing */
	return outputs;
}

json_t *
sched_output_start(struct sched *s, struct ti *ti, int try_number)
{
	char *path = output_path(s, ti, try_number);

	/* a file left by an earlier life of this try number (a clear
	 * starts the count again) is not this try's */
	if (unlink(path) < 0 && errno != ENOENT)
		sched_log_ti(LOG_LEVEL_WARN, ti, try_number,
			     "cannot remove the old output %s: %s", path,
			     strerror(errno));
	free(path);
	return sched_output_load(s, ti);
}

/* The names a branch task's output chose, checked against its direct
 * downstream tasks: 0, or -1 with why. */
static int
branch_check(const struct dag *dag, const struct task *t, const json_t *out,
	     char *why, size_t n)
{
	const char *list = json_string_value(json_object_get(out, "branch"));
	char name[256], known[512];
	size_t off = 0;

	if (json_object_get(out, "branch") != NULL && list == NULL) {
		snprintf(why, n, "branch: the output's branch must be a string NAME[,NAME...]");
		return -1;
	}
	while (list != NULL && *list != '\0') {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);
		const struct task *d;
		int found = 0;

		while (len > 0 && (*list == ' ' || *list == '\t'))
			list++, len--;
		while (len > 0 && (list[len - 1] == ' ' || list[len - 1] == '\t'))
			len--;
		if (len >= sizeof name)
			len = sizeof name - 1;
		memcpy(name, list, len);
		name[len] = '\0';
		list = comma ? comma + 1 : list + strlen(list);
		if (len == 0)
			continue;
		d = dag_task(dag, name);
		for (int i = 0; d != NULL && i < t->ndownstream; i++)
			found |= t->downstream[i] == d->index;
		if (found)
			continue;
		known[0] = '\0';
		off = 0;
		for (int i = 0; i < t->ndownstream && off < sizeof known; i++)
			off += (size_t)snprintf(known + off, sizeof known - off,
			    "%s%s", i ? ", " : "", dag->tasks[t->downstream[i]].name);
		snprintf(why, n,
		    "branch: '%s' is not a direct downstream task of %s (its direct downstream tasks: %s)",
		    name, t->name, t->ndownstream ? known : "none");
		return -1;
	}
	return 0;
}

int
sched_output_end(struct sched *s, struct live *l, int exit_code, int sig,
		 const char *error, char *why, size_t n)
{
	struct ti *ti = l->ti;
	const struct task *t = ti_task(ti);
	char *path = output_path(s, ti, l->try_number), *text = NULL;
	json_t *output = NULL;
	struct sl_err err;
	int skip;

	sl_err_clear(&err);
	if (output_read(path, &output, &err) < 0) {
		sched_try_log(l->log_path, "%s", err.msg);
		if (why[0] == '\0')
			snprintf(why, n, "%s", err.msg);
	}
	free(path);
	skip = t->skip_exit_code > 0 && !l->timed_out && error == NULL &&
	       sig == 0 && exit_code == t->skip_exit_code;
	if (skip) {
		sched_try_log(l->log_path, "exit code %d (skip_exit_code): the task is skipped",
			      exit_code);
		why[0] = '\0';
	} else if (t->branch && why[0] == '\0' &&
		   branch_check(ti->run->dag, t, output, why, n) < 0)
		sched_try_log(l->log_path, "%s", why);
	if (output != NULL)
		text = json_dumps(output, JSON_COMPACT | JSON_SORT_KEYS);
	/* a first try with none has nothing to replace (try numbers only
	 * grow, also across clears): no write for most tries */
	if ((text != NULL || l->try_number > 1) && sched_tx_begin(s) == 0 &&
	    store_ti_output_set(s->store, ti->id, text) < 0)
		sched_db_failed(s, "recording a task's output");
	free(text);
	json_decref(output);
	return skip;
}

/* Does the branch list (NAME[,NAME...], blanks around names) name task? */
static int
branch_names(const char *list, const char *task)
{
	size_t len = strlen(task);

	while (list != NULL && *list != '\0') {
		const char *comma = strchr(list, ',');
		const char *e = comma ? comma : list + strlen(list);

		while (list < e && (*list == ' ' || *list == '\t'))
			list++;
		while (e > list && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - list) == len && memcmp(list, task, len) == 0)
			return 1;
		list = comma ? comma + 1 : NULL;
	}
	return 0;
}

int
sched_output_unchosen(struct sched *s, struct ti *ti)
{
	const struct task *t = ti_task(ti);
	const struct dag *dag = ti->run->dag;
	json_t *outputs = NULL;
	int unchosen = 0;

	for (int i = 0; i < t->nupstream && !unchosen; i++) {
		const struct task *up = &dag->tasks[t->upstream[i]];
		const json_t *branch;

		if (!up->branch || ti->run->tis[up->index].state != TI_SUCCESS)
			continue;
		if (outputs == NULL &&
		    store_run_outputs(s->store, ti->run->id, &outputs) < 0)
			return 0;	/* the trigger rule decides */
		branch = json_object_get(json_object_get(outputs, up->name),
					 "branch");
		unchosen = !branch_names(json_string_value(branch), t->name);
	}
	json_decref(outputs);
	return unchosen;
}
