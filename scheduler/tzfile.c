/*
 * tzfile.c: reading a TZif file (RFC 8536, versions 1 to 4) and evaluating
 * the POSIX TZ rule of its footer (std offset [dst [offset] [,start[/time],
 * end[/time]]] with Jn, n and Mm.w.d days, and the version 3 extensions:
 * hours up to 167 and negative times). Everything is checked against the
 * file's size; nothing touches the process environment.
 */
#include "scheduler/tzfile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "scheduler/tz.h"

#define TZFILE_DAY INT64_C(86400)
/* A TZif file is a few kB; anything past this is not one. */
#define TZFILE_MAX (1024 * 1024)

/* One end of a POSIX TZ rule's DST period: a day of the year and the local
 * time of day (which may be negative or past 24h) at which it switches. */
struct tzfile_rule_day {
	char kind;		/* 'J' (1-365, no Feb 29), 'D' (0-365), 'M' */
	int n;			/* J or D: the day; M: the month */
	int week;		/* M: 1-5, 5 = the last */
	int wday;		/* M: 0 = Sunday */
	int secs;		/* local time of day of the switch */
};

/* The footer rule: standard time, and DST between start and end. */
struct tzfile_rule {
	struct tzfile_type std;
	struct tzfile_type dst;
	int has_dst;
	struct tzfile_rule_day start, end;
};

struct tzfile {
	int64_t *trans;		/* transition instants, ascending */
	unsigned char *trans_type; /* type index from each transition on */
	size_t ntrans;
	struct tzfile_type *types;
	size_t ntypes;
	struct tzfile_rule rule;
	int has_rule;
};

void
tzfile_free(struct tzfile *f)
{
	if (f == NULL)
		return;
	free(f->trans);
	free(f->trans_type);
	free(f->types);
	free(f);
}

/* Big-endian integers of a TZif file. */
static int64_t
tzfile_be32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			 (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static int64_t
tzfile_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)tzfile_be32(p) << 32 |
			 ((uint64_t)tzfile_be32(p + 4) & 0xffffffffu));
}

/* Read a whole file of at most TZFILE_MAX bytes. Returns NULL when it is
 * not a regular file or cannot be read. */
static unsigned char *
tzfile_read_file(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *data;
	FILE *f;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < 44 || st.st_size > TZFILE_MAX)
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
tzfile_posix_time(const char **pp, int *secs)
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
tzfile_posix_abbr(const char **pp, char *out)
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
	snprintf(out, TZFILE_ABBR_MAX, "%.*s", (int)(end - start), start);
	*pp = p;
	return 0;
}

/* A number of at most 3 digits. */
static int
tzfile_posix_num(const char **pp, int *v)
{
	int nd = 0;

	*v = 0;
	while (isdigit((unsigned char)**pp) && nd < 3)
		*v = *v * 10 + (*(*pp)++ - '0'), nd++;
	return nd == 0 ? -1 : 0;
}

/* "Jn", "n" or "Mm.w.d", then an optional "/time" (default 02:00). */
static int
tzfile_posix_day(const char **pp, struct tzfile_rule_day *d)
{
	memset(d, 0, sizeof(*d));
	if (**pp == 'J') {
		(*pp)++;
		d->kind = 'J';
		if (tzfile_posix_num(pp, &d->n) < 0 || d->n < 1 || d->n > 365)
			return -1;
	} else if (**pp == 'M') {
		(*pp)++;
		d->kind = 'M';
		if (tzfile_posix_num(pp, &d->n) < 0 || d->n < 1 || d->n > 12 ||
		    *(*pp)++ != '.' || tzfile_posix_num(pp, &d->week) < 0 ||
		    d->week < 1 || d->week > 5 || *(*pp)++ != '.' ||
		    tzfile_posix_num(pp, &d->wday) < 0 || d->wday > 6)
			return -1;
	} else {
		d->kind = 'D';
		if (tzfile_posix_num(pp, &d->n) < 0 || d->n > 365)
			return -1;
	}
	d->secs = 2 * 3600;
	if (**pp == '/') {
		(*pp)++;
		if (tzfile_posix_time(pp, &d->secs) < 0)
			return -1;
	}
	return 0;
}

/* Parse a POSIX TZ string like "EST5EDT,M3.2.0,M11.1.0" or
 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0". Offsets in the string count
 * west of Greenwich; stored ones east, as everywhere else here. */
static int
tzfile_posix_parse(const char *s, struct tzfile_rule *r)
{
	const char *p = s;
	int off;

	memset(r, 0, sizeof(*r));
	if (tzfile_posix_abbr(&p, r->std.abbr) < 0 || tzfile_posix_time(&p, &off) < 0)
		return -1;
	r->std.offset = -off;
	if (*p == '\0')
		return 0;
	if (tzfile_posix_abbr(&p, r->dst.abbr) < 0)
		return -1;
	r->has_dst = 1;
	r->dst.isdst = 1;
	r->dst.offset = r->std.offset + 3600;
	if (*p != ',' && *p != '\0') {
		if (tzfile_posix_time(&p, &off) < 0)
			return -1;
		r->dst.offset = -off;
	}
	if (*p == '\0') {
		/* POSIX leaves the default rule to the implementation; the
		 * tz database writes rules out, so this is only a fallback. */
		p = ",M3.2.0,M11.1.0";
	}
	if (*p++ != ',' || tzfile_posix_day(&p, &r->start) < 0 || *p++ != ',' ||
	    tzfile_posix_day(&p, &r->end) < 0 || *p != '\0')
		return -1;
	return 0;
}

/* Days since the epoch of a rule day in year y. */
static int64_t
tzfile_rule_date(const struct tzfile_rule_day *d, int64_t y)
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
static const struct tzfile_type *
tzfile_rule_type(const struct tzfile_rule *r, int64_t t)
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
	tz_civil_from_days(t / TZFILE_DAY - (t % TZFILE_DAY < 0), &year, &m, &d);
	for (y = year - 1; y <= year + 1; y++) {
		ev[n].at = tzfile_rule_date(&r->start, y) * TZFILE_DAY + r->start.secs -
			r->std.offset;
		ev[n++].dst = 1;
		ev[n].at = tzfile_rule_date(&r->end, y) * TZFILE_DAY + r->end.secs -
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

struct tzfile *
tzfile_read(const char *path)
{
	struct tzfile *tz = xcalloc(1, sizeof *tz);
	size_t len, off, i, need;
	unsigned char *data = tzfile_read_file(path, &len);
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
			cnt[i] = tzfile_be32(h + 20 + 4 * i);
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
		tz->trans[i] = tsize == 8 ? tzfile_be64(p + 8 * i) :
			tzfile_be32(p + 4 * i);
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

		tz->types[i].offset = (int)tzfile_be32(ty);
		tz->types[i].isdst = ty[4] != 0;
		if (ai >= (size_t)cnt[5] || tz->types[i].offset < -25 * 3600 ||
		    tz->types[i].offset > 26 * 3600)
			goto fail;
		while (ai + an < (size_t)cnt[5] && chars[ai + an] != '\0')
			an++;
		snprintf(tz->types[i].abbr, TZFILE_ABBR_MAX, "%.*s", (int)an,
			 (const char *)chars + ai);
	}
	off = (size_t)(h - data) + 44 + need;
	if (v2 && off < len && data[off] == '\n') {
		const char *foot = (const char *)data + off + 1;
		const char *nl = memchr(foot, '\n', len - off - 1);

		if (nl != NULL && nl > foot) {
			char *s = xstrndup(foot, (size_t)(nl - foot));

			tz->has_rule = tzfile_posix_parse(s, &tz->rule) == 0;
			free(s);
		}
	}
	free(data);
	return tz;
fail:
	free(data);
	tzfile_free(tz);
	return NULL;
}

const struct tzfile_type *
tzfile_type_at(const struct tzfile *tz, int64_t t)
{
	size_t lo, hi;

	if (tz->ntrans == 0 || t < tz->trans[0]) {
		if (tz->ntrans == 0 && tz->has_rule)
			return tzfile_rule_type(&tz->rule, t);
		return &tz->types[0];
	}
	if (t >= tz->trans[tz->ntrans - 1] && tz->has_rule)
		return tzfile_rule_type(&tz->rule, t);
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
