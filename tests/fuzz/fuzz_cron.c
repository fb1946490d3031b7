/*
 * fuzz_cron.c: libFuzzer target for cron_parse, then cron_next/cron_prev
 * on what parsed. Not built by default. From the source tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. tests/fuzz/fuzz_cron.c scheduler/cron.c scheduler/tz.c base/util.c base/text.c -o /tmp/fuzz_cron && /tmp/fuzz_cron -max_total_time=60
 *
 * The input is the expression; its bytes also pick the zone and the
 * instant, so the search runs over DST days, far years and range edges.
 */
#include "scheduler/cron.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const zones[] = {
		"UTC", "America/New_York", "Australia/Lord_Howe",
		"Pacific/Apia",
	};
	static struct tz *tz[4];
	struct cron *c;
	char *expr;
	uint64_t h = 1469598103934665603ULL;
	int64_t t, n, p;
	size_t i;

	if (tz[0] == NULL)
		for (i = 0; i < 4; i++)
			if (tz_load(zones[i], &tz[i], NULL) < 0)
				abort();
	expr = malloc(size + 1);
	if (expr == NULL)
		return 0;
	memcpy(expr, data, size);
	expr[size] = '\0';
	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ULL;
	if (cron_parse(expr, &c, NULL) == 0) {
		const struct tz *z = tz[h % 4];

		/* mostly 1900..2100, sometimes the supported range's edges */
		t = (int64_t)(h >> 8) % INT64_C(6311390400) - INT64_C(2208988800);
		if ((h & 0xf0) == 0)
			t = (h & 1) ? TZ_T_MAX - (int64_t)(h >> 40)
				: TZ_T_MIN + (int64_t)(h >> 40);
		n = cron_next(c, z, t);
		p = cron_prev(c, z, t);
		if ((n != -1 && n <= t) || (p != -1 && p > t))
			abort();
		if (n != -1 && cron_prev(c, z, n) != n)
			abort();
		if (p != -1 && cron_next(c, z, p) <= t && cron_next(c, z, p) != -1)
			abort();
		cron_free(c);
	}
	free(expr);
	return 0;
}
