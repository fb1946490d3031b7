/* template.c: checking and rendering `{{ name | filter ... }}`: plain,
 * as /bin/sh words (shquote.h) or as SQL data (sqlquote.h).
 *
 * Past 800 lines on purpose: the checker and the renderer walk the same
 * grammar (names, filters, the placement of a value in a shell line or
 * in SQL), and keeping them side by side is what stops a template that
 * passes the load-time check from rendering differently at run time. */
#include "scheduler/template.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "operators/operator.h"
#include "scheduler/cron.h"
#include "scheduler/shquote.h"
#include "scheduler/sqlquote.h"
#include "scheduler/tz.h"

#define TMPL_MAX_NAME 256
#define TMPL_MAX_FORMAT 256
#define TMPL_MAX_ADDS 4

enum tname {
	TN_DAG, TN_TASK, TN_RUN_ID, TN_PARTITION, TN_DS, TN_DS_NODASH, TN_TS,
	TN_TS_NODASH, TN_START, TN_END, TN_TRY, TN_PREV_DS, TN_NEXT_DS,
	TN_PREV_PARTITION, TN_PARAM, TN_ENV, TN_OUTPUT, TN_ITEM, TN_ITEM_FIELD,
};

static const struct {
	const char *name;
	enum tname id;
	int is_time;
	const char *doc;
} tnames[] = {
	{ "dag", TN_DAG, 0, "the DAG's name" },
	{ "task", TN_TASK, 0, "the task's name" },
	{ "run_id", TN_RUN_ID, 0, "the run's id" },
	{ "partition", TN_PARTITION, 0, "the partition's key" },
	{ "ds", TN_DS, 1, "the partition's start date, YYYY-MM-DD in the DAG's zone" },
	{ "ds_nodash", TN_DS_NODASH, 0, "the same as YYYYMMDD" },
	{ "ts", TN_TS, 1, "the partition's start, ISO-8601 with the zone's offset" },
	{ "ts_nodash", TN_TS_NODASH, 0, "the same as YYYYMMDDTHHMMSS" },
	{ "data_interval_start", TN_START, 1, "the partition's start, ISO-8601 with offset" },
	{ "data_interval_end", TN_END, 1, "the partition's end, ISO-8601 with offset" },
	{ "try_number", TN_TRY, 0, "the try's number, from 1" },
	{ "prev_ds", TN_PREV_DS, 1, "the previous partition's start date, YYYY-MM-DD (unscheduled: the interval of the same length just before)" },
	{ "next_ds", TN_NEXT_DS, 1, "the next partition's start date, YYYY-MM-DD (the data interval's end)" },
	{ "prev_partition", TN_PREV_PARTITION, 0, "the previous partition's key (scheduled DAGs only: in an unscheduled one it is an error at load time)" },
	{ "item", TN_ITEM, 0, "a mapped task's item (foreach:): a string as it is, a number or an object as JSON (only in a task with foreach; see Mapped tasks)" },
};

/* Names made of a prefix and a NAME. */
static const struct {
	const char *prefix;
	const char *shown;
	enum tname id;
	const char *doc;
} tprefixes[] = {
	{ "params.", "params.NAME", TN_PARAM, "the value of the run's param NAME (declared under params:)" },
	{ "env.", "env.NAME", TN_ENV, "the scheduler's environment variable NAME (empty when it is not set)" },
	{ "item.", "item.FIELD", TN_ITEM_FIELD, "the field FIELD of a mapped task's item when the items are objects (FIELD.SUB for a nested one)" },
	{ "tasks.", "tasks.NAME.output.KEY", TN_OUTPUT, "the value of KEY in the output of task NAME in this run (NAME must be upstream of the task; see Task outputs)" },
};

/* What may follow the bar. */
static const struct tmpl_name_info tfilters[] = {
	{ "raw", 0, "insert the value as written, not as a quoted shell word or SQL literal (trusted values only)" },
	{ "ident", 0, "SQL (a sql task's sql, file and check queries): insert the value as a quoted identifier, \"schema\".\"table\"" },
	{ "add: N", 1, "shift a time by N units (s m h d w, N may be negative); d and w are calendar days in the DAG's zone" },
	{ "FORMAT", 1, "a strftime format (like %Y/%m/%d), on the time names, in the DAG's zone; last but for raw/ident" },
};

int
tmpl_name_at(size_t i, struct tmpl_name_info *out)
{
	if (i < SL_ARRAY_LEN(tnames)) {
		out->name = tnames[i].name;
		out->is_time = tnames[i].is_time;
		out->doc = tnames[i].doc;
		return 0;
	}
	i -= SL_ARRAY_LEN(tnames);
	if (i < SL_ARRAY_LEN(tprefixes)) {
		out->name = tprefixes[i].shown;
		out->is_time = 0;
		out->doc = tprefixes[i].doc;
		return 0;
	}
	return -1;
}

int
tmpl_filter_at(size_t i, struct tmpl_name_info *out)
{
	if (i >= SL_ARRAY_LEN(tfilters))
		return -1;
	*out = tfilters[i];
	return 0;
}

/* One `{{ ... }}` split into its parts. */
struct tref {
	char name[TMPL_MAX_NAME];
	char format[TMPL_MAX_FORMAT];	/* "" when no `| FORMAT` */
	int has_format;
	int raw;			/* `| raw`: inserted as written */
	int ident;			/* `| ident`: a SQL identifier */
	int64_t add[TMPL_MAX_ADDS];	/* `| add: N`, in order */
	char add_unit[TMPL_MAX_ADDS];	/* 's' (h, m as s), 'd' (w as d) */
	int nadd;
	size_t name_off;		/* offset of the name in the text */
	size_t filter_off;		/* offset of the first filter */
	size_t len;			/* length of the whole `{{ ... }}` */
};

static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* `add: N<unit>` (f, n bytes, without "add"), into r. */
static int
tref_add(struct tref *r, const char *f, size_t n, size_t off,
	 struct sl_err *err)
{
	char num[32];
	size_t i = 0, k = 0;
	long long v;
	char unit;

	while (i < n && (f[i] == ' ' || f[i] == '\t' || f[i] == ':'))
		i++;
	if (i < n && (f[i] == '-' || f[i] == '+'))
		num[k++] = f[i++];
	while (i < n && k + 1 < sizeof num && f[i] >= '0' && f[i] <= '9')
		num[k++] = f[i++];
	num[k] = '\0';
	while (i < n && (f[i] == ' ' || f[i] == '\t'))
		i++;
	unit = i < n ? f[i++] : '\0';
	if (k == 0 || num[k - 1] < '0' || num[k - 1] > '9' || i != n ||
	    strchr("smhdw", unit) == NULL || unit == '\0') {
		sl_err_set(err,
		    "'%s | add: ...' needs a whole number and a unit, like add: -1d (units s m h d w)",
		    r->name);
		err ? err->col = (int)off + 1 : 0;
		return -1;
	}
	v = strtoll(num, NULL, 10);
	if (v > 100000 || v < -100000) {
		sl_err_set(err, "'%s | add: %s%c': at most 100000 units",
			   r->name, num, unit);
		err ? err->col = (int)off + 1 : 0;
		return -1;
	}
	if (r->nadd == TMPL_MAX_ADDS) {
		sl_err_set(err, "'%s': at most %d add filters", r->name,
			   TMPL_MAX_ADDS);
		err ? err->col = (int)off + 1 : 0;
		return -1;
	}
	switch (unit) {
	case 's': r->add[r->nadd] = v; unit = 's'; break;
	case 'm': r->add[r->nadd] = v * 60; unit = 's'; break;
	case 'h': r->add[r->nadd] = v * 3600; unit = 's'; break;
	case 'd': r->add[r->nadd] = v; unit = 'd'; break;
	case 'w': r->add[r->nadd] = v * 7; unit = 'd'; break;
	}
	r->add_unit[r->nadd++] = unit;
	return 0;
}

/* One filter after a bar (f, n bytes, trimmed, at offset off). */
/* A strftime format: every % starts a conversion strftime knows (glibc's
 * flags _ - 0 ^ #, a width, E or O allowed before it), and there is at
 * least one. "ds | %Q" rendered %Q, and "ds | upper" (no such filter)
 * rendered "upper", both without a word. */
static int
tref_format_check(const struct tref *r, const char *f, size_t n, size_t off,
		  struct sl_err *err)
{
	static const char known[] = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%";
	int conversions = 0;

	for (size_t i = 0; i < n; i++) {
		size_t start = i;

		if (f[i] != '%')
			continue;
		i++;
		while (i < n && strchr("_-0^#", f[i]) != NULL)
			i++;
		while (i < n && f[i] >= '0' && f[i] <= '9')
			i++;
		if (i < n && (f[i] == 'E' || f[i] == 'O'))
			i++;
		if (i >= n || strchr(known, f[i]) == NULL) {
			sl_err_set(err, "'%s | %.*s': '%.*s' is not a strftime "
				   "conversion (like %%Y, %%m, %%d, %%H)", r->name,
				   (int)n, f, (int)(i < n ? i - start + 1 : i - start),
				   f + start);
			err ? err->col = (int)(off + start) + 1 : 0;
			return -1;
		}
		conversions++;
	}
	if (conversions == 0) {
		char word[32], hint[64];
		struct text_near near;

		/* "rwa", "indent": a filter's name mistyped */
		snprintf(word, sizeof word, "%.*s", (int)n, f);
		text_near_init(&near, word);
		text_near_add(&near, "raw");
		text_near_add(&near, "ident");
		text_near_add(&near, "add");
		sl_err_set(err, "'%s | %.*s': not a filter (%sadd: N<unit>, raw, "
			   "ident) nor a strftime format (no %% in it)", r->name,
			   (int)n, f, text_hint(text_near_best(&near), hint,
						sizeof hint));
		err ? err->col = (int)off + 1 : 0;
		return -1;
	}
	return 0;
}

static int
tref_filter(struct tref *r, const char *f, size_t n, size_t off,
	    struct sl_err *err)
{
	const char *after = NULL;

	if (r->raw || r->ident)
		after = r->raw ? "raw" : "ident";
	if (after != NULL) {
		sl_err_set(err, "'%s': | %s must be the last filter", r->name,
			   after);
		err ? err->col = (int)off + 1 : 0;
		return -1;
	}
	if (n == 3 && memcmp(f, "raw", 3) == 0) {
		r->raw = 1;
		return 0;
	}
	if (n == 5 && memcmp(f, "ident", 5) == 0) {
		r->ident = 1;
		return 0;
	}
	if (n > 3 && memcmp(f, "add", 3) == 0 &&
	    (f[3] == ':' || f[3] == ' ' || f[3] == '\t')) {
		if (r->has_format) {
			sl_err_set(err, "'%s': add must come before the format",
				   r->name);
			err ? err->col = (int)off + 1 : 0;
			return -1;
		}
		return tref_add(r, f + 3, n - 3, off, err);
	}
	if (r->has_format) {
		sl_err_set(err, "'%s': one format only (a bar inside a format is not allowed)",
			   r->name);
		err ? err->col = (int)off + 1 : 0;
		return -1;
	}
	if (tref_format_check(r, f, n, off, err) < 0)
		return -1;
	memcpy(r->format, f, n);
	r->format[n] = '\0';
	r->has_format = 1;
	return 0;
}

/* Parse the reference starting at text+off ("{{"). */
static int
tref_parse(const char *text, size_t off, struct tref *r, struct sl_err *err)
{
	const char *start = text + off + 2, *p, *close, *bar, *e;
	size_t n;

	memset(r, 0, sizeof *r);
	close = strstr(start, "}}");
	if (close == NULL) {
		sl_err_set(err, "template '{{' at offset %zu is not closed with '}}'",
			   off + 1);
		err ? err->col = (int)off + 1 : 0;
		return -1;
	}
	r->len = (size_t)(close + 2 - (text + off));
	p = skip_space(start);
	r->name_off = (size_t)(p - text);
	bar = memchr(p, '|', (size_t)(close - p));
	e = bar ? bar : close;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t)(e - p);
	if (n == 0 || n >= sizeof r->name) {
		sl_err_set(err, "empty or too long template name");
		err ? err->col = (int)r->name_off + 1 : 0;
		return -1;
	}
	memcpy(r->name, p, n);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)r->name[i]) && r->name[i] != '_' &&
		    r->name[i] != '.' && r->name[i] != '-') {
			sl_err_set(err, "bad template name '%s'", r->name);
			err ? err->col = (int)r->name_off + 1 : 0;
			return -1;
		}
	if (bar != NULL)
		r->filter_off = (size_t)(skip_space(bar + 1) - text);
	while (bar != NULL) {
		const char *f = skip_space(bar + 1), *fe;

		bar = memchr(f, '|', (size_t)(close - f));
		fe = bar ? bar : close;
		while (fe > f && (fe[-1] == ' ' || fe[-1] == '\t'))
			fe--;
		n = (size_t)(fe - f);
		if (n == 0 || n >= sizeof r->format) {
			sl_err_set(err, "'%s |' needs a strftime format after the bar, like %%Y/%%m/%%d (or add: N<unit>, raw, ident)",
				   r->name);
			err ? err->col = (int)r->name_off + 1 : 0;
			return -1;
		}
		if (tref_filter(r, f, n, (size_t)(f - text), err) < 0)
			return -1;
	}
	return 0;
}

static int
tname_find(const char *name, enum tname *id, int *is_time)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(tnames); i++)
		if (strcmp(tnames[i].name, name) == 0) {
			*id = tnames[i].id;
			*is_time = tnames[i].is_time;
			return 0;
		}
	for (size_t i = 0; i < SL_ARRAY_LEN(tprefixes); i++) {
		size_t n = strlen(tprefixes[i].prefix);

		if (strncmp(name, tprefixes[i].prefix, n) == 0 &&
		    name[n] != '\0') {
			*id = tprefixes[i].id;
			*is_time = 0;
			return 0;
		}
	}
	return -1;
}

int
tmpl_output_task(const char *name, char *task, size_t n, const char **key)
{
	const char *p, *dot;

	if (strncmp(name, "tasks.", 6) != 0)
		return -1;
	p = name + 6;
	dot = strstr(p, ".output.");
	if (dot == NULL || dot == p || dot[8] == '\0')
		return -1;
	if (task != NULL) {
		if ((size_t)(dot - p) >= n)
			return -1;
		memcpy(task, p, (size_t)(dot - p));
		task[dot - p] = '\0';
	}
	if (key != NULL)
		*key = dot + 8;
	return 0;
}

int
tmpl_output_refs(const char *text,
		 int (*cb)(void *arg, const char *task, size_t off), void *arg)
{
	const char *p = text;

	while (p != NULL && (p = strstr(p, "{{")) != NULL) {
		struct tref r;
		char task[TMPL_MAX_NAME];

		if (tref_parse(text, (size_t)(p - text), &r, NULL) < 0)
			return 0;	/* the template check reports it */
		if (tmpl_output_task(r.name, task, sizeof task, NULL) == 0 &&
		    cb(arg, task, r.name_off) < 0)
			return -1;
		p += r.len;
	}
	return 0;
}

int
tmpl_name_refs(const char *text, const char *name,
	       int (*cb)(void *arg, size_t off), void *arg)
{
	const char *p = text;
	size_t n = strlen(name);

	while (p != NULL && (p = strstr(p, "{{")) != NULL) {
		struct tref r;

		if (tref_parse(text, (size_t)(p - text), &r, NULL) < 0)
			return 0;	/* the template check reports it */
		if (strncmp(r.name, name, n) == 0 &&
		    (r.name[n] == '\0' || r.name[n] == '.') && cb(arg, r.name_off) < 0)
			return -1;
		p += r.len;
	}
	return 0;
}

int
tmpl_item_refs(const char *text, int (*cb)(void *arg, size_t off), void *arg)
{
	return tmpl_name_refs(text, "item", cb, arg);
}

int
tmpl_has(const char *text)
{
	return text != NULL && strstr(text, "{{") != NULL;
}

/* "dag, task, ..., params.NAME, env.NAME" into out. */
static const char *
tname_list(char *out, size_t n)
{
	struct tmpl_name_info info;
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; tmpl_name_at(i, &info) == 0 && off < n; i++)
		off += (size_t)snprintf(out + off, n - off, "%s%s",
					i > 0 ? ", " : "", info.name);
	return out;
}

/* The load-time check of one reference; sql: in SQL text (| ident). */
static int
tref_check(const struct tref *r, const json_t *params, int sql,
	   struct sl_err *err)
{
	enum tname id;
	int is_time;
	char known[512];

	if (tname_find(r->name, &id, &is_time) < 0) {
		struct tmpl_name_info info;
		struct text_near near;
		char hint[TMPL_MAX_NAME + 32];

		text_near_init(&near, r->name);
		for (size_t i = 0; tmpl_name_at(i, &info) == 0; i++)
			text_near_add(&near, info.name);
		sl_err_set(err, "unknown template name '%s' (%sknown: %s)",
			   r->name, text_hint(text_near_best(&near), hint, sizeof hint),
			   tname_list(known, sizeof known));
		err ? err->col = (int)r->name_off + 1 : 0;
		return -1;
	}
	if (id == TN_PARAM && json_object_get(params, r->name + 7) == NULL) {
		struct text_near near;
		char meant[TMPL_MAX_NAME + 8], hint[TMPL_MAX_NAME + 32];
		const char *k;
		json_t *v;

		text_near_init(&near, r->name + 7);
		json_object_foreach((json_t *)params, k, v)
			text_near_add(&near, k);
		if (text_near_best(&near) != NULL)
			snprintf(meant, sizeof meant, "params.%s", text_near_best(&near));
		sl_err_set(err,
		    "unknown template name '%s': the DAG has no param '%s' (%sdeclare it under params:)",
		    r->name, r->name + 7,
		    text_hint(text_near_best(&near) ? meant : NULL, hint, sizeof hint));
		err ? err->col = (int)r->name_off + 1 : 0;
		return -1;
	}
	if (id == TN_OUTPUT && tmpl_output_task(r->name, NULL, 0, NULL) < 0) {
		sl_err_set(err,
		    "bad template name '%s': write tasks.NAME.output.KEY (NAME an upstream task, KEY a key it writes to $SLUICE_OUTPUT)",
		    r->name);
		err ? err->col = (int)r->name_off + 1 : 0;
		return -1;
	}
	if (r->has_format && !is_time) {
		sl_err_set(err,
		    "'%s | %s': a format applies only to times (ds, ts, data_interval_start, data_interval_end, prev_ds, next_ds)",
		    r->name, r->format);
		err ? err->col = (int)r->name_off + 1 : 0;
		return -1;
	}
	if (r->nadd > 0 && !is_time) {
		sl_err_set(err,
		    "'%s | add': add applies only to times (ds, ts, data_interval_start, data_interval_end, prev_ds, next_ds)",
		    r->name);
		err ? err->col = (int)r->filter_off + 1 : 0;
		return -1;
	}
	if (r->ident && !sql) {
		sl_err_set(err,
		    "'%s | ident': ident applies only in SQL (a sql task's sql, file and check queries)",
		    r->name);
		err ? err->col = (int)r->filter_off + 1 : 0;
		return -1;
	}
	return 0;
}

int
tmpl_check(const char *text, const json_t *params, struct sl_err *err)
{
	const char *p = text;

	while ((p = strstr(p, "{{")) != NULL) {
		struct tref r;

		if (tref_parse(text, (size_t)(p - text), &r, err) < 0 ||
		    tref_check(&r, params, 0, err) < 0)
			return -1;
		p += r.len;
	}
	return 0;
}

/* Line and column (1-based) of offset off in text. */
static void
text_place(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && text[i] != '\0'; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

/* How values go in. */
enum render_mode {
	RENDER_PLAIN,	/* as they are */
	RENDER_SHELL,	/* one quoted shell word (shquote.h) */
	RENDER_SQL,	/* SQL data (sqlquote.h) */
	RENDER_HTML,	/* HTML text, escaped (text_html_escape) */
	RENDER_GLOB,	/* a wildcard pattern, values literal
			 * (text_glob_escape) */
};

/* May r's value go in where the shell or SQL scan stands? Else why not
 * into why (size n). */
static int
place_ok(enum render_mode mode, struct shquote_scan *shell,
	 const struct sqlquote_scan *sql, const struct tref *r,
	 struct buf *scratch, char *why, size_t n)
{
	struct sl_err ierr;

	if (mode == RENDER_SHELL) {
		enum shquote_where w = shquote_scan_where(shell);

		if (shquote_insert(shell, scratch, "", 0) == 0)
			return 0;
		snprintf(why, n,
		    " stands inside %s, where sluice cannot insert a value as one quoted shell word; move it out (e.g. X={{ %s }} on a line before, then \"$X\")",
		    shquote_where_name(w), r->name);
		return -1;
	}
	if (r->has_format && strchr(r->format, '\\') != NULL) {
		snprintf(why, n, ": its format holds a backslash, which cannot go into SQL as a literal");
		return -1;
	}
	sl_err_clear(&ierr);
	if (sqlquote_insert(sql, r->ident ? SQLQ_AS_IDENT : SQLQ_AS_LITERAL,
			    scratch, "x", 1, &ierr) == 0)
		return 0;
	snprintf(why, n, ": %s; move it out", ierr.msg);
	return -1;
}

/* The load-time check of a shell line or SQL text: names, and where each
 * template stands (see shquote.h, sqlquote.h). */
static int
check_placed(const char *text, const json_t *params, enum render_mode mode,
	     struct sl_err *err)
{
	struct shquote_scan shell;
	struct sqlquote_scan sql;
	struct buf scratch;
	const char *p = text, *q, *what = mode == RENDER_SQL ? "SQL" : "command";
	char why[SL_ERR_MSG + 32];
	int quoted = 0, line, col;

	shquote_scan_init(&shell);
	sqlquote_scan_init(&sql);
	buf_init(&scratch, 0);
	while ((q = strstr(p, "{{")) != NULL) {
		struct tref r;

		if (mode == RENDER_SQL)
			sqlquote_scan_feed(&sql, p, (size_t)(q - p));
		else
			shquote_scan_feed(&shell, p, (size_t)(q - p));
		if (tref_parse(text, (size_t)(q - text), &r, err) < 0 ||
		    tref_check(&r, params, mode == RENDER_SQL, err) < 0) {
			buf_free(&scratch);
			return -1;
		}
		p = q + r.len;
		if (r.raw)
			continue;
		quoted = 1;
		if (place_ok(mode, &shell, &sql, &r, &scratch, why,
			     sizeof why) < 0) {
			text_place(text, r.name_off, &line, &col);
			sl_err_set(err,
			    "'{{ %s }}' (line %d, column %d of the %s)%s, or write {{ %s | raw }} if the value is trusted",
			    r.name, line, col, what, why, r.name);
			err ? err->col = (int)r.name_off + 1 : 0;
			buf_free(&scratch);
			return -1;
		}
	}
	buf_free(&scratch);
	if (mode == RENDER_SQL) {
		sqlquote_scan_feed(&sql, p, strlen(p));
		if (quoted && !sqlquote_scan_closed(&sql))
			return sl_err_set(err,
			    "the SQL leaves a quote, comment or $$ body open (%s), so sluice cannot tell where its templates stand",
			    sqlquote_where_name(sqlquote_scan_where(&sql)));
		return 0;
	}
	shquote_scan_feed(&shell, p, strlen(p));
	if (quoted && !shquote_scan_closed(&shell))
		return sl_err_set(err,
		    "the command leaves a quote, $(, backtick or here-document open (or nests too deep), so sluice cannot tell where its templates stand");
	return 0;
}

int
tmpl_check_shell(const char *text, const json_t *params, struct sl_err *err)
{
	return check_placed(text, params, RENDER_SHELL, err);
}

int
tmpl_check_sql(const char *text, const json_t *params, struct sl_err *err)
{
	return check_placed(text, params, RENDER_SQL, err);
}

static void
add_json_value(struct buf *out, const json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		buf_add(out, json_string_value(v), json_string_length(v));
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (s != NULL) {
		buf_adds(out, s);
		free(s);
	}
}

/* Shift t by a reference's add filters: s exact seconds, d calendar days
 * in the zone (same wall time; a skipped one gives the end of the gap, a
 * repeated one its first occurrence). */
static int64_t
shift_time(const struct tref *r, const struct tmpl_ctx *ctx, int64_t t)
{
	for (int i = 0; i < r->nadd; i++) {
		struct tm wall;
		int64_t shifted;

		if (r->add_unit[i] == 's') {
			t += r->add[i];
			continue;
		}
		tz_local(ctx->tz, t, &wall);
		wall.tm_mday += (int)r->add[i];
		if (tz_wall_to_instant(ctx->tz, &wall, &shifted, NULL) >= 0)
			t = shifted;
	}
	return t;
}

static void
add_time(struct buf *out, const struct tmpl_ctx *ctx, const struct tref *r,
	 int64_t t, const char *fmt)
{
	char tmp[512];

	t = shift_time(r, ctx, t);
	if (fmt != NULL) {
		if (tz_strftime(ctx->tz, t, fmt, tmp, sizeof tmp) == 0)
			tmp[0] = '\0';
	} else
		tz_iso(ctx->tz, t, tmp, sizeof tmp);
	buf_adds(out, tmp);
}

/* The start of the partition before this one: the schedule's previous
 * tick, or for an unscheduled DAG the interval of the same length just
 * before (-1 when there is none). */
static int64_t
prev_start(const struct tmpl_ctx *ctx)
{
	if (ctx->schedule != NULL)
		return cron_prev(ctx->schedule, ctx->tz, ctx->start - 1);
	return ctx->start - (ctx->end - ctx->start);
}

/* Is name a param declared secret: true? */
static int
param_secret(const struct tmpl_ctx *ctx, const char *name)
{
	const json_t *decl = json_object_get(ctx->decls, name);

	return json_is_true(json_object_get(decl, "secret"));
}

/* tasks.NAME.output.KEY: the value KEY of NAME's output in this run. */
static int
output_value(const struct tref *r, const struct tmpl_ctx *ctx,
	     struct buf *out, int *is_number, struct sl_err *err)
{
	char task[TMPL_MAX_NAME];
	const char *key;
	json_t *v;

	if (tmpl_output_task(r->name, task, sizeof task, &key) < 0)
		return sl_err_set(err, "bad template name '%s'", r->name);
	if (ctx->outputs == NULL)
		return sl_err_set(err, "'%s': task outputs are not available here",
				  r->name);
	v = json_object_get(json_object_get(ctx->outputs, task), key);
	if (v == NULL || json_is_null(v))
		return sl_err_set(err,
		    "'%s': task %s wrote no output '%s' in this run (to $SLUICE_OUTPUT)",
		    r->name, task, key);
	add_json_value(out, v);
	*is_number = json_is_number(v);
	return 0;
}

int
tmpl_item_get(const json_t *item, const char *name, const json_t **out,
	      struct sl_err *err)
{
	const json_t *v = item;
	const char *p = name + 4;

	while (*p == '.') {
		char field[TMPL_MAX_NAME];
		size_t n = strcspn(p + 1, ".");

		if (n == 0 || n >= sizeof field)
			return sl_err_set(err, "bad template name '%s'", name);
		memcpy(field, p + 1, n);
		field[n] = '\0';
		if (!json_is_object(v))
			return sl_err_set(err, "'%s': the item is not an object (it is %s)",
					  name, json_is_array(v) ? "a list" : "a scalar");
		v = json_object_get(v, field);
		if (v == NULL)
			return sl_err_set(err, "'%s': the item has no field '%s'",
					  name, field);
		p += 1 + n;
	}
	*out = v;
	return 0;
}

/* item, item.FIELD[.SUB...]: the mapped item's value (or a field's). */
static int
item_value(const struct tref *r, const struct tmpl_ctx *ctx, struct buf *out,
	   int *is_number, struct sl_err *err)
{
	const json_t *v;

	if (ctx->item == NULL)
		return sl_err_set(err, "'%s': only the items of a mapped task (foreach:) have one",
				  r->name);
	if (tmpl_item_get(ctx->item, r->name, &v, err) < 0)
		return -1;
	add_json_value(out, v);
	*is_number = json_is_number(v);
	return 0;
}

/* The value of one reference, appended to out; *is_number: the value is
 * a number's text (a JSON number param, try_number). */
static int
tref_value(const struct tref *r, const struct tmpl_ctx *ctx, struct buf *out,
	   int *is_number, struct sl_err *err)
{
	enum tname id;
	int is_time;
	char tmp[64];
	const char *fmt = r->has_format ? r->format : NULL;
	int64_t t;

	*is_number = 0;
	if (tname_find(r->name, &id, &is_time) < 0)
		return sl_err_set(err, "unknown template name '%s'", r->name);
	switch (id) {
	case TN_DAG:
		buf_adds(out, ctx->dag ? ctx->dag : "");
		break;
	case TN_TASK:
		buf_adds(out, ctx->task ? ctx->task : "");
		break;
	case TN_RUN_ID:
		buf_adds(out, ctx->run_id ? ctx->run_id : "");
		break;
	case TN_PARTITION:
		buf_adds(out, ctx->partition ? ctx->partition : "");
		break;
	case TN_DS:
		add_time(out, ctx, r, ctx->start, fmt ? fmt : "%Y-%m-%d");
		break;
	case TN_DS_NODASH:
		add_time(out, ctx, r, ctx->start, "%Y%m%d");
		break;
	case TN_TS:
	case TN_START:
		add_time(out, ctx, r, ctx->start, fmt);
		break;
	case TN_TS_NODASH:
		add_time(out, ctx, r, ctx->start, "%Y%m%dT%H%M%S");
		break;
	case TN_END:
		add_time(out, ctx, r, ctx->end, fmt);
		break;
	case TN_PREV_DS:
		if ((t = prev_start(ctx)) < 0)
			return sl_err_set(err, "prev_ds: the schedule has no tick before %s",
					  ctx->partition ? ctx->partition : "this partition");
		add_time(out, ctx, r, t, fmt ? fmt : "%Y-%m-%d");
		break;
	case TN_NEXT_DS:
		add_time(out, ctx, r, ctx->end, fmt ? fmt : "%Y-%m-%d");
		break;
	case TN_PREV_PARTITION:
		if (ctx->schedule == NULL)
			return sl_err_set(err,
			    "prev_partition: the DAG is unscheduled, so its partitions have no order");
		if ((t = prev_start(ctx)) < 0)
			return sl_err_set(err, "prev_partition: the schedule has no tick before %s",
					  ctx->partition ? ctx->partition : "this partition");
		add_time(out, ctx, r, t, NULL);
		break;
	case TN_TRY:
		snprintf(tmp, sizeof tmp, "%d", ctx->try_number);
		buf_adds(out, tmp);
		*is_number = 1;
		break;
	case TN_PARAM: {
		json_t *v = json_object_get(ctx->params, r->name + 7);

		if (v == NULL)
			return sl_err_set(err, "param '%s' has no value",
					  r->name + 7);
		if (ctx->mask_secrets && param_secret(ctx, r->name + 7))
			buf_adds(out, TMPL_MASK);
		else {
			add_json_value(out, v);
			*is_number = json_is_number(v);
		}
		break;
	}
	case TN_ENV: {
		const char *v = getenv(r->name + 4);

		buf_adds(out, v ? v : "");
		break;
	}
	case TN_OUTPUT:
		return output_value(r, ctx, out, is_number, err);
	case TN_ITEM:
	case TN_ITEM_FIELD:
		return item_value(r, ctx, out, is_number, err);
	}
	return 0;
}

/* Render text, values inserted as mode says. */
static int
render(const char *text, const struct tmpl_ctx *ctx, enum render_mode mode,
       struct buf *out, struct sl_err *err)
{
	struct shquote_scan shell;
	struct sqlquote_scan sql;
	const char *p = text, *q;
	struct buf value;
	struct sl_err ierr;

	shquote_scan_init(&shell);
	sqlquote_scan_init(&sql);
	buf_init(&value, 0);
	while ((q = strstr(p, "{{")) != NULL) {
		struct tref r;
		int is_number, rc = 0;

		buf_add(out, p, (size_t)(q - p));
		if (mode == RENDER_SHELL)
			shquote_scan_feed(&shell, p, (size_t)(q - p));
		else if (mode == RENDER_SQL)
			sqlquote_scan_feed(&sql, p, (size_t)(q - p));
		buf_reset(&value);
		if (tref_parse(text, (size_t)(q - text), &r, err) < 0 ||
		    tref_value(&r, ctx, &value, &is_number, err) < 0) {
			buf_free(&value);
			return -1;
		}
		if (mode == RENDER_PLAIN || r.raw)
			buf_add(out, buf_str(&value), value.len);
		else if (mode == RENDER_HTML)
			text_html_escape(out, buf_str(&value));
		else if (mode == RENDER_GLOB)
			text_glob_escape(out, buf_str(&value));
		else if (mode == RENDER_SHELL) {
			if (shquote_insert(&shell, out, buf_str(&value),
					   value.len) < 0)
				rc = sl_err_set(err,
				    "'{{ %s }}' stands inside %s, where its value cannot be quoted as one shell word",
				    r.name,
				    shquote_where_name(shquote_scan_where(&shell)));
		} else {
			sl_err_clear(&ierr);
			if (sqlquote_insert(&sql, r.ident ? SQLQ_AS_IDENT :
					    is_number ? SQLQ_AS_NUMBER :
					    SQLQ_AS_LITERAL, out,
					    buf_str(&value), value.len,
					    &ierr) < 0)
				rc = sl_err_set(err, "'{{ %s }}': %s", r.name,
						ierr.msg);
		}
		if (rc < 0) {
			buf_free(&value);
			return -1;
		}
		p = q + r.len;
	}
	buf_free(&value);
	buf_adds(out, p);
	return 0;
}

int
tmpl_render(const char *text, const struct tmpl_ctx *ctx, struct buf *out,
	    struct sl_err *err)
{
	return render(text, ctx, RENDER_PLAIN, out, err);
}

int
tmpl_render_sql(const char *text, const struct tmpl_ctx *ctx,
		struct buf *out, struct sl_err *err)
{
	return render(text, ctx, RENDER_SQL, out, err);
}

int
tmpl_render_shell(const char *text, const struct tmpl_ctx *ctx,
		  struct buf *out, struct sl_err *err)
{
	return render(text, ctx, RENDER_SHELL, out, err);
}

char *
tmpl_shell_line(const char *text, const struct tmpl_ctx *ctx,
		struct sl_err *err)
{
	struct buf b;

	buf_init(&b, 0);
	if (tmpl_render_shell(text, ctx, &b, err) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Render every string inside a JSON value, values inserted as mode says
 * (a new reference). */
static int
render_json(const json_t *in, const struct tmpl_ctx *ctx,
	    enum render_mode mode, json_t **out, struct sl_err *err)
{
	if (json_is_string(in)) {
		struct buf b;

		if (!tmpl_has(json_string_value(in))) {
			*out = json_incref((json_t *)in);
			return 0;
		}
		buf_init(&b, 0);
		if (render(json_string_value(in), ctx, mode, &b, err) < 0) {
			buf_free(&b);
			return -1;
		}
		*out = json_string(buf_str(&b));
		buf_free(&b);
		if (*out == NULL)
			return sl_err_set(err, "rendered value is not valid UTF-8");
		return 0;
	}
	if (json_is_array(in)) {
		json_t *arr = json_array(), *v, *r;
		size_t i;

		json_array_foreach(in, i, v) {
			if (render_json(v, ctx, mode, &r, err) < 0) {
				json_decref(arr);
				return -1;
			}
			json_array_append_new(arr, r);
		}
		*out = arr;
		return 0;
	}
	if (json_is_object(in)) {
		json_t *obj = json_object(), *v, *r;
		const char *k;

		json_object_foreach((json_t *)in, k, v) {
			if (render_json(v, ctx, mode, &r, err) < 0) {
				json_decref(obj);
				return -1;
			}
			json_object_set_new(obj, k, r);
		}
		*out = obj;
		return 0;
	}
	*out = json_incref((json_t *)in);
	return 0;
}

int
tmpl_render_opts(const struct op_key *keys, const json_t *options,
		 const struct tmpl_ctx *ctx, json_t **out, struct sl_err *err)
{
	json_t *obj, *v, *r;
	const char *k;

	if (!json_is_object(options))
		return tmpl_render_json(options, ctx, out, err);
	obj = json_object();
	json_object_foreach((json_t *)options, k, v) {
		const struct op_key *key = keys;
		enum render_mode mode = RENDER_PLAIN;

		while (key != NULL && key->name != NULL && strcmp(key->name, k) != 0)
			key++;
		if (key != NULL && key->name != NULL) {
			/* a shell line is one string; SQL is every string
			 * inside (a check's query) */
			if (key->templated == OPK_SHELL_LINE && json_is_string(v))
				mode = RENDER_SHELL;
			else if (key->templated == OPK_SQL_TEXT)
				mode = RENDER_SQL;
			else if (key->templated == OPK_HTML_TEXT)
				mode = RENDER_HTML;
			else if (key->templated == OPK_GLOB_TEXT)
				mode = RENDER_GLOB;
		}
		if (render_json(v, ctx, mode, &r, err) < 0) {
			json_decref(obj);
			return -1;
		}
		json_object_set_new(obj, k, r);
	}
	*out = obj;
	return 0;
}

int
tmpl_render_json(const json_t *in, const struct tmpl_ctx *ctx, json_t **out,
		 struct sl_err *err)
{
	return render_json(in, ctx, RENDER_PLAIN, out, err);
}

int
tmpl_check_json(const json_t *in, const json_t *params, struct sl_err *err)
{
	return tmpl_check_as(0, in, params, err);
}

int
tmpl_check_as(int templated, const json_t *in, const json_t *params,
	      struct sl_err *err)
{
	size_t i;
	const char *k;
	json_t *v;

	if (json_is_string(in)) {
		if (templated == OPK_SQL_TEXT)
			return tmpl_check_sql(json_string_value(in), params, err);
		if (templated == OPK_SHELL_LINE)
			return tmpl_check_shell(json_string_value(in), params,
						err);
		return tmpl_check(json_string_value(in), params, err);
	}
	/* a list of shell lines is a list of arguments: checked plain */
	if (templated == OPK_SHELL_LINE)
		templated = 0;
	if (json_is_array(in)) {
		json_array_foreach(in, i, v)
			if (tmpl_check_as(templated, v, params, err) < 0)
				return -1;
	} else if (json_is_object(in)) {
		json_object_foreach((json_t *)in, k, v)
			if (tmpl_check_as(templated, v, params, err) < 0)
				return -1;
	}
	return 0;
}
