/*
 * local_status.h: what the local executor learns about a try from outside
 * its processes: the record its supervisor (sluice-try) keeps in the
 * status file, whether that supervisor is still the same live process, and
 * how to end whatever is left of a try whose supervisor is gone. Used for
 * tries this scheduler started and for tries it adopted.
 */
#ifndef SLUICE_LOCAL_STATUS_H
#define SLUICE_LOCAL_STATUS_H

#include <stdint.h>

struct local_status {
	int ended;			/* state=ended: the result is final */
	int pid;			/* the supervisor */
	unsigned long long serial;	/* a shared supervisor's try, else 0 */
	unsigned long long start;	/* its start time, clock ticks */
	int64_t started_ms, ended_ms;	/* wall clock */
	int64_t grace_ms;		/* the kill grace it was given */
	int exit_code;
	int signal;
	long long log_dropped;
	char cgroup[4096];		/* "" without one */
	char error[600];		/* "" without one */
	int log_error;			/* error is the log's: the command ran
					 * and ended, its log could not be
					 * written (log_error=1) */
};

/* Read STATUS (the final record) or, when it is missing, STATUS.tmp (the
 * running record). Returns 0, or -1 when there is neither (or no record
 * in them: a supervisor killed before it wrote one). */
int local_status_read(const char *path, struct local_status *st);

/* The start time of a process (clock ticks since boot), 0 if gone. */
unsigned long long local_status_proc_start(int pid);

/* Is the supervisor of st still running: the same pid with the same start
 * time (a pid reused by another process does not count), not a zombie? */
int local_status_alive(const struct local_status *st);
int local_status_pid_alive(int pid, unsigned long long start);

/* End what is left of a try: SIGKILL to its cgroup (when it has one), to
 * every process whose environment carries NAME=KEY (entry), and to their
 * process groups. Best effort. */
void local_status_kill_tree(const char *entry, const char *cgroup);

/* Forget a try's status: remove STATUS and STATUS.tmp. */
void local_status_remove(const char *path);

#endif
