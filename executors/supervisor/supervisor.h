/*
 * supervisor.h: the parts of sluice-try (see supervisor.c for what it
 * does and how it is called): the capped log writer (executors/out_log.c), the
 * try's process tree and cgroup (sup_tree.c), the status file
 * (sup_status.c), small I/O helpers (sup_io.c), secret masking
 * (sup_mask.c over executors/out_mask.c). libc only.
 */
#ifndef SLUICE_SUPERVISOR_H
#define SLUICE_SUPERVISOR_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "executors/out_log.h"
#include "executors/out_mask.h"

#define SUP_COPY_BUF (64 * 1024)

struct sup {
	const char *status_path;
	char status_tmp[PATH_MAX];
	int status_fd;
	long long grace_ms;
	int keep_children;
	const char *key;
	char cgroup[PATH_MAX];	/* the try's cgroup, "" without one */
	char cgroup_procs[PATH_MAX + 16];
	unsigned long long self_start;
	long long started_ms;

	pid_t child;
	int child_done;
	int child_status;
	char error[512];

	struct out_log log;
	struct out_mask mask;	/* secret values masked in the output */

	int served;			/* one of the server's tries */
	unsigned long long serial;	/* its serial (status file, ends) */
};

/* A try served by the shared supervisor (sup_serve.c). */
struct sup_served {
	struct sup s;
	const char *prog;
	char **argv, **env;	/* into blob */
	char *blob;
	int out;		/* the command's output pipe, -1 once closed */
	int kill_requested, stopping, kill_rounds;
	int recorded;		/* its final record is in place */
	long long deadline;	/* monotonic ms, -1 for none */
	int pfd;		/* its slot in the server's poll set, or -1 */
	struct sup_served *next;
};
/* The descriptors of a served try's request, by index (-1: none). */
enum { SUP_SERVE_LOG, SUP_SERVE_STATUS, SUP_SERVE_STDIN, SUP_SERVE_CWD,
       SUP_SERVE_SECRETS, SUP_SERVE_NFDS };

/* supervisor.c: one try, from its command line (never returns). */
int sup_main(int argc, char **argv);

/* sup_serve.c: a served try's life: start (NULL only when the request
 * is malformed or memory is short; a command that cannot start is a try
 * that ends at once), output, a kill request (now: SIGKILL at once), the
 * rules of each turn (1 when over), the end (its status file written
 * and renamed into place, handed to the sync thread), the report on the
 * ends pipe (frees it). */
struct sup_served *sup_serve_start(char **argv, int argc, char **env,
				   const int *fds, unsigned long long serial,
				   unsigned long long self_start);
void sup_serve_output(struct sup_served *ss, char *buf, size_t n);
void sup_serve_kill(struct sup_served *ss, int now);
int sup_serve_step(struct sup_served *ss, const pid_t *live, size_t nlive);
void sup_serve_finish(struct sup_served *ss, char *buf, size_t n);
void sup_serve_report(struct sup_served *ss, int ends);

/* sup_server.c: the shared supervisor (`sluice-try --server`), and main(). The
 * wire format between it and the local executor: */
#define SUP_SERVER_MAGIC 0x736c7471u
/* Kill requests to a server, by serial in the signal's value: real-time
 * signals, which queue (two SIGUSR1 sent at once arrive as one, and the
 * second try's request was lost). SIGUSR1 and SIGUSR2 still mean the
 * same, for a scheduler that adopts a try from an older server. */
#define SUP_SIG_TERM_TRY (SIGRTMIN + 1)
#define SUP_SIG_KILL_TRY (SIGRTMIN + 2)
struct sup_server_req {		/* then len bytes: argv then env strings */
	unsigned int magic;
	unsigned int len;
	unsigned int argc;
	unsigned int envc;
	unsigned int fds;	/* SUP_FD_* of the fds attached, in order:
				 * log, status, stdin, cwd, secrets */
};
#define SUP_FD_STDIN 1u
#define SUP_FD_CWD 2u
#define SUP_FD_SECRETS 4u
struct sup_server_reply {	/* a pidfd attached when there is one */
	int err;		/* errno of a failed fork, else 0 */
	int pid;
	unsigned long long serial;
};
struct sup_server_end {		/* one per reaped try, on the ends pipe */
	unsigned long long serial;
	int pid;
	int status;		/* as waitpid says */
	int flags;		/* SUP_END_* */
	int unused;
};
/* The try's final record (in place) says no more than status: the
 * command ran and ended, no error; the executor need not read it. */
#define SUP_END_PLAIN 1
/* The supervisor's descriptor of the secret values to mask in the log
 * (-S): NUL-separated values. */
#define SUP_SECRETS_FD 4

/* sup_io.c: the clock, and one read of a small file (whole writes:
 * executors/out_log.h). */
long long sup_io_clock_ms(clockid_t id);
ssize_t sup_io_read_small(const char *path, char *buf, size_t n);

/* sup_mask.c: load the values (-S), mask a chunk on its way to the log,
 * flush what was held back at the end. */
int sup_mask_load(struct out_mask *m, int fd);
void sup_mask_out(struct out_mask *m, struct out_log *l, const char *p, size_t n);
void sup_mask_flush(struct out_mask *m, struct out_log *l);

/* sup_tree.c: the try's processes. */
unsigned long long sup_tree_proc_start(pid_t pid, pid_t *ppid);
int sup_tree_signal(struct sup *s, int sig, int walk);
int sup_tree_owned(const struct sup *s, pid_t pid);
int sup_tree_leftovers(const struct sup *s, const pid_t *live, size_t nlive);
void sup_tree_cgroup_make(struct sup *s, const char *dir);
int sup_tree_cgroup_join(const struct sup *s);
int sup_tree_cgroup_populated(const struct sup *s);
void sup_tree_cgroup_remove(struct sup *s);

/* sup_status.c: the running record (ended = 0) or the final one, synced
 * and renamed into place (ended = 1). 0 or -1 with errno. */
int sup_status_write(struct sup *s, int ended);
void sup_status_sync_dir(const char *status_path);

/* sup_sync.c: the shared supervisor's sync thread: a served try's
 * renamed status file (fd taken) and its folder made durable off the
 * server's loop; stop syncs what is queued. */
int sup_sync_start(void);
void sup_sync_add(int fd, const char *status_path);
void sup_sync_stop(void);

#endif
