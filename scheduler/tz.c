/*
 * tz.c: IANA time zones read straight from the zone database.
 *
 * tz_load reads the zone's TZif file under $TZDIR or /usr/share/zoneinfo
 * (tzfile.c: its table of transitions, its local time types and the POSIX
 * TZ rule of its footer, which gives the offset for instants past the
 * table: far-future dates, and "slim" files that stop early).
 * Nothing here reads or writes the process TZ or calls tzset: every
 * conversion is a function of the zone object and the instant.
 *
 * Cron needs the UTC offset as a function of the instant many times per
 * call, so each zone keeps a cache, per UTC year, of the instants where its
 * offset changes. A year is built by probing the offset once a day and
 * bisecting to the second where it changed: in the tz database (1800 to
 * 2200) offset changes are at least four days apart, so a daily probe never
 * steps over two of them.
 *
 * Slightly past 800 lines: the zone's conversions and the parse of a time
 * as a person types it (tz_parse_time, with its hints for a month or an ISO
 * week) share the zone object and its cache.
 */
#include "scheduler/tz.h"
#include "scheduler/tzfile.h"

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"
#include "base/util.h"

#define TZ_NAME_MAX 255
#define TZ_DAY INT64_C(86400)
/* Cached years per zone; past that, the year farthest away is dropped. */
#define TZ_YEARS_MAX 128
/* How many years tz_span looks for the next or previous change. */
#define TZ_SPAN_YEARS 6

/* One change of offset, at instant at. */
struct tz_change {
	int64_t at;
	int before;
	int after;
};

/* The changes within one UTC year, and the offset as the year starts. */
struct tz_year {
	int64_t year;
	int offset_start;
	size_t nchanges;
	struct tz_change *changes;
};

struct tz_cache {
	struct tz_year *years;
	size_t nyears;
};

struct tz {
	char *name;
	int utc;
	int refs;
	struct tzfile *file;	/* NULL for UTC */
	struct tz_cache *cache;	/* mutable even through const struct tz * */
	struct tz *next;
};

/* Loaded zones, shared between tz_load calls of the same name. */
static struct tz *tz_loaded;

/* Names that are UTC under every tz database: no file needed, fast path. */
static const char *const tz_utc_names[] = {
	"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal",
	"Etc/Zulu", "Zulu", "Z",
};

/* Days since 1970-01-01 of a proleptic Gregorian date (any month/day
 * range: months are carried into years first, days added as they are). */
int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t mm = (int64_t)m - 1;
	int64_t era, yoe, doy, doe;

	y += sl_floor_div(mm, 12);
	mm -= sl_floor_div(mm, 12) * 12;	/* 0..11, January = 0 */
	/* Count from March so the leap day ends the year. */
	if (mm < 2)
		y--;
	era = sl_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * ((mm + 10) % 12) + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 + (d - 1);
}

void
tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = sl_floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int mon = (int)(mp < 10 ? mp + 3 : mp - 9);

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = mon;
	*y = yoe + era * 400 + (mon <= 2);
}

int
tz_days_in_month(int64_t y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return days[m - 1] + (m == 2 && leap);
}

/* The zone database folder: $TZDIR, or the system's. */
static const char *
tz_dir(void)
{
	const char *dir = getenv("TZDIR");

	return dir != NULL && dir[0] != '\0' ? dir : "/usr/share/zoneinfo";
}

/* A zone name is a relative path of plain components. */
static int
tz_name_ok(const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	if (strstr(name, "//") != NULL || strstr(name, "..") != NULL)
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '/' && *p != '_' &&
		    *p != '-' && *p != '+')
			return 0;
	}
	/* Not zones: the leap-second variants and the host's own link. */
	if (sl_str_starts(name, "right/") || strcmp(name, "localtime") == 0 ||
	    strcmp(name, "posixrules") == 0)
		return 0;
	return 1;
}

/* name in other letter case: each part found in its folder ignoring
 * case ("america/new_york": America/New_York); 0 when one is not. */
static int
tz_suggest_case(const char *name, char *out, size_t n)
{
	char *dir = xstrdup(tz_dir()), *next;
	const char *p = name;
	size_t used = 0;
	int found = 1;

	while (found && *p != '\0') {
		size_t len = strcspn(p, "/");
		struct dirent *de;
		DIR *dh = opendir(dir);

		found = 0;
		while (dh != NULL && (de = readdir(dh)) != NULL)
			if (de->d_name[0] != '.' && strlen(de->d_name) == len &&
			    strncasecmp(de->d_name, p, len) == 0) {
				used += (size_t)snprintf(out + used, used < n ? n - used : 0,
							 "%s%s", used ? "/" : "", de->d_name);
				next = xasprintf("%s/%s", dir, de->d_name);
				free(dir);
				dir = next;
				found = 1;
				break;
			}
		if (dh != NULL)
			closedir(dh);
		p += len + (p[len] == '/');
	}
	free(dir);
	if (!found || used >= n)
		out[0] = '\0';
	return found && used < n;
}

void
tz_suggest(const char *name, char *out, size_t n)
{
	const char *slash = strrchr(name, '/');
	struct text_near near;
	struct dirent *de;
	char *dir;
	DIR *dh;

	if (n > 0)
		out[0] = '\0';
	if (n == 0)
		return;
	/* UTC+2, +02:00, GMT-5: a fixed offset is an Etc/ zone, whose sign
	 * is POSIX's: Etc/GMT-2 is two hours ahead of UTC */
	{
		const char *o = name;
		char *end;
		long h;

		if (strncasecmp(o, "UTC", 3) == 0 || strncasecmp(o, "GMT", 3) == 0)
			o += 3;
		if ((*o == '+' || *o == '-') && isdigit((unsigned char)o[1])) {
			h = strtol(o + 1, &end, 10);
			if (end - o == 5 && h % 100 == 0)	/* +0200 */
				h /= 100;
			if (strcmp(end, "") == 0 || strcmp(end, ":00") == 0) {
				char *path = xasprintf("%s/Etc/GMT%c%ld", tz_dir(),
						       *o == '+' ? '-' : '+', h);

				/* (Etc/GMT-14 to Etc/GMT+12) */
				if (h > 0 && h <= 14 && access(path, R_OK) == 0)
					snprintf(out, n, "%s", path + strlen(tz_dir()) + 1);
				free(path);
				return;
			}
		}
	}
	if (!tz_name_ok(name))
		return;
	if (tz_suggest_case(name, out, n))
		return;
	if (slash == NULL || slash == name)
		return;
	dir = xasprintf("%s/%.*s", tz_dir(), (int)(slash - name), name);
	dh = opendir(dir);
	free(dir);
	if (dh == NULL)
		return;
	text_near_init(&near, slash + 1);
	while ((de = readdir(dh)) != NULL)
		if (de->d_name[0] != '.')
			text_near_add(&near, de->d_name);
	if (text_near_best(&near) != NULL)
		snprintf(out, n, "%.*s/%s", (int)(slash - name), name,
			 text_near_best(&near));
	closedir(dh);
}

int
tz_load(const char *name, struct tz **out, struct sl_err *err)
{
	struct tz *tz;
	char *path = NULL;
	size_t i;
	int utc = 0;

	*out = NULL;
	if (name == NULL || !tz_name_ok(name))
		return sl_err_set(err, "unknown time zone '%s'",
				  name != NULL ? name : "");
	for (tz = tz_loaded; tz != NULL; tz = tz->next) {
		if (strcmp(tz->name, name) == 0) {
			tz->refs++;
			*out = tz;
			return 0;
		}
	}
	for (i = 0; i < SL_ARRAY_LEN(tz_utc_names); i++)
		if (strcmp(name, tz_utc_names[i]) == 0)
			utc = 1;
	tz = xcalloc(1, sizeof(*tz));
	if (!utc) {
		path = xasprintf("%s/%s", tz_dir(), name);
		tz->file = tzfile_read(path);
		if (tz->file == NULL) {
			free(path);
			free(tz);
			return sl_err_set(err, "unknown time zone '%s'", name);
		}
		free(path);
	}
	tz->name = xstrdup(name);
	tz->utc = utc;
	tz->refs = 1;
	tz->cache = xcalloc(1, sizeof(*tz->cache));
	tz->next = tz_loaded;
	tz_loaded = tz;
	*out = tz;
	return 0;
}

static void
tz_cache_clear(struct tz_cache *cache)
{
	size_t i;

	for (i = 0; i < cache->nyears; i++)
		free(cache->years[i].changes);
	free(cache->years);
	cache->years = NULL;
	cache->nyears = 0;
}

void
tz_free(struct tz *tz)
{
	struct tz **pp;

	if (tz == NULL || --tz->refs > 0)
		return;
	for (pp = &tz_loaded; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == tz) {
			*pp = tz->next;
			break;
		}
	}
	tz_cache_clear(tz->cache);
	free(tz->cache);
	free(tz->name);
	tzfile_free(tz->file);
	free(tz);
}

const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}

int
tz_is_utc(const struct tz *tz)
{
	return tz->utc;
}

void
tz_local(const struct tz *tz, int64_t t, struct tm *out)
{
	const struct tzfile_type *type = NULL;
	int64_t local, days, secs, y;
	int m, d;

	memset(out, 0, sizeof(*out));
	if (tz != NULL && !tz->utc)
		type = tzfile_type_at(tz->file, t);
	local = t + (type != NULL ? type->offset : 0);
	days = sl_floor_div(local, TZ_DAY);
	secs = local - days * TZ_DAY;
	tz_civil_from_days(days, &y, &m, &d);
	out->tm_year = (int)(y - 1900);
	out->tm_mon = m - 1;
	out->tm_mday = d;
	out->tm_hour = (int)(secs / 3600);
	out->tm_min = (int)(secs / 60 % 60);
	out->tm_sec = (int)(secs % 60);
	out->tm_wday = (int)(((days + 4) % 7 + 7) % 7);	/* 1970-01-01: Thu */
	out->tm_yday = (int)(days - tz_days_from_civil(y, 1, 1));
	out->tm_isdst = type != NULL ? type->isdst : 0;
	out->tm_gmtoff = type != NULL ? type->offset : 0;
	out->tm_zone = type != NULL ? type->abbr : "UTC";
}

/* The offset at t from the zone's table and rule (no cache). */
static int
tz_raw_offset(const struct tz *tz, int64_t t)
{
	return tzfile_type_at(tz->file, t)->offset;
}

/* Find and record the changes of offset within one UTC year. */
static void
tz_year_build(const struct tz *tz, int64_t year, struct tz_year *yr)
{
	int64_t start = tz_days_from_civil(year, 1, 1) * TZ_DAY;
	int64_t end = tz_days_from_civil(year + 1, 1, 1) * TZ_DAY;
	int64_t a, b;
	int off_a, off_b;
	size_t cap = 0;

	yr->year = year;
	yr->nchanges = 0;
	yr->changes = NULL;
	yr->offset_start = tz_raw_offset(tz, start);
	/* Probe a-b pairs (a, a + day] from start - 1 to end - 1. */
	a = start - 1;
	off_a = tz_raw_offset(tz, a);
	while (a < end - 1) {
		b = SL_MIN(a + TZ_DAY, end - 1);
		off_b = tz_raw_offset(tz, b);
		if (off_b != off_a) {
			/* Bisect to the first second with the new offset. */
			int64_t lo = a, hi = b;

			while (hi - lo > 1) {
				int64_t mid = lo + (hi - lo) / 2;

				if (tz_raw_offset(tz, mid) == off_a)
					lo = mid;
				else
					hi = mid;
			}
			SL_GROW(yr->changes, cap, (size_t)yr->nchanges + 1);
			yr->changes[yr->nchanges].at = hi;
			yr->changes[yr->nchanges].before = off_a;
			yr->changes[yr->nchanges].after = off_b;
			yr->nchanges++;
		}
		a = b;
		off_a = off_b;
	}
}

/* The cached changes of one year (built on first use). The pointer is
 * valid until the next tz_year call on the same zone. */
static const struct tz_year *
tz_year(const struct tz *tz, int64_t year)
{
	struct tz_cache *cache = tz->cache;
	size_t i;

	size_t far = 0;

	for (i = 0; i < cache->nyears; i++) {
		if (cache->years[i].year == year)
			return &cache->years[i];
		if (llabs(cache->years[i].year - year) >
		    llabs(cache->years[far].year - year))
			far = i;
	}
	if (cache->nyears >= TZ_YEARS_MAX) {
		/* Searches stay near one instant: drop the farthest year. */
		free(cache->years[far].changes);
		tz_year_build(tz, year, &cache->years[far]);
		return &cache->years[far];
	}
	cache->years = xreallocarray(cache->years, cache->nyears + 1,
				     sizeof(*cache->years));
	tz_year_build(tz, year, &cache->years[cache->nyears]);
	return &cache->years[cache->nyears++];
}

static int64_t
tz_year_of(int64_t t)
{
	int64_t y;
	int m, d;

	tz_civil_from_days(sl_floor_div(t, TZ_DAY), &y, &m, &d);
	return y;
}

int
tz_offset_at(const struct tz *tz, int64_t t)
{
	const struct tz_year *yr;
	int off;
	size_t i;

	if (tz->utc)
		return 0;
	yr = tz_year(tz, tz_year_of(t));
	off = yr->offset_start;
	for (i = 0; i < yr->nchanges && yr->changes[i].at <= t; i++)
		off = yr->changes[i].after;
	return off;
}

void
tz_span(const struct tz *tz, int64_t t, int64_t *start, int64_t *end,
	int *offset)
{
	int64_t year, y;
	size_t i;

	*start = INT64_MIN;
	*end = INT64_MAX;
	*offset = tz_offset_at(tz, t);
	if (tz->utc)
		return;
	year = tz_year_of(t);
	for (y = year; y >= year - TZ_SPAN_YEARS; y--) {
		const struct tz_year *yr = tz_year(tz, y);
		int found = 0;

		for (i = yr->nchanges; i-- > 0;) {
			if (yr->changes[i].at <= t) {
				*start = yr->changes[i].at;
				found = 1;
				break;
			}
		}
		if (found)
			break;
	}
	for (y = year; y <= year + TZ_SPAN_YEARS; y++) {
		const struct tz_year *yr = tz_year(tz, y);
		int found = 0;

		for (i = 0; i < yr->nchanges; i++) {
			if (yr->changes[i].at > t) {
				*end = yr->changes[i].at;
				found = 1;
				break;
			}
		}
		if (found)
			break;
	}
}

int
tz_naive_to_instant(const struct tz *tz, int64_t naive, int64_t *t,
		    int64_t *t2)
{
	/* Any offset is within a day; look at the spans two days around. */
	int64_t lo = naive - 2 * TZ_DAY, hi = naive + 2 * TZ_DAY;
	int64_t found[4], gap_at = INT64_MIN;
	int64_t x = lo, s, e;
	int n = 0, off, prev_off = 0, have_prev = 0;

	if (tz->utc) {
		*t = naive;
		if (t2 != NULL)
			*t2 = naive;
		return 0;
	}
	for (;;) {
		int64_t cand;

		tz_span(tz, x, &s, &e, &off);
		cand = naive - off;
		if (cand >= s && cand < e && cand >= lo && n < 4 &&
		    (n == 0 || found[n - 1] != cand))
			found[n++] = cand;
		/* Spring forward at s: walls [s + prev_off, s + off) skipped. */
		if (have_prev && s != INT64_MIN && prev_off < off &&
		    naive >= s + prev_off && naive < s + off)
			gap_at = s;
		if (e == INT64_MAX || e > hi)
			break;
		x = e;
		prev_off = off;
		have_prev = 1;
	}
	if (n == 0) {
		/* In a gap; the transition is found above unless the zone is
		 * beyond what the cache can see, where wall time is shifted
		 * by the offset there. */
		*t = gap_at != INT64_MIN ? gap_at : naive - off;
		if (t2 != NULL)
			*t2 = *t;
		return 2;
	}
	*t = found[0];
	if (t2 != NULL)
		*t2 = found[n - 1];
	return n > 1 ? 1 : 0;
}

int
tz_wall_to_instant(const struct tz *tz, const struct tm *wall, int64_t *t,
		   int64_t *t2)
{
	int64_t naive = tz_days_from_civil((int64_t)wall->tm_year + 1900,
					   wall->tm_mon + 1, 1) * TZ_DAY +
		((int64_t)wall->tm_mday - 1) * TZ_DAY +
		(int64_t)wall->tm_hour * 3600 + (int64_t)wall->tm_min * 60 +
		wall->tm_sec;

	return tz_naive_to_instant(tz, naive, t, t2);
}

const char *
tz_offset_iso(long gmtoff, char *out, size_t n)
{
	char sign = gmtoff < 0 ? '-' : '+';
	long off = gmtoff < 0 ? -gmtoff : gmtoff;

	if (off % 60 != 0)
		snprintf(out, n, "%c%02ld:%02ld:%02ld", sign, off / 3600,
			 off / 60 % 60, off % 60);
	else
		snprintf(out, n, "%c%02ld:%02ld", sign, off / 3600, off / 60 % 60);
	return out;
}

const char *
tz_iso(const struct tz *tz, int64_t t, char *out, size_t n)
{
	struct tm tm;
	char off[16];

	tz_local(tz, t, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 tz_offset_iso(tm.tm_gmtoff, off, sizeof off));
	return out;
}

size_t
tz_strftime(const struct tz *tz, int64_t t, const char *fmt, char *out,
	    size_t n)
{
	struct buf f;
	struct tm tm;
	const char *p;
	size_t r;

	if (n == 0)
		return 0;
	/* glibc's %s runs mktime in the process zone; write t ourselves. */
	buf_init(&f, 0);
	for (p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			buf_printf(&f, "%" PRId64, t);
			p++;
		} else if (p[0] == '%' && p[1] != '\0') {
			buf_add(&f, p, 2);
			p++;
		} else {
			buf_addc(&f, *p);
		}
	}
	tz_local(tz, t, &tm);
	r = strftime(out, n, buf_str(&f), &tm);
	if (r == 0)
		out[0] = '\0';
	buf_free(&f);
	return r;
}

/* Read exactly ndigits digits into *v. */
static int
tz_digits(const char **p, int ndigits, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < ndigits; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += ndigits;
	return 0;
}

/* The day of the week of a day since 1970-01-01 (a Thursday): 0 for
 * Monday to 6 for Sunday. */
static int
tz_weekday(int64_t day)
{
	return (int)(day + 3 - 7 * sl_floor_div(day + 3, 7));
}

int
tz_month_or_week(const char *s, int64_t *first, int64_t *last)
{
	const char *p = s;
	int year, v;

	if (tz_digits(&p, 4, &year) < 0 || *p++ != '-' || year < 1)
		return 0;
	if (*p == 'W' || *p == 'w') {
		int64_t jan4, mon1, next1;

		p++;
		if (tz_digits(&p, 2, &v) < 0 || *p != '\0' || v < 1)
			return 0;
		/* ISO 8601: week 1 holds 4 January; weeks start on
		 * Monday */
		jan4 = tz_days_from_civil(year, 1, 4);
		mon1 = jan4 - tz_weekday(jan4);
		jan4 = tz_days_from_civil((int64_t)year + 1, 1, 4);
		next1 = jan4 - tz_weekday(jan4);
		*first = mon1 + 7 * (int64_t)(v - 1);
		*last = *first + 6;
		return *first < next1;
	}
	if (tz_digits(&p, 2, &v) < 0 || *p != '\0' || v < 1 || v > 12)
		return 0;
	*first = tz_days_from_civil(year, v, 1);
	*last = *first + tz_days_in_month(year, v) - 1;
	return 1;
}

/* "not a date", and the date meant when s is one written another common
 * way: 20261203 (as {{ ds_nodash }} prints it), 2026/12/03, 2026.12.03
 * or 2026_12_03, alone or before a time; for a month (2026-12) or an
 * ISO week (2026-W49), the days it holds (a verb's range is its own). */
static const char *
tz_date_hint(const char *s, char *out, size_t n)
{
	size_t len = strspn(s, "0123456789"), all = strlen(s);
	char sep = all > 4 ? s[4] : '\0';
	int64_t first, last, y0, y1;
	int m0, d0, m1, d1;

	snprintf(out, n, "not a date");
	if (tz_month_or_week(s, &first, &last)) {
		tz_civil_from_days(first, &y0, &m0, &d0);
		tz_civil_from_days(last, &y1, &m1, &d1);
		snprintf(out, n, "not a date (%s %s is %04" PRId64 "-%02d-%02d "
			 "to %04" PRId64 "-%02d-%02d: name one of its days)",
			 s[5] == 'W' || s[5] == 'w' ? "ISO week" : "month", s,
			 y0, m0, d0, y1, m1, d1);
	} else if (len == 8 && (s[8] == '\0' || s[8] == 'T' || s[8] == ' '))
		snprintf(out, n, "not a date (did you mean %.4s-%.2s-%.2s%s?)",
			 s, s + 4, s + 6, s[8] != '\0' ? "..." : "");
	else if (len == 4 && all >= 10 && (sep == '/' || sep == '.' || sep == '_') &&
		 strspn(s + 5, "0123456789") == 2 && s[7] == sep &&
		 strspn(s + 8, "0123456789") == 2 &&
		 (s[10] == '\0' || s[10] == 'T' || s[10] == ' '))
		snprintf(out, n, "not a date (did you mean %.4s-%.2s-%.2s%s?)",
			 s, s + 5, s + 8, s[10] != '\0' ? "..." : "");
	return out;
}

static int
tz_parse_fail(struct sl_err *err, const char *s, const char *why)
{
	return sl_err_set(err, "bad time '%s': %s; expected YYYY-MM-DD, "
			  "YYYY-MM-DDTHH, YYYY-MM-DDTHH:MM or "
			  "YYYY-MM-DDTHH:MM:SS ('T' or a space), optionally "
			  "followed by Z or an offset like +02:00 or -0700",
			  s, why);
}

int
tz_parse_time(const struct tz *tz, const char *s, int64_t *t,
	      struct sl_err *err)
{
	return tz_parse_wall(tz, s, t, NULL, err) < 0 ? -1 : 0;
}

int
tz_parse_wall(const struct tz *tz, const char *s, int64_t *t, int64_t *t2,
	      struct sl_err *err)
{
	const char *p = s;
	int year, mon, day, hour = 0, min = 0, sec = 0;
	int has_offset = 0, offset = 0;
	int64_t naive;
	char why[160];

	if (tz_digits(&p, 4, &year) < 0 || *p++ != '-' ||
	    tz_digits(&p, 2, &mon) < 0 || *p++ != '-' ||
	    tz_digits(&p, 2, &day) < 0)
		return tz_parse_fail(err, s, tz_date_hint(s, why, sizeof why));
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (tz_digits(&p, 2, &hour) < 0)
			return tz_parse_fail(err, s, "no hour after the date");
		if (*p == ':') {
			p++;
			if (tz_digits(&p, 2, &min) < 0)
				return tz_parse_fail(err, s, "bad minutes");
			if (*p == ':') {
				p++;
				if (tz_digits(&p, 2, &sec) < 0)
					return tz_parse_fail(err, s,
							     "bad seconds");
			}
		}
	}
	if (*p == 'Z' || *p == 'z') {
		has_offset = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om = 0;

		p++;
		if (tz_digits(&p, 2, &oh) < 0)
			return tz_parse_fail(err, s, "bad offset");
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && tz_digits(&p, 2, &om) < 0)
			return tz_parse_fail(err, s, "bad offset");
		if (oh > 23 || om > 59)
			return tz_parse_fail(err, s, "offset out of range");
		has_offset = 1;
		offset = sign * (oh * 3600 + om * 60);
	}
	/* " 01:00" after a time that has one: an offset whose + a URL's
	 * query string turned into a space */
	if (*p == ' ' && p > s + 10 && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) &&
	    (p[3] == '\0' || p[3] == ':' || isdigit((unsigned char)p[3])))
		return tz_parse_fail(err, s, "a space where an offset's + would "
				     "be (a + in a URL's query string reads "
				     "as a space: write it %2B)");
	if (*p != '\0')
		return tz_parse_fail(err, s, "unexpected text at the end");
	why[0] = '\0';
	if (year < 1)
		snprintf(why, sizeof(why), "year %d is out of range 1-9999",
			 year);
	else if (mon < 1 || mon > 12)
		snprintf(why, sizeof(why), "month %d is out of range 1-12", mon);
	else if (day < 1 || day > tz_days_in_month(year, mon))
		snprintf(why, sizeof(why), "day %d is out of range 1-%d", day,
			 tz_days_in_month(year, mon));
	else if (hour > 23)
		snprintf(why, sizeof(why), "hour %d is out of range 0-23", hour);
	else if (min > 59)
		snprintf(why, sizeof(why), "minute %d is out of range 0-59",
			 min);
	else if (sec > 59)
		snprintf(why, sizeof(why), "second %d is out of range 0-59",
			 sec);
	if (why[0] != '\0')
		return tz_parse_fail(err, s, why);
	naive = tz_days_from_civil(year, mon, day) * TZ_DAY + hour * 3600 +
		min * 60 + sec;
	if (has_offset) {
		*t = naive - offset;
		if (t2 != NULL)
			*t2 = *t;
		return 0;
	}
	return tz_naive_to_instant(tz, naive, t, t2);
}
