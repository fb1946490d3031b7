/* html.c: HTML escaping and the frame every page shares. */
#include "web/web_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "web/auth.h"

/* Every value that reaches a page goes through here: text and attribute
 * values alike (quotes are escaped too). */
void
html_esc(struct buf *b, const char *s)
{
	for (const char *p = s ? s : ""; *p != '\0'; p++) {
		switch (*p) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *p);
		}
	}
}

void
html_escf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	struct buf tmp;

	buf_init(&tmp, 0);
	va_start(ap, fmt);
	buf_vprintf(&tmp, fmt, ap);
	va_end(ap);
	s = buf_steal(&tmp);
	html_esc(b, s);
	free(s);
}

void
html_begin(struct web_req *r, struct buf *b, const char *title, const char *page)
{
	buf_adds(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>");
	html_esc(b, title);
	buf_adds(b, " · sluice</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
		    "<script src=\"/static/app.js\" defer></script>");
	if (r->user.by_session) {
		buf_adds(b, "<meta name=\"csrf-token\" content=\"");
		html_esc(b, r->user.csrf);
		buf_adds(b, "\">");
	}
	buf_adds(b, "<meta name=\"user-role\" content=\"");
	html_esc(b, auth_role_name(r->user.role));
	buf_adds(b, "\"></head>\n<body data-page=\"");
	html_esc(b, page);
	buf_adds(b, "\"><header class=\"top\"><a class=\"brand\" href=\"/\">sluice</a>"
		    "<nav><a href=\"/\">DAGs</a><a href=\"/audit\">Audit</a></nav>");
	if (r->user.role != ROLE_NONE) {
		buf_adds(b, "<form class=\"logout\" method=\"post\" action=\"/logout\">"
			    "<span class=\"who\">");
		html_esc(b, r->user.name);
		buf_adds(b, " <small>(");
		html_esc(b, auth_role_name(r->user.role));
		buf_adds(b, ")</small></span><input type=\"hidden\" name=\"csrf\" value=\"");
		html_esc(b, r->user.csrf);
		buf_adds(b, "\"><button type=\"submit\">Log out</button></form>");
	}
	buf_adds(b, "</header>\n<main>");
}

void
html_end(struct buf *b)
{
	buf_adds(b, "</main></body></html>\n");
}
