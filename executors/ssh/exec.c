/*
 * executors/ssh/exec.c: the ssh executor instance and its ops table
 * (exec_ssh_ops): create and destroy, the hosts and their slots, picking
 * a host for a try, the queue of tries waiting for a slot or for a host
 * that cannot be reached (unreachable_timeout), orphan kills
 * named by token, removing ended tries' files on their hosts once the
 * scheduler recorded them, and describe.
 */
#include "build-config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/lazylib.h"
#include "executors/ssh/ssh_internal.h"

static int libssh2_users;

static void host_spend_cb(evutil_socket_t fd, short what, void *arg);

void *ssh_exec_create(struct event_base *base, const char *name,
		      const char *config_json, char *err, size_t errlen)
{
	struct ssh_exec *ex = xcalloc(1, sizeof *ex);
	struct sl_err lerr;

	TAILQ_INIT(&ex->tries);
	TAILQ_INIT(&ex->queue);
	TAILQ_INIT(&ex->cmds);
	ex->base = base;
	ex->ev_dispatch = evtimer_new(base, ssh_exec_dispatch_cb, ex);
	ex->name = xstrdup(name);
	if (lazylib_load(LAZYLIB_SSH2, &lerr) < 0) {
		snprintf(err, errlen, "ssh executor %s: %s", name, lerr.msg);
		free(ex->name);
		free(ex);
		return NULL;
	}
	if (libssh2_users++ == 0 && libssh2_init(0) != 0) {
		snprintf(err, errlen, "ssh executor %s: libssh2_init failed",
			 name);
		libssh2_users--;
		free(ex->name);
		free(ex);
		return NULL;
	}
	if (ssh_config_parse(ex, config_json, err, errlen) < 0 ||
	    ssh_orphans_load(ex, err, errlen) < 0) {
		ssh_exec_destroy(ex);
		return NULL;
	}
	return ex;
}

void ssh_exec_host_init(struct ssh_host *h, struct ssh_exec *ex, char *name,
			int port, const char *user)
{
	h->ex = ex;
	h->name = name;
	h->port = port;
	h->user = xstrdup(user);
	h->label = strchr(name, ':') ? xasprintf("[%s]:%d", name, port)
				     : xasprintf("%s:%d", name, port);
	ssh_conn_init(&h->conn, h);
	buf_init(&h->spend, 0);
	h->ev_spend = event_new(ex->base, -1, 0, host_spend_cb, h);
}

/* Remove the files of the tries in h->spend on h: their ends are
 * committed, and ID.log holds the output unmasked. Best effort: a host
 * that does not answer keeps them until the sweep of old try files
 * (remote.c). */
static void host_spend_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_host *h = arg;
	char *cmd;

	(void)fd;
	(void)what;
	if (!h->spend.len)
		return;
	/* ids are [0-9a-f-] only (adopt.c), so safe as words */
	cmd = xasprintf("cd \"$HOME/.sluice/tries\" 2>/dev/null && rm -f --%s; "
			"exit 0", buf_str(&h->spend));
	h->spend.len = 0;
	ssh_cmd_run(h, cmd, NULL, NULL);
	free(cmd);
}

void ssh_exec_note_ended(struct ssh_try *t)
{
	struct ssh_exec *ex = t->ex;
	struct ssh_ended *e = &ex->ended[ex->nended++ % SSH_ENDED_RING];

	free(e->token);	/* the oldest: its end was never recorded */
	e->token = xstrdup(t->token);
	e->host = t->host;
	snprintf(e->id, sizeof e->id, "%s", t->id);
}

/* The try's end is committed: its files on its host may go (ID.log
 * holds its output unmasked), and the notes beside its local log that
 * an adoption would read (adopt.c). */
static void ssh_recorded(void *inst, const char *token)
{
	struct ssh_exec *ex = inst;
	unsigned n = SL_MIN(ex->nended, (unsigned)SSH_ENDED_RING), i;

	for (i = 1; i <= n; i++) {
		struct ssh_ended *e =
			&ex->ended[(ex->nended - i) % SSH_ENDED_RING];
		struct ssh_host *h = e->host;

		char label[256], id[64];
		long long base;
		const char *log;

		if (!e->token || strcmp(e->token, token) != 0)
			continue;
		if (ssh_adopt_parse(token, label, sizeof label, id, sizeof id,
				    &base, &log) == 0)
			ssh_adopt_forget(log);
		buf_printf(&h->spend, " %s.*", e->id);
		free(e->token);
		e->token = NULL;
		if (h->spend.len >= SSH_SPEND_BATCH)
			host_spend_cb(-1, 0, h);
		else
			event_active(h->ev_spend, EV_TIMEOUT, 0);
		return;
	}
}

static void host_free(struct ssh_host *h)
{
	ssh_conn_destroy(&h->conn);
	if (h->ev_spend)
		event_free(h->ev_spend);
	buf_free(&h->spend);
	while (h->orphans) {
		struct ssh_orphan *o = h->orphans;
		h->orphans = o->next;
		free(o);
	}
	while (h->killing) {
		struct ssh_orphan *o = h->killing;
		h->killing = o->next;
		free(o);
	}
	free(h->label);
	free(h->name);
	free(h->user);
}

static int ssh_slots(void *inst)
{
	struct ssh_exec *ex = inst;

	return ex->slots_per_host * ex->nhosts;
}

/* The host with the most free slots among those not down; ties go round
 * robin so equal hosts share the work. */
struct ssh_host *ssh_exec_pick_host(struct ssh_exec *ex, int *can_wait,
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
	if (ex->unreachable_timeout_ms > 0 && !*can_wait)
		*can_wait = 2;	/* for a host to answer again */
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


const char *ssh_format_wall(time_t when, char *out, size_t n)
{
	struct tm tm;

	if (!gmtime_r(&when, &tm) ||
	    strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, n, "%lld", (long long)when);
	return out;
}

void ssh_exec_unreachable_desc(struct ssh_exec *ex, struct buf *b)
{
	size_t start = b->len;
	char w[40];
	int i;

	for (i = 0; i < ex->nhosts; i++) {
		struct ssh_host *h = &ex->hosts[i];

		if (!h->down_since)
			continue;
		buf_printf(b, "%s%s since %s (%s)", b->len > start ? "; " : "",
			   h->label, ssh_format_wall(h->down_since, w, sizeof w),
			   h->down_reason);
	}
	if (b->len == start)
		buf_adds(b, "no host answers");
}

/* While no host answers, the queued tries that waited
 * unreachable_timeout for one fail; returns when the next one's wait
 * ends (0: none waits). */
static int64_t dispatch_expire(struct ssh_exec *ex, int64_t now)
{
	struct ssh_try *t, *next;
	int64_t wake = 0;
	char d[32];
	int i;

	for (i = 0; i < ex->nhosts; i++)
		if (!ex->hosts[i].down_since)
			return 0;	/* one answers: they wait for a slot */
	for (t = TAILQ_FIRST(&ex->queue); t; t = next) {
		int64_t end = t->wait_since_ms + ex->unreachable_timeout_ms;
		struct buf why;

		next = TAILQ_NEXT(t, qentry);
		if (!t->wait_since_ms)
			continue;
		if (end > now) {
			if (!wake || end < wake)
				wake = end;
			continue;
		}
		TAILQ_REMOVE(&ex->queue, t, qentry);
		t->queued = 0;
		ex->nqueued--;
		buf_init(&why, 0);
		ssh_exec_unreachable_desc(ex, &why);
		ssh_try_set_error(t, "no host of ssh executor %s could be "
				  "reached for %s (unreachable_timeout): %s; "
				  "the command never started", ex->name,
				  sl_format_duration(ex->unreachable_timeout_ms,
						     d, sizeof d),
				  buf_str(&why));
		buf_free(&why);
		ssh_try_finish(t);
	}
	return wake;
}

/* Put t on the queue of tries waiting for a host: at its end (a new try
 * that found every up host full) or at its front (a try whose host could
 * not be reached: it was asked for first). */
void ssh_exec_queue(struct ssh_try *t, int front)
{
	struct ssh_exec *ex = t->ex;

	assert(!t->queued && !t->host);
	t->queued = 1;
	if (front)
		TAILQ_INSERT_HEAD(&ex->queue, t, qentry);
	else
		TAILQ_INSERT_TAIL(&ex->queue, t, qentry);
	ex->nqueued++;
}

/* A slot freed (or a back-off ended): place queued tries. When no host is
 * up any more, the queued tries fail with the reason. */
void ssh_exec_dispatch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_exec *ex = arg;
	char err[SL_ERR_MSG];
	int64_t now = sl_mono_ms(), wake = 0;
	int can_wait, i;

	(void)fd;
	(void)what;
	wake = dispatch_expire(ex, now);
	while (!TAILQ_EMPTY(&ex->queue)) {
		struct ssh_try *t = TAILQ_FIRST(&ex->queue);
		struct ssh_host *h = ssh_exec_pick_host(ex, &can_wait, err, sizeof err);

		if (!h && can_wait == 2) {
			/* no host answers: the tries wait for one */
			struct ssh_try *q;

			TAILQ_FOREACH(q, &ex->queue, qentry) {
				if (q->wait_since_ms)
					continue;
				ssh_try_wait_host(q);
				if (!wake || now + ex->unreachable_timeout_ms < wake)
					wake = now + ex->unreachable_timeout_ms;
			}
		}
		if (!h && can_wait)
			break;	/* a slot frees, or a host answers again */
		TAILQ_REMOVE(&ex->queue, t, qentry);
		t->queued = 0;
		ex->nqueued--;
		if (h) {
			ssh_try_place(t, h);
		} else {	/* unreachable_timeout: 0 */
			ssh_try_set_error(t, "%s", err);
			ssh_try_finish(t);
		}
	}
	if (TAILQ_EMPTY(&ex->queue))
		return;
	/* Also wake when the first down host's back-off ends (and when a
	 * waiting try's unreachable_timeout does, set above). */
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

/* A try of an earlier scheduler that this one records as ended (lost,
 * or cleared or marked while no scheduler ran): its group is killed when
 * its host answers, and then its files there go, as an ended try's do
 * once recorded (ssh_recorded). */
static void ssh_kill_orphan(void *inst, const char *token)
{
	struct ssh_exec *ex = inst;
	char label[256], start[32], id[64];
	long pgid = 0;
	long long base;
	const char *log;
	int i;

	start[0] = '\0';
	id[0] = '\0';
	if (ssh_adopt_parse(token, label, sizeof label, id, sizeof id, &base,
			    &log) == 0)
		ssh_adopt_where(log, label, sizeof label, &base);
	else if (sscanf(token, "host=%255s pgid=%ld start=%31[0-9]", label,
			&pgid, start) < 2 || pgid <= 1)
		return;
	for (i = 0; i < ex->nhosts; i++) {
		struct ssh_host *h = &ex->hosts[i];

		if (strcmp(h->label, label) != 0)
			continue;
		ssh_conn_add_orphan(h, pgid, start, id, 1, 1);
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
	if (ex->nqueued) {
		struct ssh_try *t;
		int for_host = 0;

		TAILQ_FOREACH(t, &ex->queue, qentry)
			for_host += t->wait_since_ms != 0;
		if (ex->nqueued > for_host)
			buf_printf(&b, ", %d tries waiting for a slot",
				   ex->nqueued - for_host);
		if (for_host)
			buf_printf(&b, ", %d tries waiting for a host that "
				   "cannot be reached", for_host);
	}
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

void ssh_exec_destroy(void *inst)
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
		ssh_cmd_free(cmd);
	}
	for (i = 0; i < SSH_ENDED_RING; i++)
		free(ex->ended[i].token);
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
	free(ex->state_dir);
	free(ex);
	if (--libssh2_users == 0)
		libssh2_exit();
}

const struct sl_executor_ops exec_ssh_ops = {
	.abi_version = SL_EXECUTOR_ABI,
	.type = "ssh",
	.create = ssh_exec_create,
	.slots = ssh_slots,
	.start = ssh_try_start,
	.kill = ssh_try_kill,
	.token = ssh_try_token,
	.kill_orphan = ssh_kill_orphan,
	.describe = ssh_describe,
	.destroy = ssh_exec_destroy,
	.adopt = ssh_try_adopt,
	.detach = ssh_try_detach,
	.adopted_secrets = ssh_try_adopted_secrets,
	.where = ssh_try_where,
	.recorded = ssh_recorded,
};
