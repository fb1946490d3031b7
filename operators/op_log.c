/* op_log.c: a line of a try's log (op_log.h). */
#include "operators/op_log.h"

#include <stdarg.h>
#include <stdio.h>

void
op_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}
