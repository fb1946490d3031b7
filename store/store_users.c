/*
 * store_users.c: the people of the web UI and the REST API (tables users,
 * api_tokens and sessions, migrations/0002). The store keeps hashes only;
 * hashing, roles and secrets are web/auth.c's business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Step a write; 1 when it changed a row, 0 when none matched, -2 when
 * it broke a constraint, -1 on another error (sqlite's message stays
 * readable through store_errmsg()). */
static int
step_write(struct store *s, sqlite3_stmt *st)
{
	int rc, changed;

	if (st == NULL)
		return -1;	/* not prepared: store_stmt said why */
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_CONSTRAINT ? -2 : -1;
	changed = sqlite3_changes(s->db) > 0;
	return changed;
}

/* The audit row of a change to user name, in the caller's transaction:
 * detail {"user": name} plus extra's keys (extra is taken). Never a
 * password, a hash or a token. */
static int
user_audit(struct store *s, const char *who, const char *action,
	   const char *name, json_t *extra)
{
	json_t *detail = json_pack("{s:s}", "user", name);
	int rc;

	if (extra != NULL)
		json_object_update(detail, extra);
	rc = store_audit(s, who, action, NULL, detail);
	json_decref(extra);
	json_decref(detail);
	return rc;
}

/* A user's role ("" when none) into role; 1 found, 0 not, -1 error. */
static int
user_role(struct store *s, const char *name, char *role, size_t n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT role FROM users WHERE name = ?");
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	snprintf(role, n, "%s", rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Would taking the admin role from a user whose role is role leave no
 * admin? 1 yes, 0 no, -1 error. */
static int
user_is_last_admin(struct store *s, const char *role)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (strcmp(role, "admin") != 0)
		return 0;
	st = store_stmt(s, "SELECT count(*) FROM users WHERE role = 'admin'");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc != SQLITE_ROW ? -1 : n <= 1;
}

/* The refusal for the last admin, said one way wherever it is met. */
static int
last_admin_refusal(const char *name, struct sl_err *err)
{
	sl_err_set(err, "%s is the last admin: make another user an admin first", name);
	return STORE_USER_LAST_ADMIN;
}

int
store_user_last_admin(struct store *s, const char *name, struct sl_err *err)
{
	char role[32];
	int rc = user_role(s, name, role, sizeof role);

	if (rc > 0)
		rc = user_is_last_admin(s, role);
	if (rc < 0)
		return store_db_err(s, err, "reading the users");
	return rc == 1 ? last_admin_refusal(name, err) : 0;
}

/* The end of a user verb's transaction: commit, or on a failure (rc < 0,
 * err already says why when rc is a refusal) roll back; a database error
 * is described here. Returns rc, or -1 when the commit fails. */
static int
user_tx_end(struct store *s, int rc, struct sl_err *err, const char *what)
{
	if (rc == -1 || rc == -2) {	/* step_write's errors */
		store_db_err(s, err, what);
		rc = -1;
	}
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	if (store_commit(s) < 0)
		return store_db_err(s, err, what);
	return rc;
}

int
store_user_add(struct store *s, const char *name, const char *role,
	       const char *password_hash, const char *who, struct sl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	/* a lock held by another writer fails here, before anything changed
	 * (store_busy() then tells the caller) */
	if (store_begin(s) < 0)
		return store_db_err(s, err, "adding a user");
	st = store_stmt(s,
	    "INSERT INTO users (name, role, password_hash, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?4)");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, password_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sl_now_ms());
	rc = step_write(s, st);
	if (rc == -2) {
		sl_err_set(err, "a user named %s already exists", name);
		rc = STORE_USER_TAKEN;
	} else if (rc >= 0)
		rc = user_audit(s, who, "user_add", name, json_pack("{s:s}", "role", role));
	return user_tx_end(s, rc < 0 ? rc : 0, err, "adding a user");
}

int
store_user_set_password(struct store *s, const char *name,
			const char *password_hash, const char *keep_session,
			const char *who, struct sl_err *err)
{
	sqlite3_stmt *st;
	int rc, ended = 0;

	if (store_begin(s) < 0)
		return store_db_err(s, err, "setting a password");
	st = store_stmt(s, "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?");
	sqlite3_bind_text(st, 1, password_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sl_now_ms());
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	if ((rc = step_write(s, st)) == 0) {
		sl_err_set(err, "no user %s", name);
		rc = STORE_USER_NONE;
	}
	if (rc > 0) {
		/* a new password ends the sessions opened with the old one
		 * (but the one it was changed from, when asked) */
		st = store_stmt(s, "DELETE FROM sessions WHERE user_id = "
				   "(SELECT id FROM users WHERE name = ?1) AND id_hash IS NOT ?2");
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, keep_session, -1, SQLITE_STATIC);
		rc = step_write(s, st);
		ended = sqlite3_changes(s->db);
	}
	if (rc >= 0)
		rc = user_audit(s, who, "user_password", name,
				json_pack("{s:i}", "sessions_ended", ended));
	return user_tx_end(s, rc < 0 ? rc : 0, err, "setting a password");
}

int
store_user_set_role(struct store *s, const char *name, const char *role,
		    const char *who, struct sl_err *err)
{
	char was[32];
	sqlite3_stmt *st;
	int rc;

	if (store_begin(s) < 0)
		return store_db_err(s, err, "changing a role");
	rc = user_role(s, name, was, sizeof was);
	if (rc == 0) {
		sl_err_set(err, "no user %s", name);
		rc = STORE_USER_NONE;
	} else if (rc > 0 && strcmp(was, role) == 0)
		return user_tx_end(s, 0, err, "changing a role");	/* nothing to do */
	else if (rc > 0 && strcmp(role, "admin") != 0 &&
		 (rc = user_is_last_admin(s, was)) == 1) {
		rc = last_admin_refusal(name, err);
	}
	if (rc >= 0) {
		st = store_stmt(s, "UPDATE users SET role = ?, updated_at = ? WHERE name = ?");
		sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, sl_now_ms());
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		rc = step_write(s, st);
	}
	if (rc >= 0)
		rc = user_audit(s, who, "user_role", name,
				json_pack("{s:s,s:s}", "role", role, "was", was));
	return user_tx_end(s, rc < 0 ? rc : 0, err, "changing a role");
}

int
store_user_remove(struct store *s, const char *name, const char *who,
		  struct sl_err *err)
{
	char role[32];
	sqlite3_stmt *st;
	int rc;

	if (store_begin(s) < 0)
		return store_db_err(s, err, "removing a user");
	rc = user_role(s, name, role, sizeof role);
	if (rc == 0) {
		sl_err_set(err, "no user %s", name);
		rc = STORE_USER_NONE;
	} else if (rc > 0 && (rc = user_is_last_admin(s, role)) == 1) {
		/* without an admin nobody could manage users */
		rc = last_admin_refusal(name, err);
	}
	if (rc >= 0) {
		/* its sessions and tokens go with it (ON DELETE CASCADE) */
		st = store_stmt(s, "DELETE FROM users WHERE name = ?");
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		rc = step_write(s, st);
	}
	if (rc >= 0)
		rc = user_audit(s, who, "user_remove", name, json_pack("{s:s}", "role", role));
	return user_tx_end(s, rc < 0 ? rc : 0, err, "removing a user");
}

/* Column i as epoch ms, or JSON null when it is NULL (never). */
static json_t *
ms_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	       json_integer(sqlite3_column_int64(st, i));
}

json_t *
store_users_json(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT u.name, u.role, u.created_at, "
	    "(SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id), "
	    "(SELECT count(*) FROM sessions x WHERE x.user_id = u.id AND x.expires_at > ?1), "
	    "u.last_login_at, "
	    "(SELECT max(t.last_used_at) FROM api_tokens t WHERE t.user_id = u.id) "
	    "FROM users u ORDER BY u.name");
	json_t *arr;
	int rc;

	sqlite3_bind_int64(st, 1, sl_now_ms());
	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:i,s:i,s:o,s:o}",
		    "name", (const char *)sqlite3_column_text(st, 0),
		    "role", (const char *)sqlite3_column_text(st, 1),
		    "created_at", (json_int_t)sqlite3_column_int64(st, 2),
		    "tokens", sqlite3_column_int(st, 3),
		    "sessions", sqlite3_column_int(st, 4),
		    "last_login_at", ms_or_null(st, 5),
		    "last_token_used_at", ms_or_null(st, 6)));
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
		const char *prefix, const char *who, struct sl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (store_begin(s) < 0)
		return store_db_err(s, err, "adding a token");
	st = store_stmt(s,
	    "INSERT INTO api_tokens (user_id, token_hash, prefix, created_at) "
	    "SELECT id, ?, ?, ? FROM users WHERE name = ?");
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, sl_now_ms());
	sqlite3_bind_text(st, 4, user, -1, SQLITE_STATIC);
	if ((rc = step_write(s, st)) == 0) {
		sl_err_set(err, "no user %s", user);
		rc = STORE_USER_NONE;
	}
	if (rc >= 0)
		rc = user_audit(s, who, "user_token", user, NULL);
	return user_tx_end(s, rc < 0 ? rc : 0, err, "adding a token");
}

/* Read (id, name, role[, csrf or a number]) of the first row of st into
 * the outputs: column 3 as text into csrf, or as a number into num, when
 * one is given. */
static int
user_row(sqlite3_stmt *st, int64_t *id, char *name, size_t name_n, char *role,
	 size_t role_n, char *csrf, size_t csrf_n, int64_t *num)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(name, name_n, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(role, role_n, "%s", (const char *)sqlite3_column_text(st, 2));
		if (csrf != NULL)
			snprintf(csrf, csrf_n, "%s", (const char *)sqlite3_column_text(st, 3));
		else if (num != NULL)
			*num = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_token_user(struct store *s, const char *token_hash, int64_t *id,
		 char *name, size_t name_n, char *role, size_t role_n,
		 int64_t *last_used_ms)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT u.id, u.name, u.role, coalesce(t.last_used_at, 0) FROM api_tokens t "
	    "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	return user_row(st, id, name, name_n, role, role_n, NULL, 0, last_used_ms);
}

int
store_token_used(struct store *s, const char *token_hash, int64_t now_ms,
		 int64_t grain_ms)
{
	/* the guard again here: another web process may have written it
	 * since this one read it */
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE api_tokens SET last_used_at = ?1 WHERE token_hash = ?2 "
	    "AND (last_used_at IS NULL OR abs(?1 - last_used_at) >= ?3)");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_text(st, 2, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, grain_ms);
	rc = step_write(s, st);
	return rc < 0 ? -1 : rc;
}

int
store_session_add(struct store *s, const char *id_hash, int64_t user_id,
		  const char *csrf, int64_t ttl_ms)
{
	int64_t now = sl_now_ms();
	sqlite3_stmt *st;
	int rc = -1;

	/* the session and the user's last login: both or neither */
	if (store_begin(s) < 0)
		return -1;
	/* expired sessions go as new ones come */
	st = store_stmt(s, "DELETE FROM sessions WHERE expires_at < ?");
	sqlite3_bind_int64(st, 1, now);
	if (step_write(s, st) < 0)
		goto out;
	st = store_stmt(s, "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) "
			   "VALUES (?, ?, ?, ?, ?)");
	sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now + ttl_ms);
	if (step_write(s, st) < 0)
		goto out;
	st = store_stmt(s, "UPDATE users SET last_login_at = ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, user_id);
	if (step_write(s, st) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s) < 0 ? -1 : 0;
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
	return user_row(st, id, name, name_n, role, role_n, csrf, csrf_n, NULL);
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
