/* mask.c: secrets masked wherever the web shows a value: URL passwords, the values of secret-looking environment variables, secret-looking keys. */
#include "web/web_internal.h"

#include "base/secret.h"
#include "scheduler/dag.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* The one rule (base/secret.c). */
int
mask_secret_name(const char *k)
{
	return secret_name(k);
}

/* Replace every occurrence of secret in text by ******** */
static char *
mask_value(char *text, const char *secret)
{
	struct buf b;
	size_t n = strlen(secret);
	const char *p = text, *q;

	if (!secret_maskable(secret) || strstr(text, secret) == NULL)
		return text;
	buf_init(&b, 0);
	while ((q = strstr(p, secret)) != NULL) {
		buf_add(&b, p, (size_t)(q - p));
		buf_adds(&b, "********");
		p = q + n;
	}
	buf_adds(&b, p);
	free(text);
	return buf_steal(&b);
}

/* Mask secrets in a shown string: URL passwords (scheme://user:PASS@) and
 * values of secret-looking environment variables. */
char *
mask_text(const char *in)
{
	char *text = xstrdup(in);

	size_t pos = 0;
	char *p;

	while ((p = strstr(text + pos, "://")) != NULL) {
		char *host = p + 3, *end = host + strcspn(host, "/ \t\n\"'"), *at, *colon;

		pos = (size_t)(host - text);
		at = memchr(host, '@', (size_t)(end - host));
		colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
		if (colon != NULL && colon + 1 < at) {
			char *secret = xstrndup(colon + 1, (size_t)(at - colon - 1));

			text = mask_value(text, secret);
			free(secret);
		}
	}
	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		char name[128];

		if (eq == NULL || (size_t)(eq - *e) >= sizeof name)
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		if (mask_secret_name(name))
			text = mask_value(text, eq + 1);
	}
	return text;
}

/* Mask a JSON value in place: secret-looking keys lose their values,
 * strings go through mask_text. Returns a new reference. */
json_t *
mask_json(const json_t *in)
{
	json_t *out;
	const char *k;
	json_t *v;
	size_t i;

	switch (json_typeof(in)) {
	case JSON_STRING: {
		char *m = mask_text(json_string_value(in));

		out = json_string(m);
		free(m);
		return out ? out : json_string("");
	}
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach((json_t *)in, k, v)
			json_object_set_new(out, k, mask_secret_name(k) ? json_string("********") : mask_json(v));
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(in, i, v)
			json_array_append_new(out, mask_json(v));
		return out;
	default:
		return json_deep_copy(in);
	}
}

/* A run's (or runs') params with the DAG's secret params as ***: the
 * web never shows a secret param's value. */
void
mask_run_params(const struct dag *d, json_t *run_or_runs)
{
	json_t *params, *v;
	size_t i;

	if (json_is_array(run_or_runs)) {
		json_array_foreach(run_or_runs, i, v)
			mask_run_params(d, v);
		return;
	}
	params = json_object_get(run_or_runs, "params");
	if (json_is_object(params))
		json_object_set_new(run_or_runs, "params",
				    dag_params_masked(d, params));
}

/* The task's command (shell) or options (other types) rendered for this
 * run, and as written, both masked. */
