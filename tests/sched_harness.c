/*
 * sched_harness.c: the deterministic scheduler harness (see
 * sched_harness.h). Past 800 lines on purpose: the fake clock, the fake
 * executor and the fake notifier are one world the real scheduler runs
 * in, and each h_* call steps all three together.
 */
#include "tests/sched_harness.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "executors/executor.h"
#include "executors/registry.h"
#include "operators/notify.h"
#include "scheduler/config.h"
#include "scheduler/dag.h"
#include "scheduler/sched_internal.h"
#include "store/store.h"

/* --- the fake executor --- */

struct fake_try {
	char *task, *partition;
	int try_number;
	char **argv, **env;
	char *log_path;
	sl_exec_done_fn done;
	void *arg;
	int killed;			/* SL_KILL_* once asked to stop */
	int ended;
	int recorded;			/* recorded() calls: its end committed */
	char token[32];			/* what token() gives: adopt() finds
					 * the try by it */
	char **secrets;			/* start()'s task->secrets */
	char **adopted_secrets;		/* adopted_secrets()'s, NULL: none */
	int secrets_in_start;		/* ... given inside sched_start() */
	struct fake_try *next;		/* newest first */
};

struct fake_exec {
	int slots;
};

/* --- the fake sensor --- */

struct fake_poke {
	char *task, *partition;
	const char *fingerprint;	/* h_poke_fp's, during done */
	op_poke_done_fn done;
	void *arg;
	int over;			/* answered or cancelled */
	struct fake_poke *next;
};

static struct {
	char home[PATH_MAX];
	struct config *cfg;
	struct event_base *base;
	struct sched *s;
	int64_t now;			/* the fake wall clock */
	int64_t mono;			/* the fake monotonic clock */
	struct fake_try *tries;
	struct fake_poke *pokes;
	struct buf order;
	struct buf notes;	/* h_notifications() */
	char text[4096];
	long file_writes;		/* h_dag_file's writes, for mtimes */
	long ntries;			/* tries started, for tokens */
	int starting;			/* inside sched_start() */
	void (*cfg_fn)(struct config *cfg);
	void (*on_start)(const char *task);	/* h_on_start() */
} H;

static char **
strv_copy(char *const *v)
{
	size_t n = 0;
	char **c;

	while (v != NULL && v[n] != NULL)
		n++;
	c = xcalloc(n + 1, sizeof *c);
	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

static void *
fake_create(struct event_base *base, const char *name, const char *config_json,
	    char *err, size_t errlen)
{
	struct fake_exec *e = xcalloc(1, sizeof *e);
	json_t *conf = json_loads(config_json, 0, NULL);

	(void)base;
	(void)name;
	(void)err;
	(void)errlen;
	e->slots = (int)json_integer_value(json_object_get(conf, "slots"));
	if (e->slots <= 0)
		e->slots = 1000;
	json_decref(conf);
	return e;
}

static int
fake_slots(void *inst)
{
	return ((struct fake_exec *)inst)->slots;
}

static void *
fake_start(void *inst, const struct sl_exec_task *task, sl_exec_done_fn done,
	   void *arg, char *err, size_t errlen)
{
	struct fake_try *t = xcalloc(1, sizeof *t);

	(void)inst;
	(void)err;
	(void)errlen;
	t->task = xstrdup(task->task);
	t->partition = xstrdup(task->partition);
	t->try_number = task->try_number;
	t->argv = strv_copy(task->argv);
	t->env = strv_copy(task->env);
	t->secrets = strv_copy(task->secrets);
	t->log_path = task->log_path ? xstrdup(task->log_path) : NULL;
	t->done = done;
	t->arg = arg;
	snprintf(t->token, sizeof t->token, "fake:%ld", ++H.ntries);
	t->next = H.tries;
	H.tries = t;
	if (H.order.len > 0)
		buf_addc(&H.order, ',');
	buf_adds(&H.order, task->task);
	if (H.on_start != NULL)
		H.on_start(task->task);
	return t;
}

static void
fake_kill(void *inst, void *handle, enum sl_exec_kill_reason why)
{
	struct fake_try *t = handle;

	(void)inst;
	if (t->killed == 0)
		t->killed = (int)why;
}

static const char *
fake_token(void *inst, void *handle)
{
	(void)inst;
	return ((struct fake_try *)handle)->token;
}

/* A try a scheduler left running (h_restart): follow it again. */
static void *
fake_adopt(void *inst, const char *token, sl_exec_done_fn done, void *arg,
	   char *err, size_t errlen)
{
	(void)inst;
	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (!t->ended && t->done == NULL && strcmp(t->token, token) == 0) {
			t->done = done;
			t->arg = arg;
			return t;
		}
	snprintf(err, errlen, "no such fake try: %s", token);
	return NULL;
}

/* An adopted try's secret values (version 5). */
static void
fake_adopted_secrets(void *inst, void *handle, char *const *secrets)
{
	struct fake_try *t = handle;

	(void)inst;
	strv_free(t->adopted_secrets);
	t->adopted_secrets = strv_copy(secrets);
	t->secrets_in_start = H.starting;
}

/* The scheduler committed a try's end. */
static void
fake_recorded(void *inst, const char *token)
{
	(void)inst;
	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (strcmp(t->token, token) == 0)
			t->recorded++;
}

static void
fake_destroy(void *inst)
{
	free(inst);
}

static const struct sl_executor_ops fake_ops = {
	.abi_version = SL_EXECUTOR_ABI,
	.type = "fake",
	.create = fake_create,
	.slots = fake_slots,
	.start = fake_start,
	.kill = fake_kill,
	.token = fake_token,
	.destroy = fake_destroy,
	.adopt = fake_adopt,
	.recorded = fake_recorded,
	.adopted_secrets = fake_adopted_secrets,
};

static const struct op_key fake_sensor_keys[] = {
	{ "poke_interval", OPK_DURATION, 0, 0, "time between pokes" },
	{ "exponential_backoff", OPK_BOOL, 0, 0, "double the interval" },
	{ "max_poke_interval", OPK_DURATION, 0, 0, "longest interval" },
	{ "soft_fail", OPK_BOOL, 0, 0, "on timeout mark skipped" },
	{ NULL, 0, 0, 0, NULL },
};

static void *
fake_poke_start(struct event_base *base, const json_t *spec,
		op_poke_done_fn done, void *arg)
{
	struct fake_poke *p = xcalloc(1, sizeof *p);

	(void)base;
	p->task = xstrdup(json_string_value(json_object_get(spec, "task")));
	p->partition = xstrdup(json_string_value(json_object_get(spec,
	    "partition")));
	p->done = done;
	p->arg = arg;
	p->next = H.pokes;
	H.pokes = p;
	return p;
}

static void
fake_poke_cancel(void *poke)
{
	((struct fake_poke *)poke)->over = 1;
}

/* What h_poke_fp said the poke matched. */
static const char *
fake_poke_fingerprint(void *poke, int *count)
{
	const char *fp = ((struct fake_poke *)poke)->fingerprint;

	*count = 0;
	for (const char *c = fp; c != NULL && *c != '\0'; c++)
		*count += *c == '\n';
	return fp;
}

static void
fake_poke_policy(const json_t *options, struct op_poke_policy *out)
{
	out->interval_ms = json_integer_value(json_object_get(options,
	    "poke_interval"));
	out->exponential_backoff = json_is_true(json_object_get(options,
	    "exponential_backoff"));
	out->max_interval_ms = json_integer_value(json_object_get(options,
	    "max_poke_interval"));
	out->soft_fail = json_is_true(json_object_get(options, "soft_fail"));
}

static const struct operator fake_sensor = {
	.name = "fake_sensor",
	.summary = "a sensor the harness answers",
	.keys = fake_sensor_keys,
	.poke_start = fake_poke_start,
	.poke_cancel = fake_poke_cancel,
	.poke_policy = fake_poke_policy,
	.poke_fingerprint = fake_poke_fingerprint,
};

/* --- a notifier that records what the scheduler sends --- */

/* The spec is the note h_notifications() shows; the scheduler hands it
 * to fake_child once the commit that decided it holds (a failed commit
 * drops it, as it drops a real email's process). */
static json_t *
fake_notify_spec(const struct notify_event *ev, const json_t *smtp,
		 const char *home)
{
	struct buf note;
	json_t *spec;

	(void)smtp;
	(void)home;
	buf_init(&note, 0);
	if (ev->sla_misses != NULL) {
		const json_t *m;
		size_t i;

		buf_printf(&note, "%s digest %zu\n", ev->kind,
			   json_array_size(ev->sla_misses));
		/* a miss not started: why it waits */
		json_array_foreach(ev->sla_misses, i, m)
			if (json_object_get(m, "waiting") != NULL)
				buf_printf(&note, "  %s waiting: %s\n",
					   json_string_value(json_object_get(m, "task")),
					   json_string_value(json_object_get(m, "waiting")));
	} else if (ev->fresh_digest != NULL) {
		/* the digest, then each partition it names, as one message
		 * about it would be */
		const json_t *p;
		size_t i;

		buf_printf(&note, "%s digest %zu\n", ev->kind,
			   json_array_size(ev->fresh_digest));
		json_array_foreach(ev->fresh_digest, i, p)
			buf_printf(&note, "%s %s %s\n", ev->kind,
				   ev->task ? ev->task : "-",
				   json_string_value(json_object_get(p, "partition")));
	} else {
		buf_printf(&note, "%s %s %s\n", ev->kind,
			   ev->task ? ev->task : "-", ev->partition ? ev->partition : "-");
		/* a freshness notice names the partition's run, if it has one */
		if (ev->run_id != NULL && (strcmp(ev->kind, "late") == 0 ||
					   strcmp(ev->kind, "recovered") == 0))
			buf_printf(&note, "  run %s\n", ev->run_id);
		if (ev->sla_waiting != NULL)
			buf_printf(&note, "  waiting: %s\n", ev->sla_waiting);
	}
	spec = json_pack("{s:s}", "note", buf_str(&note));
	buf_free(&note);
	return spec;
}

/* Instead of a process: the note, sent. */
static void
fake_child(const char *what, const char *stdin_text)
{
	json_t *spec = json_loads(stdin_text, 0, NULL);
	const char *note = json_string_value(json_object_get(spec, "note"));
	int64_t id = json_integer_value(json_object_get(spec, "delivery_id"));

	(void)what;
	if (note != NULL)
		buf_adds(&H.notes, note);
	/* an email's sender ends its delivery row (operators/email.c); a
	 * webhook's rows are the webhook tests' to end */
	if (note != NULL && id > 0 && store_webhook_end(sched_store(H.s), id, 1, 1, NULL) < 0) {
		fprintf(stderr, "harness: ending email delivery %lld failed\n", (long long)id);
		exit(99);
	}
	json_decref(spec);
}

static const struct notifier fake_notifier = {
	.name = "fake",
	.op = "fake",
	.spec = fake_notify_spec,
};

const char *
h_notifications(void)
{
	return buf_str(&H.notes);
}

/* --- the clock --- */

static int64_t
fake_now(void *arg)
{
	(void)arg;
	return H.now;
}

static int64_t
fake_mono(void *arg)
{
	(void)arg;
	return H.mono;
}

/* Two clocks that never read the same (a wall time used as a wait, or
 * the reverse, shows up at once). */
static const struct sched_clock fake_clock = { fake_now, fake_mono, NULL };

/* --- life cycle --- */

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(99);
	}
}

static void h_start(void);

void
h_open(const struct h_dag_file *files, void (*cfg_fn)(struct config *cfg))
{
	char path[PATH_MAX + 64];

	memset(&H, 0, sizeof H);
	buf_init(&H.order, 0);
	buf_init(&H.notes, 0);
	notifier_register(&fake_notifier);
	H.now = H_T0_MS;
	H.mono = H_MONO0_MS;
	registry_add_type(&fake_ops);
	operator_register(&fake_sensor);
	/* a memory file system when there is one: commits cost no disk */
	snprintf(H.home, sizeof H.home, "%s/sluice-unit-sched.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") :
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(H.home) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(path, sizeof path, "%s/dags", H.home);
	sl_mkdirs(path, 0755, NULL);
	for (const struct h_dag_file *f = files; f != NULL && f->name != NULL; f++) {
		snprintf(path, sizeof path, "%s/dags/%s", H.home, f->name);
		write_file(path, f->yaml);
	}
	H.cfg_fn = cfg_fn;
	h_start();
}

/* Load the home's config and start a scheduler on it. */
static void
h_start(void)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (config_load(H.home, &H.cfg, &err) < 0) {
		fprintf(stderr, "config: %s\n", err.msg);
		exit(99);
	}
	/* every task runs on the fake executor, named like the default */
	json_object_set_new(H.cfg->executors, "local",
			    json_pack("{s:s,s:i}", "type", "fake", "slots", 1000));
	/* the scenarios were written for DAGs that start active */
	H.cfg->dags_paused_at_creation = 0;
	if (H.cfg_fn != NULL)
		H.cfg_fn(H.cfg);
	H.base = event_base_new();
	event_base_priority_init(H.base, 2);
	if (sched_new(H.cfg, H.base, &H.s, &err) < 0) {
		fprintf(stderr, "sched_new: %s\n", err.msg);
		exit(99);
	}
	sched_set_clock(H.s, &fake_clock);
	H.s->test_child = fake_child;
	H.starting = 1;
	if (sched_start(H.s, &err) < 0) {
		fprintf(stderr, "sched_start: %s\n", err.msg);
		exit(99);
	}
	H.starting = 0;
	h_settle();
}

void
h_restart(void)
{
	/* the scheduler dies: its tries go on, nobody follows them */
	sched_free(H.s);	/* frees cfg */
	event_base_free(H.base);
	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (!t->ended) {
			t->done = NULL;
			t->arg = NULL;
		}
	h_start();
	/* what the new scheduler did not adopt is gone with the old one */
	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (!t->ended && t->done == NULL)
			t->ended = 1;
	h_settle();
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
h_close(void)
{
	H.on_start = NULL;
	sched_free(H.s);	/* frees cfg */
	event_base_free(H.base);
	while (H.tries != NULL) {
		struct fake_try *t = H.tries;

		H.tries = t->next;
		free(t->task);
		free(t->partition);
		strv_free(t->argv);
		strv_free(t->env);
		strv_free(t->secrets);
		strv_free(t->adopted_secrets);
		free(t->log_path);
		free(t);
	}
	while (H.pokes != NULL) {
		struct fake_poke *p = H.pokes;

		H.pokes = p->next;
		free(p->task);
		free(p->partition);
		free(p);
	}
	buf_free(&H.order);
	buf_free(&H.notes);
	nftw(H.home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct sched *
h_sched(void)
{
	return H.s;
}

struct store *
h_store(void)
{
	return sched_store(H.s);
}

struct dag *
h_dag(const char *name)
{
	return dagbag_find(sched_dagbag(H.s), name);
}

int64_t
h_now(void)
{
	return H.now;
}

int64_t
h_mono(void)
{
	return H.mono;
}

void
h_jump(int64_t ms)
{
	h_settle();
	H.now += ms;
	H.mono += ms;
	h_settle();
}

void
h_wall_step(int64_t ms)
{
	H.now += ms;
	h_settle();
}

/* --- steps --- */

static struct fake_try *
find_try(const char *task, const char *partition)
{
	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (!t->ended && strcmp(t->task, task) == 0 &&
		    (partition == NULL || strcmp(t->partition, partition) == 0))
			return t;
	return NULL;
}

static void
end_try(struct fake_try *t, int exit_code, int sig, const char *error)
{
	struct sl_exec_result res;

	memset(&res, 0, sizeof res);
	res.exit_code = exit_code;
	res.signal = sig;
	res.error = error;
	res.host = "fakehost";
	res.duration_ms = 1;
	t->ended = 1;
	t->done(t->arg, &res);
}

void
h_settle(void)
{
	for (int guard = 0; guard < 1000000; guard++) {
		struct fake_try *k = NULL;

		if (sched_timers_next(H.s) <= H.mono) {
			sched_timers_run(H.s);
			continue;
		}
		if (sched_pass_flush(H.s))
			continue;
		/* a killed try ends (SIGTERM) in a later loop turn */
		for (struct fake_try *t = H.tries; t != NULL; t = t->next)
			if (t->killed && !t->ended)
				k = t;
		if (k != NULL) {
			end_try(k, -1, SIGTERM, NULL);
			continue;
		}
		sched_tx_commit(H.s);
		sched_dispatch_check(H.s);
		return;
	}
	fprintf(stderr, "h_settle: the scheduler does not settle\n");
	abort();
}

void
h_advance(int64_t ms)
{
	int64_t target = H.mono + ms;

	h_settle();
	for (;;) {
		int64_t next = sched_timers_next(H.s);

		if (next > target)
			break;
		if (next > H.mono) {
			/* both clocks move by the same amount */
			H.now += next - H.mono;
			H.mono = next;
		}
		h_settle();
	}
	H.now += target - H.mono;
	H.mono = target;
	h_settle();
}

void
h_dag_file(const char *name, const char *yaml)
{
	h_dag_file_unseen(name, yaml);
	sched_sync_scan_dags(H.s);
	h_settle();
}

void
h_dag_file_unseen(const char *name, const char *yaml)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/dags/%s", H.home, name);
	if (yaml == NULL) {
		if (unlink(path) < 0) {
			perror(path);
			exit(99);
		}
	} else {
		/* an mtime no earlier write of this run had: the folder scan
		 * sees the change whatever the file system's clock grain */
		struct timespec times[2];

		write_file(path, yaml);
		H.file_writes++;
		times[0].tv_sec = times[1].tv_sec = H.now / 1000;
		times[0].tv_nsec = times[1].tv_nsec = H.file_writes;
		if (utimensat(AT_FDCWD, path, times, 0) < 0) {
			perror(path);
			exit(99);
		}
	}
}

void
h_poke_db(void)
{
	sched_poke(H.s);
	h_settle();
}

int
h_mark(const char *dag, const char *task, const char *partition,
       const char *state, int clear_downstream)
{
	struct sl_err err;
	struct dag *d = h_dag(dag);
	int ts = ti_state_parse(state), freed = 0;

	sl_err_clear(&err);
	if (d == NULL || ts < 0 || store_begin(h_store()) < 0)
		return -1;
	if (store_mark(h_store(), d, task, partition, (enum ti_state)ts, "harness", &err) < 0 ||
	    (ts == TI_SUCCESS &&
	     (freed = store_mark_downstream(h_store(), d, task, partition, clear_downstream,
					    "harness", NULL, NULL, &err)) < 0)) {
		fprintf(stderr, "h_mark %s %s %s: %s\n", dag, task, partition, err.msg);
		store_rollback(h_store());
		return -1;
	}
	if (store_commit(h_store()) < 0)
		return -1;
	h_poke_db();
	return freed;
}

int
h_clear(const char *dag, const char *partition, const char *task,
	int downstream)
{
	struct clear_spec spec;
	struct sl_err err;
	char *tasks[] = { (char *)task, NULL };
	int rc;

	memset(&spec, 0, sizeof spec);
	spec.dag_id = dag;
	spec.tasks = tasks;
	spec.partition = partition;
	spec.from_s = INT64_MIN;
	spec.to_s = INT64_MAX;
	spec.downstream = downstream;
	sl_err_clear(&err);
	rc = store_clear(h_store(), h_dag(dag), &spec, "harness", NULL, &err);
	if (rc < 0)
		fprintf(stderr, "h_clear %s %s %s: %s\n", dag, task, partition, err.msg);
	h_poke_db();
	return rc;
}

void
h_trigger(const char *dag, const char *partition)
{
	struct sl_err err;
	struct dag *d = h_dag(dag);

	sl_err_clear(&err);
	if (d == NULL || store_run_create(h_store(), d, partition, H.now / 1000,
					  H.now / 1000 + 60, "manual", NULL,
					  NULL, &err) < 0) {
		fprintf(stderr, "h_trigger %s %s: %s\n", dag, partition,
			d ? err.msg : "no such DAG");
		abort();
	}
	h_poke_db();
}

int
h_end(const char *task, const char *partition, int exit_code)
{
	struct fake_try *t = find_try(task, partition);

	if (t == NULL)
		return -1;
	end_try(t, exit_code, 0, NULL);
	h_settle();
	return 0;
}

int
h_end_saying(const char *task, const char *partition, int exit_code,
	     const char *output)
{
	struct fake_try *t = find_try(task, partition);
	FILE *f;

	if (t == NULL || t->log_path == NULL ||
	    (f = fopen(t->log_path, "ae")) == NULL)
		return -1;
	fputs(output, f);
	fclose(f);
	end_try(t, exit_code, 0, NULL);
	h_settle();
	return 0;
}

int
h_end_signal(const char *task, const char *partition, int sig)
{
	struct fake_try *t = find_try(task, partition);

	if (t == NULL)
		return -1;
	end_try(t, -1, sig, NULL);
	h_settle();
	return 0;
}

int
h_end_error(const char *task, const char *partition, const char *error)
{
	struct fake_try *t = find_try(task, partition);

	if (t == NULL)
		return -1;
	end_try(t, -1, 0, error);
	h_settle();
	return 0;
}

int
h_end_all(void)
{
	int n = 0;
	struct fake_try *t;

	while ((t = NULL, 1)) {
		for (struct fake_try *x = H.tries; x != NULL; x = x->next)
			if (!x->ended)
				t = x;
		if (t == NULL)
			break;
		end_try(t, 0, 0, NULL);
		h_settle();
		n++;
	}
	return n;
}

int
h_end_one(int exit_code)
{
	struct fake_try *t = NULL;

	for (struct fake_try *x = H.tries; x != NULL; x = x->next)
		if (!x->ended)
			t = x;		/* the oldest running */
	if (t == NULL)
		return -1;
	end_try(t, exit_code, 0, NULL);
	h_settle();
	return 0;
}

int
h_running(const char *task)
{
	int n = 0;

	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (!t->ended && (task == NULL || strcmp(t->task, task) == 0))
			n++;
	return n;
}

void
h_on_start(void (*fn)(const char *task))
{
	H.on_start = fn;
}

int
h_started(const char *task)
{
	int n = 0;

	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (task == NULL || strcmp(t->task, task) == 0)
			n++;
	return n;
}

int
h_recorded(const char *task)
{
	int n = 0;

	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (strcmp(t->task, task) == 0)
			n += t->recorded;
	return n;
}

int
h_killed(const char *task, const char *partition)
{
	struct fake_try *t = find_try(task, partition);

	return t ? t->killed : 0;
}

const char *
h_order(void)
{
	return buf_str(&H.order);
}

void
h_order_reset(void)
{
	H.order.len = 0;
	buf_str(&H.order);
}

static struct fake_try *
latest_start(const char *task)
{
	for (struct fake_try *t = H.tries; t != NULL; t = t->next)
		if (strcmp(t->task, task) == 0)
			return t;
	return NULL;
}

const char *
h_env(const char *task, const char *name)
{
	struct fake_try *t = latest_start(task);
	size_t len = strlen(name);

	for (size_t i = 0; t != NULL && t->env[i] != NULL; i++)
		if (strncmp(t->env[i], name, len) == 0 && t->env[i][len] == '=')
			return t->env[i] + len + 1;
	return NULL;
}

const char *
h_secrets(const char *task, int adopted)
{
	struct fake_try *t = latest_start(task);
	char **v = t == NULL ? NULL : adopted ? t->adopted_secrets : t->secrets;
	size_t off = 0;

	if (v == NULL)
		return NULL;
	H.text[0] = '\0';
	for (size_t i = 0; v[i] != NULL && off < sizeof H.text; i++)
		off += (size_t)snprintf(H.text + off, sizeof H.text - off, "%s%s",
					i > 0 ? "," : "", v[i]);
	return H.text;
}

int
h_secrets_in_start(const char *task)
{
	struct fake_try *t = latest_start(task);

	return t != NULL && t->secrets_in_start;
}

int
h_env_count(const char *task)
{
	struct fake_try *t = latest_start(task);
	int n = 0;

	while (t != NULL && t->env[n] != NULL)
		n++;
	return n;
}

const char *
h_log_path(const char *task)
{
	struct fake_try *t = latest_start(task);

	return t != NULL ? t->log_path : NULL;
}

const char *
h_argv(const char *task, int i)
{
	struct fake_try *t = latest_start(task);

	for (int k = 0; t != NULL && t->argv[k] != NULL; k++)
		if (k == i)
			return t->argv[k];
	return NULL;
}

int
h_pokes(const char *task)
{
	int n = 0;

	for (struct fake_poke *p = H.pokes; p != NULL; p = p->next)
		if (!p->over && strcmp(p->task, task) == 0)
			n++;
	return n;
}

int
h_poke(const char *task, const char *partition, enum op_poke_result result)
{
	return h_poke_fp(task, partition, result, NULL);
}

int
h_poke_fp(const char *task, const char *partition,
	  enum op_poke_result result, const char *fingerprint)
{
	for (struct fake_poke *p = H.pokes; p != NULL; p = p->next)
		if (!p->over && strcmp(p->task, task) == 0 &&
		    strcmp(p->partition, partition) == 0) {
			p->over = 1;
			p->fingerprint = fingerprint;
			p->done(p->arg, result, result == OP_POKE_NOT_YET ?
				"not yet" : result == OP_POKE_DONE ? "there" :
				"poke failed");
			p->fingerprint = NULL;
			h_settle();
			return 0;
		}
	return -1;
}

/* --- reading the store --- */

static const char *
json_text(json_t *v)
{
	if (json_is_string(v))
		snprintf(H.text, sizeof H.text, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(H.text, sizeof H.text, "%lld",
			 (long long)json_integer_value(v));
	else
		H.text[0] = '\0';
	return H.text;
}

const char *
h_ti(const char *dag, const char *task, const char *partition,
     const char *field)
{
	json_t *tis = store_tis_json(h_store(), dag, partition), *ti;
	size_t i;
	const char *r = "";

	H.text[0] = '\0';
	json_array_foreach(tis, i, ti)
		if (strcmp(json_string_value(json_object_get(ti, "task")), task) == 0)
			r = json_text(json_object_get(ti, field));
	json_decref(tis);
	return r;
}

const char *
h_run_state(const char *dag, const char *partition)
{
	json_t *run = store_run_json(h_store(), dag, partition);
	const char *r = json_text(json_object_get(run, "state"));

	json_decref(run);
	return r;
}

int
h_runs(const char *dag)
{
	json_t *runs = store_runs_json(h_store(), dag, INT64_MIN, INT64_MAX,
				       NULL, 100000, 0);
	int n = (int)json_array_size(runs);

	json_decref(runs);
	return n;
}

int
h_sla_notified(const char *dag, const char *task, const char *partition)
{
	for (struct run *r = H.s->runs; r != NULL; r = r->next) {
		struct task *t;

		if (strcmp(r->dag_name, dag) != 0 ||
		    strcmp(r->partition, partition) != 0)
			continue;
		t = dag_task(r->dag, task);
		return t ? r->tis[t->index].sla_notified : -1;
	}
	return -1;
}

int
h_lines_with(const char *path, const char *text)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		n += strstr(line, text) != NULL;
	if (f != NULL)
		fclose(f);
	return n;
}
