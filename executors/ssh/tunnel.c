/*
 * executors/ssh/tunnel.c: the jump host (`via`). A tunnel is an op on the
 * jump host's connection: a direct-tcpip channel to the target whose
 * bytes it shuttles to and from a socketpair; the target's connection
 * runs its SSH session on the other end.
 */
#include "build-config.h"

#include <sys/socket.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executors/ssh/ssh_internal.h"

/* Unlink the tunnel from the connection it carries and fail that
 * connection (its ops learn why); a no-op when already unlinked. */
static void tunnel_fail_inner(struct ssh_tunnel *tn, int mark_down,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tunnel_fail_inner(struct ssh_tunnel *tn, int mark_down,
			      const char *fmt, ...)
{
	struct ssh_conn *inner = tn->inner;
	char msg[SL_ERR_MSG];
	va_list ap;

	if (!inner)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tn->inner = NULL;
	inner->tunnel = NULL;
	ssh_conn_fail(inner, mark_down, "%s", msg);
}

static void tunnel_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_tunnel *tn = arg;

	(void)fd;
	(void)what;
	if (tn->op.conn)
		ssh_conn_pump(tn->op.conn);
}

static void tunnel_free(struct ssh_tunnel *tn)
{
	event_free(tn->ev_read);
	event_free(tn->ev_write);
	if (tn->fd >= 0)
		close(tn->fd);
	free(tn);
}

/* The tunnel's work is over (either side closed). Its channel dies with
 * a session free, or is freed here when the jump connection lives on. */
void ssh_tunnel_close(struct ssh_tunnel *tn)
{
	tn->closing = 1;
	event_del(tn->ev_read);
	event_del(tn->ev_write);
	if (tn->inner)
		tunnel_fail_inner(tn, tn->inner->state != C_READY,
				  "the tunnel to %s through the jump host %s "
				  "closed", tn->inner->host->label,
				  tn->inner->host->ex->via->label);
	if (!tn->op.conn) {
		tunnel_free(tn);
		return;
	}
	if (!tn->ch) {
		ssh_conn_detach(&tn->op);
		tunnel_free(tn);
		return;
	}
	/* Otherwise tunnel_step frees the channel, then the tunnel. */
	ssh_conn_schedule_pump(tn->op.conn);
}

static int tunnel_step(struct ssh_op *op)
{
	struct ssh_tunnel *tn = (struct ssh_tunnel *)op;
	LIBSSH2_SESSION *s = op->conn->session;
	int progress = 0;
	ssize_t n;

	if (tn->closing) {
		if (tn->ch) {
			int rc = libssh2_channel_free(tn->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			tn->ch = NULL;
		}
		ssh_conn_detach(op);
		tunnel_free(tn);
		return 1;
	}
	if (!tn->ch) {
		struct ssh_host *target = tn->inner->host;
		tn->ch = libssh2_channel_direct_tcpip_ex(s, target->name,
							 target->port,
							 "127.0.0.1", 0);
		if (!tn->ch) {
			if (ssh_eagain(s))
				return 0;
			tunnel_fail_inner(tn, 1, "the jump host %s cannot reach "
					  "%s: %s", op->conn->host->label,
					  tn->inner->host->label, ssh_errmsg(s));
			ssh_conn_detach(op);
			tunnel_free(tn);
			return 1;
		}
		/* The inner session starts on its end of the socketpair. */
		event_add(tn->ev_read, NULL);
		ssh_conn_begin_ssh(tn->inner);
		progress = 1;
	}
	/* inner → jump host */
	if (tn->up_len < sizeof tn->up) {
		n = read(tn->fd, tn->up + tn->up_len,
			 sizeof tn->up - tn->up_len);
		if (n > 0) {
			tn->up_len += (size_t)n;
			progress = 1;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			ssh_tunnel_close(tn);
			return 1;
		}
	}
	if (tn->up_len) {
		n = libssh2_channel_write(tn->ch, tn->up, tn->up_len);
		if (n > 0) {
			memmove(tn->up, tn->up + n, tn->up_len - (size_t)n);
			tn->up_len -= (size_t)n;
			progress = 1;
		} else if (n != LIBSSH2_ERROR_EAGAIN) {
			ssh_tunnel_close(tn);
			return 1;
		}
	}
	/* jump host → inner */
	if (tn->down_len < sizeof tn->down) {
		n = libssh2_channel_read(tn->ch, tn->down + tn->down_len,
					 sizeof tn->down - tn->down_len);
		if (n > 0) {
			tn->down_len += (size_t)n;
			progress = 1;
		} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
			ssh_tunnel_close(tn);
			return 1;
		} else if (n == 0 && libssh2_channel_eof(tn->ch)) {
			ssh_tunnel_close(tn);
			return 1;
		}
	}
	if (tn->down_len) {
		n = write(tn->fd, tn->down, tn->down_len);
		if (n > 0) {
			memmove(tn->down, tn->down + n,
				tn->down_len - (size_t)n);
			tn->down_len -= (size_t)n;
			progress = 1;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			ssh_tunnel_close(tn);
			return 1;
		}
	}
	if (tn->down_len)
		event_add(tn->ev_write, NULL);
	return progress;
}

static void tunnel_lost(struct ssh_op *op, const char *why)
{
	struct ssh_tunnel *tn = (struct ssh_tunnel *)op;

	tn->ch = NULL;	/* freed with the jump host's session */
	if (tn->inner)
		tunnel_fail_inner(tn, tn->inner->state != C_READY,
				  "jump host %s for %s: %s",
				  tn->inner->host->ex->via->label,
				  tn->inner->host->label, why);
	if (!tn->closing) {
		tn->closing = 1;
		event_del(tn->ev_read);
		event_del(tn->ev_write);
	}
	tunnel_free(tn);
}

struct ssh_tunnel *ssh_tunnel_open(struct ssh_conn *inner)
{
	struct ssh_exec *ex = inner->host->ex;
	struct ssh_tunnel *tn = xcalloc(1, sizeof *tn);
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sp) < 0) {
		free(tn);
		/* ssh_conn_fail would recurse into ssh_tunnel_close: fail later. */
		inner->tunnel = NULL;
		ssh_conn_fail(inner, 1, "socketpair: %s", strerror(errno));
		return NULL;
	}
	tn->inner = inner;
	inner->fd = sp[0];
	tn->fd = sp[1];
	tn->op.step = tunnel_step;
	tn->op.lost = tunnel_lost;
	tn->ev_read = event_new(ex->base, tn->fd, EV_READ | EV_PERSIST,
				tunnel_io_cb, tn);
	tn->ev_write = event_new(ex->base, tn->fd, EV_WRITE, tunnel_io_cb, tn);
	inner->tunnel = tn;
	ssh_conn_attach(&ex->via->conn, &tn->op);
	return inner->tunnel;
}
