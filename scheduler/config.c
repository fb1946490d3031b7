/* config.c: the home folder and sluice.yaml. */
#include "scheduler/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "base/json.h"
#include "base/log.h"
#include "base/text.h"
#include "base/ydoc.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

const struct config_key config_keys[] = {
	{ "dags", "path", "dags", "the folder of DAG files (*.yaml, *.yml; its subfolders too, hidden ones aside)" },
	{ "database", "path", "sluice.db", "the SQLite database holding runs, task instances, tries, users and the audit log" },
	{ "logs", "path", "logs", "the folder of task logs: logs/DAG/PARTITION/TASK/try-N.log" },
	{ "parallelism", "integer 1..100000", "32", "the most tries running at once, over all DAGs and executors" },
	{ "max_map", "integer 0..1000000", "1024", "the most items a mapped task (foreach:) may expand into; more fail its task instance, naming the count and the limit (a task's own max_map may lower or raise it)" },
	{ "backfill_share", "percent 1..100", "50%", "the most that tries of backfill-lane runs (backfills, catch-up) may hold of parallelism, of each executor's slots and of each pool (rounded down, at least 1): the rest is kept for live partitions" },
	{ "dags_paused_at_creation", "boolean", "true", "new DAGs (at the first start, and files added later) start paused until `sluice dags unpause`; false: they start at once" },
	{ "kill_grace", "duration", "10s", "a try that is stopped (timeout, clear, mark) gets SIGTERM, then SIGKILL this much later" },
	{ "log_max", "size", "100MB", "the cap of one try's log (its head and tail are kept); KB, MB, GB (powers of 1000) or KiB, MiB, GiB; 0: no cap" },
	{ "log_format", "text | json", "text", "the format of the scheduler's and web's own log: text lines (TIME message) or one JSON object per line (time, level, event, and dag, task, partition, try when the line is about one); times in UTC" },
	{ "log_file", "path", NULL, "the file the scheduler's and web's own log is appended to (default: stderr); SIGHUP opens it again (for logrotate) and reloads sluice.yaml" },
	{ "web", "mapping", NULL, "the web UI and REST API (sluice web, sluice standalone)" },
	{ "web.bind", "address", "127.0.0.1", "the address to listen on; 0.0.0.0 serves other machines" },
	{ "web.port", "integer 0..65535", "8080", "the TCP port to listen on" },
	{ "web.base_url", "URL", "http://BIND:PORT", "the address of the UI as people reach it (http:// or https:// and a host), which begins every link in emails and webhooks; with a path (https://tools.example.com/sluice/) the UI is served under it: behind a reverse proxy that passes that path on or takes it off, its pages, links, redirects and API calls keep to it (the UI's own port answers with or without it)" },
	{ "web.busy_max_rps", "integer 0..10000000", "6500", "in standalone mode, the most requests per second served while tries run (the rest wait their turn); 0: no limit" },
	{ "retention", "mapping", NULL, "automatic clean-up by the scheduler, hourly, in small transactions (as sluice db clean does)" },
	{ "retention.runs", "duration", NULL, "finished runs whose partition ended longer ago are deleted with their task instances, tries, ended webhook and email deliveries and logs (an age with a unit, an hour or more: 180d)" },
	{ "retention.logs", "duration", NULL, "the log folders of runs whose partition ended longer ago are deleted (the runs stay; an hour or more: 30d)" },
	{ "pools", "mapping of NAME: slots", "default: 128", "named pools of slots; a task takes pool_slots of its pool's slots while a try runs (`sluice pools` shows them in use)" },
	{ "executors", "mapping of NAME: mapping", "local: {type: local, slots: 16}", "where tries run; a task names one with executor:. type: local (keys slots, starters, status_dir, log_max, status_keep_ms, fork_server, cgroup: true for a cgroup per try, off by default), ssh (hosts, user, key, known_hosts, host_key_check, slots_per_host, via, ...: see SSH EXECUTOR in sluice.yaml(5)) or plugin (path, slots, and the plug-in's own keys)" },
	{ "smtp", "mapping", NULL, "the mail server for notifications; without it, emails are written to the home's outbox/ folder" },
	{ "smtp.url", "URL", NULL, "smtp://HOST:PORT or smtps://HOST:PORT" },
	{ "smtp.from", "address", NULL, "the sender of notifications" },
	{ "smtp.starttls", "boolean", "false", "upgrade an smtp:// connection with STARTTLS (required when true: a server without it is an error)" },
	{ "smtp.auth_without_tls", "boolean", "false", "send the username and password over an smtp:// connection without STARTTLS, in the clear (a test server on loopback); without it, credentials are sent only over smtps:// or with starttls: true, and a delivery that would send them in the clear fails" },
	{ "smtp.username", "string", NULL, "the login, when the server asks for one" },
	{ "smtp.password_env", "string", NULL, "the environment variable holding the password (any KEY_env key of smtp or a connection is read so)" },
	{ "smtp.ca_file", "path", NULL, "the CA bundle to check the server's certificate with" },
	{ "smtp.insecure", "boolean", "false", "do not check the server's certificate" },
	{ "smtp.timeout", "duration", NULL, "how long one delivery may take" },
	{ "smtp.retry_delay", "duration", NULL, "the wait before a failed delivery is tried again" },
	{ "smtp.tries", "integer 1..100", "4", "attempts per message (a notification the server never took is kept in HOME/outbox/)" },
	{ "freshness_lookback", "duration", "7d", "how far back the scheduler checks DAGs' freshness: (partitions that ended earlier are never reported late)" },
	{ "webhooks", "mapping of NAME: mapping", NULL, "where notifications go besides email: a DAG or task names them with notify: (see operators/WEBHOOKS.md); each URL is a secret, shown masked" },
	{ "webhooks.NAME.url", "URL", NULL, "http:// or https:// address the event is POSTed to (required)" },
	{ "webhooks.NAME.format", "json | slack", "json", "json: the event as an object (event, dag, task, partition, try, state, url, reason); slack: {\"text\": ...} with the link" },
	{ "webhooks.NAME.secret_header", "string", NULL, "a header sent with every delivery (e.g. X-Sluice-Token), its value read from secret_env" },
	{ "webhooks.NAME.secret_env", "string", NULL, "the environment variable holding the secret header's value" },
	{ "webhooks.NAME.tries", "integer 1..20", "5", "attempts per round of a delivery (a 5xx, 408, 429 or no connection is tried again); a receiver still down after them gets the event in a next round, the back-off doubled on (at most 10m), for a day" },
	{ "webhooks.NAME.retry_delay", "duration", "1s", "the first back-off, doubled each time (at most 60s)" },
	{ "webhooks.NAME.timeout", "duration", "10s", "how long one attempt may take" },
	{ "connections", "mapping of NAME: mapping", NULL, "connections that tasks name (warehouses, AWS accounts): {url: ..., password_env: ...} (a warehouse) or {type: aws, profile: ..., region: ...} (operators/AWS.md); a key sluice does not read is an error, except in a connection whose type: is a plug-in's own; a name not here is read from the environment variable SLUICE_CONN_NAME (a URL or a JSON object)" },
	{ NULL, NULL, NULL, NULL },
};

const char *
config_keys_names(const char *section, char *out, size_t n)
{
	size_t len = 0, slen = section != NULL ? strlen(section) : 0;

	out[0] = '\0';
	for (const struct config_key *k = config_keys; k->name != NULL; k++) {
		const char *name = k->name;

		if (section != NULL) {
			if (strncmp(name, section, slen) != 0 || name[slen] != '.')
				continue;
			name += slen + 1;
		} else if (strchr(name, '.') != NULL)
			continue;
		len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s",
					len > 0 ? ", " : "", name);
		if (len >= n)
			break;
	}
	return out;
}

/* Drop the "." and empty components of absolute path p, in place, so
 * `--home .` or `--home demo/` names its files as /srv/demo/dags/a.yaml
 * in messages, not /srv/demo/./dags/a.yaml or /srv/demo//dags/a.yaml.
 * ".." stays: resolving it without the file system would be wrong across
 * a symbolic link. */
static char *
home_clean(char *p)
{
	char *in = p, *out = p;

	while (*in != '\0') {
		size_t n;

		while (*in == '/')
			in++;
		n = strcspn(in, "/");
		if (n == 0 || (n == 1 && in[0] == '.')) {
			in += n;
			continue;
		}
		*out++ = '/';
		memmove(out, in, n);
		out += n;
		in += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
	return p;
}

char *
config_home(const char *flag)
{
	const char *h = flag;
	char cwd[PATH_MAX];

	if (h == NULL || *h == '\0')
		h = getenv("SLUICE_HOME");
	/* a package's system home (configure --with-default-home) */
	if ((h == NULL || *h == '\0') && SLUICE_DEFAULT_HOME[0] == '/')
		h = SLUICE_DEFAULT_HOME;
	if (h == NULL || *h == '\0') {
		if (getcwd(cwd, sizeof cwd) == NULL)
			sl_fatal("cannot read the current folder");
		return xstrdup(cwd);
	}
	if (h[0] == '/')
		return home_clean(xstrdup(h));
	if (getcwd(cwd, sizeof cwd) == NULL)
		sl_fatal("cannot read the current folder");
	return home_clean(xasprintf("%s/%s", cwd, h));
}

static char *
home_path(const char *home, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	if (p[0] == '~' && p[1] == '/' && getenv("HOME") != NULL)
		return xasprintf("%s/%s", getenv("HOME"), p + 2);
	return xasprintf("%s/%s", home, p);
}

static void
config_defaults(struct config *c, const char *home)
{
	c->home = xstrdup(home);
	c->file = xasprintf("%s/sluice.yaml", home);
	c->dags_dir = xasprintf("%s/dags", home);
	c->db_path = xasprintf("%s/sluice.db", home);
	c->logs_dir = xasprintf("%s/logs", home);
	c->parallelism = 32;
	c->max_map = 1024;
	c->backfill_share = 50;
	c->dags_paused_at_creation = 1;
	c->web_bind = xstrdup("127.0.0.1");
	c->web_port = 8080;
	c->web_busy_max_rps = 6500;
	c->base_url = NULL;
	c->kill_grace_ms = 10000;
	c->freshness_lookback_ms = 7LL * 24 * 3600 * 1000;
	c->pools = json_pack("{s:i}", "default", 128);
	c->executors = json_pack("{s:{s:s,s:i}}", "local", "type", "local",
				 "slots", 16);
	c->smtp = NULL;
	c->connections = json_object();
}

int
config_parse_bytes(const char *text, int64_t *out)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {
		{ "", 1 }, { "B", 1 },
		{ "KB", 1000 }, { "MB", 1000000 }, { "GB", 1000000000 },
		{ "KiB", 1024 }, { "MiB", 1048576 }, { "GiB", 1073741824 },
	};
	char *end;
	long long n;

	errno = 0;
	if (text[0] < '0' || text[0] > '9')
		return -1;
	n = strtoll(text, &end, 10);
	if (errno != 0)
		return -1;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].unit) == 0) {
			if (n > INT64_MAX / units[i].mult)
				return -1;
			*out = n * units[i].mult;
			return 0;
		}
	return -1;
}

static int
load_web(struct config *c, struct ydoc *d, ynode_t *n, struct sl_err *err)
{
	if (n->type != YAML_MAPPING_NODE)
		return ydoc_err(d, n, err, "web: expected a mapping, got %s",
				ynode_kind(n));
	if (ymap_check_dups(d, n, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n); p++) {
		ynode_t *k = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		const char *key = ynode_str(k), *s;
		long long iv;

		if (key == NULL)
			return ydoc_err(d, k, err, "web: keys must be strings");
		if (strcmp(key, "bind") == 0) {
			if (ynode_get_str(d, v, "web.bind", &s, err) < 0)
				return -1;
			free(c->web_bind);
			c->web_bind = xstrdup(s);
		} else if (strcmp(key, "port") == 0) {
			if (ynode_get_int(d, v, "web.port", 0, 65535, &iv, err) < 0)
				return -1;
			c->web_port = (int)iv;
		} else if (strcmp(key, "base_url") == 0) {
			if (ynode_get_str(d, v, "web.base_url", &s, err) < 0)
				return -1;
			/* every link sluice sends starts with it: another
			 * scheme (javascript:) would be a live link in a mail,
			 * a ? or # would swallow the page's path */
			if (text_url_kind(s) != TEXT_URL_WEB || strpbrk(s, "?#") != NULL)
				return ydoc_err(d, v, err, "web.base_url: '%s' is not "
						"the UI's web address: an http:// or "
						"https:// URL with a host and no ? or #, "
						"such as https://sluice.example.com or "
						"https://example.com/sluice", s);
			free(c->base_url);
			c->base_url = xstrdup(s);
		} else if (strcmp(key, "busy_max_rps") == 0) {
			if (ynode_get_int(d, v, "web.busy_max_rps", 0, 10000000, &iv, err) < 0)
				return -1;
			c->web_busy_max_rps = (int)iv;
		} else {
			char known[512], hint[160];

			config_keys_names("web", known, sizeof known);
			return ydoc_err(d, k, err, "web: unknown key '%s' (%sknown: %s)",
					key, text_hint_list(key, known, hint, sizeof hint), known);
		}
	}
	return 0;
}

static int
load_retention(struct config *c, struct ydoc *d, ynode_t *n,
	       struct sl_err *err)
{
	if (n->type != YAML_MAPPING_NODE)
		return ydoc_err(d, n, err, "retention: expected a mapping "
				"({runs: 180d, logs: 30d}), got %s", ynode_kind(n));
	if (ymap_check_dups(d, n, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n); p++) {
		ynode_t *k = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		const char *key = ynode_str(k);
		char hint[160];

		if (key == NULL || (strcmp(key, "runs") != 0 &&
				    strcmp(key, "logs") != 0))
			return ydoc_err(d, k, err, "retention: unknown key '%s' "
					"(%sknown: runs, logs)", key ? key : "",
					text_hint_list(key, "runs, logs", hint, sizeof hint));
		int64_t *age = key[0] == 'r' ? &c->retention_runs_ms :
					       &c->retention_logs_ms;
		const char *s = ynode_str(v);
		struct sl_err why;

		sl_err_clear(&why);
		if (s == NULL || ynode_is_null(v) || sl_parse_age(s, age, &why) < 0)
			return ydoc_err(d, v, err, "retention.%s: %s", key,
					s != NULL && !ynode_is_null(v) ? why.msg :
					"expected an age like 180d");
	}
	return 0;
}

static int
load_pools(struct config *c, struct ydoc *d, ynode_t *n,
	   struct sl_err *err)
{
	if (n->type != YAML_MAPPING_NODE)
		return ydoc_err(d, n, err,
				"pools: expected a mapping of pool name to slots, got %s",
				ynode_kind(n));
	if (ymap_check_dups(d, n, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n); p++) {
		ynode_t *k = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		char what[300];
		long long slots;

		if (ynode_str(k) == NULL)
			return ydoc_err(d, k, err, "pools: keys must be pool names");
		snprintf(what, sizeof what, "pools.%s", ynode_str(k));
		if (ynode_get_int(d, v, what, 1, 1000000, &slots, err) < 0)
			return -1;
		json_object_set_new(c->pools, ynode_str(k), json_integer(slots));
	}
	return 0;
}

/* A mapping of name → mapping (executors, connections), kept as JSON
 * with the entry's line; with key_positions, also each key's (base/json.h). */
static int
load_named_maps(json_t *into, const char *section, struct ydoc *d,
		ynode_t *n, int key_positions, struct sl_err *err)
{
	if (n->type != YAML_MAPPING_NODE)
		return ydoc_err(d, n, err, "%s: expected a mapping, got %s",
				section, ynode_kind(n));
	if (ymap_check_dups(d, n, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n); p++) {
		ynode_t *k = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		json_t *j;

		if (ynode_str(k) == NULL)
			return ydoc_err(d, k, err, "%s: keys must be names",
					section);
		if (v->type != YAML_MAPPING_NODE)
			return ydoc_err(d, v, err,
					"%s.%s: expected a mapping, got %s",
					section, ynode_str(k), ynode_kind(v));
		if (ynode_to_json(d, v, 1, &j, err) < 0)
			return -1;
		json_object_set_new(j, "_line", json_integer(ynode_line(v)));
		if (key_positions) {
			json_t *at = json_object();

			for (yaml_node_pair_t *q = ymap_begin(v); q < ymap_end(v); q++) {
				ynode_t *kk = ydoc_node(d, q->key);

				if (ynode_str(kk) != NULL)
					json_object_set_new(at, ynode_str(kk),
					    json_pack("[ii]", ynode_line(kk), ynode_col(kk)));
			}
			json_object_set_new(j, "_at", at);
		}
		json_object_set_new(into, ynode_str(k), j);
	}
	return 0;
}

/* Local executors keep each try's status file in HOME/run/tries unless
 * their entry says otherwise (executors/EXECUTORS.md). */
static void
config_status_dirs(struct config *c)
{
	const char *name;
	json_t *e;

	json_object_foreach(c->executors, name, e) {
		const char *type = json_string_value(json_object_get(e, "type"));

		if (!json_is_object(e) || (type != NULL && strcmp(type, "local") != 0))
			continue;
		/* the scheduler says recorded() after each commit of an end:
		 * a status file waits for that word, however long writes are
		 * held (executors/EXECUTORS.md) */
		if (json_object_get(e, "status_until_recorded") == NULL)
			json_object_set_new(e, "status_until_recorded", json_true());
		if (json_object_get(e, "status_dir") != NULL)
			continue;
		{
			char *dir = xasprintf("%s/run/tries", c->home);

			json_object_set_new(e, "status_dir", json_string(dir));
			free(dir);
		}
	}
}

/* A percent: 50 or "50%", 1..100. */
static int
config_percent(struct ydoc *d, ynode_t *n, const char *key, int *out,
	       struct sl_err *err)
{
	const char *text;
	char num[16];
	size_t len;
	long long v;

	if (ynode_get_str(d, n, key, &text, err) < 0)
		return -1;
	len = strlen(text);
	if (len > 0 && text[len - 1] == '%')
		len--;
	if (len == 0 || len >= sizeof num)
		return ydoc_err(d, n, err, "%s: expected a percent 1..100 (50 or 50%%), got '%s'",
				key, text);
	memcpy(num, text, len);
	num[len] = '\0';
	if (sl_parse_int(num, 1, 100, &v) < 0)
		return ydoc_err(d, n, err, "%s: expected a percent 1..100 (50 or 50%%), got '%s'",
				key, text);
	*out = (int)v;
	return 0;
}

int
config_load(const char *home, struct config **out, struct sl_err *err)
{
	struct config *c = xcalloc(1, sizeof *c);
	struct ydoc *d = NULL;
	ynode_t *root;

	config_defaults(c, home);
	if (access(c->file, F_OK) != 0) {
		config_status_dirs(c);
		*out = c;
		return 0;
	}
	if (ydoc_load(c->file, CONFIG_MAX_BYTES, &d, err) < 0)
		goto fail;
	root = ydoc_root(d);
	if (root == NULL || ynode_is_null(root)) {
		ydoc_free(d);
		config_status_dirs(c);
		*out = c;
		return 0;
	}
	if (root->type != YAML_MAPPING_NODE) {
		ydoc_err(d, root, err, "expected a mapping of settings, got %s",
			 ynode_kind(root));
		goto fail;
	}
	if (ymap_check_dups(d, root, err) < 0)
		goto fail;
	for (yaml_node_pair_t *p = ymap_begin(root); p < ymap_end(root); p++) {
		ynode_t *k = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		const char *key = ynode_str(k), *s;
		long long iv;
		int64_t ms;

		if (key == NULL) {
			ydoc_err(d, k, err, "keys must be strings");
			goto fail;
		}
		if (ynode_is_null(v))
			continue;
		if (strcmp(key, "dags") == 0 || strcmp(key, "database") == 0 ||
		    strcmp(key, "logs") == 0) {
			char **slot = key[0] == 'd' && key[1] == 'a' && key[2] == 'g'
			    ? &c->dags_dir : key[0] == 'd' ? &c->db_path : &c->logs_dir;

			if (ynode_get_str(d, v, key, &s, err) < 0)
				goto fail;
			free(*slot);
			*slot = home_path(home, s);
		} else if (strcmp(key, "parallelism") == 0) {
			if (ynode_get_int(d, v, key, 1, 100000, &iv, err) < 0)
				goto fail;
			c->parallelism = (int)iv;
		} else if (strcmp(key, "max_map") == 0) {
			if (ynode_get_int(d, v, key, 0, 1000000, &iv, err) < 0)
				goto fail;
			c->max_map = (int)iv;
		} else if (strcmp(key, "backfill_share") == 0) {
			if (config_percent(d, v, key, &c->backfill_share, err) < 0)
				goto fail;
		} else if (strcmp(key, "dags_paused_at_creation") == 0) {
			if (ynode_get_bool(d, v, key, &c->dags_paused_at_creation,
					   err) < 0)
				goto fail;
		} else if (strcmp(key, "kill_grace") == 0) {
			if (ynode_get_duration(d, v, key, &ms, err) < 0)
				goto fail;
			c->kill_grace_ms = ms;
		} else if (strcmp(key, "freshness_lookback") == 0) {
			if (ynode_get_duration(d, v, key, &ms, err) < 0)
				goto fail;
			c->freshness_lookback_ms = ms;
		} else if (strcmp(key, "log_max") == 0) {
			if (ynode_str(v) == NULL ||
			    config_parse_bytes(ynode_str(v), &c->log_max) < 0) {
				ydoc_err(d, v, err,
					 "log_max: expected a size in bytes (e.g. 100MB; 0 for no cap)");
				goto fail;
			}
			if (c->log_max == 0)
				c->log_max = -1;
		} else if (strcmp(key, "log_format") == 0) {
			int f;

			if (ynode_get_str(d, v, key, &s, err) < 0)
				goto fail;
			if ((f = log_format_parse(s)) < 0) {
				ydoc_err(d, v, err,
					 "log_format: expected text or json, got '%s'", s);
				goto fail;
			}
			c->log_format = f;
		} else if (strcmp(key, "log_file") == 0) {
			if (ynode_get_str(d, v, key, &s, err) < 0)
				goto fail;
			free(c->log_file);
			c->log_file = home_path(home, s);
		} else if (strcmp(key, "web") == 0) {
			if (load_web(c, d, v, err) < 0)
				goto fail;
		} else if (strcmp(key, "retention") == 0) {
			if (load_retention(c, d, v, err) < 0)
				goto fail;
		} else if (strcmp(key, "pools") == 0) {
			if (load_pools(c, d, v, err) < 0)
				goto fail;
		} else if (strcmp(key, "executors") == 0) {
			if (load_named_maps(c->executors, key, d, v, 1, err) < 0)
				goto fail;
		} else if (strcmp(key, "connections") == 0) {
			if (load_named_maps(c->connections, key, d, v, 0, err) < 0 ||
			    config_connections_check(d, v, err) < 0)
				goto fail;
		} else if (strcmp(key, "webhooks") == 0) {
			if (config_webhooks_load(c, d, v, err) < 0)
				goto fail;
		} else if (strcmp(key, "smtp") == 0) {
			if (config_smtp_load(c, d, v, err) < 0)
				goto fail;
		} else {
			char known[512], hint[160];

			config_keys_names(NULL, known, sizeof known);
			ydoc_err(d, k, err, "unknown key '%s' (%sknown: %s)", key,
				 text_hint_list(key, known, hint, sizeof hint), known);
			goto fail;
		}
	}
	ydoc_free(d);
	config_status_dirs(c);
	*out = c;
	return 0;
fail:
	ydoc_free(d);
	config_free(c);
	return -1;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->home);
	free(c->file);
	free(c->dags_dir);
	free(c->db_path);
	free(c->logs_dir);
	free(c->web_bind);
	free(c->base_url);
	free(c->log_file);
	json_decref(c->pools);
	json_decref(c->file_executors);
	json_decref(c->executors);
	json_decref(c->smtp);
	json_decref(c->webhooks);
	json_decref(c->connections);
	free(c);
}

/* Resolve every "X_env" key of obj into "X" from the environment. */
static int
resolve_env_keys(json_t *obj, const char *what, struct sl_err *err)
{
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(obj, tmp, k, v) {
		size_t n = strlen(k);
		char base[256];
		const char *val;

		if (n <= 4 || strcmp(k + n - 4, "_env") != 0 ||
		    !json_is_string(v) || n - 4 >= sizeof base)
			continue;
		memcpy(base, k, n - 4);
		base[n - 4] = '\0';
		val = getenv(json_string_value(v));
		if (val == NULL)
			return sl_err_set(err,
					  "%s: %s names the environment variable %s, which is not set",
					  what, k, json_string_value(v));
		json_object_set_new(obj, base, json_string(val));
	}
	return 0;
}

/* SLUICE_CONN_<NAME>: the environment variable of connection name. */
static const char *
config_connection_env(const char *name, char *out, size_t size)
{
	size_t i, n;

	n = (size_t)snprintf(out, size, "SLUICE_CONN_%s", name);
	for (i = 12; i < n && i < size; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
	return out;
}

int
config_connection_known(const struct config *c, const char *name,
			struct sl_err *err)
{
	char envname[300], names[512], hint[96];
	struct text_near near;
	const char *k;
	json_t *x;
	size_t off = 0;

	if (json_object_get(c->connections, name) != NULL ||
	    getenv(config_connection_env(name, envname, sizeof envname)) != NULL)
		return 0;
	text_near_init(&near, name);
	names[0] = '\0';
	json_object_foreach(c->connections, k, x) {
		text_near_add(&near, k);
		if (off < sizeof names)
			off += (size_t)snprintf(names + off, sizeof names - off,
						"%s%s", off ? ", " : "", k);
	}
	return sl_err_set(err,
			  "unknown connection '%s': %sdefine it under connections: in %s "
			  "(defined: %s), or set %s where the scheduler runs; without "
			  "it a try of this task cannot start",
			  name, text_hint(text_near_best(&near), hint, sizeof hint),
			  c->file, names[0] ? names : "none", envname);
}

json_t *
config_connection(const struct config *c, const char *name,
		  struct sl_err *err)
{
	json_t *conn = json_object_get(c->connections, name);
	char envname[300];
	const char *val;

	if (conn != NULL) {
		conn = json_entry_plain(conn);
	} else {
		config_connection_env(name, envname, sizeof envname);
		val = getenv(envname);
		if (val == NULL) {
			sl_err_set(err,
				   "unknown connection '%s' (define it under connections: in %s, or set %s)",
				   name, c->file, envname);
			return NULL;
		}
		if (val[0] == '{') {
			conn = json_loads(val, 0, NULL);
			if (!json_is_object(conn)) {
				json_decref(conn);
				sl_err_set(err, "%s is not a valid JSON object",
					   envname);
				return NULL;
			}
		} else {
			const char *colon = strchr(val, ':');

			conn = json_pack("{s:s}", "url", val);
			if (colon != NULL)
				json_object_set_new(conn, "type",
				    json_stringn(val, (size_t)(colon - val)));
		}
	}
	if (resolve_env_keys(conn, name, err) < 0) {
		json_decref(conn);
		return NULL;
	}
	json_object_set_new(conn, "name", json_string(name));
	return conn;
}

json_t *
config_smtp(const struct config *c)
{
	json_t *s;

	if (c->smtp == NULL)
		return NULL;
	s = json_deep_copy(c->smtp);
	if (resolve_env_keys(s, "smtp", NULL) < 0)
		json_object_del(s, "password");
	return s;
}

const char config_template[] =
"# sluice.yaml: the configuration of this sluice home.\n"
"# Every key has a default; delete what you do not need.\n"
"# Paths are relative to this folder.\n"
"\n"
"dags: dags              # the folder of DAG files (*.yaml)\n"
"database: sluice.db     # SQLite state store\n"
"logs: logs              # task logs: logs/DAG/PARTITION/TASK/try-N.log\n"
"parallelism: 32         # most tasks running at once, over all DAGs\n"
"# backfill_share: 50%   # backfills and catch-up hold at most this share\n"
"                        #   of the slots: live partitions always find one\n"
"# dags_paused_at_creation: true  # a DAG seen for the first time starts\n"
"                        #   paused: `sluice dags unpause DAG` (or the UI)\n"
"                        #   starts it; false: new DAGs start at once\n"
"kill_grace: 10s         # SIGTERM, then SIGKILL this much later\n"
"# log_max: 100MB        # cap of a try's log (head and tail kept); 0: none\n"
"# retention: {runs: 180d, logs: 30d}  # the scheduler removes older runs and\n"
"#                     # log files hourly (see `sluice db clean`); default: keep\n"
"# log_format: text      # the scheduler's own log: text, or json (one object\n"
"#                       #   per line: time, level, event, dag, task, ...)\n"
"# log_file: sluice.log  # default: stderr; SIGHUP reopens it, reloads this file\n"
"\n"
"web:\n"
"  bind: 127.0.0.1       # set 0.0.0.0 to serve other machines\n"
"  port: 8080\n"
"  # base_url: https://sluice.example.com   # links in emails; default\n"
"  #   http://BIND:PORT, following --bind and --port\n"
"\n"
"pools:                  # named slot pools; tasks pick one with pool:\n"
"  default: 128\n"
"\n"
"executors:              # where tasks run; tasks pick one with executor:\n"
"  local: {type: local, slots: 16}\n"
"  # bastion:\n"
"  #   type: ssh\n"
"  #   hosts: [10.1.2.3, 10.1.2.4]\n"
"  #   user: etl\n"
"  #   key: ~/.ssh/id_ed25519\n"
"  #   known_hosts: ~/.ssh/known_hosts\n"
"  #   slots_per_host: 4\n"
"\n"
"# smtp:                 # without it, emails are written to outbox/\n"
"#   url: smtp://mail.example.com:587\n"
"#   from: sluice@example.com\n"
"#   starttls: true\n"
"#   username: sluice\n"
"#   password_env: SMTP_PASSWORD\n"
"\n"
"# webhooks:             # DAGs and tasks post to them with notify: [NAME]\n"
"#   team_slack: {url: \"https://hooks.slack.com/services/...\", format: slack}\n"
"#   pager: {url: \"https://alerts.example.com/in\", secret_header: X-Token,\n"
"#           secret_env: PAGER_TOKEN}   # format json: the event as an object\n"
"\n"
"connections:            # also from SLUICE_CONN_<NAME> environment variables\n"
"  lake: {url: \"sqlite:warehouse.db\"}\n"
"  # redshift_b: {url: \"redshift://etl@analytics.example.com:5439/dw\", password_env: REDSHIFT_PASSWORD}\n"
"  # aws_account_a: {type: aws, profile: account-a, region: us-east-1}\n";
