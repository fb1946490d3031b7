/*
 * fuzz_output.c: libFuzzer target for output_parse (what a try writes to
 * $SLUICE_OUTPUT): whatever the bytes, it returns an object whose keys
 * are valid output keys, or NULL with a message. Not built by default.
 * From the source tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. tests/fuzz/fuzz_output.c scheduler/output.c base/util.c -ljansson -o /tmp/fuzz_output && /tmp/fuzz_output -max_total_time=60
 */
#include "scheduler/output.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_err err;
	json_t *out, *v;
	const char *k;

	if (size > OUTPUT_MAX)
		return 0;
	out = output_parse((const char *)data, size, &err);
	if (out == NULL) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (!json_is_object(out))
		abort();
	json_object_foreach(out, k, v)
		if (!output_key_ok(k, strlen(k)) || v == NULL)
			abort();
	json_decref(out);
	return 0;
}
