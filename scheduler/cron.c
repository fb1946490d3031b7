/*
 * cron.c: parse 5-field cron expressions and find their ticks in a zone.
 *
 * Fields become bit sets. The search runs on "naive" wall seconds (the
 * wall clock read as if it were UTC) and skips by month, day, hour and
 * minute using the bit sets, so a search costs a few hundred steps at
 * most, never a walk minute by minute.
 *
 * The two DST rules of CRON.md give two ways to map wall times to ticks:
 * - wildcard schedules (minute or hour starts with '*'): a tick is any
 *   instant whose wall time matches. tz_span gives spans of constant
 *   offset; within a span wall time is instant + offset, so the search is
 *   done span by span.
 * - fixed-time schedules: a tick is f(W) for each matching wall time W,
 *   where f is the first occurrence of W, or the end of the gap when W is
 *   skipped. f never decreases as W grows, so the next tick is f of the
 *   first matching W after the wall time of `after` whose f(W) > after
 *   (only walls inside a repeated hour are passed over), and the previous
 *   tick is the mirror of that.
 */
#include "scheduler/cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

/* The hint to a schedule written as an interval (1h, @every 1h). */
#define CRON_NOT_INTERVAL \
	" (a schedule is a cron line, not an interval: every hour is " \
	"@hourly or '0 * * * *', every 15 minutes '*/15 * * * *')"

#define CRON_DAY INT64_C(86400)
/* How far cron_next and cron_prev look. */
#define CRON_HORIZON (5 * 366 * CRON_DAY)
#define CRON_TEXT_MAX 512
/* Offsets are within a day; overlaps and gaps shorter than that. */
#define CRON_SLACK (2 * CRON_DAY)

struct cron {
	char *text;
	uint64_t minute;	/* bits 0-59 */
	uint64_t hour;		/* bits 0-23 */
	uint64_t dom;		/* bits 1-31 */
	uint64_t month;		/* bits 1-12 */
	uint64_t dow;		/* bits 0-6, Sunday = 0 */
	int dom_star;		/* the field starts with '*' */
	int dow_star;
	int wildcard;		/* minute or hour starts with '*' */
};

struct cron_field {
	const char *name;
	int min, max;
	const char *const *names;	/* names[i] is value min + i */
};

static const char *const cron_month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
	"nov", "dec", NULL
};
static const char *const cron_day_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

/* dow accepts 0-7 (7 is Sunday again); bits are folded after parsing. */
static const struct cron_field cron_fields[5] = {
	{ "minute", 0, 59, NULL },
	{ "hour", 0, 23, NULL },
	{ "day-of-month", 1, 31, NULL },
	{ "month", 1, 12, cron_month_names },
	{ "day-of-week", 0, 7, cron_day_names },
};

static const struct {
	const char *name;
	const char *expr;
} cron_macros[] = {
	{ "@hourly", "0 * * * *" },
	{ "@daily", "0 0 * * *" },
	{ "@midnight", "0 0 * * *" },
	{ "@weekly", "0 0 * * 0" },
	{ "@monthly", "0 0 1 * *" },
	{ "@yearly", "0 0 1 1 *" },
	{ "@annually", "0 0 1 1 *" },
};

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Parse one value of a field (a number or a name) from s[0..n). */
static int
cron_value(const char *expr, const struct cron_field *f, const char *s,
	   size_t n, int *v, struct sl_err *err)
{
	long long x = 0;
	size_t i;

	if (n > 0 && isdigit((unsigned char)s[0])) {
		for (i = 0; i < n; i++) {
			if (!isdigit((unsigned char)s[i]))
				goto bad;
			if (x < 1000000)
				x = x * 10 + (s[i] - '0');
		}
		if (x < f->min || x > f->max)
			return sl_err_set(err, "cron '%s': %s field: %.*s is "
					  "out of range %d-%d", expr, f->name,
					  (int)n, s, f->min, f->max);
		*v = (int)x;
		return 0;
	}
	if (f->names != NULL && n == 3) {
		for (i = 0; f->names[i] != NULL; i++) {
			if (strncasecmp(s, f->names[i], 3) == 0) {
				*v = f->min + (int)i;
				return 0;
			}
		}
	}
bad:
	return sl_err_set(err, "cron '%s': %s field: '%.*s' is not a number "
			  "or name", expr, f->name, (int)n, s);
}

/* Parse one field s[0..n) into a bit set. */
static int
cron_field_parse(const char *expr, const struct cron_field *f, const char *s,
		 size_t n, uint64_t *bits, struct sl_err *err)
{
	const char *item = s, *end = s + n;

	*bits = 0;
	while (item <= end) {
		const char *comma = memchr(item, ',', (size_t)(end - item));
		const char *iend = comma != NULL ? comma : end;
		const char *slash = memchr(item, '/', (size_t)(iend - item));
		const char *bend = slash != NULL ? slash : iend;
		const char *dash;
		int lo, hi, step = 1, v;
		size_t ilen = (size_t)(iend - item);

		if (ilen == 0)
			return sl_err_set(err, "cron '%s': %s field: empty "
					  "list item in '%.*s'", expr, f->name,
					  (int)n, s);
		if (slash != NULL) {
			const char *st = slash + 1;
			long long x = 0;
			size_t sl = (size_t)(iend - st), i;
			int span = f->max - f->min + 1;

			if (sl == 0)
				return sl_err_set(err, "cron '%s': %s field: "
						  "'%.*s' has no step after "
						  "'/'", expr, f->name,
						  (int)ilen, item);
			for (i = 0; i < sl; i++) {
				if (!isdigit((unsigned char)st[i]))
					return sl_err_set(err, "cron '%s': %s "
							  "field: step '%.*s' "
							  "is not a number",
							  expr, f->name,
							  (int)sl, st);
				if (x < 1000000)
					x = x * 10 + (st[i] - '0');
			}
			if (x < 1 || x > span)
				return sl_err_set(err, "cron '%s': %s field: "
						  "step %lld is out of range "
						  "1-%d", expr, f->name, x,
						  span);
			step = (int)x;
		}
		if (bend - item == 1 && item[0] == '*') {
			lo = f->min;
			hi = f->max;
			/* day-of-week '*' is 0-6; 7 would only repeat 0 */
			if (f->names == cron_day_names)
				hi = 6;
		} else {
			dash = memchr(item, '-', (size_t)(bend - item));
			if (dash == item)
				dash = NULL;	/* "-5": reported below */
			if (cron_value(expr, f, item,
				       (size_t)((dash ? dash : bend) - item),
				       &lo, err) < 0)
				return -1;
			if (dash != NULL) {
				if (cron_value(expr, f, dash + 1,
					       (size_t)(bend - dash - 1), &hi,
					       err) < 0)
					return -1;
				/* "MON-SUN", "5-0": Sunday ends the week */
				if (f->names == cron_day_names && hi == 0 &&
				    lo > 0)
					hi = 7;
				if (hi < lo)
					return sl_err_set(err, "cron '%s': %s "
							  "field: range '%.*s' "
							  "ends before it "
							  "starts", expr,
							  f->name,
							  (int)(bend - item),
							  item);
			} else {
				/* "5/15" runs from 5 to the end */
				hi = slash != NULL ? f->max : lo;
			}
		}
		for (v = lo; v <= hi; v += step)
			*bits |= UINT64_C(1) << v;
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	return 0;
}

int
cron_parse(const char *expr, struct cron **out, struct sl_err *err)
{
	const char *p;
	const char *start[6];
	size_t len[6];
	uint64_t bits[5];
	struct cron *c;
	int nfields = 0, i;
	size_t k;

	*out = NULL;
	if (strlen(expr) > CRON_TEXT_MAX)
		return sl_err_set(err, "cron expression is too long (%zu "
				  "characters, at most %d)", strlen(expr),
				  CRON_TEXT_MAX);
	p = expr;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '@') {
		size_t n = strcspn(p, " \t\r\n");
		const char *q = p + n;

		while (isspace((unsigned char)*q))
			q++;
		for (k = 0; k < SL_ARRAY_LEN(cron_macros); k++) {
			if (strlen(cron_macros[k].name) == n &&
			    strncasecmp(p, cron_macros[k].name, n) == 0)
				break;
		}
		if (k < SL_ARRAY_LEN(cron_macros) && *q != '\0')
			return sl_err_set(err, "cron '%s': nothing may follow "
					  "'%.*s'", expr, (int)n, p);
		if (k == SL_ARRAY_LEN(cron_macros)) {
			char word[32], hint[64];
			struct text_near near;

			snprintf(word, sizeof word, "%.*s", (int)n, p);
			text_near_init(&near, word);
			for (k = 0; k < SL_ARRAY_LEN(cron_macros); k++)
				text_near_add(&near, cron_macros[k].name);
			return sl_err_set(err, "cron '%s': unknown macro "
					  "'%.*s' (%sknown: @hourly, @daily, "
					  "@midnight, @weekly, @monthly, "
					  "@yearly, @annually)%s", expr, (int)n, p,
					  text_hint(text_near_best(&near), hint,
						    sizeof hint),
					  strcmp(word, "@every") == 0 ?
					  CRON_NOT_INTERVAL : "");
		}
		p = cron_macros[k].expr;
	}
	/* Split on blanks; count every field to report "got N". */
	while (*p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (nfields < 6) {
			start[nfields] = p;
			len[nfields] = strcspn(p, " \t\r\n\v\f");
		}
		nfields++;
		p += strcspn(p, " \t\r\n\v\f");
	}
	if (nfields == 1 && len[0] < 30) {
		/* "daily" for "@daily" */
		for (k = 0; k < SL_ARRAY_LEN(cron_macros); k++)
			if (strlen(cron_macros[k].name) == len[0] + 1 &&
			    strncasecmp(start[0], cron_macros[k].name + 1,
					len[0]) == 0)
				return sl_err_set(err, "cron '%s': expected 5 fields, got 1 (did you mean '%s'?)",
						  expr, cron_macros[k].name);
	}
	if (nfields != 5) {
		int64_t ms;
		char one[32];

		snprintf(one, sizeof one, "%.*s", (int)(nfields == 1 ? len[0] : 0),
			 nfields == 1 ? start[0] : "");
		return sl_err_set(err, "cron '%s': expected 5 fields, got %d%s",
				  expr, nfields,
				  nfields == 6 || nfields == 7 ?
				  " (minute hour day-of-month month day-of-week: "
				  "there is no seconds or year field)" :
				  nfields == 1 && sl_parse_duration(one, &ms) == 0 ?
				  CRON_NOT_INTERVAL : "");
	}
	for (i = 0; i < 5; i++)
		if (cron_field_parse(expr, &cron_fields[i], start[i], len[i],
				     &bits[i], err) < 0)
			return -1;
	c = xcalloc(1, sizeof(*c));
	c->text = xstrdup(expr);
	c->minute = bits[0];
	c->hour = bits[1];
	c->dom = bits[2];
	c->month = bits[3];
	c->dow = (bits[4] | (bits[4] >> 7)) & 0x7f;	/* 7 is Sunday */
	c->dom_star = start[2][0] == '*';
	c->dow_star = start[4][0] == '*';
	c->wildcard = start[0][0] == '*' || start[1][0] == '*';
	*out = c;
	return 0;
}

void
cron_free(struct cron *c)
{
	if (c == NULL)
		return;
	free(c->text);
	free(c);
}

int
cron_never_ticks(const struct cron *c)
{
	static const int month_days[13] = { 0, 31, 29, 31, 30, 31, 30, 31,
					    31, 30, 31, 30, 31 };

	/* a day of the week named too ticks (either one matches then) */
	if (c->dom_star || !c->dow_star)
		return 0;
	for (int m = 1; m <= 12; m++)
		if ((c->month & (UINT64_C(1) << m)) &&
		    (c->dom & ((UINT64_C(1) << (month_days[m] + 1)) - 1)) != 0)
			return 0;
	return 1;
}

const char *
cron_text(const struct cron *c)
{
	return c->text;
}

int
cron_is_wildcard(const struct cron *c)
{
	return c->wildcard;
}

/* Smallest bit >= from in bits, or -1. */
static int
bit_next(uint64_t bits, int from)
{
	if (from > 63)
		return -1;
	bits &= ~UINT64_C(0) << from;
	return bits ? __builtin_ctzll(bits) : -1;
}

/* Largest bit <= from in bits, or -1. */
static int
bit_prev(uint64_t bits, int from)
{
	if (from < 0)
		return -1;
	if (from < 63)
		bits &= (UINT64_C(1) << (from + 1)) - 1;
	return bits ? 63 - __builtin_clzll(bits) : -1;
}

/* A wall clock position during the search. */
struct cron_wall {
	int64_t y;
	int m, d, h, mi;
};

static int64_t
cron_wall_naive(const struct cron_wall *w)
{
	return tz_days_from_civil(w->y, w->m, w->d) * CRON_DAY +
		w->h * 3600 + w->mi * 60;
}

static void
cron_wall_set(struct cron_wall *w, int64_t naive)
{
	int64_t days = floor_div(naive, CRON_DAY);
	int64_t sod = naive - days * CRON_DAY;

	tz_civil_from_days(days, &w->y, &w->m, &w->d);
	w->h = (int)(sod / 3600);
	w->mi = (int)(sod % 3600 / 60);
}

static int
cron_day_matches(const struct cron *c, const struct cron_wall *w)
{
	int64_t days = tz_days_from_civil(w->y, w->m, w->d);
	int dow = (int)((days % 7 + 11) % 7);	/* 1970-01-01 was a Thursday */
	int dom_ok = (c->dom >> w->d) & 1;
	int dow_ok = (c->dow >> dow) & 1;

	if (c->dom_star || c->dow_star)
		return dom_ok && dow_ok;
	return dom_ok || dow_ok;
}

/* Step w to the first minute of the next day. */
static void
cron_wall_next_day(struct cron_wall *w)
{
	w->h = 0;
	w->mi = 0;
	if (++w->d > tz_days_in_month(w->y, w->m)) {
		w->d = 1;
		if (++w->m > 12) {
			w->m = 1;
			w->y++;
		}
	}
}

/* Step w to the last minute of the day before. */
static void
cron_wall_prev_day(struct cron_wall *w)
{
	w->h = 23;
	w->mi = 59;
	if (--w->d < 1) {
		if (--w->m < 1) {
			w->m = 12;
			w->y--;
		}
		w->d = tz_days_in_month(w->y, w->m);
	}
}

/* Smallest matching naive wall time in [from, limit] (from rounded up to
 * a minute) into *out; -1 when there is none. */
static int
cron_wall_next(const struct cron *c, int64_t from, int64_t limit,
	       int64_t *out)
{
	struct cron_wall w;
	int v;

	cron_wall_set(&w, floor_div(from + 59, 60) * 60);
	for (;;) {
		if (cron_wall_naive(&w) > limit)
			return -1;
		if (!((c->month >> w.m) & 1)) {
			v = bit_next(c->month, w.m);
			if (v < 0) {
				w.y++;
				v = bit_next(c->month, 1);
			}
			w.m = v;
			w.d = 1;
			w.h = 0;
			w.mi = 0;
			continue;
		}
		if (!cron_day_matches(c, &w)) {
			cron_wall_next_day(&w);
			continue;
		}
		if (!((c->hour >> w.h) & 1)) {
			v = bit_next(c->hour, w.h);
			if (v < 0) {
				cron_wall_next_day(&w);
			} else {
				w.h = v;
				w.mi = 0;
			}
			continue;
		}
		if (!((c->minute >> w.mi) & 1)) {
			v = bit_next(c->minute, w.mi);
			if (v >= 0) {
				w.mi = v;
			} else if (w.h < 23) {
				w.h++;
				w.mi = 0;
			} else {
				cron_wall_next_day(&w);
			}
			continue;
		}
		*out = cron_wall_naive(&w);
		return 0;
	}
}

/* Largest matching naive wall time in [limit, from] (from rounded down to
 * a minute) into *out; -1 when there is none. */
static int
cron_wall_prev(const struct cron *c, int64_t from, int64_t limit,
	       int64_t *out)
{
	struct cron_wall w;
	int v;

	cron_wall_set(&w, floor_div(from, 60) * 60);
	for (;;) {
		if (cron_wall_naive(&w) < limit)
			return -1;
		if (!((c->month >> w.m) & 1)) {
			v = bit_prev(c->month, w.m);
			if (v < 1) {
				w.y--;
				v = bit_prev(c->month, 12);
			}
			w.m = v;
			w.d = tz_days_in_month(w.y, w.m);
			w.h = 23;
			w.mi = 59;
			continue;
		}
		if (!cron_day_matches(c, &w)) {
			cron_wall_prev_day(&w);
			continue;
		}
		if (!((c->hour >> w.h) & 1)) {
			v = bit_prev(c->hour, w.h);
			if (v < 0) {
				cron_wall_prev_day(&w);
			} else {
				w.h = v;
				w.mi = 59;
			}
			continue;
		}
		if (!((c->minute >> w.mi) & 1)) {
			v = bit_prev(c->minute, w.mi);
			if (v >= 0) {
				w.mi = v;
			} else if (w.h > 0) {
				w.h--;
				w.mi = 59;
			} else {
				cron_wall_prev_day(&w);
			}
			continue;
		}
		*out = cron_wall_naive(&w);
		return 0;
	}
}

/* The instant a fixed-time schedule fires for wall time naive. */
static int64_t
cron_fixed_instant(const struct tz *tz, int64_t naive)
{
	int64_t t;

	tz_naive_to_instant(tz, naive, &t, NULL);
	return t;
}

static int64_t
cron_next_wildcard(const struct cron *c, const struct tz *tz, int64_t after)
{
	int64_t t = after + 1;
	int64_t limit = SL_MIN(after + CRON_HORIZON, TZ_T_MAX);
	int64_t s, e, wall;
	int off;

	while (t <= limit) {
		tz_span(tz, t, &s, &e, &off);
		if (cron_wall_next(c, t + off,
				   (e == INT64_MAX ? limit : SL_MIN(e - 1, limit))
				   + off, &wall) == 0)
			return wall - off;
		if (e == INT64_MAX)
			break;
		t = e;
	}
	return -1;
}

static int64_t
cron_prev_wildcard(const struct cron *c, const struct tz *tz, int64_t at)
{
	int64_t t = at, limit = SL_MAX(at - CRON_HORIZON, TZ_T_MIN);
	int64_t s, e, wall;
	int off;

	while (t >= limit) {
		tz_span(tz, t, &s, &e, &off);
		if (cron_wall_prev(c, t + off,
				   (s == INT64_MIN ? limit : SL_MAX(s, limit))
				   + off, &wall) == 0)
			return wall - off;
		if (s == INT64_MIN)
			break;
		t = s - 1;
	}
	return -1;
}

static int64_t
cron_next_fixed(const struct cron *c, const struct tz *tz, int64_t after)
{
	int64_t wall_after = after + tz_offset_at(tz, after);
	int64_t from = floor_div(wall_after, 60) * 60 + 60;
	int64_t limit = wall_after + CRON_HORIZON, wall, t;

	/* Walls up to wall_after fire at or before after (f never
	 * decreases); past it, only walls of a repeated hour can. */
	while (cron_wall_next(c, from, limit, &wall) == 0) {
		t = cron_fixed_instant(tz, wall);
		if (t > TZ_T_MAX)
			break;
		if (t > after)
			return t;
		from = wall + 60;
	}
	return -1;
}

static int64_t
cron_prev_fixed(const struct cron *c, const struct tz *tz, int64_t at)
{
	int64_t top, s, e, x = at, wall, t, limit;
	int off;

	/* The latest wall time shown at or before at: the wall of at, or,
	 * shortly after a fall back, the wall just before it. */
	tz_span(tz, at, &s, &e, &off);
	top = at + off;
	while (s != INT64_MIN && s > at - CRON_SLACK) {
		x = s - 1;
		tz_span(tz, x, &s, &e, &off);
		top = SL_MAX(top, x + off);
	}
	limit = top - CRON_HORIZON;
	wall = top;
	while (cron_wall_prev(c, wall, limit, &wall) == 0) {
		t = cron_fixed_instant(tz, wall);
		if (t < TZ_T_MIN)
			break;
		if (t <= at)
			return t;
		wall -= 60;
	}
	return -1;
}

int64_t
cron_next(const struct cron *c, const struct tz *tz, int64_t after)
{
	if (after < TZ_T_MIN - 1 || after >= TZ_T_MAX)
		return -1;
	if (c->wildcard || tz_is_utc(tz))
		return cron_next_wildcard(c, tz, after);
	return cron_next_fixed(c, tz, after);
}

int64_t
cron_prev(const struct cron *c, const struct tz *tz, int64_t at)
{
	if (at < TZ_T_MIN || at > TZ_T_MAX)
		return -1;
	if (c->wildcard || tz_is_utc(tz))
		return cron_prev_wildcard(c, tz, at);
	return cron_prev_fixed(c, tz, at);
}
