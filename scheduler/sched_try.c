/*
 * sched_try.c: a try's start and end (retries, timeouts, sensor
 * reschedules) (see sched_internal.h).
 * A little past 800 lines on purpose: a try's start (record, commit,
 * then the process), its end (retry, reschedule, sensor deadline) and the
 * ends held while writes fail are one state machine over one struct live;
 * splitting it would put each transition's two halves in two files.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "executors/registry.h"
#include "executors/try_note.h"
#include "operators/notify.h"
#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "scheduler/state.h"
#include "scheduler/template.h"
#include "scheduler/try.h"
#include "scheduler/tz.h"
#include "store/store.h"

/* --- retry and reschedule wake-ups --- */

static void ti_wake(struct sched *s, struct sched_timer *t);

/* at_ms is the wall time the store keeps (next_at, for a restart); the
 * wait itself runs on the monotonic clock, so a step of the wall clock
 * after this neither delays nor hastens it. */
void
sched_try_arm(struct sched *s, struct ti *ti, int64_t at_ms)
{
	sched_timer_set(s, &ti->timer, sched_mono_at(s, at_ms), ti_wake);
}

void
sched_try_disarm(struct sched *s, struct ti *ti)
{
	sched_timer_cancel(s, &ti->timer);
}

/* A retry's delay is over, or a sensor's next poke is due. */
static void
ti_wake(struct sched *s, struct sched_timer *t)
{
	struct ti *ti = SCHED_CONTAINER(t, struct ti, timer);
	struct ti_update u = TI_UPDATE_INIT;

	/* (due by the monotonic clock: next_at against the wall clock would
	 * make a backward step of it delay the retry) */
	if (sched_map_reshape(s, ti) != 0) {
		/* its task became mapped: it is made into items instead */
	} else if (ti->state == TI_UP_FOR_RETRY) {
		u.next_at = 0;
		u.set |= TIU_NEXT_AT;
		u.reason = "retry delay over";
		if (sched_ti_set(s, ti, TI_SCHEDULED, &u) == 0)
			sched_dispatch_push(s, ti);
	} else if (ti->state == TI_UP_FOR_RESCHEDULE) {
		/* a sensor: straight to the ready heap; it needs no slot
		 * unless it pokes through an executor */
		sched_dispatch_push(s, ti);
	}
	sched_pass_schedule(s);
}

/* When a sensor's first poke was, on the monotonic clock (from the wall
 * time the store keeps when the task instance was read from it). */
int64_t
sched_try_first_poke_mono(struct sched *s, struct ti *ti)
{
	if (!ti->first_poke_mono_set) {
		ti->first_poke_mono = sched_mono_at(s, ti->first_poke_at);
		ti->first_poke_mono_set = 1;
	}
	return ti->first_poke_mono;
}

/* --- the try model of a task instance --- */

char *
sched_try_log_path(struct sched *s, struct ti *ti, int try_number, int mkdirs)
{
	char *dir = try_log_dir(s->cfg->logs_dir, ti->run->dag_name,
				ti->run->partition, ti_name(ti));
	char *path = xasprintf("%s/try-%d.log", dir, try_number);

	if (mkdirs)
		sl_mkdirs(dir, 0755, NULL);
	free(dir);
	return path;
}

/* What try.c needs to build try_number of ti (points into ti and s). */
void
sched_try_ctx(struct sched *s, struct ti *ti, int try_number, struct try_ctx *c)
{
	memset(c, 0, sizeof *c);
	c->cfg = s->cfg;
	c->dag = ti->run->dag;
	c->task = ti_task(ti);
	c->partition = ti->run->partition;
	c->run_id = ti->run->run_id;
	c->start_s = ti->run->start_s;
	c->end_s = ti->run->end_s;
	c->params = ti->run->params;
	c->try_number = try_number;
	c->ti_id = ti->id;
	c->self_exe = s->self_exe;
	c->outputs = ti->live != NULL ? ti->live->outputs : NULL;
	c->task_name = ti->name;
	c->item = ti->map_item;
}

/* Append a line to a try's log (scheduler-side events: pokes, kills). */
void
sched_try_log(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void
sched_try_log(const char *path, const char *fmt, ...)
{
	char ts[64];
	va_list ap;
	FILE *f;
	int fd;

	if (path == NULL ||
	    (fd = sl_open_regular(path, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0)
		return;
	if ((f = fdopen(fd, "a")) == NULL) {
		close(fd);
		return;
	}
	fputs(try_note_prefix(sl_now_ms(), ts, sizeof ts), f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* Is the last line of the log at path sluice's note beginning with
 * text (a closing line a scheduler wrote before it was killed, its
 * commit not made)? Read only for a followed try's end. */
static int
try_log_ends_with(const char *path, const char *text)
{
	char *tail;
	const char *note;
	size_t len, end, from, tn = strlen(text);
	int whole, said = 0;

	if (path == NULL || sl_read_tail(path, 4096, &tail, &len, &whole) < 0)
		return 0;
	end = len;
	while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\r'))
		end--;
	from = end;
	while (from > 0 && tail[from - 1] != '\n')
		from--;
	if ((from > 0 || whole) && try_note_is(tail + from, end - from) &&
	    (note = memchr(tail + from, ']', end - from)) != NULL) {
		note += 2;	/* "] " */
		said = (size_t)(tail + end - note) >= tn &&
		       memcmp(note, text, tn) == 0;
	}
	free(tail);
	return said;
}

/* --- starting tries --- */

struct live *
sched_try_live_new(struct sched *s, struct ti *ti, int try_number)
{
	struct live *l = xcalloc(1, sizeof *l);
	struct task *t = ti_task(ti);

	l->s = s;
	l->ti = ti;
	l->ti_id = ti->id;
	l->try_number = try_number;
	l->dag_name = xstrdup(ti->run->dag_name);
	l->pool = xstrdup(t->pool);
	l->pool_slots = t->pool_slots;
	l->backfill = ti->run->backfill_lane;
	l->started_ms = sched_now(s);
	l->started_mono = sched_mono(s);
	l->next = s->lives;
	s->lives = l;
	ti->live = l;
	return l;
}

void
sched_try_live_free(struct sched *s, struct live *l)
{
	struct live **pp;

	for (pp = &s->lives; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	if (l->counts) {
		struct dag_load_state *d = sched_dstate(s, l->dag_name);

		s->running--;
		d->active_tasks--;
		sched_pool_add(s, l->pool, -l->pool_slots);
		if (l->ex != NULL)
			l->ex->busy--;
		assert(s->running >= 0 && d->active_tasks >= 0);
		assert(sched_pool_used(s, l->pool) >= 0);
		assert(l->ex == NULL || l->ex->busy >= 0);
	}
	if (l->in_loop)
		s->pokes--;
	assert(s->pokes >= 0);
	sched_timer_cancel(s, &l->timeout);
	if (l->ti != NULL)
		l->ti->live = NULL;
	free(l->dag_name);
	free(l->pool);
	free(l->log_path);
	json_decref(l->outputs);
	free(l);
	/* stopping: leave as soon as the last killed process has ended,
	 * not at the end of the grace period */
	if (s->shutting_down) {
		for (l = s->lives; l != NULL; l = l->next)
			if (l->ex != NULL && l->handle != NULL)
				return;
		event_base_loopbreak(s->base);
	}
}

/* The executor's done callback of every try it runs (started or
 * adopted): arg is the try's struct live. */
void
sched_try_exec_done(void *arg, const struct sl_exec_result *res)
{
	struct live *l = arg;

	sched_try_end(l->s, l, res->exit_code, res->signal, res->error,
		   res->duration_ms, res->host);
}

/* The task's timeout: passed: stop the try (its end records why). */
static void
timeout_fire(struct sched *s, struct sched_timer *t)
{
	struct live *l = SCHED_CONTAINER(t, struct live, timeout);

	l->timed_out = 1;
	if (l->log_path != NULL) {
		char d[64];

		sched_try_log(l->log_path, "timed out after %s: stopping it",
			   sl_format_duration(sched_mono(s) - l->started_mono, d, sizeof d));
	}
	if (l->ex != NULL && l->handle != NULL)
		l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_TIMEOUT);
}

void
sched_try_timeout_arm(struct sched *s, struct live *l, int64_t at_ms)
{
	sched_timer_set(s, &l->timeout, at_ms, timeout_fire);
}

static void poke_done_cb(void *arg, enum op_poke_result result,
			 const char *msg);

/* The secret values l's try got at its start (try_secrets), found again
 * from its task instance: a try followed since a restart has them too.
 * In *out (NULL when none; free with strv_free). -1 when its env could
 * not be rendered again: then *out holds only its params' and
 * connections' values. */
static int
try_secrets_again(struct sched *s, struct live *l, char ***out)
{
	struct try_ctx c;
	struct sl_err err;
	char **envp;
	int rc;

	sl_err_clear(&err);
	sched_try_ctx(s, l->ti, l->try_number, &c);
	envp = try_env(&c, &err);
	rc = envp != NULL ? 0 : -1;
	*out = try_secrets(&c, envp);
	try_env_free(envp);
	return rc;
}

/*
 * An adopted try has its task instance again (the reload after the
 * recovery): its log path, the run's outputs for its templates, and its
 * secret values for the executor, which masks its output with them from
 * now on (executor.h, adopted_secrets). At start-up this runs before the
 * loop turns, so before the executor copied any of its output.
 */
void
sched_try_adopted(struct sched *s, struct live *l)
{
	void (*give)(void *, void *, char *const *) =
	    SL_EXEC_OP(l->ex->ops, 5, adopted_secrets);
	char **secrets;

	assert(l->adopted && l->ti != NULL);
	l->adopted = 0;
	free(l->log_path);
	l->log_path = sched_try_log_path(s, l->ti, l->try_number, 0);
	l->outputs = sched_output_load(s, l->ti);
	if (give == NULL || l->handle == NULL)
		return;
	/* an env that no longer renders still masks the params and the
	 * connections */
	(void)try_secrets_again(s, l, &secrets);
	give(l->ex->inst, l->handle, secrets);
	strv_free(secrets);
}

/* A failed try's exit code or signal (in why, size n) followed by the
 * last line the task wrote to its log (try_reason_read), its secrets
 * masked: what its task instance records, and every page, email and
 * webhook says. A failed try is rare: reading the end of its log (local,
 * also the ssh executor's copy) does not hold the loop up for long. */
static void
try_end_reason(struct sched *s, struct live *l, char *why, size_t n)
{
	char **secrets, *line;
	size_t len = strlen(why);

	if (l->log_path == NULL)
		return;
	/* the values the log was masked with */
	if (try_secrets_again(s, l, &secrets) < 0) {
		strv_free(secrets);
		return;		/* its secrets unknown: quote nothing */
	}
	line = try_reason_read(l->log_path, secrets);
	strv_free(secrets);
	if (line != NULL)
		snprintf(why + len, n - len, ": %s", line);
	free(line);
}

/* What the try runs, as its task instance records it (TIU_RAN): the
 * masked command or spec as JSON text (caller frees), and the DAG file's
 * hash. */
static void
try_ran(struct try_ctx *c, struct ti_update *u, char **ran)
{
	struct sl_err err;
	json_t *shown;

	sl_err_clear(&err);
	shown = try_shown(c, &err);
	*ran = shown ? json_dumps(shown, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(shown);
	u->ran = *ran;
	u->dag_hash = c->dag->sha256[0] != '\0' ? c->dag->sha256 : NULL;
	u->set |= TIU_RAN;
}

/* Start one queued try (after its queued state was committed). */
void
sched_try_start(struct sched *s, struct ti *ti)
{
	struct task *t = ti_task(ti);
	struct live *l = ti->live;
	struct sl_exec_task et;
	struct ti_update u = TI_UPDATE_INIT;
	struct sl_err err;
	char **argv = NULL, **envp = NULL, *stdin_text = NULL, *ran = NULL, **secrets;
	char *output_path;
	char msg[1024] = "";
	int is_sensor = operator_is_sensor(t->op);
	struct try_ctx c;

	sl_err_clear(&err);
	l->log_path = sched_try_log_path(s, ti, l->try_number, 1);
	if (ti->needs_note != NULL) {
		sched_try_log(l->log_path, "needs: %s", ti->needs_note);
		free(ti->needs_note);
		ti->needs_note = NULL;
	}
	l->outputs = sched_output_start(s, ti, l->try_number);
	sched_try_ctx(s, ti, l->try_number, &c);
	if (l->is_poke && l->ex == NULL) {
		/* in-loop poke: no process */
		json_t *spec = try_spec(&c, &err);

		if (spec == NULL) {
			sched_try_log(l->log_path, "cannot start: %s", err.msg);
			sched_try_end(s, l, -1, 0, err.msg, 0, "scheduler");
			return;
		}
		u.reason = "poke";
		if (ti->first_poke_at <= 0) {
			u.first_poke_at = sched_now(s);
			u.set |= TIU_FIRST_POKE_AT;
		}
		if (ti->first_poke_at <= 0) {
			u.started_at = sched_now(s);
			u.set |= TIU_STARTED_AT;
		}
		u.host = "scheduler";
		u.set |= TIU_HOST;
		if (ti->first_poke_at <= 0)
			try_ran(&c, &u, &ran);
		if (sched_ti_set(s, ti, TI_RUNNING, &u) < 0) {
			free(ran);
			json_decref(spec);
			sched_try_live_free(s, l);
			return;
		}
		free(ran);
		l->poke_op = t->op;
		l->poke = t->op->poke_start(s->base, spec, poke_done_cb, l);
		json_decref(spec);
		return;
	}
	argv = try_argv(&c, l->is_poke, &stdin_text, &err);
	if (argv != NULL)
		envp = try_env(&c, &err);
	if (argv == NULL || envp == NULL) {
		sched_try_log(l->log_path, "cannot start: %s", err.msg);
		strv_free(argv);
		free(stdin_text);
		sched_try_end(s, l, -1, 0, err.msg, 0, NULL);
		return;
	}
	memset(&et, 0, sizeof et);
	et.dag = ti->run->dag_name;
	et.task = ti_name(ti);
	et.partition = ti->run->partition;
	et.run_id = ti->run->run_id;
	et.try_number = l->try_number;
	et.argv = argv;
	et.argv0_is_sluice = try_argv_is_sluice(&c);
	et.env = envp;
	et.cwd = try_cwd(&c);
	et.stdin_data = stdin_text;
	et.stdin_len = stdin_text ? strlen(stdin_text) : 0;
	et.log_path = l->log_path;
	et.kill_grace_ms = s->cfg->kill_grace_ms;
	et.keep_children = t->keep_children;
	et.log_max = t->log_max != 0 ? t->log_max : s->cfg->log_max;
	secrets = try_secrets(&c, envp);
	et.secrets = secrets;
	et.output_path = output_path = try_output_path(s->cfg->logs_dir,
	    ti->run->dag_name, ti->run->partition, t->name, l->try_number);
	l->handle = l->ex->ops->start(l->ex->inst, &et, sched_try_exec_done, l, msg,
				      sizeof msg);
	free((char *)et.cwd);
	free(output_path);
	strv_free(argv);
	strv_free(secrets);
	try_env_free(envp);
	free(stdin_text);
	if (l->handle == NULL) {
		sched_try_log(l->log_path, "cannot start: %s", msg);
		sched_try_end(s, l, -1, 0, msg, 0, NULL);
		return;
	}
	s->tries_started++;
	sched_log_ti(LOG_LEVEL_INFO, ti, l->try_number,
		     "%s %s %s: try %d started on executor %s",
		     ti->run->dag_name, ti_name(ti), ti->run->partition,
		     l->try_number, l->ex->name);
	if (sched_try_record_running(s, ti, l, sched_now(s)) < 0) {
		if (s->db_down) {
			/* the write failed, not the task instance: the try
			 * runs on (running here, queued in the store); the
			 * store is read again after the back-off and its
			 * running state recorded then, or with its end */
			ti->state = TI_RUNNING;
			if (t->timeout_ms > 0 && !is_sensor)
				sched_try_timeout_arm(s, l, sched_mono(s) + t->timeout_ms);
			return;
		}
		/* cleared while it was being started: stop it */
		l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_CLEARED);
		l->ti = NULL;
		ti->live = NULL;
		return;
	}
	if (t->timeout_ms > 0 && !is_sensor)
		sched_try_timeout_arm(s, l, sched_mono(s) + t->timeout_ms);
}

int
sched_try_record_running(struct sched *s, struct ti *ti, struct live *l,
			 int64_t started_at)
{
	struct ti_update u = TI_UPDATE_INIT;
	struct try_ctx c;
	char *ran = NULL;
	int rc;

	u.reason = l->is_poke ? "poke" : "started";
	u.started_at = started_at;
	u.set |= TIU_STARTED_AT;
	if (operator_is_sensor(ti_task(ti)->op) && ti->first_poke_at <= 0) {
		u.first_poke_at = started_at;
		u.set |= TIU_FIRST_POKE_AT;
	}
	u.executor = l->ex->name;
	u.set |= TIU_EXECUTOR;
	/* where it runs, when its executor knows before the end (the end
	 * records it again, as it may have moved); not yet known: no host,
	 * rather than an earlier try's */
	if (l->handle != NULL && SL_EXEC_OP(l->ex->ops, 6, where) != NULL) {
		u.host = l->ex->ops->where(l->ex->inst, l->handle);
		u.set |= TIU_HOST;
	}
	if (l->ex->ops->token != NULL) {
		const char *tok = l->ex->ops->token(l->ex->inst, l->handle);

		u.token = tok;
		u.set |= TIU_TOKEN;
	}
	/* what the try runs, as shown (the DAG file's hash with it) */
	sched_try_ctx(s, ti, l->try_number, &c);
	try_ran(&c, &u, &ran);
	rc = sched_ti_set(s, ti, TI_RUNNING, &u);
	free(ran);
	return rc;
}

/* Delay before retry number `tries` (1 = first retry). */
int64_t
sched_try_retry_delay(const struct task *t, int tries)
{
	int64_t d = t->retry_delay_ms;

	if (t->retry_exponential) {
		for (int i = 1; i < tries && d < t->max_retry_delay_ms; i++)
			d *= 2;
		if (d > t->max_retry_delay_ms)
			d = t->max_retry_delay_ms;
	}
	return d;
}


/* --- ends kept until their commit holds --- */

static struct sched_end *
ends_push(struct sched_end **v, int *n, int *cap)
{
	SL_GROW(*v, *cap, (size_t)*n + 1);
	return &(*v)[(*n)++];
}

/* Keep l's end until the transaction that records it commits (or, while
 * writes are held, until they succeed again). */
static struct sched_end *
ends_note(struct sched *s, const struct live *l, int exit_code, int sig,
	  const char *error, int64_t duration_ms, const char *host)
{
	struct sched_end *e = s->db_down ?
	    ends_push(&s->held_ends, &s->nheld_ends, &s->capheld_ends) :
	    ends_push(&s->ends, &s->nends, &s->capends);

	memset(e, 0, sizeof *e);
	e->ti_id = l->ti_id;
	e->try_number = l->try_number;
	e->exit_code = exit_code;
	e->sig = sig;
	e->error = error ? xstrdup(error) : NULL;
	e->host = host ? xstrdup(host) : NULL;
	e->duration_ms = duration_ms;
	e->started_ms = l->started_ms;
	e->timed_out = l->timed_out;
	e->is_poke = l->is_poke;
	/* sched_try_end writes them next unless writes are held; a replay
	 * writes them if they were not */
	e->logged = !s->db_down;
	if (l->ex != NULL && l->handle != NULL && l->ex->ops->token != NULL &&
	    SL_EXEC_OP(l->ex->ops, 4, recorded) != NULL) {
		const char *tok = l->ex->ops->token(l->ex->inst, l->handle);

		if (tok != NULL) {
			e->ex = l->ex;
			e->token = xstrdup(tok);
		}
	}
	return e;
}

static void
end_free(struct sched_end *e)
{
	free(e->error);
	free(e->host);
	free(e->token);
}

void
sched_try_ends_recorded(struct sched *s)
{
	for (int i = 0; i < s->nends; i++) {
		struct sched_end *e = &s->ends[i];

		if (e->token != NULL)
			e->ex->ops->recorded(e->ex->inst, e->token);
	}
}

void
sched_try_ends_clear(struct sched *s)
{
	for (int i = 0; i < s->nends; i++)
		end_free(&s->ends[i]);
	s->nends = 0;
}

void
sched_try_ends_hold(struct sched *s)
{
	for (int i = 0; i < s->nends; i++)
		*ends_push(&s->held_ends, &s->nheld_ends, &s->capheld_ends) =
		    s->ends[i];
	s->nends = 0;
}

void
sched_try_ends_free(struct sched *s)
{
	sched_try_ends_clear(s);
	for (int i = 0; i < s->nheld_ends; i++)
		end_free(&s->held_ends[i]);
	free(s->ends);
	free(s->held_ends);
	s->ends = s->held_ends = NULL;
	s->nheld_ends = s->capends = s->capheld_ends = 0;
}

static struct ti *
ti_by_id(struct sched *s, int64_t id)
{
	for (struct run *r = s->runs; r != NULL; r = r->next)
		SCHED_RUN_TIS(r, ti)
			if (ti->id == id)
				return ti;
	return NULL;
}

/* Why a try still running was stopped by a person or a backfill's cancel,
 * into buf: its task instance's newest recorded reason ("cleared by
 * NAME", "marked success by NAME", "killed: backfill N cancelled by
 * NAME"), or words that cover each of them. */
void
sched_stop_why(struct sched *s, int64_t ti_id, char *buf, size_t n)
{
	if (store_ti_stop_reason(s->store, ti_id, buf, n) <= 0)
		snprintf(buf, n, "the task instance was cleared or marked");
}

/* The error a stopped try is recorded with: "WHY while running". */
static void
stopped_error(const char *why, char *buf, size_t n)
{
	snprintf(buf, n, "%s while running", why);
}

/* A held end whose task instance was cleared or marked while writes
 * failed: its result is dropped, but the try ran, so it is recorded as
 * one that ended after a clear is (sched_try_end), not lost from the
 * task's tries. */
static int
ends_record_dropped(struct sched *s, struct ti *ti, const struct sched_end *e)
{
	char *log_path;
	char why[256], error[300];

	if (sched_tx_begin(s) < 0)
		return -1;
	sched_stop_why(s, ti->id, why, sizeof why);
	stopped_error(why, error, sizeof error);
	log_path = sched_try_log_path(s, ti, e->try_number, 0);
	sched_try_log(log_path, "stopped: %s", why);
	free(log_path);
	if (store_try_record(s->store, ti->id, e->try_number, TI_FAILED,
			     e->started_ms, sched_now(s), e->exit_code, e->sig,
			     e->host, error) < 0 ||
	    store_ti_forget_token(s->store, ti->id) < 0) {
		sched_db_failed(s, "recording a try");
		return -1;
	}
	return 0;
}

/*
 * After a failed write, the store was read again: the tries that ended
 * since the last commit that held are running there, with no process.
 * Record their ends again (each once: the result of an end whose task
 * instance was cleared or marked meanwhile is dropped, the try recorded
 * as stopped while running; if writes fail again, the rest waits for the
 * next attempt).
 */
void
sched_try_ends_replay(struct sched *s)
{
	struct sched_end *ends = s->held_ends;
	int n = s->nheld_ends;

	s->held_ends = NULL;
	s->nheld_ends = s->capheld_ends = 0;
	for (int i = 0; i < n; i++) {
		struct sched_end *e = &ends[i];
		struct ti *ti;
		struct live *l;

		if (s->db_down) {
			*ends_push(&s->held_ends, &s->nheld_ends,
				   &s->capheld_ends) = *e;
			continue;
		}
		ti = ti_by_id(s, e->ti_id);
		if (ti != NULL && ti->state == TI_QUEUED &&
		    ti->try_number == e->try_number && ti->live == NULL) {
			/* it started, but the write of its running state
			 * failed too: record that first */
			struct ti_update u = TI_UPDATE_INIT;

			u.reason = "started";
			u.started_at = e->started_ms;
			u.set |= TIU_STARTED_AT;
			if (sched_ti_set(s, ti, TI_RUNNING, &u) < 0) {
				if (s->db_down)
					i--;	/* kept for the next attempt */
				else
					end_free(e);
				continue;
			}
		}
		if (ti == NULL || ti->state != TI_RUNNING ||
		    ti->try_number != e->try_number || ti->live != NULL) {
			if (ti != NULL && ends_record_dropped(s, ti, e) == 0) {
				/* kept until its commit holds, as any end */
				*ends_push(&s->ends, &s->nends, &s->capends) = *e;
				continue;
			}
			if (ti != NULL && s->db_down)
				i--;	/* kept for the next attempt */
			else
				end_free(e);
			continue;
		}
		l = sched_try_live_new(s, ti, e->try_number);
		l->started_ms = e->started_ms;
		l->timed_out = e->timed_out;
		l->is_poke = e->is_poke;
		l->replay = 1;
		l->end_logged = e->logged;
		l->log_path = sched_try_log_path(s, ti, e->try_number, 0);
		/* kept again until its own commit holds, with the token
		 * its executor is told then */
		struct sched_end *ne = ends_note(s, l, e->exit_code, e->sig,
						 e->error, e->duration_ms, e->host);

		ne->ex = e->ex;
		ne->token = e->token;
		e->token = NULL;
		sched_try_end(s, l, e->exit_code, e->sig, e->error,
			      e->duration_ms, e->host);
		end_free(e);
	}
	free(ends);
}

/* "retrying in 1m30s", or "retrying now" when the retry is due at once
 * (retry_delay: 0s), in buf. */
static const char *
retry_when(int64_t ms, char *buf, size_t n)
{
	char d[64];

	if (ms <= 0)
		snprintf(buf, n, "retrying now");
	else
		snprintf(buf, n, "retrying in %s", sl_format_duration(ms, d, sizeof d));
	return buf;
}

/*
 * A try's end could not be written on its task instance: unless writes
 * fail (then it is held and replayed), the store's state moved under it,
 * a person's clear or mark that the reload (sched_poke) has not brought
 * yet. The try ended, so its token goes now: a mark leaves no new try to
 * take its place, and `runs delete` waited for it until a restart.
 */
static void
end_moved(struct sched *s, struct ti *ti, const char *log_path)
{
	char stop[256];

	if (s->db_down)
		return;
	sched_stop_why(s, ti->id, stop, sizeof stop);
	if (log_path != NULL)
		sched_try_log(log_path, "%s meanwhile: this end changes nothing",
			      stop);
	if (store_ti_forget_token(s->store, ti->id) < 0)
		sched_db_failed(s, "recording a try");
}

/* A try ended (process exit, executor error, or poke result). */
void
sched_try_end(struct sched *s, struct live *l, int exit_code, int sig,
	   const char *error, int64_t duration_ms, const char *host)
{
	struct ti *ti = l->ti;
	struct task *t;
	struct ti_update u = TI_UPDATE_INIT;
	enum ti_state to;
	char why[512], d[64];
	int64_t now = sched_now(s);
	int skip = 0;
	size_t own;

	s->tries_ended++;
	if (l->unread) {
		/* its task instance was not read (a failed reload; writes
		 * are held until the next one): the end is recorded when
		 * the store is read again */
		ends_note(s, l, exit_code, sig, error, duration_ms, host);
		sched_try_live_free(s, l);
		return;
	}
	/* (queued: its start failed before a process ran) */
	if (ti == NULL || ti->live != l ||
	    (ti->state != TI_RUNNING && ti->state != TI_QUEUED)) {
		/* cleared or marked while running (or its task left the
		 * DAG file): its result is dropped */
		char stopped[600];

		if (l->gone != NULL)
			snprintf(stopped, sizeof stopped, "%s", l->gone->why);
		else {
			sched_stop_why(s, l->ti_id, why, sizeof why);
			stopped_error(why, stopped, sizeof stopped);
		}
		if (l->log_path != NULL &&
		    !(l->followed && try_log_ends_with(l->log_path, "stopped: ")))
			sched_try_log(l->log_path, "stopped: %s",
				      l->gone != NULL ? l->gone->why : why);
		/* kept as any end: its executor hears it is recorded once
		 * the commit holds (an ssh try's files on its host go then),
		 * and a failed write records it again */
		if (!l->replay)
			ends_note(s, l, exit_code, sig, error, duration_ms, host);
		sched_tx_begin(s);
		if (store_try_record(s->store, l->ti_id, l->try_number, TI_FAILED,
				 l->started_ms, now, exit_code, sig, host,
				 stopped) < 0 ||
		    store_ti_forget_token(s->store, l->ti_id) < 0)
			sched_db_failed(s, "recording a try");
		if (l->blocked != NULL) {
			struct ti *b = l->blocked;

			b->live = NULL;
			l->blocked = NULL;
			if (b->state == TI_NONE)
				sched_dispatch_eval(s, b);
			else if (b->state == TI_SCHEDULED)
				sched_dispatch_push(s, b);
			else if (b->state == TI_UP_FOR_RETRY ||
				 b->state == TI_UP_FOR_RESCHEDULE)
				sched_try_arm(s, b, b->next_at);
			else if (ti_state_done(b->state)) {
				if (b->parent != NULL)
					sched_map_item_ended(s, b);
				sched_runs_check_done(s, b->run);
			}
		}
		if (ti != NULL && ti->live == l)
			ti->live = NULL;
		l->ti = NULL;
		sched_try_live_free(s, l);
		sched_pass_schedule(s);
		return;
	}
	t = ti_task(ti);
	if (!l->replay)
		ends_note(s, l, exit_code, sig, error, duration_ms, host);
	if (s->db_down) {
		/* writes are held: the store still says running; the end is
		 * recorded when it is read again (sched_try_ends_replay) */
		sched_try_live_free(s, l);
		return;
	}
	if (error != NULL && strncmp(error, "not started:", 12) == 0) {
		/* adopted after a restart, but its process never started:
		 * run it again, not counting this try */
		sched_try_log(l->log_path, "%s: starting it again", error);
		sched_try_live_free(s, l);
		u.try_number = ti->try_number - 1;
		u.set |= TIU_TRY_NUMBER;
		u.next_at = now;
		u.set |= TIU_NEXT_AT;
		u.token = NULL;
		u.set |= TIU_TOKEN;
		u.reason = error;
		sched_tx_begin(s);
		if (sched_ti_set(s, ti, TI_UP_FOR_RETRY, &u) == 0)
			sched_try_arm(s, ti, ti->next_at);
		sched_log_ti(LOG_LEVEL_WARN, ti, ti->try_number + 1,
			     "%s %s: try %d never started: starting it again",
			     ti->run->dag_name, ti_name(ti), ti->try_number + 1);
		sched_pass_schedule(s);
		return;
	}
	if (l->timed_out)
		snprintf(why, sizeof why, "timed out after %s",
			 sl_format_duration(t->timeout_ms, d, sizeof d));
	else if (error != NULL)
		snprintf(why, sizeof why, "%s", error);
	else if (sig != 0 || exit_code != 0)
		try_reason_end(exit_code, sig, why, sizeof why);
	else
		why[0] = '\0';
	if (!l->is_poke)
		skip = sched_output_end(s, l, exit_code, sig, error, why,
					sizeof why);
	/* the try's log ends with its own last line: sluice's closing line
	 * there says only the exit (why up to own), the record quotes it */
	own = strlen(why);
	if (!l->timed_out && error == NULL && (sig != 0 || exit_code != 0) &&
	    !skip && !(l->is_poke && sig == 0 && exit_code == OP_POKE_NOT_YET_EXIT))
		try_end_reason(s, l, why, sizeof why);

	if (l->is_poke && !l->timed_out && error == NULL && sig == 0 &&
	    exit_code == OP_POKE_NOT_YET_EXIT) {
		/* a poke through an executor: not yet */
		sched_try_live_free(s, l);
		l = NULL;
		goto reschedule;
	}
	u.ended_at = now;
	u.set |= TIU_ENDED_AT;
	u.duration_ms = duration_ms;
	u.set |= TIU_DURATION;
	u.exit_code = exit_code;
	u.exit_null = error != NULL && exit_code < 0;
	u.set |= TIU_EXIT_CODE;
	u.signal = sig;
	u.set |= TIU_SIGNAL;
	u.token = NULL;
	u.set |= TIU_TOKEN;
	u.error = why[0] ? why : NULL;
	u.set |= TIU_ERROR;
	if (host != NULL) {
		u.host = host;
		u.set |= TIU_HOST;
	}
	if (skip) {
		to = TI_SKIPPED;
		u.reason = "skip_exit_code";
		u.next_at = 0;
		u.set |= TIU_NEXT_AT;
	} else if (why[0] == '\0') {
		to = TI_SUCCESS;
		u.reason = "succeeded";
		u.next_at = 0;
		u.set |= TIU_NEXT_AT;
	} else if (ti->try_number < ti->max_tries) {
		to = TI_UP_FOR_RETRY;
		u.next_at = now + sched_try_retry_delay(t, ti->try_number);
		u.set |= TIU_NEXT_AT;
		u.reason = why;
	} else {
		to = TI_FAILED;
		u.reason = why;
		u.next_at = 0;
		u.set |= TIU_NEXT_AT;
	}
	/* a success needs no line of ours (the state store records it, and
	 * it would cost every try an open and a write) */
	if (l->log_path != NULL && to != TI_SUCCESS && to != TI_SKIPPED &&
	    !l->end_logged) {
		char said[64];

		/* a followed try: the scheduler that was killed may have
		 * written this line already; the log says it once */
		snprintf(said, sizeof said, "try %d of %d failed: ",
			 l->try_number, ti->max_tries);
		if (l->followed && try_log_ends_with(l->log_path, said))
			;
		else if (to == TI_UP_FOR_RETRY)
			sched_try_log(l->log_path, "try %d of %d failed: %.*s; %s",
				   l->try_number, ti->max_tries, (int)own, why,
				   retry_when(u.next_at - now, d, sizeof d));
		else
			sched_try_log(l->log_path, "try %d of %d failed: %.*s", l->try_number,
				   ti->max_tries, (int)own, why);
	}
	if (l->end_logged)
		;	/* said when it came, before the write failed */
	else if (to == TI_SUCCESS || to == TI_SKIPPED)
		sched_log_ti(LOG_LEVEL_INFO, ti, l->try_number,
			     "%s %s %s: try %d %s",
			     ti->run->dag_name, ti_name(ti), ti->run->partition,
			     l->try_number, to == TI_SKIPPED ?
			     "exited with the skip code: skipped" : "succeeded");
	else if (to == TI_UP_FOR_RETRY)
		sched_log_ti(LOG_LEVEL_WARN, ti, l->try_number,
			     "%s %s %s: try %d of %d failed: %s; %s",
			     ti->run->dag_name, ti_name(ti), ti->run->partition,
			     l->try_number, ti->max_tries, why,
			     retry_when(u.next_at - now, d, sizeof d));
	else
		sched_log_ti(LOG_LEVEL_ERROR, ti, l->try_number,
			     "%s %s %s: try %d of %d failed: %s",
			     ti->run->dag_name, ti_name(ti), ti->run->partition,
			     l->try_number, ti->max_tries, why);
	sched_tx_begin(s);
	if (store_try_record(s->store, ti->id, l->try_number,
			 to == TI_UP_FOR_RETRY ? TI_FAILED : to, l->started_ms,
			 now, exit_code, sig, host, why[0] ? why : NULL) < 0)
		sched_db_failed(s, "recording a try");
	{
		char *log_path = l->log_path ? xstrdup(l->log_path) : NULL;
		int try_number = l->try_number;

		sched_try_live_free(s, l);
		if (sched_ti_set(s, ti, to, &u) == 0) {
			if ((to == TI_FAILED && ((t->email_on | t->notify_on) & EMAIL_ON_FAILURE)) ||
			    (to == TI_UP_FOR_RETRY && ((t->email_on | t->notify_on) & EMAIL_ON_RETRY)) ||
			    (to == TI_SUCCESS && ((t->email_on | t->notify_on) & EMAIL_ON_SUCCESS)))
				sched_notify_ti(s, ti, to == TI_FAILED ? "failure" :
					  to == TI_UP_FOR_RETRY ? "retry" : "success",
					  exit_code, sig, why[0] ? why : NULL,
					  duration_ms, host, log_path);
			if (to == TI_SUCCESS && t->on_success && log_path)
				sched_notify_hook(s, ti, "on_success", t->on_success, log_path, try_number);
			if (to == TI_FAILED && t->on_failure && log_path)
				sched_notify_hook(s, ti, "on_failure", t->on_failure, log_path, try_number);
			if (to == TI_UP_FOR_RETRY)
				sched_try_arm(s, ti, ti->next_at);
			else
				for (int i = 0; i < t->ndownstream; i++)
					sched_dispatch_eval(s, &ti->run->tis[t->downstream[i]]);
			if (ti_state_done(to) && t->depends_on_past)
				for (struct run *r = s->runs; r != NULL; r = r->next)
					if (r->dag == ti->run->dag &&
					    r->tis[ti->task].state == TI_NONE)
						sched_dispatch_eval(s, &r->tis[ti->task]);
			if (to == TI_SUCCESS)
				sched_needs_released(s, ti->run->dag_name,
						     ti->run->start_s);
			if (ti_state_done(to) && ti->parent != NULL)
				sched_map_item_ended(s, ti);
			if (ti_state_done(to))
				sched_runs_check_done(s, ti->run);
		} else
			end_moved(s, ti, log_path);
		free(log_path);
	}
	sched_pass_schedule(s);
	return;

reschedule:
	{
		struct op_poke_policy pp;
		int64_t interval, timeout = t->timeout_ms, left = INT64_MAX;
		int64_t deadline = 0;
		int by_deadline = 0;
		/* since the first poke, on the monotonic clock */
		int64_t waited = sched_mono(s) - sched_try_first_poke_mono(s, ti);

		memset(&pp, 0, sizeof pp);
		if (t->op->poke_policy != NULL)
			t->op->poke_policy(t->options, &pp);
		interval = pp.interval_ms;
		if (interval <= 0)
			interval = SENSOR_DEFAULT_POKE_MS;
		if (pp.exponential_backoff) {
			int64_t maxi = pp.max_interval_ms;

			/* double the interval for every interval already waited */
			for (int64_t w = interval; w < waited && interval < (maxi > 0 ? maxi : 3600000); w += interval)
				interval *= 2;
			if (maxi > 0 && interval > maxi)
				interval = maxi;
		}
		/* the wait ends at the first of: the timeout since the first
		 * poke (monotonic), the partition's end + deadline (a time on
		 * the wall clock) */
		if (timeout > 0)
			left = timeout - waited;
		if (t->deadline_ms >= 0) {
			deadline = ti->run->end_s * 1000 + t->deadline_ms;
			if (deadline - now < left) {
				left = deadline - now;
				by_deadline = 1;
			}
		}
		if (left <= 0) {
			int soft = pp.soft_fail;
			char *log_path = sched_try_log_path(s, ti, ti->try_number, 0);
			const char *ended = by_deadline ? "sensor deadline passed" : "sensor timed out";

			if (by_deadline) {
				char at[64];

				sched_try_log(log_path, "sensor deadline passed: %s (the partition's end + %s)%s",
					   tz_iso(ti->run->dag->tz, deadline / 1000, at, sizeof at),
					   sl_format_duration(t->deadline_ms, d, sizeof d),
					   soft ? ": skipped (soft_fail)" : "");
			} else
				sched_try_log(log_path, "sensor timed out after %s%s",
					   sl_format_duration(waited, d, sizeof d),
					   soft ? ": skipped (soft_fail)" : "");
			free(log_path);
			u.ended_at = now;
			u.set |= TIU_ENDED_AT;
			u.duration_ms = waited;
			u.set |= TIU_DURATION;
			u.next_at = 0;
			u.set |= TIU_NEXT_AT;
			u.token = NULL;
			u.set |= TIU_TOKEN;
			u.error = soft ? NULL : ended;
			u.set |= TIU_ERROR;
			u.reason = !soft ? ended : by_deadline ? "sensor deadline passed (soft_fail)" :
				"sensor timed out (soft_fail)";
			to = soft ? TI_SKIPPED : TI_FAILED;
			sched_tx_begin(s);
			if (store_try_record(s->store, ti->id, ti->try_number, to,
					 ti->first_poke_at, now, INT_MIN, 0,
					 "scheduler", soft ? NULL : ended) < 0)
				sched_db_failed(s, "recording a try");
			if (sched_ti_set(s, ti, to, &u) == 0) {
				for (int i = 0; i < t->ndownstream; i++)
					sched_dispatch_eval(s, &ti->run->tis[t->downstream[i]]);
				if (ti->parent != NULL)
					sched_map_item_ended(s, ti);
				sched_runs_check_done(s, ti->run);
			} else
				end_moved(s, ti, NULL);
		} else {
			if (interval > left)
				interval = left;
			u.next_at = now + interval;
			u.set |= TIU_NEXT_AT;
			u.reason = "not yet";
			if (sched_ti_set(s, ti, TI_UP_FOR_RESCHEDULE, &u) == 0)
				sched_try_arm(s, ti, ti->next_at);
			else
				end_moved(s, ti, NULL);
		}
	}
	sched_pass_schedule(s);
}

static void
poke_done_cb(void *arg, enum op_poke_result result, const char *msg)
{
	struct live *l = arg;
	struct sched *s = l->s;
	void *poke = l->poke;

	l->poke = NULL;
	if (l->log_path != NULL && msg != NULL && *msg != '\0')
		sched_try_log(l->log_path, "poke: %s", msg);
	switch (result) {
	case OP_POKE_DONE: {
		int64_t since = l->ti ? l->ti->first_poke_at : l->started_ms;

		/* what it matched, for rechecks (in the try end's pass) */
		if (l->ti != NULL && l->ti->live == l &&
		    l->ti->state == TI_RUNNING && !s->db_down)
			sched_recheck_passed(s, l->ti, poke);

		sched_try_end(s, l, 0, 0, NULL, sched_now(s) - since, "scheduler");
		break;
	}
	case OP_POKE_NOT_YET:
		sched_try_end(s, l, OP_POKE_NOT_YET_EXIT, 0, NULL, 0, "scheduler");
		break;
	default:
		sched_try_end(s, l, -1, 0, msg ? msg : "poke failed", 0, "scheduler");
		break;
	}
}
