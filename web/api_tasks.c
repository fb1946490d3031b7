/* api_tasks.c: a task instance (its tries with what each ran, why it waits, its command as the DAG renders it today, masked) and its logs. */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/template.h"
#include "scheduler/try.h"
#include "scheduler/sched.h"
#include "scheduler/wait.h"
#include "store/store.h"

static void
command_json(struct web *w, const struct dag *d, const struct task *t,
	     json_t *run, int try_number, json_t *out)
{
	struct tmpl_ctx c;
	json_t *params = d->params ? json_deep_copy(d->params) : json_object();
	json_t *run_params = json_object_get(run, "params");
	json_t *src = json_object_get(t->options, "command");
	json_t *rendered = NULL, *outputs = NULL;
	char *run_id;
	struct sl_err err;

	if (json_is_object(run_params))
		json_object_update(params, run_params);
	run_id = xasprintf("%s__%s", json_string_value(json_object_get(run, "run_type")),
			   json_string_value(json_object_get(run, "partition")));
	memset(&c, 0, sizeof c);
	c.dag = d->name;
	c.task = t->name;
	c.run_id = run_id;
	c.partition = json_string_value(json_object_get(run, "partition"));
	c.try_number = try_number > 0 ? try_number : 1;
	c.start = json_integer_value(json_object_get(run, "start_s"));
	c.end = json_integer_value(json_object_get(run, "end_s"));
	c.tz = d->tz;
	c.params = params;
	/* shown as it runs (a /bin/sh line with its values quoted), secret
	 * params as *** */
	c.decls = d->param_decls;
	c.mask_secrets = 1;
	/* what its upstream tasks wrote, as the next try would read it */
	if (t->uses_outputs &&
	    store_run_outputs(w->store, json_integer_value(json_object_get(run, "id")),
			      &outputs) == 0)
		c.outputs = outputs;
	sl_err_clear(&err);
	if (json_is_string(src)) {
		struct buf b;

		buf_init(&b, 0);
		if (tmpl_render_shell(json_string_value(src), &c, &b, &err) == 0)
			rendered = json_string(buf_str(&b));
		buf_free(&b);
	} else if (src != NULL) {
		if (tmpl_render_json(src, &c, &rendered, &err) < 0)
			rendered = NULL;
	} else {
		src = t->options;
		if (src != NULL &&
		    tmpl_render_opts(t->op->keys, src, &c, &rendered, &err) < 0)
			rendered = NULL;
	}
	if (rendered == NULL && err.msg[0] != '\0')
		json_object_set_new(out, "render_error", json_string(err.msg));
	json_object_set_new(out, "type", json_string(t->op->name));
	json_object_set_new(out, "template", src ? mask_json(src) : json_null());
	json_object_set_new(out, "rendered", rendered ? mask_json(rendered) : json_null());
	json_decref(rendered);
	json_decref(outputs);
	json_decref(params);
	free(run_id);
}

static json_t *
find_ti(struct web *w, const char *dag, const char *partition, const char *task)
{
	json_t *tis = store_tis_json(w->store, dag, partition), *ti, *found = NULL;
	size_t i;

	json_array_foreach(tis, i, ti)
		if (strcmp(json_string_value(json_object_get(ti, "task")), task) == 0) {
			found = json_incref(ti);
			break;
		}
	json_decref(tis);
	return found;
}

/* The tries of a task instance, oldest first, with the try in flight
 * (not in task_tries until it ends) last, so a client follows the latest
 * try from one list; each with what it ran. NULL on a database error. */
json_t *
api_ti_tries(struct web *w, json_t *ti, const char *dag, const char *partition,
	     const char *task)
{
	json_t *tries = store_tries_json(w->store, dag, task, partition);
	const char *state = json_string_value(json_object_get(ti, "state"));
	json_int_t n = json_integer_value(json_object_get(ti, "try_number"));
	json_t *last;

	if (tries == NULL)
		return NULL;
	last = json_array_get(tries, json_array_size(tries) - 1);
	if (n > 0 && state != NULL &&
	    (strcmp(state, "running") == 0 || strcmp(state, "queued") == 0 ||
	     strcmp(state, "up_for_reschedule") == 0) &&
	    (last == NULL || json_integer_value(json_object_get(last, "try_number")) < n)) {
		/* queued: the task instance's fields are still the last try's */
		int started = strcmp(state, "queued") != 0;
		json_t *none = json_null();

		json_array_append_new(tries, json_pack("{s:I,s:s,s:O,s:n,s:n,s:n,s:O,s:n,s:O,s:O,s:b}",
		    "try_number", n, "state", state,
		    "started_at", started ? json_object_get(ti, "started_at") : none,
		    "ended_at", "exit_code", "signal",
		    "host", started ? json_object_get(ti, "host") : none, "error",
		    "ran", started ? json_object_get(ti, "ran") : none,
		    "dag_hash", started ? json_object_get(ti, "dag_hash") : none, "in_flight", 1));
		json_decref(none);
	}
	return tries;
}

enum web_result
api_task(struct web_req *r)
{
	struct dag *d = r->dag;
	const char *partition = r->arg.partition, *task = r->arg.task;
	struct task *t = partition_task(d, task);
	json_t *run, *ti, *tries;

	/* a task removed from the DAG file keeps its instances in earlier
	 * runs: they are shown (removed: true), with their tries and logs */
	if ((run = store_run_json(r->w->store, d->name, partition)) == NULL ||
	    (ti = find_ti(r->w, d->name, partition, task)) == NULL) {
		json_decref(run);
		if (web_store_busy(r->w))
			return WEB_BUSY;
		if (t == NULL)
			web_error(r, 404, "DAG %s has no task '%s'", d->name, task);
		else
			web_error(r, 404, "DAG %s has no run of %s for partition %s", d->name, task, partition);
		return WEB_DONE;
	}
	if ((tries = api_ti_tries(r->w, ti, d->name, partition, task)) == NULL) {
		json_decref(run);
		json_decref(ti);
		return api_db_failed(r);
	}
	json_object_set_new(ti, "dag", json_string(d->name));
	json_object_set_new(ti, "partition", json_string(partition));
	json_object_set_new(ti, "run_state", json_incref(json_object_get(run, "state")));
	json_object_set_new(ti, "output", mask_json(json_object_get(ti, "output")));
	if (json_is_object(json_object_get(run, "params")))
		json_object_set_new(ti, "params",
				    dag_params_masked(d, json_object_get(run, "params")));
	else
		json_object_set_new(ti, "params", json_null());
	json_object_set_new(ti, "tries", tries);
	{
		json_t *why;
		struct sl_err err;

		sl_err_clear(&err);
		if (wait_explain_ti(r->w->store, r->w->cfg,
				    r->w->sched ? sched_executors(r->w->sched) : NULL,
				    web_dagbag(r->w), d, partition,
				    task, sl_now_ms(), &why, &err) < 0) {
			json_decref(run);
			json_decref(ti);
			return api_db_failed(r);
		}
		json_object_set_new(ti, "waiting_for", why);
	}
	/* needs: what its tries consumed, and whether the run is stale */
	json_object_set_new(ti, "stale", json_incref(json_object_get(run, "stale")));
	json_object_set_new(ti, "lineage",
			    store_needs_lineage_json(r->w->store, d->name,
						     partition, task));
	json_object_set_new(ti, "removed", json_boolean(t == NULL));
	{
		json_t *cmd = json_object();

		/* a removed task has no command to render any more */
		if (t != NULL)
			command_json(r->w, d, t, run, (int)json_integer_value(json_object_get(ti, "try_number")), cmd);
		else {
			json_object_set_new(cmd, "rendered", json_null());
			json_object_set_new(cmd, "template", json_null());
		}
		json_object_set_new(ti, "command", cmd);
	}
	json_decref(run);
	web_json(r, 200, ti);
	return WEB_DONE;
}

/* The log file of a try, inside logs_dir by construction (every part
 * comes from the loaded DAG or the database) and by check (realpath). */
static char *
log_path(struct web *w, const char *dag, const char *partition, const char *task,
	 int try_number)
{
	char *path, *real_dir, *real_path;
	size_t dl;

	path = try_log_path(w->cfg->logs_dir, dag, partition, task, try_number);
	real_dir = realpath(w->cfg->logs_dir, NULL);
	real_path = realpath(path, NULL);
	if (real_dir == NULL || real_path == NULL) {
		free(real_dir);
		free(real_path);
		return path;	/* not there (yet): opening it fails */
	}
	dl = strlen(real_dir);
	if (strncmp(real_path, real_dir, dl) != 0 || real_path[dl] != '/') {
		free(real_dir);
		free(real_path);
		free(path);
		return NULL;
	}
	free(real_dir);
	free(path);
	return real_path;
}

enum web_result
api_log(struct web_req *r)
{
	struct dag *d = r->dag;
	const char *partition = r->arg.partition, *task = r->arg.task;
	const char *try_arg = r->arg.try_number;
	json_t *ti;
	long long try_number, offset = 0;
	const char *off = web_query(r, "offset");
	char *path;
	int fd, running;
	struct stat sb;
	struct buf text;
	unsigned char *chunk;
	ssize_t got;
	size_t want, keep;

	/* the task instance, not the DAG file, says whether the log is
	 * there to read: a removed task's logs stay readable */
	if (sl_parse_int(try_arg, 1, 1000000, &try_number) < 0 ||
	    (ti = find_ti(r->w, d->name, partition, task)) == NULL) {
		web_error(r, 404, "no such log");
		return WEB_DONE;
	}
	if (try_number > json_integer_value(json_object_get(ti, "try_number"))) {
		json_decref(ti);
		web_error(r, 404, "%s has no try %lld yet", task, try_number);
		return WEB_DONE;
	}
	running = strcmp(json_string_value(json_object_get(ti, "state")), "running") == 0 &&
		  try_number == json_integer_value(json_object_get(ti, "try_number"));
	json_decref(ti);
	if (off != NULL && sl_parse_int(off, 0, LLONG_MAX, &offset) < 0) {
		web_error(r, 400, "offset must be a number >= 0");
		return WEB_DONE;
	}
	if ((path = log_path(r->w, d->name, partition, task, (int)try_number)) == NULL) {
		web_error(r, 404, "no such log");
		return WEB_DONE;
	}
	fd = sl_open_regular(path, O_RDONLY | O_NOFOLLOW, 0);
	free(path);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		/* a try that has not written anything yet */
		web_json(r, 200, json_pack("{s:I,s:I,s:I,s:s,s:b,s:b}", "try", (json_int_t)try_number,
		    "offset", (json_int_t)offset, "next_offset", (json_int_t)offset,
		    "data", "", "running", running, "exists", 0));
		return WEB_DONE;
	}
	if (offset > sb.st_size)
		offset = sb.st_size;
	want = (size_t)SL_MIN((long long)WEB_LOG_CHUNK, (long long)sb.st_size - offset);
	chunk = xmalloc(want + 1);
	got = pread(fd, chunk, want, (off_t)offset);
	close(fd);
	if (got < 0)
		got = 0;
	keep = (size_t)got;
	/* do not cut a UTF-8 character in two at the end of a chunk */
	if (offset + got < sb.st_size || running) {
		size_t k = keep, back = 0;

		while (k > 0 && back < 3 && (chunk[k - 1] & 0xc0) == 0x80) {
			k--;
			back++;
		}
		if (k > 0 && chunk[k - 1] >= 0xc0) {
			unsigned char c = chunk[k - 1];
			size_t need = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;

			if (back + 1 < need)
				keep = k - 1;
		}
	}
	buf_init(&text, 0);
	/* JSON-safe: invalid UTF-8 and NUL become U+FFFD */
	text_utf8_clean(&text, (const char *)chunk, keep, "\xef\xbf\xbd");
	free(chunk);
	web_json(r, 200, json_pack("{s:I,s:I,s:I,s:I,s:s%,s:b,s:b}", "try", (json_int_t)try_number,
	    "offset", (json_int_t)offset, "next_offset", (json_int_t)(offset + (long long)keep),
	    "size", (json_int_t)sb.st_size, "data", buf_str(&text), text.len,
	    "running", running, "exists", 1));
	buf_free(&text);
	return WEB_DONE;
}
