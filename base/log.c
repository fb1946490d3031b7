/* log.c: the process's own log, as text or JSON lines (see log.h). */
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "base/util.h"

#define LOG_LINE_MAX (64 * 1024)

static struct {
	int fd;			/* -1: stderr */
	char *path;
	enum log_format format;
} log_state = { -1, NULL, LOG_FORMAT_TEXT };

static const char *const log_level_names[] = {
	"debug", "info", "warn", "error",
};

int
log_format_parse(const char *name)
{
	if (strcmp(name, "text") == 0)
		return LOG_FORMAT_TEXT;
	if (strcmp(name, "json") == 0)
		return LOG_FORMAT_JSON;
	return -1;
}

const char *
log_format_name(enum log_format f)
{
	return f == LOG_FORMAT_JSON ? "json" : "text";
}

static int
log_open_fd(const char *path, struct sl_err *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return sl_err_set(err, "cannot open the log file %s: %s", path,
				  strerror(errno));
	return fd;
}

int
log_open(const char *path, enum log_format f, struct sl_err *err)
{
	int fd = -1;

	if (path != NULL && (fd = log_open_fd(path, err)) < 0)
		return -1;
	if (log_state.fd >= 0)
		close(log_state.fd);
	free(log_state.path);
	log_state.fd = fd;
	log_state.path = path != NULL ? xstrdup(path) : NULL;
	log_state.format = f;
	return 0;
}

int
log_reopen(struct sl_err *err)
{
	int fd;

	if (log_state.path == NULL)
		return 0;
	if ((fd = log_open_fd(log_state.path, err)) < 0)
		return -1;
	close(log_state.fd);
	log_state.fd = fd;
	return 0;
}

void
log_set_format(enum log_format f)
{
	log_state.format = f;
}

const char *
log_path(void)
{
	return log_state.path;
}

/* Append s as a JSON string: quotes, backslashes and control characters
 * escaped, bytes that are not well-formed UTF-8 replaced by U+FFFD. */
static void
log_json_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	buf_addc(b, '"');
	while (n > 0) {
		size_t k = text_utf8_seq(p, n);

		if (k == 0) {
			buf_adds(b, "\\ufffd");
			p++;
			n--;
			continue;
		}
		if (*p == '"' || *p == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)*p);
		} else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '\t')
			buf_adds(b, "\\t");
		else if (*p == '\r')
			buf_adds(b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_add(b, p, k);
		p += k;
		n -= k;
	}
	buf_addc(b, '"');
}

static void
log_json_field(struct buf *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	buf_printf(b, ",\"%s\":", name);
	log_json_string(b, value);
}

void
log_vemit(enum log_level lv, const struct log_fields *f, const char *fmt,
	  va_list ap)
{
	struct buf line, msg;
	struct timespec ts;
	struct tm tm;
	char when[64];
	int fd = log_state.fd >= 0 ? log_state.fd : STDERR_FILENO;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	buf_init(&msg, LOG_LINE_MAX);
	buf_init(&line, 0);
	if (buf_vprintf(&msg, fmt, ap) < 0)
		buf_adds(&msg, "(a log line too long to write)");
	if (log_state.format == LOG_FORMAT_JSON) {
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		buf_printf(&line, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"event\":",
			   when, ts.tv_nsec / 1000000L,
			   log_level_names[lv <= LOG_LEVEL_ERROR ? lv : LOG_LEVEL_ERROR]);
		log_json_string(&line, buf_str(&msg));
		if (f != NULL) {
			log_json_field(&line, "dag", f->dag);
			log_json_field(&line, "task", f->task);
			log_json_field(&line, "partition", f->partition);
			if (f->try_number > 0)
				buf_printf(&line, ",\"try\":%d", f->try_number);
		}
		buf_adds(&line, "}\n");
	} else {
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		buf_printf(&line, "%s %s\n", when, buf_str(&msg));
	}
	/* one write per line: lines of two writers never interleave */
	(void)sl_write_all(fd, buf_str(&line), line.len);
	buf_free(&line);
	buf_free(&msg);
}

void
log_emit(enum log_level lv, const struct log_fields *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(lv, f, fmt, ap);
	va_end(ap);
}
