/* secret.c: the rule for secret-looking names and maskable values. */
#include "base/secret.h"

#include <stdio.h>
#include <string.h>

#include "base/util.h"

int
secret_name(const char *k)
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

int
secret_maskable(const char *value)
{
	return value != NULL && strlen(value) >= 4;
}

const char *
secret_url_shown(const char *url, char *out, size_t n)
{
	const char *host = url ? strstr(url, "://") : NULL;
	size_t len;

	if (host == NULL) {
		snprintf(out, n, "********");
		return out;
	}
	host += 3;
	/* user:password@ goes too, up to the last '@' before the query:
	 * a password may hold '@' or '/' (a '@' in the path hides more,
	 * never less) */
	for (const char *p = host, *end = host + strcspn(host, "?#"); p < end; p++)
		if (*p == '@')
			host = p + 1;
	len = strcspn(host, "/?#");
	snprintf(out, n, "%.*s%.*s/********", (int)(strstr(url, "://") + 3 - url),
		 url, (int)len, host);
	return out;
}
