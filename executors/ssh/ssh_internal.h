/*
 * ssh_internal.h: what the files of executors/ssh/ share, and nothing
 * else includes. The public face is executors/ssh.h (exec_ssh_ops for the
 * registry, exec_ssh_check for `sluice executors check`).
 *
 * The ssh executor runs each try as a command on a remote host over SSH,
 * with libssh2 in non-blocking mode driven by the scheduler's libevent
 * loop: no threads, and nothing here waits on the network.
 *
 * Shape of the code, one concern per file:
 *
 *   exec.c     ssh_exec, the instance: hosts, slots, the queue of tries
 *              waiting for a slot, describe, destroy, the ops table.
 *   config.c   the executor's config entry (JSON) into an ssh_exec.
 *   conn.c     ssh_conn, one SSH session to a host, embedded in the host
 *              and reused across reconnects. A state machine: resolve,
 *              TCP connect, handshake, host key check, authentication,
 *              ready; keepalive, failure and reconnect; the op list.
 *   auth.c     the handshake and authentication steps (agent, key).
 *   hostkey.c  host keys: known_hosts checking, accept-new, fingerprints.
 *   tunnel.c   the jump host (`via`): a direct-tcpip channel carrying
 *              another host's connection.
 *   cmd.c      short commands, each on its own channel (kill, orphan
 *              kill, check).
 *   remote.c   what runs on the host: the remote scripts and the
 *              command lines that start or follow a try.
 *   try.c      tries: start, streaming output into the log, exit
 *              status, kill.
 *   adopt.c    tries that survive the scheduler: the token, adopt()
 *              (follow a try again from where the local log ends),
 *              detach().
 *   check.c    `sluice executors check`.
 *
 *   ssh_op     something that uses a connection's channels: a try, a
 *              short command, or a tunnel. Ops are listed on their
 *              connection; ssh_conn_pump() steps the connection and every
 *              op until none makes progress, because one socket read may
 *              buffer data for any channel.
 *
 * Completion: a try's done callback and a command's callback always run
 * from their own zero-delay event, never from inside start() or from deep
 * inside ssh_conn_pump().
 */
#ifndef SLUICE_EXEC_SSH_INTERNAL_H
#define SLUICE_EXEC_SSH_INTERNAL_H

#include <sys/queue.h>
#include <stdint.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <libssh2.h>

#include "executors/executor.h"
#include "executors/out_log.h"
#include "executors/out_mask.h"
#include "executors/ssh.h"
#include "base/util.h"

#define SSH_READ_CHUNK 32768
/* The longest command one SSH exec request carries: libssh2 sends no
 * packet whose payload reaches MAX_SSH_PACKET_LEN (35000) less 0x100, and
 * the request takes 18 bytes besides the command (type, channel, "exec",
 * want-reply, the command's length). Past it the request fails with
 * "Unable to send channel request". */
#define SSH_MAX_COMMAND (35000 - 0x100 - 18 - 1)
/* a try's log cap when the task gives none: the local executor's */
#define SSH_LOG_MAX (100LL * 1000 * 1000)
#define SSH_PUMP_ROUNDS 64
#define SSH_TUNNEL_BUF 65536
#define SSH_SWEEP_EVERY 500
#define SSH_ENDED_RING 4096	/* ended tries remembered until recorded() */
#define SSH_SPEND_BATCH (64 * 1024)	/* bytes of ids per removal command */
/* Every try's command carries its id under this name in its environment
 * on the host, so kills reach also what left the try's process group
 * (setsid); the id is not secret. */
#define SSH_TRY_KEY_VAR "SLUICE_TRY_KEY"

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
	/* Armed while the host has orphans and no connection: connect again
	 * after down_backoff, so an orphan is stopped once the host answers
	 * even when no try asks for the host. */
	struct event *ev_orphans;
	struct ssh_op_list ops;
	int64_t connect_started_ms;
	int64_t connect_ms;	/* how long the last connect took */
	char hostkey_desc[160];	/* "ED25519 SHA256:..." of the last handshake */
	/* Set while the host key is checked, so still set when the check
	 * refused the key and failed the connection: the tries waiting on
	 * it then fail rather than go to another host (try.c). */
	int in_hostkey_check;
	/* The failure being told to the ops (ssh_conn_fail) came before the
	 * connection was up: nothing could have run on it. */
	int failed_connecting;
	/* ... and it did not get as far as the login (resolve, TCP, tunnel,
	 * handshake), or timed out: the host cannot be reached, as against
	 * refusing the login or its key. Tries wait for such a host
	 * (unreachable_timeout); timing_out is set while the timeout fails
	 * the connection. */
	int failed_unreachable;
	int timing_out;
	int in_pump;
};

/* A kill to send when a host is reachable again: the process group of a
 * try whose connection dropped while it ran, of a token kill_orphan was
 * given, or of an adopted try killed before its channel was open
 * (ssh_conn_add_orphan). */
struct ssh_orphan {
	long pgid;
	char start[32];
	char id[64];	/* set: the group is named by the try's pid file */
	int spend;	/* with id: the try's files go after the kill */
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
	/* When the host first failed to connect since it last answered
	 * (wall clock, for logs); 0 while it answers. */
	time_t down_since;
	struct ssh_orphan *orphans;
	/* Orphans whose kill command is under way: kept (and in the file,
	 * orphans.c) until it has run; back in orphans if it could not. */
	struct ssh_orphan *killing;
	/* Old try files were last swept on connection generation
	 * sweep_gen (if swept); starts since then (try.c). */
	int swept;
	unsigned sweep_gen;
	unsigned starts_since_sweep;
	/* Ids of tries whose end the scheduler committed: their files on
	 * the host go in one command per loop turn (exec.c). */
	struct buf spend;
	struct event *ev_spend;
	struct ssh_conn conn;
};

/* A try that ended, until the scheduler says its end is committed
 * (recorded): its token names the host it was started on, which a try
 * that moved (try.c) left; this names the one it ended on. */
struct ssh_ended {
	char *token;
	struct ssh_host *host;
	char id[64];
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
	/* the local log over log_fd, capped by the task's log_max (no cap
	 * for an adopted try: its token does not say it); finished: the
	 * output is over, sluice's last lines are appended after it */
	struct out_log log;
	int log_finished;
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
	int moves;		/* placed again after a host was unreachable */
	/* Waiting for an unreachable host (exec.c, unreachable_timeout):
	 * since when (sl_mono_ms(); 0: not waiting), whether the log said
	 * so, and the host its last header line named. An adopted try
	 * waits likewise for its own host, reconnecting on ev_retry. */
	int64_t wait_since_ms;
	int wait_logged;
	struct ssh_host *header_host;
	struct event *ev_retry;
	long pgid;
	char start_time[32];
	/* The try's name on its host (~/.sluice/tries/ID.*), and its token:
	 * "ssh-try host=LABEL id=ID base=B max=M log=PATH", B the size of the
	 * local log when the remote log's copy began, M its cap. Set when
	 * the try gets its host. */
	char id[64];
	size_t sweep_at;	/* the command's sweep flag (remote.c); 0: none */
	char *token;
	int adopted;		/* following a try an earlier scheduler started */
	int remote_lost;	/* the follower said sluice-lost */
	int remote_nostart;	/* ... sluice-nostart */
	int ended_there;	/* the channel brought the command's end */
	/* An adopted try's run time, said by its follower ("sluice-took=S":
	 * its status file's time less its pid file's, on the host's clock,
	 * in whole seconds); -1 when not said. The executor's own clock
	 * only saw it from the adoption on. */
	int64_t took_ms;
	char *log_path;
	/* Bytes of the remote log read; the last out_mask_held(&mask_out)
	 * of them wait in the masker, the rest are in the local log. */
	long long copied;
	/* The try's secret values masked on their way to the log: the remote
	 * log's copy (stdout) and the channel's own stderr each hold back
	 * their own tail. out_written: bytes the stdout masker wrote into
	 * the log; base_drift: by how much that differed from the remote
	 * bytes it settled when adopt.c last noted it. An adopted try gets
	 * its values after adopt() (adopted_secrets): until then
	 * values_wait holds its copy back; stopped before they came, its
	 * output is left on the host, and withheld counts those bytes. */
	struct out_mask mask_out, mask_err;
	long long out_written, base_drift;
	int values_wait;
	long long withheld;
	char *kill_note;	/* "killing the task" line, sent with SIGTERM */
	int kill_requested;	/* kill() was called */
	int term_sent, kill_sent;
	struct event *ev_grace;
	struct event *ev_done;
	int exit_code, signal;
	char *error;
	sl_exec_done_fn done;
	void *done_arg;
	char *output_path;	/* the local copy of its $SLUICE_OUTPUT, to
				 * fetch before done; NULL once fetched */
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
	/* Where the orphans file is kept (orphans.c); NULL: nowhere. */
	char *state_dir;
	int agent;
	int accept_new;
	int slots_per_host;
	int64_t connect_timeout_ms, keepalive_ms, down_backoff_ms;
	/* How long a try waits for a host that cannot be reached (a new
	 * try's command never started; an adopted try's host after the
	 * restart) before it fails; 0: it fails at once. */
	int64_t unreachable_timeout_ms;
	struct ssh_host *hosts;
	int nhosts;
	struct ssh_host *via;
	int rr;
	struct ssh_try_list tries;
	/* Tries waiting for a slot: some host is up but all up hosts are
	 * full (a down host's slots are not usable); at the front, tries
	 * whose host could not be reached, until the dispatch places them
	 * elsewhere or fails them (no host up). */
	TAILQ_HEAD(, ssh_try) queue;
	int nqueued;
	struct event *ev_dispatch;
	int destroying;
	TAILQ_HEAD(, ssh_cmd) cmds;
	struct ssh_ended ended[SSH_ENDED_RING];
	unsigned nended;	/* ended tries noted, ever; ring index mod */
};

/* ---- conn.c ---- */

/* libssh2's last error message for the session ("no session" for NULL). */
const char *ssh_errmsg(LIBSSH2_SESSION *s);
/* Did the session's last call only ask to be called again? */
int ssh_eagain(LIBSSH2_SESSION *s);

void ssh_conn_init(struct ssh_conn *c, struct ssh_host *h);
/* Disconnect politely, fail every op, free the events. */
void ssh_conn_destroy(struct ssh_conn *c);
/* Begin connecting (the connection is idle and some op needs it). */
void ssh_conn_start(struct ssh_conn *c);
/* The socket is connected (directly or through a tunnel): start SSH. */
void ssh_conn_begin_ssh(struct ssh_conn *c);
/* Authenticated: arm the keepalive, kill the host's orphans. */
void ssh_conn_ready(struct ssh_conn *c);
/* Drop the connection. Every op on it is told (and detached); with
 * mark_down, the host takes no new work for the back-off period. */
void ssh_conn_fail(struct ssh_conn *c, int mark_down, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* After a libssh2 call failed: when the session itself is broken, drop
 * the connection (which ends every op on it) and return 1. */
int ssh_conn_check_broken(struct ssh_conn *c);
/* Step the connection and all its ops until nothing moves. */
void ssh_conn_pump(struct ssh_conn *c);
/* Pump from a fresh event. */
void ssh_conn_schedule_pump(struct ssh_conn *c);
/* List op on c (connecting c if idle); detach takes it off again. */
void ssh_conn_attach(struct ssh_conn *c, struct ssh_op *op);
void ssh_conn_detach(struct ssh_op *op);
/* Kill what is left of tries lost with an earlier connection. */
void ssh_conn_kill_orphans(struct ssh_host *h);
/* Note an orphan of h: a try's command that may still run there, killed
 * by its process group (pgid; start its start time, "" when unknown) or,
 * when id is not "", by that try's pid file. With reach, it is killed at
 * once when h's connection is ready, which starts connecting when idle;
 * without, at h's next login (the connection just failed). With spend
 * (and an id), the try's files on h go once its kill has run and its
 * runner is gone: the scheduler records that try as ended (kill_orphan),
 * so nothing reads them again. */
void ssh_conn_add_orphan(struct ssh_host *h, long pgid, const char *start,
			 const char *id, int reach, int spend);

/* ---- orphans.c ---- */

/* Write every host's orphans to STATE_DIR/ssh-NAME.orphans. */
void ssh_orphans_save(struct ssh_exec *ex);
/* At create: take back the orphans the file holds (0, or -1 with err). */
int ssh_orphans_load(struct ssh_exec *ex, char *err, size_t errlen);

/* ---- auth.c ---- */

/* Advance the handshake and authentication (states C_HANDSHAKE up to
 * C_READY); returns nonzero on progress. */
int ssh_auth_step(struct ssh_conn *c);

/* ---- hostkey.c ---- */

/* Prefer the host key algorithms known_hosts already holds for the host. */
void ssh_hostkey_prefer_known(struct ssh_conn *c);
/* Verify the server's host key against known_hosts (accept-new records
 * it); on refusal, fail the connection and return -1. */
int ssh_hostkey_verify(struct ssh_conn *c);

/* ---- tunnel.c ---- */

/* Open a tunnel through the jump host for inner (NULL when it failed:
 * inner is then failed too). */
struct ssh_tunnel *ssh_tunnel_open(struct ssh_conn *inner);
/* Either side closed: fail the inner connection, free the channel. */
void ssh_tunnel_close(struct ssh_tunnel *tn);

/* ---- cmd.c ---- */

/* Run a command on host h (connecting if needed); cb(cmd, arg) is called
 * once from its own event with cmd->exit_code, cmd->out, cmd->error, then
 * the command is freed. cb may be NULL. */
struct ssh_cmd *ssh_cmd_run(struct ssh_host *h, const char *command,
			    void (*cb)(struct ssh_cmd *, void *), void *arg);
/* The same, keeping up to out_max bytes of its output. */
struct ssh_cmd *ssh_cmd_run_out(struct ssh_host *h, const char *command,
				size_t out_max,
				void (*cb)(struct ssh_cmd *, void *), void *arg);
/* Free a command that will not complete (the executor is closing). */
void ssh_cmd_free(struct ssh_cmd *cmd);

/* ---- try.c ---- */

/* Append s to b as one single-quoted shell word. */
void ssh_try_quote(struct buf *b, const char *s);
void *ssh_try_start(void *inst, const struct sl_exec_task *task,
		    sl_exec_done_fn done, void *arg, char *err, size_t errlen);
void ssh_try_kill(void *inst, void *handle, enum sl_exec_kill_reason why);
const char *ssh_try_token(void *inst, void *handle);
/* The host the try was placed on, NULL while it waits for one. */
const char *ssh_try_where(void *inst, void *handle);
/* t never started its command and no host can be reached: it waits,
 * queued (its log says so once), until unreachable_timeout. */
void ssh_try_wait_host(struct ssh_try *t);
/* Give the try its host: take a slot, start the log, start connecting. */
void ssh_try_place(struct ssh_try *t, struct ssh_host *h);
/* The try is over: give its slot back and report from a fresh event. */
void ssh_try_finish(struct ssh_try *t);
/* A new try with its events (done, grace) and the log fd; not listed. */
struct ssh_try *ssh_try_new(struct ssh_exec *ex, int log_fd, long long log_max,
			    sl_exec_done_fn done, void *arg);
/* Free a try (not its channel: the session frees that). */
void ssh_try_free(struct ssh_try *t);
/* Record the try's error (the first one wins). */
void ssh_try_set_error(struct ssh_try *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- adopt.c ---- */

/* Parse a token of ssh_try's form; 0 when it is one. */
int ssh_adopt_parse(const char *token, char *label, size_t labellen,
		    char *id, size_t idlen, long long *base, const char **log);
void *ssh_try_adopt(void *inst, const char *token, sl_exec_done_fn done,
		    void *arg, char *err, size_t errlen);
void ssh_try_detach(void *inst, void *handle);
void ssh_try_adopted_secrets(void *inst, void *handle, char *const *secrets);
/* The try's end is recorded (or no scheduler can adopt it again): remove
 * the LOG.ssh-copied and LOG.ssh-host notes of its log. */
void ssh_adopt_forget(const char *log);
/* The try moved to another host after start() (its first one could not
 * be reached): note its host and base in LOG.ssh-host, since the token
 * the scheduler stored still names the first host. */
void ssh_adopt_note_host(struct ssh_try *t, long long base);
/* Where a token's try runs: its LOG.ssh-host note, when there is one,
 * replaces the label and base parsed from the token. */
void ssh_adopt_where(const char *log, char *label, size_t labellen,
		     long long *base);
/* Masking made the local log's copy of the remote log longer or shorter
 * than what it copied: note the base an adoption after a crash resumes
 * from (local size less the remote bytes settled). */
void ssh_adopt_note_base(struct ssh_try *t, long long settled);
/* Remote log bytes whose copy is in the local log (what a later
 * adoption resumes after). */
long long ssh_adopt_settled(const struct ssh_try *t);

/* ---- remote.c ---- */

/* The command line that starts try ID of task on a host (malloc'd);
 * names of variables the remote shell cannot export go to skipped.
 * *sweep_at: the offset of the command's sweep flag, '0'; setting it to
 * '1' makes that start also remove old try files on the host. */
char *ssh_remote_try_command(struct ssh_exec *ex,
			     const struct sl_exec_task *task, const char *id,
			     struct buf *skipped, size_t *sweep_at);
/* The command line that follows try ID from byte offset of its remote
 * log (malloc'd). */
char *ssh_remote_follow_command(const char *id, long long offset);
/* The command that prints (at most SSH_OUTPUT_COPY_MAX bytes) and removes
 * try ID's $SLUICE_OUTPUT file on its host; prints nothing without one. */
char *ssh_remote_output_command(const char *id);
/* Append a shell command sending SIGsig (a name: TERM, KILL) to every
 * process on the host whose environment carries try id's key. */
void ssh_remote_key_kill(struct buf *b, const char *sig, const char *id);
/* The scheduler refuses an output past 64 KiB: one byte more says so. */
#define SSH_OUTPUT_COPY_MAX (64 * 1024 + 1)

/* ---- config.c ---- */

/* Fill ex (name and base set) from the config entry, a JSON object text;
 * on error, a message naming the executor in err and -1. */
int ssh_config_parse(struct ssh_exec *ex, const char *config_json,
		     char *err, size_t errlen);

/* ---- exec.c ---- */

void *ssh_exec_create(struct event_base *base, const char *name,
		      const char *config_json, char *err, size_t errlen);
void ssh_exec_destroy(void *inst);
/* Set up a host (takes name) with its idle connection. */
void ssh_exec_host_init(struct ssh_host *h, struct ssh_exec *ex, char *name,
			int port, const char *user);
/* The host for a new try, or NULL with *can_wait set when a slot will
 * free on an up host (1), or when every host with room is down and
 * unreachable_timeout lets a try wait for one (2), else with the reason
 * in err. */
struct ssh_host *ssh_exec_pick_host(struct ssh_exec *ex, int *can_wait,
				    char *err, size_t errlen);
/* Queue t for a host, at the end or (front) at the front. */
void ssh_exec_queue(struct ssh_try *t, int front);
/* The hosts that did not answer since they last did, for logs and
 * errors: "LABEL since WALL (reason)", joined by "; ". */
void ssh_exec_unreachable_desc(struct ssh_exec *ex, struct buf *b);
/* A wall clock time as logs show it ("2026-12-06 16:40:03 UTC"). */
const char *ssh_format_wall(time_t when, char *out, size_t n);
/* t ended with its command's end seen (its runner is gone): once the
 * scheduler records it, its files on the host may go. */
void ssh_exec_note_ended(struct ssh_try *t);
/* A slot freed (or a back-off ended): place queued tries. */
void ssh_exec_dispatch_cb(evutil_socket_t fd, short what, void *arg);

#endif
