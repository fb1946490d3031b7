/* registry.c: executors from the config file. */
#include "executors/registry.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "executors/plugin.h"
#include "executors/ssh.h"

extern const struct sl_executor_ops exec_local_ops;

/* Built-in executor types; plug-ins come from shared objects. */
static const struct sl_executor_ops *const builtin_executors[] = {
	&exec_local_ops,
	&exec_ssh_ops,
	NULL,
};

/* Types added at run time (registry_add_type): tests' fake executors. */
static const struct sl_executor_ops *added_executors[8];

int
registry_add_type(const struct sl_executor_ops *ops)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(added_executors); i++)
		if (added_executors[i] == NULL || added_executors[i] == ops) {
			added_executors[i] = ops;
			return 0;
		}
	return -1;
}

int
registry_ops(const char *type, const json_t *conf,
	     const struct sl_executor_ops **ops, struct sl_err *err)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(added_executors) &&
	     added_executors[i] != NULL; i++)
		if (strcmp(added_executors[i]->type, type) == 0) {
			*ops = added_executors[i];
			return 0;
		}
	for (size_t i = 0; builtin_executors[i] != NULL; i++)
		if (strcmp(builtin_executors[i]->type, type) == 0) {
			*ops = builtin_executors[i];
			return 0;
		}
	if (strcmp(type, "plugin") == 0) {
		const char *path = json_string_value(json_object_get(conf, "path"));

		if (path == NULL)
			return sl_err_set(err, "a plugin executor needs path: (the shared object)");
		return executor_plugin_load(path, ops, err);
	}
	return sl_err_set(err, "unknown executor type '%s' (known: local, ssh, plugin)",
			  type);
}

/* Whether msg holds word (a key name) at p, not inside a longer name. */
static int
word_at(const char *msg, const char *p, size_t n)
{
	const char *word_chars = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";

	return (p == msg || strchr(word_chars, p[-1]) == NULL) &&
	       (p[n] == '\0' || strchr(word_chars, p[n]) == NULL);
}

/* The key of entry conf that create()'s message is about, so the error
 * points at its line: one the message quotes ('KEY', as in "unknown key
 * 'slot'"), else the one it names first as a word ("slots_per_host must
 * be ..."); NULL when it names none. */
static const char *
msg_key(const json_t *conf, const char *msg)
{
	const char *key, *best = NULL, *best_at = NULL;
	json_t *v;

	json_object_foreach((json_t *)json_object_get(conf, "_at"), key, v) {
		size_t n = strlen(key);
		char quoted[256];

		snprintf(quoted, sizeof quoted, "'%s'", key);
		if (strstr(msg, quoted) != NULL)
			return key;
		for (const char *p = strstr(msg, key); p != NULL; p = strstr(p + 1, key))
			if (word_at(msg, p, n)) {
				if (best_at == NULL || p < best_at) {
					best = key;
					best_at = p;
				}
				break;
			}
	}
	return best;
}

/* create()'s message as the config error: FILE:LINE:COL of the key it is
 * about (else FILE:LINE of the entry), executors.NAME, then the message
 * without a leading "[TYPE ]executor NAME: ", which would say it twice. */
static void
create_err(const char *file, const char *name, const json_t *conf,
	   const char *type, const char *msg, struct sl_err *err)
{
	char prefix[300];
	char where[PATH_MAX + 64] = "";
	const char *key;
	int line = (int)json_integer_value(json_object_get(conf, "_line")), col = 0;

	snprintf(prefix, sizeof prefix, "%s executor %s: ", type, name);
	if (strncmp(msg, prefix, strlen(prefix)) == 0)
		msg += strlen(prefix);
	snprintf(prefix, sizeof prefix, "executor %s: ", name);
	if (strncmp(msg, prefix, strlen(prefix)) == 0)
		msg += strlen(prefix);
	key = msg_key(conf, msg);
	if (key != NULL)
		json_entry_key_at(conf, key, &line, &col);
	if (file != NULL && line > 0 && col > 0)
		snprintf(where, sizeof where, "%s:%d:%d: ", file, line, col);
	else if (file != NULL && line > 0)
		snprintf(where, sizeof where, "%s:%d: ", file, line);
	sl_err_set(err, "%sexecutors.%s: %s", where, name, msg);
}

int
registry_create(struct event_base *base, const json_t *executors,
		const char *file, struct executor_set *out, struct sl_err *err)
{
	const char *name;
	json_t *conf;

	out->v = xcalloc(json_object_size(executors) + 1, sizeof *out->v);
	out->n = 0;
	json_object_foreach((json_t *)executors, name, conf) {
		struct executor *e = &out->v[out->n];
		const char *type = json_string_value(json_object_get(conf, "type"));
		char msg[1024] = "";
		char *text;
		json_t *clean;

		json_int_t line = json_integer_value(json_object_get(conf, "_line"));
		/* where the entry is written, as every other config error says */
		char where[PATH_MAX + 32] = "";

		if (file != NULL && line > 0)
			snprintf(where, sizeof where, "%s:%lld: ", file,
				 (long long)line);
		if (type == NULL)
			type = "local";
		if (registry_ops(type, conf, &e->ops, err) < 0) {
			char m[SL_ERR_MSG];

			snprintf(m, sizeof m, "%s", err ? err->msg : "");
			create_err(file, name, conf, type, m, err);
			goto fail;
		}
		if (e->ops->abi_version < SL_EXECUTOR_ABI_OLDEST ||
		    e->ops->abi_version > SL_EXECUTOR_ABI) {
			sl_err_set(err, "%sexecutors.%s: built for executor interface %d, this sluice has %d",
				   where, name, e->ops->abi_version, SL_EXECUTOR_ABI);
			goto fail;
		}
		clean = json_entry_plain(conf);
		text = json_dumps(clean, JSON_COMPACT);
		json_decref(clean);
		e->inst = e->ops->create(base, name, text, msg, sizeof msg);
		free(text);
		if (e->inst == NULL) {
			create_err(file, name, conf, type, msg, err);
			goto fail;
		}
		e->name = xstrdup(name);
		e->slots = e->ops->slots(e->inst);
		out->n++;
	}
	return 0;
fail:
	registry_destroy(out);
	return -1;
}

void
registry_destroy(struct executor_set *set)
{
	for (int i = 0; i < set->n; i++) {
		set->v[i].ops->destroy(set->v[i].inst);
		free(set->v[i].name);
	}
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

struct executor *
registry_find(struct executor_set *set, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (strcmp(set->v[i].name, name) == 0)
			return &set->v[i];
	return NULL;
}
