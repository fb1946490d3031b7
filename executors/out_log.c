/*
 * out_log.c: the capped log of a try (out_log.h): the head is appended as
 * it comes, the tail cycles through a ring region of the file and is put
 * back in order behind a marker line at the end. libc only: sluice-try
 * links it as the ssh executor does.
 */
#include "executors/out_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whole writes and reads (EINTR and short counts handled); 0, or -1 with
 * errno. off < 0: write at the file's offset. */
static int
out_log_io(int fd, char *p, size_t n, long long off, int rd)
{
	while (n > 0) {
		ssize_t w = rd ? pread(fd, p, n, (off_t)off)
			       : off < 0 ? write(fd, p, n)
			       : pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		if (off >= 0)
			off += w;
	}
	return 0;
}

int
out_log_write_all(int fd, const char *p, size_t n)
{
	return out_log_io(fd, (char *)p, n, -1, 0);
}

int
out_log_pwrite_all(int fd, const char *p, size_t n, long long off)
{
	return out_log_io(fd, (char *)p, n, off, 0);
}

static int
out_log_pread_all(int fd, char *p, size_t n, long long off)
{
	return out_log_io(fd, p, n, off, 1);
}

void
out_log_init(struct out_log *l, int fd, long long cap)
{
	memset(l, 0, sizeof *l);
	l->fd = fd;
	l->cap = cap > 0 ? cap : 0;
	l->head_left = l->cap / 2;
	l->ring_size = l->cap - l->cap / 2;
	l->ring_off = -1;
	if (l->ring_size < 1)
		l->cap = 0;
}

void
out_log_resume(struct out_log *l, long long written)
{
	if (l->cap == 0 || written <= 0)
		return;
	l->head_left = written < l->head_left ? l->head_left - written : 0;
}

static void
out_log_failed(struct out_log *l, size_t n)
{
	if (l->err == 0)
		l->err = errno ? errno : EIO;
	l->lost += (long long)n;
}

/* Copy one chunk of the command's output into the log. */
void
out_log_write(struct out_log *l, const char *p, size_t n)
{
	if (l->err != 0) {
		/* after a failed write everything is counted, nothing
		 * written: a log with holes would mislead */
		l->lost += (long long)n;
		return;
	}
	if (l->cap == 0 || (long long)n <= l->head_left) {
		if (out_log_write_all(l->fd, p, n) < 0)
			out_log_failed(l, n);
		else
			l->head_left -= (long long)n;
		return;
	}
	if (l->ring_off < 0) {
		size_t head = (size_t)l->head_left;
		int flags;

		if (head > 0 && out_log_write_all(l->fd, p, head) < 0) {
			out_log_failed(l, n);
			return;
		}
		p += head;
		n -= head;
		l->head_left = 0;
		/* positional writes from here (O_APPEND would ignore the
		 * offsets), and reads at the end: a log opened write-only
		 * is opened again for both */
		flags = fcntl(l->fd, F_GETFL);
		if (flags >= 0 && (flags & O_ACCMODE) != O_RDWR) {
			char self[64];
			int fd;

			snprintf(self, sizeof self, "/proc/self/fd/%d", l->fd);
			fd = open(self, O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				l->fd = fd;
				flags = fcntl(l->fd, F_GETFL);
			}
		}
		if (flags < 0 || fcntl(l->fd, F_SETFL, flags & ~O_APPEND) < 0 ||
		    (l->ring_off = lseek(l->fd, 0, SEEK_END)) < 0) {
			l->ring_off = -1;
			out_log_failed(l, n);
			return;
		}
	}
	while (n > 0) {
		long long at = l->ring_pos % l->ring_size;
		size_t k = n;

		if ((long long)k > l->ring_size - at)
			k = (size_t)(l->ring_size - at);
		if (out_log_pwrite_all(l->fd, p, k, l->ring_off + at) < 0) {
			out_log_failed(l, n);
			return;
		}
		l->ring_pos += (long long)k;
		p += k;
		n -= k;
	}
}

static void
out_log_flip(char *p, size_t n)
{
	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		char c = p[i];

		p[i] = p[j - 1];
		p[j - 1] = c;
	}
}

/* Reverse the bytes of [a, b) of the file, a megabyte pair at a time. */
static int
out_log_reverse(int fd, long long a, long long b, char *x, char *y)
{
	while (b - a >= 2) {
		size_t c = (size_t)((b - a) / 2);

		if (c > OUT_LOG_ROTATE_BUF)
			c = OUT_LOG_ROTATE_BUF;
		if (out_log_pread_all(fd, x, c, a) < 0 ||
		    out_log_pread_all(fd, y, c, b - (long long)c) < 0)
			return -1;
		out_log_flip(x, c);
		out_log_flip(y, c);
		if (out_log_pwrite_all(fd, y, c, a) < 0 ||
		    out_log_pwrite_all(fd, x, c, b - (long long)c) < 0)
			return -1;
		a += (long long)c;
		b -= (long long)c;
	}
	return 0;
}

/* The marker that replaces the first bytes of the tail. */
static size_t
out_log_marker(char *out, size_t n, long long dropped, long long cap)
{
	int len = snprintf(out, n,
			   "\n[sluice: %lld bytes of output dropped here: the log keeps about the first and the last %lld bytes of a try]\n",
			   dropped, cap / 2);

	return len < 0 ? 0 : (size_t)len;
}

/* Put a wrapped ring back in order (oldest byte first) and overwrite its
 * first bytes with the marker. The log ends at the cap, give or take the
 * lines others appended meanwhile. */
void
out_log_finish(struct out_log *l)
{
	long long size = l->ring_size, split, dropped;
	char marker[256], *x, *y;
	size_t mlen;

	if (l->err != 0 || l->ring_off < 0 || l->ring_pos <= size)
		return;
	split = l->ring_pos % size;
	x = malloc(OUT_LOG_ROTATE_BUF);
	y = malloc(OUT_LOG_ROTATE_BUF);
	if (x == NULL || y == NULL) {
		free(x);
		free(y);
		errno = ENOMEM;
		out_log_failed(l, 0);
		return;
	}
	/* [split, size) is the oldest part: rotate it to the front */
	if (split > 0 &&
	    (out_log_reverse(l->fd, l->ring_off, l->ring_off + split, x, y) < 0 ||
	     out_log_reverse(l->fd, l->ring_off + split, l->ring_off + size, x, y) < 0 ||
	     out_log_reverse(l->fd, l->ring_off, l->ring_off + size, x, y) < 0))
		out_log_failed(l, 0);
	free(x);
	free(y);
	if (l->err != 0)
		return;
	/* the marker's own length enters the count it prints: settle it */
	dropped = l->ring_pos - size;
	mlen = out_log_marker(marker, sizeof marker, dropped, l->cap);
	mlen = out_log_marker(marker, sizeof marker, dropped + (long long)mlen, l->cap);
	mlen = out_log_marker(marker, sizeof marker, dropped + (long long)mlen, l->cap);
	if ((long long)mlen > size)
		mlen = (size_t)size;
	l->dropped = dropped + (long long)mlen;
	if (out_log_pwrite_all(l->fd, marker, mlen, l->ring_off) < 0)
		out_log_failed(l, 0);
}

/* Append a last line to the log; on a full disk, over the last bytes of
 * the output instead (they are lost, as the rest was), so that the log
 * says why it ends there. */
void
out_log_last_line(int fd, const char *line)
{
	size_t len = strlen(line);
	off_t end;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_APPEND);
	if (out_log_write_all(fd, line, len) == 0)
		return;
	if (errno != ENOSPC && errno != EDQUOT)
		return;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_APPEND);
	end = lseek(fd, 0, SEEK_END);
	if (end >= (off_t)len)
		(void)out_log_pwrite_all(fd, line, len, (long long)(end - (off_t)len));
}
