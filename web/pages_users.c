/*
 * pages_users.c: the people of the UI. The users page (/users, admins
 * only): every user with their role, last login, sessions, API tokens
 * and their last use, and the
 * actions of `sluice users` (add, role, reset a password, a new API
 * token, remove). My account (/account, anyone logged in): one's role,
 * and changing one's own password. web/assets/users.js does the actions
 * through the API (POST /api/v1/users..., /api/v1/account/password) and
 * shows a new password or token once; the rules (names, passwords, the
 * last admin) are web/auth.c's, the same the CLI meets.
 */
#include "web/web_internal.h"

#include <stdio.h>
#include <string.h>

#include "web/auth.h"

/* A role <select> with role selected; extra: its other attributes. */
static void
role_select(struct buf *b, const char *extra, const char *selected)
{
	buf_printf(b, "<select %s>", extra);
	for (int i = ROLE_VIEWER; i <= ROLE_ADMIN; i++) {
		const char *name = auth_role_name(i);

		buf_adds(b, "<option value=\"");
		text_html_escape(b, name);
		buf_adds(b, "\" title=\"");
		text_html_escape(b, auth_role_doc(i));
		buf_adds(b, strcmp(name, selected) == 0 ? "\" selected>" : "\">");
		text_html_escape(b, name);
		buf_adds(b, "</option>");
	}
	buf_adds(b, "</select>");
}

/* A new password: generated (the default) or typed twice; id prefix p. */
static void
password_choice(struct buf *b, const char *p)
{
	buf_printf(b, "<fieldset class=\"pw-choice\" id=\"%s-pw\"><legend>Password</legend>"
		      "<label><input type=\"radio\" name=\"%s-pw-how\" value=\"generate\" "
		      "id=\"%s-pw-generate\" checked> generate one (shown once)</label>"
		      "<label><input type=\"radio\" name=\"%s-pw-how\" value=\"type\" id=\"%s-pw-type\"> "
		      "type one</label><span class=\"pw-typed\" hidden>"
		      "<input type=\"password\" id=\"%s-password\" autocomplete=\"new-password\" "
		      "placeholder=\"new password\" aria-label=\"new password\" title=\"%s\">"
		      "<input type=\"password\" id=\"%s-password-confirm\" autocomplete=\"new-password\" "
		      "placeholder=\"again\" aria-label=\"new password again\"></span></fieldset>",
		   p, p, p, p, p, p, AUTH_PASSWORD_RULE, p);
}

/* One user as a row of the table (users.js's userRow is its twin). */
static void
user_row(struct web_req *r, struct buf *b, json_t *u, int64_t now_ms)
{
	const char *name = json_string_value(json_object_get(u, "name"));
	const char *role = json_string_value(json_object_get(u, "role"));
	long long tokens = json_integer_value(json_object_get(u, "tokens"));
	int me = strcmp(name, r->user.name) == 0;

	buf_adds(b, "<tr data-user=\"");
	text_html_escape(b, name);
	buf_adds(b, "\" data-role=\"");
	text_html_escape(b, role);
	buf_printf(b, "\" data-tokens=\"%lld\"><td class=\"user-name\">", tokens);
	text_html_name(b, name);
	if (me)
		buf_adds(b, " <span class=\"note\">(you)</span>");
	buf_adds(b, "</td><td>");
	{
		struct buf attrs;

		buf_init(&attrs, 0);
		buf_adds(&attrs, "class=\"user-role\" aria-label=\"role of ");
		text_html_escape(&attrs, name);
		buf_adds(&attrs, "\"");
		role_select(b, buf_str(&attrs), role);
		buf_free(&attrs);
	}
	buf_adds(b, "</td><td class=\"user-created\">");
	html_time(b, NULL, json_object_get(u, "created_at"));
	buf_adds(b, "</td><td class=\"user-last-login\">");
	html_since(b, json_object_get(u, "last_login_at"), now_ms, "never");
	buf_printf(b, "</td><td class=\"user-sessions\">%lld</td><td class=\"user-tokens\">%lld</td>"
		      "<td class=\"user-token-used\">",
		   (long long)json_integer_value(json_object_get(u, "sessions")), tokens);
	html_since(b, json_object_get(u, "last_token_used_at"), now_ms, "never");
	buf_adds(b, "</td><td class=\"user-actions\"><div class=\"user-buttons\">");
	if (me)
		buf_adds(b, "<a class=\"button\" href=\"/account\">Change my password</a>");
	else
		buf_adds(b, "<button type=\"button\" class=\"user-password\">Reset password…</button>");
	buf_adds(b, "<button type=\"button\" class=\"user-token\">New API token</button>");
	if (me)
		buf_adds(b, "<button type=\"button\" class=\"user-remove danger\" disabled "
			    "title=\"you cannot remove yourself: another admin can\">Remove…</button>");
	else
		buf_adds(b, "<button type=\"button\" class=\"user-remove danger\">Remove…</button>");
	buf_adds(b, "</div></td></tr>");
}

enum web_result
pages_users(struct web_req *r)
{
	json_t *users = auth_users_json(r->w->store);
	int64_t now = sl_now_ms();
	struct buf b;
	size_t i;
	json_t *u;

	if (users == NULL)
		return api_db_failed(r);
	buf_init(&b, 0);
	html_begin(r, &b, "Users", "users");
	buf_adds(&b, "<h1>Users</h1><p class=\"note\">Who may use the web UI and the REST API. "
		     "A viewer ");
	text_html_escape(&b, auth_role_doc(ROLE_VIEWER));
	buf_adds(&b, "; an operator ");
	text_html_escape(&b, auth_role_doc(ROLE_OPERATOR));
	buf_adds(&b, "; an admin ");
	text_html_escape(&b, auth_role_doc(ROLE_ADMIN));
	buf_adds(&b, ". The same as <code>sluice users</code>; every change is in the "
		     "<a href=\"/audit\">audit log</a>.</p>");

	/* add a user */
	buf_adds(&b, "<section class=\"toolbar\" id=\"users-toolbar\"><details id=\"user-add\">"
		     "<summary>Add user</summary><form id=\"user-add-form\" class=\"user-form\" "
		     "autocomplete=\"off\"><label>Name <input id=\"add-name\" autocomplete=\"off\" "
		     "spellcheck=\"false\" title=\"" AUTH_NAME_RULE "\" placeholder=\"e.g. ana.lopez\" "
		     "size=\"20\"></label><label>Role ");
	role_select(&b, "id=\"add-role\"", "viewer");
	buf_adds(&b, "</label>");
	password_choice(&b, "add");
	buf_adds(&b, "<button type=\"submit\" class=\"primary\" id=\"add-submit\">Add user</button>"
		     "</form><p class=\"note\">A name is " AUTH_NAME_RULE "; a password needs "
		     AUTH_PASSWORD_RULE ".</p></details><p class=\"status\" id=\"status\" role=\"status\"></p></section>");

	/* a new password or token, shown once */
	buf_adds(&b, "<section class=\"secret\" id=\"secret\" hidden><h2 id=\"secret-title\"></h2>"
		     "<p class=\"note\" id=\"secret-note\"></p><div class=\"secret-value\">"
		     "<code id=\"secret-value\"></code><button type=\"button\" id=\"secret-copy\">Copy</button>"
		     "</div><p id=\"secret-usage\" hidden>Use it in the <code>Authorization</code> header "
		     "of each API call:<br><code id=\"secret-usage-value\"></code></p>"
		     "<button type=\"button\" id=\"secret-done\">Done, I have copied it</button></section>");

	buf_adds(&b, "<table class=\"list\" id=\"users\" data-me=\"");
	text_html_escape(&b, r->user.name);
	buf_adds(&b, "\"><thead><tr><th>User</th><th>Role</th><th>Created</th>"
		     "<th title=\"the last login through the login form\">Last login</th>"
		     "<th title=\"logged in now\">Sessions</th><th>API tokens</th>"
		     "<th title=\"the last call with one of their API tokens (noted once a minute at most)\">"
		     "Token last used</th><th>Actions</th></tr></thead><tbody>");
	json_array_foreach(users, i, u)
		user_row(r, &b, u, now);
	buf_adds(&b, "</tbody></table>");

	/* reset a password */
	buf_adds(&b, "<div class=\"modal\" id=\"password-dialog\" hidden><div class=\"dialog\">"
		     "<h2>New password for <span id=\"password-user\"></span></h2>"
		     "<p>Their sessions end: they log in again with the new password. Their API "
		     "tokens stay valid.</p><form id=\"password-form\">");
	password_choice(&b, "reset");
	buf_adds(&b, "<p class=\"status bad\" id=\"password-error\" role=\"alert\"></p>"
		     "<div class=\"buttons\"><button type=\"button\" id=\"password-cancel\">Cancel</button>"
		     "<button type=\"submit\" class=\"primary\" id=\"password-confirm\">Set password</button>"
		     "</div></form></div></div>");

	/* remove a user */
	buf_adds(&b, "<div class=\"modal\" id=\"remove-dialog\" hidden><div class=\"dialog\">"
		     "<h2>Remove <span id=\"remove-user\"></span>?</h2><p id=\"remove-summary\">"
		     "They can no longer log in: their sessions end at once, and their API tokens "
		     "(<span id=\"remove-tokens\"></span>) are revoked, so scripts using them get 401. "
		     "The audit log keeps what they did. To give them access again, add them again.</p>"
		     "<p class=\"status bad\" id=\"remove-error\" role=\"alert\"></p>"
		     "<div class=\"buttons\"><button type=\"button\" id=\"remove-cancel\">Cancel</button>"
		     "<button type=\"button\" class=\"danger\" id=\"remove-confirm\">Remove user</button>"
		     "</div></div></div>");
	buf_adds(&b, "<script src=\"/static/users.js\" defer></script>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	json_decref(users);
	return WEB_DONE;
}

enum web_result
pages_account(struct web_req *r)
{
	struct buf b;

	buf_init(&b, 0);
	html_begin(r, &b, "My account", "account");
	buf_adds(&b, "<h1>My account</h1><table class=\"list props\" id=\"account\"><tbody>"
		     "<tr><th>User</th><td id=\"account-user\">");
	text_html_escape(&b, r->user.name);
	buf_adds(&b, "</td></tr><tr><th>Role</th><td><span id=\"account-role\">");
	text_html_escape(&b, auth_role_name(r->user.role));
	buf_adds(&b, "</span>: ");
	text_html_escape(&b, auth_role_doc(r->user.role));
	if (r->user.role >= ROLE_ADMIN)
		buf_adds(&b, " (<a href=\"/users\">Users</a>)");
	else
		buf_adds(&b, " <span class=\"note\">(an admin gives roles)</span>");
	buf_adds(&b, "</td></tr></tbody></table><h2>Change my password</h2>"
		     "<form class=\"panel\" id=\"account-password-form\">"
		     /* for password managers: whose password this is */
		     "<input type=\"text\" autocomplete=\"username\" hidden readonly value=\"");
	text_html_escape(&b, r->user.name);
	buf_adds(&b, "\"><label>Current password <input type=\"password\" id=\"current-password\" "
		     "autocomplete=\"current-password\"></label><label>New password "
		     "<input type=\"password\" id=\"new-password\" autocomplete=\"new-password\" title=\""
		     AUTH_PASSWORD_RULE "\"></label><label>New password again <input type=\"password\" "
		     "id=\"new-password-confirm\" autocomplete=\"new-password\"></label>"
		     "<p class=\"note\">A password needs " AUTH_PASSWORD_RULE ". Your other sessions "
		     "end; this one stays. Your API tokens stay valid.</p>"
		     "<div><button type=\"submit\" class=\"primary\" id=\"account-password-submit\">"
		     "Change password</button></div><p class=\"status\" id=\"status\" role=\"status\"></p>"
		     "</form><script src=\"/static/users.js\" defer></script>");
	html_end(&b);
	web_html(r, 200, &b);
	buf_free(&b);
	return WEB_DONE;
}
