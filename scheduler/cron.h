/*
 * cron.h: 5-field cron schedules, evaluated in an IANA zone (tz.h).
 *
 * The syntax and the DST rules are in scheduler/CRON.md. In short: fields
 * "minute hour day-of-month month day-of-week" with '*', numbers, lists,
 * ranges, steps, JAN-DEC and SUN-SAT names, or one of @hourly @daily
 * @midnight @weekly @monthly @yearly @annually; day-of-month and
 * day-of-week OR together when both are restricted (Vixie cron). A schedule
 * whose minute or hour field starts with '*' fires at every instant whose
 * wall time matches (twice in a repeated hour, never in a skipped one);
 * any other fires once per matching wall time: at its first occurrence, or
 * at the end of the gap when the wall time is skipped.
 */
#ifndef SLUICE_CRON_H
#define SLUICE_CRON_H

#include <stdint.h>

#include "scheduler/tz.h"
#include "base/util.h"

struct cron;

/* Parse expr. The caller frees *out with cron_free(). Errors name the
 * expression, the field and the bad part:
 *   "cron 'x 1 * * *': minute field: 'x' is not a number or name"
 *   "cron '0 24 * * *': hour field: 24 is out of range 0-23"
 *   "cron '0 0 * *': expected 5 fields, got 4"
 * "none", "@once" and "@reboot" are not schedules here (the DAG loader
 * handles none). */
int cron_parse(const char *expr, struct cron **out, struct sl_err *err);
void cron_free(struct cron *c);
/* The expression as given; owned by c. */
const char *cron_text(const struct cron *c);
/* 1 when the minute or hour field starts with '*' (fires in both copies of
 * a repeated hour, never in a skipped one), 0 for a fixed-time schedule. */
int cron_is_wildcard(const struct cron *c);
/* 1 when no month of the line has any of its days of the month ("0 0 31
 * 4 *", "0 0 30 2 *") and no day of the week is named: it never ticks
 * (the DAG loader refuses it; cron_next returns -1 for it). */
int cron_never_ticks(const struct cron *c);

/* The smallest tick > after, and the largest tick <= at. -1 when there is
 * none within 5 years (5 x 366 days; e.g. "0 0 30 2 *") or the instant is
 * outside TZ_T_MIN..TZ_T_MAX. They are exact inverses: for a tick x,
 * cron_prev(x) == x, and cron_next(cron_prev(t)) > t. */
int64_t cron_next(const struct cron *c, const struct tz *tz, int64_t after);
int64_t cron_prev(const struct cron *c, const struct tz *tz, int64_t at);

#endif
