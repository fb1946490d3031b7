/*
 * spawn.h: the one way sluice starts a child process outside an executor
 * (on_success / on_failure hooks, the email sender, `sluice test`).
 *
 * Standard input is the given bytes through a memfd (never a file under
 * /tmp: a spec can hold passwords), /dev/null, or this process's own.
 * Never waits for the child: the caller reaps it.
 */
#ifndef SLUICE_SPAWN_H
#define SLUICE_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"

enum spawn_stdin {
	SPAWN_STDIN_INHERIT,	/* this process's stdin */
	SPAWN_STDIN_NULL,	/* /dev/null */
	SPAWN_STDIN_DATA,	/* data/len, through a memfd */
};

struct spawn_opts {
	char *const *argv;	/* argv[0] is looked up in env's PATH
				 * without a '/' (spawn_find_program) */
	char *const *env;	/* NULL: this process's environment */
	const char *cwd;	/* NULL: this process's */
	enum spawn_stdin in;
	const char *data;	/* with SPAWN_STDIN_DATA */
	size_t len;
	int out_fd;		/* stdout and stderr go here; -1: inherit */
	int err_fd;		/* stderr goes here instead (0 or -1: as
				 * out_fd says) */
	int own_pgroup;		/* its own process group (killed as one) */
};

/* Where argv0 is, as execvp would find it in the PATH of env (NULL: this
 * process's environment; no PATH: /bin:/usr/bin): its path in out (argv0
 * itself when it has a '/'), 0; or the error number when it is nowhere.
 * The PATH of the child's own environment, as a shell started with env
 * would search it: a task's env may set one. */
int spawn_find_program(const char *argv0, char *const *env, char *out,
		       size_t n);

/* Start the child; *pid gets its id. -1 with err when it cannot start. */
int spawn_start(const struct spawn_opts *o, pid_t *pid, struct sl_err *err);

#endif
