/*
 * ssh.h: the ssh executor (executors/ssh/), which runs tries on remote
 * hosts over SSH (libssh2, non-blocking, on the scheduler's event loop).
 * Its config keys are the table below (sluice.yaml(5) prints it);
 * executors/EXECUTORS.md says more of each.
 */
#ifndef SLUICE_EXEC_SSH_H
#define SLUICE_EXEC_SSH_H

#include <stdio.h>

#include "executors/executor.h"
#include "base/util.h"

/* The "ssh" executor type. */
extern const struct sl_executor_ops exec_ssh_ops;

/* A key of an ssh executor's entry in sluice.yaml: what the config check
 * accepts and what the man page lists. */
struct exec_ssh_key {
	const char *name;
	const char *type;	/* as the page shows it */
	const char *def;	/* the default, as text; NULL: none */
	const char *doc;
};
/* Every key (type included); ends with {NULL}. */
extern const struct exec_ssh_key exec_ssh_keys[];

/*
 * `sluice executors check NAME` for an ssh executor: connect to every host
 * of the config entry (a JSON object text), verify its host key, log in,
 * run a trivial command and look for sluice_path there; one line per host
 * on out. Blocks (runs its own event loop) for at most about
 * connect_timeout + 10 s. Returns 0 when every host passed, else -1 with a
 * summary in err.
 */
int exec_ssh_check(const char *config_json, FILE *out, struct sl_err *err);

#endif
