/*
 * local_status.c: a try seen from outside its processes (see
 * local_status.h): the supervisor's status record, /proc, and the last
 * resort kill of a try whose supervisor is gone.
 */
#include "executors/local_status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/util.h"

/* The biggest status record read (the supervisor writes under 8 KB). */
#define STATUS_MAX 16384

/* Read up to n - 1 bytes of a file, NUL-terminated; -1 if it cannot be
 * opened. The record ends at the first NUL (the running record is
 * followed by the zeros of the space reserved for the final one). */
static int
status_slurp(const char *path, char *buf, size_t n)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len + 1 < n) {
		ssize_t r = read(fd, buf + len, n - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return 0;
}

static void
status_parse(char *text, struct local_status *st)
{
	char *line = text, *next;

	for (; line != NULL && *line != '\0'; line = next) {
		char *eq;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "state") == 0)
			st->ended = strcmp(eq, "ended") == 0;
		else if (strcmp(line, "pid") == 0)
			st->pid = atoi(eq);
		else if (strcmp(line, "serial") == 0)
			st->serial = strtoull(eq, NULL, 10);
		else if (strcmp(line, "start") == 0)
			st->start = strtoull(eq, NULL, 10);
		else if (strcmp(line, "started_ms") == 0)
			st->started_ms = strtoll(eq, NULL, 10);
		else if (strcmp(line, "ended_ms") == 0)
			st->ended_ms = strtoll(eq, NULL, 10);
		else if (strcmp(line, "grace_ms") == 0)
			st->grace_ms = strtoll(eq, NULL, 10);
		else if (strcmp(line, "exit_code") == 0)
			st->exit_code = atoi(eq);
		else if (strcmp(line, "signal") == 0)
			st->signal = atoi(eq);
		else if (strcmp(line, "log_dropped") == 0)
			st->log_dropped = strtoll(eq, NULL, 10);
		else if (strcmp(line, "cgroup") == 0)
			snprintf(st->cgroup, sizeof st->cgroup, "%s", eq);
		else if (strcmp(line, "error") == 0)
			snprintf(st->error, sizeof st->error, "%s", eq);
		else if (strcmp(line, "log_error") == 0)
			st->log_error = atoi(eq) != 0;
	}
}

int
local_status_read(const char *path, struct local_status *st)
{
	char *text = xmalloc(STATUS_MAX), tmp[4200];
	int rc;

	memset(st, 0, sizeof *st);
	st->exit_code = -1;
	rc = status_slurp(path, text, STATUS_MAX);
	if (rc < 0) {
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		rc = status_slurp(tmp, text, STATUS_MAX);
	}
	if (rc == 0)
		status_parse(text, st);
	free(text);
	return rc == 0 && st->pid > 0 ? 0 : -1;
}

/* The start time and the state letter of a process; 0 if gone. */
static unsigned long long
proc_stat(int pid, char *state)
{
	char path[64], stat[512];
	unsigned long long start = 0;
	FILE *f;

	*state = '?';
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(stat, sizeof stat, f) != NULL) {
		char *p = strrchr(stat, ')');

		if (p != NULL)
			sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			       state, &start);
	}
	fclose(f);
	return start;
}

unsigned long long
local_status_proc_start(int pid)
{
	char state;

	return proc_stat(pid, &state);
}

int
local_status_pid_alive(int pid, unsigned long long start)
{
	char state;

	/* a zombie has ended (its parent, init once the scheduler that
	 * started it is gone, has not reaped it yet) */
	return pid > 0 && start != 0 && proc_stat(pid, &state) == start &&
	    state != 'Z' && state != 'X';
}

int
local_status_alive(const struct local_status *st)
{
	return local_status_pid_alive(st->pid, st->start);
}

/* Does process `pid` have `entry` ("NAME=VALUE") in its environment? */
static int
proc_has_env(const char *pid, const char *entry)
{
	char path[300], *env;
	size_t len = strlen(entry), n;
	int found = 0;

	snprintf(path, sizeof path, "/proc/%s/environ", pid);
	/* the kernel caps argv + environ at a quarter of the stack limit */
	if (sl_read_file(path, 64u * 1024 * 1024, &env, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n && !found; i += strlen(env + i) + 1)
		found = strncmp(env + i, entry, len) == 0 && env[i + len] == '\0';
	free(env);
	return found;
}

/* Wait (at most limit_ms) until a killed cgroup has no process left:
 * cgroup.events says "populated 0", and signals each change by POLLPRI.
 * Only the recovery paths come here, rarely. */
static void
cgroup_wait_empty(const char *cgroup, int limit_ms)
{
	char path[4200], text[256];
	int64_t end = sl_mono_ms() + limit_ms;
	int fd;

	snprintf(path, sizeof path, "%s/cgroup.events", cgroup);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (;;) {
		ssize_t n = pread(fd, text, sizeof text - 1, 0);
		struct pollfd p = { fd, POLLPRI, 0 };
		int64_t left = end - sl_mono_ms();

		if (n <= 0)
			break;
		text[n] = '\0';
		if (strstr(text, "populated 0") != NULL || left <= 0)
			break;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
	}
	close(fd);
}

void
local_status_kill_tree(const char *entry, const char *cgroup)
{
	DIR *d;
	struct dirent *e;
	pid_t self = getpid(), own_group = getpgrp();

	if (cgroup != NULL && *cgroup != '\0') {
		char path[4200];
		int fd;

		snprintf(path, sizeof path, "%s/cgroup.kill", cgroup);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, "1", 1);
			close(fd);
		}
	}
	/* every process that still carries the try's key, and its process
	 * group (children that dropped the variable) */
	d = opendir("/proc");
	while (d != NULL && (e = readdir(d)) != NULL) {
		pid_t pid, g;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(e->d_name);
		if (pid == self || !proc_has_env(e->d_name, entry))
			continue;
		g = getpgid(pid);
		if (g > 1 && g != own_group)
			kill(-g, SIGKILL);
		kill(pid, SIGKILL);
	}
	if (d != NULL)
		closedir(d);
	/* the killed group empties as its processes exit: then it goes */
	if (cgroup != NULL && *cgroup != '\0') {
		cgroup_wait_empty(cgroup, 1000);
		rmdir(cgroup);
	}
}

void
local_status_remove(const char *path)
{
	char tmp[4200];

	unlink(path);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	unlink(tmp);
}
