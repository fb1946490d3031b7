/*
 * ssh.h: the ssh executor (executors/ssh/), which runs tries on remote
 * hosts over SSH (libssh2, non-blocking, on the scheduler's event loop).
 * Its config keys are documented in executors/EXECUTORS.md.
 */
#ifndef SLUICE_EXEC_SSH_H
#define SLUICE_EXEC_SSH_H

#include <stdio.h>

#include "executors/executor.h"
#include "base/util.h"

/* The "ssh" executor type. */
extern const struct sl_executor_ops exec_ssh_ops;

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
