/*
 * executors/ssh/adopt.c: tries that survive a scheduler restart. A try
 * runs on its host detached from the channel that started it (try.c's
 * remote scripts keep its pid, log and exit status in
 * ~/.sluice/tries/ID.*), so a scheduler can let go of it (detach: close
 * nothing, kill nothing) and the next one can follow it again (adopt):
 * reconnect to the host named in the token, copy the remote log from the
 * byte the local log already holds, and wait for the status file.
 *
 * Token: "ssh-try host=LABEL id=ID base=B max=M log=PATH" (M, the log's
 * cap, since this was added; a token without it gets the default cap). B
 * is the size of the
 * local log when the copy of the remote log began (after sluice's header
 * lines); everything the executor writes into the local log from then on
 * until the try ends is a copy of the remote log (kill notices travel
 * through the remote log), so the copy resumes at remote offset
 * (local size - B). PATH runs to the end of the token.
 *
 * The scheduler writes a line of its own into the log after a detach, so
 * detach notes the exact count in LOG.ssh-copied ("copied=N"); adopt then
 * resumes at N and turns the note into "base=B2" (B2 = local size - N),
 * the base that later adoptions use instead of B. The note goes when the
 * try's end is recorded by the scheduler (or at its end, for a try no
 * scheduler could adopt again).
 *
 * A try whose first host could not be reached goes to another host
 * (try.c) after the scheduler stored its token, which still names the
 * first host. Before anything starts on the new host, LOG.ssh-host
 * says "host=LABEL base=B" for it; adopt and kill_orphan read the
 * token's host and base from there. It goes with LOG.ssh-copied.
 *
 * Secret values masked as "***" (try.c) make the local copy shorter or
 * longer than the remote bytes it stands for, and a tail that may start
 * a value waits in the masker, copied but not yet written: the counts
 * above are of remote bytes settled (written, masked), so an adoption
 * reads a held tail again rather than losing it; whenever masking moves
 * the local size against the remote one, the run notes "base=B2" itself,
 * so an adoption after a crash (no detach) resumes at the right byte.
 *
 * adopt() gets no secret values; the scheduler gives them right after
 * (adopted_secrets, executor.h), before its first loop turn unless its
 * first read of the runs fails. Until they come the adopted try reads
 * nothing of the remote log's copy (libssh2 keeps the channel's EOF back
 * while output is unread), so none of it reaches the local log unmasked.
 * A try killed before its values came (the scheduler stops it) copies
 * on to reach its end but writes nothing of the copy: it stays on the
 * host, and a line at the end says so.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executors/ssh/ssh_internal.h"

int ssh_adopt_parse(const char *token, char *label, size_t labellen,
		    char *id, size_t idlen, long long *base, const char **log)
{
	const char *p, *e;
	size_t i;

	if (!sl_str_starts(token, "ssh-try host="))
		return -1;
	p = token + strlen("ssh-try host=");
	e = strchr(p, ' ');
	if (!e || (size_t)(e - p) >= labellen)
		return -1;
	memcpy(label, p, (size_t)(e - p));
	label[e - p] = '\0';
	p = e + 1;
	if (!sl_str_starts(p, "id="))
		return -1;
	p += 3;
	e = strchr(p, ' ');
	if (!e || e == p || (size_t)(e - p) >= idlen)
		return -1;
	for (i = 0; p + i < e; i++) {
		char c = p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      c == '-'))
			return -1;	/* only what try.c makes */
	}
	memcpy(id, p, (size_t)(e - p));
	id[e - p] = '\0';
	if (sscanf(e, " base=%lld", base) != 1 || *base < 0)
		return -1;
	p = strstr(e, " log=");
	if (!p || !p[5])
		return -1;
	*log = p + 5;
	return 0;
}

/* The log cap a token carries (max=, before log=): 0 for none, the
 * executor's default for a token written before the cap was in it. */
static long long adopt_cap(const char *token)
{
	const char *p = strstr(token, " base="), *log = strstr(token, " log=");
	long long max;

	p = p != NULL ? strstr(p, " max=") : NULL;
	if (p == NULL || log == NULL || p > log ||
	    sscanf(p, " max=%lld", &max) != 1 || max < 0)
		return SSH_LOG_MAX;
	return max;
}

static char *note_path(const char *log)
{
	return xasprintf("%s.ssh-copied", log);
}

static void note_write(const char *log, const char *key, long long v)
{
	char *path = note_path(log);
	FILE *f = fopen(path, "w");

	if (f) {
		fprintf(f, "%s=%lld\n", key, v);
		fclose(f);
	}
	free(path);
}

/* Where the copy of the remote log resumes (module comment). */
static long long adopt_offset(const char *log, long long size, long long base)
{
	char *path = note_path(log);
	FILE *f = fopen(path, "r");
	long long v = -1, off;
	int copied = 0;

	if (f) {
		if (fscanf(f, "copied=%lld", &v) == 1)
			copied = 1;
		else if (fscanf(f, "base=%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	free(path);
	if (copied && v >= 0) {
		note_write(log, "base", size - v);
		return v;
	}
	if (v >= 0)
		base = v;
	off = size - base;
	return off > 0 ? off : 0;
}

static char *host_note_path(const char *log)
{
	return xasprintf("%s.ssh-host", log);
}

long long ssh_adopt_settled(const struct ssh_try *t)
{
	return t->copied - (long long)out_mask_held(&t->mask_out);
}

void ssh_adopt_note_base(struct ssh_try *t, long long settled)
{
	off_t size = t->log_fd >= 0 ? lseek(t->log_fd, 0, SEEK_END) : -1;

	if (size >= 0 && t->log_path && (long long)size >= settled)
		note_write(t->log_path, "base", (long long)size - settled);
}

void ssh_adopt_forget(const char *log)
{
	char *path = note_path(log);

	unlink(path);
	free(path);
	path = host_note_path(log);
	unlink(path);
	free(path);
}

/* The try moved to another host: note where (module comment). */
void ssh_adopt_note_host(struct ssh_try *t, long long base)
{
	char *path = host_note_path(t->log_path);
	FILE *f = fopen(path, "w");

	if (f) {
		fprintf(f, "host=%s base=%lld\n", t->host->label, base);
		fclose(f);
	}
	free(path);
}

/* The token's host and base, or those of its LOG.ssh-host note. */
void ssh_adopt_where(const char *log, char *label, size_t labellen,
		     long long *base)
{
	char *path = host_note_path(log);
	FILE *f = fopen(path, "r");
	char moved[256];
	long long b;

	free(path);
	if (!f)
		return;
	if (fscanf(f, "host=%255s base=%lld", moved, &b) == 2 && b >= 0 &&
	    strlen(moved) < labellen) {
		snprintf(label, labellen, "%s", moved);
		*base = b;
	}
	fclose(f);
}

void *ssh_try_adopt(void *inst, const char *token, sl_exec_done_fn done,
		    void *arg, char *err, size_t errlen)
{
	struct ssh_exec *ex = inst;
	struct ssh_host *h = NULL;
	struct ssh_try *t;
	char label[256], id[64];
	long long base, offset;
	const char *log;
	off_t size;
	int i, fd;

	if (ssh_adopt_parse(token, label, sizeof label, id, sizeof id, &base,
			    &log) < 0) {
		snprintf(err, errlen, "ssh executor %s: not a token it can "
			 "follow", ex->name);
		return NULL;
	}
	ssh_adopt_where(log, label, sizeof label, &base);
	for (i = 0; i < ex->nhosts; i++)
		if (strcmp(ex->hosts[i].label, label) == 0)
			h = &ex->hosts[i];
	if (!h) {
		snprintf(err, errlen, "ssh executor %s: the host %s is no "
			 "longer one of its hosts", ex->name, label);
		return NULL;
	}
	/* read and write: the cap's ring rewrites the log's tail */
	fd = open(log, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "ssh executor %s: cannot open the log "
			 "%s: %s", ex->name, log, strerror(errno));
		return NULL;
	}
	size = lseek(fd, 0, SEEK_END);
	offset = adopt_offset(log, (long long)size, base);
	/* under the try's cap, less what its copy already took of it */
	t = ssh_try_new(ex, fd, adopt_cap(token), done, arg);
	out_log_resume(&t->log, offset);
	t->adopted = 1;
	t->token = xstrdup(token);
	t->log_path = xstrdup(log);
	if (sl_str_ends(log, ".log"))	/* its output's local copy */
		t->output_path = xasprintf("%.*s.output",
					   (int)(strlen(log) - 4), log);
	snprintf(t->id, sizeof t->id, "%s", id);
	t->header = xstrdup("adopted try");
	t->command = ssh_remote_follow_command(id, offset);
	t->stdin_done = 1;
	t->copied = offset;
	t->values_wait = 1;	/* until adopted_secrets */
	TAILQ_INSERT_TAIL(&ex->tries, t, entry);
	/* An adopted try takes its slot even when the host is full or down:
	 * it runs there already. */
	t->host = h;
	h->running++;
	ssh_conn_attach(&h->conn, &t->op);
	return t;
}

/* The adopted try's secret values: its copy of the remote log, held
 * since adopt, goes on masked with them (module comment). */
void ssh_try_adopted_secrets(void *inst, void *handle, char *const *secrets)
{
	struct ssh_try *t = handle;

	(void)inst;
	if (!t->values_wait)
		return;
	out_mask_free(&t->mask_out);
	out_mask_free(&t->mask_err);
	if (out_mask_set_list(&t->mask_out, secrets) < 0 ||
	    out_mask_set_list(&t->mask_err, secrets) < 0)
		sl_fatal("out of memory");
	t->values_wait = 0;
	if (t->op.conn)
		ssh_conn_schedule_pump(t->op.conn);
}

void ssh_try_detach(void *inst, void *handle)
{
	struct ssh_try *t = handle;

	(void)inst;
	if (t->queued) {
		TAILQ_REMOVE(&t->ex->queue, t, qentry);
		t->queued = 0;
		t->ex->nqueued--;
	}
	if (t->state != T_DONE) {
		if (t->host)
			t->host->running--;
		ssh_conn_detach(&t->op);
	}
	event_del(t->ev_grace);
	event_del(t->ev_retry);
	event_del(t->ev_done);
	/* a tail cycling in the cap's ring is put in order: the next
	 * scheduler appends behind it */
	if (t->state != T_DONE && !t->log_finished && t->log_fd >= 0)
		out_log_finish(&t->log);
	if (t->token && t->log_path)
		note_write(t->log_path, "copied", ssh_adopt_settled(t));
	TAILQ_REMOVE(&t->ex->tries, t, entry);
	/* The channel stays with the session, which destroy() ends; the
	 * remote try does not depend on it. */
	ssh_try_free(t);
}
