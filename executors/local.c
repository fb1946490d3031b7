/*
 * local.c: the local executor. Each try is a process started with
 * vfork and exec (fast even from a large scheduler) in its own process
 * group, stdout and stderr appended to the try's log file. The spawning
 * happens on a starter thread, so the scheduler's loop (and the web UI
 * that shares it) keeps serving while children exec. Exits are seen
 * through SIGCHLD on the scheduler's libevent loop.
 */
#include "executors/executor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "base/util.h"

/* Every try's environment carries its own random key under this name. */
#define LOCAL_KEY_VAR "SLUICE_TRY_KEY"
/* The most of a process's environment read to find the try key (the
 * kernel caps argv + environ at a quarter of the stack limit). */
#define LOCAL_ENVIRON_MAX (64u * 1024 * 1024)

struct local_try;

struct local_exec {
	struct event_base *base;
	char *name;
	int slots;
	struct event *sigchld;
	struct local_try *running;	/* started, not yet reaped */
	int nrunning;			/* started or waiting to start */

	/* The starter thread. It opens the log and calls posix_spawn, so
	 * the loop never waits while a child execs (a vfork holds its
	 * caller until then: ~0.5 ms here, much longer on a busy machine).
	 * Everything it shares with the loop is under mu. */
	pthread_t thread;
	int have_thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct local_try *queue, **queue_tail;	/* loop → thread, in order */
	struct local_try *ended, **ended_tail;	/* thread → loop */
	int quit;
	int thread_waits;		/* the thread sleeps on cv */
	int wake_fd;			/* eventfd: the thread has results */
	struct event *wake_ev;
};

/* A try: a start request until the thread has run it, then a process. */
struct local_try {
	struct local_exec *ex;
	pid_t pid;			/* set by the thread */
	int started;			/* the loop has its pid (read pid
					 * only then) */
	int64_t start_mono;
	int64_t kill_grace_ms;
	struct event *kill_timer;	/* SIGKILL after the grace period */
	sl_exec_done_fn done;
	void *arg;
	char token[64];			/* "key=" and the try's key */
	int killed;			/* kill() was called */
	int cancelled;			/* ... before the thread took it (mu) */

	/* the request; freed by the loop (one thread does the allocating
	 * and freeing) */
	char **argv, **env;
	char *cwd, *log_path, *stdin_data;
	size_t stdin_len;
	/* the thread's result */
	char error[300];		/* set when it could not start */

	struct local_try *qnext;	/* in queue or ended */
	struct local_try *next;		/* in running */
};

/* A copy of v, plus `extra` at its end when not NULL (strv_free frees it). */
static char **
strv_copy(char *const *v, const char *extra)
{
	size_t n = strv_len(v);
	char **c = xcalloc(n + 2, sizeof *c);

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	if (extra != NULL)
		c[n] = xstrdup(extra);
	return c;
}

static void
try_free(struct local_try *t)
{
	strv_free(t->argv);
	strv_free(t->env);
	free(t->cwd);
	free(t->log_path);
	free(t->stdin_data);
	if (t->kill_timer != NULL)
		event_free(t->kill_timer);
	free(t);
}

enum { STAGE_EXEC = 1, STAGE_CWD = 2 };

/* Where argv0 is, as execvp would find it in the scheduler's PATH; the
 * error number when it is nowhere. */
static int
find_program(const char *argv0, char *out, size_t n)
{
	const char *path = getenv("PATH"), *p, *e;
	int err = ENOENT;

	if (strchr(argv0, '/') != NULL) {
		snprintf(out, n, "%s", argv0);
		return 0;
	}
	if (path == NULL || *path == '\0')
		path = "/bin:/usr/bin";
	for (p = path; ; p = e + 1) {
		size_t len;

		e = strchr(p, ':');
		len = e ? (size_t)(e - p) : strlen(p);
		if ((int)snprintf(out, n, "%.*s%s%s", (int)len, p,
				  len ? "/" : "", argv0) < (int)n) {
			if (access(out, X_OK) == 0)
				return 0;
			if (errno == EACCES)
				err = EACCES;
		}
		if (e == NULL)
			return err;
	}
}

/*
 * Start the try's process with vfork on this (starter) thread: the child
 * borrows the thread's stack until it execs, so no stack is mapped and
 * unmapped per start (unmapping from a process with two threads costs a
 * TLB shootdown on the other CPU). Between vfork and exec the child only
 * makes system calls: its own process group, stdin/stdout/stderr, the
 * working directory, SIGPIPE and SIGHUP back to default (the scheduler
 * ignores them, and ignored signals survive exec), an empty signal mask
 * (this thread blocks every signal, and the child inherits that), exec.
 * No signal reaches it before exec: nobody knows its pid yet, and it left
 * the scheduler's process group first. Returns 0 and the pid, or an
 * error number and the stage that failed.
 */
static int
start_child(struct local_try *t, int infd, int logfd, pid_t *pid_out,
	    int *stage_out)
{
	char prog[4096];
	volatile int child_err = 0, child_stage = 0;
	sigset_t none;
	int err;
	pid_t pid;

	err = find_program(t->argv[0], prog, sizeof prog);
	if (err != 0) {
		*stage_out = STAGE_EXEC;
		return err;
	}
	sigemptyset(&none);
	pid = vfork();
	if (pid == 0) {
		int fd;

		setpgid(0, 0);
		if (infd >= 0)
			dup2(infd, 0);
		else if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
		dup2(logfd, 1);
		dup2(logfd, 2);
		if (t->cwd != NULL && chdir(t->cwd) < 0) {
			child_stage = STAGE_CWD;
			child_err = errno;
			_exit(127);
		}
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(prog, t->argv, t->env);
		child_stage = STAGE_EXEC;
		child_err = errno;
		_exit(127);
	}
	if (pid < 0) {
		*stage_out = STAGE_EXEC;
		return errno;
	}
	if (child_err != 0) {
		/* it has exited already: reap it here, the loop never saw it */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		*stage_out = child_stage;
		return child_err;
	}
	*pid_out = pid;
	return 0;
}

/*
 * On the starter thread: start one try. Its log is opened (appended),
 * its stdin is a memory file, and it gets its own process group. Fills
 * t->pid, or t->error (also written to the log when it is open).
 */
static void
spawn_one(struct local_try *t)
{
	int logfd, infd = -1, rc, stage = 0;
	pid_t pid = 0;

	logfd = open(t->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		     0644);
	if (logfd < 0) {
		snprintf(t->error, sizeof t->error, "cannot open the log %s: %s",
			 t->log_path, strerror(errno));
		return;
	}
	if (t->stdin_data != NULL) {
		/* a memory file holds stdin: never blocks, any size, no
		 * file in /tmp */
		const char *p = t->stdin_data;
		size_t left = t->stdin_len;

		infd = memfd_create("sluice-stdin", MFD_CLOEXEC);
		if (infd < 0) {
			snprintf(t->error, sizeof t->error,
				 "cannot make stdin: %s", strerror(errno));
			close(logfd);
			return;
		}
		while (left > 0) {
			ssize_t n = write(infd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(t->error, sizeof t->error,
					 "cannot write stdin: %s", strerror(errno));
				close(infd);
				close(logfd);
				return;
			}
			p += n;
			left -= (size_t)n;
		}
		lseek(infd, 0, SEEK_SET);
	}
	rc = start_child(t, infd, logfd, &pid, &stage);
	t->start_mono = sl_mono_ms();
	if (infd >= 0)
		close(infd);
	if (rc != 0) {
		if (stage == STAGE_CWD)
			snprintf(t->error, sizeof t->error,
				 "cannot change to the directory %s: %s", t->cwd,
				 strerror(rc));
		else
			snprintf(t->error, sizeof t->error, "cannot start %s: %s",
				 t->argv[0], strerror(rc));
		dprintf(logfd, "sluice: %s\n", t->error);
	} else
		t->pid = pid;
	close(logfd);
}

static void *
starter_main(void *arg)
{
	struct local_exec *ex = arg;

	for (;;) {
		struct local_try *t;
		int cancelled, wake;
		uint64_t one = 1;

		pthread_mutex_lock(&ex->mu);
		while (ex->queue == NULL && !ex->quit) {
			ex->thread_waits = 1;
			pthread_cond_wait(&ex->cv, &ex->mu);
			ex->thread_waits = 0;
		}
		if (ex->queue == NULL) {
			pthread_mutex_unlock(&ex->mu);
			return NULL;
		}
		t = ex->queue;
		ex->queue = t->qnext;
		if (ex->queue == NULL)
			ex->queue_tail = &ex->queue;
		cancelled = t->cancelled;
		pthread_mutex_unlock(&ex->mu);

		if (!cancelled)
			spawn_one(t);

		/* the loop drains the whole list when woken: wake it only
		 * when the list was empty */
		pthread_mutex_lock(&ex->mu);
		wake = ex->ended == NULL;
		t->qnext = NULL;
		*ex->ended_tail = t;
		ex->ended_tail = &t->qnext;
		pthread_mutex_unlock(&ex->mu);
		while (wake && write(ex->wake_fd, &one, sizeof one) < 0 && errno == EINTR)
			;
	}
}

/* Reap our exited children, by pid: other parts of the process (other
 * executors, notification senders) reap their own. */
static void
local_reap(struct local_exec *ex)
{
	struct local_try **pp = &ex->running, *t;

	while ((t = *pp) != NULL) {
		struct sl_exec_result res;
		int status;
		pid_t pid = waitpid(t->pid, &status, WNOHANG);

		if (pid != t->pid) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		ex->nrunning--;
		/* the leader is gone; make sure the rest of its group is too */
		if (t->killed)
			kill(-pid, SIGKILL);
		memset(&res, 0, sizeof res);
		res.host = "localhost";
		res.duration_ms = sl_mono_ms() - t->start_mono;
		if (WIFEXITED(status))
			res.exit_code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status)) {
			res.signal = WTERMSIG(status);
			res.exit_code = 128 + res.signal;
		}
		t->done(t->arg, &res);
		try_free(t);
	}
}

/* Child exits arrive here (libevent turns the signal into an event). */
static void
local_on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	local_reap(arg);
}

static void local_on_kill_timer(evutil_socket_t fd, short what, void *arg);

/* SIGTERM to the try's group now, SIGKILL after the grace period. */
static void
term_then_kill(struct local_try *t)
{
	struct timeval tv;

	kill(-t->pid, SIGTERM);
	if (t->kill_timer != NULL)
		return;
	sl_ms_timeval(t->kill_grace_ms, &tv);
	t->kill_timer = evtimer_new(t->ex->base, local_on_kill_timer, t);
	evtimer_add(t->kill_timer, &tv);
}

/* The starter thread has run some requests: report failures, track the
 * started processes (some may have ended already). */
static void
local_on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct local_exec *ex = arg;
	struct local_try *list, *t;
	uint64_t n;

	if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&ex->mu);
	list = ex->ended;
	ex->ended = NULL;
	ex->ended_tail = &ex->ended;
	pthread_mutex_unlock(&ex->mu);
	while ((t = list) != NULL) {
		struct sl_exec_result res;

		list = t->qnext;
		strv_free(t->argv);
		strv_free(t->env);
		free(t->stdin_data);
		t->argv = t->env = NULL;
		t->stdin_data = NULL;
		if (t->pid > 0) {
			t->started = 1;
			t->next = ex->running;
			ex->running = t;
			if (t->killed)
				term_then_kill(t);
			continue;
		}
		ex->nrunning--;
		memset(&res, 0, sizeof res);
		res.host = "localhost";
		if (t->cancelled) {
			/* stopped before it started: as if SIGTERM ended it */
			res.signal = SIGTERM;
			res.exit_code = 128 + SIGTERM;
		} else {
			res.exit_code = -1;
			res.error = t->error;
		}
		t->done(t->arg, &res);
		try_free(t);
	}
	local_reap(ex);
}

static void *
local_create(struct event_base *base, const char *name,
	     const char *config_json, char *err, size_t errlen)
{
	struct local_exec *ex;
	json_t *cfg = json_loads(config_json, 0, NULL), *v;

	ex = xcalloc(1, sizeof *ex);
	ex->base = base;
	ex->name = xstrdup(name);
	ex->slots = 16;
	v = json_object_get(cfg, "slots");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 100000) {
			snprintf(err, errlen,
				 "executor %s: slots must be a whole number from 1 to 100000",
				 name);
			json_decref(cfg);
			free(ex->name);
			free(ex);
			return NULL;
		}
		ex->slots = (int)json_integer_value(v);
	}
	json_decref(cfg);
	ex->sigchld = evsignal_new(base, SIGCHLD, local_on_sigchld, ex);
	event_priority_set(ex->sigchld, 0);
	event_add(ex->sigchld, NULL);
	pthread_mutex_init(&ex->mu, NULL);
	pthread_cond_init(&ex->cv, NULL);
	ex->queue_tail = &ex->queue;
	ex->ended_tail = &ex->ended;
	ex->wake_fd = -1;
	return ex;
}

/* The thread starts with the first try; it blocks every signal, so
 * they all reach the loop's thread. */
static int
local_start_thread(struct local_exec *ex, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	ex->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ex->wake_fd < 0) {
		snprintf(err, errlen, "cannot make an eventfd: %s", strerror(errno));
		return -1;
	}
	ex->wake_ev = event_new(ex->base, ex->wake_fd, EV_READ | EV_PERSIST,
				local_on_wake, ex);
	event_priority_set(ex->wake_ev, 0);
	event_add(ex->wake_ev, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&ex->thread, NULL, starter_main, ex);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
		event_free(ex->wake_ev);
		ex->wake_ev = NULL;
		close(ex->wake_fd);
		ex->wake_fd = -1;
		return -1;
	}
	ex->have_thread = 1;
	return 0;
}

static int
local_slots(void *inst)
{
	return ((struct local_exec *)inst)->slots;
}

/* Hands the try to the starter thread and returns at once; the result
 * (started, or could not start) arrives on a later loop turn. */
static void *
local_start(void *inst, const struct sl_exec_task *task, sl_exec_done_fn done,
	    void *arg, char *err, size_t errlen)
{
	struct local_exec *ex = inst;
	struct local_try *t;

	if (!ex->have_thread && local_start_thread(ex, err, errlen) < 0)
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->ex = ex;
	t->kill_grace_ms = task->kill_grace_ms;
	t->done = done;
	t->arg = arg;
	{
		/* The try's key, in its environment and its token: it is
		 * known before the process exists, so the token is stored
		 * with the running state, and a restarted scheduler finds
		 * the process (and its children) by it. */
		static unsigned long long counter;
		unsigned char rnd[16];
		char hex[33], key[64];

		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
			unsigned long long a = (unsigned long long)sl_mono_ms(),
					   b = ((unsigned long long)getpid() << 32) | ++counter;

			memcpy(rnd, &a, 8);
			memcpy(rnd + 8, &b, 8);
		}
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
		snprintf(key, sizeof key, "%s=%s", LOCAL_KEY_VAR, hex);
		snprintf(t->token, sizeof t->token, "key=%s", hex);
		t->argv = strv_copy(task->argv, NULL);
		t->env = strv_copy(task->env, key);
	}
	t->cwd = task->cwd ? xstrdup(task->cwd) : NULL;
	t->log_path = xstrdup(task->log_path);
	if (task->stdin_data != NULL) {
		t->stdin_data = xmalloc(task->stdin_len + 1);
		memcpy(t->stdin_data, task->stdin_data, task->stdin_len);
		t->stdin_len = task->stdin_len;
	}
	ex->nrunning++;
	pthread_mutex_lock(&ex->mu);
	*ex->queue_tail = t;
	ex->queue_tail = &t->qnext;
	if (ex->thread_waits)
		pthread_cond_signal(&ex->cv);
	pthread_mutex_unlock(&ex->mu);
	return t;
}

static void
local_on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	struct local_try *t = arg;

	kill(-t->pid, SIGKILL);
}

static void
local_kill(void *inst, void *handle, enum sl_exec_kill_reason why)
{
	struct local_try *t = handle;
	struct local_exec *ex = t->ex;

	if (t->killed)
		return;
	t->killed = 1;
	if (t->started) {
		term_then_kill(t);
		return;
	}
	/* not started yet: the thread skips it if it has not taken it;
	 * otherwise it is stopped as soon as its pid is known */
	pthread_mutex_lock(&ex->mu);
	t->cancelled = 1;
	pthread_mutex_unlock(&ex->mu);
}

static const char *
local_token(void *inst, void *handle)
{
	return ((struct local_try *)handle)->token;
}

/* The start time of a process (clock ticks since boot), 0 if gone. */
static unsigned long long
proc_start(int pid)
{
	char path[64], stat[512];
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(stat, sizeof stat, f) != NULL) {
		char *p = strrchr(stat, ')');

		if (p != NULL)
			sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			       &start);
	}
	fclose(f);
	return start;
}

/* Does process `pid` have `entry` ("NAME=VALUE") in its environment? */
static int
proc_has_env(const char *pid, const char *entry)
{
	char path[300], *env;
	size_t len = strlen(entry), n;
	int found = 0;

	snprintf(path, sizeof path, "/proc/%s/environ", pid);
	if (sl_read_file(path, LOCAL_ENVIRON_MAX, &env, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n && !found; i += strlen(env + i) + 1)
		found = strncmp(env + i, entry, len) == 0 && env[i + len] == '\0';
	free(env);
	return found;
}

static void
local_kill_orphan(void *inst, const char *token)
{
	int pgid = 0;
	unsigned long long start = 0;

	if (strncmp(token, "key=", 4) == 0 && strlen(token + 4) == 32) {
		/* every process that still carries the try's key, and its
		 * process group (children that dropped the variable) */
		char entry[80];
		DIR *d = opendir("/proc");
		struct dirent *e;
		pid_t self = getpid(), own_group = getpgrp();

		if (d == NULL)
			return;
		snprintf(entry, sizeof entry, "%s=%s", LOCAL_KEY_VAR, token + 4);
		while ((e = readdir(d)) != NULL) {
			pid_t pid, g;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			pid = (pid_t)atoi(e->d_name);
			if (pid == self || !proc_has_env(e->d_name, entry))
				continue;
			g = getpgid(pid);
			if (g > 1 && g != own_group)
				kill(-g, SIGKILL);
			kill(pid, SIGKILL);
		}
		closedir(d);
		return;
	}
	/* tokens of earlier versions: the group leader's pid and start */
	if (sscanf(token, "pgid=%d start=%llu", &pgid, &start) != 2 || pgid <= 1)
		return;
	/* the leader must be the same process we started; if the leader is
	 * gone, its group may still hold children: kill the group anyway
	 * only if no other process now owns that pid */
	{
		unsigned long long now = proc_start(pgid);

		/* the boot-clock reading may differ from the kernel's by a
		 * tick or two */
		if (now != 0 && (now + 5 < start || now > start + 5))
			return;
	}
	kill(-pgid, SIGKILL);
}

static void
local_describe(void *inst, char *out, size_t n)
{
	struct local_exec *ex = inst;

	snprintf(out, n, "local: %d of %d slots busy", ex->nrunning, ex->slots);
}

static void
local_destroy(void *inst)
{
	struct local_exec *ex = inst;

	if (ex->have_thread) {
		pthread_mutex_lock(&ex->mu);
		ex->quit = 1;
		pthread_cond_signal(&ex->cv);
		pthread_mutex_unlock(&ex->mu);
		pthread_join(ex->thread, NULL);
		/* requests it ran after the loop stopped */
		while (ex->ended != NULL) {
			struct local_try *t = ex->ended;

			ex->ended = t->qnext;
			try_free(t);
		}
	}
	if (ex->wake_ev != NULL)
		event_free(ex->wake_ev);
	if (ex->wake_fd >= 0)
		close(ex->wake_fd);
	pthread_mutex_destroy(&ex->mu);
	pthread_cond_destroy(&ex->cv);
	if (ex->sigchld != NULL)
		event_free(ex->sigchld);
	free(ex->name);
	free(ex);
}

const struct sl_executor_ops exec_local_ops = {
	.abi_version = SL_EXECUTOR_ABI,
	.type = "local",
	.create = local_create,
	.slots = local_slots,
	.start = local_start,
	.kill = local_kill,
	.token = local_token,
	.kill_orphan = local_kill_orphan,
	.describe = local_describe,
	.destroy = local_destroy,
};
