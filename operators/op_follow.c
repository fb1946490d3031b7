/*
 * op_follow.c: the poll loop of operators that follow a remote job. The loop never blocks a scheduler: it runs in the try's
 * own process (`sluice operator TYPE`), sleeping in op_stop_wait_ms, which
 * a SIGTERM cuts short. Log lines go through op_log.
 */
#include "operators/op_follow.h"

#include <stdio.h>

#include "base/util.h"
#include "operators/op_external.h"
#include "operators/op_log.h"
#include "operators/op_stop.h"

/* Looks after a stop before the try gives up on seeing a final state. */
#define FOLLOW_LOOKS_AFTER_STOP 6
/* Their interval, at most. */
#define FOLLOW_STOP_POLL_MS 2000

int
op_follow_run(const struct op_follow *f)
{
	int stopped = 0;

	for (;;) {
		enum op_follow_state st = f->look(f->arg);

		if (st == OP_FOLLOW_SUCCEEDED || st == OP_FOLLOW_FAILED ||
		    (st == OP_FOLLOW_ERROR && stopped))
			op_external_ended(f->external);
		if (st == OP_FOLLOW_SUCCEEDED)
			return stopped ? 1 : 0;
		if (st == OP_FOLLOW_FAILED || st == OP_FOLLOW_ERROR)
			return 1;
		if (stopped) {
			if (stopped++ >= FOLLOW_LOOKS_AFTER_STOP) {
				op_log("stopped; no final state yet");
				op_external_ended(f->external);
				return 1;
			}
			op_stop_wait_ms(SL_MIN(f->poll_ms, FOLLOW_STOP_POLL_MS));
			continue;
		}
		if (op_stop_wait_ms(f->poll_ms)) {
			f->stop(f->arg);
			stopped = 1;
			op_stop_reset();	/* let the last looks sleep */
		}
	}
}
