/* util.c: errors, allocation, buffers, durations, files. */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
sl_err_set(struct sl_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->file[0] = '\0';
	err->path[0] = '\0';
	err->line = err->col = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
sl_err_at(struct sl_err *err, const char *file, int line, int col,
	  const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->path[0] = '\0';
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void
sl_err_clear(struct sl_err *err)
{
	if (err != NULL)
		memset(err, 0, sizeof *err);
}

const char *
sl_err_str(const struct sl_err *err, char *out, size_t n)
{
	if (err->file[0] != '\0' && err->line > 0)
		snprintf(out, n, "%s:%d:%d: %s", err->file, err->line,
			 err->col, err->msg);
	else if (err->file[0] != '\0')
		snprintf(out, n, "%s: %s", err->file, err->msg);
	else
		snprintf(out, n, "%s", err->msg);
	return out;
}

void
sl_fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("sluice: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		sl_fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		sl_fatal("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		sl_fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		sl_fatal("allocation overflow (%zu x %zu)", nmemb, size);
	return xrealloc(p, nmemb * size);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		sl_fatal("out of memory");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		sl_fatal("out of memory");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		sl_fatal("out of memory");
	return p;
}

void
buf_init(struct buf *b, size_t limit)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->limit = limit;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Make room for n more bytes plus the terminating NUL. */
static int
buf_grow(struct buf *b, size_t n)
{
	size_t need;

	if (n > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + n + 1;
	if (b->limit != 0 && b->len + n > b->limit)
		return -1;
	if (need <= b->cap)
		return 0;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap = b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
	b->data = xrealloc(b->data, b->cap);
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

const char *
buf_str(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
buf_steal(struct buf *b)
{
	char *p = b->data != NULL ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int64_t
sl_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

int64_t
sl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
sl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
sl_parse_duration(const char *s, int64_t *ms)
{
	int64_t total = 0;
	const char *p = s;
	int parts = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*p != '\0') {
		int64_t v = 0, unit;
		int digits = 0;

		while (isdigit((unsigned char)*p)) {
			if (v > (INT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (digits == 0)
			return -1;
		if (*p == '\0') {
			if (parts > 0)
				return -1;	/* "1h30" is ambiguous */
			unit = 1000;
		} else if (strncmp(p, "ms", 2) == 0) {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else if (*p == 'm') {
			unit = 60 * 1000;
			p++;
		} else if (*p == 'h') {
			unit = 3600 * 1000;
			p++;
		} else if (*p == 'd') {
			unit = 86400 * 1000;
			p++;
		} else if (*p == 'w') {
			unit = 7 * 86400 * (int64_t)1000;
			p++;
		} else
			return -1;
		if (v > INT64_MAX / unit || total > INT64_MAX - v * unit)
			return -1;
		total += v * unit;
		parts++;
	}
	*ms = total;
	return 0;
}

int
sl_parse_age(const char *s, int64_t *ms, struct sl_err *err)
{
	size_t n = strlen(s);

	if (sl_parse_duration(s, ms) < 0 || *ms <= 0)
		return sl_err_set(err, "'%s' is not an age like 90d, 12h or 2w", s);
	if (n > 0 && isdigit((unsigned char)s[n - 1]))
		return sl_err_set(err, "'%s' has no unit: 90d is 90 days, 12h 12 hours, 2w 2 weeks", s);
	if (*ms < 3600 * 1000)
		return sl_err_set(err, "'%s' is less than an hour (m is minutes: six months is 180d); "
				  "it would remove nearly all history", s);
	return 0;
}

const char *
sl_format_duration(int64_t ms, char *out, size_t n)
{
	int64_t s = ms / 1000;
	size_t off = 0;

	if (ms < 0)
		ms = 0;
	if (ms < 1000) {
		snprintf(out, n, "%lldms", (long long)ms);
		return out;
	}
	/* tenths below a minute; 59.95 s and up would print as "60.0s" */
	if (ms < 59950 && ms % 1000 != 0) {
		snprintf(out, n, "%.1fs", (double)ms / 1000.0);
		return out;
	}
	out[0] = '\0';
	if (s >= 86400)
		off += snprintf(out + off, n - off, "%lldd", (long long)(s / 86400));
	if (off < n && s % 86400 >= 3600)
		off += snprintf(out + off, n - off, "%lldh",
				(long long)(s % 86400 / 3600));
	if (off < n && s % 3600 >= 60)
		off += snprintf(out + off, n - off, "%lldm",
				(long long)(s % 3600 / 60));
	if (off < n && (s % 60 != 0 || off == 0))
		snprintf(out + off, n - off, "%llds", (long long)(s % 60));
	return out;
}

const char *
sl_format_ago(int64_t ms, char *out, size_t n)
{
	static const struct { int64_t ms; const char *unit; } units[] = {
		{ 86400000, "day" }, { 3600000, "hour" }, { 60000, "minute" },
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(units); i++) {
		long long k = (long long)(ms / units[i].ms);

		if (k >= 1) {
			snprintf(out, n, "%lld %s%s ago", k, units[i].unit, k == 1 ? "" : "s");
			return out;
		}
	}
	snprintf(out, n, "just now");
	return out;
}

int
sl_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
sl_mkdirs(const char *path, int mode, struct sl_err *err)
{
	char tmp[PATH_MAX];
	size_t len;

	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return sl_err_set(err, "path too long: %s", path);
	len = strlen(tmp);
	while (len > 1 && tmp[len - 1] == '/')
		tmp[--len] = '\0';
	if (mkdir(tmp, (mode_t)mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return sl_err_set(err, "cannot create %s: %s", tmp,
				  strerror(errno));
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
			return sl_err_set(err, "cannot create %s: %s", tmp,
					  strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
		return sl_err_set(err, "cannot create %s: %s", tmp,
				  strerror(errno));
	return 0;
}

int
sl_flock_held(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), held = 0;

	if (fd < 0)
		return 0;
	/* a lock of its own open file: refused while any holder has it */
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		held = 1;
	close(fd);
	return held;
}

int
sl_open_regular(const char *path, int flags, int mode)
{
	struct stat st;
	int fd, fl, e;

	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int
sl_read_tail(const char *path, size_t max, char **out, size_t *len,
	     int *whole)
{
	struct stat st;
	off_t start;
	size_t got = 0;
	char *data;
	int fd, e;

	fd = sl_open_regular(path, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	start = (size_t)st.st_size > max ? st.st_size - (off_t)max : 0;
	data = xmalloc(max ? max : 1);
	while (got < max) {
		ssize_t r = pread(fd, data + got, max - got, start + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*out = data;
	*len = got;
	*whole = start == 0;
	return 0;
}

int
sl_read_file(const char *path, size_t limit, char **out, size_t *len,
	     struct sl_err *err)
{
	struct buf b;
	char chunk[65536];
	int fd;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sl_err_set(err, "cannot open %s: %s", path,
				  strerror(errno));
	buf_init(&b, limit);
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sl_err_set(err, "cannot read %s: %s", path,
				   strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (buf_add(&b, chunk, (size_t)n) < 0) {
			sl_err_set(err, "%s is larger than %zu bytes", path,
				   limit);
			goto fail;
		}
	}
	close(fd);
	if (len != NULL)
		*len = b.len;
	*out = buf_steal(&b);
	return 0;
fail:
	close(fd);
	buf_free(&b);
	return -1;
}

int
sl_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

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
	}
	return 0;
}

int
sl_write_file(const char *path, const void *data, size_t len, int mode,
	      struct sl_err *err)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof tmp)
		return sl_err_set(err, "path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return sl_err_set(err, "cannot create %s: %s", tmp,
				  strerror(errno));
	if (sl_write_all(fd, data, len) < 0) {
		sl_err_set(err, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		sl_err_set(err, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
sl_str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
sl_str_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void
strv_free(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

size_t
strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

struct timeval *
sl_ms_timeval(int64_t ms, struct timeval *tv)
{
	if (ms < 0)
		ms = 0;
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return tv;
}
