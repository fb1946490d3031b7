/* cli_run.c: `sluice test`, `sluice scheduler`, `sluice standalone`. */
#include "scheduler/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "base/log.h"
#include "base/notify.h"
#include "operators/operator.h"
#include "scheduler/config.h"
#include "scheduler/cron.h"
#include "scheduler/dag.h"
#include "scheduler/dag_map.h"
#include "scheduler/partition.h"
#include "scheduler/sched.h"
#include "scheduler/template.h"
#include "store/store.h"
#include "scheduler/tz.h"
#include "web/web.h"

/* The task `sluice test` runs: NAME, or NAME[N] for item N of a mapped
 * task's literal list; a mapped task needs an item (NAME[N] or --item
 * TEXT), another takes none. *item gets the item (the caller decrefs),
 * name "NAME[N]" (for --item, N is its place in a literal list, else
 * 0). NULL after printing why. */
static struct task *
test_task(struct dag *d, const char *arg, const char *item_text, json_t **item,
	  char *name, size_t namelen)
{
	const char *br = strchr(arg, '[');
	long long idx = -1;
	struct task *t;

	*item = NULL;
	if (br != NULL) {
		struct sl_err err;
		int index;

		/* NAME[N]: the messages of every verb that takes a task (no
		 * such task, not a mapped task, not an item's name) */
		sl_err_clear(&err);
		if (partition_task_check(NULL, d, arg, NULL, &err) < 0 ||
		    (t = dag_map_item_task(d, arg, &index)) == NULL) {
			cli_error(err.msg[0] != '\0' ? err.msg : "no such task");
			return NULL;
		}
		idx = index;
	} else if ((t = dag_task(d, arg)) == NULL) {
		struct sl_err err;

		/* the message names the one meant, or the DAG's tasks */
		sl_err_clear(&err);
		partition_task_check(NULL, d, arg, NULL, &err);
		cli_error(err.msg[0] != '\0' ? err.msg : "no such task");
		return NULL;
	}
	if (!t->mapped) {
		if (item_text != NULL) {
			fprintf(stderr, "sluice: task %s is not a mapped task (no foreach:), so it has no items\n",
				t->name);
			return NULL;
		}
		return t;
	}
	if (item_text != NULL) {
		/* JSON when it reads as JSON, else the text as a string */
		*item = json_loads(item_text, JSON_DECODE_ANY, NULL);
		if (*item == NULL)
			*item = json_string(item_text);
		/* an item of its literal list is named by its place there, as
		 * the scheduler names it */
		for (size_t i = 0; *item != NULL && t->foreach_list != NULL &&
		     i < json_array_size(t->foreach_list); i++)
			if (json_equal(json_array_get(t->foreach_list, i), *item)) {
				idx = (long long)i;
				break;
			}
	} else if (br != NULL && t->foreach_list != NULL) {
		json_t *v = json_array_get(t->foreach_list, (size_t)idx);

		if (v == NULL) {
			fprintf(stderr, "sluice: task %s has %zu item%s (0 to %zu): no item %lld\n",
				t->name, json_array_size(t->foreach_list),
				json_array_size(t->foreach_list) == 1 ? "" : "s",
				json_array_size(t->foreach_list) - 1, idx);
			return NULL;
		}
		*item = json_incref(v);
	} else if (t->foreach_list != NULL) {
		fprintf(stderr, "sluice: task %s is mapped (foreach:): name one item, %s[N] (from its list), "
			"or give it with --item VALUE\n", t->name, t->name);
		return NULL;
	} else {
		/* a template or an upstream's output: the list exists only
		 * in a run, so N names nothing here */
		fprintf(stderr, "sluice: task %s is mapped (foreach:) over a list known only in a run "
			"(not a literal list, so %s names no item here): give the item with --item VALUE\n",
			t->name, br != NULL ? arg : "TASK[N]");
		return NULL;
	}
	if (*item == NULL) {
		fprintf(stderr, "sluice: out of memory\n");
		return NULL;
	}
	snprintf(name, namelen, "%s[%lld]", t->name, idx < 0 ? 0 : idx);
	return t;
}

/* --output TASK.KEY=VALUE...: {TASK: {KEY: "VALUE"}}, as a run holds
 * what its upstream tasks wrote (NULL when none is given). TASK is a
 * task of d (a name may hold dots: the longest that is one). -1 after
 * printing why. */
static int
test_outputs(const struct cli_args *args, const struct dag *d, json_t **out)
{
	char *const *kvs = cli_opt_all(args, "output", NULL);

	*out = NULL;
	for (int i = 0; kvs != NULL && kvs[i] != NULL; i++) {
		const char *kv = kvs[i], *eq = strchr(kv, '=');
		char task[256] = "", *key = NULL;
		json_t *o;

		for (const char *dot = kv; eq != NULL && dot < eq; dot++) {
			if (*dot != '.' || dot == kv || (size_t)(dot - kv) >= sizeof task)
				continue;
			snprintf(task, sizeof task, "%.*s", (int)(dot - kv), kv);
			if (dag_task(d, task) != NULL && dot + 1 < eq) {
				free(key);
				key = xstrndup(dot + 1, (size_t)(eq - dot - 1));
			}
		}
		if (key == NULL) {
			json_decref(*out);
			*out = NULL;
			cli_usage(&cli_test, "--output takes TASK.KEY=VALUE with TASK a task of DAG %s, got '%s'",
				  d->name, kv);
			return -1;
		}
		/* the task: the prefix before the key found last */
		snprintf(task, sizeof task, "%.*s", (int)(eq - kv - strlen(key) - 1), kv);
		if (*out == NULL)
			*out = json_object();
		if ((o = json_object_get(*out, task)) == NULL) {
			o = json_object();
			json_object_set_new(*out, task, o);
		}
		json_object_set_new(o, key, json_string(eq + 1));
		free(key);
	}
	return 0;
}

/* test_refs's walk: every tasks.NAME.output.KEY of a text, as
 * " --output NAME.KEY=VALUE" once each. */
struct test_refs {
	const char *text;
	struct buf *out;
};

static int
test_ref(void *arg, const char *task, size_t off)
{
	struct test_refs *w = arg;
	const char *key = w->text + off + strlen("tasks.") + strlen(task) +
			  strlen(".output.");
	char one[512];

	snprintf(one, sizeof one, " --output %s.%.*s=VALUE", task,
		 (int)strcspn(key, " \t\r\n|}"), key);
	if (strstr(buf_str(w->out), one) == NULL)
		buf_adds(w->out, one);
	return 0;
}

/* The outputs the templates of v (a string, or JSON of them) read. */
static void
test_refs(const json_t *v, struct buf *out)
{
	const json_t *x;
	const char *k;
	size_t i;

	if (json_is_string(v)) {
		struct test_refs w = { json_string_value(v), out };

		tmpl_output_refs(w.text, test_ref, &w);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			test_refs(x, out);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			test_refs(x, out);
	}
}

static int
test_run(struct cli *c, const struct cli_args *args)
{
	char *const *argv = args->pos;
	int argc = args->npos;
	struct dag *d;
	int dag_rc = 0;
	struct task *t;
	int64_t start, end, now = sl_now_ms() / 1000;
	char key[PARTITION_KEY_MAX];
	struct partition p;
	struct partition_notes notes;
	struct sl_err err;
	json_t *given, *checked, *params, *item = NULL, *outputs = NULL;
	char task_name[256] = "";
	int r;

	if (argc < 2 || argc > 3)
		return cli_usage(&cli_test, "needs DAG, TASK and optionally PARTITION");
	if (cli_opt_params(&cli_test, args, &given) < 0)
		return EXIT_USAGE;
	if (cli_open(c, 1, 1) < 0 || (dag_rc = cli_dag_file(c, argv[0], &d)) != 0) {
		json_decref(given);
		return dag_rc != 0 ? dag_rc : EXIT_HOME;
	}
	/* no such task or item: an input error, as a partition is */
	if ((t = test_task(d, argv[1], cli_opt_str(args, "item"), &item,
			   task_name, sizeof task_name)) == NULL ||
	    test_outputs(args, d, &outputs) < 0) {
		json_decref(given);
		json_decref(item);
		return EXIT_USAGE;
	}
	sl_err_clear(&err);
	/* checked as a trigger's, then over the defaults as a run's are */
	checked = dag_params_check(d, given, &err);
	json_decref(given);
	if (checked == NULL) {
		cli_params_error(&err);
		json_decref(item);
		json_decref(outputs);
		return EXIT_USAGE;
	}
	params = json_deep_copy(d->params);
	json_object_update(params, checked);
	json_decref(checked);
	/* a test records nothing: a partition before the DAG's start or
	 * past its end is tested too, with a note */
	partition_notes_init(&notes);
	if (partition_resolve_one(c->store, d, argc == 3 ? argv[2] : NULL, now,
				  PARTITION_TICKS, &p, &notes, &err) < 0) {
		cli_error(err.msg);
		json_decref(params);
		json_decref(item);
		json_decref(outputs);
		return EXIT_USAGE;
	}
	cli_partition_notes(&notes);
	snprintf(key, sizeof key, "%s", p.key);
	start = p.start_s;
	end = p.end_s;
	fprintf(stderr, "sluice test: %s %s partition %s (nothing is recorded)\n",
		d->name, item != NULL ? task_name : t->name, key);
	if (t->timeout_ms > 0 && !operator_is_sensor(t->op)) {
		char dur[32];

		fprintf(stderr, "sluice test: note: its timeout (%s) is not applied here: "
			"the test runs until the task ends (Ctrl-C stops it); "
			"the scheduler kills a try that runs longer\n",
			sl_format_duration(t->timeout_ms, dur, sizeof dur));
	}
	r = sched_test_task(c->cfg, d, t, key, start, end, params, item,
			    item != NULL ? task_name : NULL, outputs, &err);
	json_decref(params);
	json_decref(item);
	json_decref(outputs);
	if (r < 0) {
		cli_error(err.msg);
		/* a test runs no upstream task: nothing wrote what it reads */
		if (t->uses_outputs) {
			struct buf refs;

			buf_init(&refs, 0);
			test_refs(t->options, &refs);
			test_refs(t->env, &refs);
			fprintf(stderr, "sluice test: a test runs no upstream task: give the "
				"outputs it reads with --output TASK.KEY=VALUE%s%s\n",
				refs.len ? ":" : "", buf_str(&refs));
			buf_free(&refs);
		}
		return EXIT_FAILED;
	}
	if (r == OP_POKE_NOT_YET_EXIT && t->op != NULL && t->op->poke_start != NULL)
		fprintf(stderr, "sluice test: %s: not yet (status %d): the sensor's "
			"condition does not hold; the scheduler would poke again\n",
			item != NULL ? task_name : t->name, r);
	else if (r != 0)
		fprintf(stderr, "sluice test: %s exited with status %d\n",
			item != NULL ? task_name : t->name, r);
	return r;
}

static const struct cli_opt test_opts[] = {
	{ "param", 0, "NAME=VALUE", "a declared param's value for this test (repeat; read as its declared type)" },
	{ "item", 0, "VALUE", "a mapped task's item for {{ item }} (JSON, else the text itself)" },
	{ "output", 0, "TASK.KEY=VALUE", "a value an upstream task would have written, for {{ tasks.TASK.output.KEY }} (repeat)" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_test = {
	"test", "run one task in the foreground, recording nothing",
	"DAG TASK[N] [PARTITION] [--param NAME=VALUE]... [--item VALUE] [--output TASK.KEY=VALUE]...",
	"Renders the task for the partition (default: the latest complete one;\n"
	"a key, a time naming the partition that holds it, or a date naming the\n"
	"one partition starting that day) and runs it here with its output on\n"
	"this terminal. No state is recorded and upstream tasks are not checked;\n"
	"the task's timeout: is not applied (a note says so).\n"
	"Exits with the task's status; a sensor pokes once: 0 when its condition\n"
	"holds, 99 when not yet.\n"
	"--param sets a declared param as `trigger --param` does (checked the\n"
	"same way; the others take their defaults); a param without a default\n"
	"must be given.\n"
	"A mapped task (foreach:) runs one item: TASK[N] takes item N of a\n"
	"literal foreach list (from 0), --item gives the item itself (JSON, or\n"
	"the text as a string) for a list that comes from a template or an\n"
	"upstream's output.\n"
	"--output gives what an upstream task would have written to\n"
	"$SLUICE_OUTPUT, for the task's {{ tasks.TASK.output.KEY }}.\n",
	test_opts,
	test_run,
};

static int
serve(struct cli *c, const struct cli_args *args, int with_web)
{
	struct event_base *base;
	struct event_config *ec;
	struct sched *s = NULL;
	struct sl_err err;
	char msg[2048];
	struct web *web = NULL;
	const char *bind = NULL;
	char *pidfile;
	long long port = -1;
	int rc = 0;

	if (args->npos > 0)
		return cli_usage(args->verb, "unexpected argument '%s'", args->pos[0]);
	if (with_web) {
		bind = cli_opt_str(args, "bind");
		if ((rc = cli_opt_int(args, "port", 0, 65535, &port)) != 0)
			return rc;
	}
	/* before any child: the tries do not get $NOTIFY_SOCKET */
	sl_notify_init();
	if (cli_open(c, 0, 0) < 0 || cli_need_home(c) < 0)
		return EXIT_HOME;
	if (cli_home_owner_check(c, args->verb->name) < 0 ||
	    cli_scheduler_lock(c) < 0)
		return EXIT_HOME;
	if (port >= 0)
		c->cfg->web_port = (int)port;
	if (bind != NULL) {
		free(c->cfg->web_bind);
		c->cfg->web_bind = xstrdup(bind);
	}
	config_default_base_url(c->cfg);
	signal(SIGPIPE, SIG_IGN);
	ec = event_config_new();
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	event_base_priority_init(base, 2);
	sl_err_clear(&err);
	if (sched_new(c->cfg, base, &s, &err) < 0) {
		c->cfg = NULL;	/* owned (and freed) by the scheduler */
		cli_error(sl_err_str(&err, msg, sizeof msg));
		event_base_free(base);
		return EXIT_HOME;
	}
	{
		struct config *cfg = c->cfg;

		c->cfg = NULL;
		if (sched_start(s, &err) < 0) {
			cli_error(sl_err_str(&err, msg, sizeof msg));
			sched_free(s);
			event_base_free(base);
			return EXIT_HOME;
		}
		if (with_web && web_start(base, cfg, s, &web, &err) < 0) {
			cli_error(sl_err_str(&err, msg, sizeof msg));
			sched_free(s);
			event_base_free(base);
			return EXIT_HOME;
		}
	}
	sched_set_drain(s, cli_opt_flag(args, "drain"));
	sched_set_serves_web(s, with_web);
	/* started: the DAGs loaded, the port bound (an init script waits
	 * for the pid file, systemd for READY=1) */
	if (cli_serve_loop(args, base, &pidfile) < 0)
		rc = EXIT_HOME;
	else if (sched_db_gone(s))
		rc = EXIT_FAILED;
	if (web != NULL)
		web_stop(web);
	sched_free(s);
	event_base_free(base);
	cli_pidfile_remove(pidfile);
	/* the last line of the scheduler's log (log_file: when set), after
	 * a stop or a drain alike */
	log_emit(LOG_LEVEL_INFO, NULL, "scheduler stopped");
	return rc;
}

static int
scheduler_run(struct cli *c, const struct cli_args *args)
{
	return serve(c, args, 0);
}

static int
standalone_run(struct cli *c, const struct cli_args *args)
{
	return serve(c, args, 1);
}

static const struct cli_opt scheduler_opts[] = {
	{ "drain", 0, NULL, "on SIGTERM, wait for running tries to end first" },
	{ "pidfile", 0, "FILE", "write the process id to FILE once started; removed at exit" },
	{ NULL, 0, NULL, NULL },
};

#define PIDFILE_HELP \
	"--pidfile FILE writes the process id to FILE once it has started (its\n" \
	"DAGs loaded, its port bound) and removes it when it exits: the Debian\n" \
	"package's init script starts it so and waits for the file, so a start\n" \
	"that fails is reported as failed however long it took. Started by\n" \
	"systemd (the units are Type=notify), it sends READY=1 at that point.\n"

#define SERVE_STOP_HELP \
	"On SIGTERM or Ctrl-C it starts no new tries and exits at once: running\n" \
	"tries keep running (a local try under its supervisor, sluice-try), and\n" \
	"the next scheduler on this home adopts them and records how they ended,\n" \
	"also when they ended in between. Tries of an executor that cannot let\n" \
	"them go are stopped (they retry by their retries). With --drain it first\n" \
	"waits for the running tries to end and records them; a second SIGTERM\n" \
	"while it waits stops without waiting, as above. A scheduler killed with\n" \
	"SIGKILL leaves its tries running the same way.\n" \
	"\n" \
	"It checks every second that its database file is still the one it\n" \
	"opened: deleted or replaced under it, it logs so and stops with exit 1\n" \
	"(what it wrote on would be lost); while its lock is held, other\n" \
	"commands refuse to make a new database in the deleted one's place.\n" \
	"\n" \
	"SIGHUP opens log_file again (logrotate) and reloads sluice.yaml: the\n" \
	"log names the keys applied and those that take a restart; a file that\n" \
	"does not load is logged with its file, line and column, and the running\n" \
	"settings stay. Under systemd: systemctl reload sluice-scheduler; with\n" \
	"the Debian package's init script: service sluice-scheduler reload.\n" \
	"\n" \
	PIDFILE_HELP

const struct cli_verb cli_scheduler = {
	"scheduler", "run the scheduler (until SIGTERM or Ctrl-C)",
	"[--drain] [--pidfile FILE]",
	"Loads the DAG folder (and reloads files as they change), creates runs for\n"
	"due partitions, and runs tasks through their executors. One scheduler per\n"
	"home. Run as the user who owns the home: root is refused on a home\n"
	"another user owns (the files it made there would not be that user's).\n"
	"\n"
	SERVE_STOP_HELP,
	scheduler_opts,
	scheduler_run,
};

static const struct cli_opt serve_opts[] = {
	{ "port", 0, "N", "the web port (overrides web.port of sluice.yaml)" },
	{ "bind", 0, "ADDR", "the web address (overrides web.bind)" },
	{ "drain", 0, NULL, "on SIGTERM, wait for running tries to end first" },
	{ "pidfile", 0, "FILE", "write the process id to FILE once started; removed at exit" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_standalone = {
	"standalone", "run the scheduler and the web UI in one process",
	"[--port N] [--bind ADDR] [--drain] [--pidfile FILE]",
	"The scheduler plus the web UI and REST API on the same event loop.\n"
	"--port and --bind override web.port and web.bind of sluice.yaml\n"
	"(default 127.0.0.1:8080).\n"
	"\n"
	SERVE_STOP_HELP,
	serve_opts,
	standalone_run,
};
