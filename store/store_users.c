/*
 * store_users.c: the people of the web UI and the REST API (tables users,
 * api_tokens and sessions, migrations/0002). The store keeps hashes only;
 * hashing, roles and secrets are web/auth.c's business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Step a write; 1 when it changed a row, 0 when none matched, -1 on an
 * error (sqlite's message stays readable through store_errmsg()). */
static int
step_write(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st), changed;

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_CONSTRAINT ? -2 : -1;
	changed = sqlite3_changes(s->db) > 0;
	return changed;
}

int
store_user_add(struct store *s, const char *name, const char *role,
	       const char *password_hash, struct sl_err *err)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO users (name, role, password_hash, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?4)");
	int rc;

	if (st == NULL)
		return store_db_err(s, err, "adding a user");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, password_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sl_now_ms());
	rc = step_write(s, st);
	if (rc == -2)
		return sl_err_set(err, "user %s already exists", name);
	if (rc < 0)
		return sl_err_set(err, "adding user %s: %s", name, sqlite3_errmsg(s->db));
	return 0;
}

int
store_user_set_password(struct store *s, const char *name,
			const char *password_hash, struct sl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (store_begin(s) < 0)
		return sl_err_set(err, "database: %s", sqlite3_errmsg(s->db));
	st = store_stmt(s, "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, password_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sl_now_ms());
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	if ((rc = step_write(s, st)) < 0)
		goto fail;
	if (rc == 0) {
		store_rollback(s);
		return sl_err_set(err, "no user %s", name);
	}
	/* a new password ends every session opened with the old one */
	st = store_stmt(s, "DELETE FROM sessions WHERE user_id = "
			   "(SELECT id FROM users WHERE name = ?)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (step_write(s, st) < 0)
		goto fail;
	if (store_commit(s) < 0)
		return sl_err_set(err, "database: %s", sqlite3_errmsg(s->db));
	return 0;
fail:
	sl_err_set(err, "database: %s", sqlite3_errmsg(s->db));
	store_rollback(s);
	return -1;
}

int
store_user_remove(struct store *s, const char *name, struct sl_err *err)
{
	/* the last admin stays: without one nobody can manage users */
	sqlite3_stmt *st = store_stmt(s,
	    "DELETE FROM users WHERE name = ?1 AND NOT (role = 'admin' AND "
	    "(SELECT count(*) FROM users WHERE role = 'admin') = 1)");
	int rc;

	if (st == NULL)
		return store_db_err(s, err, "removing a user");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = step_write(s, st);
	if (rc == 0) {
		sqlite3_stmt *q = store_stmt(s,
		    "SELECT role FROM users WHERE name = ?1");

		if (q != NULL) {
			int admin;

			sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
			admin = sqlite3_step(q) == SQLITE_ROW &&
				strcmp((const char *)sqlite3_column_text(q, 0), "admin") == 0;
			sqlite3_reset(q);
			if (admin) {
				sl_err_set(err, "%s is the last admin: add "
					   "another admin first", name);
				return -2;
			}
		}
	}
	if (rc < 0)
		return sl_err_set(err, "removing %s: %s", name, sqlite3_errmsg(s->db));
	if (rc == 0)
		return sl_err_set(err, "no user %s", name);
	return 0;
}

json_t *
store_users_json(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT u.name, u.role, u.created_at, "
	    "(SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id) "
	    "FROM users u ORDER BY u.name");
	json_t *arr;
	int rc;

	if (st == NULL)
		return NULL;
	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:i}",
		    "name", (const char *)sqlite3_column_text(st, 0),
		    "role", (const char *)sqlite3_column_text(st, 1),
		    "created_at", (json_int_t)sqlite3_column_int64(st, 2),
		    "tokens", sqlite3_column_int(st, 3)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

int
store_user_count(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM users");
	int n = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

int
store_user_password(struct store *s, const char *name, int64_t *id,
		    char *role, size_t role_n, char **password_hash)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT id, role, password_hash FROM users WHERE name = ?");
	int rc;

	*password_hash = NULL;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(role, role_n, "%s", (const char *)sqlite3_column_text(st, 1));
		*password_hash = xstrdup((const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_token_add(struct store *s, const char *user, const char *token_hash,
		const char *prefix, struct sl_err *err)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO api_tokens (user_id, token_hash, prefix, created_at) "
	    "SELECT id, ?, ?, ? FROM users WHERE name = ?");
	int rc;

	if (st == NULL)
		return store_db_err(s, err, "adding a token");
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, sl_now_ms());
	sqlite3_bind_text(st, 4, user, -1, SQLITE_STATIC);
	rc = step_write(s, st);
	if (rc < 0)
		return sl_err_set(err, "database: %s", sqlite3_errmsg(s->db));
	if (rc == 0)
		return sl_err_set(err, "no user %s", user);
	return 0;
}

/* Read (id, name, role[, csrf]) of the first row of st into the outputs. */
static int
user_row(sqlite3_stmt *st, int64_t *id, char *name, size_t name_n, char *role,
	 size_t role_n, char *csrf, size_t csrf_n)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(name, name_n, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(role, role_n, "%s", (const char *)sqlite3_column_text(st, 2));
		if (csrf != NULL)
			snprintf(csrf, csrf_n, "%s", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_token_user(struct store *s, const char *token_hash, int64_t *id,
		 char *name, size_t name_n, char *role, size_t role_n)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT u.id, u.name, u.role FROM api_tokens t "
	    "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	return user_row(st, id, name, name_n, role, role_n, NULL, 0);
}

int
store_session_add(struct store *s, const char *id_hash, int64_t user_id,
		  const char *csrf, int64_t ttl_ms)
{
	int64_t now = sl_now_ms();
	sqlite3_stmt *st;

	/* expired sessions go as new ones come */
	st = store_stmt(s, "DELETE FROM sessions WHERE expires_at < ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (step_write(s, st) < 0)
		return -1;
	st = store_stmt(s, "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) "
			   "VALUES (?, ?, ?, ?, ?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now + ttl_ms);
	return step_write(s, st) < 0 ? -1 : 0;
}

int
store_session_user(struct store *s, const char *id_hash, int64_t *id,
		   char *name, size_t name_n, char *role, size_t role_n,
		   char *csrf, size_t csrf_n)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT u.id, u.name, u.role, s.csrf FROM sessions s "
	    "JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sl_now_ms());
	return user_row(st, id, name, name_n, role, role_n, csrf, csrf_n);
}

int
store_session_delete(struct store *s, const char *id_hash)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM sessions WHERE id_hash = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_STATIC);
	return step_write(s, st) < 0 ? -1 : 0;
}
