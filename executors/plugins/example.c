/*
 * example.c: the example executor plug-in, the file to copy when writing
 * your own executor for sluice. Read executors/EXECUTORS.md first.
 *
 * What it does: runs each try as a local process (like the built-in
 * `local` executor, in fewer lines), adding one environment variable,
 * SLUICE_EXAMPLE_PLUGIN, so a test can see the plug-in really ran it.
 *
 * Build it as a shared object against sluice's executors/executor.h:
 *
 *     cc -shared -fPIC -I/path/to/sluice -o sluice-example.so example.c
 *
 * and name it in sluice.yaml:
 *
 *     executors:
 *       example:
 *         type: plugin
 *         path: /usr/local/lib/sluice/sluice-example.so
 *         slots: 2                 # this plug-in's own keys follow
 *         marker: hello
 *         remote_dir: /tmp/example-remote   # optional, see below
 *
 * Rules every executor follows (executor.h says the same):
 *  - Everything runs on the scheduler's thread, inside its libevent loop.
 *    Never block: no sleep(), no waitpid() without WNOHANG, no blocking
 *    network calls. Wait for things with events on the event_base that
 *    create() receives.
 *  - start() returns at once; the try's end is reported by calling done()
 *    exactly once, from a later loop iteration (here: when the child's
 *    pidfd becomes readable).
 *  - Copy whatever you keep from the task: the scheduler frees it after
 *    start() returns.
 *  - The try's output ($SLUICE_OUTPUT, key=value lines) must be at
 *    task->output_path when done() is called. A try run here with the
 *    env as given writes it there itself. With remote_dir set, this
 *    plug-in acts as an executor whose tries run on another host would:
 *    the try's $SLUICE_OUTPUT is a file of its own under remote_dir (the
 *    "remote" side), copied to output_path when the try ends, then
 *    removed, before done().
 *
 * This file uses only libc and libevent (sluice links libevent, so a
 * plug-in loaded into it can use libevent without linking it itself).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "executors/executor.h"

/* One executor instance: made by create(), freed by destroy(). A config
 * file may name several instances of the same plug-in. */
struct example {
	struct event_base *base;
	char *name;
	char *marker;		/* value of SLUICE_EXAMPLE_PLUGIN */
	char *remote_dir;	/* tries' outputs live here first, or NULL */
	int slots;
	int running;
	unsigned serial;	/* names the tries' remote output files */
};

/* One running try: the handle start() returns. */
struct example_try {
	struct example *ex;
	pid_t pid;		/* also the process group: see start() */
	int pidfd;		/* readable once the child exits */
	struct event *ev_exit;
	struct event *ev_kill;	/* SIGKILL after the grace period */
	long long kill_grace_ms;
	long long started_ms;
	char token[64];
	char *remote_output;	/* the try's $SLUICE_OUTPUT, or NULL */
	char *output_path;	/* where the scheduler reads it */
	sl_exec_done_fn done;
	void *done_arg;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The config entry arrives as JSON text. A real plug-in would use a JSON
 * library (sluice links jansson); to stay dependency-free this example
 * only looks for two simple keys: "slots": N and "marker": "text".
 */
static const char *json_find(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	p = strstr(json, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == ':' || *p == '\t')
		p++;
	return p;
}

static void *example_create(struct event_base *base, const char *name,
			    const char *config_json, char *err, size_t errlen)
{
	struct example *ex;
	const char *v;

	ex = calloc(1, sizeof *ex);
	if (!ex) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ex->base = base;
	ex->name = strdup(name);
	ex->slots = 2;
	if ((v = json_find(config_json, "slots")) != NULL) {
		ex->slots = atoi(v);
		if (ex->slots < 1) {
			snprintf(err, errlen, "example executor %s: slots must "
				 "be a positive number", name);
			free(ex->name);
			free(ex);
			return NULL;
		}
	}
	if ((v = json_find(config_json, "marker")) != NULL && *v == '"')
		ex->marker = strndup(v + 1, strcspn(v + 1, "\""));
	else
		ex->marker = strdup("1");
	if ((v = json_find(config_json, "remote_dir")) != NULL && *v == '"')
		ex->remote_dir = strndup(v + 1, strcspn(v + 1, "\""));
	return ex;
}

static int example_slots(void *inst)
{
	return ((struct example *)inst)->slots;
}

/* Bring the try's output back from the "remote" side: its first 65,537
 * bytes (the scheduler refuses more than 64 KiB, saying so) to
 * output_path, then remove it there. A real remote executor transfers
 * it from its host here. No file: the try wrote no output. Returns NULL,
 * or why it could not. */
static const char *example_fetch_output(struct example_try *t)
{
	static char why[512];
	char buf[65537];
	ssize_t n, got = 0;
	int in, out;

	in = open(t->remote_output, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno == ENOENT ? NULL : strerror(errno);
	while (got < (ssize_t)sizeof buf &&
	       (n = read(in, buf + got, sizeof buf - (size_t)got)) > 0)
		got += n;
	close(in);
	unlink(t->remote_output);
	out = open(t->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		   0644);
	if (out < 0 || write(out, buf, (size_t)got) != got) {
		snprintf(why, sizeof why, "cannot copy the output to %s: %s",
			 t->output_path, strerror(errno));
		if (out >= 0)
			close(out);
		return why;
	}
	close(out);
	return NULL;
}

/* The child has exited: collect its status and report it. This runs from
 * the event loop, so calling done() here is allowed. */
static void example_exited(evutil_socket_t fd, short what, void *arg)
{
	struct example_try *t = arg;
	struct sl_exec_result res;
	int status = 0;

	(void)fd;
	(void)what;
	if (waitpid(t->pid, &status, WNOHANG) == 0)
		return;		/* not yet (spurious wake-up): keep waiting */
	memset(&res, 0, sizeof res);
	res.host = "localhost";
	res.duration_ms = mono_ms() - t->started_ms;
	if (WIFSIGNALED(status))
		res.signal = WTERMSIG(status);
	else
		res.exit_code = WEXITSTATUS(status);
	/* the output is in place before done() */
	if (t->remote_output != NULL && t->output_path != NULL)
		res.error = example_fetch_output(t);
	t->ex->running--;
	/* Done exactly once; after it, the handle is ours to free. */
	t->done(t->done_arg, &res);
	event_free(t->ev_exit);
	if (t->ev_kill)		/* only made by a kill */
		event_free(t->ev_kill);
	close(t->pidfd);
	free(t->remote_output);
	free(t->output_path);
	free(t);
}

static void *example_start(void *inst, const struct sl_exec_task *task,
			   sl_exec_done_fn done, void *arg, char *err,
			   size_t errlen)
{
	struct example *ex = inst;
	struct example_try *t;
	char *marker_env, *output_env = NULL, *remote_output = NULL;
	int log_fd, stdin_fd, n;
	pid_t pid;

	if (ex->running >= ex->slots) {
		snprintf(err, errlen, "example executor %s: no free slot",
			 ex->name);
		return NULL;
	}
	log_fd = open(task->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		      0644);
	if (log_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", task->log_path,
			 strerror(errno));
		return NULL;
	}
	/* stdin: the bytes sit in an in-memory file, so feeding them needs
	 * no event and cannot block on a child that reads slowly. */
	stdin_fd = memfd_create("sluice-stdin", MFD_CLOEXEC);
	if (stdin_fd < 0 ||
	    (task->stdin_len &&
	     write(stdin_fd, task->stdin_data, task->stdin_len) !=
		     (ssize_t)task->stdin_len) ||
	    lseek(stdin_fd, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "cannot prepare stdin: %s",
			 strerror(errno));
		close(log_fd);
		if (stdin_fd >= 0)
			close(stdin_fd);
		return NULL;
	}
	n = asprintf(&marker_env, "SLUICE_EXAMPLE_PLUGIN=%s", ex->marker);
	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		close(log_fd);
		close(stdin_fd);
		return NULL;
	}
	/* the "remote" side: the try's own output file there */
	if (ex->remote_dir != NULL && task->output_path != NULL &&
	    (asprintf(&remote_output, "%s/%s.%s.try%d.%u.output",
		      ex->remote_dir, task->dag, task->task,
		      task->try_number, ex->serial++) < 0 ||
	     asprintf(&output_env, "SLUICE_OUTPUT=%s", remote_output) < 0)) {
		snprintf(err, errlen, "out of memory");
		free(marker_env);
		close(log_fd);
		close(stdin_fd);
		return NULL;
	}
	dprintf(log_fd, "example plug-in %s: try %d on localhost\n", ex->name,
		task->try_number);

	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		free(marker_env);
		free(output_env);
		free(remote_output);
		close(log_fd);
		close(stdin_fd);
		return NULL;
	}
	if (pid == 0) {
		/* The child: its own process group (so kill() reaches every
		 * process it starts), its own env, stdio and directory. */
		setpgid(0, 0);
		dup2(stdin_fd, 0);
		dup2(log_fd, 1);
		dup2(log_fd, 2);
		if (task->cwd && chdir(task->cwd) < 0) {
			dprintf(2, "cannot enter %s: %s\n", task->cwd,
				strerror(errno));
			_exit(126);
		}
		if (task->env)
			environ = (char **)task->env;
		putenv(marker_env);
		if (output_env != NULL)
			putenv(output_env);
		execvp(task->argv[0], task->argv);
		dprintf(2, "cannot run %s: %s\n", task->argv[0],
			strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);	/* also here: no race with an early kill() */
	free(marker_env);
	free(output_env);
	close(log_fd);
	close(stdin_fd);

	t = calloc(1, sizeof *t);
	if (!t)
		abort();
	t->ex = ex;
	t->pid = pid;
	t->done = done;
	t->done_arg = arg;
	t->started_ms = mono_ms();
	t->remote_output = remote_output;
	t->output_path = remote_output != NULL ? strdup(task->output_path) : NULL;
	t->kill_grace_ms = task->kill_grace_ms > 0 ? task->kill_grace_ms : 5000;
	snprintf(t->token, sizeof t->token, "pgid=%d", (int)pid);
	/* A pidfd turns "the child exited" into an fd event: no SIGCHLD
	 * handler to share with the rest of the process. */
	t->pidfd = pidfd_open(pid, 0);
	if (t->pidfd < 0)
		abort();	/* Linux >= 5.3; a real plug-in would fall back */
	t->ev_exit = event_new(ex->base, t->pidfd, EV_READ | EV_PERSIST,
			       example_exited, t);
	t->ev_kill = NULL;
	event_add(t->ev_exit, NULL);
	ex->running++;
	return t;
}

static void example_hard_kill(evutil_socket_t fd, short what, void *arg)
{
	struct example_try *t = arg;

	(void)fd;
	(void)what;
	kill(-t->pid, SIGKILL);
}

/* SIGTERM to the whole group now, SIGKILL after the grace period; done()
 * still comes from example_exited() when the child is gone. */
static void example_kill(void *inst, void *handle, enum sl_exec_kill_reason why)
{
	struct example_try *t = handle;
	struct timeval tv;

	(void)inst;
	(void)why;
	kill(-t->pid, SIGTERM);
	if (!t->ev_kill) {
		t->ev_kill = evtimer_new(t->ex->base, example_hard_kill, t);
		tv.tv_sec = t->kill_grace_ms / 1000;
		tv.tv_usec = (t->kill_grace_ms % 1000) * 1000;
		evtimer_add(t->ev_kill, &tv);
	}
}

/* Enough to find the process again after a scheduler restart. */
static const char *example_token(void *inst, void *handle)
{
	(void)inst;
	return ((struct example_try *)handle)->token;
}

static void example_kill_orphan(void *inst, const char *token)
{
	int pgid;

	(void)inst;
	if (sscanf(token, "pgid=%d", &pgid) == 1 && pgid > 1)
		kill(-pgid, SIGKILL);
}

static void example_describe(void *inst, char *out, size_t n)
{
	struct example *ex = inst;

	snprintf(out, n, "example plug-in on localhost, %d/%d slots free",
		 ex->slots - ex->running, ex->slots);
}

static void example_destroy(void *inst)
{
	struct example *ex = inst;

	free(ex->name);
	free(ex->marker);
	free(ex->remote_dir);
	free(ex);
}

/* The descriptor: abi_version must be SL_EXECUTOR_ABI from the header this
 * file was compiled against; sluice refuses any other. */
static const struct sl_executor_ops example_ops = {
	.abi_version = SL_EXECUTOR_ABI,
	.type = "example",
	.create = example_create,
	.slots = example_slots,
	.start = example_start,
	.kill = example_kill,
	.token = example_token,
	.kill_orphan = example_kill_orphan,
	.describe = example_describe,
	.destroy = example_destroy,
};

/* The one symbol sluice looks up (SL_EXECUTOR_ENTRY). */
const struct sl_executor_ops *sluice_executor_entry(void);
const struct sl_executor_ops *sluice_executor_entry(void)
{
	return &example_ops;
}
