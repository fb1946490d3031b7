/* sup_io.c: whole reads and writes, and the clock, for sluice-try. It
 * links nothing of base/ (the supervisor stays small, free of the
 * scheduler's code), so it keeps its own copy of base/util.c's
 * sl_write_all loop. */
#include "executors/supervisor/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

long long
sup_io_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One read of a small file (under /proc), NUL-terminated: its length, or
 * -1. */
ssize_t
sup_io_read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	do
		r = read(fd, buf, n - 1);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	return r;
}
