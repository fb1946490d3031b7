/*
 * config.h: a sluice home and its config file (SPEC §7a).
 *
 * A home is a folder holding sluice.yaml, sluice.db, dags/ and logs/.
 * Every key of sluice.yaml has a default, so a missing or empty file works.
 * Paths in the file are relative to the home.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <jansson.h>
#include <stdint.h>

#include "base/util.h"

struct config {
	char *home;		/* absolute */
	char *file;		/* home/sluice.yaml */
	char *dags_dir;		/* absolute */
	char *db_path;
	char *logs_dir;
	int parallelism;
	int max_map;		/* items a mapped task may expand into */
	int backfill_share;	/* percent of the slots backfill-lane tries
				 * may hold (scheduler/sched_lane.c) */
	int dags_paused_at_creation;	/* a DAG seen for the first time
					 * starts paused (default 1) */
	char *web_bind;
	int web_port;
	int web_busy_max_rps;		/* standalone, while tries run; 0: no limit */
	char *base_url;
	int base_url_default;	/* base_url is config_default_base_url's
				 * (sluice.yaml sets none): rebuilt when the
				 * web binds port 0 and learns its port */
	int base_url_wildcard;	/* base_url is the default built from a
				 * web.bind of every address (0.0.0.0, ::):
				 * no one can open its links */
	int64_t kill_grace_ms;	/* SIGTERM → SIGKILL on timeout and clear */
	int64_t log_max;	/* cap of a try's log, bytes: 0 for the
				 * executor's default, -1 for none */
	int64_t retention_runs_ms;	/* retention.runs: the scheduler runs
					 * `db clean --keep` hourly; 0: never */
	int64_t retention_logs_ms;	/* retention.logs: `db clean --logs-only` */
	json_t *pools;		/* {"default": 128, ...}: slots per pool */
	json_t *executors;	/* {"local": {"type":"local","slots":16}, ...} */
	json_t *smtp;		/* the smtp block, or NULL */
	json_t *connections;	/* {"name": {...}} */
	int64_t freshness_lookback_ms;	/* freshness: partitions that ended
					 * this long ago at most (7d) */
	json_t *webhooks;	/* {"name": {url, format, ...}} (config_webhooks.c);
				 * NULL: none. The URLs are secrets. */
	char *log_file;		/* the scheduler's and web's own log;
				 * NULL: stderr */
	int log_format;		/* enum log_format (base/log.h) */
	/* Set by a running scheduler on the configuration it runs with, so
	 * that a DAG file naming what it lacks says so (dag.c): running,
	 * and the executors sluice.yaml defined at its last read (the
	 * start or a SIGHUP; executors change only with a restart), NULL
	 * when they are the running ones. Zero and NULL elsewhere (the
	 * CLI reads the file as it is). */
	int running;
	json_t *file_executors;
};

/* The home from --home (may be NULL), else SLUICE_HOME, else the build's
 * default home (configure --with-default-home; a package's /var/lib/sluice),
 * else the current folder; made absolute. Caller frees. */
char *config_home(const char *flag);
/* Load home/sluice.yaml (missing = all defaults). */
int config_load(const char *home, struct config **out, struct sl_err *err);
void config_free(struct config *c);
/* web.base_url's default when sluice.yaml sets none: http://BIND:PORT
 * (an IPv6 address in brackets); base_url_wildcard says whether BIND is
 * every address, for the warning of config_base_url_warning. */
void config_default_base_url(struct config *c);
/* The warning to log when the base_url is a wildcard default (links in
 * emails and webhooks nobody can open) or has a path the UI cannot be
 * served under (config_web_root), or NULL. Freed by the caller. */
char *config_base_url_warning(const struct config *c);
/* The path a reverse proxy serves the UI under: web.base_url's path
 * without its last slashes ("" at the root of a host, or for the default
 * base_url); NULL when that path holds a character other than letters,
 * digits and - . _ ~ / (the UI then stays at the root). Freed by the
 * caller. */
char *config_web_root(const struct config *c);
/* The origin a browser names for a page of web.base_url, as its Origin
 * header spells it: scheme://host[:port] in lower case, a default port
 * (80 for http, 443 for https) left out; NULL for a wildcard default
 * base_url or one that is not http(s)://HOST. Freed by the caller. */
char *config_web_origin(const struct config *c);

/* A connection by name: from the config's connections, else the
 * SLUICE_CONN_<NAME> environment variable (a URL, or a JSON object).
 * Keys ending in _env are resolved (password_env → password). Returns a
 * new reference, or NULL with err. */
json_t *config_connection(const struct config *c, const char *name,
			  struct sl_err *err);
/* Whether a connection named name can be found here (in the config, or
 * its SLUICE_CONN_<NAME> set in this process's environment): 0, else -1
 * with err saying where to define it and the nearest defined name. */
int config_connection_known(const struct config *c, const char *name,
			    struct sl_err *err);
/* The smtp block with password_env resolved, or NULL when none is set. */
json_t *config_smtp(const struct config *c);

/* webhooks: (config_webhooks.c): check and keep the section; the
 * webhook name with its secret header's value resolved from secret_env
 * into "secret" (a new reference), or NULL with err when there is no
 * such webhook or its variable is not set. */
struct ydoc;
int config_webhooks_load(struct config *c, struct ydoc *d, void *node,
			 struct sl_err *err);
json_t *config_webhook(const struct config *c, const char *name,
		       struct sl_err *err);
/* "a, b" the webhooks defined, into out (size n). */
const char *config_webhook_names(const struct config *c, char *out, size_t n);

/* smtp: and connections: (config_smtp.c): check each key against
 * config_keys[] (smtp) or config_conn_keys (a connection of no type, aws,
 * or a warehouse's; a plug-in's type keeps its own keys) and each smtp
 * value against its type; config_smtp_load keeps the section as c->smtp.
 * err names file:line:column and the nearest known key. */
int config_smtp_load(struct config *c, struct ydoc *d, void *node,
		     struct sl_err *err);
int config_connections_check(struct ydoc *d, void *node, struct sl_err *err);
/* The keys sluice reads of a connection, each also as KEY_env; ends with
 * NULL. config_conn_key_known: whether key is one (or "name"). */
extern const char *const config_conn_keys[];
int config_conn_key_known(const char *key);
/* The names of the keys of section (NULL: the top level), "a, b, c",
 * into out (size n). */
const char *config_keys_names(const char *section, char *out, size_t n);

/* A size in bytes: a whole number, or one with a unit (KB, MB, GB:
 * powers of 1000; KiB, MiB, GiB: of 1024), e.g. "100MB". 0 or -1. */
int config_parse_bytes(const char *text, int64_t *out);

/* One key of sluice.yaml: a dotted name is a key inside a section
 * ("web.port"). The loader knows its keys from this table (an unknown key
 * is an error that lists them) and sluice.yaml(5) is generated from it,
 * so the page cannot drift from what the loader takes. */
struct config_key {
	const char *name;
	const char *type;	/* as the page shows it */
	const char *def;	/* the default, as text; NULL: none */
	const char *doc;
};
/* Every key, sections before their keys; ends with {NULL}. */
extern const struct config_key config_keys[];

/* The commented sluice.yaml that `sluice init` writes. */
extern const char config_template[];

#endif
