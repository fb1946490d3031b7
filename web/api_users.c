/* api_users.c: who is asking (/me), the users (admin only), one's own
 * password (/account) and the audit log. Every change goes through
 * web/auth.h's verbs, the ones `sluice users` calls, which check the
 * rules and write the audit row. */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "store/store.h"
#include "web/auth.h"

/* the fields each users' request takes (API.md) */
static const char *const user_add_fields[] = {
	"name", "role", "password", "password_confirm", "generate_password",
	NULL
};
static const char *const user_role_fields[] = { "role", NULL };
static const char *const user_password_fields[] = {
	"password", "password_confirm", "generate_password", NULL
};
static const char *const account_password_fields[] = {
	"current", "password", "password_confirm", "generate_password", NULL
};

enum web_result
api_me(struct web_req *r)
{
	json_t *o = json_pack("{s:s,s:s}", "user", r->user.name, "role",
			      auth_role_name(r->user.role));

	if (r->user.by_session)
		json_object_set_new(o, "csrf", json_string(r->user.csrf));
	web_json(r, 200, o);
	return WEB_DONE;
}


enum web_result
api_audit(struct web_req *r)
{
	int limit, offset;
	json_t *rows, *row;
	size_t i;

	if (api_page_args(r, 100, &limit, &offset) < 0)
		return WEB_DONE;
	if ((rows = store_audit_json(r->w->store, limit, offset)) == NULL)
		return api_db_failed(r);
	json_array_foreach(rows, i, row) {
		const char *detail = json_string_value(json_object_get(row, "detail"));
		json_t *v = detail ? json_loads(detail, 0, NULL) : NULL;

		if (v != NULL)
			json_object_set_new(row, "detail", v);
	}
	web_json(r, 200, json_pack("{s:o,s:i,s:i}", "audit", rows, "limit", limit, "offset", offset));
	return WEB_DONE;
}

enum web_result
api_users_list(struct web_req *r)
{
	json_t *users = auth_users_json(r->w->store);

	if (users == NULL)
		return api_db_failed(r);
	web_json(r, 200, json_pack("{s:o}", "users", users));
	return WEB_DONE;
}

/* Reply to a refused user verb (rc, an auth_result; err says why). */
static enum web_result
user_refused(struct web_req *r, int rc, const struct sl_err *err)
{
	int status = 500;

	switch (rc) {
	case AUTH_INVALID:
	case AUTH_WRONG_PASSWORD:
		status = 400;
		break;
	case AUTH_NO_USER:
		status = 404;
		break;
	case AUTH_TAKEN:
	case AUTH_LAST_ADMIN:
	case AUTH_SELF:
		status = 409;
		break;
	default:
		/* a lock held by another writer: nothing changed, run again */
		if (web_store_busy(r->w))
			return WEB_BUSY;
	}
	web_error(r, status, "%s", err->msg);
	return WEB_DONE;
}

/* A new password as a body gives it: "password" (and "password_confirm",
 * when given, equal to it), or "generate_password": true for a random one
 * (may_generate: allowed at all). The password into *out: body's, or
 * *generated (caller frees with auth_secret_free) when made here. -1 after
 * replying 400. */
static int
body_password(struct web_req *r, json_t *body, int may_generate, const char **out,
	      char **generated)
{
	json_t *pw = json_object_get(body, "password");
	json_t *confirm = json_object_get(body, "password_confirm");
	json_t *gen = json_object_get(body, "generate_password");

	*out = NULL;
	*generated = NULL;
	if (gen != NULL && !json_is_boolean(gen))
		return web_error(r, 400, "generate_password is true or false");
	if ((pw != NULL && !json_is_string(pw)) || (confirm != NULL && !json_is_string(confirm)))
		return web_error(r, 400, "a password is a string");
	if (json_is_true(gen)) {
		if (!may_generate)
			return web_error(r, 400, "type the new password: it is not generated here");
		if (pw != NULL || confirm != NULL)
			return web_error(r, 400, "either a password or generate_password, not both");
		*out = *generated = auth_new_password();
		return 0;
	}
	if (pw == NULL || json_string_length(pw) == 0)
		return web_error(r, 400, may_generate ?
				 "a new password is needed (" AUTH_PASSWORD_RULE "), or \"generate_password\": true" :
				 "a new password is needed (" AUTH_PASSWORD_RULE ")");
	if (confirm != NULL && strcmp(json_string_value(pw), json_string_value(confirm)) != 0)
		return web_error(r, 400, "the two new passwords differ: type the same one twice");
	*out = json_string_value(pw);
	return 0;
}

/* Reply status with reply (taken) and, when one was made for this
 * request, the new password, shown this once; wipes it, frees body. */
static enum web_result
reply_with_password(struct web_req *r, int status, json_t *reply,
		    char *generated, json_t *body)
{
	if (generated != NULL)
		json_object_set_new(reply, "password", json_string(generated));
	web_json(r, status, reply);
	auth_secret_free(generated);
	json_decref(body);
	return WEB_DONE;
}

enum web_result
api_users_add(struct web_req *r)
{
	struct sl_err err;
	char who[160], *generated;
	const char *name, *password;
	json_t *body, *reply;
	int role, rc;

	sl_err_clear(&err);
	if ((body = web_body_json(r, user_add_fields)) == NULL)
		return WEB_DONE;
	if (body_password(r, body, 1, &password, &generated) < 0) {
		json_decref(body);
		return WEB_DONE;
	}
	name = json_string_value(json_object_get(body, "name"));
	/* an unknown or missing role is 0: auth_user_add says so */
	role = auth_role_parse(json_string_value(json_object_get(body, "role")));
	rc = auth_user_add(r->w->store, name, role, password, web_who(r, who, sizeof who), &err);
	if (rc < 0) {
		enum web_result res = user_refused(r, rc, &err);

		auth_secret_free(generated);
		json_decref(body);
		return res;
	}
	reply = json_pack("{s:s,s:s}", "name", name, "role", auth_role_name(role));
	return reply_with_password(r, 201, reply, generated, body);
}

enum web_result
api_users_role(struct web_req *r)
{
	struct sl_err err;
	char who[160];
	json_t *body;
	int role, rc;

	sl_err_clear(&err);
	if ((body = web_body_json(r, user_role_fields)) == NULL)
		return WEB_DONE;
	role = auth_role_parse(json_string_value(json_object_get(body, "role")));
	json_decref(body);
	rc = auth_user_set_role(r->w->store, r->arg.name, role, web_who(r, who, sizeof who), &err);
	if (rc < 0)
		return user_refused(r, rc, &err);
	web_json(r, 200, json_pack("{s:s,s:s}", "name", r->arg.name, "role", auth_role_name(role)));
	return WEB_DONE;
}

enum web_result
api_users_password(struct web_req *r)
{
	struct sl_err err;
	char who[160], *generated;
	const char *password;
	json_t *body, *reply;
	int rc;

	sl_err_clear(&err);
	if (strcmp(r->arg.name, r->user.name) == 0) {
		/* setting it here would end this session too, and skip the
		 * current password a stolen session does not know */
		web_error(r, 409, "change your own password on My account (/account): "
			  "it asks for your current one");
		return WEB_DONE;
	}
	if ((body = web_body_json(r, user_password_fields)) == NULL)
		return WEB_DONE;
	if (body_password(r, body, 1, &password, &generated) < 0) {
		json_decref(body);
		return WEB_DONE;
	}
	rc = auth_user_passwd(r->w->store, r->arg.name, password, web_who(r, who, sizeof who), &err);
	if (rc < 0) {
		enum web_result res = user_refused(r, rc, &err);

		auth_secret_free(generated);
		json_decref(body);
		return res;
	}
	reply = json_pack("{s:s,s:b}", "name", r->arg.name, "sessions_ended", 1);
	return reply_with_password(r, 200, reply, generated, body);
}

enum web_result
api_users_token(struct web_req *r)
{
	struct sl_err err;
	char who[160], *token = NULL, *header;
	json_t *body, *v;
	const char *k;
	int rc;

	/* the body is {} or none: a field is refused, as every request
	 * refuses one it does not take (any body made a token) */
	if ((body = web_body_json(r, NULL)) == NULL)
		return WEB_DONE;
	json_object_foreach(body, k, v) {
		web_error(r, 400, "unknown field '%s' in the body: a new token "
			  "takes none (send {} or no body)", k);
		json_decref(body);
		return WEB_DONE;
	}
	json_decref(body);
	sl_err_clear(&err);
	rc = auth_token_new(r->w->store, r->arg.name, web_who(r, who, sizeof who), &token, &err);
	if (rc < 0)
		return user_refused(r, rc, &err);
	/* the only time it is shown: only its hash is kept */
	header = xasprintf("Authorization: Bearer %s", token);
	web_json(r, 201, json_pack("{s:s,s:s,s:s}", "name", r->arg.name, "token", token,
				   "header", header));
	auth_secret_free(header);
	auth_secret_free(token);
	return WEB_DONE;
}

enum web_result
api_users_remove(struct web_req *r)
{
	struct sl_err err;
	char who[160];
	int rc;

	sl_err_clear(&err);
	rc = auth_user_remove(r->w->store, r->arg.name, r->user.name,
			      web_who(r, who, sizeof who), &err);
	if (rc < 0)
		return user_refused(r, rc, &err);
	web_json(r, 200, json_pack("{s:s,s:b}", "name", r->arg.name, "removed", 1));
	return WEB_DONE;
}

enum web_result
api_account_password(struct web_req *r)
{
	struct sl_err err;
	char who[160], cookie[128], *generated;
	const char *current, *password;
	json_t *body;
	int rc, wait;

	sl_err_clear(&err);
	if ((wait = session_guess_wait(r)) > 0) {
		char secs[32];

		snprintf(secs, sizeof secs, "%d", wait);
		web_add_header(r, "Retry-After", secs);
		web_error(r, 429, "too many wrong passwords: wait a minute and try again");
		return WEB_DONE;
	}
	if ((body = web_body_json(r, account_password_fields)) == NULL)
		return WEB_DONE;
	current = json_string_value(json_object_get(body, "current"));
	if (current == NULL || *current == '\0') {
		json_decref(body);
		web_error(r, 400, "your current password is needed");
		return WEB_DONE;
	}
	if (body_password(r, body, 0, &password, &generated) < 0) {
		json_decref(body);
		return WEB_DONE;
	}
	/* this session stays; the others end */
	rc = auth_user_change_password(r->w->store, r->user.name, current, password,
				       session_current_cookie(r, cookie, sizeof cookie) == 0 ? cookie : NULL,
				       web_who(r, who, sizeof who), &err);
	json_decref(body);
	sl_wipe(cookie, sizeof cookie);
	if (rc == AUTH_WRONG_PASSWORD)
		session_guess_failed(r);
	if (rc < 0)
		return user_refused(r, rc, &err);
	web_json(r, 200, json_pack("{s:s,s:b}", "name", r->user.name, "changed", 1));
	return WEB_DONE;
}
