/*
 * sup_server.c: main() of sluice-try, and its fork server.
 *
 * `sluice-try --server` is started once by a local executor (its own
 * session, descriptor 3 a stream socket of requests, 4 the write end of
 * a pipe of ends). Each request (struct sup_server_req, supervisor.h)
 * carries a try's supervisor command line, its environment and its
 * descriptors (log, status file, and optionally stdin, working directory,
 * secrets); the server forks, and the child becomes that try's
 * supervisor exactly as if `sluice-try ARGS` had been exec'd, without the
 * exec. The reply gives the child's pid, a serial number and a pidfd; when
 * the server reaps a child it writes its wait status on the ends pipe,
 * by serial (a pid may be reused, a serial is not). The server ends when
 * the request socket closes (its executor is gone); the tries it started
 * run on, in sessions of their own, and are reaped by whoever inherits
 * them.
 */
#include "executors/supervisor/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define SUP_SERVER_MAX_REQ (64u * 1024 * 1024)
#define SUP_SERVER_MAX_FDS 5

struct sup_child {
	pid_t pid;
	unsigned long long serial;
};

static struct sup_child *children;
static size_t nchildren, capchildren;

static int
sup_server_read_all(int fd, char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* A descriptor moved to 10 or above, close-on-exec. */
static int
sup_server_high(int fd)
{
	int high;

	if (fd >= 10)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return high;
}

/* The child: the try's supervisor from here on (never returns). */
static void
sup_server_child(const struct sup_server_req *rq, char *blob, int *fds,
		 int nfds)
{
	char **argv = calloc(rq->argc + 1, sizeof *argv);
	char **env = calloc(rq->envc + 1, sizeof *env);
	char *p = blob, *end = blob + rq->len;
	int k = 0, logfd, statusfd, infd = -1, cwdfd = -1, secfd = -1;
	sigset_t none;

	if (argv == NULL || env == NULL)
		_exit(125);
	for (unsigned i = 0; i < rq->argc + rq->envc; i++) {
		char *z = memchr(p, '\0', (size_t)(end - p));

		if (z == NULL)
			_exit(125);
		if (i < rq->argc)
			argv[i] = p;
		else
			env[i - rq->argc] = p;
		p = z + 1;
	}
	logfd = fds[k++];
	statusfd = fds[k++];
	if (rq->fds & SUP_FD_STDIN)
		infd = fds[k++];
	if (rq->fds & SUP_FD_CWD)
		cwdfd = fds[k++];
	if (rq->fds & SUP_FD_SECRETS)
		secfd = fds[k++];
	(void)nfds;
	if (infd < 0)
		infd = sup_server_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
	/* every received descriptor is 10 or above: these cannot clash */
	dup2(infd, 0);
	dup2(logfd, 1);
	dup2(logfd, 2);
	dup2(statusfd, 3);
	if (secfd >= 0)
		dup2(secfd, SUP_SECRETS_FD);
	else
		close(SUP_SECRETS_FD);
	if (cwdfd >= 0 && fchdir(cwdfd) < 0)
		_exit(125);
	close(infd);
	close(logfd);
	close(statusfd);
	if (cwdfd >= 0)
		close(cwdfd);
	if (secfd >= 0)
		close(secfd);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	environ = env;
	optind = 1;
	sup_main((int)rq->argc, argv);
	_exit(127);
}

/* One request: read it, fork, reply. -1 when the socket is done. */
static int
sup_server_request(int req, int ends, int sfd)
{
	struct sup_server_req rq;
	struct sup_server_reply rp;
	char cbuf[CMSG_SPACE(SUP_SERVER_MAX_FDS * sizeof(int))];
	struct iovec iov = { &rq, sizeof rq };
	struct msghdr mh;
	struct cmsghdr *c;
	int fds[SUP_SERVER_MAX_FDS], nfds = 0, want = 2, pidfd = -1;
	char *blob = NULL;
	ssize_t r;
	pid_t pid;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof cbuf;
	do
		r = recvmsg(req, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (int i = 0; i < n && nfds < SUP_SERVER_MAX_FDS; i++)
				memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
		}
	if ((size_t)r < sizeof rq &&
	    sup_server_read_all(req, (char *)&rq + r, sizeof rq - (size_t)r) < 0)
		goto bad;
	want += !!(rq.fds & SUP_FD_STDIN) + !!(rq.fds & SUP_FD_CWD) +
		!!(rq.fds & SUP_FD_SECRETS);
	if (rq.magic != SUP_SERVER_MAGIC || rq.len > SUP_SERVER_MAX_REQ ||
	    nfds != want || rq.argc == 0)
		goto bad;
	blob = malloc(rq.len + 1);
	if (blob == NULL || sup_server_read_all(req, blob, rq.len) < 0)
		goto bad;
	blob[rq.len] = '\0';
	for (int i = 0; i < nfds; i++)
		fds[i] = sup_server_high(fds[i]);
	memset(&rp, 0, sizeof rp);
	pid = fork();
	if (pid == 0) {
		close(req);
		close(ends);
		close(sfd);
		sup_server_child(&rq, blob, fds, nfds);
	}
	if (pid < 0)
		rp.err = errno;
	else {
		static unsigned long long serial;

		rp.pid = (int)pid;
		rp.serial = ++serial;
		if (nchildren == capchildren) {
			size_t cap = capchildren ? 2 * capchildren : 64;
			struct sup_child *n = realloc(children, cap * sizeof *n);

			if (n == NULL)
				_exit(125);
			children = n;
			capchildren = cap;
		}
		children[nchildren].pid = pid;
		children[nchildren++].serial = rp.serial;
#ifdef SYS_pidfd_open
		/* not reaped before this: the pid is still the child's */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	}
	free(blob);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	{
		char rbuf[CMSG_SPACE(sizeof(int))];

		iov.iov_base = &rp;
		iov.iov_len = sizeof rp;
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (pidfd >= 0) {
			memset(rbuf, 0, sizeof rbuf);
			mh.msg_control = rbuf;
			mh.msg_controllen = sizeof rbuf;
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
		}
		do
			r = sendmsg(req, &mh, MSG_NOSIGNAL);
		while (r < 0 && errno == EINTR);
		if (pidfd >= 0)
			close(pidfd);
		if (r != (ssize_t)sizeof rp)
			return -1;
	}
	return 0;
bad:
	free(blob);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return -1;
}

/* Reap what has ended and say so on the ends pipe. */
static void
sup_server_reap(int ends)
{
	for (;;) {
		struct sup_server_end e;
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		for (size_t i = 0; i < nchildren; i++)
			if (children[i].pid == pid) {
				memset(&e, 0, sizeof e);
				e.serial = children[i].serial;
				e.pid = (int)pid;
				e.status = st;
				children[i] = children[--nchildren];
				/* atomic (smaller than PIPE_BUF); a gone
				 * executor is no reason to stop */
				while (write(ends, &e, sizeof e) < 0 && errno == EINTR)
					;
				break;
			}
	}
}

static int
sup_server(void)
{
	int req = sup_server_high(3), ends = sup_server_high(4), sfd;
	sigset_t mask;

	if (req < 0 || ends < 0)
		return 125;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = sup_server_high(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
	if (sfd < 0)
		return 125;
	for (;;) {
		struct pollfd p[2] = { { req, POLLIN, 0 }, { sfd, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 125;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
				;
			sup_server_reap(ends);
		}
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    sup_server_request(req, ends, sfd) < 0)
			return 0;
	}
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--server") == 0)
		return sup_server();
	return sup_main(argc, argv);
}
