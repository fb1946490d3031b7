/*
 * op_stop.h: stopping a long-running operator's try (crawler, cluster_job).
 * A try runs in its own child process; the scheduler stops it with SIGTERM
 * (timeout, clear, shutdown). The operator catches the signal, notices it
 * between polls, cancels its remote work and exits.
 */
#ifndef SLUICE_OP_STOP_H
#define SLUICE_OP_STOP_H

#include <stdint.h>

/* Catch SIGTERM (and SIGINT when also_sigint) as a stop request. */
void op_stop_catch(int also_sigint);
/* Has a stop been requested (since the last op_stop_reset)? */
int op_stop_requested(void);
/* Forget the request, so the cleanup that follows can still wait. */
void op_stop_reset(void);
/* Sleep ms milliseconds; returns 1 at once, or early, on a stop request. */
int op_stop_wait_ms(int64_t ms);

#endif
