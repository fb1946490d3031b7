/*
 * out_log.h: the capped log of a try (log_max), shared by the local
 * executor's supervisor (sluice-try, which links libc only) and the ssh
 * executor's copy of a remote try's output. libc only, so both can
 * compile it in.
 *
 * The first half of the cap is appended as it comes; past it, the rest
 * cycles through a ring region of the file (the other half), which is
 * put back in order at the end behind a line saying how many bytes were
 * dropped. A line someone else appends to the log while the ring cycles
 * (the scheduler's "timed out") may end up in the dropped middle.
 */
#ifndef SLUICE_OUT_LOG_H
#define SLUICE_OUT_LOG_H

#include <stddef.h>

/* How much of the file the end's reordering reads at once. */
#define OUT_LOG_ROTATE_BUF (1024 * 1024)

struct out_log {
	int fd;
	long long cap;		/* 0: no cap */
	long long head_left;	/* bytes the head may still take */
	long long ring_off;	/* file offset of the ring, -1 before it */
	long long ring_size;
	long long ring_pos;	/* bytes written into the ring in total */
	long long lost;		/* bytes not written (write errors) */
	long long dropped;	/* bytes the cap dropped, marker included */
	int err;		/* errno of the first failed write */
};

/* A log writing to fd (not owned: the caller closes it), keeping about
 * cap bytes of output (cap <= 0: all of it). */
void out_log_init(struct out_log *l, int fd, long long cap);
/* The log goes on after `written` bytes of the same output that an
 * earlier writer (a scheduler before a restart) put in the file: the
 * head takes only the rest of its half; past it, the ring starts at
 * the file's end. */
void out_log_resume(struct out_log *l, long long written);
/* Copy one chunk of output into the log. */
void out_log_write(struct out_log *l, const char *p, size_t n);
/* The output is over: put the tail in order behind its marker. */
void out_log_finish(struct out_log *l);
/* Append a last line of our own to fd (after out_log_finish); on a full
 * disk, over the last bytes of the output instead. */
void out_log_last_line(int fd, const char *line);
/* Whole writes (EINTR and short counts handled), at the file's offset or
 * at off: 0, or -1 with errno. libc only, as the rest of this file. */
int out_log_write_all(int fd, const char *p, size_t n);
int out_log_pwrite_all(int fd, const char *p, size_t n, long long off);

#endif
