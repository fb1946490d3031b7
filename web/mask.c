/* mask.c: secrets masked wherever the web shows a value: URL passwords, the values of secret-looking environment variables, secret-looking keys. */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int
mask_secret_name(const char *k)
{
	static const char *const words[] = { "pass", "secret", "token", "credential",
					     "private", "apikey", "api_key", "auth" };
	char low[128];
	size_t i;

	for (i = 0; k[i] != '\0' && i + 1 < sizeof low; i++)
		low[i] = (char)((k[i] >= 'A' && k[i] <= 'Z') ? k[i] + 32 : k[i]);
	low[i] = '\0';
	for (i = 0; i < SL_ARRAY_LEN(words); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	return 0;
}

/* Replace every occurrence of secret in text by ******** */
static char *
mask_value(char *text, const char *secret)
{
	struct buf b;
	size_t n = strlen(secret);
	const char *p = text, *q;

	if (n < 4 || strstr(text, secret) == NULL)
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

/* The task's command (shell) or options (other types) rendered for this
 * run, and as written, both masked. */
