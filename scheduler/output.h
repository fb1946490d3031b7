/*
 * output.h: a task's output, what a try writes to the file named by
 * $SLUICE_OUTPUT: `key=value` lines or one JSON object, at most
 * OUTPUT_MAX bytes. The scheduler stores it with the task instance; the
 * templates of downstream tasks read it as {{ tasks.NAME.output.KEY }}
 * (template.h); `branch: true` tasks name the downstream tasks to run
 * under the key `branch` (docs/DAGS.md, Task outputs).
 */
#ifndef SLUICE_OUTPUT_H
#define SLUICE_OUTPUT_H

#include <jansson.h>
#include <stddef.h>

#include "base/util.h"

#define OUTPUT_MAX (64 * 1024)

/*
 * Parse an output's text (len bytes): a JSON object when its first
 * non-blank byte is '{', else `key=value` lines (blank lines and lines
 * starting with '#' ignored; a key is letters, digits, '_', '-', '.';
 * the value is the rest of the line, as written; a later key wins).
 * Returns a new object, or NULL with err saying which line is wrong.
 */
json_t *output_parse(const char *text, size_t len, struct sl_err *err);
/*
 * Read and parse the output file at path: 0 with *out NULL when there is
 * no file or it is empty, 0 with a new object, or -1 with err (too big,
 * unreadable, malformed).
 */
int output_read(const char *path, json_t **out, struct sl_err *err);
/* Is name a valid output key? */
int output_key_ok(const char *name, size_t len);

#endif
