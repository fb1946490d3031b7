/*
 * executors/ssh/check.c: `sluice executors check` for an ssh executor:
 * log in to every host with its own event loop, run a trivial command,
 * look for sluice_path, and print one line per host.
 */
#include "build-config.h"

#include <stdio.h>
#include <string.h>

#include "executors/ssh/ssh_internal.h"

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
		/* shell tasks run without sluice on the host: say what its
		 * absence costs, and which key to set */
		fprintf(st->out, "%s: ok: logged in as %s in %lld ms, host key "
			"%s, sluice %s%s%s\n", h->label, h->user,
			(long long)h->conn.connect_ms, h->conn.hostkey_desc,
			found && *where ? "at " : "not found on the host as ",
			found && *where ? where : st->ex->sluice_path,
			found && *where ? "" : " (shell tasks do not need it; "
			"tasks of other types do: install it there, or set "
			"sluice_path)");
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
	st.ex = ssh_exec_create(base, "check", config_json, msg, sizeof msg);
	if (!st.ex) {
		event_base_free(base);
		return sl_err_set(err, "%s", msg);
	}
	buf_init(&command, 0);
	buf_adds(&command, "echo sluice-check-ok; p=$(command -v ");
	ssh_try_quote(&command, st.ex->sluice_path);
	buf_adds(&command, " 2>/dev/null); echo \"sluice-path:$p\"");
	st.pending = st.ex->nhosts;
	for (i = 0; i < st.ex->nhosts; i++)
		ssh_cmd_run(&st.ex->hosts[i], buf_str(&command), check_done, &st);
	buf_free(&command);
	sl_ms_timeval(st.ex->connect_timeout_ms * (st.ex->via ? 2 : 1) + 10000,
		 &tv);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	if (st.pending) {
		/* Out of time: fail what is left, then deliver those results. */
		for (i = 0; i < st.ex->nhosts; i++)
			if (!TAILQ_EMPTY(&st.ex->hosts[i].conn.ops))
				ssh_conn_fail(&st.ex->hosts[i].conn, 1,
					      "%s did not answer in time",
					      st.ex->hosts[i].label);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	if (st.failed)
		rc = sl_err_set(err, "%d of %d hosts of the ssh executor "
				"failed the check", st.failed, st.ex->nhosts);
	ssh_exec_destroy(st.ex);
	event_base_free(base);
	return rc;
}
