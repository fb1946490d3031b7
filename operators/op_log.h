/* op_log.h: one line of a try's log from an operator's process (stdout,
 * flushed at once, so the line is in the log before the next call that
 * may block or be killed). */
#ifndef SLUICE_OP_LOG_H
#define SLUICE_OP_LOG_H

void op_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
