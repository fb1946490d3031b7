/*
 * exec_driver.c: drive one executor instance from the command line, the
 * way the scheduler does, so executor tests need no scheduler: an event
 * loop, the executor made from a JSON config, N tries of one command with
 * at most P (default: the executor's slots) running, kills and retries on
 * conditions the test controls through files. One JSON line per finished
 * try on stdout.
 *
 *   exec_driver -c JSON [-p PLUGIN.so] [-n N] [-P P] [-L LOGDIR]
 *               [-e NAME=VALUE]... [-d CWD] [-i STDIN] [-g GRACE_MS]
 *               [-k I:FILE] [-t I:MS] [-r FILE] [-R MAX] [-w MS] [-s] [-D]
 *               [-T SECS] [-o] [-m LOG_MAX] [-K] [-x FILE]
 *               -- COMMAND [ARG]...
 *   exec_driver -c JSON -a TOKEN [-a TOKEN]... [-k I:FILE] [-x FILE]
 *               [-S VALUE]... [-V FILE]
 *   exec_driver -C -c JSON      (exec_ssh_check: connect to every host)
 *
 *   -k I:FILE  clear (kill) task I once FILE exists
 *   -t I:MS    kill task I as timed out MS ms after it started
 *   -r FILE    retry a try that ended with an error (or could not start)
 *              once FILE exists, up to -R MAX times (default 1), and no
 *              sooner than -w MS after it failed (default 0)
 *   -s         argv[0] is sluice itself (argv0_is_sluice)
 *   -D         print the executor's describe() line at the end
 *   -T SECS    give up (exit 3) after SECS (default 120)
 *   -o         print {"task":I,"token":...} when a try starts
 *              ({"task":I,"adopted":1} when a try is adopted)
 *   -m BYTES   the tries' log_max; -K keep_children
 *   -x FILE    once FILE exists, detach every running try (print
 *              {"task":I,"detached":1}) and exit: they run on
 *   -a TOKEN   adopt the try of TOKEN (a task each, in order) instead of
 *              starting tries; the adopted tries report like started ones
 *   -S VALUE   a secret value of every try (task->secrets; repeatable),
 *              given to adopted tries through adopted_secrets right after
 *              adopt(), as the scheduler does at start-up
 *   -V FILE    give them to adopted tries only once FILE exists
 *   -Y         say each try's end is recorded (recorded(), version 4) a
 *              loop turn after its done, as the scheduler does after its
 *              commit; without it every end stays unrecorded, as after
 *              a scheduler's failed write
 *
 * The executor is local when the config's type is "local", ssh otherwise
 * (or the plug-in of -p).
 *
 * Each try gets TASK_INDEX=I in its env and logs to LOGDIR/task-I.log.
 */
#include "build-config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "executors/executor.h"
#include "executors/plugin.h"
#include "executors/ssh.h"
#include "base/util.h"

extern char **environ;

struct driver_task {
	int index;
	int try_number;
	int running;
	int finished;
	int retries;
	int waiting_retry;
	int64_t failed_ms;
	int64_t started_ms;
	void *handle;
	char *log_path;
	char *kill_file;	/* -k */
	int values_due;		/* adopted: adopted_secrets not called yet */
	int64_t kill_after_ms;	/* -t, or -1 */
	int killed;
};

static const struct sl_executor_ops *ops;
static void *inst;
static struct event_base *base;
static struct driver_task *tasks;
static int ntasks, parallel, running, next_task, finished;
static char **task_argv;
static char **extra_env;
static int nextra_env;
static const char *cwd, *stdin_data, *retry_file;
static int max_retries = 1, argv0_is_sluice;
static int64_t retry_delay_ms;
static int64_t grace_ms = 2000;
static int print_tokens, keep_children;
static int64_t log_max;
static const char *detach_file;
static char **adopt_tokens;
static int nadopt;
static char **secrets;		/* -S, NULL-terminated */
static int nsecrets;
static const char *values_file;	/* -V */
extern const struct sl_executor_ops exec_local_ops;

static void start_more(void);

static void print_json(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(obj);
}

static int say_recorded;

static void recorded_cb(evutil_socket_t fd, short what, void *arg)
{
	char *token = arg;

	(void)fd;
	(void)what;
	SL_EXEC_OP(ops, 4, recorded)(inst, token);
	free(token);
}

static void try_done(void *arg, const struct sl_exec_result *res)
{
	struct driver_task *t = arg;
	json_t *o = json_object();

	if (say_recorded && t->handle != NULL && ops->token != NULL &&
	    SL_EXEC_OP(ops, 4, recorded) != NULL) {
		const char *tok = ops->token(inst, t->handle);
		struct timeval now = { 0, 0 };

		if (tok != NULL)
			event_base_once(base, -1, EV_TIMEOUT, recorded_cb,
					xstrdup(tok), &now);
	}

	json_object_set_new(o, "task", json_integer(t->index));
	json_object_set_new(o, "try", json_integer(t->try_number));
	json_object_set_new(o, "exit_code", json_integer(res->exit_code));
	json_object_set_new(o, "signal", json_integer(res->signal));
	json_object_set_new(o, "host", json_string(res->host ? res->host : ""));
	json_object_set_new(o, "duration_ms", json_integer(res->duration_ms));
	if (res->error)
		json_object_set_new(o, "error", json_string(res->error));
	print_json(o);
	t->running = 0;
	t->handle = NULL;
	running--;
	if (res->error && retry_file && t->retries < max_retries) {
		t->waiting_retry = 1;
		t->failed_ms = sl_mono_ms();
	} else {
		t->finished = 1;
		finished++;
	}
	start_more();
}

static void start_one(struct driver_task *t)
{
	struct sl_exec_task task;
	char err[SL_ERR_MSG], **env;
	size_t n = 0, i;

	for (i = 0; environ[i]; i++)
		n++;
	env = xcalloc(n + (size_t)nextra_env + 2, sizeof *env);
	n = 0;
	for (i = 0; environ[i]; i++)
		env[n++] = environ[i];
	for (i = 0; i < (size_t)nextra_env; i++)
		env[n++] = extra_env[i];
	env[n++] = xasprintf("TASK_INDEX=%d", t->index);

	memset(&task, 0, sizeof task);
	task.dag = "driver";
	task.task = "task";
	task.partition = "p";
	task.run_id = "run";
	task.try_number = ++t->try_number;
	task.argv = task_argv;
	task.argv0_is_sluice = argv0_is_sluice;
	task.env = env;
	task.cwd = cwd;
	task.stdin_data = stdin_data;
	task.stdin_len = stdin_data ? strlen(stdin_data) : 0;
	task.log_path = t->log_path;
	task.kill_grace_ms = grace_ms;
	task.keep_children = keep_children;
	task.log_max = log_max;
	task.secrets = secrets;

	t->handle = ops->start(inst, &task, try_done, t, err, sizeof err);
	free(env[n - 1]);
	free(env);
	if (!t->handle) {
		json_t *o = json_object();
		json_object_set_new(o, "task", json_integer(t->index));
		json_object_set_new(o, "try", json_integer(t->try_number));
		json_object_set_new(o, "start_error", json_string(err));
		print_json(o);
		if (retry_file && t->retries < max_retries) {
			t->waiting_retry = 1;
			t->failed_ms = sl_mono_ms();
		} else {
			t->finished = 1;
			finished++;
		}
		return;
	}
	t->running = 1;
	t->killed = 0;
	t->started_ms = sl_mono_ms();
	running++;
	if (print_tokens && ops->token) {
		json_t *o = json_object();

		json_object_set_new(o, "task", json_integer(t->index));
		json_object_set_new(o, "token",
				    json_string(ops->token(inst, t->handle)));
		print_json(o);
	}
}

/* An adopted try's secret values (-S), as the scheduler gives them. */
static void give_values(struct driver_task *t)
{
	void (*give)(void *, void *, char *const *) =
	    SL_EXEC_OP(ops, 5, adopted_secrets);

	t->values_due = 0;
	if (give)
		give(inst, t->handle, secrets);
}

/* Follow the try of a token instead of starting one. */
static void adopt_one(struct driver_task *t, const char *token)
{
	char err[SL_ERR_MSG];
	sl_exec_done_fn done = try_done;
	void *(*adopt)(void *, const char *, sl_exec_done_fn, void *, char *,
		       size_t) = SL_EXEC_OP(ops, 2, adopt);

	t->try_number = 1;
	t->handle = adopt ? adopt(inst, token, done, t, err, sizeof err) : NULL;
	if (!t->handle) {
		json_t *o = json_object();

		json_object_set_new(o, "task", json_integer(t->index));
		json_object_set_new(o, "adopt_error",
				    json_string(adopt ? err : "no adopt()"));
		print_json(o);
		t->finished = 1;
		finished++;
		return;
	}
	t->running = 1;
	t->started_ms = sl_mono_ms();
	running++;
	t->values_due = 1;
	if (!values_file)
		give_values(t);
	if (print_tokens) {
		json_t *o = json_object();

		json_object_set_new(o, "task", json_integer(t->index));
		json_object_set_new(o, "adopted", json_integer(1));
		print_json(o);
	}
}

/* Let every running try go on without us, and stop. */
static void detach_all(void)
{
	void (*detach)(void *, void *) = SL_EXEC_OP(ops, 2, detach);

	for (int i = 0; i < ntasks; i++) {
		struct driver_task *t = &tasks[i];
		json_t *o;

		if (!t->running || !detach)
			continue;
		detach(inst, t->handle);
		t->running = 0;
		t->handle = NULL;
		running--;
		o = json_object();
		json_object_set_new(o, "task", json_integer(t->index));
		json_object_set_new(o, "detached", json_integer(1));
		print_json(o);
	}
	event_base_loopexit(base, NULL);
}

static void start_more(void)
{
	if (nadopt > 0) {
		while (next_task < ntasks) {
			adopt_one(&tasks[next_task], adopt_tokens[next_task]);
			next_task++;
		}
		if (finished == ntasks)
			event_base_loopexit(base, NULL);
		return;
	}
	while (running < parallel && next_task < ntasks)
		start_one(&tasks[next_task++]);
	if (finished == ntasks)
		event_base_loopexit(base, NULL);
}

/* Every 20 ms: kills and retries whose condition has come true. */
static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
	int i;

	(void)fd;
	(void)what;
	(void)arg;
	if (detach_file && access(detach_file, F_OK) == 0) {
		detach_all();
		return;
	}
	for (i = 0; i < ntasks; i++) {
		struct driver_task *t = &tasks[i];

		if (t->running && t->values_due &&
		    access(values_file, F_OK) == 0)
			give_values(t);
		if (t->running && !t->killed && t->kill_file &&
		    access(t->kill_file, F_OK) == 0) {
			t->killed = 1;
			ops->kill(inst, t->handle, SL_KILL_CLEARED);
		}
		if (t->running && !t->killed && t->kill_after_ms >= 0 &&
		    sl_mono_ms() - t->started_ms >= t->kill_after_ms) {
			t->killed = 1;
			ops->kill(inst, t->handle, SL_KILL_TIMEOUT);
		}
		if (t->waiting_retry && running < parallel &&
		    sl_mono_ms() - t->failed_ms >= retry_delay_ms &&
		    access(retry_file, F_OK) == 0) {
			t->waiting_retry = 0;
			t->retries++;
			start_one(t);
		}
	}
	if (finished == ntasks)
		event_base_loopexit(base, NULL);
}

static void give_up_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fprintf(stderr, "exec_driver: gave up: %d of %d tasks unfinished\n",
		ntasks - finished, ntasks);
	exit(3);
}

static int parse_index_arg(const char *arg, int *index, const char **rest)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end != ':' || v < 0)
		return -1;
	*index = (int)v;
	*rest = end + 1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: exec_driver -c JSON [-p PLUGIN] [-n N] [-P P] "
		"[-L DIR] [-e K=V] [-d CWD] [-i STDIN] [-g MS] [-k I:FILE] "
		"[-t I:MS] [-r FILE] [-R MAX] [-w MS] [-s] [-D] [-T SECS] -- CMD...\n"
		"       exec_driver -C -c JSON\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *config = NULL, *plugin = NULL, *logdir = ".";
	const char *kill_files[64];
	int64_t kill_after[64];
	int opt, i, check = 0, describe = 0, limit_secs = 120;
	char err[SL_ERR_MSG];
	struct sl_err serr;
	struct event *poll_ev, *give_up_ev;
	struct timeval tv;
	long long v;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 64; i++) {
		kill_files[i] = NULL;
		kill_after[i] = -1;
	}
	ntasks = 1;
	while ((opt = getopt(argc, argv, "c:p:n:P:L:e:d:i:g:k:t:r:R:w:sDT:Coa:m:Kx:S:V:Y")) !=
	       -1) {
		int index;
		const char *rest;

		switch (opt) {
		case 'c': config = optarg; break;
		case 'p': plugin = optarg; break;
		case 'n':
			if (sl_parse_int(optarg, 1, 1000000, &v) < 0)
				usage();
			ntasks = (int)v;
			break;
		case 'P':
			if (sl_parse_int(optarg, 1, 100000, &v) < 0)
				usage();
			parallel = (int)v;
			break;
		case 'L': logdir = optarg; break;
		case 'e':
			extra_env = xreallocarray(extra_env,
						  (size_t)nextra_env + 1,
						  sizeof *extra_env);
			extra_env[nextra_env++] = optarg;
			break;
		case 'd': cwd = optarg; break;
		case 'i': stdin_data = optarg; break;
		case 'g':
			if (sl_parse_int(optarg, 0, 3600000, &v) < 0)
				usage();
			grace_ms = v;
			break;
		case 'k':
			if (parse_index_arg(optarg, &index, &rest) < 0 ||
			    index >= 64)
				usage();
			kill_files[index] = rest;
			break;
		case 't':
			if (parse_index_arg(optarg, &index, &rest) < 0 ||
			    index >= 64 ||
			    sl_parse_int(rest, 0, 86400000, &v) < 0)
				usage();
			kill_after[index] = v;
			break;
		case 'r': retry_file = optarg; break;
		case 'R':
			if (sl_parse_int(optarg, 0, 100, &v) < 0)
				usage();
			max_retries = (int)v;
			break;
		case 'w':
			if (sl_parse_int(optarg, 0, 3600000, &v) < 0)
				usage();
			retry_delay_ms = v;
			break;
		case 's': argv0_is_sluice = 1; break;
		case 'D': describe = 1; break;
		case 'T':
			if (sl_parse_int(optarg, 1, 86400, &v) < 0)
				usage();
			limit_secs = (int)v;
			break;
		case 'C': check = 1; break;
		case 'o': print_tokens = 1; break;
		case 'K': keep_children = 1; break;
		case 'x': detach_file = optarg; break;
		case 'm':
			if (sl_parse_int(optarg, -1, 1LL << 50, &v) < 0)
				usage();
			log_max = v;
			break;
		case 'a':
			adopt_tokens = xreallocarray(adopt_tokens,
						     (size_t)nadopt + 1,
						     sizeof *adopt_tokens);
			adopt_tokens[nadopt++] = optarg;
			break;
		case 'S':
			secrets = xreallocarray(secrets, (size_t)nsecrets + 2,
						sizeof *secrets);
			secrets[nsecrets++] = optarg;
			secrets[nsecrets] = NULL;
			break;
		case 'V': values_file = optarg; break;
		case 'Y': say_recorded = 1; break;
		default: usage();
		}
	}
	if (!config)
		usage();
	if (check) {
		if (exec_ssh_check(config, stdout, &serr) < 0) {
			printf("check failed: %s\n", serr.msg);
			return 1;
		}
		return 0;
	}
	if (optind >= argc && nadopt == 0)
		usage();
	task_argv = argv + optind;
	if (nadopt > 0)
		ntasks = nadopt;

	ops = &exec_ssh_ops;
	{
		json_t *c = json_loads(config, 0, NULL);
		const char *type = json_string_value(json_object_get(c, "type"));

		if (type && strcmp(type, "local") == 0)
			ops = &exec_local_ops;
		json_decref(c);
	}
	if (plugin && executor_plugin_load(plugin, &ops, &serr) < 0) {
		fprintf(stderr, "exec_driver: %s\n", serr.msg);
		return 1;
	}
	base = event_base_new();
	inst = ops->create(base, "test", config, err, sizeof err);
	if (!inst) {
		fprintf(stderr, "exec_driver: %s\n", err);
		return 1;
	}
	if (!parallel || parallel > ops->slots(inst))
		parallel = ops->slots(inst);
	tasks = xcalloc((size_t)ntasks, sizeof *tasks);
	for (i = 0; i < ntasks; i++) {
		tasks[i].index = i;
		tasks[i].log_path = xasprintf("%s/task-%d.log", logdir, i);
		tasks[i].kill_file = i < 64 ? (char *)kill_files[i] : NULL;
		tasks[i].kill_after_ms = i < 64 ? kill_after[i] : -1;
	}
	poll_ev = event_new(base, -1, EV_PERSIST, poll_cb, NULL);
	tv.tv_sec = 0;
	tv.tv_usec = 20000;
	event_add(poll_ev, &tv);
	give_up_ev = evtimer_new(base, give_up_cb, NULL);
	tv.tv_sec = limit_secs;
	tv.tv_usec = 0;
	event_add(give_up_ev, &tv);

	start_more();
	if (finished < ntasks)
		event_base_dispatch(base);
	if (describe) {
		char line[4096];
		json_t *o = json_object();

		if (ops->describe) {
			ops->describe(inst, line, sizeof line);
			json_object_set_new(o, "describe", json_string(line));
		}
		print_json(o);
	}
	event_free(poll_ev);
	event_free(give_up_ev);
	/* -Y: the last ends' recorded() before the executor goes */
	event_base_loop(base, EVLOOP_NONBLOCK);
	ops->destroy(inst);
	/* Let callbacks that executors left on the loop (none expected)
	 * run before the base goes. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
	for (i = 0; i < ntasks; i++)
		free(tasks[i].log_path);
	free(tasks);
	free(extra_env);
	free(adopt_tokens);
	free(secrets);
	return 0;
}
