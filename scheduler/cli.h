/*
 * cli.h: the `sluice` command line. Each verb is a `struct cli_verb` in a
 * cli_*.c file; cli.c holds the table, the global options, and what the
 * verbs share (opening the home, output as table or JSON).
 *
 * Exit codes: 0 ok; 1 the thing asked for failed (a run failed, a DAG file
 * has errors); 2 usage or input error; 3 the home or database cannot be
 * used.
 */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "scheduler/dag.h"
#include "base/util.h"

struct config;
struct event_base;
struct store;
struct tz;

struct cli {
	const char *home_flag;
	struct config *cfg;
	struct store *store;
	struct dagbag bag;
	int bag_loaded;
	/* the folder again with the last good version of each broken file
	 * (as the scheduler runs them), loaded when cli_dag needs one */
	struct dagbag stored_bag;
	int stored_loaded;
	struct dag *gone_dag;	/* the last good version of a removed file's DAG */
	int json;		/* --json */
	const char *verb_name;	/* the verb run ("db"), for messages */
	int db_create;		/* init: cli_open may make the database even
				 * while a scheduler holds its lock */
	char who[128];		/* for the audit log: "cli:USER" */
};

/* One option of a verb: --name, or -short_name when not 0, taking an
 * argument shown as arg (NULL: a flag). An option given several times
 * keeps every value. */
struct cli_opt {
	const char *name;
	char short_name;
	const char *arg;
	const char *help;
};

/* A parsed command line: the positional arguments (after the verb), and
 * per declared option how often it was given and its values. */
struct cli_args {
	const struct cli_verb *verb;
	char **pos;
	int npos;
	int help;		/* --help / -h was given */
	size_t nopts;
	int *count;
	char ***values;
};

/*
 * A verb: its options as a table, its usage lines (what follows
 * "sluice VERB", one line per form) and what it does. Its --help text and
 * usage errors are generated from these fields.
 */
struct cli_verb {
	const char *name;
	const char *summary;
	const char *usage;	/* e.g. "DAG [--partition P] [--wait]" */
	const char *help;	/* paragraphs after the usage, or NULL */
	const struct cli_opt *opts;	/* ends with a zeroed entry; may be NULL */
	int (*run)(struct cli *c, const struct cli_args *a);
};

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_HOME 3

/* What each exit status means, for `sluice --help` and sluice(1); ends
 * with a NULL doc. */
struct cli_exit_code {
	int code;
	const char *doc;
};
extern const struct cli_exit_code cli_exit_codes[];

/* Load the config (and open the store / load the DAG folder, in a folder
 * that is a home). Prints the error and returns -1. */
int cli_open(struct cli *c, int store, int dags);
/* Is the loaded config's home a sluice home (a sluice.yaml, sluice.db or
 * dags/)? Else print so and return -1: for verbs that open no database
 * themselves but would make files there (a scheduler, the web). */
int cli_need_home(struct cli *c);
/* A loaded DAG by name into *out: 0; or print why not (naming the file
 * if it failed to load) and return the verb's exit code. A DAG whose file
 * is broken or gone is its last good version (as the scheduler has it),
 * said on stderr. */
int cli_dag(struct cli *c, const char *name, struct dag **out);
/* The same, for the DAG as its file says now: a broken or gone file is
 * an error, not its last good version (`sluice test` tries the file). */
int cli_dag_file(struct cli *c, const char *name, struct dag **out);
/* `sluice dags show DAG [TASK]` (cli_dags_show.c); task NULL: the DAG. */
int dags_show(struct cli *c, const char *name, const char *task);
/* `sluice dags validate [PATH...]` (cli_dags_validate.c): the DAG folder
 * when argc is 0; the verb's exit code. */
int dags_validate(struct cli *c, int argc, char *const *given);
/* Is d a DAG whose file is gone (1, said on stderr)? It takes no new
 * runs: trigger and backfill refuse it. */
int cli_dag_no_new_runs(struct cli *c, const struct dag *d);
/* Does d have a schedule? 0; else print "sluice: DAG NAME has no schedule
 * (schedule: none): " and fmt (what to do instead) on stderr and return
 * EXIT_USAGE. The one check of the verbs that need a scheduled DAG
 * (backfill, status, dags next), so each refuses an unscheduled one with
 * the same words and exit code. */
int cli_dag_scheduled(const struct dag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print a JSON value, pretty, on stdout. */
void cli_print_json(const json_t *v);
/* "sluice: MSG" on stderr, the control characters of msg other than a
 * line break or a tab written as \xNN: an error echoing a value (a
 * partition key, a DAG file's text) never sends the terminal a control
 * sequence. */
void cli_error(const char *msg);
/* The same, formatted (no line break at the end of fmt). */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse argv (argv[0] is the verb) by v's option table. Returns 0, or
 * prints the error with the verb's usage and returns EXIT_USAGE. Free with
 * cli_args_free. */
int cli_parse(const struct cli_verb *v, int argc, char **argv,
	      struct cli_args *a);
void cli_args_free(struct cli_args *a);
/* The value of an option (the last one when given several times), or
 * NULL; whether a flag was given (how often); every value (NULL-terminated,
 * *n of them). name must be in the verb's table. */
const char *cli_opt_str(const struct cli_args *a, const char *name);
/* An option that takes a whole number from min to max: its value into
 * *out (left as is when the option is not given) and 0; or print
 * "--NAME: expected a whole number from MIN to MAX, got 'X'" with the
 * verb's usage and return EXIT_USAGE. Every integer option goes through
 * here, so each error names the option and the range it accepts. */
int cli_opt_int(const struct cli_args *a, const char *name, long long min,
		long long max, long long *out);
int cli_opt_flag(const struct cli_args *a, const char *name);
char *const *cli_opt_all(const struct cli_args *a, const char *name, int *n);
/* Every --param NAME=VALUE of v as a JSON object of the values as typed
 * (strings; dag_params_check converts them to their declared types), or
 * NULL when none is given; -1 after printing v's usage for a malformed
 * one. */
int cli_opt_params(const struct cli_verb *v, const struct cli_args *a,
		   json_t **out);
/* Say why dag_params_check refused the --param values: its message, and
 * for a required param not given, the option that gives it. */
void cli_params_error(const struct sl_err *err);
/* The width the CLI's help fits in (a test checks every verb's). */
#define CLI_HELP_WIDTH 80
/* Print len bytes of text (one line's words) from column col, where the
 * line already is, wrapped in CLI_HELP_WIDTH columns, the next lines
 * indented by indent; a space inside [brackets] does not break. Ends the
 * line. */
void cli_print_wrapped(FILE *f, int col, int indent, const char *text,
		       size_t len);
/* The verb's help, made from its table (`sluice VERB --help`, `sluice help
 * VERB`). */
void cli_print_help(const struct cli_verb *v, FILE *f);
/* Print "sluice VERB: message" and the verb's usage on stderr; returns
 * EXIT_USAGE. */
int cli_usage(const struct cli_verb *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* cli_usage for an unknown subcommand word of verb v: "unknown
 * subcommand 'WORD'", and " (did you mean 'sluice VERB SUB'?)" when WORD
 * is a near spelling of one of subs (NULL-terminated) or another tool's
 * word for one ("WORD", "SUB" pairs in synonyms, NULL-terminated; may be
 * NULL). An empty WORD (none given) lists subs instead. */
int cli_unknown_sub(const struct cli_verb *v, const char *word,
		    const char *const *subs, const char *const *synonyms);
/* cli_usage for option --opt given a value not among choices ("a, b, c"):
 * "--opt: expected a, b or c, got 'x' (did you mean 'b'?)". */
int cli_bad_choice(const struct cli_verb *v, const char *opt, const char *got,
		   const char *choices);
/* Format epoch ms as "2024-01-02T03:04:05-05:00" in tz (the DAG's zone),
 * "2024-01-02T08:04:05+00:00" when tz is NULL or UTC (tz_iso, as partition
 * keys read), or "-" for none. Every time the CLI prints goes through
 * here, so each carries its offset, written one way. */
const char *cli_time(const struct tz *tz, int64_t ms, char *out, size_t n);
/* The one partition arg names among the DAG's runs (see
 * scheduler/partition.h), its key into key (size n); or print why not
 * (with the nearest keys) and return -1. */
int cli_partition(struct cli *c, const struct dag *d, const char *arg,
		  char *key, size_t n);
/* The TASK of a verb whose arguments are DAG TASK PARTITION (logs,
 * mark): 0 when it names a task or an item of d; else print why not (a
 * near name; or, when partition_arg is the task, that the two are
 * swapped, with v's usage) and return EXIT_USAGE. */
int cli_task_arg(const struct cli_verb *v, const struct dag *d,
		 const char *task, const char *partition_arg);
/* Print what the partition resolver noted (an ambiguous local time read
 * one way, a range cut to the DAG's start and end) on stderr. */
struct partition_notes;
void cli_partition_notes(const struct partition_notes *notes);
/* Wait until every run of d in partitions (a JSON array of keys) is done,
 * with a progress line on stderr (lines: a line per change when stderr is
 * not a terminal). 0 all succeeded, -1 one failed, -2 no scheduler ran on
 * the home for 60 s, -3 none failed but some were removed before they
 * ended (a cancelled backfill's queued runs; said on stderr). */
int cli_wait_runs(struct cli *c, const struct dag *d, json_t *partitions,
		  int lines);
/* For each run of d in partitions (a JSON array of keys) that failed,
 * "run DAG P failed" and its failed tasks with the command that shows
 * each one's log, on stderr (the first ten runs, then how many more). */
void cli_print_failed_runs(struct cli *c, const struct dag *d,
			   json_t *partitions);
/* Is a scheduler running on this home's database? (the database's lock,
 * store_scheduler_running, is held: one answer whatever home names it) */
int cli_scheduler_running(struct cli *c);
/* The home's database is gone while a scheduler holds its lock (it was
 * deleted under the scheduler): say so and what to do, -1; else 0. A
 * verb that would make a new database checks this first. */
int cli_db_gone_check(struct cli *c);
/* When d is paused, say on stderr that its runs wait for the unpause (and
 * how): after a command made runs of it, before it waits on one. 1 when
 * paused, else 0. */
int cli_say_paused(struct cli *c, const struct dag *d);
/* After a verb that makes runs: when the scheduler recorded that it
 * cannot load d's file (it runs with a configuration the CLI does not
 * read, store_dag_file_error), say so on stderr with its error; 1 when
 * it said so. */
int cli_say_unloaded(struct cli *c, const struct dag *d);
/* Take the scheduler lock of the home (one scheduler per home). */
int cli_scheduler_lock(struct cli *c);
/* root running VERB (scheduler, standalone) on a home another user owns
 * would make files there (log folders, locks, try status files) that
 * user cannot write: -1 with a message naming the user to run it as. */
int cli_home_owner_check(struct cli *c, const char *verb);
/* The same refusal for a verb that would make the home's database (it
 * does not exist yet) or, with makes_files, other files beside it (db
 * restore's copy of the database it replaces), as root on a home another
 * user owns: -1 after saying so; else 0. A verb on an existing database
 * runs (SQLite gives a -wal or -shm that root makes the database file's
 * owner). */
int cli_db_owner_check(struct cli *c, int makes_files);
/* The loop of scheduler, standalone and web once started: --pidfile
 * FILE written (atomically: an init script waits for it) and READY=1
 * sent to systemd (base/notify.h), then base's loop until a stop, then
 * STOPPING=1. 0, or -1 after logging why the pid file could not be
 * written (the loop not run). cli_pidfile_remove, after the caller's
 * teardown, removes *pidfile if it is still this process's, and frees
 * it. */
int cli_serve_loop(const struct cli_args *args, struct event_base *base, char **pidfile);
void cli_pidfile_remove(char *path);

extern const struct cli_verb cli_init, cli_db, cli_dags, cli_trigger,
    cli_backfill, cli_backfills, cli_clear, cli_mark, cli_runs, cli_tasks, cli_logs,
    cli_test, cli_scheduler, cli_standalone, cli_operator, cli_executors,
    cli_pools;
extern const struct cli_verb cli_web, cli_users, cli_status, cli_webhooks;
extern const struct cli_verb cli_man, cli_complete;
/* The verbs `sluice --help` lists, then those other programs run
 * (operator, man, complete), each NULL-terminated: the man page and the
 * completion are made from them. */
extern const struct cli_verb *const cli_verbs[];
extern const struct cli_verb *const cli_tool_verbs[];

/* Run the command line; print_version prints `sluice --version` (NULL:
 * the version number alone). */
int cli_main(int argc, char **argv, void (*print_version)(FILE *f));

#endif
