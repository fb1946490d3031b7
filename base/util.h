/*
 * util.h: the small building blocks every part of sluice uses.
 *
 * - struct sl_err: the one way to report failure. Functions return 0 on
 *   success or a negative value, and describe the failure in the sl_err the
 *   caller passed (which may be NULL when the caller does not care).
 * - x* allocators: abort with a message when memory runs out, so callers
 *   never check for NULL.
 * - struct buf: a growable byte buffer, always NUL-terminated, with an
 *   optional size limit for data that comes from outside.
 */
#ifndef SLUICE_UTIL_H
#define SLUICE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define SL_ERR_MSG 1024

#define SL_ERR_PATH 512

/* What failed, and where: file/line/col are set when the failure is about a
 * place in a file (a DAG file, the config file); path when it is about a
 * field of that file, which msg then names first ("tasks.load.after: ..."). */
struct sl_err {
	char msg[SL_ERR_MSG];
	char file[512];
	int line;		/* 1-based; 0 when not about a place in a file */
	int col;		/* 1-based */
	char path[SL_ERR_PATH];	/* "tasks.load.after", "needs[0].dag"; "" */
};

/* Fill err (if not NULL) and return -1, so callers can write
 * `return sl_err_set(err, "...")`. */
int sl_err_set(struct sl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, naming a place in a file. */
int sl_err_at(struct sl_err *err, const char *file, int line, int col,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sl_err_clear(struct sl_err *err);
/* "file:line:col: msg", or just msg; into out (size n). */
const char *sl_err_str(const struct sl_err *err, char *out, size_t n);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* reallocarray that aborts on overflow or exhaustion */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void sl_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A growable buffer. data is always NUL-terminated (data may be NULL while
 * len == 0 and nothing was added). limit (0 = none) caps len: an append
 * that would pass it fails with -1 and leaves the buffer unchanged. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t limit;
};

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* The contents as a C string ("" when empty); still owned by b. */
const char *buf_str(const struct buf *b);
/* Take the contents (caller frees); b is left empty. */
char *buf_steal(struct buf *b);

/* a / b rounded down (toward minus infinity), b != 0 */
int64_t sl_floor_div(int64_t a, int64_t b);
/* Time in milliseconds: wall clock since the epoch, and a monotonic clock. */
int64_t sl_now_ms(void);
int64_t sl_mono_ms(void);

/* Parse a duration: "30s", "10m", "1h30m", "2d", "500ms", or a bare number
 * of seconds. Result in milliseconds. Returns 0 or -1. */
int sl_parse_duration(const char *s, int64_t *ms);
/* Parse an age of history to keep (db clean --keep, retention:): a
 * duration with a unit, an hour or more. A bare number ("30": seconds,
 * read as days by some) and a shorter one ("6m": minutes, read as months
 * by some) would remove nearly everything: refused, err says why. */
int sl_parse_age(const char *s, int64_t *ms, struct sl_err *err);
/* "1h2m3s", "250ms" */
const char *sl_format_duration(int64_t ms, char *out, size_t n);
/* How long ago a moment ms before now was, in words for a person: "just
 * now" (under a minute, or in the future: a clock set back), "5 minutes
 * ago", "3 hours ago", "2 days ago" (whole units, rounded down). The web
 * page's twin is app.js's fmtAgo. */
const char *sl_format_ago(int64_t ms, char *out, size_t n);

/* Checked string to integer (whole string must be a number in range). */
int sl_parse_int(const char *s, long long min, long long max, long long *out);

/* mkdir -p; mode for created folders. */
int sl_mkdirs(const char *path, int mode, struct sl_err *err);
/* open(2) for a file the scheduler or the web reads or appends to but
 * does not own (a try's log, its $SLUICE_OUTPUT): never waits, as open
 * would on a FIFO put in its place, and gives only a regular file (else
 * -1 with errno EINVAL). The descriptor is blocking and close-on-exec. */
int sl_open_regular(const char *path, int flags, int mode);
/* Does another open file of path hold a lock on it (flock), such as a
 * running scheduler's lock file? 0 when the file is missing. */
int sl_flock_held(const char *path);
/* The last max bytes (or all) of a file a task may have replaced, opened
 * with sl_open_regular: into *out (caller frees; *len bytes, not NUL-
 * terminated), *whole set when they start at the file's first byte. 0, or
 * -1 with errno. */
int sl_read_tail(const char *path, size_t max, char **out, size_t *len,
		 int *whole);
/* Read a whole file up to limit bytes (caller frees *out). */
int sl_read_file(const char *path, size_t limit, char **out, size_t *len,
		 struct sl_err *err);
/* The whole of p[0..n) to fd, again after EINTR or a short write: 0, or
 * -1 with errno. */
int sl_write_all(int fd, const void *p, size_t n);
/* Write a file atomically (temp file + rename). */
int sl_write_file(const char *path, const void *data, size_t len, int mode,
		  struct sl_err *err);

/* NULL-terminated string arrays. */
void strv_free(char **v);
size_t strv_len(char *const *v);

int sl_str_starts(const char *s, const char *prefix);
int sl_str_ends(const char *s, const char *suffix);

/*
 * Grow an array to hold at least `need` elements: `arr` is the pointer,
 * `cap` its capacity (both updated). Doubles from 16, so appending n items
 * one by one costs O(n). Usage: SL_GROW(v, ncap, n + 1); v[n++] = x;
 */
#define SL_GROW(arr, cap, need)						\
	do {								\
		if ((size_t)(need) > (size_t)(cap)) {			\
			size_t sl_grow_c = (cap) ? (size_t)(cap) * 2 : 16; \
			while (sl_grow_c < (size_t)(need))		\
				sl_grow_c *= 2;				\
			(arr) = xreallocarray((arr), sl_grow_c, sizeof *(arr)); \
			(cap) = sl_grow_c;				\
		}							\
	} while (0)

struct timeval;
/* Milliseconds as a struct timeval (for libevent timers); negative → 0. */
struct timeval *sl_ms_timeval(int64_t ms, struct timeval *tv);

#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SL_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
