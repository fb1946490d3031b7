/* sensors_poke: the in-loop poke path of N s3_sensor tasks waiting at once
 * on one libevent loop, as the scheduler runs them (bench/sensors.sh).
 *
 *   sensors_poke N INTERVAL_MS DURATION_MS URL_PREFIX
 *
 * Each sensor waits for URL_PREFIX<i>/ (never there), poking every
 * INTERVAL_MS with its first poke spread over the first interval, as
 * sensors created at different times would be. Alongside, a 10 ms timer
 * stands for "an unrelated ready task": how late it fires is how long a
 * ready task would wait for the loop. Prints pokes done, CPU used (% of one
 * core), peak RSS, and the loop's lateness (p50, p99, max), over the
 * window after the first interval (steady state) and over the whole run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>
#include <jansson.h>

#include "operators/operator.h"

extern const struct operator op_s3_sensor;

struct sensor {
	struct event_base *base;
	json_t *spec;
	struct event *timer;
	int64_t interval;
	void *poke;
};

static long pokes, errors;
static int64_t lateness[1 << 20];
static size_t nlate;
static int64_t tick_due;
static struct event *tick;

static void sensor_poke(evutil_socket_t fd, short what, void *arg);

static void
sensor_done(void *arg, enum op_poke_result r, const char *msg)
{
	struct sensor *s = arg;
	struct timeval tv = { s->interval / 1000, (s->interval % 1000) * 1000 };

	s->poke = NULL;
	pokes++;
	if (r == OP_POKE_ERROR && errors++ < 3)
		fprintf(stderr, "poke error: %s\n", msg);
	evtimer_add(s->timer, &tv);
}

static void
sensor_poke(evutil_socket_t fd, short what, void *arg)
{
	struct sensor *s = arg;

	s->poke = op_s3_sensor.poke_start(s->base, s->spec, sensor_done, s);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, 10000 };
	int64_t now = sl_mono_ms();

	if (nlate < SL_ARRAY_LEN(lateness))
		lateness[nlate++] = now - tick_due;
	tick_due = now + 10;
	evtimer_add(tick, &tv);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

struct mark {
	double cpu;
	int64_t at;
	long pokes;
	size_t nlate;
};

static struct mark steady;

static void
on_steady(evutil_socket_t fd, short what, void *arg)
{
	steady.cpu = cpu_seconds();
	steady.at = sl_mono_ms();
	steady.pokes = pokes;
	steady.nlate = nlate;
}

static void
report(const char *what, double cpu, int64_t ms, long n, const int64_t *late,
       size_t nl)
{
	int64_t *sorted = xcalloc(nl + 1, sizeof *sorted);

	memcpy(sorted, late, nl * sizeof *late);
	qsort(sorted, nl, sizeof *sorted, cmp64);
	printf("%s: %ld pokes in %.1f s (%.0f/s), CPU %.1f%% of one core, "
	       "loop lateness p50 %lld ms, p99 %lld ms, max %lld ms\n", what, n,
	       ms / 1000.0, n * 1000.0 / (ms ? ms : 1), 100.0 * cpu * 1000 / (ms ? ms : 1),
	       (long long)(nl ? sorted[nl / 2] : 0),
	       (long long)(nl ? sorted[nl * 99 / 100] : 0),
	       (long long)(nl ? sorted[nl - 1] : 0));
	free(sorted);
}

int
main(int argc, char **argv)
{
	long long n, interval, duration;
	struct event_base *base;
	struct sensor *sensors;
	struct event *stop, *mark;
	struct timeval tv;
	struct rusage ru;
	double cpu0;
	int64_t t0;

	if (argc != 5 || sl_parse_int(argv[1], 1, 1000000, &n) < 0 ||
	    sl_parse_int(argv[2], 1, 86400000, &interval) < 0 ||
	    sl_parse_int(argv[3], 1, 86400000, &duration) < 0) {
		fprintf(stderr, "usage: sensors_poke N INTERVAL_MS DURATION_MS "
			"s3://bucket/prefix/\n");
		return 2;
	}
	base = event_base_new();
	sensors = xcalloc((size_t)n, sizeof *sensors);
	cpu0 = cpu_seconds();
	t0 = sl_mono_ms();
	for (long long i = 0; i < n; i++) {
		struct sensor *s = &sensors[i];
		int64_t first = interval * i / n;
		char url[512];

		snprintf(url, sizeof url, "%s%lld/", argv[4], i);
		s->base = base;
		s->interval = interval;
		s->spec = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s}}}",
		    "type", "s3_sensor", "task", "bench", "options", "url", url,
		    "connection", "bench", "connections", "bench", "region",
		    "us-east-1");
		s->timer = evtimer_new(base, sensor_poke, s);
		sl_ms_timeval(first, &tv);
		evtimer_add(s->timer, &tv);
	}
	tick = evtimer_new(base, on_tick, NULL);
	tick_due = sl_mono_ms() + 10;
	tv.tv_sec = 0;
	tv.tv_usec = 10000;
	evtimer_add(tick, &tv);
	mark = evtimer_new(base, on_steady, NULL);
	sl_ms_timeval(interval, &tv);
	evtimer_add(mark, &tv);
	stop = evtimer_new(base, on_stop, base);
	sl_ms_timeval(duration, &tv);
	evtimer_add(stop, &tv);
	event_base_dispatch(base);

	getrusage(RUSAGE_SELF, &ru);
	printf("sensors: %lld waiting, poke interval %lld ms, %ld poke errors\n",
	       n, interval, errors);
	report("whole run", cpu_seconds() - cpu0, sl_mono_ms() - t0, pokes,
	       lateness, nlate);
	if (steady.at > 0)
		report("steady state (after the first interval)",
		       cpu_seconds() - steady.cpu, sl_mono_ms() - steady.at,
		       pokes - steady.pokes, lateness + steady.nlate,
		       nlate - steady.nlate);
	printf("peak RSS: %.1f MB\n", ru.ru_maxrss / 1024.0);
	return errors > 0 ? 1 : 0;
}
