/*
 * sched_notify.c: emails and on_success / on_failure hooks (see
 * sched_internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "base/log.h"
#include "base/spawn.h"
#include "executors/registry.h"
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
#include "scheduler/wait.h"
#include "store/store.h"

extern char **environ;

/* --- helpers: on_success / on_failure commands --- */

/*
 * A child to start once the transaction that decided it commits (a hook
 * after the try's end is recorded, an email after the state it reports):
 * on a failed commit it is dropped, like the state it was about. A child
 * without argv is a line of the scheduler's log about such a state
 * (sched_log_committed).
 */
struct sched_child {
	char **argv;			/* owned; NULL: a log line */
	enum log_level level;		/* a log line's */
	char *dag, *task, *partition;	/* owned: a log line's fields */
	char **env;			/* owned (try_env), NULL: environ */
	char *stdin_text;		/* owned, NULL: /dev/null */
	char *log_path;			/* owned, NULL: output inherited */
	char *hook;			/* owned: on_success ..., NULL: not a hook */
	int own_pgroup;
	int say_failure;		/* an exit other than 0 is logged with what */
	int webhook;			/* `operator webhook`: sched_helper's */
	char *what;			/* for the scheduler's log */
	struct sched_child *next;
};

static void
child_free(struct sched_child *c)
{
	strv_free(c->argv);
	try_env_free(c->env);
	free(c->stdin_text);
	free(c->log_path);
	free(c->hook);
	free(c->what);
	free(c->dag);
	free(c->task);
	free(c->partition);
	free(c);
}

static void
child_start(struct sched *s, struct sched_child *c)
{
	struct spawn_opts o;
	struct sl_err err;
	pid_t pid;

	if (c->argv == NULL) {
		struct log_fields f = { c->dag, c->task, c->partition, 0 };

		log_emit(c->level, &f, "%s", c->what);
		return;
	}
	if (s->test_child != NULL && c->stdin_text != NULL) {
		s->test_child(c->what, c->stdin_text);
		sched_log("%s: sending", c->what);
		return;
	}
	memset(&o, 0, sizeof o);
	o.argv = c->argv;
	o.env = c->env;
	o.in = c->stdin_text ? SPAWN_STDIN_DATA : SPAWN_STDIN_NULL;
	o.data = c->stdin_text;
	o.len = c->stdin_text ? strlen(c->stdin_text) : 0;
	o.out_fd = c->log_path ? sl_open_regular(c->log_path, O_WRONLY |
				      O_CREAT | O_APPEND, 0644) : -1;
	o.own_pgroup = c->own_pgroup;
	sl_err_clear(&err);
	if (spawn_start(&o, &pid, &err) == 0) {
		struct sched_helper *h;

		SL_GROW(s->helpers, s->caphelpers, s->nhelpers + 1);
		h = &s->helpers[s->nhelpers++];
		h->pid = pid;
		h->hook = c->hook != NULL ? xstrdup(c->hook) : NULL;
		h->log_path = c->hook != NULL && c->log_path != NULL ?
			xstrdup(c->log_path) : NULL;
		h->what = c->say_failure ? xstrdup(c->what) : NULL;
		h->webhook = c->webhook;
		if (c->stdin_text != NULL)
			sched_log("%s: sending", c->what);
	} else
		sched_log("%s: %s", c->what, err.msg);
	if (o.out_fd >= 0)
		close(o.out_fd);
}

/* Start c after the open transaction commits (now when none is open). */
static void
child_queue(struct sched *s, struct sched_child *c)
{
	if (!s->in_tx) {
		child_start(s, c);
		child_free(c);
		return;
	}
	*s->children_tail = c;
	s->children_tail = &c->next;
}

/* Was a child saying what held back by a failed commit in this write
 * outage? Notes it. */
static int
child_held_before(struct sched *s, const char *what)
{
	if (s->children_held == NULL)
		s->children_held = json_object();
	if (json_object_get(s->children_held, what) != NULL)
		return 1;
	json_object_set_new(s->children_held, what, json_true());
	return 0;
}

void
sched_log_committed(struct sched *s, enum log_level lv, const char *dag,
		    const char *task, const char *partition,
		    const char *fmt, ...)
{
	struct sched_child *c = xcalloc(1, sizeof *c);
	va_list ap;

	va_start(ap, fmt);
	c->what = xvasprintf(fmt, ap);
	va_end(ap);
	c->level = lv;
	c->dag = dag != NULL ? xstrdup(dag) : NULL;
	c->task = task != NULL ? xstrdup(task) : NULL;
	c->partition = partition != NULL ? xstrdup(partition) : NULL;
	child_queue(s, c);
}

void
sched_notify_flush(struct sched *s, int committed)
{
	struct sched_child *c = s->children;

	s->children = NULL;
	s->children_tail = &s->children;
	while (c != NULL) {
		struct sched_child *next = c->next;

		if (committed)
			child_start(s, c);
		else if (c->argv != NULL && !child_held_before(s, c->what))
			/* the state it was about is read again from the
			 * store once writes succeed, and decides it again:
			 * said once in an outage, not at every attempt */
			sched_log("%s: held back (the commit failed; decided again once writes succeed)",
				  c->what);
		child_free(c);
		c = next;
	}
}

/* Run an on_success / on_failure command: the try's environment, output
 * appended to the try's log, its own process group. */
void
sched_notify_hook(struct sched *s, struct ti *ti, const char *hook,
		  const char *command, const char *log_path, int try_number)
{
	struct sched_child *c;
	struct try_ctx tc;
	struct tmpl_ctx tmpl;
	struct sl_err err;
	char **envp, *line;
	json_t *outputs;

	sl_err_clear(&err);
	sched_try_ctx(s, ti, try_number, &tc);
	if ((outputs = sched_output_load(s, ti)) != NULL)
		tc.outputs = outputs;
	try_tmpl_ctx(&tc, &tmpl);
	/* values go into the hook's line as quoted words (template.h) */
	if ((line = tmpl_shell_line(command, &tmpl, &err)) == NULL ||
	    (envp = try_env(&tc, &err)) == NULL) {
		sched_try_log(log_path, "hook not run: %s", err.msg);
		free(line);
		json_decref(outputs);
		return;
	}
	json_decref(outputs);
	c = xcalloc(1, sizeof *c);
	c->argv = xcalloc(4, sizeof *c->argv);
	c->argv[0] = xstrdup("/bin/sh");
	c->argv[1] = xstrdup("-c");
	c->argv[2] = line;
	c->env = envp;
	c->log_path = xstrdup(log_path);
	c->hook = xstrdup(hook);
	c->own_pgroup = 1;
	c->what = xasprintf("%s %s %s: hook", ti->run->dag_name,
			    ti_name(ti), ti->run->partition);
	child_queue(s, c);
}

void
sched_notify_reap(evutil_socket_t sig, short what, void *arg)
{
	struct sched *s = arg;
	int webhook_ended = 0;

	for (int i = 0; i < s->nhelpers;) {
		int status;

		struct sched_helper *h = &s->helpers[i];

		if (waitpid(h->pid, &status, WNOHANG) != h->pid) {
			i++;
			continue;
		}
		/* a hook's output is in the try's log; so is its failure */
		if (h->hook != NULL && h->log_path != NULL &&
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			if (WIFEXITED(status))
				sched_try_log(h->log_path, "%s hook exited with status %d",
					      h->hook, WEXITSTATUS(status));
			else
				sched_try_log(h->log_path, "%s hook killed by signal %d",
					      h->hook, WTERMSIG(status));
		}
		/* an email that could not be sent: its sender said why, but
		 * not which email it was */
		if (h->what != NULL && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			sched_log("%s: not sent (%s %d; the sender's reason is logged above)", h->what,
				  WIFEXITED(status) ? "its sender exited with status" : "its sender was killed by signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		webhook_ended |= h->webhook;
		free(h->hook);
		free(h->log_path);
		free(h->what);
		*h = s->helpers[--s->nhelpers];
	}
	/* a sender that gave up a round left its row pending until the
	 * next: wake up then, not only when its claim would have ended */
	if (webhook_ended)
		sched_webhook_start(s);
}

/* --- email notifications --- */

/* `sluice --home H operator OP` with spec_text (which may hold secrets)
 * on its stdin, started once the open transaction commits; takes spec_text
 * and what (for the scheduler's log, never a secret). */
static void
notify_child(struct sched *s, const char *op, char *spec_text, char *what,
	     int say_failure)
{
	struct sched_child *c = xcalloc(1, sizeof *c);

	c->argv = xcalloc(6, sizeof *c->argv);
	c->argv[0] = xstrdup(s->self_exe);
	c->argv[1] = xstrdup("--home");
	c->argv[2] = xstrdup(s->cfg->home);
	c->argv[3] = xstrdup("operator");
	c->argv[4] = xstrdup(op);
	c->stdin_text = spec_text;
	c->what = what;
	c->say_failure = say_failure;
	c->webhook = strcmp(op, "webhook") == 0;
	child_queue(s, c);
}

void
sched_notify_operator(struct sched *s, const char *op, char *spec_text,
		      char *what)
{
	notify_child(s, op, spec_text, what, 0);
}

void
sched_notify_email_child(struct sched *s, const char *op, char *spec_text,
			 char *what)
{
	notify_child(s, op, spec_text, what, 1);
}

/* Send one notification: a delivery row written with the event
 * (sched_email_event), then `sluice operator email` as a child process
 * with the spec (and the SMTP password, never stored) on stdin once it
 * commits. Never waits on it. */
void
sched_notify_send(struct sched *s, const struct notify_event *ev)
{
	const struct notifier *n = notifier_get();
	json_t *spec;
	char *text, *what;

	if (ev->to == NULL || ev->to[0] == NULL)
		return;
	if (n == NULL) {
		sched_log("%s notification for %s %s not sent: this program has no notifier",
			  ev->kind, ev->dag, ev->task ? ev->task : "(run)");
		return;
	}
	/* the stored spec has no smtp: block (the password): the sender's
	 * is read from sluice.yaml at each start */
	spec = n->spec(ev, NULL, s->cfg->home);
	if (spec == NULL)
		return;		/* the notifier sends nothing for this one */
	json_object_set_new(spec, "logs_dir", json_string(s->cfg->logs_dir));
	text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	if (text == NULL) {
		sched_log("cannot send a %s email for %s %s: out of memory",
			  ev->kind, ev->dag, ev->task ? ev->task : "");
		return;
	}
	what = xasprintf("%s email for %s %s%s%s", ev->kind, ev->dag,
			 ev->task ? ev->task : ev->sla_misses || ev->fresh_digest ? "(digest)" : "(run)",
			 ev->partition ? " " : "", ev->partition ? ev->partition : "");
	sched_email_event(s, ev->kind, ev->dag, ev->task, ev->partition, text, what);
	free(what);
	free(text);
}

int
sched_notify_bit(const char *kind)
{
	return strcmp(kind, "failure") == 0 ? EMAIL_ON_FAILURE :
	       strcmp(kind, "retry") == 0 ? EMAIL_ON_RETRY :
	       strcmp(kind, "success") == 0 ? EMAIL_ON_SUCCESS :
	       strcmp(kind, "sla_miss") == 0 ? EMAIL_ON_SLA_MISS : 0;
}

char *const *
sched_task_email(const struct task *t, const struct dag *d)
{
	return t != NULL && t->email != NULL ? t->email : d->email;
}

/* A task's try ended in a way its email_on or notify_on asks to hear
 * about. */
void
sched_notify_ti(struct sched *s, struct ti *ti, const char *kind, int exit_code,
	  int sig, const char *error, int64_t duration_ms, const char *host,
	  const char *log_path)
{
	struct task *t = ti_task(ti);
	struct notify_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.dag = ti->run->dag_name;
	ev.task = ti_name(ti);
	ev.partition = ti->run->partition;
	ev.run_id = ti->run->run_id;
	ev.try_number = ti->try_number;
	ev.max_tries = ti->max_tries;
	ev.exit_code = exit_code;
	ev.signal = sig;
	ev.error = error;
	ev.duration_ms = duration_ms;
	ev.host = host;
	ev.log_path = log_path;
	ev.base_url = s->cfg->base_url;
	if (t->email_on & sched_notify_bit(kind)) {
		ev.to = sched_task_email(t, ti->run->dag);
		sched_notify_send(s, &ev);
	}
	if (t->notify_on & sched_notify_bit(kind))
		sched_webhook_event(s, &ev, ti_state_name(ti->state), t->notify);
}

/* A run ended in a way the DAG's email_on or notify_on asks to hear
 * about. */
void
sched_notify_run(struct sched *s, struct run *r)
{
	struct notify_event ev;
	json_t *tis;

	memset(&ev, 0, sizeof ev);
	ev.kind = r->state == RUN_FAILED ? "failure" : "success";
	ev.dag = r->dag_name;
	ev.partition = r->partition;
	ev.run_id = r->run_id;
	ev.base_url = s->cfg->base_url;
	/* the message names the failed tasks and their recorded errors
	 * (the last line each wrote: sched_try.c) */
	tis = store_tis_json(s->store, r->dag_name, r->partition);
	ev.task_instances = tis;
	if (r->dag->email_on & sched_notify_bit(ev.kind)) {
		ev.to = r->dag->email;
		sched_notify_send(s, &ev);
	}
	if (r->dag->notify_on & sched_notify_bit(ev.kind))
		sched_webhook_event(s, &ev, run_state_name(r->state), r->dag->notify);
	json_decref(tis);
}

/* Same recipients? */
static int
notify_same_to(char *const *a, char *const *b)
{
	size_t i;

	for (i = 0; a != NULL && b != NULL && a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

/* The event of one task instance that missed its SLA (deadline in ms);
 * iso (size n) holds the deadline's text. */
static void
notify_sla_event(struct sched *s, struct ti *ti, int64_t deadline,
		 struct notify_event *ev, char *iso, size_t n)
{
	struct run *r = ti->run;

	memset(ev, 0, sizeof *ev);
	ev->kind = "sla_miss";
	ev->dag = r->dag_name;
	ev->task = ti_task(ti)->name;
	ev->partition = r->partition;
	ev->run_id = r->run_id;
	ev->try_number = ti->try_number;
	ev->max_tries = ti->max_tries;
	ev->base_url = s->cfg->base_url;
	ev->sla_deadline = tz_iso(r->dag->tz, deadline / 1000, iso, n);
}

/* Whether ti has not started (no try running, none ended). */
static int
sla_not_started(const struct ti *ti)
{
	return ti->state == TI_NONE || ti->state == TI_SCHEDULED ||
	       ti->state == TI_QUEUED;
}

/* Why ti, which has not started, waits, in the words of sluice tasks
 * (scheduler/wait.c), or NULL (caller frees). */
static char *
sla_waiting(struct sched *s, struct ti *ti)
{
	json_t *w = NULL;
	struct sl_err err;
	const char *text;
	char *out = NULL;

	if (!sla_not_started(ti))
		return NULL;
	sl_err_clear(&err);
	if (wait_explain_ti(s->store, s->cfg, &s->execs, &s->bag, ti->run->dag,
			    ti->run->partition, ti_task(ti)->name, sched_now(s),
			    &w, &err) == 0 && json_is_object(w) &&
	    (text = json_string_value(json_object_get(w, "text"))) != NULL)
		out = xstrdup(text);
	json_decref(w);
	return out;
}

/* One task instance missed its SLA: its email. */
static void
notify_sla_one(struct sched *s, struct ti *ti, int64_t deadline)
{
	struct notify_event ev;
	char iso[64];
	char *waiting = sla_waiting(s, ti);

	notify_sla_event(s, ti, deadline, &ev, iso, sizeof iso);
	ev.to = sched_task_email(ti_task(ti), ti->run->dag);
	ev.sla_waiting = waiting;
	sched_notify_send(s, &ev);
	free(waiting);
}

/* The misses of one pass: grouped by DAG and recipients, in the order
 * found; a group of one is the usual email, a larger one a digest. */
void
sched_notify_sla(struct sched *s, const struct sched_sla_miss *m, size_t n)
{
	char *sent = xcalloc(n ? n : 1, 1);

	/* webhooks: one delivery per miss */
	for (size_t i = 0; i < n; i++) {
		struct ti *ti = m[i].ti;
		struct task *t = ti_task(ti);
		struct notify_event ev;
		char iso[64];

		if (!(t->email_on & EMAIL_ON_SLA_MISS))
			sent[i] = 1;	/* no email for it */
		if (!(t->notify_on & EMAIL_ON_SLA_MISS) || t->notify == NULL)
			continue;
		notify_sla_event(s, ti, m[i].deadline, &ev, iso, sizeof iso);
		sched_webhook_event(s, &ev, ti_state_name(ti->state), t->notify);
	}
	for (size_t i = 0; i < n; i++) {
		struct run *r = m[i].ti->run;
		char *const *to = sched_task_email(ti_task(m[i].ti), r->dag);
		struct notify_event ev;
		json_t *list;
		size_t count = 0;
		char *waiting;

		if (sent[i])
			continue;
		list = json_array();
		for (size_t k = i; k < n; k++) {
			struct ti *ti = m[k].ti;
			char iso[64];

			if (sent[k] || strcmp(ti->run->dag_name, r->dag_name) != 0 ||
			    !notify_same_to(sched_task_email(ti_task(ti), ti->run->dag), to))
				continue;
			sent[k] = 1;
			count++;
			json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s}",
			    "task", ti_task(ti)->name, "partition", ti->run->partition,
			    "deadline", tz_iso(ti->run->dag->tz, m[k].deadline / 1000,
					       iso, sizeof iso),
			    "state", sla_not_started(ti) ? "not started" : ti_state_name(ti->state)));
			waiting = sla_waiting(s, ti);
			if (waiting != NULL)
				json_object_set_new(json_array_get(list, json_array_size(list) - 1),
						    "waiting", json_string(waiting));
			free(waiting);
		}
		if (count == 1) {
			json_decref(list);
			notify_sla_one(s, m[i].ti, m[i].deadline);
			continue;
		}
		memset(&ev, 0, sizeof ev);
		ev.kind = "sla_miss";
		ev.dag = r->dag_name;
		ev.base_url = s->cfg->base_url;
		ev.to = to;
		ev.sla_misses = list;
		sched_log("%s: %zu SLA misses in one digest email", r->dag_name, count);
		sched_notify_send(s, &ev);
		json_decref(list);
	}
	free(sent);
}
