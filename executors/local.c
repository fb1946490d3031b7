/*
 * local.c: the local executor. Each try is a process started with
 * posix_spawn (vfork-fast even from a large scheduler) in its own process
 * group, stdout and stderr appended to the try's log file. Exits are seen
 * through SIGCHLD on the scheduler's libevent loop.
 */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "../scheduler/util.h"

struct local_try;

struct local_exec {
	struct event_base *base;
	char *name;
	int slots;
	struct event *sigchld;
	struct local_try *running;	/* list of tries not yet reaped */
	int nrunning;
};

struct local_try {
	struct local_exec *ex;
	pid_t pid;
	int64_t start_mono;
	int64_t kill_grace_ms;
	struct event *kill_timer;	/* SIGKILL after the grace period */
	sl_exec_done_fn done;
	void *arg;
	char token[64];
	int killed;
	struct local_try *next;
};

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
		if (t->kill_timer != NULL)
			event_free(t->kill_timer);
		t->done(t->arg, &res);
		free(t);
	}
}

/* Child exits arrive here (libevent turns the signal into an event). */
static void
local_on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	local_reap(arg);
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
	return ex;
}

static int
local_slots(void *inst)
{
	return ((struct local_exec *)inst)->slots;
}

static void *
local_start(void *inst, const struct sl_exec_task *task, sl_exec_done_fn done,
	    void *arg, char *err, size_t errlen)
{
	struct local_exec *ex = inst;
	struct local_try *t;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, deflt;
	int logfd, infd = -1, rc;
	pid_t pid;

	logfd = open(task->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		     0644);
	if (logfd < 0) {
		snprintf(err, errlen, "cannot open the log %s: %s",
			 task->log_path, strerror(errno));
		return NULL;
	}
	if (task->stdin_data != NULL) {
		/* an unlinked temp file holds stdin: never blocks, any size */
		char path[] = "/tmp/sluice-stdin.XXXXXX";
		const char *p = task->stdin_data;
		size_t left = task->stdin_len;

		infd = mkostemp(path, O_CLOEXEC);
		if (infd < 0) {
			snprintf(err, errlen, "cannot create a temp file: %s",
				 strerror(errno));
			close(logfd);
			return NULL;
		}
		unlink(path);
		while (left > 0) {
			ssize_t n = write(infd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(err, errlen, "cannot write stdin: %s",
					 strerror(errno));
				close(infd);
				close(logfd);
				return NULL;
			}
			p += n;
			left -= (size_t)n;
		}
		lseek(infd, 0, SEEK_SET);
	}
	posix_spawn_file_actions_init(&fa);
	if (infd >= 0)
		posix_spawn_file_actions_adddup2(&fa, infd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, logfd, 1);
	posix_spawn_file_actions_adddup2(&fa, logfd, 2);
	if (task->cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, task->cwd);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	/* exec resets caught signals; ignored ones (SIGPIPE) are inherited */
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	sigaddset(&deflt, SIGHUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, task->argv[0], &fa, &attr, task->argv,
			  task->env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (infd >= 0)
		close(infd);
	if (rc != 0) {
		dprintf(logfd, "sluice: cannot start %s: %s\n", task->argv[0],
			strerror(rc));
		close(logfd);
		snprintf(err, errlen, "cannot start %s: %s%s", task->argv[0],
			 strerror(rc),
			 rc == ENOENT && task->cwd ? " (or the cwd does not exist)" : "");
		return NULL;
	}
	close(logfd);
	t = xcalloc(1, sizeof *t);
	t->ex = ex;
	t->pid = pid;
	t->start_mono = sl_mono_ms();
	t->kill_grace_ms = task->kill_grace_ms;
	t->done = done;
	t->arg = arg;
	{
		/* pid plus its start time (clock ticks since boot, as
		 * /proc/PID/stat counts them), so a recycled pid is never
		 * killed; taken from the boot clock, not read back */
		struct timespec bt;
		unsigned long long start;

		clock_gettime(CLOCK_BOOTTIME, &bt);
		start = (unsigned long long)bt.tv_sec * (unsigned long long)sysconf(_SC_CLK_TCK) +
			(unsigned long long)bt.tv_nsec / (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
		snprintf(t->token, sizeof t->token, "pgid=%d start=%llu",
			 (int)pid, start);
	}
	t->next = ex->running;
	ex->running = t;
	ex->nrunning++;
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
	struct timeval tv;

	if (t->killed)
		return;
	t->killed = 1;
	kill(-t->pid, SIGTERM);
	tv.tv_sec = t->kill_grace_ms / 1000;
	tv.tv_usec = (t->kill_grace_ms % 1000) * 1000;
	t->kill_timer = evtimer_new(t->ex->base, local_on_kill_timer, t);
	evtimer_add(t->kill_timer, &tv);
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

static void
local_kill_orphan(void *inst, const char *token)
{
	int pgid = 0;
	unsigned long long start = 0;

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
