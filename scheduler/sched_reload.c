/*
 * sched_reload.c: SIGHUP. The log file is opened again (logrotate moved
 * it away) and sluice.yaml is read again: what can change while the
 * scheduler runs is applied, what cannot is named in one line (it takes
 * effect at the next start).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/log.h"
#include "scheduler/config.h"
#include "scheduler/sched_internal.h"

/* The names of changed keys, "a, b, c". */
struct reload_names {
	char text[512];
	size_t len;
};

static void
reload_names_add(struct reload_names *n, const char *key)
{
	size_t left = sizeof n->text - n->len;
	int w = snprintf(n->text + n->len, left, "%s%s",
			 n->len > 0 ? ", " : "", key);

	if (w > 0 && (size_t)w < left)
		n->len += (size_t)w;
}

static int
reload_str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static int
reload_json_differs(const json_t *a, const json_t *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return !json_equal((json_t *)a, (json_t *)b);
}

/* executors: and connections: entries carry where they are written
 * (base/json.h, for error messages): a line added above them moves it but
 * changes nothing, so the entries are compared without it. */
static json_t *
reload_without_lines(const json_t *named)
{
	json_t *c = json_object(), *e;
	const char *k;

	json_object_foreach((json_t *)named, k, e)
		json_object_set_new(c, k, json_is_object(e) ? json_entry_plain(e)
							     : json_deep_copy(e));
	return c;
}

static int
reload_named_differs(const json_t *a, const json_t *b)
{
	json_t *x, *y;
	int differs;

	if (a == NULL || b == NULL)
		return a != b;
	x = reload_without_lines(a);
	y = reload_without_lines(b);
	differs = !json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return differs;
}

/* Swap a JSON member of the running config for the new one's. */
static void
reload_take_json(json_t **running, json_t **fresh)
{
	json_t *old = *running;

	*running = *fresh;
	*fresh = old;
}

/*
 * The keys that need a restart, compared with the file as it was read at
 * the start (s->cfg_file): the running config holds --port and --bind,
 * which the file does not.
 */
static void
reload_restart_keys(const struct config *was, const struct config *now,
		    struct reload_names *n, struct reload_names *web)
{
	if (reload_str_differs(was->db_path, now->db_path))
		reload_names_add(n, "database");
	if (reload_str_differs(was->dags_dir, now->dags_dir))
		reload_names_add(n, "dags");
	if (reload_str_differs(was->logs_dir, now->logs_dir))
		reload_names_add(n, "logs");
	if (reload_str_differs(was->web_bind, now->web_bind))
		reload_names_add(web, "web.bind");
	if (was->web_port != now->web_port)
		reload_names_add(web, "web.port");
	if (reload_str_differs(was->base_url, now->base_url))
		reload_names_add(web, "web.base_url");
	if (was->web_busy_max_rps != now->web_busy_max_rps)
		reload_names_add(web, "web.busy_max_rps");
	if (reload_named_differs(was->executors, now->executors))
		reload_names_add(n, "executors");
}

/* Apply what can change live to the running config; name it in n. */
static void
reload_apply(struct sched *s, struct config *now, struct reload_names *n)
{
	struct config *c = s->cfg;
	int retention_was = c->retention_runs_ms > 0 || c->retention_logs_ms > 0;

	if (reload_str_differs(c->log_file, now->log_file)) {
		struct sl_err err;

		sl_err_clear(&err);
		if (log_open(now->log_file, (enum log_format)now->log_format,
			     &err) < 0)
			log_emit(LOG_LEVEL_ERROR, NULL,
				 "sluice.yaml: log_file not changed: %s", err.msg);
		else {
			free(c->log_file);
			c->log_file = now->log_file;
			now->log_file = NULL;
			reload_names_add(n, "log_file");
		}
	}
	if (c->log_format != now->log_format) {
		c->log_format = now->log_format;
		log_set_format((enum log_format)c->log_format);
		reload_names_add(n, "log_format");
	}
	if (c->parallelism != now->parallelism) {
		c->parallelism = now->parallelism;
		reload_names_add(n, "parallelism");
	}
	if (c->backfill_share != now->backfill_share) {
		c->backfill_share = now->backfill_share;
		reload_names_add(n, "backfill_share");
	}
	if (c->dags_paused_at_creation != now->dags_paused_at_creation) {
		c->dags_paused_at_creation = now->dags_paused_at_creation;
		reload_names_add(n, "dags_paused_at_creation");
	}
	if (c->kill_grace_ms != now->kill_grace_ms) {
		c->kill_grace_ms = now->kill_grace_ms;
		reload_names_add(n, "kill_grace");
	}
	/* both are read from the running config where they are used (a
	 * mapped task's expansion, the freshness pass) */
	if (c->max_map != now->max_map) {
		c->max_map = now->max_map;
		reload_names_add(n, "max_map");
	}
	if (c->freshness_lookback_ms != now->freshness_lookback_ms) {
		c->freshness_lookback_ms = now->freshness_lookback_ms;
		reload_names_add(n, "freshness_lookback");
	}
	if (c->log_max != now->log_max) {
		c->log_max = now->log_max;
		reload_names_add(n, "log_max");
	}
	if (c->retention_runs_ms != now->retention_runs_ms ||
	    c->retention_logs_ms != now->retention_logs_ms) {
		c->retention_runs_ms = now->retention_runs_ms;
		c->retention_logs_ms = now->retention_logs_ms;
		if (!retention_was && s->retention_timer.slot == 0)
			sched_retention_start(s);
		reload_names_add(n, "retention");
	}
	if (reload_json_differs(c->pools, now->pools)) {
		reload_take_json(&c->pools, &now->pools);
		reload_names_add(n, "pools");
		s->bag_config_changed = 1;
	}
	if (reload_json_differs(c->smtp, now->smtp)) {
		reload_take_json(&c->smtp, &now->smtp);
		reload_names_add(n, "smtp");
	}
	if (reload_json_differs(c->webhooks, now->webhooks)) {
		reload_take_json(&c->webhooks, &now->webhooks);
		reload_names_add(n, "webhooks");
		s->bag_config_changed = 1;
	}
	if (reload_named_differs(c->connections, now->connections)) {
		reload_take_json(&c->connections, &now->connections);
		reload_names_add(n, "connections");
		s->bag_config_changed = 1;
	}
}

void
sched_reload(struct sched *s)
{
	struct reload_names applied = { "", 0 }, restart = { "", 0 }, web = { "", 0 };
	struct config *now = NULL;
	struct sl_err err;
	int reopened;

	sl_err_clear(&err);
	if (!(reopened = log_reopen(&err) == 0))
		log_emit(LOG_LEVEL_ERROR, NULL, "SIGHUP: %s; the log goes on where it was",
			 err.msg);
	sl_err_clear(&err);
	if (config_load(s->cfg->home, &now, &err) < 0) {
		char msg[2048];

		log_emit(LOG_LEVEL_ERROR, NULL,
			 "SIGHUP: sluice.yaml not reloaded: %s; the running settings stay",
			 sl_err_str(&err, msg, sizeof msg));
		return;
	}
	if (s->cfg_file != NULL)
		reload_restart_keys(s->cfg_file, now, &restart, &web);
	/* the web's keys are this process's only when it serves the web */
	if (s->serves_web && web.len > 0)
		reload_names_add(&restart, web.text);
	reload_apply(s, now, &applied);
	/* executors change only with a restart: a DAG file naming one the
	 * file has now, but this scheduler has not, says so (dag.c) */
	json_decref(s->cfg->file_executors);
	s->cfg->file_executors = reload_named_differs(s->cfg->executors,
						      now->executors)
	    ? json_incref(now->executors) : NULL;
	if (s->cfg->file_executors != NULL)
		s->bag_config_changed = 1;
	log_emit(restart.len > 0 ? LOG_LEVEL_WARN : LOG_LEVEL_INFO, NULL,
		 "SIGHUP: %ssluice.yaml reloaded: %s%s%s%s%s%s%s%s",
		 reopened ? "log reopened, " : "log not reopened (above), ",
		 applied.len > 0 ? "applied " : "",
		 applied.len > 0 ? applied.text : "",
		 applied.len > 0 && restart.len > 0 ? "; " : "",
		 restart.len > 0 ? "changed but need a restart (the running values stay): " : "",
		 restart.len > 0 ? restart.text :
		 applied.len > 0 || (!s->serves_web && web.len > 0) ? "" : "no change",
		 !s->serves_web && web.len > 0 && (applied.len > 0 || restart.len > 0) ? "; " : "",
		 !s->serves_web && web.len > 0 ? "for `sluice web`, at its next start (this scheduler serves no web UI): " : "",
		 !s->serves_web && web.len > 0 ? web.text : "");
	/* DAG files are checked against pools, webhooks and connections at
	 * load: a file refused for naming a pool that has just been added
	 * would otherwise stay refused until it is edited (while the CLI,
	 * reading the new file, loads it and lets runs be triggered) */
	if (s->bag_config_changed) {
		s->bag_config_changed = 0;
		dagbag_reread_all(&s->bag);
		sched_sync_scan_dags(s);
	}
	if (applied.len > 0)
		sched_pass_schedule(s);	/* more slots may let tries start */
	config_free(now);
}
