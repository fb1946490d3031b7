/* sched.c: the scheduling loop (see sched.h and scheduler/STATES.md). */
#include "scheduler/sched.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/state.h"
#include "store/store.h"
#include "scheduler/template.h"
#include "scheduler/tz.h"
#include "executors/registry.h"
#include "operators/notify.h"
#include "operators/operator.h"
#include "scheduler/try.h"

extern char **environ;

#define SCHED_POLL_MS 100		/* other processes' changes */
#define SCHED_TICK_MS 1000		/* due partitions, DAG folder */
#define SCHED_DAG_SCAN_MS 2000
#define SENSOR_DEFAULT_POKE_MS 60000
/* In-loop pokes in flight at once: each holds an HTTP request (a libcurl
 * handle and its buffers); pokes take milliseconds, so a few hundred at a
 * time keep thousands of sensors current with bounded memory. */
#define SCHED_MAX_POKES 256

struct run;
struct live;

struct ti {
	int64_t id;
	struct run *run;
	int task;			/* index in run->dag->tasks */
	enum ti_state state;
	int try_number;
	int max_tries;
	int64_t next_at;		/* ms */
	int64_t first_poke_at;		/* ms */
	struct live *live;		/* the try in flight, if any (or an old
					 * try still ending after a clear) */
	struct event *timer;		/* retry / reschedule wake-up */
	int heap_pos;			/* index in the ready heap, -1 if not */
	int sla_notified;
	int in_eval;
	uint64_t seq;			/* FIFO order among equals */
};

struct run {
	int64_t id;
	struct dag *dag;
	char *dag_name;
	char *partition;
	char *run_id;			/* "scheduled__<partition>" */
	int64_t start_s, end_s;
	enum run_state state;
	json_t *params;			/* DAG params merged with the run's */
	struct ti *tis;
	int ntis;
	int nopen;			/* task instances not done, or with a
					 * try still ending */
	struct run *next;
};

/* A try in flight: a process through an executor, or an in-loop poke. */
/* While this many tries run, tries ending within SCHED_BATCH_US share a
 * pass and its commit. */
#define SCHED_BATCH_US 1000
#define SCHED_BATCH_MIN_RUNNING 4

struct live {
	struct sched *s;
	struct ti *ti;			/* NULL once detached (cleared) */
	struct ti *blocked;		/* detached, but this task instance
					 * waits for it to end */
	int64_t ti_id;
	int try_number;
	enum ti_state from;		/* state the try runs in (running) */
	struct executor *ex;		/* NULL for in-loop pokes */
	void *handle;
	void *poke;
	const struct operator *poke_op;
	char *dag_name;
	char *pool;
	int pool_slots;
	int counts;			/* holds slots (not an in-loop poke) */
	int in_loop;			/* an in-loop poke (counted in pokes) */
	int is_poke;
	int timed_out;
	int64_t started_ms;
	char *log_path;
	struct event *timeout;
	struct live *next;
};

/* Per-DAG counters kept in step with the live tries and runs. */
struct dag_load_state {
	char *name;
	int active_runs;		/* running runs */
	int active_tasks;		/* tries holding slots */
	int paused;
	struct dag_load_state *next;
};

struct sched {
	struct config *cfg;
	struct event_base *base;
	struct store *store;
	struct executor_set execs;
	struct dagbag bag;
	struct run *runs;
	struct live *lives;
	struct dag_load_state *dstates;
	json_t *pool_used;		/* pool name → slots in use */
	int running;			/* tries holding slots */
	struct ti **heap;		/* ready to start, best first */
	int nheap, capheap;
	int nheap_loop;			/* of which in-loop sensor pokes */
	int pokes;			/* in-loop pokes in flight */
	struct ti **eval;		/* to evaluate against trigger rules */
	int neval, capeval;
	struct ti **startq;		/* queued, to start after commit */
	int nstart, capstart;
	uint64_t seq;
	int in_tx;
	int64_t data_version;
	int64_t last_dag_scan;
	int shutting_down;
	int runs_finished;
	char self_exe[PATH_MAX];
	struct event *pass_ev;
	struct event *poll_ev;
	struct event *tick_ev;
	struct event *sigchld_ev;
	struct event *sigterm_ev;
	struct event *sigint_ev;
	struct event *grace_ev;
	pid_t *helpers;			/* on_success / on_failure / email */
	int nhelpers, caphelpers;
	int64_t loop_lag_ms;
	int64_t tries_started, tries_ended;
};

static void sched_schedule_pass(struct sched *s);
static void sched_start_queued(struct sched *s);
static void ti_eval_push(struct sched *s, struct ti *ti);
static void ti_try_end(struct sched *s, struct live *l, int exit_code,
		       int sig, const char *error, int64_t duration_ms,
		       const char *host);

/* --- small helpers --- */

static void
log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
log_line(const char *fmt, ...)
{
	char ts[64];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
tx_begin(struct sched *s)
{
	if (!s->in_tx) {
		if (store_begin(s->store) < 0)
			log_line("database: cannot begin a transaction: %s",
				 sqlite3_errmsg(store_db(s->store)));
		else
			s->in_tx = 1;
	}
}

static void
tx_commit(struct sched *s)
{
	if (s->in_tx) {
		if (store_commit(s->store) < 0)
			log_line("database: commit failed: %s",
				 sqlite3_errmsg(store_db(s->store)));
		s->in_tx = 0;
	}
}

static struct dag_load_state *
dstate(struct sched *s, const char *name)
{
	struct dag_load_state *d;

	for (d = s->dstates; d != NULL; d = d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	d = xcalloc(1, sizeof *d);
	d->name = xstrdup(name);
	d->next = s->dstates;
	s->dstates = d;
	return d;
}

static struct task *
ti_task(const struct ti *ti)
{
	return &ti->run->dag->tasks[ti->task];
}

static int
pool_used(struct sched *s, const char *pool)
{
	return (int)json_integer_value(json_object_get(s->pool_used, pool));
}

static void
pool_add(struct sched *s, const char *pool, int n)
{
	json_object_set_new(s->pool_used, pool,
			    json_integer(pool_used(s, pool) + n));
}

/* --- the ready heap: priority desc, then older partition, then FIFO --- */

static int
ti_before(const struct ti *a, const struct ti *b)
{
	int pa = ti_task(a)->priority, pb = ti_task(b)->priority;

	if (pa != pb)
		return pa > pb;
	if (a->run->start_s != b->run->start_s)
		return a->run->start_s < b->run->start_s;
	return a->seq < b->seq;
}

/* A sensor that pokes from the loop: it needs no slot. */
static int
ti_in_loop(const struct ti *ti)
{
	const struct task *t = ti_task(ti);

	return t->op->poke_start != NULL && !t->executor_explicit;
}

static void
heap_swap(struct sched *s, int i, int j)
{
	struct ti *t = s->heap[i];

	s->heap[i] = s->heap[j];
	s->heap[j] = t;
	s->heap[i]->heap_pos = i;
	s->heap[j]->heap_pos = j;
}

static void
heap_up(struct sched *s, int i)
{
	while (i > 0 && ti_before(s->heap[i], s->heap[(i - 1) / 2])) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct sched *s, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < s->nheap && ti_before(s->heap[l], s->heap[m]))
			m = l;
		if (r < s->nheap && ti_before(s->heap[r], s->heap[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void
heap_push(struct sched *s, struct ti *ti)
{
	if (ti->heap_pos >= 0)
		return;
	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? s->capheap * 2 : 256;
		s->heap = xreallocarray(s->heap, (size_t)s->capheap, sizeof *s->heap);
	}
	ti->seq = ++s->seq;
	if (ti_in_loop(ti))
		s->nheap_loop++;
	s->heap[s->nheap] = ti;
	ti->heap_pos = s->nheap++;
	heap_up(s, ti->heap_pos);
}

static void
heap_remove(struct sched *s, struct ti *ti)
{
	int i = ti->heap_pos;

	if (i < 0)
		return;
	ti->heap_pos = -1;
	if (ti_in_loop(ti))
		s->nheap_loop--;
	s->nheap--;
	if (i == s->nheap)
		return;
	s->heap[i] = s->heap[s->nheap];
	s->heap[i]->heap_pos = i;
	heap_up(s, i);
	heap_down(s, s->heap[i]->heap_pos);
}

static void
ti_eval_push(struct sched *s, struct ti *ti)
{
	if (ti->in_eval)
		return;
	if (s->neval == s->capeval) {
		s->capeval = s->capeval ? s->capeval * 2 : 256;
		s->eval = xreallocarray(s->eval, (size_t)s->capeval, sizeof *s->eval);
	}
	ti->in_eval = 1;
	s->eval[s->neval++] = ti;
}

/* --- state changes --- */

/* Move ti to `to` in memory and in the store (inside the pass's
 * transaction). Returns 0, or -1 when the store no longer agrees (a
 * person changed it): the caller stops, a reload follows. */
static int
ti_set(struct sched *s, struct ti *ti, enum ti_state to,
       const struct ti_update *u)
{
	int r;

	tx_begin(s);
	r = store_ti_transition(s->store, ti->id, ti->state, -1, to, u);
	if (r <= 0) {
		if (r == 0)
			sched_poke(s);
		return -1;
	}
	ti->state = to;
	if (u->try_number >= 0)
		ti->try_number = u->try_number;
	if (u->next_at >= 0)
		ti->next_at = u->next_at;
	if (u->first_poke_at >= 0)
		ti->first_poke_at = u->first_poke_at;
	return 0;
}

/* --- runs in memory --- */

static void
run_free(struct sched *s, struct run *r)
{
	for (int i = 0; i < r->ntis; i++) {
		struct ti *ti = &r->tis[i];

		heap_remove(s, ti);
		if (ti->timer != NULL)
			event_free(ti->timer);
		if (ti->live != NULL) {
			if (ti->live->ti == ti)
				ti->live->ti = NULL;
			if (ti->live->blocked == ti)
				ti->live->blocked = NULL;
		}
	}
	free(r->tis);
	free(r->dag_name);
	free(r->partition);
	free(r->run_id);
	json_decref(r->params);
	free(r);
}


/* --- per-ti timers carry the scheduler through a small struct --- */

struct ti_timer_arg {
	struct sched *s;
	struct ti *ti;
};

static void ti_wake(evutil_socket_t fd, short what, void *arg);

static void
ti_arm_timer(struct sched *s, struct ti *ti, int64_t at_ms)
{
	int64_t delay = at_ms - sl_now_ms();
	struct timeval tv;

	if (delay < 0)
		delay = 0;
	if (ti->timer == NULL) {
		struct ti_timer_arg *a = xmalloc(sizeof *a);

		a->s = s;
		a->ti = ti;
		ti->timer = evtimer_new(s->base, ti_wake, a);
	}
	sl_ms_timeval(delay, &tv);
	/* timers count from the loop's cached time, which is as old as
	 * this turn: refresh it, or the timer fires that much early */
	event_base_update_cache_time(s->base);
	evtimer_add(ti->timer, &tv);
}

static void
ti_disarm(struct ti *ti)
{
	if (ti->timer != NULL) {
		struct ti_timer_arg *a = event_get_callback_arg(ti->timer);

		event_free(ti->timer);
		free(a);
		ti->timer = NULL;
	}
}

/* A retry's delay is over, or a sensor's next poke is due. */
static void
ti_wake(evutil_socket_t fd, short what, void *arg)
{
	struct ti_timer_arg *a = arg;
	struct sched *s = a->s;
	struct ti *ti = a->ti;
	struct ti_update u = TI_UPDATE_INIT;

	if ((ti->state == TI_UP_FOR_RETRY || ti->state == TI_UP_FOR_RESCHEDULE) &&
	    ti->next_at > sl_now_ms()) {
		/* early by the clock's rounding: wait the rest */
		ti_arm_timer(s, ti, ti->next_at);
		return;
	}
	if (ti->state == TI_UP_FOR_RETRY) {
		u.next_at = 0;
		u.reason = "retry delay over";
		if (ti_set(s, ti, TI_SCHEDULED, &u) == 0)
			heap_push(s, ti);
	} else if (ti->state == TI_UP_FOR_RESCHEDULE) {
		/* a sensor: straight to the ready heap; it needs no slot
		 * unless it pokes through an executor */
		heap_push(s, ti);
	}
	sched_schedule_pass(s);
}

/* --- log paths and the try's environment --- */

static char *
ti_log_path(struct sched *s, struct ti *ti, int try_number, int mkdirs)
{
	char *dir = try_log_dir(s->cfg->logs_dir, ti->run->dag_name,
				ti->run->partition, ti_task(ti)->name);
	char *path = xasprintf("%s/try-%d.log", dir, try_number);

	if (mkdirs)
		sl_mkdirs(dir, 0755, NULL);
	free(dir);
	return path;
}


static void
tmpl_ctx_init(struct tmpl_ctx *c, struct ti *ti, int try_number)
{
	memset(c, 0, sizeof *c);
	c->dag = ti->run->dag_name;
	c->task = ti_task(ti)->name;
	c->run_id = ti->run->run_id;
	c->partition = ti->run->partition;
	c->try_number = try_number;
	c->start = ti->run->start_s;
	c->end = ti->run->end_s;
	c->tz = ti->run->dag->tz;
	c->params = ti->run->params;
}

/*
 * The try's environment: the scheduler's, plus SLUICE_*, plus the task's
 * own env (rendered). NULL with err on a template error. The strings the
 * scheduler inherited are shared with environ (not copied); try_env_free
 * frees only what was made here.
 */
struct try_envp {
	char **v;
	size_t n, cap;
	size_t shared;		/* v[0..shared) point into environ */
};

static void
envp_set(struct try_envp *e, const char *name, const char *value)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, len) == 0 && e->v[i][len] == '=') {
			char *nv = xasprintf("%s=%s", name, value);

			if (i >= e->shared)
				free(e->v[i]);
			else {
				/* move it past the shared part */
				e->v[i] = e->v[--e->shared];
				e->v[e->shared] = e->v[e->n - 1];
				e->n--;
				break;
			}
			e->v[i] = nv;
			return;
		}
	if (e->n + 2 > e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = xreallocarray(e->v, e->cap, sizeof *e->v);
	}
	e->v[e->n++] = xasprintf("%s=%s", name, value);
	e->v[e->n] = NULL;
}

static void
try_env_free(char **v)
{
	/* the shared count is stored just past the terminating NULL */
	size_t n = 0, shared;

	if (v == NULL)
		return;
	while (v[n] != NULL)
		n++;
	shared = (size_t)(uintptr_t)v[n + 1];
	for (size_t i = shared; i < n; i++)
		free(v[i]);
	free(v);
}

static char **
try_env(struct sched *s, struct ti *ti, int try_number, struct sl_err *err)
{
	struct try_envp e = { NULL, 0, 0, 0 };
	char num[32], iso[64];
	struct tmpl_ctx c;
	const char *k;
	json_t *v;
	size_t n = 0;

	while (environ[n] != NULL)
		n++;
	e.cap = n + 32;
	e.v = xcalloc(e.cap, sizeof *e.v);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "SLUICE_", 7) != 0)
			e.v[e.n++] = environ[i];
	e.shared = e.n;
	envp_set(&e, "SLUICE_DAG", ti->run->dag_name);
	envp_set(&e, "SLUICE_TASK", ti_task(ti)->name);
	envp_set(&e, "SLUICE_PARTITION", ti->run->partition);
	envp_set(&e, "SLUICE_RUN_ID", ti->run->run_id);
	snprintf(num, sizeof num, "%d", try_number);
	envp_set(&e, "SLUICE_TRY", num);
	envp_set(&e, "SLUICE_DATA_INTERVAL_START",
		 tz_iso(ti->run->dag->tz, ti->run->start_s, iso, sizeof iso));
	envp_set(&e, "SLUICE_DATA_INTERVAL_END",
		 tz_iso(ti->run->dag->tz, ti->run->end_s, iso, sizeof iso));
	envp_set(&e, "SLUICE_HOME", s->cfg->home);
	snprintf(num, sizeof num, "%lld.%d", (long long)ti->id, try_number);
	envp_set(&e, "SLUICE_TRY_ID", num);
	tmpl_ctx_init(&c, ti, try_number);
	json_object_foreach(ti_task(ti)->env, k, v) {
		struct buf b;

		buf_init(&b, 0);
		if (tmpl_render(json_string_value(v), &c, &b, err) < 0) {
			buf_free(&b);
			e.v[e.n] = NULL;
			if (e.n + 2 > e.cap)
				e.v = xreallocarray(e.v, e.cap + 2, sizeof *e.v);
			e.v[e.n + 1] = (char *)(uintptr_t)e.shared;
			try_env_free(e.v);
			return NULL;
		}
		envp_set(&e, k, buf_str(&b));
		buf_free(&b);
	}
	if (e.n + 2 > e.cap)
		e.v = xreallocarray(e.v, e.cap + 2, sizeof *e.v);
	e.v[e.n] = NULL;
	e.v[e.n + 1] = (char *)(uintptr_t)e.shared;
	return e.v;
}

/* The spec an operator process (or an in-loop poke) gets. */
static json_t *
try_spec(struct sched *s, struct ti *ti, int try_number, struct sl_err *err)
{
	struct task *t = ti_task(ti);
	struct tmpl_ctx c;
	json_t *opts, *conns = json_object(), *spec, *smtp;
	char a[64], b[64];

	tmpl_ctx_init(&c, ti, try_number);
	if (tmpl_render_opts(t->op->keys, t->options, &c, &opts, err) < 0) {
		json_decref(conns);
		return NULL;
	}
	for (const struct op_key *k = t->op->keys; k->name != NULL; k++) {
		const char *name;
		json_t *conn;

		if (k->kind != OPK_CONNECTION)
			continue;
		name = json_string_value(json_object_get(opts, k->name));
		if (name == NULL)
			continue;
		conn = config_connection(s->cfg, name, err);
		if (conn == NULL) {
			json_decref(opts);
			json_decref(conns);
			return NULL;
		}
		json_object_set_new(conns, name, conn);
	}
	spec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:o,s:o,s:s}",
			 "type", t->op->name, "dag", ti->run->dag_name,
			 "task", t->name, "partition", ti->run->partition,
			 "run_id", ti->run->run_id, "try_number", try_number,
			 "data_interval_start",
			 tz_iso(ti->run->dag->tz, ti->run->start_s, a, sizeof a),
			 "data_interval_end",
			 tz_iso(ti->run->dag->tz, ti->run->end_s, b, sizeof b),
			 "options", opts, "connections", conns,
			 "home", s->cfg->home);
	json_object_set_new(spec, "base_url", json_string(s->cfg->base_url ?
	    s->cfg->base_url : ""));
	json_object_set_new(spec, "timezone", json_string(tz_name(ti->run->dag->tz)));
	json_object_set_new(spec, "logs_dir", json_string(s->cfg->logs_dir));
	smtp = config_smtp(s->cfg);
	if (smtp != NULL)
		json_object_set_new(spec, "smtp", smtp);
	return spec;
}

/* The command of a try: argv (NULL-terminated, caller frees) and the
 * spec text for stdin of operator processes. */
static char **
try_argv(struct sched *s, struct ti *ti, int try_number, int poke,
	 char **stdin_text, struct sl_err *err)
{
	struct task *t = ti_task(ti);
	char **argv;

	*stdin_text = NULL;
	if (t->op->run == NULL && !operator_is_sensor(t->op)) {
		/* shell */
		json_t *cmd = json_object_get(t->options, "command");
		struct tmpl_ctx c;
		struct buf b;

		tmpl_ctx_init(&c, ti, try_number);
		if (json_is_string(cmd)) {
			buf_init(&b, 0);
			if (tmpl_render_shell(json_string_value(cmd), &c, &b, err) < 0) {
				buf_free(&b);
				return NULL;
			}
			argv = xcalloc(4, sizeof *argv);
			argv[0] = xstrdup("/bin/sh");
			argv[1] = xstrdup("-c");
			argv[2] = buf_steal(&b);
			return argv;
		}
		argv = xcalloc(json_array_size(cmd) + 1, sizeof *argv);
		for (size_t i = 0; i < json_array_size(cmd); i++) {
			buf_init(&b, 0);
			if (tmpl_render(json_string_value(json_array_get(cmd, i)),
					&c, &b, err) < 0) {
				buf_free(&b);
				strv_free(argv);
				return NULL;
			}
			argv[i] = buf_steal(&b);
		}
		return argv;
	}
	{
		json_t *spec = try_spec(s, ti, try_number, err);

		if (spec == NULL)
			return NULL;
		*stdin_text = json_dumps(spec, JSON_COMPACT);
		json_decref(spec);
	}
	argv = xcalloc(7, sizeof *argv);
	argv[0] = xstrdup(s->self_exe);
	argv[1] = xstrdup("--home");
	argv[2] = xstrdup(s->cfg->home);
	argv[3] = xstrdup("operator");
	argv[4] = xstrdup(t->op->name);
	if (poke)
		argv[5] = xstrdup("--poke");
	return argv;
}

/* Append a line to a try's log (scheduler-side events: pokes, kills). */
static void
log_append(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_append(const char *path, const char *fmt, ...)
{
	char ts[64];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	FILE *f;

	if (path == NULL || (f = fopen(path, "ae")) == NULL)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "[%s sluice] ", ts);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* --- helpers: on_success / on_failure commands --- */

static void
helper_spawn(struct sched *s, struct ti *ti, const char *command,
	     const char *log_path, int try_number)
{
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	char **envp;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	pid_t pid;
	int fd;
	struct sl_err err;
	struct tmpl_ctx c;

	tmpl_ctx_init(&c, ti, try_number);
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	sl_err_clear(&err);
	if ((argv[2] = tmpl_shell_line(command, &c, &err)) == NULL ||
	    (envp = try_env(s, ti, try_number, &err)) == NULL) {
		if (fd >= 0) {
			dprintf(fd, "sluice: hook not run: %s\n", err.msg);
			close(fd);
		}
		free(argv[2]);
		return;
	}
	/* (freed with try_env_free below) */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, fd, 1);
		posix_spawn_file_actions_adddup2(&fa, fd, 2);
	}
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	if (posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp) == 0) {
		if (s->nhelpers == s->caphelpers) {
			s->caphelpers = s->caphelpers ? s->caphelpers * 2 : 16;
			s->helpers = xreallocarray(s->helpers, (size_t)s->caphelpers,
						   sizeof *s->helpers);
		}
		s->helpers[s->nhelpers++] = pid;
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (fd >= 0)
		close(fd);
	try_env_free(envp);
	free(argv[2]);
}

static void
helpers_reap(evutil_socket_t sig, short what, void *arg)
{
	struct sched *s = arg;

	for (int i = 0; i < s->nhelpers;) {
		int status;

		if (waitpid(s->helpers[i], &status, WNOHANG) == s->helpers[i])
			s->helpers[i] = s->helpers[--s->nhelpers];
		else
			i++;
	}
}

/* --- email notifications --- */

/* Send one notification: `sluice operator email` as a child process with
 * the spec (which holds the SMTP password) on stdin. Never waits on it. */
static void
notify_send(struct sched *s, const struct notify_event *ev)
{
	json_t *smtp = config_smtp(s->cfg), *spec;
	char *text, *argv[6];
	char path[] = "/tmp/sluice-notify.XXXXXX";
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int fd;

	if (ev->to == NULL || ev->to[0] == NULL) {
		json_decref(smtp);
		return;
	}
	spec = notify_spec(ev, smtp, s->cfg->home);
	json_decref(smtp);
	json_object_set_new(spec, "logs_dir", json_string(s->cfg->logs_dir));
	text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0 || text == NULL) {
		log_line("cannot send a %s email for %s %s: no temp file", ev->kind,
			 ev->dag, ev->task ? ev->task : "");
		if (fd >= 0)
			close(fd);
		free(text);
		return;
	}
	unlink(path);
	if (write(fd, text, strlen(text)) < 0)
		log_line("cannot write a temp file for an email");
	lseek(fd, 0, SEEK_SET);
	free(text);
	argv[0] = s->self_exe;
	argv[1] = "--home";
	argv[2] = s->cfg->home;
	argv[3] = "operator";
	argv[4] = "email";
	argv[5] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	if (posix_spawn(&pid, s->self_exe, &fa, NULL, argv, environ) == 0) {
		if (s->nhelpers == s->caphelpers) {
			s->caphelpers = s->caphelpers ? s->caphelpers * 2 : 16;
			s->helpers = xreallocarray(s->helpers, (size_t)s->caphelpers,
						   sizeof *s->helpers);
		}
		s->helpers[s->nhelpers++] = pid;
		log_line("%s email for %s %s %s: sending", ev->kind, ev->dag,
			 ev->task ? ev->task : "(run)", ev->partition);
	} else
		log_line("cannot start the email sender");
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
}

/* A task's try ended in a way its email_on asks to hear about. */
static void
notify_ti(struct sched *s, struct ti *ti, const char *kind, int exit_code,
	  int sig, const char *error, int64_t duration_ms, const char *host,
	  const char *log_path)
{
	struct task *t = ti_task(ti);
	struct notify_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.dag = ti->run->dag_name;
	ev.task = t->name;
	ev.partition = ti->run->partition;
	ev.run_id = ti->run->run_id;
	ev.try_number = ti->try_number;
	ev.max_tries = ti->max_tries;
	ev.exit_code = exit_code;
	ev.signal = sig;
	ev.error = error;
	ev.duration_ms = duration_ms;
	ev.host = host;
	ev.log_path = log_path;
	ev.base_url = s->cfg->base_url;
	ev.to = t->email;
	notify_send(s, &ev);
}

/* SLA: once per task instance, when the partition's end plus the task's
 * sla has passed and the task has not succeeded. */
static void
sched_check_sla(struct sched *s)
{
	int64_t now = sl_now_ms();

	for (struct run *r = s->runs; r != NULL; r = r->next) {
		for (int i = 0; i < r->ntis; i++) {
			struct ti *ti = &r->tis[i];
			struct task *t = ti_task(ti);
			int64_t deadline = r->end_s * 1000 + t->sla_ms;
			char iso[64];
			struct notify_event ev;

			if (t->sla_ms <= 0 || ti->sla_notified || ti->state == TI_SUCCESS ||
			    ti->state == TI_SKIPPED || now < deadline || ti->id == 0)
				continue;
			ti->sla_notified = 1;
			tx_begin(s);
			store_ti_sla_notified(s->store, ti->id);
			log_line("%s %s %s: missed its SLA", r->dag_name, t->name, r->partition);
			if (!(t->email_on & EMAIL_ON_SLA_MISS))
				continue;
			memset(&ev, 0, sizeof ev);
			ev.kind = "sla_miss";
			ev.dag = r->dag_name;
			ev.task = t->name;
			ev.partition = r->partition;
			ev.run_id = r->run_id;
			ev.try_number = ti->try_number;
			ev.max_tries = ti->max_tries;
			ev.base_url = s->cfg->base_url;
			ev.to = t->email;
			ev.sla_deadline = tz_iso(r->dag->tz, deadline / 1000, iso, sizeof iso);
			notify_send(s, &ev);
		}
	}
	tx_commit(s);
}

/* --- starting tries --- */

static struct live *
live_new(struct sched *s, struct ti *ti, int try_number)
{
	struct live *l = xcalloc(1, sizeof *l);
	struct task *t = ti_task(ti);

	l->s = s;
	l->ti = ti;
	l->ti_id = ti->id;
	l->try_number = try_number;
	l->dag_name = xstrdup(ti->run->dag_name);
	l->pool = xstrdup(t->pool);
	l->pool_slots = t->pool_slots;
	l->started_ms = sl_now_ms();
	l->next = s->lives;
	s->lives = l;
	ti->live = l;
	return l;
}

static void
live_free(struct sched *s, struct live *l)
{
	struct live **pp;

	for (pp = &s->lives; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	if (l->counts) {
		struct dag_load_state *d = dstate(s, l->dag_name);

		s->running--;
		d->active_tasks--;
		pool_add(s, l->pool, -l->pool_slots);
		if (l->ex != NULL)
			l->ex->busy--;
	}
	if (l->in_loop)
		s->pokes--;
	if (l->timeout != NULL)
		event_free(l->timeout);
	if (l->ti != NULL)
		l->ti->live = NULL;
	free(l->dag_name);
	free(l->pool);
	free(l->log_path);
	free(l);
	/* stopping: leave as soon as the last killed process has ended,
	 * not at the end of the grace period */
	if (s->shutting_down) {
		for (l = s->lives; l != NULL; l = l->next)
			if (l->ex != NULL && l->handle != NULL)
				return;
		event_base_loopbreak(s->base);
	}
}

static void
exec_done_cb(void *arg, const struct sl_exec_result *res)
{
	struct live *l = arg;

	ti_try_end(l->s, l, res->exit_code, res->signal, res->error,
		   res->duration_ms, res->host);
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;

	l->timed_out = 1;
	if (l->log_path != NULL) {
		char d[64];

		log_append(l->log_path, "timed out after %s: stopping it",
			   sl_format_duration(sl_now_ms() - l->started_ms, d, sizeof d));
	}
	if (l->ex != NULL && l->handle != NULL)
		l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_TIMEOUT);
}

static void poke_done_cb(void *arg, enum op_poke_result result,
			 const char *msg);

/* Start one queued try (after its queued state was committed). */
static void
ti_start(struct sched *s, struct ti *ti)
{
	struct task *t = ti_task(ti);
	struct live *l = ti->live;
	struct sl_exec_task et;
	struct ti_update u = TI_UPDATE_INIT;
	struct sl_err err;
	char **argv = NULL, **envp = NULL, *stdin_text = NULL;
	char msg[1024] = "";
	int is_sensor = operator_is_sensor(t->op);

	sl_err_clear(&err);
	l->log_path = ti_log_path(s, ti, l->try_number, 1);
	if (l->is_poke && l->ex == NULL) {
		/* in-loop poke: no process */
		json_t *spec = try_spec(s, ti, l->try_number, &err);

		if (spec == NULL) {
			log_append(l->log_path, "cannot start: %s", err.msg);
			ti_try_end(s, l, -1, 0, err.msg, 0, "scheduler");
			return;
		}
		u.reason = "poke";
		if (ti->first_poke_at <= 0)
			u.first_poke_at = sl_now_ms();
		u.started_at = ti->first_poke_at > 0 ? -1 : sl_now_ms();
		u.host = "scheduler";
		if (ti_set(s, ti, TI_RUNNING, &u) < 0) {
			json_decref(spec);
			live_free(s, l);
			return;
		}
		l->poke_op = t->op;
		l->poke = t->op->poke_start(s->base, spec, poke_done_cb, l);
		json_decref(spec);
		return;
	}
	argv = try_argv(s, ti, l->try_number, l->is_poke, &stdin_text, &err);
	if (argv != NULL)
		envp = try_env(s, ti, l->try_number, &err);
	if (argv == NULL || envp == NULL) {
		log_append(l->log_path, "cannot start: %s", err.msg);
		strv_free(argv);
		free(stdin_text);
		ti_try_end(s, l, -1, 0, err.msg, 0, NULL);
		return;
	}
	memset(&et, 0, sizeof et);
	et.dag = ti->run->dag_name;
	et.task = t->name;
	et.partition = ti->run->partition;
	et.run_id = ti->run->run_id;
	et.try_number = l->try_number;
	et.argv = argv;
	et.argv0_is_sluice = t->op->run != NULL || is_sensor;
	et.env = envp;
	if (json_is_string(json_object_get(t->options, "cwd"))) {
		struct tmpl_ctx c;
		struct buf b;

		tmpl_ctx_init(&c, ti, l->try_number);
		buf_init(&b, 0);
		tmpl_render(json_string_value(json_object_get(t->options, "cwd")),
			    &c, &b, NULL);
		et.cwd = b.len ? xstrdup(buf_str(&b)) : NULL;
		buf_free(&b);
	}
	et.stdin_data = stdin_text;
	et.stdin_len = stdin_text ? strlen(stdin_text) : 0;
	et.log_path = l->log_path;
	et.kill_grace_ms = s->cfg->kill_grace_ms;
	l->handle = l->ex->ops->start(l->ex->inst, &et, exec_done_cb, l, msg,
				      sizeof msg);
	free((char *)et.cwd);
	strv_free(argv);
	try_env_free(envp);
	free(stdin_text);
	if (l->handle == NULL) {
		log_append(l->log_path, "cannot start: %s", msg);
		ti_try_end(s, l, -1, 0, msg, 0, NULL);
		return;
	}
	s->tries_started++;
	u.reason = l->is_poke ? "poke" : "started";
	u.started_at = sl_now_ms();
	if (is_sensor && ti->first_poke_at <= 0)
		u.first_poke_at = sl_now_ms();
	u.executor = l->ex->name;
	if (l->ex->ops->token != NULL) {
		const char *tok = l->ex->ops->token(l->ex->inst, l->handle);

		u.token = tok ? tok : "";
	}
	if (ti_set(s, ti, TI_RUNNING, &u) < 0) {
		/* cleared while it was being started: stop it */
		l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_CLEARED);
		l->ti = NULL;
		ti->live = NULL;
		return;
	}
	if (t->timeout_ms > 0 && !is_sensor) {
		struct timeval tv = { t->timeout_ms / 1000,
				      (t->timeout_ms % 1000) * 1000 };

		l->timeout = evtimer_new(s->base, timeout_cb, l);
		evtimer_add(l->timeout, &tv);
	}
}

/* Delay before retry number `tries` (1 = first retry). */
static int64_t
retry_delay(const struct task *t, int tries)
{
	int64_t d = t->retry_delay_ms;

	if (t->retry_exponential) {
		for (int i = 1; i < tries && d < t->max_retry_delay_ms; i++)
			d *= 2;
		if (d > t->max_retry_delay_ms)
			d = t->max_retry_delay_ms;
	}
	return d;
}

static void run_check_done(struct sched *s, struct run *r);

/* A try ended (process exit, executor error, or poke result). */
static void
ti_try_end(struct sched *s, struct live *l, int exit_code, int sig,
	   const char *error, int64_t duration_ms, const char *host)
{
	struct ti *ti = l->ti;
	struct task *t;
	struct ti_update u = TI_UPDATE_INIT;
	enum ti_state to;
	char why[512], d[64];
	int64_t now = sl_now_ms();

	s->tries_ended++;
	if (ti == NULL || ti->live != l || ti->state != TI_RUNNING) {
		/* cleared or marked while running: its result is dropped */
		if (l->log_path != NULL)
			log_append(l->log_path, "stopped: the task instance was cleared or marked meanwhile");
		tx_begin(s);
		store_try_record(s->store, l->ti_id, l->try_number, TI_FAILED,
				 l->started_ms, now, exit_code, sig, host,
				 "cleared while running");
		if (l->blocked != NULL) {
			struct ti *b = l->blocked;

			b->live = NULL;
			l->blocked = NULL;
			if (b->state == TI_NONE)
				ti_eval_push(s, b);
			else if (b->state == TI_SCHEDULED)
				heap_push(s, b);
			else if (b->state == TI_UP_FOR_RETRY ||
				 b->state == TI_UP_FOR_RESCHEDULE)
				ti_arm_timer(s, b, b->next_at);
			else if (ti_state_done(b->state))
				run_check_done(s, b->run);
		}
		if (ti != NULL && ti->live == l)
			ti->live = NULL;
		l->ti = NULL;
		live_free(s, l);
		sched_schedule_pass(s);
		return;
	}
	t = ti_task(ti);
	if (l->timed_out)
		snprintf(why, sizeof why, "timed out after %s",
			 sl_format_duration(t->timeout_ms, d, sizeof d));
	else if (error != NULL)
		snprintf(why, sizeof why, "%s", error);
	else if (sig != 0)
		snprintf(why, sizeof why, "killed by signal %d (%s)", sig,
			 strsignal(sig));
	else if (exit_code != 0)
		snprintf(why, sizeof why, "exit code %d", exit_code);
	else
		why[0] = '\0';

	if (l->is_poke && !l->timed_out && error == NULL && sig == 0 &&
	    exit_code == OP_POKE_NOT_YET_EXIT) {
		/* a poke through an executor: not yet */
		live_free(s, l);
		l = NULL;
		goto reschedule;
	}
	u.ended_at = now;
	u.duration_ms = duration_ms;
	u.exit_code = error != NULL && exit_code < 0 ? INT_MIN + 1 : exit_code;
	u.signal = sig;
	u.token = "";
	u.error = why[0] ? why : "";
	if (host != NULL)
		u.host = host;
	if (why[0] == '\0') {
		to = TI_SUCCESS;
		u.reason = "succeeded";
		u.next_at = 0;
	} else if (ti->try_number < ti->max_tries) {
		to = TI_UP_FOR_RETRY;
		u.next_at = now + retry_delay(t, ti->try_number);
		u.reason = why;
	} else {
		to = TI_FAILED;
		u.reason = why;
		u.next_at = 0;
	}
	/* a success needs no line of ours (the state store records it, and
	 * it would cost every try an open and a write) */
	if (l->log_path != NULL && to != TI_SUCCESS) {
		if (to == TI_UP_FOR_RETRY)
			log_append(l->log_path, "try %d of %d failed: %s; retrying in %s",
				   l->try_number, ti->max_tries, why,
				   sl_format_duration(u.next_at - now, d, sizeof d));
		else
			log_append(l->log_path, "try %d of %d failed: %s", l->try_number,
				   ti->max_tries, why);
	}
	tx_begin(s);
	store_try_record(s->store, ti->id, l->try_number,
			 to == TI_SUCCESS ? TI_SUCCESS : TI_FAILED, l->started_ms,
			 now, exit_code, sig, host, why[0] ? why : NULL);
	{
		char *log_path = l->log_path ? xstrdup(l->log_path) : NULL;
		int try_number = l->try_number;

		live_free(s, l);
		if (ti_set(s, ti, to, &u) == 0) {
			if ((to == TI_FAILED && (t->email_on & EMAIL_ON_FAILURE)) ||
			    (to == TI_UP_FOR_RETRY && (t->email_on & EMAIL_ON_RETRY)) ||
			    (to == TI_SUCCESS && (t->email_on & EMAIL_ON_SUCCESS)))
				notify_ti(s, ti, to == TI_FAILED ? "failure" :
					  to == TI_UP_FOR_RETRY ? "retry" : "success",
					  exit_code, sig, error, duration_ms, host, log_path);
			if (to == TI_SUCCESS && t->on_success && log_path)
				helper_spawn(s, ti, t->on_success, log_path, try_number);
			if (to == TI_FAILED && t->on_failure && log_path)
				helper_spawn(s, ti, t->on_failure, log_path, try_number);
			if (to == TI_UP_FOR_RETRY)
				ti_arm_timer(s, ti, ti->next_at);
			else
				for (int i = 0; i < t->ndownstream; i++)
					ti_eval_push(s, &ti->run->tis[t->downstream[i]]);
			if (ti_state_done(to) && t->depends_on_past)
				for (struct run *r = s->runs; r != NULL; r = r->next)
					if (r->dag == ti->run->dag &&
					    r->tis[ti->task].state == TI_NONE)
						ti_eval_push(s, &r->tis[ti->task]);
			if (ti_state_done(to))
				run_check_done(s, ti->run);
		}
		free(log_path);
	}
	sched_schedule_pass(s);
	return;

reschedule:
	{
		int64_t interval = json_integer_value(json_object_get(t->options,
		    "poke_interval"));
		int64_t timeout = t->timeout_ms;

		if (interval <= 0)
			interval = SENSOR_DEFAULT_POKE_MS;
		if (json_is_true(json_object_get(t->options, "exponential_backoff"))) {
			int64_t maxi = json_integer_value(json_object_get(t->options,
			    "max_poke_interval"));
			int64_t waited = now - ti->first_poke_at;

			/* double the interval for every interval already waited */
			for (int64_t w = interval; w < waited && interval < (maxi > 0 ? maxi : 3600000); w += interval)
				interval *= 2;
			if (maxi > 0 && interval > maxi)
				interval = maxi;
		}
		if (timeout > 0 && now - ti->first_poke_at >= timeout) {
			int soft = json_is_true(json_object_get(t->options, "soft_fail"));
			char *log_path = ti_log_path(s, ti, ti->try_number, 0);

			log_append(log_path, "sensor timed out after %s%s",
				   sl_format_duration(now - ti->first_poke_at, d, sizeof d),
				   soft ? ": skipped (soft_fail)" : "");
			free(log_path);
			u.ended_at = now;
			u.duration_ms = now - ti->first_poke_at;
			u.next_at = 0;
			u.token = "";
			u.error = soft ? "" : "sensor timed out";
			u.reason = soft ? "sensor timed out (soft_fail)" : "sensor timed out";
			to = soft ? TI_SKIPPED : TI_FAILED;
			tx_begin(s);
			store_try_record(s->store, ti->id, ti->try_number, to,
					 ti->first_poke_at, now, INT_MIN, 0,
					 "scheduler", soft ? NULL : "sensor timed out");
			if (ti_set(s, ti, to, &u) == 0) {
				for (int i = 0; i < t->ndownstream; i++)
					ti_eval_push(s, &ti->run->tis[t->downstream[i]]);
				run_check_done(s, ti->run);
			}
		} else {
			u.next_at = now + interval;
			if (timeout > 0 && u.next_at > ti->first_poke_at + timeout)
				u.next_at = ti->first_poke_at + timeout;
			u.reason = "not yet";
			if (ti_set(s, ti, TI_UP_FOR_RESCHEDULE, &u) == 0)
				ti_arm_timer(s, ti, ti->next_at);
		}
	}
	sched_schedule_pass(s);
}

static void
poke_done_cb(void *arg, enum op_poke_result result, const char *msg)
{
	struct live *l = arg;
	struct sched *s = l->s;

	l->poke = NULL;
	if (l->log_path != NULL && msg != NULL && *msg != '\0')
		log_append(l->log_path, "poke: %s", msg);
	switch (result) {
	case OP_POKE_DONE:
		ti_try_end(s, l, 0, 0, NULL, sl_now_ms() - (l->ti ? l->ti->first_poke_at : l->started_ms), "scheduler");
		break;
	case OP_POKE_NOT_YET:
		ti_try_end(s, l, OP_POKE_NOT_YET_EXIT, 0, NULL, 0, "scheduler");
		break;
	default:
		ti_try_end(s, l, -1, 0, msg ? msg : "poke failed", 0, "scheduler");
		break;
	}
}

/* --- deciding --- */

static int
past_ok(struct sched *s, struct ti *ti)
{
	sqlite3_stmt *st = store_stmt(s->store,
	    "SELECT ti.state FROM dag_runs r JOIN task_instances ti ON ti.run_id = r.id "
	    "WHERE r.dag_id = ? AND r.start_s < ? AND ti.task_id = ? "
	    "ORDER BY r.start_s DESC LIMIT 1");
	int ok = 1;

	sqlite3_bind_text(st, 1, ti->run->dag_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ti->run->start_s);
	sqlite3_bind_text(st, 3, ti_task(ti)->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);

		ok = strcmp(state, "success") == 0 || strcmp(state, "skipped") == 0;
	}
	sqlite3_reset(st);
	return ok;
}

/* Apply the trigger rule to a task instance in state none. */
static void
ti_evaluate(struct sched *s, struct ti *ti)
{
	struct task *t;
	struct upstream_counts c;
	enum trigger_decision dec;
	struct ti_update u = TI_UPDATE_INIT;

	ti->in_eval = 0;
	if (ti->state != TI_NONE || ti->run == NULL ||
	    ti->run->state != RUN_RUNNING || ti->live != NULL)
		return;
	t = ti_task(ti);
	memset(&c, 0, sizeof c);
	c.total = t->nupstream;
	for (int i = 0; i < t->nupstream; i++) {
		switch (ti->run->tis[t->upstream[i]].state) {
		case TI_SUCCESS: c.success++; c.done++; break;
		case TI_FAILED: c.failed++; c.done++; break;
		case TI_SKIPPED: c.skipped++; c.done++; break;
		case TI_UPSTREAM_FAILED: c.upstream_failed++; c.done++; break;
		default: break;
		}
	}
	dec = trigger_eval((int)t->trigger_rule, &c);
	if (dec == TRIGGER_WAIT)
		return;
	if (dec == TRIGGER_RUN) {
		if (t->depends_on_past && !past_ok(s, ti))
			return;
		u.reason = "dependencies met";
		if (ti_set(s, ti, TI_SCHEDULED, &u) == 0)
			heap_push(s, ti);
		return;
	}
	u.reason = dec == TRIGGER_SKIP ? "upstream skipped" : "upstream failed";
	u.ended_at = sl_now_ms();
	if (ti_set(s, ti, dec == TRIGGER_SKIP ? TI_SKIPPED : TI_UPSTREAM_FAILED,
		   &u) < 0)
		return;
	for (int i = 0; i < t->ndownstream; i++)
		ti_eval_push(s, &ti->run->tis[t->downstream[i]]);
	run_check_done(s, ti->run);
}


/* Every task instance finished? Then the run is done. Counting is cheap
 * enough to do only when nothing is open: callers keep nopen in step. */
static void
run_check_done(struct sched *s, struct run *r)
{
	int failed = 0, open = 0;
	enum run_state to;

	if (r->state != RUN_RUNNING)
		return;
	if (r->nopen > 0) {
		r->nopen--;	/* a hint: recount only when it reaches 0 */
		if (r->nopen > 0)
			return;
	}
	for (int i = 0; i < r->ntis; i++) {
		if (!ti_state_done(r->tis[i].state) || r->tis[i].live != NULL)
			open++;
		else if (r->tis[i].state == TI_FAILED ||
			 r->tis[i].state == TI_UPSTREAM_FAILED)
			failed = 1;
	}
	if (open > 0) {
		/* wrong hint (a clear, a reload): start counting again */
		r->nopen = open;
		return;
	}
	to = failed ? RUN_FAILED : RUN_SUCCESS;
	tx_begin(s);
	if (store_run_set_state(s->store, r->id, RUN_RUNNING, to) == 1)
		log_line("run %s %s: %s", r->dag_name, r->partition,
			 run_state_name(to));
	r->state = to;
	dstate(s, r->dag_name)->active_runs--;
	s->runs_finished = 1;
	if ((to == RUN_FAILED && (r->dag->email_on & EMAIL_ON_FAILURE)) ||
	    (to == RUN_SUCCESS && (r->dag->email_on & EMAIL_ON_SUCCESS))) {
		struct notify_event ev;

		memset(&ev, 0, sizeof ev);
		ev.kind = to == RUN_FAILED ? "failure" : "success";
		ev.dag = r->dag_name;
		ev.partition = r->partition;
		ev.run_id = r->run_id;
		ev.base_url = s->cfg->base_url;
		ev.to = r->dag->email;
		notify_send(s, &ev);
	}
	/* defer freeing to the pass: callers may still hold ti pointers */
}

/* --- loading runs from the store --- */

static struct run *
run_load_one(struct sched *s, sqlite3_stmt *st)
{
	struct run *r;
	const char *dag_name = (const char *)sqlite3_column_text(st, 1);
	struct dag *dag = dagbag_find(&s->bag, dag_name);
	const char *params;

	if (dag == NULL)
		return NULL;	/* its DAG did not load: leave it be */
	r = xcalloc(1, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->dag = dag;
	r->dag_name = xstrdup(dag_name);
	r->partition = xstrdup((const char *)sqlite3_column_text(st, 2));
	r->start_s = sqlite3_column_int64(st, 3);
	r->end_s = sqlite3_column_int64(st, 4);
	r->run_id = xasprintf("%s__%s", sqlite3_column_text(st, 5), r->partition);
	r->state = run_state_parse((const char *)sqlite3_column_text(st, 6));
	r->params = json_deep_copy(dag->params);
	params = (const char *)sqlite3_column_text(st, 7);
	if (params != NULL) {
		json_t *p = json_loads(params, 0, NULL);

		if (json_is_object(p))
			json_object_update(r->params, p);
		json_decref(p);
	}
	r->ntis = dag->ntasks;
	r->tis = xcalloc((size_t)dag->ntasks, sizeof *r->tis);
	for (int i = 0; i < r->ntis; i++) {
		r->tis[i].run = r;
		r->tis[i].task = i;
		r->tis[i].heap_pos = -1;
		r->tis[i].id = 0;
	}
	return r;
}

static int
run_read_tis(struct sched *s, struct run *r)
{
	sqlite3_stmt *st = store_stmt(s->store,
	    "SELECT id, task_id, state, try_number, max_tries, next_at, first_poke_at, sla_notified "
	    "FROM task_instances WHERE run_id = ?");
	int n = 0;

	sqlite3_bind_int64(st, 1, r->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct task *t = dag_task(r->dag, (const char *)sqlite3_column_text(st, 1));
		struct ti *ti;

		if (t == NULL)
			continue;	/* a task removed from the DAG file */
		ti = &r->tis[t->index];
		ti->id = sqlite3_column_int64(st, 0);
		ti->state = ti_state_parse((const char *)sqlite3_column_text(st, 2));
		ti->try_number = sqlite3_column_int(st, 3);
		ti->max_tries = sqlite3_column_int(st, 4);
		ti->next_at = sqlite3_column_int64(st, 5);
		ti->first_poke_at = sqlite3_column_int64(st, 6);
		ti->sla_notified = sqlite3_column_int(st, 7);
		n++;
	}
	sqlite3_reset(st);
	return n;
}

static void
run_load_tis(struct sched *s, struct run *r)
{
	if (run_read_tis(s, r) < r->ntis) {
		/* the DAG gained tasks since the run was created */
		store_run_add_missing(s->store, r->dag, r->id);
		run_read_tis(s, r);
	}
}

static int
live_cmp(const void *a, const void *b)
{
	int64_t x = (*(struct live *const *)a)->ti_id;
	int64_t y = (*(struct live *const *)b)->ti_id;

	return x < y ? -1 : x > y;
}

/*
 * Rebuild the in-memory runs from the store: at start, and whenever
 * another process changed the database. Tries in flight stay attached when
 * the store still says they run; others are stopped.
 */
static void
sched_reload(struct sched *s, int at_start)
{
	sqlite3_stmt *st;
	struct run *old = s->runs, *r, *next;

	tx_commit(s);
	/* tries queued but not started yet point into the runs: start them
	 * before the runs are rebuilt */
	while (s->nstart > 0 && !s->shutting_down)
		sched_start_queued(s);
	tx_commit(s);
	/* the version before anything is read: a commit another process
	 * makes while this reload reads (a trigger during a long reload)
	 * then shows up as a change at the next poll, never as seen */
	s->data_version = store_data_version(s->store);
	s->runs = NULL;
	s->nheap = 0;
	s->nheap_loop = 0;
	s->neval = 0;
	s->nstart = 0;
	for (r = old; r != NULL; r = next) {
		next = r->next;
		for (int i = 0; i < r->ntis; i++)
			r->tis[i].heap_pos = -1;
		for (int i = 0; i < r->ntis; i++)
			ti_disarm(&r->tis[i]);
		run_free(s, r);
	}
	for (struct dag_load_state *d = s->dstates; d != NULL; d = d->next) {
		d->active_runs = 0;
		d->paused = store_dag_paused(s->store, d->name);
	}
	st = store_stmt(s->store,
	    "SELECT id, dag_id, partition, start_s, end_s, run_type, state, params "
	    "FROM dag_runs WHERE state IN ('queued', 'running') ORDER BY start_s, id");
	{
		struct run **tail = &s->runs;

		while (sqlite3_step(st) == SQLITE_ROW) {
			r = run_load_one(s, st);
			if (r == NULL)
				continue;
			*tail = r;
			tail = &r->next;
		}
		sqlite3_reset(st);
	}
	tx_begin(s);
	for (r = s->runs; r != NULL; r = r->next) {
		run_load_tis(s, r);
		if (r->state == RUN_RUNNING)
			dstate(s, r->dag_name)->active_runs++;
	}
	/* reattach or stop the tries in flight: sort them by task instance
	 * id, then look each task instance up once */
	{
		struct live **byid;
		int nl = 0, k = 0;

		for (struct live *l = s->lives; l != NULL; l = l->next)
			nl++;
		byid = xcalloc((size_t)nl + 1, sizeof *byid);
		for (struct live *l = s->lives; l != NULL; l = l->next) {
			l->ti = NULL;
			l->blocked = NULL;
			byid[k++] = l;
		}
		qsort(byid, (size_t)nl, sizeof *byid, live_cmp);
		for (r = s->runs; r != NULL && nl > 0; r = r->next) {
			for (int i = 0; i < r->ntis; i++) {
				struct ti *found = &r->tis[i];
				struct live key, *kp = &key, **hit;

				key.ti_id = found->id;
				hit = bsearch(&kp, byid, (size_t)nl, sizeof *byid, live_cmp);
				if (hit == NULL)
					continue;
				/* several tries of one instance can be in flight
				 * (an old one still ending): walk them all */
				while (hit > byid && (*(hit - 1))->ti_id == found->id)
					hit--;
				for (; hit < byid + nl && (*hit)->ti_id == found->id; hit++) {
					struct live *l = *hit;

					if (found->state == TI_RUNNING &&
					    found->try_number == l->try_number &&
					    found->live == NULL) {
						l->ti = found;
						found->live = l;
					} else if (found->live == NULL) {
						/* wait for it to end before a new try */
						found->live = l;
						l->blocked = found;
					}
				}
			}
		}
		free(byid);
	}
	for (struct live *l = s->lives; l != NULL; l = l->next) {
		if (l->ti != NULL)
			continue;
		if (l->ex != NULL && l->handle != NULL)
			l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_CLEARED);
		if (l->poke != NULL) {
			l->poke_op->poke_cancel(l->poke);
			l->poke = NULL;
			if (l->blocked != NULL) {
				l->blocked->live = NULL;
				l->blocked = NULL;
			}
		}
		if (l->log_path != NULL)
			log_append(l->log_path, "the task instance was cleared or marked: stopping this try");
	}
	/* drop pokes cancelled above (no task instance refers to them) */
	for (struct live *l = s->lives, *n; l != NULL; l = n) {
		n = l->next;
		if (l->is_poke && l->ex == NULL && l->poke == NULL && l->ti == NULL)
			live_free(s, l);
	}
	for (r = s->runs; r != NULL; r = r->next) {
		for (int i = 0; i < r->ntis; i++) {
			struct ti *ti = &r->tis[i];

			if (ti->live != NULL && ti->live->ti != ti)
				continue;	/* an old try still ending */
			switch (ti->state) {
			case TI_NONE:
				ti_eval_push(s, ti);
				break;
			case TI_SCHEDULED:
				heap_push(s, ti);
				break;
			case TI_UP_FOR_RETRY:
			case TI_UP_FOR_RESCHEDULE:
				if (ti->live == NULL)
					ti_arm_timer(s, ti, ti->next_at);
				break;
			case TI_QUEUED:
			case TI_RUNNING:
				if (ti->live == NULL && !at_start) {
					/* running in the store, not here: lost */
					ti_eval_push(s, ti);
				}
				break;
			default:
				break;
			}
		}
	}
	/* a person may have settled a run's last task instance */
	for (r = s->runs; r != NULL; r = r->next)
		run_check_done(s, r);
	tx_commit(s);
}

/*
 * At start: every try a previous scheduler left queued or running is
 * lost. Kill what is left of its process, then retry it (if it has tries
 * left) or fail it.
 */
static void
sched_recover(struct sched *s)
{
	sqlite3_stmt *st;
	struct lost {
		int64_t id;
		char *state;
		char *token;
		char *host;
		int try_number;
		int max_tries;
		int64_t started_at;
		char *task;
		char *dag;
		int64_t run_id;
	} *lost = NULL;
	int n = 0, cap = 0;

	st = store_stmt(s->store,
	    "SELECT id, state, token, executor, try_number, max_tries, started_at, task_id, dag_id, run_id "
	    "FROM task_instances WHERE state IN ('queued', 'running') OR token IS NOT NULL");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			lost = xreallocarray(lost, (size_t)cap, sizeof *lost);
		}
		lost[n].id = sqlite3_column_int64(st, 0);
		lost[n].state = xstrdup((const char *)sqlite3_column_text(st, 1));
		lost[n].token = sqlite3_column_text(st, 2) ?
		    xstrdup((const char *)sqlite3_column_text(st, 2)) : NULL;
		lost[n].host = sqlite3_column_text(st, 3) ?
		    xstrdup((const char *)sqlite3_column_text(st, 3)) : NULL;
		lost[n].try_number = sqlite3_column_int(st, 4);
		lost[n].max_tries = sqlite3_column_int(st, 5);
		lost[n].started_at = sqlite3_column_int64(st, 6);
		lost[n].task = xstrdup((const char *)sqlite3_column_text(st, 7));
		lost[n].dag = xstrdup((const char *)sqlite3_column_text(st, 8));
		lost[n].run_id = sqlite3_column_int64(st, 9);
		n++;
	}
	sqlite3_reset(st);
	tx_begin(s);
	for (int i = 0; i < n; i++) {
		struct lost *x = &lost[i];
		struct executor *ex = x->host ? registry_find(&s->execs, x->host) : NULL;
		int state = ti_state_parse(x->state);
		struct ti_update u = TI_UPDATE_INIT;
		struct dag *dag = dagbag_find(&s->bag, x->dag);
		struct task *t = dag ? dag_task(dag, x->task) : NULL;
		int64_t now = sl_now_ms();

		if (x->token != NULL && ex != NULL && ex->ops->kill_orphan != NULL)
			ex->ops->kill_orphan(ex->inst, x->token);
		u.token = "";
		if (state != TI_QUEUED && state != TI_RUNNING) {
			/* cleared while no scheduler ran: just forget the token */
			sqlite3_stmt *cl = store_stmt(s->store,
			    "UPDATE task_instances SET token = NULL WHERE id = ?");

			sqlite3_bind_int64(cl, 1, x->id);
			sqlite3_step(cl);
			sqlite3_reset(cl);
			continue;
		}
		if (t != NULL && operator_is_sensor(t->op) && t->op->poke_start != NULL &&
		    !t->executor_explicit) {
			/* an in-loop poke: simply poke again */
			u.next_at = now;
			u.reason = "scheduler restarted: poking again";
			store_ti_transition(s->store, x->id, state, -1,
					    state == TI_QUEUED ? TI_RUNNING : TI_UP_FOR_RESCHEDULE, &u);
			if (state == TI_QUEUED)
				store_ti_transition(s->store, x->id, TI_RUNNING, -1,
						    TI_UP_FOR_RESCHEDULE, &u);
			continue;
		}
		u.ended_at = now;
		u.error = "lost: the scheduler stopped while this try ran";
		u.reason = u.error;
		store_try_record(s->store, x->id, x->try_number, TI_FAILED,
				 x->started_at, now, INT_MIN, 0, x->host, u.error);
		if (state == TI_QUEUED) {
			/* it may never have started; count it anyway */
			struct ti_update q = TI_UPDATE_INIT;

			q.reason = "scheduler restarted";
			store_ti_transition(s->store, x->id, TI_QUEUED, -1, TI_RUNNING, &q);
		}
		if (x->try_number < x->max_tries) {
			u.next_at = now + (t ? retry_delay(t, x->try_number) : 0);
			store_ti_transition(s->store, x->id, TI_RUNNING, -1,
					    TI_UP_FOR_RETRY, &u);
			log_line("%s %s: try %d was lost when the scheduler stopped; retrying",
				 x->dag, x->task, x->try_number);
		} else {
			store_ti_transition(s->store, x->id, TI_RUNNING, -1,
					    TI_FAILED, &u);
			log_line("%s %s: try %d was lost when the scheduler stopped; no tries left: failed",
				 x->dag, x->task, x->try_number);
		}
	}
	tx_commit(s);
	for (int i = 0; i < n; i++) {
		free(lost[i].state);
		free(lost[i].token);
		free(lost[i].host);
		free(lost[i].task);
		free(lost[i].dag);
	}
	free(lost);
}

/* --- creating runs for due partitions --- */

static void
sched_create_runs(struct sched *s)
{
	int64_t now = sl_now_ms() / 1000;

	for (int i = 0; i < s->bag.n; i++) {
		struct dag *dag = s->bag.entries[i].dag;
		struct dag_load_state *d;
		int64_t cursor, end;
		char key[64];
		int created = 0;

		if (dag == NULL || dag->schedule == NULL)
			continue;
		d = dstate(s, dag->name);
		if (d->paused)
			continue;
		if (!store_dag_cursor(s->store, dag->name, &cursor)) {
			if (dag->catchup) {
				cursor = cron_next(dag->schedule, dag->tz, dag->start - 1);
			} else {
				int64_t p1 = cron_prev(dag->schedule, dag->tz, now);

				cursor = p1 == -1 ? -1 : cron_prev(dag->schedule, dag->tz, p1 - 1);
				if (cursor < dag->start)
					cursor = cron_next(dag->schedule, dag->tz, dag->start - 1);
			}
			if (cursor == -1)
				continue;
			tx_begin(s);
			store_dag_set_cursor(s->store, dag->name, cursor);
		}
		if (!dag->catchup) {
			/* skip what was missed: only the latest partition */
			int64_t p1 = cron_prev(dag->schedule, dag->tz, now);
			int64_t p0 = p1 == -1 ? -1 : cron_prev(dag->schedule, dag->tz, p1 - 1);

			if (p0 > cursor && p0 >= dag->start)
				cursor = p0;
		}
		/* count queued runs too: they will run */
		{
			int pending = 0;

			for (struct run *r = s->runs; r != NULL; r = r->next)
				if (r->dag == dag && r->state == RUN_QUEUED)
					pending++;
			while (d->active_runs + pending + created < dag->max_active_runs) {
				struct sl_err err;

				if (cursor == -1 || cursor >= dag->end)
					break;
				end = cron_next(dag->schedule, dag->tz, cursor);
				if (end == -1 || end > now)
					break;
				dag_partition_key(dag, cursor, key, sizeof key);
				tx_commit(s);
				sl_err_clear(&err);
				if (store_run_create(s->store, dag, key, cursor, end,
						     "scheduled", NULL, NULL, &err) == 0) {
					created++;
					log_line("run %s %s: created", dag->name, key);
				}
				cursor = end;
				tx_begin(s);
				store_dag_set_cursor(s->store, dag->name, cursor);
			}
		}
		if (created > 0) {
			tx_commit(s);
			sched_reload(s, 0);
		}
	}
	tx_commit(s);
}

/* Queued runs start while their DAG is under max_active_runs. */
static void
sched_promote_runs(struct sched *s)
{
	for (struct run *r = s->runs; r != NULL; r = r->next) {
		struct dag_load_state *d;

		if (r->state != RUN_QUEUED)
			continue;
		d = dstate(s, r->dag_name);
		if (d->paused || d->active_runs >= r->dag->max_active_runs)
			continue;
		tx_begin(s);
		if (store_run_set_state(s->store, r->id, RUN_QUEUED, RUN_RUNNING) < 0)
			continue;
		r->state = RUN_RUNNING;
		d->active_runs++;
		for (int i = 0; i < r->ntis; i++)
			if (r->tis[i].state == TI_NONE)
				ti_eval_push(s, &r->tis[i]);
		/* a run whose every task is already done (e.g. a mark) */
		run_check_done(s, r);
	}
}

/* --- the pass --- */

/* Can this ready task instance start now? Needs slots unless it is an
 * in-loop sensor poke. */
static int
ti_can_start(struct sched *s, struct ti *ti, struct executor **ex_out,
	     int *in_loop)
{
	struct task *t = ti_task(ti);
	struct dag_load_state *d = dstate(s, ti->run->dag_name);
	struct executor *ex;

	*in_loop = 0;
	if (d->paused || ti->live != NULL)
		return 0;
	/* a sensor without an explicit executor pokes from the loop */
	if (operator_is_sensor(t->op) && t->op->poke_start != NULL &&
	    !t->executor_explicit) {
		if (s->pokes >= SCHED_MAX_POKES)
			return 0;
		*in_loop = 1;
		*ex_out = NULL;
		return 1;
	}
	if (s->running >= s->cfg->parallelism)
		return 0;
	if (d->active_tasks >= ti->run->dag->max_active_tasks)
		return 0;
	if (pool_used(s, t->pool) + t->pool_slots >
	    json_integer_value(json_object_get(s->cfg->pools, t->pool)))
		return 0;
	ex = registry_find(&s->execs, t->executor);
	if (ex == NULL || ex->busy >= ex->slots)
		return 0;
	*ex_out = ex;
	return 1;
}

static void
sched_dispatch(struct sched *s)
{
	struct ti **blocked = NULL;
	int nblocked = 0, capblocked = 0;

	while (s->nheap > 0) {
		struct ti *ti = s->heap[0];
		struct executor *ex = NULL;
		struct live *l;
		struct ti_update u = TI_UPDATE_INIT;
		int in_loop, is_sensor;

		/* slots full: only in-loop pokes may still go */
		if (s->running >= s->cfg->parallelism &&
		    (s->nheap_loop == 0 || s->pokes >= SCHED_MAX_POKES))
			break;
		heap_remove(s, ti);
		if (!ti_can_start(s, ti, &ex, &in_loop)) {
			if (nblocked == capblocked) {
				capblocked = capblocked ? capblocked * 2 : 64;
				blocked = xreallocarray(blocked, (size_t)capblocked,
							sizeof *blocked);
			}
			blocked[nblocked++] = ti;
			continue;
		}
		is_sensor = operator_is_sensor(ti_task(ti)->op);
		if (ti->state == TI_UP_FOR_RESCHEDULE) {
			/* next poke of a sensor: same try */
			l = live_new(s, ti, ti->try_number);
		} else {
			u.try_number = ti->try_number + 1;
			u.reason = "queued";
			u.next_at = 0;
			if (is_sensor)
				u.first_poke_at = 0;
			if (ti_set(s, ti, TI_QUEUED, &u) < 0)
				continue;
			l = live_new(s, ti, ti->try_number);
		}
		l->is_poke = is_sensor;
		l->ex = ex;
		if (is_sensor && ex == NULL) {
			l->in_loop = 1;
			s->pokes++;
		}
		if (ex != NULL) {
			struct dag_load_state *d = dstate(s, ti->run->dag_name);

			l->counts = 1;
			s->running++;
			d->active_tasks++;
			pool_add(s, l->pool, l->pool_slots);
			ex->busy++;
		}
		if (s->nstart == s->capstart) {
			s->capstart = s->capstart ? s->capstart * 2 : 64;
			s->startq = xreallocarray(s->startq, (size_t)s->capstart,
						  sizeof *s->startq);
		}
		s->startq[s->nstart++] = ti;
	}
	for (int i = 0; i < nblocked; i++)
		heap_push(s, blocked[i]);
	free(blocked);
}

/*
 * Queued states are committed: start the processes, all in this turn.
 * (Spreading starts over several turns to give the web server more turns
 * cost the scheduler's throughput more than it gained: bench/RESULTS.md.)
 */
static void
sched_start_queued(struct sched *s)
{
	while (s->nstart > 0) {
		int n = s->nstart;
		struct ti **batch = xmalloc((size_t)n * sizeof *batch);

		memcpy(batch, s->startq, (size_t)n * sizeof *batch);
		s->nstart = 0;
		for (int i = 0; i < n; i++) {
			struct ti *ti = batch[i];

			if (ti->live == NULL)
				continue;
			if (ti->state == TI_QUEUED || ti->state == TI_UP_FOR_RESCHEDULE)
				ti_start(s, ti);
		}
		free(batch);
	}
}

static void
sched_free_done_runs(struct sched *s)
{
	struct run **pp = &s->runs, *r;

	while ((r = *pp) != NULL) {
		int busy = 0;

		if (r->state == RUN_SUCCESS || r->state == RUN_FAILED) {
			for (int i = 0; i < r->ntis; i++)
				if (r->tis[i].live != NULL)
					busy = 1;
			if (!busy) {
				*pp = r->next;
				for (int i = 0; i < r->ntis; i++)
					ti_disarm(&r->tis[i]);
				run_free(s, r);
				continue;
			}
		}
		pp = &r->next;
	}
}

static void
pass_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;

	if (s->shutting_down) {
		tx_commit(s);
		return;
	}
	sched_promote_runs(s);
	while (s->neval > 0) {
		struct ti *ti = s->eval[--s->neval];

		ti_evaluate(s, ti);
	}
	sched_dispatch(s);
	tx_commit(s);
	sched_start_queued(s);
	/* starting may have changed states (running, or failed to start) */
	while (s->neval > 0) {
		struct ti *ti = s->eval[--s->neval];

		ti_evaluate(s, ti);
	}
	tx_commit(s);
	sched_free_done_runs(s);
	if (s->runs_finished) {
		/* catch-up: the next partitions may now fit under
		 * max_active_runs */
		s->runs_finished = 0;
		sched_create_runs(s);
	}
}

static void
sched_schedule_pass(struct sched *s)
{
	if (event_pending(s->pass_ev, EV_TIMEOUT, NULL))
		return;
	if (s->running >= SCHED_BATCH_MIN_RUNNING) {
		struct timeval tv = { 0, SCHED_BATCH_US };

		event_add(s->pass_ev, &tv);
	} else
		event_active(s->pass_ev, EV_TIMEOUT, 0);
}

void
sched_poke(struct sched *s)
{
	s->data_version = -1;
	if (s->poll_ev != NULL) {
		struct timeval tv = { 0, 0 };

		evtimer_add(s->poll_ev, &tv);
	}
}

/* --- timers --- */

static void
sched_scan_dags(struct sched *s)
{
	struct dagbag fresh;
	struct sl_err err;
	int changed = 0;

	if (!dagbag_changed(s->cfg->dags_dir, &s->bag))
		return;
	sl_err_clear(&err);
	if (dagbag_load(s->cfg->dags_dir, s->cfg, NULL, &fresh, &err) < 0) {
		log_line("%s", err.msg);
		return;
	}
	/* anything new, gone or different? compare files and times */
	if (fresh.n != s->bag.n)
		changed = 1;
	for (int i = 0; i < fresh.n && !changed; i++)
		if (strcmp(fresh.entries[i].file, s->bag.entries[i].file) != 0 ||
		    fresh.entries[i].mtime != s->bag.entries[i].mtime ||
		    fresh.entries[i].size != s->bag.entries[i].size)
			changed = 1;
	if (!changed) {
		dagbag_free(&fresh);
		return;
	}
	for (int i = 0; i < fresh.n; i++) {
		int known = 0;

		for (int j = 0; j < s->bag.n; j++)
			if (strcmp(fresh.entries[i].file, s->bag.entries[j].file) == 0 &&
			    fresh.entries[i].mtime == s->bag.entries[j].mtime &&
			    fresh.entries[i].size == s->bag.entries[j].size &&
			    ((fresh.entries[i].error == NULL) == (s->bag.entries[j].error == NULL)))
				known = 1;
		if (!known) {
			if (fresh.entries[i].error != NULL)
				log_line("DAG file not loaded: %s", fresh.entries[i].error);
			else
				log_line("DAG %s loaded from %s", fresh.entries[i].dag->name,
					 fresh.entries[i].file);
		}
	}
	store_dags_sync(s->store, &fresh);
	/* runs point into the old bag: swap, then rebuild them */
	{
		struct dagbag old = s->bag;

		s->bag = fresh;
		sched_reload(s, 0);
		dagbag_free(&old);
	}
	sched_schedule_pass(s);
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	struct timeval tv = { 0, SCHED_POLL_MS * 1000 };
	int64_t v;

	if (s->shutting_down)
		return;
	tx_commit(s);
	v = store_data_version(s->store);
	if (v != s->data_version) {
		sched_reload(s, 0);
		sched_create_runs(s);
		sched_schedule_pass(s);
	}
	evtimer_add(s->poll_ev, &tv);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	struct timeval tv = { SCHED_TICK_MS / 1000, 0 };
	int64_t now = sl_mono_ms();
	static int64_t expected;

	if (expected != 0 && now > expected)
		s->loop_lag_ms = now - expected;
	expected = now + SCHED_TICK_MS;
	if (s->shutting_down)
		return;
	if (now - s->last_dag_scan >= SCHED_DAG_SCAN_MS) {
		s->last_dag_scan = now;
		sched_scan_dags(s);
	}
	sched_create_runs(s);
	sched_check_sla(s);
	/* the per-run open counts are hints: recount them now and then */
	for (struct run *r = s->runs; r != NULL; r = r->next) {
		r->nopen = 0;
		run_check_done(s, r);
	}
	tx_commit(s);
	sched_schedule_pass(s);
	evtimer_add(s->tick_ev, &tv);
}

static void
grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;

	tx_commit(s);
	event_base_loopbreak(s->base);
}

static void
sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	sched_shutdown(arg);
}

/* --- life cycle --- */

int
sched_new(struct config *cfg, struct event_base *base, struct sched **out,
	  struct sl_err *err)
{
	struct sched *s = xcalloc(1, sizeof *s);
	ssize_t n;

	s->cfg = cfg;
	s->base = base;
	s->pool_used = json_object();
	n = readlink("/proc/self/exe", s->self_exe, sizeof s->self_exe - 1);
	if (n <= 0)
		snprintf(s->self_exe, sizeof s->self_exe, "sluice");
	else
		s->self_exe[n] = '\0';
	if (sl_mkdirs(cfg->logs_dir, 0755, err) < 0)
		goto fail;
	if (store_open(cfg->db_path, &s->store, err) < 0)
		goto fail;
	if (registry_create(base, cfg->executors, &s->execs, err) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	sched_free(s);
	return -1;
}

int
sched_start(struct sched *s, struct sl_err *err)
{
	struct timeval now = { 0, 0 };

	if (dagbag_load(s->cfg->dags_dir, s->cfg, NULL, &s->bag, err) < 0)
		return -1;
	for (int i = 0; i < s->bag.n; i++) {
		if (s->bag.entries[i].error != NULL)
			log_line("DAG file not loaded: %s", s->bag.entries[i].error);
		else
			dstate(s, s->bag.entries[i].dag->name);
	}
	if (store_dags_sync(s->store, &s->bag) < 0)
		return sl_err_set(err, "cannot record the DAGs in %s", s->cfg->db_path);
	s->last_dag_scan = sl_mono_ms();
	sched_recover(s);
	s->pass_ev = event_new(s->base, -1, 0, pass_cb, s);
	event_priority_set(s->pass_ev, 1);
	s->poll_ev = evtimer_new(s->base, poll_cb, s);
	event_priority_set(s->poll_ev, 1);
	s->tick_ev = evtimer_new(s->base, tick_cb, s);
	event_priority_set(s->tick_ev, 1);
	s->sigchld_ev = evsignal_new(s->base, SIGCHLD, helpers_reap, s);
	event_add(s->sigchld_ev, NULL);
	s->sigterm_ev = evsignal_new(s->base, SIGTERM, sigterm_cb, s);
	event_add(s->sigterm_ev, NULL);
	s->sigint_ev = evsignal_new(s->base, SIGINT, sigterm_cb, s);
	event_add(s->sigint_ev, NULL);
	sched_reload(s, 1);
	evtimer_add(s->tick_ev, &now);
	evtimer_add(s->poll_ev, &now);
	sched_schedule_pass(s);
	if (s->cfg->smtp == NULL)
		log_line("no smtp: block in %s: emails are written to %s/outbox/",
			 s->cfg->file, s->cfg->home);
	log_line("scheduler started: home %s, %d DAG file(s), parallelism %d",
		 s->cfg->home, s->bag.n, s->cfg->parallelism);
	return 0;
}

void
sched_shutdown(struct sched *s)
{
	struct timeval tv;
	int n = 0;

	if (s->shutting_down) {
		/* a second signal: leave at once */
		tx_commit(s);
		event_base_loopbreak(s->base);
		return;
	}
	s->shutting_down = 1;
	log_line("scheduler stopping: stopping running tries");
	for (struct live *l = s->lives; l != NULL; l = l->next) {
		if (l->ex != NULL && l->handle != NULL) {
			l->ex->ops->kill(l->ex->inst, l->handle, SL_KILL_SHUTDOWN);
			n++;
		} else if (l->poke != NULL) {
			l->poke_op->poke_cancel(l->poke);
			l->poke = NULL;
		}
		if (l->log_path != NULL)
			log_append(l->log_path, "the scheduler is stopping: stopping this try");
	}
	tx_commit(s);
	if (n == 0) {
		event_base_loopbreak(s->base);
		return;
	}
	/* results of the killed tries are recorded as they end; give them
	 * the kill grace period, then go */
	tv.tv_sec = (s->cfg->kill_grace_ms + 1000) / 1000;
	tv.tv_usec = 0;
	s->grace_ev = evtimer_new(s->base, grace_cb, s);
	evtimer_add(s->grace_ev, &tv);
}

void
sched_free(struct sched *s)
{
	struct run *r, *next;

	if (s == NULL)
		return;
	tx_commit(s);
	for (r = s->runs; r != NULL; r = next) {
		next = r->next;
		for (int i = 0; i < r->ntis; i++)
			ti_disarm(&r->tis[i]);
		run_free(s, r);
	}
	while (s->lives != NULL) {
		struct live *l = s->lives;

		if (l->poke != NULL)
			l->poke_op->poke_cancel(l->poke);
		live_free(s, l);
	}
	if (s->pass_ev) event_free(s->pass_ev);
	if (s->poll_ev) event_free(s->poll_ev);
	if (s->tick_ev) event_free(s->tick_ev);
	if (s->sigchld_ev) event_free(s->sigchld_ev);
	if (s->sigterm_ev) event_free(s->sigterm_ev);
	if (s->sigint_ev) event_free(s->sigint_ev);
	if (s->grace_ev) event_free(s->grace_ev);
	registry_destroy(&s->execs);
	dagbag_free(&s->bag);
	store_close(s->store);
	while (s->dstates != NULL) {
		struct dag_load_state *d = s->dstates;

		s->dstates = d->next;
		free(d->name);
		free(d);
	}
	json_decref(s->pool_used);
	free(s->heap);
	free(s->eval);
	free(s->startq);
	free(s->helpers);
	config_free(s->cfg);
	free(s);
}

int
sched_running_tries(const struct sched *s)
{
	return s->running;
}

struct store *
sched_store(struct sched *s)
{
	return s->store;
}

const struct dagbag *
sched_dagbag(struct sched *s)
{
	return &s->bag;
}

void
sched_metrics(struct sched *s, json_t *out)
{
	int nruns = 0;

	for (struct run *r = s->runs; r != NULL; r = r->next)
		nruns++;
	json_object_set_new(out, "running_tries", json_integer(s->running));
	json_object_set_new(out, "active_runs", json_integer(nruns));
	json_object_set_new(out, "ready", json_integer(s->nheap));
	json_object_set_new(out, "loop_lag_ms", json_integer(s->loop_lag_ms));
	json_object_set_new(out, "tries_started", json_integer(s->tries_started));
	json_object_set_new(out, "tries_ended", json_integer(s->tries_ended));
}

/*
 * `sluice test`: one try of one task in the foreground, output to the
 * terminal, nothing recorded. Returns the exit status.
 */
int
sched_test_task(struct config *cfg, struct dag *dag, struct task *t,
		const char *partition, int64_t start_s, int64_t end_s,
		struct sl_err *err)
{
	struct sched s;
	struct run r;
	struct ti *tis;
	char **argv, **envp, *stdin_text = NULL;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc, infd = -1, poke = operator_is_sensor(t->op);
	ssize_t n;
	char *cwd = NULL;

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	n = readlink("/proc/self/exe", s.self_exe, sizeof s.self_exe - 1);
	if (n > 0)
		s.self_exe[n] = '\0';
	memset(&r, 0, sizeof r);
	r.dag = dag;
	r.dag_name = dag->name;
	r.partition = (char *)partition;
	r.run_id = xasprintf("test__%s", partition);
	r.start_s = start_s;
	r.end_s = end_s;
	r.params = dag->params;
	tis = xcalloc((size_t)dag->ntasks, sizeof *tis);
	r.tis = tis;
	r.ntis = dag->ntasks;
	tis[t->index].run = &r;
	tis[t->index].task = t->index;
	argv = try_argv(&s, &tis[t->index], 1, poke, &stdin_text, err);
	envp = argv ? try_env(&s, &tis[t->index], 1, err) : NULL;
	if (argv == NULL || envp == NULL) {
		strv_free(argv);
		free(stdin_text);
		free(tis);
		free(r.run_id);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	if (stdin_text != NULL) {
		char path[] = "/tmp/sluice-stdin.XXXXXX";

		infd = mkostemp(path, O_CLOEXEC);
		if (infd >= 0) {
			unlink(path);
			if (write(infd, stdin_text, strlen(stdin_text)) < 0)
				sl_err_set(err, "cannot write a temp file");
			lseek(infd, 0, SEEK_SET);
			posix_spawn_file_actions_adddup2(&fa, infd, 0);
		}
	}
	if (json_is_string(json_object_get(t->options, "cwd"))) {
		struct tmpl_ctx c;
		struct buf b;

		tmpl_ctx_init(&c, &tis[t->index], 1);
		buf_init(&b, 0);
		tmpl_render(json_string_value(json_object_get(t->options, "cwd")), &c, &b, NULL);
		cwd = buf_steal(&b);
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (infd >= 0)
		close(infd);
	free(cwd);
	strv_free(argv);
	try_env_free(envp);
	free(stdin_text);
	free(tis);
	free(r.run_id);
	if (rc != 0)
		return sl_err_set(err, "cannot start the command: %s", strerror(rc));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
