/*
 * executors/ssh/conn.c: a host's connection. Owns ssh_conn: resolving,
 * the non-blocking TCP connect, keepalive, failure (mark the host down,
 * tell every op) and reconnect on the next use, the list of ops and the
 * pump that steps them. The handshake and login are in auth.c, the host
 * key check in hostkey.c, the jump host tunnel in tunnel.c.
 */
#include "build-config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "executors/ssh/ssh_internal.h"

const char *ssh_errmsg(LIBSSH2_SESSION *s)
{
	char *msg = NULL;

	if (!s)
		return "no session";
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

int ssh_eagain(LIBSSH2_SESSION *s)
{
	return libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN;
}

static void conn_arm(struct ssh_conn *c)
{
	int dirs;

	if (c->fd < 0 || !c->session || c->state < C_HANDSHAKE)
		return;
	dirs = libssh2_session_block_directions(c->session);
	if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		event_add(c->ev_write, NULL);
}

static void conn_free_session(struct ssh_conn *c)
{
	if (c->agent) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
		c->agent = NULL;
		c->agent_id = NULL;
	}
	if (c->session) {
		/* With the socket shut down, libssh2's farewell sends fail at
		 * once instead of asking to be called again. */
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		libssh2_session_free(c->session);
		c->session = NULL;
	}
}

/* Drop the connection. Every op on it is told (and detached); with
 * mark_down, the host takes no new work for the back-off period. */
void ssh_conn_fail(struct ssh_conn *c, int mark_down, const char *fmt, ...)
{
	struct ssh_host *h = c->host;
	struct ssh_op_list ops;
	struct ssh_op *op;
	char msg[SL_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	if (TAILQ_EMPTY(&c->ops) && c->state != C_READY)
		mark_down = 0;	/* only orphans asked (a probe): no try
				 * was refused, none is kept away */
	c->generation++;
	c->failed_connecting = c->state != C_READY && mark_down;
	c->failed_unreachable = c->failed_connecting && !c->in_hostkey_check &&
				(c->state < C_AUTH_LIST || c->timing_out);
	c->state = C_IDLE;
	if (mark_down) {
		h->down_until_ms = sl_mono_ms() + h->ex->down_backoff_ms;
		if (!h->down_since)
			h->down_since = time(NULL);
		snprintf(h->down_reason, sizeof h->down_reason, "%s", msg);
	}
	event_del(c->ev_read);
	event_del(c->ev_write);
	event_del(c->ev_timer);
	event_del(c->ev_keepalive);
	event_del(c->ev_pump);
	if (c->dns_req) {
		struct evdns_getaddrinfo_request *req = c->dns_req;
		c->dns_req = NULL;
		evdns_getaddrinfo_cancel(req);
	}
	conn_free_session(c);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->tunnel) {
		struct ssh_tunnel *tn = c->tunnel;
		c->tunnel = NULL;
		tn->inner = NULL;
		ssh_tunnel_close(tn);
	}
	if (c->addrs) {
		evutil_freeaddrinfo(c->addrs);
		c->addrs = c->addr_next = NULL;
	}
	TAILQ_INIT(&ops);
	TAILQ_CONCAT(&ops, &c->ops, entry);
	while ((op = TAILQ_FIRST(&ops)) != NULL) {
		TAILQ_REMOVE(&ops, op, entry);
		op->conn = NULL;
		op->lost(op, msg);
	}
	if (h->orphans && !h->ex->destroying && c->state == C_IDLE) {
		/* no try may ask for the host again: come back for them */
		struct timeval tv;

		sl_ms_timeval(SL_MAX(h->ex->down_backoff_ms, (int64_t)1000), &tv);
		event_add(c->ev_orphans, &tv);
	}
}

static void conn_orphans_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->host->orphans && c->state == C_IDLE)
		ssh_conn_start(c);
}

void ssh_conn_attach(struct ssh_conn *c, struct ssh_op *op)
{
	op->conn = c;
	TAILQ_INSERT_TAIL(&c->ops, op, entry);
	if (c->state == C_IDLE) {
		ssh_conn_start(c);
		return;
	}
	if (c->state == C_READY)
		event_add(c->ev_read, NULL);	/* may be parked while idle */
	ssh_conn_schedule_pump(c);
}

void ssh_conn_detach(struct ssh_op *op)
{
	if (op->conn) {
		TAILQ_REMOVE(&op->conn->ops, op, entry);
		op->conn = NULL;
	}
}

/* After a libssh2 call failed: when the session itself is broken (the
 * server went away, the stream is corrupt), drop the connection, which
 * ends every op on it, and return 1. */
int ssh_conn_check_broken(struct ssh_conn *c)
{
	char msg[512];

	switch (libssh2_session_last_errno(c->session)) {
	case LIBSSH2_ERROR_SOCKET_NONE:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
	case LIBSSH2_ERROR_INVALID_MAC:
	case LIBSSH2_ERROR_KEX_FAILURE:
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_DECRYPT:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_PROTO:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_ENCRYPT:
	case LIBSSH2_ERROR_BAD_SOCKET:
		snprintf(msg, sizeof msg, "%s", ssh_errmsg(c->session));
		ssh_conn_fail(c, 0, "connection to %s lost (%s)", c->host->label,
			      msg);
		return 1;
	default:
		return 0;
	}
}

void ssh_conn_schedule_pump(struct ssh_conn *c)
{
	event_active(c->ev_pump, EV_TIMEOUT, 0);
}

void ssh_conn_ready(struct ssh_conn *c)
{
	struct ssh_host *h = c->host;
	struct timeval tv;

	c->state = C_READY;
	c->connect_ms = sl_mono_ms() - c->connect_started_ms;
	h->down_until_ms = 0;
	h->down_reason[0] = '\0';
	h->down_since = 0;
	event_del(c->ev_timer);
	event_del(c->ev_orphans);
	if (h->ex->keepalive_ms > 0) {
		int secs = (int)((h->ex->keepalive_ms + 999) / 1000);
		libssh2_keepalive_config(c->session, 0, (unsigned)secs);
		sl_ms_timeval(h->ex->keepalive_ms, &tv);
		event_add(c->ev_keepalive, &tv);
	}
	ssh_conn_kill_orphans(h);
}

/* Note what is left of a try on h, to be killed once h answers. */
void ssh_conn_add_orphan(struct ssh_host *h, long pgid, const char *start,
			 const char *id, int reach, int spend)
{
	struct ssh_orphan *o = xcalloc(1, sizeof *o);

	o->spend = spend && id[0];
	o->pgid = pgid;
	snprintf(o->start, sizeof o->start, "%s", start);
	snprintf(o->id, sizeof o->id, "%s", id);
	o->next = h->orphans;
	h->orphans = o;
	ssh_orphans_save(h->ex);
	if (!reach)
		return;
	if (h->conn.state == C_READY)
		ssh_conn_kill_orphans(h);
	else if (h->conn.state == C_IDLE)
		ssh_conn_start(&h->conn);
}

/* The kill command of orphan o has ended: it is done with, unless the
 * command could not run (the connection dropped first), when o waits for
 * the host again. */
static void orphan_killed_cb(struct ssh_cmd *cmd, void *arg)
{
	struct ssh_orphan *o = arg, **pp;
	struct ssh_host *h = cmd->host;

	for (pp = &h->killing; *pp != NULL && *pp != o; pp = &(*pp)->next)
		;
	if (*pp == NULL)
		return;
	*pp = o->next;
	if (cmd->error != NULL) {
		o->next = h->orphans;
		h->orphans = o;
		if (h->conn.state == C_IDLE && !h->ex->destroying) {
			struct timeval tv;

			sl_ms_timeval(SL_MAX(h->ex->down_backoff_ms,
					     (int64_t)1000), &tv);
			event_add(h->conn.ev_orphans, &tv);
		}
		return;
	}
	free(o);
	ssh_orphans_save(h->ex);
}

/* Kill what is left of tries lost with an earlier connection (or named by
 * kill_orphan after a scheduler restart); the start time guards against
 * a reused process id. Each stays in the orphans file until its command
 * has run. */
void ssh_conn_kill_orphans(struct ssh_host *h)
{
	while (h->orphans) {
		struct ssh_orphan *o = h->orphans;
		struct buf key;
		char *cmd;

		/* what left the group but carries the try's key, after the
		 * group (whose leader's start time names it) */
		buf_init(&key, 0);
		if (o->id[0])
			ssh_remote_key_kill(&key, "KILL", o->id);

		if (o->id[0] && o->spend)
			/* the runner (outside the group) writes the status
			 * after the kill: its files go once it is gone, or
			 * after 5 s */
			cmd = xasprintf(
				"f=\"$HOME/.sluice/tries/%s\"; p=; g=; r=; "
				"read -r p g r <\"$f.pid\" 2>/dev/null; "
				"if [ -n \"$p\" ]; then "
				"s=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | "
				"cut -d' ' -f20); if [ -z \"$g\" ] || "
				"[ \"$s\" = \"$g\" ]; then kill -KILL -- -$p "
				"2>/dev/null; r=${r:-$p}; i=0; while "
				"[ $i -lt 100 ] && kill -0 \"$r\" 2>/dev/null; "
				"do sleep 0.05 2>/dev/null || sleep 1; "
				"i=$((i+1)); done; fi; fi; %s; "
				"rm -f -- \"$f\".*; exit 0", o->id, buf_str(&key));
		else if (o->id[0])	/* id is [0-9a-f-] only (adopt.c) */
			cmd = xasprintf(
				"p=; g=; read -r p g r <\"$HOME/.sluice/tries/%s.pid\""
				" 2>/dev/null; if [ -n \"$p\" ]; then "
				"s=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | "
				"cut -d' ' -f20); [ -z \"$g\" ] || "
				"[ \"$s\" = \"$g\" ] && kill -KILL -- -$p "
				"2>/dev/null; fi; %s; exit 0", o->id, buf_str(&key));
		else
			cmd = xasprintf(
				"s=$(sed 's/.*) //' /proc/%ld/stat 2>/dev/null | "
				"cut -d' ' -f20); [ -z '%s' ] || "
				"[ \"$s\" = '%s' ] && "
				"kill -KILL -- -%ld 2>/dev/null; exit 0",
				o->pgid, o->start, o->start, o->pgid);
		buf_free(&key);
		h->orphans = o->next;
		o->next = h->killing;
		h->killing = o;
		ssh_cmd_run(h, cmd, orphan_killed_cb, o);
		free(cmd);
	}
}

/* Step the connection and all its ops until nothing moves. */
void ssh_conn_pump(struct ssh_conn *c)
{
	int rounds, progress;

	if (c->in_pump)
		return;
	c->in_pump = 1;
	for (rounds = 0; rounds < SSH_PUMP_ROUNDS; rounds++) {
		unsigned gen = c->generation;
		struct ssh_op *op, *next;

		progress = 0;
		if (c->state >= C_HANDSHAKE && c->state < C_READY)
			progress = ssh_auth_step(c);
		if (c->generation != gen)
			break;
		if (c->state == C_READY) {
			for (op = TAILQ_FIRST(&c->ops); op; op = next) {
				next = TAILQ_NEXT(op, entry);
				progress |= op->step(op);
				if (c->generation != gen)
					break;
			}
		}
		if (c->generation != gen || !progress)
			break;
	}
	c->in_pump = 0;
	if (rounds == SSH_PUMP_ROUNDS)
		ssh_conn_schedule_pump(c);	/* let other events run first */
	conn_arm(c);
}

static void conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_conn *c = arg;
	char byte;
	ssize_t n;

	(void)what;
	if (c->state == C_READY && TAILQ_EMPTY(&c->ops)) {
		/* Idle: nobody is reading. Notice the server closing the
		 * connection; leave any other data for the next user. */
		n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			ssh_conn_fail(c, 0, "%s closed the connection",
				      c->host->label);
			return;
		}
		if (n > 0)
			event_del(c->ev_read);
		return;
	}
	ssh_conn_pump(c);
}

static void conn_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ssh_conn_pump(arg);
}

static void conn_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_conn *c = arg;
	char d[32];
	static const char *const stage[] = {
		[C_RESOLVE] = "resolving its name",
		[C_CONNECT] = "TCP connect",
		[C_TUNNEL] = "opening the tunnel through the jump host",
		[C_HANDSHAKE] = "SSH handshake",
		[C_AUTH_LIST] = "authentication",
		[C_AUTH_AGENT] = "authentication (ssh-agent)",
		[C_AUTH_KEY] = "authentication (key)",
	};

	(void)fd;
	(void)what;
	if (c->state == C_READY || c->state == C_IDLE)
		return;
	c->timing_out = 1;
	ssh_conn_fail(c, 1, "connecting to %s timed out after %s (during %s)",
		      c->host->label,
		      sl_format_duration(c->host->ex->connect_timeout_ms, d,
				     sizeof d),
		      stage[c->state] ? stage[c->state] : "connect");
	c->timing_out = 0;
}

static void conn_keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_conn *c = arg;
	struct timeval tv;
	int next = 0, rc;

	(void)fd;
	(void)what;
	if (c->state != C_READY)
		return;
	rc = libssh2_keepalive_send(c->session, &next);
	if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN) {
		ssh_conn_fail(c, 0, "connection to %s lost: %s", c->host->label,
			      ssh_errmsg(c->session));
		return;
	}
	sl_ms_timeval(c->host->ex->keepalive_ms, &tv);
	event_add(c->ev_keepalive, &tv);
	conn_arm(c);
}

/* The socket is connected (directly or through a tunnel): start SSH. */
void ssh_conn_begin_ssh(struct ssh_conn *c)
{
	c->session = libssh2_session_init();
	if (!c->session) {
		ssh_conn_fail(c, 1, "%s: cannot create an SSH session",
			      c->host->label);
		return;
	}
	libssh2_session_set_blocking(c->session, 0);
	ssh_hostkey_prefer_known(c);
	c->state = C_HANDSHAKE;
	event_assign(c->ev_read, c->host->ex->base, c->fd, EV_READ | EV_PERSIST,
		     conn_io_cb, c);
	event_assign(c->ev_write, c->host->ex->base, c->fd, EV_WRITE,
		     conn_io_cb, c);
	event_add(c->ev_read, NULL);
	ssh_conn_schedule_pump(c);
}

static void conn_try_addr(struct ssh_conn *c);

static void conn_connected_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_conn *c = arg;
	int soerr = 0;
	socklen_t len = sizeof soerr;

	(void)what;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr) {
		if (c->addr_next) {
			close(c->fd);
			c->fd = -1;
			conn_try_addr(c);
			return;
		}
		ssh_conn_fail(c, 1, "cannot connect to %s: %s", c->host->label,
			      strerror(soerr));
		return;
	}
	ssh_conn_begin_ssh(c);
}

static void socket_tune(int fd, int64_t keepalive_ms)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
#ifdef TCP_USER_TIMEOUT
	if (keepalive_ms > 0) {
		/* Unacknowledged data (our keepalives) for three periods means
		 * the host is gone: the kernel drops the connection. */
		unsigned int ut = (unsigned int)SL_MIN(keepalive_ms * 3,
						       (int64_t)3600000);
		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof ut);
	}
#endif
}

/* Non-blocking connect to the next resolved address. */
static void conn_try_addr(struct ssh_conn *c)
{
	struct evutil_addrinfo *ai = c->addr_next;
	int fd, err = 0;

	while (ai) {
		c->addr_next = ai->ai_next;
		fd = socket(ai->ai_family,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			ai = c->addr_next;
			continue;
		}
		socket_tune(fd, c->host->ex->keepalive_ms);
		c->fd = fd;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			ssh_conn_begin_ssh(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->state = C_CONNECT;
			event_assign(c->ev_write, c->host->ex->base, fd,
				     EV_WRITE, conn_connected_cb, c);
			event_add(c->ev_write, NULL);
			return;
		}
		err = errno;
		close(fd);
		c->fd = -1;
		ai = c->addr_next;
	}
	ssh_conn_fail(c, 1, "cannot connect to %s: %s", c->host->label,
		      err ? strerror(err) : "no address");
}

static void conn_resolved_cb(int result, struct evutil_addrinfo *res,
			     void *arg)
{
	struct ssh_conn *c = arg;

	if (result == EVUTIL_EAI_CANCEL)
		return;	/* ssh_conn_fail() already reset the connection */
	c->dns_req = NULL;
	if (result != 0) {
		ssh_conn_fail(c, 1, "cannot resolve %s: %s", c->host->name,
			      evutil_gai_strerror(result));
		return;
	}
	c->addrs = c->addr_next = res;
	conn_try_addr(c);
}


/* Begin connecting (the connection is idle and some op needs it). */
void ssh_conn_start(struct ssh_conn *c)
{
	struct ssh_exec *ex = c->host->ex;
	struct evutil_addrinfo hints;
	struct timeval tv;
	char port[16];

	c->connect_started_ms = sl_mono_ms();
	c->hostkey_desc[0] = '\0';
	sl_ms_timeval(ex->connect_timeout_ms, &tv);
	event_add(c->ev_timer, &tv);
	if (ex->via && c->host != ex->via) {
		c->state = C_TUNNEL;
		c->tunnel = ssh_tunnel_open(c);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(port, sizeof port, "%d", c->host->port);
	c->state = C_RESOLVE;
	hints.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
	if (evutil_getaddrinfo(c->host->name, port, &hints, &c->addrs) == 0) {
		c->addr_next = c->addrs;
		conn_try_addr(c);
		return;
	}
	c->addrs = NULL;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG | EVUTIL_AI_NUMERICSERV;
	if (!ex->dns)
		ex->dns = evdns_base_new(ex->base,
					 EVDNS_BASE_INITIALIZE_NAMESERVERS |
						 EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!ex->dns) {
		ssh_conn_fail(c, 1, "cannot resolve %s: no resolver",
			      c->host->name);
		return;
	}
	/* May call conn_resolved_cb at once (e.g. a name in /etc/hosts). */
	c->dns_req = evdns_getaddrinfo(ex->dns, c->host->name, port, &hints,
				       conn_resolved_cb, c);
}

void ssh_conn_init(struct ssh_conn *c, struct ssh_host *h)
{
	struct event_base *base = h->ex->base;

	memset(c, 0, sizeof *c);
	c->host = h;
	c->fd = -1;
	TAILQ_INIT(&c->ops);
	c->ev_read = event_new(base, -1, 0, conn_io_cb, c);
	c->ev_write = event_new(base, -1, 0, conn_io_cb, c);
	c->ev_timer = evtimer_new(base, conn_timeout_cb, c);
	c->ev_keepalive = evtimer_new(base, conn_keepalive_cb, c);
	c->ev_pump = event_new(base, -1, 0, conn_pump_cb, c);
	c->ev_orphans = evtimer_new(base, conn_orphans_cb, c);
}

void ssh_conn_destroy(struct ssh_conn *c)
{
	if (c->state == C_READY && c->session)
		libssh2_session_disconnect(c->session, "sluice: executor closed");
	ssh_conn_fail(c, 0, "executor %s closed", c->host->ex->name);
	event_free(c->ev_read);
	event_free(c->ev_write);
	event_free(c->ev_timer);
	event_free(c->ev_keepalive);
	event_free(c->ev_pump);
	event_free(c->ev_orphans);
}
