/* cli_web.c: `sluice web`: the web UI and REST API without a scheduler. */
#include "scheduler/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/log.h"
#include "base/notify.h"
#include "scheduler/config.h"
#include "web/web.h"

static void
web_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

/* SIGHUP: open the log file again (logrotate moved it away). */
static void
web_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sl_err err;

	(void)sig;
	(void)what;
	(void)arg;
	sl_err_clear(&err);
	if (log_reopen(&err) < 0)
		log_emit(LOG_LEVEL_ERROR, NULL, "SIGHUP: %s; the log goes on where it was",
			 err.msg);
	else
		log_emit(LOG_LEVEL_INFO, NULL, "SIGHUP: log reopened");
}

static int
web_run(struct cli *c, const struct cli_args *args)
{
	const char *bind = cli_opt_str(args, "bind");
	long long port = -1;
	struct event_base *base;
	struct event *sigint, *sigterm, *sighup;
	struct web *web = NULL;
	struct sl_err err;
	char msg[2048], *warning, *pidfile;
	int rc;

	if (args->npos > 0)
		return cli_usage(&cli_web, "unexpected argument '%s'", args->pos[0]);
	if ((rc = cli_opt_int(args, "port", 0, 65535, &port)) != 0)
		return rc;
	sl_notify_init();
	if (cli_open(c, 0, 0) < 0 || cli_need_home(c) < 0 ||
	    cli_home_owner_check(c, "web") < 0)
		return EXIT_HOME;
	if (port >= 0)
		c->cfg->web_port = (int)port;
	if (bind != NULL) {
		free(c->cfg->web_bind);
		c->cfg->web_bind = xstrdup(bind);
	}
	config_default_base_url(c->cfg);
	signal(SIGPIPE, SIG_IGN);
	sl_err_clear(&err);
	if (log_open(c->cfg->log_file, (enum log_format)c->cfg->log_format,
		     &err) < 0) {
		fprintf(stderr, "sluice: %s\n", sl_err_str(&err, msg, sizeof msg));
		return EXIT_HOME;
	}
	base = event_base_new();
	if (web_start(base, c->cfg, NULL, &web, &err) < 0) {
		fprintf(stderr, "sluice: %s\n", sl_err_str(&err, msg, sizeof msg));
		event_base_free(base);
		return EXIT_HOME;
	}
	sigint = evsignal_new(base, SIGINT, web_signal_cb, base);
	sigterm = evsignal_new(base, SIGTERM, web_signal_cb, base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	sighup = evsignal_new(base, SIGHUP, web_sighup_cb, NULL);
	evsignal_add(sighup, NULL);
	if ((warning = config_base_url_warning(c->cfg)) != NULL) {
		log_emit(LOG_LEVEL_WARN, NULL, "%s", warning);
		free(warning);
	}
	if (!cli_scheduler_running(c))
		log_emit(LOG_LEVEL_WARN, NULL,
			 "sluice web: no scheduler is running on the database %s; runs start when one does",
			 c->cfg->db_path);
	/* serving: an init script waits for the pid file, systemd for
	 * READY=1 */
	rc = cli_serve_loop(args, base, &pidfile);
	web_stop(web);
	event_free(sigint);
	event_free(sigterm);
	event_free(sighup);
	event_base_free(base);
	cli_pidfile_remove(pidfile);
	fprintf(stderr, "sluice web: stopped\n");
	return rc < 0 ? EXIT_HOME : 0;
}

static const struct cli_opt web_opts[] = {
	{ "port", 0, "N", "the port (overrides web.port of sluice.yaml)" },
	{ "bind", 0, "ADDR", "the address (overrides web.bind)" },
	{ "pidfile", 0, "FILE", "write the process id to FILE once serving; removed at exit" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_verb cli_web = {
	"web", "serve the web UI and REST API (without a scheduler)",
	"[--port N] [--bind ADDR] [--pidfile FILE]",
	"Serves the UI and /api/v1 on web.bind:web.port of sluice.yaml (default\n"
	"127.0.0.1:8080; --port and --bind override them). A scheduler runs\n"
	"separately (`sluice scheduler`) and sees the UI's actions within 100 ms;\n"
	"`sluice standalone` runs both in one process. Users: `sluice users`.\n"
	"Run as the user who owns the home: root is refused on a home another\n"
	"user owns (a log_file it made there would not be that user's).\n"
	"\n"
	"SIGTERM or Ctrl-C stops it. SIGHUP opens log_file again (logrotate);\n"
	"it does not reload sluice.yaml: a change takes a restart.\n"
	"\n"
	"--pidfile FILE writes the process id to FILE once it serves (its port\n"
	"bound) and removes it when it exits: the Debian package's init script\n"
	"starts it so and waits for the file. Started by systemd (the units\n"
	"are Type=notify), it sends READY=1 at that point.\n",
	web_opts,
	web_run,
};
