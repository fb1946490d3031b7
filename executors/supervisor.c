/*
 * supervisor.c: sluice-try, the per-try supervisor of the local executor.
 * One small process per try, linked against libc only (its exec must cost
 * far less than a millisecond), that does what the scheduler cannot
 * promise to do itself because the scheduler may be killed or restarted
 * while the try runs:
 *
 *   - it runs in a session of its own and is the child subreaper of the
 *     try, so every process the try starts, including `setsid` and
 *     double-forked ones, stays its descendant; with a writable cgroup v2
 *     parent (-G) the command also runs in a cgroup of its own;
 *   - it copies the command's stdout and stderr into the log, capped
 *     (-m): the head and the tail are kept, with a marker line saying how
 *     many bytes were dropped between them; a full disk is reported as
 *     "disk full";
 *   - when the command exits, leftover descendants get SIGTERM, then
 *     SIGKILL after the grace period (-g), unless -K (keep_children);
 *   - on SIGTERM (a kill request) the whole tree gets the same treatment;
 *   - at the end it writes the try's exit status durably into the status
 *     file (temp file, fsync, rename), then exits mirroring the command:
 *     the same exit code, or the same signal.
 *
 *   sluice-try -s STATUS [-m LOG_MAX] [-g GRACE_MS] [-K] [-G CGROUP_DIR]
 *              [-k KEY] [-x PROGRAM] -- ARGV...
 *
 * File descriptors: 0 is the command's stdin, 1 the log (opened for
 * appending), 2 where the supervisor's own complaints go (the log too),
 * 3 (optional) STATUS.tmp opened for writing by the caller, who can then
 * report a full disk before anything starts; without it the supervisor
 * makes STATUS.tmp itself. While the try runs STATUS.tmp holds
 * "state=running" and the supervisor's pid and start time, so a new
 * scheduler can tell a live supervisor from a reused pid; at the end
 * STATUS holds "state=ended" and the result (format: see status_write()).
 * The environment is the command's, unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SUP_COPY_BUF (64 * 1024)
#define SUP_ROTATE_BUF (1024 * 1024)

extern char **environ;

/* The capped log writer. The first half of the cap is appended as it
 * comes; past it, the rest cycles through a ring region of the file (the
 * other half), which is put back in order at the end. A line someone else
 * appends to the log while the ring cycles (the scheduler's "timed out")
 * may end up in the dropped middle. */
struct sup_log {
	int fd;
	long long cap;		/* 0: no cap */
	long long head_left;	/* bytes the head may still take */
	long long ring_off;	/* file offset of the ring, -1 before it */
	long long ring_size;
	long long ring_pos;	/* bytes written into the ring in total */
	long long lost;		/* bytes not written (write errors) */
	long long dropped;	/* bytes the cap dropped, marker included */
	int err;		/* errno of the first failed write */
};

struct sup {
	const char *status_path;
	char status_tmp[PATH_MAX];
	int status_fd;
	long long grace_ms;
	int keep_children;
	const char *key;
	char cgroup[PATH_MAX];	/* the try's cgroup, "" without one */
	char cgroup_procs[PATH_MAX + 16];
	unsigned long long self_start;
	long long started_ms;

	pid_t child;
	int child_done;
	int child_status;
	char error[512];

	struct sup_log log;
};

static long long
sup_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A line of our own on stderr (the log, as the executor starts us). */
static void
sup_note(const char *fmt, const char *a, const char *b)
{
	char line[1024];
	int n = snprintf(line, sizeof line, fmt, a, b);

	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int
sup_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
sup_pwrite_all(int fd, const char *p, size_t n, long long off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static int
sup_pread_all(int fd, char *p, size_t n, long long off)
{
	while (n > 0) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

static void
sup_log_failed(struct sup_log *l, size_t n)
{
	if (l->err == 0)
		l->err = errno ? errno : EIO;
	l->lost += (long long)n;
}

/* Copy one chunk of the command's output into the log. */
static void
sup_log_out(struct sup_log *l, const char *p, size_t n)
{
	if (l->err != 0) {
		/* after a failed write everything is counted, nothing
		 * written: a log with holes would mislead */
		l->lost += (long long)n;
		return;
	}
	if (l->cap == 0 || (long long)n <= l->head_left) {
		if (sup_write_all(l->fd, p, n) < 0)
			sup_log_failed(l, n);
		else
			l->head_left -= (long long)n;
		return;
	}
	if (l->ring_off < 0) {
		size_t head = (size_t)l->head_left;
		int flags;

		if (head > 0 && sup_write_all(l->fd, p, head) < 0) {
			sup_log_failed(l, n);
			return;
		}
		p += head;
		n -= head;
		l->head_left = 0;
		/* positional writes from here (O_APPEND would ignore the
		 * offsets), and reads at the end: a log opened write-only
		 * is opened again for both */
		flags = fcntl(l->fd, F_GETFL);
		if (flags >= 0 && (flags & O_ACCMODE) != O_RDWR) {
			char self[64];
			int fd;

			snprintf(self, sizeof self, "/proc/self/fd/%d", l->fd);
			fd = open(self, O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				l->fd = fd;
				flags = fcntl(l->fd, F_GETFL);
			}
		}
		if (flags < 0 || fcntl(l->fd, F_SETFL, flags & ~O_APPEND) < 0 ||
		    (l->ring_off = lseek(l->fd, 0, SEEK_END)) < 0) {
			l->ring_off = -1;
			sup_log_failed(l, n);
			return;
		}
	}
	while (n > 0) {
		long long at = l->ring_pos % l->ring_size;
		size_t k = n;

		if ((long long)k > l->ring_size - at)
			k = (size_t)(l->ring_size - at);
		if (sup_pwrite_all(l->fd, p, k, l->ring_off + at) < 0) {
			sup_log_failed(l, n);
			return;
		}
		l->ring_pos += (long long)k;
		p += k;
		n -= k;
	}
}

static void
sup_reverse(char *p, size_t n)
{
	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		char c = p[i];

		p[i] = p[j - 1];
		p[j - 1] = c;
	}
}

/* Reverse the bytes of [a, b) of the file, a megabyte pair at a time. */
static int
sup_log_reverse(int fd, long long a, long long b, char *x, char *y)
{
	while (b - a >= 2) {
		size_t c = (size_t)((b - a) / 2);

		if (c > SUP_ROTATE_BUF)
			c = SUP_ROTATE_BUF;
		if (sup_pread_all(fd, x, c, a) < 0 ||
		    sup_pread_all(fd, y, c, b - (long long)c) < 0)
			return -1;
		sup_reverse(x, c);
		sup_reverse(y, c);
		if (sup_pwrite_all(fd, y, c, a) < 0 ||
		    sup_pwrite_all(fd, x, c, b - (long long)c) < 0)
			return -1;
		a += (long long)c;
		b -= (long long)c;
	}
	return 0;
}

/* The marker that replaces the first bytes of the tail. */
static size_t
sup_marker(char *out, size_t n, long long dropped, long long cap)
{
	int len = snprintf(out, n,
			   "\n[sluice: %lld bytes of output dropped here: the log keeps about the first and the last %lld bytes of a try]\n",
			   dropped, cap / 2);

	return len < 0 ? 0 : (size_t)len;
}

/* Put a wrapped ring back in order (oldest byte first) and overwrite its
 * first bytes with the marker. The log ends at the cap, give or take the
 * lines others appended meanwhile. */
static void
sup_log_finish(struct sup_log *l)
{
	long long size = l->ring_size, split, dropped;
	char marker[256], *x, *y;
	size_t mlen;

	if (l->err != 0 || l->ring_off < 0 || l->ring_pos <= size)
		return;
	split = l->ring_pos % size;
	x = malloc(SUP_ROTATE_BUF);
	y = malloc(SUP_ROTATE_BUF);
	if (x == NULL || y == NULL) {
		free(x);
		free(y);
		errno = ENOMEM;
		sup_log_failed(l, 0);
		return;
	}
	/* [split, size) is the oldest part: rotate it to the front */
	if (split > 0 &&
	    (sup_log_reverse(l->fd, l->ring_off, l->ring_off + split, x, y) < 0 ||
	     sup_log_reverse(l->fd, l->ring_off + split, l->ring_off + size, x, y) < 0 ||
	     sup_log_reverse(l->fd, l->ring_off, l->ring_off + size, x, y) < 0))
		sup_log_failed(l, 0);
	free(x);
	free(y);
	if (l->err != 0)
		return;
	/* the marker's own length enters the count it prints: settle it */
	dropped = l->ring_pos - size;
	mlen = sup_marker(marker, sizeof marker, dropped, l->cap);
	mlen = sup_marker(marker, sizeof marker, dropped + (long long)mlen, l->cap);
	mlen = sup_marker(marker, sizeof marker, dropped + (long long)mlen, l->cap);
	if ((long long)mlen > size)
		mlen = (size_t)size;
	l->dropped = dropped + (long long)mlen;
	if (sup_pwrite_all(l->fd, marker, mlen, l->ring_off) < 0)
		sup_log_failed(l, 0);
}

/* Append a last line to the log; on a full disk, over the last bytes of
 * the output instead (they are lost, as the rest was), so that the log
 * says why it ends there. */
static void
sup_log_last_line(int fd, const char *line)
{
	size_t len = strlen(line);
	off_t end;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_APPEND);
	if (sup_write_all(fd, line, len) == 0)
		return;
	if (errno != ENOSPC && errno != EDQUOT)
		return;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_APPEND);
	end = lseek(fd, 0, SEEK_END);
	if (end >= (off_t)len)
		(void)sup_pwrite_all(fd, line, len, (long long)(end - (off_t)len));
}

/* The start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat), 0 if unknown. */
static unsigned long long
sup_proc_start(pid_t pid, pid_t *ppid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	int fd, field;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	/* fields after the name: 3 state, 4 ppid, ..., 22 starttime */
	for (field = 3, p += 2; *p != '\0' && field < 22; field++) {
		if (field == 4 && ppid != NULL)
			*ppid = (pid_t)strtol(p, NULL, 10);
		p = strchr(p, ' ');
		if (p == NULL)
			return 0;
		p++;
	}
	start = strtoull(p, NULL, 10);
	return start;
}

/*
 * The status file. Lines of NAME=VALUE:
 *   state=running|ended, pid=, start= (the supervisor's start time in
 *   clock ticks since boot), started_ms= (wall clock), grace_ms= (the
 *   kill grace it was given), cgroup= (when the
 *   try has one); once ended also ended_ms=, exit_code=, signal=,
 *   log_dropped= (bytes dropped by the cap) and error= (when the command
 *   could not run or its log could not be written).
 * Written in place into STATUS.tmp while running; at the end the final
 * text goes to STATUS.tmp, which is synced and renamed to STATUS.
 */
static int
status_write(struct sup *s, int ended)
{
	char text[8192];
	size_t n = 0;

#define STATUS_ADD(...) do { \
		int k_ = snprintf(text + n, sizeof text - n, __VA_ARGS__); \
		if (k_ > 0) \
			n = n + (size_t)k_ < sizeof text ? n + (size_t)k_ : sizeof text - 1; \
	} while (0)
	STATUS_ADD("state=%s\npid=%d\nstart=%llu\nstarted_ms=%lld\ngrace_ms=%lld\n",
		   ended ? "ended" : "running", (int)getpid(), s->self_start,
		   s->started_ms, s->grace_ms);
	if (s->cgroup[0] != '\0')
		STATUS_ADD("cgroup=%s\n", s->cgroup);
	if (ended) {
		int code = -1, sig = 0;

		if (s->child_done && WIFEXITED(s->child_status))
			code = WEXITSTATUS(s->child_status);
		else if (s->child_done && WIFSIGNALED(s->child_status)) {
			sig = WTERMSIG(s->child_status);
			code = 128 + sig;
		}
		STATUS_ADD("ended_ms=%lld\nexit_code=%d\nsignal=%d\nlog_dropped=%lld\n",
			   sup_clock_ms(CLOCK_REALTIME), code, sig,
			   s->log.dropped);
		if (s->error[0] != '\0')
			STATUS_ADD("error=%s\n", s->error);
	}
#undef STATUS_ADD
	/* the running record is not truncated: the space the executor
	 * reserved stays reserved (zeros after the text) for the final
	 * one, so a disk that fills meanwhile cannot lose it */
	if (sup_pwrite_all(s->status_fd, text, n, 0) < 0)
		return -1;
	if (ended && ftruncate(s->status_fd, (off_t)n) < 0)
		return -1;
	if (!ended)
		return 0;
	if (fdatasync(s->status_fd) < 0 ||
	    rename(s->status_tmp, s->status_path) < 0)
		return -1;
	{
		/* the rename itself is durable once its folder is synced */
		char dir[PATH_MAX];
		char *slash;
		int dfd;

		snprintf(dir, sizeof dir, "%s", s->status_path);
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else if (slash != NULL)
			*slash = '\0';
		else
			snprintf(dir, sizeof dir, ".");
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}

/* Signal every descendant: from the cgroup's list when the try has one,
 * else (or also, with walk) by walking parent links in /proc (as the
 * subreaper, every process of the try descends from us; the walk also
 * finds one that left the cgroup). SIGCONT follows SIGTERM so that a
 * stopped process sees it. Returns how many processes were signalled. */
static int
sup_signal_tree(struct sup *s, int sig, int walk)
{
	pid_t *pids = NULL, *ppids = NULL, self = getpid();
	size_t n = 0, cap = 0;
	int count = 0;

	if (!s->child_done)
		kill(-s->child, sig);
	if (s->cgroup[0] != '\0') {
		char path[PATH_MAX + 16], buf[4096];
		int fd;
		ssize_t r;

		if (sig == SIGKILL) {
			snprintf(path, sizeof path, "%s/cgroup.kill", s->cgroup);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				int ok = write(fd, "1", 1) == 1;

				close(fd);
				if (ok && !walk)
					return 1;
			}
		}
		fd = open(s->cgroup_procs, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			/* one pid a line; a pid cut by a read boundary is
			 * carried over */
			char part[32] = "";
			size_t plen = 0;

			while ((r = read(fd, buf, sizeof buf)) > 0) {
				for (ssize_t i = 0; i < r; i++) {
					if (buf[i] != '\n') {
						if (plen + 1 < sizeof part)
							part[plen++] = buf[i];
						continue;
					}
					part[plen] = '\0';
					plen = 0;
					if (atoi(part) > 0 && kill(atoi(part), sig) == 0) {
						if (sig == SIGTERM)
							kill(atoi(part), SIGCONT);
						count++;
					}
				}
			}
			close(fd);
			if (!walk)
				return count;
		}
	}
	{
		DIR *d = opendir("/proc");
		struct dirent *e;
		int grew = 1;
		char *mark;

		if (d == NULL)
			return 0;
		while ((e = readdir(d)) != NULL) {
			pid_t pid, ppid = 0;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			pid = (pid_t)atoi(e->d_name);
			if (sup_proc_start(pid, &ppid) == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				pids = realloc(pids, cap * sizeof *pids);
				ppids = realloc(ppids, cap * sizeof *ppids);
				if (pids == NULL || ppids == NULL)
					abort();
			}
			pids[n] = pid;
			ppids[n++] = ppid;
		}
		closedir(d);
		mark = calloc(n + 1, 1);
		if (mark == NULL)
			abort();
		/* descendants of self: grow the set until it stops growing */
		while (grew) {
			grew = 0;
			for (size_t i = 0; i < n; i++) {
				if (mark[i])
					continue;
				if (ppids[i] == self)
					mark[i] = grew = 1;
				else
					for (size_t j = 0; j < n; j++)
						if (mark[j] && pids[j] == ppids[i]) {
							mark[i] = grew = 1;
							break;
						}
			}
		}
		for (size_t i = 0; i < n; i++)
			if (mark[i] && kill(pids[i], sig) == 0) {
				if (sig == SIGTERM)
					kill(pids[i], SIGCONT);
				count++;
			}
		free(mark);
		free(pids);
		free(ppids);
	}
	return count;
}

/* Make the try's cgroup under dir (a writable cgroup v2 folder); the
 * command joins it before exec. No cgroup on failure: the subreaper
 * walk covers the tree then. */
static void
sup_cgroup_make(struct sup *s, const char *dir)
{
	int n = snprintf(s->cgroup, sizeof s->cgroup, "%s/sluice-try-%s", dir,
			 s->key ? s->key : "x");

	if (n < 0 || (size_t)n >= sizeof s->cgroup ||
	    (mkdir(s->cgroup, 0755) < 0 && errno != EEXIST)) {
		s->cgroup[0] = '\0';
		return;
	}
	snprintf(s->cgroup_procs, sizeof s->cgroup_procs, "%s/cgroup.procs",
		 s->cgroup);
}

/* Remove the try's cgroup at the end. Kept children (-K) move to the
 * folder it was made in first: they outlive the try, its group does not. */
static void
sup_cgroup_remove(struct sup *s)
{
	if (s->keep_children) {
		char parent[PATH_MAX + 16], buf[4096];
		char *slash;
		ssize_t r;
		int in, out;

		snprintf(parent, sizeof parent, "%s", s->cgroup);
		slash = strrchr(parent, '/');
		if (slash == NULL)
			return;
		snprintf(slash, sizeof parent - (size_t)(slash - parent),
			 "/cgroup.procs");
		in = open(s->cgroup_procs, O_RDONLY | O_CLOEXEC);
		out = open(parent, O_WRONLY | O_CLOEXEC);
		/* one pid a line; each write moves one process */
		while (in >= 0 && out >= 0 && (r = read(in, buf, sizeof buf - 1)) > 0) {
			char *p = buf, *nl;

			buf[r] = '\0';
			while ((nl = strchr(p, '\n')) != NULL) {
				(void)!write(out, p, (size_t)(nl - p));
				p = nl + 1;
			}
		}
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
	}
	rmdir(s->cgroup);
}

/*
 * Start the command: vfork, then in the child only system calls (its own
 * process group, the cgroup, stdout and stderr into the pipe, default
 * signals, exec). Returns its pid, or -1 with s->error set.
 */
static pid_t
sup_spawn(struct sup *s, const char *prog, char **argv, int out_w,
	  const sigset_t *none)
{
	volatile int child_err = 0, cgroup_failed = 0;
	pid_t pid;

	pid = vfork();
	if (pid == 0) {
		setpgid(0, 0);
		if (s->cgroup[0] != '\0') {
			int fd = open(s->cgroup_procs, O_WRONLY | O_CLOEXEC);

			if (fd < 0 || write(fd, "0", 1) != 1)
				cgroup_failed = 1;
			if (fd >= 0)
				close(fd);
		}
		dup2(out_w, 1);
		dup2(out_w, 2);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, none, NULL);
		if (strchr(prog, '/') != NULL)
			execve(prog, argv, environ);
		else
			execvp(prog, argv);
		child_err = errno;
		_exit(127);
	}
	if (pid < 0) {
		snprintf(s->error, sizeof s->error, "cannot start %s: %s",
			 argv[0], strerror(errno));
		return -1;
	}
	if (cgroup_failed) {
		/* the command could not join the group (delegation, an
		 * older kernel): the /proc walk covers its tree */
		rmdir(s->cgroup);
		s->cgroup[0] = '\0';
	}
	if (child_err != 0) {
		int st;

		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		snprintf(s->error, sizeof s->error, "cannot start %s: %s",
			 argv[0], strerror(child_err));
		s->child_done = 1;
		s->child_status = st;
		return -1;
	}
	return pid;
}

/* Reap what has ended; returns 1 when no child is left at all. */
static int
sup_reap(struct sup *s)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid > 0) {
			if (pid == s->child) {
				s->child_done = 1;
				s->child_status = st;
			}
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		return pid < 0 && errno == ECHILD;
	}
}

/* Exit as the command did: its exit code, or its signal. */
static void
sup_mirror_exit(struct sup *s)
{
	if (s->child_done && WIFSIGNALED(s->child_status)) {
		int sig = WTERMSIG(s->child_status);
		struct rlimit nocore = { 0, 0 };
		sigset_t one;

		/* the command may have dumped core; we need not */
		setrlimit(RLIMIT_CORE, &nocore);
		signal(sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	if (s->child_done && WIFEXITED(s->child_status))
		_exit(WEXITSTATUS(s->child_status));
	_exit(127);
}

static void
usage(void)
{
	static const char text[] =
	    "usage: sluice-try -s STATUS [-m LOG_MAX] [-g GRACE_MS] [-K] "
	    "[-G CGROUP_DIR] [-k KEY] [-x PROGRAM] -- COMMAND [ARG]...\n";

	(void)!write(2, text, sizeof text - 1);
	_exit(125);
}

static long long
parse_num(const char *v)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0)
		usage();
	return n;
}

int
main(int argc, char **argv)
{
	struct sup s;
	const char *prog = NULL, *cgroup_dir = NULL;
	sigset_t mask, none;
	int opt, sfd, out[2], out_open = 1, no_children = 0, stopping = 0;
	int kill_requested = 0;
	int kill_rounds = 0, keep;
	long long deadline = -1, log_max = 100LL * 1000 * 1000;
	char *buf;

	memset(&s, 0, sizeof s);
	s.grace_ms = 10000;
	s.status_fd = -1;
	while ((opt = getopt(argc, argv, "+s:m:g:KG:k:x:")) != -1) {
		switch (opt) {
		case 's': s.status_path = optarg; break;
		case 'm': log_max = parse_num(optarg); break;
		case 'g': s.grace_ms = parse_num(optarg); break;
		case 'K': s.keep_children = 1; break;
		case 'G': cgroup_dir = optarg; break;
		case 'k': s.key = optarg; break;
		case 'x': prog = optarg; break;
		default: usage();
		}
	}
	if (s.status_path == NULL || optind >= argc)
		usage();
	argv += optind;
	if (prog == NULL)
		prog = argv[0];
	if (s.key == NULL)
		s.key = getenv("SLUICE_TRY_KEY");

	s.started_ms = sup_clock_ms(CLOCK_REALTIME);
	s.self_start = sup_proc_start(getpid(), NULL);
	snprintf(s.status_tmp, sizeof s.status_tmp, "%s.tmp", s.status_path);
	if (fcntl(3, F_GETFD) >= 0) {
		s.status_fd = 3;
		fcntl(3, F_SETFD, FD_CLOEXEC);
	} else {
		s.status_fd = open(s.status_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (s.status_fd < 0 || (errno = posix_fallocate(s.status_fd, 0, 4096)) != 0) {
			sup_note("sluice-try: cannot create %s: %s\n", s.status_tmp,
				 strerror(errno));
			_exit(125);
		}
	}
	/* a session of our own (the executor's child made one already;
	 * run by hand we make it here) */
	if (getsid(0) != getpid())
		setsid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&none);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (cgroup_dir != NULL)
		sup_cgroup_make(&s, cgroup_dir);
	s.log.fd = 1;
	s.log.cap = log_max;
	s.log.head_left = log_max / 2;
	s.log.ring_size = log_max - log_max / 2;
	s.log.ring_off = -1;
	if (s.log.ring_size < 1)
		s.log.cap = 0;
	status_write(&s, 0);

	buf = malloc(SUP_COPY_BUF);
	if (sfd < 0 || buf == NULL || pipe2(out, O_CLOEXEC) < 0) {
		snprintf(s.error, sizeof s.error, "cannot set up the try: %s",
			 strerror(errno));
		goto end;
	}
	s.child = sup_spawn(&s, prog, argv, out[1], &none);
	close(out[1]);
	if (s.child < 0) {
		sup_note("sluice: %s%s\n", s.error, "");
		close(out[0]);
		goto end;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);

	for (;;) {
		struct pollfd p[2];
		int timeout = -1, nfds = 0;
		long long now;

		/* kept children are kept when the command ends, not when
		 * the try is killed */
		keep = s.keep_children && !kill_requested;
		if (s.child_done && (no_children || keep) && (!out_open || keep))
			break;
		if (out_open) {
			p[nfds].fd = out[0];
			p[nfds++].events = POLLIN;
		}
		p[nfds].fd = sfd;
		p[nfds++].events = POLLIN;
		if (deadline >= 0) {
			now = sup_clock_ms(CLOCK_MONOTONIC);
			timeout = deadline > now ? (int)(deadline - now) : 0;
		}
		if (poll(p, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			break;
		if (out_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			/* a bounded number of reads, so signals get seen */
			for (int i = 0; i < 16; i++) {
				ssize_t r = read(out[0], buf, SUP_COPY_BUF);

				if (r > 0) {
					sup_log_out(&s.log, buf, (size_t)r);
					continue;
				}
				if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
					out_open = 0;
					close(out[0]);
				}
				break;
			}
		}
		for (;;) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
				break;
			if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) &&
			    !kill_requested) {
				/* a kill request: the whole tree, now */
				kill_requested = stopping = 1;
				sup_signal_tree(&s, SIGTERM, 0);
				deadline = sup_clock_ms(CLOCK_MONOTONIC) + s.grace_ms;
			}
		}
		no_children = sup_reap(&s);
		keep = s.keep_children && !kill_requested;
		if (s.child_done && !keep && !no_children && !stopping) {
			/* the command is done; what it left behind is not */
			stopping = 1;
			sup_signal_tree(&s, SIGTERM, 0);
			deadline = sup_clock_ms(CLOCK_MONOTONIC) + s.grace_ms;
		}
		if (deadline >= 0 && sup_clock_ms(CLOCK_MONOTONIC) >= deadline) {
			if (s.child_done && (no_children || keep)) {
				/* only the pipe is left open: whoever holds it
				 * is gone or kept */
				deadline = -1;
				if (out_open && !keep)
					continue;
				break;
			}
			/* again soon, for anything forked meanwhile, and
			 * from the second round on by the /proc walk too */
			sup_signal_tree(&s, SIGKILL, kill_rounds++ > 0);
			deadline = sup_clock_ms(CLOCK_MONOTONIC) + 100;
		}
	}
	if (out_open) {
		/* kept children hold the pipe: take what is there (they
		 * lose their output from here: write to a closed pipe) */
		for (;;) {
			ssize_t r = read(out[0], buf, SUP_COPY_BUF);

			if (r <= 0)
				break;
			sup_log_out(&s.log, buf, (size_t)r);
		}
		close(out[0]);
	}
end:
	sup_log_finish(&s.log);
	if (s.log.err != 0) {
		char line[sizeof s.error + 16];

		if (s.log.err == ENOSPC || s.log.err == EDQUOT)
			snprintf(s.error, sizeof s.error,
				 "disk full: %lld bytes of output could not be written to the log",
				 s.log.lost);
		else
			snprintf(s.error, sizeof s.error,
				 "cannot write the log (%lld bytes lost): %s",
				 s.log.lost, strerror(s.log.err));
		snprintf(line, sizeof line, "\nsluice: %s\n", s.error);
		sup_log_last_line(s.log.fd, line);
	}
	if (s.cgroup[0] != '\0')
		sup_cgroup_remove(&s);
	if (status_write(&s, 1) < 0)
		sup_note("sluice-try: cannot write %s: %s\n", s.status_path,
			 errno == ENOSPC || errno == EDQUOT ? "disk full" : strerror(errno));
	sup_mirror_exit(&s);
	return 127;
}
