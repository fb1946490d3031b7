/*
 * tz.c: IANA time zones read straight from the zone database.
 *
 * tz_load reads the zone's TZif file (RFC 8536) under $TZDIR or
 * /usr/share/zoneinfo: its table of transitions, its local time types and
 * the POSIX TZ rule of its footer, which gives the offset for instants
 * past the table (far-future dates, and "slim" files that stop early).
 * Nothing here reads or writes the process TZ or calls tzset: every
 * conversion is a function of the zone object and the instant.
 *
 * Cron needs the UTC offset as a function of the instant many times per
 * call, so each zone keeps a cache, per UTC year, of the instants where its
 * offset changes. A year is built by probing the offset once a day and
 * bisecting to the second where it changed: in the tz database (1800 to
 * 2200) offset changes are at least four days apart, so a daily probe never
 * steps over two of them.
 */
#include "scheduler/tz.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TZ_NAME_MAX 255
#define TZ_DAY INT64_C(86400)
/* Cached years per zone; past that, the year farthest away is dropped. */
#define TZ_YEARS_MAX 128
/* How many years tz_span looks for the next or previous change. */
#define TZ_SPAN_YEARS 6
/* A TZif file is a few kB; anything past this is not one. */
#define TZ_FILE_MAX (1024 * 1024)
#define TZ_ABBR_MAX 16

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

/* A local time type: offset, DST flag, abbreviation. */
struct tz_type {
	int offset;
	int isdst;
	char abbr[TZ_ABBR_MAX];
};

/* One end of a POSIX TZ rule's DST period: a day of the year and the local
 * time of day (which may be negative or past 24h) at which it switches. */
struct tz_rule_day {
	char kind;		/* 'J' (1-365, no Feb 29), 'D' (0-365), 'M' */
	int n;			/* J or D: the day; M: the month */
	int week;		/* M: 1-5, 5 = the last */
	int wday;		/* M: 0 = Sunday */
	int secs;		/* local time of day of the switch */
};

/* The footer rule: standard time, and DST between start and end. */
struct tz_rule {
	struct tz_type std;
	struct tz_type dst;
	int has_dst;
	struct tz_rule_day start, end;
};

struct tz {
	char *name;
	int utc;
	int refs;
	int64_t *trans;		/* transition instants, ascending */
	unsigned char *trans_type; /* type index from each transition on */
	size_t ntrans;
	struct tz_type *types;
	size_t ntypes;
	struct tz_rule rule;
	int has_rule;
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

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (any month/day
 * range: months are carried into years first, days added as they are). */
int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t mm = (int64_t)m - 1;
	int64_t era, yoe, doy, doe;

	y += floor_div(mm, 12);
	mm -= floor_div(mm, 12) * 12;	/* 0..11, January = 0 */
	/* Count from March so the leap day ends the year. */
	if (mm < 2)
		y--;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * ((mm + 10) % 12) + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 + (d - 1);
}

void
tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
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

/* Big-endian integers of a TZif file. */
static int64_t
tz_be32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			 (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static int64_t
tz_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 |
			 ((uint64_t)tz_be32(p + 4) & 0xffffffffu));
}

/* Read a whole file of at most TZ_FILE_MAX bytes. Returns NULL when it is
 * not a regular file or cannot be read. */
static unsigned char *
tz_read_file(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *data;
	FILE *f;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < 44 || st.st_size > TZ_FILE_MAX)
		return NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	data = xmalloc((size_t)st.st_size + 1);
	*len = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	if (*len != (size_t)st.st_size) {
		free(data);
		return NULL;
	}
	data[*len] = '\0';
	return data;
}

/* A time of day "[+-]hh[:mm[:ss]]" of a POSIX TZ string (hours up to 167)
 * into *secs. */
static int
tz_posix_time(const char **pp, int *secs)
{
	const char *p = *pp;
	int sign = 1, h = 0, m = 0, s = 0, nd = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	while (isdigit((unsigned char)*p) && nd < 3)
		h = h * 10 + (*p++ - '0'), nd++;
	if (nd == 0 || h > 167)
		return -1;
	if (*p == ':') {
		p++;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return -1;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':') {
			p++;
			if (!isdigit((unsigned char)p[0]) ||
			    !isdigit((unsigned char)p[1]))
				return -1;
			s = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
	}
	if (m > 59 || s > 59)
		return -1;
	*secs = sign * (h * 3600 + m * 60 + s);
	*pp = p;
	return 0;
}

/* A zone abbreviation: letters, or anything but '>' between '<' and '>'. */
static int
tz_posix_abbr(const char **pp, char *out)
{
	const char *p = *pp, *start, *end;

	if (*p == '<') {
		start = ++p;
		while (*p != '\0' && *p != '>')
			p++;
		if (*p != '>')
			return -1;
		end = p++;
	} else {
		start = p;
		while (isalpha((unsigned char)*p))
			p++;
		end = p;
	}
	if (end - start < 3)
		return -1;
	snprintf(out, TZ_ABBR_MAX, "%.*s", (int)(end - start), start);
	*pp = p;
	return 0;
}

/* A number of at most 3 digits. */
static int
tz_posix_num(const char **pp, int *v)
{
	int nd = 0;

	*v = 0;
	while (isdigit((unsigned char)**pp) && nd < 3)
		*v = *v * 10 + (*(*pp)++ - '0'), nd++;
	return nd == 0 ? -1 : 0;
}

/* "Jn", "n" or "Mm.w.d", then an optional "/time" (default 02:00). */
static int
tz_posix_day(const char **pp, struct tz_rule_day *d)
{
	memset(d, 0, sizeof(*d));
	if (**pp == 'J') {
		(*pp)++;
		d->kind = 'J';
		if (tz_posix_num(pp, &d->n) < 0 || d->n < 1 || d->n > 365)
			return -1;
	} else if (**pp == 'M') {
		(*pp)++;
		d->kind = 'M';
		if (tz_posix_num(pp, &d->n) < 0 || d->n < 1 || d->n > 12 ||
		    *(*pp)++ != '.' || tz_posix_num(pp, &d->week) < 0 ||
		    d->week < 1 || d->week > 5 || *(*pp)++ != '.' ||
		    tz_posix_num(pp, &d->wday) < 0 || d->wday > 6)
			return -1;
	} else {
		d->kind = 'D';
		if (tz_posix_num(pp, &d->n) < 0 || d->n > 365)
			return -1;
	}
	d->secs = 2 * 3600;
	if (**pp == '/') {
		(*pp)++;
		if (tz_posix_time(pp, &d->secs) < 0)
			return -1;
	}
	return 0;
}

/* Parse a POSIX TZ string like "EST5EDT,M3.2.0,M11.1.0" or
 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0". Offsets in the string count
 * west of Greenwich; stored ones east, as everywhere else here. */
static int
tz_posix_parse(const char *s, struct tz_rule *r)
{
	const char *p = s;
	int off;

	memset(r, 0, sizeof(*r));
	if (tz_posix_abbr(&p, r->std.abbr) < 0 || tz_posix_time(&p, &off) < 0)
		return -1;
	r->std.offset = -off;
	if (*p == '\0')
		return 0;
	if (tz_posix_abbr(&p, r->dst.abbr) < 0)
		return -1;
	r->has_dst = 1;
	r->dst.isdst = 1;
	r->dst.offset = r->std.offset + 3600;
	if (*p != ',' && *p != '\0') {
		if (tz_posix_time(&p, &off) < 0)
			return -1;
		r->dst.offset = -off;
	}
	if (*p == '\0') {
		/* POSIX leaves the default rule to the implementation; the
		 * tz database writes rules out, so this is only a fallback. */
		p = ",M3.2.0,M11.1.0";
	}
	if (*p++ != ',' || tz_posix_day(&p, &r->start) < 0 || *p++ != ',' ||
	    tz_posix_day(&p, &r->end) < 0 || *p != '\0')
		return -1;
	return 0;
}

/* Days since the epoch of a rule day in year y. */
static int64_t
tz_rule_date(const struct tz_rule_day *d, int64_t y)
{
	int64_t jan1 = tz_days_from_civil(y, 1, 1);
	int leap = tz_days_in_month(y, 2) == 29;
	int64_t first, day;
	int dow1, mday, dim;

	switch (d->kind) {
	case 'J':
		return jan1 + d->n - 1 + (leap && d->n >= 60);
	case 'D':
		return jan1 + d->n;
	default:
		first = tz_days_from_civil(y, d->n, 1);
		dow1 = (int)(((first + 4) % 7 + 7) % 7);	/* 1970-01-01: Thu */
		mday = 1 + (d->wday - dow1 + 7) % 7 + (d->week - 1) * 7;
		dim = tz_days_in_month(y, d->n);
		while (mday > dim)
			mday -= 7;
		day = first + mday - 1;
		return day;
	}
}

/* The local time type of the footer rule at instant t. */
static const struct tz_type *
tz_rule_type(const struct tz_rule *r, int64_t t)
{
	/* The switches of the years around t, in order; the last one at or
	 * before t says which time is in force. A DST end sorts before a
	 * DST start at the same instant (DST all year). */
	struct {
		int64_t at;
		int dst;
	} ev[6];
	int64_t y, year;
	int m, d, n = 0, i, j, best = -1;

	if (!r->has_dst)
		return &r->std;
	tz_civil_from_days(floor_div(t, TZ_DAY), &year, &m, &d);
	for (y = year - 1; y <= year + 1; y++) {
		ev[n].at = tz_rule_date(&r->start, y) * TZ_DAY + r->start.secs -
			r->std.offset;
		ev[n++].dst = 1;
		ev[n].at = tz_rule_date(&r->end, y) * TZ_DAY + r->end.secs -
			r->dst.offset;
		ev[n++].dst = 0;
	}
	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && (ev[j].at < ev[j - 1].at ||
				      (ev[j].at == ev[j - 1].at &&
				       ev[j].dst < ev[j - 1].dst)); j--) {
			int64_t at = ev[j].at;
			int dst = ev[j].dst;

			ev[j] = ev[j - 1];
			ev[j - 1].at = at;
			ev[j - 1].dst = dst;
		}
	}
	for (i = 0; i < n; i++)
		if (ev[i].at <= t)
			best = i;
	/* Before the first switch seen: the opposite of what it starts. */
	if (best < 0)
		return ev[0].dst ? &r->std : &r->dst;
	return ev[best].dst ? &r->dst : &r->std;
}

/* Read the TZif data of path into tz. Returns -1 when it is not a valid
 * TZif file. */
static int
tz_read_tzif(struct tz *tz, const char *path)
{
	size_t len, off, i, need;
	unsigned char *data = tz_read_file(path, &len);
	const unsigned char *h, *p, *types, *chars;
	int64_t cnt[6];
	int v2, tsize;

	if (data == NULL || memcmp(data, "TZif", 4) != 0)
		goto fail;
	v2 = data[4] >= '2';
	h = data;
	off = 0;
	for (;;) {
		for (i = 0; i < 6; i++) {
			cnt[i] = tz_be32(h + 20 + 4 * i);
			if (cnt[i] < 0 || cnt[i] > 100000)
				goto fail;
		}
		/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
		tsize = h == data && v2 ? 4 : (v2 ? 8 : 4);
		need = (size_t)cnt[3] * (size_t)tsize + (size_t)cnt[3] +
			(size_t)cnt[4] * 6 + (size_t)cnt[5] +
			(size_t)cnt[2] * (size_t)(tsize + 4) + (size_t)cnt[1] +
			(size_t)cnt[0];
		if (off + 44 + need > len)
			goto fail;
		if (v2 && h == data) {
			/* Skip the 32-bit block to the 64-bit one. */
			off += 44 + need;
			if (off + 44 > len || memcmp(data + off, "TZif", 4) != 0)
				goto fail;
			h = data + off;
			continue;
		}
		break;
	}
	if (cnt[4] < 1 || cnt[4] > 256)
		goto fail;
	p = h + 44;
	tz->ntrans = (size_t)cnt[3];
	tz->trans = xcalloc(tz->ntrans + 1, sizeof(*tz->trans));
	tz->trans_type = xcalloc(tz->ntrans + 1, 1);
	for (i = 0; i < tz->ntrans; i++)
		tz->trans[i] = tsize == 8 ? tz_be64(p + 8 * i) :
			tz_be32(p + 4 * i);
	p += tz->ntrans * (size_t)tsize;
	for (i = 0; i < tz->ntrans; i++) {
		tz->trans_type[i] = p[i];
		if (p[i] >= cnt[4] || (i > 0 && tz->trans[i] <= tz->trans[i - 1]))
			goto fail;
	}
	p += tz->ntrans;
	types = p;
	chars = types + cnt[4] * 6;
	tz->ntypes = (size_t)cnt[4];
	tz->types = xcalloc(tz->ntypes, sizeof(*tz->types));
	for (i = 0; i < tz->ntypes; i++) {
		const unsigned char *ty = types + 6 * i;
		size_t ai = ty[5], an = 0;

		tz->types[i].offset = (int)tz_be32(ty);
		tz->types[i].isdst = ty[4] != 0;
		if (ai >= (size_t)cnt[5] || tz->types[i].offset < -25 * 3600 ||
		    tz->types[i].offset > 26 * 3600)
			goto fail;
		while (ai + an < (size_t)cnt[5] && chars[ai + an] != '\0')
			an++;
		snprintf(tz->types[i].abbr, TZ_ABBR_MAX, "%.*s", (int)an,
			 (const char *)chars + ai);
	}
	off = (size_t)(h - data) + 44 + need;
	if (v2 && off < len && data[off] == '\n') {
		const char *foot = (const char *)data + off + 1;
		const char *nl = memchr(foot, '\n', len - off - 1);

		if (nl != NULL && nl > foot) {
			char *s = xstrndup(foot, (size_t)(nl - foot));

			tz->has_rule = tz_posix_parse(s, &tz->rule) == 0;
			free(s);
		}
	}
	free(data);
	return 0;
fail:
	free(data);
	return -1;
}

/* The local time type in force at instant t. */
static const struct tz_type *
tz_type_at(const struct tz *tz, int64_t t)
{
	size_t lo, hi;

	if (tz->ntrans == 0 || t < tz->trans[0]) {
		if (tz->ntrans == 0 && tz->has_rule)
			return tz_rule_type(&tz->rule, t);
		return &tz->types[0];
	}
	if (t >= tz->trans[tz->ntrans - 1] && tz->has_rule)
		return tz_rule_type(&tz->rule, t);
	/* The last transition at or before t. */
	lo = 0;
	hi = tz->ntrans;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &tz->types[tz->trans_type[lo]];
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
		if (tz_read_tzif(tz, path) < 0) {
			free(path);
			free(tz->trans);
			free(tz->trans_type);
			free(tz->types);
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
	free(tz->trans);
	free(tz->trans_type);
	free(tz->types);
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
	const struct tz_type *type = NULL;
	int64_t local, days, secs, y;
	int m, d;

	memset(out, 0, sizeof(*out));
	if (!tz->utc)
		type = tz_type_at(tz, t);
	local = t + (type != NULL ? type->offset : 0);
	days = floor_div(local, TZ_DAY);
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
	return tz_type_at(tz, t)->offset;
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
			if (yr->nchanges == cap) {
				cap = cap ? cap * 2 : 4;
				yr->changes = xreallocarray(yr->changes, cap,
							    sizeof(*yr->changes));
			}
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

	tz_civil_from_days(floor_div(t, TZ_DAY), &y, &m, &d);
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
tz_iso(const struct tz *tz, int64_t t, char *out, size_t n)
{
	struct tm tm;
	long off;
	char sign;

	tz_local(tz, t, &tm);
	off = tm.tm_gmtoff;
	sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	if (off % 60 != 0)
		snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld:%02ld",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600,
			 off / 60 % 60, off % 60);
	else
		snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600,
			 off / 60 % 60);
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
	const char *p = s;
	int year, mon, day, hour = 0, min = 0, sec = 0;
	int has_offset = 0, offset = 0;
	int64_t naive;
	char why[96];

	if (tz_digits(&p, 4, &year) < 0 || *p++ != '-' ||
	    tz_digits(&p, 2, &mon) < 0 || *p++ != '-' ||
	    tz_digits(&p, 2, &day) < 0)
		return tz_parse_fail(err, s, "not a date");
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
		return 0;
	}
	tz_naive_to_instant(tz, naive, t, NULL);
	return 0;
}
