/*
 * cli_status.c: `sluice status DAG [--from P] [--to P]`: the partition map
 * of a scheduled DAG on the terminal (scheduler/expected.h): one character
 * per partition with a legend, then how many partitions are in each state
 * and, for the late ones, why (the open freshness alerts' reasons).
 * An hourly DAG gets a line per local day with a column per hour; a daily
 * one a line per month with a column per day; any other cadence a line per
 * day (shorter than a day) or per year.
 */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheduler/expected_store.h"
#include "scheduler/partition.h"
#include "scheduler/tz.h"
#include "store/store.h"

/* Partitions one `status` shows at most. */
#define STATUS_MAX 200000
#define STATUS_LINE_MAX 1024

/* How a line of the map is cut. */
enum status_layout {
	STATUS_HOURLY,		/* a line per day, a column per hour */
	STATUS_DAILY,		/* a line per month, a column per day */
	STATUS_SUBDAILY,	/* a line per day, in order */
	STATUS_LONG,		/* a line per year, in order */
};

static enum status_layout
status_layout_of(const struct expected_store_map *m)
{
	int64_t span = m->n >= 2 ? m->v[1].start_s - m->v[0].start_s : 86400;

	if (span == 3600)
		return STATUS_HOURLY;
	if (span >= 82800 && span <= 90000)
		return STATUS_DAILY;
	return span < 82800 ? STATUS_SUBDAILY : STATUS_LONG;
}

/* The label of the line partition start t is on ("2026-12-03",
 * "2026-12", "2026"), and its column (-1: next in order). */
static int
status_place(const struct tz *tz, enum status_layout layout, int64_t t,
	     char *label, size_t n)
{
	struct tm tm;

	tz_local(tz, t, &tm);
	switch (layout) {
	case STATUS_HOURLY: {
		/* after an hour that repeated earlier this day (the clocks
		 * went back: the offset is lower than at that hour's wall
		 * time back), one column further, so that an hour has one
		 * column whatever hour the range starts at */
		int64_t wall = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;

		snprintf(label, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		return tm.tm_hour + (tz_offset_at(tz, t) < tz_offset_at(tz, t - wall));
	}
	case STATUS_DAILY:
		snprintf(label, n, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
		return tm.tm_mday - 1;
	case STATUS_SUBDAILY:
		snprintf(label, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		return -1;
	case STATUS_LONG:
	default:
		snprintf(label, n, "%04d", tm.tm_year + 1900);
		return -1;
	}
}

static void
status_flush(const char *label, char *line, int len)
{
	if (len == 0)
		return;
	line[len] = '\0';
	printf("%-10s  %s\n", label, line);
}

static void
status_print_map(const struct dag *d, const struct expected_store_map *m)
{
	enum status_layout layout = status_layout_of(m);
	char label[32] = "", cur[32] = "", line[STATUS_LINE_MAX + 1];
	int len = 0;

	if (layout == STATUS_HOURLY)
		printf("%-10s  %s\n", "", "0     6     12    18    ");
	else if (layout == STATUS_DAILY)
		printf("%-10s  %s\n", "", "1    6    11   16   21   26");
	for (size_t i = 0; i < m->n; i++) {
		int col = status_place(d->tz, layout, m->v[i].start_s, label, sizeof label);

		if (strcmp(label, cur) != 0) {
			status_flush(cur, line, len);
			snprintf(cur, sizeof cur, "%s", label);
			len = 0;
		}
		/* an hour that repeats (DST) takes the next column; a skipped
		 * one stays blank */
		if (col < len)
			col = len;
		if (col < 0)
			col = len;
		if (col >= STATUS_LINE_MAX) {
			status_flush(cur, line, len);
			len = 0;
			col = 0;
		}
		while (len < col)
			line[len++] = ' ';
		line[len++] = expected_state_code(m->v[i].state);
	}
	status_flush(cur, line, len);
	printf("\nlegend:");
	for (int s = 0; s < EXPECTED_NSTATES; s++)
		printf("  %c %s", expected_state_code(s), expected_state_name(s));
	printf("\n\n");
}

static json_t *
status_json(const struct dag *d, const struct expected_store_map *m)
{
	json_t *o = json_object(), *counts = json_object(), *parts = json_array();
	char key[PARTITION_KEY_MAX];

	for (int s = 0; s < EXPECTED_NSTATES; s++)
		json_object_set_new(counts, expected_state_name(s),
				    json_integer((json_int_t)m->counts[s]));
	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(parts, json_pack("{s:s,s:I,s:I,s:s}",
			"partition", expected_store_key(d, m, i, key, sizeof key),
			"start_s", (json_int_t)m->v[i].start_s,
			"end_s", (json_int_t)m->v[i].end_s,
			"state", expected_state_name(m->v[i].state)));
	json_object_set_new(o, "dag", json_string(d->name));
	json_object_set_new(o, "timezone", json_string(tz_name(d->tz)));
	json_object_set_new(o, "count", json_integer((json_int_t)m->n));
	json_object_set_new(o, "counts", counts);
	json_object_set_new(o, "partitions", parts);
	/* how the range was read, and what start: and end: cut off it, as
	 * the text form and the partitions API say */
	json_object_set_new(o, "notes", partition_notes_json(&m->notes));
	return o;
}

/* The open freshness alerts of a DAG: the partitions alerted late and not
 * landed since, each with why (store_fresh_open; a task's own alert has
 * the key "PARTITION TASK"). */
struct status_alert {
	int64_t start_s;
	char *key, *why;
};

struct status_alerts {
	struct status_alert *v;
	size_t n, cap;
};

static void
status_alert_add(void *arg, const char *dag, const char *key, int64_t start_s,
		 const char *why)
{
	struct status_alerts *a = arg;

	(void)dag;
	SL_GROW(a->v, a->cap, a->n + 1);
	a->v[a->n].start_s = start_s;
	a->v[a->n].key = xstrdup(key);
	a->v[a->n].why = xstrdup(why != NULL ? why : "");
	a->n++;
}

/* The task a key names ("" for the DAG's own alert). */
static const char *
status_alert_task(const struct status_alert *a)
{
	const char *sp = strchr(a->key, ' ');

	return sp != NULL ? sp + 1 : "";
}

/* The DAG's own alerts first, then each task's; each by start. */
static int
status_alert_cmp(const void *x, const void *y)
{
	const struct status_alert *a = x, *b = y;
	int c = strcmp(status_alert_task(a), status_alert_task(b));

	if (c != 0)
		return c;
	return a->start_s < b->start_s ? -1 : a->start_s > b->start_s;
}

/* Why the late partitions of [lo, hi] are late, as the alerts said:
 * neighbours of one level (the DAG, or one task) with the same reason as
 * one line, "FIRST ... LAST (N): WHY", at most STATUS_WHY_LINES lines. */
#define STATUS_WHY_LINES 20
static void
status_print_why(struct cli *c, const struct dag *d, int64_t lo, int64_t hi)
{
	struct status_alerts a = { NULL, 0, 0 };
	size_t k = 0, n = 0, lines = 0, shown = 0;

	if (store_fresh_open(c->store, d->name, status_alert_add, &a) < 0)
		return;		/* the map and counts are said; this is extra */
	/* only the range shown */
	for (size_t i = 0; i < a.n; i++) {
		if (a.v[i].start_s >= lo && a.v[i].start_s <= hi) {
			a.v[n++] = a.v[i];
			continue;
		}
		free(a.v[i].key);
		free(a.v[i].why);
	}
	qsort(a.v, n, sizeof *a.v, status_alert_cmp);
	if (n > 0)
		printf("\nwhy late (as alerted):\n");
	while (k < n) {
		const char *task = status_alert_task(&a.v[k]);
		size_t j = k + 1;

		while (j < n && strcmp(status_alert_task(&a.v[j]), task) == 0 &&
		       strcmp(a.v[j].why, a.v[k].why) == 0)
			j++;
		if (lines++ < STATUS_WHY_LINES) {
			int kl = (int)strcspn(a.v[k].key, " ");

			printf("  %.*s", kl, a.v[k].key);
			if (j - k > 1)
				printf(" ... %.*s (%zu)", (int)strcspn(a.v[j - 1].key, " "),
				       a.v[j - 1].key, j - k);
			printf("%s%s: %s\n", task[0] ? ", task " : "", task, a.v[k].why);
			shown += j - k;
		}
		k = j;
	}
	if (shown < n)
		printf("  ... and %zu more (sluice status %s --from P --to P narrows it)\n",
		       n - shown, d->name);
	for (size_t i = 0; i < n; i++) {
		free(a.v[i].key);
		free(a.v[i].why);
	}
	free(a.v);
}

static int
status_run(struct cli *c, const struct cli_args *args)
{
	const char *from = cli_opt_str(args, "from"), *to = cli_opt_str(args, "to");
	struct expected_store_map m;
	struct sl_err err;
	struct dag *d;
	int dag_rc;
	char a[PARTITION_KEY_MAX], b[PARTITION_KEY_MAX];

	if (args->npos < 1)
		return cli_usage(&cli_status, "which DAG? sluice status DAG");
	if (args->npos > 1)
		return cli_usage(&cli_status, "unexpected argument '%s'", args->pos[1]);
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	if ((dag_rc = cli_dag(c, args->pos[0], &d)) != 0)
		return dag_rc;
	if ((dag_rc = cli_dag_scheduled(d, "it has no expected partitions to map; "
					"its runs are listed by `sluice runs %s`",
					d->name)) != 0)
		return dag_rc;
	sl_err_clear(&err);
	if (expected_store_load(c->store, d, from, to, sl_now_ms() / 1000, STATUS_MAX,
				&m, &err) < 0) {
		cli_error(err.msg);
		return store_busy(c->store) ? EXIT_FAILED : EXIT_USAGE;
	}
	if (c->json) {
		json_t *o = status_json(d, &m);

		cli_print_json(o);
		json_decref(o);
		expected_store_free(&m);
		return 0;
	}
	/* how the range was read, what start: and end: cut off it, that it
	 * was cut to its newest partitions (the header alone showed where
	 * it began) */
	cli_partition_notes(&m.notes);
	if (m.n == 0) {
		printf("DAG %s has no partition in that range\n", d->name);
		expected_store_free(&m);
		return 0;
	}
	printf("%s: %s in %s, %zu partition%s from %s to %s\n\n", d->name, d->schedule_text,
	       tz_name(d->tz), m.n, m.n == 1 ? "" : "s", expected_store_key(d, &m, 0, a, sizeof a),
	       expected_store_key(d, &m, m.n - 1, b, sizeof b));
	status_print_map(d, &m);
	for (int s = 0; s < EXPECTED_NSTATES; s++)
		if (m.counts[s] > 0)
			printf("%-8s %zu\n", expected_state_name(s), m.counts[s]);
	if (m.counts[EXPECTED_LATE] > 0)
		status_print_why(c, d, m.v[0].start_s, m.v[m.n - 1].start_s);
	expected_store_free(&m);
	return 0;
}

static const struct cli_opt status_opts[] = {
	{ "from", 0, "P", "the first partition (default: the DAG's start, at most a year back and at most the newest 200000 partitions)" },
	{ "to", 0, "P", "the last partition (default: the one holding now; once the DAG's end: has passed, its last one)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_status = {
	"status", "the partition map of a scheduled DAG: done, missing, failed, late",
	"DAG [--from P] [--to P]",
	"Prints every partition the DAG's schedule defines in the range, with\n"
	"or without a run, as one character per partition: for an hourly DAG a\n"
	"line per day with a column per hour (in the DAG's zone: a day that\n"
	"repeats an hour has 25 characters, one that skips an hour a blank), for\n"
	"a daily DAG a line per month; then how many partitions are in each\n"
	"state. States: missing (its interval ended, no run), waiting (its run\n"
	"waits for upstreams, a sensor or a slot), running, success, failed,\n"
	"stale, late, future (its interval has not ended). Late partitions are\n"
	"followed by why, as their freshness alerts said it (neighbours with one\n"
	"reason on one line). P is a partition key, a time (the partition\n"
	"holding it) or a date; --from and --to are inclusive; a range holding\n"
	"no partition (before the DAG's start, or after now without --to) is an\n"
	"error, exit 2, as is a DAG without a schedule (see `sluice runs DAG`).\n"
	"--json gives every partition with its state, and in notes how the\n"
	"range was read (a time that happens twice), what start: and end:\n"
	"left out of it and, without --from, that a DAG running every few\n"
	"minutes was cut to its newest 200000 partitions.\n",
	status_opts,
	status_run,
};
