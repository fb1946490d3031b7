/*
 * sup_server.c: main() of sluice-try, and the shared supervisor.
 *
 * `sluice-try [-s STATUS_DIR] --server` is started once by a local
 * executor (its own session, descriptor 3 a stream socket of requests, 4
 * the write end of a pipe of ends). Each request (struct sup_server_req,
 * supervisor.h) carries a try's supervisor command line (the options of
 * supervisor.c), the command's environment and its descriptors (log,
 * status file, and optionally stdin, working directory, secrets). The server serves the try
 * itself (sup_serve.c): one vfork+exec of the command per try, no process
 * of its own per try. The reply gives the command's pid and a serial
 * number; when a try is over and its status file written, the server
 * writes its end (the command's wait status) on the ends pipe, by serial
 * (a pid may be reused, a serial is not).
 *
 * A kill request is a signal with the try's serial as its value
 * (sigqueue): SUP_SIG_TERM_TRY (or SIGUSR1) ends the try's tree as a
 * SIGTERM to a per-try supervisor would (SIGTERM, SIGKILL after the
 * grace), SUP_SIG_KILL_TRY (or SIGUSR2) kills it at once. The first two
 * are real-time signals: requests sent together all arrive. Any scheduler can send one, also one that adopted the try from
 * its status file (serial=). SIGTERM to the server is a kill request for
 * every try.
 *
 * The server is the child subreaper of its tries. When the request socket
 * closes (its executor is gone: stopped, or killed) it takes no new try,
 * serves the ones it has to their end, then exits: the tries outlive the
 * scheduler, and a new scheduler adopts them from their status files.
 */
#include "executors/supervisor/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SUP_SERVER_MAX_REQ (64u * 1024 * 1024)
#define SUP_SERVER_MAX_FDS 5

static struct sup_served *served;
static unsigned long long server_start;

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

/* The request's strings into argv and env (pointers into blob); 0 or -1. */
static int
sup_server_strings(const struct sup_server_req *rq, char *blob, char ***argv,
		   char ***env)
{
	char *p = blob, *end = blob + rq->len;

	*argv = calloc(rq->argc + 1, sizeof **argv);
	*env = calloc(rq->envc + 1, sizeof **env);
	if (*argv == NULL || *env == NULL)
		return -1;
	for (unsigned i = 0; i < rq->argc + rq->envc; i++) {
		char *z = memchr(p, '\0', (size_t)(end - p));

		if (z == NULL)
			return -1;
		if (i < rq->argc)
			(*argv)[i] = p;
		else
			(*env)[i - rq->argc] = p;
		p = z + 1;
	}
	return 0;
}

/* One request: read it, start the try, reply. -1 when the socket is done. */
static int
sup_server_request(int req)
{
	static unsigned long long serial;
	struct sup_server_req rq;
	struct sup_server_reply rp;
	char cbuf[CMSG_SPACE(SUP_SERVER_MAX_FDS * sizeof(int))];
	struct iovec iov = { &rq, sizeof rq };
	struct msghdr mh;
	struct cmsghdr *c;
	int fds[SUP_SERVER_MAX_FDS], nfds = 0, want = 2, k = 0;
	int slot[SUP_SERVE_NFDS];
	char *blob = NULL, **argv = NULL, **env = NULL;
	struct sup_served *ss;
	ssize_t r;

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
	if (sup_server_strings(&rq, blob, &argv, &env) < 0)
		goto bad;
	for (int i = 0; i < nfds; i++)
		fds[i] = sup_server_high(fds[i]);
	slot[SUP_SERVE_LOG] = fds[k++];
	slot[SUP_SERVE_STATUS] = fds[k++];
	slot[SUP_SERVE_STDIN] = rq.fds & SUP_FD_STDIN ? fds[k++] : -1;
	slot[SUP_SERVE_CWD] = rq.fds & SUP_FD_CWD ? fds[k++] : -1;
	slot[SUP_SERVE_SECRETS] = rq.fds & SUP_FD_SECRETS ? fds[k++] : -1;
	memset(&rp, 0, sizeof rp);
	ss = sup_serve_start(argv, (int)rq.argc, env, slot, serial + 1,
			     server_start);
	if (ss == NULL) {
		rp.err = errno != 0 ? errno : EINVAL;
		goto reply_bad;
	}
	ss->blob = blob;
	ss->pfd = -1;
	ss->next = served;
	served = ss;
	rp.pid = (int)ss->s.child;
	rp.serial = ++serial;
	do
		r = send(req, &rp, sizeof rp, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)sizeof rp ? 0 : -1;
reply_bad:
	do
		r = send(req, &rp, sizeof rp, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
bad:
	free(blob);
	free(argv);
	free(env);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return -1;
}

/* Reap what has ended: a command's status goes to its try; orphans of
 * ended tries are reaped too (we are their subreaper). */
static void
sup_server_reap(void)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		for (struct sup_served *ss = served; ss != NULL; ss = ss->next)
			if (ss->s.child == pid && !ss->s.child_done) {
				ss->s.child_done = 1;
				ss->s.child_status = st;
				break;
			}
	}
}

/* A signal's request: by serial (SUP_SIG_*_TRY, SIGUSR1, SIGUSR2), or
 * every try. */
static void
sup_server_signal(const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;

	for (struct sup_served *ss = served; ss != NULL; ss = ss->next) {
		if (sig == SIGTERM || sig == SIGINT)
			sup_serve_kill(ss, 0);
		else if (ss->s.serial == (unsigned long long)(unsigned)si->ssi_int)
			sup_serve_kill(ss, sig == SIGUSR2 || sig == SUP_SIG_KILL_TRY);
	}
}

/* The tries that ended in one turn: their status files are in place
 * (renamed; the sync thread makes them durable): their ends are
 * reported. */
static void
sup_server_report(struct sup_served **over, int ends)
{
	while (*over != NULL) {
		struct sup_served *a = *over;

		*over = a->next;
		sup_serve_report(a, ends);
	}
}

static int
sup_server(void)
{
	int req = sup_server_high(3), ends = sup_server_high(4), sfd;
	struct pollfd *p = NULL;
	pid_t *live = NULL;
	size_t cap = 0;
	char *buf = malloc(SUP_COPY_BUF);
	sigset_t mask;

	if (req < 0 || ends < 0 || buf == NULL)
		return 125;
	server_start = sup_tree_proc_start(getpid(), NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SUP_SIG_TERM_TRY);
	sigaddset(&mask, SUP_SIG_KILL_TRY);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = sup_server_high(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
	if (sfd < 0)
		return 125;
	/* after the mask: the thread must not take our signals */
	sup_sync_start();
	for (;;) {
		struct sup_served **pp, *ss, *over = NULL;
		size_t n = 0, nlive = 0, nfds = 0;
		long long deadline = -1, now;
		int timeout = -1;

		for (ss = served; ss != NULL; ss = ss->next)
			n++;
		if (req < 0 && n == 0) {
			/* the executor is gone and every try is reported */
			free(p);
			free(live);
			free(buf);
			return 0;
		}
		if (n + 2 > cap) {
			cap = 2 * (n + 2);
			p = realloc(p, cap * sizeof *p);
			live = realloc(live, cap * sizeof *live);
			if (p == NULL || live == NULL)
				return 125;
		}
		p[nfds].fd = sfd;
		p[nfds++].events = POLLIN;
		if (req >= 0) {
			p[nfds].fd = req;
			p[nfds++].events = POLLIN;
		}
		for (ss = served; ss != NULL; ss = ss->next) {
			ss->pfd = -1;
			if (ss->out >= 0) {
				ss->pfd = (int)nfds;
				p[nfds].fd = ss->out;
				p[nfds++].events = POLLIN;
			}
			if (ss->deadline >= 0 && (deadline < 0 || ss->deadline < deadline))
				deadline = ss->deadline;
		}
		if (deadline >= 0) {
			now = sup_io_clock_ms(CLOCK_MONOTONIC);
			timeout = deadline > now ? (int)(deadline - now) : 0;
		}
		if (poll(p, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			return 125;
		for (ss = served; ss != NULL; ss = ss->next)
			if (ss->pfd >= 0 &&
			    (p[ss->pfd].revents & (POLLIN | POLLHUP | POLLERR)))
				sup_serve_output(ss, buf, SUP_COPY_BUF);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			sup_server_reap();
			while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
				if (si.ssi_signo != SIGCHLD)
					sup_server_signal(&si);
			sup_server_reap();
		}
		if (req >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    sup_server_request(req) < 0) {
			/* the executor is gone: serve what we have, then go */
			close(req);
			req = -1;
		}
		for (ss = served; ss != NULL; ss = ss->next)
			if (!ss->s.child_done && ss->s.child > 0 && nlive < cap)
				live[nlive++] = ss->s.child;
		for (pp = &served; (ss = *pp) != NULL; ) {
			if (!sup_serve_step(ss, live, nlive)) {
				pp = &ss->next;
				continue;
			}
			*pp = ss->next;
			sup_serve_finish(ss, buf, SUP_COPY_BUF);
			ss->next = over;
			over = ss;
		}
		sup_server_report(&over, ends);
	}
}

int
main(int argc, char **argv)
{
	/* `--server`, or `-s STATUS_DIR --server` (the folder only names
	 * it for whoever looks at command lines) */
	if ((argc == 2 && strcmp(argv[1], "--server") == 0) ||
	    (argc == 4 && strcmp(argv[1], "-s") == 0 &&
	     strcmp(argv[3], "--server") == 0)) {
		int rc = sup_server();

		sup_sync_stop();
		return rc;
	}
	return sup_main(argc, argv);
}
