/*
 * log.h: the process's own log (the scheduler's and the web's lines, not
 * the tries' logs). One line per event, on stderr or in a file, as text
 * ("TIME message", as always) or as JSON (one object per line: time,
 * level, event and the optional fields dag, task, partition, try). Times
 * are in UTC.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdarg.h>

struct sl_err;

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN,
		 LOG_LEVEL_ERROR };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* What a line is about; every member may be left empty (NULL, 0). */
struct log_fields {
	const char *dag;
	const char *task;
	const char *partition;
	int try_number;		/* 0: none */
};

/* "text" or "json" → the format; -1 for anything else. */
int log_format_parse(const char *name);
const char *log_format_name(enum log_format f);

/* Write to path (appended to, created 0644) or, with NULL, to stderr;
 * lines in format f. On error the log stays where it was. */
int log_open(const char *path, enum log_format f, struct sl_err *err);
/* Open the same path again (after logrotate moved it away). */
int log_reopen(struct sl_err *err);
void log_set_format(enum log_format f);
/* The file the log is written to; NULL for stderr. */
const char *log_path(void);

/* One line. f may be NULL. */
void log_emit(enum log_level lv, const struct log_fields *f,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_vemit(enum log_level lv, const struct log_fields *f,
	       const char *fmt, va_list ap);

#endif
