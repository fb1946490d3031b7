/*
 * config_webhooks.c: the webhooks: section of sluice.yaml (keys in
 * config_keys[], config.c). Each webhook is kept as
 * {url, format, secret_header, secret_env, tries, retry_delay_ms,
 * timeout_ms}; the URL is a secret and is never logged (base/secret.h
 * secret_url_shown() gives what may be shown of it).
 */
#include "scheduler/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"
#include "base/ydoc.h"

/* Check one webhook's mapping and add it to c->webhooks. */
static int
webhook_load_one(struct config *c, struct ydoc *d, ynode_t *k, ynode_t *n,
		 struct sl_err *err)
{
	const char *name = ynode_str(k), *url = NULL, *s;
	json_t *h;
	char what[300];

	if (name == NULL || name[0] == '\0' || strlen(name) > 100)
		return ydoc_err(d, k, err, "webhooks: keys must be names (at most 100 characters)");
	if (n->type != YAML_MAPPING_NODE)
		return ydoc_err(d, n, err, "webhooks.%s: expected a mapping "
				"({url: ..., format: slack}), got %s", name, ynode_kind(n));
	if (ymap_check_dups(d, n, err) < 0)
		return -1;
	h = json_pack("{s:s,s:i,s:I,s:I}", "format", "json", "tries", 5,
		      "retry_delay_ms", (json_int_t)1000, "timeout_ms", (json_int_t)10000);
	for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n); p++) {
		ynode_t *kk = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		const char *key = ynode_str(kk);
		long long iv;
		int64_t ms;

		snprintf(what, sizeof what, "webhooks.%s.%s", name, key ? key : "");
		if (key == NULL)
			goto unknown;
		if (strcmp(key, "url") == 0) {
			if (ynode_get_str(d, v, what, &url, err) < 0)
				goto fail;
			/* the message never quotes the URL: it is a secret */
			if (strncasecmp(url, "http://", 7) != 0 &&
			    strncasecmp(url, "https://", 8) != 0) {
				ydoc_err(d, v, err, "%s: expected an http:// or https:// URL", what);
				goto fail;
			}
			json_object_set_new(h, "url", json_string(url));
		} else if (strcmp(key, "format") == 0) {
			if (ynode_get_str(d, v, what, &s, err) < 0)
				goto fail;
			if (strcmp(s, "json") != 0 && strcmp(s, "slack") != 0) {
				ydoc_err(d, v, err, "%s: expected json or slack, got '%s'", what, s);
				goto fail;
			}
			json_object_set_new(h, "format", json_string(s));
		} else if (strcmp(key, "secret_header") == 0 ||
			   strcmp(key, "secret_env") == 0) {
			if (ynode_get_str(d, v, what, &s, err) < 0)
				goto fail;
			if (s[0] == '\0' || strpbrk(s, ": \t\r\n") != NULL) {
				ydoc_err(d, v, err, "%s: expected a %s name (no spaces, colons or line breaks)",
					 what, key[7] == 'h' ? "header" : "variable");
				goto fail;
			}
			json_object_set_new(h, key, json_string(s));
		} else if (strcmp(key, "tries") == 0) {
			if (ynode_get_int(d, v, what, 1, 20, &iv, err) < 0)
				goto fail;
			json_object_set_new(h, "tries", json_integer(iv));
		} else if (strcmp(key, "retry_delay") == 0 || strcmp(key, "timeout") == 0) {
			if (ynode_get_duration(d, v, what, &ms, err) < 0)
				goto fail;
			if (ms <= 0 || ms > 3600 * 1000) {
				ydoc_err(d, v, err, "%s: expected a duration between 1ms and 1h", what);
				goto fail;
			}
			json_object_set_new(h, key[0] == 'r' ? "retry_delay_ms" : "timeout_ms",
					    json_integer(ms));
		} else {
unknown:
			static const char known[] = "url, format, secret_header, "
				"secret_env, tries, retry_delay, timeout";
			char hint[160];

			ydoc_err(d, kk, err, "webhooks.%s: unknown key '%s' (%sknown: %s)",
				 name, key ? key : "",
				 text_hint_list(key, known, hint, sizeof hint), known);
			goto fail;
		}
	}
	if (url == NULL) {
		ydoc_err(d, k, err, "webhooks.%s: url is required", name);
		goto fail;
	}
	if ((json_object_get(h, "secret_header") == NULL) !=
	    (json_object_get(h, "secret_env") == NULL)) {
		ydoc_err(d, k, err, "webhooks.%s: secret_header and secret_env go together", name);
		goto fail;
	}
	json_object_set_new(c->webhooks, name, h);
	return 0;
fail:
	json_decref(h);
	return -1;
}

int
config_webhooks_load(struct config *c, struct ydoc *d, void *node,
		     struct sl_err *err)
{
	ynode_t *n = node;

	if (n->type != YAML_MAPPING_NODE)
		return ydoc_err(d, n, err, "webhooks: expected a mapping of "
				"webhook name to {url, format, ...}, got %s", ynode_kind(n));
	if (ymap_check_dups(d, n, err) < 0)
		return -1;
	if (c->webhooks == NULL)
		c->webhooks = json_object();
	for (yaml_node_pair_t *p = ymap_begin(n); p < ymap_end(n); p++)
		if (webhook_load_one(c, d, ydoc_node(d, p->key),
				     ydoc_node(d, p->value), err) < 0)
			return -1;
	return 0;
}

json_t *
config_webhook(const struct config *c, const char *name, struct sl_err *err)
{
	json_t *h = c->webhooks ? json_object_get(c->webhooks, name) : NULL;
	const char *env;

	if (h == NULL) {
		sl_err_set(err, "no webhook '%s' in %s", name, c->file);
		return NULL;
	}
	h = json_deep_copy(h);
	env = json_string_value(json_object_get(h, "secret_env"));
	if (env != NULL) {
		const char *val = getenv(env);

		if (val == NULL) {
			sl_err_set(err, "webhook %s: secret_env names the environment variable %s, which is not set",
				   name, env);
			json_decref(h);
			return NULL;
		}
		json_object_set_new(h, "secret", json_string(val));
	}
	json_object_set_new(h, "name", json_string(name));
	return h;
}

const char *
config_webhook_names(const struct config *c, char *out, size_t n)
{
	const char *k;
	json_t *v;
	size_t len = 0;

	out[0] = '\0';
	if (c->webhooks == NULL)
		return out;
	json_object_foreach(c->webhooks, k, v) {
		len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s",
					len ? ", " : "", k);
		if (len >= n)
			break;
	}
	return out;
}
