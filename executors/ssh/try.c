/*
 * executors/ssh/try.c: tries. Starts the remote command line (remote.c)
 * on a channel, feeds stdin, streams stdout and stderr into the try's log
 * (keeping the wrapper's process group marker out of it, and the try's
 * secret values masked as *** by executors/out_mask.c), reads the exit
 * status or signal, and kills the remote process group on request.
 *
 * Remote command: the command runs under a small runner that keeps its
 * pid, output and exit status in files on the host (remote.c's scripts)
 * and does not depend on the channel, so it outlives the channel and an
 * adopting scheduler can follow it again (adopt.c); the channel copies
 * the remote log and ends like the command did, so sshd reports the
 * command's own exit status or signal.
 *
 * Past 800 lines: a try's one state machine (placing, moving off a host
 * that cannot be reached, waiting for one, following an adopted try
 * through an outage, the channel, the log's masked copy, the end, the
 * kill) shares the struct ssh_try and its invariants; split across files
 * its steps would have to expose each other's fields.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "executors/ssh/ssh_internal.h"
#include "executors/try_note.h"

static void try_send_kill(struct ssh_try *t, const char *sig);
static int try_step(struct ssh_op *op);
static void try_lost(struct ssh_op *op, const char *why);
static void try_grace_cb(evutil_socket_t fd, short what, void *arg);
static void try_retry_cb(evutil_socket_t fd, short what, void *arg);
static unsigned try_serial;

/* Append s to b as one single-quoted shell word. */
void ssh_try_quote(struct buf *b, const char *s)
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

/* Into the local log, under the cap as the local supervisor's (a full
 * disk loses log lines, not the try); once the output is over, sluice's
 * last lines go after the cap's marker. */
static void log_write(struct ssh_try *t, const char *p, size_t n)
{
	char line[2048];

	if (t->log_fd < 0)
		return;
	if (!t->log_finished) {
		out_log_write(&t->log, p, n);
		return;
	}
	snprintf(line, sizeof line, "%.*s", (int)SL_MIN(n, sizeof line - 1), p);
	out_log_last_line(t->log_fd, line);
}

/* The output is over: put the capped log's tail in order (once). */
static void log_finish(struct ssh_try *t)
{
	if (t->log_finished || t->log_fd < 0)
		return;
	out_log_finish(&t->log);
	t->log_finished = 1;
}

static void log_out_sink(void *arg, const char *p, size_t n)
{
	struct ssh_try *t = arg;

	t->out_written += (long long)n;
	log_write(t, p, n);
}

static void log_err_sink(void *arg, const char *p, size_t n)
{
	log_write(arg, p, n);
}

/* The remote log's copy into the local log, the try's secret values
 * masked; when masking moved the local size against the remote one,
 * adopt.c notes where an adoption resumes. */
static void log_remote(struct ssh_try *t, const char *p, size_t n)
{
	long long drift;

	if (t->values_wait)	/* stopped before its values came (adopt.c) */
		t->withheld += (long long)n;
	else
		out_mask_write(&t->mask_out, p, n, log_out_sink, t);
	t->copied += (long long)n;
	if (t->mask_out.n == 0 && !t->values_wait)
		return;
	drift = t->out_written - ssh_adopt_settled(t);
	if (drift != t->base_drift) {
		t->base_drift = drift;
		ssh_adopt_note_base(t, ssh_adopt_settled(t));
	}
}

/* What the channel's stderr brings for the log, masked likewise. */
static void log_stderr(struct ssh_try *t, const char *p, size_t n)
{
	out_mask_write(&t->mask_err, p, n, log_err_sink, t);
}

static void log_printf(struct ssh_try *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_note(struct ssh_try *t, const char *fmt, ...)
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

/* One line of sluice's own in the log, in the form a reader tells from
 * the task's output (try_note.h). */
static void log_note(struct ssh_try *t, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	size_t n;

	try_note_prefix(sl_now_ms(), line, sizeof line);
	n = strlen(line);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	log_write(t, line, n);
}

/* The try's $SLUICE_OUTPUT came back from its host: write the local
 * copy, then report the end. */
static void try_output_fetched(struct ssh_cmd *cmd, void *arg)
{
	struct ssh_try *t = arg;
	struct sl_err err;

	if (cmd->error || cmd->exit_code != 0)
		log_note(t, "cannot copy the try's output back from %s: %s",
			   t->host->label, cmd->error ? cmd->error : "the copy failed");
	else if (cmd->out.len > 0 &&
		 sl_write_file(t->output_path, cmd->out.data, cmd->out.len,
			       0644, &err) < 0)
		log_note(t, "cannot write the try's output: %s",
			   err.msg);
	free(t->output_path);
	t->output_path = NULL;
	event_active(t->ev_done, EV_TIMEOUT, 0);
}

static void try_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_try *t = arg;
	struct sl_exec_result res;

	(void)fd;
	(void)what;
	/* the output is over: a tail held back as a value's start is none */
	out_mask_flush(&t->mask_out, log_out_sink, t);
	out_mask_flush(&t->mask_err, log_err_sink, t);
	log_finish(t);
	if (t->output_path != NULL && t->host != NULL && t->marker_seen &&
	    t->error == NULL) {
		/* first its output, on the host's connection */
		char *command = ssh_remote_output_command(t->id);

		ssh_cmd_run_out(t->host, command, SSH_OUTPUT_COPY_MAX,
				try_output_fetched, t);
		free(command);
		return;
	}
	memset(&res, 0, sizeof res);
	/* killed by a signal: 128 + it, as a shell and the local executor
	 * say (the contract reads the signal; sluice tasks shows the code) */
	res.exit_code = t->signal > 0 && t->exit_code < 0 ? 128 + t->signal
							 : t->exit_code;
	res.signal = t->signal;
	res.host = t->host ? t->host->label : "";
	res.duration_ms = t->adopted && t->took_ms >= 0 ? t->took_ms
						       : sl_mono_ms() - t->started_ms;
	res.error = t->error;
	if (t->log.err != 0)
		/* the local log could not take all of the output (a full
		 * disk): the command's own exit stands, as with the local
		 * executor; the scheduler's log says the log is short */
		log_emit(LOG_LEVEL_WARN, NULL, "ssh try %s: its log %s is incomplete: %s: "
			 "%lld bytes of output could not be written to it",
			 t->id[0] != '\0' ? t->id : "?",
			 t->log_path != NULL ? t->log_path : "",
			 t->log.err == ENOSPC || t->log.err == EDQUOT ? "disk full" :
			 strerror(t->log.err), t->log.lost);
	TAILQ_REMOVE(&t->ex->tries, t, entry);
	/* an end the scheduler may fail to record is adopted again after
	 * its restart: the notes that adoption reads (where the try moved,
	 * how much of its output is copied) go only once the end is
	 * recorded (exec.c), as its files on the host do */
	if (t->ended_there && !t->withheld && t->token && t->host)
		ssh_exec_note_ended(t);
	else if (t->log_path)
		ssh_adopt_forget(t->log_path);
	if (t->kill_note)	/* never sent: the group was unknown */
		log_printf(t, "%s\n", t->kill_note);
	if (t->withheld)
		log_note(t, "%lld bytes of output not copied: the try "
			   "was stopped before its secret values were known "
			   "(they stay in ~/.sluice/tries/%s.log on %s)",
			   t->withheld, t->id, t->host ? t->host->label : "its host");
	if (t->error)
		log_note(t, "try failed: %s", t->error);
	if (t->log_fd >= 0)
		close(t->log_fd);
	t->log_fd = -1;
	t->done(t->done_arg, &res);
	ssh_try_free(t);
}

/* Free a try (not its channel: the session frees that). */
void ssh_try_free(struct ssh_try *t)
{
	if (t->log_fd >= 0)
		close(t->log_fd);
	event_free(t->ev_done);
	event_free(t->ev_grace);
	event_free(t->ev_retry);
	free(t->command);
	free(t->stdin_data);
	free(t->error);
	free(t->header);
	free(t->skipped_env);
	free(t->token);
	free(t->log_path);
	free(t->kill_note);
	free(t->output_path);
	out_mask_free(&t->mask_out);
	out_mask_free(&t->mask_err);
	free(t);
}

/* A new try with its events and log fd; the caller lists it. */
struct ssh_try *ssh_try_new(struct ssh_exec *ex, int log_fd, long long log_max,
			    sl_exec_done_fn done, void *arg)
{
	struct ssh_try *t = xcalloc(1, sizeof *t);

	t->ex = ex;
	t->log_fd = log_fd;
	out_log_init(&t->log, log_fd, log_max);
	t->kill_grace_ms = 10000;
	t->started_ms = sl_mono_ms();
	t->took_ms = -1;
	t->done = done;
	t->done_arg = arg;
	t->exit_code = -1;
	t->op.step = try_step;
	t->op.lost = try_lost;
	t->ev_done = event_new(ex->base, -1, 0, try_done_cb, t);
	t->ev_grace = evtimer_new(ex->base, try_grace_cb, t);
	t->ev_retry = evtimer_new(ex->base, try_retry_cb, t);
	return t;
}

/* The try is over: give its slot back and report from a fresh event. */
void ssh_try_finish(struct ssh_try *t)
{
	if (t->state == T_DONE)
		return;
	t->state = T_DONE;
	ssh_conn_detach(&t->op);
	event_del(t->ev_grace);
	event_del(t->ev_retry);
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

void ssh_try_set_error(struct ssh_try *t, const char *fmt, ...)
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
			log_stderr(t, p, take);
		} else if (t->marker_len + take >= sizeof t->marker) {
			/* Too long to be the marker: pass the line through. */
			log_stderr(t, t->marker, t->marker_len);
			log_stderr(t, p, take);
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
		if (strcmp(t->marker, "sluice-lost\n") == 0 ||
		    strcmp(t->marker, "sluice-nostart\n") == 0) {
			t->marker_seen = 1;
			if (t->marker[7] == 'l')
				t->remote_lost = 1;
			else
				t->remote_nostart = 1;
		} else if (sl_str_starts(t->marker, "sluice-pgid=") &&
		    sscanf(t->marker, "sluice-pgid=%ld start=%31[0-9]", &pgid,
			   start) >= 1 && pgid > 1) {
			t->marker_seen = 1;
			t->pgid = pgid;
			snprintf(t->start_time, sizeof t->start_time, "%s",
				 start);
			if (t->kill_requested && !t->term_sent) {
				/* The kill waited for the group: its grace
				 * period counts from this TERM. */
				struct timeval tv;

				try_send_kill(t, "TERM");
				sl_ms_timeval(t->kill_grace_ms, &tv);
				event_add(t->ev_grace, &tv);
			}
		} else {
			log_stderr(t, t->marker, t->marker_len);
		}
		t->marker_len = 0;
		if (t->marker_scanned > 65536 && !t->marker_seen) {
			/* The wrapper never spoke: stop looking. */
			t->marker_seen = 1;
		}
	}
	if (n > 0 && t->marker_seen && t->adopted) {
		/* A follower's last word but sluice-lost: how long the try
		 * ran ("sluice-took=SECONDS"), kept out of the log. */
		static const char took[] = "sluice-took=";
		const char *m = memmem(p, n, took, sizeof took - 1);
		const char *nl = m ? memchr(m, '\n', n - (size_t)(m - p)) : NULL;
		long long secs;
		char digits[24];
		size_t len = nl ? (size_t)(nl - m) - (sizeof took - 1) : 0;

		if (nl != NULL && len > 0 && len < sizeof digits) {
			memcpy(digits, m + sizeof took - 1, len);
			digits[len] = '\0';
			if (sl_parse_int(digits, 0, INT64_MAX / 1000, &secs) == 0)
				t->took_ms = secs * 1000;
			log_stderr(t, p, (size_t)(m - p));
			n -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
	}
	if (n > 0 && t->marker_seen && !t->remote_lost) {
		/* After the marker only the follower speaks on stderr. */
		static const char lost[] = "sluice-lost\n";
		const char *m = memmem(p, n, lost, sizeof lost - 1);

		if (m) {
			t->remote_lost = 1;
			log_stderr(t, p, (size_t)(m - p));
			n -= (size_t)(m - p) + sizeof lost - 1;
			p = m + sizeof lost - 1;
		}
	}
	if (n > 0)
		log_stderr(t, p, n);
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
	/* an adopted try's copy waits for its secret values (adopt.c);
	 * libssh2 holds back the channel's EOF while it is unread */
	n = 0;
	while (!t->values_wait || t->kill_requested) {
		n = libssh2_channel_read(t->ch, chunk, sizeof chunk);
		if (n <= 0)
			break;
		log_remote(t, chunk, (size_t)n);
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
	if (ssh_conn_check_broken(t->op.conn))
		return -2;	/* the try is over: try_lost ran */
	ssh_try_set_error(t, "lost the task's channel on %s: %s", t->host->label,
			  ssh_errmsg(s));
	return -1;
}

/* The first start on each connection to a host, and every
 * SSH_SWEEP_EVERY-th after, also removes old try files there (remote.c):
 * a rare cost, not one every start pays. */
static void try_sweep_mark(struct ssh_try *t)
{
	struct ssh_host *h = t->host;

	if (!t->sweep_at)
		return;	/* an adopted try's follower */
	if (h->swept && h->sweep_gen == h->conn.generation &&
	    ++h->starts_since_sweep < SSH_SWEEP_EVERY)
		return;
	h->swept = 1;
	h->sweep_gen = h->conn.generation;
	h->starts_since_sweep = 0;
	t->command[t->sweep_at] = '1';
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
				if (ssh_conn_check_broken(op->conn))
					return 1;
				ssh_try_set_error(t, "cannot open a channel on %s: "
						  "%s", t->host->label,
						  ssh_errmsg(s));
				ssh_try_finish(t);
				return 1;
			}
			progress = 1;
			if (t->adopted && t->wait_since_ms) {
				char d[32];

				log_note(t, "%s answered again after %s; "
					   "following the try", t->host->label,
					   sl_format_duration(sl_mono_ms() -
							      t->wait_since_ms,
							      d, sizeof d));
				ssh_adopt_note_base(t, ssh_adopt_settled(t));
				t->wait_since_ms = 0;
			}
			if (t->kill_requested) {
				ssh_try_set_error(t, "killed before the command "
						  "started on %s", t->host->label);
				t->state = T_FREE;
				break;
			}
			try_sweep_mark(t);
			t->state = T_EXEC;
			break;
		case T_EXEC:
			rc = libssh2_channel_exec(t->ch, t->command);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			if (rc && ssh_conn_check_broken(op->conn))
				return 1;
			if (rc) {
				ssh_try_set_error(t, "%s refused to run the "
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
			if (rc && ssh_conn_check_broken(op->conn))
				return 1;
			t->state = T_WAIT_CLOSED;
			progress = 1;
			break;
		case T_WAIT_CLOSED:
			rc = libssh2_channel_wait_closed(t->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return progress;
			if (rc && ssh_conn_check_broken(op->conn))
				return 1;
			if (libssh2_channel_get_exit_signal(t->ch, &signame,
							    NULL, NULL, NULL,
							    NULL, NULL) == 0 &&
			    signame) {
				t->signal = signal_from_name(signame);
				if (!t->signal)
					ssh_try_set_error(t, "the command on %s "
							  "died of signal %s",
							  t->host->label, signame);
				libssh2_free(s, signame);
			} else {
				t->exit_code =
					libssh2_channel_get_exit_status(t->ch);
			}
			if (t->remote_nostart)
				ssh_try_set_error(t, "not started: no trace of "
						  "the try on %s", t->host->label);
			else if (t->remote_lost && t->kill_sent)
				t->signal = SIGKILL;	/* our kill ended it */
			else if (t->remote_lost && t->term_sent)
				t->signal = SIGTERM;
			else if (t->remote_lost)
				ssh_try_set_error(t, "lost: the task's process on "
						  "%s ended without recording "
						  "its exit status",
						  t->host->label);
			t->ended_there = t->marker_seen && !t->remote_lost &&
					 !t->remote_nostart && t->pgid;
			if (!t->marker_seen && t->marker_len) {
				log_stderr(t, t->marker, t->marker_len);
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
			ssh_try_finish(t);
			return 1;
		case T_DONE:
			return progress;
		}
	}
}

/* t leaves its host, whose command never started, and goes back to the
 * executor's queue, first in line. */
static void try_requeue_first(struct ssh_try *t)
{
	t->moves++;
	t->reopened = 0;
	t->host->running--;
	t->host = NULL;
	free(t->token);
	t->token = NULL;
	ssh_exec_queue(t, 1);
	event_active(t->ex->ev_dispatch, EV_TIMEOUT, 0);
}

/* t's host could not be reached and nothing ran there: give its slot
 * back and queue it first in line for another host. The scheduler
 * already counts it as started: it starts again without a new try. */
static void try_move(struct ssh_try *t, const char *why)
{
	struct ssh_host *h = t->host;

	log_note(t, "the command did not start on %s (%s); "
		   "looking for another host", h->label, why);
	try_requeue_first(t);
}

/* The try's log says once that it waits for a host, which cannot be
 * reached and since when; new lines of the log are not the remote
 * log's copy, so an adopted try notes its base again (adopt.c). */
static void try_wait_note(struct ssh_try *t, const char *why)
{
	struct ssh_exec *ex = t->ex;
	struct buf hosts;
	char d[32], b[32], w[40];

	if (t->wait_logged)
		return;
	t->wait_logged = 1;
	sl_format_duration(ex->unreachable_timeout_ms, d, sizeof d);
	if (t->adopted) {
		log_note(t, "cannot reach %s%s%s (%s) to follow the "
			   "try; its command there runs on meanwhile, and "
			   "sluice tries again every %s, at most %s "
			   "(unreachable_timeout of ssh executor %s)",
			   t->host->label, t->host->down_since ? " since " : "",
			   t->host->down_since ? ssh_format_wall(
				   t->host->down_since, w, sizeof w) : "",
			   why, sl_format_duration(SL_MAX(ex->down_backoff_ms,
							  (int64_t)1000),
						   b, sizeof b),
			   d, ex->name);
		ssh_adopt_note_base(t, ssh_adopt_settled(t));
		return;
	}
	buf_init(&hosts, 0);
	ssh_exec_unreachable_desc(ex, &hosts);
	log_note(t, "%s waits for a host, queued (no retry spent), "
		   "at most %s (unreachable_timeout of ssh executor %s): "
		   "cannot reach %s", t->header, d, ex->name, buf_str(&hosts));
	buf_free(&hosts);
}

/* t never started its command and no host took it: it waits, queued,
 * for a host to answer (exec.c fails it after unreachable_timeout). */
void ssh_try_wait_host(struct ssh_try *t)
{
	if (!t->wait_since_ms)
		t->wait_since_ms = sl_mono_ms();
	try_wait_note(t, NULL);
}

/* t's host could not be reached and nothing ran there: back to the
 * queue, until unreachable_timeout (0: fail). */
static int try_requeue(struct ssh_try *t, const char *why)
{
	struct ssh_exec *ex = t->ex;

	if (ex->unreachable_timeout_ms <= 0)
		return 0;
	if (!t->wait_since_ms)
		t->wait_since_ms = sl_mono_ms();
	else if (sl_mono_ms() - t->wait_since_ms >= ex->unreachable_timeout_ms)
		return 0;
	(void)why;	/* the host's down_reason says it */
	ssh_try_wait_host(t);
	try_requeue_first(t);
	return 1;
}

/* An adopted try whose host does not answer: its command may run on
 * there, so the try runs on too, reconnecting every down_backoff, until
 * unreachable_timeout; then it fails and its command becomes an orphan
 * of the host, stopped when the host answers (conn.c comes back for
 * it). A refused login or host key fails it at once, likewise. */
static void try_adopted_unreachable(struct ssh_try *t, const char *why)
{
	struct ssh_exec *ex = t->ex;
	struct ssh_host *h = t->host;
	int64_t now = sl_mono_ms(), left;
	struct timeval tv;
	char d[32];
	int refused;

	if (!t->wait_since_ms)
		t->wait_since_ms = now;
	left = ex->unreachable_timeout_ms - (now - t->wait_since_ms);
	refused = h->conn.failed_connecting && !h->conn.failed_unreachable;
	if (refused || left <= 0) {
		ssh_try_set_error(t, "lost: sluice could not reach %s again to "
				  "follow the try (%s)%s%s; its command there "
				  "may still run, and is stopped when %s "
				  "answers", h->label, why,
				  refused ? "" : " for ",
				  refused ? "" : sl_format_duration(
					  now - t->wait_since_ms, d, sizeof d),
				  h->label);
		ssh_conn_add_orphan(h, 0, "", t->id, 1, 0);
		ssh_try_finish(t);
		return;
	}
	try_wait_note(t, why);
	sl_ms_timeval(SL_MIN(SL_MAX(ex->down_backoff_ms, (int64_t)1000), left),
		      &tv);
	event_add(t->ev_retry, &tv);
}

static void try_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_try *t = arg;

	(void)fd;
	(void)what;
	if (t->state == T_OPEN && !t->op.conn && !t->kill_requested)
		ssh_conn_attach(&t->host->conn, &t->op);
}

static void try_lost(struct ssh_op *op, const char *why)
{
	struct ssh_try *t = (struct ssh_try *)op;
	struct ssh_host *h = t->host;

	t->ch = NULL;	/* freed with the session */
	if (t->state == T_OPEN && h->conn.failed_connecting &&
	    !h->conn.in_hostkey_check && !t->adopted && !t->kill_requested &&
	    !t->ex->destroying) {
		/* Connecting or logging in failed, so the command never
		 * started there: another host of the pool may take it (each
		 * try moves at most once per host), else it waits for a
		 * host to answer (unreachable_timeout). A refused host key
		 * is not moved past: it fails the try, loudly. */
		if (t->ex->nhosts > 1 && t->moves < t->ex->nhosts) {
			try_move(t, why);
			return;
		}
		if (h->conn.failed_unreachable && try_requeue(t, why))
			return;
		if (t->wait_since_ms) {
			char d[32];

			ssh_try_set_error(t, "%s cannot be reached (%s); gave up "
					  "after waiting %s (unreachable_timeout);"
					  " the command never started", h->label,
					  why, sl_format_duration(
						  t->ex->unreachable_timeout_ms,
						  d, sizeof d));
		}
	}
	if (t->state == T_OPEN && !t->reopened && !t->kill_requested &&
	    !t->ex->destroying && h->down_until_ms <= sl_mono_ms()) {
		/* An established connection turned out dead before this try
		 * got a channel (e.g. the server restarted while it was
		 * idle): nothing ran, so reconnect once and go on. */
		t->reopened = 1;
		ssh_conn_attach(&h->conn, &t->op);
		return;
	}
	if (t->state == T_OPEN && t->adopted && !t->kill_requested &&
	    !t->ex->destroying) {
		try_adopted_unreachable(t, why);
		return;
	}
	if (t->state >= T_EXEC && (t->pgid || t->id[0])) {
		/* The command may still run there: kill its group as soon as
		 * the host is reachable again, so no second copy lingers. */
		ssh_conn_add_orphan(h, t->pgid, t->start_time, t->id, 0, 0);
	}
	if (t->state >= T_RUN)
		ssh_try_set_error(t, "%s while the task ran", why);
	else
		ssh_try_set_error(t, "%s", why);
	ssh_try_finish(t);
}

static void try_send_kill(struct ssh_try *t, const char *sig)
{
	struct buf b;
	char note[512], prefix[64];

	if (!t->pgid || !t->op.conn)
		return;
	if (strcmp(sig, "TERM") == 0)
		t->term_sent = 1;
	else
		t->kill_sent = 1;
	/* The notice goes through the remote log, so the local log holds
	 * only what was copied from it (an adopting scheduler resumes the
	 * copy at the local log's size). */
	snprintf(note, sizeof note, "%s\n%ssending SIG%s to the process "
		 "group %ld on %s\n", t->kill_note ? t->kill_note : "",
		 try_note_prefix(sl_now_ms(), prefix, sizeof prefix), sig,
		 t->pgid, t->host->label);
	free(t->kill_note);
	t->kill_note = NULL;
	buf_init(&b, 0);
	buf_adds(&b, "printf %s ");
	ssh_try_quote(&b, note);
	buf_printf(&b, " >>\"$HOME/.sluice/tries/\"");
	ssh_try_quote(&b, t->id);
	buf_printf(&b, ".log 2>/dev/null; kill -%s -- -%ld 2>/dev/null; ",
		   sig, t->pgid);
	/* and what left the group but carries the try's key */
	ssh_remote_key_kill(&b, sig, t->id);
	buf_adds(&b, "; exit 0");
	ssh_cmd_run(t->host, buf_str(&b), NULL, NULL);
	buf_free(&b);
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
	/* The group never identified itself: kill it by its pid file (the
	 * command does not depend on the channel), and drop the channel. */
	ssh_try_set_error(t, "killed on %s (its process group was unknown)",
			  t->host->label);
	if (t->id[0])
		ssh_conn_add_orphan(t->host, 0, "", t->id, 1, 0);
	if (t->ch && t->state < T_FREE)
		t->state = T_FREE;
	if (t->op.conn)
		ssh_conn_schedule_pump(t->op.conn);
}

/* Give the try its host: take a slot, start the log, start connecting. */
void ssh_try_place(struct ssh_try *t, struct ssh_host *h)
{
	struct ssh_exec *ex = t->ex;

	off_t base;

	t->host = h;
	h->running++;
	if (t->header_host != h)	/* not again after a wait for h */
		log_note(t, "%s on host %s as %s (ssh executor %s%s%s)",
			   t->header, h->label, h->user, ex->name,
			   ex->via ? ", via " : "", ex->via ? ex->via->label : "");
	if (t->skipped_env && t->header_host != h)
		log_note(t, "not passed to the remote command (not "
			   "shell variable names): %s", t->skipped_env);
	t->header_host = h;
	base = t->log_fd >= 0 ? lseek(t->log_fd, 0, SEEK_END) : -1;
	t->token = xasprintf("ssh-try host=%s id=%s base=%lld max=%lld log=%s",
			     h->label, t->id, (long long)(base < 0 ? 0 : base),
			     t->log.cap, t->log_path);
	if (t->moves)	/* before the command can start here */
		ssh_adopt_note_host(t, base < 0 ? 0 : base);
	ssh_conn_attach(&h->conn, &t->op);
}

void *ssh_try_start(void *inst, const struct sl_exec_task *task,
		    sl_exec_done_fn done, void *arg, char *err,
		    size_t errlen)
{
	struct ssh_exec *ex = inst;
	struct ssh_host *h;
	struct ssh_try *t;
	struct buf skipped;
	char *command;
	char id[64];
	size_t sweep_at;
	int fd, can_wait;

	if (!task->argv || !task->argv[0]) {
		snprintf(err, errlen, "ssh executor %s: empty command",
			 ex->name);
		return NULL;
	}
	snprintf(id, sizeof id, "%llx-%lx-%x", (unsigned long long)time(NULL),
		 (long)getpid(), ++try_serial);
	buf_init(&skipped, 4096);
	command = ssh_remote_try_command(ex, task, id, &skipped, &sweep_at);
	if (strlen(command) > SSH_MAX_COMMAND) {
		snprintf(err, errlen, "ssh executor %s: the command with its "
			 "environment is %zu bytes, more than the %d one SSH "
			 "exec request can carry (sluice's remote scripts take "
			 "about 8 KB of it); pass large values in a file or on "
			 "the task's stdin", ex->name, strlen(command),
			 SSH_MAX_COMMAND);
		free(command);
		buf_free(&skipped);
		return NULL;
	}
	h = ssh_exec_pick_host(ex, &can_wait, err, errlen);
	if (!h && !can_wait) {
		free(command);
		buf_free(&skipped);
		return NULL;
	}
	/* read and write: the cap's ring rewrites the log's tail (out_log.c) */
	fd = open(task->log_path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		snprintf(err, errlen, "ssh executor %s: cannot open the log "
			 "%s: %s", ex->name, task->log_path, strerror(errno));
		free(command);
		buf_free(&skipped);
		return NULL;
	}
	t = ssh_try_new(ex, fd, task->log_max == 0 ? SSH_LOG_MAX
				: task->log_max < 0 ? 0 : task->log_max,
			done, arg);
	t->command = command;
	t->sweep_at = sweep_at;
	snprintf(t->id, sizeof t->id, "%s", id);
	t->log_path = xstrdup(task->log_path);
	if (out_mask_set_list(&t->mask_out, task->secrets) < 0 ||
	    out_mask_set_list(&t->mask_err, task->secrets) < 0)
		sl_fatal("out of memory");
	if (task->output_path != NULL)
		t->output_path = xstrdup(task->output_path);
	if (task->kill_grace_ms > 0)
		t->kill_grace_ms = task->kill_grace_ms;
	if (task->stdin_data && task->stdin_len) {
		t->stdin_data = xmalloc(task->stdin_len);
		memcpy(t->stdin_data, task->stdin_data, task->stdin_len);
		t->stdin_len = task->stdin_len;
	}
	t->header = xasprintf("try %d of %s.%s", task->try_number,
			      task->dag ? task->dag : "-",
			      task->task ? task->task : "-");
	if (skipped.len)
		t->skipped_env = buf_steal(&skipped);
	buf_free(&skipped);
	TAILQ_INSERT_TAIL(&ex->tries, t, entry);
	if (h) {
		ssh_try_place(t, h);
	} else {
		ssh_exec_queue(t, 0);
		if (can_wait == 2)	/* every host with room is down */
			ssh_try_wait_host(t);
	}
	return t;
}

void ssh_try_kill(void *inst, void *handle, enum sl_exec_kill_reason why)
{
	struct ssh_try *t = handle;
	struct timeval tv;
	static const char *const reason[] = {
		[SL_KILL_TIMEOUT] = "timed out",
		[SL_KILL_CLEARED] = "cleared",
		[SL_KILL_SHUTDOWN] = "scheduler shutting down",
	};
	const char *said;
	char prefix[64];

	(void)inst;
	if (t->state == T_DONE || t->kill_requested)
		return;
	t->kill_requested = 1;
	said = (unsigned)why < SL_ARRAY_LEN(reason) && reason[why] ? reason[why]
								   : "killed";
	if (t->queued) {
		ssh_try_set_error(t, "killed (%s) while waiting for %s", said,
				  t->wait_since_ms ? "a host that cannot be "
				  "reached" : "a free slot");
		ssh_try_finish(t);
		return;
	}
	t->kill_note = xasprintf("\n%skilling the task on %s (%s)",
				 try_note_prefix(sl_now_ms(), prefix,
						 sizeof prefix),
				 t->host->label, said);
	if (t->state == T_OPEN && !t->ch) {
		if (t->adopted) {
			/* An earlier scheduler started its command, which runs
			 * on without a channel: stop it by its pid file as
			 * soon as the host answers, as an orphan. */
			ssh_try_set_error(t, "killed (%s) on %s before sluice "
					  "reached it again; its command there "
					  "is stopped when %s answers", said,
					  t->host->label, t->host->label);
			ssh_conn_add_orphan(t->host, 0, "", t->id, 1, 0);
		}
		if (t->op.conn && t->op.conn->state == C_READY)
			return;	/* T_OPEN sees kill_requested */
		ssh_try_set_error(t, "killed before the command started on %s",
				  t->host->label);
		ssh_try_finish(t);
		return;
	}
	if (t->pgid)
		try_send_kill(t, "TERM");
	/* Without a PGID yet, try_stderr sends TERM when it arrives. */
	sl_ms_timeval(t->kill_grace_ms, &tv);
	event_add(t->ev_grace, &tv);
}

const char *ssh_try_token(void *inst, void *handle)
{
	struct ssh_try *t = handle;

	(void)inst;
	return t->token;
}

const char *ssh_try_where(void *inst, void *handle)
{
	struct ssh_try *t = handle;

	(void)inst;
	return t->host != NULL ? t->host->label : NULL;
}
