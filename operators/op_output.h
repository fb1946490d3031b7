/*
 * op_output.h: a try's outputs (issue 15's task outputs): one JSON object
 * written to the file named by $SLUICE_OUTPUT, at most OP_OUTPUT_LIMIT
 * bytes. Where the environment names no such file (the scheduler passes
 * none yet), nothing is written and the caller's log line is the only
 * record.
 */
#ifndef SLUICE_OP_OUTPUT_H
#define SLUICE_OP_OUTPUT_H

#include <jansson.h>

#define OP_OUTPUT_LIMIT (64u << 10)

/* Write obj (borrowed) as the try's output. Returns 1 when written, 0 when
 * there is nowhere to write it, -1 when it could not be (too large, I/O;
 * said on stderr). */
int op_output_write(const json_t *obj);

#endif
