/*
 * local.c: the local executor. Each try runs under a supervisor,
 * sluice-try (executors/supervisor/), with the try's stdin (a memory
 * file), its log and its status file (prepared here, so a full disk is
 * reported before anything starts). By default shared supervisors
 * (`sluice-try --server`, each started once in a session of its own)
 * serve the tries: one vforks and execs the command itself, one process
 * per try as with ninja. There is one per lane: a lane is a starter
 * thread and its server, and `starters` lanes start tries at once. With fork_server: false each try gets a
 * sluice-try of its own, started with vfork and exec. Either way the
 * supervisor caps the log, ends the try's whole process tree and records
 * its exit status durably in the status file; it outlives a scheduler
 * that is killed or stopped, and a new scheduler adopts the try from its
 * token (adopt()).
 * The spawning happens on the starter threads, so the scheduler's loop (and
 * the web UI that shares it) keeps serving while children exec. Exits of
 * our own supervisors are seen through SIGCHLD on the scheduler's libevent
 * loop; an adopted one (not our child) through a pidfd.
 *
 * One file past 800 lines because its parts share one try record and its
 * lists (queued, running, adopted, detached) and the locking around them:
 * the lanes (starter threads and their servers), the reaping, kill,
 * adopt and detach. What is seen of
 * a try from outside (its status file, /proc) is in local_status.c; the
 * supervisor itself is executors/supervisor/.
 */
#include "executors/executor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/random.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/spawn.h"
#include "base/text.h"
#include "base/util.h"
#include "executors/local_spare.h"
#include "executors/local_status.h"
#include "executors/supervisor/supervisor.h"

extern char **environ;

/* Every try's environment carries its own random key under this name. */
#define LOCAL_KEY_VAR "SLUICE_TRY_KEY"
/* The supervisor's name, next to the sluice binary. */
#define LOCAL_SUPERVISOR "sluice-try"
/* The default cap of a try's log. */
#define LOCAL_LOG_MAX (100LL * 1000 * 1000)
/* After the kill grace, how long the supervisor gets to end the tree and
 * write the status before it is killed itself. */
#define LOCAL_SUPERVISOR_GRACE_MS 5000
/* A reported try's status file stays this long (status_keep_ms) when its
 * caller does not say recorded() (status_until_recorded unset; the
 * scheduler does, and its files wait for that word): the scheduler records
 * the result in a transaction it commits a little later, and a scheduler
 * killed before that commit leaves the try running in its store; the
 * next one adopts it and reads its end from the file. */
#define LOCAL_STATUS_KEEP_MS 30000
/* Lanes (starter threads, each with its shared supervisor): by default
 * one per CPU, at most LOCAL_DEFAULT_STARTERS; `starters` up to
 * LOCAL_MAX_STARTERS. */
#define LOCAL_DEFAULT_STARTERS 4
#define LOCAL_MAX_STARTERS 64
/* How often an adopted try is looked at when pidfds are missing. */
#define LOCAL_ADOPT_POLL_MS 500
/* How often an adopted try of a shared supervisor is looked at: its
 * server serves other tries too, so its exit says nothing of this one;
 * the try's final record does (a stat). */
#define LOCAL_ADOPT_SERVED_POLL_MS 100
/* An adopted try whose supervisor has not written its pid yet: looked at
 * this often, this many times, before it counts as never started. */
#define LOCAL_ADOPT_START_POLL_MS 100
#define LOCAL_ADOPT_START_POLLS 30

struct local_try;

struct local_exec {
	struct event_base *base;
	char *name;
	int slots;
	struct event *sigchld;
	struct local_try *running;	/* started, not yet reaped */
	struct local_try *adopted;	/* adopted, not yet ended */
	struct local_try *detached;	/* detached, not yet reaped */
	int nrunning;			/* started, adopted or waiting to start */

	char *supervisor;		/* absolute path of sluice-try */
	char *status_dir;		/* NULL: next to each try's log */
	struct local_spares *spares;	/* spent status files (status_dir) */
	char *cgroup_dir;		/* writable cgroup v2 folder, or NULL */
	int64_t log_max;		/* default cap of a try's log */
	int64_t status_keep_ms;		/* LOCAL_STATUS_KEEP_MS */
	int until_recorded;		/* status_until_recorded: the caller
					 * says recorded() for every end it
					 * commits; a status file in the
					 * spares' folder stays until then
					 * (past status_keep_ms, past the
					 * executor's end) */

	/* The starter threads (one per lane). Each opens a try's log and
	 * status file and starts its supervisor, so the loop never waits
	 * while a child execs (a vfork holds its caller until then: ~0.5 ms
	 * here, much longer on a busy machine). A lane starts one try at a
	 * time; with one lane the starts were the whole executor's
	 * bottleneck (the thread busy nine tenths of a run of short tries),
	 * so there are `starters` lanes, taking tries from one queue.
	 * Everything the threads share with the loop is under mu. */
	struct local_lane *lanes;
	int nlanes;
	int have_thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct local_try *queue, **queue_tail;	/* loop → thread, in order */
	struct local_try *ended, **ended_tail;	/* thread → loop */
	int quit;
	int thread_waits;		/* how many threads sleep on cv */
	int wake_fd;			/* eventfd: the thread has results */
	struct event *wake_ev;

	/* status files of reported tries, removed LOCAL_STATUS_KEEP_MS
	 * later (or at destroy), oldest first */
	struct local_stale *stale, **stale_tail;
	struct event *stale_ev;

	/* tries started in this loop turn, handed to the thread on the
	 * next one: after the scheduler committed their running state, so
	 * no process runs that its store does not know of */
	struct local_try *held, **held_tail;
	struct event *handoff_ev;

	int no_server;			/* config fork_server: false */
};

/*
 * A lane: a starter thread and its shared supervisor (sluice-try
 * --server, sup_server.c): one exec for the executor's life, then one
 * vfork+exec per try (the command's). zyg_req belongs to the lane's
 * thread (-1: start tries by exec); the ends pipe to the loop. A serial
 * names a try within its lane's server only.
 */
struct local_lane {
	struct local_exec *ex;
	pthread_t thread;
	int have_thread;
	int zyg_lost;			/* its ends pipe closed */
	int zyg_req;
	int zyg_ends;
	pid_t zyg_pid;
	int zyg_status;			/* its wait status once reaped, else -1 */
	struct event *zyg_ev;
	struct local_early *early;
};

/* An end the shared supervisor reported before the loop knew the try. */
struct local_early {
	struct sup_server_end e;
	struct local_early *next;
};

struct local_stale {
	char *path;
	int64_t at;			/* monotonic ms when it may go */
	struct local_stale *next;
};

/* A try: a start request until the thread has run it, then a process. */
struct local_try {
	struct local_exec *ex;
	pid_t pid;			/* the supervisor, set by the thread */
	int started;			/* the loop has its pid (read pid
					 * only then) */
	int64_t start_mono;
	int64_t kill_grace_ms;
	struct event *kill_timer;	/* SIGKILL after the grace period */
	sl_exec_done_fn done;
	void *arg;
	char key[33];			/* SLUICE_TRY_KEY, hex */
	char *token;			/* "key=KEY status=PATH" */
	char *status_path;		/* where the supervisor records the end */
	int killed;			/* kill() was called */
	int cancelled;			/* ... before the thread took it (mu) */
	int detached;			/* detach() was called (mu) */

	/* an adopted try: not our child */
	int adopted;
	unsigned long long sup_start;	/* the supervisor's start time */
	int pidfd;			/* -1 without one */
	int start_polls;		/* looks for a starting supervisor */
	struct event *watch_ev;		/* its end (pidfd, poll or now) */

	/* the request; freed by the loop (one thread does the allocating
	 * and freeing) */
	char **argv, **env;
	char *cwd, *log_path, *stdin_data;
	size_t stdin_len;
	int keep_children;
	int64_t log_max;
	char *secrets;			/* values to mask, NUL-separated */
	size_t secrets_len;
	unsigned long long serial;	/* from the shared supervisor, else 0 */
	struct local_lane *lane;	/* whose thread started it (set by
					 * that thread) */
	/* the thread's result, then the try's error text (done's result
	 * points at it) */
	char error[600];		/* set when it could not start */

	struct local_try *qnext;	/* in queue or ended */
	struct local_try *next;		/* in running, adopted or detached */
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
	if (t->secrets != NULL)
		explicit_bzero(t->secrets, t->secrets_len);
	free(t->secrets);
	free(t->token);
	free(t->status_path);
	if (t->kill_timer != NULL)
		event_free(t->kill_timer);
	if (t->watch_ev != NULL)
		event_free(t->watch_ev);
	if (t->pidfd >= 0)
		close(t->pidfd);
	free(t);
}

/* An error number as people should read it: a full disk says so. */
static const char *
local_strerror(int err)
{
	if (err == ENOSPC || err == EDQUOT)
		return "disk full";
	return strerror(err);
}

enum { STAGE_SUPERVISOR = 1, STAGE_CWD = 2 };

/* A descriptor moved to 10 or above (close-on-exec), so that the child's
 * dup2 calls onto 0..3 cannot overwrite one another. */
static int
high_fd(int fd)
{
	int high;

	if (fd < 0 || fd >= 10)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return high;
}

/*
 * Start the try's supervisor with vfork on this (starter) thread: the
 * child borrows the thread's stack until it execs, so no stack is mapped
 * and unmapped per start (unmapping from a process with two threads costs
 * a TLB shootdown on the other CPU). Between vfork and exec the child only
 * makes system calls: a session of its own, stdin (0), the log (1 and 2),
 * the status file (3), the working directory, SIGPIPE and SIGHUP back to
 * default (the scheduler ignores them, and ignored signals survive exec),
 * an empty signal mask (this thread blocks every signal, and the child
 * inherits that), exec. No signal reaches it before exec: nobody knows its
 * pid yet, and it left the scheduler's session first. Returns 0 and the
 * pid, or an error number and the stage that failed.
 */
static int
start_child(struct local_try *t, char **sup_argv, int infd, int logfd,
	    int statusfd, int secfd, pid_t *pid_out, int *stage_out)
{
	volatile int child_err = 0, child_stage = 0;
	sigset_t none;
	pid_t pid;

	sigemptyset(&none);
	pid = vfork();
	if (pid == 0) {
		int fd;

		setsid();
		if (infd >= 0)
			dup2(infd, 0);
		else if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
		dup2(logfd, 1);
		dup2(logfd, 2);
		dup2(statusfd, 3);
		if (secfd >= 0)
			dup2(secfd, SUP_SECRETS_FD);
		if (t->cwd != NULL && chdir(t->cwd) < 0) {
			child_stage = STAGE_CWD;
			child_err = errno;
			_exit(127);
		}
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(sup_argv[0], sup_argv, t->env);
		child_stage = STAGE_SUPERVISOR;
		child_err = errno;
		_exit(127);
	}
	if (pid < 0) {
		*stage_out = STAGE_SUPERVISOR;
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

/* Whole writes to the shared supervisor; 0 or -1. */
static int
zyg_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * On the starter thread: have the shared supervisor start try t
 * (the same command line and descriptors start_child would give it).
 * Returns 0 and the pid (and t->serial, t->pidfd), an error number with
 * the stage (the working directory, a failed fork), or -1 when the
 * server is unusable (then it is dropped and tries start by exec).
 */
static int
zyg_spawn(struct local_lane *ln, struct local_try *t, char **sup_argv,
	  int infd, int logfd, int statusfd, int secfd, pid_t *pid_out,
	  int *stage_out)
{
	struct sup_server_req rq;
	struct sup_server_reply rp;
	struct buf blob;
	int fds[5], nfds = 0, cwdfd = -1, rc = -1;
	char cbuf[CMSG_SPACE(sizeof fds)];
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t r;

	if (t->cwd != NULL) {
		cwdfd = open(t->cwd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cwdfd < 0) {
			*stage_out = STAGE_CWD;
			return errno;
		}
	}
	memset(&rq, 0, sizeof rq);
	rq.magic = SUP_SERVER_MAGIC;
	buf_init(&blob, 0);
	for (char **a = sup_argv; *a != NULL; a++, rq.argc++)
		buf_add(&blob, *a, strlen(*a) + 1);
	for (char **e = t->env; *e != NULL; e++, rq.envc++)
		buf_add(&blob, *e, strlen(*e) + 1);
	rq.len = (unsigned)blob.len;
	fds[nfds++] = logfd;
	fds[nfds++] = statusfd;
	if (infd >= 0) {
		fds[nfds++] = infd;
		rq.fds |= SUP_FD_STDIN;
	}
	if (cwdfd >= 0) {
		fds[nfds++] = cwdfd;
		rq.fds |= SUP_FD_CWD;
	}
	if (secfd >= 0) {
		fds[nfds++] = secfd;
		rq.fds |= SUP_FD_SECRETS;
	}
	memset(&mh, 0, sizeof mh);
	memset(cbuf, 0, sizeof cbuf);
	iov.iov_base = &rq;
	iov.iov_len = sizeof rq;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	do
		r = sendmsg(ln->zyg_req, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0 || (r < (ssize_t)sizeof rq &&
		      zyg_write_all(ln->zyg_req, (char *)&rq + r,
				    sizeof rq - (size_t)r) < 0) ||
	    zyg_write_all(ln->zyg_req, blob.data, blob.len) < 0)
		goto gone;
	/* the reply, with the supervisor's pidfd */
	memset(&mh, 0, sizeof mh);
	memset(&rp, 0, sizeof rp);
	iov.iov_base = &rp;
	iov.iov_len = sizeof rp;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof cbuf;
	do
		r = recvmsg(ln->zyg_req, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof rp)
		goto gone;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&t->pidfd, CMSG_DATA(c), sizeof(int));
	if (rp.err != 0) {
		*stage_out = STAGE_SUPERVISOR;
		rc = rp.err;
	} else {
		*pid_out = rp.pid;
		t->serial = rp.serial;
		rc = 0;
	}
	buf_free(&blob);
	if (cwdfd >= 0)
		close(cwdfd);
	return rc;
gone:
	buf_free(&blob);
	if (cwdfd >= 0)
		close(cwdfd);
	close(ln->zyg_req);
	ln->zyg_req = -1;
	return -1;
}

/* The supervisor's command line for try t running prog. */
static char **
supervisor_argv(struct local_try *t, const char *prog)
{
	struct local_exec *ex = t->ex;
	size_t n = strv_len(t->argv), i = 0;
	char **v = xcalloc(n + 20, sizeof *v);
	int64_t log_max = t->log_max == 0 ? ex->log_max : t->log_max;

	v[i++] = xstrdup(ex->supervisor);
	v[i++] = xstrdup("-s");
	v[i++] = xstrdup(t->status_path);
	v[i++] = xstrdup("-m");
	v[i++] = xasprintf("%lld", (long long)(log_max < 0 ? 0 : log_max));
	v[i++] = xstrdup("-g");
	v[i++] = xasprintf("%lld", (long long)t->kill_grace_ms);
	v[i++] = xstrdup("-k");
	v[i++] = xstrdup(t->key);
	if (t->keep_children)
		v[i++] = xstrdup("-K");
	if (ex->cgroup_dir != NULL) {
		v[i++] = xstrdup("-G");
		v[i++] = xstrdup(ex->cgroup_dir);
	}
	if (t->secrets != NULL)
		v[i++] = xstrdup("-S");
	v[i++] = xstrdup("-x");
	v[i++] = xstrdup(prog);
	v[i++] = xstrdup("--");
	for (size_t j = 0; j < n; j++)
		v[i++] = xstrdup(t->argv[j]);
	return v;
}

/*
 * On the starter thread: start one try. Its log is opened (appended), its
 * status file made with room reserved for the final record, its stdin is
 * a memory file, and its supervisor gets a session of its own. Fills
 * t->pid, or t->error (also written to the log when it is open).
 */
static void
spawn_one(struct local_lane *ln, struct local_try *t)
{
	int logfd, infd = -1, statusfd, rc, stage = 0, secfd = -1;
	char prog[4096], tmp[4200], **sup_argv;
	pid_t pid = 0;

	logfd = open(t->log_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
		     0644);
	if (logfd < 0) {
		snprintf(t->error, sizeof t->error, "cannot open the log %s: %s",
			 t->log_path, local_strerror(errno));
		return;
	}
	logfd = high_fd(logfd);
	snprintf(tmp, sizeof tmp, "%s.tmp", t->status_path);
	statusfd = t->ex->spares != NULL ? local_spares_take(t->ex->spares, tmp) : -1;
	if (statusfd < 0 &&
	    ((statusfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0600)) < 0 ||
	     (errno = posix_fallocate(statusfd, 0, 4096)) != 0)) {
		snprintf(t->error, sizeof t->error,
			 "cannot make the try's status file %.400s: %s", tmp,
			 local_strerror(errno));
		dprintf(logfd, "sluice: %s\n", t->error);
		if (statusfd >= 0) {
			close(statusfd);
			unlink(tmp);
		}
		close(logfd);
		return;
	}
	statusfd = high_fd(statusfd);
	if (t->stdin_data != NULL) {
		/* a memory file holds stdin: never blocks, any size, no
		 * file in /tmp */
		const char *p = t->stdin_data;
		size_t left = t->stdin_len;

		infd = memfd_create("sluice-stdin", MFD_CLOEXEC);
		if (infd < 0) {
			snprintf(t->error, sizeof t->error,
				 "cannot make stdin: %s", strerror(errno));
			goto fail;
		}
		while (left > 0) {
			ssize_t n = write(infd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(t->error, sizeof t->error,
					 "cannot write stdin: %s", strerror(errno));
				goto fail;
			}
			p += n;
			left -= (size_t)n;
		}
		lseek(infd, 0, SEEK_SET);
		infd = high_fd(infd);
	}
	rc = spawn_find_program(t->argv[0], t->env, prog, sizeof prog);
	if (rc != 0) {
		snprintf(t->error, sizeof t->error, "cannot start %s: %s",
			 t->argv[0], strerror(rc));
		goto fail;
	}
	if (t->secrets != NULL) {
		/* the values to mask, for the supervisor only: a memory
		 * file, never its command line or a file on disk */
		secfd = memfd_create("sluice-secrets", MFD_CLOEXEC);
		if (secfd < 0 ||
		    sl_write_all(secfd, t->secrets, t->secrets_len) < 0 ||
		    lseek(secfd, 0, SEEK_SET) < 0) {
			snprintf(t->error, sizeof t->error,
				 "cannot pass the secret values: %s", strerror(errno));
			goto fail;
		}
		secfd = high_fd(secfd);
	}
	sup_argv = supervisor_argv(t, prog);
	rc = -1;
	t->lane = ln;
	if (ln->zyg_req >= 0)
		rc = zyg_spawn(ln, t, sup_argv, infd, logfd, statusfd, secfd, &pid,
			       &stage);
	if (rc < 0)
		rc = start_child(t, sup_argv, infd, logfd, statusfd, secfd, &pid,
				 &stage);
	strv_free(sup_argv);
	t->start_mono = sl_mono_ms();
	if (rc != 0) {
		if (stage == STAGE_CWD)
			snprintf(t->error, sizeof t->error,
				 "cannot change to the directory %s: %s", t->cwd,
				 strerror(rc));
		else
			snprintf(t->error, sizeof t->error,
				 "cannot start the try supervisor %s: %s",
				 t->ex->supervisor, strerror(rc));
		goto fail;
	}
	t->pid = pid;
	if (infd >= 0)
		close(infd);
	if (secfd >= 0)
		close(secfd);
	close(statusfd);
	close(logfd);
	return;
fail:
	dprintf(logfd, "sluice: %s\n", t->error);
	if (infd >= 0)
		close(infd);
	if (secfd >= 0)
		close(secfd);
	close(statusfd);
	unlink(tmp);
	close(logfd);
}

static void *
starter_main(void *arg)
{
	struct local_lane *ln = arg;
	struct local_exec *ex = ln->ex;

	for (;;) {
		struct local_try *t;
		int cancelled, wake;
		uint64_t one = 1;

		pthread_mutex_lock(&ex->mu);
		while (ex->queue == NULL && !ex->quit) {
			ex->thread_waits++;
			pthread_cond_wait(&ex->cv, &ex->mu);
			ex->thread_waits--;
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
			spawn_one(ln, t);

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

/* A reported try's status file is no longer needed: a spare for a
 * next try, or removed. */
static void
local_stale_forget(struct local_exec *ex, const char *path)
{
	if (ex->spares != NULL)
		local_spares_keep(ex->spares, path);
	else
		local_status_remove(path);
}

/* Remove the status files whose time is up; wait for the next. */
static void
local_stale_fire(evutil_socket_t fd, short what, void *arg)
{
	struct local_exec *ex = arg;
	int64_t now = sl_mono_ms();
	struct timeval tv;

	(void)fd;
	(void)what;
	while (ex->stale != NULL && ex->stale->at <= now) {
		struct local_stale *x = ex->stale;

		ex->stale = x->next;
		/* one still there when its caller says recorded() is of an
		 * end not committed yet (writes held): kept for it */
		if (!ex->until_recorded || ex->spares == NULL)
			local_stale_forget(ex, x->path);
		free(x->path);
		free(x);
	}
	if (ex->stale == NULL) {
		ex->stale_tail = &ex->stale;
		return;
	}
	sl_ms_timeval(ex->stale->at - now, &tv);
	evtimer_add(ex->stale_ev, &tv);
}

/* The result from path was handed to the scheduler: remove the file
 * later (LOCAL_STATUS_KEEP_MS). */
static void
local_stale_add(struct local_exec *ex, const char *path)
{
	struct local_stale *x = xcalloc(1, sizeof *x);

	x->path = xstrdup(path);
	x->at = sl_mono_ms() + ex->status_keep_ms;
	*ex->stale_tail = x;
	ex->stale_tail = &x->next;
	if (ex->stale_ev == NULL)
		ex->stale_ev = evtimer_new(ex->base, local_stale_fire, ex);
	if (!evtimer_pending(ex->stale_ev, NULL))
		local_stale_fire(-1, 0, ex);
}

/* No final record and no running record naming a supervisor: the
 * starter never got to the try, or its supervisor never got to write
 * its pid (it does that before it starts the command). */
static int
local_never_started(const char *status_path)
{
	struct local_status st;

	return access(status_path, F_OK) < 0 && errno == ENOENT &&
	       local_status_read(status_path, &st) < 0;
}

/* The running record exists but names no supervisor yet: it may be
 * being started (the scheduler was killed while starting it). */
static int
local_maybe_starting(const char *status_path)
{
	char tmp[PATH_MAX + 8];

	snprintf(tmp, sizeof tmp, "%s.tmp", status_path);
	return local_never_started(status_path) && access(tmp, F_OK) == 0;
}

/*
 * The result of a try whose supervisor has ended: the supervisor's final
 * record when there is one; else (the supervisor was killed before it
 * wrote it) what waitpid saw of a per-try supervisor (wstatus >= 0: it
 * mirrors the command, or says what killed it), or a "lost:" error: for
 * an adopted try, which nobody saw end (wstatus < 0, gone NULL), and for
 * a served one whose shared supervisor ended (gone says how: its status
 * is its own, never the command's); either way after ending what is left
 * of the try. Removes the status file: the result is now in the caller's
 * hands.
 */
static void
local_result(struct local_try *t, int wstatus, const char *gone,
	     struct sl_exec_result *res)
{
	struct local_status st;
	int have = local_status_read(t->status_path, &st) == 0 && st.ended;

	memset(res, 0, sizeof *res);
	res->host = "localhost";
	res->duration_ms = t->adopted ? 0 : sl_mono_ms() - t->start_mono;
	if (have) {
		res->exit_code = st.exit_code;
		res->signal = st.signal;
		if (t->adopted && st.ended_ms >= st.started_ms)
			res->duration_ms = st.ended_ms - st.started_ms;
		if (st.error[0] != '\0' && !st.log_error) {
			/* the command did not run */
			snprintf(t->error, sizeof t->error, "%s", st.error);
			res->error = t->error;
		} else if (st.error[0] != '\0')
			/* it ran and ended, but its log could not be written
			 * (a full disk): its own exit stands, as over ssh; a
			 * try that did its work is not failed, and so run
			 * again, for want of its output */
			log_emit(LOG_LEVEL_WARN, NULL, "local try %s: its log %s is incomplete: %s",
				 t->key, t->log_path != NULL ? t->log_path : "",
				 st.error);
	} else {
		char entry[80];

		snprintf(entry, sizeof entry, "%s=%s", LOCAL_KEY_VAR, t->key);
		local_status_kill_tree(entry, st.cgroup);
		if (wstatus >= 0 && WIFEXITED(wstatus))
			res->exit_code = WEXITSTATUS(wstatus);
		else if (wstatus >= 0 && WIFSIGNALED(wstatus)) {
			res->signal = WTERMSIG(wstatus);
			res->exit_code = 128 + res->signal;
		} else
			res->exit_code = -1;
		if (wstatus < 0 && local_never_started(t->status_path)) {
			/* adopted, but the scheduler that started it stopped
			 * before its supervisor was started */
			snprintf(t->error, sizeof t->error,
				 "not started: the scheduler stopped before the try's process started");
			res->error = t->error;
		} else if (wstatus < 0 && gone != NULL) {
			snprintf(t->error, sizeof t->error,
				 "lost: the shared supervisor (sluice-try --server) %s before it recorded how the try ended",
				 gone);
			res->error = t->error;
		} else if (wstatus < 0) {
			/* adopted: nobody saw how it ended */
			snprintf(t->error, sizeof t->error,
				 "lost: the try's supervisor ended without recording how the try ended");
			res->error = t->error;
		}
	}
	local_stale_add(t->ex, t->status_path);
}

/* The result of a served try whose final record the server says holds no
 * more than its wait status (SUP_END_PLAIN): that status, without reading
 * the file (kept as any reported try's). */
static void
local_result_plain(struct local_try *t, int wstatus, struct sl_exec_result *res)
{
	memset(res, 0, sizeof *res);
	res->host = "localhost";
	res->duration_ms = sl_mono_ms() - t->start_mono;
	if (WIFEXITED(wstatus))
		res->exit_code = WEXITSTATUS(wstatus);
	else {
		res->signal = WTERMSIG(wstatus);
		res->exit_code = 128 + res->signal;
	}
	local_stale_add(t->ex, t->status_path);
}

/* Reap our exited supervisors, by pid: other parts of the process (other
 * executors, notification senders) reap their own. Detached ones are
 * reaped too, silently: their status file is for the next scheduler. */
static void
local_reap(struct local_exec *ex)
{
	struct local_try **pp = &ex->running, *t;

	for (int i = 0; i < ex->nlanes; i++) {
		struct local_lane *ln = &ex->lanes[i];

		if (ln->zyg_pid > 0 &&
		    waitpid(ln->zyg_pid, &ln->zyg_status, WNOHANG) == ln->zyg_pid)
			ln->zyg_pid = 0;
	}
	while ((t = *pp) != NULL) {
		struct sl_exec_result res;
		int status;
		pid_t pid;

		if (t->serial != 0) {
			/* served by the shared supervisor: its end comes
			 * on the ends pipe */
			pp = &t->next;
			continue;
		}
		pid = waitpid(t->pid, &status, WNOHANG);
		if (pid != t->pid) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		ex->nrunning--;
		local_result(t, status, NULL, &res);
		t->done(t->arg, &res);
		try_free(t);
	}
	for (pp = &ex->detached; (t = *pp) != NULL; ) {
		int status;

		if (t->serial != 0 || waitpid(t->pid, &status, WNOHANG) != t->pid) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
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

/* Does the server pid take kill requests as real-time signals? It
 * blocks them (its signalfd reads them) when it does; one of an older
 * sluice does not, and a real-time signal would end it. */
static int
local_server_queues(pid_t pid)
{
	char path[64], line[256];
	unsigned long long blocked = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = sscanf(line, "SigBlk: %llx", &blocked) == 1;
	fclose(f);
	return found && SUP_SIG_KILL_TRY <= 64 &&
	       (blocked & (1ULL << (SUP_SIG_TERM_TRY - 1))) &&
	       (blocked & (1ULL << (SUP_SIG_KILL_TRY - 1)));
}

/* A kill request to the shared supervisor pid for its try `serial`:
 * SIGTERM asks for the tree's end with the grace, SIGKILL for it now.
 * Our own servers get real-time signals, which queue (kills sent
 * together all arrive), and so does an adopted try's server that blocks
 * them; one of an older sluice the SIGUSR1 or SIGUSR2 it has always
 * understood. */
static void
local_signal_served(pid_t pid, unsigned long long serial, int sig, int ours)
{
	union sigval v;

	memset(&v, 0, sizeof v);
	v.sival_int = (int)serial;
	if (ours)
		sigqueue(pid, sig == SIGKILL ? SUP_SIG_KILL_TRY : SUP_SIG_TERM_TRY, v);
	else
		sigqueue(pid, sig == SIGKILL ? SIGUSR2 : SIGUSR1, v);
}

/* Signal the try's supervisor; an adopted one only while it is the
 * process we adopted (its pidfd, or its pid with the same start time).
 * A try of the shared supervisor: a kill request to the server. */
static void
local_signal(struct local_try *t, int sig)
{
	if (t->serial != 0 && !t->adopted) {
		/* our server (our child: its pid is its own until we reap
		 * it); gone, its tries are reported already */
		if (t->lane->zyg_pid > 0)
			local_signal_served(t->lane->zyg_pid, t->serial, sig, 1);
		return;
	}
	if (t->serial != 0) {
		if (local_status_proc_start(t->pid) == t->sup_start)
			local_signal_served(t->pid, t->serial, sig,
					    local_server_queues(t->pid));
		return;
	}
	if (!t->adopted) {
		/* our child */
		kill(t->pid, sig);
		return;
	}
#ifdef SYS_pidfd_send_signal
	if (t->pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, t->pidfd, sig, NULL, 0);
		return;
	}
#endif
	if (local_status_proc_start(t->pid) == t->sup_start)
		kill(t->pid, sig);
}

/* SIGTERM to the try's supervisor now, which ends the try's whole tree
 * (SIGTERM, SIGKILL after the grace) and records the end; SIGKILL to the
 * supervisor itself if it is not done well after that. */
static void
term_then_kill(struct local_try *t)
{
	struct timeval tv;

	local_signal(t, SIGTERM);
	if (t->kill_timer != NULL)
		return;
	sl_ms_timeval(t->kill_grace_ms + LOCAL_SUPERVISOR_GRACE_MS, &tv);
	t->kill_timer = evtimer_new(t->ex->base, local_on_kill_timer, t);
	evtimer_add(t->kill_timer, &tv);
}

static void local_on_adopted_end(evutil_socket_t fd, short what, void *arg);

/* Report a try lane ln's shared supervisor served, from its wait status;
 * 1 when the serial named one of ours (running or detached). */
static int
local_end_serial(struct local_lane *ln, const struct sup_server_end *e)
{
	struct local_exec *ex = ln->ex;
	struct local_try **pp, *t;

	for (pp = &ex->running; (t = *pp) != NULL; pp = &t->next)
		if (t->lane == ln && t->serial == e->serial) {
			struct sl_exec_result res;

			*pp = t->next;
			ex->nrunning--;
			if (e->flags & SUP_END_PLAIN)
				local_result_plain(t, e->status, &res);
			else
				local_result(t, e->status, NULL, &res);
			t->done(t->arg, &res);
			try_free(t);
			return 1;
		}
	for (pp = &ex->detached; (t = *pp) != NULL; pp = &t->next)
		if (t->lane == ln && t->serial == e->serial) {
			*pp = t->next;
			try_free(t);
			return 1;
		}
	return 0;
}

/* Ends that came before their tries reached the loop. */
static void
local_ends_match(struct local_lane *ln)
{
	struct local_early **pp = &ln->early, *x;

	while ((x = *pp) != NULL) {
		if (local_end_serial(ln, &x->e)) {
			*pp = x->next;
			free(x);
		} else
			pp = &x->next;
	}
}

/* The shared supervisor is gone (it serves its tries to their end; it
 * was killed): what it serves has no supervisor any more. Each try is
 * reported from its final record when the server wrote one, else as
 * lost, with how the server ended in the reason (its exit status or
 * signal is its own, not the command's), after ending what is left of
 * it. */
static void
local_zyg_orphans(struct local_lane *ln)
{
	struct local_exec *ex = ln->ex;
	struct local_try **pp = &ex->running, *t;
	char gone[96];

	if (ln->zyg_status >= 0 && WIFSIGNALED(ln->zyg_status))
		snprintf(gone, sizeof gone, "was killed by signal %d (%s)",
			 WTERMSIG(ln->zyg_status), strsignal(WTERMSIG(ln->zyg_status)));
	else if (ln->zyg_status >= 0 && WIFEXITED(ln->zyg_status))
		snprintf(gone, sizeof gone, "exited with status %d",
			 WEXITSTATUS(ln->zyg_status));
	else
		snprintf(gone, sizeof gone, "ended");

	while ((t = *pp) != NULL) {
		struct sl_exec_result res;

		if (t->serial == 0 || t->lane != ln) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		ex->nrunning--;
		local_result(t, -1, gone, &res);
		t->done(t->arg, &res);
		try_free(t);
	}
	for (pp = &ex->detached; (t = *pp) != NULL; ) {
		if (t->serial == 0 || t->lane != ln) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		try_free(t);
	}
}

static void
local_zyg_lost(struct local_lane *ln)
{
	event_free(ln->zyg_ev);
	ln->zyg_ev = NULL;
	close(ln->zyg_ends);
	ln->zyg_ends = -1;
	ln->zyg_lost = 1;
	/* its ends pipe closes as it exits: its wait status is a moment
	 * away */
	while (ln->zyg_pid > 0 && waitpid(ln->zyg_pid, &ln->zyg_status, 0) < 0 &&
	       errno == EINTR)
		;
	ln->zyg_pid = 0;
	local_zyg_orphans(ln);
}

/* A lane's shared supervisor finished some tries. */
static void
local_on_ends(evutil_socket_t fd, short what, void *arg)
{
	struct local_lane *ln = arg;
	struct sup_server_end e[64];

	(void)what;
	for (;;) {
		ssize_t r = read(fd, e, sizeof e);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			local_zyg_lost(ln);
			return;
		}
		/* records are written whole and read whole (pipe atomic
		 * writes, sizes that divide the buffer) */
		for (size_t i = 0; i < (size_t)r / sizeof e[0]; i++)
			if (!local_end_serial(ln, &e[i])) {
				struct local_early *x = xcalloc(1, sizeof *x);

				x->e = e[i];
				x->next = ln->early;
				ln->early = x;
			}
	}
}

/* Start the shared supervisor (once, from the loop's thread): its own session,
 * descriptor 3 the request socket, 4 the ends pipe. 0, or -1 and tries
 * start by exec. */
static int
local_zyg_start(struct local_lane *ln)
{
	struct local_exec *ex = ln->ex;
	int sv[2], ends[2], devnull;
	/* with its status folder on its command line, as a per-try
	 * supervisor has its status file: whoever looks for the supervisors
	 * of one sluice home's tries finds it the same way */
	char *argv[] = { ex->supervisor, "-s", ex->status_dir, "--server", NULL };
	sigset_t none;
	pid_t pid;

	if (ex->status_dir == NULL) {
		argv[1] = argv[3];
		argv[2] = NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (pipe2(ends, O_CLOEXEC) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	sv[1] = high_fd(sv[1]);
	ends[1] = high_fd(ends[1]);
	devnull = high_fd(devnull);
	sigemptyset(&none);
	pid = vfork();
	if (pid == 0) {
		setsid();
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		dup2(sv[1], 3);
		dup2(ends[1], 4);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	close(sv[1]);
	close(ends[1]);
	if (devnull >= 0)
		close(devnull);
	if (pid < 0) {
		close(sv[0]);
		close(ends[0]);
		return -1;
	}
	ln->zyg_pid = pid;
	ln->zyg_req = sv[0];
	ln->zyg_ends = ends[0];
	fcntl(ln->zyg_ends, F_SETFL, O_NONBLOCK);
	ln->zyg_ev = event_new(ex->base, ln->zyg_ends, EV_READ | EV_PERSIST,
			       local_on_ends, ln);
	event_priority_set(ln->zyg_ev, 0);
	event_add(ln->zyg_ev, NULL);
	return 0;
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
		if (t->detached) {
			/* let go before it started: it runs on unwatched
			 * (its token finds it), or never ran */
			if (t->pid > 0) {
				t->next = ex->detached;
				ex->detached = t;
			} else
				try_free(t);
			continue;
		}
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
	for (int i = 0; i < ex->nlanes; i++) {
		if (ex->lanes[i].early != NULL)
			local_ends_match(&ex->lanes[i]);
		if (ex->lanes[i].zyg_lost)
			local_zyg_orphans(&ex->lanes[i]);
	}
}

/* The sluice-try next to the running program (sluice and sluice-try are
 * installed side by side), or NULL. */
static char *
local_find_supervisor(void)
{
	char self[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	return xasprintf("%s/%s", self, LOCAL_SUPERVISOR);
}

/*
 * A cgroup v2 folder where tries may get cgroups of their own: the
 * scheduler's own cgroup, when the cgroup2 file system is mounted and
 * that folder takes a new group (probed once). NULL otherwise: the
 * supervisor's subreaper walk and the try key cover a try's tree then.
 */
static char *
local_find_cgroup(void)
{
	char line[4096], mnt[4096] = "", own[4096] = "", *dir, probe[4200];
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof line, f) != NULL) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - TYPE SRC ... */
		char *sep = strstr(line, " - ");
		char point[4096];

		if (sep == NULL || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    strchr(point, '\\') == NULL) {
			snprintf(mnt, sizeof mnt, "%s", point);
			break;
		}
	}
	fclose(f);
	f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(own, sizeof own, "%s", line + 3);
		}
	fclose(f);
	if (mnt[0] == '\0' || own[0] != '/')
		return NULL;
	dir = strcmp(own, "/") == 0 ? xstrdup(mnt) : xasprintf("%s%s", mnt, own);
	snprintf(probe, sizeof probe, "%s/sluice-probe-%d", dir, (int)getpid());
	if (mkdir(probe, 0755) < 0 || rmdir(probe) < 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* One lane per CPU, at most LOCAL_DEFAULT_STARTERS: more than the CPUs
 * cannot start more at once. */
static json_int_t
local_default_starters(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > LOCAL_DEFAULT_STARTERS ? LOCAL_DEFAULT_STARTERS : n;
}

/* An optional whole-number key of the executor's config within [min,
 * max]: 0 (*out set when the key is there), or -1 and err says it must
 * be `must`. */
static int
local_cfg_int(json_t *cfg, const char *key, json_int_t min, json_int_t max,
	      const char *must, const char *name, json_int_t *out, char *err,
	      size_t errlen)
{
	json_t *v = json_object_get(cfg, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		snprintf(err, errlen, "executor %s: %s must be %s", name, key, must);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

/*
 * Config (all optional): slots (16), supervisor (the path of sluice-try;
 * next to the running program by default), status_dir (where each try's
 * status file lives; by default next to its log; a scheduler passes
 * HOME/run/tries), log_max (the default cap of a try's log in bytes, 100
 * MB; 0 for none), cgroup (true: a cgroup per try; default none), fork_server
 * (default true: `sluice-try --server` processes serve the tries; false: a
 * sluice-try of its own per try, exec'd from here), starters (lanes: one
 * per CPU, at most LOCAL_DEFAULT_STARTERS).
 */
static const char *const local_config_keys[] = {
	"type", "slots", "supervisor", "status_dir", "log_max", "cgroup",
	"fork_server", "starters", "status_keep_ms", "status_until_recorded",
};

static void *
local_create(struct event_base *base, const char *name,
	     const char *config_json, char *err, size_t errlen)
{
	struct local_exec *ex;
	json_t *cfg = json_loads(config_json, 0, NULL), *v;
	json_int_t keep, slots, log_max, starters;
	const char *key;

	/* a misspelt key (slotz: 4) would silently run on the defaults:
	 * refused by name, as the ssh executor does */
	json_object_foreach(cfg, key, v) {
		size_t k;

		for (k = 0; k < SL_ARRAY_LEN(local_config_keys); k++)
			if (strcmp(key, local_config_keys[k]) == 0)
				break;
		if (k == SL_ARRAY_LEN(local_config_keys)) {
			static const char known[] = "type, slots, starters, "
				"log_max, status_dir, status_keep_ms, supervisor, "
				"fork_server, cgroup, status_until_recorded";
			char hint[160];

			snprintf(err, errlen, "executor %s: unknown key '%s' "
				 "(%sknown: %s)", name, key,
				 text_hint_list(key, known, hint, sizeof hint), known);
			json_decref(cfg);
			return NULL;
		}
	}
	ex = xcalloc(1, sizeof *ex);
	ex->base = base;
	ex->name = xstrdup(name);
	ex->slots = 16;
	ex->log_max = LOCAL_LOG_MAX;
	ex->wake_fd = -1;
	/* on by default: a try costs one process instead of two, about a
	 * quarter less CPU per try (bench/RESULTS.md) */
	ex->no_server = json_is_false(json_object_get(cfg, "fork_server"));
	ex->until_recorded = json_is_true(json_object_get(cfg, "status_until_recorded"));
	keep = LOCAL_STATUS_KEEP_MS;
	slots = ex->slots;
	log_max = 0;
	starters = local_default_starters();
	if (local_cfg_int(cfg, "status_keep_ms", 0, INT64_MAX,
			  "a number of milliseconds", name, &keep, err, errlen) < 0 ||
	    local_cfg_int(cfg, "slots", 1, 100000,
			  "a whole number from 1 to 100000", name, &slots, err,
			  errlen) < 0 ||
	    local_cfg_int(cfg, "log_max", 0, INT64_MAX,
			  "a number of bytes (0: no cap)", name, &log_max, err,
			  errlen) < 0 ||
	    local_cfg_int(cfg, "starters", 1, LOCAL_MAX_STARTERS,
			  "a whole number from 1 to 64",
			  name, &starters, err, errlen) < 0)
		goto fail;
	ex->status_keep_ms = keep;
	ex->slots = (int)slots;
	/* more lanes than slots would never all be busy */
	ex->nlanes = (int)(starters < slots ? starters : slots);
	ex->lanes = xcalloc((size_t)ex->nlanes, sizeof *ex->lanes);
	for (int i = 0; i < ex->nlanes; i++) {
		ex->lanes[i].ex = ex;
		ex->lanes[i].zyg_req = ex->lanes[i].zyg_ends = -1;
		ex->lanes[i].zyg_status = -1;	/* not reaped */
	}
	if (json_object_get(cfg, "log_max") != NULL)
		ex->log_max = log_max == 0 ? -1 : log_max;
	v = json_object_get(cfg, "status_dir");
	if (json_is_string(v) && *json_string_value(v) != '\0') {
		struct sl_err merr;

		ex->status_dir = xstrdup(json_string_value(v));
		if (sl_mkdirs(ex->status_dir, 0700, &merr) < 0) {
			snprintf(err, errlen, "executor %s: %s", name, merr.msg);
			goto fail;
		}
		ex->spares = local_spares_open(ex->status_dir);
	}
	v = json_object_get(cfg, "supervisor");
	if (json_is_string(v))
		ex->supervisor = realpath(json_string_value(v), NULL);
	else {
		char *near = local_find_supervisor();

		ex->supervisor = near ? realpath(near, NULL) : NULL;
		free(near);
	}
	if (ex->supervisor == NULL || access(ex->supervisor, X_OK) < 0) {
		snprintf(err, errlen,
			 "executor %s: cannot find the try supervisor %s (it is installed next to sluice)",
			 name, json_is_string(v) ? json_string_value(v) : LOCAL_SUPERVISOR);
		goto fail;
	}
	/* a cgroup per try only when asked: it costs every try a cgroup
	 * made, joined and removed (kernel work beside the try's own), and
	 * no limit needs one; the subreaper, the command's session and the
	 * try's key find the tree without it */
	if (json_is_true(json_object_get(cfg, "cgroup")))
		ex->cgroup_dir = local_find_cgroup();
	json_decref(cfg);
	ex->sigchld = evsignal_new(base, SIGCHLD, local_on_sigchld, ex);
	event_priority_set(ex->sigchld, 0);
	event_add(ex->sigchld, NULL);
	pthread_mutex_init(&ex->mu, NULL);
	pthread_cond_init(&ex->cv, NULL);
	ex->queue_tail = &ex->queue;
	ex->ended_tail = &ex->ended;
	ex->stale_tail = &ex->stale;
	ex->held_tail = &ex->held;
	return ex;
fail:
	json_decref(cfg);
	free(ex->lanes);
	local_spares_close(ex->spares);
	free(ex->supervisor);
	free(ex->status_dir);
	free(ex->name);
	free(ex);
	return NULL;
}

/* The threads start with the first try; they block every signal, so
 * they all reach the loop's thread. One that cannot start leaves its
 * lane idle; none at all is an error. */
static int
local_start_thread(struct local_exec *ex, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc = 0;

	if (!ex->no_server)
		for (int i = 0; i < ex->nlanes; i++)
			local_zyg_start(&ex->lanes[i]);
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
	for (int i = 0; i < ex->nlanes; i++) {
		struct local_lane *ln = &ex->lanes[i];
		int r = pthread_create(&ln->thread, NULL, starter_main, ln);

		if (r == 0) {
			ln->have_thread = 1;
			ex->have_thread = 1;
		} else
			rc = r;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ex->have_thread) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
		event_free(ex->wake_ev);
		ex->wake_ev = NULL;
		close(ex->wake_fd);
		ex->wake_fd = -1;
		return -1;
	}
	return 0;
}

static int
local_slots(void *inst)
{
	return ((struct local_exec *)inst)->slots;
}

/* A new try's random key, as 32 hex digits. */
static void
local_new_key(char hex[33])
{
	static unsigned long long counter;
	unsigned char rnd[16];

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		unsigned long long a = (unsigned long long)sl_mono_ms(),
				   b = ((unsigned long long)getpid() << 32) | ++counter;

		memcpy(rnd, &a, 8);
		memcpy(rnd + 8, &b, 8);
	}
	sl_hex(rnd, sizeof rnd, hex);
}

/* Hands the try to the starter thread and returns at once; the result
 * (started, or could not start) arrives on a later loop turn. */
/* A later loop turn than the start() calls: give the held tries to the
 * starter thread. */
static void
local_handoff(evutil_socket_t fd, short what, void *arg)
{
	struct local_exec *ex = arg;
	int nheld = 0;

	(void)fd;
	(void)what;
	if (ex->held == NULL)
		return;
	for (struct local_try *t = ex->held; t != NULL; t = t->qnext)
		nheld++;
	pthread_mutex_lock(&ex->mu);
	*ex->queue_tail = ex->held;
	ex->queue_tail = ex->held_tail;
	ex->held = NULL;
	ex->held_tail = &ex->held;
	/* a waiting thread per try at most; the others sleep on */
	for (int n = SL_MIN(ex->thread_waits, nheld); n > 0; n--)
		pthread_cond_signal(&ex->cv);
	pthread_mutex_unlock(&ex->mu);
}

static void *
local_start(void *inst, const struct sl_exec_task *task, sl_exec_done_fn done,
	    void *arg, char *err, size_t errlen)
{
	struct local_exec *ex = inst;
	struct local_try *t;
	char entry[80];

	if (!ex->have_thread && local_start_thread(ex, err, errlen) < 0)
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->ex = ex;
	t->pidfd = -1;
	t->kill_grace_ms = task->kill_grace_ms;
	t->keep_children = task->keep_children;
	t->log_max = task->log_max;
	t->done = done;
	t->arg = arg;
	/* The try's key, in its environment and its token, and its status
	 * file: both known before the process exists, so the token is
	 * stored with the running state, and a restarted scheduler finds
	 * the try (its supervisor, its end, its children) by it. */
	local_new_key(t->key);
	snprintf(entry, sizeof entry, "%s=%s", LOCAL_KEY_VAR, t->key);
	if (ex->status_dir != NULL)
		t->status_path = xasprintf("%s/%s.status", ex->status_dir, t->key);
	else {
		const char *slash = strrchr(task->log_path, '/');

		t->status_path = slash == NULL ?
		    xasprintf("%s.status", t->key) :
		    xasprintf("%.*s/%s.status", (int)(slash - task->log_path),
			      task->log_path, t->key);
	}
	t->token = xasprintf("key=%s status=%s", t->key, t->status_path);
	t->argv = strv_copy(task->argv, NULL);
	t->env = strv_copy(task->env, entry);
	t->cwd = task->cwd ? xstrdup(task->cwd) : NULL;
	t->log_path = xstrdup(task->log_path);
	if (task->stdin_data != NULL) {
		t->stdin_data = xmalloc(task->stdin_len + 1);
		memcpy(t->stdin_data, task->stdin_data, task->stdin_len);
		t->stdin_len = task->stdin_len;
	}
	if (task->secrets != NULL && task->secrets[0] != NULL) {
		struct buf b;

		buf_init(&b, 0);
		for (char *const *v = task->secrets; *v != NULL; v++)
			if (**v != '\0')
				buf_add(&b, *v, strlen(*v) + 1);
		t->secrets_len = b.len;
		t->secrets = buf_steal(&b);
		if (t->secrets_len == 0) {
			free(t->secrets);
			t->secrets = NULL;
		}
	}
	ex->nrunning++;
	*ex->held_tail = t;
	ex->held_tail = &t->qnext;
	if (ex->handoff_ev == NULL)
		ex->handoff_ev = event_new(ex->base, -1, 0, local_handoff, ex);
	event_active(ex->handoff_ev, EV_TIMEOUT, 0);
	return t;
}

/* The supervisor did not finish within its grace: kill it, and (through
 * the reap or the adopted try's end) whatever it left. */
static void
local_on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	struct local_try *t = arg;

	local_signal(t, SIGKILL);
}

static void
local_kill(void *inst, void *handle, enum sl_exec_kill_reason why)
{
	struct local_try *t = handle;
	struct local_exec *ex = t->ex;

	if (t->killed)
		return;
	t->killed = 1;
	if (t->started || t->adopted) {
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

/* Split a token "key=HEX status=PATH" (PATH may hold spaces); 0 or -1. */
static int
local_parse_token(const char *token, char key[33], const char **status)
{
	if (strncmp(token, "key=", 4) != 0 || strlen(token) < 4 + 32 ||
	    strncmp(token + 36, " status=", 8) != 0 || token[44] != '/')
		return -1;
	memcpy(key, token + 4, 32);
	key[32] = '\0';
	for (int i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", key[i]))
			return -1;
	*status = token + 44;
	return 0;
}

static void
local_kill_orphan(void *inst, const char *token)
{
	int pgid = 0;
	unsigned long long start = 0;
	char key[33], entry[80];
	const char *status;

	if (local_parse_token(token, key, &status) == 0) {
		/* the supervisor (it carries the key too), the try's cgroup,
		 * every process with the key */
		struct local_status st;

		local_status_read(status, &st);
		if (local_status_alive(&st) && st.serial != 0)
			local_signal_served(st.pid, st.serial, SIGKILL,
					    local_server_queues(st.pid));
		else if (local_status_alive(&st))
			kill(st.pid, SIGKILL);
		snprintf(entry, sizeof entry, "%s=%s", LOCAL_KEY_VAR, key);
		local_status_kill_tree(entry, st.cgroup);
		local_status_remove(status);
		return;
	}
	if (strncmp(token, "key=", 4) == 0 && strlen(token + 4) == 32) {
		/* tokens of version 1 sluice: the key alone */
		snprintf(entry, sizeof entry, "%s=%s", LOCAL_KEY_VAR, token + 4);
		local_status_kill_tree(entry, NULL);
		return;
	}
	/* tokens of earlier versions: the group leader's pid and start */
	if (sscanf(token, "pgid=%d start=%llu", &pgid, &start) != 2 || pgid <= 1)
		return;
	/* the leader must be the same process we started; if the leader is
	 * gone, its group may still hold children: kill the group anyway
	 * only if no other process now owns that pid */
	{
		unsigned long long now = local_status_proc_start(pgid);

		/* the boot-clock reading may differ from the kernel's by a
		 * tick or two */
		if (now != 0 && (now + 5 < start || now > start + 5))
			return;
	}
	kill(-pgid, SIGKILL);
}

/* An adopted try has ended (or may have: a poll): report it. */
static void
local_on_adopted_end(evutil_socket_t fd, short what, void *arg)
{
	struct local_try *t = arg, **pp;
	struct local_exec *ex = t->ex;
	struct sl_exec_result res;

	if (t->pid == 0 && t->start_polls < LOCAL_ADOPT_START_POLLS &&
	    local_maybe_starting(t->status_path)) {
		/* look again shortly: its supervisor may be starting */
		struct timeval tv;

		t->start_polls++;
		sl_ms_timeval(LOCAL_ADOPT_START_POLL_MS, &tv);
		evtimer_add(t->watch_ev, &tv);
		return;
	}
	if (t->pid == 0 && t->start_polls > 0) {
		struct local_status st;

		if (local_status_read(t->status_path, &st) == 0 && !st.ended &&
		    local_status_alive(&st)) {
			/* it started after all: follow it by polling */
			t->pid = st.pid;
			t->sup_start = st.start;
			t->kill_grace_ms = st.grace_ms;
			t->serial = st.serial;
		}
	}
	if (t->pidfd < 0 && local_status_pid_alive(t->pid, t->sup_start) &&
	    (t->serial == 0 || access(t->status_path, F_OK) < 0)) {
		/* polled, still running (served: its server lives and has
		 * not written its final record) */
		struct timeval tv;

		sl_ms_timeval(t->serial != 0 ? LOCAL_ADOPT_SERVED_POLL_MS :
			      LOCAL_ADOPT_POLL_MS, &tv);
		evtimer_add(t->watch_ev, &tv);
		return;
	}
	for (pp = &ex->adopted; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	ex->nrunning--;
	local_result(t, -1, NULL, &res);
	t->done(t->arg, &res);
	try_free(t);
}

static void *
local_adopt(void *inst, const char *token, sl_exec_done_fn done, void *arg,
	    char *err, size_t errlen)
{
	struct local_exec *ex = inst;
	struct local_try *t;
	struct local_status st;
	const char *status;
	char key[33];
	struct timeval now = { 0, 0 };

	if (local_parse_token(token, key, &status) < 0) {
		snprintf(err, errlen,
			 "the token '%.80s' names no try supervisor (a try started by an older sluice): it cannot be followed",
			 token);
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->ex = ex;
	t->adopted = 1;
	t->pidfd = -1;
	t->done = done;
	t->arg = arg;
	memcpy(t->key, key, sizeof t->key);
	t->status_path = xstrdup(status);
	t->token = xstrdup(token);
	t->kill_grace_ms = 10000;
	if (local_status_read(status, &st) == 0 && !st.ended &&
	    local_status_alive(&st)) {
		t->pid = st.pid;
		t->sup_start = st.start;
		t->kill_grace_ms = st.grace_ms;
		t->serial = st.serial;
#ifdef SYS_pidfd_open
		/* a shared supervisor's exit says nothing of one try: that
		 * one is polled */
		if (st.serial == 0)
			t->pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
		/* the pid may have been reused between the check and the
		 * open: the pidfd counts only if the start time still fits */
		if (t->pidfd >= 0 && local_status_proc_start(st.pid) != st.start) {
			close(t->pidfd);
			t->pidfd = -1;
			t->sup_start = 0;
		}
#endif
	}
	if (t->pidfd >= 0) {
		/* readable when the supervisor exits */
		t->watch_ev = event_new(ex->base, t->pidfd, EV_READ,
					local_on_adopted_end, t);
		event_add(t->watch_ev, NULL);
	} else {
		/* ended (reported on the next turn), or polled */
		t->watch_ev = evtimer_new(ex->base, local_on_adopted_end, t);
		if (t->sup_start != 0)
			sl_ms_timeval(t->serial != 0 ? LOCAL_ADOPT_SERVED_POLL_MS :
				      LOCAL_ADOPT_POLL_MS, &now);
		evtimer_add(t->watch_ev, &now);
	}
	t->next = ex->adopted;
	ex->adopted = t;
	ex->nrunning++;
	return t;
}

static void
local_detach(void *inst, void *handle)
{
	struct local_exec *ex = inst;
	struct local_try *t = handle, **pp;

	ex->nrunning--;
	if (t->adopted || t->started) {
		for (pp = t->adopted ? &ex->adopted : &ex->running; *pp != NULL;
		     pp = &(*pp)->next)
			if (*pp == t) {
				*pp = t->next;
				break;
			}
		if (t->kill_timer != NULL) {
			event_free(t->kill_timer);
			t->kill_timer = NULL;
		}
		if (t->adopted) {
			try_free(t);
			return;
		}
		/* still our child: reaped silently when it ends */
		t->next = ex->detached;
		ex->detached = t;
		return;
	}
	/* the thread has it: it starts (or not) and is let go then */
	pthread_mutex_lock(&ex->mu);
	t->detached = 1;
	pthread_mutex_unlock(&ex->mu);
}

/* The scheduler committed the try's end: its status file becomes a spare
 * now instead of LOCAL_STATUS_KEEP_MS after the end (its entry in the
 * stale list then finds it gone). Without spares (no status folder)
 * nothing changes: a removal frees an inode, which makes the next ones
 * made near it dearer on some file systems. */
static void
local_recorded(void *inst, const char *token)
{
	struct local_exec *ex = inst;
	const char *status;
	char key[33];

	if (ex->spares != NULL && local_parse_token(token, key, &status) == 0)
		local_spares_keep(ex->spares, status);
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

	/* tries never handed to the thread never start */
	while (ex->held != NULL) {
		struct local_try *t = ex->held;

		ex->held = t->qnext;
		try_free(t);
	}
	if (ex->handoff_ev != NULL)
		event_free(ex->handoff_ev);
	if (ex->have_thread) {
		pthread_mutex_lock(&ex->mu);
		ex->quit = 1;
		pthread_cond_broadcast(&ex->cv);
		pthread_mutex_unlock(&ex->mu);
		for (int i = 0; i < ex->nlanes; i++)
			if (ex->lanes[i].have_thread)
				pthread_join(ex->lanes[i].thread, NULL);
		/* requests they ran after the loop stopped */
		while (ex->ended != NULL) {
			struct local_try *t = ex->ended;

			ex->ended = t->qnext;
			try_free(t);
		}
	}
	/* a shared supervisor takes no new try once its socket closes;
	 * it serves the tries it has to their end */
	for (int i = 0; i < ex->nlanes; i++) {
		struct local_lane *ln = &ex->lanes[i];

		if (ln->zyg_req >= 0)
			close(ln->zyg_req);
		if (ln->zyg_ev != NULL)
			event_free(ln->zyg_ev);
		if (ln->zyg_ends >= 0)
			close(ln->zyg_ends);
		while (ln->early != NULL) {
			struct local_early *x = ln->early;

			ln->early = x->next;
			free(x);
		}
	}
	free(ex->lanes);
	/* adopted tries nobody detached: let go of them too */
	while (ex->adopted != NULL) {
		struct local_try *t = ex->adopted;

		ex->adopted = t->next;
		try_free(t);
	}
	/* detached supervisors run on without us */
	while (ex->detached != NULL) {
		struct local_try *t = ex->detached;

		ex->detached = t->next;
		try_free(t);
	}
	/* status files of ends the scheduler recorded went to the spares
	 * (recorded); one still there is of an end it could not commit
	 * (its writes held when it stopped): kept, as the timer would
	 * have kept it, for the next scheduler to adopt the try and read
	 * its end, not find it never started and run it again */
	while (ex->stale != NULL) {
		struct local_stale *x = ex->stale;

		ex->stale = x->next;
		if (ex->spares == NULL ||
		    (!ex->until_recorded && x->at <= sl_mono_ms()))
			local_status_remove(x->path);
		free(x->path);
		free(x);
	}
	local_spares_close(ex->spares);
	if (ex->stale_ev != NULL)
		event_free(ex->stale_ev);
	if (ex->wake_ev != NULL)
		event_free(ex->wake_ev);
	if (ex->wake_fd >= 0)
		close(ex->wake_fd);
	pthread_mutex_destroy(&ex->mu);
	pthread_cond_destroy(&ex->cv);
	if (ex->sigchld != NULL)
		event_free(ex->sigchld);
	free(ex->supervisor);
	free(ex->status_dir);
	free(ex->cgroup_dir);
	free(ex->name);
	free(ex);
}

/* A local try runs on this machine, as its result says (executor.h). */
static const char *
local_where(void *inst, void *handle)
{
	(void)inst;
	(void)handle;
	return "localhost";
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
	.adopt = local_adopt,
	.detach = local_detach,
	.recorded = local_recorded,
	/* no adopted_secrets: a try's supervisor masks its log with the
	 * values start() gave it, adopted by a later scheduler or not */
	.where = local_where,
};
