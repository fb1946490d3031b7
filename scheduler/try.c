/* try.c: the try model (see try.h). */
#include "scheduler/try.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

char *
try_partition_dir(const char *partition)
{
	struct buf b;

	buf_init(&b, 0);
	for (const unsigned char *p = (const unsigned char *)partition; *p; p++) {
		if (*p == '%' || *p == '/' || *p == '\\' || *p < 0x20 ||
		    *p == 0x7f || (*p == '.' && p == (const unsigned char *)partition))
			buf_printf(&b, "%%%02X", *p);
		else
			buf_addc(&b, (char)*p);
	}
	if (b.len == 0)
		buf_adds(&b, "%00");	/* an empty key still gets a folder */
	return buf_steal(&b);
}

char *
try_log_dir(const char *logs_dir, const char *dag, const char *partition,
	    const char *task)
{
	char *part = try_partition_dir(partition);
	char *dir = xasprintf("%s/%s/%s/%s", logs_dir, dag, part, task);

	free(part);
	return dir;
}

char *
try_log_path(const char *logs_dir, const char *dag, const char *partition,
	     const char *task, int try_number)
{
	char *dir = try_log_dir(logs_dir, dag, partition, task);
	char *path = xasprintf("%s/try-%d.log", dir, try_number);

	free(dir);
	return path;
}
