/* try_note.c: the one form of sluice's own lines in a try's log (see
 * try_note.h). */
#include "executors/try_note.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

char *
try_note_prefix(int64_t now_ms, char *out, size_t n)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	/* as the scheduler writes times beside partition keys: an offset,
	 * not a Z */
	snprintf(out, n, "[%04d-%02d-%02dT%02d:%02d:%02d+00:00 sluice] ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	return out;
}

int
try_note_is(const char *line, size_t n)
{
	const char *end;

	if (n < 2 || line[0] != '[')
		return 0;
	/* "[" TIME " sluice] ": the tag closes the first bracket */
	end = memchr(line, ']', n);
	return end != NULL && (size_t)(end - line) >= 7 &&
	       memcmp(end - 7, " sluice", 7) == 0 && end + 1 < line + n &&
	       end[1] == ' ';
}
