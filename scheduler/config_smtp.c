/*
 * config_smtp.c: the smtp: and connections: sections of sluice.yaml,
 * checked at load as webhooks: is (config_webhooks.c): a key not in
 * config_keys[] (config.c) is an error with file:line:column and the
 * nearest known key, and each value must have its key's type. smtp is
 * kept as JSON for the email operator (config_smtp); a connection as the
 * JSON of its mapping (config_connection).
 */
#include "scheduler/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"
#include "base/ydoc.h"

/* The config_keys[] entry of smtp.KEY, or of the key KEY_env stands for
 * (*env set: its value is a variable's name), or NULL. */
static const struct config_key *
smtp_key_find(const char *key, int *env)
{
	size_t n = strlen(key);

	*env = 0;
	for (const struct config_key *k = config_keys; k->name != NULL; k++) {
		const char *name = k->name + 5;
		size_t kn = strlen(name);

		if (strncmp(k->name, "smtp.", 5) != 0)
			continue;
		if (strcmp(key, name) == 0)
			return k;
		if (n == kn + 4 && strncmp(key, name, kn) == 0 && strcmp(key + kn, "_env") == 0) {
			*env = 1;
			return k;
		}
	}
	return NULL;
}

/* Check one value of smtp: against its key's type in config_keys[]; the
 * message never quotes a URL (it may hold a password). */
static int
smtp_check_value(struct ydoc *d, ynode_t *v, const char *type, const char *what,
		 struct sl_err *err)
{
	const char *s;
	long long iv;
	int64_t ms;
	int b;

	if (strcmp(type, "boolean") == 0)
		return ynode_get_bool(d, v, what, &b, err);
	if (strcmp(type, "duration") == 0) {
		if (ynode_get_duration(d, v, what, &ms, err) < 0)
			return -1;
		if (ms <= 0 || ms > 3600 * 1000)
			return ydoc_err(d, v, err, "%s: expected a duration between 1ms and 1h", what);
		return 0;
	}
	if (strcmp(type, "integer 1..100") == 0)
		return ynode_get_int(d, v, what, 1, 100, &iv, err);
	if (ynode_get_str(d, v, what, &s, err) < 0)
		return -1;
	if (strcmp(type, "URL") == 0 && strncasecmp(s, "smtp://", 7) != 0 &&
	    strncasecmp(s, "smtps://", 8) != 0)
		return ydoc_err(d, v, err, "%s: expected smtp://HOST:PORT or smtps://HOST:PORT", what);
	return 0;
}

int
config_smtp_load(struct config *c, struct ydoc *d, void *node, struct sl_err *err)
{
	ynode_t *n = node;

	if (n->type != YAML_MAPPING_NODE)
		return ydoc_err(d, n, err, "smtp: expected a mapping "
				"({url: smtp://HOST:PORT, from: ...}), got %s", ynode_kind(n));
	if (ymap_check_dups(d, n, err) < 0)
		return -1;
	for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n); p++) {
		ynode_t *kk = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		const char *key = ynode_str(kk);
		const struct config_key *k = NULL;
		char what[160], known[512], hint[160];
		int env = 0;

		if (key != NULL)
			k = smtp_key_find(key, &env);
		if (k == NULL) {
			char env_key[120];

			config_keys_names("smtp", known, sizeof known);
			/* password: written out is refused; password_env is its key */
			snprintf(env_key, sizeof env_key, "%.100s_env", key ? key : "");
			if (key != NULL && smtp_key_find(env_key, &env) != NULL && !env)
				text_hint(env_key, hint, sizeof hint);
			else
				text_hint_list(key, known, hint, sizeof hint);
			return ydoc_err(d, kk, err, "smtp: unknown key '%.100s' (%sknown: %s; "
					"each also as KEY_env, read from that environment variable)",
					key ? key : "", hint, known);
		}
		snprintf(what, sizeof what, "smtp.%s", key);
		if (smtp_check_value(d, v, env ? "string" : k->type, what, err) < 0)
			return -1;
	}
	json_decref(c->smtp);
	c->smtp = NULL;
	return ynode_to_json(d, n, 1, &c->smtp, err);
}

/* The keys sluice reads of a connection (a warehouse's url and password,
 * an AWS account's keys, operators/AWS.md), each also as KEY_env. */
const char *const config_conn_keys[] = {
	"type", "url", "password",
	"profile", "region", "role_arn", "external_id", "role_session_name",
	"duration_seconds", "endpoint_url", "access_key_id",
	"secret_access_key", "session_token", NULL
};

/* A connection's type whose keys config_conn_keys lists: none, aws, or
 * a warehouse's; a plug-in's own type keeps whatever keys it reads. */
static int
conn_type_checked(const char *type)
{
	static const char *const types[] = { "aws", "postgresql", "postgres",
					     "redshift", "sqlite", NULL };

	if (type == NULL)
		return 1;
	for (size_t i = 0; types[i] != NULL; i++)
		if (strcmp(type, types[i]) == 0)
			return 1;
	return 0;
}

int
config_connections_check(struct ydoc *d, void *node, struct sl_err *err)
{
	ynode_t *n = node;
	char known[400], near[800];
	size_t off = 0, noff = 0;

	known[0] = near[0] = '\0';
	for (size_t i = 0; config_conn_keys[i] != NULL; i++) {
		off += (size_t)snprintf(known + off, off < sizeof known ? sizeof known - off : 0,
					"%s%s", i ? ", " : "", config_conn_keys[i]);
		noff += (size_t)snprintf(near + noff, noff < sizeof near ? sizeof near - noff : 0,
					 "%s%s, %s_env", i ? ", " : "", config_conn_keys[i],
					 config_conn_keys[i]);
	}
	for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n); p++) {
		ynode_t *name = ydoc_node(d, p->key), *conn = ydoc_node(d, p->value);
		ynode_t *t = ymap_get(d, conn, "type");

		if (!conn_type_checked(t != NULL ? ynode_str(t) : NULL))
			continue;
		for (yaml_node_pair_t *q = ymap_begin(conn); q < ymap_end(conn); q++) {
			ynode_t *kk = ydoc_node(d, q->key);
			const char *key = ynode_str(kk);
			char hint[160];

			if (key != NULL && config_conn_key_known(key))
				continue;
			return ydoc_err(d, kk, err, "connections.%s: unknown key '%.100s' "
					"(%sknown: %s, and any of them as KEY_env; a connection of "
					"a plug-in's own type: keeps its own keys)",
					ynode_str(name), key ? key : "",
					text_hint_list(key, near, hint, sizeof hint), known);
		}
	}
	return 0;
}

int
config_conn_key_known(const char *key)
{
	size_t n = strlen(key);

	if (strcmp(key, "name") == 0)
		return 1;
	for (size_t i = 0; config_conn_keys[i] != NULL; i++) {
		size_t kn = strlen(config_conn_keys[i]);

		if (strcmp(key, config_conn_keys[i]) == 0 ||
		    (n == kn + 4 && strncmp(key, config_conn_keys[i], kn) == 0 &&
		     strcmp(key + kn, "_env") == 0))
			return 1;
	}
	return 0;
}
