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

int
sup_io_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
sup_io_pwrite_all(int fd, const char *p, size_t n, long long off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
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
