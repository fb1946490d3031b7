/* unit_try.c: the try model's names (log folders of partition keys) and
 * the line a failed try's recorded error quotes from its log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/text.h"
#include "executors/try_note.h"
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

/* The ends of logs and the line each one's recorded error quotes
 * (NULL: none; the error stays "exit code 1"). */
static const struct {
	const char *tail;
	int whole;
	const char *line;
} reasons[] = {
	{ "", 1, NULL },
	{ "\n\n  \n", 1, NULL },
	{ "ERROR: column \"nosuch\" does not exist\n", 1,
	  "ERROR: column \"nosuch\" does not exist" },
	/* sluice's own lines and blank ones are passed over */
	{ "loading\nbad row 7\r\n\n[2024-01-01T05:00:00+00:00 sluice] timed out\n", 1,
	  "bad row 7" },
	{ "[2024-01-01T05:00:00+00:00 sluice] cannot start\n", 1, NULL },
	/* the ssh executor's header and notes are in the same form */
	{ "[2026-12-07T16:50:00+00:00 sluice] try 1 of ex4.r on host 127.0.0.1:23101 as root (ssh executor remote)\n", 1, NULL },
	{ "[2026-12-07T16:50:00+00:00 sluice] try 1 of ex4.r on host h as u (ssh executor remote)\n"
	  "boom\n\n[2026-12-07T16:50:01+00:00 sluice] killing the task on h (timed out)\n"
	  "[2026-12-07T16:50:01+00:00 sluice] sending SIGTERM to the process group 7 on h\n", 1, "boom" },
	/* a task's own lines that merely look alike are the task's: the
	 * sluice CLI run by a task, a bracketed level */
	{ "sluice: no DAG named x\n", 1, "sluice: no DAG named x" },
	{ "[INFO] restarting sluice] now\n", 1, "[INFO] restarting sluice] now" },
	/* no newline at the end */
	{ "a\nlast words", 1, "last words" },
	/* control characters and malformed UTF-8 as '?', a tab as a space */
	{ "bad \xff\xfe\x1b[31mred\x07\tdone caf\xc3\xa9\n", 1,
	  "bad ???[31mred? done caf\xc3\xa9" },
	/* the try's secret values as in its log, a URL's password as
	 * web/mask.h says */
	{ "cannot connect to postgres://etl:hunter2pw@db/x with sk-LIVE-1234567\n", 1,
	  "cannot connect to postgres://etl:***@db/x with ***" },
	{ "cannot connect to postgres://etl:other-pass@db/x\n", 1,
	  "cannot connect to postgres://etl:********@db/x" },
	/* a line that began before the bytes read is not quoted */
	{ "the middle of a line\n", 0, NULL },
	{ "the middle of a line\nwhole line\n", 0, "whole line" },
};

static void
test_reasons(void)
{
	char *const secrets[] = { "hunter2pw", "sk-LIVE-1234567", NULL };

	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		char *line = try_reason_from(reasons[i].tail, strlen(reasons[i].tail),
					     reasons[i].whole, secrets);

		if (reasons[i].line == NULL)
			CHECK_MSG(line == NULL, "case %zu: %s", i, line);
		else
			CHECK_EQ_STR(reasons[i].line, line);
		free(line);
	}
	/* a note as the scheduler and the executors write it (try_note.h)
	 * is passed over, whatever its time */
	for (int64_t ms = 0; ms <= 4102444800000; ms += 1000000000000) {
		char prefix[64], tail[256], *line;

		snprintf(tail, sizeof tail, "the task's line\n%stry 1 of d.t on host h as u (ssh executor remote)\n",
			 try_note_prefix(ms, prefix, sizeof prefix));
		line = try_reason_from(tail, strlen(tail), 1, secrets);
		CHECK_EQ_STR("the task's line", line ? line : "(null)");
		free(line);
	}
}

/* A long line is cut at TRY_REASON_MAX bytes, on a character's first
 * byte, then "..."; a secret is masked before the cut (no part of it
 * survives). */
static void
test_reason_long(void)
{
	char *const secrets[] = { "abcdefghijklmnop", NULL };
	char tail[2 * TRY_REASON_MAX + 64], *line;
	size_t n = 0;

	tail[n++] = 'x';	/* then 2-byte characters: the cut falls inside one */
	while (n < 2 * TRY_REASON_MAX) {
		tail[n++] = (char)0xc3;
		tail[n++] = (char)0xa9;
	}
	tail[n++] = '\n';
	line = try_reason_from(tail, n, 1, NULL);
	CHECK_EQ_INT(TRY_REASON_MAX - 1 + 3, (int)strlen(line));
	CHECK(strcmp(line + strlen(line) - 3, "...") == 0);
	CHECK(text_utf8_valid(line, strlen(line)));
	free(line);

	/* the secret straddles the cut */
	memset(tail, 'y', TRY_REASON_MAX - 4);
	memcpy(tail + TRY_REASON_MAX - 4, "abcdefghijklmnop tail\n", 22);
	line = try_reason_from(tail, TRY_REASON_MAX - 4 + 22, 1, secrets);
	CHECK(strstr(line, "abcd") == NULL);
	CHECK(strstr(line, "***") != NULL);
	free(line);
}

/* try_reason_read on what a task may leave at its log's place: a short
 * log, none, an empty one, a folder, a FIFO. None of them holds the
 * scheduler: open(2) of a FIFO with no writer waits for ever (the alarm
 * ends the test instead of hanging it). */
static void
test_reason_read(void)
{
	char dir[] = "/tmp/unit_try.XXXXXX", path[64];
	FILE *f;
	char *line;

	CHECK(mkdtemp(dir) != NULL);
	alarm(10);
	snprintf(path, sizeof path, "%s/short.log", dir);
	f = fopen(path, "w");
	fputs("the real problem\n[2026-01-01T00:00:00+00:00 sluice] try failed\n", f);
	fclose(f);
	line = try_reason_read(path, NULL);
	CHECK_EQ_STR("the real problem", line ? line : "(null)");
	free(line);
	unlink(path);
	CHECK(try_reason_read(path, NULL) == NULL);		/* missing */
	f = fopen(path, "w");
	fclose(f);
	CHECK(try_reason_read(path, NULL) == NULL);		/* empty */
	unlink(path);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(try_reason_read(path, NULL) == NULL);		/* a folder */
	rmdir(path);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(try_reason_read(path, NULL) == NULL);		/* a FIFO */
	unlink(path);
	alarm(0);
	rmdir(dir);
}

/* The exit code or signal a recorded error begins with. */
static void
test_reason_end(void)
{
	char end[96];

	CHECK_EQ_STR("exit code 1", try_reason_end(1, 0, end, sizeof end));
	CHECK_EQ_STR("killed by signal 9 (Killed)", try_reason_end(0, 9, end, sizeof end));
	CHECK_EQ_INT(11, (int)try_reason_says_end("exit code 1", 1, 0));
	CHECK_EQ_INT(11, (int)try_reason_says_end("exit code 1: no such table", 1, 0));
	CHECK_EQ_INT(0, (int)try_reason_says_end("exit code 12", 1, 0));
	CHECK_EQ_INT(0, (int)try_reason_says_end("exit code 1 (x)", 1, 0));
	CHECK_EQ_INT(0, (int)try_reason_says_end("ssh: connection lost", 1, 0));
	CHECK_EQ_INT(0, (int)try_reason_says_end(NULL, 1, 0));
	CHECK_EQ_INT(27, (int)try_reason_says_end("killed by signal 9 (Killed): x", 0, 9));
}

int
main(void)
{
	RUN(test_partition_dirs);
	RUN(test_partition_dirs_injective);
	RUN(test_log_path);
	RUN(test_reasons);
	RUN(test_reason_long);
	RUN(test_reason_read);
	RUN(test_reason_end);
	return UNIT_END();
}
