/*
 * executors/ssh/orphans.c: the commands the ssh executor must still stop
 * on a host that did not answer (struct ssh_orphan, conn.c), kept in a
 * file so that a scheduler restarted before the host answers stops them
 * too. Without it such a command would be forgotten: its try is recorded
 * as failed ("lost"), so no later scheduler adopts or kills it, and a
 * retry on the same host would run beside it.
 *
 * The file is STATE_DIR/ssh-NAME.orphans (state_dir: the scheduler sets
 * HOME/run), one line per command, tab-separated: host label, process
 * group, its start time, try id (the empty ones as "-"). An orphan stays
 * in it until the kill command has run on its host; the file is written
 * again (temp file and rename) at every change, which is rare. Without
 * state_dir (sluice executors check, tests' drivers) nothing is kept.
 */
#include "build-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "executors/ssh/ssh_internal.h"

static char *orphans_path(struct ssh_exec *ex)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s/ssh-", ex->state_dir);
	/* the executor's name as a file name: bytes other than letters,
	 * digits, '-' and '_' as %XX (a name of sluice.yaml may hold any) */
	for (const unsigned char *p = (const unsigned char *)ex->name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')
			buf_addc(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	buf_adds(&b, ".orphans");
	return buf_steal(&b);
}

static void orphans_add_line(struct buf *b, const struct ssh_host *h,
			     const struct ssh_orphan *o)
{
	buf_printf(b, "%s\t%ld\t%s\t%s\n", h->label, o->pgid,
		   o->start[0] ? o->start : "-", o->id[0] ? o->id : "-");
}

/* Write the orphans of every host (those waiting for their host and
 * those whose kill is under way) to the file. A failed write is logged:
 * the orphans are still stopped if this scheduler lives on. */
void ssh_orphans_save(struct ssh_exec *ex)
{
	struct buf b;
	struct sl_err err;
	char *path;

	if (ex->state_dir == NULL || ex->destroying)
		return;
	buf_init(&b, 0);
	for (int i = 0; i < ex->nhosts; i++) {
		const struct ssh_host *h = &ex->hosts[i];

		for (const struct ssh_orphan *o = h->orphans; o; o = o->next)
			orphans_add_line(&b, h, o);
		for (const struct ssh_orphan *o = h->killing; o; o = o->next)
			orphans_add_line(&b, h, o);
	}
	path = orphans_path(ex);
	sl_err_clear(&err);
	if (sl_write_file(path, b.data ? b.data : "", b.len, 0600, &err) < 0)
		log_emit(LOG_LEVEL_WARN, NULL, "ssh executor %s: cannot keep "
			 "the commands to stop on hosts that did not answer: "
			 "%s", ex->name, err.msg);
	free(path);
	buf_free(&b);
}

/* At create: the orphans a previous scheduler left, each back with its
 * host (connecting to it as soon as the loop runs). A line naming a host
 * no longer configured is dropped, with a word in the log. */
int ssh_orphans_load(struct ssh_exec *ex, char *err, size_t errlen)
{
	struct sl_err e;
	char *path, *text = NULL, *line, *save = NULL;
	size_t len;
	int n = 0;

	if (ex->state_dir == NULL)
		return 0;
	path = orphans_path(ex);
	sl_err_clear(&e);
	if (sl_read_file(path, 1 << 20, &text, &len, &e) < 0) {
		int missing = errno == ENOENT;

		if (!missing)
			snprintf(err, errlen, "ssh executor %s: %s", ex->name,
				 e.msg);
		free(path);
		return missing ? 0 : -1;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char label[256], start[32], id[64];
		long pgid;
		int i;

		if (sscanf(line, "%255[^\t]\t%ld\t%31[^\t]\t%63s", label, &pgid,
			   start, id) != 4)
			continue;
		for (i = 0; i < ex->nhosts; i++)
			if (strcmp(ex->hosts[i].label, label) == 0)
				break;
		if (i == ex->nhosts) {
			log_emit(LOG_LEVEL_WARN, NULL, "ssh executor %s: %s is "
				 "no longer one of its hosts: what was left of "
				 "a try there is not stopped", ex->name, label);
			continue;
		}
		ssh_conn_add_orphan(&ex->hosts[i], pgid,
				    strcmp(start, "-") ? start : "",
				    strcmp(id, "-") ? id : "", 0, 0);
		n++;
	}
	for (int i = 0; i < ex->nhosts; i++) {
		/* connect to their hosts once the loop runs (conn.c) */
		struct timeval now = { 0, 0 };

		if (ex->hosts[i].orphans != NULL)
			event_add(ex->hosts[i].conn.ev_orphans, &now);
	}
	if (n > 0)
		log_emit(LOG_LEVEL_INFO, NULL, "ssh executor %s: %d "
			 "command(s) left by the last scheduler on hosts that "
			 "did not answer are stopped when their host answers",
			 ex->name, n);
	free(text);
	free(path);
	ssh_orphans_save(ex);
	return 0;
}
