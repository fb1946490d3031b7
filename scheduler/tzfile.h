/*
 * tzfile.h: one zone's TZif file (RFC 8536) as read from the tz database:
 * its transitions, its local time types, and the POSIX TZ rule of its
 * footer, which gives the local time type past the last transition. Only
 * tz.c uses this; the rest of sluice asks tz.h.
 */
#ifndef SLUICE_TZFILE_H
#define SLUICE_TZFILE_H

#include <stdint.h>

#define TZFILE_ABBR_MAX 16

/* A local time type: offset, DST flag, abbreviation. */
struct tzfile_type {
	int offset;
	int isdst;
	char abbr[TZFILE_ABBR_MAX];
};

struct tzfile;

/* Read and check path; NULL when it is not a readable TZif file. */
struct tzfile *tzfile_read(const char *path);
void tzfile_free(struct tzfile *f);
/* The local time type in force at instant t (never NULL). */
const struct tzfile_type *tzfile_type_at(const struct tzfile *f, int64_t t);

#endif
