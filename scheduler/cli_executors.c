/* cli_executors.c: `sluice executors [check NAME]`: the executors named in
 * the config file, their hosts, health and slots; `sluice pools`: the
 * pools of the config file and the slots their tries hold. */
#include "scheduler/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/json.h"
#include "scheduler/config.h"
#include "scheduler/wait.h"
#include "store/store.h"
#include "executors/registry.h"
#include "executors/ssh.h"

static char *
executor_json(const json_t *conf)
{
	json_t *clean = json_entry_plain(conf);
	char *text;

	text = json_dumps(clean, JSON_COMPACT);
	json_decref(clean);
	return text;
}

/* Make the executors of the config as the scheduler would; on an error
 * (the one the scheduler would refuse to start with) print it. */
static int
executors_create(struct cli *c, struct event_base *base,
		 struct executor_set *set)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (registry_create(base, c->cfg->executors, c->cfg->file, set, &err) < 0) {
		cli_error(err.msg);
		return -1;
	}
	return 0;
}

/* Counting the task instances that hold an executor's slots. */
struct busy {
	const struct dagbag *bag;
	json_t *out;		/* the listing: [{name, running, queued, hosts}] */
};

static void
busy_add(void *arg, const char *dag_name, const char *task_name,
	 const char *executor, const char *host, int running, int64_t n)
{
	struct busy *b = arg;
	const struct dag *d = dagbag_find(b->bag, dag_name);
	const struct task *t = d != NULL ? dag_task((struct dag *)d, task_name) : NULL;
	size_t i;
	json_t *o;

	if (t != NULL && wait_task_in_loop(t))
		return;		/* a sensor poking in the loop holds no slot */
	/* where a running try runs; where a queued one will */
	if (t != NULL && (!running || executor == NULL))
		executor = t->executor;
	if (executor == NULL)
		return;
	json_array_foreach(b->out, i, o) {
		const char *field = running ? "running" : "queued";

		if (strcmp(json_string_value(json_object_get(o, "name")), executor) != 0)
			continue;
		json_object_set_new(o, field, json_integer(json_integer_value(json_object_get(o, field)) + n));
		if (running && host != NULL && strcmp(json_string_value(json_object_get(o, "type")), "ssh") == 0) {
			json_t *hosts = json_object_get(o, "hosts");

			json_object_set_new(hosts, host,
					    json_integer(json_integer_value(json_object_get(hosts, host)) + n));
		}
		return;
	}
}

static int
executors_run(struct cli *c, const struct cli_args *args)
{
	int argc = args->npos + 1;
	char *const *pos = args->pos;
	struct event_base *base;
	struct executor_set set;
	struct sl_err err;
	json_t *out;

	/* a word that is no subcommand is a usage error, home or not */
	if (argc > 1 && strcmp(pos[0], "check") != 0) {
		static const char *const subs[] = { "check", NULL };
		static const char *const synonyms[] = { "test", "check", "ping", "check", NULL };

		return cli_unknown_sub(&cli_executors, pos[0], subs, synonyms);
	}
	if (cli_open(c, 0, 0) < 0 || cli_need_home(c) < 0)
		return EXIT_HOME;
	if (argc >= 2 && strcmp(pos[0], "check") == 0) {
		json_t *conf;
		const char *type;
		char *text;
		int r;

		if (argc != 3)
			return cli_usage(&cli_executors, "check needs one executor NAME");
		conf = json_object_get(c->cfg->executors, pos[1]);
		if (conf == NULL) {
			cli_errorf("no executor '%s' in %s", pos[1], c->cfg->file);
			return EXIT_USAGE;
		}
		/* a config error first, said as the scheduler says it */
		base = event_base_new();
		r = executors_create(c, base, &set);
		if (r == 0)
			registry_destroy(&set);
		event_base_free(base);
		if (r < 0)
			return EXIT_HOME;
		type = json_string_value(json_object_get(conf, "type"));
		if (type == NULL || strcmp(type, "ssh") != 0) {
			printf("%s: %s executor, nothing to connect to\n", pos[1], type ? type : "local");
			return 0;
		}
		text = executor_json(conf);
		sl_err_clear(&err);
		r = exec_ssh_check(text, stdout, &err);
		free(text);
		if (r < 0) {
			cli_error(err.msg);
			return EXIT_FAILED;
		}
		return 0;
	}

	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	base = event_base_new();
	/* an executors: block the scheduler refuses too: a config error */
	if (executors_create(c, base, &set) < 0) {
		event_base_free(base);
		return EXIT_HOME;
	}
	out = json_array();
	for (int i = 0; i < set.n; i++)
		json_array_append_new(out, json_pack("{s:s,s:s,s:i,s:i,s:i,s:o}", "name", set.v[i].name,
		    "type", set.v[i].ops->type, "slots", set.v[i].slots, "running", 0, "queued", 0,
		    "hosts", json_object()));
	/* what holds the slots comes from the database, which the running
	 * scheduler keeps: this process's own executors have run nothing */
	if (store_tis_on_executors(c->store, busy_add, &(struct busy){ &c->bag, out }) < 0) {
		fprintf(stderr, "sluice: reading the running tries failed: %s\n", store_errmsg(c->store));
		json_decref(out);
		registry_destroy(&set);
		event_base_free(base);
		return EXIT_HOME;
	}
	if (c->json)
		cli_print_json(out);
	else {
		size_t i;
		json_t *o;

		printf("%-16s %-8s %-6s %-8s %-7s %s\n", "EXECUTOR", "TYPE", "SLOTS", "RUNNING", "QUEUED",
		       "HOSTS");
		json_array_foreach(out, i, o) {
			json_t *hosts = json_object_get(o, "hosts"), *n;
			const char *host;
			struct buf b;

			buf_init(&b, 0);
			json_object_foreach(hosts, host, n)
				buf_printf(&b, "%s%s: %lld running", b.len ? ", " : "", host,
					   (long long)json_integer_value(n));
			printf("%-16s %-8s %-6lld %-8lld %-7lld %s\n", json_string_value(json_object_get(o, "name")),
			       json_string_value(json_object_get(o, "type")),
			       (long long)json_integer_value(json_object_get(o, "slots")),
			       (long long)json_integer_value(json_object_get(o, "running")),
			       (long long)json_integer_value(json_object_get(o, "queued")),
			       b.len ? buf_str(&b) : "-");
			buf_free(&b);
		}
		if (cli_scheduler_running(c))
			printf("(a scheduler is running on this home's database; RUNNING and QUEUED are its tries)\n");
		else
			printf("(no scheduler is running on this home's database: RUNNING and QUEUED are the tries "
			       "it last recorded, which the next one follows or ends)\n");
		printf("(`sluice executors check NAME` connects to every host of an ssh executor)\n");
	}
	json_decref(out);
	registry_destroy(&set);
	event_base_free(base);
	return 0;
}

const struct cli_verb cli_executors = {
	"executors", "list executors; check an ssh executor's hosts",
	"\n"
	"check NAME",
	"Without arguments: every executor of sluice.yaml, its type and slots,\n"
	"and the task instances holding them as the database records them\n"
	"(RUNNING, QUEUED; an ssh executor's running ones per host).\n"
	"`check NAME` connects to every host of executor NAME (host key,\n"
	"login, sluice on the host) and reports per host; exits 1 if any host\n"
	"fails. Both first check the executors: block as the scheduler does: a\n"
	"mistake there (an unknown key, a bad value, a key file that cannot be\n"
	"read) is reported with the file, line and column of its key, exit 3.\n",
	NULL,
	executors_run,
};

/* Counting the slots the tries of each pool hold, as the dispatcher
 * counts them (sched_dispatch.c: queued and running, pool_slots each). */
static void
pool_busy_add(void *arg, const char *dag_name, const char *task_name,
	      const char *executor, const char *host, int running, int64_t n)
{
	struct busy *b = arg;
	const struct dag *d = dagbag_find(b->bag, dag_name);
	const struct task *t = d != NULL ? dag_task((struct dag *)d, task_name) : NULL;
	const char *field = running ? "running" : "queued";
	json_t *o;

	(void)executor;
	(void)host;
	if (t == NULL || wait_task_in_loop(t))
		return;		/* a task gone from its DAG: its pool unknown */
	for (size_t i = 0; (o = json_array_get(b->out, i)) != NULL; i++) {
		if (strcmp(json_string_value(json_object_get(o, "name")), t->pool) != 0)
			continue;
		json_object_set_new(o, field, json_integer(
		    json_integer_value(json_object_get(o, field)) + n));
		json_object_set_new(o, "used", json_integer(
		    json_integer_value(json_object_get(o, "used")) + n * t->pool_slots));
		return;
	}
}

static int
pools_run(struct cli *c, const struct cli_args *args)
{
	const char *name;
	json_t *out, *slots, *o;
	size_t i;

	if (args->npos > 0)
		return cli_usage(&cli_pools, "unexpected argument '%s'", args->pos[0]);
	if (cli_open(c, 1, 1) < 0)
		return EXIT_HOME;
	out = json_array();
	json_object_foreach(c->cfg->pools, name, slots)
		json_array_append_new(out, json_pack("{s:s,s:I,s:i,s:i,s:i}", "name", name,
		    "slots", (json_int_t)json_integer_value(slots), "used", 0,
		    "running", 0, "queued", 0));
	if (store_tis_on_executors(c->store, pool_busy_add, &(struct busy){ &c->bag, out }) < 0) {
		fprintf(stderr, "sluice: reading the running tries failed: %s\n", store_errmsg(c->store));
		json_decref(out);
		return EXIT_HOME;
	}
	if (c->json) {
		cli_print_json(out);
		json_decref(out);
		return 0;
	}
	printf("%-20s %-6s %-6s %-8s %s\n", "POOL", "SLOTS", "USED", "RUNNING", "QUEUED");
	json_array_foreach(out, i, o)
		printf("%-20s %-6lld %-6lld %-8lld %lld\n",
		       json_string_value(json_object_get(o, "name")),
		       (long long)json_integer_value(json_object_get(o, "slots")),
		       (long long)json_integer_value(json_object_get(o, "used")),
		       (long long)json_integer_value(json_object_get(o, "running")),
		       (long long)json_integer_value(json_object_get(o, "queued")));
	if (cli_scheduler_running(c))
		printf("(a scheduler is running on this home's database; USED, RUNNING and QUEUED are its tries)\n");
	else
		printf("(no scheduler is running on this home's database: USED, RUNNING and QUEUED are the "
		       "tries it last recorded, which the next one follows or ends)\n");
	json_decref(out);
	return 0;
}

const struct cli_verb cli_pools = {
	"pools", "list pools: their slots and the slots in use",
	"",
	"Every pool of sluice.yaml (pools:) with its slots, the slots its\n"
	"tries hold (USED: each queued or running try holds its task's\n"
	"pool_slots, as the scheduler counts them) and how many tries are\n"
	"RUNNING and QUEUED, as the database records them. A sensor that pokes\n"
	"from the scheduler's loop holds no slot. Pools are set in sluice.yaml\n"
	"and picked by a task's pool: (default: default); `sluice tasks` says\n"
	"when a task instance waits for a full pool. --json gives\n"
	"[{name, slots, used, running, queued}].\n",
	NULL,
	pools_run,
};
