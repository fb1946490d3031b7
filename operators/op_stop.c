/*
 * op_stop.c: the stop request of a long-running operator's try (a SIGTERM
 * from the scheduler) and the interruptible wait between polls.
 */
#include "operators/op_stop.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t op_stop_flag;

static void op_stop_on_signal(int sig)
{
	(void)sig;
	op_stop_flag = 1;
}

void op_stop_catch(int also_sigint)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = op_stop_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	if (also_sigint)
		sigaction(SIGINT, &sa, NULL);
}

int op_stop_requested(void)
{
	return op_stop_flag;
}

void op_stop_reset(void)
{
	op_stop_flag = 0;
}

int op_stop_wait_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (!op_stop_flag && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return op_stop_flag;
}
