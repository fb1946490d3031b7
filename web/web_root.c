/*
 * web_root.c: the UI under the path a reverse proxy serves it at
 * (web.base_url's, config_web_root): a request's path after it, a page's
 * links before it, and a login's next= without it.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <string.h>

/* Behind a proxy that passes its path on, the routes start after it;
 * one that takes it off leaves none, and the path is as it came. */
const char *
web_root_path(const struct web *w, const char *path)
{
	if (w->root_len > 0 && strncmp(path, w->root, w->root_len) == 0 &&
	    (path[w->root_len] == '/' || path[w->root_len] == '\0'))
		return path[w->root_len] == '/' ? path + w->root_len : "/";
	return path;
}

/* A page served under a proxy's path (web.base_url's): each link,
 * address and form target the page's markup writes from the root of the
 * host (href="/, src="/, action="/) gets that path in front, and <html>
 * says it (data-root) for the scripts' requests and links. Values on a
 * page are escaped (a quote is &quot;), so only the markup's own
 * attributes match. */
void
web_root_page(const struct web *w, const struct buf *in, struct buf *out)
{
	static const char *const attrs[] = { " href=\"/", " src=\"/", " action=\"/" };
	enum { NATTRS = sizeof attrs / sizeof *attrs };
	const char *s = buf_str(in), *end = s + in->len;
	const char *html = strstr(s, "<html"), *at[NATTRS];

	/* each attribute's next place, found again only once passed: one
	 * pass over the page however many links it has */
	for (size_t k = 0; k < NATTRS; k++)
		at[k] = strstr(s, attrs[k]);
	if (html != NULL) {
		buf_add(out, s, (size_t)(html - s) + 5);
		buf_adds(out, " data-root=\"");
		buf_adds(out, w->root);	/* letters, digits, -._~/ */
		buf_addc(out, '"');
		s = html + 5;
	}
	for (;;) {
		const char *next = NULL;
		size_t k, slash = 0;

		for (k = 0; k < NATTRS; k++) {
			if (at[k] != NULL && at[k] < s)
				at[k] = strstr(s, attrs[k]);
			if (at[k] != NULL && (next == NULL || at[k] < next)) {
				next = at[k];
				slash = strlen(attrs[k]) - 1;
			}
		}
		if (next == NULL) {
			buf_add(out, s, (size_t)(end - s));
			break;
		}
		buf_add(out, s, (size_t)(next - s) + slash);
		if (next[slash + 1] != '/')	/* not //host */
			buf_adds(out, w->root);
		s = next + slash;
	}
}

const char *
web_app_target(const struct web_req *r)
{
	const char *t = r->target;
	size_t n = r->w->root_len;

	if (n > 0 && strncmp(t, r->w->root, n) == 0 &&
	    (t[n] == '/' || t[n] == '?' || t[n] == '\0'))
		return t + n;
	return t;
}

char *
web_root_cookie(const char *root)
{
	char *name;

	if (root[0] == '\0')
		return xstrdup("sluice_session");
	name = xasprintf("sluice_session%s", root);
	/* letters, digits and - . _ ~ stay: a cookie's name takes them */
	for (char *p = name; *p != '\0'; p++)
		if (*p == '/')
			*p = '_';
	return name;
}
