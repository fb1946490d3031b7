/* api_users.c: who is asking (/me), the users (admin only) and the audit log. */
#include "web/web_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "web/auth.h"

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

enum web_result
api_users_add(struct web_req *r)
{
	struct sl_err err;
	char who[160];
	json_t *body;
	const char *name, *role, *password;
	int role_n;

	sl_err_clear(&err);
	if ((body = web_body_json(r)) == NULL)
		return WEB_DONE;
	name = json_string_value(json_object_get(body, "name"));
	role = json_string_value(json_object_get(body, "role"));
	password = json_string_value(json_object_get(body, "password"));
	role_n = auth_role_parse(role);
	if (name == NULL || role_n == 0 || password == NULL) {
		json_decref(body);
		web_error(r, 400, "a user needs name, role (viewer, operator, admin) and password");
		return WEB_DONE;
	}
	if (auth_user_add(r->w->store, name, role_n, password, web_who(r, who, sizeof who),
			  &err) < 0) {
		int busy = web_store_busy(r->w);

		json_decref(body);
		if (busy)
			return WEB_BUSY;
		web_error(r, strstr(err.msg, "already exists") ? 409 : 400, "%s", err.msg);
		return WEB_DONE;
	}
	web_json(r, 201, json_pack("{s:s,s:s}", "name", name, "role", role));
	json_decref(body);
	return WEB_DONE;
}

enum web_result
api_users_remove(struct web_req *r)
{
	struct sl_err err;
	char who[160];
	const char *name = r->arg.name;
	int rc;

	sl_err_clear(&err);
	if ((rc = auth_user_remove(r->w->store, name, r->user.name,
				   web_who(r, who, sizeof who), &err)) < 0) {
		if (rc == AUTH_DB && web_store_busy(r->w))
			return WEB_BUSY;
		web_error(r, rc == AUTH_NO_USER ? 404 : rc == AUTH_DB ? 500 : 409, "%s", err.msg);
		return WEB_DONE;
	}
	web_json(r, 200, json_pack("{s:s,s:b}", "name", name, "removed", 1));
	return WEB_DONE;
}
