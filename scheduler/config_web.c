/* config_web.c: web.base_url: its default from web.bind and web.port,
 * the path a reverse proxy serves the UI under, and the warning said at
 * start when people could not open its links. */
#include "scheduler/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

void
config_default_base_url(struct config *c)
{
	const char *b = c->web_bind != NULL ? c->web_bind : "";
	int v6 = strchr(b, ':') != NULL;

	if (c->base_url != NULL)
		return;
	c->base_url = xasprintf("http://%s%s%s:%d", v6 ? "[" : "", b,
				v6 ? "]" : "", c->web_port);
	c->base_url_default = 1;
	c->base_url_wildcard = b[0] == '\0' || strcmp(b, "0.0.0.0") == 0 ||
			       strcmp(b, "::") == 0 || strcmp(b, "[::]") == 0;
}

char *
config_web_root(const struct config *c)
{
	const char *host, *path;
	size_t n;

	if (c->base_url_wildcard || c->base_url == NULL ||
	    (host = strstr(c->base_url, "://")) == NULL ||
	    (path = strchr(host + 3, '/')) == NULL)
		return xstrdup("");
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)path[i]) && strchr("/-._~", path[i]) == NULL)
			return NULL;
	return xstrndup(path, n);
}

char *
config_web_origin(const struct config *c)
{
	const char *u = c->base_url, *host, *end;
	char *origin;
	size_t n;

	if (c->base_url_wildcard || u == NULL)
		return NULL;
	if (strncasecmp(u, "http://", 7) == 0)
		host = u + 7;
	else if (strncasecmp(u, "https://", 8) == 0)
		host = u + 8;
	else
		return NULL;
	end = host + strcspn(host, "/?#");
	if (end == host)
		return NULL;
	n = (size_t)(end - host);
	if (host == u + 7 && n > 3 && strncmp(end - 3, ":80", 3) == 0)
		n -= 3;
	else if (host == u + 8 && n > 4 && strncmp(end - 4, ":443", 4) == 0)
		n -= 4;
	origin = xstrndup(u, (size_t)(host - u) + n);
	for (char *p = origin; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return origin;
}

char *
config_base_url_warning(const struct config *c)
{
	char *root = config_web_root(c);
	const char *path;

	free(root);
	if (root == NULL && (path = strchr(strstr(c->base_url, "://") + 3, '/')) != NULL)
		return xasprintf("web.base_url %s in %s has a path with characters "
				 "the UI is not served under (only letters, digits and "
				 "- . _ ~ /): its own links and redirects start at the "
				 "root of its host, so behind a proxy that serves sluice "
				 "under %s they lead out of it",
				 c->base_url, c->file, path);
	if (!c->base_url_wildcard)
		return NULL;
	return xasprintf("web.bind is %s and %s sets no web.base_url: links in "
			 "emails and webhooks name %s, which no one can open; set "
			 "web.base_url to the address people reach the UI at",
			 c->web_bind, c->file, c->base_url);
}
