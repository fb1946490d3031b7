/* unit_try.c: the try model's names (log folders of partition keys). */
#include <stdlib.h>

#include "scheduler/try.h"
#include "tests/unit.h"

/* Keys that must map to distinct folders, and what they become. */
static const struct {
	const char *key, *dir;
} dirs[] = {
	{ "2024-01-01T05:00:00+00:00", "2024-01-01T05:00:00+00:00" },
	{ "2024-01-01T05:00:00-05:00", "2024-01-01T05:00:00-05:00" },
	{ "manual_run.1", "manual_run.1" },
	{ "a/b", "a%2Fb" },
	{ "a_b", "a_b" },
	{ "a%2Fb", "a%252Fb" },
	{ "a\\b", "a%5Cb" },
	{ ".", "%2E" },
	{ "..", "%2E." },
	{ "../../etc", "%2E.%2F..%2Fetc" },
	{ "x\ny", "x%0Ay" },
	{ "", "%00" },
};

static void
test_partition_dirs(void)
{
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char *d = try_partition_dir(dirs[i].key);

		CHECK_EQ_STR(dirs[i].dir, d);
		free(d);
	}
}

/* No two keys of the table share a folder. */
static void
test_partition_dirs_injective(void)
{
	size_t n = sizeof dirs / sizeof dirs[0];

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			char *a = try_partition_dir(dirs[i].key);
			char *b = try_partition_dir(dirs[j].key);

			CHECK(strcmp(a, b) != 0);
			free(a);
			free(b);
		}
}

static void
test_log_path(void)
{
	char *p = try_log_path("/h/logs", "hello", "a/b", "load", 3);

	CHECK_EQ_STR("/h/logs/hello/a%2Fb/load/try-3.log", p);
	free(p);
}

int
main(void)
{
	RUN(test_partition_dirs);
	RUN(test_partition_dirs_injective);
	RUN(test_log_path);
	return UNIT_END();
}
