/*
 * executors/ssh/cmd.c: short commands, each on its own channel of a
 * host's connection (signals to a try's process group, orphan kills,
 * `sluice executors check`): open, exec, read the capped output, close,
 * exit status, then the caller's callback from a fresh event.
 */
#include "build-config.h"

#include <stdlib.h>

#include "executors/ssh/ssh_internal.h"

static void cmd_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_cmd *cmd = arg;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&cmd->ex->cmds, cmd, entry);
	if (cmd->cb)
		cmd->cb(cmd, cmd->arg);
	ssh_cmd_free(cmd);
}

void ssh_cmd_free(struct ssh_cmd *cmd)
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
	ssh_conn_detach(&cmd->op);
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
				if (ssh_conn_check_broken(op->conn))
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
			if (rc && ssh_conn_check_broken(op->conn))
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
				if (ssh_conn_check_broken(op->conn))
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
			if (rc && ssh_conn_check_broken(op->conn))
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
struct ssh_cmd *ssh_cmd_run(struct ssh_host *h, const char *command,
			    void (*cb)(struct ssh_cmd *, void *), void *arg)
{
	return ssh_cmd_run_out(h, command, 16384, cb, arg);
}

struct ssh_cmd *ssh_cmd_run_out(struct ssh_host *h, const char *command,
				size_t out_max,
				void (*cb)(struct ssh_cmd *, void *), void *arg)
{
	struct ssh_cmd *cmd = xcalloc(1, sizeof *cmd);

	cmd->ex = h->ex;
	cmd->host = h;
	cmd->command = xstrdup(command);
	buf_init(&cmd->out, out_max);
	cmd->exit_code = -1;
	cmd->cb = cb;
	cmd->arg = arg;
	cmd->op.step = cmd_step;
	cmd->op.lost = cmd_lost;
	cmd->ev_done = event_new(h->ex->base, -1, 0, cmd_done_cb, cmd);
	TAILQ_INSERT_TAIL(&h->ex->cmds, cmd, entry);
	ssh_conn_attach(&h->conn, &cmd->op);
	return cmd;
}
