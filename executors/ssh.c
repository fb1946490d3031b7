/*
 * ssh.c: the ssh executor. Runs each try as a command on a remote host
 * over SSH, with libssh2 in non-blocking mode driven by the scheduler's
 * libevent loop: no threads, and nothing here waits on the network.
 *
 * Shape of the code:
 *
 *   ssh_exec   the instance: config, hosts, running tries.
 *   ssh_host   one configured host (and the jump host): its slots, its
 *              down-until back-off, and its one connection.
 *   ssh_conn   one SSH session to a host, embedded in the host and reused
 *              across reconnects. A state machine: resolve, TCP connect,
 *              handshake, host key check, authentication, ready.
 *   ssh_op     something that uses a connection's channels: a try, a
 *              short command (kill, orphan kill, check), or a tunnel that
 *              carries another host's connection (`via`). Ops are listed
 *              on their connection; conn_pump() steps the connection and
 *              every op until none makes progress, because one socket read
 *              may buffer data for any channel.
 *
 * Remote command: the try's command runs as
 *   exec /bin/sh -c PRELUDE PRELUDE CWD NENV NAME=VALUE... ARGV...
 * where PRELUDE (below) makes the shell a process-group leader (setsid
 * unless it already leads its group, which OpenSSH arranges), prints
 * "sluice-pgid=PGID start=STARTTIME" as the first line of stderr (this
 * executor strips it from the log and keeps it to kill the group),
 * changes directory, exports the env and execs the command, so the
 * command's own exit status or signal is what sshd reports.
 *
 * Completion: a try's done callback and a command's callback always run
 * from their own zero-delay event, never from inside start() or from deep
 * inside conn_pump().
 */
#include "build-config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <jansson.h>
#include <libssh2.h>

#include "executors/executor.h"
#include "executors/ssh.h"
#include "base/util.h"

#define SSH_READ_CHUNK 32768
#define SSH_MAX_COMMAND (256 * 1024)
#define SSH_PUMP_ROUNDS 64
#define SSH_TUNNEL_BUF 65536

struct ssh_exec;
struct ssh_host;
struct ssh_conn;
struct ssh_op;

enum conn_state {
	C_IDLE = 0,	/* no connection */
	C_RESOLVE,	/* waiting for the host name's addresses */
	C_CONNECT,	/* TCP connect in progress */
	C_TUNNEL,	/* waiting for the jump host's tunnel to open */
	C_HANDSHAKE,
	C_AUTH_LIST,
	C_AUTH_AGENT,
	C_AUTH_KEY,
	C_READY,
};

/* A user of a connection. step() advances it and returns nonzero when it
 * made progress; it may detach itself (op_detach) when finished. lost() is
 * called when the connection fails: the op is already detached. */
struct ssh_op {
	TAILQ_ENTRY(ssh_op) entry;
	struct ssh_conn *conn;
	int (*step)(struct ssh_op *op);
	void (*lost)(struct ssh_op *op, const char *why);
};
TAILQ_HEAD(ssh_op_list, ssh_op);

struct ssh_conn {
	struct ssh_host *host;
	enum conn_state state;
	unsigned generation;	/* bumped whenever the connection resets */
	int fd;
	LIBSSH2_SESSION *session;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *agent_id;
	int tried_key;
	struct evutil_addrinfo *addrs, *addr_next;
	struct evdns_getaddrinfo_request *dns_req;
	struct ssh_tunnel *tunnel;	/* carries this connection (via) */
	struct event *ev_read, *ev_write, *ev_timer, *ev_keepalive, *ev_pump;
	struct ssh_op_list ops;
	int64_t connect_started_ms;
	int64_t connect_ms;	/* how long the last connect took */
	char hostkey_desc[160];	/* "ED25519 SHA256:..." of the last handshake */
	int in_pump;
};

/* A kill to send when a host is reachable again: the process group of a
 * try whose connection dropped while it ran. */
struct ssh_orphan {
	long pgid;
	char start[32];
	struct ssh_orphan *next;
};

struct ssh_host {
	struct ssh_exec *ex;
	char *label;		/* "host:port", as shown in logs and errors */
	char *name;		/* host name or address */
	int port;
	char *user;
	int running;		/* tries using this host's slots */
	int64_t down_until_ms;	/* sl_mono_ms() until which no new try goes here */
	char down_reason[SL_ERR_MSG];
	struct ssh_orphan *orphans;
	struct ssh_conn conn;
};

struct ssh_try {
	struct ssh_op op;
	struct ssh_exec *ex;
	struct ssh_host *host;	/* NULL while queued */
	TAILQ_ENTRY(ssh_try) entry;	/* ex->tries */
	TAILQ_ENTRY(ssh_try) qentry;	/* ex->queue while queued */
	int queued;
	char *header;		/* "try N of DAG.TASK", for the log */
	char *skipped_env;	/* names not passed, noted in the log */
	enum { T_OPEN, T_EXEC, T_RUN, T_CLOSE, T_WAIT_CLOSED, T_FREE,
	       T_DONE } state;
	LIBSSH2_CHANNEL *ch;
	char *command;
	char *stdin_data;
	size_t stdin_len, stdin_off;
	int stdin_done;
	int log_fd;
	int64_t kill_grace_ms;
	int64_t started_ms;
	/* The wrapper's "sluice-pgid=..." stderr line names the process
	 * group. Lines before it (a chatty login shell) pass through; the
	 * current line is held here until its newline arrives. */
	char marker[256];
	size_t marker_len;
	int marker_seen;
	int marker_skip_line;	/* inside a long line: not the marker */
	size_t marker_scanned;	/* bytes looked at; give up after a while */
	int reopened;		/* reconnected once for a stale connection */
	long pgid;
	char start_time[32];
	char token[128];
	int kill_requested;	/* kill() was called */
	int term_sent, kill_sent;
	struct event *ev_grace;
	struct event *ev_done;
	int exit_code, signal;
	char *error;
	sl_exec_done_fn done;
	void *done_arg;
};
TAILQ_HEAD(ssh_try_list, ssh_try);

/* A short command on a host (kill, orphan kill, check). */
struct ssh_cmd {
	struct ssh_op op;
	TAILQ_ENTRY(ssh_cmd) entry;
	struct ssh_exec *ex;
	struct ssh_host *host;
	enum { K_OPEN, K_EXEC, K_READ, K_CLOSE, K_FREE, K_DONE } state;
	LIBSSH2_CHANNEL *ch;
	char *command;
	struct buf out;		/* stdout and stderr, capped */
	int exit_code;
	char *error;
	struct event *ev_done;
	void (*cb)(struct ssh_cmd *cmd, void *arg);
	void *arg;
};

/* A direct-tcpip channel on the jump host's connection, shuttling bytes
 * between it and a socketpair whose other end is the target host's
 * connection socket. */
struct ssh_tunnel {
	struct ssh_op op;
	struct ssh_conn *inner;	/* the connection it carries */
	LIBSSH2_CHANNEL *ch;
	int fd;			/* our end of the socketpair */
	struct event *ev_read, *ev_write;
	char up[SSH_TUNNEL_BUF];	/* inner session → jump channel */
	size_t up_len;
	char down[SSH_TUNNEL_BUF];	/* jump channel → inner session */
	size_t down_len;
	int closing;
};

struct ssh_exec {
	struct event_base *base;
	struct evdns_base *dns;
	char *name;
	char *user;
	char *key_path;
	char *passphrase_env;
	char *known_hosts;
	char *sluice_path;
	int agent;
	int accept_new;
	int slots_per_host;
	int64_t connect_timeout_ms, keepalive_ms, down_backoff_ms;
	struct ssh_host *hosts;
	int nhosts;
	struct ssh_host *via;
	int rr;
	struct ssh_try_list tries;
	/* Tries waiting for a slot: some host is up but all up hosts are
	 * full (a down host's slots are not usable). */
	TAILQ_HEAD(, ssh_try) queue;
	int nqueued;
	struct event *ev_dispatch;
	int destroying;
	TAILQ_HEAD(, ssh_cmd) cmds;
};

static void conn_pump(struct ssh_conn *c);
static void conn_start(struct ssh_conn *c);
static void conn_fail(struct ssh_conn *c, int mark_down, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conn_schedule_pump(struct ssh_conn *c);
static int conn_check_broken(struct ssh_conn *c);
static struct ssh_cmd *cmd_run(struct ssh_host *h, const char *command,
			       void (*cb)(struct ssh_cmd *, void *), void *arg);
static void try_send_kill(struct ssh_try *t, const char *sig);
static void ex_dispatch_cb(evutil_socket_t fd, short what, void *arg);
static void try_set_error(struct ssh_try *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int libssh2_users;

/* ---- small helpers ---- */

/* Append s to b as one single-quoted shell word. */
static void sh_quote(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

static char *expand_home(const char *path)
{
	const char *home;

	if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
		return xstrdup(path);
	home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	return xasprintf("%s%s", home, path + 1);
}

static const char *ssh_errmsg(LIBSSH2_SESSION *s)
{
	char *msg = NULL;

	if (!s)
		return "no session";
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

static int ssh_eagain(LIBSSH2_SESSION *s)
{
	return libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN;
}

static const struct {
	const char *name;
	int num;
} signal_names[] = {
	{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL},
	{"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"BUS", SIGBUS}, {"FPE", SIGFPE},
	{"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
	{"TERM", SIGTERM}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
	{"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"SYS", SIGSYS},
};

static int signal_from_name(const char *name)
{
	size_t i;

	if (sl_str_starts(name, "SIG"))
		name += 3;
	for (i = 0; i < SL_ARRAY_LEN(signal_names); i++)
		if (strcmp(signal_names[i].name, name) == 0)
			return signal_names[i].num;
	return 0;
}

/* ---- host keys ---- */

static const struct {
	int hostkey_type;	/* LIBSSH2_HOSTKEY_TYPE_* */
	int known_type;		/* LIBSSH2_KNOWNHOST_KEY_* */
	const char *label;
	const char *methods;	/* host key algorithms for method_pref */
} key_types[] = {
	{LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ED25519",
	 "ssh-ed25519"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	 "ECDSA", "ecdsa-sha2-nistp256"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	 "ECDSA", "ecdsa-sha2-nistp384"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	 "ECDSA", "ecdsa-sha2-nistp521"},
	{LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "RSA",
	 "rsa-sha2-512,rsa-sha2-256,ssh-rsa"},
};

/* Load the known_hosts file into a libssh2 collection (a missing file is
 * an empty one). */
static LIBSSH2_KNOWNHOSTS *known_hosts_load(struct ssh_conn *c)
{
	struct ssh_exec *ex = c->host->ex;
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->session);

	if (kh && access(ex->known_hosts, F_OK) == 0)
		libssh2_knownhost_readfile(kh, ex->known_hosts,
					   LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	return kh;
}

static int known_hosts_check(LIBSSH2_KNOWNHOSTS *kh, struct ssh_host *h,
			     const char *key, size_t len, int known_type)
{
	int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		   known_type;
	int rc = libssh2_knownhost_checkp(kh, h->name, h->port, key, len, mask,
					  NULL);

	if (rc == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND && h->port == 22)
		rc = libssh2_knownhost_checkp(kh, h->name, -1, key, len, mask,
					      NULL);
	return rc;
}

/*
 * Prefer the host key algorithms known_hosts already holds for this host,
 * so a server with several host keys offers one we can verify. Probing
 * with a dummy key tells "an entry of this type exists" (mismatch) from
 * "none" (not found), and works for hashed entries too.
 */
/*
 * Keep only the methods this libssh2 supports, in order. libssh2 1.10
 * removes unsupported names from a preference list with an overlapping
 * memcpy (undefined behaviour), so it must never see one.
 */
static void
hostkey_pref_supported(LIBSSH2_SESSION *session, struct buf *pref)
{
	const char **algs = NULL;
	int n = libssh2_session_supported_algs(session, LIBSSH2_METHOD_HOSTKEY,
					       &algs);
	struct buf keep;
	char *list = xstrdup(buf_str(pref)), *p = list;

	buf_init(&keep, 0);
	while (p != NULL && *p != '\0') {
		char *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		for (int i = 0; i < n; i++)
			if (strcmp(algs[i], p) == 0) {
				if (keep.len)
					buf_addc(&keep, ',');
				buf_adds(&keep, p);
				break;
			}
		p = comma ? comma + 1 : NULL;
	}
	if (n > 0)
		libssh2_free(session, algs);
	free(list);
	buf_free(pref);
	*pref = keep;
}

static void hostkey_prefer_known(struct ssh_conn *c)
{
	LIBSSH2_KNOWNHOSTS *kh = known_hosts_load(c);
	struct buf known, rest;
	size_t i;

	if (!kh)
		return;
	buf_init(&known, 0);
	buf_init(&rest, 0);
	for (i = 0; i < SL_ARRAY_LEN(key_types); i++) {
		int rc = known_hosts_check(kh, c->host, "x", 1,
					   key_types[i].known_type);
		struct buf *b = rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ? &known
								       : &rest;
		if (b->len)
			buf_addc(b, ',');
		buf_adds(b, key_types[i].methods);
	}
	if (known.len) {
		if (rest.len)
			buf_printf(&known, ",%s", buf_str(&rest));
		hostkey_pref_supported(c->session, &known);
		if (known.len)
			libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY,
						    buf_str(&known));
	}
	buf_free(&known);
	buf_free(&rest);
	libssh2_knownhost_free(kh);
}

/* "SHA256:..." (base64 without padding, as OpenSSH prints it). */
static void hostkey_fingerprint(LIBSSH2_SESSION *s, char *out, size_t n)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *hash = (const unsigned char *)libssh2_hostkey_hash(
		s, LIBSSH2_HOSTKEY_HASH_SHA256);
	char b64[48];
	size_t i, len = 0;

	if (!hash) {
		snprintf(out, n, "SHA256:(unavailable)");
		return;
	}
	for (i = 0; i < 32; i += 3) {
		unsigned v = (unsigned)hash[i] << 16;
		if (i + 1 < 32)
			v |= (unsigned)hash[i + 1] << 8;
		if (i + 2 < 32)
			v |= hash[i + 2];
		b64[len++] = digits[(v >> 18) & 63];
		b64[len++] = digits[(v >> 12) & 63];
		if (i + 1 < 32)
			b64[len++] = digits[(v >> 6) & 63];
		if (i + 2 < 32)
			b64[len++] = digits[v & 63];
	}
	b64[len] = '\0';
	snprintf(out, n, "SHA256:%s", b64);
}

/* Append the host's key to known_hosts (accept-new). */
static int known_hosts_add(struct ssh_conn *c, const char *key, size_t len,
			   int known_type, char *why, size_t whylen)
{
	struct ssh_exec *ex = c->host->ex;
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->session);
	struct libssh2_knownhost *node = NULL;
	char *name, line[8192], *dir, *slash;
	size_t linelen = 0;
	int fd, rc = -1;

	if (!kh) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	name = c->host->port == 22 ? xstrdup(c->host->name)
				   : xasprintf("[%s]:%d", c->host->name,
					       c->host->port);
	if (libssh2_knownhost_addc(kh, name, NULL, key, len, NULL, 0,
				   LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					   LIBSSH2_KNOWNHOST_KEYENC_RAW |
					   known_type,
				   &node) != 0 ||
	    libssh2_knownhost_writeline(kh, node, line, sizeof line, &linelen,
					LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		snprintf(why, whylen, "cannot format the known_hosts line");
		goto out;
	}
	dir = xstrdup(ex->known_hosts);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		sl_mkdirs(dir, 0700, NULL);
	}
	free(dir);
	fd = open(ex->known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		  0600);
	if (fd < 0 || write(fd, line, linelen) != (ssize_t)linelen) {
		snprintf(why, whylen, "cannot write %s: %s", ex->known_hosts,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	free(name);
	libssh2_knownhost_free(kh);
	return rc;
}

/* Verify the server's host key against known_hosts; on refusal, fail the
 * connection with a message naming the host and the key's fingerprint. */
static int hostkey_verify(struct ssh_conn *c)
{
	struct ssh_exec *ex = c->host->ex;
	struct ssh_host *h = c->host;
	LIBSSH2_KNOWNHOSTS *kh;
	const char *key, *label = "unknown";
	size_t len, i;
	int type, known_type = 0, rc;
	char fp[96], why[512];

	key = libssh2_session_hostkey(c->session, &len, &type);
	if (!key) {
		conn_fail(c, 1, "%s sent no host key", h->label);
		return -1;
	}
	for (i = 0; i < SL_ARRAY_LEN(key_types); i++) {
		if (key_types[i].hostkey_type == type) {
			known_type = key_types[i].known_type;
			label = key_types[i].label;
		}
	}
	hostkey_fingerprint(c->session, fp, sizeof fp);
	snprintf(c->hostkey_desc, sizeof c->hostkey_desc, "%s %s", label, fp);
	if (!known_type) {
		conn_fail(c, 1, "host key of %s has an unsupported type (%s)",
			  h->label, fp);
		return -1;
	}
	kh = known_hosts_load(c);
	if (!kh) {
		conn_fail(c, 1, "cannot check the host key of %s: out of memory",
			  h->label);
		return -1;
	}
	rc = known_hosts_check(kh, h, key, len, known_type);
	libssh2_knownhost_free(kh);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		conn_fail(c, 1,
			  "HOST KEY OF %s HAS CHANGED: it offers %s %s, which "
			  "does not match the key in %s; refusing to connect "
			  "(someone may be intercepting the connection, or "
			  "the host was reinstalled: check, then fix %s)",
			  h->label, label, fp, ex->known_hosts,
			  ex->known_hosts);
		return -1;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (ex->accept_new) {
			if (known_hosts_add(c, key, len, known_type, why,
					    sizeof why) < 0) {
				conn_fail(c, 1,
					  "cannot record the new host key of "
					  "%s (%s %s): %s",
					  h->label, label, fp, why);
				return -1;
			}
			return 0;
		}
		conn_fail(c, 1,
			  "host key of %s is not known: %s %s is not in %s "
			  "(host_key_check: strict); add the host's key to "
			  "that file (ssh-keyscan), or set host_key_check: "
			  "accept-new",
			  h->label, label, fp, ex->known_hosts);
		return -1;
	default:
		conn_fail(c, 1, "cannot check the host key of %s (%s %s) "
			  "against %s", h->label, label, fp, ex->known_hosts);
		return -1;
	}
}

/* ---- connections ---- */

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

static void tunnel_close(struct ssh_tunnel *tn);

/* Drop the connection. Every op on it is told (and detached); with
 * mark_down, the host takes no new work for the back-off period. */
static void conn_fail(struct ssh_conn *c, int mark_down, const char *fmt, ...)
{
	struct ssh_host *h = c->host;
	struct ssh_op_list ops;
	struct ssh_op *op;
	char msg[SL_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	c->generation++;
	c->state = C_IDLE;
	if (mark_down) {
		h->down_until_ms = sl_mono_ms() + h->ex->down_backoff_ms;
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
		tunnel_close(tn);
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
}

static void op_attach(struct ssh_conn *c, struct ssh_op *op)
{
	op->conn = c;
	TAILQ_INSERT_TAIL(&c->ops, op, entry);
	if (c->state == C_IDLE) {
		conn_start(c);
		return;
	}
	if (c->state == C_READY)
		event_add(c->ev_read, NULL);	/* may be parked while idle */
	conn_schedule_pump(c);
}

static void op_detach(struct ssh_op *op)
{
	if (op->conn) {
		TAILQ_REMOVE(&op->conn->ops, op, entry);
		op->conn = NULL;
	}
}

/* After a libssh2 call failed: when the session itself is broken (the
 * server went away, the stream is corrupt), drop the connection, which
 * ends every op on it, and return 1. */
static int conn_check_broken(struct ssh_conn *c)
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
		conn_fail(c, 0, "connection to %s lost (%s)", c->host->label,
			  msg);
		return 1;
	default:
		return 0;
	}
}

static void conn_schedule_pump(struct ssh_conn *c)
{
	event_active(c->ev_pump, EV_TIMEOUT, 0);
}

static void conn_ready(struct ssh_conn *c);
static void host_kill_orphans(struct ssh_host *h);

/* Is the private key file an RSA key? (PEM "RSA PRIVATE KEY", or an
 * OpenSSH-format key whose unencrypted public part is ssh-rsa.) */
static int key_is_rsa(const char *path)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	unsigned char raw[384];
	char *text = NULL;
	const char *p, *d;
	size_t len, n = 0, i;
	unsigned acc = 0;
	int bits = 0, rsa = 0;

	if (sl_read_file(path, 65536, &text, &len, NULL) < 0)
		return 0;
	if (strstr(text, "BEGIN RSA PRIVATE KEY")) {
		free(text);
		return 1;
	}
	p = strstr(text, begin);
	if (p) {
		for (p += sizeof begin - 1; *p && *p != '-' && n < sizeof raw;
		     p++) {
			d = strchr(b64, *p);
			if (!d || !*p)
				continue;
			acc = (acc << 6) | (unsigned)(d - b64);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				raw[n++] = (unsigned char)(acc >> bits);
			}
		}
		for (i = 0; i + 11 <= n; i++)
			if (memcmp(raw + i, "\0\0\0\7ssh-rsa", 11) == 0)
				rsa = 1;
	}
	free(text);
	return rsa;
}

/* Advance the connection's own state machine (before C_READY). */
static int conn_step(struct ssh_conn *c)
{
	struct ssh_host *h = c->host;
	struct ssh_exec *ex = h->ex;
	int rc;

	switch (c->state) {
	case C_HANDSHAKE:
		rc = libssh2_session_handshake(c->session, c->fd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc) {
			conn_fail(c, 1, "SSH handshake with %s failed: %s",
				  h->label, ssh_errmsg(c->session));
			return 0;
		}
		if (hostkey_verify(c) < 0)
			return 0;
		c->state = C_AUTH_LIST;
		return 1;
	case C_AUTH_LIST: {
		char *list = libssh2_userauth_list(c->session, h->user,
						   (unsigned)strlen(h->user));
		if (!list) {
			if (libssh2_userauth_authenticated(c->session)) {
				conn_ready(c);
				return 1;
			}
			if (ssh_eagain(c->session))
				return 0;
			conn_fail(c, 1, "%s: cannot list authentication "
				  "methods: %s", h->label,
				  ssh_errmsg(c->session));
			return 0;
		}
		if (!strstr(list, "publickey")) {
			conn_fail(c, 1, "authentication as %s on %s failed: the "
				  "server does not accept public keys (it "
				  "offers: %s)", h->user, h->label, list);
			return 0;
		}
		c->state = ex->agent ? C_AUTH_AGENT : C_AUTH_KEY;
		return 1;
	}
	case C_AUTH_AGENT:
		if (!c->agent) {
			c->agent = libssh2_agent_init(c->session);
			/* Talking to the agent is a local socket round trip. */
			if (!c->agent ||
			    libssh2_agent_connect(c->agent) != 0 ||
			    libssh2_agent_list_identities(c->agent) != 0) {
				if (!ex->key_path) {
					conn_fail(c, 1, "%s: cannot use "
						  "ssh-agent (SSH_AUTH_SOCK=%s): "
						  "%s", h->label,
						  getenv("SSH_AUTH_SOCK") ?
						  getenv("SSH_AUTH_SOCK") :
						  "unset",
						  ssh_errmsg(c->session));
					return 0;
				}
				c->state = C_AUTH_KEY;
				return 1;
			}
			c->agent_id = NULL;
			if (libssh2_agent_get_identity(c->agent, &c->agent_id,
						       NULL) != 0)
				c->agent_id = NULL;
		}
		while (c->agent_id) {
			rc = libssh2_agent_userauth(c->agent, h->user,
						    c->agent_id);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (rc == 0) {
				conn_ready(c);
				return 1;
			}
			if (libssh2_agent_get_identity(c->agent, &c->agent_id,
						       c->agent_id) != 0)
				c->agent_id = NULL;
		}
		if (ex->key_path) {
			c->state = C_AUTH_KEY;
			return 1;
		}
		conn_fail(c, 1, "authentication as %s on %s failed: the server "
			  "accepted none of ssh-agent's keys", h->user,
			  h->label);
		return 0;
	case C_AUTH_KEY: {
		const char *pass = ex->passphrase_env ?
					   getenv(ex->passphrase_env) : NULL;
		if (!ex->key_path) {
			conn_fail(c, 1, "authentication as %s on %s failed: no "
				  "key configured", h->user, h->label);
			return 0;
		}
		rc = libssh2_userauth_publickey_fromfile_ex(
			c->session, h->user, (unsigned)strlen(h->user), NULL,
			ex->key_path, pass ? pass : "");
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc == 0) {
			conn_ready(c);
			return 1;
		}
		if (rc == LIBSSH2_ERROR_FILE)
			conn_fail(c, 1, "cannot use the private key %s for %s: "
				  "%s (wrong passphrase%s, or not an "
				  "ed25519/ECDSA/RSA private key?)",
				  ex->key_path, h->label,
				  ssh_errmsg(c->session),
				  ex->passphrase_env ? "" :
				  " or key_passphrase_env not set");
		else
			conn_fail(c, 1, "authentication as %s on %s failed: "
				  "the server refused the key %s (%s)%s", h->user,
				  h->label, ex->key_path,
				  ssh_errmsg(c->session),
				  !libssh2_version(0x010b00) &&
						  key_is_rsa(ex->key_path) ?
					  "; note: this libssh2 (before 1.11) "
					  "signs with RSA keys only as ssh-rsa "
					  "(SHA-1), which OpenSSH 8.8 and later "
					  "refuse by default: use an ed25519 or "
					  "ECDSA key, or allow ssh-rsa on the "
					  "server (PubkeyAcceptedAlgorithms "
					  "+ssh-rsa)" : "");
		return 0;
	}
	default:
		return 0;
	}
}

static void conn_ready(struct ssh_conn *c)
{
	struct ssh_host *h = c->host;
	struct timeval tv;

	c->state = C_READY;
	c->connect_ms = sl_mono_ms() - c->connect_started_ms;
	h->down_until_ms = 0;
	h->down_reason[0] = '\0';
	event_del(c->ev_timer);
	if (h->ex->keepalive_ms > 0) {
		int secs = (int)((h->ex->keepalive_ms + 999) / 1000);
		libssh2_keepalive_config(c->session, 0, (unsigned)secs);
		sl_ms_timeval(h->ex->keepalive_ms, &tv);
		event_add(c->ev_keepalive, &tv);
	}
	host_kill_orphans(h);
}

/* Kill what is left of tries lost with an earlier connection (or named by
 * kill_orphan after a scheduler restart); the start time guards against
 * a reused process id. */
static void host_kill_orphans(struct ssh_host *h)
{
	while (h->orphans) {
		struct ssh_orphan *o = h->orphans;
		char *cmd = xasprintf(
			"s=$(sed 's/.*) //' /proc/%ld/stat 2>/dev/null | "
			"cut -d' ' -f20); [ -z '%s' ] || [ \"$s\" = '%s' ] && "
			"kill -KILL -- -%ld 2>/dev/null; exit 0",
			o->pgid, o->start, o->start, o->pgid);
		h->orphans = o->next;
		free(o);
		cmd_run(h, cmd, NULL, NULL);
		free(cmd);
	}
}

/* Step the connection and all its ops until nothing moves. */
static void conn_pump(struct ssh_conn *c)
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
			progress = conn_step(c);
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
		conn_schedule_pump(c);	/* let other events run first */
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
			conn_fail(c, 0, "%s closed the connection",
				  c->host->label);
			return;
		}
		if (n > 0)
			event_del(c->ev_read);
		return;
	}
	conn_pump(c);
}

static void conn_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_pump(arg);
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
	conn_fail(c, 1, "connecting to %s timed out after %s (during %s)",
		  c->host->label,
		  sl_format_duration(c->host->ex->connect_timeout_ms, d,
				     sizeof d),
		  stage[c->state] ? stage[c->state] : "connect");
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
		conn_fail(c, 0, "connection to %s lost: %s", c->host->label,
			  ssh_errmsg(c->session));
		return;
	}
	sl_ms_timeval(c->host->ex->keepalive_ms, &tv);
	event_add(c->ev_keepalive, &tv);
	conn_arm(c);
}

/* The socket is connected (directly or through a tunnel): start SSH. */
static void conn_begin_ssh(struct ssh_conn *c)
{
	c->session = libssh2_session_init();
	if (!c->session) {
		conn_fail(c, 1, "%s: cannot create an SSH session",
			  c->host->label);
		return;
	}
	libssh2_session_set_blocking(c->session, 0);
	hostkey_prefer_known(c);
	c->state = C_HANDSHAKE;
	event_assign(c->ev_read, c->host->ex->base, c->fd, EV_READ | EV_PERSIST,
		     conn_io_cb, c);
	event_assign(c->ev_write, c->host->ex->base, c->fd, EV_WRITE,
		     conn_io_cb, c);
	event_add(c->ev_read, NULL);
	conn_schedule_pump(c);
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
		conn_fail(c, 1, "cannot connect to %s: %s", c->host->label,
			  strerror(soerr));
		return;
	}
	conn_begin_ssh(c);
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
			conn_begin_ssh(c);
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
	conn_fail(c, 1, "cannot connect to %s: %s", c->host->label,
		  err ? strerror(err) : "no address");
}

static void conn_resolved_cb(int result, struct evutil_addrinfo *res,
			     void *arg)
{
	struct ssh_conn *c = arg;

	if (result == EVUTIL_EAI_CANCEL)
		return;	/* conn_fail() already reset the connection */
	c->dns_req = NULL;
	if (result != 0) {
		conn_fail(c, 1, "cannot resolve %s: %s", c->host->name,
			  evutil_gai_strerror(result));
		return;
	}
	c->addrs = c->addr_next = res;
	conn_try_addr(c);
}

static struct ssh_tunnel *tunnel_open(struct ssh_conn *inner);

/* Begin connecting (the connection is idle and some op needs it). */
static void conn_start(struct ssh_conn *c)
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
		c->tunnel = tunnel_open(c);
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
		conn_fail(c, 1, "cannot resolve %s: no resolver",
			  c->host->name);
		return;
	}
	/* May call conn_resolved_cb at once (e.g. a name in /etc/hosts). */
	c->dns_req = evdns_getaddrinfo(ex->dns, c->host->name, port, &hints,
				       conn_resolved_cb, c);
}

static void conn_init(struct ssh_conn *c, struct ssh_host *h)
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
}

static void conn_destroy(struct ssh_conn *c)
{
	if (c->state == C_READY && c->session)
		libssh2_session_disconnect(c->session, "sluice: executor closed");
	conn_fail(c, 0, "executor %s closed", c->host->ex->name);
	event_free(c->ev_read);
	event_free(c->ev_write);
	event_free(c->ev_timer);
	event_free(c->ev_keepalive);
	event_free(c->ev_pump);
}

/* ---- the jump host tunnel (via) ---- */

static void tunnel_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_tunnel *tn = arg;

	(void)fd;
	(void)what;
	if (tn->op.conn)
		conn_pump(tn->op.conn);
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
static void tunnel_close(struct ssh_tunnel *tn)
{
	tn->closing = 1;
	event_del(tn->ev_read);
	event_del(tn->ev_write);
	if (tn->inner) {
		struct ssh_conn *inner = tn->inner;
		tn->inner = NULL;
		inner->tunnel = NULL;
		conn_fail(inner, inner->state != C_READY,
			  "the tunnel to %s through the jump host %s closed",
			  inner->host->label, inner->host->ex->via->label);
	}
	if (!tn->op.conn) {
		tunnel_free(tn);
		return;
	}
	if (!tn->ch) {
		op_detach(&tn->op);
		tunnel_free(tn);
		return;
	}
	/* Otherwise tunnel_step frees the channel, then the tunnel. */
	conn_schedule_pump(tn->op.conn);
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
		op_detach(op);
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
			n = snprintf(tn->up, sizeof tn->up, "%s", ssh_errmsg(s));
			{
				struct ssh_conn *inner = tn->inner;
				tn->inner = NULL;
				inner->tunnel = NULL;
				conn_fail(inner, 1,
					  "the jump host %s cannot reach %s: "
					  "%s",
					  op->conn->host->label,
					  inner->host->label, tn->up);
			}
			op_detach(op);
			tunnel_free(tn);
			return 1;
		}
		/* The inner session starts on its end of the socketpair. */
		event_add(tn->ev_read, NULL);
		conn_begin_ssh(tn->inner);
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
			tunnel_close(tn);
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
			tunnel_close(tn);
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
			tunnel_close(tn);
			return 1;
		} else if (n == 0 && libssh2_channel_eof(tn->ch)) {
			tunnel_close(tn);
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
			tunnel_close(tn);
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
	if (tn->inner) {
		struct ssh_conn *inner = tn->inner;
		tn->inner = NULL;
		inner->tunnel = NULL;
		conn_fail(inner, inner->state != C_READY,
			  "jump host %s for %s: %s",
			  inner->host->ex->via->label, inner->host->label, why);
	}
	if (!tn->closing) {
		tn->closing = 1;
		event_del(tn->ev_read);
		event_del(tn->ev_write);
	}
	tunnel_free(tn);
}

static struct ssh_tunnel *tunnel_open(struct ssh_conn *inner)
{
	struct ssh_exec *ex = inner->host->ex;
	struct ssh_tunnel *tn = xcalloc(1, sizeof *tn);
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sp) < 0) {
		free(tn);
		/* conn_fail would recurse into tunnel_close: fail later. */
		inner->tunnel = NULL;
		conn_fail(inner, 1, "socketpair: %s", strerror(errno));
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
	op_attach(&ex->via->conn, &tn->op);
	return inner->tunnel;
}

/* ---- short commands ---- */

static void cmd_free(struct ssh_cmd *cmd);

static void cmd_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_cmd *cmd = arg;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&cmd->ex->cmds, cmd, entry);
	if (cmd->cb)
		cmd->cb(cmd, cmd->arg);
	cmd_free(cmd);
}

static void cmd_free(struct ssh_cmd *cmd)
{
	event_free(cmd->ev_done);
	buf_free(&cmd->out);
	free(cmd->command);
	free(cmd->error);
	free(cmd);
}

static void cmd_finish(struct ssh_cmd *cmd)
{
	cmd->state = K_DONE;
	op_detach(&cmd->op);
	event_active(cmd->ev_done, EV_TIMEOUT, 0);
}

static int cmd_step(struct ssh_op *op)
{
	struct ssh_cmd *cmd = (struct ssh_cmd *)op;
	LIBSSH2_SESSION *s = op->conn->session;
	char chunk[4096];
	ssize_t n;
	int rc, progress = 0;

	for (;;) {
		switch (cmd->state) {
		case K_OPEN:
			cmd->ch = libssh2_channel_open_session(s);
			if (!cmd->ch) {
				if (ssh_eagain(s))
					return progress;
				if (conn_check_broken(op->conn))
					return 1;
				cmd->error = xasprintf("cannot open a channel on "
						       "%s: %s", cmd->host->label,
						       ssh_errmsg(s));
				cmd_finish(cmd);
				return 1;
			}
			cmd->state = K_EXEC;
			progress = 1;
			break;
		case K_EXEC:
			rc = libssh2_channel_exec(cmd->ch, cmd->command);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			if (rc && conn_check_broken(op->conn))
				return 1;
			if (rc) {
				cmd->error = xasprintf("cannot run a command on "
						       "%s: %s", cmd->host->label,
						       ssh_errmsg(s));
				cmd->state = K_FREE;
				break;
			}
			libssh2_channel_send_eof(cmd->ch);
			cmd->state = K_READ;
			progress = 1;
			break;
		case K_READ:
			for (;;) {
				n = libssh2_channel_read(cmd->ch, chunk,
							 sizeof chunk);
				if (n <= 0)
					n = libssh2_channel_read_stderr(
						cmd->ch, chunk, sizeof chunk);
				if (n <= 0)
					break;
				buf_add(&cmd->out, chunk, (size_t)n);
				progress = 1;
			}
			if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
				if (conn_check_broken(op->conn))
					return 1;
				cmd->error = xasprintf("%s: %s",
						       cmd->host->label,
						       ssh_errmsg(s));
				cmd->state = K_FREE;
				break;
			}
			if (!libssh2_channel_eof(cmd->ch))
				return progress;
			cmd->state = K_CLOSE;
			break;
		case K_CLOSE:
			rc = libssh2_channel_close(cmd->ch);
			if (rc == 0)
				rc = libssh2_channel_wait_closed(cmd->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			if (rc && conn_check_broken(op->conn))
				return 1;
			cmd->exit_code = libssh2_channel_get_exit_status(cmd->ch);
			cmd->state = K_FREE;
			break;
		case K_FREE:
			rc = libssh2_channel_free(cmd->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			cmd->ch = NULL;
			cmd_finish(cmd);
			return 1;
		case K_DONE:
			return progress;
		}
	}
}

static void cmd_lost(struct ssh_op *op, const char *why)
{
	struct ssh_cmd *cmd = (struct ssh_cmd *)op;

	cmd->ch = NULL;
	if (!cmd->error)
		cmd->error = xstrdup(why);
	cmd_finish(cmd);
}

/* Run a command on host h (connecting if needed); cb(cmd, arg) is called
 * once from its own event with cmd->exit_code, cmd->out, cmd->error. */
static struct ssh_cmd *cmd_run(struct ssh_host *h, const char *command,
			       void (*cb)(struct ssh_cmd *, void *), void *arg)
{
	struct ssh_cmd *cmd = xcalloc(1, sizeof *cmd);

	cmd->ex = h->ex;
	cmd->host = h;
	cmd->command = xstrdup(command);
	buf_init(&cmd->out, 16384);
	cmd->exit_code = -1;
	cmd->cb = cb;
	cmd->arg = arg;
	cmd->op.step = cmd_step;
	cmd->op.lost = cmd_lost;
	cmd->ev_done = event_new(h->ex->base, -1, 0, cmd_done_cb, cmd);
	TAILQ_INSERT_TAIL(&h->ex->cmds, cmd, entry);
	op_attach(&h->conn, &cmd->op);
	return cmd;
}

/* ---- tries ---- */

/*
 * The remote wrapper, run as `/bin/sh -c PRELUDE PRELUDE CWD N ENV... ARGV`
 * ($0 is the prelude itself, so it can re-run itself under setsid). It
 * must not contain single quotes: it is sent single-quoted.
 */
static const char wrapper_prelude[] =
	"l=;read -r l </proc/$$/stat 2>/dev/null;l=${l##*) };g=;s=;i=0;"
	"for w in $l;do i=$((i+1));case $i in 3)g=$w;;20)s=$w;break;;esac;done;"
	"if [ \"$g\" != \"$$\" ]&&[ -z \"$SLUICE_SETSID\" ];then "
	"export SLUICE_SETSID=1;exec setsid -w /bin/sh -c \"$0\" \"$0\" \"$@\";fi;"
	"unset SLUICE_SETSID;"
	"printf \"sluice-pgid=%s start=%s\\n\" \"$$\" \"$s\" >&2;"
	"if [ -n \"$1\" ];then cd -- \"$1\"||exit 126;fi;"
	"n=$2;shift 2;"
	"while [ \"$n\" -gt 0 ];do export \"$1\";shift;n=$((n-1));done;"
	"exec \"$@\"";

/* Variables that describe the scheduler's own machine and session: not
 * sent when they hold the scheduler's own value (the DAG did not set
 * them), so the remote login's values stand. */
static const char *const local_only_env[] = {
	"HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "SHLVL",
	"HOSTNAME", "MAIL", "PATH", "TERM", "TMPDIR", "_", "DISPLAY",
	"XDG_RUNTIME_DIR", "XDG_SESSION_ID", "MOTD_SHOWN",
};

static int env_name_ok(const char *kv, size_t namelen)
{
	size_t i;

	if (namelen == 0 || !(isalpha((unsigned char)kv[0]) || kv[0] == '_'))
		return 0;
	for (i = 1; i < namelen; i++)
		if (!(isalnum((unsigned char)kv[i]) || kv[i] == '_'))
			return 0;
	return 1;
}

static int env_send(const char *kv, size_t namelen)
{
	size_t i;
	char name[64];
	const char *mine;

	if (sl_str_starts(kv, "SSH_") || sl_str_starts(kv, "SLUICE_SETSID="))
		return 0;
	if (namelen >= sizeof name)
		return 1;
	memcpy(name, kv, namelen);
	name[namelen] = '\0';
	for (i = 0; i < SL_ARRAY_LEN(local_only_env); i++) {
		if (strcmp(name, local_only_env[i]) == 0) {
			mine = getenv(name);
			return !(mine && strcmp(mine, kv + namelen + 1) == 0);
		}
	}
	return 1;
}

/* The command line sent to the remote login shell. Skipped variables
 * (names the shell cannot export) are noted in skipped. */
static char *try_command(struct ssh_exec *ex, const struct sl_exec_task *task,
			 struct buf *skipped)
{
	struct buf b, envs;
	size_t i, n = 0;

	buf_init(&b, 0);
	buf_init(&envs, 0);
	for (i = 0; task->env && task->env[i]; i++) {
		const char *kv = task->env[i];
		const char *eq = strchr(kv, '=');
		size_t namelen = eq ? (size_t)(eq - kv) : strlen(kv);

		if (!eq || !env_name_ok(kv, namelen)) {
			buf_printf(skipped, "%s%.*s", skipped->len ? ", " : "",
				   (int)SL_MIN(namelen, (size_t)64), kv);
			continue;
		}
		if (!env_send(kv, namelen))
			continue;
		buf_addc(&envs, ' ');
		sh_quote(&envs, kv);
		n++;
	}
	buf_adds(&b, "exec /bin/sh -c '");
	buf_adds(&b, wrapper_prelude);
	buf_adds(&b, "' '");
	buf_adds(&b, wrapper_prelude);
	buf_adds(&b, "' ");
	sh_quote(&b, task->cwd ? task->cwd : "");
	buf_printf(&b, " %zu", n);
	buf_add(&b, envs.data ? envs.data : "", envs.len);
	for (i = 0; task->argv[i]; i++) {
		buf_addc(&b, ' ');
		sh_quote(&b, i == 0 && task->argv0_is_sluice ? ex->sluice_path
							     : task->argv[i]);
	}
	buf_free(&envs);
	return buf_steal(&b);
}

static void log_write(struct ssh_try *t, const char *p, size_t n)
{
	while (n > 0 && t->log_fd >= 0) {
		ssize_t w = write(t->log_fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;	/* a full disk loses log lines, not the try */
		}
		p += w;
		n -= (size_t)w;
	}
}

static void log_printf(struct ssh_try *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_printf(struct ssh_try *t, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		log_write(t, line, SL_MIN((size_t)n, sizeof line - 1));
}

static void try_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_try *t = arg;
	struct sl_exec_result res;

	(void)fd;
	(void)what;
	memset(&res, 0, sizeof res);
	res.exit_code = t->exit_code;
	res.signal = t->signal;
	res.host = t->host ? t->host->label : "";
	res.duration_ms = sl_mono_ms() - t->started_ms;
	res.error = t->error;
	TAILQ_REMOVE(&t->ex->tries, t, entry);
	if (t->error)
		log_printf(t, "sluice: try failed: %s\n", t->error);
	if (t->log_fd >= 0)
		close(t->log_fd);
	t->log_fd = -1;
	t->done(t->done_arg, &res);
	event_free(t->ev_done);
	event_free(t->ev_grace);
	free(t->command);
	free(t->stdin_data);
	free(t->error);
	free(t->header);
	free(t->skipped_env);
	free(t);
}

/* The try is over: give its slot back and report from a fresh event. */
static void try_finish(struct ssh_try *t)
{
	if (t->state == T_DONE)
		return;
	t->state = T_DONE;
	op_detach(&t->op);
	event_del(t->ev_grace);
	if (t->queued) {
		TAILQ_REMOVE(&t->ex->queue, t, qentry);
		t->queued = 0;
		t->ex->nqueued--;
	}
	if (t->host) {
		t->host->running--;
		event_active(t->ex->ev_dispatch, EV_TIMEOUT, 0);
	}
	event_active(t->ev_done, EV_TIMEOUT, 0);
}

static void try_set_error(struct ssh_try *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void try_set_error(struct ssh_try *t, const char *fmt, ...)
{
	char msg[SL_ERR_MSG];
	va_list ap;

	if (t->error)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t->error = xstrdup(msg);
}

/* Feed stderr through the marker filter: the wrapper's marker line names
 * the remote process group and is kept out of the log; everything else
 * goes to the log. */
static void try_stderr(struct ssh_try *t, const char *p, size_t n)
{
	while (n > 0 && !t->marker_seen) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) + 1 : n;
		long pgid;
		char start[32];

		t->marker_scanned += take;
		if (t->marker_skip_line) {
			log_write(t, p, take);
		} else if (t->marker_len + take >= sizeof t->marker) {
			/* Too long to be the marker: pass the line through. */
			log_write(t, t->marker, t->marker_len);
			log_write(t, p, take);
			t->marker_len = 0;
			t->marker_skip_line = !nl;
		} else {
			memcpy(t->marker + t->marker_len, p, take);
			t->marker_len += take;
			t->marker[t->marker_len] = '\0';
		}
		p += take;
		n -= take;
		if (!nl)
			break;
		if (t->marker_skip_line) {
			t->marker_skip_line = 0;
			continue;
		}
		start[0] = '\0';
		if (sl_str_starts(t->marker, "sluice-pgid=") &&
		    sscanf(t->marker, "sluice-pgid=%ld start=%31[0-9]", &pgid,
			   start) >= 1 && pgid > 1) {
			t->marker_seen = 1;
			t->pgid = pgid;
			snprintf(t->start_time, sizeof t->start_time, "%s",
				 start);
			snprintf(t->token, sizeof t->token,
				 "host=%s pgid=%ld start=%s", t->host->label,
				 pgid, start);
			if (t->kill_requested && !t->term_sent)
				try_send_kill(t, "TERM");
		} else {
			log_write(t, t->marker, t->marker_len);
		}
		t->marker_len = 0;
		if (t->marker_scanned > 65536 && !t->marker_seen) {
			/* The wrapper never spoke: stop looking. */
			t->marker_seen = 1;
		}
	}
	if (n > 0)
		log_write(t, p, n);
}

/* Move stdin, stdout and stderr; returns 1 on progress, -1 when the
 * channel failed (the try is then closing with an error). */
static int try_io(struct ssh_try *t)
{
	LIBSSH2_SESSION *s = t->op.conn->session;
	char chunk[SSH_READ_CHUNK];
	int progress = 0, rc;
	ssize_t n;

	if (!t->stdin_done) {
		while (t->stdin_off < t->stdin_len) {
			n = libssh2_channel_write(t->ch,
						  t->stdin_data + t->stdin_off,
						  t->stdin_len - t->stdin_off);
			if (n == LIBSSH2_ERROR_EAGAIN)
				break;
			if (n < 0) {
				/* The command may exit without reading its
				 * input: stop feeding it, keep the output. */
				t->stdin_off = t->stdin_len;
				break;
			}
			t->stdin_off += (size_t)n;
			progress = 1;
		}
		if (t->stdin_off >= t->stdin_len) {
			rc = libssh2_channel_send_eof(t->ch);
			if (rc != LIBSSH2_ERROR_EAGAIN) {
				t->stdin_done = 1;
				progress = 1;
			}
		}
	}
	for (;;) {
		n = libssh2_channel_read(t->ch, chunk, sizeof chunk);
		if (n <= 0)
			break;
		log_write(t, chunk, (size_t)n);
		progress = 1;
	}
	if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
		goto lost;
	for (;;) {
		n = libssh2_channel_read_stderr(t->ch, chunk, sizeof chunk);
		if (n <= 0)
			break;
		try_stderr(t, chunk, (size_t)n);
		progress = 1;
	}
	if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
		goto lost;
	return progress;
lost:
	if (conn_check_broken(t->op.conn))
		return -2;	/* the try is over: try_lost ran */
	try_set_error(t, "lost the task's channel on %s: %s", t->host->label,
		      ssh_errmsg(s));
	return -1;
}

static int try_step(struct ssh_op *op)
{
	struct ssh_try *t = (struct ssh_try *)op;
	LIBSSH2_SESSION *s = op->conn->session;
	int progress = 0, rc;
	char *signame = NULL;

	for (;;) {
		switch (t->state) {
		case T_OPEN:
			t->ch = libssh2_channel_open_session(s);
			if (!t->ch) {
				if (ssh_eagain(s))
					return progress;
				if (conn_check_broken(op->conn))
					return 1;
				try_set_error(t, "cannot open a channel on %s: "
					      "%s", t->host->label,
					      ssh_errmsg(s));
				try_finish(t);
				return 1;
			}
			progress = 1;
			if (t->kill_requested) {
				try_set_error(t, "killed before the command "
					      "started on %s", t->host->label);
				t->state = T_FREE;
				break;
			}
			t->state = T_EXEC;
			break;
		case T_EXEC:
			rc = libssh2_channel_exec(t->ch, t->command);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			if (rc && conn_check_broken(op->conn))
				return 1;
			if (rc) {
				try_set_error(t, "%s refused to run the "
					      "command: %s", t->host->label,
					      ssh_errmsg(s));
				t->state = T_FREE;
				break;
			}
			t->state = T_RUN;
			progress = 1;
			break;
		case T_RUN:
			rc = try_io(t);
			if (rc == -2)
				return 1;
			if (rc < 0) {
				t->state = T_FREE;
				progress = 1;
				break;
			}
			progress |= rc;
			if (!libssh2_channel_eof(t->ch))
				return progress;
			t->state = T_CLOSE;
			break;
		case T_CLOSE:
			rc = libssh2_channel_close(t->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			if (rc && conn_check_broken(op->conn))
				return 1;
			t->state = T_WAIT_CLOSED;
			progress = 1;
			break;
		case T_WAIT_CLOSED:
			rc = libssh2_channel_wait_closed(t->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			if (rc && conn_check_broken(op->conn))
				return 1;
			if (libssh2_channel_get_exit_signal(t->ch, &signame,
							    NULL, NULL, NULL,
							    NULL, NULL) == 0 &&
			    signame) {
				t->signal = signal_from_name(signame);
				if (!t->signal)
					try_set_error(t, "the command on %s "
						      "died of signal %s",
						      t->host->label, signame);
				libssh2_free(s, signame);
			} else {
				t->exit_code =
					libssh2_channel_get_exit_status(t->ch);
			}
			if (!t->marker_seen && t->marker_len) {
				log_write(t, t->marker, t->marker_len);
				t->marker_len = 0;
			}
			t->state = T_FREE;
			progress = 1;
			break;
		case T_FREE:
			if (t->ch) {
				rc = libssh2_channel_free(t->ch);
				if (rc == LIBSSH2_ERROR_EAGAIN)
					return progress;
				t->ch = NULL;
			}
			try_finish(t);
			return 1;
		case T_DONE:
			return progress;
		}
	}
}

static void try_lost(struct ssh_op *op, const char *why)
{
	struct ssh_try *t = (struct ssh_try *)op;
	struct ssh_host *h = t->host;

	t->ch = NULL;	/* freed with the session */
	if (t->state == T_OPEN && !t->reopened && !t->kill_requested &&
	    !t->ex->destroying && h->down_until_ms <= sl_mono_ms()) {
		/* An established connection turned out dead before this try
		 * got a channel (e.g. the server restarted while it was
		 * idle): nothing ran, so reconnect once and go on. */
		t->reopened = 1;
		op_attach(&h->conn, &t->op);
		return;
	}
	if (t->state >= T_RUN && t->pgid) {
		/* The command may still run there: kill its group as soon as
		 * the host is reachable again, so no second copy lingers. */
		struct ssh_orphan *o = xcalloc(1, sizeof *o);
		o->pgid = t->pgid;
		snprintf(o->start, sizeof o->start, "%s", t->start_time);
		o->next = h->orphans;
		h->orphans = o;
	}
	if (t->state >= T_RUN)
		try_set_error(t, "%s while the task ran", why);
	else
		try_set_error(t, "%s", why);
	try_finish(t);
}

static void try_send_kill(struct ssh_try *t, const char *sig)
{
	char command[128];

	if (!t->pgid || !t->op.conn)
		return;
	if (strcmp(sig, "TERM") == 0)
		t->term_sent = 1;
	else
		t->kill_sent = 1;
	snprintf(command, sizeof command, "kill -%s -- -%ld 2>/dev/null; "
		 "exit 0", sig, t->pgid);
	log_printf(t, "\nsluice: sending SIG%s to the process group %ld on "
		   "%s\n", sig, t->pgid, t->host->label);
	cmd_run(t->host, command, NULL, NULL);
}

static void try_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_try *t = arg;

	(void)fd;
	(void)what;
	if (t->state == T_DONE)
		return;
	if (t->pgid) {
		try_send_kill(t, "KILL");
		return;
	}
	/* The group never identified itself: drop the channel; sshd then
	 * closes the command's pipes. */
	try_set_error(t, "killed on %s (its process group was unknown)",
		      t->host->label);
	if (t->ch && t->state < T_FREE)
		t->state = T_FREE;
	if (t->op.conn)
		conn_schedule_pump(t->op.conn);
}

/* ---- the executor interface ---- */

static int json_duration(json_t *cfg, const char *key, int64_t def,
			 int64_t *out, char *err, size_t errlen,
			 const char *name)
{
	json_t *v = json_object_get(cfg, key);

	*out = def;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v) * 1000;
		return 0;
	}
	if (json_is_string(v) &&
	    sl_parse_duration(json_string_value(v), out) == 0)
		return 0;
	snprintf(err, errlen, "ssh executor %s: %s must be a duration like "
		 "\"10s\" or \"2m\"", name, key);
	return -1;
}

static const char *json_str(json_t *cfg, const char *key)
{
	json_t *v = json_object_get(cfg, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Parse "host", "host:port", "[v6]:port" and (with user) "user@host:port". */
static int parse_hostspec(const char *spec, int defport, char **user,
			  char **name, int *port)
{
	const char *at = user ? strchr(spec, '@') : NULL;
	const char *p = at ? at + 1 : spec;
	const char *colon;
	long long v;

	if (user)
		*user = at ? xstrndup(spec, (size_t)(at - spec)) : NULL;
	*port = defport;
	if (*p == '[') {
		const char *end = strchr(p, ']');
		if (!end)
			return -1;
		*name = xstrndup(p + 1, (size_t)(end - p - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			goto bad;
	} else {
		colon = strrchr(p, ':');
		if (colon && strchr(p, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		*name = colon ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
	}
	if (colon) {
		if (sl_parse_int(colon + 1, 1, 65535, &v) < 0)
			goto bad;
		*port = (int)v;
	}
	if (!**name)
		goto bad;
	return 0;
bad:
	free(*name);
	*name = NULL;
	if (user) {
		free(*user);
		*user = NULL;
	}
	return -1;
}

static void host_init(struct ssh_host *h, struct ssh_exec *ex, char *name,
		      int port, const char *user)
{
	h->ex = ex;
	h->name = name;
	h->port = port;
	h->user = xstrdup(user);
	h->label = strchr(name, ':') ? xasprintf("[%s]:%d", name, port)
				     : xasprintf("%s:%d", name, port);
	conn_init(&h->conn, h);
}

static void host_free(struct ssh_host *h)
{
	conn_destroy(&h->conn);
	while (h->orphans) {
		struct ssh_orphan *o = h->orphans;
		h->orphans = o->next;
		free(o);
	}
	free(h->label);
	free(h->name);
	free(h->user);
}

static void ssh_destroy(void *inst);

static const char *const config_keys[] = {
	"type", "hosts", "port", "user", "key", "key_passphrase_env", "agent",
	"known_hosts", "host_key_check", "connect_timeout", "keepalive",
	"slots_per_host", "via", "sluice_path", "down_backoff",
};

static void *ssh_create(struct event_base *base, const char *name,
			const char *config_json, char *err, size_t errlen)
{
	struct ssh_exec *ex = xcalloc(1, sizeof *ex);
	json_error_t jerr;
	json_t *cfg, *hosts, *v;
	const char *key, *s;
	size_t i, nk;
	int port = 22;
	struct passwd *pw;

	TAILQ_INIT(&ex->tries);
	TAILQ_INIT(&ex->queue);
	TAILQ_INIT(&ex->cmds);
	ex->base = base;
	ex->ev_dispatch = evtimer_new(base, ex_dispatch_cb, ex);
	ex->name = xstrdup(name);
	if (libssh2_users++ == 0 && libssh2_init(0) != 0) {
		snprintf(err, errlen, "ssh executor %s: libssh2_init failed",
			 name);
		libssh2_users--;
		free(ex->name);
		free(ex);
		return NULL;
	}
	cfg = json_loads(config_json, 0, &jerr);
	if (!json_is_object(cfg)) {
		snprintf(err, errlen, "ssh executor %s: config is not a JSON "
			 "object: %s", name, jerr.text);
		goto fail;
	}
	json_object_foreach(cfg, key, v) {
		for (nk = 0; nk < SL_ARRAY_LEN(config_keys); nk++)
			if (strcmp(key, config_keys[nk]) == 0)
				break;
		if (nk == SL_ARRAY_LEN(config_keys)) {
			snprintf(err, errlen, "ssh executor %s: unknown key "
				 "'%s'", name, key);
			goto fail;
		}
	}
	if ((v = json_object_get(cfg, "port")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 65535) {
			snprintf(err, errlen, "ssh executor %s: port must be a "
				 "number from 1 to 65535", name);
			goto fail;
		}
		port = (int)json_integer_value(v);
	}
	if ((s = json_str(cfg, "user")) != NULL) {
		ex->user = xstrdup(s);
	} else if ((pw = getpwuid(getuid())) != NULL) {
		ex->user = xstrdup(pw->pw_name);
	} else {
		snprintf(err, errlen, "ssh executor %s: no user given and the "
			 "local user has no name", name);
		goto fail;
	}
	if ((s = json_str(cfg, "key")) != NULL) {
		ex->key_path = expand_home(s);
		if (access(ex->key_path, R_OK) != 0) {
			snprintf(err, errlen, "ssh executor %s: cannot read the "
				 "key %s: %s", name, ex->key_path,
				 strerror(errno));
			goto fail;
		}
	}
	if ((s = json_str(cfg, "key_passphrase_env")) != NULL)
		ex->passphrase_env = xstrdup(s);
	v = json_object_get(cfg, "agent");
	if (v && !json_is_boolean(v)) {
		snprintf(err, errlen, "ssh executor %s: agent must be true or "
			 "false", name);
		goto fail;
	}
	ex->agent = json_is_true(v);
	if (!ex->agent && !ex->key_path) {
		snprintf(err, errlen, "ssh executor %s: give a key file (key) "
			 "or agent: true", name);
		goto fail;
	}
	ex->known_hosts = expand_home((s = json_str(cfg, "known_hosts")) ?
					      s : "~/.ssh/known_hosts");
	s = json_str(cfg, "host_key_check");
	if (!s || strcmp(s, "strict") == 0) {
		ex->accept_new = 0;
	} else if (strcmp(s, "accept-new") == 0) {
		ex->accept_new = 1;
	} else {
		snprintf(err, errlen, "ssh executor %s: host_key_check must be "
			 "strict or accept-new, not '%s'", name, s);
		goto fail;
	}
	if (json_duration(cfg, "connect_timeout", 10000,
			  &ex->connect_timeout_ms, err, errlen, name) < 0 ||
	    json_duration(cfg, "keepalive", 30000, &ex->keepalive_ms, err,
			  errlen, name) < 0 ||
	    json_duration(cfg, "down_backoff", 30000, &ex->down_backoff_ms,
			  err, errlen, name) < 0)
		goto fail;
	if (ex->connect_timeout_ms <= 0)
		ex->connect_timeout_ms = 10000;
	ex->slots_per_host = 4;
	if ((v = json_object_get(cfg, "slots_per_host")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 1000) {
			snprintf(err, errlen, "ssh executor %s: slots_per_host "
				 "must be a number from 1 to 1000", name);
			goto fail;
		}
		ex->slots_per_host = (int)json_integer_value(v);
	}
	ex->sluice_path = xstrdup((s = json_str(cfg, "sluice_path")) ? s
								      : "sluice");
	hosts = json_object_get(cfg, "hosts");
	if (json_is_string(hosts)) {
		json_t *one = json_array();
		json_array_append(one, hosts);
		json_object_set_new(cfg, "hosts", one);
		hosts = one;
	}
	if (!json_is_array(hosts) || json_array_size(hosts) == 0) {
		snprintf(err, errlen, "ssh executor %s: hosts must list at "
			 "least one host", name);
		goto fail;
	}
	ex->hosts = xcalloc(json_array_size(hosts), sizeof *ex->hosts);
	json_array_foreach(hosts, i, v) {
		char *hname;
		int hport;

		if (!json_is_string(v) ||
		    parse_hostspec(json_string_value(v), port, NULL, &hname,
				   &hport) < 0) {
			snprintf(err, errlen, "ssh executor %s: hosts[%zu] must "
				 "be \"host\" or \"host:port\"", name, i);
			goto fail;
		}
		host_init(&ex->hosts[ex->nhosts++], ex, hname, hport, ex->user);
	}
	if ((s = json_str(cfg, "via")) != NULL) {
		char *vuser, *vname;
		int vport;

		if (parse_hostspec(s, 22, &vuser, &vname, &vport) < 0) {
			snprintf(err, errlen, "ssh executor %s: via must be "
				 "\"[user@]host[:port]\"", name);
			goto fail;
		}
		ex->via = xcalloc(1, sizeof *ex->via);
		host_init(ex->via, ex, vname, vport, vuser ? vuser : ex->user);
		free(vuser);
	} else if (json_object_get(cfg, "via") &&
		   !json_is_null(json_object_get(cfg, "via"))) {
		snprintf(err, errlen, "ssh executor %s: via must be a string",
			 name);
		goto fail;
	}
	json_decref(cfg);
	return ex;
fail:
	json_decref(cfg);
	ssh_destroy(ex);
	return NULL;
}

static int ssh_slots(void *inst)
{
	struct ssh_exec *ex = inst;

	return ex->slots_per_host * ex->nhosts;
}

/* The host with the most free slots among those not down; ties go round
 * robin so equal hosts share the work. */
static struct ssh_host *pick_host(struct ssh_exec *ex, int *can_wait,
				  char *err, size_t errlen)
{
	struct ssh_host *best = NULL;
	int64_t now = sl_mono_ms();
	int i, best_free = 0, down_with_room = 0;
	struct buf why;

	*can_wait = 0;
	for (i = 0; i < ex->nhosts; i++) {
		struct ssh_host *h = &ex->hosts[(ex->rr + i) % ex->nhosts];
		int free_slots = ex->slots_per_host - h->running;

		if (h->down_until_ms <= now && free_slots <= 0)
			*can_wait = 1;	/* up but full: a slot will free */
		if (free_slots <= 0)
			continue;
		if (h->down_until_ms > now) {
			down_with_room++;
			continue;
		}
		if (free_slots > best_free) {
			best = h;
			best_free = free_slots;
		}
	}
	if (best) {
		ex->rr = (int)(best - ex->hosts + 1) % ex->nhosts;
		return best;
	}
	if (!down_with_room) {
		snprintf(err, errlen, "ssh executor %s: no free slot on any "
			 "host", ex->name);
		return NULL;
	}
	buf_init(&why, 0);
	for (i = 0; i < ex->nhosts; i++) {
		struct ssh_host *h = &ex->hosts[i];
		char d[32];
		if (h->down_until_ms <= now)
			continue;
		buf_printf(&why, "%s%s is down for %s more (%s)",
			   why.len ? "; " : "", h->label,
			   sl_format_duration(h->down_until_ms - now, d,
					      sizeof d),
			   h->down_reason);
	}
	snprintf(err, errlen, "ssh executor %s: no host available%s: %s",
		 ex->name, *can_wait ? " now (the others are busy)" : "",
		 buf_str(&why));
	buf_free(&why);
	return NULL;
}

/* Give the try its host: take a slot, start the log, start connecting. */
static void try_place(struct ssh_try *t, struct ssh_host *h)
{
	struct ssh_exec *ex = t->ex;

	t->host = h;
	h->running++;
	log_printf(t, "sluice: %s on host %s as %s (ssh executor %s%s%s)\n",
		   t->header, h->label, h->user, ex->name,
		   ex->via ? ", via " : "", ex->via ? ex->via->label : "");
	if (t->skipped_env)
		log_printf(t, "sluice: not passed to the remote command (not "
			   "shell variable names): %s\n", t->skipped_env);
	op_attach(&h->conn, &t->op);
}

/* A slot freed (or a back-off ended): place queued tries. When no host is
 * up any more, the queued tries fail with the reason. */
static void ex_dispatch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_exec *ex = arg;
	char err[SL_ERR_MSG];
	int64_t now = sl_mono_ms(), wake = 0;
	int can_wait, i;

	(void)fd;
	(void)what;
	while (!TAILQ_EMPTY(&ex->queue)) {
		struct ssh_try *t = TAILQ_FIRST(&ex->queue);
		struct ssh_host *h = pick_host(ex, &can_wait, err, sizeof err);

		if (!h && can_wait)
			break;
		TAILQ_REMOVE(&ex->queue, t, qentry);
		t->queued = 0;
		ex->nqueued--;
		if (h) {
			try_place(t, h);
		} else {
			try_set_error(t, "%s", err);
			try_finish(t);
		}
	}
	if (TAILQ_EMPTY(&ex->queue))
		return;
	/* Also wake when the first down host's back-off ends. */
	for (i = 0; i < ex->nhosts; i++) {
		int64_t until = ex->hosts[i].down_until_ms;
		if (until > now && (!wake || until < wake))
			wake = until;
	}
	if (wake) {
		struct timeval tv;
		sl_ms_timeval(wake - now + 1, &tv);
		event_add(ex->ev_dispatch, &tv);
	}
}

static void *ssh_start(void *inst, const struct sl_exec_task *task,
		       sl_exec_done_fn done, void *arg, char *err,
		       size_t errlen)
{
	struct ssh_exec *ex = inst;
	struct ssh_host *h;
	struct ssh_try *t;
	struct buf skipped;
	char *command;
	int fd, can_wait;

	if (!task->argv || !task->argv[0]) {
		snprintf(err, errlen, "ssh executor %s: empty command",
			 ex->name);
		return NULL;
	}
	buf_init(&skipped, 4096);
	command = try_command(ex, task, &skipped);
	if (strlen(command) > SSH_MAX_COMMAND) {
		snprintf(err, errlen, "ssh executor %s: the command with its "
			 "environment is %zu bytes, more than the %d an SSH "
			 "exec request can carry", ex->name, strlen(command),
			 SSH_MAX_COMMAND);
		free(command);
		buf_free(&skipped);
		return NULL;
	}
	h = pick_host(ex, &can_wait, err, errlen);
	if (!h && !can_wait) {
		free(command);
		buf_free(&skipped);
		return NULL;
	}
	fd = open(task->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		snprintf(err, errlen, "ssh executor %s: cannot open the log "
			 "%s: %s", ex->name, task->log_path, strerror(errno));
		free(command);
		buf_free(&skipped);
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->ex = ex;
	t->command = command;
	t->log_fd = fd;
	t->kill_grace_ms = task->kill_grace_ms > 0 ? task->kill_grace_ms
						   : 10000;
	t->started_ms = sl_mono_ms();
	t->done = done;
	t->done_arg = arg;
	t->exit_code = -1;
	if (task->stdin_data && task->stdin_len) {
		t->stdin_data = xmalloc(task->stdin_len);
		memcpy(t->stdin_data, task->stdin_data, task->stdin_len);
		t->stdin_len = task->stdin_len;
	}
	t->op.step = try_step;
	t->op.lost = try_lost;
	t->ev_done = event_new(ex->base, -1, 0, try_done_cb, t);
	t->ev_grace = evtimer_new(ex->base, try_grace_cb, t);
	t->header = xasprintf("try %d of %s.%s", task->try_number,
			      task->dag ? task->dag : "-",
			      task->task ? task->task : "-");
	if (skipped.len)
		t->skipped_env = buf_steal(&skipped);
	buf_free(&skipped);
	TAILQ_INSERT_TAIL(&ex->tries, t, entry);
	if (h) {
		try_place(t, h);
	} else {
		t->queued = 1;
		TAILQ_INSERT_TAIL(&ex->queue, t, qentry);
		ex->nqueued++;
	}
	return t;
}

static void ssh_kill(void *inst, void *handle, enum sl_exec_kill_reason why)
{
	struct ssh_try *t = handle;
	struct timeval tv;
	static const char *const reason[] = {
		[SL_KILL_TIMEOUT] = "timed out",
		[SL_KILL_CLEARED] = "cleared",
		[SL_KILL_SHUTDOWN] = "scheduler shutting down",
	};

	(void)inst;
	if (t->state == T_DONE || t->kill_requested)
		return;
	t->kill_requested = 1;
	if (t->queued) {
		try_set_error(t, "killed (%s) while waiting for a free slot",
			      (unsigned)why < SL_ARRAY_LEN(reason) &&
					      reason[why] ? reason[why]
							  : "killed");
		try_finish(t);
		return;
	}
	log_printf(t, "\nsluice: killing the task on %s (%s)\n",
		   t->host->label,
		   (unsigned)why < SL_ARRAY_LEN(reason) && reason[why] ?
			   reason[why] : "killed");
	if (t->state == T_OPEN && !t->ch) {
		if (t->op.conn && t->op.conn->state == C_READY)
			return;	/* T_OPEN sees kill_requested */
		try_set_error(t, "killed before the command started on %s",
			      t->host->label);
		try_finish(t);
		return;
	}
	if (t->pgid)
		try_send_kill(t, "TERM");
	/* Without a PGID yet, try_stderr sends TERM when it arrives. */
	sl_ms_timeval(t->kill_grace_ms, &tv);
	event_add(t->ev_grace, &tv);
}

static const char *ssh_token(void *inst, void *handle)
{
	struct ssh_try *t = handle;

	(void)inst;
	return t->token[0] ? t->token : NULL;
}

static void ssh_kill_orphan(void *inst, const char *token)
{
	struct ssh_exec *ex = inst;
	char label[256], start[32];
	long pgid;
	int i;

	start[0] = '\0';
	if (sscanf(token, "host=%255s pgid=%ld start=%31[0-9]", label, &pgid,
		   start) < 2 || pgid <= 1)
		return;
	for (i = 0; i < ex->nhosts; i++) {
		struct ssh_host *h = &ex->hosts[i];
		struct ssh_orphan *o;

		if (strcmp(h->label, label) != 0)
			continue;
		o = xcalloc(1, sizeof *o);
		o->pgid = pgid;
		snprintf(o->start, sizeof o->start, "%s", start);
		o->next = h->orphans;
		h->orphans = o;
		if (h->conn.state == C_READY)
			host_kill_orphans(h);
		else if (h->conn.state == C_IDLE)
			conn_start(&h->conn);
		return;
	}
}

static void ssh_describe(void *inst, char *out, size_t n)
{
	struct ssh_exec *ex = inst;
	int64_t now = sl_mono_ms();
	struct buf b;
	int i;

	buf_init(&b, 0);
	buf_printf(&b, "ssh as %s, %d slots per host%s%s", ex->user,
		   ex->slots_per_host, ex->via ? ", via " : "",
		   ex->via ? ex->via->label : "");
	if (ex->nqueued)
		buf_printf(&b, ", %d tries waiting for a slot", ex->nqueued);
	buf_addc(&b, ':');
	for (i = 0; i < ex->nhosts; i++) {
		struct ssh_host *h = &ex->hosts[i];
		char d[32];

		buf_printf(&b, "%s %s ", i ? ";" : "", h->label);
		if (h->down_until_ms > now)
			buf_printf(&b, "down for %s (%s)",
				   sl_format_duration(h->down_until_ms - now, d,
						      sizeof d),
				   h->down_reason);
		else if (h->conn.state == C_READY)
			buf_adds(&b, "up");
		else if (h->conn.state == C_IDLE)
			buf_adds(&b, "not connected");
		else
			buf_adds(&b, "connecting");
		buf_printf(&b, ", %d/%d slots free",
			   ex->slots_per_host - h->running, ex->slots_per_host);
	}
	snprintf(out, n, "%s", buf_str(&b));
	buf_free(&b);
}

static void ssh_destroy(void *inst)
{
	struct ssh_exec *ex = inst;
	int i;

	if (!ex)
		return;
	ex->destroying = 1;
	for (i = 0; i < ex->nhosts; i++)
		host_free(&ex->hosts[i]);
	if (ex->via) {
		host_free(ex->via);
		free(ex->via);
	}
	/* Commands cut short (kills still in flight) end without callback. */
	while (!TAILQ_EMPTY(&ex->cmds)) {
		struct ssh_cmd *cmd = TAILQ_FIRST(&ex->cmds);
		TAILQ_REMOVE(&ex->cmds, cmd, entry);
		cmd_free(cmd);
	}
	if (ex->dns)
		evdns_base_free(ex->dns, 0);
	event_free(ex->ev_dispatch);
	free(ex->hosts);
	free(ex->name);
	free(ex->user);
	free(ex->key_path);
	free(ex->passphrase_env);
	free(ex->known_hosts);
	free(ex->sluice_path);
	free(ex);
	if (--libssh2_users == 0)
		libssh2_exit();
}

const struct sl_executor_ops exec_ssh_ops = {
	.abi_version = SL_EXECUTOR_ABI,
	.type = "ssh",
	.create = ssh_create,
	.slots = ssh_slots,
	.start = ssh_start,
	.kill = ssh_kill,
	.token = ssh_token,
	.kill_orphan = ssh_kill_orphan,
	.describe = ssh_describe,
	.destroy = ssh_destroy,
};

/* ---- `sluice executors check` ---- */

struct check_state {
	struct ssh_exec *ex;
	int pending;
	int failed;
	FILE *out;
};

static void check_done(struct ssh_cmd *cmd, void *arg)
{
	struct check_state *st = arg;
	struct ssh_host *h = cmd->host;
	const char *out = buf_str(&cmd->out);
	const char *found = strstr(out, "sluice-path:");

	if (cmd->error || !strstr(out, "sluice-check-ok")) {
		fprintf(st->out, "%s: FAILED: %s\n", h->label,
			cmd->error ? cmd->error : "the test command failed");
		st->failed++;
	} else {
		char where[512] = "";
		size_t len;

		if (found) {
			found += strlen("sluice-path:");
			len = strcspn(found, "\n");
			snprintf(where, sizeof where, "%.*s", (int)len, found);
		}
		fprintf(st->out, "%s: ok: logged in as %s in %lld ms, host key "
			"%s, sluice %s%s\n", h->label, h->user,
			(long long)h->conn.connect_ms, h->conn.hostkey_desc,
			found && *where ? "at " : "not found as ",
			found && *where ? where : st->ex->sluice_path);
	}
	if (--st->pending == 0)
		event_base_loopexit(st->ex->base, NULL);
}

int exec_ssh_check(const char *config_json, FILE *out, struct sl_err *err)
{
	struct event_base *base = event_base_new();
	struct check_state st;
	struct timeval tv;
	struct buf command;
	char msg[SL_ERR_MSG];
	int i, rc = 0;

	if (!base)
		return sl_err_set(err, "cannot create an event loop");
	memset(&st, 0, sizeof st);
	st.out = out;
	st.ex = ssh_create(base, "check", config_json, msg, sizeof msg);
	if (!st.ex) {
		event_base_free(base);
		return sl_err_set(err, "%s", msg);
	}
	buf_init(&command, 0);
	buf_adds(&command, "echo sluice-check-ok; p=$(command -v ");
	sh_quote(&command, st.ex->sluice_path);
	buf_adds(&command, " 2>/dev/null); echo \"sluice-path:$p\"");
	st.pending = st.ex->nhosts;
	for (i = 0; i < st.ex->nhosts; i++)
		cmd_run(&st.ex->hosts[i], buf_str(&command), check_done, &st);
	buf_free(&command);
	sl_ms_timeval(st.ex->connect_timeout_ms * (st.ex->via ? 2 : 1) + 10000,
		 &tv);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	if (st.pending) {
		/* Out of time: fail what is left, then deliver those results. */
		for (i = 0; i < st.ex->nhosts; i++)
			if (!TAILQ_EMPTY(&st.ex->hosts[i].conn.ops))
				conn_fail(&st.ex->hosts[i].conn, 1,
					  "%s did not answer in time",
					  st.ex->hosts[i].label);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	if (st.failed)
		rc = sl_err_set(err, "%d of %d hosts of the ssh executor "
				"failed the check", st.failed, st.ex->nhosts);
	ssh_destroy(st.ex);
	event_base_free(base);
	return rc;
}
