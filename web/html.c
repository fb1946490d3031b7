/* html.c: HTML escaping, the frame every page shares, and the one way a
 * page shows a time (html_time, html_since; app.js's fmtTime and
 * fmtSince are their twins). */
#include "web/web_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "scheduler/tz.h"
#include "web/auth.h"

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
	text_html_escape(b, s);
	free(s);
}

void
html_begin(struct web_req *r, struct buf *b, const char *title, const char *page)
{
	buf_adds(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>");
	text_html_escape(b, title);
	buf_adds(b, " · sluice</title>");
	inline_asset(r, b, "app.css");
	buf_adds(b, "<link rel=\"icon\" href=\"/favicon.ico\"><script src=\"/static/app.js\" defer></script>");
	if (r->paint_after != NULL) {
		buf_adds(b, "<link rel=\"expect\" blocking=\"render\" href=\"#");
		text_html_escape(b, r->paint_after);
		buf_adds(b, "\">");
	}
	if (r->user.by_session) {
		buf_adds(b, "<meta name=\"csrf-token\" content=\"");
		text_html_escape(b, r->user.csrf);
		buf_adds(b, "\">");
	}
	buf_adds(b, "<meta name=\"user-role\" content=\"");
	text_html_escape(b, auth_role_name(r->user.role));
	buf_adds(b, "\"></head>\n<body data-page=\"");
	text_html_escape(b, page);
	buf_adds(b, "\"><header class=\"top\"><a class=\"brand\" href=\"/\">sluice</a>"
		    "<nav><a href=\"/\">DAGs</a><a href=\"/datasets\">Datasets</a>"
		    "<a href=\"/backfills\">Backfills</a>"
		    "<a href=\"/audit\">Audit</a>");
	/* the users page is for admins: only they see its link */
	if (r->user.role >= ROLE_ADMIN)
		buf_adds(b, "<a href=\"/users\" id=\"nav-users\">Users</a>");
	buf_adds(b, "</nav>");
	if (r->user.role != ROLE_NONE) {
		buf_adds(b, "<form class=\"logout\" method=\"post\" action=\"/logout\">"
			    "<a class=\"who\" id=\"nav-account\" href=\"/account\" title=\"My account\">");
		text_html_escape(b, r->user.name);
		buf_adds(b, " <small>(");
		text_html_escape(b, auth_role_name(r->user.role));
		buf_adds(b, ")</small></a><input type=\"hidden\" name=\"csrf\" value=\"");
		text_html_escape(b, r->user.csrf);
		buf_adds(b, "\"><button type=\"submit\">Log out</button></form>");
	}
	buf_adds(b, "</header>\n<main>");
}

void
html_end(struct buf *b)
{
	buf_adds(b, "</main></body></html>\n");
}

void
html_time(struct buf *b, const struct tz *tz, json_t *ms)
{
	char local[64], utc[64], machine[64];
	int64_t t;
	time_t tt;
	struct tm tm;

	if (!json_is_integer(ms) || json_integer_value(ms) <= 0) {
		buf_adds(b, "-");
		return;
	}
	t = json_integer_value(ms) / 1000;
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	/* datetime is for machines; what a person reads (the text, the
	 * tooltip) is written as the CLI writes it, "+00:00" in UTC */
	strftime(machine, sizeof machine, "%Y-%m-%dT%H:%M:%SZ", &tm);
	tz_iso(NULL, t, utc, sizeof utc);
	tz_iso(tz, t, local, sizeof local);
	buf_adds(b, "<time datetime=\"");
	text_html_escape(b, machine);
	buf_adds(b, "\" title=\"");
	text_html_escape(b, utc);
	buf_adds(b, " (UTC)\">");
	text_html_escape(b, local);
	buf_adds(b, "</time>");
}

void
html_partition(struct buf *b, const char *key)
{
	buf_adds(b, "<span class=\"part-key\">");
	text_html_escape(b, key != NULL ? key : "");
	buf_adds(b, "</span>");
}

void
html_since(struct buf *b, json_t *ms, int64_t now_ms, const char *never)
{
	char ago[64];

	if (!json_is_integer(ms) || json_integer_value(ms) <= 0) {
		buf_adds(b, "<span class=\"since never\">");
		text_html_escape(b, never);
		buf_adds(b, "</span>");
		return;
	}
	buf_adds(b, "<span class=\"since\"><span class=\"ago\">");
	text_html_escape(b, sl_format_ago(now_ms - json_integer_value(ms), ago, sizeof ago));
	buf_adds(b, "</span> <span class=\"note\">");
	html_time(b, NULL, ms);
	buf_adds(b, "</span></span>");
}
