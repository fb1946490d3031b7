/*
 * executors/ssh/config.c: the ssh executor's config entry (a JSON object,
 * its keys in exec_ssh_keys[], which sluice.yaml(5) prints) into an ssh_exec: user, key
 * or agent, known_hosts and host_key_check, durations, slots, the hosts
 * and the jump host. Unknown keys and bad values are refused by name.
 */
#include "build-config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/text.h"
#include "executors/ssh/ssh_internal.h"

static char *expand_home(const char *path)
{
	const char *home;

	if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
		return xstrdup(path);
	home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	return xasprintf("%s%s", home, path + 1);
}

static int json_duration(json_t *cfg, const char *key, int64_t def,
			 int64_t *out, char *err, size_t errlen,
			 const char *name)
{
	json_t *v = json_object_get(cfg, key);

	*out = def;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v) * 1000;
		return 0;
	}
	if (json_is_string(v) &&
	    sl_parse_duration(json_string_value(v), out) == 0)
		return 0;
	snprintf(err, errlen, "ssh executor %s: %s must be a duration like "
		 "\"10s\" or \"2m\"", name, key);
	return -1;
}

static const char *json_str(json_t *cfg, const char *key)
{
	json_t *v = json_object_get(cfg, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Parse "host", "host:port", "[v6]:port" and (with user) "user@host:port". */
static int parse_hostspec(const char *spec, int defport, char **user,
			  char **name, int *port)
{
	const char *at = user ? strchr(spec, '@') : NULL;
	const char *p = at ? at + 1 : spec;
	const char *colon;
	long long v;

	if (user)
		*user = at ? xstrndup(spec, (size_t)(at - spec)) : NULL;
	*port = defport;
	if (*p == '[') {
		const char *end = strchr(p, ']');
		if (!end)
			return -1;
		*name = xstrndup(p + 1, (size_t)(end - p - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			goto bad;
	} else {
		colon = strrchr(p, ':');
		if (colon && strchr(p, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		*name = colon ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
	}
	if (colon) {
		if (sl_parse_int(colon + 1, 1, 65535, &v) < 0)
			goto bad;
		*port = (int)v;
	}
	if (!**name)
		goto bad;
	return 0;
bad:
	free(*name);
	*name = NULL;
	if (user) {
		free(*user);
		*user = NULL;
	}
	return -1;
}

const struct exec_ssh_key exec_ssh_keys[] = {
	{ "type", "ssh", NULL, "the executor type" },
	{ "hosts", "host or list of hosts", NULL, "required: the hosts, each host or host:port ([v6addr]:port; no user@: every host is logged in to as user:); tries go to the one with the most free slots" },
	{ "port", "integer 1..65535", "22", "the port of hosts that name none" },
	{ "user", "name", "the scheduler's user", "the remote user" },
	{ "key", "path", NULL, "the private key file (ed25519, ECDSA, RSA; OpenSSH or PEM format), checked readable at start-up; required unless agent: true" },
	{ "key_passphrase_env", "name", NULL, "the environment variable holding the key's passphrase" },
	{ "agent", "boolean", "false", "log in with the keys of ssh-agent (SSH_AUTH_SOCK) first, then key" },
	{ "known_hosts", "path", "~/.ssh/known_hosts", "the OpenSSH known_hosts file the hosts' keys are checked against (plain, hashed and [host]:port lines; ssh-keyscan -p PORT HOST >> FILE adds one)" },
	{ "host_key_check", "strict or accept-new", "strict", "strict: an unknown or changed host key is refused; accept-new: an unknown host's key is added to known_hosts and checked from then on (a changed one is still refused)" },
	{ "connect_timeout", "duration", "10s", "TCP connect, SSH handshake and login, together" },
	{ "keepalive", "duration", "30s", "the keepalive period; a host silent for three periods is dropped and its running tries fail" },
	{ "slots_per_host", "integer 1..1000", "4", "tries at once on each host; the executor's slots are hosts times this" },
	{ "via", "[user@]host[:port]", NULL, "a jump host: connections to the hosts go through it (same key, known_hosts and checks)" },
	{ "sluice_path", "path", "sluice", "sluice on the hosts: tasks of types other than shell run it there (sluice executors check NAME says whether it is found)" },
	{ "state_dir", "path", "HOME/run (set by the scheduler)", "where the executor keeps the commands it must still stop on hosts that did not answer (ssh-NAME.orphans), so that a scheduler started again stops them when the host answers" },
	{ "down_backoff", "duration", "30s", "how long a host that failed to connect takes no new tries; it is tried again after that, by the tries waiting for it" },
	{ "unreachable_timeout", "duration", "10m", "how long a try waits for a host that cannot be reached (no name, no TCP connection, tunnel or handshake, or connect_timeout; a refused login or host key fails at once) before it fails: a try whose command never started waits queued, spending no retry; an adopted try (the scheduler restarted) whose host does not answer runs on, sluice reconnecting every down_backoff; 0: such tries fail at once. The task's timeout still applies" },
	{ NULL, NULL, NULL, NULL },
};

int ssh_config_parse(struct ssh_exec *ex, const char *config_json,
		     char *err, size_t errlen)
{
	const char *name = ex->name;
	json_error_t jerr;
	json_t *cfg, *hosts, *v;
	const char *key, *s;
	size_t i, nk;
	int port = 22;
	struct passwd *pw;

	cfg = json_loads(config_json, 0, &jerr);
	if (!json_is_object(cfg)) {
		snprintf(err, errlen, "ssh executor %s: config is not a JSON "
			 "object: %s", name, jerr.text);
		goto fail;
	}
	json_object_foreach(cfg, key, v) {
		for (nk = 0; exec_ssh_keys[nk].name != NULL; nk++)
			if (strcmp(key, exec_ssh_keys[nk].name) == 0)
				break;
		if (exec_ssh_keys[nk].name == NULL) {
			struct buf known;
			char hint[160];

			buf_init(&known, 0);
			for (nk = 0; exec_ssh_keys[nk].name != NULL; nk++)
				buf_printf(&known, "%s%s", nk ? ", " : "",
					   exec_ssh_keys[nk].name);
			snprintf(err, errlen, "ssh executor %s: unknown key "
				 "'%s' (%sknown: %s)", name, key,
				 text_hint_list(key, known.data, hint, sizeof hint),
				 known.data);
			buf_free(&known);
			goto fail;
		}
	}
	if ((v = json_object_get(cfg, "port")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 65535) {
			snprintf(err, errlen, "ssh executor %s: port must be a "
				 "number from 1 to 65535", name);
			goto fail;
		}
		port = (int)json_integer_value(v);
	}
	if ((s = json_str(cfg, "user")) != NULL) {
		ex->user = xstrdup(s);
	} else if ((pw = getpwuid(getuid())) != NULL) {
		ex->user = xstrdup(pw->pw_name);
	} else {
		snprintf(err, errlen, "ssh executor %s: no user given and the "
			 "local user has no name", name);
		goto fail;
	}
	if ((s = json_str(cfg, "key")) != NULL) {
		ex->key_path = expand_home(s);
		if (access(ex->key_path, R_OK) != 0) {
			snprintf(err, errlen, "ssh executor %s: cannot read the "
				 "key %s: %s", name, ex->key_path,
				 strerror(errno));
			goto fail;
		}
	}
	if ((s = json_str(cfg, "key_passphrase_env")) != NULL)
		ex->passphrase_env = xstrdup(s);
	v = json_object_get(cfg, "agent");
	if (v && !json_is_boolean(v)) {
		snprintf(err, errlen, "ssh executor %s: agent must be true or "
			 "false", name);
		goto fail;
	}
	ex->agent = json_is_true(v);
	if (!ex->agent && !ex->key_path) {
		snprintf(err, errlen, "ssh executor %s: give a key file (key) "
			 "or agent: true", name);
		goto fail;
	}
	ex->known_hosts = expand_home((s = json_str(cfg, "known_hosts")) ?
					      s : "~/.ssh/known_hosts");
	s = json_str(cfg, "host_key_check");
	if (!s || strcmp(s, "strict") == 0) {
		ex->accept_new = 0;
	} else if (strcmp(s, "accept-new") == 0) {
		ex->accept_new = 1;
	} else {
		snprintf(err, errlen, "ssh executor %s: host_key_check must be "
			 "strict or accept-new, not '%s'", name, s);
		goto fail;
	}
	if (json_duration(cfg, "connect_timeout", 10000,
			  &ex->connect_timeout_ms, err, errlen, name) < 0 ||
	    json_duration(cfg, "keepalive", 30000, &ex->keepalive_ms, err,
			  errlen, name) < 0 ||
	    json_duration(cfg, "down_backoff", 30000, &ex->down_backoff_ms,
			  err, errlen, name) < 0 ||
	    json_duration(cfg, "unreachable_timeout", 600000,
			  &ex->unreachable_timeout_ms, err, errlen, name) < 0)
		goto fail;
	if (ex->connect_timeout_ms <= 0)
		ex->connect_timeout_ms = 10000;
	ex->slots_per_host = 4;
	if ((v = json_object_get(cfg, "slots_per_host")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 1000) {
			snprintf(err, errlen, "ssh executor %s: slots_per_host "
				 "must be a number from 1 to 1000", name);
			goto fail;
		}
		ex->slots_per_host = (int)json_integer_value(v);
	}
	ex->sluice_path = xstrdup((s = json_str(cfg, "sluice_path")) ? s
								      : "sluice");
	if ((s = json_str(cfg, "state_dir")) != NULL && *s != '\0') {
		struct sl_err merr;

		ex->state_dir = expand_home(s);
		if (sl_mkdirs(ex->state_dir, 0700, &merr) < 0) {
			snprintf(err, errlen, "ssh executor %s: state_dir: %s",
				 name, merr.msg);
			goto fail;
		}
	}
	hosts = json_object_get(cfg, "hosts");
	if (json_is_string(hosts)) {
		json_t *one = json_array();
		json_array_append(one, hosts);
		json_object_set_new(cfg, "hosts", one);
		hosts = one;
	}
	if (!json_is_array(hosts) || json_array_size(hosts) == 0) {
		snprintf(err, errlen, "ssh executor %s: hosts must list at "
			 "least one host", name);
		goto fail;
	}
	ex->hosts = xcalloc(json_array_size(hosts), sizeof *ex->hosts);
	json_array_foreach(hosts, i, v) {
		char *hname;
		int hport;

		if (json_is_string(v) && strchr(json_string_value(v), '@') != NULL) {
			/* one user for the executor's hosts: user: */
			snprintf(err, errlen, "ssh executor %s: hosts[%zu] \"%s\" "
				 "names a user: the hosts take no user@ (every "
				 "host is logged in to as the executor's user: key)",
				 name, i, json_string_value(v));
			goto fail;
		}
		if (!json_is_string(v) ||
		    parse_hostspec(json_string_value(v), port, NULL, &hname,
				   &hport) < 0) {
			snprintf(err, errlen, "ssh executor %s: hosts[%zu] must "
				 "be \"host\" or \"host:port\" (a port from 1 to "
				 "65535), not %s%s%s", name, i,
				 json_is_string(v) ? "\"" : "",
				 json_is_string(v) ? json_string_value(v)
						   : "a value of another type",
				 json_is_string(v) ? "\"" : "");
			goto fail;
		}
		ssh_exec_host_init(&ex->hosts[ex->nhosts++], ex, hname, hport, ex->user);
	}
	if ((s = json_str(cfg, "via")) != NULL) {
		char *vuser, *vname;
		int vport;

		if (parse_hostspec(s, 22, &vuser, &vname, &vport) < 0) {
			snprintf(err, errlen, "ssh executor %s: via must be "
				 "\"[user@]host[:port]\" (a port from 1 to 65535), "
				 "not \"%s\"", name, s);
			goto fail;
		}
		ex->via = xcalloc(1, sizeof *ex->via);
		ssh_exec_host_init(ex->via, ex, vname, vport, vuser ? vuser : ex->user);
		free(vuser);
	} else if (json_object_get(cfg, "via") &&
		   !json_is_null(json_object_get(cfg, "via"))) {
		snprintf(err, errlen, "ssh executor %s: via must be a string",
			 name);
		goto fail;
	}
	json_decref(cfg);
	return 0;
fail:
	json_decref(cfg);
	return -1;
}
