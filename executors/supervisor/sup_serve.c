/*
 * sup_serve.c: one try served by the shared supervisor (`sluice-try
 * --server`, sup_server.c). The server is the child subreaper of every
 * try it starts and does for each what a per-try sluice-try does
 * (supervisor.c), from one process: it starts the command itself (one
 * vfork+exec per try, in a session of its own, in the try's cgroup where
 * it has one), copies its output into the capped, masked log, ends what
 * the command leaves behind (SIGTERM, SIGKILL after the grace) unless it
 * is kept, and at the end writes the try's status file (made durable
 * by the sync thread, sup_sync.c). A kill
 * request names the try by its serial (sigqueue to the server, see
 * sup_server.c).
 *
 * What belongs to a try once its command has ended: the server's children
 * (orphans reparented to it) in the command's session or carrying the
 * try's key in their environment (sup_tree_owned).
 */
#include "executors/supervisor/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The request's supervisor options (as supervisor.c takes them) into s;
 * returns the index of the command's argv[0], or -1. */
static int
sup_serve_options(struct sup_served *ss, char **argv, int argc, int *secrets,
		  const char **cgroup_dir, long long *log_max)
{
	struct sup *s = &ss->s;
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--") == 0)
			return i + 1 < argc ? i + 1 : -1;
		if (o[0] != '-' || o[1] == '\0' || o[2] != '\0')
			return i;
		switch (o[1]) {
		case 'K': s->keep_children = 1; continue;
		case 'S': *secrets = 1; continue;
		default: break;
		}
		if (v == NULL)
			return -1;
		i++;
		switch (o[1]) {
		case 's': s->status_path = v; break;
		case 'm': *log_max = strtoll(v, NULL, 10); break;
		case 'g': s->grace_ms = strtoll(v, NULL, 10); break;
		case 'G': *cgroup_dir = v; break;
		case 'k': s->key = v; break;
		case 'x': ss->prog = v; break;
		default: return -1;
		}
	}
	return -1;
}

/* vfork+exec of the command: a session of its own, the try's cgroup,
 * stdin, stdout and stderr into the pipe, the working directory, default
 * signals. 0, or an errno (s->error says what). */
static int
sup_serve_spawn(struct sup_served *ss, char **argv, char **env, int infd,
		int cwdfd, int out_w)
{
	struct sup *s = &ss->s;
	volatile int child_err = 0, cgroup_failed = 0, cwd_failed = 0;
	sigset_t none;
	pid_t pid;

	sigemptyset(&none);
	pid = vfork();
	if (pid == 0) {
		setsid();
		if (s->cgroup[0] != '\0' && sup_tree_cgroup_join(s) < 0)
			cgroup_failed = 1;
		if (infd >= 0)
			dup2(infd, 0);
		else {
			int fd = open("/dev/null", O_RDONLY);

			if (fd > 0) {
				dup2(fd, 0);
				close(fd);
			}
		}
		dup2(out_w, 1);
		dup2(out_w, 2);
		if (cwdfd >= 0 && fchdir(cwdfd) < 0) {
			cwd_failed = 1;
			child_err = errno;
			_exit(127);
		}
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* a program with no #! line runs through /bin/sh, as
		 * the shell would run it (execvpe does so for a path
		 * too) */
		execvpe(ss->prog, argv, env);
		child_err = errno;
		_exit(127);
	}
	if (pid < 0) {
		int err = errno;

		snprintf(s->error, sizeof s->error, "cannot start %s: %s",
			 argv[0], strerror(err));
		s->child_done = 1;
		s->child_status = 127 << 8;
		return err;
	}
	if (cgroup_failed) {
		rmdir(s->cgroup);
		s->cgroup[0] = '\0';
	}
	s->child = pid;
	if (child_err != 0) {
		int st = 0;

		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (cwd_failed)
			snprintf(s->error, sizeof s->error,
				 "cannot change to the try's directory: %s",
				 strerror(child_err));
		else
			snprintf(s->error, sizeof s->error, "cannot start %s: %s",
				 argv[0], strerror(child_err));
		s->child_done = 1;
		s->child_status = st;
		return child_err;
	}
	return 0;
}

struct sup_served *
sup_serve_start(char **argv, int argc, char **env, const int *fds,
		unsigned long long serial, unsigned long long self_start)
{
	struct sup_served *ss = calloc(1, sizeof *ss);
	struct sup *s;
	const char *cgroup_dir = NULL;
	long long log_max = 100LL * 1000 * 1000;
	int secrets = 0, cmd, out[2] = { -1, -1 };

	if (ss == NULL)
		return NULL;
	s = &ss->s;
	s->grace_ms = 10000;
	s->served = 1;
	s->serial = serial;
	s->self_start = self_start;
	s->status_fd = fds[SUP_SERVE_STATUS];
	s->log.fd = fds[SUP_SERVE_LOG];
	ss->out = -1;
	ss->deadline = -1;
	ss->argv = argv;
	ss->env = env;
	cmd = sup_serve_options(ss, argv, argc, &secrets, &cgroup_dir, &log_max);
	if (s->status_path == NULL || cmd < 0) {
		free(ss);
		errno = EINVAL;
		return NULL;
	}
	if (ss->prog == NULL)
		ss->prog = argv[cmd];
	s->started_ms = sup_io_clock_ms(CLOCK_REALTIME);
	snprintf(s->status_tmp, sizeof s->status_tmp, "%s.tmp", s->status_path);
	/* sup_mask_load closes the descriptor, whatever it returns: a
	 * second close here said EBADF instead of the read's error, and
	 * could close what the sync thread had opened meanwhile */
	if (secrets && (fds[SUP_SERVE_SECRETS] < 0 ||
			sup_mask_load(&s->mask, fds[SUP_SERVE_SECRETS]) < 0)) {
		/* output that cannot be masked is not written */
		snprintf(s->error, sizeof s->error,
			 "cannot read the secret values: %s", strerror(errno));
		s->child_done = 1;
		s->child_status = 125 << 8;
		goto out;
	}
	if (!secrets && fds[SUP_SERVE_SECRETS] >= 0)
		close(fds[SUP_SERVE_SECRETS]);
	if (cgroup_dir != NULL)
		sup_tree_cgroup_make(s, cgroup_dir);
	out_log_init(&s->log, s->log.fd, log_max);
	sup_status_write(s, 0);
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(s->error, sizeof s->error, "cannot set up the try: %s",
			 strerror(errno));
		s->child_done = 1;
		s->child_status = 125 << 8;
		goto out;
	}
	sup_serve_spawn(ss, argv + cmd, env, fds[SUP_SERVE_STDIN],
			fds[SUP_SERVE_CWD], out[1]);
	close(out[1]);
	if (s->child_done && s->child == 0) {
		/* the fork itself failed */
		close(out[0]);
	} else {
		ss->out = out[0];
		fcntl(ss->out, F_SETFL, O_NONBLOCK);
	}
out:
	if (s->error[0] != '\0')
		dprintf(s->log.fd, "sluice: %s\n", s->error);
	if (fds[SUP_SERVE_STDIN] >= 0)
		close(fds[SUP_SERVE_STDIN]);
	if (fds[SUP_SERVE_CWD] >= 0)
		close(fds[SUP_SERVE_CWD]);
	return ss;
}

/* The command's output: a bounded number of reads, then the others. */
void
sup_serve_output(struct sup_served *ss, char *buf, size_t n)
{
	for (int i = 0; i < 16 && ss->out >= 0; i++) {
		ssize_t r = read(ss->out, buf, n);

		if (r > 0) {
			sup_mask_out(&ss->s.mask, &ss->s.log, buf, (size_t)r);
			continue;
		}
		if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(ss->out);
			ss->out = -1;
		}
		break;
	}
}

/* A kill request: the whole tree, SIGTERM now (SIGKILL after the grace);
 * with now, SIGKILL at once. */
void
sup_serve_kill(struct sup_served *ss, int now)
{
	if (now) {
		ss->kill_requested = ss->stopping = 1;
		sup_tree_signal(&ss->s, SIGKILL, ss->kill_rounds++ > 0);
		ss->deadline = sup_io_clock_ms(CLOCK_MONOTONIC) + 100;
		return;
	}
	if (ss->kill_requested)
		return;
	ss->kill_requested = ss->stopping = 1;
	sup_tree_signal(&ss->s, SIGTERM, 0);
	ss->deadline = sup_io_clock_ms(CLOCK_MONOTONIC) + ss->s.grace_ms;
}

/*
 * After the events of one turn: what the try's state calls for (the
 * rules of supervisor.c's loop). live: the commands still running (not
 * this try's leftovers). 1 when the try is over.
 */
int
sup_serve_step(struct sup_served *ss, const pid_t *live, size_t nlive)
{
	struct sup *s = &ss->s;
	int keep = s->keep_children && !ss->kill_requested, none = 0;

	if (s->child_done)
		none = !sup_tree_leftovers(s, live, nlive);
	/* a process of the try that is exiting may no longer show whose it
	 * is in /proc (its memory, its environment, are gone) while it is
	 * still in the try's cgroup: the group has the last word */
	if (none && !keep && s->cgroup[0] != '\0' && sup_tree_cgroup_populated(s))
		none = 0;
	if (s->child_done && (none || keep) && (ss->out < 0 || keep))
		return 1;
	if (s->child_done && !keep && !none && !ss->stopping) {
		/* the command is done; what it left behind is not */
		ss->stopping = 1;
		sup_tree_signal(s, SIGTERM, 0);
		ss->deadline = sup_io_clock_ms(CLOCK_MONOTONIC) + s->grace_ms;
	}
	if (ss->deadline >= 0 && sup_io_clock_ms(CLOCK_MONOTONIC) >= ss->deadline) {
		if (s->child_done && (none || keep)) {
			/* only the pipe is left open: whoever holds it is
			 * gone or kept */
			ss->deadline = -1;
			return !(ss->out >= 0 && !keep);
		}
		sup_tree_signal(s, SIGKILL, ss->kill_rounds++ > 0);
		ss->deadline = sup_io_clock_ms(CLOCK_MONOTONIC) + 100;
	}
	return 0;
}

/* The try is over: the rest of its output, its log's end, its cgroup, its
 * status file (renamed into place; the sync thread makes it durable). */
void
sup_serve_finish(struct sup_served *ss, char *buf, size_t n)
{
	struct sup *s = &ss->s;

	if (ss->out >= 0) {
		/* kept children hold the pipe: take what is there */
		for (;;) {
			ssize_t r = read(ss->out, buf, n);

			if (r <= 0)
				break;
			sup_mask_out(&s->mask, &s->log, buf, (size_t)r);
		}
		close(ss->out);
	}
	sup_mask_flush(&s->mask, &s->log);
	out_log_finish(&s->log);
	if (s->log.err != 0) {
		char line[sizeof s->error + 16];

		if (s->log.err == ENOSPC || s->log.err == EDQUOT)
			snprintf(s->error, sizeof s->error,
				 "disk full: %lld bytes of output could not be written to the log",
				 s->log.lost);
		else
			snprintf(s->error, sizeof s->error,
				 "cannot write the log (%lld bytes lost): %s",
				 s->log.lost, strerror(s->log.err));
		snprintf(line, sizeof line, "\nsluice: %s\n", s->error);
		out_log_last_line(s->log.fd, line);
	}
	if (s->cgroup[0] != '\0')
		sup_tree_cgroup_remove(s);
	if (sup_status_write(s, 1) < 0) {
		dprintf(s->log.fd, "sluice-try: cannot write %s: %s\n",
			s->status_path,
			errno == ENOSPC || errno == EDQUOT ? "disk full" : strerror(errno));
		close(s->status_fd);
	} else {
		ss->recorded = 1;
		sup_sync_add(s->status_fd, s->status_path);
	}
	close(s->log.fd);
	s->status_fd = s->log.fd = -1;
}

/* The try's status file is in place: its end goes on the ends pipe;
 * frees ss. */
void
sup_serve_report(struct sup_served *ss, int ends)
{
	struct sup *s = &ss->s;
	struct sup_server_end e;

	memset(&e, 0, sizeof e);
	e.serial = s->serial;
	e.pid = (int)s->child;
	e.status = s->child_done ? s->child_status : 127 << 8;
	if (ss->recorded && s->child_done && s->error[0] == '\0' &&
	    (WIFEXITED(s->child_status) || WIFSIGNALED(s->child_status)))
		e.flags |= SUP_END_PLAIN;
	/* atomic (smaller than PIPE_BUF); a gone executor is no reason to
	 * stop */
	while (ends >= 0 && write(ends, &e, sizeof e) < 0 && errno == EINTR)
		;
	out_mask_free(&s->mask);
	free(ss->argv);
	free(ss->env);
	free(ss->blob);
	free(ss);
}
