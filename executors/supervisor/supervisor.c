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
 *              [-k KEY] [-x PROGRAM] [-S] -- ARGV...
 *
 * With -S, descriptor 4 holds secret values (NUL-separated): each
 * occurrence in the command's output is written to the log as *** (see
 * sup_mask.c, over executors/out_mask.c). main() is in sup_server.c,
 * which is also the shared supervisor (`--server`: one process serving
 * all of an executor's tries, sup_serve.c; the local executor's
 * default).
 *
 * File descriptors: 0 is the command's stdin, 1 the log (opened for
 * appending), 2 where the supervisor's own complaints go (the log too),
 * 3 (optional) STATUS.tmp opened for writing by the caller, who can then
 * report a full disk before anything starts; without it the supervisor
 * makes STATUS.tmp itself. While the try runs STATUS.tmp holds
 * "state=running" and the supervisor's pid and start time, so a new
 * scheduler can tell a live supervisor from a reused pid; at the end
 * STATUS holds "state=ended" and the result (format: see sup_status.c).
 * The environment is the command's, unchanged.
 */
#include "executors/supervisor/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A line of our own on stderr (the log, as the executor starts us). */
static void
sup_note(const char *fmt, const char *a, const char *b)
{
	char line[1024];
	int n = snprintf(line, sizeof line, fmt, a, b);

	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
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
		if (s->cgroup[0] != '\0' && sup_tree_cgroup_join(s) < 0)
			cgroup_failed = 1;
		dup2(out_w, 1);
		dup2(out_w, 2);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, none, NULL);
		/* a program with no #! line runs through /bin/sh, as
		 * the shell would run it (execvpe does so for a path
		 * too) */
		execvpe(prog, argv, environ);
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
	    "[-G CGROUP_DIR] [-k KEY] [-x PROGRAM] [-S] -- COMMAND [ARG]...\n";

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
sup_main(int argc, char **argv)
{
	struct sup s;
	const char *prog = NULL, *cgroup_dir = NULL;
	sigset_t mask, none;
	int opt, sfd, out[2], out_open = 1, no_children = 0, stopping = 0;
	int kill_requested = 0, secrets = 0;
	int kill_rounds = 0, keep;
	long long deadline = -1, log_max = 100LL * 1000 * 1000;
	char *buf;

	memset(&s, 0, sizeof s);
	s.grace_ms = 10000;
	s.status_fd = -1;
	while ((opt = getopt(argc, argv, "+s:m:g:KG:k:x:S")) != -1) {
		switch (opt) {
		case 's': s.status_path = optarg; break;
		case 'm': log_max = parse_num(optarg); break;
		case 'g': s.grace_ms = parse_num(optarg); break;
		case 'K': s.keep_children = 1; break;
		case 'G': cgroup_dir = optarg; break;
		case 'k': s.key = optarg; break;
		case 'x': prog = optarg; break;
		case 'S': secrets = 1; break;
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

	if (secrets && sup_mask_load(&s.mask, SUP_SECRETS_FD) < 0) {
		/* output that cannot be masked is not written */
		sup_note("sluice-try: cannot read the secret values: %s%s\n",
			 strerror(errno), "");
		_exit(125);
	}
	s.started_ms = sup_io_clock_ms(CLOCK_REALTIME);
	s.self_start = sup_tree_proc_start(getpid(), NULL);
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
		sup_tree_cgroup_make(&s, cgroup_dir);
	out_log_init(&s.log, 1, log_max);
	sup_status_write(&s, 0);

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
			now = sup_io_clock_ms(CLOCK_MONOTONIC);
			timeout = deadline > now ? (int)(deadline - now) : 0;
		}
		if (poll(p, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			break;
		if (out_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			/* a bounded number of reads, so signals get seen */
			for (int i = 0; i < 16; i++) {
				ssize_t r = read(out[0], buf, SUP_COPY_BUF);

				if (r > 0) {
					sup_mask_out(&s.mask, &s.log, buf, (size_t)r);
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
				sup_tree_signal(&s, SIGTERM, 0);
				deadline = sup_io_clock_ms(CLOCK_MONOTONIC) + s.grace_ms;
			}
		}
		no_children = sup_reap(&s);
		keep = s.keep_children && !kill_requested;
		if (s.child_done && !keep && !no_children && !stopping) {
			/* the command is done; what it left behind is not */
			stopping = 1;
			sup_tree_signal(&s, SIGTERM, 0);
			deadline = sup_io_clock_ms(CLOCK_MONOTONIC) + s.grace_ms;
		}
		if (deadline >= 0 && sup_io_clock_ms(CLOCK_MONOTONIC) >= deadline) {
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
			sup_tree_signal(&s, SIGKILL, kill_rounds++ > 0);
			deadline = sup_io_clock_ms(CLOCK_MONOTONIC) + 100;
		}
	}
	if (out_open) {
		/* kept children hold the pipe: take what is there (they
		 * lose their output from here: write to a closed pipe) */
		for (;;) {
			ssize_t r = read(out[0], buf, SUP_COPY_BUF);

			if (r <= 0)
				break;
			sup_mask_out(&s.mask, &s.log, buf, (size_t)r);
		}
		close(out[0]);
	}
	sup_mask_flush(&s.mask, &s.log);
end:
	out_log_finish(&s.log);
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
		out_log_last_line(s.log.fd, line);
	}
	if (s.cgroup[0] != '\0')
		sup_tree_cgroup_remove(&s);
	if (sup_status_write(&s, 1) < 0)
		sup_note("sluice-try: cannot write %s: %s\n", s.status_path,
			 errno == ENOSPC || errno == EDQUOT ? "disk full" : strerror(errno));
	sup_mirror_exit(&s);
	return 127;
}
