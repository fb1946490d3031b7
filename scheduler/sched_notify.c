/* sched_notify.c: emails and on_success / on_failure hooks (see sched_internal.h). */
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
#include "store/store.h"

extern char **environ;

/* --- helpers: on_success / on_failure commands --- */

/* A child the scheduler reaps on SIGCHLD (hooks, email senders). */
static void
helper_add(struct sched *s, pid_t pid)
{
	SL_GROW(s->helpers, s->caphelpers, s->nhelpers + 1);
	s->helpers[s->nhelpers++] = pid;
}

/* Run an on_success / on_failure command: the try's environment, output
 * appended to the try's log, its own process group. */
void
sched_notify_hook(struct sched *s, struct ti *ti, const char *command,
		  const char *log_path, int try_number)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	struct spawn_opts o;
	struct try_ctx c;
	struct sl_err err;
	char **envp;
	pid_t pid;

	sl_err_clear(&err);
	sched_try_ctx(s, ti, try_number, &c);
	envp = try_env(&c, &err);
	if (envp == NULL)
		return;
	memset(&o, 0, sizeof o);
	o.argv = argv;
	o.env = envp;
	o.in = SPAWN_STDIN_NULL;
	o.out_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	o.own_pgroup = 1;
	if (spawn_start(&o, &pid, &err) == 0)
		helper_add(s, pid);
	else
		sched_log("%s %s: hook: %s", ti->run->dag_name,
			  ti_task(ti)->name, err.msg);
	if (o.out_fd >= 0)
		close(o.out_fd);
	try_env_free(envp);
}

void
sched_notify_reap(evutil_socket_t sig, short what, void *arg)
{
	struct sched *s = arg;

	for (int i = 0; i < s->nhelpers;) {
		int status;

		if (waitpid(s->helpers[i], &status, WNOHANG) == s->helpers[i])
			s->helpers[i] = s->helpers[--s->nhelpers];
		else
			i++;
	}
}

/* --- email notifications --- */

/* Send one notification: `sluice operator email` as a child process with
 * the spec (which holds the SMTP password) on stdin. Never waits on it. */
void
sched_notify_send(struct sched *s, const struct notify_event *ev)
{
	json_t *smtp = config_smtp(s->cfg), *spec;
	char *text, *argv[6];
	struct spawn_opts o;
	struct sl_err err;
	pid_t pid;

	if (ev->to == NULL || ev->to[0] == NULL) {
		json_decref(smtp);
		return;
	}
	spec = notify_spec(ev, smtp, s->cfg->home);
	json_decref(smtp);
	json_object_set_new(spec, "logs_dir", json_string(s->cfg->logs_dir));
	text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	if (text == NULL) {
		sched_log("cannot send a %s email for %s %s: out of memory",
			  ev->kind, ev->dag, ev->task ? ev->task : "");
		return;
	}
	argv[0] = s->self_exe;
	argv[1] = "--home";
	argv[2] = s->cfg->home;
	argv[3] = "operator";
	argv[4] = "email";
	argv[5] = NULL;
	memset(&o, 0, sizeof o);
	o.argv = argv;
	o.in = SPAWN_STDIN_DATA;	/* the spec holds the SMTP password */
	o.data = text;
	o.len = strlen(text);
	o.out_fd = -1;
	sl_err_clear(&err);
	if (spawn_start(&o, &pid, &err) == 0) {
		helper_add(s, pid);
		sched_log("%s email for %s %s %s: sending", ev->kind, ev->dag,
			  ev->task ? ev->task : "(run)", ev->partition);
	} else
		sched_log("cannot start the email sender: %s", err.msg);
	free(text);
}

/* A task's try ended in a way its email_on asks to hear about. */
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
	ev.task = t->name;
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
	ev.to = t->email;
	sched_notify_send(s, &ev);
}

/* A run ended in a way the DAG's email_on asks to hear about. */
void
sched_notify_run(struct sched *s, struct run *r)
{
	struct notify_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = r->state == RUN_FAILED ? "failure" : "success";
	ev.dag = r->dag_name;
	ev.partition = r->partition;
	ev.run_id = r->run_id;
	ev.base_url = s->cfg->base_url;
	ev.to = r->dag->email;
	sched_notify_send(s, &ev);
}

/* A task instance missed its SLA (deadline in ms). */
void
sched_notify_sla(struct sched *s, struct ti *ti, int64_t deadline)
{
	struct run *r = ti->run;
	struct task *t = ti_task(ti);
	struct notify_event ev;
	char iso[64];

	memset(&ev, 0, sizeof ev);
	ev.kind = "sla_miss";
	ev.dag = r->dag_name;
	ev.task = t->name;
	ev.partition = r->partition;
	ev.run_id = r->run_id;
	ev.try_number = ti->try_number;
	ev.max_tries = ti->max_tries;
	ev.base_url = s->cfg->base_url;
	ev.to = t->email;
	ev.sla_deadline = tz_iso(r->dag->tz, deadline / 1000, iso, sizeof iso);
	sched_notify_send(s, &ev);
}
