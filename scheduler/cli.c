/* cli.c: the verb table, global options, and what verbs share. Past 800
 * lines: what every verb asks before it acts (the home and its owner, the
 * database and its scheduler, a DAG and its notes) is kept in one place
 * so that verbs cannot drift apart again. */
#include "scheduler/cli.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "build-config.h"
#include "base/log.h"
#include "base/notify.h"
#include "base/text.h"
#include "scheduler/config.h"
#include "store/store.h"
#include "scheduler/partition.h"
#include "scheduler/tz.h"

/* Every verb, in the order `sluice --help` lists them. */
const struct cli_verb *const cli_verbs[] = {
	&cli_init,
	&cli_dags,
	&cli_trigger,
	&cli_backfill,
	&cli_backfills,
	&cli_clear,
	&cli_mark,
	&cli_runs,
	&cli_status,
	&cli_tasks,
	&cli_logs,
	&cli_test,
	&cli_scheduler,
	&cli_standalone,
	&cli_executors,
	&cli_pools,
	&cli_webhooks,
	&cli_web,
	&cli_users,
	&cli_db,
	NULL,
};

/* Verbs for other programs, not listed by `sluice --help`. */
const struct cli_verb *const cli_tool_verbs[] = {
	&cli_operator,
	&cli_man,
	&cli_complete,
	NULL,
};

const struct cli_exit_code cli_exit_codes[] = {
	{ 0, "success (a listing that matches nothing included)" },
	{ EXIT_FAILED, "what was asked for failed: a run failed (with --wait), a DAG file has errors (dags validate, or the file of the DAG named), a host check failed" },
	{ EXIT_USAGE, "a usage or input error: unknown verb or option, a bad argument; a DAG, task, partition, executor or backfill that does not exist; a DAG without a schedule given to a verb that needs one (backfill, status, dags next); a clear that matches no task instance" },
	{ EXIT_HOME, "the home cannot be used: not a sluice home, an error in its sluice.yaml (executors: included), a database it cannot open or newer than this sluice" },
	{ 0, NULL },
};

static const struct cli_verb *
verb_find(const char *name)
{
	for (size_t i = 0; cli_verbs[i] != NULL; i++)
		if (strcmp(cli_verbs[i]->name, name) == 0)
			return cli_verbs[i];
	for (size_t i = 0; cli_tool_verbs[i] != NULL; i++)
		if (strcmp(cli_tool_verbs[i]->name, name) == 0)
			return cli_tool_verbs[i];
	return NULL;
}

static void usage_all(FILE *f);

/* "did you mean 'VERB'? " for a word close to a verb's name, else "" */
static const char *
verb_hint(const char *word, char *out, size_t n)
{
	struct text_near near;

	text_near_init(&near, word);
	for (size_t i = 0; cli_verbs[i] != NULL; i++)
		text_near_add(&near, cli_verbs[i]->name);
	for (size_t i = 0; cli_tool_verbs[i] != NULL; i++)
		text_near_add(&near, cli_tool_verbs[i]->name);
	return text_hint(text_near_best(&near), out, n);
}

/* "sluice: unknown verb 'WORD'" and the hint, then the usage */
static void
unknown_verb(const char *word)
{
	char hint[96];

	verb_hint(word, hint, sizeof hint);
	if (hint[0] != '\0')
		hint[strlen(hint) - 1] = '\0';		/* no trailing space */
	cli_errorf("unknown verb '%s'%s%s%s\n", word,
		   hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
	usage_all(stderr);
}

static void
usage_all(FILE *f)
{
	fprintf(f,
		"usage: sluice [--home DIR] [--json] VERB [ARGS...]\n"
		"\n"
		"sluice runs data pipelines: YAML DAGs of tasks over partitions of time,\n"
		"scheduled, retried, cleared and re-run, with state in SQLite.\n"
		"\n"
		"Verbs:\n");
	for (size_t i = 0; cli_verbs[i] != NULL; i++)
		fprintf(f, "  %-12s %s\n", cli_verbs[i]->name, cli_verbs[i]->summary);
	fprintf(f,
		"\n"
		"Options for every verb:\n"
		"  --home DIR   the sluice home (config, database, dags/, logs/);\n"
		"               default $SLUICE_HOME, else " SLUICE_DEFAULT_HOME_DOC "\n"
		"  --json       listings as JSON\n"
		"\n"
		"Exit status:\n");
	for (size_t i = 0; cli_exit_codes[i].doc != NULL; i++) {
		const char *doc = cli_exit_codes[i].doc;

		/* the doc wrapped under itself */
		cli_print_wrapped(f, fprintf(f, "  %d  ", cli_exit_codes[i].code),
				  5, doc, strlen(doc));
	}
	fprintf(f,
		"\n"
		"`sluice help VERB` (or `sluice VERB --help`) explains a verb.\n"
		"`man sluice` is the manual; `man sluice-dag` and `man sluice.yaml`\n"
		"describe the files.\n");
}

/* Does the home hold a config, a database or a DAG folder? */
static int
cli_home_exists(const struct config *cfg)
{
	struct stat sb;

	return stat(cfg->file, &sb) == 0 || stat(cfg->db_path, &sb) == 0 ||
	       stat(cfg->dags_dir, &sb) == 0;
}

int
cli_need_home(struct cli *c)
{
	/* a folder with no config, no database and no dags/ is not a home:
	 * a command typed in the wrong folder would leave a new, empty
	 * database (or a scheduler's files) there and list nothing */
	struct stat st;

	if (cli_home_exists(c->cfg))
		return 0;
	/* --home .../sluice.yaml: the file, where its folder was meant */
	if (stat(c->cfg->home, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *dir = xstrdup(c->cfg->home), *slash = strrchr(dir, '/');

		if (slash != NULL)
			*slash = '\0';
		fprintf(stderr, "sluice: %s is a file, not a sluice home%s: --home (and "
			"SLUICE_HOME) take the home's folder, e.g. --home %s\n",
			c->cfg->home, sl_str_ends(c->cfg->home, "/sluice.yaml") ?
			" (it is a home's config file)" : "",
			slash != NULL && dir[0] != '\0' ? dir : "/");
		free(dir);
		return -1;
	}
	fprintf(stderr, "sluice: %s is not a sluice home: it has no "
		"sluice.yaml, sluice.db or dags/ (give --home DIR or "
		"set SLUICE_HOME; `sluice init DIR` makes one)\n",
		c->cfg->home);
	return -1;
}

int
cli_unknown_sub(const struct cli_verb *v, const char *word,
		const char *const *subs, const char *const *synonyms)
{
	struct text_near near;
	const char *best = NULL;

	if (word[0] == '\0') {
		/* none given: the ones there are */
		struct buf b;
		int rc;

		buf_init(&b, 0);
		for (size_t i = 0; subs[i] != NULL; i++)
			buf_printf(&b, "%s%s", i == 0 ? "" : subs[i + 1] == NULL ? " or " : ", ",
				   subs[i]);
		rc = cli_usage(v, "a subcommand is needed: %s", buf_str(&b));
		buf_free(&b);
		return rc;
	}
	for (size_t i = 0; synonyms != NULL && synonyms[i] != NULL; i += 2)
		if (strcasecmp(word, synonyms[i]) == 0)
			best = synonyms[i + 1];
	if (best == NULL) {
		text_near_init(&near, word);
		for (size_t i = 0; subs[i] != NULL; i++)
			text_near_add(&near, subs[i]);
		best = text_near_best(&near);
	}
	if (best != NULL)
		return cli_usage(v, "unknown subcommand '%s' (did you mean 'sluice %s %s'?)",
				 word, v->name, best);
	return cli_usage(v, "unknown subcommand '%s'", word);
}

int
cli_bad_choice(const struct cli_verb *v, const char *opt, const char *got,
	       const char *choices)
{
	char hint[160];
	const char *last = NULL;

	text_hint_list(got, choices, hint, sizeof hint);
	/* "did you mean 'x'? " as a parenthesis */
	if (hint[0] != '\0')
		hint[strlen(hint) - 1] = '\0';
	/* "a, b or c" */
	for (const char *p = strstr(choices, ", "); p != NULL; p = strstr(p + 1, ", "))
		last = p;
	return cli_usage(v, "--%s: expected %.*s%s%s, got '%s'%s%s%s", opt,
			 (int)(last != NULL ? last - choices : (long)strlen(choices)), choices,
			 last != NULL ? " or " : "", last != NULL ? last + 2 : "", got,
			 hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
}

/* How long a command waits for another process's lock on the database. */
#define CLI_DB_WAIT_MS 10000

/* Said once a command has waited a second for the database. */
static void
cli_busy_note(void *arg, int wait_ms)
{
	fprintf(stderr, "sluice: the database is busy (another process is writing to %s); "
		"waiting up to %d s...\n", (const char *)arg, wait_ms / 1000);
}

int
cli_open(struct cli *c, int store, int dags)
{
	struct sl_err err;
	char msg[2048];
	char *home;

	sl_err_clear(&err);
	if (c->cfg == NULL) {
		home = config_home(c->home_flag);
		if (config_load(home, &c->cfg, &err) < 0) {
			cli_error(sl_err_str(&err, msg, sizeof msg));
			free(home);
			return -1;
		}
		free(home);
	}
	if ((store || dags) && cli_need_home(c) < 0)
		return -1;
	if (store && c->store == NULL) {
		if ((!c->db_create && cli_db_gone_check(c) < 0) ||
		    cli_db_owner_check(c, 0) < 0)
			return -1;
		if (store_open(c->cfg->db_path, &c->store, &err) < 0) {
			cli_error(sl_err_str(&err, msg, sizeof msg));
			return -1;
		}
		/* a person at a terminal hears why a command waits */
		if (isatty(STDERR_FILENO))
			store_busy_note(c->store, CLI_DB_WAIT_MS, cli_busy_note,
					c->cfg->db_path);
	}
	if (dags && !c->bag_loaded) {
		/* two files with one DAG: the file the database records
		 * keeps it, as in the scheduler */
		if (dagbag_load_owned(c->cfg->dags_dir, c->cfg, NULL,
				      c->store != NULL ? store_dag_owns : NULL,
				      c->store, &c->bag, &err) < 0) {
			cli_error(sl_err_str(&err, msg, sizeof msg));
			return -1;
		}
		c->bag_loaded = 1;
	}
	return 0;
}

/* The DAG whose file was removed (the database keeps its row, runs and
 * last good text: "history kept"), loaded from that text so its history
 * can be read and repaired; NULL when name is no such DAG. */
static struct dag *
cli_dag_gone(struct cli *c, const char *name)
{
	json_t *rows, *o;
	size_t i;

	if (c->store == NULL || c->gone_dag != NULL ||
	    (rows = store_dags_unloaded_json(c->store, &c->bag)) == NULL)
		return NULL;
	json_array_foreach(rows, i, o) {
		const char *file = json_string_value(json_object_get(o, "file"));
		char *text = NULL;
		size_t len = 0;
		struct sl_err err;

		if (!json_is_true(json_object_get(o, "file_missing")) || file == NULL ||
		    strcmp(json_string_value(json_object_get(o, "dag")), name) != 0 ||
		    store_dag_last_good(c->store, file, &text, &len) != 1)
			continue;
		sl_err_clear(&err);
		if (dag_load_text(file, text, len, c->cfg, &c->gone_dag, &err) == 0 &&
		    strcmp(c->gone_dag->name, name) == 0)
			fprintf(stderr, "sluice: DAG %s's file %s is gone; using its "
				"last good version (history kept, no new runs)\n",
				name, file);
		else {
			dag_free(c->gone_dag);
			c->gone_dag = NULL;
		}
		free(text);
		break;
	}
	json_decref(rows);
	return c->gone_dag;
}

int
cli_dag_no_new_runs(struct cli *c, const struct dag *d)
{
	if (d == NULL || d != c->gone_dag)
		return 0;
	fprintf(stderr, "sluice: DAG %s takes no new runs while its file is gone "
		"(put the file back to run it)\n", d->name);
	return 1;
}

int
cli_dag_scheduled(const struct dag *d, const char *fmt, ...)
{
	va_list ap;

	if (d->schedule != NULL)
		return 0;
	fprintf(stderr, "sluice: DAG %s has no schedule (schedule: none): ", d->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* cli_dag and cli_dag_file: last_good says whether a DAG whose file is
 * broken or gone is taken from the database (its last good version). */
static int
cli_dag_lookup(struct cli *c, const char *name, int last_good, struct dag **out)
{
	struct dag *d = dagbag_find(&c->bag, name);
	struct sl_err err;

	*out = NULL;
	if (d != NULL) {
		*out = d;
		return 0;
	}
	if (!last_good)
		goto not_loaded;
	/* a broken file: the scheduler goes on with the DAG's last good
	 * version (from the database), so its runs can be listed, cleared
	 * and marked here too, saying so */
	sl_err_clear(&err);
	if (c->store != NULL && !c->stored_loaded &&
	    dagbag_load_stored(c->cfg->dags_dir, c->cfg, NULL, store_dag_owns,
			       store_dag_last_good, c->store, &c->stored_bag,
			       &err) == 0)
		c->stored_loaded = 1;
	for (int i = 0; c->stored_loaded && i < c->stored_bag.n; i++) {
		const struct dagbag_entry *e = &c->stored_bag.entries[i];

		if (e->stale && e->dag != NULL && strcmp(e->dag->name, name) == 0) {
			fprintf(stderr, "sluice: DAG %s's file is broken (%s); using "
				"its last good version, as the scheduler does\n",
				name, e->error != NULL ? e->error : "?");
			*out = e->dag;
			return 0;
		}
	}
	if ((d = cli_dag_gone(c, name)) != NULL) {
		*out = d;
		return 0;
	}
not_loaded:
	/* a file that does not load: named after the DAG, or declaring it
	 * (dag: fail_demo in fail.yaml) */
	for (int i = 0; i < c->bag.n; i++) {
		const char *base = strrchr(c->bag.entries[i].file, '/');
		char declared[256];

		base = base ? base + 1 : c->bag.entries[i].file;
		if (c->bag.entries[i].error != NULL &&
		    ((strncmp(base, name, strlen(name)) == 0 &&
		      base[strlen(name)] == '.') ||
		     (dag_file_declares(c->bag.entries[i].file, declared,
					sizeof declared) == 0 &&
		      strcmp(declared, name) == 0))) {
			fprintf(stderr, "sluice: DAG %s did not load: %s\n", name,
				c->bag.entries[i].error);
			return EXIT_FAILED;
		}
	}
	{
		struct text_near near;
		char hint[PATH_MAX];

		text_near_init(&near, name);
		for (int i = 0; i < c->bag.n; i++)
			if (c->bag.entries[i].dag != NULL)
				text_near_add(&near, c->bag.entries[i].dag->name);
		cli_errorf("no DAG named '%s' in %s (%ssee `sluice dags list`)",
			name, c->cfg->dags_dir, text_hint(text_near_best(&near), hint, sizeof hint));
	}
	return EXIT_USAGE;
}

int
cli_dag(struct cli *c, const char *name, struct dag **out)
{
	return cli_dag_lookup(c, name, 1, out);
}

int
cli_dag_file(struct cli *c, const char *name, struct dag **out)
{
	return cli_dag_lookup(c, name, 0, out);
}

void
cli_error(const char *msg)
{
	fputs("sluice: ", stderr);
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

void
cli_errorf(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	cli_error(msg);
	free(msg);
}

void
cli_print_json(const json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

const char *
cli_time(const struct tz *tz, int64_t ms, char *out, size_t n)
{
	if (ms <= 0) {
		snprintf(out, n, "-");
		return out;
	}
	return tz_iso(tz, sl_floor_div(ms, 1000), out, n);
}

int
cli_partition(struct cli *c, const struct dag *d, const char *arg, char *key,
	      size_t n)
{
	struct partition_notes notes;
	struct partition p;
	struct sl_err err;

	sl_err_clear(&err);
	partition_notes_init(&notes);
	if (partition_resolve_one(c->store, d, arg, sl_now_ms() / 1000,
				  PARTITION_RUNS, &p, &notes, &err) < 0) {
		cli_error(err.msg);
		return -1;
	}
	cli_partition_notes(&notes);
	snprintf(key, n, "%s", p.key);
	return 0;
}

int
cli_task_arg(const struct cli_verb *v, const struct dag *d, const char *task,
	     const char *partition_arg)
{
	struct sl_err err;

	sl_err_clear(&err);
	if (partition_task_check(NULL, d, task, NULL, &err) == 0)
		return 0;
	/* `mark DAG PARTITION TASK`: the order a person types as often as
	 * the other one */
	if (partition_task(d, partition_arg) != NULL)
		return cli_usage(v, "'%s' is a task of DAG %s and '%s' is not: the task "
				 "comes before the partition", partition_arg, d->name, task);
	cli_error(err.msg);
	return EXIT_USAGE;
}

void
cli_partition_notes(const struct partition_notes *notes)
{
	for (int i = 0; i < notes->n; i++)
		fprintf(stderr, "sluice: note: %s\n", notes->v[i]);
}

static char *
lock_path(struct cli *c)
{
	return xasprintf("%s/.scheduler.lock", c->cfg->home);
}

int
cli_scheduler_running(struct cli *c)
{
	return store_scheduler_running(c->cfg->db_path, NULL);
}

int
cli_db_gone_check(struct cli *c)
{
	long pid;

	if (access(c->cfg->db_path, F_OK) == 0 || errno != ENOENT ||
	    !store_scheduler_running(c->cfg->db_path, &pid))
		return 0;
	fprintf(stderr, "sluice: %s does not exist, but a scheduler (pid %ld) holds "
		"its lock: the database it runs on was deleted, and a new empty one "
		"made here would hide all it records. Nothing was done. That "
		"scheduler stops by itself once it sees its database gone (or stop "
		"it); then restore a backup (sluice db restore FILE), or start it "
		"again to begin a new database\n", c->cfg->db_path, pid);
	return -1;
}

int
cli_say_paused(struct cli *c, const struct dag *d)
{
	if (store_dag_paused(c->store, d->name, c->cfg->dags_paused_at_creation) != 1)
		return 0;
	/* after what the command printed on stdout */
	fflush(stdout);
	fprintf(stderr, "sluice: DAG %s is paused: its runs start once it is "
		"unpaused (sluice dags unpause %s)\n", d->name, d->name);
	return 1;
}

int
cli_say_unloaded(struct cli *c, const struct dag *d)
{
	char why[2048];

	if (d->file == NULL ||
	    store_dag_file_error(c->store, d->file, why, sizeof why) != 1)
		return 0;
	fflush(stdout);
	fprintf(stderr, "sluice: the scheduler cannot load DAG %s's file, so its "
		"runs do not start until it can: %s\n", d->name, why);
	return 1;
}

/* root on a home another user owns: that user's name into name (size
 * n), 1; else 0. */
static int
cli_home_other_owner(struct cli *c, char *name, size_t n)
{
	struct stat st;
	struct passwd *pw;

	if (geteuid() != 0 || stat(c->cfg->home, &st) < 0 || st.st_uid == 0)
		return 0;
	pw = getpwuid(st.st_uid);
	if (pw != NULL)
		snprintf(name, n, "%s", pw->pw_name);
	else
		snprintf(name, n, "%u", (unsigned)st.st_uid);
	return 1;
}

/* The refusal of root making files (what) in another user's home. */
static int
cli_owner_refuse(struct cli *c, const char *name, const char *verb, const char *what)
{
	fprintf(stderr, "sluice: %s belongs to the user %s: a %s run as "
		"root would make files there that %s cannot write (%s). Run it "
		"as that user: runuser -u %s -- sluice --home %s %s (or start "
		"its service)\n", c->cfg->home, name, verb, name, what,
		name, c->cfg->home, verb);
	return -1;
}

int
cli_home_owner_check(struct cli *c, const char *verb)
{
	char name[64];

	if (!cli_home_other_owner(c, name, sizeof name))
		return 0;
	return cli_owner_refuse(c, name, verb, strcmp(verb, "web") == 0 ?
				"its log_file, when sluice.yaml puts it there" :
				"log folders, locks and try status files");
}

int
cli_db_owner_check(struct cli *c, int makes_files)
{
	char name[64], what[PATH_MAX + 64];
	int exists = access(c->cfg->db_path, F_OK) == 0;

	if (!cli_home_other_owner(c, name, sizeof name) || (!makes_files && exists))
		return 0;
	snprintf(what, sizeof what, exists ? "a copy of the database it replaces, "
		 "beside %s" : "a new database %s, which its scheduler could not open",
		 c->cfg->db_path);
	return cli_owner_refuse(c, name, c->verb_name != NULL ? c->verb_name : "command", what);
}

/* --pidfile's file written: 0 (*path set, or NULL without the option),
 * or -1 after logging why. */
static int
cli_pidfile_write(const struct cli_args *args, char **path)
{
	const char *opt = cli_opt_str(args, "pidfile");
	char cwd[PATH_MAX], text[32];
	struct sl_err err;

	*path = NULL;
	if (opt == NULL)
		return 0;
	/* absolute: removed at exit whatever the folder then */
	if (opt[0] != '/' && getcwd(cwd, sizeof cwd) != NULL)
		*path = xasprintf("%s/%s", cwd, opt);
	else
		*path = xstrdup(opt);
	snprintf(text, sizeof text, "%ld\n", (long)getpid());
	sl_err_clear(&err);
	if (sl_write_file(*path, text, strlen(text), 0644, &err) < 0) {
		log_emit(LOG_LEVEL_ERROR, NULL, "cannot write the pid file %s: %s; stopping",
			 *path, err.msg);
		free(*path);
		*path = NULL;
		return -1;
	}
	return 0;
}

/* sl_notify, an error logged when it fails (systemd would wait for
 * READY=1 until its start timeout). */
static void
cli_notify(const char *state)
{
	if (sl_notify(state) < 0)
		log_emit(LOG_LEVEL_ERROR, NULL, "cannot tell the service manager %s: %s",
			 state, strerror(errno));
}

int
cli_serve_loop(const struct cli_args *args, struct event_base *base, char **pidfile)
{
	if (cli_pidfile_write(args, pidfile) < 0)
		return -1;
	cli_notify("READY=1");
	event_base_dispatch(base);
	cli_notify("STOPPING=1");
	return 0;
}

void
cli_pidfile_remove(char *path)
{
	struct sl_err err;
	char *text = NULL;
	size_t len;

	if (path == NULL)
		return;
	/* not one a later process (a restart) wrote meanwhile */
	if (sl_read_file(path, 64, &text, &len, &err) == 0 &&
	    strtol(text, NULL, 10) == (long)getpid())
		unlink(path);
	free(text);
	free(path);
}

int
cli_scheduler_lock(struct cli *c)
{
	char *path = lock_path(c);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	char pid[32];

	if (fd < 0) {
		fprintf(stderr, "sluice: cannot create %s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char other[32] = "";
		ssize_t n = read(fd, other, sizeof other - 1);

		if (n > 0)
			other[n] = '\0';
		/* the file holds "PID\n": the message stays one line */
		other[strcspn(other, "\n")] = '\0';
		if (other[0] == '\0')
			n = 0;
		fprintf(stderr, "sluice: a scheduler is already running on %s (pid %s); one scheduler per home\n",
			c->cfg->home, n > 0 ? other : "?");
		close(fd);
		free(path);
		return -1;
	}
	/* the lock holds without its pid, which only names the holder to
	 * a scheduler refused */
	snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || sl_write_all(fd, pid, strlen(pid)) < 0)
		fprintf(stderr, "sluice: cannot write this scheduler's pid into %s: %s (it runs; a second scheduler is refused without its pid)\n",
			path, errno == ENOSPC || errno == EDQUOT ? "disk full" : strerror(errno));
	free(path);
	/* the descriptor stays open (and locked) until the process exits */
	return 0;
}

/* c->who = "cli:NAME", NAME as UTF-8 text of one line (SUDO_USER is
 * whatever the environment holds: bytes that are not UTF-8 made the
 * audit row's who null in the API), cut at a character's end. */
static void
cli_who(struct cli *c, const char *name)
{
	struct buf b;
	size_t n;

	buf_init(&b, 0);
	buf_adds(&b, "cli:");
	text_utf8_clean(&b, name, strlen(name), "?");
	n = b.len < sizeof c->who ? b.len : sizeof c->who - 1;
	while (n > 0 && n < b.len && ((unsigned char)buf_str(&b)[n] & 0xc0) == 0x80)
		n--;
	memcpy(c->who, buf_str(&b), n);
	c->who[n] = '\0';
	for (char *p = c->who; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	buf_free(&b);
}

int
cli_main(int argc, char **argv, void (*print_version)(FILE *f))
{
	struct cli c;
	const struct cli_verb *verb = NULL;
	char **rest;
	int nrest = 0, r;
	struct passwd *pw;
	struct cli_args args;

	memset(&c, 0, sizeof c);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pw = getpwuid(getuid());
	cli_who(&c, getenv("SUDO_USER") ? getenv("SUDO_USER") :
		pw ? pw->pw_name : "unknown");
	/* global options may come anywhere before "--" */
	rest = xcalloc((size_t)argc + 1, sizeof *rest);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				rest[nrest++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--home") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "sluice: --home needs a folder\n");
				free(rest);
				return EXIT_USAGE;
			}
			c.home_flag = argv[++i];
		} else if (strncmp(argv[i], "--home=", 7) == 0)
			c.home_flag = argv[i] + 7;
		else if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else
			rest[nrest++] = argv[i];
	}
	if (nrest == 0) {
		usage_all(stderr);
		free(rest);
		return EXIT_USAGE;
	}
	/* help of help is the overview too */
	if (strcmp(rest[0], "--help") == 0 || strcmp(rest[0], "-h") == 0 ||
	    (strcmp(rest[0], "help") == 0 &&
	     (nrest == 1 || strcmp(rest[1], "help") == 0))) {
		usage_all(stdout);
		free(rest);
		return 0;
	}
	if (strcmp(rest[0], "help") == 0) {
		/* `sluice help VERB [SUB]` prints what `sluice VERB [SUB]
		 * --help` does: the verb's page covers its subverbs
		 * (help runs delete, help db backup, help backfill cancel) */
		verb = verb_find(rest[1]);
		r = 0;
		if (verb == NULL) {
			unknown_verb(rest[1]);
			r = EXIT_USAGE;
		} else
			cli_print_help(verb, stdout);
		free(rest);
		return r;
	}
	if (strcmp(rest[0], "--version") == 0 || strcmp(rest[0], "version") == 0) {
		if (print_version != NULL)
			print_version(stdout);
		else
			printf("sluice %s\n", PACKAGE_VERSION);
		free(rest);
		return 0;
	}
	verb = verb_find(rest[0]);
	if (verb == NULL) {
		unknown_verb(rest[0]);
		free(rest);
		return EXIT_USAGE;
	}
	if ((r = cli_parse(verb, nrest, rest, &args)) != 0) {
		free(rest);
		return r;
	}
	if (args.help) {
		cli_print_help(verb, stdout);
		cli_args_free(&args);
		free(rest);
		return 0;
	}
	c.verb_name = verb->name;
	r = verb->run(&c, &args);
	cli_args_free(&args);
	if (c.bag_loaded)
		dagbag_free(&c.bag);
	if (c.stored_loaded)
		dagbag_free(&c.stored_bag);
	dag_free(c.gone_dag);
	store_close(c.store);
	config_free(c.cfg);
	free(rest);
	return r;
}
