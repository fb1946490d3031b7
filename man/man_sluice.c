/* man_sluice.c: sluice(1), from the verb table and each verb's option
 * table (see man.h). */
#include "man/man.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "build-config.h"
#include "man/roff.h"
#include "scheduler/cli.h"

/* The options cli_main reads before the verb (not in a verb's table). */
static const struct cli_opt man_global_opts[] = {
	{ "home", 0, "DIR", "the sluice home: the folder holding sluice.yaml, the database, dags/ and logs/; default $SLUICE_HOME, else " SLUICE_DEFAULT_HOME_DOC },
	{ "json", 0, NULL, "print listings as JSON" },
	{ "version", 0, NULL, "print the version of sluice, of the libraries it is built with (SQLite, libevent, libcurl, libssh2) and the database schema version it carries, and exit" },
	{ "help", 'h', NULL, "list the verbs and exit; `sluice help VERB` explains one" },
	{ NULL, 0, NULL, NULL },
};

static const struct {
	const char *name;
	const char *doc;
} man_environment[] = {
	{ "SLUICE_HOME", "the home when --home is not given" },
	{ "SLUICE_CONN_NAME", "a connection named NAME (in capitals) that sluice.yaml does not define: a URL, or a JSON object of its keys" },
	{ "HOME", "~/ at the start of a path in sluice.yaml" },
	{ "TZDIR", "where the IANA time zone files are read (default /usr/share/zoneinfo)" },
	{ "SSH_AUTH_SOCK", "the ssh agent the ssh executor may log in with" },
	{ "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY", "credentials of an AWS connection that names none" },
	{ "SUDO_USER", "who the audit log names for actions from the command line (else the user running sluice)" },
};

/* What sluice scheduler, standalone and web do on each signal (their
 * verbs' help says the same at more length). */
static const struct {
	const char *name;
	const char *doc;
} man_signals[] = {
	{ "SIGTERM, SIGINT", "scheduler and standalone start no new tries and exit; running tries go on and the next scheduler on the home adopts them (with --drain: first wait for them to end; a second signal stops the wait). web exits." },
	{ "SIGHUP", "scheduler and standalone open log_file again (for logrotate) and reload sluice.yaml: the log names the keys applied and those that take a restart (executors: a DAG file naming one added since is refused, saying it needs the restart); a file that does not load is logged with its file, line and column, and the running settings stay. web opens log_file again only. The systemd units send it on systemctl reload, the Debian package's init scripts on service sluice-scheduler reload (and sluice-web)." },
	{ "SIGKILL", "the scheduler dies at once; its local tries go on under sluice-try, and the next scheduler adopts them." },
};

static const struct {
	const char *path;
	const char *doc;
} man_files[] = {
	{ "HOME/sluice.yaml", "the configuration (see sluice.yaml(5)); every key has a default, so it may be missing" },
	{ "HOME/sluice.db", "the SQLite database (with its -wal and -shm files while in use). Made by the first command that opens it, as the user it runs as: root is refused on a home another user owns when a command would make it (or, db restore, a copy beside it); on the user's database, root's commands run" },
	{ "HOME/dags/", "the DAG files (dags: of sluice.yaml may name another folder), one DAG per *.yaml or *.yml file, in subfolders too, down to 16 levels (hidden ones left out; what cannot be read is an error) (see sluice-dag(5))" },
	{ "HOME/logs/DAG/PARTITION/TASK/try-N.log", "the log of each try (under logs: of sluice.yaml when it names another folder)" },
	{ "HOME/run/tries/", "the status files of running tries, by which a restarted scheduler adopts them" },
	{ "HOME/outbox/", "notifications, when no smtp server is configured" },
	{ "HOME/logs/retention.log", "the output of the scheduler's retention runs (retention: of sluice.yaml)" },
	{ "HOME/.scheduler.lock, HOME/sluice.db-scheduler.lock", "held by the running scheduler (one per home, and one per database file whatever home names it; db restore holds the latter while it copies); each holds its pid. Every command that asks whether a scheduler runs asks the database's" },
	{ "sluice-try", "the supervisor of each local try, installed next to the sluice binary" },
};

/* "sluice VERB LINE" for each usage line of v, one per line, in bold. */
static void
man_usage(struct buf *out, const struct cli_verb *v)
{
	const char *p = v->usage != NULL ? v->usage : "";

	buf_adds(out, ".nf\n");
	do {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char *line = xasprintf("sluice %s%s%.*s", v->name,
				       len > 0 ? " " : "", (int)len, p);

		roff_req(out, "B", 1, line);
		free(line);
		p = nl != NULL ? nl + 1 : NULL;
	} while (p != NULL && *p != '\0');
	buf_adds(out, ".fi\n");
}

static void
man_opt(struct buf *out, const struct cli_opt *o)
{
	char tag[96];

	if (o->short_name != 0)
		snprintf(tag, sizeof tag, "-%c, --%s%s", o->short_name, o->name,
			 o->arg != NULL ? " " : "");
	else
		snprintf(tag, sizeof tag, "--%s%s", o->name,
			 o->arg != NULL ? " " : "");
	buf_adds(out, ".TP\n");
	if (o->arg != NULL)
		roff_req(out, "BI", 2, tag, o->arg);	/* the argument in italics */
	else
		roff_req(out, "B", 1, tag);
	roff_line(out, o->help);
}

static void
man_verb(struct buf *out, const struct cli_verb *v)
{
	char head[256];

	snprintf(head, sizeof head, "sluice %s", v->name);
	roff_req(out, "SS", 1, head);
	man_usage(out, v);
	buf_adds(out, ".PP\n");
	roff_line(out, v->summary);
	if (v->help != NULL && v->help[0] != '\0') {
		buf_adds(out, ".PP\n");
		roff_text(out, v->help);
	}
	for (const struct cli_opt *o = v->opts; o != NULL && o->name != NULL; o++)
		man_opt(out, o);
}

void
man_sluice(struct buf *out)
{
	roff_title(out, "sluice", 1,
		   "run data pipelines: YAML DAGs of tasks over partitions of time");
	roff_req(out, "SH", 1, "SYNOPSIS");
	buf_adds(out, ".nf\n");
	roff_req(out, "B", 1, "sluice [--home DIR] [--json] VERB [ARGS...]");
	roff_req(out, "B", 1, "sluice --version");
	buf_adds(out, ".fi\n");
	roff_req(out, "SH", 1, "DESCRIPTION");
	roff_text(out,
		  "sluice runs data pipelines: DAGs of tasks written in YAML, run "
		  "once per partition of time (a data interval of their schedule), "
		  "retried, cleared and re-run, with their state in an SQLite "
		  "database. One binary is the scheduler, the web UI and REST API, "
		  "and the command line that inspects and repairs runs.\n"
		  "\n"
		  "Every command works on a home: a folder holding sluice.yaml, "
		  "the database, the DAG folder and the task logs. `sluice init` "
		  "makes one. The home is --home, else $SLUICE_HOME, else "
		  SLUICE_DEFAULT_HOME_DOC " (this build's default: configure "
		  "--with-default-home; the Debian package's is /var/lib/sluice, "
		  "the home of its system user sluice and of its systemd units).");
	roff_req(out, "SH", 1, "GLOBAL OPTIONS");
	roff_text(out, "These come before or after the verb, before a --.");
	for (const struct cli_opt *o = man_global_opts; o->name != NULL; o++)
		man_opt(out, o);
	roff_req(out, "SH", 1, "COMMANDS");
	for (size_t i = 0; cli_verbs[i] != NULL; i++)
		man_verb(out, cli_verbs[i]);
	roff_req(out, "SH", 1, "COMMANDS FOR TOOLS");
	roff_text(out, "Not listed by sluice --help: other programs run these.");
	for (size_t i = 0; cli_tool_verbs[i] != NULL; i++)
		man_verb(out, cli_tool_verbs[i]);
	roff_req(out, "SH", 1, "EXIT STATUS");
	for (size_t i = 0; cli_exit_codes[i].doc != NULL; i++) {
		char code[16];

		snprintf(code, sizeof code, "%d", cli_exit_codes[i].code);
		roff_tag(out, code, NULL);
		roff_line(out, cli_exit_codes[i].doc);
	}
	buf_adds(out, ".PP\n");
	roff_text(out, "sluice test and sluice operator exit with the status of the task they run.");
	roff_req(out, "SH", 1, "SIGNALS");
	for (size_t i = 0; i < SL_ARRAY_LEN(man_signals); i++) {
		roff_tag(out, man_signals[i].name, NULL);
		roff_line(out, man_signals[i].doc);
	}
	roff_req(out, "SH", 1, "ENVIRONMENT");
	for (size_t i = 0; i < SL_ARRAY_LEN(man_environment); i++) {
		roff_tag(out, man_environment[i].name, NULL);
		roff_line(out, man_environment[i].doc);
	}
	buf_adds(out, ".PP\n");
	roff_text(out, "A try's own environment is in sluice-dag(5).");
	roff_req(out, "SH", 1, "FILES");
	for (size_t i = 0; i < SL_ARRAY_LEN(man_files); i++) {
		buf_adds(out, ".TP\n");
		roff_req(out, "I", 1, man_files[i].path);
		roff_line(out, man_files[i].doc);
	}
	roff_req(out, "SH", 1, "SEE ALSO");
	buf_adds(out, ".BR sluice\\-dag (5),\n.BR sluice.yaml (5)\n");
}
