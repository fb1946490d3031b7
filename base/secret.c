/* secret.c: the rule for secret-looking names and maskable values. */
#include "base/secret.h"

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
