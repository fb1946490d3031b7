/* expected.c: the expected partitions of a scheduled DAG and their states
 * (see expected.h). Pure: the DAG, its runs and "now" in, states out. */
#include "scheduler/expected.h"

#include <stdlib.h>
#include <string.h>

#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/next_partition.h"

static const struct {
	const char *name;
	char code;
} expected_states[EXPECTED_NSTATES] = {
	[EXPECTED_MISSING] = { "missing", '.' },
	[EXPECTED_WAITING] = { "waiting", 'w' },
	[EXPECTED_RUNNING] = { "running", 'r' },
	[EXPECTED_SUCCESS] = { "success", 's' },
	[EXPECTED_FAILED] = { "failed", 'F' },
	[EXPECTED_STALE] = { "stale", 'o' },
	[EXPECTED_LATE] = { "late", 'L' },
	[EXPECTED_FUTURE] = { "future", '_' },
};

const char *
expected_state_name(enum expected_state s)
{
	return (unsigned)s < EXPECTED_NSTATES ? expected_states[s].name : "?";
}

char
expected_state_code(enum expected_state s)
{
	return (unsigned)s < EXPECTED_NSTATES ? expected_states[s].code : '?';
}

int
expected_state_parse(const char *name)
{
	for (int i = 0; i < EXPECTED_NSTATES; i++)
		if (strcmp(expected_states[i].name, name) == 0)
			return i;
	return -1;
}

/* The run's state, or whether its interval has ended. */
enum expected_state
expected_classify(const struct expected_run *run, int64_t end_s, int64_t now)
{
	if (run == NULL)
		return end_s <= now ? EXPECTED_MISSING : EXPECTED_FUTURE;
	switch (run->state) {
	case RUN_SUCCESS:
		return EXPECTED_SUCCESS;
	case RUN_FAILED:
		return EXPECTED_FAILED;
	case RUN_RUNNING:
		return run->active > 0 ? EXPECTED_RUNNING : EXPECTED_WAITING;
	case RUN_QUEUED:
	default:
		return EXPECTED_WAITING;
	}
}

/* Stale (needs:) and late (freshness:) are decided here once their rules
 * exist; nothing else names those two states. */
enum expected_state
expected_freshness(const struct dag *d, const struct expected_partition *p,
		   const struct expected_run *run, int64_t now,
		   enum expected_state base)
{
	return expected_freshness_task(d, NULL, p, run, now, INT64_MIN, base);
}

int
expected_has_freshness(const struct dag *d)
{
	if (d->freshness_ms > 0)
		return 1;
	for (int i = 0; i < d->ntasks; i++)
		if (d->tasks[i].freshness_ms > 0)
			return 1;
	return 0;
}

enum expected_state
expected_freshness_task(const struct dag *d, const struct task *t,
			const struct expected_partition *p,
			const struct expected_run *run, int64_t now,
			int64_t late_from_s, enum expected_state base)
{
	int64_t fresh_ms = t != NULL && t->freshness_ms > 0 ? t->freshness_ms :
			   d->freshness_ms;

	/* stale: it succeeded, then an input it used succeeded again; a
	 * re-run (queued, running) or a failure says more than stale */
	if (base == EXPECTED_SUCCESS && run != NULL && run->stale != 0)
		return EXPECTED_STALE;
	/* late: freshness: (the task's own, else the DAG's) passed since
	 * the interval ended, not landed; never an interval the scheduler
	 * was not to run (before late_from_s) */
	if (fresh_ms > 0 && base != EXPECTED_SUCCESS &&
	    base != EXPECTED_FUTURE && p->start_s >= late_from_s &&
	    now >= p->end_s + fresh_ms / 1000)
		return EXPECTED_LATE;
	return base;
}

int64_t
expected_late_from(const struct dag *d, int64_t first_seen_s)
{
	int64_t first;

	if (d->catchup || d->schedule == NULL || first_seen_s <= 0)
		return INT64_MIN;
	/* what the scheduler creates first (next_partition_first): none
	 * ended by then means every partition is one it runs */
	first = next_partition_first(d, first_seen_s);
	return first < 0 ? INT64_MIN : first;
}

int
expected_map(const struct dag *d, int64_t from_s, int64_t to_s, int64_t now,
	     const struct expected_run *runs, size_t nruns, size_t max,
	     struct expected_partition **out, size_t *n, struct sl_err *err)
{
	return expected_map_task(d, NULL, from_s, to_s, now, INT64_MIN, runs,
				 nruns, max, out, n, err);
}

int
expected_map_task(const struct dag *d, const struct task *task, int64_t from_s,
		  int64_t to_s, int64_t now, int64_t late_from_s,
		  const struct expected_run *runs,
		  size_t nruns, size_t max, struct expected_partition **out,
		  size_t *n, struct sl_err *err)
{
	struct expected_partition *v = NULL;
	size_t cap = 0, k = 0, r = 0;
	int64_t t;

	*out = NULL;
	*n = 0;
	if (d->schedule == NULL)
		return sl_err_set(err, "DAG %s has no schedule: it has no "
				  "expected partitions", d->name);
	if (from_s < d->start)
		from_s = d->start;
	if (from_s == INT64_MIN || to_s == INT64_MAX)
		return sl_err_set(err, "DAG %s has no start: name the range's "
				  "first partition (from)", d->name);
	if (to_s >= d->end)
		to_s = d->end - 1;
	if (from_s > to_s)
		return 0;
	for (t = cron_next(d->schedule, d->tz, from_s - 1); t >= 0 && t <= to_s;) {
		struct expected_partition *p;
		const struct expected_run *run = NULL;
		int64_t end = cron_next(d->schedule, d->tz, t);

		if (end < 0)
			break;
		if (k == max) {
			free(v);
			return sl_err_set(err, "the range holds more than %zu "
					  "partitions of DAG %s; narrow it "
					  "(from, to)", max, d->name);
		}
		SL_GROW(v, cap, k + 1);
		p = &v[k++];
		p->start_s = t;
		p->end_s = end;
		p->run = -1;
		while (r < nruns && runs[r].start_s < t)
			r++;
		if (r < nruns && runs[r].start_s == t) {
			run = &runs[r];
			p->run = (long)r;
		}
		p->state = expected_freshness_task(d, task, p, run, now, late_from_s,
						   expected_classify(run, end, now));
		t = end;
	}
	*out = v;
	*n = k;
	return 0;
}

int64_t
expected_step(const struct expected_partition *v, size_t n)
{
	int64_t step;

	if (n < 2)
		return 0;
	step = v[1].start_s - v[0].start_s;
	for (size_t i = 2; i < n; i++)
		if (v[i].start_s - v[i - 1].start_s != step)
			return 0;
	return step;
}
