/* sup_status.c: the try's status file, written by sluice-try. */
#include "executors/supervisor/supervisor.h"
#include "executors/out_log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The status file. Lines of NAME=VALUE:
 *   state=running|ended, pid=, start= (the supervisor's start time in
 *   clock ticks since boot), started_ms= (wall clock), grace_ms= (the
 *   kill grace it was given), cgroup= (when the
 *   try has one), serial= (a try of the shared supervisor: pid and start
 *   are the server's, which serves other tries too; a kill request names
 *   the try by this serial); once ended also ended_ms=, exit_code=, signal=,
 *   log_dropped= (bytes dropped by the cap) and error= (when the command
 *   could not run or its log could not be written; log_error=1 says it
 *   is the log's).
 * Written in place into STATUS.tmp while running; at the end the final
 * text goes to STATUS.tmp, which is synced and renamed to STATUS (a
 * served try's: renamed, then synced by the server's sync thread).
 */
int
sup_status_write(struct sup *s, int ended)
{
	char text[8192];
	size_t n = 0;

#define STATUS_ADD(...) do { \
		int k_ = snprintf(text + n, sizeof text - n, __VA_ARGS__); \
		if (k_ > 0) \
			n = n + (size_t)k_ < sizeof text ? n + (size_t)k_ : sizeof text - 1; \
	} while (0)
	STATUS_ADD("state=%s\npid=%d\nstart=%llu\nstarted_ms=%lld\ngrace_ms=%lld\n",
		   ended ? "ended" : "running", (int)getpid(), s->self_start,
		   s->started_ms, s->grace_ms);
	if (s->cgroup[0] != '\0')
		STATUS_ADD("cgroup=%s\n", s->cgroup);
	if (s->serial != 0)
		STATUS_ADD("serial=%llu\n", s->serial);
	if (ended) {
		int code = -1, sig = 0;

		if (s->child_done && WIFEXITED(s->child_status))
			code = WEXITSTATUS(s->child_status);
		else if (s->child_done && WIFSIGNALED(s->child_status)) {
			sig = WTERMSIG(s->child_status);
			code = 128 + sig;
		}
		STATUS_ADD("ended_ms=%lld\nexit_code=%d\nsignal=%d\nlog_dropped=%lld\n",
			   sup_io_clock_ms(CLOCK_REALTIME), code, sig,
			   s->log.dropped);
		if (s->error[0] != '\0')
			STATUS_ADD("error=%s\n", s->error);
		/* the error is the log's: the command ran, its exit stands */
		if (s->log.err != 0)
			STATUS_ADD("log_error=1\n");
	}
#undef STATUS_ADD
	/* the running record is not truncated: the space the executor
	 * reserved stays reserved (zeros after the text) for the final
	 * one, so a disk that fills meanwhile cannot lose it */
	if (out_log_pwrite_all(s->status_fd, text, n, 0) < 0)
		return -1;
	if (ended && ftruncate(s->status_fd, (off_t)n) < 0)
		return -1;
	if (!ended)
		return 0;
	/* served tries: the rename is in place before the end is
	 * reported (a scheduler killed meanwhile finds it); the file and
	 * its folder are synced by the server's sync thread right after
	 * (sup_sync.c). A per-try supervisor syncs both before it exits. */
	if (s->served)
		return rename(s->status_tmp, s->status_path);
	if (fdatasync(s->status_fd) < 0 ||
	    rename(s->status_tmp, s->status_path) < 0)
		return -1;
	sup_status_sync_dir(s->status_path);
	return 0;
}

/* The rename of a status file is durable once its folder is synced. */
void
sup_status_sync_dir(const char *status_path)
{
	char dir[PATH_MAX];
	char *slash;
	int dfd;

	snprintf(dir, sizeof dir, "%s", status_path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
}
