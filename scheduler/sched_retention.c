/*
 * sched_retention.c: automatic retention (`retention: {runs: AGE, logs:
 * AGE}` in sluice.yaml). Ten seconds after the start and then hourly the
 * scheduler runs `sluice db clean --keep AGE` (and `--logs-only --keep
 * AGE`) as a child process, its output appended to LOGS/retention.log.
 * The child deletes in transactions of about 20 ms, so the scheduler's own
 * commits go on between them; the loop never waits on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/spawn.h"
#include "scheduler/config.h"
#include "scheduler/sched_internal.h"

#define RETENTION_FIRST_MS (10 * 1000)
#define RETENTION_EVERY_MS (3600 * 1000)

/* Is the previous clean still running (its pid still among the helpers
 * the SIGCHLD handler has not reaped)? */
static int
retention_busy(const struct sched *s)
{
	if (s->retention_pid == 0)
		return 0;
	for (int i = 0; i < s->nhelpers; i++)
		if (s->helpers[i].pid == s->retention_pid)
			return 1;
	return 0;
}

static void
retention_spawn(struct sched *s, const char *flag, int64_t keep_ms)
{
	char keep[32], *log = xasprintf("%s/retention.log", s->cfg->logs_dir);
	char *argv[10];
	struct spawn_opts o;
	struct sl_err err;
	int n = 0;
	pid_t pid;

	snprintf(keep, sizeof keep, "%llds", (long long)(keep_ms / 1000));
	argv[n++] = s->self_exe;
	argv[n++] = "--home";
	argv[n++] = s->cfg->home;
	argv[n++] = "db";
	argv[n++] = "clean";
	argv[n++] = "--keep";
	argv[n++] = keep;
	if (flag != NULL)
		argv[n++] = (char *)flag;
	argv[n++] = "--yes";	/* no terminal to ask on */
	argv[n] = NULL;
	memset(&o, 0, sizeof o);
	o.argv = argv;
	o.in = SPAWN_STDIN_NULL;
	o.out_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	sl_err_clear(&err);
	if (spawn_start(&o, &pid, &err) == 0) {
		SL_GROW(s->helpers, s->caphelpers, s->nhelpers + 1);
		s->helpers[s->nhelpers++] = (struct sched_helper){ .pid = pid };
		s->retention_pid = pid;
		sched_log("retention: db clean --keep %s%s%s --yes (pid %d, output in %s)",
			  keep, flag ? " " : "", flag ? flag : "", (int)pid, log);
	} else
		sched_log("retention: cannot start db clean: %s", err.msg);
	if (o.out_fd >= 0)
		close(o.out_fd);
	free(log);
}

static void
retention_fire(struct sched *s, struct sched_timer *t)
{
	sched_timer_set(s, t, sched_mono(s) + RETENTION_EVERY_MS, retention_fire);
	if (retention_busy(s)) {
		sched_log("retention: the previous db clean still runs; skipped");
		return;
	}
	/* runs first; the log-only pass is the next hour's when both are set
	 * (one clean at a time) */
	if (s->cfg->retention_runs_ms > 0 &&
	    (s->cfg->retention_logs_ms <= 0 || !s->retention_logs_turn))
		retention_spawn(s, NULL, s->cfg->retention_runs_ms);
	else if (s->cfg->retention_logs_ms > 0)
		retention_spawn(s, "--logs-only", s->cfg->retention_logs_ms);
	s->retention_logs_turn = !s->retention_logs_turn;
}

void
sched_retention_start(struct sched *s)
{
	if (s->cfg->retention_runs_ms <= 0 && s->cfg->retention_logs_ms <= 0)
		return;
	sched_timer_set(s, &s->retention_timer,
			sched_mono(s) + RETENTION_FIRST_MS, retention_fire);
}
